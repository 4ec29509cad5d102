//go:build linux

package route

import (
	"net/netip"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Bond modes (IFLA_BOND_MODE).
const (
	BondBalanceRR    = 0 // BOND_MODE_ROUNDROBIN
	BondActiveBackup = 1 // BOND_MODE_ACTIVEBACKUP
	BondBalanceXOR   = 2 // BOND_MODE_XOR
	BondBroadcast    = 3 // BOND_MODE_BROADCAST
	Bond8023AD       = 4 // BOND_MODE_8023AD
	BondBalanceTLB   = 5 // BOND_MODE_TLB
	BondBalanceALB   = 6 // BOND_MODE_ALB
)

var bondModeNames = [...]string{"balance-rr", "active-backup", "balance-xor", "broadcast", "802.3ad",
	"balance-tlb", "balance-alb"}

// Bond is the data of a bonding master (drivers/net/bonding): IFLA_BOND_*. In requests, Mode is always sent and
// the other fields when they are not zero. The kernel reports every setting, including those that apply to
// other modes only (tlb_dynamic_lb, the 802.3ad ones), which it refuses in a request for a bond of another mode:
// build a request from the settings wanted rather than from a decoded bond.
type Bond struct {
	// Mode is IFLA_BOND_MODE (BondActiveBackup...).
	Mode uint8
	// ActiveSlave and Primary are IFLA_BOND_ACTIVE_SLAVE and IFLA_BOND_PRIMARY (link indexes).
	ActiveSlave, Primary uint32
	// MIIMon, UpDelay, DownDelay, PeerNotifDelay are IFLA_BOND_MIIMON, _UPDELAY, _DOWNDELAY, _PEER_NOTIF_DELAY
	// (milliseconds).
	MIIMon, UpDelay, DownDelay, PeerNotifDelay uint32
	// UseCarrier is IFLA_BOND_USE_CARRIER.
	UseCarrier uint8
	// ARPInterval, ARPValidate and ARPAllTargets are IFLA_BOND_ARP_INTERVAL, _ARP_VALIDATE, _ARP_ALL_TARGETS;
	// ARPIPTargets is IFLA_BOND_ARP_IP_TARGET and NSIP6Targets IFLA_BOND_NS_IP6_TARGET.
	ARPInterval, ARPValidate, ARPAllTargets uint32
	ARPIPTargets, NSIP6Targets              []netip.Addr
	// PrimaryReselect, FailOverMAC, XmitHashPolicy, NumPeerNotif, AllSlavesActive, ADLACPRate, ADSelect,
	// TLBDynamicLB, ADLACPActive, MissedMax and CoupledControl are the u8 IFLA_BOND_* of those names.
	PrimaryReselect, FailOverMAC, XmitHashPolicy, NumPeerNotif, AllSlavesActive uint8
	ADLACPRate, ADSelect, TLBDynamicLB, ADLACPActive, MissedMax, CoupledControl uint8
	// ResendIGMP, MinLinks, LPInterval and PacketsPerSlave are IFLA_BOND_RESEND_IGMP, _MIN_LINKS,
	// _LP_INTERVAL and _PACKETS_PER_SLAVE.
	ResendIGMP, MinLinks, LPInterval, PacketsPerSlave uint32
	// ADActorSysPrio, ADUserPortKey and ADActorSystem are IFLA_BOND_AD_ACTOR_SYS_PRIO, _AD_USER_PORT_KEY and
	// _AD_ACTOR_SYSTEM.
	ADActorSysPrio, ADUserPortKey uint16
	ADActorSystem                 HWAddr
}

// Kind implements LinkData: "bond".
func (*Bond) Kind() string { return "bond" }

// ModeName is ip's name of Mode ("balance-rr", "active-backup", "802.3ad"...).
func (b *Bond) ModeName() string {
	if int(b.Mode) < len(bondModeNames) {
		return bondModeNames[b.Mode]
	}
	return "unknown"
}

func (b *Bond) decode(data []byte) error {
	ad := proto.NewAttrDecoder(data)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_BOND_MODE:
			b.Mode = ad.Uint8()
		case unix.IFLA_BOND_ACTIVE_SLAVE:
			b.ActiveSlave = ad.Uint32()
		case unix.IFLA_BOND_PRIMARY:
			b.Primary = ad.Uint32()
		case unix.IFLA_BOND_MIIMON:
			b.MIIMon = ad.Uint32()
		case unix.IFLA_BOND_UPDELAY:
			b.UpDelay = ad.Uint32()
		case unix.IFLA_BOND_DOWNDELAY:
			b.DownDelay = ad.Uint32()
		case unix.IFLA_BOND_PEER_NOTIF_DELAY:
			b.PeerNotifDelay = ad.Uint32()
		case unix.IFLA_BOND_USE_CARRIER:
			b.UseCarrier = ad.Uint8()
		case unix.IFLA_BOND_ARP_INTERVAL:
			b.ARPInterval = ad.Uint32()
		case unix.IFLA_BOND_ARP_VALIDATE:
			b.ARPValidate = ad.Uint32()
		case unix.IFLA_BOND_ARP_ALL_TARGETS:
			b.ARPAllTargets = ad.Uint32()
		case unix.IFLA_BOND_ARP_IP_TARGET, unix.IFLA_BOND_NS_IP6_TARGET:
			var list []netip.Addr
			nd := ad.Nested()
			for nd.Next() {
				if a := addrFrom(nd.Bytes()); a.IsValid() {
					list = append(list, a)
				}
			}
			if err := nd.Err(); err != nil {
				return err
			}
			if ad.Type() == unix.IFLA_BOND_ARP_IP_TARGET {
				b.ARPIPTargets = list
			} else {
				b.NSIP6Targets = list
			}
		case unix.IFLA_BOND_PRIMARY_RESELECT:
			b.PrimaryReselect = ad.Uint8()
		case unix.IFLA_BOND_FAIL_OVER_MAC:
			b.FailOverMAC = ad.Uint8()
		case unix.IFLA_BOND_XMIT_HASH_POLICY:
			b.XmitHashPolicy = ad.Uint8()
		case unix.IFLA_BOND_NUM_PEER_NOTIF:
			b.NumPeerNotif = ad.Uint8()
		case unix.IFLA_BOND_ALL_SLAVES_ACTIVE:
			b.AllSlavesActive = ad.Uint8()
		case unix.IFLA_BOND_AD_LACP_RATE:
			b.ADLACPRate = ad.Uint8()
		case unix.IFLA_BOND_AD_SELECT:
			b.ADSelect = ad.Uint8()
		case unix.IFLA_BOND_TLB_DYNAMIC_LB:
			b.TLBDynamicLB = ad.Uint8()
		case unix.IFLA_BOND_AD_LACP_ACTIVE:
			b.ADLACPActive = ad.Uint8()
		case unix.IFLA_BOND_MISSED_MAX:
			b.MissedMax = ad.Uint8()
		case unix.IFLA_BOND_COUPLED_CONTROL:
			b.CoupledControl = ad.Uint8()
		case unix.IFLA_BOND_RESEND_IGMP:
			b.ResendIGMP = ad.Uint32()
		case unix.IFLA_BOND_MIN_LINKS:
			b.MinLinks = ad.Uint32()
		case unix.IFLA_BOND_LP_INTERVAL:
			b.LPInterval = ad.Uint32()
		case unix.IFLA_BOND_PACKETS_PER_SLAVE:
			b.PacketsPerSlave = ad.Uint32()
		case unix.IFLA_BOND_AD_ACTOR_SYS_PRIO:
			b.ADActorSysPrio = ad.Uint16()
		case unix.IFLA_BOND_AD_USER_PORT_KEY:
			b.ADUserPortKey = ad.Uint16()
		case unix.IFLA_BOND_AD_ACTOR_SYSTEM:
			b.ADActorSystem = HWAddrFrom(ad.Bytes())
		}
	}
	return ad.Err()
}

