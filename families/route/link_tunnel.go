//go:build linux

package route

import (
	"net/netip"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// The IFLA_GRE_* attributes (include/uapi/linux/if_tunnel.h), which golang.org/x/sys/unix lacks.
const (
	iflaGreLink            = 1
	iflaGreIFlags          = 2
	iflaGreOFlags          = 3
	iflaGreIKey            = 4
	iflaGreOKey            = 5
	iflaGreLocal           = 6
	iflaGreRemote          = 7
	iflaGreTTL             = 8
	iflaGreTOS             = 9
	iflaGrePMTUDisc        = 10
	iflaGreEncapLimit      = 11
	iflaGreFlowinfo        = 12
	iflaGreFlags           = 13
	iflaGreEncapType       = 14
	iflaGreEncapFlags      = 15
	iflaGreEncapSport      = 16
	iflaGreEncapDport      = 17
	iflaGreCollectMetadata = 18
	iflaGreIgnoreDF        = 19
	iflaGreFwmark          = 20
	iflaGreErspanIndex     = 21
	iflaGreErspanVer       = 22
	iflaGreErspanDir       = 23
	iflaGreErspanHwid      = 24
)

// The IFLA_IPTUN_* attributes (include/uapi/linux/if_tunnel.h).
const (
	iflaIptunLink             = 1
	iflaIptunLocal            = 2
	iflaIptunRemote           = 3
	iflaIptunTTL              = 4
	iflaIptunTOS              = 5
	iflaIptunEncapLimit       = 6
	iflaIptunFlowinfo         = 7
	iflaIptunFlags            = 8
	iflaIptunProto            = 9
	iflaIptunPMTUDisc         = 10
	iflaIptun6RDPrefix        = 11
	iflaIptun6RDRelayPrefix   = 12
	iflaIptun6RDPrefixLen     = 13
	iflaIptun6RDRelayPrefixLn = 14
	iflaIptunEncapType        = 15
	iflaIptunEncapFlags       = 16
	iflaIptunEncapSport       = 17
	iflaIptunEncapDport       = 18
	iflaIptunCollectMetadata  = 19
	iflaIptunFwmark           = 20
)

// The IFLA_VTI_* attributes (include/uapi/linux/if_tunnel.h).
const (
	iflaVtiLink   = 1
	iflaVtiIKey   = 2
	iflaVtiOKey   = 3
	iflaVtiLocal  = 4
	iflaVtiRemote = 5
	iflaVtiFwmark = 6
)

// GRE flags of Gre.IFlags and Gre.OFlags (GRE_CSUM, GRE_KEY, GRE_SEQ; include/uapi/linux/if_tunnel.h).
const (
	GreCsum = 0x8000 // GRE_CSUM
	GreKey  = 0x2000 // GRE_KEY
	GreSeq  = 0x1000 // GRE_SEQ
)

// Tunnel encapsulations (TunnelEncap.Type, enum tunnel_encap_types).
const (
	TunnelEncapNone = 0 // TUNNEL_ENCAP_NONE
	TunnelEncapFOU  = 1 // TUNNEL_ENCAP_FOU
	TunnelEncapGUE  = 2 // TUNNEL_ENCAP_GUE
	TunnelEncapMPLS = 3 // TUNNEL_ENCAP_MPLS
)

// IPv6 tunnel flags (Gre.Flags of ip6gre kinds, IPTun.Flags of ip6tnl; IP6_TNL_F_* in include/uapi/linux/ip6_tunnel.h).
const (
	IP6TnlIgnEncapLimit    = 0x1  // IP6_TNL_F_IGN_ENCAP_LIMIT
	IP6TnlUseOrigTClass    = 0x2  // IP6_TNL_F_USE_ORIG_TCLASS
	IP6TnlUseOrigFlowlabel = 0x4  // IP6_TNL_F_USE_ORIG_FLOWLABEL
	IP6TnlMIP6Dev          = 0x8  // IP6_TNL_F_MIP6_DEV
	IP6TnlRcvDSCPCopy      = 0x10 // IP6_TNL_F_RCV_DSCP_COPY
	IP6TnlUseOrigFwmark    = 0x20 // IP6_TNL_F_USE_ORIG_FWMARK
	IP6TnlAllowLocalRemote = 0x40 // IP6_TNL_F_ALLOW_LOCAL_REMOTE
)

// TunnelEncap is the UDP encapsulation (fou, gue) of a GRE or IP tunnel: IFLA_GRE_ENCAP_TYPE, _ENCAP_FLAGS,
// _ENCAP_SPORT and _ENCAP_DPORT, or the IFLA_IPTUN_ENCAP_* of the same names. Ports are in host order here
// (big-endian on the wire). In requests, the fields that are not zero are sent.
type TunnelEncap struct {
	Type, Flags       uint16 // TUNNEL_ENCAP_*; TUNNEL_ENCAP_FLAG_CSUM, _CSUM6, _REMCSUM
	SourcePort, DPort uint16
}

func (e *TunnelEncap) encode(ae *proto.AttrEncoder, typ, flags, sport, dport uint16) {
	if e.Type != 0 {
		ae.Uint16(typ, e.Type)
	}
	if e.Flags != 0 {
		ae.Uint16(flags, e.Flags)
	}
	if e.SourcePort != 0 {
		ae.BE16(sport, e.SourcePort)
	}
	if e.DPort != 0 {
		ae.BE16(dport, e.DPort)
	}
}

// Gre is the data of the GRE kinds gre, gretap, ip6gre, ip6gretap, erspan and ip6erspan (net/ipv4/ip_gre.c,
// net/ipv6/ip6_gre.c): IFLA_GRE_*. In requests the fields that are not zero are sent, and IFLA_GRE_PMTUDISC
// for the IPv4 kinds (or when NoPMTUDisc is set). Keys are in host order (big-endian on the wire).
type Gre struct {
	kind string
	// Link is IFLA_GRE_LINK: the underlay device index.
	Link uint32
	// IFlags and OFlags are IFLA_GRE_IFLAGS and IFLA_GRE_OFLAGS (GreKey, GreCsum, GreSeq; host order here).
	IFlags, OFlags uint16
	// IKey and OKey are IFLA_GRE_IKEY and IFLA_GRE_OKEY.
	IKey, OKey uint32
	// Local and Remote are IFLA_GRE_LOCAL and IFLA_GRE_REMOTE (IPv4 for gre/gretap/erspan, IPv6 for the ip6
	// kinds).
	Local, Remote netip.Addr
	// TTL and TOS are IFLA_GRE_TTL and IFLA_GRE_TOS (the IPv6 kinds take the traffic class from Flowinfo).
	TTL, TOS uint8
	// NoPMTUDisc is IFLA_GRE_PMTUDISC 0: the kernel reports 1 (path MTU discovery, the default) or 0.
	NoPMTUDisc bool
	// IgnoreDF is IFLA_GRE_IGNORE_DF.
	IgnoreDF uint8
	// EncapLimit, Flowinfo (big-endian flow label and class, host order here) and Flags (IP6Tnl*) are
	// IFLA_GRE_ENCAP_LIMIT, IFLA_GRE_FLOWINFO and IFLA_GRE_FLAGS, for the IPv6 kinds.
	EncapLimit uint8
	Flowinfo   uint32
	Flags      uint32
	// Encap is IFLA_GRE_ENCAP_TYPE, _FLAGS, _SPORT and _DPORT.
	Encap TunnelEncap
	// CollectMetadata is IFLA_GRE_COLLECT_METADATA (a flag: `external`).
	CollectMetadata bool
	// Fwmark is IFLA_GRE_FWMARK.
	Fwmark uint32
	// ErspanIndex, ErspanVer, ErspanDir and ErspanHwid are IFLA_GRE_ERSPAN_INDEX, _VER, _DIR and _HWID.
	ErspanIndex uint32
	ErspanVer   uint8
	ErspanDir   uint8
	ErspanHwid  uint16
}

// NewGre returns the data of a link of one of the GRE kinds: "gre", "gretap", "ip6gre", "ip6gretap", "erspan"
// or "ip6erspan".
func NewGre(kind string) *Gre { return &Gre{kind: kind} }

// Kind implements LinkData: the kind given to NewGre or decoded, "gre" for a zero Gre.
func (g *Gre) Kind() string {
	if g.kind == "" {
		return "gre"
	}
	return g.kind
}

func (g *Gre) isIPv6() bool {
	k := g.Kind()
	return k == "ip6gre" || k == "ip6gretap" || k == "ip6erspan"
}

func (g *Gre) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case iflaGreLink:
			g.Link = ad.Uint32()
		case iflaGreIFlags:
			g.IFlags = ad.BE16()
		case iflaGreOFlags:
			g.OFlags = ad.BE16()
		case iflaGreIKey:
			g.IKey = ad.BE32()
		case iflaGreOKey:
			g.OKey = ad.BE32()
		case iflaGreLocal:
			g.Local = addrFrom(ad.Bytes())
		case iflaGreRemote:
			g.Remote = addrFrom(ad.Bytes())
		case iflaGreTTL:
			g.TTL = ad.Uint8()
		case iflaGreTOS:
			g.TOS = ad.Uint8()
		case iflaGrePMTUDisc:
			g.NoPMTUDisc = ad.Uint8() == 0
		case iflaGreIgnoreDF:
			g.IgnoreDF = ad.Uint8()
		case iflaGreEncapLimit:
			g.EncapLimit = ad.Uint8()
		case iflaGreFlowinfo:
			g.Flowinfo = ad.BE32()
		case iflaGreFlags:
			g.Flags = ad.Uint32()
		case iflaGreEncapType:
			g.Encap.Type = ad.Uint16()
		case iflaGreEncapFlags:
			g.Encap.Flags = ad.Uint16()
		case iflaGreEncapSport:
			g.Encap.SourcePort = ad.BE16()
		case iflaGreEncapDport:
			g.Encap.DPort = ad.BE16()
		case iflaGreCollectMetadata:
			g.CollectMetadata = true
		case iflaGreFwmark:
			g.Fwmark = ad.Uint32()
		case iflaGreErspanIndex:
			g.ErspanIndex = ad.Uint32()
		case iflaGreErspanVer:
			g.ErspanVer = ad.Uint8()
		case iflaGreErspanDir:
			g.ErspanDir = ad.Uint8()
		case iflaGreErspanHwid:
			g.ErspanHwid = ad.Uint16()
		}
	}
	return ad.Err()
}

