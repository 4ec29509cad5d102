//go:build linux

package route

import (
	"encoding/binary"
	"net/netip"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Link kinds without IFLA_INFO_DATA: a request names them in LinkInfo.Kind alone, and their links decode with
// a nil LinkInfo.Data.
const (
	KindDummy     = "dummy"     // drivers/net/dummy.c
	KindIFB       = "ifb"       // drivers/net/ifb.c
	KindNlmon     = "nlmon"     // drivers/net/nlmon.c
	KindWireguard = "wireguard" // drivers/net/wireguard (peers and keys: the wireguard Generic Netlink family)
	KindTeam      = "team"      // drivers/net/team (ports and options: the team Generic Netlink family)
	KindVcan      = "vcan"      // drivers/net/can/vcan.c
)

// Ipvlan modes (IFLA_IPVLAN_MODE, enum ipvlan_mode) and flags (IFLA_IPVLAN_FLAGS).
const (
	IpvlanL2      = 0 // IPVLAN_MODE_L2
	IpvlanL3      = 1 // IPVLAN_MODE_L3
	IpvlanL3S     = 2 // IPVLAN_MODE_L3S
	IpvlanPrivate = 1 // IPVLAN_F_PRIVATE
	IpvlanVEPA    = 2 // IPVLAN_F_VEPA
)

// Ipvlan is the data of an ipvlan or ipvtap link (drivers/net/ipvlan): IFLA_IPVLAN_MODE and IFLA_IPVLAN_FLAGS.
// The lower device is Link.ParentIndex. In requests Mode is sent when it is not 0 or HasMode is set (the
// kernel's default is l3), Flags when not 0.
type Ipvlan struct {
	kind string
	// Mode is IFLA_IPVLAN_MODE (IpvlanL2, IpvlanL3, IpvlanL3S), present when HasMode.
	Mode    uint16
	HasMode bool
	// Flags is IFLA_IPVLAN_FLAGS (IpvlanPrivate, IpvlanVEPA; 0 is bridge).
	Flags uint16
}

// NewIpvlan returns the data of a link of kind "ipvlan" or "ipvtap" in mode.
func NewIpvlan(kind string, mode uint16) *Ipvlan {
	return &Ipvlan{kind: kind, Mode: mode, HasMode: true}
}

// Kind implements LinkData: "ipvlan" or "ipvtap".
func (v *Ipvlan) Kind() string {
	if v.kind == "" {
		return "ipvlan"
	}
	return v.kind
}

// ModeName is ip's name of Mode: "l2", "l3", "l3s".
func (v *Ipvlan) ModeName() string {
	switch v.Mode {
	case IpvlanL2:
		return "l2"
	case IpvlanL3:
		return "l3"
	case IpvlanL3S:
		return "l3s"
	}
	return "unknown"
}

func (v *Ipvlan) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_IPVLAN_MODE:
			v.Mode, v.HasMode = ad.Uint16(), true
		case unix.IFLA_IPVLAN_FLAGS:
			v.Flags = ad.Uint16()
		}
	}
	return ad.Err()
}

func (v *Ipvlan) encode(ae *proto.AttrEncoder) error {
	if v.HasMode || v.Mode != 0 {
		ae.Uint16(unix.IFLA_IPVLAN_MODE, v.Mode)
	}
	if v.Flags != 0 {
		ae.Uint16(unix.IFLA_IPVLAN_FLAGS, v.Flags)
	}
	return nil
}

// Geneve DF settings (IFLA_GENEVE_DF, enum ifla_geneve_df).
const (
	GeneveDFUnset   = 0 // GENEVE_DF_UNSET
	GeneveDFSet     = 1 // GENEVE_DF_SET
	GeneveDFInherit = 2 // GENEVE_DF_INHERIT
)

