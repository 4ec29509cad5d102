package main

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// cmdBridge is the bridge(8) command's objects under `nlkit bridge`: vlan, fdb, mdb and link, printed as
// bridge 6.1 prints them (plain and -j).
func (a *app) cmdBridge(argv []string) error {
	const usage = "Usage: nlkit bridge { vlan | fdb | mdb | link } { show | add | del } ..."
	if len(argv) == 0 {
		return usagef("%s", usage)
	}
	switch w, rest := argv[0], argv[1:]; {
	case matches(w, "vlan"):
		return runCommand("bridge vlan", "Usage: nlkit bridge vlan { show [ dev DEV ] [ vid VID ] |\n"+
			"                          { add | del } dev DEV vid VID[-VIDEND] [ tunnel_info id TUNID ] [ pvid ] [ untagged ] [ self ] [ master ] }", rest,
			command{showWords, a.listing(a.bridgeVlanShow)},
			command{"add", func(args []string) error { return a.bridgeVlanModify(args, opAdd) }},
			command{"delete", func(args []string) error { return a.bridgeVlanModify(args, opDelete) }})
	case matches(w, "fdb"):
		return runCommand("bridge fdb", "Usage: nlkit bridge fdb { show [ br BRIDGE ] [ brport DEV ] [ dev DEV ] |\n"+
			"                         { add | append | del | replace } LLADDR dev DEV [ dst IPADDR ] [ vlan VID ] [ self ] [ master ] [ local | static | dynamic ] }", rest,
			command{showWords, a.listing(a.bridgeFdbShow)},
			command{"add", withOp(a.bridgeFdbModify, opAdd)},
			command{"delete", withOp(a.bridgeFdbModify, opDelete)},
			command{"replace", withOp(a.bridgeFdbModify, opReplace)})
	case matches(w, "mdb"):
		return runCommand("bridge mdb", "Usage: nlkit bridge mdb { show [ dev DEV ] |\n"+
			"                         { add | del } dev DEV port PORT grp GROUP [ src SOURCE ] [ permanent | temp ] [ vid VID ] }", rest,
			command{showWords, a.bridgeMdbShow},
			command{"add", withOp(a.bridgeMdbModify, opAdd)},
			command{"delete", withOp(a.bridgeMdbModify, opDelete)},
			command{"replace", withOp(a.bridgeMdbModify, opReplace)})
	case matches(w, "link"):
		return runCommand("bridge link", "Usage: nlkit bridge link show [ dev DEV ]", rest,
			command{showWords, a.listing(a.bridgeLinkShow)})
	case matches(w, "help"):
		return helpf("%s", usage)
	}
	return usagef("Object %q is unknown, try \"nlkit bridge help\".", argv[0])
}

