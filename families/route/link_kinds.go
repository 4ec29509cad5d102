//go:build linux

package route

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// LinkData is the kind-specific part of a link, IFLA_INFO_DATA: *Veth, *Netkit, *Bridge, *Bond, *Vlan, *Macvlan
// (macvlan, macvtap), *Ipvlan (ipvlan, ipvtap), *Vxlan, *Geneve, *Bareudp, *Gre (gre, gretap, ip6gre, ip6gretap,
// erspan, ip6erspan), *IPTun (ipip, sit, ip6tnl), *VTI (vti, vti6), *Xfrm, *Macsec, *HSR, *Tun, *VRF, or *RawLinkData
// for any other kind. Kinds without data (dummy, ifb, nlmon, wireguard, team, vcan: see KindDummy...) are named
// by LinkInfo.Kind alone.
type LinkData interface {
	// Kind is the IFLA_INFO_KIND the data belongs to.
	Kind() string
	encode(ae *proto.AttrEncoder) error
}

// LinkSlaveData is the master-specific part of an enslaved link, IFLA_INFO_SLAVE_DATA: *BridgePort, *BondSlave,
// *VRFPort, or *RawLinkData for the other masters.
type LinkSlaveData interface {
	// SlaveKind is the IFLA_INFO_SLAVE_KIND the data belongs to.
	SlaveKind() string
	encode(ae *proto.AttrEncoder) error
}

// RawLinkData is IFLA_INFO_DATA (or IFLA_INFO_SLAVE_DATA) of a kind this package does not decode: the
// attributes as they are, for requests too.
type RawLinkData struct {
	// Name is the kind (IFLA_INFO_KIND or IFLA_INFO_SLAVE_KIND).
	Name string
	// Data is the payload of IFLA_INFO_DATA: a list of attributes.
	Data []byte
}

// Kind implements LinkData.
func (r *RawLinkData) Kind() string { return r.Name }

// SlaveKind implements LinkSlaveData.
func (r *RawLinkData) SlaveKind() string { return r.Name }

func (r *RawLinkData) encode(ae *proto.AttrEncoder) error {
	// Re-encode attribute by attribute so the nest stays well-formed.
	ad := proto.NewAttrDecoder(r.Data)
	for ad.Next() {
		ae.Raw(ad.RawType(), ad.Bytes())
	}
	return ad.Err()
}

func decodeLinkData(kind string, b []byte) (LinkData, error) {
	var d interface {
		LinkData
		decode([]byte) error
	}
	switch kind {
	case "veth":
		d = new(Veth)
	case "netkit":
		d = new(Netkit)
	case "bridge":
		d = new(Bridge)
	case "macvlan", "macvtap":
		d = &Macvlan{kind: kind}
	case "ipvlan", "ipvtap":
		d = &Ipvlan{kind: kind}
	case "vxlan":
		d = new(Vxlan)
	case "geneve":
		d = new(Geneve)
	case "bareudp":
		d = new(Bareudp)
	case "gre", "gretap", "ip6gre", "ip6gretap", "erspan", "ip6erspan":
		d = &Gre{kind: kind}
	case "ipip", "sit", "ip6tnl":
		d = &IPTun{kind: kind}
	case "vti", "vti6":
		d = &VTI{kind: kind}
	case "xfrm":
		d = new(Xfrm)
	case "macsec":
		d = new(Macsec)
	case "hsr":
		d = new(HSR)
	case "tun":
		d = new(Tun)
	case "vlan":
		d = new(Vlan)
	case "bond":
		d = new(Bond)
	case "vrf":
		d = new(VRF)
	default:
		return &RawLinkData{Name: kind, Data: append([]byte(nil), b...)}, nil
	}
	if err := d.decode(b); err != nil {
		return nil, fmt.Errorf("route: IFLA_INFO_DATA of %s: %w", kind, err)
	}
	return d, nil
}

