//go:build linux

package rtnlconv

import (
	"encoding/binary"
	"net/netip"

	rtnetlink "github.com/jsimonetti/rtnetlink/v2"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// FromRouteMessage converts jsimonetti's RouteMessage (RTM_NEWROUTE: struct rtmsg and RTA_* attributes) to a
// route.Route. Dst is RTA_DST with rtm_dst_len (the family's unspecified address without RTA_DST, as for the
// default route); Table is RTA_TABLE, or rtm_table without it; jsimonetti's Src (RTA_PREFSRC) is
// Extra.PrefSrc. It fails on an IP address of neither 4 nor 16 bytes or a prefix length longer than the
// address.
func FromRouteMessage(m *rtnetlink.RouteMessage) (route.Route, error) {
	r := route.Route{
		Family:   m.Family,
		TOS:      m.Tos,
		Table:    uint32(m.Table),
		Protocol: route.Protocol(m.Protocol),
		Scope:    route.Scope(m.Scope),
		Type:     route.RouteType(m.Type),
		Flags:    m.Flags,
	}
	a := &m.Attributes
	dst, err := addrFromIP(a.Dst, m.Family, "RTA_DST")
	if err != nil {
		return route.Route{}, err
	}
	if !dst.IsValid() {
		dst = unspecified(m.Family)
	}
	if r.Dst, err = prefixFrom(dst, m.DstLength, m.Family, "RTA_DST"); err != nil {
		return route.Route{}, err
	}
	if r.Gateway, err = addrFromIP(a.Gateway, m.Family, "RTA_GATEWAY"); err != nil {
		return route.Route{}, err
	}
	if a.Table != 0 {
		r.Table = a.Table
	}
	r.OIF = int32(a.OutIface)
	r.Priority = a.Priority
	r.HasPriority = a.Priority != 0
	if a.Pref != nil {
		r.Pref, r.HasPref = *a.Pref, true
	}

	var e route.RouteExtra
	if m.SrcLength != 0 {
		// jsimonetti does not decode RTA_SRC: only its length is known.
		if e.Src, err = prefixFrom(netip.Addr{}, m.SrcLength, m.Family, "rtm_src_len"); err != nil {
			return route.Route{}, err
		}
	}
	if e.PrefSrc, err = addrFromIP(a.Src, m.Family, "RTA_PREFSRC"); err != nil {
		return route.Route{}, err
	}
	if a.Via != nil {
		if e.Via, err = addrFromIP(a.Via.Addr, uint8(a.Via.Family), "RTA_VIA"); err != nil {
			return route.Route{}, err
		}
	}
	e.Mark = a.Mark
	e.Expires = val(a.Expires)
	if a.Metrics != nil {
		e.Metrics = route.Metrics{MTU: a.Metrics.MTU, AdvMSS: a.Metrics.AdvMSS, Features: a.Metrics.Features,
			InitCWnd: a.Metrics.InitCwnd, InitRwnd: a.Metrics.InitRwnd}
	}
	for i := range a.Multipath {
		h, err := hopFrom(&a.Multipath[i], m.Family)
		if err != nil {
			return route.Route{}, err
		}
		e.MultiPath = append(e.MultiPath, h)
	}
	if !extraZero(&e) {
		r.Extra = &e
	}
	return r, nil
}

// ToRouteMessage converts a route.Route to jsimonetti's RouteMessage. rtm_table is Table when it fits in 8
// bits and RT_TABLE_COMPAT otherwise; RTA_TABLE is always Table. The family comes from Dst or Gateway when
// Family is 0. What jsimonetti cannot hold (RTA_SRC and the other fields the package documentation lists) is
// lost; rtm_src_len is then 0.
func ToRouteMessage(r *route.Route) rtnetlink.RouteMessage {
	family := r.Family
	if family == 0 && r.Dst.IsValid() {
		family = familyOf(r.Dst.Addr())
	}
	if family == 0 {
		family = familyOf(r.Gateway)
	}
	m := rtnetlink.RouteMessage{
		Family:   family,
		Tos:      r.TOS,
		Protocol: uint8(r.Protocol),
		Scope:    uint8(r.Scope),
		Type:     uint8(r.Type),
		Flags:    r.Flags,
	}
	if r.Dst.IsValid() {
		m.DstLength = uint8(r.Dst.Bits())
		if r.Dst.Bits() != 0 || !r.Dst.Addr().IsUnspecified() {
			m.Attributes.Dst = ipFromAddr(r.Dst.Addr())
		}
	}
	m.Table = unix.RT_TABLE_COMPAT
	if r.Table < 256 {
		m.Table = uint8(r.Table)
	}
	a := &m.Attributes
	a.Table = r.Table
	a.Gateway = ipFromAddr(r.Gateway)
	a.OutIface = uint32(r.OIF)
	a.Priority = r.Priority
	if r.HasPref || r.Pref != 0 {
		a.Pref = &r.Pref
	}
	if e := r.Extra; e != nil {
		a.Src = ipFromAddr(e.PrefSrc)
		if e.Via.IsValid() {
			a.Via = &rtnetlink.RouteVia{Family: uint16(familyOf(e.Via)), Addr: ipFromAddr(e.Via)}
		}
		a.Mark = e.Mark
		a.Expires = ptr(e.Expires)
		mt := &e.Metrics
		if mt.MTU != 0 || mt.AdvMSS != 0 || mt.Features != 0 || mt.InitCWnd != 0 || mt.InitRwnd != 0 {
			a.Metrics = &rtnetlink.RouteMetrics{MTU: mt.MTU, AdvMSS: mt.AdvMSS, Features: mt.Features,
				InitCwnd: mt.InitCWnd, InitRwnd: mt.InitRwnd}
		}
		for i := range e.MultiPath {
			a.Multipath = append(a.Multipath, hopTo(&e.MultiPath[i]))
		}
	}
	return m
}

// hopFrom converts one struct rtnexthop of RTA_MULTIPATH with its attributes.
func hopFrom(h *rtnetlink.NextHop, family uint8) (route.Hop, error) {
	out := route.Hop{OIF: int32(h.Hop.IfIndex), Hops: h.Hop.Hops, Flags: h.Hop.Flags}
	var err error
	if out.Gateway, err = addrFromIP(h.Gateway, family, "RTA_MULTIPATH RTA_GATEWAY"); err != nil {
		return route.Hop{}, err
	}
	if h.Via != nil {
		if out.Via, err = addrFromIP(h.Via.Addr, uint8(h.Via.Family), "RTA_MULTIPATH RTA_VIA"); err != nil {
			return route.Hop{}, err
		}
	}
	if len(h.MPLS) > 0 {
		out.EncapType = unix.LWTUNNEL_ENCAP_MPLS
		out.Encap = mplsEncap(h.MPLS)
	}
	return out, nil
}

// hopTo converts one nexthop of a multipath route; of its encapsulation only MPLS labels are kept.
func hopTo(h *route.Hop) rtnetlink.NextHop {
	out := rtnetlink.NextHop{
		Hop:     rtnetlink.RTNextHop{Flags: h.Flags, Hops: h.Hops, IfIndex: uint32(h.OIF)},
		Gateway: ipFromAddr(h.Gateway),
	}
	if h.Via.IsValid() {
		out.Via = &rtnetlink.RouteVia{Family: uint16(familyOf(h.Via)), Addr: ipFromAddr(h.Via)}
	}
	if h.EncapType == unix.LWTUNNEL_ENCAP_MPLS {
		out.MPLS = mplsLabels(h.Encap)
	}
	return out
}

// mplsEncap encodes labels as the RTA_ENCAP of LWTUNNEL_ENCAP_MPLS: MPLS_IPTUNNEL_DST holding one big-endian
// label stack entry (label:20, traffic class:3, bottom of stack:1, TTL:8) per label.
func mplsEncap(labels []rtnetlink.MPLSNextHop) []byte {
	stack := make([]byte, 0, 4*len(labels))
	for _, l := range labels {
		v := uint32(l.Label&0xfffff)<<12 | uint32(l.TrafficClass&7)<<9 | uint32(l.TTL)
		if l.BottomOfStack {
			v |= 1 << 8
		}
		stack = binary.BigEndian.AppendUint32(stack, v)
	}
	var ae proto.AttrEncoder
	ae.Raw(unix.MPLS_IPTUNNEL_DST, stack)
	return ae.Bytes()
}

// mplsLabels decodes the MPLS_IPTUNNEL_DST label stack of an LWTUNNEL_ENCAP_MPLS encapsulation.
func mplsLabels(encap []byte) []rtnetlink.MPLSNextHop {
	var out []rtnetlink.MPLSNextHop
	ad := proto.NewAttrDecoder(encap)
	for ad.Next() {
		if ad.Type() != unix.MPLS_IPTUNNEL_DST {
			continue
		}
		b := ad.Bytes()
		for ; len(b) >= 4; b = b[4:] {
			v := binary.BigEndian.Uint32(b)
			out = append(out, rtnetlink.MPLSNextHop{Label: int(v >> 12), TrafficClass: int(v >> 9 & 7),
				BottomOfStack: v&(1<<8) != 0, TTL: uint8(v)})
		}
	}
	return out
}

// extraZero reports whether e holds nothing.
func extraZero(e *route.RouteExtra) bool {
	return e.Src == (netip.Prefix{}) && !e.PrefSrc.IsValid() && !e.Via.IsValid() && len(e.MultiPath) == 0 &&
		len(e.Encap) == 0 && e.Metrics.IsZero() && e.CacheInfo == (route.RouteCacheInfo{}) && e.IIF == 0 &&
		e.Mark == 0 && e.Expires == 0 && !e.HasUID && e.UID == 0 && e.Flow == 0 && e.EncapType == 0 &&
		e.TTLPropagate == 0
}
