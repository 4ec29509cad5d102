//go:build linux

package route

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Encap is a lightweight-tunnel encapsulation of a route or multipath hop: RTA_ENCAP decoded as the type its
// RTA_ENCAP_TYPE (LWTUNNEL_ENCAP_*) names. The types are *MPLSEncap, *IPEncap, *IP6Encap, *Seg6Encap,
// *Seg6LocalEncap, *BPFEncap, *IOAM6Encap, and *RawEncap for the others.
type Encap interface {
	// EncapType is the LWTUNNEL_ENCAP_* value sent as RTA_ENCAP_TYPE.
	EncapType() uint16
	// appendAttrs encodes the attributes inside RTA_ENCAP.
	appendAttrs(ae *proto.AttrEncoder) error
}

// The attributes inside RTA_ENCAP (linux/lwtunnel.h, mpls_iptunnel.h, seg6_iptunnel.h, seg6_local.h,
// ioam6_iptunnel.h).
const (
	lwtIPID    = 1 // LWTUNNEL_IP_ID, LWTUNNEL_IP6_ID
	lwtIPDst   = 2 // LWTUNNEL_IP_DST
	lwtIPSrc   = 3 // LWTUNNEL_IP_SRC
	lwtIPTTL   = 4 // LWTUNNEL_IP_TTL, LWTUNNEL_IP6_HOPLIMIT
	lwtIPTOS   = 5 // LWTUNNEL_IP_TOS, LWTUNNEL_IP6_TC
	lwtIPFlags = 6 // LWTUNNEL_IP_FLAGS
	lwtIPOpts  = 8 // LWTUNNEL_IP_OPTS

	seg6IPTunnelSRH = 1 // SEG6_IPTUNNEL_SRH

	seg6LocalAction   = 1  // SEG6_LOCAL_ACTION
	seg6LocalSRH      = 2  // SEG6_LOCAL_SRH
	seg6LocalTable    = 3  // SEG6_LOCAL_TABLE
	seg6LocalNH4      = 4  // SEG6_LOCAL_NH4
	seg6LocalNH6      = 5  // SEG6_LOCAL_NH6
	seg6LocalIIF      = 6  // SEG6_LOCAL_IIF
	seg6LocalOIF      = 7  // SEG6_LOCAL_OIF
	seg6LocalBPF      = 8  // SEG6_LOCAL_BPF
	seg6LocalVRFTable = 9  // SEG6_LOCAL_VRFTABLE
	seg6LocalCounters = 10 // SEG6_LOCAL_COUNTERS
	seg6LocalFlavors  = 11 // SEG6_LOCAL_FLAVORS

	seg6LocalCntPackets = 2 // SEG6_LOCAL_CNT_PACKETS
	seg6LocalCntBytes   = 3 // SEG6_LOCAL_CNT_BYTES
	seg6LocalCntErrors  = 4 // SEG6_LOCAL_CNT_ERRORS

	lwtBPFIn       = 1 // LWT_BPF_IN
	lwtBPFOut      = 2 // LWT_BPF_OUT
	lwtBPFXmit     = 3 // LWT_BPF_XMIT
	lwtBPFHeadroom = 4 // LWT_BPF_XMIT_HEADROOM
	lwtBPFProgFD   = 1 // LWT_BPF_PROG_FD
	lwtBPFProgName = 2 // LWT_BPF_PROG_NAME

	ioam6TunMode  = 1 // IOAM6_IPTUNNEL_MODE
	ioam6TunDst   = 2 // IOAM6_IPTUNNEL_DST
	ioam6TunTrace = 3 // IOAM6_IPTUNNEL_TRACE
	ioam6TunFreqK = 4 // IOAM6_IPTUNNEL_FREQ_K
	ioam6TunFreqN = 5 // IOAM6_IPTUNNEL_FREQ_N
	ioam6TunSrc   = 6 // IOAM6_IPTUNNEL_SRC
)

