//go:build linux

package route

import (
	"cmp"
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/nlkit/nlkit"
	"golang.org/x/sys/unix"
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
//     multipath route, added and deleted one hop at a time (fib6_add_rt2, fib6_del_route);
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
	links    map[int32]Link
	addrs    map[addrKey]Addr
	r4       map[routeKey][]Route     // IPv4 alias lists, in the kernel's order
	r6       map[routeKey][]fib6Entry // IPv6 fib6 entries, in the kernel's order
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

func (m *Mirror) run(ctx context.Context) {
	defer close(m.done)
	for try := 0; ; {
		ev, err := m.w.Next(ctx)
		if err != nil {
			if m.w.resyncDue && ctx.Err() == nil && !errors.Is(err, nlkit.ErrClosed) {
				// The kernel failed the snapshot (EMSGSIZE while a route too large to dump exists, on
				// Linux 6.1): the Watcher tries it again at the next call.
				if !m.retry(ctx, err, try) {
					return
				}
				try++
				continue
			}
			if !m.fail(err) {
				return
			}
			continue
		}
		if try > 0 {
			try = 0
			m.recovered()
		}
		dirty := m.silent(&ev)
		if dirty == 0 || ev.Kind == EventResync {
			m.update(func() []Change { return m.applyOne(&ev) })
			continue
		}
		if err := m.redump(ctx, ev, dirty); err != nil {
			if m.fail(err); ctx.Err() != nil || errors.Is(err, nlkit.ErrClosed) {
				return
			}
		}
	}
}

// retry records err, a snapshot that failed, and waits before the next try (10 ms, doubling to 1 s); it
// reports false when ctx ended, with ctx's error recorded.
func (m *Mirror) retry(ctx context.Context, err error, try int) bool {
	m.fail(&SnapshotError{Err: err})
	select {
	case <-time.After(min(10*time.Millisecond<<min(try, 7), time.Second)):
		return true
	case <-ctx.Done():
		m.fail(ctx.Err())
		return false
	}
}

// recovered clears the error of a failed snapshot once one succeeded.
func (m *Mirror) recovered() {
	m.mu.Lock()
	if _, ok := m.err.(*SnapshotError); ok {
		m.err = nil
	}
	m.mu.Unlock()
}

// SnapshotError is what Mirror.Err reports while the Mirror cannot take a snapshot it needs (a resync after
// lost events, or a re-dump after a silent change) and tries again: its copy may be stale until the next one
// succeeds, and Err is nil again then. Linux cannot dump a route larger than its dump datagram (about 32 KiB,
// an IPv4 route of some 2,000 nexthops): 6.1 fails route dumps with EMSGSIZE while one exists.
type SnapshotError struct {
	Err error
}

func (e *SnapshotError) Error() string {
	return "route: the Mirror's snapshot failed, trying again: " + e.Err.Error()
}

// Unwrap returns the dump's error.
func (e *SnapshotError) Unwrap() error { return e.Err }

// fail records err; it reports whether the Mirror goes on (a message it could not decode).
func (m *Mirror) fail(err error) bool {
	var de *DecodeError
	m.mu.Lock()
	m.err = err
	m.gen++
	m.mu.Unlock()
	m.cond.Broadcast()
	return errors.As(err, &de)
}

// update runs fn under the write lock, makes its result visible (a new Generation) and reports its changes.
func (m *Mirror) update(fn func() []Change) {
	m.mu.Lock()
	changes := fn()
	m.gen++
	m.mu.Unlock()
	m.cond.Broadcast()
	for _, c := range changes {
		m.onChange(c)
	}
}

// applyOne applies one event, or loads a resync's snapshot. The caller holds the write lock.
func (m *Mirror) applyOne(ev *Event) []Change {
	if ev.Kind != EventResync {
		return m.apply(ev)
	}
	old := m.s
	m.s = newState(ev.Snapshot, WatchAll)
	m.resyncs++
	if m.onChange == nil {
		return nil
	}
	return diffState(&old, &m.s, WatchAll, CauseResync)
}

// drainFor bounds how long the Mirror waits for more queued events before a re-dump, and drainMax how many it
// takes first, so that a burst of link changes costs one re-dump and a steady stream cannot delay it forever.
const (
	drainFor = 2 * time.Millisecond
	drainMax = 4096
)

// redump follows ev, an event the kernel accompanied with changes it did not notify: it takes the events
// already queued behind ev (each ends the wait for the next within drainFor), dumps the objects any of them
// names again, and puts the dump in place of the Mirror's copy of those objects, with the taken events of other
// objects applied, all visible at once: a reader never sees an event that came after ev without the re-dump.
// The dump started after the kernel sent every taken event, so it holds their changes, the silent ones too (an
// event of a re-dumped object applied on top could bring back what a later silent flush removed). Events that
// arrive during the dump are applied after it; one the dump already shows changes nothing (the Mirror's rules
// are idempotent). A resync among the taken events makes the events before it and the re-dump moot.
func (m *Mirror) redump(ctx context.Context, ev Event, dirty WatchObjects) error {
	evs := []Event{ev}
	for range drainMax {
		dctx, cancel := context.WithTimeout(ctx, drainFor)
		next, err := m.w.Next(dctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				break
			}
			var de *DecodeError
			if errors.As(err, &de) {
				m.fail(err)
				continue
			}
			m.update(func() []Change { return m.applyAll(evs) }) // what was taken is not lost
			return err
		}
		more := m.silent(&next)
		if next.Kind == EventResync {
			evs, dirty = evs[:0], 0
		}
		dirty |= more
		evs = append(evs, next)
	}
	dirty &= m.w.cfg.Objects
	var fresh mirrorState
	if dirty != 0 {
		s, err := m.dump(ctx, dirty)
		if err != nil {
			m.update(func() []Change { return m.applyAll(evs) })
			return err
		}
		fresh = newState(s, dirty)
	}
	// The dump goes in after the taken events of other objects: it is newer than every taken event, a resync
	// among them too. Then the deletions it may not show yet: the kernel notifies some before it unlinks the
	// object (fib_table_delete calls rtmsg_fib before fib_remove_alias), and route dumps run under RCU, not
	// the RTNL lock the writer holds, so a dump can still list what a notification already deleted. A deletion
	// is applied over the dump unless a later event added an object of the same key again; the kernel never
	// brings back silently what was deleted, while what was added it may flush silently.
	m.update(func() []Change {
		var changes []Change
		for i := range evs {
			if evs[i].objects()&dirty == 0 {
				changes = append(changes, m.applyOne(&evs[i])...)
			}
		}
		if dirty == 0 {
			return changes
		}
		old := m.s
		m.s.replace(&fresh, dirty)
		m.redumps++
		if m.onChange != nil {
			changes = append(changes, diffState(&old, &m.s, dirty, CauseRedump)...)
		}
		added := map[eventKey]int{} // the last event that added an object of a key, of the re-dumped objects
		for i := range evs {
			if evs[i].objects()&dirty != 0 && evs[i].Kind == EventNew {
				added[evs[i].key()] = i
			}
		}
		for i := range evs {
			ev := &evs[i]
			if ev.objects()&dirty == 0 || ev.Kind != EventDelete {
				continue
			}
			if j, ok := added[ev.key()]; !ok || j < i {
				changes = append(changes, m.applyOne(ev)...)
			}
		}
		return changes
	})
	return nil
}