func (b *Bond) encode(ae *proto.AttrEncoder) error {
	ae.Uint8(unix.IFLA_BOND_MODE, b.Mode)
	for _, f := range []struct {
		t uint16
		v uint32
	}{{unix.IFLA_BOND_MIIMON, b.MIIMon}, {unix.IFLA_BOND_UPDELAY, b.UpDelay}, {unix.IFLA_BOND_DOWNDELAY, b.DownDelay},
		{unix.IFLA_BOND_ARP_INTERVAL, b.ARPInterval}, {unix.IFLA_BOND_ARP_VALIDATE, b.ARPValidate},
		{unix.IFLA_BOND_MIN_LINKS, b.MinLinks}, {unix.IFLA_BOND_RESEND_IGMP, b.ResendIGMP},
		{unix.IFLA_BOND_LP_INTERVAL, b.LPInterval}, {unix.IFLA_BOND_PACKETS_PER_SLAVE, b.PacketsPerSlave},
		{unix.IFLA_BOND_PEER_NOTIF_DELAY, b.PeerNotifDelay}, {unix.IFLA_BOND_ARP_ALL_TARGETS, b.ARPAllTargets},
		{unix.IFLA_BOND_ACTIVE_SLAVE, b.ActiveSlave}, {unix.IFLA_BOND_PRIMARY, b.Primary}} {
		if f.v != 0 {
			ae.Uint32(f.t, f.v)
		}
	}
	for _, f := range []struct {
		t uint16
		v uint8
	}{{unix.IFLA_BOND_XMIT_HASH_POLICY, b.XmitHashPolicy}, {unix.IFLA_BOND_AD_LACP_RATE, b.ADLACPRate},
		{unix.IFLA_BOND_AD_SELECT, b.ADSelect}, {unix.IFLA_BOND_FAIL_OVER_MAC, b.FailOverMAC},
		{unix.IFLA_BOND_PRIMARY_RESELECT, b.PrimaryReselect}, {unix.IFLA_BOND_ALL_SLAVES_ACTIVE, b.AllSlavesActive},
		{unix.IFLA_BOND_USE_CARRIER, b.UseCarrier}, {unix.IFLA_BOND_NUM_PEER_NOTIF, b.NumPeerNotif},
		{unix.IFLA_BOND_TLB_DYNAMIC_LB, b.TLBDynamicLB}, {unix.IFLA_BOND_AD_LACP_ACTIVE, b.ADLACPActive},
		{unix.IFLA_BOND_MISSED_MAX, b.MissedMax}, {unix.IFLA_BOND_COUPLED_CONTROL, b.CoupledControl}} {
		if f.v != 0 {
			ae.Uint8(f.t, f.v)
		}
	}
	if len(b.ARPIPTargets) > 0 {
		n := ae.NestRaw(unix.IFLA_BOND_ARP_IP_TARGET)
		for i, a := range b.ARPIPTargets {
			ae.Raw(uint16(i), a.AsSlice())
		}
		ae.End(n)
	}
	if len(b.NSIP6Targets) > 0 {
		n := ae.NestRaw(unix.IFLA_BOND_NS_IP6_TARGET)
		for i, a := range b.NSIP6Targets {
			ae.Raw(uint16(i), a.AsSlice())
		}
		ae.End(n)
	}
	if b.ADActorSysPrio != 0 {
		ae.Uint16(unix.IFLA_BOND_AD_ACTOR_SYS_PRIO, b.ADActorSysPrio)
	}
	if b.ADUserPortKey != 0 {
		ae.Uint16(unix.IFLA_BOND_AD_USER_PORT_KEY, b.ADUserPortKey)
	}
	if b.ADActorSystem.IsValid() {
		ae.Raw(unix.IFLA_BOND_AD_ACTOR_SYSTEM, b.ADActorSystem.AppendTo(nil))
	}
	return nil
}

