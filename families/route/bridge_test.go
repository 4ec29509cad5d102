//go:build linux

package route

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// fuzzDecode checks that decode never panics on any input; seeds are well-formed messages.
func fuzzDecode(f *testing.F, seeds [][]byte, decode func([]byte) error) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Add([]byte{})
	f.Add(make([]byte, 64))
	f.Fuzz(func(t *testing.T, b []byte) { _ = decode(b) })
}

// vlanDBMessage is an RTM_NEWVLAN payload for port index with one entry of each kind.
func vlanDBMessage(index int32) []byte {
	b := make([]byte, sizeofBrVlanMsg)
	b[0] = unix.AF_BRIDGE
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	ae := proto.NewAttrEncoder(b)
	n := ae.Nest(bridgeVlandbEntry)
	ae.Raw(bridgeVlandbEntryInfo, BridgeVlanInfo{Flags: BridgeVlanPVID | BridgeVlanUntagged, VID: 1}.bytes())
	ae.Uint8(bridgeVlandbEntryState, 3)
	ae.End(n)
	n = ae.Nest(bridgeVlandbEntry)
	ae.Raw(bridgeVlandbEntryInfo, BridgeVlanInfo{VID: 100}.bytes())
	ae.Uint16(bridgeVlandbEntryRange, 110)
	t := ae.Nest(bridgeVlandbEntryTunnelInfo)
	ae.Uint32(bridgeVlandbTinfoID, 5000)
	ae.End(t)
	s := ae.Nest(bridgeVlandbEntryStats)
	ae.Uint64(bridgeVlandbStatsRxBytes, 1)
	ae.Uint64(bridgeVlandbStatsTxPackets, 4)
	ae.End(s)
	ae.Uint8(bridgeVlandbEntryMcastRouter, 1)
	ae.End(n)
	return ae.Bytes()
}

func TestBridgeVlanDBDecode(t *testing.T) {
	var v BridgeVlanDB
	if err := v.UnmarshalBinary(vlanDBMessage(7)); err != nil {
		t.Fatal(err)
	}
	want := []BridgeVlanEntry{
		{Info: BridgeVlanInfo{Flags: BridgeVlanPVID | BridgeVlanUntagged, VID: 1}, State: 3},
		{Info: BridgeVlanInfo{VID: 100}, RangeEnd: 110, TunnelID: 5000, HasTunnel: true,
			Stats: BridgeVlanStats{RxBytes: 1, TxPackets: 4}, McastRouter: 1, HasMcastRouter: true},
	}
	if v.Index != 7 || v.Family != unix.AF_BRIDGE || len(v.Entries) != 2 || v.Entries[0] != want[0] || v.Entries[1] != want[1] {
		t.Errorf("decoded %+v\nwant entries %+v", v, want)
	}
}

