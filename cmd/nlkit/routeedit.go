package main

import (
	"net/netip"
	"strconv"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// routeModify is `ip route add|del|replace|append [TYPE] PREFIX|default [from PREFIX] [via [FAMILY] ADDR]
// [dev DEV] [src ADDR] [table T] [metric N] [proto P] [scope S] [tos T] [onlink] [mtu [lock] N] [advmss N]
// [nhid ID] [nexthop via ADDR dev DEV weight W ...]`.
func (a *app) routeModify(argv []string, op editOp) error {
	var r route.Route
	r.Family = a.family
	dstSet := false
	av := newArgs(argv)
	for av.more() {
		w := av.take()
		if w == "nexthop" {
			av.i--
			break
		}
		if w == "onlink" {
			r.Flags |= unix.RTNH_F_ONLINK
			continue
		}
		if t, ok := route.ParseRouteType(w); ok && !dstSet && t != route.TypeUnspec {
			r.Type = t
			continue
		}
		if !routeKeyword(w) {
			if w == "to" {
				v, err := av.value()
				if err != nil {
					return err
				}
				w = v
			}
			if dstSet {
				return usagef("Error: either \"to\" is duplicate, or %q is a garbage.", w)
			}
			p, _, err := parsePrefix(w, r.Family)
			if err != nil {
				return err
			}
			r.Dst, dstSet = p, true
			if p.IsValid() && r.Family == 0 {
				r.Family = familyOf(p.Addr())
			}
			continue
		}
		v, err := av.value()
		if err != nil {
			return err
		}
		if w == "via" && (v == "inet" || v == "inet6") {
			if v, err = av.value(); err != nil {
				return err
			}
			var via netip.Addr
			if r.Gateway, via, err = parseVia(&r.Family, v); err != nil {
				return err
			}
			if via.IsValid() || r.Extra != nil {
				r.EnsureExtra().Via = via
			}
			continue
		}
		if err := a.routeArg(&r, w, v); err != nil {
			return err
		}
	}
	if !dstSet {
		return usagef("need at least a destination address")
	}
	if av.more() {
		hops, err := a.parseNexthops(&r, av)
		if err != nil {
			return err
		}
		r.EnsureExtra().MultiPath = hops
	}
	if r.Family == 0 {
		r.Family = unix.AF_INET
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	return edit(a.ctx, c.Route, op, r)
}

func routeKeyword(w string) bool {
	switch w {
	case "via", "dev", "oif", "src", "from", "table", "metric", "priority", "preference", "proto", "protocol",
		"scope", "tos", "dsfield", "mtu", "advmss", "hoplimit", "nhid", "realm", "realms", "pref", "expires",
		"initcwnd", "initrwnd", "window":
		return true
	}
	return false
}

func (a *app) routeArg(r *route.Route, w, v string) error {
	var err error
	switch w {
	case "via":
		r.Gateway, err = parseFamilyAddr(&r.Family, v)
	case "dev", "oif":
		r.OIF, err = a.ifindex(v)
	case "src":
		r.EnsureExtra().PrefSrc, err = parseFamilyAddr(&r.Family, v)
	case "from":
		r.EnsureExtra().Src, _, err = parsePrefix(v, r.Family)
	case "table":
		r.Table, err = parseTable(v)
	case "metric", "priority", "preference":
		r.Priority, err = parseU32(v, "metric")
		r.HasPriority = true
	case "proto", "protocol":
		r.Protocol, err = parseProtocol(v)
	case "scope":
		r.Scope, err = parseScope(v)
		r.HasScope = true
	case "tos", "dsfield":
		r.TOS, err = parseDSField(v, `"tos" value is invalid`)
	case "mtu", "advmss", "hoplimit", "initcwnd", "initrwnd", "window":
		m := &r.EnsureExtra().Metrics
		metric := map[string]*uint32{"mtu": &m.MTU, "advmss": &m.AdvMSS, "hoplimit": &m.HopLimit,
			"initcwnd": &m.InitCWnd, "initrwnd": &m.InitRwnd, "window": &m.Window}[w]
		*metric, err = parseU32(v, w)
	case "nhid":
		r.NexthopID, err = parseU32(v, "id")
	case "expires":
		r.EnsureExtra().Expires, err = parseU32(v, "expires")
	case "realm", "realms":
		r.EnsureExtra().Flow, err = parseU32(v, "realm")
	case "pref": // ICMPV6_ROUTER_PREF_*
		pref, ok := map[string]uint8{"low": 3, "medium": 0, "high": 1}[v]
		if !ok {
			return invarg("\"pref\" value is invalid", v)
		}
		r.Pref, r.HasPref = pref, true
	}
	return err
}

// parseNexthops reads `nexthop [via ADDR] [dev DEV] [weight W] [onlink] ...` into RTA_MULTIPATH entries.
func (a *app) parseNexthops(r *route.Route, av *args) ([]route.Hop, error) {
	var hops []route.Hop
	for av.more() {
		if w := av.take(); w != "nexthop" {
			return nil, usagef("Error: \"nexthop\" or end of line is expected instead of %q", w)
		}
		if !av.more() {
			return nil, usagef("Error: unexpected end of line after \"nexthop\"")
		}
		var nh route.Hop
		for av.more() && av.peek() != "nexthop" {
			w := av.take()
			if w == "onlink" {
				nh.Flags |= unix.RTNH_F_ONLINK
				continue
			}
			v, err := av.value()
			if err != nil {
				return nil, err
			}
			switch w {
			case "via":
				if nh.Gateway, nh.Via, err = parseVia(&r.Family, v); err != nil {
					return nil, err
				}
			case "dev":
				if nh.OIF, err = a.ifindex(v); err != nil {
					return nil, err
				}
			case "weight":
				n, err := strconv.ParseUint(v, 0, 32)
				if err != nil || n == 0 || n > 256 {
					return nil, invarg("\"weight\" is invalid", v)
				}
				nh.Hops = uint8(n - 1)
			default:
				return nil, usagef("Error: unknown nexthop argument %q", w)
			}
		}
		hops = append(hops, nh)
	}
	return hops, nil
}

// parseFamilyAddr reads an address of *family, which it sets when it was 0.
func parseFamilyAddr(family *uint8, s string) (netip.Addr, error) {
	a, err := parseAddr(s, *family)
	if err == nil && *family == 0 {
		*family = familyOf(a)
	}
	return a, err
}

// parseVia reads the address of `via [FAMILY] ADDR`: a gateway of the route's *family (which it sets when it
// was 0), or one of another family for RTA_VIA.
func parseVia(family *uint8, s string) (gateway, via netip.Addr, err error) {
	a, err := parseAddr(s, 0)
	switch {
	case err != nil:
	case *family == 0 || familyOf(a) == *family:
		*family, gateway = familyOf(a), a
	default:
		via = a
	}
	return gateway, via, err
}
