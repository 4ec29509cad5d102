//go:build linux

package route

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// The attributes of IFLA_AF_SPEC in an AF_BRIDGE link message (linux/if_bridge.h), and the extension mask of
// the dump request that asks for them.
const (
	iflaBridgeFlags          = 0 // IFLA_BRIDGE_FLAGS
	iflaBridgeVlanInfo       = 2 // IFLA_BRIDGE_VLAN_INFO
	iflaBridgeVlanTunnelInfo = 3 // IFLA_BRIDGE_VLAN_TUNNEL_INFO

	iflaBridgeVlanTunnelID    = 1 // IFLA_BRIDGE_VLAN_TUNNEL_ID
	iflaBridgeVlanTunnelVID   = 2 // IFLA_BRIDGE_VLAN_TUNNEL_VID
	iflaBridgeVlanTunnelFlags = 3 // IFLA_BRIDGE_VLAN_TUNNEL_FLAGS

	bridgeFlagsMaster = 1 // BRIDGE_FLAGS_MASTER
	bridgeFlagsSelf   = 2 // BRIDGE_FLAGS_SELF

	rtextFilterBrvlan           = 1 << 1 // RTEXT_FILTER_BRVLAN
	rtextFilterBrvlanCompressed = 1 << 2 // RTEXT_FILTER_BRVLAN_COMPRESSED
)

// BridgeVlanFlags are the BRIDGE_VLAN_INFO_* flags of struct bridge_vlan_info.
type BridgeVlanFlags uint16

// The BRIDGE_VLAN_INFO_* flags.
const (
	// BridgeVlanMaster is BRIDGE_VLAN_INFO_MASTER: the request is for the bridge (master) side.
	BridgeVlanMaster BridgeVlanFlags = 1 << 0
	// BridgeVlanPVID is BRIDGE_VLAN_INFO_PVID: untagged ingress frames get this VLAN.
	BridgeVlanPVID BridgeVlanFlags = 1 << 1
	// BridgeVlanUntagged is BRIDGE_VLAN_INFO_UNTAGGED: egress frames leave untagged.
	BridgeVlanUntagged BridgeVlanFlags = 1 << 2
	// BridgeVlanRangeBegin and BridgeVlanRangeEnd are BRIDGE_VLAN_INFO_RANGE_BEGIN and _RANGE_END: the first
	// and last VLAN of a range (compressed dumps, range requests).
	BridgeVlanRangeBegin BridgeVlanFlags = 1 << 3
	BridgeVlanRangeEnd   BridgeVlanFlags = 1 << 4
	// BridgeVlanBrEntry is BRIDGE_VLAN_INFO_BRENTRY: a global bridge VLAN entry.
	BridgeVlanBrEntry BridgeVlanFlags = 1 << 5
	// BridgeVlanOnlyOpts is BRIDGE_VLAN_INFO_ONLY_OPTS: change only the options of an existing VLAN.
	BridgeVlanOnlyOpts BridgeVlanFlags = 1 << 6
)

// BridgeVlanInfo is struct bridge_vlan_info: one VLAN of a bridge port (IFLA_BRIDGE_VLAN_INFO, and
// BRIDGE_VLANDB_ENTRY_INFO in RTM_NEWVLAN messages).
type BridgeVlanInfo struct {
	Flags BridgeVlanFlags
	VID   uint16
}

// sizeofBridgeVlanInfo is sizeof(struct bridge_vlan_info).
const sizeofBridgeVlanInfo = 4

func bridgeVlanInfoFrom(b []byte) (BridgeVlanInfo, error) {
	if len(b) < sizeofBridgeVlanInfo {
		return BridgeVlanInfo{}, errShort("bridge_vlan_info", len(b), sizeofBridgeVlanInfo)
	}
	return BridgeVlanInfo{Flags: BridgeVlanFlags(binary.NativeEndian.Uint16(b)), VID: binary.NativeEndian.Uint16(b[2:])}, nil
}

func (v BridgeVlanInfo) bytes() []byte {
	var b [sizeofBridgeVlanInfo]byte
	binary.NativeEndian.PutUint16(b[:], uint16(v.Flags))
	binary.NativeEndian.PutUint16(b[2:], v.VID)
	return b[:]
}

