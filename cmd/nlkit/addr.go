package main

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

func (a *app) cmdAddr(argv []string) error {
	return runCommand("address", "Usage: nlkit address { show [ dev DEV ] [ up ] |\n"+
		"                      { add | del | replace } PREFIX [ peer PREFIX ] [ brd ADDR ] [ label L ]\n"+
		"                      [ scope S ] [ metric N ] dev DEV }", argv,
		command{showWords, func(args []string) error {
			q, err := parseAddrQuery(args)
			if err != nil {
				return err
			}
			return a.jsonList(func() error { return a.showAddrs(q) })
		}},
		command{"add", withOp(a.addrModify, opAdd)},
		command{"replace", withOp(a.addrModify, opReplace)},
		command{"delete", withOp(a.addrModify, opDelete)},
		command{"flush", a.flushAddrs})
}

// addrQuery is what `ip addr show` selects.
type addrQuery struct {
	dev string
	up  bool
}

func parseAddrQuery(argv []string) (addrQuery, error) {
	var q addrQuery
	for av := newArgs(argv); av.more(); {
		w := av.take()
		switch w {
		case "up":
			q.up = true
			continue
		case "dev":
			v, err := av.value()
			if err != nil {
				return q, err
			}
			w = v
		}
		if q.dev != "" {
			return q, usagef("Error: either \"dev\" is duplicate, or %q is a garbage.", w)
		}
		q.dev = w
	}
	return q, nil
}

// showAddrs prints the links with their addresses, as `ip addr show` does: with -4 or -6, only the links that
// have an address of that family, and without their link-layer line.
func (a *app) showAddrs(q addrQuery) error {
	lc, err := a.linkCache()
	if err != nil {
		return err
	}
	var idx int32
	if q.dev != "" {
		n, ok := lc.byName[q.dev]
		if !ok {
			return &notFoundError{msg: fmt.Sprintf("Device %q does not exist.", q.dev)}
		}
		idx = lc.list[n].Index
	}
	addrs, err := a.c.Addr.List(a.ctx, &route.AddrFilter{Family: a.family, Index: idx})
	if err != nil {
		return err
	}
	byLink := map[int32][]int{}
	for i := range addrs {
		byLink[addrs[i].Index] = append(byLink[addrs[i].Index], i)
	}
	links := lc.list
	if a.family == unix.AF_INET6 {
		// As ip: the kernel's IPv6 view of the links, which lacks qdisc, master, group, qlen and alternative
		// names. ip asks SIOCGIFTXQLEN for the qlen; the link cache has it.
		if links, err = a.c.Link.List(a.ctx, &route.LinkFilter{Family: unix.AF_INET6}); err != nil {
			return err
		}
		for i := range links {
			if l, ok := lc.link(links[i].Index); ok && links[i].TxQLen == 0 {
				links[i].TxQLen = l.TxQLen
			}
		}
	}
	for i := range links {
		l := &links[i]
		if (idx != 0 && l.Index != idx) || (q.up && !l.IsUp()) {
			continue
		}
		if a.family != 0 && len(byLink[l.Index]) == 0 {
			continue
		}
		a.p.openObj("")
		switch {
		case a.brief:
			var mine []*route.Addr
			for _, n := range byLink[l.Index] {
				mine = append(mine, &addrs[n])
			}
			a.printAddrsBrief(l, mine)
		case a.oneline: // as ip -o: no link line, each address on its own line after "INDEX: NAME"
			a.p.openArr("addr_info")
			for _, n := range byLink[l.Index] {
				a.p.openObj("")
				a.printAddr(&addrs[n], false, true)
				a.p.closeObj()
			}
			a.p.closeArr()
		default:
			a.printLink(l, linkStyle{queue: true, linkLayer: a.family == 0})
			a.p.openArr("addr_info")
			for _, n := range byLink[l.Index] {
				a.p.openObj("")
				a.printAddr(&addrs[n], false, false)
				a.p.closeObj()
			}
			a.p.closeArr()
			if a.stats > 0 {
				a.printLinkStats(l)
			}
		}
		a.p.closeObj()
	}
	return nil
}

