//go:build linux

package route

import (
	"encoding/binary"
	"fmt"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// BridgeID is struct ifla_bridge_id (IFLA_BR_ROOT_ID, IFLA_BR_BRIDGE_ID): a priority and an address.
type BridgeID struct {
	Priority uint16 // prio, big-endian on the wire
	Addr     HWAddr // addr
}

// String formats the id as ip does: "8000.2:0:0:0:0:1" (priority in hex, then the address without zero padding).
func (id BridgeID) String() string {
	s := fmt.Sprintf("%04x.", id.Priority)
	b := id.Addr.AppendTo(nil)
	for i, c := range b {
		if i > 0 {
			s += ":"
		}
		s += fmt.Sprintf("%x", c)
	}
	return s
}

func bridgeID(b []byte) BridgeID {
	if len(b) < 8 {
		return BridgeID{}
	}
	return BridgeID{Priority: binary.BigEndian.Uint16(b), Addr: HWAddrFrom(b[2:8])}
}

// Bridge is the data of a bridge: IFLA_BR_*. Times are in the kernel's clock_t units (centiseconds), as ip
// prints them. In requests, the fields that are not zero are sent, and the u8 settings whose Has field is set
// even when they are 0 (mcast_snooping 0 on a bridge the kernel creates with snooping on).
type Bridge struct {
	// ForwardDelay, HelloTime, MaxAge and AgeingTime are IFLA_BR_FORWARD_DELAY, IFLA_BR_HELLO_TIME,
	// IFLA_BR_MAX_AGE and IFLA_BR_AGEING_TIME.
	ForwardDelay, HelloTime, MaxAge, AgeingTime uint32
	// STPState is IFLA_BR_STP_STATE; Priority is IFLA_BR_PRIORITY.
	STPState uint32
	Priority uint16
	// VlanFiltering, VlanProtocol (host order) and VlanDefaultPVID are IFLA_BR_VLAN_FILTERING,
	// IFLA_BR_VLAN_PROTOCOL and IFLA_BR_VLAN_DEFAULT_PVID; VlanStatsEnabled and VlanStatsPerPort are
	// IFLA_BR_VLAN_STATS_ENABLED and IFLA_BR_VLAN_STATS_PER_PORT.
	VlanFiltering                      uint8
	VlanProtocol, VlanDefaultPVID      uint16
	VlanStatsEnabled, VlanStatsPerPort uint8
	// GroupFwdMask and GroupAddr are IFLA_BR_GROUP_FWD_MASK and IFLA_BR_GROUP_ADDR.
	GroupFwdMask uint16
	GroupAddr    HWAddr
	// RootID, BridgeID, RootPort, RootPathCost, TopologyChange and TopologyChangeDetected are the read-only
	// IFLA_BR_ROOT_ID, _BRIDGE_ID, _ROOT_PORT, _ROOT_PATH_COST, _TOPOLOGY_CHANGE and _TOPOLOGY_CHANGE_DETECTED.
	RootID, BridgeID                       BridgeID
	RootPort                               uint16
	RootPathCost                           uint32
	TopologyChange, TopologyChangeDetected uint8
	// HelloTimer, TCNTimer, TopologyChangeTimer and GCTimer are IFLA_BR_HELLO_TIMER, _TCN_TIMER,
	// _TOPOLOGY_CHANGE_TIMER and _GC_TIMER.
	HelloTimer, TCNTimer, TopologyChangeTimer, GCTimer uint64
	// McastRouter, McastSnooping, McastQueryUseIfaddr, McastQuerier, McastStatsEnabled, McastIGMPVersion and
	// McastMLDVersion are IFLA_BR_MCAST_ROUTER, _MCAST_SNOOPING, _MCAST_QUERY_USE_IFADDR, _MCAST_QUERIER,
	// _MCAST_STATS_ENABLED, _MCAST_IGMP_VERSION and _MCAST_MLD_VERSION.
	McastRouter, McastSnooping, McastQueryUseIfaddr, McastQuerier, McastStatsEnabled uint8
	McastIGMPVersion, McastMLDVersion                                                uint8
	// McastHashElasticity, McastHashMax, McastLastMemberCnt and McastStartupQueryCnt are the u32
	// IFLA_BR_MCAST_HASH_ELASTICITY, _HASH_MAX, _LAST_MEMBER_CNT and _STARTUP_QUERY_CNT.
	McastHashElasticity, McastHashMax, McastLastMemberCnt, McastStartupQueryCnt uint32
	// McastLastMemberIntvl, McastMembershipIntvl, McastQuerierIntvl, McastQueryIntvl,
	// McastQueryResponseIntvl and McastStartupQueryIntvl are the u64 IFLA_BR_MCAST_*_INTVL.
	McastLastMemberIntvl, McastMembershipIntvl, McastQuerierIntvl, McastQueryIntvl uint64
	McastQueryResponseIntvl, McastStartupQueryIntvl                                uint64
	// NfCallIptables, NfCallIp6tables and NfCallArptables are IFLA_BR_NF_CALL_IPTABLES, _IP6TABLES and
	// _ARPTABLES.
	NfCallIptables, NfCallIp6tables, NfCallArptables uint8
	// HasVlanFiltering, HasVlanStatsEnabled, HasVlanStatsPerPort, HasMcastRouter, HasMcastSnooping,
	// HasMcastQueryUseIfaddr, HasMcastQuerier, HasMcastStatsEnabled, HasNfCallIptables, HasNfCallIp6tables and
	// HasNfCallArptables say that the u8 setting of the same name is present, even when it is 0: the decoder sets
	// them for each of these attributes the kernel sends (br_fill_info sends them whatever their value; only
	// IFLA_BR_VLAN_FILTERING counts as present when it is 1 alone, see decode), and a request carries the setting
	// when its Has field is set or its value is not 0. Without them, 0 could not be asked for where the kernel's
	// default is not 0 (IFLA_BR_MCAST_SNOOPING and IFLA_BR_MCAST_ROUTER default to 1) or where a bridge has
	// another value to change (HasVlanFiltering with VlanFiltering 0 turns filtering off).
	HasVlanFiltering, HasVlanStatsEnabled, HasVlanStatsPerPort                      bool
	HasMcastRouter, HasMcastSnooping, HasMcastQueryUseIfaddr, HasMcastQuerier       bool
	HasMcastStatsEnabled, HasNfCallIptables, HasNfCallIp6tables, HasNfCallArptables bool
	// NoLinkLocalLearn and McastVlanSnooping are bits of IFLA_BR_MULTI_BOOLOPT (BR_BOOLOPT_NO_LL_LEARN,
	// BR_BOOLOPT_MCAST_VLAN_SNOOPING).
	NoLinkLocalLearn, McastVlanSnooping bool
	// FDBNLearned and FDBMaxLearned are IFLA_BR_FDB_N_LEARNED and IFLA_BR_FDB_MAX_LEARNED.
	FDBNLearned, FDBMaxLearned uint32
}

// Kind implements LinkData: "bridge".
func (*Bridge) Kind() string { return "bridge" }

func (br *Bridge) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_BR_FORWARD_DELAY:
			br.ForwardDelay = ad.Uint32()
		case unix.IFLA_BR_HELLO_TIME:
			br.HelloTime = ad.Uint32()
		case unix.IFLA_BR_MAX_AGE:
			br.MaxAge = ad.Uint32()
		case unix.IFLA_BR_AGEING_TIME:
			br.AgeingTime = ad.Uint32()
		case unix.IFLA_BR_STP_STATE:
			br.STPState = ad.Uint32()
		case unix.IFLA_BR_PRIORITY:
			br.Priority = ad.Uint16()
		case unix.IFLA_BR_VLAN_FILTERING:
			// br_fill_info reports 0 also where the kernel is built without CONFIG_BRIDGE_VLAN_FILTERING, and such
			// a kernel refuses the attribute in a request whatever its value (EOPNOTSUPP), so a 0 listed there
			// must not be sent back; a new bridge starts with filtering off anyway.
			br.VlanFiltering = ad.Uint8()
			br.HasVlanFiltering = br.VlanFiltering != 0
		case unix.IFLA_BR_VLAN_PROTOCOL:
			br.VlanProtocol = ad.BE16()
		case unix.IFLA_BR_VLAN_DEFAULT_PVID:
			br.VlanDefaultPVID = ad.Uint16()
		case unix.IFLA_BR_VLAN_STATS_ENABLED:
			br.VlanStatsEnabled, br.HasVlanStatsEnabled = ad.Uint8(), true
		case unix.IFLA_BR_VLAN_STATS_PER_PORT:
			br.VlanStatsPerPort, br.HasVlanStatsPerPort = ad.Uint8(), true
		case unix.IFLA_BR_GROUP_FWD_MASK:
			br.GroupFwdMask = ad.Uint16()
		case unix.IFLA_BR_GROUP_ADDR:
			br.GroupAddr = HWAddrFrom(ad.Bytes())
		case unix.IFLA_BR_ROOT_ID:
			br.RootID = bridgeID(ad.Bytes())
		case unix.IFLA_BR_BRIDGE_ID:
			br.BridgeID = bridgeID(ad.Bytes())
		case unix.IFLA_BR_ROOT_PORT:
			br.RootPort = ad.Uint16()
		case unix.IFLA_BR_ROOT_PATH_COST:
			br.RootPathCost = ad.Uint32()
		case unix.IFLA_BR_TOPOLOGY_CHANGE:
			br.TopologyChange = ad.Uint8()
		case unix.IFLA_BR_TOPOLOGY_CHANGE_DETECTED:
			br.TopologyChangeDetected = ad.Uint8()
		case unix.IFLA_BR_HELLO_TIMER:
			br.HelloTimer = ad.Uint64()
		case unix.IFLA_BR_TCN_TIMER:
			br.TCNTimer = ad.Uint64()
		case unix.IFLA_BR_TOPOLOGY_CHANGE_TIMER:
			br.TopologyChangeTimer = ad.Uint64()
		case unix.IFLA_BR_GC_TIMER:
			br.GCTimer = ad.Uint64()
		case unix.IFLA_BR_MCAST_ROUTER:
			br.McastRouter, br.HasMcastRouter = ad.Uint8(), true
		case unix.IFLA_BR_MCAST_SNOOPING:
			br.McastSnooping, br.HasMcastSnooping = ad.Uint8(), true
		case unix.IFLA_BR_MCAST_QUERY_USE_IFADDR:
			br.McastQueryUseIfaddr, br.HasMcastQueryUseIfaddr = ad.Uint8(), true
		case unix.IFLA_BR_MCAST_QUERIER:
			br.McastQuerier, br.HasMcastQuerier = ad.Uint8(), true
		case unix.IFLA_BR_MCAST_STATS_ENABLED:
			br.McastStatsEnabled, br.HasMcastStatsEnabled = ad.Uint8(), true
		case unix.IFLA_BR_MCAST_IGMP_VERSION:
			br.McastIGMPVersion = ad.Uint8()
		case unix.IFLA_BR_MCAST_MLD_VERSION:
			br.McastMLDVersion = ad.Uint8()
		case unix.IFLA_BR_MCAST_HASH_ELASTICITY:
			br.McastHashElasticity = ad.Uint32()
		case unix.IFLA_BR_MCAST_HASH_MAX:
			br.McastHashMax = ad.Uint32()
		case unix.IFLA_BR_MCAST_LAST_MEMBER_CNT:
			br.McastLastMemberCnt = ad.Uint32()
		case unix.IFLA_BR_MCAST_STARTUP_QUERY_CNT:
			br.McastStartupQueryCnt = ad.Uint32()
		case unix.IFLA_BR_MCAST_LAST_MEMBER_INTVL:
			br.McastLastMemberIntvl = ad.Uint64()
		case unix.IFLA_BR_MCAST_MEMBERSHIP_INTVL:
			br.McastMembershipIntvl = ad.Uint64()
		case unix.IFLA_BR_MCAST_QUERIER_INTVL:
			br.McastQuerierIntvl = ad.Uint64()
		case unix.IFLA_BR_MCAST_QUERY_INTVL:
			br.McastQueryIntvl = ad.Uint64()
		case unix.IFLA_BR_MCAST_QUERY_RESPONSE_INTVL:
			br.McastQueryResponseIntvl = ad.Uint64()
		case unix.IFLA_BR_MCAST_STARTUP_QUERY_INTVL:
			br.McastStartupQueryIntvl = ad.Uint64()
		case unix.IFLA_BR_NF_CALL_IPTABLES:
			br.NfCallIptables, br.HasNfCallIptables = ad.Uint8(), true
		case unix.IFLA_BR_NF_CALL_IP6TABLES:
			br.NfCallIp6tables, br.HasNfCallIp6tables = ad.Uint8(), true
		case unix.IFLA_BR_NF_CALL_ARPTABLES:
			br.NfCallArptables, br.HasNfCallArptables = ad.Uint8(), true
		case unix.IFLA_BR_MULTI_BOOLOPT:
			if p := ad.Bytes(); len(p) >= 4 {
				v := binary.NativeEndian.Uint32(p)
				br.NoLinkLocalLearn = v&(1<<brBooloptNoLLLearn) != 0
				br.McastVlanSnooping = v&(1<<brBooloptMcastVlanSnooping) != 0
			}
		case unix.IFLA_BR_FDB_N_LEARNED:
			br.FDBNLearned = ad.Uint32()
		case unix.IFLA_BR_FDB_MAX_LEARNED:
			br.FDBMaxLearned = ad.Uint32()
		}
	}
	return ad.Err()
}

