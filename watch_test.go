package nlkit_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// A Conn keeps its cancellation watch between receives that use the same context; a context cancelled after
// its receives have returned must not disturb a later receive with another context.
func TestReceiveAfterEarlierContextCancelled(t *testing.T) {
	conn, fake := nltest.New(nlkit.UnitUsersock, nil, nil)
	defer conn.Close()
	first, cancelFirst := context.WithCancel(context.Background())
	for i := range 3 {
		fake.Inject(nlkit.Sockaddr{PortID: 7}, thing("x"))
		if _, err := conn.ReceiveDatagram(first); err != nil {
			t.Fatalf("receive %d: %v", i, err)
		}
	}
	cancelFirst()
	second, cancelSecond := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancelSecond()
	got := make(chan error, 1)
	go func() {
		_, err := conn.ReceiveDatagram(second)
		got <- err
	}()
	time.Sleep(20 * time.Millisecond) // let the cancellation of first land, if it were going to
	fake.Inject(nlkit.Sockaddr{PortID: 7}, thing("y"))
	if err := <-got; err != nil {
		t.Fatalf("receive with a live context after another was cancelled: %v", err)
	}
	// And the cancelled context still ends a receive at once.
	if _, err := conn.ReceiveDatagram(first); !errors.Is(err, context.Canceled) {
		t.Fatalf("receive with the cancelled context: %v", err)
	}
}

// Cancelling the context a Conn has kept its watch for ends the receive blocked on it.
func TestCancelReusedContextWhileBlocked(t *testing.T) {
	conn, fake := nltest.New(nlkit.UnitUsersock, nil, nil)
	defer conn.Close()
	ctx, cancel := context.WithCancel(context.Background())
	for range 3 {
		fake.Inject(nlkit.Sockaddr{PortID: 7}, thing("x"))
		if _, err := conn.ReceiveDatagram(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := make(chan error, 1)
	go func() {
		_, _, err := conn.Receive(ctx)
		got <- err
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	select {
	case err := <-got:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v: want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancel did not end the receive")
	}
}

// SendRaw and SendTo may be called from different goroutines at once.
func TestConcurrentSendRawAndSendTo(t *testing.T) {
	rx, err := nlkit.Dial(nlkit.UnitUsersock, nil)
	if err != nil {
		t.Skip("no NETLINK_USERSOCK here:", err)
	}
	defer rx.Close()
	tx, err := nlkit.Dial(nlkit.UnitUsersock, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	const n = 200
	to := nlkit.Sockaddr{PortID: rx.PortID()}
	raw := proto.Message{Header: proto.Header{Type: typeThing, Sequence: 1}, Data: []byte("raw")}.AppendTo(nil)
	var wg sync.WaitGroup
	wg.Go(func() {
		for range n {
			if err := tx.SendRaw(to, raw); err != nil {
				t.Error(err)
				return
			}
		}
	})
	wg.Go(func() {
		for range n {
			if err := tx.SendTo(to, proto.Message{Header: proto.Header{Type: typeThing, Sequence: 2},
				Data: []byte("built")}); err != nil {
				t.Error(err)
				return
			}
		}
	})
	counts := map[uint32]int{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 2 * n {
		d, err := rx.ReceiveDatagram(ctx)
		if err != nil {
			t.Fatal(err)
		}
		it := d.Messages()
		for it.Next() {
			counts[it.Message().Header.Sequence]++
		}
	}
	wg.Wait()
	if counts[1] != n || counts[2] != n {
		t.Fatalf("received %v, want %d of each", counts, n)
	}
}
