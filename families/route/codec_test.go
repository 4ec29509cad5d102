//go:build linux

package route

import (
	"encoding/binary"
	"reflect"
	"testing"
	"unsafe"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

func TestAddrDecode(t *testing.T) {
	b := make([]byte, sizeofIfAddrmsg)
	b[0], b[1], b[2], b[3] = unix.AF_INET, 24, unix.IFA_F_PERMANENT, uint8(ScopeUniverse)
	binary.NativeEndian.PutUint32(b[4:], 3)
	ae := proto.NewAttrEncoder(b)
	ae.Raw(unix.IFA_ADDRESS, []byte{10, 0, 0, 1})
	ae.Raw(unix.IFA_LOCAL, []byte{10, 0, 0, 1})
	ae.Raw(unix.IFA_BROADCAST, []byte{10, 0, 0, 255})
	ae.String(unix.IFA_LABEL, "eth0")
	ae.Uint32(unix.IFA_FLAGS, unix.IFA_F_PERMANENT|unix.IFA_F_NOPREFIXROUTE)
	ci := make([]byte, 16)
	binary.NativeEndian.PutUint32(ci, Forever)
	binary.NativeEndian.PutUint32(ci[4:], Forever)
	binary.NativeEndian.PutUint32(ci[8:], 100)
	binary.NativeEndian.PutUint32(ci[12:], 200)
	ae.Raw(unix.IFA_CACHEINFO, ci)
	ae.Uint32(unix.IFA_RT_PRIORITY, 50)
	ae.Uint8(ifaProto, 4)
	var a Addr
	if err := a.UnmarshalBinary(ae.Bytes()); err != nil {
		t.Fatal(err)
	}
	want := Addr{Family: unix.AF_INET, PrefixLen: 24, Flags: unix.IFA_F_PERMANENT | unix.IFA_F_NOPREFIXROUTE, Index: 3,
		Local: mustAddr("10.0.0.1"), Broadcast: mustAddr("10.0.0.255"), Label: "eth0",
		CacheInfo: AddrCacheInfo{Forever, Forever, 100, 200}, RoutePriority: 50, Protocol: 4}
	if a != want {
		t.Errorf("got  %+v\nwant %+v", a, want)
	}
	if a.Prefix() != mustPrefix("10.0.0.1/24") || a.brief() != "10.0.0.1/24" {
		t.Errorf("Prefix %v brief %v", a.Prefix(), a.brief())
	}
}

func TestAddrRoundTrip(t *testing.T) {
	for _, a := range []Addr{
		AddrFrom(2, mustPrefix("192.0.2.1/24")),
		AddrFrom(2, mustPrefix("2001:db8::1/64")),
		{Family: unix.AF_INET, PrefixLen: 32, Index: 4, Local: mustAddr("10.1.1.1"), Peer: mustAddr("10.1.1.2"),
			Label: "ppp0", Flags: unix.IFA_F_NOPREFIXROUTE | unix.IFA_F_PERMANENT, RoutePriority: 7, Protocol: 3,
			CacheInfo: AddrCacheInfo{Preferred: 60, Valid: 120}},
	} {
		b := mustMarshal(t, &a)
		var got Addr
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if got.Flags&0xff != a.Flags&0xff || got.Local != a.Local || got.Peer != a.Peer || got.Label != a.Label ||
			got.PrefixLen != a.PrefixLen || got.Index != a.Index || got.RoutePriority != a.RoutePriority ||
			got.Protocol != a.Protocol || got.CacheInfo.Valid != a.CacheInfo.Valid {
			t.Errorf("got  %+v\nwant %+v", got, a)
		}
	}
	p := Addr{Local: mustAddr("10.1.1.1"), Peer: mustAddr("10.1.1.2"), PrefixLen: 32}
	if p.brief() != "10.1.1.1 peer 10.1.1.2/32" {
		t.Errorf("brief %q", p.brief())
	}
}

func kernelRoute() []byte {
	b := make([]byte, sizeofRtMsg)
	b[0], b[1], b[4], b[5], b[6], b[7] = unix.AF_INET, 24, 252, unix.RTPROT_STATIC, unix.RT_SCOPE_UNIVERSE, unix.RTN_UNICAST
	ae := proto.NewAttrEncoder(b)
	ae.Uint32(unix.RTA_TABLE, 1000)
	ae.Raw(unix.RTA_DST, []byte{10, 9, 0, 0})
	ae.Uint32(unix.RTA_PRIORITY, 20)
	ae.Raw(unix.RTA_PREFSRC, []byte{10, 0, 0, 1})
	n := ae.NestRaw(unix.RTA_METRICS)
	ae.Uint32(unix.RTAX_MTU, 1400)
	ae.Uint32(unix.RTAX_LOCK, 1<<unix.RTAX_MTU)
	ae.String(unix.RTAX_CC_ALGO, "bbr")
	ae.End(n)
	mp, _ := encodeMultipath([]Hop{
		{OIF: 2, Hops: 0, Gateway: mustAddr("10.0.0.2")},
		{OIF: 3, Hops: 4, Flags: unix.RTNH_F_ONLINK, Via: mustAddr("fe80::1")},
	})
	ae.Raw(unix.RTA_MULTIPATH, mp)
	ae.Uint32(unix.RTA_MARK, 9)
	ae.Uint32(unix.RTA_FLOW, 0x10002)
	ae.Uint16(unix.RTA_ENCAP_TYPE, 1)
	e := ae.NestRaw(unix.RTA_ENCAP)
	ae.Raw(1, []byte{0, 0, 0x64, 0x01})
	ae.End(e)
	ci := make([]byte, 32)
	binary.NativeEndian.PutUint32(ci[20:], 5)
	ae.Raw(unix.RTA_CACHEINFO, ci)
	ae.Uint32(unix.RTA_UID, 1000)
	return ae.Bytes()
}

func TestRouteDecode(t *testing.T) {
	var r Route
	if err := r.UnmarshalBinary(kernelRoute()); err != nil {
		t.Fatal(err)
	}
	x := r.Extra
	if x == nil {
		t.Fatal("no Extra")
	}
	if r.Family != unix.AF_INET || r.Table != 1000 || r.Dst != mustPrefix("10.9.0.0/24") || r.Priority != 20 ||
		x.PrefSrc != mustAddr("10.0.0.1") || r.Protocol != ProtocolStatic || r.Type != TypeUnicast ||
		x.Mark != 9 || x.Flow != 0x10002 || x.EncapType != 1 || len(x.Encap) != 8 || x.CacheInfo.ID != 5 ||
		!x.HasUID || x.UID != 1000 || x.Src.IsValid() {
		t.Errorf("route %+v extra %+v", r, *x)
	}
	if x.Metrics.MTU != 1400 || x.Metrics.Lock != 1<<unix.RTAX_MTU || x.Metrics.CCAlgo != "bbr" {
		t.Errorf("metrics %+v", x.Metrics)
	}
	want := []Hop{{OIF: 2, Gateway: mustAddr("10.0.0.2")}, {OIF: 3, Hops: 4, Flags: unix.RTNH_F_ONLINK, Via: mustAddr("fe80::1")}}
	if !reflect.DeepEqual(x.MultiPath, want) {
		t.Errorf("multipath %+v", x.MultiPath)
	}
	if x.MultiPath[1].Weight() != 5 {
		t.Error("weight")
	}
}

func TestRouteDefaultDst(t *testing.T) {
	b := make([]byte, sizeofRtMsg)
	b[0], b[4], b[7] = unix.AF_INET6, unix.RT_TABLE_MAIN, unix.RTN_UNICAST
	ae := proto.NewAttrEncoder(b)
	ae.Raw(unix.RTA_GATEWAY, mustAddr("fe80::1").AsSlice())
	ae.Uint32(unix.RTA_OIF, 2)
	var r Route
	if err := r.UnmarshalBinary(ae.Bytes()); err != nil {
		t.Fatal(err)
	}
	if r.Dst != mustPrefix("::/0") || r.Table != TableMain || r.Gateway != mustAddr("fe80::1") || r.OIF != 2 {
		t.Errorf("%+v", r)
	}
}

func TestRouteRoundTrip(t *testing.T) {
	for _, r := range []Route{
		{Dst: mustPrefix("10.0.0.0/8"), Gateway: mustAddr("192.0.2.1"), Table: 300, Priority: 5, HasPriority: true,
			Protocol: ProtocolStatic, Type: TypeUnicast, Extra: &RouteExtra{Metrics: Metrics{MTU: 1300, AdvMSS: 1200, CCAlgo: "cubic"}}},
		{Dst: mustPrefix("2001:db8::/32"), Extra: &RouteExtra{Src: mustPrefix("2001:db8:1::/48")}, OIF: 4, Table: TableMain,
			Type: TypeUnicast, Pref: 1, HasPref: true},
		// RTA_PRIORITY 0 and RTA_PREF 0 (medium) are sent and seen when present.
		{Dst: mustPrefix("2001:db8:2::/48"), OIF: 4, Table: TableMain, Type: TypeUnicast, HasPriority: true, HasPref: true},
		{Dst: mustPrefix("10.1.0.0/16"), Table: TableMain, Type: TypeUnicast, Extra: &RouteExtra{MultiPath: []Hop{
			{OIF: 2, Gateway: mustAddr("10.0.0.1"), Hops: 1}, {OIF: 3, Gateway: mustAddr("10.0.0.2")}}}},
		{Dst: mustPrefix("198.51.100.0/24"), Table: TableMain, Type: TypeBlackhole, TOS: 4},
		{Dst: mustPrefix("203.0.113.0/24"), Table: TableMain, Type: TypeUnicast, NexthopID: 7,
			Extra: &RouteExtra{Via: mustAddr("fe80::1")}},
		// Every rare attribute.
		{Dst: mustPrefix("2001:db8:3::/48"), Table: TableMain, Type: TypeUnicast, OIF: 4, Extra: &RouteExtra{
			Src: mustPrefix("2001:db8:4::/64"), PrefSrc: mustAddr("2001:db8::1"), IIF: 3, Mark: 5, Flow: 6,
			Metrics: Metrics{MTU: 1280}, EncapType: 1, Encap: []byte{8, 0, 1, 0, 0, 0, 0x61, 0}, LWT: &MPLSEncap{Labels: []uint32{6}}, UID: 0,
			HasUID: true, TTLPropagate: 1, Expires: 300}},
	} {
		b := mustMarshal(t, &r)
		var got Route
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if r.Family == 0 {
			r.Family = got.Family
		}
		if !reflect.DeepEqual(got, r) {
			t.Errorf("got  %+v\nwant %+v", got, r)
		}
	}
}

func TestRouteDefaults(t *testing.T) {
	r := Route{Dst: mustPrefix("10.0.0.0/24"), OIF: 2}.withDefaults()
	if r.Table != TableMain || r.Protocol != ProtocolBoot || r.Type != TypeUnicast || r.Scope != ScopeLink {
		t.Errorf("%+v", r)
	}
	r = Route{Gateway: mustAddr("10.0.0.1")}.withDefaults()
	if r.Scope != ScopeUniverse || r.Dst != mustPrefix("0.0.0.0/0") {
		t.Errorf("%+v", r)
	}
	r = Route{Dst: mustPrefix("10.0.0.1/32"), Type: TypeLocal}.withDefaults()
	if r.Scope != ScopeHost {
		t.Errorf("%+v", r)
	}
	orig := Route{Dst: mustPrefix("10.0.0.0/24"), Extra: &RouteExtra{Metrics: Metrics{MTU: 1}, Mark: 3}}
	d := orig.forDelete()
	if d.Scope != ScopeNowhere || d.Table != TableMain || d.Ext().Metrics != (Metrics{}) || d.Ext().Mark != 3 {
		t.Errorf("%+v", d)
	}
	if orig.Extra.Metrics.MTU != 1 {
		t.Error("forDelete changed the caller's Extra")
	}
	// A scope set explicitly stays, universe too (ip route add P dev D scope global).
	r = Route{Dst: mustPrefix("10.0.0.0/24"), OIF: 2, HasScope: true}.withDefaults()
	if r.Scope != ScopeUniverse {
		t.Errorf("explicit universe: %+v", r)
	}
	if d = (Route{Dst: mustPrefix("10.0.0.0/24"), HasScope: true}).forDelete(); d.Scope != ScopeUniverse {
		t.Errorf("explicit universe delete: %+v", d)
	}
	if r = (Route{Dst: mustPrefix("10.0.0.0/24"), OIF: 2, Scope: ScopeHost}).withDefaults(); r.Scope != ScopeHost {
		t.Errorf("explicit host: %+v", r)
	}
	// IPv6 and MPLS: universe, as ip sends, for adds and deletes alike.
	for _, r := range []Route{{Dst: mustPrefix("2001:db8::/64"), OIF: 2}, {Family: unix.AF_MPLS, OIF: 2},
		{Dst: mustPrefix("2001:db8::1/128"), Type: TypeLocal}} {
		if got := r.withDefaults(); got.Scope != ScopeUniverse {
			t.Errorf("add %+v: scope %v", r, got.Scope)
		}
		if got := r.forDelete(); got.Scope != ScopeUniverse {
			t.Errorf("delete %+v: scope %v", r, got.Scope)
		}
	}
	// Delete drops RTA_PREF, present or not.
	if d = (Route{Dst: mustPrefix("2001:db8::/64"), Pref: 1, HasPref: true}).forDelete(); d.Pref != 0 || d.HasPref {
		t.Errorf("delete pref: %+v", d)
	}
}

func TestNeighRoundTrip(t *testing.T) {
	mac, _ := ParseHWAddr("02:00:00:00:00:05")
	n := Neigh{Family: unix.AF_INET6, Index: 3, State: NeighReachable, Flags: NeighRouter, Type: unix.RTN_UNICAST,
		Dst: mustAddr("fe80::5"), LLAddr: mac, Vlan: 10, Port: 4789, VNI: 5, IfIndex: 6, Master: 7, Protocol: 4,
		NexthopID: 8, ExtFlags: 1}
	b := mustMarshal(t, &n)
	// Kernel-only attributes.
	ae := proto.NewAttrEncoder(b)
	ae.Uint32(unix.NDA_PROBES, 2)
	ci := make([]byte, 16)
	binary.NativeEndian.PutUint32(ci, 11)
	binary.NativeEndian.PutUint32(ci[12:], 1)
	ae.Raw(unix.NDA_CACHEINFO, ci)
	ae.Int32(unix.NDA_LINK_NETNSID, 2)
	var got Neigh
	if err := got.UnmarshalBinary(ae.Bytes()); err != nil {
		t.Fatal(err)
	}
	n.Probes, n.CacheInfo, n.LinkNetNSID, n.HasLinkNetNSID = 2, NeighCacheInfo{Confirmed: 11, RefCnt: 1}, 2, true
	if got != n {
		t.Errorf("got  %+v\nwant %+v", got, n)
	}
}

func TestRuleRoundTrip(t *testing.T) {
	for _, r := range []Rule{
		{Family: unix.AF_INET, Priority: 100, Src: mustPrefix("10.0.0.0/8"), Table: 1000, Action: RuleToTable,
			Mark: 1, Mask: 0xff, HasMask: true, IIFName: "eth0", OIFName: "eth1", Protocol: 4, IPProto: 6,
			SPortStart: 1, SPortEnd: 2, DPortStart: 80, DPortEnd: 80, UIDStart: 1000, UIDEnd: 2000, HasUIDRange: true,
			SuppressPrefixLen: 0, HasSuppressPrefixLen: true, TunID: 0x1234, Flow: 3, TOS: 8},
		{Family: unix.AF_INET6, Priority: 5, Dst: mustPrefix("2001:db8::/32"), Action: RuleGoto, Goto: 100,
			Table: TableMain},
		{Family: unix.AF_INET, Priority: 6, Action: RuleToTable, L3MDev: 1, DSCP: 10, HasDSCP: true,
			SuppressIfGroup: 3, HasSuppressIfGroup: true, Table: 0},
		{Family: unix.AF_INET, Priority: 7, Action: RuleBlackhole},
	} {
		b := mustMarshal(t, &r)
		var got Rule
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if got != r {
			t.Errorf("got  %+v\nwant %+v", got, r)
		}
	}
}

func TestNexthopRoundTrip(t *testing.T) {
	for _, nh := range []Nexthop{
		{ID: 1, Family: unix.AF_INET, OIF: 2, Gateway: mustAddr("10.0.0.1"), Protocol: ProtocolBoot, Flags: unix.RTNH_F_ONLINK},
		{ID: 2, Blackhole: true},
		{ID: 3, Group: []NexthopGroupMember{{ID: 1, Weight: 1}, {ID: 4, Weight: 300}}, GroupType: 1},
		{ID: 5, Family: unix.AF_INET6, Gateway: mustAddr("2001:db8::1"), FDB: true},
	} {
		b := mustMarshal(t, &nh)
		var got Nexthop
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, nh) {
			t.Errorf("got  %+v\nwant %+v", got, nh)
		}
	}
}