func decodeSlaveData(kind string, b []byte) (LinkSlaveData, error) {
	var d interface {
		LinkSlaveData
		decode([]byte) error
	}
	switch kind {
	case "bridge":
		d = new(BridgePort)
	case "bond":
		d = new(BondSlave)
	case "vrf":
		d = new(VRFPort)
	default:
		return &RawLinkData{Name: kind, Data: append([]byte(nil), b...)}, nil
	}
	if err := d.decode(b); err != nil {
		return nil, fmt.Errorf("route: IFLA_INFO_SLAVE_DATA of %s: %w", kind, err)
	}
	return d, nil
}

// Veth is the data of a veth pair (drivers/net/veth.c): VETH_INFO_PEER, in requests only (the kernel reports
// no IFLA_INFO_DATA for a veth; its peer is IFLA_LINK, in the namespace of IFLA_LINK_NETNSID). Peer describes
// the other end: its Name, and optionally Address, MTU, TxQLen, NetNS (a namespace fd to create it in: see
// also NewVethPeerIn) and Flags. Decoding a request's VETH_INFO_PEER fills Peer.
type Veth struct {
	Peer Link // VETH_INFO_PEER
	// PeerNetNS is the namespace to create the peer in, as IFLA_NET_NS_FD or IFLA_NET_NS_PID inside
	// VETH_INFO_PEER (an alternative to Peer.NetNS that can name a process; the kernel takes no nsid here).
	PeerNetNS NetNSTarget
}

// Kind implements LinkData: "veth".
func (*Veth) Kind() string { return "veth" }

func (v *Veth) encode(ae *proto.AttrEncoder) error {
	if !v.PeerNetNS.IsZero() {
		if v.Peer.NetNS > 0 {
			return fmt.Errorf("route: veth: both Peer.NetNS and PeerNetNS name the peer's namespace")
		}
		if v.PeerNetNS.HasNSID {
			return fmt.Errorf("route: veth: the kernel takes a peer's namespace as a file or a pid, not an nsid")
		}
	}
	return encodePeerNS(ae, vethInfoPeer, &v.Peer, v.PeerNetNS)
}

func (v *Veth) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		if ad.Type() == vethInfoPeer {
			var err error
			if v.PeerNetNS, err = decodePeer(ad.Bytes(), &v.Peer); err != nil {
				return err
			}
		}
	}
	return ad.Err()
}

// decodePeer decodes the struct ifinfomsg and attributes of VETH_INFO_PEER or IFLA_NETKIT_PEER_INFO into peer,
// and returns the namespace they name (IFLA_NET_NS_FD, IFLA_NET_NS_PID), which Link does not decode.
func decodePeer(b []byte, peer *Link) (NetNSTarget, error) {
	var ns NetNSTarget
	if err := peer.unmarshal(b, nil); err != nil {
		return ns, err
	}
	ad := proto.NewAttrDecoder(b[sizeofIfInfomsg:])
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_NET_NS_FD:
			ns = NetNSTarget{FD: int(ad.Uint32())}
		case unix.IFLA_NET_NS_PID:
			ns = NetNSTarget{PID: int(ad.Uint32())}
		}
	}
	if ns.FD < 0 || ns.PID < 0 || (ns.FD > 0 && ns.FD == peer.NetNS) {
		ns = NetNSTarget{}
	}
	return ns, ad.Err()
}

// encodePeer appends attribute typ holding a struct ifinfomsg and the attributes of peer, as VETH_INFO_PEER and
// IFLA_NETKIT_PEER_INFO carry it.
func encodePeer(ae *proto.AttrEncoder, typ uint16, peer *Link) error {
	return encodePeerNS(ae, typ, peer, NetNSTarget{})
}

// encodePeerNS is encodePeer with the peer's namespace named by ns too.
func encodePeerNS(ae *proto.AttrEncoder, typ uint16, peer *Link, ns NetNSTarget) error {
	n := ae.NestRaw(typ)
	var hdr [sizeofIfInfomsg]byte
	putIfInfomsg(hdr[:], peer)
	b := append(ae.Bytes(), hdr[:]...)
	*ae = *proto.NewAttrEncoder(b)
	if err := peer.encodeAttrs(ae); err != nil {
		return err
	}
	if err := ns.encodeLink(ae); err != nil {
		return err
	}
	ae.End(n)
	return nil
}

