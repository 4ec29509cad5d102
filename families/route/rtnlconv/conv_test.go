//go:build linux

package rtnlconv

import (
	"net"
	"net/netip"
	"reflect"
	"testing"

	rtnetlink "github.com/jsimonetti/rtnetlink/v2"
	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

func mac(s string) route.HWAddr {
	a, err := route.ParseHWAddr(s)
	if err != nil {
		panic(err)
	}
	return a
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }
func u8(v uint8) *uint8         { return &v }
func u16(v uint16) *uint16      { return &v }
func u32(v uint32) *uint32      { return &v }
func str(v string) *string      { return &v }
func netIP(s string) *net.IP    { v := net.ParseIP(s); return &v }

var links = []route.Link{
	{},
	{Index: 1, Name: "lo", Type: unix.ARPHRD_LOOPBACK, Flags: route.LinkUp | route.LinkLoop | route.LinkRunning,
		MTU: 65536, TxQLen: 1000, OperState: route.OperUnknown, Qdisc: "noqueue", Address: mac("00:00:00:00:00:00"),
		Stats: route.LinkStats{RxPackets: 1 << 40, TxBytes: 7, RxOtherhostDropped: 3}, Carrier: 1, CarrierChanges: 2},
	{Index: 7, Name: "veth0", Type: unix.ARPHRD_ETHER, Flags: route.LinkUp, Change: route.LinkUp, Alias: "uplink",
		AltNames: []string{"a", "b"}, Master: 3, ParentIndex: 8, HasParentIndex: true, OperState: route.OperUp,
		Address: mac("02:00:00:00:00:01"), Broadcast: mac("ff:ff:ff:ff:ff:ff"), PermAddress: mac("02:00:00:00:00:02"),
		Group: 5, LinkMode: 1, CarrierUpCount: 4, CarrierDownCount: 3,
		Info: route.LinkInfo{Kind: "veth", SlaveKind: "bridge", SlaveData: &route.BridgePort{Cost: 3}}},
	{Index: 9, Name: "br0", Info: route.LinkInfo{Kind: "bridge", Data: &route.Bridge{STPState: 1}}},
	{Index: 10, Name: "vx0", Info: route.LinkInfo{Kind: "vxlan", Data: &route.Vxlan{ID: 42, Local: ip("10.0.0.1")}}},
	{Index: 11, Name: "x0", Info: route.LinkInfo{Kind: "frob", Data: &route.RawLinkData{Name: "frob",
		Data: []byte{8, 0, 1, 0, 1, 2, 3, 4}}}},
}

var addrs = []route.Addr{
	{},
	route.AddrFrom(2, pfx("10.0.0.1/24")),
	{Family: unix.AF_INET, PrefixLen: 32, Index: 3, Local: ip("10.0.0.1"), Peer: ip("10.0.0.2"), Label: "eth0:1",
		Broadcast: ip("10.0.0.255"), Scope: route.ScopeLink, Flags: route.AddrPermanent | route.AddrNoPrefixRoute,
		CacheInfo:     route.AddrCacheInfo{Preferred: route.Forever, Valid: route.Forever, Created: 5, Updated: 6},
		RoutePriority: 100},
	{Family: unix.AF_INET6, PrefixLen: 64, Index: 4, Local: ip("2001:db8::1"), Anycast: ip("2001:db8::"),
		Multicast: ip("ff02::1"), Flags: route.AddrTentative},
}

var routes = []route.Route{
	{},
	{Family: unix.AF_INET, Dst: pfx("0.0.0.0/0"), Gateway: ip("192.0.2.1"), OIF: 2, Table: route.TableMain,
		Protocol: route.ProtocolBoot, Type: route.TypeUnicast},
	{Family: unix.AF_INET6, Dst: pfx("2001:db8::/64"), OIF: 3, Table: 1000, Priority: 1024, HasPriority: true,
		HasPref: true, Pref: 1, Scope: route.ScopeLink, Flags: unix.RTNH_F_ONLINK, TOS: 4, Protocol: route.ProtocolKernel,
		Type: route.TypeUnicast, Extra: &route.RouteExtra{PrefSrc: ip("2001:db8::1"), Mark: 9, Expires: 30,
			Metrics: route.Metrics{MTU: 1400, AdvMSS: 1360, Features: 1, InitCWnd: 10, InitRwnd: 20}}},
	{Family: unix.AF_INET, Dst: pfx("198.51.100.0/24"), Table: 254, Type: route.TypeUnicast,
		Extra: &route.RouteExtra{Via: ip("fe80::1"), MultiPath: []route.Hop{
			{OIF: 2, Hops: 1, Gateway: ip("192.0.2.1")},
			{OIF: 3, Flags: unix.RTNH_F_ONLINK, Via: ip("fe80::2")},
			{OIF: 4, Gateway: ip("192.0.2.9"), EncapType: unix.LWTUNNEL_ENCAP_MPLS,
				Encap: mplsEncap([]rtnetlink.MPLSNextHop{{Label: 100, TTL: 64}, {Label: 200, BottomOfStack: true}})},
		}}},
	{Family: unix.AF_INET, Dst: pfx("203.0.113.0/24"), Type: route.TypeBlackhole, Table: 100},
}

var neighs = []route.Neigh{
	{},
	{Family: unix.AF_INET, Index: 2, Dst: ip("10.0.0.2"), LLAddr: mac("02:00:00:00:00:09"), State: route.NeighReachable,
		Flags: route.NeighRouter, Type: unix.RTN_UNICAST, CacheInfo: route.NeighCacheInfo{Confirmed: 1, Used: 2,
			Updated: 3, RefCnt: 4}, IfIndex: 2},
	{Family: unix.AF_INET6, Index: 3, Dst: ip("fe80::9"), State: route.NeighPermanent | route.NeighNoARP},
}

var rules = []route.Rule{
	{},
	{Family: unix.AF_INET, Priority: 32766, Table: route.TableMain, Action: route.RuleToTable},
	{Family: unix.AF_INET6, Priority: 100, Table: 1000, Src: pfx("2001:db8::/32"), Dst: pfx("2001:db8:1::/48"),
		IIFName: "eth0", OIFName: "eth1", Mark: 7, Mask: 0xff, HasMask: true, Protocol: route.ProtocolStatic,
		Flags: 2, TOS: 0, Flow: 0x00010002, TunID: 99, L3MDev: 1, IPProto: 6, SPortStart: 1, SPortEnd: 2,
		DPortStart: 80, DPortEnd: 81, SuppressPrefixLen: 0, HasSuppressPrefixLen: true},
	{Family: unix.AF_INET, Priority: 5, Action: route.RuleGoto, Goto: 10, SuppressIfGroup: 3, HasSuppressIfGroup: true},
}

// roundTrip checks that nlkit → jsimonetti → nlkit keeps exactly the shared fields, and that a second trip
// changes nothing more (jsimonetti → nlkit → jsimonetti is then the identity on what the first trip made).
func roundTrip[T any, M any](t *testing.T, name string, objs []T, to func(*T) (M, error), from func(*M) (T, error),
	shared func(T) T) {
	t.Helper()
	for i, o := range objs {
		m, err := to(&o)
		if err != nil {
			t.Errorf("%s %d: to: %v", name, i, err)
			continue
		}
		back, err := from(&m)
		if err != nil {
			t.Errorf("%s %d: from: %v", name, i, err)
			continue
		}
		if want := shared(o); !reflect.DeepEqual(back, want) {
			t.Errorf("%s %d: round trip\n got %+v\nwant %+v", name, i, back, want)
		}
		m2, err := to(&back)
		if err != nil {
			t.Errorf("%s %d: to again: %v", name, i, err)
			continue
		}
		if !reflect.DeepEqual(m2, m) {
			t.Errorf("%s %d: jsimonetti → nlkit → jsimonetti\n got %s\nwant %s", name, i, deep(m2), deep(m))
		}
	}
}

func noErr[T, M any](f func(*T) M) func(*T) (M, error) {
	return func(t *T) (M, error) { return f(t), nil }
}

func TestRoundTrips(t *testing.T) {
	roundTrip(t, "link", links, ToLinkMessage, FromLinkMessage, sharedLink)
	roundTrip(t, "addr", addrs, noErr(ToAddressMessage), FromAddressMessage, sharedAddr)
	roundTrip(t, "route", routes, noErr(ToRouteMessage), FromRouteMessage, sharedRoute)
	roundTrip(t, "neigh", neighs, noErr(ToNeighMessage), FromNeighMessage, sharedNeigh)
	roundTrip(t, "rule", rules, noErr(ToRuleMessage), FromRuleMessage, sharedRule)
}

// TestFromKernelForm converts messages as jsimonetti decodes them from the kernel (and as its users build
// them) and checks every field of the result.
func TestFromKernelForm(t *testing.T) {
	t.Run("link", func(t *testing.T) {
		m := rtnetlink.LinkMessage{Family: 0, Type: unix.ARPHRD_ETHER, Index: 5, Flags: unix.IFF_UP, Attributes: &rtnetlink.LinkAttributes{
			Name: "eth0", MTU: 1500, Address: net.HardwareAddr{2, 0, 0, 0, 0, 1}, OperationalState: rtnetlink.OperStateUp,
			Master: u32(0), Type: 6, TxQueueLen: u32(1000), Alias: str(""), QueueDisc: "fq_codel",
			Stats: &rtnetlink.LinkStats{RXPackets: 3, TXBytes: 4},
			Info:  &rtnetlink.LinkInfo{Kind: "bridge", Data: &rtnetlink.LinkData{Name: "bridge", Data: []byte{8, 0, 5, 0, 1, 0, 0, 0}}},
		}}
		got, err := FromLinkMessage(&m)
		if err != nil {
			t.Fatal(err)
		}
		want := route.Link{Type: unix.ARPHRD_ETHER, Index: 5, Flags: route.LinkUp, Name: "eth0", MTU: 1500,
			Address: mac("02:00:00:00:00:01"), OperState: route.OperUp, ParentIndex: 6, HasParentIndex: true,
			TxQLen: 1000, Qdisc: "fq_codel", Stats: route.LinkStats{RxPackets: 3, TxBytes: 4},
			Info: route.LinkInfo{Kind: "bridge", Data: &route.Bridge{STPState: 1}}} // IFLA_BR_STP_STATE (5) = 1
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("addr", func(t *testing.T) {
		// An IPv6 address as the kernel sends it: IFA_ADDRESS only, flags in IFA_FLAGS.
		m := rtnetlink.AddressMessage{Family: unix.AF_INET6, PrefixLength: 64, Flags: 0x80, Index: 2,
			Attributes: &rtnetlink.AddressAttributes{Address: net.ParseIP("2001:db8::1"), Flags: 0x280}}
		got, err := FromAddressMessage(&m)
		if err != nil {
			t.Fatal(err)
		}
		want := route.Addr{Family: unix.AF_INET6, PrefixLen: 64, Index: 2, Local: ip("2001:db8::1"),
			Flags: route.AddrPermanent | route.AddrNoPrefixRoute}
		if got != want {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		// IPv4 from net.ParseIP (16 bytes) comes out as IPv4.
		m = rtnetlink.AddressMessage{Family: unix.AF_INET, PrefixLength: 24, Index: 2,
			Attributes: &rtnetlink.AddressAttributes{Address: net.ParseIP("10.0.0.1"), Local: net.ParseIP("10.0.0.1")}}
		if got, err := FromAddressMessage(&m); err != nil || got.Prefix() != pfx("10.0.0.1/24") || got.Peer.IsValid() {
			t.Errorf("got %+v, %v", got, err)
		}
	})
	t.Run("route", func(t *testing.T) {
		m := rtnetlink.RouteMessage{Family: unix.AF_INET, Table: unix.RT_TABLE_COMPAT, Protocol: unix.RTPROT_STATIC,
			Type: unix.RTN_UNICAST, SrcLength: 8, Attributes: rtnetlink.RouteAttributes{Gateway: net.ParseIP("192.0.2.1"),
				OutIface: 2, Table: 1000, Priority: 10, Src: net.ParseIP("192.0.2.2"),
				Multipath: []rtnetlink.NextHop{{Hop: rtnetlink.RTNextHop{IfIndex: 3, Hops: 2},
					MPLS: []rtnetlink.MPLSNextHop{{Label: 16, TrafficClass: 1, BottomOfStack: true, TTL: 9}}}}}}
		got, err := FromRouteMessage(&m)
		if err != nil {
			t.Fatal(err)
		}
		want := route.Route{Family: unix.AF_INET, Dst: pfx("0.0.0.0/0"), Gateway: ip("192.0.2.1"), OIF: 2, Table: 1000,
			Priority: 10, HasPriority: true, Protocol: route.ProtocolStatic, Type: route.TypeUnicast,
			Extra: &route.RouteExtra{Src: pfx("0.0.0.0/8"), PrefSrc: ip("192.0.2.2"), MultiPath: []route.Hop{
				{OIF: 3, Hops: 2, EncapType: unix.LWTUNNEL_ENCAP_MPLS,
					// MPLS_IPTUNNEL_DST: 16<<12 | 1<<9 | 1<<8 | 9, big-endian.
					Encap: []byte{8, 0, 1, 0, 0x00, 0x01, 0x03, 0x09}}}}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got  %+v %+v\nwant %+v %+v", got, got.Extra, want, want.Extra)
		}
	})
	t.Run("neigh", func(t *testing.T) {
		m := rtnetlink.NeighMessage{Family: unix.AF_INET, Index: 2, State: unix.NUD_STALE, Attributes: &rtnetlink.NeighAttributes{
			Address: net.IP{10, 0, 0, 9}, LLAddress: net.HardwareAddr{2, 0, 0, 0, 0, 9}, CacheInfo: &rtnetlink.NeighCacheInfo{RefCount: 1}}}
		got, err := FromNeighMessage(&m)
		if err != nil {
			t.Fatal(err)
		}
		want := route.Neigh{Family: unix.AF_INET, Index: 2, State: route.NeighStale, Dst: ip("10.0.0.9"),
			LLAddr: mac("02:00:00:00:00:09"), CacheInfo: route.NeighCacheInfo{RefCnt: 1}}
		if got != want {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
	t.Run("rule", func(t *testing.T) {
		m := rtnetlink.RuleMessage{Family: unix.AF_INET, SrcLength: 24, Table: unix.RT_TABLE_MAIN, Action: unix.FR_ACT_TO_TBL,
			Attributes: &rtnetlink.RuleAttributes{Src: netIP("10.1.0.0"), Priority: u32(0), Table: u32(254),
				SrcRealm: u16(1), DstRealm: u16(2), Protocol: u8(unix.RTPROT_KERNEL), FwMask: u32(0),
				UIDRange: &rtnetlink.RuleUIDRange{Start: 1, End: 2}}}
		got, err := FromRuleMessage(&m)
		if err != nil {
			t.Fatal(err)
		}
		want := route.Rule{Family: unix.AF_INET, Src: pfx("10.1.0.0/24"), Table: 254, Action: route.RuleToTable,
			Flow: 1<<16 | 2, Protocol: route.ProtocolKernel, HasMask: true}
		if got != want {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
	})
}

func TestFromMalformed(t *testing.T) {
	if _, err := FromAddressMessage(&rtnetlink.AddressMessage{Attributes: &rtnetlink.AddressAttributes{Local: net.IP{1, 2, 3}}}); err == nil {
		t.Error("a 3-byte IFA_LOCAL was accepted")
	}
	if _, err := FromRouteMessage(&rtnetlink.RouteMessage{Family: unix.AF_INET, DstLength: 33,
		Attributes: rtnetlink.RouteAttributes{Dst: net.IP{10, 0, 0, 0}}}); err == nil {
		t.Error("an IPv4 RTA_DST of length 33 was accepted")
	}
	if _, err := FromRuleMessage(&rtnetlink.RuleMessage{DstLength: 8}); err == nil {
		t.Error("a rule dst_len without a family or FRA_DST was accepted")
	}
	if _, err := FromNeighMessage(&rtnetlink.NeighMessage{Attributes: &rtnetlink.NeighAttributes{Address: net.IP{1}}}); err == nil {
		t.Error("a 1-byte NDA_DST was accepted")
	}
}

// TestToWire checks the conversions against the kernel's wire format: what jsimonetti encodes from a converted
// message, nlkit decodes to the shared fields of the original.
func TestToWire(t *testing.T) {
	for i, r := range routes[1:] {
		m := ToRouteMessage(&r)
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got route.Route
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if want := sharedRoute(r); !reflect.DeepEqual(sharedRoute(got), want) {
			t.Errorf("route %d:\n got %+v %+v\nwant %+v %+v", i+1, got, got.Extra, want, want.Extra)
		}
	}
	for i, r := range rules[1:] {
		m := ToRuleMessage(&r)
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got route.Rule
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if want := sharedRule(r); sharedRule(got) != want {
			t.Errorf("rule %d:\n got %+v\nwant %+v", i+1, got, want)
		}
	}
}
