//go:build linux

package route_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/netns/nstest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// collect reads events until want says it has seen enough, or fails after the deadline.
func collect(t *testing.T, w *route.Watcher, what string, done func(route.Event) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		ev, err := w.Next(ctx)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if done(ev) {
			return
		}
	}
}

// TestWatchSeesIPChanges makes changes with ip and expects a typed event for each.
func TestWatchSeesIPChanges(t *testing.T) {
	e := newEnv(t)
	needIP(t)
	w, err := route.NewWatcher(&route.WatchConfig{NetNS: e.ns.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	steps := []struct {
		cmd  []string
		want func(route.Event) bool
	}{
		{[]string{"link", "add", "x0", "type", "veth", "peer", "name", "x1"},
			func(ev route.Event) bool { return ev.Kind == route.EventNew && ev.Link != nil && ev.Link.Name == "x0" }},
		{[]string{"link", "set", "x0", "up"},
			func(ev route.Event) bool {
				return ev.Kind == route.EventNew && ev.Link != nil && ev.Link.Name == "x0" && ev.Link.IsUp()
			}},
		{[]string{"addr", "add", "10.70.0.1/24", "dev", "x0"},
			func(ev route.Event) bool {
				return ev.Kind == route.EventNew && ev.Addr != nil && ev.Addr.Local.String() == "10.70.0.1"
			}},
		{[]string{"-6", "addr", "add", "2001:db8:70::1/64", "dev", "x0", "nodad"},
			func(ev route.Event) bool {
				return ev.Kind == route.EventNew && ev.Addr != nil && ev.Addr.Local.String() == "2001:db8:70::1"
			}},
		{[]string{"route", "add", "10.71.0.0/16", "via", "10.70.0.254"},
			func(ev route.Event) bool {
				return ev.Kind == route.EventNew && ev.Route != nil && ev.Route.Dst.String() == "10.71.0.0/16"
			}},
		{[]string{"neigh", "add", "10.70.0.9", "lladdr", "02:00:00:00:00:09", "dev", "x0"},
			func(ev route.Event) bool {
				return ev.Kind == route.EventNew && ev.Neigh != nil && ev.Neigh.Dst.String() == "10.70.0.9"
			}},
		{[]string{"rule", "add", "prio", "77", "table", "77"},
			func(ev route.Event) bool {
				return ev.Kind == route.EventNew && ev.Rule != nil && ev.Rule.Priority == 77
			}},
		{[]string{"nexthop", "add", "id", "7", "blackhole"},
			func(ev route.Event) bool { return ev.Kind == route.EventNew && ev.Nexthop != nil && ev.Nexthop.ID == 7 }},
		{[]string{"nexthop", "del", "id", "7"},
			func(ev route.Event) bool {
				return ev.Kind == route.EventDelete && ev.Nexthop != nil && ev.Nexthop.ID == 7
			}},
		{[]string{"rule", "del", "prio", "77"},
			func(ev route.Event) bool {
				return ev.Kind == route.EventDelete && ev.Rule != nil && ev.Rule.Priority == 77
			}},
		{[]string{"neigh", "del", "10.70.0.9", "dev", "x0"},
			func(ev route.Event) bool {
				return ev.Kind == route.EventDelete && ev.Neigh != nil && ev.Neigh.Dst.String() == "10.70.0.9"
			}},
		{[]string{"route", "del", "10.71.0.0/16"},
			func(ev route.Event) bool {
				return ev.Kind == route.EventDelete && ev.Route != nil && ev.Route.Dst.String() == "10.71.0.0/16"
			}},
		{[]string{"addr", "del", "10.70.0.1/24", "dev", "x0"},
			func(ev route.Event) bool {
				return ev.Kind == route.EventDelete && ev.Addr != nil && ev.Addr.Local.String() == "10.70.0.1"
			}},
		{[]string{"link", "del", "x0"},
			func(ev route.Event) bool {
				return ev.Kind == route.EventDelete && ev.Link != nil && ev.Link.Name == "x0"
			}},
	}
	for _, s := range steps {
		e.ip(s.cmd...)
		collect(t, w, fmt.Sprint("the event of ip ", s.cmd), s.want)
	}
}

// TestWatchAllNamespaces hears a change in another namespace, with that namespace's nsid.
func TestWatchAllNamespaces(t *testing.T) {
	a := newEnv(t)
	b := nstest.New(t)
	ctx := ctxT(t)
	w, err := route.NewWatcher(&route.WatchConfig{NetNS: a.ns.Handle.Fd(), Objects: route.WatchLinks, AllNamespaces: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// A veth pair across the namespaces makes the kernel give b an nsid in a.
	if err := a.c.Link.Add(ctx, route.Link{Name: "ab0", Info: route.LinkInfo{Data: &route.Veth{Peer: route.Link{Name: "ba0", NetNS: b.Handle.Fd()}}}}); err != nil {
		t.Fatal(err)
	}
	ab, err := a.c.Link.GetByName(ctx, "ab0")
	if err != nil || !ab.HasLinkNetNSID {
		t.Fatalf("ab0: %+v %v", ab, err)
	}
	cb, err := route.Dial(&route.Config{NetNS: b.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	if err := cb.Link.Add(ctx, veth("inb0", "inb1")); err != nil {
		t.Fatal(err)
	}
	collect(t, w, "the link added in the other namespace", func(ev route.Event) bool {
		if ev.Link == nil || ev.Link.Name != "inb0" {
			return false
		}
		if !ev.HasNSID || ev.NSID != ab.LinkNetNSID {
			t.Errorf("event %v: nsid %d (has %v), want %d", ev, ev.NSID, ev.HasNSID, ab.LinkNetNSID)
		}
		return true
	})
	// The watcher's own namespace: no nsid.
	if err := a.c.Link.Add(ctx, veth("ina0", "ina1")); err != nil {
		t.Fatal(err)
	}
	collect(t, w, "the link added in the watcher's namespace", func(ev route.Event) bool {
		if ev.Link == nil || ev.Link.Name != "ina0" {
			return false
		}
		if ev.HasNSID {
			t.Errorf("own namespace event with nsid %d", ev.NSID)
		}
		return true
	})
}

// mirrorMatches compares a Mirror with a fresh dump of links, addresses and routes.
func mirrorMatches(e *env, m *route.Mirror) string {
	ctx := context.Background()
	s, err := route.TakeSnapshot(ctx, e.c, route.WatchLinks|route.WatchAddrs|route.WatchRoutes, 0)
	if err != nil {
		return err.Error()
	}
	names := e.names()
	lines := func(s route.Snapshot) []string {
		var out []string
		for _, l := range s.Links {
			out = append(out, fmt.Sprintf("link %d %s %v mtu %d master %d", l.Index, l.Name, l.Flags, l.MTU, l.Master))
		}
		for _, a := range s.Addrs {
			out = append(out, fmt.Sprintf("addr %d %s flags %v", a.Index, a, a.Flags.Names(a.Family)))
		}
		for i := range s.Routes {
			out = append(out, "route "+routeLine(&s.Routes[i], names))
		}
		return out
	}
	return difference("mirror", lines(m.Snapshot()), lines(*s))
}

// TestMirrorSurvivesENOBUFS overflows a Mirror's tiny receive buffer with a burst of changes and checks that it
// still ends equal to a fresh dump.
func TestMirrorSurvivesENOBUFS(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	v0 := e.setupVeth("v0", "v1", "10.0.0.1/16")
	m, err := route.NewMirror(ctx, &route.WatchConfig{NetNS: e.ns.Handle.Fd(), SocketReceiveBuffer: 1,
		Objects: route.WatchLinks | route.WatchAddrs | route.WatchRoutes})
	must(err)
	defer m.Close()
	// A burst of changes from another socket, as fast as the kernel takes them.
	b, err := route.Dial(&route.Config{NetNS: e.ns.Handle.Fd()})
	must(err)
	defer b.Close()
	host := func(i int) netip.Prefix {
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{172, 20, byte(i / 256), byte(i % 256)}), 32)
	}
	for i := range 2000 {
		must(b.Route.Add(ctx, route.Route{Dst: host(i), Gateway: netip.AddrFrom4([4]byte{10, 0, 0, byte(2 + i%100)})}))
	}
	for i := range 30 {
		must(b.Link.Add(ctx, veth(fmt.Sprintf("b%d", i), fmt.Sprintf("c%d", i))))
		must(b.Addr.Add(ctx, route.AddrFrom(v0, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 1, byte(i), 1}), 24))))
	}
	for i := range 700 {
		must(b.Route.Delete(ctx, route.Route{Dst: host(i)}))
	}
	var diff string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if diff = mirrorMatches(e, m); diff == "" && m.Resyncs() > 0 {
			break
		}
	}
	if m.Resyncs() == 0 {
		t.Errorf("the burst did not overflow the receive buffer (no ENOBUFS)")
	}
	if diff != "" {
		t.Error(diff)
	}
	if err := m.Err(); err != nil {
		t.Errorf("mirror error: %v", err)
	}
	t.Logf("mirror generation %d, %d resyncs, %d routes", m.Generation(), m.Resyncs(), len(m.Routes()))
	// It keeps following changes afterwards.
	gen := m.Generation()
	must(b.Route.Add(ctx, route.Route{Dst: netip.MustParsePrefix("172.31.0.0/16"), Gateway: netip.MustParseAddr("10.0.0.9")}))
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		found := false
		for _, r := range m.Routes() {
			found = found || r.Dst.String() == "172.31.0.0/16"
		}
		if found {
			break
		}
		var err error
		if gen, err = m.Wait(wctx, gen); err != nil {
			t.Fatalf("route added after the overflow never reached the mirror: %v", err)
		}
	}
}

