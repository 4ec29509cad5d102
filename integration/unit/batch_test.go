//go:build linux

package unit_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/netns/nstest"
	"github.com/nlkit/nlkit/proto"
)

// numbered is a datagram of one message with sequence i and a payload of size bytes.
func numbered(i, size int) []byte {
	data := make([]byte, size)
	for j := range data {
		data[j] = byte(i + j)
	}
	return proto.Message{Header: proto.Header{Type: 0x10, Sequence: uint32(i)}, Data: data}.AppendTo(nil)
}

// checkNumbered fails unless d is numbered(i, size) for some size.
func checkNumbered(t *testing.T, d nlkit.Datagram, i int) {
	t.Helper()
	it := d.Messages()
	if !it.Next() {
		t.Fatalf("datagram %d: no message: %v", i, it.Err())
	}
	m := it.Message()
	if m.Header.Sequence != uint32(i) {
		t.Fatalf("datagram %d: sequence %d", i, m.Header.Sequence)
	}
	for j, b := range m.Data {
		if b != byte(i+j) {
			t.Fatalf("datagram %d: byte %d is %d", i, j, b)
		}
	}
}

// TestBatchSendReceive sends 3,000 datagrams of varied sizes with SendRawBatch (sendmmsg) to a receiver with
// a small socket buffer, which takes them with ReceiveDatagrams (recvmmsg): all arrive, in order, intact, the
// sender waiting whenever the receiver is full, and the receiver takes several per call.
func TestBatchSendReceive(t *testing.T) {
	send, recv := usersockPair(t)
	const n, chunk = 3000, 100 // chunk > MaxBatch: a call spans several sendmmsg
	errc := make(chan error, 1)
	go func() {
		var bufs [][]byte
		for i := range n {
			bufs = append(bufs, numbered(i, 16+(i*37)%1500))
			if len(bufs) == chunk || i == n-1 {
				if k, err := send.SendRawBatch(nlkit.Sockaddr{PortID: recv.PortID()}, bufs); err != nil || k != len(bufs) {
					errc <- fmt.Errorf("SendRawBatch: %d of %d, %v", k, len(bufs), err)
					return
				}
				bufs = bufs[:0]
			}
		}
		errc <- nil
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, calls, most := 0, 0, 0
	for got < n {
		ds, err := recv.ReceiveDatagrams(ctx, 16)
		if err != nil {
			t.Fatalf("after %d datagrams: %v", got, err)
		}
		calls++
		most = max(most, len(ds))
		for _, d := range ds {
			checkNumbered(t, d, got)
			if d.From.Addr.PortID != send.PortID() {
				t.Fatalf("datagram %d from portid %d", got, d.From.Addr.PortID)
			}
			got++
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	t.Logf("%d datagrams in %d ReceiveDatagrams calls, at most %d in one", n, calls, most)
	if most < 2 {
		t.Error("no call returned more than one datagram: the receive is not batched")
	}
}

// TestBatchTruncated sends a datagram larger than the receiver's buffer between two small ones: the batch
// holds all three, the large one cut short with a *TruncatedError, and the next receive has room for it.
func TestBatchTruncated(t *testing.T) {
	ns := nstest.New(t)
	recv, err := nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{NetNS: ns.Handle.Fd(), ReceiveBuffer: 512})
	if err != nil {
		t.Fatal(err)
	}
	defer recv.Close()
	send, err := nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer send.Close()
	to := nlkit.Sockaddr{PortID: recv.PortID()}
	if _, err := send.SendRawBatch(to, [][]byte{numbered(0, 100), numbered(1, 2000), numbered(2, 100)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var ds []nlkit.Datagram
	for len(ds) < 3 { // the three are queued before the first receive, but take what comes
		got, err := recv.ReceiveDatagrams(ctx, 16)
		var te *nlkit.TruncatedError
		switch {
		case errors.As(err, &te):
			if te.Size != 2016 || te.Buffer != 512 || len(ds)+len(got) < 2 || len(got[1-len(ds)].Data) != 512 {
				t.Fatalf("truncation: %+v, %d datagrams", te, len(got))
			}
		case err != nil:
			t.Fatal(err)
		}
		for _, d := range got {
			ds = append(ds, nlkit.Datagram{From: d.From, Data: append([]byte(nil), d.Data...), Size: d.Size})
		}
	}
	checkNumbered(t, ds[0], 0)
	checkNumbered(t, ds[2], 2)
	for i, want := range []int{116, 2016, 116} {
		if ds[i].Size != want || ds[i].Truncated() != (i == 1) {
			t.Errorf("datagram %d: Size %d, Truncated %v; want %d, %v", i, ds[i].Size, ds[i].Truncated(), want, i == 1)
		}
	}
	if _, err := send.SendRawBatch(to, [][]byte{numbered(3, 2000)}); err != nil {
		t.Fatal(err)
	}
	got, err := recv.ReceiveDatagrams(ctx, 16)
	if err != nil || len(got) != 1 || len(got[0].Data) != 2016 || got[0].Size != 2016 || got[0].Truncated() {
		t.Fatalf("after growing: %d datagrams, %v", len(got), err)
	}
	checkNumbered(t, got[0], 3)
}

// TestBatchReceiveCancelAndClose checks that a ReceiveDatagrams waiting for a datagram returns on cancellation
// (and the Conn goes on working) and on Close.
func TestBatchReceiveCancelAndClose(t *testing.T) {
	send, recv := usersockPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := recv.ReceiveDatagrams(ctx, 16); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled receive: %v", err)
	}
	if _, err := send.SendRawBatch(nlkit.Sockaddr{PortID: recv.PortID()}, [][]byte{numbered(7, 10)}); err != nil {
		t.Fatal(err)
	}
	ds, err := recv.ReceiveDatagrams(context.Background(), 16)
	if err != nil || len(ds) != 1 {
		t.Fatalf("after the cancel: %d datagrams, %v", len(ds), err)
	}
	checkNumbered(t, ds[0], 7)
	errc := make(chan error, 1)
	go func() {
		_, err := recv.ReceiveDatagrams(context.Background(), 16)
		errc <- err
	}()
	time.Sleep(50 * time.Millisecond)
	recv.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, nlkit.ErrClosed) {
			t.Fatalf("receive after Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end a waiting ReceiveDatagrams")
	}
}