// Geneve is the data of a GENEVE link (drivers/net/geneve.c): IFLA_GENEVE_*. In requests ID is always sent,
// the other fields when they are not zero (Port 0 is the kernel's 6081).
type Geneve struct {
	// ID is IFLA_GENEVE_ID, the VNI.
	ID uint32
	// Remote is IFLA_GENEVE_REMOTE or IFLA_GENEVE_REMOTE6.
	Remote netip.Addr
	// TTL and TOS are IFLA_GENEVE_TTL and IFLA_GENEVE_TOS; TTLInherit is IFLA_GENEVE_TTL_INHERIT.
	TTL, TOS   uint8
	TTLInherit bool
	// DF is IFLA_GENEVE_DF (GeneveDF*).
	DF uint8
	// Label is IFLA_GENEVE_LABEL (host order).
	Label uint32
	// Port is IFLA_GENEVE_PORT (host order).
	Port uint16
	// CollectMetadata (`external`) and InnerProtoInherit are the flags IFLA_GENEVE_COLLECT_METADATA and
	// IFLA_GENEVE_INNER_PROTO_INHERIT.
	CollectMetadata, InnerProtoInherit bool
	// UDPCsum, UDPZeroCsum6Tx and UDPZeroCsum6Rx are the u8 switches IFLA_GENEVE_UDP_CSUM,
	// _UDP_ZERO_CSUM6_TX and _UDP_ZERO_CSUM6_RX.
	UDPCsum, UDPZeroCsum6Tx, UDPZeroCsum6Rx bool
}

// Kind implements LinkData: "geneve".
func (*Geneve) Kind() string { return "geneve" }

func (g *Geneve) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_GENEVE_ID:
			g.ID = ad.Uint32()
		case unix.IFLA_GENEVE_REMOTE, unix.IFLA_GENEVE_REMOTE6:
			g.Remote = addrFrom(ad.Bytes())
		case unix.IFLA_GENEVE_TTL:
			g.TTL = ad.Uint8()
		case unix.IFLA_GENEVE_TOS:
			g.TOS = ad.Uint8()
		case unix.IFLA_GENEVE_TTL_INHERIT:
			g.TTLInherit = ad.Uint8() != 0
		case unix.IFLA_GENEVE_DF:
			g.DF = ad.Uint8()
		case unix.IFLA_GENEVE_LABEL:
			g.Label = ad.BE32()
		case unix.IFLA_GENEVE_PORT:
			g.Port = ad.BE16()
		case unix.IFLA_GENEVE_COLLECT_METADATA:
			g.CollectMetadata = true
		case unix.IFLA_GENEVE_INNER_PROTO_INHERIT:
			g.InnerProtoInherit = true
		case unix.IFLA_GENEVE_UDP_CSUM:
			g.UDPCsum = ad.Uint8() != 0
		case unix.IFLA_GENEVE_UDP_ZERO_CSUM6_TX:
			g.UDPZeroCsum6Tx = ad.Uint8() != 0
		case unix.IFLA_GENEVE_UDP_ZERO_CSUM6_RX:
			g.UDPZeroCsum6Rx = ad.Uint8() != 0
		}
	}
	return ad.Err()
}

func (g *Geneve) encode(ae *proto.AttrEncoder) error {
	ae.Uint32(unix.IFLA_GENEVE_ID, g.ID)
	if g.Remote.IsValid() {
		ae.Raw(pick(g.Remote, unix.IFLA_GENEVE_REMOTE, unix.IFLA_GENEVE_REMOTE6), g.Remote.AsSlice())
	}
	for _, f := range []struct {
		t uint16
		v uint8
	}{{unix.IFLA_GENEVE_TTL, g.TTL}, {unix.IFLA_GENEVE_TOS, g.TOS}, {unix.IFLA_GENEVE_DF, g.DF},
		{unix.IFLA_GENEVE_TTL_INHERIT, b2u(g.TTLInherit)}, {unix.IFLA_GENEVE_UDP_CSUM, b2u(g.UDPCsum)},
		{unix.IFLA_GENEVE_UDP_ZERO_CSUM6_TX, b2u(g.UDPZeroCsum6Tx)},
		{unix.IFLA_GENEVE_UDP_ZERO_CSUM6_RX, b2u(g.UDPZeroCsum6Rx)}} {
		if f.v != 0 {
			ae.Uint8(f.t, f.v)
		}
	}
	if g.Label != 0 {
		ae.BE32(unix.IFLA_GENEVE_LABEL, g.Label)
	}
	if g.Port != 0 {
		ae.BE16(unix.IFLA_GENEVE_PORT, g.Port)
	}
	if g.CollectMetadata {
		ae.Flag(unix.IFLA_GENEVE_COLLECT_METADATA)
	}
	if g.InnerProtoInherit {
		ae.Flag(unix.IFLA_GENEVE_INNER_PROTO_INHERIT)
	}
	return nil
}

