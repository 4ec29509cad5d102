//go:build linux

package route

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// family picks the route's address family: Family, or the family of Dst, Gateway, Via or PrefSrc.
func (r *Route) family() uint8 {
	if r.Family != 0 {
		return r.Family
	}
	x := r.ext()
	f := familyOr(0, r.Dst.Addr(), r.Gateway, x.PrefSrc, x.Src.Addr())
	for i := 0; f == 0 && i < len(x.MultiPath); i++ {
		f = familyOf(x.MultiPath[i].Gateway)
	}
	return f
}

// MarshalBinary encodes r as an RTM_NEWROUTE request payload exactly as it is (no defaults): struct rtmsg
// (rtm_table holds tables below 256, RTA_TABLE carries every table), RTA_DST, RTA_SRC, RTA_PREFSRC,
// RTA_GATEWAY, RTA_VIA, RTA_OIF, RTA_IIF, RTA_PRIORITY, RTA_MARK, RTA_METRICS, RTA_MULTIPATH, RTA_NH_ID,
// RTA_ENCAP_TYPE, RTA_ENCAP, RTA_PREF, RTA_FLOW, RTA_UID, RTA_TTL_PROPAGATE and RTA_EXPIRES (those of Extra
// when it is not nil). RouteService.Add fills in ip's defaults first.
func (r *Route) MarshalBinary() ([]byte, error) {
	x := r.ext()
	ae := newRouteHeader(sizeofRtMsg, 128, r.family(), r.Dst, x.Src, r.TOS, r.Table, r.Flags)
	b := ae.Bytes()
	b[5], b[6], b[7] = uint8(r.Protocol), uint8(r.Scope), uint8(r.Type)
	if r.Table != 0 && r.family() != afMPLS { // MPLS has one table, rtm_table RT_TABLE_MAIN, and refuses RTA_TABLE
		ae.Uint32(unix.RTA_TABLE, r.Table)
	}
	putPrefixes(ae, unix.RTA_DST, r.Dst, unix.RTA_SRC, x.Src)
	if x.PrefSrc.IsValid() {
		ae.Raw(unix.RTA_PREFSRC, x.PrefSrc.AsSlice())
	}
	if r.Gateway.IsValid() {
		ae.Raw(unix.RTA_GATEWAY, r.Gateway.AsSlice())
	}
	if x.Via.IsValid() {
		ae.Raw(unix.RTA_VIA, via(x.Via))
	}
	for _, f := range []struct {
		t uint16
		v uint32
	}{{unix.RTA_OIF, uint32(r.OIF)}, {unix.RTA_IIF, uint32(x.IIF)}, {unix.RTA_MARK, x.Mark},
		{rtaNHID, r.NexthopID}, {unix.RTA_FLOW, x.Flow}, {unix.RTA_EXPIRES, x.Expires}} {
		if f.v != 0 {
			ae.Uint32(f.t, f.v)
		}
	}
	if r.Priority != 0 || r.HasPriority {
		ae.Uint32(unix.RTA_PRIORITY, r.Priority)
	}
	if !x.Metrics.IsZero() {
		n := ae.NestRaw(unix.RTA_METRICS)
		for _, t := range metricTypes {
			if v := *x.Metrics.field(t); v != 0 {
				ae.Uint32(t, v)
			}
		}
		if x.Metrics.CCAlgo != "" {
			ae.String(unix.RTAX_CC_ALGO, x.Metrics.CCAlgo)
		}
		ae.End(n)
	}
	if len(x.MultiPath) > 0 {
		mp, err := encodeMultipath(x.MultiPath)
		if err != nil {
			return nil, err
		}
		ae.Raw(unix.RTA_MULTIPATH, mp)
	}
	if err := appendEncap(ae, x.LWT, x.EncapType, x.Encap); err != nil {
		return nil, err
	}
	if len(x.NewDst) > 0 {
		b, err := encodeLabels(x.NewDst)
		if err != nil {
			return nil, err
		}
		ae.Raw(unix.RTA_NEWDST, b)
	}
	if r.Pref != 0 || r.HasPref {
		ae.Uint8(unix.RTA_PREF, r.Pref)
	}
	if x.HasUID {
		ae.Uint32(unix.RTA_UID, x.UID)
	}
	if x.TTLPropagate != 0 {
		ae.Uint8(unix.RTA_TTL_PROPAGATE, x.TTLPropagate)
	}
	return ae.Bytes(), nil
}

// newRouteHeader starts a payload of hdrLen bytes (capacity size) with the fields struct rtmsg and struct
// fib_rule_hdr share: family, dst_len, src_len, tos, table (below 256; the attribute carries every table)
// and, at offset 8, flags.
func newRouteHeader(hdrLen, size int, family uint8, dst, src netip.Prefix, tos uint8, table, flags uint32) *proto.AttrEncoder {
	b := make([]byte, hdrLen, size)
	b[0], b[3] = family, tos
	if dst.IsValid() {
		b[1] = uint8(dst.Bits())
	}
	if src.IsValid() {
		b[2] = uint8(src.Bits())
	}
	if table < 256 {
		b[4] = uint8(table)
	}
	binary.NativeEndian.PutUint32(b[8:12], flags)
	return proto.NewAttrEncoder(b)
}

// putPrefixes adds the addresses of dst and src (RTA_DST and RTA_SRC, FRA_DST and FRA_SRC) unless they are
// "all" (the zero Prefix or length 0).
func putPrefixes(ae *proto.AttrEncoder, dstType uint16, dst netip.Prefix, srcType uint16, src netip.Prefix) {
	if dst.IsValid() && dst.Bits() > 0 {
		ae.Raw(dstType, dst.Addr().AsSlice())
	}
	if src.IsValid() && src.Bits() > 0 {
		ae.Raw(srcType, src.Addr().AsSlice())
	}
}

