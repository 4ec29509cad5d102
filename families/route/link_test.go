//go:build linux

package route

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"testing"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// kernelLink is an RTM_NEWLINK payload as the kernel sends it for a bridge port of kind veth, with attributes
// requests never carry.
func kernelLink() []byte {
	ae := proto.NewAttrEncoder(ifinfomsg(7, unix.IFF_UP|unix.IFF_RUNNING|unix.IFF_BROADCAST|unix.IFF_MULTICAST|iffLowerUp))
	ae.String(unix.IFLA_IFNAME, "veth0")
	ae.Uint32(unix.IFLA_TXQLEN, 1000)
	ae.Uint8(unix.IFLA_OPERSTATE, uint8(OperUp))
	ae.Uint8(unix.IFLA_LINKMODE, 0)
	ae.Uint32(unix.IFLA_MTU, 1400)
	ae.Uint32(unix.IFLA_MIN_MTU, 68)
	ae.Uint32(unix.IFLA_MAX_MTU, 65535)
	ae.Uint32(unix.IFLA_GROUP, 0)
	ae.Uint32(unix.IFLA_PROMISCUITY, 1)
	ae.Uint32(unix.IFLA_ALLMULTI, 2)
	ae.Uint32(unix.IFLA_NUM_TX_QUEUES, 4)
	ae.Uint32(unix.IFLA_NUM_RX_QUEUES, 5)
	ae.Uint32(unix.IFLA_GSO_MAX_SEGS, 65535)
	ae.Uint32(unix.IFLA_GSO_MAX_SIZE, 65536)
	ae.Uint32(unix.IFLA_GRO_MAX_SIZE, 65536)
	ae.Uint32(unix.IFLA_TSO_MAX_SIZE, 524280)
	ae.Uint32(unix.IFLA_TSO_MAX_SEGS, 65535)
	ae.Uint32(iflaGSOIPv4MaxSize, 65536)
	ae.Uint32(iflaGROIPv4MaxSize, 65536)
	ae.Uint8(unix.IFLA_CARRIER, 1)
	ae.String(unix.IFLA_QDISC, "noqueue")
	ae.Uint32(unix.IFLA_CARRIER_CHANGES, 3)
	ae.Uint32(unix.IFLA_CARRIER_UP_COUNT, 2)
	ae.Uint32(unix.IFLA_CARRIER_DOWN_COUNT, 1)
	ae.Uint8(unix.IFLA_PROTO_DOWN, 0)
	ae.Raw(unix.IFLA_ADDRESS, []byte{2, 0, 0, 0, 0, 1})
	ae.Raw(unix.IFLA_BROADCAST, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	ae.Raw(unix.IFLA_PERM_ADDRESS, []byte{2, 0, 0, 0, 0, 9})
	ae.Uint32(unix.IFLA_LINK, 8)
	ae.Int32(unix.IFLA_LINK_NETNSID, 0)
	ae.Uint32(unix.IFLA_MASTER, 3)
	ae.String(unix.IFLA_IFALIAS, "uplink")
	stats := make([]byte, 25*8)
	for i := range 25 {
		binary.NativeEndian.PutUint64(stats[8*i:], uint64(i+1))
	}
	ae.Raw(unix.IFLA_STATS64, stats)
	n := ae.Nest(unix.IFLA_PROP_LIST)
	ae.String(unix.IFLA_ALT_IFNAME, "a-very-long-alternative-name")
	ae.String(unix.IFLA_ALT_IFNAME, "alt1")
	ae.End(n)
	n = ae.NestRaw(unix.IFLA_AF_SPEC)
	in6 := ae.NestRaw(unix.AF_INET6)
	ae.Uint32(unix.IFLA_INET6_FLAGS, 0)
	ae.Uint8(unix.IFLA_INET6_ADDR_GEN_MODE, 1)
	ae.End(in6)
	ae.End(n)
	n = ae.NestRaw(unix.IFLA_LINKINFO)
	ae.String(unix.IFLA_INFO_KIND, "veth")
	ae.String(unix.IFLA_INFO_SLAVE_KIND, "bridge")
	sd := ae.NestRaw(unix.IFLA_INFO_SLAVE_DATA)
	ae.Uint8(unix.IFLA_BRPORT_STATE, 3)
	ae.Uint16(unix.IFLA_BRPORT_PRIORITY, 32)
	ae.Uint32(unix.IFLA_BRPORT_COST, 2)
	ae.Uint8(unix.IFLA_BRPORT_LEARNING, 1)
	ae.Raw(unix.IFLA_BRPORT_ROOT_ID, []byte{0x80, 0x00, 2, 0, 0, 0, 0, 3})
	ae.Uint64(unix.IFLA_BRPORT_HOLD_TIMER, 77)
	ae.End(sd)
	ae.End(n)
	return ae.Bytes()
}

func TestDecodeLink(t *testing.T) {
	var l Link
	if err := l.UnmarshalBinary(kernelLink()); err != nil {
		t.Fatal(err)
	}
	mac, _ := ParseHWAddr("02:00:00:00:00:01")
	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("Index", l.Index, int32(7))
	check("Type", l.Type, uint16(unix.ARPHRD_ETHER))
	check("Name", l.Name, "veth0")
	check("Flags", l.Flags.String(), "BROADCAST,MULTICAST,UP,LOWER_UP")
	check("MTU", [3]uint32{l.MTU, l.MinMTU, l.MaxMTU}, [3]uint32{1400, 68, 65535})
	check("OperState", l.OperState.String(), "UP")
	check("Address", l.Address, mac)
	check("Broadcast", l.Broadcast.String(), "ff:ff:ff:ff:ff:ff")
	check("PermAddress", l.PermAddress.String(), "02:00:00:00:00:09")
	check("Master", l.Master, int32(3))
	check("ParentIndex", l.ParentIndex, int32(8))
	check("LinkNetNSID", [2]any{l.LinkNetNSID, l.HasLinkNetNSID}, [2]any{int32(0), true})
	check("Qdisc", l.Qdisc, "noqueue")
	check("Alias", l.Alias, "uplink")
	check("TxQLen", l.TxQLen, uint32(1000))
	check("Promiscuity/AllMulti", [2]uint32{l.Promiscuity, l.AllMulti}, [2]uint32{1, 2})
	check("Queues", [2]uint32{l.NumTxQueues, l.NumRxQueues}, [2]uint32{4, 5})
	check("GSO", [7]uint32{l.GSOMaxSize, l.GSOMaxSegs, l.TSOMaxSize, l.TSOMaxSegs, l.GROMaxSize, l.GSOIPv4MaxSize,
		l.GROIPv4MaxSize}, [7]uint32{65536, 65535, 524280, 65535, 65536, 65536, 65536})
	check("Carrier", [4]uint32{uint32(l.Carrier), l.CarrierChanges, l.CarrierUpCount, l.CarrierDownCount},
		[4]uint32{1, 3, 2, 1})
	check("Stats", [3]uint64{l.Stats.RxPackets, l.Stats.TxBytes, l.Stats.RxOtherhostDropped}, [3]uint64{1, 4, 25})
	check("AltNames", l.AltNames, []string{"a-very-long-alternative-name", "alt1"})
	check("AddrGenMode", [2]any{l.AddrGenMode.String(), l.HasAddrGenMode}, [2]any{"none", true})
	check("Kind", l.Info.Kind, "veth")
	check("Data", l.Info.Data, LinkData(nil))
	check("SlaveKind", l.Info.SlaveKind, "bridge")
	bp, ok := l.Info.SlaveData.(*BridgePort)
	if !ok {
		t.Fatalf("SlaveData = %T", l.Info.SlaveData)
	}
	check("BridgePort", [4]any{bp.State, bp.Priority, bp.Cost, bp.Learning}, [4]any{uint8(3), uint16(32), uint32(2), true})
	check("BridgePort.RootID", bp.RootID.String(), "8000.2:0:0:0:0:3")
	check("BridgePort.HoldTimer", bp.HoldTimer, uint64(77))
}

func TestDecodeLinkShort(t *testing.T) {
	var l Link
	if err := l.UnmarshalBinary(make([]byte, 10)); err == nil {
		t.Fatal("short ifinfomsg decoded")
	}
	b := append(ifinfomsg(1, 0), 8, 0, unix.IFLA_MTU, 0, 1, 2) // nla_len runs past the end
	if err := l.UnmarshalBinary(b); err == nil {
		t.Fatal("truncated attribute decoded")
	}
}

// TestLinkKindsRoundTrip encodes each kind as a request and decodes it back.
func TestLinkKindsRoundTrip(t *testing.T) {
	mac, _ := ParseHWAddr("02:11:22:33:44:55")
	kinds := []LinkData{
		&Bridge{ForwardDelay: 400, HelloTime: 100, MaxAge: 1000, AgeingTime: 6000, STPState: 1, Priority: 4096,
			VlanFiltering: 1, VlanProtocol: 0x88a8, VlanDefaultPVID: 10, GroupFwdMask: 8, GroupAddr: mac,
			McastSnooping: 1, McastIGMPVersion: 3, McastMLDVersion: 2, McastHashMax: 512, HasVlanFiltering: true,
			HasMcastSnooping: true},
		&Macvlan{Mode: MacvlanBridge, Flags: 1, BcQueueLen: 100},
		&Vxlan{ID: 42, Group: netip.MustParseAddr("239.1.1.1"), Local: netip.MustParseAddr("10.0.0.1"), Link: 3,
			Port: 4789, PortLow: 1000, PortHigh: 2000, TTL: 10, TOS: 1, DF: 1, Label: 5, Ageing: 300, Limit: 10,
			Learning: true, Proxy: true, L2Miss: true, UDPCsum: true, GBP: true, TTLInherit: true},
		&Vxlan{ID: 7, Group: netip.MustParseAddr("ff05::1"), Local: netip.MustParseAddr("2001:db8::1")},
		&Vlan{ID: 100, Protocol: 0x88a8, Flags: 1, FlagsMask: 1},
		&Bond{Mode: BondActiveBackup, MIIMon: 100, UpDelay: 200, DownDelay: 200, MinLinks: 1, XmitHashPolicy: 1,
			ARPIPTargets: []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")},
			ARPInterval:  0},
		&VRF{Table: 10},
		&RawLinkData{Name: "amt", Data: func() []byte { // a kind this package does not type
			ae := proto.NewAttrEncoder(nil)
			ae.Uint32(1, 5)
			return ae.Bytes()
		}()},
	}
	for _, d := range kinds {
		t.Run(d.Kind(), func(t *testing.T) {
			in := Link{Name: "x0", MTU: 1300, Info: LinkInfo{Data: d}}
			b, err := in.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var out Link
			if err := out.UnmarshalBinary(b); err != nil {
				t.Fatal(err)
			}
			if out.Name != "x0" || out.MTU != 1300 || out.Info.Kind != d.Kind() {
				t.Fatalf("got %q mtu %d kind %q", out.Name, out.MTU, out.Info.Kind)
			}
			if m, ok := d.(*Macvlan); ok {
				m.kind = "macvlan"
			}
			if !reflect.DeepEqual(out.Info.Data, d) {
				t.Errorf("data:\n got %+v\nwant %+v", out.Info.Data, d)
			}
		})
	}
}

func TestEncodeVeth(t *testing.T) {
	peerMAC, _ := ParseHWAddr("02:00:00:00:00:02")
	l := Link{Name: "v0", Flags: unix.IFF_UP, Info: LinkInfo{Data: &Veth{Peer: Link{Name: "v1", Address: peerMAC, NetNS: 9}}}}
	b, err := l.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if f := binary.NativeEndian.Uint32(b[8:]); f != unix.IFF_UP {
		t.Errorf("ifi_flags = %#x", f)
	}
	if c := binary.NativeEndian.Uint32(b[12:]); c != unix.IFF_UP {
		t.Errorf("ifi_change = %#x", c)
	}
	// Walk IFLA_LINKINFO / IFLA_INFO_DATA / VETH_INFO_PEER: an ifinfomsg, then the peer's attributes.
	var peer []byte
	ad := proto.NewAttrDecoder(b[sizeofIfInfomsg:])
	for ad.Next() {
		if ad.Type() != unix.IFLA_LINKINFO {
			continue
		}
		li := ad.Nested()
		for li.Next() {
			if li.Type() == unix.IFLA_INFO_KIND && li.String() != "veth" {
				t.Errorf("kind %q", li.String())
			}
			if li.Type() == unix.IFLA_INFO_DATA {
				d := li.Nested()
				for d.Next() {
					if d.Type() == vethInfoPeer {
						peer = d.Bytes()
					}
				}
			}
		}
	}
	var p Link
	if err := p.UnmarshalBinary(peer); err != nil {
		t.Fatalf("peer: %v", err)
	}
	if p.Name != "v1" || p.Address != peerMAC {
		t.Errorf("peer = %q %v", p.Name, p.Address)
	}
	// IFLA_NET_NS_FD is in the peer's attributes.
	found := false
	ad = proto.NewAttrDecoder(peer[sizeofIfInfomsg:])
	for ad.Next() {
		if ad.Type() == unix.IFLA_NET_NS_FD && ad.Uint32() == 9 {
			found = true
		}
	}
	if !found {
		t.Error("peer IFLA_NET_NS_FD missing")
	}
}

func TestLinkNameTooLong(t *testing.T) {
	l := Link{Name: "0123456789abcdefg"}
	if _, err := l.MarshalBinary(); err == nil {
		t.Fatal("a 17-byte name encoded")
	}
}

func TestHWAddr(t *testing.T) {
	a, err := ParseHWAddr("2:0:0:0:0:a")
	if err != nil || a.String() != "02:00:00:00:00:0a" || a.Len() != 6 {
		t.Fatalf("%v %v", a, err)
	}
	ib, err := ParseHWAddr("00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01")
	if err != nil || ib.Len() != 20 {
		t.Fatalf("20-byte address: %v %v", ib, err)
	}
	if _, err := ParseHWAddr("zz:00"); err == nil {
		t.Error("bad address parsed")
	}
	if (HWAddr{}).IsValid() || (HWAddr{}).String() != "" || (HWAddr{}).Bytes() != nil {
		t.Error("zero HWAddr")
	}
	if HWAddrFrom(a.Bytes()) != a {
		t.Error("round trip")
	}
	var u HWAddr
	if err := u.UnmarshalText([]byte("02:00:00:00:00:0a")); err != nil || u != a {
		t.Error("UnmarshalText")
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{ScopeLink.String(), "link"}, {ScopeUniverse.String(), "global"}, {Scope(7).String(), "7"},
		{ProtocolKernel.String(), "kernel"}, {Protocol(250).String(), "250"},
		{TypeBlackhole.String(), "blackhole"}, {OperLowerLayerDown.String(), "LOWERLAYERDOWN"},
		{LinkFlags(unix.IFF_UP).String(), "NO-CARRIER,UP"}, {(NeighReachable | NeighPermanent).String(), "REACHABLE,PERMANENT"},
		{NeighNone.String(), "NONE"}, {RuleToTable.String(), "unicast"}, {TableName(254), "main"}, {TableName(1000), "1000"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	if tb, ok := ParseTable("local"); !ok || tb != 255 {
		t.Error("ParseTable local")
	}
	if p, ok := ParseProtocol("static"); !ok || p != ProtocolStatic {
		t.Error("ParseProtocol")
	}
	if s, ok := ParseNeighState("stale"); !ok || s != NeighStale {
		t.Error("ParseNeighState")
	}
	if rt, ok := ParseRouteType("unreachable"); !ok || rt != TypeUnreachable {
		t.Error("ParseRouteType")
	}
	if got := AddrFlags(unix.IFA_F_PERMANENT | unix.IFA_F_NOPREFIXROUTE).Names(unix.AF_INET); !reflect.DeepEqual(got, []string{"noprefixroute"}) {
		t.Errorf("addr flags %v", got)
	}
	if got := AddrFlags(unix.IFA_F_SECONDARY).Names(unix.AF_INET6); !reflect.DeepEqual(got, []string{"temporary", "dynamic"}) {
		t.Errorf("addr flags %v", got)
	}
}