func (br *Bridge) encode(ae *proto.AttrEncoder) error {
	for _, f := range []struct {
		t uint16
		v uint32
	}{{unix.IFLA_BR_FORWARD_DELAY, br.ForwardDelay}, {unix.IFLA_BR_HELLO_TIME, br.HelloTime},
		{unix.IFLA_BR_MAX_AGE, br.MaxAge}, {unix.IFLA_BR_AGEING_TIME, br.AgeingTime},
		{unix.IFLA_BR_STP_STATE, br.STPState}, {unix.IFLA_BR_MCAST_HASH_MAX, br.McastHashMax},
		{unix.IFLA_BR_FDB_MAX_LEARNED, br.FDBMaxLearned}} {
		if f.v != 0 {
			ae.Uint32(f.t, f.v)
		}
	}
	if br.Priority != 0 {
		ae.Uint16(unix.IFLA_BR_PRIORITY, br.Priority)
	}
	if br.VlanProtocol != 0 {
		ae.BE16(unix.IFLA_BR_VLAN_PROTOCOL, br.VlanProtocol)
	}
	if br.VlanDefaultPVID != 0 {
		ae.Uint16(unix.IFLA_BR_VLAN_DEFAULT_PVID, br.VlanDefaultPVID)
	}
	if br.GroupFwdMask != 0 {
		ae.Uint16(unix.IFLA_BR_GROUP_FWD_MASK, br.GroupFwdMask)
	}
	if br.GroupAddr.IsValid() {
		ae.Raw(unix.IFLA_BR_GROUP_ADDR, br.GroupAddr.AppendTo(nil))
	}
	for _, f := range []struct {
		t   uint16
		v   uint8
		has bool
	}{{unix.IFLA_BR_VLAN_FILTERING, br.VlanFiltering, br.HasVlanFiltering},
		{unix.IFLA_BR_VLAN_STATS_ENABLED, br.VlanStatsEnabled, br.HasVlanStatsEnabled},
		{unix.IFLA_BR_VLAN_STATS_PER_PORT, br.VlanStatsPerPort, br.HasVlanStatsPerPort},
		{unix.IFLA_BR_MCAST_ROUTER, br.McastRouter, br.HasMcastRouter},
		{unix.IFLA_BR_MCAST_SNOOPING, br.McastSnooping, br.HasMcastSnooping},
		{unix.IFLA_BR_MCAST_QUERY_USE_IFADDR, br.McastQueryUseIfaddr, br.HasMcastQueryUseIfaddr},
		{unix.IFLA_BR_MCAST_QUERIER, br.McastQuerier, br.HasMcastQuerier},
		{unix.IFLA_BR_MCAST_STATS_ENABLED, br.McastStatsEnabled, br.HasMcastStatsEnabled},
		{unix.IFLA_BR_MCAST_IGMP_VERSION, br.McastIGMPVersion, false},
		{unix.IFLA_BR_MCAST_MLD_VERSION, br.McastMLDVersion, false},
		{unix.IFLA_BR_NF_CALL_IPTABLES, br.NfCallIptables, br.HasNfCallIptables},
		{unix.IFLA_BR_NF_CALL_IP6TABLES, br.NfCallIp6tables, br.HasNfCallIp6tables},
		{unix.IFLA_BR_NF_CALL_ARPTABLES, br.NfCallArptables, br.HasNfCallArptables}} {
		if f.v != 0 || f.has {
			ae.Uint8(f.t, f.v)
		}
	}
	return nil
}