func (g *Gre) encode(ae *proto.AttrEncoder) error {
	if g.Link != 0 {
		ae.Uint32(iflaGreLink, g.Link)
	}
	if g.IFlags != 0 {
		ae.BE16(iflaGreIFlags, g.IFlags)
	}
	if g.OFlags != 0 {
		ae.BE16(iflaGreOFlags, g.OFlags)
	}
	if g.IKey != 0 {
		ae.BE32(iflaGreIKey, g.IKey)
	}
	if g.OKey != 0 {
		ae.BE32(iflaGreOKey, g.OKey)
	}
	if g.Local.IsValid() {
		ae.Raw(iflaGreLocal, g.Local.AsSlice())
	}
	if g.Remote.IsValid() {
		ae.Raw(iflaGreRemote, g.Remote.AsSlice())
	}
	if !g.isIPv6() || g.NoPMTUDisc {
		ae.Uint8(iflaGrePMTUDisc, b2u(!g.NoPMTUDisc))
	}
	for _, f := range []struct {
		t uint16
		v uint8
	}{{iflaGreTTL, g.TTL}, {iflaGreTOS, g.TOS}, {iflaGreIgnoreDF, g.IgnoreDF}, {iflaGreEncapLimit, g.EncapLimit},
		{iflaGreErspanVer, g.ErspanVer}, {iflaGreErspanDir, g.ErspanDir}} {
		if f.v != 0 {
			ae.Uint8(f.t, f.v)
		}
	}
	if g.Flowinfo != 0 {
		ae.BE32(iflaGreFlowinfo, g.Flowinfo)
	}
	if g.Flags != 0 {
		ae.Uint32(iflaGreFlags, g.Flags)
	}
	g.Encap.encode(ae, iflaGreEncapType, iflaGreEncapFlags, iflaGreEncapSport, iflaGreEncapDport)
	if g.CollectMetadata {
		ae.Flag(iflaGreCollectMetadata)
	}
	if g.Fwmark != 0 {
		ae.Uint32(iflaGreFwmark, g.Fwmark)
	}
	if g.ErspanIndex != 0 {
		ae.Uint32(iflaGreErspanIndex, g.ErspanIndex)
	}
	if g.ErspanHwid != 0 {
		ae.Uint16(iflaGreErspanHwid, g.ErspanHwid)
	}
	return nil
}

