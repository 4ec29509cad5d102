package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

func (a *app) cmdNexthop(argv []string) error {
	return runCommand("nexthop", "Usage: nlkit nexthop { show [ id ID ] | del id ID |\n"+
		"                      { add | replace } id ID { [ via ADDR ] [ dev DEV ] [ onlink ] | blackhole |\n"+
		"                                             group ID[,WEIGHT]/... [ type { mpath | resilient\n"+
		"                                             [ buckets N ] [ idle_timer S ] [ unbalanced_timer S ] } ] }\n"+
		"                                           [ fdb ] }", argv,
		command{showWords, a.listing(a.showNexthops)},
		command{"get", a.listing(a.showNexthops)},
		command{"add", withOp(a.nexthopModify, opAdd)},
		command{"replace", withOp(a.nexthopModify, opReplace)},
		command{"delete", func(args []string) error {
			id, err := nexthopID(args)
			if err != nil {
				return err
			}
			c, err := a.client()
			if err != nil {
				return err
			}
			return c.Nexthop.Delete(a.ctx, route.Nexthop{ID: id})
		}})
}

func nexthopID(argv []string) (uint32, error) {
	if len(argv) != 2 || argv[0] != "id" {
		return 0, usagef("nlkit nexthop: \"id ID\" is required")
	}
	return parseU32(argv[1], "id")
}

// showNexthops is `ip nexthop show [id ID]`.
func (a *app) showNexthops(argv []string) error {
	c, err := a.client()
	if err != nil {
		return err
	}
	if _, err := a.linkCache(); err != nil {
		return err
	}
	if len(argv) > 0 {
		id, err := nexthopID(argv)
		if err != nil {
			return err
		}
		nh, err := c.Nexthop.Get(a.ctx, id)
		if err != nil {
			return err
		}
		a.printNexthop(&nh, false)
		return nil
	}
	nhs, err := c.Nexthop.List(a.ctx, &route.NexthopFilter{Family: a.family})
	if err != nil && !errors.Is(err, unix.EOPNOTSUPP) {
		return err
	}
	for i := range nhs {
		a.printNexthop(&nhs[i], false)
	}
	return nil
}

// printNexthop prints one nexthop as ip's __print_nexthop_entry does.
func (a *app) printNexthop(nh *route.Nexthop, deleted bool) {
	p := a.p
	if !p.json {
		o := route.FormatOptions{Link: a.linkByIndex}
		a.appendText(deleted, func(b []byte) []byte { return nh.AppendFormat(b, &o) })
		return
	}
	p.openObj("")
	if deleted {
		p.boolean("deleted", "", true)
	}
	p.uint("id", "", uint64(nh.ID))
	if len(nh.Group) > 0 {
		p.openArr("group")
		for _, m := range nh.Group {
			p.openObj("")
			p.uint("id", "", uint64(m.ID))
			if m.Weight != 1 {
				p.uint("weight", "", uint64(m.Weight))
			}
			p.closeObj()
		}
		p.closeArr()
	}
	switch nh.GroupType {
	case 0:
	case 1:
		p.jstr("type", "resilient")
	default:
		p.jstr("type", "<unknown type>")
	}
	if r := nh.ResGroup; r != nil {
		p.openObj("resilient_args")
		p.uint("buckets", "", uint64(r.Buckets))
		p.seconds("idle_timer", "", uint64(r.IdleTimer))
		p.seconds("unbalanced_timer", "", uint64(r.UnbalancedTimer))
		p.seconds("unbalanced_time", "", r.UnbalancedTime)
		p.closeObj()
	}
	if nh.Gateway.IsValid() {
		p.jstr("gateway", nh.Gateway.String())
	}
	if nh.OIF != 0 {
		p.jstr("dev", a.links.name(nh.OIF))
	}
	if nh.Scope != route.ScopeUniverse {
		p.jstr("scope", nh.Scope.String())
	}
	if nh.Blackhole {
		p.null("blackhole", "")
	}
	if nh.Protocol != 0 {
		p.jstr("protocol", nh.Protocol.String())
	}
	a.printRouteFlags(nh.Flags)
	if nh.FDB {
		p.null("fdb", "")
	}
	p.closeObj()
}