// BridgePort is the data of a bridge port: IFLA_INFO_SLAVE_DATA of kind "bridge", IFLA_BRPORT_*. In requests
// (LinkSet.SlaveData), Priority and Cost are sent when not zero and the switches that are true.
type BridgePort struct {
	// State is IFLA_BRPORT_STATE (BR_STATE_DISABLED 0 ... BR_STATE_BLOCKING 4); Priority, Cost are
	// IFLA_BRPORT_PRIORITY and IFLA_BRPORT_COST.
	State    uint8
	Priority uint16
	Cost     uint32
	// Hairpin (IFLA_BRPORT_MODE), Guard, Protect, FastLeave, Learning, UnicastFlood, ProxyARP, ProxyARPWiFi,
	// McastFlood, McastToUcast, VlanTunnel, BcastFlood, NeighSuppress, Isolated, Locked, MAB and
	// NeighVlanSuppress are the u8 switches IFLA_BRPORT_*.
	Hairpin, Guard, Protect, FastLeave, Learning, UnicastFlood, ProxyARP, ProxyARPWiFi bool
	McastFlood, McastToUcast, VlanTunnel, BcastFlood, NeighSuppress, Isolated          bool
	Locked, MAB, NeighVlanSuppress                                                     bool
	// RootID, BridgeID, DesignatedPort, DesignatedCost, ID and No are IFLA_BRPORT_ROOT_ID, _BRIDGE_ID,
	// _DESIGNATED_PORT, _DESIGNATED_COST, _ID and _NO.
	RootID, BridgeID                       BridgeID
	DesignatedPort, DesignatedCost, ID, No uint16
	// MulticastRouter is IFLA_BRPORT_MULTICAST_ROUTER; GroupFwdMask is IFLA_BRPORT_GROUP_FWD_MASK.
	MulticastRouter uint8
	GroupFwdMask    uint16
	// MessageAgeTimer, ForwardDelayTimer and HoldTimer are the u64 IFLA_BRPORT_*_TIMER.
	MessageAgeTimer, ForwardDelayTimer, HoldTimer uint64
	// BackupPort is IFLA_BRPORT_BACKUP_PORT; BackupNHID is IFLA_BRPORT_BACKUP_NHID.
	BackupPort, BackupNHID uint32
	// McastNGroups and McastMaxGroups are IFLA_BRPORT_MCAST_N_GROUPS and IFLA_BRPORT_MCAST_MAX_GROUPS.
	McastNGroups, McastMaxGroups uint32
	// TopologyChangeAck and ConfigPending are the read-only u8 IFLA_BRPORT_TOPOLOGY_CHANGE_ACK and
	// IFLA_BRPORT_CONFIG_PENDING.
	TopologyChangeAck, ConfigPending uint8
}