// Bareudp is the data of a bareudp link (drivers/net/bareudp.c): IFLA_BAREUDP_*. Port and EtherType are
// required in requests.
type Bareudp struct {
	// Port is IFLA_BAREUDP_PORT and EtherType IFLA_BAREUDP_ETHERTYPE (host order here, big-endian on the wire).
	Port, EtherType uint16
	// SrcPortMin is IFLA_BAREUDP_SRCPORT_MIN.
	SrcPortMin uint16
	// MultiprotoMode is IFLA_BAREUDP_MULTIPROTO_MODE (a flag).
	MultiprotoMode bool
}

// Kind implements LinkData: "bareudp".
func (*Bareudp) Kind() string { return "bareudp" }

func (u *Bareudp) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_BAREUDP_PORT:
			u.Port = ad.BE16()
		case unix.IFLA_BAREUDP_ETHERTYPE:
			u.EtherType = ad.BE16()
		case unix.IFLA_BAREUDP_SRCPORT_MIN:
			u.SrcPortMin = ad.Uint16()
		case unix.IFLA_BAREUDP_MULTIPROTO_MODE:
			u.MultiprotoMode = true
		}
	}
	return ad.Err()
}

func (u *Bareudp) encode(ae *proto.AttrEncoder) error {
	ae.BE16(unix.IFLA_BAREUDP_PORT, u.Port)
	ae.BE16(unix.IFLA_BAREUDP_ETHERTYPE, u.EtherType)
	if u.SrcPortMin != 0 {
		ae.Uint16(unix.IFLA_BAREUDP_SRCPORT_MIN, u.SrcPortMin)
	}
	if u.MultiprotoMode {
		ae.Flag(unix.IFLA_BAREUDP_MULTIPROTO_MODE)
	}
	return nil
}

// MACsec validation modes (IFLA_MACSEC_VALIDATION, enum macsec_validation_type) and offloads
// (IFLA_MACSEC_OFFLOAD, enum macsec_offload).
const (
	MacsecValidateDisabled = 0 // MACSEC_VALIDATE_DISABLED
	MacsecValidateCheck    = 1 // MACSEC_VALIDATE_CHECK
	MacsecValidateStrict   = 2 // MACSEC_VALIDATE_STRICT
	MacsecOffloadOff       = 0 // MACSEC_OFFLOAD_OFF
	MacsecOffloadPHY       = 1 // MACSEC_OFFLOAD_PHY
	MacsecOffloadMAC       = 2 // MACSEC_OFFLOAD_MAC
)

// MACsec cipher suites (IFLA_MACSEC_CIPHER_SUITE, MACSEC_CIPHER_ID_* in include/uapi/linux/if_macsec.h).
const (
	MacsecCipherGCMAES128    = 0x0080C20001000001 // MACSEC_CIPHER_ID_GCM_AES_128
	MacsecCipherGCMAES256    = 0x0080C20001000002 // MACSEC_CIPHER_ID_GCM_AES_256
	MacsecCipherGCMAESXPN128 = 0x0080C20001000003 // MACSEC_CIPHER_ID_GCM_AES_XPN_128
	MacsecCipherGCMAESXPN256 = 0x0080C20001000004 // MACSEC_CIPHER_ID_GCM_AES_XPN_256
)

