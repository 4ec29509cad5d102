//go:build linux

package route

import (
	"encoding/binary"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// VFInfo is one IFLA_VF_INFO of IFLA_VFINFO_LIST: an SR-IOV virtual function of a physical function, as
// `ip link show` prints its "vf N" lines. The kernel sends the list when the dump asks for it
// (IFLA_EXT_MASK with RTEXT_FILTER_VF).
type VFInfo struct {
	// ID is the VF number (the vf field of every IFLA_VF_* struct).
	ID uint32
	// MAC and Broadcast are IFLA_VF_MAC and IFLA_VF_BROADCAST (the first bytes of their 32, as long as the
	// link's own address).
	MAC, Broadcast HWAddr
	// Vlan and QoS are IFLA_VF_VLAN; VlanList is IFLA_VF_VLAN_LIST (with the VLAN protocol).
	Vlan, QoS uint32
	VlanList  []VFVlan
	// TxRate is IFLA_VF_TX_RATE; MinTxRate and MaxTxRate are IFLA_VF_RATE (Mbit/s).
	TxRate, MinTxRate, MaxTxRate uint32
	// SpoofChk, LinkState (IFLA_VF_LINK_STATE_AUTO 0, _ENABLE 1, _DISABLE 2), RSSQueryEn and Trust are
	// IFLA_VF_SPOOFCHK, IFLA_VF_LINK_STATE, IFLA_VF_RSS_QUERY_EN and IFLA_VF_TRUST; the kernel reports
	// 0xffffffff for a setting the driver does not support. The Has fields say they were present.
	SpoofChk, LinkState, RSSQueryEn, Trust             uint32
	HasSpoofChk, HasLinkState, HasRSSQueryEn, HasTrust bool
	// NodeGUID and PortGUID are IFLA_VF_IB_NODE_GUID and IFLA_VF_IB_PORT_GUID (InfiniBand).
	NodeGUID, PortGUID uint64
	// Stats is IFLA_VF_STATS; HasStats says it was present.
	Stats    VFStats
	HasStats bool
}

// VFVlan is struct ifla_vf_vlan_info (IFLA_VF_VLAN_INFO): a VLAN, its QoS and its protocol (ETH_P_8021Q,
// ETH_P_8021AD; host order here).
type VFVlan struct {
	Vlan, QoS uint32
	Proto     uint16
}

// VFStats are the IFLA_VF_STATS_* counters of a VF.
type VFStats struct {
	RxPackets, TxPackets, RxBytes, TxBytes, Broadcast, Multicast, RxDropped, TxDropped uint64
}

// decodeVFList decodes IFLA_VFINFO_LIST.
func decodeVFList(b []byte) ([]VFInfo, error) {
	var out []VFInfo
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		if ad.Type() != unix.IFLA_VF_INFO {
			continue
		}
		vf, err := decodeVF(ad.Bytes())
		if err != nil {
			return out, err
		}
		out = append(out, vf)
	}
	return out, ad.Err()
}

func decodeVF(b []byte) (VFInfo, error) {
	var vf VFInfo
	u32 := func(p []byte, i int) uint32 {
		if len(p) < 4*i+4 {
			return 0
		}
		return binary.NativeEndian.Uint32(p[4*i:])
	}
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		p := ad.Bytes()
		if len(p) >= 4 && ad.Type() != unix.IFLA_VF_BROADCAST && ad.Type() != unix.IFLA_VF_VLAN_LIST &&
			ad.Type() != unix.IFLA_VF_STATS {
			vf.ID = u32(p, 0)
		}
		switch ad.Type() {
		case unix.IFLA_VF_MAC:
			if len(p) >= 4+6 {
				vf.MAC = HWAddrFrom(trimHW(p[4:min(len(p), 36)]))
			}
		case unix.IFLA_VF_BROADCAST:
			vf.Broadcast = HWAddrFrom(trimHW(p[:min(len(p), 32)]))
		case unix.IFLA_VF_VLAN:
			vf.Vlan, vf.QoS = u32(p, 1), u32(p, 2)
		case unix.IFLA_VF_TX_RATE:
			vf.TxRate = u32(p, 1)
		case unix.IFLA_VF_RATE:
			vf.MinTxRate, vf.MaxTxRate = u32(p, 1), u32(p, 2)
		case unix.IFLA_VF_SPOOFCHK:
			vf.SpoofChk, vf.HasSpoofChk = u32(p, 1), true
		case unix.IFLA_VF_LINK_STATE:
			vf.LinkState, vf.HasLinkState = u32(p, 1), true
		case unix.IFLA_VF_RSS_QUERY_EN:
			vf.RSSQueryEn, vf.HasRSSQueryEn = u32(p, 1), true
		case unix.IFLA_VF_TRUST:
			vf.Trust, vf.HasTrust = u32(p, 1), true
		case unix.IFLA_VF_IB_NODE_GUID, unix.IFLA_VF_IB_PORT_GUID:
			if len(p) >= 16 {
				g := binary.NativeEndian.Uint64(p[8:])
				if ad.Type() == unix.IFLA_VF_IB_NODE_GUID {
					vf.NodeGUID = g
				} else {
					vf.PortGUID = g
				}
			}
		case unix.IFLA_VF_VLAN_LIST:
			nd := ad.Nested()
			for nd.Next() {
				q := nd.Bytes()
				if nd.Type() != unix.IFLA_VF_VLAN_INFO || len(q) < 14 {
					continue
				}
				vf.ID = u32(q, 0)
				vf.VlanList = append(vf.VlanList, VFVlan{Vlan: u32(q, 1), QoS: u32(q, 2),
					Proto: binary.BigEndian.Uint16(q[12:])})
			}
			if err := nd.Err(); err != nil {
				return vf, err
			}
		case unix.IFLA_VF_STATS:
			vf.HasStats = true
			nd := ad.Nested()
			for nd.Next() {
				var f *uint64
				switch nd.Type() {
				case unix.IFLA_VF_STATS_RX_PACKETS:
					f = &vf.Stats.RxPackets
				case unix.IFLA_VF_STATS_TX_PACKETS:
					f = &vf.Stats.TxPackets
				case unix.IFLA_VF_STATS_RX_BYTES:
					f = &vf.Stats.RxBytes
				case unix.IFLA_VF_STATS_TX_BYTES:
					f = &vf.Stats.TxBytes
				case unix.IFLA_VF_STATS_BROADCAST:
					f = &vf.Stats.Broadcast
				case unix.IFLA_VF_STATS_MULTICAST:
					f = &vf.Stats.Multicast
				case unix.IFLA_VF_STATS_RX_DROPPED:
					f = &vf.Stats.RxDropped
				case unix.IFLA_VF_STATS_TX_DROPPED:
					f = &vf.Stats.TxDropped
				default:
					continue
				}
				*f = nd.Uint64()
			}
			if err := nd.Err(); err != nil {
				return vf, err
			}
		}
	}
	return vf, ad.Err()
}

// trimHW cuts the zero padding of a 32-byte address field to an Ethernet address's 6 bytes when the rest is
// zero (ip prints as many bytes as the link's address has).
func trimHW(b []byte) []byte {
	if len(b) > 6 && zeroBytes(b[6:]) {
		return b[:6]
	}
	return b
}