// BridgeVlanTunnel is one IFLA_BRIDGE_VLAN_TUNNEL_INFO: the tunnel id (VNI) a VLAN maps to on a port with
// vlan_tunnel on (IFLA_BRIDGE_VLAN_TUNNEL_ID, _VID and _FLAGS; the flags mark a range's ends).
type BridgeVlanTunnel struct {
	ID    uint32
	VID   uint16
	Flags BridgeVlanFlags
}

// decodeBridgeAFSpec decodes the IFLA_AF_SPEC of an AF_BRIDGE link message: the VLANs
// (IFLA_BRIDGE_VLAN_INFO) and VLAN-to-tunnel mappings (IFLA_BRIDGE_VLAN_TUNNEL_INFO) of the port.
func (l *Link) decodeBridgeAFSpec(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case iflaBridgeVlanInfo:
			v, err := bridgeVlanInfoFrom(ad.Bytes())
			if err != nil {
				return err
			}
			l.BridgeVlans = append(l.BridgeVlans, v)
		case iflaBridgeVlanTunnelInfo:
			var t BridgeVlanTunnel
			nd := ad.Nested()
			for nd.Next() {
				switch nd.Type() {
				case iflaBridgeVlanTunnelID:
					t.ID = nd.Uint32()
				case iflaBridgeVlanTunnelVID:
					t.VID = nd.Uint16()
				case iflaBridgeVlanTunnelFlags:
					t.Flags = BridgeVlanFlags(nd.Uint16())
				}
			}
			if err := nd.Err(); err != nil {
				return err
			}
			l.BridgeVlanTunnels = append(l.BridgeVlanTunnels, t)
		}
	}
	return ad.Err()
}

// BridgeVlan is what `bridge vlan add` and `bridge vlan del` send: a VLAN or range of VLANs of a port or
// bridge, with its flags and optionally the tunnel id it maps to.
type BridgeVlan struct {
	// Index is the port (or the bridge itself, with Self).
	Index int32
	// VID is the VLAN; VIDEnd, when above VID, ends a range (vid VID-VIDEnd).
	VID, VIDEnd uint16
	// PVID and Untagged are `pvid` and `untagged` (BRIDGE_VLAN_INFO_PVID, BRIDGE_VLAN_INFO_UNTAGGED).
	PVID, Untagged bool
	// Self and Master are `self` and `master` (IFLA_BRIDGE_FLAGS BRIDGE_FLAGS_SELF, BRIDGE_FLAGS_MASTER);
	// neither sends no IFLA_BRIDGE_FLAGS, which the kernel takes as master.
	Self, Master bool
	// TunnelID, when not 0, is `tunnel_info id`: the tunnel id (VNI) the VLAN maps to; a range maps to the
	// range of ids starting at TunnelID. The request then carries IFLA_BRIDGE_VLAN_TUNNEL_INFO instead of
	// IFLA_BRIDGE_VLAN_INFO, as bridge does.
	TunnelID uint32
}

// request encodes b as the ifinfomsg (AF_BRIDGE) and IFLA_AF_SPEC of an RTM_SETLINK or RTM_DELLINK.
func (v *BridgeVlan) request() ([]byte, error) {
	if v.Index == 0 {
		return nil, fmt.Errorf("route: bridge vlan: no link (Index)")
	}
	if v.VID == 0 || v.VID >= 4095 || (v.VIDEnd != 0 && (v.VIDEnd < v.VID || v.VIDEnd >= 4095)) {
		return nil, fmt.Errorf("route: bridge vlan: invalid VLAN id %d-%d", v.VID, v.VIDEnd)
	}
	b := make([]byte, sizeofIfInfomsg, 64)
	b[0] = unix.AF_BRIDGE
	binary.NativeEndian.PutUint32(b[4:8], uint32(v.Index))
	ae := proto.NewAttrEncoder(b)
	spec := ae.Nest(unix.IFLA_AF_SPEC)
	var fl uint16
	if v.Self {
		fl |= bridgeFlagsSelf
	}
	if v.Master {
		fl |= bridgeFlagsMaster
	}
	if fl != 0 {
		ae.Uint16(iflaBridgeFlags, fl)
	}
	var flags BridgeVlanFlags
	if v.PVID {
		flags |= BridgeVlanPVID
	}
	if v.Untagged {
		flags |= BridgeVlanUntagged
	}
	if v.TunnelID != 0 {
		put := func(id uint32, vid uint16, f BridgeVlanFlags) {
			n := ae.Nest(iflaBridgeVlanTunnelInfo)
			ae.Uint32(iflaBridgeVlanTunnelID, id)
			ae.Uint16(iflaBridgeVlanTunnelVID, vid)
			if f != 0 {
				ae.Uint16(iflaBridgeVlanTunnelFlags, uint16(f))
			}
			ae.End(n)
		}
		if v.VIDEnd > v.VID {
			put(v.TunnelID, v.VID, BridgeVlanRangeBegin)
			put(v.TunnelID+uint32(v.VIDEnd-v.VID), v.VIDEnd, BridgeVlanRangeEnd)
		} else {
			put(v.TunnelID, v.VID, 0)
		}
	} else if v.VIDEnd > v.VID {
		ae.Raw(iflaBridgeVlanInfo, BridgeVlanInfo{Flags: flags | BridgeVlanRangeBegin, VID: v.VID}.bytes())
		ae.Raw(iflaBridgeVlanInfo, BridgeVlanInfo{Flags: flags | BridgeVlanRangeEnd, VID: v.VIDEnd}.bytes())
	} else {
		ae.Raw(iflaBridgeVlanInfo, BridgeVlanInfo{Flags: flags, VID: v.VID}.bytes())
	}
	ae.End(spec)
	return ae.Bytes(), nil
}

