package main

import (
	"net/netip"
	"slices"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

func (a *app) cmdNeigh(argv []string) error {
	return runCommand("neigh", "Usage: nlkit neigh { show [ dev DEV ] [ nud STATE ] [ proxy ] |\n"+
		"                    { add | del | replace | change } ADDR [ lladdr LLADDR ] [ nud STATE ] dev DEV }", argv,
		command{showWords, a.listing(a.showNeighs)},
		command{"add", withOp(a.neighModify, opAdd)},
		command{"delete", withOp(a.neighModify, opDelete)},
		command{"replace", withOp(a.neighModify, opReplace)},
		command{"change chg", withOp(a.neighModify, opChange)},
		command{"get", a.listing(a.neighGet)},
		command{"flush", a.flushNeighs})
}

// neighQuery is what `ip neigh show` and `ip neigh flush` select: the dump's filter, the states (state; noState
// keeps the entries without one, ip's 0x100 bit) and a destination prefix.
type neighQuery struct {
	f       route.NeighFilter
	state   route.NeighState
	noState bool
	to      netip.Prefix
}

// parseNeighQuery reads `[dev DEV] [nud STATE|all] [proxy] [to] [PREFIX]`. Like ip it hides NOARP entries and
// those without state unless asked; a flush also leaves PERMANENT entries.
func (a *app) parseNeighQuery(argv []string, flush bool) (*neighQuery, error) {
	q := &neighQuery{f: route.NeighFilter{Family: a.family}, state: route.NeighState(0xff &^ unix.NUD_NOARP)}
	if flush {
		q.state, q.noState = route.NeighState(0xff&^(unix.NUD_NOARP|unix.NUD_PERMANENT)), true
	}
	stateGiven := false
	for av := newArgs(argv); av.more(); {
		switch w := av.take(); w {
		case "proxy":
			q.f.Proxy = true
		case "all":
			if !flush {
				return nil, usagef("nlkit neigh show: unknown argument %q", w)
			}
		case "dev", "nud", "to":
			v, err := av.value()
			if err != nil {
				return nil, err
			}
			switch w {
			case "dev":
				if q.f.Index, err = a.ifindex(v); err != nil {
					return nil, err
				}
				continue
			case "to":
				if q.to, err = parseFilterPrefix(v, a.family); err != nil {
					return nil, err
				}
				continue
			}
			if !stateGiven {
				q.state, q.noState, stateGiven = 0, false, true
			}
			switch s, ok := route.ParseNeighState(v); {
			case v == "all":
				q.state, q.noState = 0xff, true
				if flush {
					q.state &^= unix.NUD_NOARP // as ip: "nud all" does not flush NOARP entries
				}
			case !ok:
				return nil, invarg("nud state is bad", v)
			case s == 0:
				q.noState = true
			default:
				q.state |= s
			}
		default:
			p, err := parseFilterPrefix(w, a.family)
			if err != nil {
				return nil, err
			}
			q.to = p
		}
	}
	return q, nil
}

// match is print_neigh's filter.
func (q *neighQuery) match(n *route.Neigh) bool {
	if n.State&q.state == 0 && n.Flags&(route.NeighProxy|route.NeighExtLearned) == 0 && (n.State != 0 || !q.noState) {
		return false
	}
	if q.to.IsValid() && q.to.Bits() > 0 {
		if !n.Dst.IsValid() || familyOf(n.Dst) != familyOf(q.to.Addr()) || !q.to.Masked().Contains(n.Dst) {
			return false
		}
	}
	return true
}

// neighs lists the entries q selects.
func (a *app) neighs(q *neighQuery) ([]route.Neigh, error) {
	if _, err := a.linkCache(); err != nil {
		return nil, err
	}
	neighs, err := a.c.Neigh.List(a.ctx, &q.f)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(neighs, func(n route.Neigh) bool { return !q.match(&n) }), nil
}

// showNeighs is `ip neigh show [dev DEV] [nud STATE|all] [proxy] [to PREFIX]`.
func (a *app) showNeighs(argv []string) error {
	q, err := a.parseNeighQuery(argv, false)
	if err != nil {
		return err
	}
	neighs, err := a.neighs(q)
	if err != nil {
		return err
	}
	for i := range neighs {
		a.printNeigh(&neighs[i], q.f.Index != 0, false)
	}
	return nil
}

// printNeigh prints one entry as ip's print_neigh does; noDev leaves out the link (`ip neigh show dev X`).
func (a *app) printNeigh(n *route.Neigh, noDev, deleted bool) {
	p := a.p
	if !p.json {
		o := route.FormatOptions{Link: a.linkByIndex, OmitDev: noDev}
		a.appendText(deleted, func(b []byte) []byte { return n.AppendFormat(b, &o) })
		return
	}
	p.openObj("")
	if deleted {
		p.boolean("deleted", "", true)
	}
	if n.Dst.IsValid() {
		p.jstr("dst", n.Dst.String())
	}
	if !noDev && n.Index != 0 {
		p.jstr("dev", a.links.name(n.Index))
	}
	if n.LLAddr.IsValid() {
		typ := uint16(unix.ARPHRD_ETHER)
		if l, ok := a.links.link(n.Index); ok {
			typ = l.Type
		}
		p.jstr("lladdr", n.LLAddr.Format(typ))
	}
	for _, f := range n.Flags.Names() {
		p.null(f, "")
	}
	if n.State != 0 {
		p.openArr("state")
		for _, s := range n.State.Names() {
			p.jstr("", s)
		}
		p.closeArr()
	}
	if n.Protocol != 0 {
		p.jstr("protocol", n.Protocol.String())
	}
	p.closeObj()
}

// neighModify is `ip neigh add|del|replace|change ADDR [lladdr LL] [nud STATE] [router] [proxy ADDR] dev DEV`.
func (a *app) neighModify(argv []string, op editOp) error {
	var n route.Neigh
	n.State = route.NeighPermanent
	dev := ""
	for av := newArgs(argv); av.more(); {
		w := av.take()
		switch w {
		case "router":
			n.Flags |= route.NeighRouter
			continue
		case "extern_learn":
			n.Flags |= route.NeighExtLearned
			continue
		case "lladdr", "nud", "dev", "proxy", "to":
			v, err := av.value()
			if err != nil {
				return err
			}
			switch w {
			case "lladdr":
				if v == "null" {
					continue
				}
				hw, err := route.ParseHWAddr(v)
				if err != nil {
					return invarg("invalid lladdr", v)
				}
				n.LLAddr = hw
			case "nud":
				s, ok := route.ParseNeighState(v)
				if !ok {
					return invarg("nud state is bad", v)
				}
				n.State = s
			case "dev":
				dev = v
			case "proxy", "to":
				if n.Dst, err = parseAddr(v, a.family); err != nil {
					return err
				}
				if w == "proxy" {
					n.Flags |= route.NeighProxy
				}
			}
			continue
		}
		if n.Dst.IsValid() {
			return usagef("Error: either \"to\" is duplicate, or %q is a garbage.", w)
		}
		d, err := parseAddr(w, a.family)
		if err != nil {
			return err
		}
		n.Dst = d
	}
	if dev == "" || !n.Dst.IsValid() {
		return usagef("Device and destination are required arguments.")
	}
	idx, err := a.ifindex(dev)
	if err != nil {
		return err
	}
	n.Index = idx
	n.Family = familyOf(n.Dst)
	return edit(a.ctx, a.c.Neigh, op, n)
}

// neighGet is `ip neigh get [proxy] ADDR dev DEV`. The library has no RTM_GETNEIGH request for one entry, so
// the link's entries are dumped and the one with ADDR printed; a missing one gives the kernel's answer to ip.
func (a *app) neighGet(argv []string) error {
	var dst netip.Addr
	f := route.NeighFilter{}
	dev := ""
	for av := newArgs(argv); av.more(); {
		w := av.take()
		switch w {
		case "proxy":
			f.Proxy = true
			continue
		case "dev":
			v, err := av.value()
			if err != nil {
				return err
			}
			dev = v
			continue
		case "to":
			v, err := av.value()
			if err != nil {
				return err
			}
			w = v
		}
		if dst.IsValid() {
			return usagef("Error: either \"to\" is duplicate, or %q is a garbage.", w)
		}
		d, err := parseAddr(w, a.family)
		if err != nil {
			return err
		}
		dst = d
	}
	if dev == "" || !dst.IsValid() {
		return &notFoundError{msg: "Device and address are required arguments."}
	}
	idx, err := a.ifindex(dev)
	if err != nil {
		return err
	}
	f.Index, f.Family = idx, familyOf(dst)
	neighs, err := a.c.Neigh.List(a.ctx, &f)
	if err != nil {
		return err
	}
	for i := range neighs {
		if n := &neighs[i]; n.Dst == dst && n.Index == idx {
			a.printNeigh(n, false, false)
			return nil
		}
	}
	return usagef("Error: Neighbour entry not found.")
}