// TestDumpInterruptedByChurn makes dumps race with changes until the kernel flags one NLM_F_DUMP_INTR, then checks
// that List retries to a consistent result, and that with retries exhausted it returns the typed error with the
// last results.
func TestDumpInterruptedByChurn(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	ifb0 := e.setupVeth("d0", "d1", "")
	ifb1 := e.setupVeth("d2", "d3", "")
	for i := range 3000 {
		a := route.AddrFrom(ifb0, netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i / 256), byte(i % 256), 1}), 32))
		if err := e.c.Addr.Add(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	tap := &dumpTap{kick: make(chan struct{}, 1)}
	c, err := route.Dial(&route.Config{NetNS: e.ns.Handle.Fd(), Tap: tap})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	// Churn from another socket: free-running while free is set, else one toggle of an address per kick (the
	// Tap kicks when a dump request goes out, so the change lands while the kernel is dumping).
	var free, stop atomic.Bool
	churn, err := route.Dial(&route.Config{NetNS: e.ns.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer churn.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a := route.AddrFrom(ifb1, netip.MustParsePrefix("192.0.2.1/32"))
		for !stop.Load() {
			if !free.Load() {
				select {
				case <-tap.kick:
				case <-time.After(10 * time.Millisecond):
					continue
				}
			}
			churn.Addr.Add(ctx, a)
			churn.Addr.Delete(ctx, a)
		}
	}()
	defer func() { stop.Store(true); wg.Wait() }()

	// 1. The kernel flags dumps that race with changes.
	free.Store(true)
	interrupted := 0
	for i := 0; i < 2000 && interrupted == 0; i++ {
		for _, err := range c.Addr.All(ctx, nil) {
			if errors.Is(err, nlkit.ErrDumpInterrupted) {
				interrupted++
			} else if err != nil {
				t.Fatal(err)
			}
		}
	}
	free.Store(false)
	if interrupted == 0 {
		t.Fatal("no dump was interrupted (NLM_F_DUMP_INTR) in 2000 tries under churn")
	}

	// 2. List retries until a dump is consistent: every ifb0 address exactly once. Only the first dump of each
	// List is churned.
	consistent := func(as []route.Addr) error {
		seen := map[netip.Addr]int{}
		for _, a := range as {
			if a.Index == ifb0 && a.Family == unix.AF_INET {
				seen[a.Local]++
			}
		}
		if len(seen) != 3000 {
			return fmt.Errorf("%d of 3000 addresses", len(seen))
		}
		for a, n := range seen {
			if n != 1 {
				return fmt.Errorf("%s listed %d times", a, n)
			}
		}
		return nil
	}
	retried := false
	for i := 0; i < 500 && !retried; i++ {
		tap.armed.Store(1)
		before := tap.dumps.Load()
		as, err := c.Addr.List(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := consistent(as); err != nil {
			t.Fatalf("List returned an inconsistent result: %v", err)
		}
		retried = tap.dumps.Load()-before > 1
	}
	if !retried {
		t.Error("List never had to retry an interrupted dump")
	}

	// 3. With no retries allowed, an interrupted dump gives the typed error carrying the last results.
	c.SetDumpRetries(-1)
	for i := 0; ; i++ {
		tap.armed.Store(1)
		as, err := c.Addr.List(ctx, nil)
		var ie *nlkit.DumpInterruptedError
		if errors.As(err, &ie) {
			res, _ := ie.Results.([]route.Addr)
			if !errors.Is(err, nlkit.ErrDumpInterrupted) || ie.Attempts != 1 || len(res) != len(as) || len(as) < 3000 {
				t.Errorf("DumpInterruptedError: attempts %d, %d results, %d returned", ie.Attempts, len(res), len(as))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i == 500 {
			t.Fatal("no interrupted List in 500 tries")
		}
	}
}

// dumpTap is an nlkit.Tap that counts the address dump requests a Client sends and, when armed, kicks the churn
// goroutine for the next one.
type dumpTap struct {
	dumps atomic.Int64
	armed atomic.Int32
	kick  chan struct{}
}

func (d *dumpTap) Sent(unit int, from uint32, to nlkit.Sockaddr, b []byte) {
	it := proto.NewIter(b)
	for it.Next() {
		if h := it.Message().Header; h.Type == unix.RTM_GETADDR && h.Flags&proto.FlagDump == proto.FlagDump {
			d.dumps.Add(1)
			if d.armed.CompareAndSwap(1, 0) {
				select {
				case d.kick <- struct{}{}:
				default:
				}
			}
		}
	}
}

func (*dumpTap) Received(int, uint32, nlkit.Sockaddr, []byte) {}
