//go:build linux

package nlkit_test

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/netns/nstest"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// usersockPair opens a receiver with the smallest receive queue the kernel allows and a sender, on
// NETLINK_USERSOCK in a fresh namespace.
func usersockPair(t *testing.T, rxCfg nlkit.Config) (rx, tx *nlkit.Conn) {
	t.Helper()
	ns := nstest.New(t)
	rxCfg.NetNS = ns.Handle.Fd()
	rx, err := nlkit.Dial(nlkit.UnitUsersock, &rxCfg)
	if err != nil {
		nstest.Skipf(t, "no NETLINK_USERSOCK socket: %v", err)
	}
	t.Cleanup(func() { rx.Close() })
	tx, err = nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Close() })
	return rx, tx
}

// payload is the payload of the first message in b.
func payload(b []byte) string {
	h, err := proto.ParseHeader(b)
	if err != nil || int(h.Length) > len(b) {
		return fmt.Sprintf("(%d bytes, not a message: %v)", len(b), err)
	}
	return string(b[proto.HeaderLen:h.Length])
}

// within runs fn and fails the test if it has not returned after 10 s (a hang, not a speed check).
func within(t *testing.T, what string, fn func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- fn() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s still blocked after 10 s", what)
		return nil
	}
}

// fill sends 1000-byte datagrams with SendRawNoWait until the receiver is full, and returns how many it took.
func fill(t *testing.T, tx *nlkit.Conn, to nlkit.Sockaddr) int {
	t.Helper()
	b := proto.Message{Header: proto.Header{Type: typeThing}, Data: make([]byte, 1000)}.AppendTo(nil)
	for n := 0; n < 10000; n++ {
		err := within(t, "SendRawNoWait to a full receiver", func() error { return tx.SendRawNoWait(to, b) })
		if err == nil {
			continue
		}
		if !errors.Is(err, syscall.EAGAIN) {
			t.Fatalf("send %d: %v, want an error wrapping EAGAIN", n, err)
		}
		if n == 0 {
			t.Fatal("the first send found the receiver full")
		}
		return n
	}
	t.Fatal("10000 datagrams of 1000 bytes and the receiver with the smallest queue is not full")
	return 0
}

// SendRawNoWait is one sendto(2) with MSG_DONTWAIT: a full receiver gives EAGAIN at once instead of a wait,
// nothing it reported as sent is lost, and it sends again once the receiver reads.
func TestSendRawNoWaitFullReceiver(t *testing.T) {
	rx, tx := usersockPair(t, nlkit.Config{SocketReceiveBuffer: 1})
	to := nlkit.Sockaddr{PortID: rx.PortID()}
	sent := fill(t, tx, to)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range sent {
		d, err := rx.ReceiveDatagram(ctx)
		if err != nil {
			t.Fatalf("datagram %d of %d: %v", i, sent, err)
		}
		if d.Size != proto.HeaderLen+1000 {
			t.Fatalf("datagram %d: %d bytes", i, d.Size)
		}
	}
	if err := tx.SendRawNoWait(to, thing("room again").AppendTo(nil)); err != nil {
		t.Fatalf("after the receiver read: %v", err)
	}
	if d, err := rx.ReceiveDatagram(ctx); err != nil || payload(d.Data) != "room again" {
		t.Fatalf("last datagram: %v %v", d, err)
	}
}

