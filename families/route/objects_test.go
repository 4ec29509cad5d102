//go:build linux

package route

import (
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// vfLinkMessage is an RTM_NEWLINK payload of a PF with two VFs, as a driver's ndo_get_vf_config fills them.
func vfLinkMessage() []byte {
	ae := proto.NewAttrEncoder(make([]byte, sizeofIfInfomsg))
	ae.Uint32(unix.IFLA_NUM_VF, 2)
	list := ae.Nest(unix.IFLA_VFINFO_LIST)
	for vf := uint32(0); vf < 2; vf++ {
		n := ae.Nest(unix.IFLA_VF_INFO)
		mac := make([]byte, 36)
		binary.NativeEndian.PutUint32(mac, vf)
		copy(mac[4:], []byte{2, 0, 0, 0, 0, byte(vf + 1)})
		ae.Raw(unix.IFLA_VF_MAC, mac)
		bc := make([]byte, 32)
		copy(bc, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		ae.Raw(unix.IFLA_VF_BROADCAST, bc)
		u32s := func(t uint16, v ...uint32) {
			b := binary.NativeEndian.AppendUint32(nil, vf)
			for _, x := range v {
				b = binary.NativeEndian.AppendUint32(b, x)
			}
			ae.Raw(t, b)
		}
		u32s(unix.IFLA_VF_VLAN, 100+vf, 3)
		u32s(unix.IFLA_VF_TX_RATE, 0)
		u32s(unix.IFLA_VF_RATE, 10, 1000)
		u32s(unix.IFLA_VF_SPOOFCHK, 1)
		u32s(unix.IFLA_VF_LINK_STATE, unix.IFLA_VF_LINK_STATE_ENABLE)
		u32s(unix.IFLA_VF_RSS_QUERY_EN, 0xffffffff)
		u32s(unix.IFLA_VF_TRUST, 0)
		vl := ae.Nest(unix.IFLA_VF_VLAN_LIST)
		info := binary.NativeEndian.AppendUint32(nil, vf)
		info = binary.NativeEndian.AppendUint32(info, 100+vf)
		info = binary.NativeEndian.AppendUint32(info, 3)
		info = binary.BigEndian.AppendUint16(info, unix.ETH_P_8021Q)
		ae.Raw(unix.IFLA_VF_VLAN_INFO, append(info, 0, 0))
		ae.End(vl)
		st := ae.Nest(unix.IFLA_VF_STATS)
		ae.Uint64(unix.IFLA_VF_STATS_RX_PACKETS, 10)
		ae.Uint64(unix.IFLA_VF_STATS_TX_BYTES, 2000)
		ae.Uint64(unix.IFLA_VF_STATS_TX_DROPPED, 1)
		ae.End(st)
		ae.End(n)
	}
	ae.End(list)
	return ae.Bytes()
}

func TestVFDecode(t *testing.T) {
	var l Link
	if err := l.UnmarshalBinary(vfLinkMessage()); err != nil {
		t.Fatal(err)
	}
	if l.NumVF != 2 || len(l.VFs) != 2 {
		t.Fatalf("NumVF %d, %d VFs", l.NumVF, len(l.VFs))
	}
	want := VFInfo{ID: 1, MAC: HWAddrFrom([]byte{2, 0, 0, 0, 0, 2}), Broadcast: HWAddrFrom([]byte{255, 255, 255, 255, 255, 255}),
		Vlan: 101, QoS: 3, VlanList: []VFVlan{{101, 3, unix.ETH_P_8021Q}}, MinTxRate: 10, MaxTxRate: 1000,
		SpoofChk: 1, HasSpoofChk: true, LinkState: unix.IFLA_VF_LINK_STATE_ENABLE, HasLinkState: true,
		RSSQueryEn: 0xffffffff, HasRSSQueryEn: true, HasTrust: true,
		Stats: VFStats{RxPackets: 10, TxBytes: 2000, TxDropped: 1}, HasStats: true}
	if !reflect.DeepEqual(l.VFs[1], want) {
		t.Errorf("VF 1:\n got %+v\nwant %+v", l.VFs[1], want)
	}
}

func statsMessage() []byte {
	ae := proto.NewAttrEncoder(statsRequest(4, StatsLink64|StatsXStats|StatsAFSpec))
	ae.Raw(unix.IFLA_STATS_LINK_64, make([]byte, 8*25))
	x := ae.Nest(unix.IFLA_STATS_LINK_XSTATS)
	ae.Raw(1, []byte{8, 0, 1, 0, 1, 2, 3, 4})
	ae.End(x)
	af := ae.Nest(unix.IFLA_STATS_AF_SPEC)
	m := ae.Nest(afMPLS)
	ae.Raw(mplsStatsLink, make([]byte, 72))
	ae.End(m)
	ae.End(af)
	return ae.Bytes()
}

func TestIfStatsDecode(t *testing.T) {
	var s IfStats
	if err := s.UnmarshalBinary(statsMessage()); err != nil {
		t.Fatal(err)
	}
	if s.Index != 4 || !s.HasLink64 || !s.HasMPLS || len(s.XStats[1]) != 8 || s.FilterMask != StatsLink64|StatsXStats|StatsAFSpec {
		t.Errorf("%+v", s)
	}
}

func netconfMessage() []byte {
	ae := proto.NewAttrEncoder([]byte{unix.AF_INET, 0, 0, 0})
	ae.Int32(netconfaIfindex, NetconfAll)
	ae.Int32(netconfaForwarding, 1)
	ae.Int32(netconfaRPFilter, 2)
	return ae.Bytes()
}

func neighTableMessage() []byte {
	ae := proto.NewAttrEncoder([]byte{unix.AF_INET, 0, 0, 0})
	ae.String(ndtaName, "arp_cache")
	ae.Uint32(ndtaThresh1, 128)
	ae.Uint64(ndtaGCInterval, 30000)
	ae.Raw(ndtaConfig, make([]byte, 32))
	ae.Raw(ndtaStats, make([]byte, 88))
	p := ae.Nest(ndtaParms)
	ae.Uint32(1, 2)
	ae.Uint64(4, 30000)
	ae.Uint32(8, 101)
	ae.End(p)
	return ae.Bytes()
}

func TestNetconfNeighTableDecode(t *testing.T) {
	var n Netconf
	if err := n.UnmarshalBinary(netconfMessage()); err != nil {
		t.Fatal(err)
	}
	if n.Index != NetconfAll || n.Forwarding != 1 || n.RPFilter != 2 || n.ProxyNeigh != -1 {
		t.Errorf("%+v", n)
	}
	var nt NeighTable
	if err := nt.UnmarshalBinary(neighTableMessage()); err != nil {
		t.Fatal(err)
	}
	if nt.Name != "arp_cache" || nt.Thresh1 != 128 || nt.GCInterval != 30000 || !nt.HasConfig || !nt.HasStats ||
		!nt.HasParms || nt.Parms.IfIndex != 2 || nt.Parms.BaseReachableTime != 30000 || nt.Parms.QueueLen != 101 {
		t.Errorf("%+v", nt)
	}
}

func FuzzDecodeVFList(f *testing.F) {
	fuzzDecode(f, [][]byte{vfLinkMessage()}, func(b []byte) error { return new(Link).UnmarshalBinary(b) })
}

func FuzzDecodeIfStats(f *testing.F) {
	fuzzDecode(f, [][]byte{statsMessage()}, func(b []byte) error { return new(IfStats).UnmarshalBinary(b) })
}

func FuzzDecodeNetconf(f *testing.F) {
	fuzzDecode(f, [][]byte{netconfMessage()}, func(b []byte) error { return new(Netconf).UnmarshalBinary(b) })
}

func FuzzDecodeNeighTable(f *testing.F) {
	fuzzDecode(f, [][]byte{neighTableMessage()}, func(b []byte) error { return new(NeighTable).UnmarshalBinary(b) })
}

func TestNeighTableDedup(t *testing.T) {
	in := []NeighTable{{Family: 2, Name: "arp_cache", HasConfig: true}, {Family: 2, Name: "arp_cache", Parms: NeighTableParms{IfIndex: 1}},
		{Family: 2, Name: "arp_cache", HasConfig: true}, {Family: 2, Name: "arp_cache", Parms: NeighTableParms{IfIndex: 2}},
		{Family: 10, Name: "ndisc_cache", HasConfig: true}}
	out := dedupTables(in)
	if len(out) != 4 || out[2].Parms.IfIndex != 2 || out[3].Family != 10 {
		t.Errorf("%+v", out)
	}
}
