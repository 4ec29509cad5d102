//go:build linux

package route

import (
	"fmt"
	"reflect"

	"golang.org/x/sys/unix"
)

// ChangeKind says what happened to one object of a Mirror.
type ChangeKind uint8

// Change kinds.
const (
	// ChangeAdded: the object is new (Change.New is set).
	ChangeAdded ChangeKind = iota + 1
	// ChangeUpdated: the object changed (Change.Old and Change.New are set).
	ChangeUpdated
	// ChangeRemoved: the object is gone (Change.Old is set).
	ChangeRemoved
)

// String is "added", "updated" or "removed".
func (k ChangeKind) String() string {
	switch k {
	case ChangeAdded:
		return "added"
	case ChangeUpdated:
		return "updated"
	case ChangeRemoved:
		return "removed"
	}
	return fmt.Sprintf("ChangeKind(%d)", uint8(k))
}

// ChangeCause says how a Mirror learned of a change.
type ChangeCause uint8

// Change causes.
const (
	// CauseEvent: a notification (RTM_NEWROUTE, RTM_DELLINK...).
	CauseEvent ChangeCause = iota + 1
	// CauseRedump: a re-dump after an event the kernel accompanies with changes it does not notify (a link
	// deleted or down flushes its IPv4 routes, see Mirror).
	CauseRedump
	// CauseResync: the first snapshot, or a fresh one after lost events (ENOBUFS): what differed.
	CauseResync
)

// String is "event", "redump" or "resync".
func (c ChangeCause) String() string {
	switch c {
	case CauseEvent:
		return "event"
	case CauseRedump:
		return "redump"
	case CauseResync:
		return "resync"
	}
	return fmt.Sprintf("ChangeCause(%d)", uint8(c))
}

// Change is one object a Mirror added, changed or removed (see OnChange). Old and New are a *Link, *Addr,
// *Route, *Neigh, *Rule or *Nexthop: New is nil for ChangeRemoved, Old is nil for ChangeAdded. An IPv6
// multipath route whose hops changed is one route updated.
type Change struct {
	Kind     ChangeKind
	Cause    ChangeCause
	Old, New any
}

// String describes the change in one line: "added route 10.0.0.0/24 table main (event)".
func (c Change) String() string {
	v := c.New
	if v == nil {
		v = c.Old
	}
	return fmt.Sprintf("%s %s (%s)", c.Kind, describe(v), c.Cause)
}

func kindOf(del bool) ChangeKind {
	if del {
		return ChangeRemoved
	}
	return ChangeAdded
}

// changeOf is the change from old (when had) to v (when has), or nothing when they are equal.
func changeOf[V any](had bool, old *V, has bool, v *V, cause ChangeCause) []Change {
	switch {
	case had && has:
		if reflect.DeepEqual(*old, *v) {
			return nil
		}
		return []Change{{Kind: ChangeUpdated, Cause: cause, Old: old, New: v}}
	case had:
		return []Change{{Kind: ChangeRemoved, Cause: cause, Old: old}}
	case has:
		return []Change{{Kind: ChangeAdded, Cause: cause, New: v}}
	}
	return nil
}

// sameRoute reports whether two routes of one key are the same route in two states: the same nexthops, or
// both the multipath route of an IPv6 key.
func sameRoute(a, b *Route) bool {
	if a.Family == unix.AF_INET6 && len(a.ext().MultiPath) > 0 && len(b.ext().MultiPath) > 0 {
		return true
	}
	return a.Type == b.Type && sameNexthops4(a, b)
}

// diffRoutes appends the changes from the routes of one key before to after (both fresh slices).
func diffRoutes(out []Change, before, after []Route, cause ChangeCause) []Change {
	used := make([]bool, len(before))
	for i := range after {
		a := &after[i]
		j := -1
		for k := range before {
			if !used[k] && sameRoute(&before[k], a) {
				j = k
				break
			}
		}
		if j < 0 {
			out = append(out, Change{Kind: ChangeAdded, Cause: cause, New: a})
			continue
		}
		used[j] = true
		if !reflect.DeepEqual(before[j], *a) {
			out = append(out, Change{Kind: ChangeUpdated, Cause: cause, Old: &before[j], New: a})
		}
	}
	for k := range before {
		if !used[k] {
			out = append(out, Change{Kind: ChangeRemoved, Cause: cause, Old: &before[k]})
		}
	}
	return out
}

// diffMap appends the changes from old to new.
func diffMap[K comparable, V any](out []Change, old, new map[K]V, cause ChangeCause) []Change {
	for k, v := range new {
		o, had := old[k]
		out = append(out, changeOf(had, &o, true, &v, cause)...)
	}
	for k, o := range old {
		if _, ok := new[k]; !ok {
			out = append(out, Change{Kind: ChangeRemoved, Cause: cause, Old: &o})
		}
	}
	return out
}

// diffState returns the changes from old to new in the objects objs names.
func diffState(old, new *mirrorState, objs WatchObjects, cause ChangeCause) []Change {
	var out []Change
	if objs&WatchLinks != 0 {
		out = diffMap(out, old.links, new.links, cause)
	}
	if objs&WatchAddrs != 0 {
		out = diffMap(out, old.addrs, new.addrs, cause)
	}
	if objs&WatchRoutes != 0 {
		keys := map[routeKey]struct{}{}
		for _, m := range []map[routeKey][]Route{old.r4, new.r4} {
			for k := range m {
				keys[k] = struct{}{}
			}
		}
		for _, m := range []map[routeKey][]fib6Entry{old.r6, new.r6} {
			for k := range m {
				keys[k] = struct{}{}
			}
		}
		for k := range keys {
			out = diffRoutes(out, old.routesOf(nil, k), new.routesOf(nil, k), cause)
		}
	}
	if objs&WatchNeighs != 0 {
		out = diffMap(out, old.neighs, new.neighs, cause)
	}
	if objs&WatchRules != 0 {
		for r := range new.rules {
			if _, ok := old.rules[r]; !ok {
				out = append(out, Change{Kind: ChangeAdded, Cause: cause, New: &r})
			}
		}
		for r := range old.rules {
			if _, ok := new.rules[r]; !ok {
				out = append(out, Change{Kind: ChangeRemoved, Cause: cause, Old: &r})
			}
		}
	}
	if objs&WatchNexthops != 0 {
		out = diffMap(out, old.nexthops, new.nexthops, cause)
	}
	return out
}
