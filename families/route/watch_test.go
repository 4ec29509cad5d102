//go:build linux

package route

import (
	"context"
	"errors"
	"net/netip"
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
	conn := nlkit.NewConn(unix.NETLINK_ROUTE, tr, &nlkit.Config{Groups: []uint32{unix.RTNLGRP_LINK}})
	w, err := NewWatcherConn(conn, k.client(t), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return &watchFixture{k: k, ev: tr, w: w}
}

func (f *watchFixture) inject(t *testing.T, typ uint16, v interface{ MarshalBinary() ([]byte, error) }) {
	f.ev.Fake.Inject(nltest.Sockaddr{Groups: 1}, proto.Message{Header: proto.Header{Type: typ}, Data: mustMarshal(t, v)})
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
	f.ev.Fake.Inject(nltest.Sockaddr{Groups: 1},
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
	f.ev.Fake.Inject(nltest.Sockaddr{Groups: 1}, proto.Message{Header: proto.Header{Type: unix.RTM_NEWLINK}, Data: []byte{1, 2}})
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

// countTap counts the datagrams a Conn receives.
type countTap struct {
	mu       sync.Mutex
	received int
}

func (c *countTap) Sent(int, uint32, nlkit.Sockaddr, []byte) {}
func (c *countTap) Received(int, uint32, nlkit.Sockaddr, []byte) {
	c.mu.Lock()
	c.received++
	c.mu.Unlock()
}

func (c *countTap) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.received
}

// fakeDialer opens nltest event sockets for newWatcher and keeps them, with the configs they were dialed with.
type fakeDialer struct {
	dialed []*enobufsTransport
	cfgs   []*nlkit.Config
}

func (d *fakeDialer) dial(cfg *nlkit.Config) (*nlkit.Conn, error) {
	_, fake := nltest.New(unix.NETLINK_ROUTE, nil, cfg)
	tr := &enobufsTransport{Fake: fake}
	d.dialed, d.cfgs = append(d.dialed, tr), append(d.cfgs, cfg)
	return nlkit.NewConn(unix.NETLINK_ROUTE, tr, cfg), nil
}

// TestWatcherTapAndDial: WatchConfig.Tap reaches the event socket the Watcher dials, and the socket it dials
// again after an overflow.
func TestWatcherTapAndDial(t *testing.T) {
	k := &kernel{links: []Link{{Index: 1, Name: "lo"}}}
	tap := &countTap{}
	d := &fakeDialer{}
	w, err := newWatcher(&WatchConfig{Objects: WatchLinks | WatchRoutes, Family: unix.AF_INET, Tap: tap},
		d.dial, k.client(t))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if len(d.dialed) != 1 || d.cfgs[0].Tap != tap || !d.dialed[0].Fake.Joined(unix.RTNLGRP_LINK) ||
		!d.dialed[0].Fake.Joined(unix.RTNLGRP_IPV4_ROUTE) || d.dialed[0].Fake.Joined(unix.RTNLGRP_IPV6_ROUTE) {
		t.Fatalf("dialed %d sockets, config %+v", len(d.dialed), d.cfgs)
	}
	d.dialed[0].Fake.Inject(nltest.Sockaddr{Groups: 1},
		proto.Message{Header: proto.Header{Type: unix.RTM_NEWLINK}, Data: mustMarshal(t, &Link{Index: 5, Name: "v0"})})
	if ev := next(t, w); ev.Link == nil || ev.Link.Name != "v0" || tap.count() != 1 {
		t.Fatalf("event %v, tap saw %d datagrams", ev, tap.count())
	}
	d.dialed[0].overflow()
	if ev := next(t, w); ev.Kind != EventResync || !ev.Lost || len(d.dialed) != 2 || d.cfgs[1].Tap != tap {
		t.Fatalf("after ENOBUFS: %v, %d sockets dialed", ev, len(d.dialed))
	}
	d.dialed[1].Fake.Inject(nltest.Sockaddr{Groups: 1},
		proto.Message{Header: proto.Header{Type: unix.RTM_DELLINK}, Data: mustMarshal(t, &Link{Index: 5, Name: "v0"})})
	if ev := next(t, w); ev.Kind != EventDelete || tap.count() != 2 {
		t.Fatalf("after resync: %v, tap saw %d datagrams", ev, tap.count())
	}
}

// bigRoute is an IPv4 route with hops nexthops: with 3000, its RTM_NEWROUTE is about 48 KB, more than the
// 32 KiB an event socket starts with.
func bigRoute(hops int) Route {
	r := Route{Family: unix.AF_INET, Dst: mustPrefix("10.99.0.0/16"), Table: TableMain, Type: TypeUnicast,
		Protocol: unix.RTPROT_BOOT}
	mp := make([]Hop, hops)
	for i := range mp {
		mp[i] = Hop{OIF: 2, Gateway: netip.AddrFrom4([4]byte{10, 50, byte((i + 2) >> 8), byte(i + 2)})}
	}
	r.EnsureExtra().MultiPath = mp
	return r
}

// TestWatcherResyncOnTruncated: a notification larger than the receive buffer is lost (MSG_TRUNC); the Watcher
// resynchronises as after ENOBUFS, and its connection, grown, takes the next one whole. A datagram of more than
// 64 KiB (two such routes) is lost once, then received whole.
func TestWatcherResyncOnTruncated(t *testing.T) {
	f := newWatchFixture(t, WatchConfig{Objects: WatchLinks | WatchRoutes})
	big := bigRoute(3000)
	msg := proto.Message{Header: proto.Header{Type: unix.RTM_NEWROUTE}, Data: mustMarshal(t, &big)}
	if len(msg.Data) <= nlkit.DefaultReceiveBuffer {
		t.Fatalf("the route's message is %d bytes, not more than the %d-byte buffer", len(msg.Data), nlkit.DefaultReceiveBuffer)
	}
	// The fake kernel does not list the route: the real one cannot put a route of more than about 32 KiB in
	// a dump.
	f.ev.Fake.Inject(nltest.Sockaddr{Groups: 1}, msg)
	ev := next(t, f.w)
	if ev.Kind != EventResync || !ev.Lost || f.w.Resyncs() != 1 || len(ev.Snapshot.Routes) != 1 {
		t.Fatalf("after a cut notification: %v (resyncs %d)", ev, f.w.Resyncs())
	}
	f.ev.Fake.Inject(nltest.Sockaddr{Groups: 1}, msg)
	if ev := next(t, f.w); ev.Kind != EventNew || ev.Route == nil || len(ev.Route.Ext().MultiPath) != 3000 {
		t.Fatalf("the same notification again: %v", ev)
	}

	// Two in one datagram: more than 64 KiB.
	f.ev.Fake.Inject(nltest.Sockaddr{Groups: 1}, msg, msg)
	if ev := next(t, f.w); ev.Kind != EventResync || !ev.Lost || f.w.Resyncs() != 2 {
		t.Fatalf("after a cut datagram of %d bytes: %v (resyncs %d)", 2*len(msg.Data), ev, f.w.Resyncs())
	}
	f.ev.Fake.Inject(nltest.Sockaddr{Groups: 1}, msg, msg)
	for i := range 2 {
		if ev := next(t, f.w); ev.Kind != EventNew || ev.Route == nil || len(ev.Route.Ext().MultiPath) != 3000 {
			t.Fatalf("route %d of the datagram again: %v", i, ev)
		}
	}
	// The watch goes on.
	f.inject(t, unix.RTM_NEWLINK, &Link{Index: 7, Name: "after"})
	if ev := next(t, f.w); ev.Link == nil || ev.Link.Name != "after" || f.w.Resyncs() != 2 {
		t.Fatalf("after the resyncs: %v (resyncs %d)", ev, f.w.Resyncs())
	}
}

// TestWatcherTruncatedDialsLarger: a Watcher that dials its event sockets opens the next one with a buffer that
// holds the datagram it lost, even one beyond the 1 MiB a Conn grows to by itself.
func TestWatcherTruncatedDialsLarger(t *testing.T) {
	k := &kernel{links: []Link{{Index: 1, Name: "lo"}}}
	d := &fakeDialer{}
	w, err := newWatcher(&WatchConfig{Objects: WatchLinks}, d.dial, k.client(t))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	// A NLMSG_NOOP of 1.5 MiB (no event), then a link, in one datagram.
	huge := []proto.Message{{Header: proto.Header{Type: proto.TypeNoop}, Data: make([]byte, 3<<19)},
		{Header: proto.Header{Type: unix.RTM_NEWLINK}, Data: mustMarshal(t, &Link{Index: 5, Name: "v0"})}}
	size := len(proto.AppendMessages(nil, huge...))
	d.dialed[0].Fake.Inject(nltest.Sockaddr{Groups: 1}, huge...)
	if ev := next(t, w); ev.Kind != EventResync || !ev.Lost || w.Resyncs() != 1 {
		t.Fatalf("after a cut datagram: %v (resyncs %d)", ev, w.Resyncs())
	}
	if len(d.dialed) != 2 || d.cfgs[1].ReceiveBuffer < size {
		t.Fatalf("%d sockets dialed, the last with a %d-byte buffer for a %d-byte datagram", len(d.dialed),
			d.cfgs[len(d.cfgs)-1].ReceiveBuffer, size)
	}
	d.dialed[1].Fake.Inject(nltest.Sockaddr{Groups: 1}, huge...)
	if ev := next(t, w); ev.Kind != EventNew || ev.Link == nil || ev.Link.Name != "v0" || w.Resyncs() != 1 {
		t.Fatalf("the datagram again: %v (resyncs %d)", ev, w.Resyncs())
	}
	// After an overflow, the socket dialed again keeps the larger buffer.
	d.dialed[1].overflow()
	if ev := next(t, w); ev.Kind != EventResync || len(d.dialed) != 3 || d.cfgs[2].ReceiveBuffer < size {
		t.Fatalf("after ENOBUFS: %v, %d sockets dialed", ev, len(d.dialed))
	}
}

// TestWatcherOwnsNetNS: the Watcher dials with its own duplicate of WatchConfig.NetNS, taken at the start, the
// same after the caller closed its descriptor, and closes it on Close.
func TestWatcherOwnsNetNS(t *testing.T) {
	callers, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var want unix.Stat_t
	if err := unix.Fstat(callers, &want); err != nil {
		t.Fatal(err)
	}
	k := &kernel{links: []Link{{Index: 1, Name: "lo"}}}
	d := &fakeDialer{}
	w, err := newWatcher(&WatchConfig{Objects: WatchLinks, NetNS: callers}, d.dial, k.client(t))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	own := d.cfgs[0].NetNS
	var st unix.Stat_t
	if own == callers || own <= 0 || unix.Fstat(own, &st) != nil || st.Ino != want.Ino || st.Dev != want.Dev {
		t.Fatalf("the Watcher dialed with descriptor %d (the caller's is %d)", own, callers)
	}
	if flags, err := unix.FcntlInt(uintptr(own), unix.F_GETFD, 0); err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("the Watcher's descriptor: flags %#x, %v; want FD_CLOEXEC", flags, err)
	}
	unix.Close(callers)
	d.dialed[0].overflow()
	if ev := next(t, w); ev.Kind != EventResync || len(d.cfgs) != 2 || d.cfgs[1].NetNS != own {
		t.Fatalf("after ENOBUFS: %v, dialed with %+v", ev, d.cfgs)
	}
	w.Close()
	if err := unix.Fstat(own, &st); err == nil && st.Ino == want.Ino && st.Dev == want.Dev {
		t.Errorf("descriptor %d still open after Close", own)
	}
}

// TestNewWatcherConnOptions: NewWatcherConn refuses the options that belong to a socket it does not dial, and
// closes the Conn it was given.
func TestNewWatcherConnOptions(t *testing.T) {
	k := &kernel{}
	for _, cfg := range []WatchConfig{{Tap: &countTap{}}, {SocketReceiveBuffer: 1 << 20}} {
		conn, _ := nltest.New(unix.NETLINK_ROUTE, nil, nil)
		if w, err := NewWatcherConn(conn, k.client(t), &cfg); err == nil {
			w.Close()
			t.Errorf("NewWatcherConn with %+v: no error", cfg)
		}
		if _, err := conn.ReceiveDatagram(context.Background()); !errors.Is(err, nlkit.ErrClosed) {
			t.Errorf("the Conn after a refused NewWatcherConn: %v", err)
		}
	}
	// AllNamespaces needs NETLINK_LISTEN_ALL_NSID on the socket: a fake has none to set.
	conn, _ := nltest.New(unix.NETLINK_ROUTE, nil, nil)
	if w, err := NewWatcherConn(conn, k.client(t), &WatchConfig{AllNamespaces: true}); err == nil {
		w.Close()
		t.Error("NewWatcherConn with AllNamespaces on a fake: no error")
	}
}

// TestWatcherResyncSurvivesCancel: a Next whose ctx ends while it dumps the snapshot after a loss (or the
// initial snapshot) returns ctx's error; the next call still delivers the EventResync.
func TestWatcherResyncSurvivesCancel(t *testing.T) {
	short := func(w *Watcher) error {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := w.Next(ctx)
		return err
	}
	stall := func(k *kernel) {
		k.mu.Lock()
		k.stall = 200 * time.Millisecond
		k.mu.Unlock()
	}

	f := newWatchFixture(t, WatchConfig{Objects: WatchLinks, InitialSnapshot: true})
	stall(f.k)
	if err := short(f.w); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("initial snapshot cut short: %v", err)
	}
	if ev := next(t, f.w); ev.Kind != EventResync || ev.Lost || len(ev.Snapshot.Links) != 1 {
		t.Fatalf("initial snapshot, the second time: %v", ev)
	}

	stall(f.k)
	f.ev.overflow()
	if err := short(f.w); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("resync cut short: %v", err)
	}
	f.inject(t, unix.RTM_NEWLINK, &Link{Index: 3, Name: "after"})
	if ev := next(t, f.w); ev.Kind != EventResync || !ev.Lost || f.w.Resyncs() != 1 {
		t.Fatalf("the resync, the second time: %v (resyncs %d)", ev, f.w.Resyncs())
	}
}

// TestWatcherNilContext: Next refuses a nil context, as every call that takes one does.
func TestWatcherNilContext(t *testing.T) {
	f := newWatchFixture(t, WatchConfig{})
	//lint:ignore SA1012 a nil context is what is tested
	if _, err := f.w.Next(nil); !errors.Is(err, nlkit.ErrNilContext) {
		t.Fatalf("Next(nil): %v, want ErrNilContext", err)
	}
}
