package tc

import (
	"encoding/binary"

	"github.com/nlkit/nlkit/families/tc/internal/kconst"
	"github.com/nlkit/nlkit/proto"
	"net/netip"
)

// Matchall is the options of the matchall classifier (TCA_MATCHALL_*).
type Matchall struct {
	ClassID *uint32  `tca:"1"`         // TCA_MATCHALL_CLASSID
	Actions []Action `tca:"2,actions"` // TCA_MATCHALL_ACT
	Flags   *uint32  `tca:"3"`         // TCA_MATCHALL_FLAGS (TCA_CLS_FLAGS_*)
	Pcnt    []byte   `tca:"4"`         // TCA_MATCHALL_PCNT (struct tc_matchall_pcnt, dumps)
}

// Kind is "matchall".
func (*Matchall) Kind() string { return "matchall" }

// MarshalOptions encodes the attributes.
func (o *Matchall) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *Matchall) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }

// BPF is the options of the bpf classifier (TCA_BPF_*): a program by file descriptor (FD, Name), or classic
// BPF (OpsLen, Ops); Flags TCA_BPF_FLAG_ACT_DIRECT for direct-action. A pinned program is opened by the caller
// (BPF_OBJ_GET) and passed by FD.
type BPF struct {
	Actions  []Action `tca:"1,actions"` // TCA_BPF_ACT
	Police   []byte   `tca:"2"`         // TCA_BPF_POLICE
	ClassID  *uint32  `tca:"3"`         // TCA_BPF_CLASSID
	OpsLen   *uint16  `tca:"4"`         // TCA_BPF_OPS_LEN
	Ops      []byte   `tca:"5"`         // TCA_BPF_OPS (struct sock_filter[])
	FD       *uint32  `tca:"6"`         // TCA_BPF_FD
	Name     *string  `tca:"7"`         // TCA_BPF_NAME
	Flags    *uint32  `tca:"8"`         // TCA_BPF_FLAGS
	FlagsGen *uint32  `tca:"9"`         // TCA_BPF_FLAGS_GEN (TCA_CLS_FLAGS_*)
	Tag      []byte   `tca:"10"`        // TCA_BPF_TAG (dumps)
	ID       *uint32  `tca:"11"`        // TCA_BPF_ID (dumps)
}

// BPFActDirect is TCA_BPF_FLAG_ACT_DIRECT: the program's return value is the verdict ("da").
const BPFActDirect = 1

// Kind is "bpf".
func (*BPF) Kind() string { return "bpf" }

// MarshalOptions encodes the attributes.
func (o *BPF) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *BPF) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }

// Basic is the options of the basic classifier (TCA_BASIC_*); its ematch tree is kept as bytes.
type Basic struct {
	ClassID  *uint32  `tca:"1"`         // TCA_BASIC_CLASSID
	Ematches []byte   `tca:"2"`         // TCA_BASIC_EMATCHES
	Actions  []Action `tca:"3,actions"` // TCA_BASIC_ACT
	Police   []byte   `tca:"4"`         // TCA_BASIC_POLICE
	Pcnt     []byte   `tca:"5"`         // TCA_BASIC_PCNT
}

// Kind is "basic".
func (*Basic) Kind() string { return "basic" }

// MarshalOptions encodes the attributes.
func (o *Basic) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *Basic) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }

// FW is the options of the fw classifier (TCA_FW_*): the filter's handle is the mark it matches.
type FW struct {
	ClassID *uint32  `tca:"1"`         // TCA_FW_CLASSID
	Police  []byte   `tca:"2"`         // TCA_FW_POLICE
	Indev   *string  `tca:"3"`         // TCA_FW_INDEV
	Actions []Action `tca:"4,actions"` // TCA_FW_ACT
	Mask    *uint32  `tca:"5"`         // TCA_FW_MASK
}

// Kind is "fw".
func (*FW) Kind() string { return "fw" }

// MarshalOptions encodes the attributes.
func (o *FW) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *FW) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }

// Route is the options of the route classifier (TCA_ROUTE4_*): it matches a route's realm.
type Route struct {
	ClassID *uint32  `tca:"1"`         // TCA_ROUTE4_CLASSID
	To      *uint32  `tca:"2"`         // TCA_ROUTE4_TO
	From    *uint32  `tca:"3"`         // TCA_ROUTE4_FROM
	IIF     *uint32  `tca:"4"`         // TCA_ROUTE4_IIF
	Police  []byte   `tca:"5"`         // TCA_ROUTE4_POLICE
	Actions []Action `tca:"6,actions"` // TCA_ROUTE4_ACT
}