// IPTun is the data of the IP-in-IP kinds ipip, sit and ip6tnl (net/ipv4/ipip.c, net/ipv6/sit.c,
// net/ipv6/ip6_tunnel.c): IFLA_IPTUN_*. In requests the fields that are not zero are sent, and
// IFLA_IPTUN_PMTUDISC for ipip and sit (or when NoPMTUDisc is set).
type IPTun struct {
	kind string
	// Link is IFLA_IPTUN_LINK: the underlay device index.
	Link uint32
	// Local and Remote are IFLA_IPTUN_LOCAL and IFLA_IPTUN_REMOTE.
	Local, Remote netip.Addr
	// TTL and TOS are IFLA_IPTUN_TTL and IFLA_IPTUN_TOS.
	TTL, TOS uint8
	// EncapLimit and Flowinfo (host order) are IFLA_IPTUN_ENCAP_LIMIT and IFLA_IPTUN_FLOWINFO (ip6tnl).
	EncapLimit uint8
	Flowinfo   uint32
	// Flags is IFLA_IPTUN_FLAGS: a u16 for sit (SIT_ISATAP 0x1), a u32 for ip6tnl (IP6Tnl*).
	Flags uint32
	// Proto is IFLA_IPTUN_PROTO (IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_MPLS, 0 for any), present when HasProto
	// (the kernel reports it; a request sends it when HasProto is set or it is not 0, since each kind's default
	// is its own protocol, not any).
	Proto    uint8
	HasProto bool
	// NoPMTUDisc is IFLA_IPTUN_PMTUDISC 0 (ipip, sit).
	NoPMTUDisc bool
	// SixRDPrefix, SixRDRelayPrefix, SixRDPrefixLen and SixRDRelayPrefixLen are IFLA_IPTUN_6RD_PREFIX,
	// _6RD_RELAY_PREFIX, _6RD_PREFIXLEN and _6RD_RELAY_PREFIXLEN (sit).
	SixRDPrefix, SixRDRelayPrefix       netip.Addr
	SixRDPrefixLen, SixRDRelayPrefixLen uint16
	// Encap is IFLA_IPTUN_ENCAP_TYPE, _FLAGS, _SPORT and _DPORT.
	Encap TunnelEncap
	// CollectMetadata is IFLA_IPTUN_COLLECT_METADATA (a flag).
	CollectMetadata bool
	// Fwmark is IFLA_IPTUN_FWMARK.
	Fwmark uint32
}