// printAddr prints one address as ip's print_addrinfo does. monitor adds the link ("8: eth0"), as ip monitor.
func (a *app) printAddr(ad *route.Addr, deleted, monitor bool) {
	p := a.p
	if !p.json {
		a.appendText(deleted, func(b []byte) []byte {
			if monitor {
				b = fmt.Appendf(b, "%d: %s", ad.Index, a.links.name(ad.Index))
			}
			return ad.AppendFormat(append(b, "    "...), nil)
		})
		return
	}
	if deleted {
		p.boolean("deleted", "", true)
	}
	if monitor {
		p.int("index", "", int64(ad.Index))
		p.jstr("dev", a.links.name(ad.Index))
	}
	if name := route.FamilyName(ad.Family); name != "???" {
		p.jstr("family", name)
	} else {
		p.int("family_index", "", int64(ad.Family))
	}
	p.jstr("local", ad.Local.String())
	if ad.Peer.IsValid() {
		p.jstr("address", ad.Peer.String())
	}
	p.int("prefixlen", "", int64(ad.PrefixLen))
	if ad.RoutePriority != 0 {
		p.uint("metric", "", uint64(ad.RoutePriority))
	}
	for _, x := range []struct {
		a   netip.Addr
		key string
	}{{ad.Broadcast, "broadcast"}, {ad.Anycast, "anycast"}, {ad.Multicast, "multicast"}} {
		if x.a.IsValid() {
			p.jstr(x.key, x.a.String())
		}
	}
	p.jstr("scope", ad.Scope.String())
	for _, n := range ad.Flags.Names(ad.Family) {
		p.boolean(n, "", true)
	}
	if rest := ad.Flags &^ knownAddrFlags; rest != 0 {
		p.jstr("ifa_flags", fmt.Sprintf("%02x", uint32(rest)))
	}
	if ad.Protocol != 0 {
		p.jstr("protocol", route.AddrProtocolName(ad.Protocol))
	}
	if ad.Label != "" {
		p.jstr("label", ad.Label)
	}
	if ci := ad.CacheInfo; ci != (route.AddrCacheInfo{}) {
		a.printLifetime("valid_life_time", ci.Valid, false)
		a.printLifetime("preferred_life_time", ci.Preferred, ad.Flags&route.AddrDeprecated != 0)
	}
}

// knownAddrFlags are the IFA_F_* flags ip names (IFA_F_SECONDARY ... IFA_F_STABLE_PRIVACY).
const knownAddrFlags = route.AddrFlags(0xfff)

func (a *app) printLifetime(key string, v uint32, signed bool) {
	if signed && v != route.Forever {
		a.p.int(key, "", int64(int32(v)))
	} else {
		a.p.uint(key, "", uint64(v))
	}
}

