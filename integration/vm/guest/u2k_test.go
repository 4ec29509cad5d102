//go:build linux

package guest

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestProcNetNetlink: the module registered unit 17 with a kernel socket
// (portid 0), as in the seed tutorial's `cat /proc/net/netlink`.
func TestProcNetNetlink(t *testing.T) {
	guest(t)
	// /proc/net is /proc/self/net: the namespace of the thread group leader,
	// which TestNetns may have moved (a locked goroutine that exits on the
	// main thread wedges it there). Read this thread's view instead.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	f, err := os.Open("/proc/thread-self/net/netlink")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
		fs := strings.Fields(sc.Text())
		if len(fs) > 3 && fs[1] == "17" && fs[2] == "0" {
			say("u2k: /proc/net/netlink: %s", strings.Join(fs, " "))
			return
		}
	}
	t.Fatalf("no unit 17 kernel socket in /proc/net/netlink (err %v)", sc.Err())
}

// TestEcho: every message to portid 0 comes back byte for byte, with
// nlmsg_pid 0 and no padding added (the datagram is exactly nlmsg_len long).
func TestEcho(t *testing.T) {
	guest(t)
	fd := dial(t, knetlinkUnit, 0)
	me := portid(t, fd)

	big := bytes.Repeat([]byte("0123456789abcdef"), 200)[:3001]
	cases := []struct {
		name    string
		typ     uint16
		flags   uint16
		payload []byte
	}{
		{"hello", knetlinkMsgEcho, unix.NLM_F_REQUEST, []byte("hello")},
		{"unaligned+ack", knetlinkMsgEcho, unix.NLM_F_REQUEST | unix.NLM_F_ACK, []byte("hello, kernel")},
		{"empty", knetlinkMsgEcho, 0, nil},
		{"one byte", knetlinkMsgEcho, 0, []byte{0xff}},
		{"binary", knetlinkMsgEcho, unix.NLM_F_REQUEST, []byte{0, 1, 2, 0, 0xfe, 0xff, 0}},
		{"other type", 0x42, unix.NLM_F_REQUEST | unix.NLM_F_MULTI, []byte("any type but 0x11 is echoed")},
		{"big", knetlinkMsgEcho, unix.NLM_F_REQUEST, big},
	}
	for i, c := range cases {
		seq := uint32(1000 + i)
		// Put our own portid in the request: the echo must carry 0.
		req := nlmsg(c.typ, c.flags, seq, me, c.payload)
		sendTo(t, fd, req, 0, 0)
		got, from := recv(t, fd)
		if from == nil || from.Pid != 0 || from.Groups != 0 {
			t.Errorf("%s: reply from %+v, want the kernel (portid 0, no group)", c.name, from)
		}
		want := nlmsg(c.typ, c.flags, seq, 0, c.payload)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: echo differs\n got %d bytes: %+v\nwant %d bytes: %+v", c.name, len(got), parseHdr(got), len(want), parseHdr(want))
			continue
		}
		shown := string(c.payload)
		if len(shown) > 32 {
			shown = shown[:32] + "..."
		}
		say("u2k: echo ok: %q (type %#x flags %#x seq %d nlmsg_len %d)", shown, c.typ, c.flags, seq, len(got))
	}

	// Two messages in one datagram: two echoes, in order, each exact.
	m1 := nlmsg(knetlinkMsgEcho, 0, 7, me, []byte("one"))
	m2 := nlmsg(knetlinkMsgEcho, 0, 8, me, []byte("two!"))
	dgram := append(append(append([]byte{}, m1...), 0), m2...) // pad m1 to 20 bytes
	sendTo(t, fd, dgram, 0, 0)
	for _, want := range [][]byte{nlmsg(knetlinkMsgEcho, 0, 7, 0, []byte("one")), nlmsg(knetlinkMsgEcho, 0, 8, 0, []byte("two!"))} {
		got, _ := recv(t, fd)
		if !bytes.Equal(got, want) {
			t.Errorf("batched echo: got % x, want % x", got, want)
		}
	}
	say("u2k: echo ok: 2 messages in one datagram")
}

// TestBroadcast: KNETLINK_MSG_BROADCAST goes to every member of group 1
// (joined by bind or by NETLINK_ADD_MEMBERSHIP) and is echoed to the sender.
func TestBroadcast(t *testing.T) {
	guest(t)
	sender := dial(t, knetlinkUnit, 0)
	byBind := dial(t, knetlinkUnit, 1<<(knetlinkGroup-1))
	byOpt := dial(t, knetlinkUnit, 0)
	if err := unix.SetsockoptInt(byOpt, unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, knetlinkGroup); err != nil {
		t.Fatalf("NETLINK_ADD_MEMBERSHIP %d: %v", knetlinkGroup, err)
	}
	outsider := dial(t, knetlinkUnit, 0)

	// A plain echo reaches nobody but the sender.
	sendTo(t, sender, nlmsg(knetlinkMsgEcho, 0, 1, 0, []byte("private")), 0, 0)
	recv(t, sender)
	expectNothing(t, byBind, "group member after a plain echo")

	payload := []byte("news for group 1")
	req := nlmsg(knetlinkMsgBroadcast, unix.NLM_F_REQUEST, 2, portid(t, sender), payload)
	want := nlmsg(knetlinkMsgBroadcast, unix.NLM_F_REQUEST, 2, 0, payload)
	sendTo(t, sender, req, 0, 0)

	got, from := recv(t, sender)
	if !bytes.Equal(got, want) || from.Pid != 0 || from.Groups != 0 {
		t.Errorf("sender's confirmation: got % x from %+v, want % x from the kernel", got, from, want)
	}
	for name, fd := range map[string]int{"bind": byBind, "NETLINK_ADD_MEMBERSHIP": byOpt} {
		got, from := recv(t, fd)
		if !bytes.Equal(got, want) {
			t.Errorf("member (%s): got % x, want % x", name, got, want)
			continue
		}
		if from.Pid != 0 || from.Groups != 1<<(knetlinkGroup-1) {
			t.Errorf("member (%s): from %+v, want portid 0 groups %#x", name, from, 1<<(knetlinkGroup-1))
		}
		say("u2k: broadcast ok: group %d member (%s) got %q", knetlinkGroup, name, payload)
	}
	expectNothing(t, outsider, "non-member after a broadcast")
}