// NewIPTun returns the data of a link of kind "ipip", "sit" or "ip6tnl".
func NewIPTun(kind string) *IPTun { return &IPTun{kind: kind} }

// Kind implements LinkData: the kind given to NewIPTun or decoded, "ipip" for a zero IPTun.
func (t *IPTun) Kind() string {
	if t.kind == "" {
		return "ipip"
	}
	return t.kind
}

func (t *IPTun) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case iflaIptunLink:
			t.Link = ad.Uint32()
		case iflaIptunLocal:
			t.Local = addrFrom(ad.Bytes())
		case iflaIptunRemote:
			t.Remote = addrFrom(ad.Bytes())
		case iflaIptunTTL:
			t.TTL = ad.Uint8()
		case iflaIptunTOS:
			t.TOS = ad.Uint8()
		case iflaIptunEncapLimit:
			t.EncapLimit = ad.Uint8()
		case iflaIptunFlowinfo:
			t.Flowinfo = ad.BE32()
		case iflaIptunFlags:
			if ad.Len() == 2 {
				t.Flags = uint32(ad.Uint16())
			} else {
				t.Flags = ad.Uint32()
			}
		case iflaIptunProto:
			t.Proto, t.HasProto = ad.Uint8(), true
		case iflaIptunPMTUDisc:
			t.NoPMTUDisc = ad.Uint8() == 0
		case iflaIptun6RDPrefix:
			t.SixRDPrefix = addrFrom(ad.Bytes())
		case iflaIptun6RDRelayPrefix:
			t.SixRDRelayPrefix = addrFrom(ad.Bytes())
		case iflaIptun6RDPrefixLen:
			t.SixRDPrefixLen = ad.Uint16()
		case iflaIptun6RDRelayPrefixLn:
			t.SixRDRelayPrefixLen = ad.Uint16()
		case iflaIptunEncapType:
			t.Encap.Type = ad.Uint16()
		case iflaIptunEncapFlags:
			t.Encap.Flags = ad.Uint16()
		case iflaIptunEncapSport:
			t.Encap.SourcePort = ad.BE16()
		case iflaIptunEncapDport:
			t.Encap.DPort = ad.BE16()
		case iflaIptunCollectMetadata:
			t.CollectMetadata = true
		case iflaIptunFwmark:
			t.Fwmark = ad.Uint32()
		}
	}
	return ad.Err()
}

