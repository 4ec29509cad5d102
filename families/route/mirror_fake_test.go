//go:build linux

package route

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

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
	w, err := NewWatcherConn(nlkit.NewConn(unix.NETLINK_ROUTE, tr, nil), f.k.client(t), &WatchConfig{Objects: WatchAll})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMirrorWatcher(context.Background(), w)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if ls := m.Links(); len(ls) != 1 || ls[0].Name != "lo" || len(m.Routes()) != 1 {
		t.Fatalf("initial %v %v", ls, m.Routes())
	}
	gen := m.Generation()
	inject := func(typ uint16, flags uint16, v interface{ MarshalBinary() ([]byte, error) }) {
		tr.Fake.Inject(nltest.Sockaddr{Groups: 1}, proto.Message{Header: proto.Header{Type: typ, Flags: flags}, Data: mustMarshal(t, v)})
		gen = waitGen(t, m, gen)
	}
	inject(unix.RTM_NEWLINK, 0, &Link{Index: 2, Name: "v0"})
	f.k.mu.Lock()
	f.k.links = append(f.k.links, Link{Index: 2, Name: "v0"}) // a bridge port's message re-dumps the links
	f.k.mu.Unlock()
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
	f.k.mu.Lock() // a nexthop event re-dumps routes and nexthops
	f.k.routes, f.k.nexthops = m.Routes(), []Nexthop{{ID: 4, Blackhole: true}}
	f.k.mu.Unlock()
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
	// The fake kernel holds what the events said, since the Mirror re-dumps routes after an address or a
	// nexthop object is removed (the kernel flushes routes that used them without notifications).
	f.k.mu.Lock()
	f.k.routes, f.k.nexthops = m.Routes(), nil
	f.k.mu.Unlock()
	inject(unix.RTM_DELADDR, 0, &Addr{Family: unix.AF_INET, Index: 2, Local: mustAddr("10.0.0.1"), PrefixLen: 24})
	inject(unix.RTM_DELNEIGH, 0, &Neigh{Family: unix.AF_INET, Index: 2, Dst: mustAddr("10.0.0.2")})
	inject(unix.RTM_DELRULE, 0, &Rule{Family: unix.AF_INET, Priority: 5, Table: 100, Action: RuleToTable})
	inject(unix.RTM_DELNEXTHOP, 0, &Nexthop{ID: 4})
	if m.Redumps() != 6 {
		t.Errorf("%d re-dumps, want 6 (rules after a new link, links after two bridge port messages, routes after an address was removed, routes and nexthops after two nexthop events)", m.Redumps())
	}
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
