package main

import (
	"fmt"
	"net/netip"
	"strconv"

	"github.com/nlkit/nlkit/compat"
)

// printSelectedAddrinfo is print_selected_addrinfo: the addresses of one link, in dump order.
func (p *ip) printSelectedAddrinfo(ifi *compat.Ifinfomsg, addrs []*compat.Nlmsghdr) int {
	for _, n := range addrs {
		if n.Type != rtmNewaddr {
			continue
		}
		ifa := compat.NlmsgData[compat.Ifaddrmsg](n)
		if n.Len < 24 || ifa == nil {
			return -1
		}
		if int32(ifa.Index) != ifi.Index || (p.family != 0 && p.family != ifa.Family) {
			continue
		}
		p.printAddrinfo(n)
	}
	return 0
}

var ifaFlagNames = []struct {
	name string
	mask uint32
}{
	{"secondary", 0x01}, {"temporary", 0x01}, {"nodad", 0x02}, {"optimistic", 0x04}, {"dadfailed", 0x08},
	{"home", 0x10}, {"deprecated", 0x20}, {"tentative", 0x40}, {"permanent", 0x80}, {"mngtmpaddr", 0x100},
	{"noprefixroute", 0x200}, {"autojoin", 0x400}, {"stable-privacy", 0x800},
}

const (
	ifaFSecondary = 0x01
	ifaFDeprecate = 0x20
	ifaFPermanent = 0x80
	infinityLife  = 0xffffffff
)

// printIfaFlags is print_ifa_flags.
func (p *ip) printIfaFlags(ifa *compat.Ifaddrmsg, flags uint32) {
	fp := p.out
	for _, f := range ifaFlagNames {
		switch {
		case f.mask == ifaFPermanent:
			if flags&f.mask == 0 {
				fp.WriteString("dynamic ")
			}
		case flags&f.mask != 0:
			if f.mask == ifaFSecondary && ifa.Family == afInet6 {
				fp.WriteString("temporary ")
			} else {
				fp.WriteString(f.name + " ")
			}
		}
		flags &^= f.mask
	}
	if flags != 0 {
		fmt.Fprintf(fp, "flags %02x ", flags)
	}
}

// printAddrinfo is print_addrinfo.
func (p *ip) printAddrinfo(n *compat.Nlmsghdr) int {
	fp := p.out
	if n.Type != rtmNewaddr && n.Type != rtmDeladdr {
		return 0
	}
	ifa := compat.NlmsgData[compat.Ifaddrmsg](n)
	if int(n.Len)-24 < 0 || ifa == nil {
		return -1
	}
	var tb [ifaMax + 1]compat.Rtattr
	compat.ParseRtattr(tb[:], ifaMax, compat.IFA_RTA(n), int(n.Len)-24)
	ifaFlagsV := uint32(ifa.Flags)
	if tb[ifaFlags] != nil {
		ifaFlagsV = compat.RtaGetattrU32(tb[ifaFlags])
	}
	if tb[ifaLocal] == nil {
		tb[ifaLocal] = tb[ifaAddress]
	}
	if tb[ifaAddress] == nil {
		tb[ifaAddress] = tb[ifaLocal]
	}
	if p.ifindex != 0 && uint32(p.ifindex) != ifa.Index {
		return 0
	}
	if p.family != 0 && p.family != ifa.Family {
		return 0
	}
	if n.Type == rtmDeladdr {
		fp.WriteString("Deleted ")
	}
	if p.oneline {
		fmt.Fprintf(fp, "%d: %s", ifa.Index, p.cache.indexToName(int32(ifa.Index)))
	}
	if name := familyName(ifa.Family); name[0] != '?' {
		fmt.Fprintf(fp, "    %s ", name)
	} else {
		fmt.Fprintf(fp, "    family %d ", ifa.Family)
	}
	if tb[ifaLocal] != nil {
		fp.WriteString(formatHost(ifa.Family, tb[ifaLocal]))
		alen := 16
		if ifa.Family == afInet {
			alen = 4
		}
		if tb[ifaAddress] != nil && !prefixEqual(tb[ifaAddress].Data(), tb[ifaLocal].Data(), alen) {
			fp.WriteString(" peer ")
			fp.WriteString(formatHost(ifa.Family, tb[ifaAddress]))
		}
		fmt.Fprintf(fp, "/%d ", ifa.Prefixlen)
		if tb[ifaRtPriority] != nil {
			fmt.Fprintf(fp, "metric %d ", compat.RtaGetattrU32(tb[ifaRtPriority]))
		}
	}
	if tb[ifaBroadcast] != nil {
		fmt.Fprintf(fp, "brd %s ", formatHost(ifa.Family, tb[ifaBroadcast]))
	}
	if tb[ifaAnycast] != nil {
		fmt.Fprintf(fp, "any %s ", formatHost(ifa.Family, tb[ifaAnycast]))
	}
	fmt.Fprintf(fp, "scope %s ", scopeName(ifa.Scope))
	p.printIfaFlags(ifa, ifaFlagsV)
	if tb[ifaLabel] != nil {
		fp.WriteString(compat.RtaGetattrStr(tb[ifaLabel]))
	}
	if ci := compat.RtaData[compat.IfaCacheinfo](tb[ifaCacheinfo]); ci != nil {
		fp.WriteString(p.sl)
		fp.WriteString("       valid_lft ")
		if ci.Valid == infinityLife {
			fp.WriteString("forever")
		} else {
			fmt.Fprintf(fp, "%dsec", ci.Valid)
		}
		fp.WriteString(" preferred_lft ")
		switch {
		case ci.Prefered == infinityLife:
			fp.WriteString("forever")
		case ifaFlagsV&ifaFDeprecate != 0:
			fmt.Fprintf(fp, "%dsec", int32(ci.Prefered))
		default:
			fmt.Fprintf(fp, "%dsec", ci.Prefered)
		}
	}
	fp.WriteString("\n")
	return 0
}

// prefixEqual is the memcmp of print_addrinfo, which compares alen bytes whatever the payloads hold.
func prefixEqual(a, b []byte, alen int) bool {
	if len(a) < alen || len(b) < alen {
		return string(a) == string(b)
	}
	return string(a[:alen]) == string(b[:alen])
}

// familyName is family_name.
func familyName(f uint8) string {
	switch f {
	case afInet:
		return "inet"
	case afInet6:
		return "inet6"
	case afPacket:
		return "link"
	case afMpls:
		return "mpls"
	case afBridge:
		return "bridge"
	}
	return "???"
}

// formatHost is format_host_rta without name resolution: rt_addr_n2a.
func formatHost(family uint8, rta compat.Rtattr) string {
	d := rta.Data()
	switch family {
	case afInet, afInet6:
		return inetNtop(family, d)
	case afPacket:
		return llAddr(d, 0xffff)
	}
	return "???"
}

// inetNtop is inet_ntop for AF_INET and AF_INET6.
func inetNtop(family uint8, b []byte) string {
	switch {
	case family == afInet && len(b) >= 4:
		return netip.AddrFrom4([4]byte(b[:4])).String()
	case family == afInet6 && len(b) >= 16:
		return netip.AddrFrom16([16]byte(b[:16])).String()
	}
	return "???"
}

// scopeName is rtnl_rtscope_n2a with iproute2's default rt_scopes.
func scopeName(s uint8) string {
	switch s {
	case 0:
		return "global"
	case 200:
		return "site"
	case 253:
		return "link"
	case 254:
		return "host"
	case 255:
		return "nowhere"
	}
	return strconv.Itoa(int(s))
}