// addrModify is `ip addr add|replace|del [local] PREFIX [peer PREFIX] [broadcast ADDR|+|-] [anycast ADDR]
// [label L] [scope S] [metric N] [proto P] [valid_lft T] [preferred_lft T] [FLAGS] dev DEV`.
func (a *app) addrModify(argv []string, op editOp) error {
	var ad route.Addr
	var local, peer netip.Prefix
	dev, brd := "", ""
	scoped, lifetimes := false, false
	ad.CacheInfo = route.AddrCacheInfo{Valid: route.Forever, Preferred: route.Forever}
	for av := newArgs(argv); av.more(); {
		w := av.take()
		if f, ok := addrConfFlag(w); ok {
			ad.Flags |= f
			continue
		}
		switch w {
		case "peer", "remote", "broadcast", "brd", "anycast", "label", "scope", "metric", "priority",
			"preference", "proto", "valid_lft", "preferred_lft", "dev", "local":
		default:
			if local.IsValid() {
				return usagef("Error: either \"local\" is duplicate, or %q is a garbage.", w)
			}
			pr, _, err := parsePrefix(w, a.family)
			if err != nil {
				return err
			}
			local = pr
			continue
		}
		v, err := av.value()
		if err != nil {
			return err
		}
		switch w {
		case "local":
			if local, _, err = parsePrefix(v, a.family); err != nil {
				return err
			}
		case "peer", "remote":
			if peer, _, err = parsePrefix(v, a.family); err != nil {
				return err
			}
		case "broadcast", "brd":
			brd = v
		case "anycast":
			if ad.Anycast, err = parseAddr(v, a.family); err != nil {
				return err
			}
		case "label":
			ad.Label = v
		case "scope":
			if ad.Scope, err = parseScope(v); err != nil {
				return err
			}
			scoped = true
		case "metric", "priority", "preference":
			if ad.RoutePriority, err = parseU32(v, "metric"); err != nil {
				return err
			}
		case "proto":
			n, err := strconv.ParseUint(v, 0, 8)
			if err != nil {
				return invarg("\"proto\" value is invalid", v)
			}
			ad.Protocol = route.Protocol(n)
		case "valid_lft", "preferred_lft":
			t := uint32(route.Forever)
			if v != "forever" {
				if t, err = parseU32(v, w); err != nil {
					return err
				}
			}
			if w == "valid_lft" {
				ad.CacheInfo.Valid = t
			} else {
				ad.CacheInfo.Preferred = t
			}
			lifetimes = true
		case "dev":
			dev = v
		}
	}
	if dev == "" {
		return usagef("Not enough information: \"dev\" argument is required.")
	}
	if !local.IsValid() {
		return usagef("Not enough information: address is required.")
	}
	ad.Local, ad.PrefixLen, ad.Family = local.Addr(), uint8(local.Bits()), familyOf(local.Addr())
	if peer.IsValid() {
		ad.Peer, ad.PrefixLen = peer.Addr(), uint8(peer.Bits())
	}
	if !lifetimes {
		ad.CacheInfo = route.AddrCacheInfo{}
	} else if ad.CacheInfo.Preferred > ad.CacheInfo.Valid {
		return usagef("preferred_lft is greater than valid_lft")
	}
	if err := setBroadcast(&ad, brd); err != nil {
		return err
	}
	if !scoped && op != opDelete && ad.Local.Is4() && ad.Local.As4()[0] == 127 {
		ad.Scope = route.ScopeHost // ip's default_scope
	}
	idx, err := a.ifindex(dev)
	if err != nil {
		return err
	}
	ad.Index = idx
	return edit(a.ctx, a.c.Addr, op, ad)
}

// addrConfFlag reads the IFA_F_* flags ip addr add accepts.
func addrConfFlag(w string) (route.AddrFlags, bool) {
	switch w {
	case "home":
		return route.AddrHomeAddress, true
	case "nodad":
		return route.AddrNoDAD, true
	case "optimistic":
		return route.AddrOptimistic, true
	case "mngtmpaddr":
		return route.AddrManageTemp, true
	case "noprefixroute":
		return route.AddrNoPrefixRoute, true
	case "autojoin":
		return route.AddrMcAutoJoin, true
	}
	return 0, false
}

// setBroadcast applies `brd ADDR`, `brd +` (all host bits set) or `brd -` (all host bits clear).
func setBroadcast(ad *route.Addr, brd string) error {
	switch brd {
	case "":
		return nil
	case "+", "-":
		if !ad.Local.Is4() || ad.PrefixLen >= 31 {
			return nil
		}
		b := ad.Local.As4()
		host := uint32(1)<<(32-ad.PrefixLen) - 1
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		if brd == "+" {
			v |= host
		} else {
			v &^= host
		}
		ad.Broadcast = netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
		return nil
	}
	b, err := parseAddr(brd, familyOf(ad.Local))
	if err != nil {
		return err
	}
	ad.Broadcast = b
	return nil
}
