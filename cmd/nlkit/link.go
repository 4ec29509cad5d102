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
		if a.brief {
			a.printLinkBrief(l)
		} else {
			a.printLink(l, linkStyle{doLink: true, queue: true, linkLayer: true})
		}
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

// formatOptions are the library's options for st.
func (a *app) linkFormatOptions(st linkStyle) route.FormatOptions {
	o := route.FormatOptions{Link: a.linkByIndex, OmitLinkLayer: !st.linkLayer, LinkView: route.LinkViewMonitor}
	switch {
	case st.doLink:
		o.LinkView = route.LinkViewLink
	case st.queue:
		o.LinkView = route.LinkViewAddr
	}
	return o
}

// knownLinkFlags are the ifi_flags bits ip names (plus IFF_RUNNING, which it never prints).
const knownLinkFlags = unix.IFF_LOOPBACK | unix.IFF_BROADCAST | unix.IFF_POINTOPOINT | unix.IFF_MULTICAST |
	unix.IFF_NOARP | unix.IFF_ALLMULTI | unix.IFF_PROMISC | unix.IFF_MASTER | unix.IFF_SLAVE | unix.IFF_DEBUG |
	unix.IFF_DYNAMIC | unix.IFF_AUTOMEDIA | unix.IFF_PORTSEL | unix.IFF_NOTRAILERS | unix.IFF_UP |
	unix.IFF_RUNNING | 1<<16 | 1<<17 | 1<<18

// printLink prints one link as ip's print_linkinfo does, into the open JSON object.
func (a *app) printLink(l *route.Link, st linkStyle) {
	p := a.p
	if !p.json {
		o := a.linkFormatOptions(st)
		a.appendText(st.deleted, func(b []byte) []byte {
			if st.doLink && a.stats > 0 { // -s: the counters before the alternative names (stats.go)
				return a.appendWithStats(b, l, &o)
			}
			return l.AppendFormat(b, &o)
		})
		return
	}
	if st.deleted {
		p.boolean("deleted", "", true)
	}
	p.int("ifindex", "", int64(l.Index))
	mdown := false
	switch {
	case l.HasParentIndex && l.ParentIndex == 0: // a tunnel bound to no device
		p.null("link", "")
	case l.ParentIndex != 0:
		if l.HasLinkNetNSID {
			p.int("link_index", "", int64(l.ParentIndex))
		} else {
			p.jstr("link", a.links.name(l.ParentIndex))
			pl, ok := a.links.link(l.ParentIndex)
			mdown = !ok || !pl.IsUp()
		}
	}
	p.jstr("ifname", l.Name)
	p.openArr("flags")
	for _, n := range l.Flags.Names() {
		p.jstr("", n)
	}
	if rest := uint32(l.Flags) &^ knownLinkFlags; rest != 0 {
		p.jstr("", fmt.Sprintf("%x", rest))
	}
	if mdown {
		p.jstr("", "M-DOWN")
	}
	p.closeArr()
	p.uint("mtu", "", uint64(l.MTU))
	if l.Qdisc != "" {
		p.jstr("qdisc", l.Qdisc)
	}
	if l.Master != 0 {
		p.jstr("master", a.links.name(l.Master))
	}
	if l.OperState <= route.OperUp {
		p.jstr("operstate", l.OperState.String())
	} else {
		p.uint("operstate_index", "", uint64(l.OperState))
	}
	if st.doLink {
		if l.LinkMode < 2 {
			p.jstr("linkmode", []string{"DEFAULT", "DORMANT"}[l.LinkMode])
		} else {
			p.int("linkmode_index", "", int64(l.LinkMode))
		}
	}
	if l.Family != unix.AF_INET6 { // the IPv6 view of a link (inet6_fill_ifinfo) has no IFLA_GROUP
		p.jstr("group", route.GroupName(l.Group))
	}
	if st.queue && l.TxQLen != 0 {
		p.int("txqlen", "", int64(l.TxQLen))
	}
	if st.linkLayer {
		p.jstr("link_type", route.LinkTypeName(l.Type))
		if l.Address.IsValid() {
			p.jstr("address", l.Address.Format(l.Type))
		}
		if l.Broadcast.IsValid() {
			if l.Flags&unix.IFF_POINTOPOINT != 0 {
				p.boolean("link_pointtopoint", "", true)
			}
			p.jstr("broadcast", l.Broadcast.Format(l.Type))
		}
		if l.PermAddress.IsValid() && l.PermAddress != l.Address {
			p.jstr("permaddr", l.PermAddress.Format(l.Type))
		}
	}
	if l.HasLinkNetNSID {
		p.int("link_netnsid", "", int64(l.LinkNetNSID))
	}
	if l.ProtoDown {
		p.boolean("proto_down", "", true)
	}
	if st.doLink && l.Alias != "" {
		p.jstr("ifalias", l.Alias)
	}
	if st.doLink && a.stats > 0 {
		a.printLinkStats(l)
	}
	if len(l.AltNames) > 0 {
		p.openArr("altnames")
		for _, n := range l.AltNames {
			p.jstr("", n)
		}
		p.closeArr()
	}
	if a.details > 0 {
		a.printLinkInfo(l) // linkdetails.go
	}
}