// eventKey is what key returns: the kind of object and its key.
type eventKey struct {
	objects WatchObjects
	key     any
}

// key identifies the object ev reports, as the Mirror keys it (a route by its key, not by its nexthops).
func (ev *Event) key() eventKey {
	k := eventKey{objects: ev.objects()}
	switch {
	case ev.Link != nil:
		k.key = ev.Link.Index
	case ev.Addr != nil:
		k.key = keyOfAddr(ev.Addr)
	case ev.Route != nil:
		k.key = keyOfRoute(ev.Route)
	case ev.Neigh != nil:
		k.key = keyOfNeigh(ev.Neigh)
	case ev.Rule != nil:
		k.key = *ev.Rule
	case ev.Nexthop != nil:
		k.key = ev.Nexthop.ID
	}
	return k
}

// objects is the kind of object ev reports, as a WatchObjects bit (0 for a resync).
func (ev *Event) objects() WatchObjects {
	switch {
	case ev.Link != nil:
		return WatchLinks
	case ev.Addr != nil:
		return WatchAddrs
	case ev.Route != nil:
		return WatchRoutes
	case ev.Neigh != nil:
		return WatchNeighs
	case ev.Rule != nil:
		return WatchRules
	case ev.Nexthop != nil:
		return WatchNexthops
	}
	return 0
}