func (v *BridgeVlan) describe() string {
	if v.VIDEnd > v.VID {
		return fmt.Sprintf("vid %d-%d dev %d", v.VID, v.VIDEnd, v.Index)
	}
	return fmt.Sprintf("vid %d dev %d", v.VID, v.Index)
}

// BridgeVlanService lists, adds and deletes the VLANs of bridge ports, as `bridge vlan` does: through AF_BRIDGE
// link messages (RTM_GETLINK with RTEXT_FILTER_BRVLAN, RTM_SETLINK and RTM_DELLINK with IFLA_AF_SPEC), and
// through the VLAN database (RTM_GETVLAN). Get one with Client.BridgeVlan. The kernel needs bridge VLAN
// filtering (CONFIG_BRIDGE_VLAN_FILTERING) for all of it.
type BridgeVlanService struct{ c *Client }

// BridgeVlan returns the service of bridge port VLANs on c.
func (c *Client) BridgeVlan() BridgeVlanService { return BridgeVlanService{c} }

// List returns the AF_BRIDGE view of the bridge ports and bridges: an RTM_GETLINK dump with ifi_family AF_BRIDGE
// and IFLA_EXT_MASK RTEXT_FILTER_BRVLAN (every VLAN apart) or, with compressed, RTEXT_FILTER_BRVLAN_COMPRESSED
// (ranges as BridgeVlanRangeBegin/End pairs). Each Link's BridgeVlans and BridgeVlanTunnels hold its VLANs.
func (s BridgeVlanService) List(ctx context.Context, compressed bool) ([]Link, error) {
	b := make([]byte, sizeofIfInfomsg, 32)
	b[0] = unix.AF_BRIDGE
	ae := proto.NewAttrEncoder(b)
	mask := uint32(rtextFilterBrvlan)
	if compressed {
		mask = rtextFilterBrvlanCompressed
	}
	ae.Uint32(unix.IFLA_EXT_MASK, mask)
	return s.c.Link.list(ctx, nil, (*LinkFilter)(nil), false, ae.Bytes())
}

// Add adds the VLAN (or range) v to a port or bridge: RTM_SETLINK with ifi_family AF_BRIDGE, as
// `bridge vlan add` does.
func (s BridgeVlanService) Add(ctx context.Context, v BridgeVlan) error {
	b, err := v.request()
	if err != nil {
		return err
	}
	return s.c.request(ctx, unix.RTM_SETLINK, 0, b, opName(unix.RTM_SETLINK, v.describe()))
}

// Delete removes the VLAN (or range) v from a port or bridge: RTM_DELLINK with ifi_family AF_BRIDGE, as
// `bridge vlan del` does.
func (s BridgeVlanService) Delete(ctx context.Context, v BridgeVlan) error {
	b, err := v.request()
	if err != nil {
		return err
	}
	return s.c.request(ctx, unix.RTM_DELLINK, 0, b, opName(unix.RTM_DELLINK, v.describe()))
}