// Macsec is the data of a MACsec link (drivers/net/macsec.c): IFLA_MACSEC_*. The lower device is
// Link.ParentIndex. In requests the fields that are not zero are sent, and Validation when HasValidation is set
// (the kernel's default is strict); Protect is on unless NoProtect is set.
type Macsec struct {
	// SCI is IFLA_MACSEC_SCI (the secure channel identifier as ip prints it: the big-endian u64 read in host order).
	SCI uint64
	// Port is IFLA_MACSEC_PORT (host order).
	Port uint16
	// ICVLen is IFLA_MACSEC_ICV_LEN; CipherSuite is IFLA_MACSEC_CIPHER_SUITE (MacsecCipher*).
	ICVLen      uint8
	CipherSuite uint64
	// Window is IFLA_MACSEC_WINDOW; EncodingSA is IFLA_MACSEC_ENCODING_SA.
	Window     uint32
	EncodingSA uint8
	// Encrypt, IncSCI, ES, SCB and ReplayProtect are the u8 switches IFLA_MACSEC_ENCRYPT, _INC_SCI, _ES, _SCB and
	// _REPLAY_PROTECT. NoProtect is IFLA_MACSEC_PROTECT 0.
	Encrypt, IncSCI, ES, SCB, ReplayProtect, NoProtect bool
	// Validation is IFLA_MACSEC_VALIDATION (MacsecValidate*), present when HasValidation.
	Validation    uint8
	HasValidation bool
	// Offload is IFLA_MACSEC_OFFLOAD (MacsecOffload*).
	Offload uint8
}

// Kind implements LinkData: "macsec".
func (*Macsec) Kind() string { return "macsec" }

func (m *Macsec) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_MACSEC_SCI:
			if p := ad.Bytes(); len(p) == 8 {
				m.SCI = binary.BigEndian.Uint64(p)
			}
		case unix.IFLA_MACSEC_PORT:
			m.Port = ad.BE16()
		case unix.IFLA_MACSEC_ICV_LEN:
			m.ICVLen = ad.Uint8()
		case unix.IFLA_MACSEC_CIPHER_SUITE:
			m.CipherSuite = ad.Uint64()
		case unix.IFLA_MACSEC_WINDOW:
			m.Window = ad.Uint32()
		case unix.IFLA_MACSEC_ENCODING_SA:
			m.EncodingSA = ad.Uint8()
		case unix.IFLA_MACSEC_ENCRYPT:
			m.Encrypt = ad.Uint8() != 0
		case unix.IFLA_MACSEC_PROTECT:
			m.NoProtect = ad.Uint8() == 0
		case unix.IFLA_MACSEC_INC_SCI:
			m.IncSCI = ad.Uint8() != 0
		case unix.IFLA_MACSEC_ES:
			m.ES = ad.Uint8() != 0
		case unix.IFLA_MACSEC_SCB:
			m.SCB = ad.Uint8() != 0
		case unix.IFLA_MACSEC_REPLAY_PROTECT:
			m.ReplayProtect = ad.Uint8() != 0
		case unix.IFLA_MACSEC_VALIDATION:
			m.Validation, m.HasValidation = ad.Uint8(), true
		case unix.IFLA_MACSEC_OFFLOAD:
			m.Offload = ad.Uint8()
		}
	}
	return ad.Err()
}

func (m *Macsec) encode(ae *proto.AttrEncoder) error {
	if m.SCI != 0 {
		var p [8]byte
		binary.BigEndian.PutUint64(p[:], m.SCI)
		ae.Raw(unix.IFLA_MACSEC_SCI, p[:])
	}
	if m.Port != 0 {
		ae.BE16(unix.IFLA_MACSEC_PORT, m.Port)
	}
	if m.CipherSuite != 0 {
		ae.Uint64(unix.IFLA_MACSEC_CIPHER_SUITE, m.CipherSuite)
	}
	if m.Window != 0 {
		ae.Uint32(unix.IFLA_MACSEC_WINDOW, m.Window)
	}
	for _, f := range []struct {
		t uint16
		v uint8
	}{{unix.IFLA_MACSEC_ICV_LEN, m.ICVLen}, {unix.IFLA_MACSEC_ENCODING_SA, m.EncodingSA},
		{unix.IFLA_MACSEC_ENCRYPT, b2u(m.Encrypt)}, {unix.IFLA_MACSEC_INC_SCI, b2u(m.IncSCI)},
		{unix.IFLA_MACSEC_ES, b2u(m.ES)}, {unix.IFLA_MACSEC_SCB, b2u(m.SCB)},
		{unix.IFLA_MACSEC_REPLAY_PROTECT, b2u(m.ReplayProtect)}, {unix.IFLA_MACSEC_OFFLOAD, m.Offload}} {
		if f.v != 0 {
			ae.Uint8(f.t, f.v)
		}
	}
	if m.NoProtect {
		ae.Uint8(unix.IFLA_MACSEC_PROTECT, 0)
	}
	if m.HasValidation || m.Validation != 0 {
		ae.Uint8(unix.IFLA_MACSEC_VALIDATION, m.Validation)
	}
	return nil
}

