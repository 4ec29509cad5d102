//go:build linux

package route

import (
	"bytes"
	"net/netip"
	"slices"

	"golang.org/x/sys/unix"
)

// The Mirror's route tables follow the kernel's own rules for what one route is and where a new one goes.
//
// IPv4 (net/ipv4/fib_trie.c, fib_table_insert and fib_table_delete): routes to one destination in one table
// with one TOS and one priority form an ordered alias list. NLM_F_REPLACE replaces the first alias of the list;
// NLM_F_APPEND adds at the end; NLM_F_CREATE without NLM_F_APPEND ("ip route prepend", and "add" into an
// existing list) adds at the front. Two aliases are the same route when their type and every attribute of
// their fib_info match (fib_find_info); RTNH_F_DEAD and RTNH_F_LINKDOWN are state, not identity.
//
// IPv6 (net/ipv6/ip6_fib.c, fib6_add_rt2 and fib6_del_route): routes with one table, destination, source and
// metric coexist when their nexthops differ (fe80::/64 on every link). Those with a gateway and no nexthop
// object (rt6_qualify_for_ecmp) are siblings: the kernel shows them as one route with RTA_MULTIPATH, in the
// order they joined, and a sibling is added ("ip -6 route append", notified as the whole set with the new hop
// first) and deleted (notified as that hop alone) one hop at a time. NLM_F_REPLACE replaces the first route
// of the same kind: all siblings at once, or the first route without a gateway.
//
// The Mirror keeps IPv4 routes as the kernel's alias lists and IPv6 routes as the kernel's fib6 entries, one
// per nexthop, in the kernel's order, and renders the siblings of a key as one multipath route.

// routeKey identifies a list of IPv4 aliases or of IPv6 entries.
type routeKey struct {
	family   uint8
	table    uint32
	dst, src netip.Prefix
	tos      uint8
	priority uint32
}

func keyOfRoute(r *Route) routeKey {
	return routeKey{r.Family, r.Table, r.Dst, r.ext().Src, r.TOS, r.Priority}
}

// fib6Entry is one IPv6 route of the kernel's fib6 leaf list (a struct fib6_info): its own attributes and its
// one nexthop.
type fib6Entry struct {
	base Route // the route without its nexthop: OIF, Gateway and MultiPath unset, Flags without RTNH_F_*
	hop  Hop   // its nexthop, with its weight and RTNH_F_* flags
	// whole says base is the whole route: one that uses a nexthop object (RTA_NH_ID), whose nexthops the
	// kernel lists after the id (nexthop_compat_mode) and which is never a sibling.
	whole bool
}

// rtnhFlags are the RTNH_F_* bits of rtm_flags: a single-path route's nexthop flags (fib_nexthop_info).
const rtnhFlags = 0xff

// stateFlags are nexthop flags the kernel changes on its own (link down, carrier, offload): not identity.
const stateFlags = unix.RTNH_F_DEAD | unix.RTNH_F_LINKDOWN | unix.RTNH_F_OFFLOAD | unix.RTNH_F_TRAP |
	unix.RTNH_F_UNRESOLVED | unix.RTM_F_OFFLOAD | unix.RTM_F_TRAP | unix.RTM_F_OFFLOAD_FAILED

// entriesOf splits an IPv6 route message into fib6 entries, one per nexthop.
func entriesOf(r *Route) []fib6Entry {
	if r.NexthopID != 0 {
		return []fib6Entry{{base: *r, whole: true}}
	}
	base := *r
	base.OIF, base.Gateway = 0, netip.Addr{}
	base.Flags &^= rtnhFlags
	x := r.ext()
	if r.Extra != nil {
		bx := *r.Extra
		bx.MultiPath, bx.Via, bx.Flow, bx.EncapType, bx.Encap = nil, netip.Addr{}, 0, 0, nil
		base.Extra = &bx
		if isZeroExtra(&bx) {
			base.Extra = nil
		}
	}
	if len(x.MultiPath) == 0 {
		return []fib6Entry{{base: base, hop: Hop{OIF: r.OIF, Gateway: r.Gateway, Flags: uint8(r.Flags),
			Via: x.Via, Flow: x.Flow, EncapType: x.EncapType, Encap: x.Encap}}}
	}
	out := make([]fib6Entry, len(x.MultiPath))
	for i, h := range x.MultiPath {
		out[i] = fib6Entry{base: base, hop: h}
	}
	return out
}