// MPLSEncap is LWTUNNEL_ENCAP_MPLS: the labels to push (MPLS_IPTUNNEL_DST) and MPLS_IPTUNNEL_TTL (when
// HasTTL), as `ip route add ... encap mpls 100/200 ttl 5`.
type MPLSEncap struct {
	Labels []uint32
	TTL    uint8
	HasTTL bool
}

// EncapType is LWTUNNEL_ENCAP_MPLS.
func (*MPLSEncap) EncapType() uint16 { return unix.LWTUNNEL_ENCAP_MPLS }

func (e *MPLSEncap) appendAttrs(ae *proto.AttrEncoder) error {
	b, err := encodeLabels(e.Labels)
	if err != nil {
		return err
	}
	ae.Raw(unix.MPLS_IPTUNNEL_DST, b)
	if e.HasTTL {
		ae.Uint8(unix.MPLS_IPTUNNEL_TTL, e.TTL)
	}
	return nil
}

// IPEncap is LWTUNNEL_ENCAP_IP: the metadata of a collect_metadata (external) IPv4 tunnel device,
// LWTUNNEL_IP_ID (host order here; the kernel's is big-endian), _DST, _SRC, _TTL, _TOS, _FLAGS (TUNNEL_*) and
// _OPTS (raw, nested geneve/vxlan/erspan options), as `ip route add ... encap ip id 5 dst 10.0.0.2 ttl 3`.
type IPEncap struct {
	ID       uint64
	Dst, Src netip.Addr
	TTL, TOS uint8
	Flags    uint16
	Opts     []byte
}

// EncapType is LWTUNNEL_ENCAP_IP.
func (*IPEncap) EncapType() uint16 { return unix.LWTUNNEL_ENCAP_IP }

func (e *IPEncap) appendAttrs(ae *proto.AttrEncoder) error {
	return appendIPTunnel(ae, e.ID, e.Dst, e.Src, e.TTL, e.TOS, e.Flags, e.Opts, false)
}

// IP6Encap is LWTUNNEL_ENCAP_IP6: IPEncap's IPv6 form (LWTUNNEL_IP6_ID, _DST, _SRC, _HOPLIMIT, _TC, _FLAGS,
// _OPTS).
type IP6Encap struct {
	ID           uint64
	Dst, Src     netip.Addr
	HopLimit, TC uint8
	Flags        uint16
	Opts         []byte
}

// EncapType is LWTUNNEL_ENCAP_IP6.
func (*IP6Encap) EncapType() uint16 { return unix.LWTUNNEL_ENCAP_IP6 }

func (e *IP6Encap) appendAttrs(ae *proto.AttrEncoder) error {
	return appendIPTunnel(ae, e.ID, e.Dst, e.Src, e.HopLimit, e.TC, e.Flags, e.Opts, true)
}

func appendIPTunnel(ae *proto.AttrEncoder, id uint64, dst, src netip.Addr, ttl, tos uint8, flags uint16,
	opts []byte, v6 bool) error {
	for _, a := range []netip.Addr{dst, src} {
		if a.IsValid() && a.Is6() != v6 {
			return fmt.Errorf("route: encap ip: address %v of the wrong family", a)
		}
	}
	var idb [8]byte
	binary.BigEndian.PutUint64(idb[:], id)
	ae.Raw(lwtIPID, idb[:])
	if dst.IsValid() {
		ae.Raw(lwtIPDst, dst.AsSlice())
	}
	if src.IsValid() {
		ae.Raw(lwtIPSrc, src.AsSlice())
	}
	ae.Uint8(lwtIPTTL, ttl)
	ae.Uint8(lwtIPTOS, tos)
	if flags != 0 {
		ae.BE16(lwtIPFlags, flags)
	}
	if len(opts) > 0 {
		ae.Raw(lwtIPOpts|proto.AttrNested, opts)
	}
	return nil
}