// HSR is the data of an HSR or PRP link (net/hsr): IFLA_HSR_*. In requests Slave1 and Slave2 are required;
// MulticastSpec, Version, Protocol and Interlink are sent when not zero. SupervisionAddr and SeqNr are read-only.
type HSR struct {
	// Slave1, Slave2 and Interlink are IFLA_HSR_SLAVE1, IFLA_HSR_SLAVE2 and IFLA_HSR_INTERLINK (link indexes).
	Slave1, Slave2, Interlink uint32
	// MulticastSpec is IFLA_HSR_MULTICAST_SPEC (the last byte of the supervision address); Version is
	// IFLA_HSR_VERSION; Protocol is IFLA_HSR_PROTOCOL (0 HSR, 1 PRP).
	MulticastSpec, Version, Protocol uint8
	// SupervisionAddr is IFLA_HSR_SUPERVISION_ADDR; SeqNr is IFLA_HSR_SEQ_NR.
	SupervisionAddr HWAddr
	SeqNr           uint16
}

// Kind implements LinkData: "hsr".
func (*HSR) Kind() string { return "hsr" }

func (h *HSR) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_HSR_SLAVE1:
			h.Slave1 = ad.Uint32()
		case unix.IFLA_HSR_SLAVE2:
			h.Slave2 = ad.Uint32()
		case unix.IFLA_HSR_INTERLINK:
			h.Interlink = ad.Uint32()
		case unix.IFLA_HSR_MULTICAST_SPEC:
			h.MulticastSpec = ad.Uint8()
		case unix.IFLA_HSR_VERSION:
			h.Version = ad.Uint8()
		case unix.IFLA_HSR_PROTOCOL:
			h.Protocol = ad.Uint8()
		case unix.IFLA_HSR_SUPERVISION_ADDR:
			h.SupervisionAddr = HWAddrFrom(ad.Bytes())
		case unix.IFLA_HSR_SEQ_NR:
			h.SeqNr = ad.Uint16()
		}
	}
	return ad.Err()
}

func (h *HSR) encode(ae *proto.AttrEncoder) error {
	ae.Uint32(unix.IFLA_HSR_SLAVE1, h.Slave1)
	ae.Uint32(unix.IFLA_HSR_SLAVE2, h.Slave2)
	if h.Interlink != 0 {
		ae.Uint32(unix.IFLA_HSR_INTERLINK, h.Interlink)
	}
	for _, f := range []struct {
		t uint16
		v uint8
	}{{unix.IFLA_HSR_MULTICAST_SPEC, h.MulticastSpec}, {unix.IFLA_HSR_VERSION, h.Version},
		{unix.IFLA_HSR_PROTOCOL, h.Protocol}} {
		if f.v != 0 {
			ae.Uint8(f.t, f.v)
		}
	}
	return nil
}

// The netkit attributes golang.org/x/sys/unix lacks (include/uapi/linux/if_link.h, Linux 6.10+).
const (
	iflaNetkitScrub     = 6
	iflaNetkitPeerScrub = 7
	iflaNetkitHeadroom  = 8
	iflaNetkitTailroom  = 9
)

// Netkit modes (IFLA_NETKIT_MODE) and policies (IFLA_NETKIT_POLICY, IFLA_NETKIT_PEER_POLICY).
const (
	NetkitL2   = 0 // NETKIT_L2
	NetkitL3   = 1 // NETKIT_L3
	NetkitPass = 0 // NETKIT_PASS
	NetkitDrop = 2 // NETKIT_DROP
)