// SlaveKind implements LinkSlaveData: "bridge".
func (*BridgePort) SlaveKind() string { return "bridge" }

func (p *BridgePort) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_BRPORT_STATE:
			p.State = ad.Uint8()
		case unix.IFLA_BRPORT_PRIORITY:
			p.Priority = ad.Uint16()
		case unix.IFLA_BRPORT_COST:
			p.Cost = ad.Uint32()
		case unix.IFLA_BRPORT_MODE:
			p.Hairpin = ad.Uint8() != 0
		case unix.IFLA_BRPORT_GUARD:
			p.Guard = ad.Uint8() != 0
		case unix.IFLA_BRPORT_PROTECT:
			p.Protect = ad.Uint8() != 0
		case unix.IFLA_BRPORT_FAST_LEAVE:
			p.FastLeave = ad.Uint8() != 0
		case unix.IFLA_BRPORT_LEARNING:
			p.Learning = ad.Uint8() != 0
		case unix.IFLA_BRPORT_UNICAST_FLOOD:
			p.UnicastFlood = ad.Uint8() != 0
		case unix.IFLA_BRPORT_PROXYARP:
			p.ProxyARP = ad.Uint8() != 0
		case unix.IFLA_BRPORT_PROXYARP_WIFI:
			p.ProxyARPWiFi = ad.Uint8() != 0
		case unix.IFLA_BRPORT_MCAST_FLOOD:
			p.McastFlood = ad.Uint8() != 0
		case unix.IFLA_BRPORT_MCAST_TO_UCAST:
			p.McastToUcast = ad.Uint8() != 0
		case unix.IFLA_BRPORT_VLAN_TUNNEL:
			p.VlanTunnel = ad.Uint8() != 0
		case unix.IFLA_BRPORT_BCAST_FLOOD:
			p.BcastFlood = ad.Uint8() != 0
		case unix.IFLA_BRPORT_NEIGH_SUPPRESS:
			p.NeighSuppress = ad.Uint8() != 0
		case unix.IFLA_BRPORT_ISOLATED:
			p.Isolated = ad.Uint8() != 0
		case unix.IFLA_BRPORT_LOCKED:
			p.Locked = ad.Uint8() != 0
		case unix.IFLA_BRPORT_MAB:
			p.MAB = ad.Uint8() != 0
		case unix.IFLA_BRPORT_NEIGH_VLAN_SUPPRESS:
			p.NeighVlanSuppress = ad.Uint8() != 0
		case unix.IFLA_BRPORT_ROOT_ID:
			p.RootID = bridgeID(ad.Bytes())
		case unix.IFLA_BRPORT_BRIDGE_ID:
			p.BridgeID = bridgeID(ad.Bytes())
		case unix.IFLA_BRPORT_DESIGNATED_PORT:
			p.DesignatedPort = ad.Uint16()
		case unix.IFLA_BRPORT_DESIGNATED_COST:
			p.DesignatedCost = ad.Uint16()
		case unix.IFLA_BRPORT_ID:
			p.ID = ad.Uint16()
		case unix.IFLA_BRPORT_NO:
			p.No = ad.Uint16()
		case unix.IFLA_BRPORT_MULTICAST_ROUTER:
			p.MulticastRouter = ad.Uint8()
		case unix.IFLA_BRPORT_GROUP_FWD_MASK:
			p.GroupFwdMask = ad.Uint16()
		case unix.IFLA_BRPORT_MESSAGE_AGE_TIMER:
			p.MessageAgeTimer = ad.Uint64()
		case unix.IFLA_BRPORT_FORWARD_DELAY_TIMER:
			p.ForwardDelayTimer = ad.Uint64()
		case unix.IFLA_BRPORT_HOLD_TIMER:
			p.HoldTimer = ad.Uint64()
		case unix.IFLA_BRPORT_BACKUP_PORT:
			p.BackupPort = ad.Uint32()
		case unix.IFLA_BRPORT_BACKUP_NHID:
			p.BackupNHID = ad.Uint32()
		case unix.IFLA_BRPORT_MCAST_N_GROUPS:
			p.McastNGroups = ad.Uint32()
		case unix.IFLA_BRPORT_MCAST_MAX_GROUPS:
			p.McastMaxGroups = ad.Uint32()
		case unix.IFLA_BRPORT_TOPOLOGY_CHANGE_ACK:
			p.TopologyChangeAck = ad.Uint8()
		case unix.IFLA_BRPORT_CONFIG_PENDING:
			p.ConfigPending = ad.Uint8()
		}
	}
	return ad.Err()
}