// TestBridgeVlanRequestDecodes checks that what BridgeVlan sends (an AF_BRIDGE ifinfomsg with IFLA_AF_SPEC) is
// what the AF_BRIDGE link decoder reads back: the same attributes carry a port's VLANs in dumps.
func TestBridgeVlanRequestDecodes(t *testing.T) {
	for _, tc := range []struct {
		v       BridgeVlan
		vlans   []BridgeVlanInfo
		tunnels []BridgeVlanTunnel
	}{
		{BridgeVlan{Index: 3, VID: 10, PVID: true, Untagged: true},
			[]BridgeVlanInfo{{BridgeVlanPVID | BridgeVlanUntagged, 10}}, nil},
		{BridgeVlan{Index: 3, VID: 20, VIDEnd: 25, Self: true},
			[]BridgeVlanInfo{{BridgeVlanRangeBegin, 20}, {BridgeVlanRangeEnd, 25}}, nil},
		{BridgeVlan{Index: 3, VID: 20, VIDEnd: 21, TunnelID: 1000}, nil,
			[]BridgeVlanTunnel{{1000, 20, BridgeVlanRangeBegin}, {1001, 21, BridgeVlanRangeEnd}}},
	} {
		b, err := tc.v.request()
		if err != nil {
			t.Fatal(err)
		}
		var l Link
		if err := l.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		if l.Index != 3 || l.Family != unix.AF_BRIDGE || !equalSlices(l.BridgeVlans, tc.vlans) ||
			!equalSlices(l.BridgeVlanTunnels, tc.tunnels) {
			t.Errorf("%+v: decoded %+v %+v", tc.v, l.BridgeVlans, l.BridgeVlanTunnels)
		}
	}
	for _, bad := range []BridgeVlan{{VID: 1}, {Index: 1}, {Index: 1, VID: 4095}, {Index: 1, VID: 9, VIDEnd: 3}} {
		if _, err := bad.request(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func equalSlices[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// mdbMessage is an RTM_NEWMDB payload of bridge 2 with an IPv4, an IPv6 and an L2 entry and a router port.
func mdbMessage() []byte {
	b := make([]byte, sizeofBrPortMsg)
	b[0] = unix.AF_BRIDGE
	binary.NativeEndian.PutUint32(b[4:], 2)
	ae := proto.NewAttrEncoder(b)
	m := ae.Nest(mdbaMdb)
	for i, g := range []string{"239.1.1.1", "ff0e::1", ""} {
		e := MDBEntry{Bridge: 2, Port: 3, State: uint8(i % 2), VID: uint16(i), Group: netip.Addr{}}
		if g != "" {
			e.Group = netip.MustParseAddr(g)
		} else {
			e.MAC = HWAddrFrom([]byte{1, 0, 0x5e, 0, 0, 1})
		}
		req, err := e.request()
		if err != nil {
			panic(err)
		}
		ent := req[sizeofBrPortMsg+4 : sizeofBrPortMsg+4+sizeofBrMdbEntry] // MDBA_SET_ENTRY's payload
		n := ae.Nest(mdbaMdbEntry)
		info := ae.Nest(mdbaMdbEntryInfo)
		ae.Bytes()
		raw := append(ae.Bytes(), ent...)
		ae = proto.NewAttrEncoder(raw)
		ae.Uint32(mdbaMdbEattrTimer, 250)
		ae.Uint8(mdbaMdbEattrRtprot, 4)
		if i == 0 {
			ae.Uint8(mdbaMdbEattrGroupMode, 1)
			ae.Raw(mdbaMdbEattrSource, []byte{10, 0, 0, 1})
			l := ae.Nest(mdbaMdbEattrSrcList)
			s := ae.Nest(mdbaMdbSrclistEntry)
			ae.Raw(mdbaMdbSrcattrAddr, []byte{10, 0, 0, 1})
			ae.Uint32(mdbaMdbSrcattrTimer, 7)
			ae.End(s)
			ae.End(l)
		}
		ae.End(info)
		ae.End(n)
	}
	ae.End(m)
	r := ae.Nest(mdbaRouter)
	p := ae.Nest(mdbaRouterPort)
	raw := binary.NativeEndian.AppendUint32(ae.Bytes(), 3)
	ae = proto.NewAttrEncoder(raw)
	ae.Uint32(mdbaRouterPattrTimer, 9)
	ae.Uint8(mdbaRouterPattrType, 2)
	ae.End(p)
	ae.End(r)
	return ae.Bytes()
}

func TestMDBDecode(t *testing.T) {
	var m MDB
	if err := m.UnmarshalBinary(mdbMessage()); err != nil {
		t.Fatal(err)
	}
	if m.Index != 2 || len(m.Entries) != 3 || len(m.Routers) != 1 {
		t.Fatalf("decoded %+v", m)
	}
	e := m.Entries[0]
	if e.Group != netip.MustParseAddr("239.1.1.1") || e.Port != 3 || e.Timer != 250 || e.Protocol != 4 ||
		!e.HasGroupMode || e.GroupMode != 1 || e.Source != netip.MustParseAddr("10.0.0.1") ||
		len(e.Sources) != 1 || e.Sources[0].Timer != 7 || e.Bridge != 2 {
		t.Errorf("entry 0: %+v", e)
	}
	if m.Entries[1].Group != netip.MustParseAddr("ff0e::1") || m.Entries[1].State != MDBPermanent || m.Entries[1].VID != 1 {
		t.Errorf("entry 1: %+v", m.Entries[1])
	}
	if m.Entries[2].MAC.String() != "01:00:5e:00:00:01" || m.Entries[2].Group.IsValid() {
		t.Errorf("entry 2: %+v", m.Entries[2])
	}
	if m.Routers[0] != (MDBRouter{Port: 3, Timer: 9, Type: 2}) {
		t.Errorf("router: %+v", m.Routers[0])
	}
	if _, err := (&MDBEntry{Bridge: 1, Port: 2}).request(); err == nil {
		t.Error("an entry without a group encodes")
	}
}

func FuzzDecodeBridgeVlanDB(f *testing.F) {
	fuzzDecode(f, [][]byte{vlanDBMessage(1)}, func(b []byte) error { return new(BridgeVlanDB).UnmarshalBinary(b) })
}

func FuzzDecodeMDB(f *testing.F) {
	fuzzDecode(f, [][]byte{mdbMessage()}, func(b []byte) error { return new(MDB).UnmarshalBinary(b) })
}

// FuzzBridgeVlanRoundTrip encodes a BridgeVlan request and decodes it as the AF_BRIDGE link it is.
func FuzzBridgeVlanRoundTrip(f *testing.F) {
	f.Add(uint16(10), uint16(0), uint8(3), uint32(0))
	f.Add(uint16(10), uint16(20), uint8(0), uint32(77))
	f.Fuzz(func(t *testing.T, vid, end uint16, flags uint8, tunnel uint32) {
		v := BridgeVlan{Index: 5, VID: vid, VIDEnd: end, PVID: flags&1 != 0, Untagged: flags&2 != 0,
			Self: flags&4 != 0, Master: flags&8 != 0, TunnelID: tunnel}
		b, err := v.request()
		if err != nil {
			return
		}
		var l Link
		if err := l.UnmarshalBinary(b); err != nil {
			t.Fatalf("%+v: %v", v, err)
		}
		n := len(l.BridgeVlans) + len(l.BridgeVlanTunnels)
		if (end > vid && n != 2) || (end <= vid && n != 1) {
			t.Fatalf("%+v: decoded %+v %+v", v, l.BridgeVlans, l.BridgeVlanTunnels)
		}
	})
}