// Macvlan modes (IFLA_MACVLAN_MODE, enum macvlan_mode).
const (
	MacvlanPrivate  = 1  // MACVLAN_MODE_PRIVATE
	MacvlanVEPA     = 2  // MACVLAN_MODE_VEPA
	MacvlanBridge   = 4  // MACVLAN_MODE_BRIDGE
	MacvlanPassthru = 8  // MACVLAN_MODE_PASSTHRU
	MacvlanSource   = 16 // MACVLAN_MODE_SOURCE
)

// macvlanMacaddrSet is MACVLAN_MACADDR_SET (enum macvlan_macaddr_mode).
const macvlanMacaddrSet = 3

// Macvlan is the data of a macvlan (or macvtap) link: IFLA_MACVLAN_*. The lower device is Link.ParentIndex.
type Macvlan struct {
	kind string
	// Mode is IFLA_MACVLAN_MODE (MacvlanBridge...).
	Mode uint32
	// Flags is IFLA_MACVLAN_FLAGS (MACVLAN_FLAG_NOPROMISC, MACVLAN_FLAG_NODST).
	Flags uint16
	// MacaddrCount is IFLA_MACVLAN_MACADDR_COUNT (source mode).
	MacaddrCount uint32
	// BcQueueLen, BcQueueLenUsed and BcCutoff are IFLA_MACVLAN_BC_QUEUE_LEN, IFLA_MACVLAN_BC_QUEUE_LEN_USED
	// and IFLA_MACVLAN_BC_CUTOFF.
	BcQueueLen, BcQueueLenUsed uint32
	BcCutoff                   int32
	// MacAddrs are the source addresses of source mode: IFLA_MACVLAN_MACADDR_DATA, a list of
	// IFLA_MACVLAN_MACADDR. A request sends them with IFLA_MACVLAN_MACADDR_MODE MACVLAN_MACADDR_SET.
	MacAddrs []HWAddr
}

// Kind implements LinkData: "macvlan" (or "macvtap" when decoded from one).
func (m *Macvlan) Kind() string {
	if m.kind != "" {
		return m.kind
	}
	return "macvlan"
}

// ModeName is ip's name of Mode ("private", "vepa", "bridge", "passthru", "source").
func (m *Macvlan) ModeName() string {
	switch m.Mode {
	case MacvlanPrivate:
		return "private"
	case MacvlanVEPA:
		return "vepa"
	case MacvlanBridge:
		return "bridge"
	case MacvlanPassthru:
		return "passthru"
	case MacvlanSource:
		return "source"
	}
	return fmt.Sprint(m.Mode)
}

func (m *Macvlan) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_MACVLAN_MODE:
			m.Mode = ad.Uint32()
		case unix.IFLA_MACVLAN_FLAGS:
			m.Flags = ad.Uint16()
		case unix.IFLA_MACVLAN_MACADDR_COUNT:
			m.MacaddrCount = ad.Uint32()
		case unix.IFLA_MACVLAN_BC_QUEUE_LEN:
			m.BcQueueLen = ad.Uint32()
		case unix.IFLA_MACVLAN_BC_QUEUE_LEN_USED:
			m.BcQueueLenUsed = ad.Uint32()
		case unix.IFLA_MACVLAN_BC_CUTOFF:
			m.BcCutoff = ad.Int32()
		case unix.IFLA_MACVLAN_MACADDR_DATA:
			m.MacAddrs = nil
			nd := ad.Nested()
			for nd.Next() {
				if nd.Type() == unix.IFLA_MACVLAN_MACADDR {
					m.MacAddrs = append(m.MacAddrs, HWAddrFrom(nd.Bytes()))
				}
			}
			if err := nd.Err(); err != nil {
				return err
			}
		}
	}
	return ad.Err()
}

