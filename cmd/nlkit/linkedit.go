package main

import (
	"fmt"
	"strconv"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/netns"
	"golang.org/x/sys/unix"
)

// linkAdd is `ip link add [name] NAME [link DEV] [mtu N] [address LL] [txqueuelen N] [up] type KIND [ARGS]`.
func (a *app) linkAdd(argv []string) error {
	var l route.Link
	av := newArgs(argv)
	kind := ""
	for av.more() && kind == "" {
		w := av.take()
		switch w {
		case "type":
			v, err := av.value()
			if err != nil {
				return err
			}
			kind = v
		case "link":
			v, err := av.value()
			if err != nil {
				return err
			}
			idx, err := a.ifindex(v)
			if err != nil {
				return err
			}
			l.ParentIndex = idx
		default:
			if err := a.commonLinkArg(&l, w, av); err != nil {
				return err
			}
		}
	}
	if l.Name == "" {
		return usagef("Not enough information: \"dev\" argument is required.")
	}
	if kind == "" {
		return usagef("Not enough information: \"type\" argument is required.")
	}
	l.Info.Kind = kind
	if err := a.kindArgs(&l, kind, av); err != nil {
		return err
	}
	if av.more() {
		return usagef("Garbage instead of arguments %q. Try \"nlkit link help\".", av.peek())
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	return c.Link.Add(a.ctx, l)
}

// commonLinkArg reads one of the arguments `ip link add` takes before "type" (and a veth peer takes).
func (a *app) commonLinkArg(l *route.Link, w string, av *args) error {
	if ok, err := linkValue(l, w, av); ok {
		return err
	}
	switch w {
	case "up":
		l.Flags |= unix.IFF_UP
		l.Change |= unix.IFF_UP
		return nil
	case "name", "dev":
		v, err := av.value()
		if err != nil {
			return err
		}
		w = v
	}
	if l.Name != "" {
		return usagef("Error: either \"dev\" is duplicate, or %q is a garbage.", w)
	}
	if len(w) >= unix.IFNAMSIZ {
		return invarg("\"name\" not a valid ifname", w)
	}
	l.Name = w
	return nil
}

// linkValue reads the value of keyword w from av into l when w is one `ip link add` and `ip link set` share:
// mtu, txqueuelen (txqlen, qlen), address, broadcast (brd) or alias. ok is false, and nothing read, for other
// words.
func linkValue(l *route.Link, w string, av *args) (ok bool, err error) {
	switch w {
	case "mtu", "txqueuelen", "txqlen", "qlen", "address", "broadcast", "brd", "alias":
	default:
		return false, nil
	}
	v, err := av.value()
	if err != nil {
		return true, err
	}
	switch w {
	case "mtu":
		l.MTU, err = parseU32(v, w)
	case "address", "broadcast", "brd":
		hw, perr := route.ParseHWAddr(v)
		if perr != nil {
			return true, invarg("invalid link-layer address", v)
		}
		if w == "address" {
			l.Address = hw
		} else {
			l.Broadcast = hw
		}
	case "alias":
		l.Alias = v
	default:
		l.TxQLen, err = parseU32(v, w)
	}
	return true, err
}

// kindArgs reads the arguments after "type KIND".
func (a *app) kindArgs(l *route.Link, kind string, av *args) error {
	switch kind {
	case "veth":
		peer := route.Link{}
		if av.peek() == "peer" {
			av.take()
			for av.more() {
				if err := a.commonLinkArg(&peer, av.take(), av); err != nil {
					return err
				}
			}
		}
		l.Info.Data = &route.Veth{Peer: peer}
	case "macvlan", "macvtap":
		return a.macvlanArgs(l, kind, av)
	case "vxlan":
		return a.vxlanArgs(l, av)
	case "vlan":
		return a.vlanArgs(l, kind, av)
	case "bond":
		return a.bondArgs(l, kind, av)
	case "vrf":
		if av.peek() != "table" {
			return usagef("vrf: \"table\" is required")
		}
		av.take()
		v, err := av.value()
		if err != nil {
			return err
		}
		t, err := parseTable(v)
		if err != nil {
			return err
		}
		l.Info.Data = &route.VRF{Table: t}
	case "bridge":
		return a.bridgeArgs(l, kind, av)
	default:
		if p, ok := kindParsers[kind]; ok {
			return p(a, l, kind, av)
		}
		if av.more() {
			return usagef("%s: arguments are not supported here: %q", kind, av.peek())
		}
	}
	return nil
}

// bondModes are the bonding modes by number (BOND_MODE_*).
var bondModes = []string{"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad", "balance-tlb",
	"balance-alb"}

// linkDel is `ip link del [dev] DEV`.
func (a *app) linkDel(argv []string) error {
	av := newArgs(argv)
	name := ""
	for av.more() {
		w := av.take()
		if w == "dev" {
			v, err := av.value()
			if err != nil {
				return err
			}
			w = v
		}
		if w == "type" { // `ip link del DEV type KIND`: the kind is not needed to delete
			if _, err := av.value(); err != nil {
				return err
			}
			continue
		}
		name = w
	}
	if name == "" {
		return usagef("Not enough information: \"dev\" argument is required.")
	}
	idx, err := a.ifindex(name)
	if err != nil {
		return err
	}
	return a.c.Link.Delete(a.ctx, route.Link{Index: idx})
}

// netnsTarget reads ip's `netns { PID | NAME }`: a process id, or a name in /run/netns (opened: the caller
// closes the FD).
func netnsTarget(v string) (route.NetNSTarget, error) {
	if pid, err := strconv.Atoi(v); err == nil && pid > 0 {
		return route.NetNSPID(pid), nil
	}
	h, err := netns.GetFromName(v)
	if err != nil {
		return route.NetNSTarget{}, invarg(fmt.Sprintf("cannot open namespace %q: %v", v, err), v)
	}
	return route.NetNSFD(h.Fd()), nil
}

// linkSet is `ip link set [dev] DEV [up|down] [mtu N] [name N] [master M|nomaster] [address LL] ...`.
func (a *app) linkSet(argv []string) error {
	var ls route.LinkSet
	var l route.Link // what linkValue reads
	dev := ""
	var to route.NetNSTarget
	for av := newArgs(argv); av.more(); {
		w := av.take()
		if ok, err := linkValue(&l, w, av); ok {
			if err != nil {
				return err
			}
			continue
		}
		switch w {
		case "netns":
			v, err := av.value()
			if err != nil {
				return err
			}
			if to, err = netnsTarget(v); err != nil {
				return err
			}
		case "up", "down":
			ls.Up, ls.Down = w == "up", w == "down"
		case "nomaster":
			ls.NoMaster = true
		case "dev", "name", "master":
			v, err := av.value()
			if err != nil {
				return err
			}
			switch {
			case w == "dev":
				dev = v
			case w == "master":
				if ls.Master, err = a.ifindex(v); err != nil {
					return err
				}
			case len(v) >= unix.IFNAMSIZ:
				return invarg("\"name\" not a valid ifname", v)
			default:
				ls.Name = v
			}
		default:
			if dev != "" {
				return usagef("Error: either \"dev\" is duplicate, or %q is a garbage.", w)
			}
			dev = w
		}
	}
	if dev == "" {
		return usagef("Not enough information: \"dev\" argument is required.")
	}
	if l.Broadcast.IsValid() {
		return usagef("nlkit link set: \"broadcast\" is not supported")
	}
	ls.MTU, ls.TxQLen, ls.Address, ls.Alias = l.MTU, l.TxQLen, l.Address, l.Alias
	idx, err := a.ifindex(dev)
	if err != nil {
		return err
	}
	if to.FD > 0 {
		defer unix.Close(to.FD)
	}
	if !to.IsZero() {
		// The move goes first, alone, as ip's single request would apply it; the other changes follow in the
		// link's new namespace only when there are some, which ip does not support either: refuse them.
		if ls != (route.LinkSet{}) {
			return usagef("nlkit link set: \"netns\" cannot be combined with other changes")
		}
		return a.c.Link.MoveToNetNS(a.ctx, idx, to, "")
	}
	return a.c.Link.Set(a.ctx, idx, ls)
}