// SRH is a segment routing header (struct ipv6_sr_hdr) as seg6 encaps carry it.
type SRH struct {
	// Segments are the segments in the order the packet visits them (ip's `segs A,B,C`); the header stores
	// them last first.
	Segments []netip.Addr
	// Flags and Tag are the header's; SegmentsLeft and FirstSegment are set from Segments when encoding.
	Flags uint8
	Tag   uint16
	// TLVs are the bytes after the segments (an HMAC TLV), raw.
	TLVs []byte
}

// sizeofSRH is sizeof(struct ipv6_sr_hdr) without its segments.
const sizeofSRH = 8

func decodeSRH(b []byte) (*SRH, error) {
	if len(b) < sizeofSRH {
		return nil, errShort("ipv6_sr_hdr", len(b), sizeofSRH)
	}
	total := (int(b[1]) + 1) * 8
	if total > len(b) {
		return nil, errShort("ipv6_sr_hdr", len(b), total)
	}
	n := int(b[4]) + 1 // first_segment
	if sizeofSRH+16*n > total {
		return nil, fmt.Errorf("ipv6_sr_hdr: %d segments do not fit in %d bytes", n, total)
	}
	s := &SRH{Flags: b[5], Tag: binary.BigEndian.Uint16(b[6:])}
	for i := n - 1; i >= 0; i-- {
		s.Segments = append(s.Segments, netip.AddrFrom16([16]byte(b[sizeofSRH+16*i:])))
	}
	if rest := b[sizeofSRH+16*n : total]; len(rest) > 0 {
		s.TLVs = append([]byte(nil), rest...)
	}
	return s, nil
}

func (s *SRH) bytes() ([]byte, error) {
	n := len(s.Segments)
	if n == 0 || n > 255 {
		return nil, fmt.Errorf("route: srh: %d segments", n)
	}
	size := sizeofSRH + 16*n + len(s.TLVs)
	if size%8 != 0 || size/8-1 > 255 {
		return nil, fmt.Errorf("route: srh: %d bytes is no whole number of 8-byte units", size)
	}
	b := make([]byte, sizeofSRH, size)
	b[1] = uint8(size/8 - 1)
	b[2] = 4 // IPV6_SRCRT_TYPE_4
	b[3], b[4], b[5] = uint8(n-1), uint8(n-1), s.Flags
	binary.BigEndian.PutUint16(b[6:], s.Tag)
	for i := n - 1; i >= 0; i-- {
		if !s.Segments[i].Is6() {
			return nil, fmt.Errorf("route: srh: segment %v is not IPv6", s.Segments[i])
		}
		a := s.Segments[i].As16()
		b = append(b, a[:]...)
	}
	return append(b, s.TLVs...), nil
}

// Seg6Encap is LWTUNNEL_ENCAP_SEG6: SEG6_IPTUNNEL_SRH, struct seg6_iptunnel_encap, a mode
// (SEG6_IPTUN_MODE_*: 0 inline, 1 encap, 2 l2encap, 3 encap.red, 4 l2encap.red) and the header, as
// `ip route add ... encap seg6 mode encap segs A,B`.
type Seg6Encap struct {
	Mode int32
	SRH  SRH
}

// EncapType is LWTUNNEL_ENCAP_SEG6.
func (*Seg6Encap) EncapType() uint16 { return unix.LWTUNNEL_ENCAP_SEG6 }

func (e *Seg6Encap) appendAttrs(ae *proto.AttrEncoder) error {
	srh, err := e.SRH.bytes()
	if err != nil {
		return err
	}
	b := binary.NativeEndian.AppendUint32(make([]byte, 0, 4+len(srh)), uint32(e.Mode))
	ae.Raw(seg6IPTunnelSRH, append(b, srh...))
	return nil
}