// Netkit is the data of a netkit pair (drivers/net/netkit.c, Linux 6.7+): IFLA_NETKIT_*. In a request Peer
// describes the other end (IFLA_NETKIT_PEER_INFO, as Veth.Peer); Mode is sent when HasMode is set or it is not
// 0 (the kernel's default is l3), the policies and scrub settings when not zero. Primary is read-only.
type Netkit struct {
	// Peer is IFLA_NETKIT_PEER_INFO, in requests.
	Peer Link
	// Primary is IFLA_NETKIT_PRIMARY: this end is the one the BPF programs attach to.
	Primary bool
	// Policy and PeerPolicy are IFLA_NETKIT_POLICY and IFLA_NETKIT_PEER_POLICY (NetkitPass, NetkitDrop).
	Policy, PeerPolicy uint32
	// Mode is IFLA_NETKIT_MODE (NetkitL2, NetkitL3), present when HasMode.
	Mode    uint32
	HasMode bool
	// Scrub and PeerScrub are IFLA_NETKIT_SCRUB and IFLA_NETKIT_PEER_SCRUB (NETKIT_SCRUB_NONE 0,
	// NETKIT_SCRUB_DEFAULT 1), present when HasScrub.
	Scrub, PeerScrub uint32
	HasScrub         bool
	// Headroom and Tailroom are IFLA_NETKIT_HEADROOM and IFLA_NETKIT_TAILROOM.
	Headroom, Tailroom uint16
}

// Kind implements LinkData: "netkit".
func (*Netkit) Kind() string { return "netkit" }

func (n *Netkit) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_NETKIT_PEER_INFO:
			if err := n.Peer.unmarshal(ad.Bytes(), nil); err != nil {
				return err
			}
		case unix.IFLA_NETKIT_PRIMARY:
			n.Primary = ad.Uint8() != 0
		case unix.IFLA_NETKIT_POLICY:
			n.Policy = ad.Uint32()
		case unix.IFLA_NETKIT_PEER_POLICY:
			n.PeerPolicy = ad.Uint32()
		case unix.IFLA_NETKIT_MODE:
			n.Mode, n.HasMode = ad.Uint32(), true
		case iflaNetkitScrub:
			n.Scrub, n.HasScrub = ad.Uint32(), true
		case iflaNetkitPeerScrub:
			n.PeerScrub, n.HasScrub = ad.Uint32(), true
		case iflaNetkitHeadroom:
			n.Headroom = ad.Uint16()
		case iflaNetkitTailroom:
			n.Tailroom = ad.Uint16()
		}
	}
	return ad.Err()
}

func (n *Netkit) encode(ae *proto.AttrEncoder) error {
	if n.Peer.Name != "" || n.Peer.NetNS != 0 {
		if err := encodePeer(ae, unix.IFLA_NETKIT_PEER_INFO, &n.Peer); err != nil {
			return err
		}
	}
	if n.Policy != 0 {
		ae.Uint32(unix.IFLA_NETKIT_POLICY, n.Policy)
	}
	if n.PeerPolicy != 0 {
		ae.Uint32(unix.IFLA_NETKIT_PEER_POLICY, n.PeerPolicy)
	}
	if n.HasMode || n.Mode != 0 {
		ae.Uint32(unix.IFLA_NETKIT_MODE, n.Mode)
	}
	if n.HasScrub || n.Scrub != 0 || n.PeerScrub != 0 {
		ae.Uint32(iflaNetkitScrub, n.Scrub)
		ae.Uint32(iflaNetkitPeerScrub, n.PeerScrub)
	}
	if n.Headroom != 0 {
		ae.Uint16(iflaNetkitHeadroom, n.Headroom)
	}
	if n.Tailroom != 0 {
		ae.Uint16(iflaNetkitTailroom, n.Tailroom)
	}
	return nil
}

// VRFPort is the data of a VRF port: IFLA_INFO_SLAVE_DATA of kind "vrf", IFLA_VRF_PORT_TABLE (read-only: the
// port's table is its master's).
type VRFPort struct {
	// Table is IFLA_VRF_PORT_TABLE.
	Table uint32
}

