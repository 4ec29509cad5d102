package main

import (
	"strconv"

	"github.com/nlkit/nlkit/families/route"
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
	case "mtu", "txqueuelen", "txqlen", "qlen":
		v, err := av.value()
		if err != nil {
			return err
		}
		n, err := parseU32(v, w)
		if err != nil {
			return err
		}
		if w == "mtu" {
			l.MTU = n
		} else {
			l.TxQLen = n
		}
		return nil
	case "address", "broadcast", "brd":
		v, err := av.value()
		if err != nil {
			return err
		}
		hw, err := route.ParseHWAddr(v)
		if err != nil {
			return invarg("invalid link-layer address", v)
		}
		if w == "address" {
			l.Address = hw
		} else {
			l.Broadcast = hw
		}
		return nil
	case "alias":
		v, err := av.value()
		if err != nil {
			return err
		}
		l.Alias = v
		return nil
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

// kindArgs reads the arguments after "type KIND".
func (a *app) kindArgs(l *route.Link, kind string, av *args) error {
	next := func() (string, error) { return av.value() }
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
		m := &route.Macvlan{}
		for av.more() {
			w := av.take()
			if w != "mode" {
				return usagef("macvlan: unknown command %q?", w)
			}
			v, err := next()
			if err != nil {
				return err
			}
			modes := map[string]uint32{"private": route.MacvlanPrivate, "vepa": route.MacvlanVEPA,
				"bridge": route.MacvlanBridge, "passthru": route.MacvlanPassthru, "source": route.MacvlanSource}
			mode, ok := modes[v]
			if !ok {
				return invarg("mode must be \"private\", \"vepa\", \"bridge\", \"passthru\" or \"source\"", v)
			}
			m.Mode = mode
		}
		l.Info.Data = m
	case "vxlan":
		return a.vxlanArgs(l, av)
	case "vlan":
		v := &route.Vlan{}
		for av.more() {
			w := av.take()
			val, err := next()
			if err != nil {
				return err
			}
			switch w {
			case "id":
				id, err := strconv.ParseUint(val, 0, 12)
				if err != nil {
					return invarg("id is invalid", val)
				}
				v.ID = uint16(id)
			case "protocol":
				switch val {
				case "802.1Q", "802.1q":
					v.Protocol = unix.ETH_P_8021Q
				case "802.1ad", "802.1AD":
					v.Protocol = unix.ETH_P_8021AD
				default:
					return invarg("protocol is invalid", val)
				}
			default:
				return usagef("vlan: unknown command %q?", w)
			}
		}
		l.Info.Data = v
	case "bond":
		b := &route.Bond{}
		for av.more() {
			w := av.take()
			val, err := next()
			if err != nil {
				return err
			}
			switch w {
			case "mode":
				mode := -1
				for i, n := range []string{"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad",
					"balance-tlb", "balance-alb"} {
					if n == val || strconv.Itoa(i) == val {
						mode = i
					}
				}
				if mode < 0 {
					return invarg("invalid mode", val)
				}
				b.Mode = uint8(mode)
			case "miimon":
				n, err := parseU32(val, w)
				if err != nil {
					return err
				}
				b.MIIMon = n
			default:
				return usagef("bond: unknown command %q?", w)
			}
		}
		l.Info.Data = b
	case "vrf":
		if av.peek() != "table" {
			return usagef("vrf: \"table\" is required")
		}
		av.take()
		v, err := next()
		if err != nil {
			return err
		}
		t, err := parseTable(v)
		if err != nil {
			return err
		}
		l.Info.Data = &route.VRF{Table: t}
	case "bridge", "ifb", "dummy":
		if av.more() {
			return usagef("%s: arguments are not supported here: %q", kind, av.peek())
		}
	}
	return nil
}

// vxlanArgs reads `type vxlan id VNI [dstport P] [local A] [remote A] [group A] [dev DEV] [ttl N] [nolearning]`.
func (a *app) vxlanArgs(l *route.Link, av *args) error {
	v := &route.Vxlan{Learning: true}
	idSet := false
	for av.more() {
		w := av.take()
		switch w {
		case "nolearning":
			v.Learning = false
			continue
		case "learning":
			v.Learning = true
			continue
		}
		val, err := av.value()
		if err != nil {
			return err
		}
		switch w {
		case "id", "vni":
			n, err := parseU32(val, "id")
			if err != nil || n >= 1<<24 {
				return invarg("invalid id", val)
			}
			v.ID, idSet = n, true
		case "dstport", "port":
			n, err := strconv.ParseUint(val, 0, 16)
			if err != nil {
				return invarg("dstport", val)
			}
			v.Port = uint16(n)
		case "local", "remote", "group":
			addr, err := parseAddr(val, 0)
			if err != nil {
				return err
			}
			if w == "local" {
				v.Local = addr
			} else {
				v.Group = addr
			}
		case "dev":
			idx, err := a.ifindex(val)
			if err != nil {
				return err
			}
			v.Link = uint32(idx)
		case "ttl":
			n, err := strconv.ParseUint(val, 0, 8)
			if err != nil {
				return invarg("invalid TTL", val)
			}
			v.TTL = uint8(n)
		default:
			return usagef("vxlan: unknown command %q?", w)
		}
	}
	if !idSet {
		return usagef("vxlan: missing virtual network identifier")
	}
	l.Info.Data = v
	return nil
}

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

// linkSet is `ip link set [dev] DEV [up|down] [mtu N] [name N] [master M|nomaster] [address LL] ...`.
func (a *app) linkSet(argv []string) error {
	var ls route.LinkSet
	dev := ""
	for av := newArgs(argv); av.more(); {
		w := av.take()
		switch w {
		case "up":
			ls.Up, ls.Down = true, false
			continue
		case "down":
			ls.Up, ls.Down = false, true
			continue
		case "nomaster":
			ls.NoMaster = true
			continue
		}
		if w != "dev" && w != "mtu" && w != "name" && w != "master" && w != "address" && w != "txqueuelen" &&
			w != "txqlen" && w != "qlen" && w != "alias" {
			if dev != "" {
				return usagef("Error: either \"dev\" is duplicate, or %q is a garbage.", w)
			}
			dev = w
			continue
		}
		v, err := av.value()
		if err != nil {
			return err
		}
		switch w {
		case "dev":
			dev = v
		case "mtu", "txqueuelen", "txqlen", "qlen":
			n, err := parseU32(v, w)
			if err != nil {
				return err
			}
			if w == "mtu" {
				ls.MTU = n
			} else {
				ls.TxQLen = n
			}
		case "name":
			if len(v) >= unix.IFNAMSIZ {
				return invarg("\"name\" not a valid ifname", v)
			}
			ls.Name = v
		case "master":
			idx, err := a.ifindex(v)
			if err != nil {
				return err
			}
			ls.Master = idx
		case "address":
			hw, err := route.ParseHWAddr(v)
			if err != nil {
				return invarg("invalid link-layer address", v)
			}
			ls.Address = hw
		case "alias":
			ls.Alias = v
		}
	}
	if dev == "" {
		return usagef("Not enough information: \"dev\" argument is required.")
	}
	idx, err := a.ifindex(dev)
	if err != nil {
		return err
	}
	return a.c.Link.Set(a.ctx, idx, ls)
}
