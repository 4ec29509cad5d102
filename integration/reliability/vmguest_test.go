package reliability

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/genl/knetlink"
	"github.com/nlkit/nlkit/proto"
)

// In the VM (integration/vm/run.sh) the module lies here and is loaded before the test binaries run; the
// harness unloads it again after them, so these tests must leave it loaded.
const (
	knetlinkKo   = "/lib/modules/knetlink.ko"
	knetlinkUnit = 17
	echoType     = 0x10 // KNETLINK_MSG_ECHO
	prompt       = 3 * time.Second
)

func vmGuest(t *testing.T) {
	t.Helper()
	if !inVM {
		t.Skip("runs only inside the VM harness (" + envVMGuest + "=1): it unloads a kernel module")
	}
}

// modCmd runs rmmod or insmod with a deadline: a hang is a failure, not a stuck VM.
func modCmd(t *testing.T, name string, args ...string) (string, time.Duration, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	took := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("%s %s hung for %v", name, strings.Join(args, " "), took)
	}
	return strings.TrimSpace(string(out)), took, err
}

// ensureLoaded puts knetlink back if it is not loaded.
func ensureLoaded(t *testing.T) {
	t.Helper()
	if c, err := nlkit.Dial(knetlinkUnit, nil); err == nil {
		c.Close()
		return
	}
	if out, _, err := modCmd(t, "insmod", knetlinkKo); err != nil {
		t.Errorf("insmod %s: %v: %s", knetlinkKo, err, out)
	}
}

// echo sends payload to the module on c and waits (bounded) for the echo.
func echo(c *nlkit.Conn, payload string) error {
	if err := c.SendTo(nlkit.Sockaddr{}, proto.Message{Header: proto.Header{Type: echoType}, Data: []byte(payload)}); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), prompt)
	defer cancel()
	msgs, _, err := c.Receive(ctx)
	if err != nil {
		return err
	}
	if len(msgs) != 1 || string(msgs[0].Data) != payload {
		return fmt.Errorf("wrong echo of %q: %v", payload, msgs)
	}
	return nil
}

// TestVMGuestUnloadUnderLiveConnection: `rmmod knetlink` while a unit-17 connection (netlink-u2k) is open.
// Each user socket of a unit holds a reference on the module that registered it (netlink_create's
// try_module_get), so the kernel refuses the unload at once (EBUSY, "in use") and the live connection keeps
// working; once it is closed the unload succeeds, and opening unit 17 again gives a clear *nlkit.UnitError
// (EPROTONOSUPPORT) at once. Should a kernel let the unload through, the next send or receive on the live
// connection must fail promptly instead of hanging. The module is loaded again at the end.
func TestVMGuestUnloadUnderLiveConnection(t *testing.T) {
	vmGuest(t)
	defer ensureLoaded(t)
	c, err := nlkit.Dial(knetlinkUnit, nil)
	if err != nil {
		t.Fatalf("unit 17 (is knetlink loaded?): %v", err)
	}
	defer c.Close()
	if err := echo(c, "before"); err != nil {
		t.Fatalf("echo before rmmod: %v", err)
	}

	out, took, rmErr := modCmd(t, "rmmod", "knetlink")
	t.Logf("rmmod under a live connection: %v in %v: %q", rmErr, took.Round(time.Millisecond), out)
	if rmErr != nil {
		// Refused: the module is pinned by the connection. It must say so, at once, and nothing breaks.
		if took > prompt {
			t.Errorf("the refused rmmod took %v", took)
		}
		// delete_module(2) gives EWOULDBLOCK (O_NONBLOCK, as busybox and kmod call it) or EBUSY.
		if lo := strings.ToLower(out); !strings.Contains(lo, "in use") && !strings.Contains(lo, "busy") &&
			!strings.Contains(lo, "temporarily unavailable") {
			t.Errorf("rmmod refused without saying why: %q", out)
		}
		if err := echo(c, "still here"); err != nil {
			t.Errorf("the live connection broke after a refused rmmod: %v", err)
		}
		setFigure("vm_rmmod_under_live_conn", "refused-in-use")
		c.Close()
		if out, _, err := modCmd(t, "rmmod", "knetlink"); err != nil {
			t.Fatalf("rmmod after closing the connection: %v: %s", err, out)
		}
	} else {
		// Unloaded under the connection: the next exchange must fail fast and clearly.
		start := time.Now()
		err := echo(c, "after")
		t.Logf("echo on the live connection after rmmod: %v in %v", err, time.Since(start).Round(time.Millisecond))
		if err == nil {
			t.Errorf("echo succeeded after the module was unloaded")
		} else if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("echo after rmmod waited for the deadline instead of failing: %v", err)
		}
		setFigure("vm_rmmod_under_live_conn", "unloaded")
	}

	// Unloaded now: opening unit 17 fails at once with a clear error.
	start := time.Now()
	_, err = nlkit.Dial(knetlinkUnit, nil)
	var ue *nlkit.UnitError
	if !errors.As(err, &ue) || !errors.Is(err, syscall.EPROTONOSUPPORT) {
		t.Errorf("Dial(17) after rmmod: %v, want a *nlkit.UnitError (EPROTONOSUPPORT)", err)
	} else if d := time.Since(start); d > prompt {
		t.Errorf("Dial(17) after rmmod took %v", d)
	} else {
		t.Logf("Dial(17) after rmmod: %v (%v)", err, d.Round(time.Microsecond))
	}

	if out, _, err := modCmd(t, "insmod", knetlinkKo); err != nil {
		t.Fatalf("insmod: %v: %s", err, out)
	}
	c2, err := nlkit.Dial(knetlinkUnit, nil)
	if err != nil {
		t.Fatalf("unit 17 after insmod: %v", err)
	}
	defer c2.Close()
	if err := echo(c2, "again"); err != nil {
		t.Errorf("echo after insmod: %v", err)
	}
}

