//go:build linux

package route

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/netns/nstest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// TestIssue15ClientNestedCallInAllLoop: "for each route, look up its link" on one Client works: the request
// made from inside the All loop gets a spare socket instead of waiting for the loop forever (it hung even with a
// 1 s deadline). Spares are bounded by MaxSockets and closed by Close.
func TestIssue15ClientNestedCallInAllLoop(t *testing.T) {
	ns := nstest.New(t)
	c, err := Dial(&Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatalf("Dial in %v: %v", ns, err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lo, err := c.Link.GetByName(ctx, "lo")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Link.Set(ctx, lo.Index, LinkSet{Up: true}); err != nil {
		t.Fatal(err)
	}
	routes := 0
	for r, err := range c.Route.All(ctx, &RouteFilter{Table: unix.RT_TABLE_LOCAL}) {
		if err != nil {
			t.Fatal(err)
		}
		routes++
		lctx, lcancel := context.WithTimeout(ctx, time.Second)
		l, err := c.Link.Get(lctx, r.OIF)
		lcancel()
		if err != nil {
			t.Fatalf("Link.Get(%d) inside Route.All: %v", r.OIF, err)
		}
		if l.Name != "lo" {
			t.Fatalf("route %v: link %q", r.Dst, l.Name)
		}
		// Nested two deep: a dump inside the loop, and a get inside that.
		for l2, err := range c.Link.All(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Link.Get(ctx, l2.Index); err != nil {
				t.Fatalf("Link.Get two loops deep: %v", err)
			}
		}
	}
	if routes == 0 {
		t.Fatal("no local routes with lo up")
	}
	if n := c.Sockets(); n != 3 {
		t.Errorf("%d sockets after loops nested two deep, want 3", n)
	}
	// The spares are reused, not reopened.
	for range c.Route.All(ctx, nil) {
		if _, err := c.Link.Get(ctx, lo.Index); err != nil {
			t.Fatal(err)
		}
	}
	if n := c.Sockets(); n != 3 {
		t.Errorf("%d sockets after another nested loop, want 3", n)
	}
	spare := c.spares.slots[0].conn
	c.Close()
	if _, err := spare.Execute(ctx, proto.Message{Header: proto.Header{Type: unix.RTM_GETLINK}}); !errors.Is(err, nlkit.ErrClosed) {
		t.Errorf("a spare after Close: %v, want ErrClosed", err)
	}
}

// TestIssue15ClientNestedBeyondMaxSockets: loops nested deeper than MaxSockets end in a prompt *nlkit.BusyError
// (Nested) from the innermost request, not in a hang.
func TestIssue15ClientNestedBeyondMaxSockets(t *testing.T) {
	ns := nstest.New(t)
	c, err := Dial(&Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatalf("Dial in %v: %v", ns, err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var nest func(depth int) error
	nest = func(depth int) error {
		if depth == MaxSockets {
			_, err := c.Link.Get(ctx, 1)
			return err
		}
		for _, err := range c.Link.All(ctx, nil) {
			if err != nil {
				return err
			}
			return nest(depth + 1)
		}
		return errors.New("no links")
	}
	start := time.Now()
	err = nest(0)
	var be *nlkit.BusyError
	if !errors.As(err, &be) || !be.Nested {
		t.Fatalf("a request %d loops deep: %v, want a nested *nlkit.BusyError", MaxSockets, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("took %v", d)
	}
	if n := c.Sockets(); n != MaxSockets {
		t.Errorf("%d sockets, want %d", n, MaxSockets)
	}
}

// TestIssue15ClientFromNewNestedFailsAtOnce: a Client from New has one socket: a call from inside its All loop
// fails at once with a nested *nlkit.BusyError.
func TestIssue15ClientFromNewNestedFailsAtOnce(t *testing.T) {
	k := &kernel{links: []Link{{Index: 1, Name: "lo"}, {Index: 2, Name: "eth0"}}}
	c := k.client(t)
	n := 0
	for _, err := range c.Link.All(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		_, err := c.Link.Get(context.Background(), 1)
		var be *nlkit.BusyError
		if !errors.As(err, &be) || !be.Nested {
			t.Fatalf("Link.Get inside Link.All: %v, want a nested *nlkit.BusyError", err)
		}
	}
	if n != 2 {
		t.Fatalf("%d links", n)
	}
	if c.Sockets() != 1 {
		t.Fatalf("%d sockets, want 1", c.Sockets())
	}
}