func TestDecodeEvent(t *testing.T) {
	l := Link{Index: 5, Name: "x"}
	ev, ok, err := DecodeEvent(proto.Message{Header: proto.Header{Type: unix.RTM_DELLINK}, Data: mustMarshal(t, &l)})
	if err != nil || !ok || ev.Kind != EventDelete || ev.Link == nil || ev.Link.Name != "x" {
		t.Fatalf("%v %v %+v", ok, err, ev)
	}
	if _, ok, _ := DecodeEvent(proto.Message{Header: proto.Header{Type: proto.TypeNoop}}); ok {
		t.Error("NLMSG_NOOP decoded as an event")
	}
	if _, _, err := DecodeEvent(proto.Message{Header: proto.Header{Type: unix.RTM_NEWROUTE}, Data: []byte{1}}); err == nil {
		t.Error("short route decoded")
	}
}

// TestRouteSize holds Route to the size that makes a million of them cheap to keep (issue 6): the rare
// attributes are behind Route.Extra.
func TestRouteSize(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("sizes are checked on 64-bit platforms")
	}
	if n := unsafe.Sizeof(Route{}); n > 96 {
		t.Errorf("unsafe.Sizeof(Route{}) = %d, want <= 96", n)
	}
}

// TestRouteExtraNotShared decodes two routes with rare attributes into one value, as the dump stream does, and
// checks that the copy kept from the first is untouched: decoding allocates a fresh RouteExtra (and MultiPath,
// Encap) and never writes into the previous one.
func TestRouteExtraNotShared(t *testing.T) {
	first := Route{Dst: mustPrefix("10.1.0.0/16"), Table: TableMain, Type: TypeUnicast, Extra: &RouteExtra{
		PrefSrc: mustAddr("10.0.0.1"), Mark: 1, Metrics: Metrics{MTU: 1400, CCAlgo: "bbr"}, EncapType: 1,
		Encap:     []byte{8, 0, 1, 0, 0, 0, 0x64, 1},
		MultiPath: []Hop{{OIF: 2, Gateway: mustAddr("10.0.0.2")}, {OIF: 3, Gateway: mustAddr("10.0.0.3")}}}}
	second := Route{Dst: mustPrefix("10.2.0.0/16"), Table: TableMain, Type: TypeUnicast, Extra: &RouteExtra{
		PrefSrc: mustAddr("10.0.0.9"), Mark: 2, Metrics: Metrics{MTU: 1300}, EncapType: 1,
		Encap:     []byte{8, 0, 1, 0, 0, 0, 0x65, 1},
		MultiPath: []Hop{{OIF: 4, Gateway: mustAddr("10.0.0.4")}, {OIF: 5, Gateway: mustAddr("10.0.0.5")}}}}
	plain := Route{Dst: mustPrefix("10.3.0.0/16"), Table: TableMain, Type: TypeUnicast, OIF: 2}
	var v Route
	if err := v.UnmarshalBinary(mustMarshal(t, &first)); err != nil {
		t.Fatal(err)
	}
	kept := v
	want := kept.Clone()
	for _, next := range []*Route{&second, &plain} {
		if err := v.UnmarshalBinary(mustMarshal(t, next)); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(kept, want) {
			t.Fatalf("decoding %s changed the kept copy:\n got  %+v %+v\n want %+v %+v", next.Dst, kept,
				*kept.Extra, want, *want.Extra)
		}
	}
	if v.Extra != nil {
		t.Errorf("plain route after one with extras: Extra %+v, want nil", *v.Extra)
	}
	if kept.Extra.Mark != 1 || kept.Extra.MultiPath[0].OIF != 2 || kept.Extra.Encap[6] != 0x64 {
		t.Errorf("kept %+v", *kept.Extra)
	}
}