// nexthopModify is `ip nexthop add|replace id ID [via ADDR] [dev DEV] [onlink] [blackhole] [group ...] [fdb]
// [proto P]`.
func (a *app) nexthopModify(argv []string, op editOp) error {
	nh := route.Nexthop{Family: a.family}
	for av := newArgs(argv); av.more(); {
		w := av.take()
		switch w {
		case "blackhole":
			nh.Blackhole = true
			continue
		case "onlink":
			nh.Flags |= unix.RTNH_F_ONLINK
			continue
		case "fdb":
			nh.FDB = true
			continue
		}
		v, err := av.value()
		if err != nil {
			return err
		}
		switch w {
		case "id":
			nh.ID, err = parseU32(v, "id")
		case "via":
			nh.Gateway, err = parseAddr(v, nh.Family)
			if err == nil && nh.Family == 0 {
				nh.Family = familyOf(nh.Gateway)
			}
		case "dev":
			nh.OIF, err = a.ifindex(v)
		case "proto", "protocol":
			nh.Protocol, err = parseProtocol(v)
		case "group":
			nh.Group, err = parseNexthopGroup(v)
		case "type":
			switch v {
			case "mpath":
			case "resilient":
				nh.GroupType = 1
				nh.ResGroup = &route.NexthopResGroup{}
			default:
				return invarg("\"type\" value is invalid", v)
			}
		case "buckets", "idle_timer", "unbalanced_timer":
			if nh.ResGroup == nil {
				return usagef("Error: argument %q is unknown", w)
			}
			err = parseResArg(nh.ResGroup, w, v)
		default:
			return usagef("Error: argument %q is unknown", w)
		}
		if err != nil {
			return err
		}
	}
	if nh.ID == 0 && op == opReplace {
		return usagef("nlkit nexthop replace: \"id ID\" is required")
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	return edit(a.ctx, c.Nexthop, op, nh)
}

// parseResArg reads one of ip's RESILIENT_ARGS: "buckets N", or "idle_timer S" or "unbalanced_timer S" in
// whole seconds, sent in clock ticks (1/100 s).
func parseResArg(r *route.NexthopResGroup, w, v string) error {
	if w == "buckets" {
		n, err := strconv.ParseUint(v, 0, 16)
		if err != nil {
			return invarg("invalid buckets value", v)
		}
		r.Buckets = uint16(n)
		return nil
	}
	n, err := strconv.ParseUint(v, 0, 32)
	if err != nil || n >= math.MaxUint32/100 {
		return invarg(fmt.Sprintf("invalid %s value", strings.ReplaceAll(w, "_", " ")), v)
	}
	if w == "idle_timer" {
		r.IdleTimer = uint32(n * 100)
	} else {
		r.UnbalancedTimer = uint32(n * 100)
	}
	return nil
}

// parseNexthopGroup reads "ID[,WEIGHT]/ID[,WEIGHT]...".
func parseNexthopGroup(s string) ([]route.NexthopGroupMember, error) {
	var out []route.NexthopGroupMember
	for _, part := range strings.Split(s, "/") {
		idText, wText, hasW := strings.Cut(part, ",")
		id, err := parseU32(idText, "group")
		if err != nil {
			return nil, err
		}
		m := route.NexthopGroupMember{ID: id, Weight: 1}
		if hasW {
			w, err := strconv.ParseUint(wText, 0, 32)
			if err != nil || w == 0 || w > 65536 {
				return nil, invarg("\"weight\" is invalid", wText)
			}
			m.Weight = uint32(w)
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty group")
	}
	return out, nil
}
