//go:build linux

package route

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit/netns/nstest"
	"golang.org/x/sys/unix"
)

// batchNS is a Client in a fresh namespace with link "b0" (ifb) up, holding 10.0.0.1/24, and its index.
func batchNS(t *testing.T) (*Client, int32, context.Context) {
	t.Helper()
	ns := nstest.New(t)
	c, err := Dial(&Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatalf("Dial in %v: %v", ns, err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	if err := c.Link.Add(ctx, Link{Name: "b0", Info: LinkInfo{Kind: "ifb"}}); err != nil {
		t.Fatal(err)
	}
	l, err := c.Link.GetByName(ctx, "b0")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Link.Set(ctx, l.Index, LinkSet{Up: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.Addr.Add(ctx, Addr{Family: unix.AF_INET, Index: l.Index, Local: mustAddr("10.0.0.1"), PrefixLen: 24}); err != nil {
		t.Fatal(err)
	}
	return c, l.Index, ctx
}

// outcome is what one request came to: its errno and extended-ack message.
type outcome struct {
	errno syscall.Errno
	msg   string
}

func outcomeOf(err error) outcome {
	var errno syscall.Errno
	errors.As(err, &errno)
	return outcome{errno, KernelMessage(err)}
}

// batchOutcomes maps each failure of a batch error to its index; it fails the test on any other error.
func batchOutcomes(t *testing.T, err error, offset int, into map[int]outcome) {
	t.Helper()
	if err == nil {
		return
	}
	var be *BatchError
	if !errors.As(err, &be) || be.Err != nil {
		t.Fatalf("batch: %v", err)
	}
	for _, f := range be.Failures {
		if f.Errno() == 0 {
			t.Fatalf("failure without an errno: %v", &f)
		}
		into[offset+f.Index] = outcome{f.Errno(), f.Message()}
	}
}

// TestBatchKernelKinds: batches of links, addresses, routes, neighbours, rules and nexthops in both modes,
// with injected failures (duplicates, a device that does not exist, an unreachable gateway): each failure
// comes back with its index and the errno and extended-ack message the same request gets alone, and what the
// batch left equals what a fresh dump shows.
func TestBatchKernelKinds(t *testing.T) {
	for _, mode := range []BatchMode{BatchAckEach, BatchErrorsOnly} {
		t.Run(fmt.Sprintf("mode%d", mode), func(t *testing.T) {
			c, idx, ctx := batchNS(t)
			b, err := c.NewBatch(&BatchOptions{Mode: mode, Continue: true})
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			// single runs each object alone with the service's method; the outcomes must match the batch's.
			check := func(kind string, err error, n int, single func(i int) error) {
				t.Helper()
				got := map[int]outcome{}
				batchOutcomes(t, err, 0, got)
				for i := range n {
					o, failed := got[i]
					if !failed {
						continue
					}
					// Run it alone now: the kernel must answer it the same way (the batch left the same
					// state the single requests would have).
					if want := outcomeOf(single(i)); want != o {
						t.Errorf("%s #%d: batch %+v, alone %+v", kind, i, o, want)
					}
				}
				if len(got) == 0 {
					t.Errorf("%s: no failure reported", kind)
				}
			}

			links := []Link{{Name: "x0", Info: LinkInfo{Kind: "ifb"}}, {Name: "x1", Info: LinkInfo{Kind: "ifb"}}, {Name: "x0", Info: LinkInfo{Kind: "ifb"}},
				{Name: "x2", Info: LinkInfo{Kind: "ifb"}}}
			err = b.Links(ctx, BatchAdd, slices.Values(links))
			check("links", err, len(links), func(i int) error { return c.Link.Add(ctx, links[i]) })
			if f := firstFailure(err); f == nil || f.Index != 2 || f.Errno() != unix.EEXIST {
				t.Errorf("links: %v, want #2 EEXIST", err)
			}

			var addrs []Addr
			for i := range 50 {
				addrs = append(addrs, Addr{Family: unix.AF_INET, Index: idx, Local: netip.AddrFrom4([4]byte{10, 1, 0, byte(i + 1)}), PrefixLen: 24})
			}
			addrs[10] = addrs[3]     // duplicate
			addrs[20].Index = 9999   // no such device
			addrs[30].PrefixLen = 33 // bad prefix length
			err = b.Addrs(ctx, BatchAdd, slices.Values(addrs))
			check("addrs", err, len(addrs), func(i int) error { return c.Addr.Add(ctx, addrs[i]) })

			var routes []Route
			for i := range 2000 {
				routes = append(routes, Route{Dst: routeDst(0x140000 + i), OIF: idx})
			}
			routes[100] = routes[99]
			routes[700].OIF = 9999
			routes[1500].Gateway = mustAddr("192.0.2.1") // not on a connected network: an extended-ack message
			routes[1999] = routes[0]
			err = b.Routes(ctx, BatchAdd, slices.Values(routes))
			check("routes", err, len(routes), func(i int) error { return c.Route.Add(ctx, routes[i]) })
			if f := failureAt(err, 1500); f == nil || f.Message() == "" || f.Errno() == 0 {
				t.Errorf("routes #1500: %+v, want an errno and extended-ack message", f)
			}
			wantRoutes, err := c.Route.List(ctx, &RouteFilter{Table: TableMain, OIF: idx})
			if err != nil {
				t.Fatal(err)
			}
			if len(wantRoutes) < 1995 {
				t.Errorf("%d routes through b0 after the batch", len(wantRoutes))
			}
			// Delete them all again in a batch, with one that is gone already.
			routes[1999] = Route{Dst: mustPrefix("10.99.99.0/24"), OIF: idx}
			err = b.Routes(ctx, BatchDelete, slices.Values(routes))
			check("route deletes", err, len(routes), func(i int) error { return c.Route.Delete(ctx, routes[i]) })
			if left, err := c.Route.List(ctx, &RouteFilter{Table: TableMain, OIF: idx, Protocol: ProtocolBoot}); err != nil || len(left) != 0 {
				t.Errorf("%d routes left after deleting (%v)", len(left), err)
			}

			var neighs []Neigh
			for i := range 100 {
				neighs = append(neighs, Neigh{Index: idx, Dst: netip.AddrFrom4([4]byte{10, 0, 0, byte(10 + i)}),
					LLAddr: HWAddrFrom([]byte{2, 0, 0, 0, 0, byte(i)}), State: NeighState(unix.NUD_PERMANENT)})
			}
			neighs[50] = neighs[49]
			neighs[60].Index = 9999
			err = b.Neighs(ctx, BatchAdd, slices.Values(neighs))
			check("neighs", err, len(neighs), func(i int) error { return c.Neigh.Add(ctx, neighs[i]) })

			var rules []Rule
			for i := range 20 {
				rules = append(rules, Rule{Family: unix.AF_INET, Priority: uint32(1000 + i), Table: 100 + uint32(i)})
			}
			rules[5] = rules[4]
			err = b.Rules(ctx, BatchAdd, slices.Values(rules))
			check("rules", err, len(rules), func(i int) error { return c.Rule.Add(ctx, rules[i]) })

			var nhs []Nexthop
			for i := range 30 {
				nhs = append(nhs, Nexthop{ID: uint32(100 + i), OIF: idx})
			}
			nhs[7] = nhs[6]
			nhs[8].OIF = 9999
			err = b.Nexthops(ctx, BatchAdd, slices.Values(nhs))
			check("nexthops", err, len(nhs), func(i int) error { return c.Nexthop.Add(ctx, nhs[i]) })
		})
	}
}

func firstFailure(err error) *BatchFailure {
	var be *BatchError
	if errors.As(err, &be) && len(be.Failures) > 0 {
		return &be.Failures[0]
	}
	return nil
}

func failureAt(err error, i int) *BatchFailure {
	var be *BatchError
	if errors.As(err, &be) {
		for k := range be.Failures {
			if be.Failures[k].Index == i {
				return &be.Failures[k]
			}
		}
	}
	return nil
}

// routeKey is what two namespaces' routes are compared by.
func routeKeys(t *testing.T, ctx context.Context, c *Client) []string {
	t.Helper()
	rs, err := c.Route.List(ctx, &RouteFilter{Table: TableMain})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.String())
	}
	slices.Sort(out)
	return out
}

// TestBatchRandomDifferential: a random sequence of route adds, replaces and deletes (with duplicates, routes
// that are not there, devices that do not exist, unreachable gateways) runs in one fresh namespace request by
// request and in another as batches (runs of the same operation, random mode and window): every request has
// the same outcome (errno and extended-ack message) at the same index, and the two namespaces end with the
// same routes. NLKIT_BATCH_SEED replays a seed.
func TestBatchRandomDifferential(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("NLKIT_BATCH_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (NLKIT_BATCH_SEED=%d replays it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	ca, idxA, ctx := batchNS(t)
	cb, idxB, _ := batchNS(t)
	if idxA != idxB {
		t.Fatalf("b0 is %d and %d", idxA, idxB)
	}
	type step struct {
		op BatchOp
		r  Route
	}
	var steps []step
	for range 3000 {
		r := Route{Dst: routeDst(0x150000 + rng.IntN(400)), OIF: idxA}
		switch rng.IntN(20) {
		case 0:
			r.OIF = 9999
		case 1:
			r.Gateway = mustAddr("192.0.2.1")
		case 2:
			r.Gateway = mustAddr("10.0.0.2")
		case 3:
			r.Priority = uint32(rng.IntN(3))
		}
		op := []BatchOp{BatchAdd, BatchAdd, BatchReplace, BatchDelete}[rng.IntN(4)]
		steps = append(steps, step{op, r})
	}
	want := map[int]outcome{}
	for i, s := range steps {
		var err error
		switch s.op {
		case BatchAdd:
			err = ca.Route.Add(ctx, s.r)
		case BatchReplace:
			err = ca.Route.Replace(ctx, s.r)
		case BatchDelete:
			err = ca.Route.Delete(ctx, s.r)
		}
		if err != nil {
			want[i] = outcomeOf(err)
		}
	}
	got := map[int]outcome{}
	for i := 0; i < len(steps); {
		j := i + 1
		for j < len(steps) && steps[j].op == steps[i].op && j-i < 1+rng.IntN(500) {
			j++
		}
		o := &BatchOptions{Mode: BatchMode(rng.IntN(2)), Continue: true, InFlight: []int{0, 1, 7, 100}[rng.IntN(4)]}
		b, err := cb.NewBatch(o)
		if err != nil {
			t.Fatal(err)
		}
		run := steps[i:j]
		seq := func(yield func(Route) bool) {
			for _, s := range run {
				if !yield(s.r) {
					return
				}
			}
		}
		batchOutcomes(t, b.Routes(ctx, steps[i].op, seq), i, got)
		b.Close()
		i = j
	}
	if len(want) == 0 {
		t.Fatal("no request failed")
	}
	for i := range steps {
		if want[i] != got[i] {
			t.Errorf("#%d %s %v: alone %+v, batch %+v", i, steps[i].op, steps[i].r, want[i], got[i])
		}
	}
	a, bb := routeKeys(t, ctx, ca), routeKeys(t, ctx, cb)
	if !slices.Equal(a, bb) {
		t.Errorf("routes differ:\nalone: %s\nbatch: %s", strings.Join(a, "\n"), strings.Join(bb, "\n"))
	}
	t.Logf("%d requests, %d failed, %d routes", len(steps), len(want), len(a))
}

// TestBatchOverrunReported: a window larger than the socket's receive queue holds loses acks, and the batch
// says so (ENOBUFS) instead of waiting or reporting success.
func TestBatchOverrunReported(t *testing.T) {
	c, idx, ctx := batchNS(t)
	b, err := c.NewBatch(&BatchOptions{SocketReceiveBuffer: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.rcv = 1 << 30 // the window no longer follows the queue
	var routes []Route
	for i := range 5000 {
		routes = append(routes, Route{Dst: routeDst(0x160000 + i), OIF: idx})
	}
	err = b.Routes(ctx, BatchAdd, slices.Values(routes))
	if !errors.Is(err, unix.ENOBUFS) {
		t.Fatalf("err %v, want ENOBUFS", err)
	}
	// The same batch with the window the queue allows succeeds.
	b2, err := c.NewBatch(&BatchOptions{SocketReceiveBuffer: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if err := b2.Routes(ctx, BatchReplace, slices.Values(routes)); err != nil {
		t.Fatal(err)
	}
}