// applyAll applies events in order. The caller holds the write lock.
func (m *Mirror) applyAll(evs []Event) []Change {
	var changes []Change
	for i := range evs {
		changes = append(changes, m.applyOne(&evs[i])...)
	}
	return changes
}

// dump takes a snapshot of objs, trying again after a failure (see SnapshotError) until it succeeds or ctx
// ends: events queue meanwhile, and a queue that overflows ends in a resync.
func (m *Mirror) dump(ctx context.Context, objs WatchObjects) (*Snapshot, error) {
	for try := 0; ; try++ {
		s, err := TakeSnapshot(ctx, m.w.dump, objs, m.w.cfg.Family)
		if err == nil {
			if try > 0 {
				m.recovered()
			}
			return s, nil
		}
		if ctx.Err() != nil || errors.Is(err, nlkit.ErrClosed) || !m.retry(ctx, err, try) {
			return nil, err
		}
	}
}

// Close stops the Mirror and closes its sockets. The copy stays readable.
func (m *Mirror) Close() error {
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

// newState builds the state of the objects objs names from a snapshot.
func newState(s *Snapshot, objs WatchObjects) mirrorState {
	var st mirrorState
	if objs&WatchLinks != 0 {
		st.links = make(map[int32]Link, len(s.Links))
		for _, l := range s.Links {
			st.links[l.Index] = l
		}
	}
	if objs&WatchAddrs != 0 {
		st.addrs = make(map[addrKey]Addr, len(s.Addrs))
		for _, a := range s.Addrs {
			st.addrs[keyOfAddr(&a)] = a
		}
	}
	if objs&WatchRoutes != 0 {
		st.r4, st.r6 = map[routeKey][]Route{}, map[routeKey][]fib6Entry{}
		for i := range s.Routes {
			r := &s.Routes[i]
			k := keyOfRoute(r)
			switch r.Family {
			case unix.AF_INET:
				st.r4[k] = append(st.r4[k], *r)
			case unix.AF_INET6:
				st.r6[k] = append(st.r6[k], entriesOf(r)...)
			}
		}
	}
	if objs&WatchNeighs != 0 {
		st.neighs = make(map[neighKey]Neigh, len(s.Neighs))
		for _, n := range s.Neighs {
			if keepNeigh(&n) {
				st.neighs[keyOfNeigh(&n)] = n
			}
		}
	}
	if objs&WatchRules != 0 {
		st.rules = make(map[Rule]struct{}, len(s.Rules))
		for _, r := range s.Rules {
			st.rules[r] = struct{}{}
		}
	}
	if objs&WatchNexthops != 0 {
		st.nexthops = make(map[uint32]Nexthop, len(s.Nexthops))
		for _, nh := range s.Nexthops {
			st.nexthops[nh.ID] = nh
		}
	}
	return st
}

// replace puts the objects objs names from f in place of s's.
func (s *mirrorState) replace(f *mirrorState, objs WatchObjects) {
	if objs&WatchLinks != 0 {
		s.links = f.links
	}
	if objs&WatchAddrs != 0 {
		s.addrs = f.addrs
	}
	if objs&WatchRoutes != 0 {
		s.r4, s.r6 = f.r4, f.r6
	}
	if objs&WatchNeighs != 0 {
		s.neighs = f.neighs
	}
	if objs&WatchRules != 0 {
		s.rules = f.rules
	}
	if objs&WatchNexthops != 0 {
		s.nexthops = f.nexthops
	}
}

func keyOfAddr(a *Addr) addrKey    { return addrKey{a.Family, a.Index, a.Local, a.PrefixLen, a.Peer} }
func keyOfNeigh(n *Neigh) neighKey { return neighKey{n.Family, n.Index, n.Dst} }

func keepNeigh(n *Neigh) bool {
	return n.Flags&NeighProxy == 0 && (n.Family == unix.AF_INET || n.Family == unix.AF_INET6)
}

// linkStateFlags are the link flags whose change makes the kernel flush routes, nexthops and neighbours.
const linkStateFlags = unix.IFF_UP | unix.IFF_RUNNING | unix.IFF_LOWER_UP

// silent returns the objects the kernel may have changed without a notification along with ev (see Mirror).
// It compares a link event with the link as the events before it left it (m.seen: a re-dump of the links
// can be ahead of the events, and would hide the change), and records it. Only the run goroutine calls it.
func (m *Mirror) silent(ev *Event) WatchObjects {
	const linkGone = WatchLinks | WatchRoutes | WatchNexthops | WatchRules | WatchNeighs
	switch {
	case ev.Link != nil && ev.Link.Family == unix.AF_BRIDGE:
		// A bridge port's own message (br_ifinfo_notify): its state, also in the whole link's
		// IFLA_INFO_SLAVE_DATA, changes with no whole-link RTM_NEWLINK.
		return WatchLinks
	case ev.Link != nil:
		l := ev.Link
		if ev.Kind == EventDelete {
			delete(m.seen, l.Index)
			return linkGone
		}
		old, ok := m.seen[l.Index]
		m.seen[l.Index] = linkSeen{l.Flags, l.Master, l.MTU, l.Name, l.Address}
		var d WatchObjects
		if l.Info.Kind == "veth" && l.ParentIndex == 0 {
			// A veth end notified before its peer was joined (or that notification seen again after a
			// resync, over a snapshot that has the peer): the dump has IFLA_LINK.
			d |= WatchLinks
		}
		if !ok {
			d |= WatchRules
			if l.ParentIndex != 0 && !l.HasLinkNetNSID {
				d |= WatchLinks // a veth's peer, notified first, learns its IFLA_LINK silently
			}
			return d
		}
		updown := uint32(old.flags^l.Flags)&linkStateFlags != 0
		if updown || old.master != l.Master {
			d |= WatchRoutes | WatchNexthops | WatchNeighs
		}
		if old.master != l.Master || updown && l.ParentIndex != 0 || old.address != l.Address {
			// A master's or lower device's counters (promiscuity); a master's address, which an enslavement
			// that fails afterwards undoes silently (bond_enslave's error path).
			d |= WatchLinks
		}
		if old.mtu != l.MTU {
			d |= WatchRoutes
		}
		if old.name != l.Name {
			d |= WatchRules
		}
		return d
	case ev.Addr != nil && ev.Kind == EventDelete:
		return WatchRoutes
	case ev.Route != nil && ev.Kind == EventDelete && len(ev.Route.ext().MultiPath) >= undumpableHops:
		// A route this large may have cut short the dumps taken while it existed: dump again without it.
		return WatchRoutes
	case ev.Nexthop != nil:
		// Removed or replaced, it changes the routes and groups that use it (a new one changes nothing, but
		// tells nothing apart from a replace).
		return WatchRoutes | WatchNexthops
	case ev.Kind == EventResync:
		m.seeLinks(ev.Snapshot.Links)
	}
	return 0
}

// undumpableHops is the number of nexthops from which a route may not fit a dump datagram (32 KiB; a hop
// takes 16 to 40 bytes): Linux cannot dump such a route, and 6.18 ends an IPv4 dump at it without an error.
const undumpableHops = 800

// linkSeen is what silent compares of a link.
type linkSeen struct {
	flags   LinkFlags
	master  int32
	mtu     uint32
	name    string
	address HWAddr
}

// seeLinks makes m.seen the links of a snapshot.
func (m *Mirror) seeLinks(ls []Link) {
	m.seen = make(map[int32]linkSeen, len(ls))
	for _, l := range ls {
		m.seen[l.Index] = linkSeen{l.Flags, l.Master, l.MTU, l.Name, l.Address}
	}
}

// apply applies one event to the state and returns the changes it made (when someone listens).
func (m *Mirror) apply(ev *Event) []Change {
	del := ev.Kind == EventDelete
	s := &m.s
	var ch []Change
	report := m.onChange != nil
	switch {
	case ev.Link != nil && ev.Link.Family != unix.AF_BRIDGE:
		ch = put(s.links, ev.Link.Index, *ev.Link, del, report)
	case ev.Addr != nil:
		ch = put(s.addrs, keyOfAddr(ev.Addr), *ev.Addr, del, report)
	case ev.Route != nil:
		ch = m.applyRoute(ev, report)
	case ev.Neigh != nil && keepNeigh(ev.Neigh):
		ch = put(s.neighs, keyOfNeigh(ev.Neigh), *ev.Neigh, del, report)
	case ev.Rule != nil:
		_, had := s.rules[*ev.Rule]
		if del {
			delete(s.rules, *ev.Rule)
		} else {
			s.rules[*ev.Rule] = struct{}{}
		}
		if report && had == del {
			r := *ev.Rule
			ch = []Change{{Kind: kindOf(del), Cause: CauseEvent}}
			if del {
				ch[0].Old = &r
			} else {
				ch[0].New = &r
			}
		}
	case ev.Nexthop != nil:
		ch = put(s.nexthops, ev.Nexthop.ID, *ev.Nexthop, del, report)
	}
	return ch
}

// put stores v under k, or deletes k, and returns the change when report is set.
func put[K comparable, V any](m map[K]V, k K, v V, del, report bool) []Change {
	old, had := m[k]
	if del {
		delete(m, k)
	} else {
		m[k] = v
	}
	if !report {
		return nil
	}
	return changeOf(had, &old, !del, &v, CauseEvent)
}

func (m *Mirror) applyRoute(ev *Event, report bool) []Change {
	r := ev.Route
	if r.Flags&unix.RTM_F_CLONED != 0 || (r.Family != unix.AF_INET && r.Family != unix.AF_INET6) {
		return nil // route cache entries and other families are not in dumps
	}
	k := keyOfRoute(r)
	var before []Route
	if report {
		before = m.s.routesOf(nil, k)
	}
	del := ev.Kind == EventDelete
	if r.Family == unix.AF_INET {
		if l := apply4(m.s.r4[k], r, del, ev.Flags); len(l) > 0 {
			m.s.r4[k] = l
		} else {
			delete(m.s.r4, k)
		}
	} else {
		if es := apply6(m.s.r6[k], r, del, ev.Flags); len(es) > 0 {
			m.s.r6[k] = es
		} else {
			delete(m.s.r6, k)
		}
	}
	if !report {
		return nil
	}
	return diffRoutes(nil, before, m.s.routesOf(nil, k), CauseEvent)
}

// routesOf appends the routes of one key, as the kernel shows them.
func (s *mirrorState) routesOf(out []Route, k routeKey) []Route {
	if k.family == unix.AF_INET {
		return append(out, s.r4[k]...)
	}
	return render6(out, s.r6[k])
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
