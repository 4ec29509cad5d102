//go:build linux

package route

import (
	"context"
	"errors"
	"time"

	"github.com/nlkit/nlkit"
	"golang.org/x/sys/unix"
)

// The Mirror's run loop: it applies events, re-dumps what the kernel changes without notifications (see
// Mirror), and retries snapshots the kernel fails.

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
	m.update(func() []Change { return m.applyRedump(evs, dirty, &fresh) })
	return nil
}

// applyRedump puts fresh, a re-dump of the objects dirty names taken after the kernel sent every event of evs,
// in place of the Mirror's copy of those objects, with the events of evs of other objects applied (see redump).
// The caller holds the write lock.
//
// The dump goes in after the taken events of other objects: it is newer than every taken event, a resync among
// them too. Then the deletions it may not show yet: the kernel notifies some before it unlinks the object
// (fib_table_delete calls rtmsg_fib before fib_remove_alias), and route dumps run under RCU, not the RTNL lock
// the writer holds, so a dump can still list what a notification already deleted. A deletion is applied over
// the dump unless a later event added an object of the same key again; the kernel never brings back silently
// what was deleted, while what was added it may flush silently.
func (m *Mirror) applyRedump(evs []Event, dirty WatchObjects, fresh *mirrorState) []Change {
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
	m.s.replace(fresh, dirty)
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
}

// eventKey is what key returns: the kind of object and its key.
type eventKey struct {
	objects WatchObjects
	key     any
}

// key identifies the object ev reports, as the Mirror keys it (a route by its key, not by its nexthops).
func (ev *Event) key() eventKey {
	k := eventKey{objects: ev.objects()}
	switch o := ev.object().(type) {
	case *Link:
		k.key = o.Index
	case *Addr:
		k.key = keyOfAddr(o)
	case *Route:
		k.key = keyOfRoute(o)
	case *Neigh:
		k.key = keyOfNeigh(o)
	case *Rule:
		k.key = *o
	case *Nexthop:
		k.key = o.ID
	}
	return k
}

// objects is the kind of object ev reports, as a WatchObjects bit (0 for a resync).
func (ev *Event) objects() WatchObjects {
	switch ev.object().(type) {
	case *Link:
		return WatchLinks
	case *Addr:
		return WatchAddrs
	case *Route:
		return WatchRoutes
	case *Neigh:
		return WatchNeighs
	case *Rule:
		return WatchRules
	case *Nexthop:
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
	case ev.Route != nil && ev.Route.Family == unix.AF_INET6 && (ev.Kind == EventDelete ||
		ev.Flags&unix.NLM_F_REPLACE != 0) && m.s.veiled[keyOfRoute(ev.Route)]:
		// Siblings of a route that came from a dump go: an entry the dump could not show between them may show
		// again (render6), and only a dump can tell.
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