// Seg6LocalEncap is LWTUNNEL_ENCAP_SEG6_LOCAL: an SRv6 local behaviour, SEG6_LOCAL_ACTION
// (SEG6_LOCAL_ACTION_*: 1 End, 2 End.X, 3 End.T, 4 End.DX2, 5 End.DX6, 6 End.DX4, 7 End.DT6, 8 End.DT4,
// 9 End.B6, 10 End.B6.Encaps, 11 End.BM, 15 End.BPF, 16 End.DT46) and its parameters, as
// `ip route add ... encap seg6local action End.DT6 table 100`. Zero fields are absent.
type Seg6LocalEncap struct {
	Action uint32
	// SRH is SEG6_LOCAL_SRH (End.B6, End.B6.Encaps).
	SRH *SRH
	// Table and VRFTable are SEG6_LOCAL_TABLE and SEG6_LOCAL_VRFTABLE.
	Table, VRFTable uint32
	// NH4 and NH6 are SEG6_LOCAL_NH4 and SEG6_LOCAL_NH6.
	NH4, NH6 netip.Addr
	// IIF and OIF are SEG6_LOCAL_IIF and SEG6_LOCAL_OIF.
	IIF, OIF int32
	// BPF is SEG6_LOCAL_BPF (End.BPF).
	BPF *BPFProg
	// Counters is SEG6_LOCAL_COUNTERS: in a request, a non-nil value asks for counters; decoded, their values.
	Counters *Seg6LocalCounters
	// Flavors is SEG6_LOCAL_FLAVORS, raw.
	Flavors []byte
}

// Seg6LocalCounters are SEG6_LOCAL_CNT_PACKETS, _BYTES and _ERRORS.
type Seg6LocalCounters struct {
	Packets, Bytes, Errors uint64
}

// EncapType is LWTUNNEL_ENCAP_SEG6_LOCAL.
func (*Seg6LocalEncap) EncapType() uint16 { return unix.LWTUNNEL_ENCAP_SEG6_LOCAL }

func (e *Seg6LocalEncap) appendAttrs(ae *proto.AttrEncoder) error {
	ae.Uint32(seg6LocalAction, e.Action)
	if e.SRH != nil {
		b, err := e.SRH.bytes()
		if err != nil {
			return err
		}
		ae.Raw(seg6LocalSRH, b)
	}
	if e.Table != 0 {
		ae.Uint32(seg6LocalTable, e.Table)
	}
	if e.NH4.IsValid() {
		ae.Raw(seg6LocalNH4, e.NH4.AsSlice())
	}
	if e.NH6.IsValid() {
		ae.Raw(seg6LocalNH6, e.NH6.AsSlice())
	}
	if e.IIF != 0 {
		ae.Uint32(seg6LocalIIF, uint32(e.IIF))
	}
	if e.OIF != 0 {
		ae.Uint32(seg6LocalOIF, uint32(e.OIF))
	}
	if e.BPF != nil {
		n := ae.Nest(seg6LocalBPF)
		e.BPF.appendAttrs(ae)
		ae.End(n)
	}
	if e.VRFTable != 0 {
		ae.Uint32(seg6LocalVRFTable, e.VRFTable)
	}
	if e.Counters != nil {
		n := ae.Nest(seg6LocalCounters)
		ae.End(n)
	}
	if len(e.Flavors) > 0 {
		ae.Raw(seg6LocalFlavors|proto.AttrNested, e.Flavors)
	}
	return nil
}

// BPFProg is an eBPF program of a bpf encap: LWT_BPF_PROG_FD (requests) and LWT_BPF_PROG_NAME.
type BPFProg struct {
	FD   int
	Name string
}

func (p *BPFProg) appendAttrs(ae *proto.AttrEncoder) {
	ae.Uint32(lwtBPFProgFD, uint32(p.FD))
	if p.Name != "" {
		ae.String(lwtBPFProgName, p.Name)
	}
}

func decodeBPFProg(b []byte) (*BPFProg, error) {
	p := &BPFProg{}
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case lwtBPFProgFD:
			p.FD = int(ad.Uint32())
		case lwtBPFProgName:
			p.Name = ad.String()
		}
	}
	return p, ad.Err()
}

