package nlkit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// Issue 15: a request from inside a dump's loop body on the same Conn waited for the loop forever, whatever its
// context said.
func TestNestedExecuteInDumpFailsAtOnce(t *testing.T) {
	conn := nltest.Dial(0, func(req []proto.Message) ([]proto.Message, error) {
		return []proto.Message{thing("a"), thing("b")}, nil
	})
	defer conn.Close()
	n := 0
	for _, err := range conn.Dump(context.Background(), thing("")) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		start := time.Now()
		_, err := conn.Execute(ctx, thing("nested"))
		cancel()
		var be *nlkit.BusyError
		if !errors.As(err, &be) || !be.Nested || !errors.Is(err, nlkit.ErrBusy) {
			t.Fatalf("nested Execute: %v, want a nested *BusyError", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("nested Execute took %v: want at once", d)
		}
	}
	if n != 2 {
		t.Fatalf("%d messages, want 2", n)
	}
	// The Conn is still usable once the loop has ended.
	if _, err := conn.Execute(context.Background(), thing("after")); err != nil {
		t.Fatal(err)
	}
}

// Issue 15: a request waiting for another goroutine's dump honours its context.
func TestExecuteWaitHonoursContext(t *testing.T) {
	conn := nltest.Dial(0, func(req []proto.Message) ([]proto.Message, error) {
		return []proto.Message{thing("a")}, nil
	})
	defer conn.Close()
	inBody, release := make(chan struct{}), make(chan struct{})
	go func() {
		for range conn.Dump(context.Background(), thing("")) {
			close(inBody)
			<-release
		}
	}()
	<-inBody
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := conn.Execute(ctx, thing("waits"))
	var be *nlkit.BusyError
	if !errors.As(err, &be) || be.Nested || !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, nlkit.ErrBusy) {
		t.Fatalf("Execute while another goroutine dumps: %v, want a *BusyError with DeadlineExceeded", err)
	}
	close(release)
	// Without a deadline it waits for the dump and then runs.
	if _, err := conn.Execute(context.Background(), thing("after")); err != nil {
		t.Fatal(err)
	}
}
