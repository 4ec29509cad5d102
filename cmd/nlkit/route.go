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
		command{"append", withOp(a.routeModify, opAppend)},
		command{"flush", a.flushRoutes})
}

// routeQuery is what `ip route show` selects; the *Given fields hide what the filter fixes, as ip does (and
// filter.HasScope for the scope).
type routeQuery struct {
	filter                           route.RouteFilter
	tableGiven, oifGiven, protoGiven bool
	// prefix with mode: "exact" (the default), "root" (routes inside it) or "match" (routes containing it).
	prefix netip.Prefix
	mode   string
	// tos is `tos T` (`dsfield T`), valid when tosGiven: only routes of that tos, printed without it.
	tos      uint8
	tosGiven bool
}

func (a *app) parseRouteQuery(argv []string) (routeQuery, error) {
	q := routeQuery{filter: route.RouteFilter{Table: route.TableMain}, tableGiven: true}
	for av := newArgs(argv); av.more(); {
		w := av.take()
		switch w {
		case "table", "vrf", "dev", "oif", "proto", "protocol", "type", "scope", "tos", "dsfield":
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
	case "tos", "dsfield":
		t, err := parseDSField(v, `"tos" value is invalid`)
		if err != nil {
			return err
		}
		q.tos, q.tosGiven = t, true
	}
	return nil
}

func (q *routeQuery) match(r *route.Route) bool {
	if q.tosGiven && r.TOS != q.tos {
		return false
	}
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
				if q.tosGiven {
					r.TOS = 0 // as ip: the filter fixed it
				}
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