func (m *Macvlan) encode(ae *proto.AttrEncoder) error {
	if m.Mode != 0 {
		ae.Uint32(unix.IFLA_MACVLAN_MODE, m.Mode)
	}
	if m.Flags != 0 {
		ae.Uint16(unix.IFLA_MACVLAN_FLAGS, m.Flags)
	}
	if m.BcQueueLen != 0 {
		ae.Uint32(unix.IFLA_MACVLAN_BC_QUEUE_LEN, m.BcQueueLen)
	}
	if m.BcCutoff != 0 {
		ae.Int32(unix.IFLA_MACVLAN_BC_CUTOFF, m.BcCutoff)
	}
	if len(m.MacAddrs) > 0 {
		ae.Uint32(unix.IFLA_MACVLAN_MACADDR_MODE, macvlanMacaddrSet)
		n := ae.NestRaw(unix.IFLA_MACVLAN_MACADDR_DATA)
		for _, a := range m.MacAddrs {
			ae.Raw(unix.IFLA_MACVLAN_MACADDR, a.AppendTo(nil))
		}
		ae.End(n)
	}
	return nil
}

// Vxlan is the data of a VXLAN link: IFLA_VXLAN_*. In requests, ID and Learning are always sent, the other
// fields when they are not zero.
type Vxlan struct {
	// ID is IFLA_VXLAN_ID, the VNI.
	ID uint32
	// Group is IFLA_VXLAN_GROUP or IFLA_VXLAN_GROUP6: the remote or multicast group.
	Group netip.Addr
	// Local is IFLA_VXLAN_LOCAL or IFLA_VXLAN_LOCAL6.
	Local netip.Addr
	// Link is IFLA_VXLAN_LINK: the underlay device index.
	Link uint32
	// Port is IFLA_VXLAN_PORT, the UDP destination port (host order here; big-endian on the wire).
	Port uint16
	// PortLow and PortHigh are IFLA_VXLAN_PORT_RANGE.
	PortLow, PortHigh uint16
	// TTL, TOS and DF are IFLA_VXLAN_TTL, IFLA_VXLAN_TOS and IFLA_VXLAN_DF.
	TTL, TOS, DF uint8
	// Label is IFLA_VXLAN_LABEL (flow label, host order).
	Label uint32
	// Ageing and Limit are IFLA_VXLAN_AGEING (seconds) and IFLA_VXLAN_LIMIT.
	Ageing, Limit uint32
	// Learning, Proxy, RSC, L2Miss, L3Miss, UDPCsum, UDPZeroCsum6Tx, UDPZeroCsum6Rx, RemCsumTx, RemCsumRx,
	// CollectMetadata, VNIFilter and LocalBypass are the u8 switches IFLA_VXLAN_LEARNING, _PROXY, _RSC,
	// _L2MISS, _L3MISS, _UDP_CSUM, _UDP_ZERO_CSUM6_TX, _UDP_ZERO_CSUM6_RX, _REMCSUM_TX, _REMCSUM_RX,
	// _COLLECT_METADATA, _VNIFILTER and _LOCALBYPASS.
	Learning, Proxy, RSC, L2Miss, L3Miss, UDPCsum, UDPZeroCsum6Tx, UDPZeroCsum6Rx, RemCsumTx, RemCsumRx bool
	CollectMetadata, VNIFilter, LocalBypass                                                             bool
	// GBP, GPE and RemCsumNoPartial are the flags (NLA_FLAG, present or absent) IFLA_VXLAN_GBP, _GPE and
	// _REMCSUM_NOPARTIAL. TTLInherit is IFLA_VXLAN_TTL_INHERIT, a flag in requests that the kernel reports as
	// a u8 holding 0 or 1 (vxlan_fill_info always sends it).
	GBP, GPE, RemCsumNoPartial, TTLInherit bool
}

// Kind implements LinkData: "vxlan".
func (*Vxlan) Kind() string { return "vxlan" }

