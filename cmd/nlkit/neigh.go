package main

import (
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
		command{"change chg", withOp(a.neighModify, opChange)})
}

// showNeighs is `ip neigh show [dev DEV] [nud STATE|all] [proxy]`. Like ip it hides NOARP entries and those
// without state unless asked.
func (a *app) showNeighs(argv []string) error {
	f := route.NeighFilter{Family: a.family}
	state, stateGiven := route.NeighState(0xff&^unix.NUD_NOARP), false
	noState := false
	for av := newArgs(argv); av.more(); {
		switch w := av.take(); w {
		case "proxy":
			f.Proxy = true
		case "dev", "nud":
			v, err := av.value()
			if err != nil {
				return err
			}
			if w == "dev" {
				if f.Index, err = a.ifindex(v); err != nil {
					return err
				}
				continue
			}
			if !stateGiven {
				state, stateGiven = 0, true
			}
			switch s, ok := route.ParseNeighState(v); {
			case v == "all":
				state, noState = 0xff, true
			case !ok:
				return invarg("nud state is bad", v)
			case s == 0:
				noState = true
			default:
				state |= s
			}
		default:
			return usagef("nlkit neigh show: unknown argument %q", w)
		}
	}
	if _, err := a.linkCache(); err != nil {
		return err
	}
	neighs, err := a.c.Neigh.List(a.ctx, &f)
	if err != nil {
		return err
	}
	for i := range neighs {
		n := &neighs[i]
		if n.State&state == 0 && n.Flags&(route.NeighProxy|route.NeighExtLearned) == 0 && (n.State != 0 || !noState) {
			continue
		}
		a.printNeigh(n, f.Index != 0, false)
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