func (t *IPTun) encode(ae *proto.AttrEncoder) error {
	if t.Link != 0 {
		ae.Uint32(iflaIptunLink, t.Link)
	}
	if t.Local.IsValid() {
		ae.Raw(iflaIptunLocal, t.Local.AsSlice())
	}
	if t.Remote.IsValid() {
		ae.Raw(iflaIptunRemote, t.Remote.AsSlice())
	}
	for _, f := range []struct {
		t uint16
		v uint8
	}{{iflaIptunTTL, t.TTL}, {iflaIptunTOS, t.TOS}, {iflaIptunEncapLimit, t.EncapLimit}} {
		if f.v != 0 {
			ae.Uint8(f.t, f.v)
		}
	}
	if t.HasProto || t.Proto != 0 {
		ae.Uint8(iflaIptunProto, t.Proto)
	}
	if t.Kind() != "ip6tnl" || t.NoPMTUDisc {
		ae.Uint8(iflaIptunPMTUDisc, b2u(!t.NoPMTUDisc))
	}
	if t.Flowinfo != 0 {
		ae.BE32(iflaIptunFlowinfo, t.Flowinfo)
	}
	if t.Flags != 0 {
		if t.Kind() == "sit" {
			ae.Uint16(iflaIptunFlags, uint16(t.Flags))
		} else {
			ae.Uint32(iflaIptunFlags, t.Flags)
		}
	}
	if t.SixRDPrefix.IsValid() {
		ae.Raw(iflaIptun6RDPrefix, t.SixRDPrefix.AsSlice())
	}
	if t.SixRDRelayPrefix.IsValid() {
		ae.Raw(iflaIptun6RDRelayPrefix, t.SixRDRelayPrefix.AsSlice())
	}
	if t.SixRDPrefixLen != 0 {
		ae.Uint16(iflaIptun6RDPrefixLen, t.SixRDPrefixLen)
	}
	if t.SixRDRelayPrefixLen != 0 {
		ae.Uint16(iflaIptun6RDRelayPrefixLn, t.SixRDRelayPrefixLen)
	}
	t.Encap.encode(ae, iflaIptunEncapType, iflaIptunEncapFlags, iflaIptunEncapSport, iflaIptunEncapDport)
	if t.CollectMetadata {
		ae.Flag(iflaIptunCollectMetadata)
	}
	if t.Fwmark != 0 {
		ae.Uint32(iflaIptunFwmark, t.Fwmark)
	}
	return nil
}

