//go:build linux

package route

import (
	"cmp"
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
)

// Mirror is an in-memory copy of the chosen objects of one namespace, kept current by a Watcher and true to
// the kernel's own rules: it starts from a snapshot dumped after the event socket joined its groups, applies
// every event after it as the kernel applied the change, re-dumps the objects the kernel changes without a
// notification, and starts over from a fresh snapshot when events were lost (ENOBUFS, a notification cut
// short). Its accessors return copies, consistent with one point in the event stream, and are safe to call
// from any goroutine while it updates.
//
// Keys, as the kernel identifies its objects:
//   - links by ifi_index (AF_BRIDGE port messages are not whole links and are ignored);
//   - addresses by family, link, IFA_LOCAL, prefix length and IFA_ADDRESS (the peer);
//   - IPv4 routes by table, destination, TOS and priority, each key an ordered alias list (fib_table_insert):
//     NLM_F_REPLACE replaces the first alias, NLM_F_APPEND adds at the end, NLM_F_CREATE alone ("prepend")
//     at the front, RTM_DELROUTE removes the alias it names;
//   - IPv6 routes by table, destination, source and metric, each key the kernel's list of fib6 entries: routes
//     with different nexthops coexist (fe80::/64 on every link), gateway routes are siblings shown as one
//     multipath route, added and deleted one hop at a time (fib6_add_rt2, fib6_del_route); a route without a
//     gateway that stands between the first and the last sibling is kept but not shown, as the kernel's dump
//     does not show it (fib6_dump_node jumps to the last sibling);
//   - neighbours by family, link and address (AF_INET and AF_INET6; proxy entries and the bridge FDB are not
//     kept); rules by all their fields; nexthop objects by NHA_ID.
//
// Changes the kernel makes without a notification, and how the Mirror follows them: it re-dumps the objects
// concerned, once for a burst of events (it first applies every event already queued), before it applies
// the next event, so that a reader who sees a later change also sees these.
//   - a link deleted: its IPv4 routes, the nexthop objects on it and its neighbours go silently, rules
//     naming it as iif/oif become detached (FIB_RULE_IIF_DETACHED), and a veth whose peer left learns
//     IFLA_LINK_NETNSID: links, routes, nexthops, rules and neighbours are re-dumped;
//   - a link going up or down or losing its carrier (IFF_UP, IFF_RUNNING, IFF_LOWER_UP): IPv4 routes flushed
//     (fib_sync_down_dev), multipath hops marked RTNH_F_DEAD/RTNH_F_LINKDOWN, nexthops removed
//     (nexthop_flush_dev), neighbours flushed: routes, nexthops and neighbours are re-dumped;
//   - a link's master changing (a VRF or bridge enslavement) re-dumps routes, nexthops and neighbours; its MTU
//     changing re-dumps routes (IPv6 routes' path MTU, rt6_mtu_change); a link appearing or renamed
//     re-dumps rules (iif/oif attach by name);
//   - a bridge port's STP state (IFLA_BRPORT_STATE) changes with only an AF_BRIDGE port message: such a
//     message re-dumps the links;
//   - a veth's first end is notified before the pair is joined and learns its IFLA_LINK silently, and a lower
//     device or a master changes its counters (promiscuity) when a macvlan over it goes up or a port is
//     enslaved while it is down, and a bond takes its first port's address and silently drops it again when
//     the enslavement then fails: a link appearing with a parent, a link with a parent going up or down, a
//     master changing and a link's address changing re-dump the links;
//   - an address removed: IPv4 routes using it as prefsrc go (fib_sync_down_addr): routes are re-dumped;
//   - a route too large for a dump datagram (about 32 KiB, some 2,000 IPv4 nexthops) is held from its
//     notifications, which arrive whole (the Watcher grows its buffer), but no dump lists it, and while it
//     exists Linux 6.18 ends IPv4 route dumps at it silently and 6.1 fails them (the Mirror then reports a
//     *SnapshotError and tries again): routes are re-dumped when a route of 800 nexthops or more is deleted;
//   - a route hidden between IPv6 siblings (see the keys) shows again when a sibling goes; a Mirror that
//     loaded the key from a dump with a multipath route cannot know it: a sibling's deletion or replacement
//     at such a key re-dumps routes;
//   - a nexthop object removed or replaced: routes using it go or change, and groups lose the member: routes
//     and nexthops are re-dumped after every nexthop event (an RTM_NEWNEXTHOP does not tell a replace).
//
// LinkData and slices inside the objects are shared between copies: treat them as read-only.
type Mirror struct {
	w        *Watcher
	cancel   context.CancelFunc
	done     chan struct{}
	onChange func(Change)
	seen     map[int32]linkSeen // the links as the events left them (run goroutine only; see silent)

	mu      sync.RWMutex
	cond    *sync.Cond
	s       mirrorState
	gen     uint64
	resyncs uint64
	redumps uint64
	err     error
}