// ecmp reports whether the entry can be a sibling of a multipath route (rt6_qualify_for_ecmp: a gateway, no
// nexthop object, not from a router advertisement).
func (e *fib6Entry) ecmp() bool {
	return e.hop.Gateway.IsValid() && e.base.NexthopID == 0 && e.base.Protocol != unix.RTPROT_RA
}

// sameNexthop6 is rt6_duplicate_nexthop: two entries of one key with the same nexthop are the same route.
func sameNexthop6(a, b *fib6Entry) bool {
	if a.base.NexthopID != 0 || b.base.NexthopID != 0 {
		return a.base.NexthopID == b.base.NexthopID
	}
	return a.hop.OIF == b.hop.OIF && a.hop.Gateway == b.hop.Gateway && a.hop.Via == b.hop.Via &&
		a.hop.EncapType == b.hop.EncapType && bytes.Equal(a.hop.Encap, b.hop.Encap)
}

// single renders an entry as the route the kernel shows for it alone.
func (e *fib6Entry) single() Route {
	if e.whole {
		return e.base
	}
	r := e.base
	r.OIF, r.Gateway = e.hop.OIF, e.hop.Gateway
	r.Flags |= uint32(e.hop.Flags)
	if e.hop.Via.IsValid() || e.hop.Flow != 0 || e.hop.EncapType != 0 || len(e.hop.Encap) > 0 {
		x := r.Ext()
		x.Via, x.Flow, x.EncapType, x.Encap = e.hop.Via, e.hop.Flow, e.hop.EncapType, e.hop.Encap
		r.Extra = &x
	}
	return r
}

// render6 appends the routes the kernel shows for one IPv6 key: each entry that is not a sibling alone, and
// the siblings, when there are two or more, as one multipath route where the first of them stands. As the
// kernel's dump does (fib6_dump_node jumps from a route with siblings to its last sibling), the entries
// between the first and the last sibling are not shown: a route without a gateway added before a sibling
// was appended is still in the kernel's table, but neither a dump nor `ip route` lists it.
func render6(out []Route, es []fib6Entry) []Route {
	n, last := 0, -1
	for i := range es {
		if es[i].ecmp() {
			n, last = n+1, i
		}
	}
	for i := 0; i < len(es); i++ {
		e := &es[i]
		if n < 2 || !e.ecmp() {
			out = append(out, e.single())
			continue
		}
		r := e.base
		x := r.Ext()
		x.MultiPath = make([]Hop, 0, n)
		for j := i; j <= last; j++ {
			if es[j].ecmp() {
				x.MultiPath = append(x.MultiPath, es[j].hop)
			}
		}
		r.Extra = &x
		out = append(out, r)
		i = last
	}
	return out
}

// apply6 applies an RTM_NEWROUTE or RTM_DELROUTE of IPv6 to the entries of its key.
func apply6(es []fib6Entry, r *Route, del bool, flags uint16) []fib6Entry {
	in := entriesOf(r)
	if del {
		for i := range in {
			if j := slices.IndexFunc(es, func(e fib6Entry) bool { return sameNexthop6(&e, &in[i]) }); j >= 0 {
				es = slices.Delete(es, j, j+1)
			}
		}
		return es
	}
	if flags&unix.NLM_F_REPLACE != 0 {
		// The first route of the same kind (sibling or not) goes, or else the first route of the key; when it
		// had siblings, they all go.
		kind := in[0].ecmp()
		i := slices.IndexFunc(es, func(e fib6Entry) bool { return e.ecmp() == kind })
		if i < 0 {
			if len(es) == 0 {
				return in
			}
			i = 0
		}
		rest := slices.Clone(es[i+1:])
		if es[i].ecmp() {
			rest = slices.DeleteFunc(rest, func(e fib6Entry) bool { return e.ecmp() })
		}
		return append(append(es[:i:i], in...), rest...)
	}
	for k := range in {
		j := slices.IndexFunc(es, func(e fib6Entry) bool { return sameNexthop6(&e, &in[k]) })
		switch {
		case j < 0:
			es = append(es, in[k])
		case len(in) > 1:
			es[j].hop = in[k].hop // a sibling already known: the set's notification refreshes its nexthop
		default:
			es[j] = in[k]
		}
	}
	if len(in) > 1 {
		// A multipath notification lists every sibling: one it does not list is gone.
		es = slices.DeleteFunc(es, func(e fib6Entry) bool {
			return e.ecmp() && !slices.ContainsFunc(in, func(n fib6Entry) bool { return sameNexthop6(&e, &n) })
		})
	}
	return es
}

