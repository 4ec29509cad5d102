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
	for _, a := range []netip.Addr{r.Dst.Addr(), r.Gateway, r.PrefSrc, r.Src.Addr()} {
		if f := familyOf(a); f != 0 {
			return f
		}
	}
	for _, nh := range r.MultiPath {
		if f := familyOf(nh.Gateway); f != 0 {
			return f
		}
	}
	return 0
}

// MarshalBinary encodes r as an RTM_NEWROUTE request payload exactly as it is (no defaults): struct rtmsg
// (rtm_table holds tables below 256, RTA_TABLE carries every table), RTA_DST, RTA_SRC, RTA_PREFSRC,
// RTA_GATEWAY, RTA_VIA, RTA_OIF, RTA_IIF, RTA_PRIORITY, RTA_MARK, RTA_METRICS, RTA_MULTIPATH, RTA_NH_ID,
// RTA_ENCAP_TYPE, RTA_ENCAP, RTA_PREF, RTA_FLOW, RTA_UID and RTA_TTL_PROPAGATE. RouteService.Add fills in ip's
// defaults first.
func (r *Route) MarshalBinary() ([]byte, error) {
	b := make([]byte, sizeofRtMsg, 128)
	b[0] = r.family()
	if r.Dst.IsValid() {
		b[1] = uint8(r.Dst.Bits())
	}
	if r.Src.IsValid() {
		b[2] = uint8(r.Src.Bits())
	}
	b[3] = r.TOS
	if r.Table < 256 {
		b[4] = uint8(r.Table)
	}
	b[5], b[6], b[7] = uint8(r.Protocol), uint8(r.Scope), uint8(r.Type)
	binary.NativeEndian.PutUint32(b[8:12], r.Flags)
	ae := proto.NewAttrEncoder(b)
	if r.Table != 0 {
		ae.Uint32(unix.RTA_TABLE, r.Table)
	}
	if r.Dst.IsValid() && r.Dst.Bits() > 0 {
		ae.Raw(unix.RTA_DST, r.Dst.Addr().AsSlice())
	}
	if r.Src.IsValid() && r.Src.Bits() > 0 {
		ae.Raw(unix.RTA_SRC, r.Src.Addr().AsSlice())
	}
	if r.PrefSrc.IsValid() {
		ae.Raw(unix.RTA_PREFSRC, r.PrefSrc.AsSlice())
	}
	if r.Gateway.IsValid() {
		ae.Raw(unix.RTA_GATEWAY, r.Gateway.AsSlice())
	}
	if r.Via.IsValid() {
		ae.Raw(unix.RTA_VIA, via(r.Via))
	}
	for _, f := range []struct {
		t uint16
		v uint32
	}{{unix.RTA_OIF, uint32(r.OIF)}, {unix.RTA_IIF, uint32(r.IIF)}, {unix.RTA_PRIORITY, r.Priority},
		{unix.RTA_MARK, r.Mark}, {rtaNHID, r.NexthopID}, {unix.RTA_FLOW, r.Flow}} {
		if f.v != 0 {
			ae.Uint32(f.t, f.v)
		}
	}
	if !r.Metrics.IsZero() {
		n := ae.NestRaw(unix.RTA_METRICS)
		for _, t := range metricTypes {
			if v := *r.Metrics.field(t); v != 0 {
				ae.Uint32(t, v)
			}
		}
		if r.Metrics.CCAlgo != "" {
			ae.String(unix.RTAX_CC_ALGO, r.Metrics.CCAlgo)
		}
		ae.End(n)
	}
	if len(r.MultiPath) > 0 {
		mp, err := encodeMultipath(r.MultiPath)
		if err != nil {
			return nil, err
		}
		ae.Raw(unix.RTA_MULTIPATH, mp)
	}
	if r.EncapType != 0 {
		ae.Uint16(unix.RTA_ENCAP_TYPE, r.EncapType)
	}
	if len(r.Encap) > 0 {
		ae.Raw(unix.RTA_ENCAP, r.Encap)
	}
	if r.Pref != 0 {
		ae.Uint8(unix.RTA_PREF, r.Pref)
	}
	if r.HasUID {
		ae.Uint32(unix.RTA_UID, r.UID)
	}
	if r.TTLPropagate != 0 {
		ae.Uint8(unix.RTA_TTL_PROPAGATE, r.TTLPropagate)
	}
	return ae.Bytes(), nil
}

// via encodes struct rtvia.
func via(a netip.Addr) []byte {
	b := make([]byte, 2, 18)
	binary.NativeEndian.PutUint16(b, uint16(familyOf(a)))
	return append(b, a.AsSlice()...)
}

func encodeMultipath(hops []NextHop) ([]byte, error) {
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
		if nh.EncapType != 0 {
			ae.Uint16(unix.RTA_ENCAP_TYPE, nh.EncapType)
		}
		if len(nh.Encap) > 0 {
			ae.Raw(unix.RTA_ENCAP, nh.Encap)
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

// withDefaults fills in what ip route add assumes: table main, protocol boot, type unicast, and scope link for
// a unicast route with no gateway (host for local and NAT routes, link for broadcast, multicast and anycast).
func (r Route) withDefaults() Route {
	if r.Table == 0 {
		r.Table = TableMain
	}
	if r.Protocol == 0 {
		r.Protocol = ProtocolBoot
	}
	if r.Type == 0 {
		r.Type = TypeUnicast
	}
	if r.Scope == ScopeUniverse {
		switch r.Type {
		case TypeLocal, TypeNAT:
			r.Scope = ScopeHost
		case TypeBroadcast, TypeMulticast, TypeAnycast:
			r.Scope = ScopeLink
		case TypeUnicast:
			if !r.Gateway.IsValid() && !r.Via.IsValid() && len(r.MultiPath) == 0 && r.NexthopID == 0 {
				r.Scope = ScopeLink
			}
		}
	}
	if !r.Dst.IsValid() {
		// No destination: the default route of the family.
		if a := zeroAddr(r.family()); a.IsValid() {
			r.Dst = netip.PrefixFrom(a, 0)
		}
	}
	return r
}

// forDelete prepares a delete request as ip route del does: table main when unset, scope "nowhere" (any), and
// none of the attributes the kernel does not match on.
func (r Route) forDelete() Route {
	if r.Table == 0 {
		r.Table = TableMain
	}
	if r.Scope == ScopeUniverse {
		r.Scope = ScopeNowhere
	}
	r.Metrics = Metrics{}
	r.CacheInfo = RouteCacheInfo{}
	r.Expires = 0
	r.Pref = 0
	r.HasUID = false
	r.Flags &^= unix.RTNH_F_DEAD | unix.RTNH_F_LINKDOWN | unix.RTNH_F_OFFLOAD | unix.RTNH_F_TRAP |
		unix.RTM_F_OFFLOAD | unix.RTM_F_TRAP | unix.RTM_F_OFFLOAD_FAILED
	if !r.Dst.IsValid() {
		if a := zeroAddr(r.family()); a.IsValid() {
			r.Dst = netip.PrefixFrom(a, 0)
		}
	}
	return r
}
