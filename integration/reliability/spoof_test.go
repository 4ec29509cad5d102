package reliability

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/nlkit/nlkit/internal/testbin"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/families/unit"
	"github.com/nlkit/nlkit/netns/nstest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// forgedLink is an RTM_NEWLINK as the kernel would send it (nlmsg_pid 0) for a link that does not exist.
func forgedLink(index int32, name string) []byte {
	return msg(unix.RTM_NEWLINK, 0, ifinfomsg(index), attr(unix.IFLA_IFNAME, cstr(name)), attr(unix.IFLA_MTU, u32(1500)))
}

// TestSpoofedRouteEvent: a privileged process unicasts (and multicasts) a forged RTM_NEWLINK to a route
// watcher's portid. The watcher drops it (Conn.Dropped counts it) and delivers no event; the next real change
// arrives as the first event. A control watcher with AcceptUserSenders shows that the forgery does reach the
// socket, so the drop is the core's doing.
func TestSpoofedRouteEvent(t *testing.T) {
	needRoot(t)
	ns := newNS(t)
	fd := ns.Handle.Fd()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	watch := func(accept bool) (*route.Watcher, *nlkit.Conn) {
		conn, err := nlkit.Dial(nlkit.UnitRoute, &nlkit.Config{NetNS: fd, AcceptUserSenders: accept})
		if err != nil {
			t.Fatal(err)
		}
		w, err := route.NewWatcherConn(conn, nil, &route.WatchConfig{Objects: route.WatchLinks, NetNS: fd})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { w.Close() })
		return w, conn
	}
	w, wconn := watch(false)
	ctl, ctlConn := watch(true)

	forger, err := nlkit.Dial(nlkit.UnitRoute, &nlkit.Config{NetNS: fd})
	if err != nil {
		t.Fatal(err)
	}
	defer forger.Close()
	for _, to := range []uint32{wconn.PortID(), ctlConn.PortID()} {
		if err := forger.SendRaw(nlkit.Sockaddr{PortID: to}, forgedLink(4242, "forged0")); err != nil {
			t.Fatalf("forging a unicast to portid %d (as root): %v", to, err)
		}
	}
	// The same forgery multicast to RTNLGRP_LINK (root may send to rtnetlink groups).
	groupSent := forger.SendRaw(nlkit.Sockaddr{Groups: nlkit.GroupMask(unix.RTNLGRP_LINK)}, forgedLink(4343, "forged1"))
	var np *nlkit.NoPeerError
	if groupSent != nil && !errors.As(groupSent, &np) {
		t.Logf("multicast forgery not sent: %v", groupSent)
		groupSent = errors.New("not sent")
	} else {
		groupSent = nil
	}

	// A real change: lo's MTU.
	c, err := route.Dial(&route.Config{NetNS: fd})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Link.Set(ctx, 1, route.LinkSet{MTU: 65000}); err != nil {
		t.Fatal(err)
	}

	ev, err := w.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Link == nil || ev.Link.Index != 1 || ev.Link.MTU != 65000 {
		t.Errorf("first event after the forgery: %v (link %+v), want lo with MTU 65000", ev, ev.Link)
	}
	wantDropped := uint64(1)
	if groupSent == nil {
		wantDropped = 2
	}
	if got := wconn.Dropped(); got != wantDropped {
		t.Errorf("watcher dropped %d datagrams, want %d", got, wantDropped)
	}

	// The control watcher sees the forgeries: the test did deliver them.
	forged := 0
	for range 3 {
		ev, err := ctl.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Link != nil && (ev.Link.Index == 4242 || ev.Link.Index == 4343) {
			forged++
		}
		if ev.Link != nil && ev.Link.Index == 1 {
			break
		}
	}
	if forged == 0 {
		t.Errorf("control: a watcher accepting user senders saw no forged event; the forgery was not delivered")
	}
	setFigure("spoof_forged_dropped", wconn.Dropped())
	setFigure("spoof_forged_accepted_by_control", forged)
	t.Logf("forged RTM_NEWLINK: watcher dropped %d, control (AcceptUserSenders) saw %d", wconn.Dropped(), forged)
}

// childResult is what the uid-client child reports on stdout.
type childResult struct {
	UID, GID   int
	Reply      string
	Err        string
	IsProto    bool
	Errno      int
	ExtAck     string
	ElapsedSec float64
}

// uidClient is the child role: send one request to the server at $NLKIT_RELIABILITY_SERVER and report.
func uidClient() int {
	portid, err := strconv.ParseUint(os.Getenv("NLKIT_RELIABILITY_SERVER"), 10, 32)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bad server portid:", err)
		return 2
	}
	r := childResult{UID: os.Getuid(), GID: os.Getgid()}
	start := time.Now()
	c, err := unit.DialClient(&unit.ClientConfig{Server: uint32(portid), Timeout: 5 * time.Second})
	if err != nil {
		r.Err = "dial: " + err.Error()
	} else {
		defer c.Close()
		rep, err := c.Request(context.Background(), 0, []byte("let me in"))
		if err != nil {
			r.Err = err.Error()
			var pe *proto.Error
			if errors.As(err, &pe) {
				r.IsProto, r.Errno, r.ExtAck = true, int(pe.Errno), pe.ExtAck.Msg
			}
		} else {
			r.Reply = string(rep.Message.Data)
		}
	}
	r.ElapsedSec = time.Since(start).Seconds()
	json.NewEncoder(os.Stdout).Encode(r)
	return 0
}