// SlaveKind implements LinkSlaveData: "vrf".
func (*VRFPort) SlaveKind() string { return "vrf" }

func (p *VRFPort) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		if ad.Type() == unix.IFLA_VRF_PORT_TABLE {
			p.Table = ad.Uint32()
		}
	}
	return ad.Err()
}

func (p *VRFPort) encode(ae *proto.AttrEncoder) error {
	if p.Table != 0 {
		ae.Uint32(unix.IFLA_VRF_PORT_TABLE, p.Table)
	}
	return nil
}

// Tun is the data of a TUN/TAP device (drivers/net/tun.c): IFLA_TUN_*, read-only. The kernel refuses to create
// tun devices over rtnetlink (they are made with the TUNSETIFF ioctl on /dev/net/tun); the encoder exists for
// round trips and fakes.
type Tun struct {
	// Type is IFLA_TUN_TYPE: IFF_TUN (1) or IFF_TAP (2).
	Type uint8
	// Owner and Group are IFLA_TUN_OWNER and IFLA_TUN_GROUP, present when HasOwner and HasGroup (the kernel
	// leaves them out when the device has none).
	Owner, Group       uint32
	HasOwner, HasGroup bool
	// PI, VnetHdr, Persist and MultiQueue are the u8 switches IFLA_TUN_PI, _VNET_HDR, _PERSIST and
	// _MULTI_QUEUE.
	PI, VnetHdr, Persist, MultiQueue bool
	// NumQueues and NumDisabledQueues are IFLA_TUN_NUM_QUEUES and IFLA_TUN_NUM_DISABLED_QUEUES (multi-queue
	// devices).
	NumQueues, NumDisabledQueues uint32
}

// Kind implements LinkData: "tun".
func (*Tun) Kind() string { return "tun" }

func (t *Tun) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_TUN_TYPE:
			t.Type = ad.Uint8()
		case unix.IFLA_TUN_OWNER:
			t.Owner, t.HasOwner = ad.Uint32(), true
		case unix.IFLA_TUN_GROUP:
			t.Group, t.HasGroup = ad.Uint32(), true
		case unix.IFLA_TUN_PI:
			t.PI = ad.Uint8() != 0
		case unix.IFLA_TUN_VNET_HDR:
			t.VnetHdr = ad.Uint8() != 0
		case unix.IFLA_TUN_PERSIST:
			t.Persist = ad.Uint8() != 0
		case unix.IFLA_TUN_MULTI_QUEUE:
			t.MultiQueue = ad.Uint8() != 0
		case unix.IFLA_TUN_NUM_QUEUES:
			t.NumQueues = ad.Uint32()
		case unix.IFLA_TUN_NUM_DISABLED_QUEUES:
			t.NumDisabledQueues = ad.Uint32()
		}
	}
	return ad.Err()
}

func (t *Tun) encode(ae *proto.AttrEncoder) error {
	if t.Type != 0 {
		ae.Uint8(unix.IFLA_TUN_TYPE, t.Type)
	}
	if t.HasOwner || t.Owner != 0 {
		ae.Uint32(unix.IFLA_TUN_OWNER, t.Owner)
	}
	if t.HasGroup || t.Group != 0 {
		ae.Uint32(unix.IFLA_TUN_GROUP, t.Group)
	}
	for _, f := range []struct {
		t  uint16
		on bool
	}{{unix.IFLA_TUN_PI, t.PI}, {unix.IFLA_TUN_VNET_HDR, t.VnetHdr}, {unix.IFLA_TUN_PERSIST, t.Persist},
		{unix.IFLA_TUN_MULTI_QUEUE, t.MultiQueue}} {
		if f.on {
			ae.Uint8(f.t, 1)
		}
	}
	if t.NumQueues != 0 {
		ae.Uint32(unix.IFLA_TUN_NUM_QUEUES, t.NumQueues)
	}
	if t.NumDisabledQueues != 0 {
		ae.Uint32(unix.IFLA_TUN_NUM_DISABLED_QUEUES, t.NumDisabledQueues)
	}
	return nil
}