// Kind is "route".
func (*Route) Kind() string { return "route" }

// MarshalOptions encodes the attributes.
func (o *Route) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *Route) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }

// U32Mark is struct tc_u32_mark.
type U32Mark struct {
	Val, Mask, Success uint32
}

// U32Key is struct tc_u32_key: Mask and Val in network order as the kernel keeps them (big-endian words of
// the packet), at Off (plus the selector's offset), OffMask.
type U32Key struct {
	Mask, Val    uint32
	Off, OffMask int32
}

// U32Sel is struct tc_u32_sel without its keys.
type U32Sel struct {
	Flags, OffShift, NKeys uint8
	OffMask                uint16 // __be16
	Off                    uint16
	OffOff, HOff           int16
	HMask                  uint32 // __be32
}

// U32 is the options of the u32 classifier (TCA_U32_*): a selector with its keys, and hash tables (Divisor
// creates one; Hash places a filter in one; Link sends matches to one).
type U32 struct {
	ClassID *uint32  `tca:"1"`         // TCA_U32_CLASSID
	Hash    *uint32  `tca:"2"`         // TCA_U32_HASH
	Link    *uint32  `tca:"3"`         // TCA_U32_LINK
	Divisor *uint32  `tca:"4"`         // TCA_U32_DIVISOR
	Police  []byte   `tca:"6"`         // TCA_U32_POLICE
	Actions []Action `tca:"7,actions"` // TCA_U32_ACT
	Indev   *string  `tca:"8"`         // TCA_U32_INDEV
	Pcnt    []byte   `tca:"9"`         // TCA_U32_PCNT (struct tc_u32_pcnt, dumps)
	Mark    *U32Mark `tca:"10"`        // TCA_U32_MARK
	Flags   *uint32  `tca:"11"`        // TCA_U32_FLAGS (TCA_CLS_FLAGS_*)
	// Sel and Keys are TCA_U32_SEL (struct tc_u32_sel and its keys), sent when HasSel.
	Sel    U32Sel
	Keys   []U32Key
	HasSel bool
}

const sizeofU32Sel, sizeofU32Key = 16, 16

// Kind is "u32".
func (*U32) Kind() string { return "u32" }

// MarshalOptions encodes the attributes.
func (o *U32) MarshalOptions() ([]byte, error) {
	ae := proto.NewAttrEncoder(nil)
	if err := marshalAttrs(ae, o); err != nil {
		return nil, err
	}
	if o.HasSel {
		s := o.Sel
		s.NKeys = uint8(len(o.Keys))
		b := make([]byte, sizeofU32Sel+sizeofU32Key*len(o.Keys))
		b[0], b[1], b[2] = s.Flags, s.OffShift, s.NKeys
		binary.BigEndian.PutUint16(b[4:], s.OffMask)
		ne.PutUint16(b[6:], s.Off)
		ne.PutUint16(b[8:], uint16(s.OffOff))
		ne.PutUint16(b[10:], uint16(s.HOff))
		binary.BigEndian.PutUint32(b[12:], s.HMask)
		for i, k := range o.Keys {
			kb := b[sizeofU32Sel+sizeofU32Key*i:]
			binary.BigEndian.PutUint32(kb, k.Mask)
			binary.BigEndian.PutUint32(kb[4:], k.Val)
			ne.PutUint32(kb[8:], uint32(k.Off))
			ne.PutUint32(kb[12:], uint32(k.OffMask))
		}
		ae.Raw(kconst.TCA_U32_SEL, b)
	}
	return ae.Bytes(), nil
}

// UnmarshalOptions decodes the attributes.
func (o *U32) UnmarshalOptions(b []byte) error {
	if err := unmarshalAttrs(b, o); err != nil {
		return err
	}
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		if ad.Type() != kconst.TCA_U32_SEL {
			continue
		}
		d := ad.Bytes()
		if len(d) < sizeofU32Sel {
			return errShort("tc_u32_sel", len(d), sizeofU32Sel)
		}
		o.HasSel, o.Keys = true, nil
		o.Sel = U32Sel{Flags: d[0], OffShift: d[1], NKeys: d[2], OffMask: binary.BigEndian.Uint16(d[4:]),
			Off: ne.Uint16(d[6:]), OffOff: int16(ne.Uint16(d[8:])), HOff: int16(ne.Uint16(d[10:])),
			HMask: binary.BigEndian.Uint32(d[12:])}
		n := int(o.Sel.NKeys)
		if len(d) < sizeofU32Sel+sizeofU32Key*n {
			return errShort("tc_u32_sel keys", len(d), sizeofU32Sel+sizeofU32Key*n)
		}
		for i := 0; i < n; i++ {
			kb := d[sizeofU32Sel+sizeofU32Key*i:]
			o.Keys = append(o.Keys, U32Key{Mask: binary.BigEndian.Uint32(kb), Val: binary.BigEndian.Uint32(kb[4:]),
				Off: int32(ne.Uint32(kb[8:])), OffMask: int32(ne.Uint32(kb[12:]))})
		}
	}
	return ad.Err()
}

