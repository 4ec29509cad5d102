//go:build linux

package route

import (
	"cmp"
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"

	"golang.org/x/sys/unix"
)

// Mirror is an in-memory copy of the chosen objects of a namespace, kept current by a Watcher: it starts from
// a snapshot dumped after the event socket joined its groups, applies every event after it, and starts over
// from a fresh snapshot when events were lost (ENOBUFS). Its accessors return copies, consistent with one
// point in the event stream, and are safe to call from any goroutine while it updates.
//
// Keys: links by index (AF_BRIDGE port messages are ignored); addresses by family, link, local address, prefix
// length and peer; routes by family, table, destination, source, TOS and priority, with several routes under
// one key for IPv4 routes added with NLM_F_APPEND (a route event for an IPv6 key replaces or deletes the whole
// key, as the kernel merges IPv6 nexthops into one multipath route); neighbours by family, link and address
// (proxy entries and bridge FDB entries are not kept); rules by all their fields; nexthops by id.
// LinkData and slices inside the objects are shared between copies: treat them as read-only.
type Mirror struct {
	w      *Watcher
	cancel context.CancelFunc
	done   chan struct{}

	mu       sync.RWMutex
	cond     *sync.Cond
	links    map[int32]Link
	addrs    map[addrKey]Addr
	routes   map[routeKey][]Route
	neighs   map[neighKey]Neigh
	rules    map[Rule]struct{}
	nexthops map[uint32]Nexthop
	gen      uint64
	resyncs  uint64
	err      error
}

type addrKey struct {
	family    uint8
	index     int32
	local     netip.Addr
	prefixLen uint8
	peer      netip.Addr
}

type routeKey struct {
	family   uint8
	table    uint32
	dst, src netip.Prefix
	tos      uint8
	priority uint32
}

type neighKey struct {
	family uint8
	index  int32
	dst    netip.Addr
}

// NewMirror starts a Mirror of cfg's objects (cfg.InitialSnapshot is implied). It returns once the first
// snapshot is loaded. It runs until Close or until ctx is cancelled.
func NewMirror(ctx context.Context, cfg *WatchConfig) (*Mirror, error) {
	c := WatchConfig{}
	if cfg != nil {
		c = *cfg
	}
	c.InitialSnapshot = true
	w, err := NewWatcher(&c)
	if err != nil {
		return nil, err
	}
	ev, err := w.Next(ctx)
	if err != nil {
		w.Close()
		return nil, err
	}
	m := &Mirror{w: w, done: make(chan struct{})}
	m.cond = sync.NewCond(m.mu.RLocker())
	m.load(ev.Snapshot)
	ctx, m.cancel = context.WithCancel(context.WithoutCancel(ctx))
	go m.run(ctx)
	return m, nil
}

func (m *Mirror) run(ctx context.Context) {
	defer close(m.done)
	for {
		ev, err := m.w.Next(ctx)
		if err != nil {
			var de *DecodeError
			m.mu.Lock()
			m.err = err
			m.gen++
			m.mu.Unlock()
			m.cond.Broadcast()
			if errors.As(err, &de) {
				continue
			}
			return
		}
		m.mu.Lock()
		if ev.Kind == EventResync {
			m.resyncs++
			m.loadLocked(ev.Snapshot)
		} else {
			m.apply(&ev)
		}
		m.gen++
		m.mu.Unlock()
		m.cond.Broadcast()
	}
}

// Close stops the Mirror and closes its sockets. The copy stays readable.
func (m *Mirror) Close() error {
	m.cancel()
	err := m.w.Close()
	<-m.done
	return err
}

// Err returns the error that stopped the Mirror (nlkit.ErrClosed after Close), or the last decode error, or nil.
func (m *Mirror) Err() error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.err
}

// Generation counts the changes applied (events and snapshots); it grows with every update.
func (m *Mirror) Generation() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.gen
}

// Resyncs counts the snapshots loaded after lost events (ENOBUFS).
func (m *Mirror) Resyncs() uint64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.resyncs
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