func (p *BridgePort) encode(ae *proto.AttrEncoder) error {
	if p.Priority != 0 {
		ae.Uint16(unix.IFLA_BRPORT_PRIORITY, p.Priority)
	}
	if p.Cost != 0 {
		ae.Uint32(unix.IFLA_BRPORT_COST, p.Cost)
	}
	for _, f := range []struct {
		t  uint16
		on bool
	}{{unix.IFLA_BRPORT_LEARNING, p.Learning}, {unix.IFLA_BRPORT_UNICAST_FLOOD, p.UnicastFlood},
		{unix.IFLA_BRPORT_MODE, p.Hairpin}, {unix.IFLA_BRPORT_ISOLATED, p.Isolated},
		{unix.IFLA_BRPORT_GUARD, p.Guard}, {unix.IFLA_BRPORT_PROTECT, p.Protect},
		{unix.IFLA_BRPORT_FAST_LEAVE, p.FastLeave}, {unix.IFLA_BRPORT_PROXYARP, p.ProxyARP},
		{unix.IFLA_BRPORT_MCAST_FLOOD, p.McastFlood}, {unix.IFLA_BRPORT_BCAST_FLOOD, p.BcastFlood},
		{unix.IFLA_BRPORT_NEIGH_SUPPRESS, p.NeighSuppress}} {
		if f.on {
			ae.Uint8(f.t, 1)
		}
	}
	return nil
}