// bondModes returns the set of modes (bit per BOND_MODE_*) as a mask.
func bondModes(modes ...uint8) uint32 {
	var m uint32
	for _, x := range modes {
		m |= 1 << x
	}
	return m
}

// Settable returns a copy of b without what a request for a bond of b.Mode cannot carry: the settings the
// kernel's option table (drivers/net/bonding/bond_options.c, unsuppmodes) refuses in that mode with "option not
// supported in mode" (the 802.3ad settings outside 802.3ad, packets_per_slave outside balance-rr,
// tlb_dynamic_lb outside balance-tlb/alb, arp_validate and arp_missed_max in 802.3ad/tlb/alb), and
// IFLA_BOND_ACTIVE_SLAVE and IFLA_BOND_PRIMARY, which name ports that a new bond does not have yet. Use it to
// make a bond like a decoded one: the kernel reports every setting, whatever the mode.
func (b *Bond) Settable() *Bond {
	c := *b
	in := func(modes ...uint8) bool { return bondModes(modes...)&(1<<c.Mode) != 0 }
	c.ActiveSlave, c.Primary = 0, 0
	if !in(BondBalanceRR) {
		c.PacketsPerSlave = 0
	}
	if !in(Bond8023AD) {
		c.ADLACPRate, c.ADSelect, c.ADLACPActive, c.ADActorSysPrio, c.ADUserPortKey = 0, 0, 0, 0, 0
		c.ADActorSystem, c.CoupledControl = HWAddr{}, 0
	}
	if !in(BondBalanceTLB, BondBalanceALB) {
		c.TLBDynamicLB = 0
	}
	if in(Bond8023AD, BondBalanceTLB, BondBalanceALB) {
		c.ARPValidate, c.MissedMax = 0, 0
	}
	return &c
}