func (v *Vxlan) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_VXLAN_ID:
			v.ID = ad.Uint32()
		case unix.IFLA_VXLAN_GROUP, unix.IFLA_VXLAN_GROUP6:
			v.Group = addrFrom(ad.Bytes())
		case unix.IFLA_VXLAN_LOCAL, unix.IFLA_VXLAN_LOCAL6:
			v.Local = addrFrom(ad.Bytes())
		case unix.IFLA_VXLAN_LINK:
			v.Link = ad.Uint32()
		case unix.IFLA_VXLAN_PORT:
			v.Port = ad.BE16()
		case unix.IFLA_VXLAN_PORT_RANGE:
			if p := ad.Bytes(); len(p) >= 4 {
				v.PortLow, v.PortHigh = binary.BigEndian.Uint16(p), binary.BigEndian.Uint16(p[2:])
			}
		case unix.IFLA_VXLAN_TTL:
			v.TTL = ad.Uint8()
		case unix.IFLA_VXLAN_TOS:
			v.TOS = ad.Uint8()
		case unix.IFLA_VXLAN_DF:
			v.DF = ad.Uint8()
		case unix.IFLA_VXLAN_LABEL:
			v.Label = ad.BE32()
		case unix.IFLA_VXLAN_AGEING:
			v.Ageing = ad.Uint32()
		case unix.IFLA_VXLAN_LIMIT:
			v.Limit = ad.Uint32()
		case unix.IFLA_VXLAN_LEARNING:
			v.Learning = ad.Uint8() != 0
		case unix.IFLA_VXLAN_PROXY:
			v.Proxy = ad.Uint8() != 0
		case unix.IFLA_VXLAN_RSC:
			v.RSC = ad.Uint8() != 0
		case unix.IFLA_VXLAN_L2MISS:
			v.L2Miss = ad.Uint8() != 0
		case unix.IFLA_VXLAN_L3MISS:
			v.L3Miss = ad.Uint8() != 0
		case unix.IFLA_VXLAN_UDP_CSUM:
			v.UDPCsum = ad.Uint8() != 0
		case unix.IFLA_VXLAN_UDP_ZERO_CSUM6_TX:
			v.UDPZeroCsum6Tx = ad.Uint8() != 0
		case unix.IFLA_VXLAN_UDP_ZERO_CSUM6_RX:
			v.UDPZeroCsum6Rx = ad.Uint8() != 0
		case unix.IFLA_VXLAN_REMCSUM_TX:
			v.RemCsumTx = ad.Uint8() != 0
		case unix.IFLA_VXLAN_REMCSUM_RX:
			v.RemCsumRx = ad.Uint8() != 0
		case unix.IFLA_VXLAN_COLLECT_METADATA:
			v.CollectMetadata = ad.Uint8() != 0
		case unix.IFLA_VXLAN_VNIFILTER:
			v.VNIFilter = ad.Uint8() != 0
		case unix.IFLA_VXLAN_LOCALBYPASS:
			v.LocalBypass = ad.Uint8() != 0
		case unix.IFLA_VXLAN_GBP:
			v.GBP = true
		case unix.IFLA_VXLAN_GPE:
			v.GPE = true
		case unix.IFLA_VXLAN_REMCSUM_NOPARTIAL:
			v.RemCsumNoPartial = true
		case unix.IFLA_VXLAN_TTL_INHERIT:
			// A flag in requests (NLA_FLAG), but vxlan_fill_info always sends it as a u8 holding 0 or 1.
			v.TTLInherit = len(ad.Bytes()) == 0 || ad.Uint8() != 0
		}
	}
	return ad.Err()
}

