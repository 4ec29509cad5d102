//go:build linux

package route

import (
	"fmt"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

// testLinks is a link table for FormatOptions.Link: v0 (2, up), v1 (3, down), gre1 (4, an IPv4 GRE tunnel).
func testLinks() func(int32) (*Link, bool) {
	links := map[int32]*Link{
		2: {Index: 2, Name: "v0", Flags: LinkUp, Type: unix.ARPHRD_ETHER},
		3: {Index: 3, Name: "v1", Type: unix.ARPHRD_ETHER},
		4: {Index: 4, Name: "gre1", Flags: LinkUp, Type: unix.ARPHRD_IPGRE},
	}
	return func(i int32) (*Link, bool) { l, ok := links[i]; return l, ok }
}

func mustHW(t *testing.T, s string) HWAddr {
	t.Helper()
	a, err := ParseHWAddr(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// formatCase is one object, its options and the text it must give.
type formatCase struct {
	name string
	obj  interface {
		fmt.Stringer
	}
	format func(*FormatOptions) string
	opts   *FormatOptions
	want   string
}

// check compares Format(opts) with want, and, with no options, String and fmt's %v with it too.
func (c formatCase) check(t *testing.T) {
	t.Helper()
	if got := c.format(c.opts); got != c.want {
		t.Errorf("%s: Format:\n got %q\nwant %q", c.name, got, c.want)
	}
	if c.opts == nil {
		if got := c.obj.String(); got != c.want {
			t.Errorf("%s: String:\n got %q\nwant %q", c.name, got, c.want)
		}
		if got := fmt.Sprint(c.obj); got != c.want {
			t.Errorf("%s: fmt.Sprint:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}

func routeCase(name string, r Route, o *FormatOptions, want string) formatCase {
	return formatCase{name, r, r.Format, o, want}
}

func TestRouteFormat(t *testing.T) {
	names := &FormatOptions{Link: testLinks()}
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr
	connected := Route{Family: unix.AF_INET, Dst: pfx("10.0.0.0/24"), OIF: 2, Table: TableMain, Type: TypeUnicast,
		Protocol: ProtocolKernel, Scope: ScopeLink, Extra: &RouteExtra{PrefSrc: addr("10.0.0.1")}}
	for _, c := range []formatCase{
		// A route without a gateway prints no "via" at all.
		routeCase("connected", connected, nil, "10.0.0.0/24 dev if2 proto kernel scope link src 10.0.0.1 "),
		routeCase("connected, named", connected, names, "10.0.0.0/24 dev v0 proto kernel scope link src 10.0.0.1 "),
		routeCase("filter fixed dev, proto, scope", connected,
			&FormatOptions{Link: testLinks(), OmitDev: true, OmitProtocol: true, OmitScope: true},
			"10.0.0.0/24 src 10.0.0.1 "),
		routeCase("unknown link", Route{Family: unix.AF_INET, Dst: pfx("10.1.0.0/16"), OIF: 9, Table: TableMain,
			Type: TypeUnicast, Protocol: ProtocolBoot}, names, "10.1.0.0/16 dev if9 "),
		routeCase("default via", Route{Family: unix.AF_INET, Dst: pfx("0.0.0.0/0"), Gateway: addr("10.0.0.254"),
			OIF: 2, Table: TableMain, Type: TypeUnicast, Protocol: ProtocolStatic, Priority: 10, HasPriority: true},
			names, "default via 10.0.0.254 dev v0 proto static metric 10 "),
		routeCase("host route, onlink", Route{Family: unix.AF_INET, Dst: pfx("10.2.0.1/32"),
			Gateway: addr("10.0.0.9"), OIF: 2, Table: 100, Type: TypeUnicast, Protocol: ProtocolBoot,
			Flags: unix.RTNH_F_ONLINK}, names, "10.2.0.1 via 10.0.0.9 dev v0 table 100 onlink "),
		routeCase("table given", Route{Family: unix.AF_INET, Dst: pfx("10.2.0.0/24"), OIF: 2, Table: 100,
			Type: TypeUnicast, Protocol: ProtocolBoot}, &FormatOptions{Link: testLinks(), OmitTable: true},
			"10.2.0.0/24 dev v0 "),
		routeCase("blackhole", Route{Family: unix.AF_INET, Dst: pfx("10.8.0.0/16"), Table: TableMain,
			Type: TypeBlackhole, Protocol: ProtocolBoot}, nil, "blackhole 10.8.0.0/16 "),
		routeCase("unreachable, bgp", Route{Family: unix.AF_INET, Dst: pfx("10.8.1.0/24"), Table: TableMain,
			Type: TypeUnreachable, Protocol: ProtocolBGP}, nil, "unreachable 10.8.1.0/24 proto bgp "),
		routeCase("protocol number", Route{Family: unix.AF_INET, Dst: pfx("10.8.2.0/24"), OIF: 2, Table: TableMain,
			Type: TypeUnicast, Protocol: 200}, names, "10.8.2.0/24 dev v0 proto 200 "),
		routeCase("local table", Route{Family: unix.AF_INET, Dst: pfx("10.0.0.1/32"), OIF: 2, Table: TableLocal,
			Type: TypeLocal, Protocol: ProtocolKernel, Scope: ScopeHost, Extra: &RouteExtra{PrefSrc: addr("10.0.0.1")}},
			names, "local 10.0.0.1 dev v0 table local proto kernel scope host src 10.0.0.1 "),
		routeCase("default table", Route{Family: unix.AF_INET, Dst: pfx("10.3.0.0/24"), OIF: 3, Table: TableDefault,
			Type: TypeUnicast, Protocol: ProtocolBoot}, names, "10.3.0.0/24 dev v1 table default "),
		routeCase("IPv6", Route{Family: unix.AF_INET6, Dst: pfx("2001:db8::/64"), OIF: 2, Table: TableMain,
			Type: TypeUnicast, Protocol: ProtocolKernel, Priority: 256, HasPriority: true, HasPref: true},
			names, "2001:db8::/64 dev v0 proto kernel metric 256 pref medium"),
		routeCase("IPv6 default, high preference, source-specific", Route{Family: unix.AF_INET6, Dst: pfx("::/0"),
			Gateway: addr("fe80::1"), OIF: 2, Table: TableMain, Type: TypeUnicast, Protocol: ProtocolRA,
			Priority: 1024, HasPriority: true, Pref: 1, HasPref: true,
			Extra: &RouteExtra{Src: pfx("2001:db8:5::/48")}},
			names, "default from 2001:db8:5::/48 via fe80::1 dev v0 proto ra metric 1024 pref high"),
		routeCase("IPv6 host route, low", Route{Family: unix.AF_INET6, Dst: pfx("2001:db8::5/128"), OIF: 2,
			Table: TableMain, Type: TypeUnicast, Protocol: ProtocolBoot, Pref: 3, HasPref: true}, names,
			"2001:db8::5 dev v0 pref low"),
		routeCase("multipath", Route{Family: unix.AF_INET, Dst: pfx("10.9.0.0/16"), Table: TableMain,
			Type: TypeUnicast, Protocol: ProtocolStatic, Extra: &RouteExtra{MultiPath: []Hop{
				{OIF: 2, Gateway: addr("10.0.0.2")},
				{OIF: 3, Gateway: addr("10.0.1.2"), Hops: 4, Flags: unix.RTNH_F_LINKDOWN | unix.RTNH_F_DEAD},
				{OIF: 9}}}}, names,
			"10.9.0.0/16 proto static \n\tnexthop via 10.0.0.2 dev v0 weight 1 "+
				"\n\tnexthop via 10.0.1.2 dev v1 weight 5 dead linkdown \n\tnexthop dev if9 weight 1 "),
		routeCase("IPv6 multipath", Route{Family: unix.AF_INET6, Dst: pfx("2001:db8:9::/48"), Table: TableMain,
			Type: TypeUnicast, Protocol: ProtocolBoot, Priority: 1024, HasPriority: true, HasPref: true,
			Extra: &RouteExtra{MultiPath: []Hop{{OIF: 2, Gateway: addr("fe80::2")}, {OIF: 3, Gateway: addr("fe80::3")}}}},
			names, "2001:db8:9::/48 metric 1024 pref medium\n\tnexthop via fe80::2 dev v0 weight 1 "+
				"\n\tnexthop via fe80::3 dev v1 weight 1 "),
		routeCase("via inet6, nhid, tos, mark, realms, uid", Route{Family: unix.AF_INET, Dst: pfx("10.4.0.0/24"),
			OIF: 2, Table: TableMain, Type: TypeUnicast, Protocol: ProtocolBoot, TOS: 0x10, NexthopID: 7,
			Extra: &RouteExtra{Via: addr("fe80::7"), Mark: 0x20, Flow: 1<<16 | 2, UID: 1000, HasUID: true}},
			names, "10.4.0.0/24 nhid 7 tos 0x10 via inet6 fe80::7 dev v0 mark 0x20 realms 1/2 uid 1000 "),
		routeCase("metrics, iif", Route{Family: unix.AF_INET, Dst: pfx("10.5.0.0/24"), OIF: 2, Table: TableMain,
			Type: TypeUnicast, Protocol: ProtocolBoot, Extra: &RouteExtra{IIF: 3, Flow: 5, Metrics: Metrics{
				MTU: 1400, Lock: 1 << unix.RTAX_MTU, RTT: 1500 * 8, RTOMin: 200, HopLimit: 0xffffffff,
				Features: unix.RTAX_FEATURE_ECN, CCAlgo: "cubic"}}}, names,
			"10.5.0.0/24 dev v0 realm 5 mtu lock 1400 rtt 1.5s features ecn rto_min 200ms congctl cubic iif v1 "),
		routeCase("cloned (route get)", Route{Family: unix.AF_INET, Dst: pfx("127.0.0.1/32"), OIF: 1,
			Table: TableLocal, Type: TypeLocal, Protocol: ProtocolKernel, Scope: ScopeHost,
			Flags: unix.RTM_F_CLONED | 0x80000000, Extra: &RouteExtra{PrefSrc: addr("127.0.0.1"),
				CacheInfo: RouteCacheInfo{Expires: 300, Error: 2}}}, nil,
			"local 127.0.0.1 dev if1 table local src 127.0.0.1 \n    cache <local> expires 3sec error 2 "),
		routeCase("zero route", Route{}, nil, "unspec default proto unspec "),
	} {
		c.check(t)
	}
}

func TestLinkFormat(t *testing.T) {
	names := &FormatOptions{Link: testLinks()}
	veth := Link{Index: 5, Name: "v2", Type: unix.ARPHRD_ETHER, MTU: 1500, Qdisc: "noqueue", OperState: OperUp,
		TxQLen: 1000, Flags: unix.IFF_BROADCAST | unix.IFF_MULTICAST | unix.IFF_UP | unix.IFF_RUNNING | LinkLowerUp,
		Address: mustHW(t, "02:00:00:00:00:05"), Broadcast: mustHW(t, "ff:ff:ff:ff:ff:ff"),
		ParentIndex: 3, HasParentIndex: true, Master: 2}
	peerNS := veth
	peerNS.HasLinkNetNSID, peerNS.LinkNetNSID, peerNS.Master = true, 0, 0
	lo := Link{Index: 1, Name: "lo", Type: unix.ARPHRD_LOOPBACK, MTU: 65536, Qdisc: "noqueue", OperState: OperUnknown,
		TxQLen: 1000, Flags: unix.IFF_LOOPBACK | unix.IFF_UP | unix.IFF_RUNNING | LinkLowerUp,
		Address: mustHW(t, "00:00:00:00:00:00"), Broadcast: mustHW(t, "00:00:00:00:00:00")}
	down := Link{Index: 6, Name: "ifb0", Type: unix.ARPHRD_ETHER, MTU: 1500, Qdisc: "noop", OperState: OperDown,
		TxQLen: 32, Flags: unix.IFF_BROADCAST | unix.IFF_NOARP, Address: mustHW(t, "02:00:00:00:00:06"),
		Broadcast: mustHW(t, "ff:ff:ff:ff:ff:ff"), Alias: "uplink", AltNames: []string{"ifb-zero", "ifb-0"}, Group: 7,
		LinkMode: 1}
	gre := Link{Index: 7, Name: "gre1", Type: unix.ARPHRD_IPGRE, MTU: 1476, Qdisc: "noop", OperState: OperDown,
		Flags: unix.IFF_POINTOPOINT | unix.IFF_NOARP, HasParentIndex: true,
		Address: HWAddrFrom([]byte{10, 0, 0, 1}), Broadcast: HWAddrFrom([]byte{10, 0, 0, 2})}
	link := func(name string, l Link, o *FormatOptions, want string) formatCase {
		return formatCase{name, l, l.Format, o, want}
	}
	for _, c := range []formatCase{
		link("lo", lo, nil, "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT "+
			"group default qlen 1000\n    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00"),
		// Without a link table nothing says the parent is down: no M-DOWN.
		link("veth", veth, nil, "5: v2@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master if2 "+
			"state UP mode DEFAULT group default qlen 1000\n    link/ether 02:00:00:00:00:05 brd ff:ff:ff:ff:ff:ff"),
		link("veth, named, parent down", veth, names, "5: v2@v1: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 "+
			"qdisc noqueue master v0 state UP mode DEFAULT group default qlen 1000\n"+
			"    link/ether 02:00:00:00:00:05 brd ff:ff:ff:ff:ff:ff"),
		link("veth peer in another namespace", peerNS, names, "5: v2@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 "+
			"qdisc noqueue state UP mode DEFAULT group default qlen 1000\n"+
			"    link/ether 02:00:00:00:00:05 brd ff:ff:ff:ff:ff:ff link-netnsid 0"),
		link("ip addr view", veth, &FormatOptions{Link: testLinks(), LinkView: LinkViewAddr},
			"5: v2@v1: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue master v0 state UP "+
				"group default qlen 1000\n    link/ether 02:00:00:00:00:05 brd ff:ff:ff:ff:ff:ff"),
		link("ip -4 addr view", veth, &FormatOptions{Link: testLinks(), LinkView: LinkViewAddr, OmitLinkLayer: true},
			"5: v2@v1: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue master v0 state UP "+
				"group default qlen 1000"),
		link("monitor view", veth, &FormatOptions{Link: testLinks(), LinkView: LinkViewMonitor},
			"5: v2@v1: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue master v0 state UP "+
				"group default \n    link/ether 02:00:00:00:00:05 brd ff:ff:ff:ff:ff:ff"),
		link("down, alias, altnames, group", down, nil, "6: ifb0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN "+
			"mode DORMANT group 7 qlen 32\n    link/ether 02:00:00:00:00:06 brd ff:ff:ff:ff:ff:ff"+
			"\n    alias uplink\n    altname ifb-zero\n    altname ifb-0"),
		link("tunnel bound to no device", gre, nil, "7: gre1@NONE: <POINTOPOINT,NOARP> mtu 1476 qdisc noop "+
			"state DOWN mode DEFAULT group default \n    link/gre 10.0.0.1 peer 10.0.0.2"),
		link("no carrier, unknown flag, unknown state", Link{Index: 8, Name: "x", Type: 0xfff0, MTU: 9000,
			OperState: 9, Flags: unix.IFF_UP | 1<<20}, nil,
			"8: x: <NO-CARRIER,UP,100000> mtu 9000 state 0x9 mode DEFAULT group default \n    link/[65520] "),
	} {
		c.check(t)
	}
}

func TestAddrFormat(t *testing.T) {
	addr := netip.MustParseAddr
	forever := AddrCacheInfo{Valid: Forever, Preferred: Forever}
	a := func(name string, ad Addr, want string) formatCase { return formatCase{name, ad, ad.Format, nil, want} }
	for _, c := range []formatCase{
		a("IPv4", Addr{Family: unix.AF_INET, PrefixLen: 24, Index: 2, Local: addr("10.0.0.1"), Flags: AddrPermanent,
			Broadcast: addr("10.0.0.255"), Label: "v0", CacheInfo: forever},
			"inet 10.0.0.1/24 brd 10.0.0.255 scope global v0\n       valid_lft forever preferred_lft forever"),
		a("IPv4 secondary, label, metric, noprefixroute", Addr{Family: unix.AF_INET, PrefixLen: 24, Index: 2,
			Local: addr("10.6.0.1"), Flags: AddrPermanent | AddrSecondary | AddrNoPrefixRoute, RoutePriority: 50,
			Label: "v0:1", CacheInfo: forever},
			"inet 10.6.0.1/24 metric 50 scope global secondary noprefixroute v0:1\n"+
				"       valid_lft forever preferred_lft forever"),
		a("peer", Addr{Family: unix.AF_INET, PrefixLen: 32, Index: 2, Local: addr("10.5.0.1"), Peer: addr("10.5.0.2"),
			Flags: AddrPermanent, Label: "v0"}, "inet 10.5.0.1 peer 10.5.0.2/32 scope global v0"),
		a("IPv6 with lifetimes", Addr{Family: unix.AF_INET6, PrefixLen: 64, Index: 2, Local: addr("2001:db8:1::1"),
			Flags: AddrNoDAD, CacheInfo: AddrCacheInfo{Valid: 3600, Preferred: 1800}},
			"inet6 2001:db8:1::1/64 scope global nodad dynamic \n       valid_lft 3600sec preferred_lft 1800sec"),
		a("IPv6 link-local, temporary, deprecated", Addr{Family: unix.AF_INET6, PrefixLen: 64, Index: 2,
			Local: addr("fe80::1"), Scope: ScopeLink, Flags: AddrSecondary | AddrDeprecated | 0x1000,
			Protocol: 3, CacheInfo: AddrCacheInfo{Valid: 10, Preferred: 0xfffffff6}},
			"inet6 fe80::1/64 scope link temporary deprecated dynamic flags 1000 proto kernel_ll \n"+
				"       valid_lft 10sec preferred_lft -10sec"),
		a("anycast, multicast, unknown family", Addr{Family: 99, PrefixLen: 8, Local: addr("10.0.0.1"),
			Anycast: addr("10.0.0.2"), Multicast: addr("224.0.0.1"), Scope: ScopeHost, Flags: AddrPermanent},
			"family 99 10.0.0.1/8 any 10.0.0.2 mcast 224.0.0.1 scope host "),
	} {
		c.check(t)
	}
	// Errors and events keep the address in brief.
	ad := Addr{Local: addr("10.5.0.1"), Peer: addr("10.5.0.2"), PrefixLen: 32, Index: 2}
	if got, want := ad.describe(), "10.5.0.1 peer 10.5.0.2/32 dev 2"; got != want {
		t.Errorf("describe: %q, want %q", got, want)
	}
}

func TestNeighFormat(t *testing.T) {
	addr := netip.MustParseAddr
	names := &FormatOptions{Link: testLinks()}
	n := func(name string, ne Neigh, o *FormatOptions, want string) formatCase {
		return formatCase{name, ne, ne.Format, o, want}
	}
	reach := Neigh{Family: unix.AF_INET, Index: 2, Dst: addr("10.0.0.2"), LLAddr: mustHW(t, "02:00:00:00:00:02"),
		State: NeighReachable, Flags: NeighRouter}
	for _, c := range []formatCase{
		n("reachable router", reach, nil, "10.0.0.2 dev if2 lladdr 02:00:00:00:00:02 router REACHABLE "),
		n("named", reach, names, "10.0.0.2 dev v0 lladdr 02:00:00:00:00:02 router REACHABLE "),
		n("dev given", reach, &FormatOptions{Link: testLinks(), OmitDev: true},
			"10.0.0.2 lladdr 02:00:00:00:00:02 router REACHABLE "),
		n("IPv6 permanent, static", Neigh{Family: unix.AF_INET6, Index: 3, Dst: addr("2001:db8::9"),
			LLAddr: mustHW(t, "02:00:00:00:00:0a"), State: NeighPermanent, Protocol: ProtocolStatic}, names,
			"2001:db8::9 dev v1 lladdr 02:00:00:00:00:0a PERMANENT proto static "),
		n("failed", Neigh{Family: unix.AF_INET, Index: 2, Dst: addr("10.0.0.3"), State: NeighFailed}, names,
			"10.0.0.3 dev v0 FAILED "),
		n("proxy", Neigh{Family: unix.AF_INET, Index: 2, Dst: addr("10.0.0.4"), Flags: NeighProxy}, names,
			"10.0.0.4 dev v0 proxy "),
		n("tunnel lladdr", Neigh{Family: unix.AF_INET, Index: 4, Dst: addr("10.0.0.5"),
			LLAddr: HWAddrFrom([]byte{192, 0, 2, 1}), State: NeighStale | NeighDelay}, names,
			"10.0.0.5 dev gre1 lladdr 192.0.2.1 STALE DELAY "),
		n("tunnel lladdr, no link table", Neigh{Family: unix.AF_INET, Index: 4, Dst: addr("10.0.0.5"),
			LLAddr: HWAddrFrom([]byte{192, 0, 2, 1}), State: NeighStale}, nil,
			"10.0.0.5 dev if4 lladdr c0:00:02:01 STALE "),
	} {
		c.check(t)
	}
}

func TestRuleFormat(t *testing.T) {
	pfx := netip.MustParsePrefix
	r := func(name string, ru Rule, want string) formatCase { return formatCase{name, ru, ru.Format, nil, want} }
	for _, c := range []formatCase{
		r("local", Rule{Family: unix.AF_INET, Table: TableLocal, Action: RuleToTable, Protocol: ProtocolKernel},
			"0:\tfrom all lookup local"),
		r("main", Rule{Family: unix.AF_INET, Priority: 32766, Table: TableMain, Action: RuleToTable,
			Protocol: ProtocolKernel}, "32766:\tfrom all lookup main"),
		r("fwmark", Rule{Family: unix.AF_INET, Priority: 100, Table: 100, Mark: 0x10, Mask: 0xff, HasMask: true,
			Action: RuleToTable, Protocol: ProtocolBoot}, "100:\tfrom all fwmark 0x10/0xff lookup 100 proto boot"),
		r("from to iif", Rule{Family: unix.AF_INET, Priority: 200, Table: 200, Src: pfx("10.0.0.0/8"),
			Dst: pfx("10.9.0.0/16"), IIFName: "v0", Action: RuleToTable},
			"200:\tfrom 10.0.0.0/8 to 10.9.0.0/16 iif v0 lookup 200"),
		r("not, goto", Rule{Family: unix.AF_INET, Priority: 250, Src: pfx("10.3.0.0/16"), Flags: unix.FIB_RULE_INVERT,
			Action: RuleGoto, Goto: 32766}, "250:\tnot from 10.3.0.0/16 goto 32766"),
		r("uidrange prohibit", Rule{Family: unix.AF_INET, Priority: 300, UIDStart: 0, UIDEnd: 10, HasUIDRange: true,
			Action: RuleProhibit}, "300:\tfrom all uidrange 0-10 prohibit"),
		r("IPv6 host, oif detached, ports", Rule{Family: unix.AF_INET6, Priority: 400, Src: pfx("2001:db8::1/128"),
			OIFName: "v9", Flags: unix.FIB_RULE_OIF_DETACHED, IPProto: unix.IPPROTO_TCP, SPortStart: 80, SPortEnd: 80,
			DPortStart: 1000, DPortEnd: 2000, Table: 300, Action: RuleToTable, Protocol: 186},
			"400:\tfrom 2001:db8::1 oif v9 [detached] ipproto tcp sport 80 dport 1000-2000 lookup 300 proto bgp"),
		r("nop, tos, suppress, realms", Rule{Family: unix.AF_INET, Priority: 5, TOS: 0x10, Table: TableMain,
			SuppressPrefixLen: 0, HasSuppressPrefixLen: true, Flow: 3, Action: RuleNop},
			"5:\tfrom all tos 0x10 lookup main suppress_prefixlength 0 realms 3 nop"),
		r("goto unresolved", Rule{Family: unix.AF_INET, Priority: 6, Action: RuleGoto, Flags: unix.FIB_RULE_UNRESOLVED},
			"6:\tfrom all goto none [unresolved]"),
	} {
		c.check(t)
	}
}

func TestNexthopFormat(t *testing.T) {
	addr := netip.MustParseAddr
	names := &FormatOptions{Link: testLinks()}
	nh := func(name string, n Nexthop, o *FormatOptions, want string) formatCase {
		return formatCase{name, n, n.Format, o, want}
	}
	gw := Nexthop{ID: 1, Family: unix.AF_INET, Gateway: addr("10.1.0.5"), OIF: 2, Scope: ScopeLink,
		Flags: unix.RTNH_F_ONLINK}
	for _, c := range []formatCase{
		nh("gateway", gw, nil, "id 1 via 10.1.0.5 dev if2 scope link onlink "),
		nh("gateway, named", gw, names, "id 1 via 10.1.0.5 dev v0 scope link onlink "),
		nh("blackhole", Nexthop{ID: 2, Blackhole: true, Protocol: ProtocolBoot}, nil, "id 2 blackhole proto boot "),
		nh("group", Nexthop{ID: 4, Group: []NexthopGroupMember{{ID: 1, Weight: 1}, {ID: 3, Weight: 5}}}, nil,
			"id 4 group 1/3,5 "),
		nh("resilient", Nexthop{ID: 5, Group: []NexthopGroupMember{{ID: 1, Weight: 1}}, GroupType: 1,
			ResGroup: &NexthopResGroup{Buckets: 32, IdleTimer: 150, UnbalancedTimer: 12000, UnbalancedTime: 7}}, nil,
			"id 5 group 1 type resilient buckets 32 idle_timer 1.5 unbalanced_timer 120 unbalanced_time 0.07 "),
		nh("IPv6 fdb", Nexthop{ID: 6, Family: unix.AF_INET6, Gateway: addr("2001:db8::6"), FDB: true}, nil,
			"id 6 via 2001:db8::6 fdb "),
	} {
		c.check(t)
	}
}

func TestFormatNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{LinkTypeName(unix.ARPHRD_ETHER), "ether"}, {LinkTypeName(0xfffe), "none"}, {LinkTypeName(9), "[9]"},
		{FamilyName(unix.AF_INET6), "inet6"}, {FamilyName(200), "???"}, {GroupName(0), "default"},
		{GroupName(5), "5"}, {AddrProtocolName(1), "kernel_lo"}, {AddrProtocolName(9), "9"},
		{IPProtoName(unix.IPPROTO_ICMPV6), "ipv6-icmp"}, {IPProtoName(50), "50"},
		{TicksSeconds(0), "0"}, {TicksSeconds(1), "0.01"}, {TicksSeconds(123456789), "1.23457e+06"},
		{fmt.Sprint(RouteFlagNames(unix.RTNH_F_ONLINK | unix.RTM_F_OFFLOAD | 1<<30)), "[onlink rt_offload]"},
		{fmt.Sprint(CacheFlagNames(0x80000000 | 0x00010000 | 0x2 | 0x02000000)), "[local notify 2000000]"},
		{fmt.Sprint(NeighFlags(NeighExtLearned | NeighRouter).Names()), "[router extern_learn]"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// BenchmarkRouteAppendFormat is the cost of one route's text, as the CLI streams a dump.
func BenchmarkRouteAppendFormat(b *testing.B) {
	r := Route{Family: unix.AF_INET, Dst: netip.MustParsePrefix("10.0.0.0/24"), OIF: 2, Table: TableMain,
		Type: TypeUnicast, Protocol: ProtocolKernel, Scope: ScopeLink,
		Extra: &RouteExtra{PrefSrc: netip.MustParseAddr("10.0.0.1")}}
	o := &FormatOptions{Link: testLinks()}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = r.AppendFormat(buf[:0], o)
	}
}

// formattable is what FuzzFormat decodes and prints.
type formattable interface {
	fmt.Stringer
	UnmarshalBinary([]byte) error
	MarshalBinary() ([]byte, error)
	Format(*FormatOptions) string
	AppendFormat([]byte, *FormatOptions) []byte
}

// fuzzObjects are fresh objects of the six kinds, indexed by the fuzzer's kind byte.
func fuzzObjects() []formattable {
	return []formattable{&Route{}, &Link{}, &Addr{}, &Neigh{}, &Rule{}, &Nexthop{}}
}

// FuzzFormat decodes arbitrary payloads as each object and prints them: no input panics, String is
// Format(nil), and AppendFormat appends Format's text.
func FuzzFormat(f *testing.F) {
	addr := netip.MustParseAddr
	seeds := []formattable{
		&Route{Family: unix.AF_INET, Dst: netip.MustParsePrefix("10.9.0.0/16"), Table: 1000, Type: TypeUnicast,
			Extra: &RouteExtra{MultiPath: []Hop{{OIF: 2, Gateway: addr("10.0.0.2")}, {OIF: 9, Via: addr("fe80::1")}},
				Metrics: Metrics{MTU: 1400, RTT: 80, CCAlgo: "cubic"}, Flow: 7}},
		&Link{Index: 3, Name: "v0", MTU: 1500, Qdisc: "noqueue", Alias: "a", AltNames: []string{"b"}},
		&Addr{Family: unix.AF_INET, PrefixLen: 24, Index: 2, Local: addr("10.0.0.1"), Broadcast: addr("10.0.0.255"),
			Label: "v0", CacheInfo: AddrCacheInfo{Valid: 10, Preferred: 5}},
		&Neigh{Family: unix.AF_INET, Index: 4, Dst: addr("10.0.0.2"), LLAddr: HWAddrFrom([]byte{1, 2, 3, 4}),
			State: NeighReachable, Flags: NeighRouter},
		&Rule{Family: unix.AF_INET, Priority: 5, Table: 100, Mark: 1, IIFName: "v0", SPortStart: 1, SPortEnd: 9},
		&Nexthop{ID: 4, Group: []NexthopGroupMember{{ID: 1, Weight: 1}, {ID: 2, Weight: 3}}, GroupType: 1,
			ResGroup: &NexthopResGroup{Buckets: 8, IdleTimer: 150}},
	}
	for i, o := range seeds {
		b, err := o.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), b)
	}
	f.Fuzz(func(t *testing.T, kind uint8, b []byte) {
		objs := fuzzObjects()
		o := objs[int(kind)%len(objs)]
		if o.UnmarshalBinary(b) != nil {
			return
		}
		s := o.String()
		if got := o.Format(nil); got != s {
			t.Fatalf("Format(nil) %q, String %q", got, s)
		}
		opts := &FormatOptions{Link: testLinks(), OmitDev: kind&8 != 0, LinkView: LinkView(kind>>4) % 3}
		want := o.Format(opts)
		if got := string(o.AppendFormat([]byte("x"), opts)); got != "x"+want {
			t.Fatalf("AppendFormat %q, Format %q", got, want)
		}
	})
}

// A route prints as ip prints it, trailing space included: String names links "if<index>"; Format takes their
// names from a link table. A route without a gateway prints no "via".
func ExampleRoute_Format() {
	r := Route{Family: unix.AF_INET, Dst: netip.MustParsePrefix("10.0.0.0/24"), OIF: 2, Table: TableMain,
		Type: TypeUnicast, Protocol: ProtocolKernel, Scope: ScopeLink,
		Extra: &RouteExtra{PrefSrc: netip.MustParseAddr("10.0.0.1")}}
	fmt.Printf("%q\n", r.String())
	links := map[int32]*Link{2: {Index: 2, Name: "eth0"}}
	o := FormatOptions{Link: func(i int32) (*Link, bool) { l, ok := links[i]; return l, ok }}
	fmt.Printf("%q\n", r.Format(&o))
	// Output:
	// "10.0.0.0/24 dev if2 proto kernel scope link src 10.0.0.1 "
	// "10.0.0.0/24 dev eth0 proto kernel scope link src 10.0.0.1 "
}
