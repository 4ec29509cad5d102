package main

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

func (a *app) cmdRoute(argv []string) error {
	return runCommand("route", "Usage: nlkit route [ show ] [ table T | all ] [ dev DEV ] [ proto P ] [ type T ] [ PREFIX ]\n"+
		"       nlkit route get ADDR [ from ADDR ] [ iif DEV ] [ oif DEV ] [ mark M ] [ fibmatch ]\n"+
		"       nlkit route { add | del | replace | append } [ TYPE ] PREFIX [ via ADDR ] [ dev DEV ]\n"+
		"                   [ src ADDR ] [ table T ] [ metric N ] [ proto P ] [ scope S ]", argv,
		command{showWords, func(args []string) error {
			q, err := a.parseRouteQuery(args)
			if err != nil {
				return err
			}
			return a.jsonList(func() error { return a.showRoutes(q) })
		}},
		command{"get", a.listing(a.routeGet)},
		command{"add", withOp(a.routeModify, opAdd)},
		command{"delete", withOp(a.routeModify, opDelete)},
		command{"replace", withOp(a.routeModify, opReplace)},
		command{"append", withOp(a.routeModify, opAppend)})
}

// routeQuery is what `ip route show` selects; the *Given fields hide what the filter fixes, as ip does (and
// filter.HasScope for the scope).
type routeQuery struct {
	filter                           route.RouteFilter
	tableGiven, oifGiven, protoGiven bool
	// prefix with mode: "exact" (the default), "root" (routes inside it) or "match" (routes containing it).
	prefix netip.Prefix
	mode   string
}

func (a *app) parseRouteQuery(argv []string) (routeQuery, error) {
	q := routeQuery{filter: route.RouteFilter{Table: route.TableMain}, tableGiven: true}
	for av := newArgs(argv); av.more(); {
		w := av.take()
		switch w {
		case "table", "vrf", "dev", "oif", "proto", "protocol", "type", "scope":
			v, err := av.value()
			if err != nil {
				return q, err
			}
			if err := a.routeQueryArg(&q, w, v); err != nil {
				return q, err
			}
			continue
		case "cache", "cloned":
			return q, usagef("nlkit: the route cache is not listed; use \"route get\"")
		}
		q.mode = "exact"
		if w == "to" || w == "root" || w == "match" || w == "exact" {
			if w != "to" {
				q.mode = w
			}
			v, err := av.value()
			if err != nil {
				return q, err
			}
			w = v
			if v == "root" || v == "match" || v == "exact" {
				q.mode = v
				if w, err = av.value(); err != nil {
					return q, err
				}
			}
		}
		p, isDefault, err := parsePrefix(w, a.family)
		if err != nil {
			return q, err
		}
		if isDefault && !p.IsValid() {
			p = netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		}
		q.prefix = p
	}
	q.filter.Family = a.family
	if q.filter.Family == 0 && q.filter.Table != 0 {
		q.filter.Family = unix.AF_INET // ip lists IPv4 unless -6 or "table all"
	}
	if q.prefix.IsValid() && q.filter.Family == 0 {
		q.filter.Family = familyOf(q.prefix.Addr())
	}
	return q, nil
}

func (a *app) routeQueryArg(q *routeQuery, w, v string) error {
	switch w {
	case "table", "vrf":
		if v == "all" {
			q.filter.Table, q.tableGiven = 0, false
			return nil
		}
		if w == "vrf" {
			idx, err := a.ifindex(v)
			if err != nil {
				return err
			}
			l, _ := a.links.link(idx)
			vrf, ok := l.Info.Data.(*route.VRF)
			if !ok {
				return invarg("Invalid VRF", v)
			}
			q.filter.Table = vrf.Table
			return nil
		}
		t, err := parseTable(v)
		if err != nil {
			return err
		}
		q.filter.Table = t
	case "dev", "oif":
		idx, err := a.ifindex(v)
		if err != nil {
			return err
		}
		q.filter.OIF, q.oifGiven = idx, true
	case "proto", "protocol":
		p, err := parseProtocol(v)
		if err != nil {
			return err
		}
		q.filter.Protocol, q.protoGiven = p, true
	case "type":
		t, ok := route.ParseRouteType(v)
		if !ok {
			return invarg("node type value is invalid", v)
		}
		q.filter.Type = t
	case "scope":
		s, err := parseScope(v)
		if err != nil {
			return err
		}
		q.filter.Scope, q.filter.HasScope = s, true
	}
	return nil
}

func (q *routeQuery) match(r *route.Route) bool {
	if !q.prefix.IsValid() {
		return true
	}
	d := r.Dst
	if !d.IsValid() || familyOf(d.Addr()) != familyOf(q.prefix.Addr()) {
		return false
	}
	d = d.Masked()
	p := q.prefix.Masked()
	inside := d.Bits() >= p.Bits() && p.Contains(d.Addr())   // root
	contains := d.Bits() <= p.Bits() && d.Contains(p.Addr()) // match
	switch q.mode {
	case "root":
		return inside
	case "match":
		return contains
	}
	return inside && contains
}

