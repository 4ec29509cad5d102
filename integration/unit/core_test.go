package unit_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/netns/nstest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// rtmsgDump is an RTM_GETROUTE dump of the IPv4 routes: unlike the IPv6 ones, which gain the link-local
// addresses' routes a second or two after a link comes up, they stay as the test made them.
func rtmsgDump() proto.Message {
	data := make([]byte, unix.SizeofRtMsg)
	data[0] = unix.AF_INET
	return proto.Message{Header: proto.Header{Type: unix.RTM_GETROUTE}, Data: data}
}

// fillRoutes adds n routes to the named namespace with ip -batch.
func fillRoutes(t *testing.T, ns string, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("link add nlk0 type veth peer name nlk1\nlink set nlk0 up\nlink set nlk1 up\n")
	for i := range n {
		fmt.Fprintf(&b, "route add 10.%d.%d.0/24 dev nlk0\n", 100+i/256, i%256)
	}
	f := filepath.Join(t.TempDir(), "batch")
	if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ip", "-n", ns, "-batch", f).CombinedOutput(); err != nil {
		t.Fatalf("ip -batch: %v\n%s", err, out)
	}
}

func TestDumpCancelLeavesConnUsable(t *testing.T) {
	ns := nstest.NewNamed(t)
	fillRoutes(t, ns.Name, 20000)
	c, err := nlkit.Dial(unix.NETLINK_ROUTE, &nlkit.Config{NetNS: ns.Handle.Fd(), Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	count := func() int {
		n := 0
		for _, err := range c.Dump(context.Background(), rtmsgDump()) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n
	}
	full := count()
	if full < 20000 {
		t.Fatalf("dumped %d routes, want at least 20000", full)
	}
	// Stop after 100 messages, and cancel another dump mid-way: the next dumps must still be complete.
	n := 0
	for _, err := range c.Dump(context.Background(), rtmsgDump()) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 100 {
			break
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n = 0
	var last error
	for _, err := range c.Dump(ctx, rtmsgDump()) {
		if err != nil {
			last = err
			break
		}
		if n++; n == 500 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Fatalf("cancelled dump ended with %v", last)
	}
	if got := count(); got != full {
		t.Fatalf("after an abandoned dump: %d routes, want %d", got, full)
	}
}

func TestExtAckFromKernel(t *testing.T) {
	ns := nstest.New(t)
	c, err := nlkit.Dial(unix.NETLINK_ROUTE, &nlkit.Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// RTM_NEWROUTE 10.9.9.0/24 via 192.0.2.1: the gateway is not reachable in an empty namespace.
	rt := make([]byte, unix.SizeofRtMsg)
	rt[0], rt[1] = unix.AF_INET, 24
	rt[4], rt[5], rt[6], rt[7] = unix.RT_TABLE_MAIN, unix.RTPROT_STATIC, unix.RT_SCOPE_UNIVERSE, unix.RTN_UNICAST
	ae := proto.NewAttrEncoder(rt)
	ae.Raw(unix.RTA_DST, []byte{10, 9, 9, 0})
	ae.Raw(unix.RTA_GATEWAY, []byte{192, 0, 2, 1})
	_, err = c.Execute(context.Background(), proto.Message{
		Header: proto.Header{Type: unix.RTM_NEWROUTE, Flags: proto.FlagCreate | proto.FlagExcl}, Data: ae.Bytes()})
	var pe *proto.Error
	if !errors.As(err, &pe) || !errors.Is(err, syscall.ENETUNREACH) {
		t.Fatalf("err %v: want ENETUNREACH", err)
	}
	if pe.ExtAck.Msg == "" || !strings.Contains(err.Error(), pe.ExtAck.Msg) {
		t.Fatalf("err %q: want the kernel's extended-ack message in it", err)
	}
	t.Logf("kernel said: %v", err)
}

func TestCloseUnblocksSocketReceive(t *testing.T) {
	ns := nstest.New(t)
	c, err := nlkit.Dial(unix.NETLINK_ROUTE, &nlkit.Config{NetNS: ns.Handle.Fd(), Groups: []uint32{unix.RTNLGRP_LINK}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := c.Receive(context.Background())
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, nlkit.ErrClosed) {
			t.Fatalf("err %v: want ErrClosed", err)
		}
		t.Logf("Receive returned %v after Close", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("Receive still blocked 5s after Close")
	}
}

func TestGroupNeedsPrivilege(t *testing.T) {
	ns := nstest.New(t)
	bin := buildExample(t, "netlink-p2p")
	// An unprivileged receiver cannot join a group of NETLINK_USERSOCK: the error must say why.
	cmd := exec.Command("nsenter", fmt.Sprintf("--net=/proc/%d/fd/%d", os.Getpid(), ns.Handle.Fd()),
		"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin, "-group", "3", "-count", "1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("joining a group as uid 65534 succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), "CAP_NET_ADMIN") || !strings.Contains(string(out), "user namespace") {
		t.Fatalf("error output %q should explain CAP_NET_ADMIN or a user namespace", out)
	}
}

func TestSetOptionOnOpenConn(t *testing.T) {
	ns := nstest.New(t)
	c, err := nlkit.Dial(unix.NETLINK_ROUTE, &nlkit.Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, o := range []nlkit.Option{nlkit.OptStrictCheck, nlkit.OptListenAllNSID, nlkit.OptPacketInfo, nlkit.OptCapAck} {
		if err := c.SetOption(o, true); err != nil {
			t.Fatalf("option %d: %v", o, err)
		}
	}
	if err := c.SetSendBuffer(32 << 10); err != nil {
		t.Fatal(err)
	}
	// Strict checking now rejects a dump request with a malformed header (an rtmsg with a nonzero rtm_dst_len
	// and no filter support for it is refused rather than ignored).
	m := rtmsgDump()
	m.Data[1] = 8
	for _, err := range c.Dump(context.Background(), m) {
		if err == nil {
			continue
		}
		if !errors.Is(err, syscall.EINVAL) {
			t.Fatalf("strict dump error %v, want EINVAL", err)
		}
		return
	}
	t.Fatal("a dump request with rtm_dst_len set was accepted: strict checking is not on")
}

// usersockPair opens two NETLINK_USERSOCK sockets in a fresh namespace; the receiver has a small buffer.
func usersockPair(t *testing.T) (send, recv *nlkit.Conn) {
	t.Helper()
	ns := nstest.New(t)
	recv, err := nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{NetNS: ns.Handle.Fd(), SocketReceiveBuffer: 16 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { recv.Close() })
	send, err = nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { send.Close() })
	return send, recv
}

func TestSendWaitsForAFullReceiver(t *testing.T) {
	// The sender outruns a receiver whose queue holds a few datagrams: every send waits for room, none is lost,
	// none fails, and the order holds.
	send, recv := usersockPair(t)
	const n = 2000
	errc := make(chan error, 1)
	go func() {
		for i := range n {
			m := proto.Message{Header: proto.Header{Type: 0x10, Sequence: uint32(i)}, Data: make([]byte, 1000)}
			if err := send.SendTo(nlkit.Sockaddr{PortID: recv.PortID()}, m); err != nil {
				errc <- fmt.Errorf("send %d: %w", i, err)
				return
			}
		}
		errc <- nil
	}()
	time.Sleep(100 * time.Millisecond) // let the queue fill: the sender must now be waiting
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := range n {
		d, err := recv.ReceiveDatagram(ctx)
		if err != nil {
			t.Fatalf("receive %d: %v", i, err)
		}
		it := d.Messages()
		if !it.Next() || it.Message().Header.Sequence != uint32(i) {
			t.Fatalf("datagram %d: sequence %d", i, it.Message().Header.Sequence)
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
}

func TestCloseEndsAWaitingSend(t *testing.T) {
	send, recv := usersockPair(t)
	errc := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			m := proto.Message{Header: proto.Header{Type: 0x10, Sequence: uint32(i)}, Data: make([]byte, 1000)}
			if err := send.SendTo(nlkit.Sockaddr{PortID: recv.PortID()}, m); err != nil {
				errc <- err
				return
			}
		}
	}()
	time.Sleep(100 * time.Millisecond) // the receiver never reads: the sender is waiting
	send.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, nlkit.ErrClosed) && !errors.Is(err, os.ErrClosed) {
			t.Fatalf("send after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a send waiting for a full receiver was still blocked 10 s after Close")
	}
}