// publicBinary copies the test binary where an unprivileged user can run it (go test builds it in a 0700
// directory).
func publicBinary(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "nlkit-reliability-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst := filepath.Join(dir, "reliability.test")
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(f, src); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestServerRefusesOtherUID: a unit Server with AllowUIDs [0] answers root and refuses a client running as
// uid 65534 — a child that dropped its privileges, and a child that is uid 0 inside its own user namespace
// (mapped to 65534) — with EACCES and an extended-ack text, and logs each refusal.
func TestServerRefusesOtherUID(t *testing.T) {
	needRoot(t)
	ns := newNS(t)
	fd := ns.Handle.Fd()
	logs := &testbin.SyncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := unit.Listen(&unit.ServerConfig{Config: unit.Config{NetNS: fd, PortID: 7000}, AllowUIDs: []uint32{0},
		Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- srv.Serve(ctx, func(_ context.Context, req unit.Request) ([]byte, error) {
			return append([]byte("welcome uid "+strconv.Itoa(int(req.From.Cred.UID))+": "), req.Message.Data...), nil
		})
	}()
	defer func() {
		cancel()
		srv.Close()
		<-served
	}()

	// Root is let in.
	root, err := unit.DialClient(&unit.ClientConfig{Server: srv.PortID(), Config: unit.Config{NetNS: fd}})
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	rep, err := root.Request(context.Background(), 0, []byte("hello"))
	if err != nil || string(rep.Message.Data) != "welcome uid 0: hello" {
		t.Fatalf("root client: %q, %v", rep.Message.Data, err)
	}

	bin := publicBinary(t)
	variants := []struct {
		name string
		attr *syscall.SysProcAttr
	}{
		{"setuid 65534", &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}}},
		// The child must setuid(0) inside its namespace: CLONE_NEWUSER alone leaves a process started by root
		// with kuid 0 (shown inside as the overflow uid 65534), and the server rightly sees it as uid 0.
		{"root in a user namespace mapped to 65534", &syscall.SysProcAttr{
			Cloneflags:  syscall.CLONE_NEWUSER,
			UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 65534, Size: 1}},
			GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 65534, Size: 1}},
			Credential:  &syscall.Credential{Uid: 0, Gid: 0, NoSetGroups: true},
		}},
	}
	for i, v := range variants {
		t.Run(strings.ReplaceAll(v.name, " ", "_"), func(t *testing.T) {
			cmd := exec.Command(bin, "-test.run=^$")
			cmd.Env = append(os.Environ(), envChild+"=uid-client",
				"NLKIT_RELIABILITY_SERVER="+strconv.FormatUint(uint64(srv.PortID()), 10))
			cmd.SysProcAttr = v.attr
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			if err := ns.Do(cmd.Start); err != nil { // the child starts in the server's namespace
				if i == 1 {
					nstest.Skipf(t, "cannot start a child in a user namespace: %v", err)
				}
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil {
				t.Fatalf("child: %v\n%s", err, stderr.String())
			}
			var r childResult
			if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
				t.Fatalf("child output %q: %v (stderr %s)", stdout.String(), err, stderr.String())
			}
			t.Logf("child uid %d gid %d (its view): err %q in %.3fs (process %v)", r.UID, r.GID, r.Err, r.ElapsedSec,
				time.Since(start).Round(time.Millisecond))
			if r.Reply != "" {
				t.Fatalf("the server answered a uid-65534 client: %q", r.Reply)
			}
			if !r.IsProto || syscall.Errno(r.Errno) != syscall.EACCES {
				t.Fatalf("child got %q (proto.Error %v, errno %d), want a *proto.Error with EACCES", r.Err, r.IsProto, r.Errno)
			}
			if !strings.Contains(r.ExtAck, "uid 65534") || !strings.Contains(r.Err, r.ExtAck) {
				t.Errorf("refusal text %q (error %q) does not say which uid was refused", r.ExtAck, r.Err)
			}
			if r.ElapsedSec > 2 {
				t.Errorf("refusal took %.1fs", r.ElapsedSec)
			}
		})
	}
	st := srv.Stats()
	if st.Refused != uint64(len(variants)) {
		t.Errorf("server refused %d requests, want %d (stats %+v)", st.Refused, len(variants), st)
	}
	log := logs.String()
	if n := strings.Count(log, "request refused"); n != len(variants) || !strings.Contains(log, "uid=65534") {
		t.Errorf("refusals logged %d times (want %d), log:\n%s", n, len(variants), log)
	}
	t.Logf("server log:\n%s", log)
	setFigure("access_refused", st.Refused)
	// Root still gets answers after the refusals.
	if _, err := root.Request(context.Background(), 0, []byte("again")); err != nil {
		t.Errorf("root after refusals: %v", err)
	}
}