// showRoutes prints the routes q selects, streaming them from the dump into the output buffer. When the kernel
// marks the dump interrupted by a concurrent change (NLM_F_DUMP_INTR), what it printed is taken back and the
// dump repeated, up to route.DefaultDumpRetries times; then the last result stands, with ip's warning.
func (a *app) showRoutes(q routeQuery) error {
	if _, err := a.linkCache(); err != nil {
		return err
	}
	st := routeStyle{tableGiven: q.tableGiven, oifGiven: q.oifGiven, protoGiven: q.protoGiven,
		scopeGiven: q.filter.HasScope}
	mark := a.p.mark()
	for attempt := 0; ; attempt++ {
		interrupted := false
		for r, err := range a.c.Route.All(a.ctx, &q.filter) {
			if errors.Is(err, nlkit.ErrDumpInterrupted) {
				interrupted = true
				break
			}
			if err != nil {
				return err
			}
			if q.match(&r) {
				a.printRoute(&r, st)
			}
		}
		if !interrupted {
			return nil
		}
		if attempt == route.DefaultDumpRetries {
			fmt.Fprintln(a.stderr, "Dump was interrupted and may be inconsistent.")
			return nil
		}
		a.p.rewind(mark)
	}
}

// routeGet is `ip route get ADDR [from ADDR] [iif DEV] [oif DEV] [mark M] [uid U] [fibmatch]`.
func (a *app) routeGet(argv []string) error {
	var o route.RouteGetOptions
	var dst netip.Addr
	for av := newArgs(argv); av.more(); {
		w := av.take()
		if w == "fibmatch" {
			o.FibMatch = true
			continue
		}
		if w == "connected" || w == "notify" {
			continue
		}
		switch w {
		case "from", "iif", "oif", "dev", "mark", "uid", "to":
			v, err := av.value()
			if err != nil {
				return err
			}
			switch w {
			case "from":
				p, _, err := parsePrefix(v, a.family)
				if err != nil {
					return err
				}
				o.Src = p.Addr()
			case "iif", "oif", "dev":
				idx, err := a.ifindex(v)
				if err != nil {
					return err
				}
				if w == "iif" {
					o.IIF = idx
				} else {
					o.OIF = idx
				}
			case "mark":
				if o.Mark, err = parseU32(v, "mark"); err != nil {
					return err
				}
			case "uid":
				if o.UID, err = parseU32(v, "uid"); err != nil {
					return err
				}
				o.HasUID = true
			case "to":
				if dst, err = parseAddr(v, a.family); err != nil {
					return err
				}
			}
			continue
		}
		p, _, err := parsePrefix(w, a.family)
		if err != nil {
			return err
		}
		dst = p.Addr()
	}
	if !dst.IsValid() {
		return usagef("need at least a destination address")
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	if _, err := a.linkCache(); err != nil {
		return err
	}
	r, err := c.Route.Get(a.ctx, dst, &o)
	if err != nil {
		return err
	}
	a.printRoute(&r, routeStyle{})
	return nil
}

// routeStyle says what print_route leaves out: what the listing's filter fixed, and whether it is a deletion.
type routeStyle struct {
	tableGiven, oifGiven, protoGiven, scopeGiven, deleted bool
}

// printRoute prints one route as ip's print_route does.
func (a *app) printRoute(r *route.Route, st routeStyle) {
	p := a.p
	x := r.Ext()
	p.openObj("")
	if st.deleted {
		p.boolean("deleted", "Deleted ", true)
	}
	if r.Type != route.TypeUnicast {
		p.str("type", "%s ", r.Type.String())
	}
	host := hostBits(r.Family)
	p.str("dst", "%s ", prefixText(r.Dst, host, "default"))
	if x.Src.IsValid() {
		p.str("from", "from %s ", prefixText(x.Src, host, "0"))
	}
	if r.NexthopID != 0 {
		p.uint("nhid", "nhid %d ", uint64(r.NexthopID))
	}
	if r.TOS != 0 {
		p.str("tos", "tos %s ", fmt.Sprintf("0x%02x", r.TOS))
	}
	if r.Gateway.IsValid() {
		p.text("via ")
		p.str("gateway", "%s ", r.Gateway.String())
	}
	if x.Via.IsValid() {
		a.printVia(x.Via)
	}
	if r.OIF != 0 && !st.oifGiven {
		p.text("dev ")
		p.str("dev", "%s ", a.links.name(r.OIF))
	}
	if r.Table != 0 && r.Table != route.TableMain && !st.tableGiven {
		p.str("table", "table %s ", route.TableName(r.Table))
	}
	if r.Flags&unix.RTM_F_CLONED == 0 {
		if r.Protocol != route.ProtocolBoot && !st.protoGiven {
			p.str("protocol", "proto %s ", r.Protocol.String())
		}
		if r.Scope != route.ScopeUniverse && !st.scopeGiven {
			p.str("scope", "scope %s ", r.Scope.String())
		}
	}
	if x.PrefSrc.IsValid() {
		p.text("src ")
		p.str("prefsrc", "%s ", x.PrefSrc.String())
	}
	if r.HasPriority {
		p.uint("metric", "metric %d ", uint64(r.Priority))
	}
	a.printRouteFlags(r.Flags)
	if x.Mark != 0 {
		if p.json {
			p.uint("mark", "", uint64(x.Mark))
		} else if x.Mark >= 16 {
			p.text("mark 0x%x ", x.Mark)
		} else {
			p.text("mark %d ", x.Mark)
		}
	}
	if x.Flow != 0 {
		a.printFlow(x.Flow)
	}
	if x.HasUID {
		p.uint("uid", "uid %d ", uint64(x.UID))
	}
	if r.Family == unix.AF_INET && r.Flags&unix.RTM_F_CLONED != 0 {
		a.printCacheFlags(r.Flags)
	}
	if r.Family == unix.AF_INET || r.Family == unix.AF_INET6 {
		a.printRouteCacheInfo(&x.CacheInfo)
	}
	if !x.Metrics.IsZero() {
		a.printMetrics(&x.Metrics)
	}
	if x.IIF != 0 {
		p.text("iif ")
		p.str("iif", "%s ", a.links.name(x.IIF))
	}
	if r.HasPref {
		switch r.Pref {
		case 0:
			p.str("pref", "pref %s", "medium")
		case 1:
			p.str("pref", "pref %s", "high")
		case 3:
			p.str("pref", "pref %s", "low")
		default:
			p.uint("pref", "%d", uint64(r.Pref))
		}
	}
	if len(x.MultiPath) > 0 {
		p.openArr("nexthops")
		for i := range x.MultiPath {
			nh := &x.MultiPath[i]
			p.openObj("")
			p.text("\n\tnexthop ")
			if nh.Gateway.IsValid() {
				p.text("via ")
				p.str("gateway", "%s ", nh.Gateway.String())
			}
			if nh.Via.IsValid() {
				a.printVia(nh.Via)
			}
			if nh.Flow != 0 {
				a.printFlow(nh.Flow)
			}
			p.str("dev", "dev %s ", a.links.name(nh.OIF))
			if r.Family != unix.AF_MPLS {
				p.int("weight", "weight %d ", int64(nh.Weight()))
			}
			a.printRouteFlags(uint32(nh.Flags))
			p.closeObj()
		}
		p.closeArr()
	}
	p.text("\n")
	p.closeObj()
}

// prefixText formats a route's destination or source as ip does: the address alone for a host route, "default"
// (or "0" for a source) for length 0.
func prefixText(pr netip.Prefix, host int, zero string) string {
	switch {
	case !pr.IsValid() || pr.Bits() == 0:
		if zero == "0" && pr.IsValid() {
			return pr.Addr().String() + "/0"
		}
		return zero
	case pr.Bits() == host:
		return pr.Addr().String()
	}
	return pr.String()
}

func (a *app) printVia(v netip.Addr) {
	p := a.p
	p.openObj("via")
	p.str("family", "via %s ", familyName(familyOf(v)))
	p.str("host", "%s ", v.String())
	p.closeObj()
}

func (a *app) printFlow(flow uint32) {
	p := a.p
	from, to := flow>>16, flow&0xffff
	if p.json {
		p.openObj("flow")
		if from != 0 {
			p.jstr("from", fmt.Sprint(from))
		}
		p.jstr("to", fmt.Sprint(to))
		p.closeObj()
		return
	}
	if from != 0 {
		p.text("realms %d/%d ", from, to)
	} else {
		p.text("realm %d ", to)
	}
}

// routeFlagNames are print_rt_flags' names, in its order.
var routeFlagNames = []struct {
	f    uint32
	name string
}{
	{unix.RTNH_F_DEAD, "dead"}, {unix.RTNH_F_ONLINK, "onlink"}, {unix.RTNH_F_PERVASIVE, "pervasive"},
	{unix.RTNH_F_OFFLOAD, "offload"}, {unix.RTNH_F_TRAP, "trap"}, {unix.RTM_F_NOTIFY, "notify"},
	{unix.RTNH_F_LINKDOWN, "linkdown"}, {unix.RTNH_F_UNRESOLVED, "unresolved"}, {unix.RTM_F_OFFLOAD, "rt_offload"},
	{unix.RTM_F_TRAP, "rt_trap"}, {unix.RTM_F_OFFLOAD_FAILED, "rt_offload_failed"},
}

func (a *app) printRouteFlags(flags uint32) {
	p := a.p
	p.openArr("flags")
	for _, f := range routeFlagNames {
		if flags&f.f != 0 {
			p.str("", "%s ", f.name)
		}
	}
	p.closeArr()
}