func (m *Mirror) load(s *Snapshot) {
	m.mu.Lock()
	m.loadLocked(s)
	m.gen++
	m.mu.Unlock()
}

func (m *Mirror) loadLocked(s *Snapshot) {
	m.links = map[int32]Link{}
	m.addrs = map[addrKey]Addr{}
	m.routes = map[routeKey][]Route{}
	m.neighs = map[neighKey]Neigh{}
	m.rules = map[Rule]struct{}{}
	m.nexthops = map[uint32]Nexthop{}
	for _, l := range s.Links {
		m.links[l.Index] = l
	}
	for _, a := range s.Addrs {
		m.addrs[keyOfAddr(&a)] = a
	}
	for _, r := range s.Routes {
		k := keyOfRoute(&r)
		m.routes[k] = append(m.routes[k], r)
	}
	for _, n := range s.Neighs {
		if keepNeigh(&n) {
			m.neighs[keyOfNeigh(&n)] = n
		}
	}
	for _, r := range s.Rules {
		m.rules[r] = struct{}{}
	}
	for _, nh := range s.Nexthops {
		m.nexthops[nh.ID] = nh
	}
}

func keyOfAddr(a *Addr) addrKey { return addrKey{a.Family, a.Index, a.Local, a.PrefixLen, a.Peer} }
func keyOfRoute(r *Route) routeKey {
	return routeKey{r.Family, r.Table, r.Dst, r.ext().Src, r.TOS, r.Priority}
}
func keyOfNeigh(n *Neigh) neighKey { return neighKey{n.Family, n.Index, n.Dst} }

func keepNeigh(n *Neigh) bool {
	return n.Flags&NeighProxy == 0 && (n.Family == unix.AF_INET || n.Family == unix.AF_INET6)
}

// sameNexthops reports whether two routes under one key go the same way (the kernel's nexthop match).
func sameNexthops(a, b *Route) bool {
	ax, bx := a.ext(), b.ext()
	if a.Type != b.Type || a.OIF != b.OIF || a.Gateway != b.Gateway || ax.Via != bx.Via ||
		a.NexthopID != b.NexthopID || len(ax.MultiPath) != len(bx.MultiPath) {
		return false
	}
	for i := range ax.MultiPath {
		x, y := ax.MultiPath[i], bx.MultiPath[i]
		if x.OIF != y.OIF || x.Gateway != y.Gateway || x.Via != y.Via {
			return false
		}
	}
	return true
}

func (m *Mirror) apply(ev *Event) {
	del := ev.Kind == EventDelete
	switch {
	case ev.Link != nil && ev.Link.Family != unix.AF_BRIDGE:
		put(m.links, ev.Link.Index, *ev.Link, del)
	case ev.Addr != nil:
		put(m.addrs, keyOfAddr(ev.Addr), *ev.Addr, del)
	case ev.Route != nil:
		m.applyRoute(ev)
	case ev.Neigh != nil && keepNeigh(ev.Neigh):
		put(m.neighs, keyOfNeigh(ev.Neigh), *ev.Neigh, del)
	case ev.Rule != nil:
		put(m.rules, *ev.Rule, struct{}{}, del)
	case ev.Nexthop != nil:
		put(m.nexthops, ev.Nexthop.ID, *ev.Nexthop, del)
	}
}

// put stores v under k, or deletes k.
func put[K comparable, V any](m map[K]V, k K, v V, del bool) {
	if del {
		delete(m, k)
	} else {
		m[k] = v
	}
}