// SendRawContext waits for room at a full receiver while its context lasts, returns ctx.Err() when it ends,
// and delivers once the receiver reads.
func TestSendRawContextFullReceiver(t *testing.T) {
	rx, tx := usersockPair(t, nlkit.Config{SocketReceiveBuffer: 1})
	to := nlkit.Sockaddr{PortID: rx.PortID()}
	fill(t, tx, to)
	b := thing("waiting").AppendTo(nil)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := within(t, "SendRawContext past its deadline", func() error { return tx.SendRawContext(ctx, to, b) }); err != context.DeadlineExceeded {
		t.Fatalf("deadline: %v, want context.DeadlineExceeded", err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(30*time.Millisecond, cancel)
	if err := within(t, "SendRawContext after cancel", func() error { return tx.SendRawContext(ctx, to, b) }); err != context.Canceled {
		t.Fatalf("cancel: %v, want context.Canceled", err)
	}

	// A send that may wait as long as it needs is delivered once the receiver reads.
	sent := make(chan error, 1)
	go func() { sent <- tx.SendRawContext(context.Background(), to, b) }()
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	for {
		d, err := rx.ReceiveDatagram(rctx)
		if err != nil {
			t.Fatal(err)
		}
		if payload(d.Data) == "waiting" {
			break
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

func TestSendRawContextErrors(t *testing.T) {
	rx, tx := usersockPair(t, nlkit.Config{})
	//lint:ignore SA1012 a nil context is what is tested
	if err := tx.SendRawContext(nil, nlkit.Sockaddr{PortID: rx.PortID()}, nil); err != nlkit.ErrNilContext {
		t.Fatalf("nil context: %v", err)
	}
	rx.Close()
	var np *nlkit.NoPeerError
	if err := tx.SendRawContext(context.Background(), nlkit.Sockaddr{PortID: rx.PortID()}, thing("x").AppendTo(nil)); !errors.As(err, &np) {
		t.Fatalf("to a closed socket's portid: %v, want a *NoPeerError", err)
	}
	if err := tx.SendRawNoWait(nlkit.Sockaddr{PortID: rx.PortID()}, thing("x").AppendTo(nil)); !errors.As(err, &np) {
		t.Fatalf("SendRawNoWait to a closed socket's portid: %v, want a *NoPeerError", err)
	}
	tx.Close()
	if err := tx.SendRawContext(context.Background(), nlkit.Sockaddr{}, nil); err != nlkit.ErrClosed {
		t.Fatalf("closed: %v", err)
	}
	if err := tx.SendRawNoWait(nlkit.Sockaddr{}, nil); err != nlkit.ErrClosed {
		t.Fatalf("closed: %v", err)
	}
}

// On a Transport without the optional send interfaces, SendRawNoWait refuses and SendRawContext is SendRaw
// after a look at its context.
func TestSendRawOnAFake(t *testing.T) {
	conn, fake := nltest.New(0, nil, nil)
	defer conn.Close()
	if err := conn.SendRawNoWait(nlkit.Sockaddr{}, thing("x").AppendTo(nil)); !errors.Is(err, errors.ErrUnsupported) {
		t.Fatalf("SendRawNoWait: %v, want errors.ErrUnsupported", err)
	}
	if err := conn.SendRawContext(context.Background(), nlkit.Sockaddr{}, thing("y").AppendTo(nil)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := conn.SendRawContext(ctx, nlkit.Sockaddr{}, thing("z").AppendTo(nil)); err != context.Canceled {
		t.Fatalf("cancelled: %v", err)
	}
	if s := fake.Sent(); len(s) != 1 || payload(s[0]) != "y" {
		t.Fatalf("sent %q, want y only", s)
	}
}

// With FixedReceiveBuffer a datagram larger than the buffer is reported with its full size, every time, and
// the buffer never grows; without it the buffer grows for the next one.
func TestFixedReceiveBuffer(t *testing.T) {
	for _, fixed := range []bool{false, true} {
		conn, fake := nltest.New(0, nil, &nlkit.Config{ReceiveBuffer: 64, FixedReceiveBuffer: fixed})
		defer conn.Close()
		for range 2 {
			fake.Inject(nlkit.Sockaddr{}, thing(string(make([]byte, 100))))
		}
		fake.Inject(nlkit.Sockaddr{}, thing("small"))
		var got []int
		for range 3 {
			d, err := conn.ReceiveDatagram(context.Background())
			var te *nlkit.TruncatedError
			if errors.As(err, &te) && (te.Size != 116 || d.Size != 116 || len(d.Data) != te.Buffer) {
				t.Fatalf("fixed %v: %v with %d of %d bytes", fixed, err, len(d.Data), d.Size)
			} else if err != nil && te == nil {
				t.Fatal(err)
			}
			got = append(got, len(d.Data))
		}
		want := []int{64, 116, 24}
		if fixed {
			want = []int{64, 64, 24}
		}
		if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Fatalf("fixed %v: received %v bytes, want %v", fixed, got, want)
		}
	}
}

// The batch receive (recvmmsg(2)) keeps its buffers too: every oversized datagram of a batch is cut to the
// fixed size and reported, and the next batch has the same buffers.
func TestFixedReceiveBufferBatch(t *testing.T) {
	rx, tx := usersockPair(t, nlkit.Config{ReceiveBuffer: 512, FixedReceiveBuffer: true})
	to := nlkit.Sockaddr{PortID: rx.PortID()}
	big := proto.Message{Header: proto.Header{Type: typeThing}, Data: make([]byte, 4000)}.AppendTo(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for round := range 3 {
		for _, b := range [][]byte{big, thing("small").AppendTo(nil), big} {
			if err := tx.SendRaw(to, b); err != nil {
				t.Fatal(err)
			}
		}
		var ds []nlkit.Datagram
		for len(ds) < 3 {
			got, err := rx.ReceiveDatagrams(ctx, 8)
			var te *nlkit.TruncatedError
			if err != nil && !errors.As(err, &te) {
				t.Fatal(err)
			}
			if te != nil && (te.Size != len(big) || te.Buffer != 512) {
				t.Fatalf("round %d: %v", round, err)
			}
			ds = append(ds, got...)
		}
		for i, want := range []int{len(big), proto.HeaderLen + 8, len(big)} {
			if ds[i].Size != want || len(ds[i].Data) != min(want, 512) {
				t.Fatalf("round %d datagram %d: %d of %d bytes, want %d of %d", round, i, len(ds[i].Data),
					ds[i].Size, min(want, 512), want)
			}
		}
	}
}