// BPFEncap is LWTUNNEL_ENCAP_BPF: programs run on input (LWT_BPF_IN), output (LWT_BPF_OUT) and transmit
// (LWT_BPF_XMIT) and LWT_BPF_XMIT_HEADROOM, as `ip route add ... encap bpf out obj F headroom 14`.
type BPFEncap struct {
	In, Out, Xmit *BPFProg
	Headroom      uint32
}

// EncapType is LWTUNNEL_ENCAP_BPF.
func (*BPFEncap) EncapType() uint16 { return unix.LWTUNNEL_ENCAP_BPF }

func (e *BPFEncap) appendAttrs(ae *proto.AttrEncoder) error {
	for _, p := range []struct {
		t uint16
		p *BPFProg
	}{{lwtBPFIn, e.In}, {lwtBPFOut, e.Out}, {lwtBPFXmit, e.Xmit}} {
		if p.p != nil {
			n := ae.Nest(p.t)
			p.p.appendAttrs(ae)
			ae.End(n)
		}
	}
	if e.Headroom != 0 {
		ae.Uint32(lwtBPFHeadroom, e.Headroom)
	}
	return nil
}

// IOAM6Encap is LWTUNNEL_ENCAP_IOAM6: IOAM6_IPTUNNEL_MODE (1 inline, 2 encap, 3 auto), _DST and _SRC (encap and
// auto modes), _TRACE (struct ioam6_trace_hdr, raw, with its namespace id, trace type and size read out) and
// the insertion frequency _FREQ_K over _FREQ_N, as `ip route add ... encap ioam6 trace prealloc type 0x800000
// ns 1 size 12`.
type IOAM6Encap struct {
	Mode         uint8
	Dst, Src     netip.Addr
	Trace        []byte
	FreqK, FreqN uint32
}

// TraceNamespace, TraceType and TraceSize read the namespace id, the 24-bit trace type and the data size in
// bytes (remlen*4) from the trace header, or 0 without one.
func (e *IOAM6Encap) TraceNamespace() uint16 {
	if len(e.Trace) < 8 {
		return 0
	}
	return binary.BigEndian.Uint16(e.Trace)
}

// TraceType is the trace header's type bits (bit 23 first, as ip's `type 0x800000`).
func (e *IOAM6Encap) TraceType() uint32 {
	if len(e.Trace) < 8 {
		return 0
	}
	return binary.BigEndian.Uint32(e.Trace[4:]) >> 8
}

// TraceSize is the trace header's remlen*4: the bytes preallocated for node data.
func (e *IOAM6Encap) TraceSize() int {
	if len(e.Trace) < 8 {
		return 0
	}
	return int(e.Trace[3]&0x7f) * 4
}

// IOAM6Trace builds the struct ioam6_trace_hdr of ip's `trace prealloc type T ns N size S` (S a multiple of 4,
// at most 244).
func IOAM6Trace(typ uint32, ns uint16, size int) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint16(b, ns)
	b[3] = uint8(size/4) & 0x7f
	binary.BigEndian.PutUint32(b[4:], typ<<8)
	return b
}

// EncapType is LWTUNNEL_ENCAP_IOAM6.
func (*IOAM6Encap) EncapType() uint16 { return unix.LWTUNNEL_ENCAP_IOAM6 }

func (e *IOAM6Encap) appendAttrs(ae *proto.AttrEncoder) error {
	if e.FreqK != 0 || e.FreqN != 0 {
		ae.Uint32(ioam6TunFreqK, e.FreqK)
		ae.Uint32(ioam6TunFreqN, e.FreqN)
	}
	if e.Mode != 0 {
		ae.Uint8(ioam6TunMode, e.Mode)
	}
	if e.Src.IsValid() {
		ae.Raw(ioam6TunSrc, e.Src.AsSlice())
	}
	if e.Dst.IsValid() {
		ae.Raw(ioam6TunDst, e.Dst.AsSlice())
	}
	if len(e.Trace) > 0 {
		ae.Raw(ioam6TunTrace, e.Trace)
	}
	return nil
}