func (m *Mirror) applyRoute(ev *Event) {
	r := ev.Route
	if r.Flags&unix.RTM_F_CLONED != 0 || (r.Family != unix.AF_INET && r.Family != unix.AF_INET6) {
		return // route cache entries and other families are not in dumps
	}
	k := keyOfRoute(r)
	list := m.routes[k]
	i := slices.IndexFunc(list, func(x Route) bool { return sameNexthops(&x, r) })
	switch {
	case r.Family == unix.AF_INET6:
		// IPv6 merges the nexthops of a key into one route: every event carries the whole route.
		if ev.Kind == EventDelete {
			delete(m.routes, k)
		} else {
			m.routes[k] = []Route{*r}
		}
		return
	case ev.Kind == EventDelete:
		if i < 0 {
			i = 0
		}
		if len(list) > 0 {
			list = slices.Delete(list, i, i+1)
		}
	case ev.Flags&unix.NLM_F_REPLACE != 0 && len(list) > 0:
		if i < 0 {
			i = 0
		}
		list[i] = *r
	case i >= 0:
		list[i] = *r
	default:
		list = append(list, *r)
	}
	if len(list) == 0 {
		delete(m.routes, k)
	} else {
		m.routes[k] = list
	}
}

// Snapshot returns a copy of everything the Mirror holds, sorted as the accessors sort. What the objects point
// to (Route.Extra, slices, link kind data) is shared with the Mirror and must not be changed (see Routes).
func (m *Mirror) Snapshot() Snapshot {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return Snapshot{Links: m.linksLocked(), Addrs: m.addrsLocked(), Routes: m.routesLocked(),
		Neighs: m.neighsLocked(), Rules: m.rulesLocked(), Nexthops: m.nexthopsLocked()}
}

// Link returns the link with index i.
func (m *Mirror) Link(i int32) (Link, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, ok := m.links[i]
	return l, ok
}

// Links returns the links, by index.
func (m *Mirror) Links() []Link { m.mu.RLock(); defer m.mu.RUnlock(); return m.linksLocked() }

// Addrs returns the addresses, sorted by link, family and address.
func (m *Mirror) Addrs() []Addr { m.mu.RLock(); defer m.mu.RUnlock(); return m.addrsLocked() }

// Routes returns the routes, sorted (SortRoutes). The routes are copies, but their Extra (with its MultiPath
// and Encap) is the Mirror's own: read it, and Clone a route before changing its Extra.
func (m *Mirror) Routes() []Route { m.mu.RLock(); defer m.mu.RUnlock(); return m.routesLocked() }

// Neighs returns the neighbours, sorted by link, family and address.
func (m *Mirror) Neighs() []Neigh { m.mu.RLock(); defer m.mu.RUnlock(); return m.neighsLocked() }

// Rules returns the rules, sorted by family and priority.
func (m *Mirror) Rules() []Rule { m.mu.RLock(); defer m.mu.RUnlock(); return m.rulesLocked() }

// Nexthops returns the nexthops, by id.
func (m *Mirror) Nexthops() []Nexthop { m.mu.RLock(); defer m.mu.RUnlock(); return m.nexthopsLocked() }

func (m *Mirror) linksLocked() []Link {
	return sorted(m.links, func(ls []Link) {
		slices.SortFunc(ls, func(a, b Link) int { return cmp.Compare(a.Index, b.Index) })
	})
}

func (m *Mirror) addrsLocked() []Addr   { return sorted(m.addrs, SortAddrs) }
func (m *Mirror) neighsLocked() []Neigh { return sorted(m.neighs, SortNeighs) }

func (m *Mirror) routesLocked() []Route {
	n := 0
	for _, l := range m.routes {
		n += len(l)
	}
	out := make([]Route, 0, n)
	for _, l := range m.routes {
		out = append(out, l...)
	}
	SortRoutes(out)
	return out
}

func (m *Mirror) rulesLocked() []Rule {
	out := make([]Rule, 0, len(m.rules))
	for r := range m.rules {
		out = append(out, r)
	}
	SortRules(out)
	return out
}

func (m *Mirror) nexthopsLocked() []Nexthop {
	return sorted(m.nexthops, func(nhs []Nexthop) {
		slices.SortFunc(nhs, func(a, b Nexthop) int { return cmp.Compare(a.ID, b.ID) })
	})
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