// sameAlias reports whether two IPv4 routes of one key are the same alias: the same type and fib_info
// (fib_find_info and nh_comp), leaving out the flags the kernel changes on its own.
func sameAlias(a, b *Route) bool {
	if a.Type != b.Type || a.Protocol != b.Protocol || a.Scope != b.Scope ||
		(a.Flags^b.Flags)&^uint32(stateFlags) != 0 {
		return false
	}
	ax, bx := a.ext(), b.ext()
	if ax.PrefSrc != bx.PrefSrc || ax.Metrics != bx.Metrics {
		return false
	}
	if a.NexthopID != 0 || b.NexthopID != 0 {
		return a.NexthopID == b.NexthopID
	}
	return sameNexthops4(a, b)
}

// sameNexthops4 reports whether two IPv4 routes go the same way: the nexthop part of sameAlias.
func sameNexthops4(a, b *Route) bool {
	if a.NexthopID != 0 || b.NexthopID != 0 {
		return a.NexthopID == b.NexthopID
	}
	ax, bx := a.ext(), b.ext()
	if a.OIF != b.OIF || a.Gateway != b.Gateway || ax.Via != bx.Via || ax.Flow != bx.Flow ||
		ax.EncapType != bx.EncapType || !bytes.Equal(ax.Encap, bx.Encap) || len(ax.MultiPath) != len(bx.MultiPath) {
		return false
	}
	for i := range ax.MultiPath {
		x, y := &ax.MultiPath[i], &bx.MultiPath[i]
		if x.OIF != y.OIF || x.Gateway != y.Gateway || x.Via != y.Via || x.Hops != y.Hops || x.Flow != y.Flow ||
			(x.Flags^y.Flags)&^uint8(stateFlags&0xff) != 0 || x.EncapType != y.EncapType || !bytes.Equal(x.Encap, y.Encap) {
			return false
		}
	}
	return true
}

// apply4 applies an RTM_NEWROUTE or RTM_DELROUTE of IPv4 to its key's alias list.
func apply4(list []Route, r *Route, del bool, flags uint16) []Route {
	same := slices.IndexFunc(list, func(x Route) bool { return sameAlias(&x, r) })
	if del {
		// The notification carries the whole alias it removed: only that alias goes (another of the same
		// nexthops, a blackhole of another protocol say, stays).
		if same < 0 {
			return list // not known: nothing to delete
		}
		return slices.Delete(list, same, same+1)
	}
	switch {
	case flags&unix.NLM_F_REPLACE != 0:
		// The first alias goes; the kernel holds no two equal aliases, so an equal one further down is an
		// event seen twice (replayed after a re-dump) and goes too.
		if len(list) == 0 {
			return []Route{*r}
		}
		list[0] = *r
		return slices.Concat(list[:1], slices.DeleteFunc(list[1:], func(x Route) bool { return sameAlias(&x, r) }))
	case same >= 0:
		list[same] = *r // known: its state changed, or an event seen twice
	case flags&unix.NLM_F_CREATE == 0:
		// An update of an existing route the kernel sends on its own (fib_info_notify_update, a nexthop
		// object replaced): the alias that goes the same way.
		if i := slices.IndexFunc(list, func(x Route) bool { return sameNexthops4(&x, r) }); i >= 0 {
			list[i] = *r
		} else {
			list = append(list, *r)
		}
	case flags&unix.NLM_F_APPEND != 0:
		list = append(list, *r)
	default:
		list = slices.Insert(list, 0, *r)
	}
	return list
}

// isZeroExtra reports whether x holds nothing, so a route can carry a nil Extra as a decoded one would.
func isZeroExtra(x *RouteExtra) bool {
	return !x.Src.IsValid() && !x.PrefSrc.IsValid() && !x.Via.IsValid() && len(x.MultiPath) == 0 &&
		len(x.Encap) == 0 && x.Metrics == (Metrics{}) && x.CacheInfo == (RouteCacheInfo{}) && x.IIF == 0 &&
		x.Mark == 0 && x.Expires == 0 && x.UID == 0 && !x.HasUID && x.Flow == 0 && x.EncapType == 0 &&
		x.TTLPropagate == 0
}
