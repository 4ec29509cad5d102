//go:build linux

package rtnlconv

import (
	"encoding/binary"
	"net"
	"net/netip"

	rtnetlink "github.com/jsimonetti/rtnetlink/v2"
	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// FromRuleMessage converts jsimonetti's RuleMessage (RTM_NEWRULE: struct fib_rule_hdr and FRA_* attributes)
// to a route.Rule. Table is FRA_TABLE, or the header's table without it; FRA_FLOW is rebuilt from
// jsimonetti's SrcRealm and DstRealm; TunID is FRA_TUN_ID's eight bytes read big-endian, as the kernel
// means them (jsimonetti reads them in host byte order). It fails on an IP address of neither 4 nor 16 bytes or a prefix length
// longer than the address.
func FromRuleMessage(m *rtnetlink.RuleMessage) (route.Rule, error) {
	r := route.Rule{
		Family: m.Family,
		TOS:    m.TOS,
		Table:  uint32(m.Table),
		Action: route.RuleAction(m.Action),
		Flags:  m.Flags,
	}
	a := m.Attributes
	if a == nil {
		a = &rtnetlink.RuleAttributes{}
	}
	var err error
	if r.Src, err = rulePrefix(a.Src, m.SrcLength, m.Family, "FRA_SRC"); err != nil {
		return route.Rule{}, err
	}
	if r.Dst, err = rulePrefix(a.Dst, m.DstLength, m.Family, "FRA_DST"); err != nil {
		return route.Rule{}, err
	}
	if a.Table != nil {
		r.Table = *a.Table
	}
	r.IIFName = val(a.IIFName)
	r.OIFName = val(a.OIFName)
	r.Goto = val(a.Goto)
	r.Priority = val(a.Priority)
	r.Mark = val(a.FwMark)
	if a.FwMask != nil {
		r.Mask, r.HasMask = *a.FwMask, true
	}
	if a.SrcRealm != nil || a.DstRealm != nil {
		r.Flow = uint32(val(a.SrcRealm))<<16 | uint32(val(a.DstRealm))
	}
	if a.TunID != nil {
		r.TunID = swapTunID(*a.TunID)
	}
	r.L3MDev = val(a.L3MDev)
	r.Protocol = route.Protocol(val(a.Protocol))
	r.IPProto = val(a.IPProto)
	if a.SuppressPrefixLen != nil {
		r.SuppressPrefixLen, r.HasSuppressPrefixLen = *a.SuppressPrefixLen, true
	}
	if a.SuppressIFGroup != nil {
		r.SuppressIfGroup, r.HasSuppressIfGroup = *a.SuppressIFGroup, true
	}
	if p := a.SPortRange; p != nil {
		r.SPortStart, r.SPortEnd = p.Start, p.End
	}
	if p := a.DPortRange; p != nil {
		r.DPortStart, r.DPortEnd = p.Start, p.End
	}
	return r, nil
}

// ToRuleMessage converts a route.Rule to jsimonetti's RuleMessage. The header's table is Table when it fits
// in 8 bits and RT_TABLE_COMPAT otherwise; FRA_TABLE is set when Table is not 0. The family comes from Src or
// Dst when Family is 0. FRA_UID_RANGE and FRA_DSCP are lost (see the package documentation).
func ToRuleMessage(r *route.Rule) rtnetlink.RuleMessage {
	family := r.Family
	if family == 0 && r.Src.IsValid() {
		family = familyOf(r.Src.Addr())
	}
	if family == 0 && r.Dst.IsValid() {
		family = familyOf(r.Dst.Addr())
	}
	m := rtnetlink.RuleMessage{
		Family: family,
		TOS:    r.TOS,
		Action: uint8(r.Action),
		Flags:  r.Flags,
		Table:  unix.RT_TABLE_COMPAT,
	}
	if r.Table < 256 {
		m.Table = uint8(r.Table)
	}
	a := &rtnetlink.RuleAttributes{
		IIFName:  ptr(r.IIFName),
		OIFName:  ptr(r.OIFName),
		Goto:     ptr(r.Goto),
		Priority: ptr(r.Priority),
		FwMark:   ptr(r.Mark),
		TunID:    ptr(swapTunID(r.TunID)),
		Table:    ptr(r.Table),
		L3MDev:   ptr(r.L3MDev),
		Protocol: ptr(uint8(r.Protocol)),
		IPProto:  ptr(r.IPProto),
	}
	if r.Src.IsValid() {
		m.SrcLength = uint8(r.Src.Bits())
		a.Src = ipPtr(r.Src.Addr())
	}
	if r.Dst.IsValid() {
		m.DstLength = uint8(r.Dst.Bits())
		a.Dst = ipPtr(r.Dst.Addr())
	}
	if r.HasMask || r.Mask != 0 {
		a.FwMask = &r.Mask
	}
	if r.Flow != 0 {
		src, dst := uint16(r.Flow>>16), uint16(r.Flow)
		a.SrcRealm, a.DstRealm = &src, &dst
	}
	if r.HasSuppressPrefixLen {
		a.SuppressPrefixLen = &r.SuppressPrefixLen
	}
	if r.HasSuppressIfGroup {
		a.SuppressIFGroup = &r.SuppressIfGroup
	}
	if r.SPortStart != 0 || r.SPortEnd != 0 {
		a.SPortRange = &rtnetlink.RulePortRange{Start: r.SPortStart, End: r.SPortEnd}
	}
	if r.DPortStart != 0 || r.DPortEnd != 0 {
		a.DPortRange = &rtnetlink.RulePortRange{Start: r.DPortStart, End: r.DPortEnd}
	}
	m.Attributes = a
	return m
}

// rulePrefix builds FRA_SRC or FRA_DST with its length: the zero Prefix for "all" (no address, length 0).
func rulePrefix(ip *net.IP, bits uint8, family uint8, what string) (netip.Prefix, error) {
	var a netip.Addr
	if ip != nil {
		var err error
		if a, err = addrFromIP(*ip, family, what); err != nil {
			return netip.Prefix{}, err
		}
	}
	return prefixFrom(a, bits, family, what)
}

// ipPtr is a pointer to a as a net.IP.
func ipPtr(a netip.Addr) *net.IP {
	ip := ipFromAddr(a)
	return &ip
}

// swapTunID converts between the kernel's FRA_TUN_ID, a big-endian __be64 that route.Rule.TunID holds as a
// number, and jsimonetti's RuleAttributes.TunID, which it reads and writes in host byte order: the same
// eight bytes on the wire. The conversion is its own inverse.
func swapTunID(v uint64) uint64 {
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], v)
	return binary.BigEndian.Uint64(b[:])
}
