package main

import (
	"strconv"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

type routeOp int

const (
	routeAdd routeOp = iota
	routeDel
	routeReplace
	routeAppend
)

// routeModify is `ip route add|del|replace|append [TYPE] PREFIX|default [from PREFIX] [via [FAMILY] ADDR]
// [dev DEV] [src ADDR] [table T] [metric N] [proto P] [scope S] [tos T] [onlink] [mtu [lock] N] [advmss N]
// [nhid ID] [nexthop via ADDR dev DEV weight W ...]`.
func (a *app) routeModify(argv []string, op routeOp) error {
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
			gw, err := parseAddr(v, 0)
			if err != nil {
				return err
			}
			if r.Family == 0 {
				r.Family = familyOf(gw)
			}
			if familyOf(gw) == r.Family {
				r.Gateway = gw
			} else {
				r.Via = gw
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
		r.MultiPath = hops
	}
	if r.Family == 0 {
		r.Family = unix.AF_INET
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	switch op {
	case routeAdd:
		return c.Route.Add(a.ctx, r)
	case routeReplace:
		return c.Route.Replace(a.ctx, r)
	case routeAppend:
		return c.Route.Append(a.ctx, r)
	}
	return c.Route.Delete(a.ctx, r)
}

func routeKeyword(w string) bool {
	switch w {
	case "via", "dev", "oif", "src", "from", "table", "metric", "priority", "preference", "proto", "protocol",
		"scope", "tos", "dsfield", "mtu", "advmss", "hoplimit", "nhid", "realm", "realms", "pref", "initcwnd",
		"initrwnd", "window":
		return true
	}
	return false
}

func (a *app) routeArg(r *route.Route, w, v string) error {
	var err error
	switch w {
	case "via":
		gw, err := parseAddr(v, r.Family)
		if err != nil {
			return err
		}
		r.Gateway = gw
		if r.Family == 0 {
			r.Family = familyOf(gw)
		}
	case "dev", "oif":
		r.OIF, err = a.ifindex(v)
	case "src":
		src, err := parseAddr(v, r.Family)
		if err != nil {
			return err
		}
		r.PrefSrc = src
		if r.Family == 0 {
			r.Family = familyOf(src)
		}
	case "from":
		p, _, err := parsePrefix(v, r.Family)
		if err != nil {
			return err
		}
		r.Src = p
	case "table":
		r.Table, err = parseTable(v)
	case "metric", "priority", "preference":
		r.Priority, err = parseU32(v, "metric")
	case "proto", "protocol":
		r.Protocol, err = parseProtocol(v)
	case "scope":
		r.Scope, err = parseScope(v)
	case "tos", "dsfield":
		n, perr := strconv.ParseUint(v, 16, 8)
		if perr != nil {
			return invarg("\"tos\" value is invalid", v)
		}
		r.TOS = uint8(n)
	case "mtu", "advmss", "hoplimit", "initcwnd", "initrwnd", "window":
		n, err := parseU32(v, w)
		if err != nil {
			return err
		}
		switch w {
		case "mtu":
			r.Metrics.MTU = n
		case "advmss":
			r.Metrics.AdvMSS = n
		case "hoplimit":
			r.Metrics.HopLimit = n
		case "initcwnd":
			r.Metrics.InitCWnd = n
		case "initrwnd":
			r.Metrics.InitRwnd = n
		case "window":
			r.Metrics.Window = n
		}
	case "nhid":
		r.NexthopID, err = parseU32(v, "id")
	case "realm", "realms":
		r.Flow, err = parseU32(v, "realm")
	case "pref":
		switch v {
		case "low":
			r.Pref = 3
		case "medium":
			r.Pref = 0
		case "high":
			r.Pref = 1
		default:
			return invarg("\"pref\" value is invalid", v)
		}
	}
	return err
}

// parseNexthops reads `nexthop [via ADDR] [dev DEV] [weight W] [onlink] ...` into RTA_MULTIPATH entries.
func (a *app) parseNexthops(r *route.Route, av *args) ([]route.NextHop, error) {
	var hops []route.NextHop
	for av.more() {
		if w := av.take(); w != "nexthop" {
			return nil, usagef("Error: \"nexthop\" or end of line is expected instead of %q", w)
		}
		if !av.more() {
			return nil, usagef("Error: unexpected end of line after \"nexthop\"")
		}
		var nh route.NextHop
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
				gw, err := parseAddr(v, 0)
				if err != nil {
					return nil, err
				}
				if r.Family == 0 {
					r.Family = familyOf(gw)
				}
				if familyOf(gw) == r.Family {
					nh.Gateway = gw
				} else {
					nh.Via = gw
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
