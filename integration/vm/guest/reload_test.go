//go:build linux

package guest

import (
	"errors"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// knetlinkKo is where integration/vm/run.sh puts the module in the VM.
const knetlinkKo = "/lib/modules/knetlink.ko"

// TestReload: rmmod releases the unit and the genl family (nothing answers,
// nothing is listed), and insmod brings both back.
func TestReload(t *testing.T) {
	guest(t)
	if _, err := os.Stat(knetlinkKo); err != nil {
		t.Skipf("no %s: %v", knetlinkKo, err)
	}
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
	}

	run("rmmod", "knetlink")
	loaded := true
	defer func() {
		if !loaded {
			run("insmod", knetlinkKo)
		}
	}()
	loaded = false

	runtime.LockOSThread() // see TestProcNetNetlink
	b, err := os.ReadFile("/proc/thread-self/net/netlink")
	runtime.UnlockOSThread()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if fs := strings.Fields(line); len(fs) > 2 && fs[1] == "17" {
			t.Errorf("after rmmod, /proc/net/netlink still has unit 17: %s", line)
		}
	}
	// With no kernel socket on unit 17, socket() fails (the unit is not
	// registered) or, were another user keeping it, sendto portid 0 fails.
	if fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, knetlinkUnit); err == nil {
		unix.Close(fd)
		t.Errorf("after rmmod, socket(AF_NETLINK, SOCK_RAW, 17) succeeded")
	} else {
		say("u2k: after rmmod: socket(unit 17): %v", err)
	}
	gfd := dial(t, unix.NETLINK_GENERIC, 0)
	var a attrs
	a.str(unix.CTRL_ATTR_FAMILY_NAME, knetlinkGenlName)
	if _, err := request(t, gfd, genlmsg(unix.GENL_ID_CTRL, unix.NLM_F_REQUEST|unix.NLM_F_ACK, 1, unix.CTRL_CMD_GETFAMILY, 2, &a)); !errors.Is(err, unix.ENOENT) {
		t.Errorf("after rmmod, resolving %s: %v, want ENOENT", knetlinkGenlName, err)
	} else {
		say("genl: after rmmod: resolve %s: %v", knetlinkGenlName, err)
	}

	run("insmod", knetlinkKo)
	loaded = true
	fd := dial(t, knetlinkUnit, 0)
	sendTo(t, fd, nlmsg(knetlinkMsgEcho, 0, 1, 0, []byte("again")), 0, 0)
	if got, _ := recv(t, fd); string(got[unix.NLMSG_HDRLEN:]) != "again" {
		t.Errorf("after insmod: echo %q", got)
	}
	if f := resolveFamily(t, gfd, knetlinkGenlName); f.id == 0 {
		t.Errorf("after insmod: family has no id")
	}
	say("u2k: reload ok: rmmod released unit 17 and %s, insmod restored both", knetlinkGenlName)
}