// mirrorState is the Mirror's copy of the kernel's objects.
type mirrorState struct {
	links map[int32]Link
	addrs map[addrKey]Addr
	r4    map[routeKey][]Route     // IPv4 alias lists, in the kernel's order
	r6    map[routeKey][]fib6Entry // IPv6 fib6 entries, in the kernel's order
	// veiled holds the IPv6 keys whose entries came from a dump that showed a multipath route: the dump
	// cannot show an entry without a gateway that stands between two siblings (see render6), so the Mirror
	// may lack one, which the kernel shows again, with no notification, once the siblings around it go.
	veiled   map[routeKey]bool
	neighs   map[neighKey]Neigh
	rules    map[Rule]struct{}
	nexthops map[uint32]Nexthop
}

type addrKey struct {
	family    uint8
	index     int32
	local     netip.Addr
	prefixLen uint8
	peer      netip.Addr
}

type neighKey struct {
	family uint8
	index  int32
	dst    netip.Addr
}

// ErrMirrorAllNamespaces is NewMirror's answer to a WatchConfig with AllNamespaces: a Mirror holds the objects
// of one namespace, and objects of several namespaces share indexes and keys. Watch every namespace with a
// Watcher (each event carries its NSID), or one Mirror per namespace.
var ErrMirrorAllNamespaces = errors.New("route: a Mirror follows one namespace; WatchConfig.AllNamespaces is for a Watcher")

// MirrorOption changes how a Mirror reports.
type MirrorOption func(*Mirror)

// OnChange makes the Mirror call fn with each change it applied, in order, from its own goroutine, after the
// change is visible through its accessors: objects added, changed and removed, by an event, by a re-dump after
// a silent change, or by a resync (where it reports only what differed from its copy). The Mirror waits for fn
// to return before it applies the next change: fn must not block for long, and must not call Close.
func OnChange(fn func(Change)) MirrorOption { return func(m *Mirror) { m.onChange = fn } }

// NewMirror starts a Mirror of cfg's objects (cfg.InitialSnapshot is implied). It returns once the first
// snapshot is loaded. It runs until Close or until ctx is cancelled. A cfg with AllNamespaces gives
// ErrMirrorAllNamespaces.
func NewMirror(ctx context.Context, cfg *WatchConfig, opts ...MirrorOption) (*Mirror, error) {
	c := WatchConfig{}
	if cfg != nil {
		c = *cfg
	}
	if c.AllNamespaces {
		return nil, ErrMirrorAllNamespaces
	}
	c.InitialSnapshot = true
	w, err := NewWatcher(&c)
	if err != nil {
		return nil, err
	}
	return NewMirrorWatcher(ctx, w, opts...)
}