// TestRouteExtraNil checks that what nearly every route has leaves Extra nil: the common attributes, and the
// all-zero RTA_CACHEINFO and empty RTA_METRICS the kernel sends with IPv6 routes.
func TestRouteExtraNil(t *testing.T) {
	b := make([]byte, sizeofRtMsg)
	b[0], b[1], b[4], b[5], b[7] = unix.AF_INET6, 64, unix.RT_TABLE_MAIN, unix.RTPROT_KERNEL, unix.RTN_UNICAST
	ae := proto.NewAttrEncoder(b)
	ae.Uint32(unix.RTA_TABLE, unix.RT_TABLE_MAIN)
	ae.Raw(unix.RTA_DST, mustAddr("2001:db8::").AsSlice())
	ae.Uint32(unix.RTA_PRIORITY, 256)
	ae.Uint32(unix.RTA_OIF, 2)
	ae.Raw(unix.RTA_CACHEINFO, make([]byte, 32))
	ae.End(ae.NestRaw(unix.RTA_METRICS))
	ae.Uint8(unix.RTA_PREF, 0)
	var r Route
	if err := r.UnmarshalBinary(ae.Bytes()); err != nil {
		t.Fatal(err)
	}
	want := Route{Family: unix.AF_INET6, Dst: mustPrefix("2001:db8::/64"), Table: TableMain, Protocol: ProtocolKernel,
		Type: TypeUnicast, Priority: 256, HasPriority: true, OIF: 2, HasPref: true}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = r.UnmarshalBinary(ae.Bytes()) }); allocs != 0 && !raceEnabled {
		t.Errorf("%v allocations", allocs)
	}
	// rtm_src_len without RTA_SRC is the unspecified source of that length.
	b = make([]byte, sizeofRtMsg)
	b[0], b[2] = unix.AF_INET6, 48
	if err := r.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if r.Ext().Src != mustPrefix("::/48") {
		t.Errorf("src %v", r.Ext().Src)
	}
}

func TestRouteExtAccessors(t *testing.T) {
	var r Route
	if x := r.Ext(); !reflect.DeepEqual(x, RouteExtra{}) {
		t.Errorf("Ext of nil Extra: %+v", x)
	}
	if (*RouteExtra)(nil).Clone() != nil {
		t.Error("Clone of nil")
	}
	r.EnsureExtra().MultiPath = []Hop{{OIF: 2, Encap: []byte{1}}}
	c := r.Clone()
	c.Extra.MultiPath[0].OIF, c.Extra.MultiPath[0].Encap[0] = 3, 2
	if r.Extra.MultiPath[0].OIF != 2 || r.Extra.MultiPath[0].Encap[0] != 1 {
		t.Errorf("Clone shares memory: %+v", r.Extra.MultiPath)
	}
	if e := r.EnsureExtra(); e != r.Extra {
		t.Error("EnsureExtra replaced an existing Extra")
	}
}