// The RTM_*VLAN messages (struct br_vlan_msg and BRIDGE_VLANDB_* attributes, linux/if_bridge.h).
const (
	sizeofBrVlanMsg = 8

	bridgeVlandbEntry         = 1 // BRIDGE_VLANDB_ENTRY
	bridgeVlandbGlobalOptions = 2 // BRIDGE_VLANDB_GLOBAL_OPTIONS
	bridgeVlandbDumpFlags     = 1 // BRIDGE_VLANDB_DUMP_FLAGS, in dump requests (an enum of its own)

	bridgeVlandbDumpflStats = 1 // BRIDGE_VLANDB_DUMPFL_STATS

	bridgeVlandbEntryInfo           = 1 // BRIDGE_VLANDB_ENTRY_INFO
	bridgeVlandbEntryRange          = 2 // BRIDGE_VLANDB_ENTRY_RANGE
	bridgeVlandbEntryState          = 3 // BRIDGE_VLANDB_ENTRY_STATE
	bridgeVlandbEntryTunnelInfo     = 4 // BRIDGE_VLANDB_ENTRY_TUNNEL_INFO
	bridgeVlandbEntryStats          = 5 // BRIDGE_VLANDB_ENTRY_STATS
	bridgeVlandbEntryMcastRouter    = 6 // BRIDGE_VLANDB_ENTRY_MCAST_ROUTER
	bridgeVlandbEntryMcastNGroups   = 7 // BRIDGE_VLANDB_ENTRY_MCAST_N_GROUPS
	bridgeVlandbEntryMcastMaxGroups = 8 // BRIDGE_VLANDB_ENTRY_MCAST_MAX_GROUPS
	bridgeVlandbEntryNeighSuppress  = 9 // BRIDGE_VLANDB_ENTRY_NEIGH_SUPPRESS

	bridgeVlandbTinfoID = 1 // BRIDGE_VLANDB_TINFO_ID

	bridgeVlandbStatsRxBytes   = 1 // BRIDGE_VLANDB_STATS_RX_BYTES
	bridgeVlandbStatsRxPackets = 2 // BRIDGE_VLANDB_STATS_RX_PACKETS
	bridgeVlandbStatsTxBytes   = 3 // BRIDGE_VLANDB_STATS_TX_BYTES
	bridgeVlandbStatsTxPackets = 4 // BRIDGE_VLANDB_STATS_TX_PACKETS
)

// BridgeVlanDB is one RTM_NEWVLAN message: struct br_vlan_msg and its BRIDGE_VLANDB_ENTRY attributes, the
// VLANs of one port as `bridge vlan show` (and `bridge -d vlan show`) lists them from the VLAN database.
type BridgeVlanDB struct {
	// Family is the message's family (AF_BRIDGE); Index its ifindex, the port.
	Family uint8
	Index  int32
	// Entries are the BRIDGE_VLANDB_ENTRY attributes.
	Entries []BridgeVlanEntry
	// GlobalOptions is BRIDGE_VLANDB_GLOBAL_OPTIONS, undecoded (a dump with the global flag).
	GlobalOptions []byte
}

// BridgeVlanEntry is one BRIDGE_VLANDB_ENTRY.
type BridgeVlanEntry struct {
	// Info is BRIDGE_VLANDB_ENTRY_INFO; RangeEnd is BRIDGE_VLANDB_ENTRY_RANGE (0: a single VLAN).
	Info     BridgeVlanInfo
	RangeEnd uint16
	// State is BRIDGE_VLANDB_ENTRY_STATE (BR_STATE_*: 0 disabled, 1 listening, 2 learning, 3 forwarding,
	// 4 blocking).
	State uint8
	// TunnelID is BRIDGE_VLANDB_TINFO_ID inside BRIDGE_VLANDB_ENTRY_TUNNEL_INFO, valid when HasTunnel.
	TunnelID  uint32
	HasTunnel bool
	// Stats is BRIDGE_VLANDB_ENTRY_STATS (a dump with BRIDGE_VLANDB_DUMPFL_STATS).
	Stats BridgeVlanStats
	// McastRouter, McastNGroups, McastMaxGroups and NeighSuppress are BRIDGE_VLANDB_ENTRY_MCAST_ROUTER,
	// _MCAST_N_GROUPS, _MCAST_MAX_GROUPS and _NEIGH_SUPPRESS; the Has fields say they were present.
	McastRouter                                      uint8
	McastNGroups, McastMaxGroups                     uint32
	NeighSuppress                                    bool
	HasMcastRouter, HasMcastGroups, HasNeighSuppress bool
}