// VTI is the data of a vti or vti6 link (net/ipv4/ip_vti.c, net/ipv6/ip6_vti.c): IFLA_VTI_*. Keys are in host
// order. In requests the fields that are not zero are sent.
type VTI struct {
	kind string
	// Link is IFLA_VTI_LINK; IKey and OKey are IFLA_VTI_IKEY and IFLA_VTI_OKEY; Fwmark is IFLA_VTI_FWMARK.
	Link, IKey, OKey, Fwmark uint32
	// Local and Remote are IFLA_VTI_LOCAL and IFLA_VTI_REMOTE.
	Local, Remote netip.Addr
}

// NewVTI returns the data of a link of kind "vti" or "vti6".
func NewVTI(kind string) *VTI { return &VTI{kind: kind} }

// Kind implements LinkData: "vti" or "vti6".
func (v *VTI) Kind() string {
	if v.kind == "" {
		return "vti"
	}
	return v.kind
}

func (v *VTI) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case iflaVtiLink:
			v.Link = ad.Uint32()
		case iflaVtiIKey:
			v.IKey = ad.BE32()
		case iflaVtiOKey:
			v.OKey = ad.BE32()
		case iflaVtiLocal:
			v.Local = addrFrom(ad.Bytes())
		case iflaVtiRemote:
			v.Remote = addrFrom(ad.Bytes())
		case iflaVtiFwmark:
			v.Fwmark = ad.Uint32()
		}
	}
	return ad.Err()
}

func (v *VTI) encode(ae *proto.AttrEncoder) error {
	if v.Link != 0 {
		ae.Uint32(iflaVtiLink, v.Link)
	}
	if v.IKey != 0 {
		ae.BE32(iflaVtiIKey, v.IKey)
	}
	if v.OKey != 0 {
		ae.BE32(iflaVtiOKey, v.OKey)
	}
	if v.Local.IsValid() {
		ae.Raw(iflaVtiLocal, v.Local.AsSlice())
	}
	if v.Remote.IsValid() {
		ae.Raw(iflaVtiRemote, v.Remote.AsSlice())
	}
	if v.Fwmark != 0 {
		ae.Uint32(iflaVtiFwmark, v.Fwmark)
	}
	return nil
}

// Xfrm is the data of an xfrm interface (net/xfrm/xfrm_interface.c): IFLA_XFRM_*.
type Xfrm struct {
	// Link is IFLA_XFRM_LINK; IfID is IFLA_XFRM_IF_ID.
	Link, IfID uint32
	// CollectMetadata is IFLA_XFRM_COLLECT_METADATA (a flag: `external`).
	CollectMetadata bool
}

// Kind implements LinkData: "xfrm".
func (*Xfrm) Kind() string { return "xfrm" }

func (x *Xfrm) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_XFRM_LINK:
			x.Link = ad.Uint32()
		case unix.IFLA_XFRM_IF_ID:
			x.IfID = ad.Uint32()
		case unix.IFLA_XFRM_COLLECT_METADATA:
			x.CollectMetadata = true
		}
	}
	return ad.Err()
}

func (x *Xfrm) encode(ae *proto.AttrEncoder) error {
	if x.Link != 0 {
		ae.Uint32(unix.IFLA_XFRM_LINK, x.Link)
	}
	if x.IfID != 0 {
		ae.Uint32(unix.IFLA_XFRM_IF_ID, x.IfID)
	}
	if x.CollectMetadata {
		ae.Flag(unix.IFLA_XFRM_COLLECT_METADATA)
	}
	return nil
}