// TestVMGuestUnloadUnderLiveGenlClient: Generic Netlink sockets do not pin the module, so `rmmod knetlink`
// succeeds under a live KNETLINK client; its next Echo must fail promptly with a clear error (the family is
// gone), not wait for its deadline. After insmod a new client works.
func TestVMGuestUnloadUnderLiveGenlClient(t *testing.T) {
	vmGuest(t)
	defer ensureLoaded(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	k, err := knetlink.Dial(ctx, nil)
	if err != nil {
		t.Fatalf("KNETLINK family: %v", err)
	}
	defer k.Close()
	if got, err := k.Echo(ctx, []byte("before")); err != nil || string(got) != "before" {
		t.Fatalf("echo before rmmod: %q, %v", got, err)
	}
	if out, took, err := modCmd(t, "rmmod", "knetlink"); err != nil {
		t.Fatalf("rmmod under a live genl client: %v: %s", err, out)
	} else {
		t.Logf("rmmod under a live genl client: ok in %v", took.Round(time.Millisecond))
	}
	ectx, ecancel := context.WithTimeout(ctx, prompt)
	start := time.Now()
	got, err := k.Echo(ectx, []byte("after"))
	ecancel()
	took := time.Since(start)
	t.Logf("Echo after rmmod: %q, %v in %v", got, err, took.Round(time.Microsecond))
	switch {
	case err == nil:
		t.Errorf("Echo succeeded after the family was unregistered: %q", got)
	case errors.Is(err, context.DeadlineExceeded):
		t.Errorf("Echo after rmmod hung until its deadline (%v)", took)
	}
	setFigure("vm_genl_echo_after_rmmod", strings.ReplaceAll(errString(err), " ", "_"))

	if out, _, err := modCmd(t, "insmod", knetlinkKo); err != nil {
		t.Fatalf("insmod: %v: %s", err, out)
	}
	k2, err := knetlink.Dial(ctx, nil)
	if err != nil {
		t.Fatalf("KNETLINK after insmod: %v", err)
	}
	defer k2.Close()
	if got, err := k2.Echo(ctx, []byte("again")); err != nil || string(got) != "again" {
		t.Errorf("echo after insmod: %q, %v", got, err)
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