// NewMirrorWatcher starts a Mirror on a Watcher that has not delivered an event yet (from NewWatcher or
// NewWatcherConn); the Mirror owns it from then on and closes it. It returns once the first snapshot is
// loaded. A Watcher of all namespaces gives ErrMirrorAllNamespaces.
func NewMirrorWatcher(ctx context.Context, w *Watcher, opts ...MirrorOption) (*Mirror, error) {
	if w.cfg.AllNamespaces || w.started {
		w.Close()
		if w.cfg.AllNamespaces {
			return nil, ErrMirrorAllNamespaces
		}
		return nil, errors.New("route: NewMirrorWatcher: the Watcher has already delivered events")
	}
	w.cfg.InitialSnapshot = true
	ev, err := w.Next(ctx)
	if err != nil {
		w.Close()
		return nil, err
	}
	m := &Mirror{w: w, done: make(chan struct{})}
	for _, o := range opts {
		o(m)
	}
	m.cond = sync.NewCond(m.mu.RLocker())
	m.seeLinks(ev.Snapshot.Links)
	m.update(func() []Change {
		m.s = newState(ev.Snapshot, WatchAll)
		if m.onChange == nil {
			return nil
		}
		return diffState(&mirrorState{}, &m.s, WatchAll, CauseResync)
	})
	ctx, m.cancel = context.WithCancel(context.WithoutCancel(ctx))
	go m.run(ctx)
	return m, nil
}

// Close stops the Mirror and closes its sockets. The copy stays readable. The Mirror of one namespace of a
// NodeMirror (NodeMirror.Namespace) has no sockets of its own: Close does nothing (close the NodeMirror).
func (m *Mirror) Close() error {
	if m.w == nil {
		return nil
	}
	m.cancel()
	err := m.w.Close()
	<-m.done
	return err
}

// Err returns the error that stopped the Mirror (nlkit.ErrClosed after Close), or a *SnapshotError while it
// retries a snapshot the kernel failed, or the last decode error, or nil.
func (m *Mirror) Err() error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.err
}

// Generation counts the changes applied (events, re-dumps and snapshots); it grows with every update.
func (m *Mirror) Generation() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.gen
}

// Resyncs counts the snapshots loaded after lost events (ENOBUFS, a notification cut short).
func (m *Mirror) Resyncs() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.resyncs
}

// Redumps counts the re-dumps after changes the kernel makes without notifications (see Mirror).
func (m *Mirror) Redumps() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.redumps
}

// Wait blocks until the Generation is greater than after, or ctx ends, or the Mirror stops; it returns the
// Generation then.
func (m *Mirror) Wait(ctx context.Context, after uint64) (uint64, error) {
	stop := context.AfterFunc(ctx, func() {
		m.mu.Lock()
		m.cond.Broadcast()
		m.mu.Unlock()
	})
	defer stop()
	m.mu.RLock()
	defer m.mu.RUnlock()
	for m.gen <= after {
		select {
		case <-ctx.Done():
			return m.gen, ctx.Err()
		case <-m.done:
			return m.gen, m.err
		default:
		}
		m.cond.Wait()
	}
	return m.gen, nil
}

// Snapshot returns a copy of everything the Mirror holds, sorted as the accessors sort. What the objects point
// to (Route.Extra, slices, link kind data) is shared with the Mirror and must not be changed (see Routes).
func (m *Mirror) Snapshot() Snapshot {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return Snapshot{Links: m.s.sortedLinks(), Addrs: sorted(m.s.addrs, SortAddrs), Routes: m.s.sortedRoutes(),
		Neighs: sorted(m.s.neighs, SortNeighs), Rules: m.s.sortedRules(), Nexthops: m.s.sortedNexthops()}
}

// Link returns the link with index i.
func (m *Mirror) Link(i int32) (Link, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, ok := m.s.links[i]
	return l, ok
}

// Links returns the links, sorted (SortLinks).
func (m *Mirror) Links() []Link { m.mu.RLock(); defer m.mu.RUnlock(); return m.s.sortedLinks() }

// Addrs returns the addresses, sorted (SortAddrs).
func (m *Mirror) Addrs() []Addr {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return sorted(m.s.addrs, SortAddrs)
}

// Routes returns the routes, sorted (SortRoutes), routes of one key in the kernel's order. The routes are
// copies, but their Extra (with its MultiPath and Encap) is the Mirror's own: read it, and Clone a route before
// changing its Extra.
func (m *Mirror) Routes() []Route { m.mu.RLock(); defer m.mu.RUnlock(); return m.s.sortedRoutes() }