func (v *Vxlan) encode(ae *proto.AttrEncoder) error {
	ae.Uint32(unix.IFLA_VXLAN_ID, v.ID)
	if v.Group.IsValid() {
		ae.Raw(pick(v.Group, unix.IFLA_VXLAN_GROUP, unix.IFLA_VXLAN_GROUP6), v.Group.AsSlice())
	}
	if v.Local.IsValid() {
		ae.Raw(pick(v.Local, unix.IFLA_VXLAN_LOCAL, unix.IFLA_VXLAN_LOCAL6), v.Local.AsSlice())
	}
	if v.Link != 0 {
		ae.Uint32(unix.IFLA_VXLAN_LINK, v.Link)
	}
	if v.Port != 0 {
		ae.BE16(unix.IFLA_VXLAN_PORT, v.Port)
	}
	if v.PortLow != 0 || v.PortHigh != 0 {
		var p [4]byte
		binary.BigEndian.PutUint16(p[:], v.PortLow)
		binary.BigEndian.PutUint16(p[2:], v.PortHigh)
		ae.Raw(unix.IFLA_VXLAN_PORT_RANGE, p[:])
	}
	for _, u := range []struct {
		t uint16
		v uint8
	}{{unix.IFLA_VXLAN_TTL, v.TTL}, {unix.IFLA_VXLAN_TOS, v.TOS}, {unix.IFLA_VXLAN_DF, v.DF}} {
		if u.v != 0 {
			ae.Uint8(u.t, u.v)
		}
	}
	if v.Label != 0 {
		ae.BE32(unix.IFLA_VXLAN_LABEL, v.Label)
	}
	if v.Ageing != 0 {
		ae.Uint32(unix.IFLA_VXLAN_AGEING, v.Ageing)
	}
	if v.Limit != 0 {
		ae.Uint32(unix.IFLA_VXLAN_LIMIT, v.Limit)
	}
	ae.Uint8(unix.IFLA_VXLAN_LEARNING, b2u(v.Learning))
	for _, s := range []struct {
		t  uint16
		on bool
	}{{unix.IFLA_VXLAN_PROXY, v.Proxy}, {unix.IFLA_VXLAN_RSC, v.RSC}, {unix.IFLA_VXLAN_L2MISS, v.L2Miss},
		{unix.IFLA_VXLAN_L3MISS, v.L3Miss}, {unix.IFLA_VXLAN_UDP_CSUM, v.UDPCsum},
		{unix.IFLA_VXLAN_UDP_ZERO_CSUM6_TX, v.UDPZeroCsum6Tx}, {unix.IFLA_VXLAN_UDP_ZERO_CSUM6_RX, v.UDPZeroCsum6Rx},
		{unix.IFLA_VXLAN_REMCSUM_TX, v.RemCsumTx}, {unix.IFLA_VXLAN_REMCSUM_RX, v.RemCsumRx},
		{unix.IFLA_VXLAN_COLLECT_METADATA, v.CollectMetadata}, {unix.IFLA_VXLAN_VNIFILTER, v.VNIFilter},
		{unix.IFLA_VXLAN_LOCALBYPASS, v.LocalBypass}} {
		if s.on {
			ae.Uint8(s.t, 1)
		}
	}
	for _, f := range []struct {
		t  uint16
		on bool
	}{{unix.IFLA_VXLAN_GBP, v.GBP}, {unix.IFLA_VXLAN_GPE, v.GPE},
		{unix.IFLA_VXLAN_REMCSUM_NOPARTIAL, v.RemCsumNoPartial}, {unix.IFLA_VXLAN_TTL_INHERIT, v.TTLInherit}} {
		if f.on {
			ae.Flag(f.t)
		}
	}
	return nil
}

// vlanFlagsKnown are the VLAN_FLAG_* bits the kernel takes in IFLA_VLAN_FLAGS' mask: REORDER_HDR, GVRP,
// LOOSE_BINDING, MVRP and BRIDGE_BINDING.
const vlanFlagsKnown = 0x1f

// Vlan is the data of an 802.1Q/802.1ad VLAN link: IFLA_VLAN_*. The lower device is Link.ParentIndex.
type Vlan struct {
	// ID is IFLA_VLAN_ID.
	ID uint16
	// Protocol is IFLA_VLAN_PROTOCOL (ETH_P_8021Q 0x8100, ETH_P_8021AD 0x88a8; host order here).
	Protocol uint16
	// Flags is IFLA_VLAN_FLAGS' flags (VLAN_FLAG_REORDER_HDR...); in requests FlagsMask says which to change
	// (all set flags when zero).
	Flags, FlagsMask uint32
	// IngressQoS and EgressQoS are IFLA_VLAN_INGRESS_QOS and IFLA_VLAN_EGRESS_QOS: the priority mappings, each
	// an IFLA_VLAN_QOS_MAPPING (struct ifla_vlan_qos_mapping). The kernel reports the ingress mappings whose To
	// is not 0 and the egress ones it has.
	IngressQoS, EgressQoS []VlanQoSMapping
}

