package main

import (
	"fmt"
	"net/netip"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// The plain text of links, addresses, routes, neighbours, rules and nexthops is the library's (the objects'
// AppendFormat); this file and its siblings print ip -j's JSON for them.

// linkByIndex looks a link up in the link cache, for route.FormatOptions.Link.
func (a *app) linkByIndex(i int32) (*route.Link, bool) { return a.links.link(i) }

// appendText appends one object's text as ip prints it: "Deleted " for a deletion, the text, a newline.
func (a *app) appendText(deleted bool, format func([]byte) []byte) {
	p := a.p
	if deleted {
		p.b = append(p.b, "Deleted "...)
	}
	start := len(p.b)
	p.b = format(p.b)
	if a.oneline { // -o: ip's _SL_ is a backslash
		for i := start; i < len(p.b); i++ {
			if p.b[i] == '\n' {
				p.b[i] = '\\'
			}
		}
	}
	p.b = append(p.b, '\n')
}

// routeStyle says what print_route leaves out: what the listing's filter fixed, and whether it is a deletion.
type routeStyle struct {
	tableGiven, oifGiven, protoGiven, scopeGiven, deleted bool
}

// printRoute prints one route as ip's print_route does.
func (a *app) printRoute(r *route.Route, st routeStyle) {
	p := a.p
	if !p.json {
		o := route.FormatOptions{Link: a.linkByIndex, OmitDev: st.oifGiven, OmitTable: st.tableGiven,
			OmitProtocol: st.protoGiven, OmitScope: st.scopeGiven}
		a.appendText(st.deleted, func(b []byte) []byte { return r.AppendFormat(b, &o) })
		return
	}
	x := r.Ext()
	p.openObj("")
	if st.deleted {
		p.boolean("deleted", "", true)
	}
	if r.Type != route.TypeUnicast {
		p.jstr("type", r.Type.String())
	}
	host := hostBits(r.Family)
	p.jstr("dst", prefixText(r.Dst, host, "default"))
	if x.Src.IsValid() {
		p.jstr("from", prefixText(x.Src, host, "0"))
	}
	if r.NexthopID != 0 {
		p.uint("nhid", "", uint64(r.NexthopID))
	}
	if r.TOS != 0 {
		p.jstr("tos", fmt.Sprintf("0x%02x", r.TOS))
	}
	if r.Gateway.IsValid() {
		p.jstr("gateway", r.Gateway.String())
	}
	if x.Via.IsValid() {
		a.printVia(x.Via)
	}
	if r.OIF != 0 && !st.oifGiven {
		p.jstr("dev", a.links.name(r.OIF))
	}
	if r.Table != 0 && r.Table != route.TableMain && !st.tableGiven {
		p.jstr("table", route.TableName(r.Table))
	}
	if r.Flags&unix.RTM_F_CLONED == 0 {
		if r.Protocol != route.ProtocolBoot && !st.protoGiven {
			p.jstr("protocol", r.Protocol.String())
		}
		if r.Scope != route.ScopeUniverse && !st.scopeGiven {
			p.jstr("scope", r.Scope.String())
		}
	}
	if x.PrefSrc.IsValid() {
		p.jstr("prefsrc", x.PrefSrc.String())
	}
	if r.HasPriority {
		p.uint("metric", "", uint64(r.Priority))
	}
	a.printRouteFlags(r.Flags)
	if x.Mark != 0 {
		p.uint("mark", "", uint64(x.Mark))
	}
	if x.Flow != 0 {
		a.printFlow(x.Flow)
	}
	if x.HasUID {
		p.uint("uid", "", uint64(x.UID))
	}
	if r.Family == unix.AF_INET && r.Flags&unix.RTM_F_CLONED != 0 {
		p.openArr("cache")
		for _, n := range route.CacheFlagNames(r.Flags) {
			p.jstr("", n)
		}
		p.closeArr()
	}
	if r.Family == unix.AF_INET || r.Family == unix.AF_INET6 {
		a.printRouteCacheInfo(&x.CacheInfo)
	}
	if !x.Metrics.IsZero() {
		a.printMetrics(&x.Metrics)
	}
	if x.IIF != 0 {
		p.jstr("iif", a.links.name(x.IIF))
	}
	if r.HasPref {
		switch r.Pref {
		case 0:
			p.jstr("pref", "medium")
		case 1:
			p.jstr("pref", "high")
		case 3:
			p.jstr("pref", "low")
		default:
			p.uint("pref", "", uint64(r.Pref))
		}
	}
	if len(x.MultiPath) > 0 {
		p.openArr("nexthops")
		for i := range x.MultiPath {
			nh := &x.MultiPath[i]
			p.openObj("")
			if nh.Gateway.IsValid() {
				p.jstr("gateway", nh.Gateway.String())
			}
			if nh.Via.IsValid() {
				a.printVia(nh.Via)
			}
			if nh.Flow != 0 {
				a.printFlow(nh.Flow)
			}
			p.jstr("dev", a.links.name(nh.OIF))
			if r.Family != unix.AF_MPLS {
				p.int("weight", "", int64(nh.Weight()))
			}
			a.printRouteFlags(uint32(nh.Flags))
			p.closeObj()
		}
		p.closeArr()
	}
	p.closeObj()
}

// prefixText formats a route's destination or source as ip -j does: the address alone for a host route,
// "default" (or "0" for a source) for length 0.
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

// printVia is RTA_VIA: a "via" object of family and host.
func (a *app) printVia(v netip.Addr) {
	p := a.p
	p.openObj("via")
	p.jstr("family", route.FamilyName(familyOf(v)))
	p.jstr("host", v.String())
	p.closeObj()
}

// printFlow is RTA_FLOW: a "flow" object of from (when not 0) and to.
func (a *app) printFlow(flow uint32) {
	p := a.p
	from, to := flow>>16, flow&0xffff
	p.openObj("flow")
	if from != 0 {
		p.jstr("from", fmt.Sprint(from))
	}
	p.jstr("to", fmt.Sprint(to))
	p.closeObj()
}

// printRouteFlags is print_rt_flags: a "flags" array.
func (a *app) printRouteFlags(flags uint32) {
	p := a.p
	p.openArr("flags")
	for _, n := range route.RouteFlagNames(flags) {
		p.jstr("", n)
	}
	p.closeArr()
}

// userHZ is USER_HZ, the unit of rta_cacheinfo times (what ip's get_user_hz returns on Linux).
const userHZ = 100

// printRouteCacheInfo is print_rta_cacheinfo without -s.
func (a *app) printRouteCacheInfo(ci *route.RouteCacheInfo) {
	p := a.p
	if ci.Expires != 0 {
		p.int("expires", "", int64(ci.Expires/userHZ))
	}
	if ci.Error != 0 {
		p.uint("error", "", uint64(ci.Error))
	}
	if ci.ID != 0 {
		p.jstr("ipid", fmt.Sprintf("0x%04x", ci.ID))
	}
	if ci.TS != 0 || ci.TSAge != 0 {
		p.jstr("ts", hex0x(uint64(ci.TS)))
		p.uint("tsage", "", uint64(ci.TSAge))
	}
}

// hex0x is print_0xhex's JSON form ("%#llx").
func hex0x(v uint64) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%#x", v)
}

// printMetrics is print_rta_metrics: a "metrics" array of one object.
func (a *app) printMetrics(m *route.Metrics) {
	p := a.p
	p.openArr("metrics")
	p.openObj("")
	for _, x := range m.List() {
		switch x.Type {
		case unix.RTAX_CC_ALGO:
			p.jstr("congestion", m.CCAlgo)
		case unix.RTAX_FEATURES:
			if x.Value&unix.RTAX_FEATURE_ECN != 0 {
				p.null("ecn", "")
			}
			if x.Value&^unix.RTAX_FEATURE_ECN != 0 {
				p.jstr("features", hex0x(uint64(x.Value)))
			}
		default:
			p.uint(x.Name, "", uint64(route.MetricTime(x.Type, x.Value)))
		}
	}
	p.closeObj()
	p.closeArr()
}