// via encodes struct rtvia.
func via(a netip.Addr) []byte {
	b := make([]byte, 2, 18)
	binary.NativeEndian.PutUint16(b, uint16(familyOf(a)))
	return append(b, a.AsSlice()...)
}

func encodeMultipath(hops []Hop) ([]byte, error) {
	var b []byte
	for _, nh := range hops {
		start := len(b)
		b = append(b, make([]byte, sizeofRtNexthop)...)
		b[start+2], b[start+3] = nh.Flags, nh.Hops
		binary.NativeEndian.PutUint32(b[start+4:], uint32(nh.OIF))
		ae := proto.NewAttrEncoder(b)
		if nh.Gateway.IsValid() {
			ae.Raw(unix.RTA_GATEWAY, nh.Gateway.AsSlice())
		}
		if nh.Via.IsValid() {
			ae.Raw(unix.RTA_VIA, via(nh.Via))
		}
		if nh.Flow != 0 {
			ae.Uint32(unix.RTA_FLOW, nh.Flow)
		}
		if err := appendEncap(ae, nh.LWT, nh.EncapType, nh.Encap); err != nil {
			return nil, err
		}
		b = ae.Bytes()
		l := len(b) - start
		if l > 0xffff {
			return nil, fmt.Errorf("route: RTA_MULTIPATH nexthop of %d bytes", l)
		}
		binary.NativeEndian.PutUint16(b[start:], uint16(l))
	}
	return b, nil
}

// withDefaults fills in what ip route add assumes: table main, protocol boot, type unicast, the default
// scope (see defaultScope) unless HasScope, and the default route when there is no destination.
func (r Route) withDefaults() *Route {
	if r.Table == 0 {
		r.Table = TableMain
	}
	if r.Protocol == 0 {
		r.Protocol = ProtocolBoot
	}
	if r.Type == 0 {
		r.Type = TypeUnicast
	}
	if !r.HasScope && r.Scope == ScopeUniverse {
		r.Scope = r.defaultScope(false)
	}
	r.defaultDst()
	return &r
}

// defaultScope is the scope ip route sends when none is given: universe for IPv6 and MPLS, whose kernels
// have no route scopes; for a delete, "nowhere" (any scope); host for local and NAT routes; link for
// broadcast, multicast and anycast routes, and for unicast routes with no gateway.
func (r *Route) defaultScope(del bool) Scope {
	switch f := r.family(); {
	case f == unix.AF_INET6 || f == unix.AF_MPLS:
		return ScopeUniverse
	case del:
		return ScopeNowhere
	}
	switch r.Type {
	case TypeLocal, TypeNAT:
		return ScopeHost
	case TypeBroadcast, TypeMulticast, TypeAnycast:
		return ScopeLink
	case TypeUnicast:
		x := r.ext()
		if !r.Gateway.IsValid() && !x.Via.IsValid() && len(x.MultiPath) == 0 && r.NexthopID == 0 {
			return ScopeLink
		}
	}
	return ScopeUniverse
}

// defaultDst makes a missing destination the default route of the family.
func (r *Route) defaultDst() {
	if !r.Dst.IsValid() {
		if a := zeroAddr(r.family()); a.IsValid() {
			r.Dst = netip.PrefixFrom(a, 0)
		}
	}
}

// forDelete prepares a delete request as ip route del does: table main when unset, scope "nowhere" (any)
// unless HasScope (universe for IPv6), and none of the attributes the kernel does not match on.
func (r Route) forDelete() *Route {
	if r.Table == 0 {
		r.Table = TableMain
	}
	switch {
	case r.Family == unix.AF_MPLS:
		// rtm_to_route_config refuses any type but RTN_UNICAST and any scope but RT_SCOPE_UNIVERSE, for a
		// delete too (ip -f mpls route del sends them).
		if r.Type == 0 {
			r.Type = TypeUnicast
		}
	case !r.HasScope && r.Scope == ScopeUniverse:
		r.Scope = r.defaultScope(true)
	}
	if r.Extra != nil {
		x := *r.Extra // a copy: the caller's Route shares r.Extra
		x.Metrics, x.CacheInfo, x.Expires, x.HasUID = Metrics{}, RouteCacheInfo{}, 0, false
		r.Extra = &x
	}
	r.Pref, r.HasPref = 0, false
	r.Flags &^= unix.RTNH_F_DEAD | unix.RTNH_F_LINKDOWN | unix.RTNH_F_OFFLOAD | unix.RTNH_F_TRAP |
		unix.RTM_F_OFFLOAD | unix.RTM_F_TRAP | unix.RTM_F_OFFLOAD_FAILED
	r.defaultDst()
	return &r
}

// appendEncap adds RTA_ENCAP_TYPE and RTA_ENCAP: lwt with its type when it is not nil, else typ and raw.
func appendEncap(ae *proto.AttrEncoder, lwt Encap, typ uint16, raw []byte) error {
	if lwt != nil {
		b, err := EncodeEncap(lwt)
		if err != nil {
			return err
		}
		typ, raw = lwt.EncapType(), b
	}
	if typ != 0 {
		ae.Uint16(unix.RTA_ENCAP_TYPE, typ)
	}
	if len(raw) > 0 {
		ae.Raw(unix.RTA_ENCAP, raw)
	}
	return nil
}