// bridgeVlanShow is `bridge vlan show [dev DEV] [vid VID]`: the AF_BRIDGE link dump with every VLAN apart
// (RTEXT_FILTER_BRVLAN), as bridge 6.1 lists it.
func (a *app) bridgeVlanShow(argv []string) error {
	var dev int32
	var vid uint16
	for av := newArgs(argv); av.more(); {
		switch w := av.take(); w {
		case "dev", "vid":
			v, err := av.value()
			if err != nil {
				return err
			}
			if w == "dev" {
				if dev, err = a.ifindex(v); err != nil {
					return err
				}
			} else {
				n, err := strconv.ParseUint(v, 10, 12)
				if err != nil {
					return invarg("invalid VLAN ID", v)
				}
				vid = uint16(n)
			}
		default:
			return usagef("nlkit bridge vlan show: unknown argument %q", w)
		}
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	links, err := c.BridgeVlan().List(a.ctx, false)
	if err != nil {
		return err
	}
	lc, err := a.linkCache()
	if err != nil {
		return err
	}
	p := a.p
	p.text("%-16s  %-9s\n", "port", "vlan-id")
	for _, l := range links {
		if dev != 0 && l.Index != dev {
			continue
		}
		opened := false
		var start uint16
		for _, v := range l.BridgeVlans {
			if v.Flags&route.BridgeVlanRangeEnd == 0 {
				start = v.VID
			}
			if v.Flags&route.BridgeVlanRangeBegin != 0 {
				continue
			}
			if vid != 0 && (vid < start || vid > v.VID) {
				continue
			}
			if !opened {
				p.openObj("")
				p.str("ifname", "%-16s  ", lc.name(l.Index))
				p.openArr("vlans")
				opened = true
			} else {
				p.text("%-16s  ", "")
			}
			p.openObj("")
			p.uint("vlan", "%d", uint64(start))
			if start != v.VID {
				p.uint("vlanEnd", "-%d", uint64(v.VID))
			}
			if v.Flags&(route.BridgeVlanPVID|route.BridgeVlanUntagged) != 0 {
				p.openArr("flags")
				if v.Flags&route.BridgeVlanPVID != 0 {
					p.str("", " %s", "PVID")
				}
				if v.Flags&route.BridgeVlanUntagged != 0 {
					p.str("", " %s", "Egress Untagged")
				}
				p.closeArr()
			}
			p.closeObj()
			p.text("\n")
		}
		if opened {
			p.closeArr()
			p.closeObj()
		}
	}
	return nil
}

// bridgeVlanModify is `bridge vlan { add | del } dev DEV vid VID[-VIDEND] [tunnel_info id TUNID] [pvid]
// [untagged] [self] [master]`.
func (a *app) bridgeVlanModify(argv []string, op editOp) error {
	var v route.BridgeVlan
	var devGiven bool
	for av := newArgs(argv); av.more(); {
		switch w := av.take(); w {
		case "dev", "vid", "id":
			s, err := av.value()
			if err != nil {
				return err
			}
			switch w {
			case "dev":
				if v.Index, err = a.ifindex(s); err != nil {
					return err
				}
				devGiven = true
			case "vid":
				lo, hi, _ := strings.Cut(s, "-")
				n, err := strconv.ParseUint(lo, 10, 16)
				if err != nil {
					return invarg("invalid VLAN ID", s)
				}
				v.VID = uint16(n)
				if hi != "" {
					m, err := strconv.ParseUint(hi, 10, 16)
					if err != nil {
						return invarg("invalid VLAN ID", s)
					}
					v.VIDEnd = uint16(m)
				}
			case "id":
				n, err := strconv.ParseUint(s, 0, 32)
				if err != nil {
					return invarg("invalid tunnel id", s)
				}
				v.TunnelID = uint32(n)
			}
		case "tunnel_info":
		case "pvid":
			v.PVID = true
		case "untagged":
			v.Untagged = true
		case "self":
			v.Self = true
		case "master":
			v.Master = true
		default:
			return usagef("nlkit bridge vlan: unknown argument %q", w)
		}
	}
	if !devGiven || v.VID == 0 {
		return usagef("Device and VLAN ID are required arguments.")
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	if op == opDelete {
		return c.BridgeVlan().Delete(a.ctx, v)
	}
	return c.BridgeVlan().Add(a.ctx, v)
}

// bridgeFdbShow is `bridge fdb show [br BRIDGE] [brport DEV | dev DEV]`: the AF_BRIDGE neighbour dump as
// bridge's print_fdb prints it.
func (a *app) bridgeFdbShow(argv []string) error {
	f := route.NeighFilter{Family: unix.AF_BRIDGE}
	devGiven := false
	for av := newArgs(argv); av.more(); {
		switch w := av.take(); w {
		case "br", "brport", "dev":
			v, err := av.value()
			if err != nil {
				return err
			}
			i, err := a.ifindex(v)
			if err != nil {
				return err
			}
			if w == "br" {
				f.Master = i
			} else {
				f.Index, devGiven = i, true
			}
		default:
			return usagef("nlkit bridge fdb show: unknown argument %q", w)
		}
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	entries, err := c.Neigh.List(a.ctx, &f)
	if err != nil {
		return err
	}
	lc, err := a.linkCache()
	if err != nil {
		return err
	}
	p := a.p
	for _, n := range entries {
		p.openObj("")
		if n.LLAddr.IsValid() {
			p.str("mac", "%s ", n.LLAddr.String())
		}
		if !devGiven && n.Index != 0 {
			p.str("ifname", "dev %s ", lc.name(n.Index))
		}
		if n.Dst.IsValid() {
			p.str("dst", "dst %s ", n.Dst.String())
		}
		if n.Vlan != 0 {
			p.uint("vlan", "vlan %d ", uint64(n.Vlan))
		}
		if n.Port != 0 {
			p.uint("port", "port %d ", uint64(n.Port))
		}
		if n.VNI != 0 {
			p.uint("vni", "vni %d ", uint64(n.VNI))
		}
		if n.IfIndex != 0 {
			p.str("via", "via %s ", lc.name(n.IfIndex))
		}
		if n.HasLinkNetNSID {
			p.int("link-netnsid", "link-netnsid %d ", int64(n.LinkNetNSID))
		}
		if a.stats > 0 {
			p.uint("used", "used %d/", uint64(n.CacheInfo.Used/100))
			p.uint("updated", "%d ", uint64(n.CacheInfo.Updated/100))
		}
		p.openArr("flags")
		for _, fl := range []struct {
			bit  route.NeighFlags
			name string
		}{{route.NeighSelf, "self"}, {unix.NTF_ROUTER, "router"}, {unix.NTF_EXT_LEARNED, "extern_learn"},
			{unix.NTF_OFFLOADED, "offload"}, {route.NeighMaster, "master"}, {0x40 /* NTF_STICKY */, "sticky"}} {
			if n.Flags&fl.bit != 0 {
				p.str("", "%s ", fl.name)
			}
		}
		if n.ExtFlags&1 != 0 { // NTF_EXT_LOCKED
			p.str("", "%s ", "locked")
		}
		p.closeArr()
		if n.Master != 0 {
			p.str("master", "master %s ", lc.name(n.Master))
		}
		p.str("state", "%s\n", fdbState(n.State, a.json))
		p.closeObj()
	}
	return nil
}

// fdbState is bridge's state_n2a.
func fdbState(s route.NeighState, json bool) string {
	switch {
	case s&unix.NUD_PERMANENT != 0:
		return "permanent"
	case s&unix.NUD_NOARP != 0:
		return "static"
	case s&unix.NUD_STALE != 0:
		return "stale"
	case s&unix.NUD_REACHABLE != 0:
		return ""
	case json:
		return fmt.Sprintf("%#x", uint16(s))
	}
	return fmt.Sprintf("state %#x", uint16(s))
}

// bridgeFdbModify is `bridge fdb { add | del | replace } LLADDR dev DEV [dst IP] [vlan VID] [port P] [vni VNI]
// [self] [master] [router] [extern_learn] [sticky] [local | permanent | static | temp | dynamic]`, with
// bridge's defaults: NUD_NOARP, NUD_PERMANENT unless a state is given, and self unless master is.
func (a *app) bridgeFdbModify(argv []string, op editOp) error {
	n := route.Neigh{Family: unix.AF_BRIDGE, State: unix.NUD_NOARP}
	for av := newArgs(argv); av.more(); {
		switch w := av.take(); w {
		case "dev", "dst", "vlan", "port", "vni", "via":
			v, err := av.value()
			if err != nil {
				return err
			}
			switch w {
			case "dev":
				if n.Index, err = a.ifindex(v); err != nil {
					return err
				}
			case "via":
				if n.IfIndex, err = a.ifindex(v); err != nil {
					return err
				}
			case "dst":
				if n.Dst, err = netip.ParseAddr(v); err != nil {
					return invarg("invalid address", v)
				}
			default:
				x, err := strconv.ParseUint(v, 0, 32)
				if err != nil {
					return invarg("invalid "+w, v)
				}
				switch w {
				case "vlan":
					n.Vlan = uint16(x)
				case "port":
					n.Port = uint16(x)
				case "vni":
					n.VNI = uint32(x)
				}
			}
		case "self":
			n.Flags |= route.NeighSelf
		case "master":
			n.Flags |= route.NeighMaster
		case "router":
			n.Flags |= unix.NTF_ROUTER
		case "extern_learn":
			n.Flags |= unix.NTF_EXT_LEARNED
		case "sticky":
			n.Flags |= 0x40 // NTF_STICKY
		case "local", "permanent":
			n.State = unix.NUD_PERMANENT
		case "temp", "static":
			n.State |= unix.NUD_REACHABLE
		case "dynamic":
			n.State = (n.State | unix.NUD_REACHABLE) &^ unix.NUD_NOARP
		default:
			mac, err := route.ParseHWAddr(w)
			if err != nil || n.LLAddr.IsValid() {
				return usagef("nlkit bridge fdb: unknown argument %q", w)
			}
			n.LLAddr = mac
		}
	}
	if n.Index == 0 || !n.LLAddr.IsValid() {
		return usagef("Device and address are required arguments.")
	}
	if n.Flags&(route.NeighSelf|route.NeighMaster) == 0 {
		n.Flags |= route.NeighSelf
	}
	if n.State&(unix.NUD_PERMANENT|unix.NUD_REACHABLE) == 0 {
		n.State |= unix.NUD_PERMANENT
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	switch op {
	case opDelete:
		return c.Neigh.Delete(a.ctx, n)
	case opReplace:
		return c.Neigh.Replace(a.ctx, n)
	}
	return c.Neigh.Add(a.ctx, n)
}

// bridgeMdbShow is `bridge mdb show [dev BRIDGE]`: one JSON object with every entry in "mdb" and the router
// ports in "router", as bridge 6.1 prints them.
func (a *app) bridgeMdbShow(argv []string) error {
	var dev int32
	for av := newArgs(argv); av.more(); {
		switch w := av.take(); w {
		case "dev":
			v, err := av.value()
			if err != nil {
				return err
			}
			if dev, err = a.ifindex(v); err != nil {
				return err
			}
		default:
			return usagef("nlkit bridge mdb show: unknown argument %q", w)
		}
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	mdbs, err := c.MDB().List(a.ctx, dev)
	if err != nil {
		return err
	}
	lc, err := a.linkCache()
	if err != nil {
		return err
	}
	p := a.p
	if a.json {
		p.openArr("")
		p.openObj("")
		p.openArr("mdb")
	}
	for _, m := range mdbs {
		for _, e := range m.Entries {
			p.openObj("")
			p.int("index", "", int64(m.Index))
			p.str("dev", "dev %s", lc.name(m.Index))
			p.str("port", " port %s", lc.name(e.Port))
			grp := e.Group.String()
			if !e.Group.IsValid() {
				grp = e.MAC.String()
			}
			p.str("grp", " grp %s", grp)
			if e.Source.IsValid() {
				p.str("src", " src %s", e.Source.String())
			}
			state := "temp"
			if e.State == route.MDBPermanent {
				state = "permanent"
			}
			p.str("state", " %s", state)
			if a.details > 0 {
				if e.HasGroupMode {
					mode := "exclude"
					if e.GroupMode == 1 {
						mode = "include"
					}
					p.str("filter_mode", " filter_mode %s", mode)
				}
				if len(e.Sources) > 0 {
					p.text(" source_list ")
					p.openArr("source_list")
					for i, s := range e.Sources {
						p.openObj("")
						if i > 0 {
							p.text(",")
						}
						p.str("address", "%s", s.Addr.String())
						p.str("timer", "/%s", mdbTimer(s.Timer))
						p.closeObj()
					}
					p.closeArr()
				}
				if e.Protocol != 0 {
					p.str("protocol", " proto %s ", e.Protocol.String())
				}
			}
			p.openArr("flags")
			for _, f := range []struct {
				bit  route.MDBFlags
				name string
			}{{route.MDBFlagOffload, "offload"}, {route.MDBFlagFastLeave, "fast_leave"},
				{route.MDBFlagStarExcl, "added_by_star_ex"}, {route.MDBFlagBlocked, "blocked"},
				{route.MDBFlagOffloadFail, "offload_failed"}} {
				if e.Flags&f.bit != 0 {
					p.str("", " %s", f.name)
				}
			}
			p.closeArr()
			if e.VID != 0 {
				p.uint("vid", " vid %d", uint64(e.VID))
			}
			if a.stats > 0 {
				p.str("timer", " %s", mdbTimer(e.Timer))
			}
			p.closeObj()
			p.text("\n")
		}
	}
	if a.json {
		p.closeArr()
		p.openObj("router")
	}
	for _, m := range mdbs {
		if len(m.Routers) == 0 {
			continue
		}
		if a.json {
			p.openArr(lc.name(m.Index))
		} else if a.stats == 0 {
			p.text("router ports on %s: ", lc.name(m.Index))
		}
		for _, r := range m.Routers {
			if a.json || a.stats > 0 {
				p.openObj("")
				p.str("port", "router ports on %s: ", lc.name(r.Port))
				if a.stats > 0 {
					p.str("timer", " %s", mdbTimer(r.Timer))
					p.str("type", " %s", map[bool]string{true: "permanent", false: "temp"}[r.Type == 2])
				}
				p.closeObj()
				p.text("\n")
			} else {
				p.text("%s ", lc.name(r.Port))
			}
		}
		if !a.json && a.stats == 0 {
			p.text("\n")
		}
		p.closeArr()
	}
	if a.json {
		p.closeObj()
		p.closeObj()
		p.closeArr()
		p.b = append(p.b, '\n')
	}
	return nil
}

// mdbTimer is bridge's format_timer for a timer in centiseconds: "%4i.%.2i".
func mdbTimer(cs uint32) string {
	return fmt.Sprintf("%4d.%02d", cs/100, cs%100)
}

// bridgeMdbModify is `bridge mdb { add | del | replace } dev BRIDGE port PORT grp GROUP [src SOURCE]
// [permanent | temp] [vid VID] [proto PROTO]`.
func (a *app) bridgeMdbModify(argv []string, op editOp) error {
	var e route.MDBEntry
	for av := newArgs(argv); av.more(); {
		switch w := av.take(); w {
		case "dev", "port", "grp", "src", "vid", "proto":
			v, err := av.value()
			if err != nil {
				return err
			}
			switch w {
			case "dev":
				e.Bridge, err = a.ifindex(v)
			case "port":
				e.Port, err = a.ifindex(v)
			case "grp":
				if g, gerr := netip.ParseAddr(v); gerr == nil {
					e.Group = g
				} else if mac, merr := route.ParseHWAddr(v); merr == nil {
					e.MAC = mac
				} else {
					return invarg("invalid group address", v)
				}
			case "src":
				if e.Source, err = netip.ParseAddr(v); err != nil {
					return invarg("invalid source address", v)
				}
			case "vid":
				n, perr := strconv.ParseUint(v, 10, 12)
				if perr != nil {
					return invarg("invalid VLAN ID", v)
				}
				e.VID = uint16(n)
			case "proto":
				pr, perr := parseProtocol(v)
				if perr != nil {
					return perr
				}
				e.Protocol = pr
			}
			if err != nil {
				return err
			}
		case "permanent":
			e.State = route.MDBPermanent
		case "temp":
			e.State = route.MDBTemporary
		default:
			return usagef("nlkit bridge mdb: unknown argument %q", w)
		}
	}
	if e.Bridge == 0 || e.Port == 0 || (!e.Group.IsValid() && !e.MAC.IsValid()) {
		return usagef("Device, group address and port name are required arguments.")
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	switch op {
	case opDelete:
		return c.MDB().Delete(a.ctx, e)
	case opReplace:
		return c.MDB().Replace(a.ctx, e)
	}
	return c.MDB().Add(a.ctx, e)
}

// bridgePortStates are br_port_state_names.
var bridgePortStates = [...]string{"disabled", "listening", "learning", "forwarding", "blocking"}

// bridgeLinkShow is `bridge link show [dev DEV]`: the bridge ports (the AF_BRIDGE link dump), as bridge's
// print_linkinfo prints them; -d adds the port's switches.
func (a *app) bridgeLinkShow(argv []string) error {
	var dev int32
	for av := newArgs(argv); av.more(); {
		switch w := av.take(); w {
		case "dev":
			v, err := av.value()
			if err != nil {
				return err
			}
			if dev, err = a.ifindex(v); err != nil {
				return err
			}
		default:
			return usagef("nlkit bridge link show: unknown argument %q", w)
		}
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	links, err := c.Link.List(a.ctx, &route.LinkFilter{Family: unix.AF_BRIDGE})
	if err != nil {
		return err
	}
	lc, err := a.linkCache()
	if err != nil {
		return err
	}
	p := a.p
	for _, l := range links {
		if l.Family != unix.AF_BRIDGE || (dev != 0 && l.Index != dev) {
			continue
		}
		p.openObj("")
		p.int("ifindex", "%d: ", int64(l.Index))
		if l.HasParentIndex && l.ParentIndex != l.Index {
			if l.ParentIndex == 0 {
				p.str("link", "", "NONE")
			} else {
				p.str("link", "", lc.name(l.ParentIndex))
			}
		}
		p.str("ifname", "%s", l.Name)
		if l.HasParentIndex && l.ParentIndex != l.Index {
			p.text("@%s", map[bool]string{true: "NONE", false: lc.name(l.ParentIndex)}[l.ParentIndex == 0])
		}
		p.text(": ")
		p.text("<")
		p.openArr("flags")
		for i, f := range l.Flags.Names() {
			if i > 0 {
				p.text(",")
			}
			p.str("", "%s", f)
		}
		p.closeArr()
		p.text("> ")
		if l.MTU != 0 {
			p.uint("mtu", "mtu %d ", uint64(l.MTU))
		}
		if l.Master != 0 {
			p.str("master", "master %s ", lc.name(l.Master))
		}
		if bp := l.BridgePortInfo; bp != nil {
			state := "unknown"
			if int(bp.State) < len(bridgePortStates) {
				state = bridgePortStates[bp.State]
			}
			p.str("state", "state %s ", state)
			p.uint("priority", "priority %d ", uint64(bp.Priority))
			p.uint("cost", "cost %d ", uint64(bp.Cost))
			if a.details > 0 {
				p.text("\n    ")
				onOff := func(k string, v bool) {
					if a.json {
						p.boolean(k, "", v)
						return
					}
					p.text("%s %s ", k, map[bool]string{true: "on", false: "off"}[v])
				}
				onOff("hairpin", bp.Hairpin)
				onOff("guard", bp.Guard)
				onOff("root_block", bp.Protect)
				onOff("fastleave", bp.FastLeave)
				onOff("learning", bp.Learning)
				onOff("flood", bp.UnicastFlood)
				onOff("mcast_flood", bp.McastFlood)
				onOff("bcast_flood", bp.BcastFlood)
				p.uint("mcast_router", "mcast_router %d ", uint64(bp.MulticastRouter))
				onOff("mcast_to_unicast", bp.McastToUcast)
				onOff("neigh_suppress", bp.NeighSuppress)
				onOff("vlan_tunnel", bp.VlanTunnel)
				onOff("isolated", bp.Isolated)
				onOff("locked", bp.Locked)
			}
		}
		p.closeObj()
		p.text("\n")
	}
	return nil
}
