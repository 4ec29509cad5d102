//go:build linux

package route

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// watchFixture is a Watcher on fakes: events are injected into ev, snapshots come from k.
type watchFixture struct {
	k  *kernel
	ev *enobufsTransport
	w  *Watcher
}

func newWatchFixture(t *testing.T, cfg WatchConfig) *watchFixture {
	t.Helper()
	k := &kernel{links: []Link{{Index: 1, Name: "lo"}}, routes: []Route{
		{Family: unix.AF_INET, Dst: mustPrefix("127.0.0.0/8"), Table: TableLocal, Type: TypeLocal}}}
	_, fake := nltest.New(unix.NETLINK_ROUTE, nil, nil)
	tr := &enobufsTransport{Fake: fake}
	cfg.Conn = nlkit.NewConn(unix.NETLINK_ROUTE, tr, &nlkit.Config{Groups: []uint32{unix.RTNLGRP_LINK}})
	cfg.Dump = k.client(t)
	w, err := NewWatcher(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return &watchFixture{k: k, ev: tr, w: w}
}

func (f *watchFixture) inject(t *testing.T, typ uint16, v interface{ MarshalBinary() ([]byte, error) }) {
	f.ev.Fake.Inject(nltest.Addr{Groups: 1}, proto.Message{Header: proto.Header{Type: typ}, Data: mustMarshal(t, v)})
}

func next(t *testing.T, w *Watcher) Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev, err := w.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestWatcherEvents(t *testing.T) {
	f := newWatchFixture(t, WatchConfig{Objects: WatchLinks | WatchRoutes | WatchAddrs | WatchNeighs | WatchRules | WatchNexthops})
	for _, g := range []uint32{unix.RTNLGRP_LINK, unix.RTNLGRP_IPV4_ROUTE, unix.RTNLGRP_IPV6_ROUTE, unix.RTNLGRP_IPV4_IFADDR,
		unix.RTNLGRP_IPV6_IFADDR, unix.RTNLGRP_NEIGH, unix.RTNLGRP_IPV4_RULE, unix.RTNLGRP_IPV6_RULE, unix.RTNLGRP_NEXTHOP} {
		if !f.ev.Fake.Joined(g) {
			t.Errorf("group %d not joined", g)
		}
	}
	f.inject(t, unix.RTM_NEWLINK, &Link{Index: 5, Name: "v0"})
	f.inject(t, unix.RTM_DELROUTE, &Route{Dst: mustPrefix("10.0.0.0/24"), Table: TableMain})
	// Two messages in one datagram, and a message type that is not an event.
	a := AddrFrom(5, mustPrefix("10.0.0.1/24"))
	n := Neigh{Index: 5, Dst: mustAddr("10.0.0.2")}
	f.ev.Fake.Inject(nltest.Addr{Groups: 1},
		proto.Message{Header: proto.Header{Type: unix.RTM_NEWADDR}, Data: mustMarshal(t, &a)},
		proto.Message{Header: proto.Header{Type: proto.TypeNoop}},
		proto.Message{Header: proto.Header{Type: unix.RTM_DELNEIGH}, Data: mustMarshal(t, &n)})
	f.inject(t, unix.RTM_NEWRULE, &Rule{Family: unix.AF_INET, Priority: 9})
	f.inject(t, unix.RTM_DELNEXTHOP, &Nexthop{ID: 3})

	checks := []func(Event) bool{
		func(e Event) bool { return e.Kind == EventNew && e.Link != nil && e.Link.Name == "v0" },
		func(e Event) bool {
			return e.Kind == EventDelete && e.Route != nil && e.Route.Dst == mustPrefix("10.0.0.0/24")
		},
		func(e Event) bool { return e.Kind == EventNew && e.Addr != nil && e.Addr.Local == mustAddr("10.0.0.1") },
		func(e Event) bool {
			return e.Kind == EventDelete && e.Neigh != nil && e.Neigh.Dst == mustAddr("10.0.0.2")
		},
		func(e Event) bool { return e.Kind == EventNew && e.Rule != nil && e.Rule.Priority == 9 },
		func(e Event) bool { return e.Kind == EventDelete && e.Nexthop != nil && e.Nexthop.ID == 3 },
	}
	for i, ok := range checks {
		if ev := next(t, f.w); !ok(ev) {
			t.Errorf("event %d: %v", i, ev)
		}
	}
}

func TestWatcherResyncOnENOBUFS(t *testing.T) {
	f := newWatchFixture(t, WatchConfig{Objects: WatchLinks | WatchRoutes, InitialSnapshot: true})
	ev := next(t, f.w)
	if ev.Kind != EventResync || ev.Lost || len(ev.Snapshot.Links) != 1 || len(ev.Snapshot.Routes) != 1 {
		t.Fatalf("initial: %v", ev)
	}
	f.k.mu.Lock()
	f.k.links = append(f.k.links, Link{Index: 2, Name: "eth0"})
	f.k.mu.Unlock()
	f.ev.overflow()
	ev = next(t, f.w)
	if ev.Kind != EventResync || !ev.Lost || len(ev.Snapshot.Links) != 2 || f.w.Resyncs() != 1 {
		t.Fatalf("after ENOBUFS: %v (resyncs %d)", ev, f.w.Resyncs())
	}
	// The watch goes on.
	f.inject(t, unix.RTM_DELLINK, &Link{Index: 2, Name: "eth0"})
	if ev := next(t, f.w); ev.Kind != EventDelete || ev.Link.Index != 2 {
		t.Fatalf("after resync: %v", ev)
	}
}

func TestWatcherStops(t *testing.T) {
	f := newWatchFixture(t, WatchConfig{Objects: WatchLinks})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := f.w.Next(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled Next: %v", err)
	}
	// A malformed event is reported and the watch goes on.
	f.ev.Fake.Inject(nltest.Addr{Groups: 1}, proto.Message{Header: proto.Header{Type: unix.RTM_NEWLINK}, Data: []byte{1, 2}})
	f.inject(t, unix.RTM_NEWLINK, &Link{Index: 5, Name: "ok"})
	var de *DecodeError
	var got []Event
	for ev, err := range f.w.Events(context.Background()) {
		if err != nil {
			if !errors.As(err, &de) {
				t.Fatalf("error %v", err)
			}
			continue
		}
		got = append(got, ev)
		break
	}
	if de == nil || len(got) != 1 || got[0].Link.Name != "ok" {
		t.Fatalf("decode error %v, events %v", de, got)
	}
	done := make(chan error)
	go func() {
		_, err := f.w.Next(context.Background())
		done <- err
	}()
	time.Sleep(10 * time.Millisecond)
	f.w.Close()
	select {
	case err := <-done:
		if !errors.Is(err, nlkit.ErrClosed) {
			t.Errorf("after Close: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Next")
	}
}

func TestWatchGroupsFamily(t *testing.T) {
	g := WatchAll.groups(unix.AF_INET6)
	for _, x := range g {
		if x == unix.RTNLGRP_IPV4_ROUTE || x == unix.RTNLGRP_IPV4_IFADDR || x == unix.RTNLGRP_IPV4_RULE {
			t.Errorf("IPv4 group %d for AF_INET6", x)
		}
	}
	if len(WatchRoutes.groups(0)) != 2 {
		t.Error("routes: two groups")
	}
}

func waitGen(t *testing.T, m *Mirror, after uint64) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	g, err := m.Wait(ctx, after)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestMirror(t *testing.T) {
	f := newWatchFixture(t, WatchConfig{})
	f.w.Close() // the Mirror makes its own Watcher on the same fakes
	_, fake := nltest.New(unix.NETLINK_ROUTE, nil, nil)
	tr := &enobufsTransport{Fake: fake}
	cfg := &WatchConfig{Objects: WatchAll, Conn: nlkit.NewConn(unix.NETLINK_ROUTE, tr, nil), Dump: f.k.client(t)}
	m, err := NewMirror(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if ls := m.Links(); len(ls) != 1 || ls[0].Name != "lo" || len(m.Routes()) != 1 {
		t.Fatalf("initial %v %v", ls, m.Routes())
	}
	gen := m.Generation()
	inject := func(typ uint16, flags uint16, v interface{ MarshalBinary() ([]byte, error) }) {
		tr.Fake.Inject(nltest.Addr{Groups: 1}, proto.Message{Header: proto.Header{Type: typ, Flags: flags}, Data: mustMarshal(t, v)})
		gen = waitGen(t, m, gen)
	}
	inject(unix.RTM_NEWLINK, 0, &Link{Index: 2, Name: "v0"})
	inject(unix.RTM_NEWLINK, 0, &Link{Family: unix.AF_BRIDGE, Index: 2, Name: "v0"})
	inject(unix.RTM_DELLINK, 0, &Link{Family: unix.AF_BRIDGE, Index: 2, Name: "v0"}) // a port leaving a bridge
	inject(unix.RTM_NEWADDR, 0, &Addr{Family: unix.AF_INET, Index: 2, Local: mustAddr("10.0.0.1"), PrefixLen: 24})
	r1 := Route{Family: unix.AF_INET, Dst: mustPrefix("10.1.0.0/16"), Table: TableMain, Type: TypeUnicast, OIF: 2}
	r2 := r1
	r2.OIF = 3
	inject(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL, &r1)
	inject(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_APPEND, &r2) // two routes under one key
	r6 := Route{Family: unix.AF_INET6, Dst: mustPrefix("2001:db8::/64"), Table: TableMain, Type: TypeUnicast, OIF: 2}
	inject(unix.RTM_NEWROUTE, 0, &r6)
	inject(unix.RTM_NEWNEIGH, 0, &Neigh{Family: unix.AF_INET, Index: 2, Dst: mustAddr("10.0.0.2"), State: NeighReachable})
	inject(unix.RTM_NEWNEIGH, 0, &Neigh{Family: unix.AF_INET, Index: 2, Dst: mustAddr("10.0.0.3"), Flags: NeighProxy})
	inject(unix.RTM_NEWRULE, 0, &Rule{Family: unix.AF_INET, Priority: 5, Table: 100, Action: RuleToTable})
	inject(unix.RTM_NEWNEXTHOP, 0, &Nexthop{ID: 4, Blackhole: true})
	s := m.Snapshot()
	if len(s.Links) != 2 || len(s.Addrs) != 1 || len(s.Routes) != 4 || len(s.Neighs) != 1 || len(s.Rules) != 1 ||
		len(s.Nexthops) != 1 {
		t.Fatalf("after adds: %d links %d addrs %d routes %d neighs %d rules %d nexthops", len(s.Links), len(s.Addrs),
			len(s.Routes), len(s.Neighs), len(s.Rules), len(s.Nexthops))
	}
	if l, ok := m.Link(2); !ok || l.Name != "v0" {
		t.Errorf("Link(2) = %v %v", l, ok)
	}
	r1b := r1
	r1b.Priority = 0
	r1b.EnsureExtra().Metrics.MTU = 1300
	inject(unix.RTM_NEWROUTE, unix.NLM_F_REPLACE, &r1b) // replaces the first under the key
	inject(unix.RTM_DELROUTE, 0, &r2)
	inject(unix.RTM_DELROUTE, 0, &r6)
	inject(unix.RTM_DELADDR, 0, &Addr{Family: unix.AF_INET, Index: 2, Local: mustAddr("10.0.0.1"), PrefixLen: 24})
	inject(unix.RTM_DELNEIGH, 0, &Neigh{Family: unix.AF_INET, Index: 2, Dst: mustAddr("10.0.0.2")})
	inject(unix.RTM_DELRULE, 0, &Rule{Family: unix.AF_INET, Priority: 5, Table: 100, Action: RuleToTable})
	inject(unix.RTM_DELNEXTHOP, 0, &Nexthop{ID: 4})
	s = m.Snapshot()
	if len(s.Routes) != 2 || s.Routes[0].Ext().Metrics.MTU != 1300 || s.Routes[0].OIF != 2 || len(s.Addrs) != 0 ||
		len(s.Neighs) != 0 || len(s.Rules) != 0 || len(s.Nexthops) != 0 {
		t.Fatalf("after deletes: %+v", s)
	}
	// Lost events: the Mirror reloads from a fresh dump.
	f.k.mu.Lock()
	f.k.links = []Link{{Index: 1, Name: "lo"}, {Index: 9, Name: "new"}}
	f.k.mu.Unlock()
	tr.overflow()
	gen = waitGen(t, m, gen)
	if ls := m.Links(); len(ls) != 2 || ls[1].Name != "new" || m.Resyncs() != 1 {
		t.Fatalf("after resync: %v (resyncs %d)", ls, m.Resyncs())
	}
	m.Close()
	if !errors.Is(m.Err(), nlkit.ErrClosed) && !errors.Is(m.Err(), context.Canceled) {
		t.Errorf("Err after Close: %v", m.Err())
	}
}

// countTap counts the datagrams a Conn receives.
type countTap struct {
	mu       sync.Mutex
	received int
}

func (c *countTap) Sent(int, uint32, nlkit.Addr, []byte) {}
func (c *countTap) Received(int, uint32, nlkit.Addr, []byte) {
	c.mu.Lock()
	c.received++
	c.mu.Unlock()
}

func (c *countTap) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.received
}

// TestWatcherTapAndDial: WatchConfig.Tap reaches the event socket the Watcher dials (through WatchConfig.Dial
// here), and the socket it dials again after an overflow.
func TestWatcherTapAndDial(t *testing.T) {
	k := &kernel{links: []Link{{Index: 1, Name: "lo"}}}
	tap := &countTap{}
	var dialed []*enobufsTransport
	var cfgs []*nlkit.Config
	w, err := NewWatcher(&WatchConfig{Objects: WatchLinks | WatchRoutes, Family: unix.AF_INET, Tap: tap,
		Dump: k.client(t),
		Dial: func(cfg *nlkit.Config) (*nlkit.Conn, error) {
			_, fake := nltest.New(unix.NETLINK_ROUTE, nil, cfg)
			tr := &enobufsTransport{Fake: fake}
			dialed, cfgs = append(dialed, tr), append(cfgs, cfg)
			return nlkit.NewConn(unix.NETLINK_ROUTE, tr, cfg), nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if len(dialed) != 1 || cfgs[0].Tap != tap || !dialed[0].Fake.Joined(unix.RTNLGRP_LINK) ||
		!dialed[0].Fake.Joined(unix.RTNLGRP_IPV4_ROUTE) || dialed[0].Fake.Joined(unix.RTNLGRP_IPV6_ROUTE) {
		t.Fatalf("dialed %d sockets, config %+v", len(dialed), cfgs)
	}
	dialed[0].Fake.Inject(nltest.Addr{Groups: 1},
		proto.Message{Header: proto.Header{Type: unix.RTM_NEWLINK}, Data: mustMarshal(t, &Link{Index: 5, Name: "v0"})})
	if ev := next(t, w); ev.Link == nil || ev.Link.Name != "v0" || tap.count() != 1 {
		t.Fatalf("event %v, tap saw %d datagrams", ev, tap.count())
	}
	dialed[0].overflow()
	if ev := next(t, w); ev.Kind != EventResync || !ev.Lost || len(dialed) != 2 || cfgs[1].Tap != tap {
		t.Fatalf("after ENOBUFS: %v, %d sockets dialed", ev, len(dialed))
	}
	dialed[1].Fake.Inject(nltest.Addr{Groups: 1},
		proto.Message{Header: proto.Header{Type: unix.RTM_DELLINK}, Data: mustMarshal(t, &Link{Index: 5, Name: "v0"})})
	if ev := next(t, w); ev.Kind != EventDelete || tap.count() != 2 {
		t.Fatalf("after resync: %v, tap saw %d datagrams", ev, tap.count())
	}
}
