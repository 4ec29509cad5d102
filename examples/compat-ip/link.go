package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nlkit/nlkit/compat"
)

// printLinkinfo is ip/ipaddress.c's print_linkinfo, without XDP, VF, statistics and the -d details.
func (p *ip) printLinkinfo(n *compat.Nlmsghdr) int {
	fp := p.out
	if n.Type != rtmNewlink && n.Type != rtmDellink {
		return 0
	}
	ifi := compat.NlmsgData[compat.Ifinfomsg](n)
	l := int(n.Len) - 32
	if l < 0 || ifi == nil {
		return -1
	}
	if p.ifindex != 0 && ifi.Index != p.ifindex {
		return -1
	}
	var tb [iflaMax + 1]compat.Rtattr
	compat.ParseRtattrFlags(tb[:], iflaMax, compat.IFLA_RTA(n), l, nlaFNested)
	if tb[iflaIfname] == nil {
		return -1
	}
	name := compat.RtaGetattrStr(tb[iflaIfname])

	if n.Type == rtmDellink {
		fp.WriteString("Deleted ")
	}
	fmt.Fprintf(fp, "%d: ", ifi.Index)
	mFlag := p.printNameAndLink("%s: ", name, tb[:])
	printLinkFlags(fp, ifi.Flags, mFlag)

	if tb[iflaMtu] != nil {
		fmt.Fprintf(fp, "mtu %d ", compat.RtaGetattrU32(tb[iflaMtu]))
	}
	if tb[iflaQdisc] != nil {
		fmt.Fprintf(fp, "qdisc %s ", compat.RtaGetattrStr(tb[iflaQdisc]))
	}
	if tb[iflaMaster] != nil {
		fmt.Fprintf(fp, "master %s ", p.cache.indexToName(compat.RtaGetattrS32(tb[iflaMaster])))
	}
	if tb[iflaOperstate] != nil {
		printOperstate(fp, compat.RtaGetattrU8(tb[iflaOperstate]))
	}
	if p.doLink && tb[iflaLinkmode] != nil {
		if mode := compat.RtaGetattrU8(tb[iflaLinkmode]); mode < 2 {
			fmt.Fprintf(fp, "mode %s ", [2]string{"DEFAULT", "DORMANT"}[mode])
		} else {
			fmt.Fprintf(fp, "mode %d ", mode)
		}
	}
	if tb[iflaGroup] != nil {
		fmt.Fprintf(fp, "group %s ", groupName(compat.RtaGetattrU32(tb[iflaGroup])))
	}
	if p.showqueue && tb[iflaTxqlen] != nil {
		if q := compat.RtaGetattrU32(tb[iflaTxqlen]); q != 0 {
			fmt.Fprintf(fp, "qlen %d", q)
		}
	}
	if tb[iflaEvent] != nil {
		printLinkEvent(fp, compat.RtaGetattrU32(tb[iflaEvent]))
	}
	if p.family == 0 || p.family == afPacket {
		fp.WriteString(p.sl)
		fmt.Fprintf(fp, "    link/%s ", llTypeName(ifi.Type))
		if tb[iflaAddress] != nil {
			fp.WriteString(llAddr(tb[iflaAddress].Data(), ifi.Type))
		}
		if tb[iflaBroadcast] != nil {
			if ifi.Flags&iffPtp != 0 {
				fp.WriteString(" peer ")
			} else {
				fp.WriteString(" brd ")
			}
			fp.WriteString(llAddr(tb[iflaBroadcast].Data(), ifi.Type))
		}
		if pa := tb[iflaPermAddress]; pa != nil {
			if tb[iflaAddress] == nil || string(tb[iflaAddress].Data()) != string(pa.Data()) {
				fp.WriteString(" permaddr " + llAddr(pa.Data(), ifi.Type))
			}
		}
	}
	if tb[iflaLinkNetnsid] != nil {
		if id := compat.RtaGetattrS32(tb[iflaLinkNetnsid]); id >= 0 {
			fmt.Fprintf(fp, " link-netnsid %d", id)
		} else {
			fp.WriteString(" link-netnsid unknown")
		}
	}
	if tb[iflaNewNetnsid] != nil {
		fmt.Fprintf(fp, " new-netnsid %d", compat.RtaGetattrS32(tb[iflaNewNetnsid]))
	}
	if tb[iflaNewIfindex] != nil {
		fmt.Fprintf(fp, " new-ifindex %d", compat.RtaGetattrS32(tb[iflaNewIfindex]))
	}
	if tb[iflaProtoDown] != nil && compat.RtaGetattrU8(tb[iflaProtoDown]) != 0 {
		fp.WriteString(" protodown on ")
	}
	if p.doLink && tb[iflaIfalias] != nil {
		fmt.Fprintf(fp, "%s    alias %s", p.sl, compat.RtaGetattrStr(tb[iflaIfalias]))
	}
	if tb[iflaPropList] != nil {
		for a := range compat.RtattrForEachNested(tb[iflaPropList]) {
			if a.Type() != iflaAltIfname {
				continue
			}
			fmt.Fprintf(fp, "%s    altname %s", p.sl, compat.RtaGetattrStr(a))
		}
	}
	fp.WriteString("\n")
	return 1
}