// Flower is the options of the flower classifier (TCA_FLOWER_*): the common keys, each with its mask where
// the kernel has one (an absent mask is an exact match).
type Flower struct {
	ClassID *uint32  `tca:"1"`         // TCA_FLOWER_CLASSID
	Indev   *string  `tca:"2"`         // TCA_FLOWER_INDEV
	Actions []Action `tca:"3,actions"` // TCA_FLOWER_ACT
	Flags   *uint32  `tca:"22"`        // TCA_FLOWER_FLAGS (TCA_CLS_FLAGS_*)

	EthDst     []byte  `tca:"4"`    // TCA_FLOWER_KEY_ETH_DST
	EthDstMask []byte  `tca:"5"`    // TCA_FLOWER_KEY_ETH_DST_MASK
	EthSrc     []byte  `tca:"6"`    // TCA_FLOWER_KEY_ETH_SRC
	EthSrcMask []byte  `tca:"7"`    // TCA_FLOWER_KEY_ETH_SRC_MASK
	EthType    *uint16 `tca:"8,be"` // TCA_FLOWER_KEY_ETH_TYPE
	IPProto    *uint8  `tca:"9"`    // TCA_FLOWER_KEY_IP_PROTO

	IPv4Src     netip.Addr `tca:"10"` // TCA_FLOWER_KEY_IPV4_SRC
	IPv4SrcMask netip.Addr `tca:"11"` // TCA_FLOWER_KEY_IPV4_SRC_MASK
	IPv4Dst     netip.Addr `tca:"12"` // TCA_FLOWER_KEY_IPV4_DST
	IPv4DstMask netip.Addr `tca:"13"` // TCA_FLOWER_KEY_IPV4_DST_MASK
	IPv6Src     netip.Addr `tca:"14"` // TCA_FLOWER_KEY_IPV6_SRC
	IPv6SrcMask netip.Addr `tca:"15"` // TCA_FLOWER_KEY_IPV6_SRC_MASK
	IPv6Dst     netip.Addr `tca:"16"` // TCA_FLOWER_KEY_IPV6_DST
	IPv6DstMask netip.Addr `tca:"17"` // TCA_FLOWER_KEY_IPV6_DST_MASK

	TCPSrc     *uint16 `tca:"18,be"` // TCA_FLOWER_KEY_TCP_SRC
	TCPDst     *uint16 `tca:"19,be"` // TCA_FLOWER_KEY_TCP_DST
	UDPSrc     *uint16 `tca:"20,be"` // TCA_FLOWER_KEY_UDP_SRC
	UDPDst     *uint16 `tca:"21,be"` // TCA_FLOWER_KEY_UDP_DST
	TCPSrcMask *uint16 `tca:"35,be"` // TCA_FLOWER_KEY_TCP_SRC_MASK
	TCPDstMask *uint16 `tca:"36,be"` // TCA_FLOWER_KEY_TCP_DST_MASK
	UDPSrcMask *uint16 `tca:"37,be"` // TCA_FLOWER_KEY_UDP_SRC_MASK
	UDPDstMask *uint16 `tca:"38,be"` // TCA_FLOWER_KEY_UDP_DST_MASK

	VLANID      *uint16 `tca:"23"`    // TCA_FLOWER_KEY_VLAN_ID
	VLANPrio    *uint8  `tca:"24"`    // TCA_FLOWER_KEY_VLAN_PRIO
	VLANEthType *uint16 `tca:"25,be"` // TCA_FLOWER_KEY_VLAN_ETH_TYPE

	EncKeyID       *uint32    `tca:"26,be"` // TCA_FLOWER_KEY_ENC_KEY_ID
	EncIPv4Src     netip.Addr `tca:"27"`    // TCA_FLOWER_KEY_ENC_IPV4_SRC
	EncIPv4SrcMask netip.Addr `tca:"28"`    // TCA_FLOWER_KEY_ENC_IPV4_SRC_MASK
	EncIPv4Dst     netip.Addr `tca:"29"`    // TCA_FLOWER_KEY_ENC_IPV4_DST
	EncIPv4DstMask netip.Addr `tca:"30"`    // TCA_FLOWER_KEY_ENC_IPV4_DST_MASK
	EncIPv6Src     netip.Addr `tca:"31"`    // TCA_FLOWER_KEY_ENC_IPV6_SRC
	EncIPv6SrcMask netip.Addr `tca:"32"`    // TCA_FLOWER_KEY_ENC_IPV6_SRC_MASK
	EncIPv6Dst     netip.Addr `tca:"33"`    // TCA_FLOWER_KEY_ENC_IPV6_DST
	EncIPv6DstMask netip.Addr `tca:"34"`    // TCA_FLOWER_KEY_ENC_IPV6_DST_MASK
	EncUDPSrc      *uint16    `tca:"43,be"` // TCA_FLOWER_KEY_ENC_UDP_SRC_PORT
	EncUDPSrcMask  *uint16    `tca:"44,be"` // TCA_FLOWER_KEY_ENC_UDP_SRC_PORT_MASK
	EncUDPDst      *uint16    `tca:"45,be"` // TCA_FLOWER_KEY_ENC_UDP_DST_PORT
	EncUDPDstMask  *uint16    `tca:"46,be"` // TCA_FLOWER_KEY_ENC_UDP_DST_PORT_MASK

	KeyFlags     *uint32 `tca:"47,be"` // TCA_FLOWER_KEY_FLAGS (TCA_FLOWER_KEY_FLAGS_IS_FRAGMENT...)
	KeyFlagsMask *uint32 `tca:"48,be"` // TCA_FLOWER_KEY_FLAGS_MASK
	TCPFlags     *uint16 `tca:"71,be"` // TCA_FLOWER_KEY_TCP_FLAGS
	TCPFlagsMask *uint16 `tca:"72,be"` // TCA_FLOWER_KEY_TCP_FLAGS_MASK
	IPTOS        *uint8  `tca:"73"`    // TCA_FLOWER_KEY_IP_TOS
	IPTOSMask    *uint8  `tca:"74"`    // TCA_FLOWER_KEY_IP_TOS_MASK
	IPTTL        *uint8  `tca:"75"`    // TCA_FLOWER_KEY_IP_TTL
	IPTTLMask    *uint8  `tca:"76"`    // TCA_FLOWER_KEY_IP_TTL_MASK
	CVLANID      *uint16 `tca:"77"`    // TCA_FLOWER_KEY_CVLAN_ID
	CVLANPrio    *uint8  `tca:"78"`    // TCA_FLOWER_KEY_CVLAN_PRIO
	CVLANEthType *uint16 `tca:"79,be"` // TCA_FLOWER_KEY_CVLAN_ETH_TYPE
	EncOpts      []byte  `tca:"84"`    // TCA_FLOWER_KEY_ENC_OPTS (nested, as bytes)
	EncOptsMask  []byte  `tca:"85"`    // TCA_FLOWER_KEY_ENC_OPTS_MASK
	InHwCount    *uint32 `tca:"86"`    // TCA_FLOWER_IN_HW_COUNT (dumps)
	CTState      *uint16 `tca:"91"`    // TCA_FLOWER_KEY_CT_STATE
	CTStateMask  *uint16 `tca:"92"`    // TCA_FLOWER_KEY_CT_STATE_MASK
	CTZone       *uint16 `tca:"93"`    // TCA_FLOWER_KEY_CT_ZONE
	CTZoneMask   *uint16 `tca:"94"`    // TCA_FLOWER_KEY_CT_ZONE_MASK
	CTMark       *uint32 `tca:"95"`    // TCA_FLOWER_KEY_CT_MARK
	CTMarkMask   *uint32 `tca:"96"`    // TCA_FLOWER_KEY_CT_MARK_MASK
}

// Kind is "flower".
func (*Flower) Kind() string { return "flower" }

// MarshalOptions encodes the attributes.
func (o *Flower) MarshalOptions() ([]byte, error) { return marshalTagged(o) }

// UnmarshalOptions decodes the attributes.
func (o *Flower) UnmarshalOptions(b []byte) error { return unmarshalAttrs(b, o) }