// BondSlave is the data of a bond port: IFLA_INFO_SLAVE_DATA of kind "bond", IFLA_BOND_SLAVE_*.
type BondSlave struct {
	// State (0 active, 1 backup) and MIIStatus (0 up ...) are IFLA_BOND_SLAVE_STATE and _MII_STATUS.
	State, MIIStatus uint8
	// LinkFailureCount is IFLA_BOND_SLAVE_LINK_FAILURE_COUNT; PermHWAddr is IFLA_BOND_SLAVE_PERM_HWADDR.
	LinkFailureCount uint32
	PermHWAddr       HWAddr
	// QueueID, ADAggregatorID, ADActorOperPortState, ADPartnerOperPortState and Prio are the
	// IFLA_BOND_SLAVE_* of those names.
	QueueID, ADAggregatorID uint16
	ADActorOperPortState    uint8
	ADPartnerOperPortState  uint16
	// Prio is IFLA_BOND_SLAVE_PRIO (Linux 6.0+), present when HasPrio; a request sends it when HasPrio is set or
	// it is not 0.
	Prio    int32
	HasPrio bool
}

// SlaveKind implements LinkSlaveData: "bond".
func (*BondSlave) SlaveKind() string { return "bond" }

func (s *BondSlave) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_BOND_SLAVE_STATE:
			s.State = ad.Uint8()
		case unix.IFLA_BOND_SLAVE_MII_STATUS:
			s.MIIStatus = ad.Uint8()
		case unix.IFLA_BOND_SLAVE_LINK_FAILURE_COUNT:
			s.LinkFailureCount = ad.Uint32()
		case unix.IFLA_BOND_SLAVE_PERM_HWADDR:
			s.PermHWAddr = HWAddrFrom(ad.Bytes())
		case unix.IFLA_BOND_SLAVE_QUEUE_ID:
			s.QueueID = ad.Uint16()
		case unix.IFLA_BOND_SLAVE_AD_AGGREGATOR_ID:
			s.ADAggregatorID = ad.Uint16()
		case unix.IFLA_BOND_SLAVE_AD_ACTOR_OPER_PORT_STATE:
			s.ADActorOperPortState = ad.Uint8()
		case unix.IFLA_BOND_SLAVE_AD_PARTNER_OPER_PORT_STATE:
			s.ADPartnerOperPortState = ad.Uint16()
		case unix.IFLA_BOND_SLAVE_PRIO:
			s.Prio, s.HasPrio = ad.Int32(), true
		}
	}
	return ad.Err()
}

func (s *BondSlave) encode(ae *proto.AttrEncoder) error {
	if s.QueueID != 0 {
		ae.Uint16(unix.IFLA_BOND_SLAVE_QUEUE_ID, s.QueueID)
	}
	if s.Prio != 0 || s.HasPrio {
		ae.Int32(unix.IFLA_BOND_SLAVE_PRIO, s.Prio)
	}
	return nil
}