// printNameAndLink is lib/utils.c's print_name_and_link: "name@link", and whether the link is down (M-DOWN).
func (p *ip) printNameAndLink(format, name string, tb []compat.Rtattr) bool {
	mFlag := false
	if tb[iflaLink] != nil {
		link := ""
		if iflink := compat.RtaGetattrS32(tb[iflaLink]); iflink != 0 {
			if tb[iflaLinkNetnsid] != nil {
				link = "if" + strconv.FormatUint(uint64(uint32(iflink)), 10)
			} else {
				link = p.cache.indexToName(iflink)
				mFlag = p.cache.indexToFlags(iflink)&iffUp == 0
			}
		} else {
			link = "NONE"
		}
		name = name + "@" + link
	}
	fmt.Fprintf(p.out, format, name)
	return mFlag
}

var linkFlagNames = []struct {
	bit  uint32
	name string
}{
	{0x8, "LOOPBACK"}, {0x2, "BROADCAST"}, {0x10, "POINTOPOINT"}, {0x1000, "MULTICAST"}, {0x80, "NOARP"},
	{0x200, "ALLMULTI"}, {0x100, "PROMISC"}, {0x400, "MASTER"}, {0x800, "SLAVE"}, {0x4, "DEBUG"},
	{0x8000, "DYNAMIC"}, {0x4000, "AUTOMEDIA"}, {0x2000, "PORTSEL"}, {0x20, "NOTRAILERS"}, {0x1, "UP"},
	{0x10000, "LOWER_UP"}, {0x20000, "DORMANT"}, {0x40000, "ECHO"},
}

// printLinkFlags is print_link_flags.
func printLinkFlags(fp interface{ WriteString(string) (int, error) }, flags uint32, mdown bool) {
	var b strings.Builder
	b.WriteString("<")
	if flags&iffUp != 0 && flags&iffRunning == 0 {
		b.WriteString("NO-CARRIER,")
	}
	flags &^= iffRunning
	for _, f := range linkFlagNames {
		if flags&f.bit != 0 {
			flags &^= f.bit
			b.WriteString(f.name)
			if flags != 0 {
				b.WriteString(",")
			}
		}
	}
	if flags != 0 {
		b.WriteString(strconv.FormatUint(uint64(flags), 16))
	}
	if mdown {
		b.WriteString(",M-DOWN")
	}
	b.WriteString("> ")
	fp.WriteString(b.String())
}

var operStates = []string{"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"}

// printOperstate is print_operstate.
func printOperstate(fp interface{ WriteString(string) (int, error) }, state uint8) {
	if int(state) >= len(operStates) {
		fp.WriteString(fmt.Sprintf("state %#x", state))
		return
	}
	fp.WriteString("state " + operStates[state] + " ")
}

var linkEvents = []string{"NONE", "REBOOT", "FEATURE CHANGE", "BONDING FAILOVER", "NOTIFY PEERS", "RESEND IGMP",
	"BONDING OPTION"}

// printLinkEvent is print_link_event.
func printLinkEvent(fp interface{ WriteString(string) (int, error) }, event uint32) {
	switch {
	case int(event) >= len(linkEvents):
		fp.WriteString(fmt.Sprintf("event %d ", event))
	case event != 0:
		fp.WriteString("event " + linkEvents[event] + " ")
	}
}

// groupName is rtnl_group_n2a with iproute2's default /etc/iproute2/group.
func groupName(g uint32) string {
	if g == 0 {
		return "default"
	}
	return strconv.FormatUint(uint64(g), 10)
}

var llTypes = map[uint16]string{
	0: "netrom", 1: "ether", 2: "eether", 3: "ax25", 4: "pronet", 5: "chaos", 6: "ieee802", 7: "arcnet",
	8: "atalk", 15: "dlci", 19: "atm", 23: "metricom", 24: "ieee1394", 32: "infiniband", 256: "slip",
	257: "cslip", 258: "slip6", 259: "cslip6", 260: "rsrvd", 264: "adapt", 270: "rose", 271: "x25",
	272: "hwx25", 280: "can", 512: "ppp", 513: "hdlc", 516: "lapb", 517: "ddcmp", 518: "rawhdlc", 768: "ipip",
	769: "tunnel6", 770: "frad", 771: "skip", 772: "loopback", 773: "ltalk", 774: "fddi", 775: "bif",
	776: "sit", 777: "ip/ddp", 778: "gre", 779: "pimreg", 780: "hippi", 781: "ash", 782: "econet", 783: "irda",
	784: "fcpp", 785: "fcal", 786: "fcpl", 787: "fcfb0", 800: "tr", 801: "ieee802.11",
	802: "ieee802.11/prism", 803: "ieee802.11/radiotap", 804: "ieee802.15.4", 805: "ieee802.15.4/monitor",
	820: "phonet", 821: "phonet_pipe", 822: "caif", 823: "gre6", 824: "netlink", 825: "6lowpan",
	0xfffe: "none", 0xffff: "void",
}

// llTypeName is ll_type_n2a.
func llTypeName(t uint16) string {
	if s, ok := llTypes[t]; ok {
		return s
	}
	return "[" + strconv.Itoa(int(t)) + "]"
}

// llAddr is ll_addr_n2a.
func llAddr(addr []byte, typ uint16) string {
	if len(addr) == 4 && (typ == arphrdTunnel || typ == arphrdSit || typ == arphrdIPGRE) {
		return inetNtop(afInet, addr)
	}
	if len(addr) == 16 && (typ == arphrdTunnel6 || typ == arphrdIP6GRE) {
		return inetNtop(afInet6, addr)
	}
	var b strings.Builder
	for i, c := range addr {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02x", c)
	}
	return b.String()
}