// BridgeVlanStats are the BRIDGE_VLANDB_STATS_* counters of a VLAN.
type BridgeVlanStats struct {
	RxBytes, RxPackets, TxBytes, TxPackets uint64
}

// UnmarshalBinary decodes an RTM_NEWVLAN payload.
func (v *BridgeVlanDB) UnmarshalBinary(b []byte) error {
	*v = BridgeVlanDB{}
	if len(b) < sizeofBrVlanMsg {
		return errShort("br_vlan_msg", len(b), sizeofBrVlanMsg)
	}
	v.Family = b[0]
	v.Index = int32(binary.NativeEndian.Uint32(b[4:8]))
	ad := proto.NewAttrDecoder(b[sizeofBrVlanMsg:])
	for ad.Next() {
		switch ad.Type() {
		case bridgeVlandbEntry:
			e, err := decodeBridgeVlanEntry(ad.Bytes())
			if err != nil {
				return err
			}
			v.Entries = append(v.Entries, e)
		case bridgeVlandbGlobalOptions:
			v.GlobalOptions = append([]byte(nil), ad.Bytes()...)
		}
	}
	return ad.Err()
}

func decodeBridgeVlanEntry(b []byte) (BridgeVlanEntry, error) {
	var e BridgeVlanEntry
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case bridgeVlandbEntryInfo:
			info, err := bridgeVlanInfoFrom(ad.Bytes())
			if err != nil {
				return e, err
			}
			e.Info = info
		case bridgeVlandbEntryRange:
			e.RangeEnd = ad.Uint16()
		case bridgeVlandbEntryState:
			e.State = ad.Uint8()
		case bridgeVlandbEntryTunnelInfo:
			nd := ad.Nested()
			for nd.Next() {
				if nd.Type() == bridgeVlandbTinfoID {
					e.TunnelID, e.HasTunnel = nd.Uint32(), true
				}
			}
			if err := nd.Err(); err != nil {
				return e, err
			}
		case bridgeVlandbEntryStats:
			nd := ad.Nested()
			for nd.Next() {
				switch nd.Type() {
				case bridgeVlandbStatsRxBytes:
					e.Stats.RxBytes = nd.Uint64()
				case bridgeVlandbStatsRxPackets:
					e.Stats.RxPackets = nd.Uint64()
				case bridgeVlandbStatsTxBytes:
					e.Stats.TxBytes = nd.Uint64()
				case bridgeVlandbStatsTxPackets:
					e.Stats.TxPackets = nd.Uint64()
				}
			}
			if err := nd.Err(); err != nil {
				return e, err
			}
		case bridgeVlandbEntryMcastRouter:
			e.McastRouter, e.HasMcastRouter = ad.Uint8(), true
		case bridgeVlandbEntryMcastNGroups:
			e.McastNGroups, e.HasMcastGroups = ad.Uint32(), true
		case bridgeVlandbEntryMcastMaxGroups:
			e.McastMaxGroups, e.HasMcastGroups = ad.Uint32(), true
		case bridgeVlandbEntryNeighSuppress:
			e.NeighSuppress, e.HasNeighSuppress = ad.Uint8() != 0, true
		}
	}
	return e, ad.Err()
}

// DB dumps the VLAN database (RTM_GETVLAN, as `bridge vlan show` does on kernels that have it): every port
// when index is 0, else the one port; stats asks for the per-VLAN counters (BRIDGE_VLANDB_DUMPFL_STATS).
func (s BridgeVlanService) DB(ctx context.Context, index int32, stats bool) ([]BridgeVlanDB, error) {
	b := make([]byte, sizeofBrVlanMsg, 16)
	b[0] = unix.AF_BRIDGE
	binary.NativeEndian.PutUint32(b[4:8], uint32(index))
	ae := proto.NewAttrEncoder(b)
	if stats {
		ae.Uint32(bridgeVlandbDumpFlags, bridgeVlandbDumpflStats)
	}
	return dumpDecoded(ctx, s.c, unix.RTM_GETVLAN, unix.RTM_NEWVLAN, "RTM_NEWVLAN", ae.Bytes(),
		func(p []byte) (BridgeVlanDB, error) {
			var v BridgeVlanDB
			err := v.UnmarshalBinary(p)
			return v, err
		})
}
