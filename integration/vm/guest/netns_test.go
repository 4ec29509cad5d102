//go:build linux

package guest

import (
	"bytes"
	"errors"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"
)

// inNewNetns runs fn on a locked thread moved into a fresh network
// namespace. The thread is never handed back to the scheduler: the goroutine
// exits still locked, so the runtime throws the thread away.
func inNewNetns(t *testing.T, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			t.Errorf("unshare(CLONE_NEWNET): %v", err)
			return
		}
		fn()
	}()
	<-done
}

// TestNetns: unit 17 has a kernel socket in the initial namespace only (a
// send to portid 0 elsewhere is refused); the genl family is netnsok.
func TestNetns(t *testing.T) {
	guest(t)
	inNewNetns(t, func() {
		fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, knetlinkUnit)
		if err != nil {
			t.Errorf("socket(unit 17) in a new netns: %v", err)
			return
		}
		defer unix.Close(fd)
		if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			t.Errorf("bind: %v", err)
			return
		}
		err = unix.Sendto(fd, nlmsg(knetlinkMsgEcho, 0, 1, 0, []byte("hi")), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK})
		if !errors.Is(err, unix.ECONNREFUSED) {
			t.Errorf("send to portid 0 on unit 17 in a new netns: %v, want ECONNREFUSED", err)
		} else {
			say("u2k: new netns: send to unit 17 portid 0: %v (kernel socket lives in init_net only)", err)
		}

		gfd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_GENERIC)
		if err != nil {
			t.Errorf("socket(NETLINK_GENERIC): %v", err)
			return
		}
		defer unix.Close(gfd)
		tv := unix.NsecToTimeval(5e9)
		_ = unix.SetsockoptTimeval(gfd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		f := resolveFamily(t, gfd, knetlinkGenlName)
		var a attrs
		a.put(knetlinkAttrMsg, []byte("from a netns"))
		msgs, err := request(t, gfd, genlmsg(f.id, unix.NLM_F_REQUEST|unix.NLM_F_ACK, 5, knetlinkCmdEcho, 1, &a))
		if err != nil || len(msgs) != 1 {
			t.Errorf("ECHO in a new netns: %d replies, %v", len(msgs), err)
			return
		}
		got := parseAttrs(t, msgs[0][unix.NLMSG_HDRLEN+sizeofGenlmsghdr:])[knetlinkAttrMsg]
		if !bytes.Equal(got, []byte("from a netns")) {
			t.Errorf("ECHO in a new netns: %q", got)
			return
		}
		say("genl: new netns: echo ok: %q", got)
	})
}