// RawEncap is an encapsulation this package does not decode: its LWTUNNEL_ENCAP_* type and the attributes
// inside RTA_ENCAP.
type RawEncap struct {
	Type uint16
	Data []byte
}

// EncapType is Type.
func (e *RawEncap) EncapType() uint16 { return e.Type }

func (e *RawEncap) appendAttrs(ae *proto.AttrEncoder) error {
	ae2 := ae.Bytes()
	*ae = *proto.NewAttrEncoder(append(ae2, e.Data...))
	return nil
}

// DecodeEncap decodes the attributes of RTA_ENCAP as the LWTUNNEL_ENCAP_* type typ names. A type it does not
// know gives a *RawEncap with a copy of b.
func DecodeEncap(typ uint16, b []byte) (Encap, error) {
	ad := proto.NewAttrDecoder(b)
	switch typ {
	case unix.LWTUNNEL_ENCAP_MPLS:
		e := &MPLSEncap{}
		for ad.Next() {
			switch ad.Type() {
			case unix.MPLS_IPTUNNEL_DST:
				l, err := decodeLabels(ad.Bytes())
				if err != nil {
					return nil, err
				}
				e.Labels = l
			case unix.MPLS_IPTUNNEL_TTL:
				e.TTL, e.HasTTL = ad.Uint8(), true
			}
		}
		return e, ad.Err()
	case unix.LWTUNNEL_ENCAP_IP, unix.LWTUNNEL_ENCAP_IP6:
		var id uint64
		var dst, src netip.Addr
		var ttl, tos uint8
		var flags uint16
		var opts []byte
		for ad.Next() {
			switch ad.Type() {
			case lwtIPID:
				if p := ad.Bytes(); len(p) == 8 {
					id = binary.BigEndian.Uint64(p)
				}
			case lwtIPDst:
				dst = addrFrom(ad.Bytes())
			case lwtIPSrc:
				src = addrFrom(ad.Bytes())
			case lwtIPTTL:
				ttl = ad.Uint8()
			case lwtIPTOS:
				tos = ad.Uint8()
			case lwtIPFlags:
				if p := ad.Bytes(); len(p) == 2 {
					flags = binary.BigEndian.Uint16(p)
				}
			case lwtIPOpts:
				opts = append([]byte(nil), ad.Bytes()...)
			}
		}
		if typ == unix.LWTUNNEL_ENCAP_IP6 {
			return &IP6Encap{ID: id, Dst: dst, Src: src, HopLimit: ttl, TC: tos, Flags: flags, Opts: opts}, ad.Err()
		}
		return &IPEncap{ID: id, Dst: dst, Src: src, TTL: ttl, TOS: tos, Flags: flags, Opts: opts}, ad.Err()
	case unix.LWTUNNEL_ENCAP_SEG6:
		e := &Seg6Encap{}
		for ad.Next() {
			if ad.Type() != seg6IPTunnelSRH {
				continue
			}
			p := ad.Bytes()
			if len(p) < 4 {
				return nil, errShort("seg6_iptunnel_encap", len(p), 4+sizeofSRH)
			}
			e.Mode = int32(binary.NativeEndian.Uint32(p))
			srh, err := decodeSRH(p[4:])
			if err != nil {
				return nil, err
			}
			e.SRH = *srh
		}
		return e, ad.Err()
	case unix.LWTUNNEL_ENCAP_SEG6_LOCAL:
		e := &Seg6LocalEncap{}
		for ad.Next() {
			switch ad.Type() {
			case seg6LocalAction:
				e.Action = ad.Uint32()
			case seg6LocalSRH:
				srh, err := decodeSRH(ad.Bytes())
				if err != nil {
					return nil, err
				}
				e.SRH = srh
			case seg6LocalTable:
				e.Table = ad.Uint32()
			case seg6LocalVRFTable:
				e.VRFTable = ad.Uint32()
			case seg6LocalNH4:
				e.NH4 = addrFrom(ad.Bytes())
			case seg6LocalNH6:
				e.NH6 = addrFrom(ad.Bytes())
			case seg6LocalIIF:
				e.IIF = ad.Int32()
			case seg6LocalOIF:
				e.OIF = ad.Int32()
			case seg6LocalBPF:
				p, err := decodeBPFProg(ad.Bytes())
				if err != nil {
					return nil, err
				}
				e.BPF = p
			case seg6LocalCounters:
				c := &Seg6LocalCounters{}
				nd := ad.Nested()
				for nd.Next() {
					switch nd.Type() {
					case seg6LocalCntPackets:
						c.Packets = nd.Uint64()
					case seg6LocalCntBytes:
						c.Bytes = nd.Uint64()
					case seg6LocalCntErrors:
						c.Errors = nd.Uint64()
					}
				}
				if err := nd.Err(); err != nil {
					return nil, err
				}
				e.Counters = c
			case seg6LocalFlavors:
				e.Flavors = append([]byte(nil), ad.Bytes()...)
			}
		}
		return e, ad.Err()
	case unix.LWTUNNEL_ENCAP_BPF:
		e := &BPFEncap{}
		for ad.Next() {
			switch ad.Type() {
			case lwtBPFIn, lwtBPFOut, lwtBPFXmit:
				p, err := decodeBPFProg(ad.Bytes())
				if err != nil {
					return nil, err
				}
				*[...]**BPFProg{&e.In, &e.Out, &e.Xmit}[ad.Type()-lwtBPFIn] = p
			case lwtBPFHeadroom:
				e.Headroom = ad.Uint32()
			}
		}
		return e, ad.Err()
	case unix.LWTUNNEL_ENCAP_IOAM6:
		e := &IOAM6Encap{}
		for ad.Next() {
			switch ad.Type() {
			case ioam6TunMode:
				e.Mode = ad.Uint8()
			case ioam6TunDst:
				e.Dst = addrFrom(ad.Bytes())
			case ioam6TunSrc:
				e.Src = addrFrom(ad.Bytes())
			case ioam6TunTrace:
				e.Trace = append([]byte(nil), ad.Bytes()...)
			case ioam6TunFreqK:
				e.FreqK = ad.Uint32()
			case ioam6TunFreqN:
				e.FreqN = ad.Uint32()
			}
		}
		return e, ad.Err()
	}
	return &RawEncap{Type: typ, Data: append([]byte(nil), b...)}, nil
}

// EncodeEncap encodes e as the attributes inside RTA_ENCAP.
func EncodeEncap(e Encap) ([]byte, error) {
	ae := proto.NewAttrEncoder(make([]byte, 0, 64))
	if err := e.appendAttrs(ae); err != nil {
		return nil, err
	}
	return ae.Bytes(), nil
}

// lwtOf decodes the raw encapsulation of a route or hop once both RTA_ENCAP_TYPE and RTA_ENCAP are known: the
// typed value, or nil when the attributes do not decode (the raw bytes stay).
func lwtOf(typ uint16, raw []byte) Encap {
	if typ == 0 || raw == nil {
		return nil
	}
	e, err := DecodeEncap(typ, raw)
	if err != nil {
		return nil
	}
	return e
}

// cloneEncap is a deep copy of e, made by encoding and decoding it (e itself when it does not encode; the
// values of Seg6LocalEncap.Counters, which requests do not carry, are zero in the copy).
func cloneEncap(e Encap) Encap {
	if e == nil {
		return nil
	}
	b, err := EncodeEncap(e)
	if err != nil {
		return e
	}
	c, err := DecodeEncap(e.EncapType(), b)
	if err != nil {
		return e
	}
	return c
}
