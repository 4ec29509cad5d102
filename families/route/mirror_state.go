//go:build linux

package route

import "golang.org/x/sys/unix"

// The Mirror's copy of the kernel's objects, and how one event changes it.

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
		st.r4, st.r6, st.veiled = map[routeKey][]Route{}, map[routeKey][]fib6Entry{}, map[routeKey]bool{}
		for i := range s.Routes {
			r := &s.Routes[i]
			k := keyOfRoute(r)
			switch r.Family {
			case unix.AF_INET:
				st.r4[k] = append(st.r4[k], *r)
			case unix.AF_INET6:
				es := entriesOf(r)
				if len(es) > 1 {
					st.veiled[k] = true
				}
				st.r6[k] = append(st.r6[k], es...)
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
		s.r4, s.r6, s.veiled = f.r4, f.r6, f.veiled
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