// VlanQoSMapping is struct ifla_vlan_qos_mapping: a priority From mapped to To (ingress: VLAN priority to skb
// priority; egress: skb priority to VLAN priority).
type VlanQoSMapping struct{ From, To uint32 }

func decodeQoS(nd proto.AttrDecoder) ([]VlanQoSMapping, error) {
	var list []VlanQoSMapping
	for nd.Next() {
		if p := nd.Bytes(); nd.Type() == unix.IFLA_VLAN_QOS_MAPPING && len(p) >= 8 {
			list = append(list, VlanQoSMapping{From: binary.NativeEndian.Uint32(p), To: binary.NativeEndian.Uint32(p[4:])})
		}
	}
	return list, nd.Err()
}

func encodeQoS(ae *proto.AttrEncoder, typ uint16, list []VlanQoSMapping) {
	if len(list) == 0 {
		return
	}
	n := ae.NestRaw(typ)
	for _, m := range list {
		var p [8]byte
		binary.NativeEndian.PutUint32(p[:], m.From)
		binary.NativeEndian.PutUint32(p[4:], m.To)
		ae.Raw(unix.IFLA_VLAN_QOS_MAPPING, p[:])
	}
	ae.End(n)
}

// Kind implements LinkData: "vlan".
func (*Vlan) Kind() string { return "vlan" }

func (v *Vlan) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_VLAN_ID:
			v.ID = ad.Uint16()
		case unix.IFLA_VLAN_PROTOCOL:
			v.Protocol = ad.BE16()
		case unix.IFLA_VLAN_FLAGS:
			if p := ad.Bytes(); len(p) >= 8 {
				v.Flags = binary.NativeEndian.Uint32(p)
				v.FlagsMask = binary.NativeEndian.Uint32(p[4:])
			}
		case unix.IFLA_VLAN_INGRESS_QOS, unix.IFLA_VLAN_EGRESS_QOS:
			list, err := decodeQoS(ad.Nested())
			if err != nil {
				return err
			}
			if ad.Type() == unix.IFLA_VLAN_INGRESS_QOS {
				v.IngressQoS = list
			} else {
				v.EgressQoS = list
			}
		}
	}
	return ad.Err()
}

func (v *Vlan) encode(ae *proto.AttrEncoder) error {
	ae.Uint16(unix.IFLA_VLAN_ID, v.ID)
	if v.Protocol != 0 {
		ae.BE16(unix.IFLA_VLAN_PROTOCOL, v.Protocol)
	}
	mask := v.FlagsMask
	if mask == 0 {
		mask = v.Flags
	}
	// The kernel reports the mask as all ones and refuses bits it does not know in a request (EINVAL); flags
	// outside the mask change nothing.
	mask &= vlanFlagsKnown
	if mask != 0 {
		var p [8]byte
		binary.NativeEndian.PutUint32(p[:], v.Flags&mask)
		binary.NativeEndian.PutUint32(p[4:], mask)
		ae.Raw(unix.IFLA_VLAN_FLAGS, p[:])
	}
	encodeQoS(ae, unix.IFLA_VLAN_INGRESS_QOS, v.IngressQoS)
	encodeQoS(ae, unix.IFLA_VLAN_EGRESS_QOS, v.EgressQoS)
	return nil
}

// VRF is the data of a VRF device: IFLA_VRF_TABLE.
type VRF struct {
	// Table is IFLA_VRF_TABLE.
	Table uint32
}

// Kind implements LinkData: "vrf".
func (*VRF) Kind() string { return "vrf" }

func (v *VRF) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		if ad.Type() == unix.IFLA_VRF_TABLE {
			v.Table = ad.Uint32()
		}
	}
	return ad.Err()
}

func (v *VRF) encode(ae *proto.AttrEncoder) error {
	ae.Uint32(unix.IFLA_VRF_TABLE, v.Table)
	return nil
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func pick(a netip.Addr, v4, v6 uint16) uint16 {
	if a.Is4() {
		return v4
	}
	return v6
}