// Neighs returns the neighbours, sorted (SortNeighs).
func (m *Mirror) Neighs() []Neigh {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return sorted(m.s.neighs, SortNeighs)
}

// Rules returns the rules, sorted (SortRules).
func (m *Mirror) Rules() []Rule { m.mu.RLock(); defer m.mu.RUnlock(); return m.s.sortedRules() }

// Nexthops returns the nexthop objects, sorted (SortNexthops).
func (m *Mirror) Nexthops() []Nexthop {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.s.sortedNexthops()
}

func (s *mirrorState) sortedLinks() []Link       { return sorted(s.links, SortLinks) }
func (s *mirrorState) sortedNexthops() []Nexthop { return sorted(s.nexthops, SortNexthops) }

func (s *mirrorState) sortedRoutes() []Route {
	n := 0
	for _, l := range s.r4 {
		n += len(l)
	}
	for _, l := range s.r6 {
		n += len(l)
	}
	out := make([]Route, 0, n)
	for _, l := range s.r4 {
		out = append(out, l...)
	}
	for _, es := range s.r6 {
		out = render6(out, es)
	}
	SortRoutes(out)
	return out
}

func (s *mirrorState) sortedRules() []Rule {
	out := make([]Rule, 0, len(s.rules))
	for r := range s.rules {
		out = append(out, r)
	}
	SortRules(out)
	return out
}

// SortLinks sorts links by index.
func SortLinks(ls []Link) {
	slices.SortFunc(ls, func(a, b Link) int { return cmp.Compare(a.Index, b.Index) })
}

// SortNexthops sorts nexthop objects by id.
func SortNexthops(nhs []Nexthop) {
	slices.SortFunc(nhs, func(a, b Nexthop) int { return cmp.Compare(a.ID, b.ID) })
}

// sorted copies the values of m into a new slice and sorts it.
func sorted[K comparable, V any](m map[K]V, sort func([]V)) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort(out)
	return out
}

// SortAddrs sorts addresses by link, family, address and prefix length.
func SortAddrs(as []Addr) {
	slices.SortFunc(as, func(a, b Addr) int {
		return cmp.Or(cmp.Compare(a.Index, b.Index), cmp.Compare(a.Family, b.Family), a.Local.Compare(b.Local),
			cmp.Compare(a.PrefixLen, b.PrefixLen), a.Peer.Compare(b.Peer))
	})
}

// SortRoutes sorts routes by family, table, destination, source, TOS, priority, then output link and gateway.
func SortRoutes(rs []Route) {
	slices.SortStableFunc(rs, func(a, b Route) int {
		as, bs := a.ext().Src, b.ext().Src
		return cmp.Or(cmp.Compare(a.Family, b.Family), cmp.Compare(a.Table, b.Table),
			a.Dst.Addr().Compare(b.Dst.Addr()), cmp.Compare(a.Dst.Bits(), b.Dst.Bits()),
			as.Addr().Compare(bs.Addr()), cmp.Compare(as.Bits(), bs.Bits()),
			cmp.Compare(a.TOS, b.TOS), cmp.Compare(a.Priority, b.Priority), cmp.Compare(a.Type, b.Type),
			cmp.Compare(a.OIF, b.OIF), a.Gateway.Compare(b.Gateway))
	})
}

// SortNeighs sorts neighbours by link, family and address.
func SortNeighs(ns []Neigh) {
	slices.SortFunc(ns, func(a, b Neigh) int {
		return cmp.Or(cmp.Compare(a.Index, b.Index), cmp.Compare(a.Family, b.Family), a.Dst.Compare(b.Dst))
	})
}

// SortRules sorts rules by family and priority.
func SortRules(rs []Rule) {
	slices.SortStableFunc(rs, func(a, b Rule) int {
		return cmp.Or(cmp.Compare(a.Family, b.Family), cmp.Compare(a.Priority, b.Priority),
			cmp.Compare(a.Table, b.Table))
	})
}
