package main

import (
	"fmt"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

func (a *app) cmdLink(argv []string) error {
	return runCommand("link", "Usage: nlkit link { show [ [dev] DEV ] | add NAME type KIND [ARGS] | del DEV |\n"+
		"                   set [dev] DEV { up | down | mtu N | name NAME | master DEV | nomaster |\n"+
		"                                   address LLADDR | txqueuelen N | alias TEXT } }", argv,
		command{showWords, a.listing(a.showLinks)},
		command{"add", a.linkAdd},
		command{"delete", a.linkDel},
		command{"set change", a.linkSet})
}

// showLinks is `ip link show [[dev] DEV] [up] [master DEV] [type KIND]`.
func (a *app) showLinks(argv []string) error {
	var dev, master, kind string
	up := false
	for av := newArgs(argv); av.more(); {
		switch w := av.take(); w {
		case "up":
			up = true
		case "master":
			v, err := av.value()
			if err != nil {
				return err
			}
			master = v
		case "type":
			v, err := av.value()
			if err != nil {
				return err
			}
			kind = v
		default:
			if w == "dev" {
				v, err := av.value()
				if err != nil {
					return err
				}
				w = v
			}
			if dev != "" {
				return usagef("Error: either \"dev\" is duplicate, or %q is a garbage.", w)
			}
			dev = w
		}
	}
	lc, err := a.linkCache()
	if err != nil {
		return err
	}
	var masterIdx int32
	if master != "" {
		if masterIdx, err = a.ifindex(master); err != nil {
			return err
		}
	}
	found := false
	for i := range lc.list {
		l := &lc.list[i]
		if dev != "" && l.Name != dev && !hasAltName(l, dev) {
			continue
		}
		found = true
		if (up && !l.IsUp()) || (masterIdx != 0 && l.Master != masterIdx) || (kind != "" && l.Info.Kind != kind) {
			continue
		}
		a.p.openObj("")
		a.printLink(l, linkStyle{doLink: true, queue: true, linkLayer: true})
		a.p.closeObj()
	}
	if dev != "" && !found {
		return &notFoundError{msg: fmt.Sprintf("Device %q does not exist.", dev)}
	}
	return nil
}

func hasAltName(l *route.Link, name string) bool {
	for _, n := range l.AltNames {
		if n == name {
			return true
		}
	}
	return false
}

// linkStyle says which parts of print_linkinfo a listing prints.
type linkStyle struct {
	doLink    bool // `ip link`: link mode, alias, alternative names
	queue     bool // qlen
	linkLayer bool // the link/TYPE line
	deleted   bool // a deletion event
}

// knownLinkFlags are the ifi_flags bits ip names (plus IFF_RUNNING, which it never prints).
const knownLinkFlags = unix.IFF_LOOPBACK | unix.IFF_BROADCAST | unix.IFF_POINTOPOINT | unix.IFF_MULTICAST |
	unix.IFF_NOARP | unix.IFF_ALLMULTI | unix.IFF_PROMISC | unix.IFF_MASTER | unix.IFF_SLAVE | unix.IFF_DEBUG |
	unix.IFF_DYNAMIC | unix.IFF_AUTOMEDIA | unix.IFF_PORTSEL | unix.IFF_NOTRAILERS | unix.IFF_UP |
	unix.IFF_RUNNING | 1<<16 | 1<<17 | 1<<18

var operStates = []string{"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"}

// printLink prints one link as ip's print_linkinfo does, into the open JSON object.
func (a *app) printLink(l *route.Link, st linkStyle) {
	p := a.p
	if st.deleted {
		p.boolean("deleted", "Deleted ", true)
	}
	p.int("ifindex", "%d: ", int64(l.Index))
	name, mdown := l.Name, false
	switch {
	case l.HasParentIndex && l.ParentIndex == 0: // a tunnel bound to no device
		p.null("link", "")
		name = l.Name + "@NONE"
	case l.ParentIndex != 0:
		if l.HasLinkNetNSID {
			p.int("link_index", "", int64(l.ParentIndex))
			name = fmt.Sprintf("%s@if%d", l.Name, l.ParentIndex)
		} else {
			parent := a.links.name(l.ParentIndex)
			p.jstr("link", parent)
			name = l.Name + "@" + parent
			pl, ok := a.links.link(l.ParentIndex)
			mdown = !ok || !pl.IsUp()
		}
	}
	if p.json {
		p.jstr("ifname", l.Name)
	} else {
		p.text("%s: ", name)
	}
	a.printLinkFlags(l.Flags, mdown)
	p.uint("mtu", "mtu %d ", uint64(l.MTU))
	if l.Qdisc != "" {
		p.str("qdisc", "qdisc %s ", l.Qdisc)
	}
	if l.Master != 0 {
		p.str("master", "master %s ", a.links.name(l.Master))
	}
	if int(l.OperState) < len(operStates) {
		p.str("operstate", "state %s ", operStates[l.OperState])
	} else {
		p.uint("operstate_index", "state %#x ", uint64(l.OperState))
	}
	if st.doLink {
		if l.LinkMode < 2 {
			p.str("linkmode", "mode %s ", []string{"DEFAULT", "DORMANT"}[l.LinkMode])
		} else {
			p.int("linkmode_index", "mode %d ", int64(l.LinkMode))
		}
	}
	if l.Family != unix.AF_INET6 { // the IPv6 view of a link (inet6_fill_ifinfo) has no IFLA_GROUP
		p.str("group", "group %s ", groupName(l.Group))
	}
	if st.queue && l.TxQLen != 0 {
		p.int("txqlen", "qlen %d", int64(l.TxQLen))
	}
	if st.linkLayer {
		p.text("\n")
		p.str("link_type", "    link/%s ", linkTypeName(l.Type))
		if l.Address.IsValid() {
			p.str("address", "%s", llAddr(l.Address, l.Type))
		}
		if l.Broadcast.IsValid() {
			if l.Flags&unix.IFF_POINTOPOINT != 0 {
				p.text(" peer ")
				if p.json {
					p.boolean("link_pointtopoint", "", true)
				}
			} else {
				p.text(" brd ")
			}
			p.str("broadcast", "%s", llAddr(l.Broadcast, l.Type))
		}
		if l.PermAddress.IsValid() && l.PermAddress != l.Address {
			p.text(" permaddr ")
			p.str("permaddr", "%s", llAddr(l.PermAddress, l.Type))
		}
	}
	if l.HasLinkNetNSID {
		p.int("link_netnsid", " link-netnsid %d", int64(l.LinkNetNSID))
	}
	if l.ProtoDown {
		p.boolean("proto_down", " protodown on ", true)
	}
	if st.doLink && l.Alias != "" {
		p.text("\n    ")
		p.str("ifalias", "alias %s", l.Alias)
	}
	if len(l.AltNames) > 0 {
		p.openArr("altnames")
		for _, n := range l.AltNames {
			p.text("\n    altname ")
			p.str("", "%s", n)
		}
		p.closeArr()
	}
	p.text("\n")
}

// printLinkFlags is print_link_flags: "<UP,LOWER_UP>" or a "flags" array.
func (a *app) printLinkFlags(f route.LinkFlags, mdown bool) {
	p := a.p
	names := f.Names()
	if rest := uint32(f) &^ knownLinkFlags; rest != 0 {
		names = append(names, fmt.Sprintf("%x", rest))
	}
	if mdown {
		names = append(names, "M-DOWN")
	}
	p.openArr("flags")
	p.text("<")
	for i, n := range names {
		if i > 0 {
			p.text(",")
		}
		p.str("", "%s", n)
	}
	p.text("> ")
	p.closeArr()
}
