//go:build linux

package rtnlconv

import (
	"net/netip"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// The shared* functions keep the fields of an nlkit object that jsimonetti's message can hold too, in the form
// a conversion to jsimonetti and back gives them: a round trip must return exactly this.

func sharedLink(l route.Link) route.Link {
	s, ok := sharedLinkOK(l)
	if !ok {
		panic("kind data nlkit cannot read back")
	}
	return s
}

// sharedLinkOK is sharedLink, or false when nlkit cannot decode its own encoding of l's kind data (raw
// attributes that are not well formed), for which no result is promised.
func sharedLinkOK(l route.Link) (route.Link, bool) {
	info, ok := canonInfo(l.Info)
	if !ok {
		return route.Link{}, false
	}
	out := route.Link{
		Family: l.Family, Type: l.Type, Index: l.Index, Flags: l.Flags, Change: l.Change,
		Name: l.Name, AltNames: cloneStrings(l.AltNames), Alias: l.Alias, MTU: l.MTU, TxQLen: l.TxQLen,
		OperState: l.OperState, LinkMode: l.LinkMode, Master: l.Master,
		ParentIndex: l.ParentIndex, HasParentIndex: l.ParentIndex != 0,
		Address: l.Address, Broadcast: l.Broadcast, PermAddress: l.PermAddress, Qdisc: l.Qdisc, Group: l.Group,
		Carrier: l.Carrier, CarrierChanges: l.CarrierChanges, CarrierUpCount: l.CarrierUpCount,
		CarrierDownCount: l.CarrierDownCount, Stats: l.Stats, Info: info,
	}
	return out, true
}

func sharedAddr(a route.Addr) route.Addr {
	a.Protocol = 0
	if a.Family == 0 {
		a.Family = familyOf(a.Local)
	}
	if a.Peer == a.Local || !a.Local.IsValid() {
		// With no IFA_LOCAL the one address is Local.
		if !a.Local.IsValid() {
			a.Local = a.Peer
		}
		a.Peer = netip.Addr{}
	}
	return a
}

func sharedRoute(r route.Route) route.Route {
	out := route.Route{
		Dst: r.Dst, Gateway: r.Gateway, Table: r.Table, Flags: r.Flags, OIF: r.OIF, Priority: r.Priority,
		HasPriority: r.Priority != 0, Family: r.Family, Protocol: r.Protocol, Scope: r.Scope, Type: r.Type,
		TOS: r.TOS, Pref: r.Pref, HasPref: r.HasPref || r.Pref != 0,
	}
	if out.Family == 0 && r.Dst.IsValid() {
		out.Family = familyOf(r.Dst.Addr())
	}
	if out.Family == 0 {
		out.Family = familyOf(r.Gateway)
	}
	if !out.Dst.IsValid() || (out.Dst.Bits() == 0 && out.Dst.Addr().IsUnspecified()) {
		out.Dst = netip.Prefix{}
		if u := unspecified(out.Family); u.IsValid() {
			out.Dst = netip.PrefixFrom(u, 0)
		}
	}
	if e := r.Extra; e != nil {
		x := route.RouteExtra{PrefSrc: e.PrefSrc, Via: e.Via, Mark: e.Mark, Expires: e.Expires}
		x.Metrics = route.Metrics{MTU: e.Metrics.MTU, AdvMSS: e.Metrics.AdvMSS, Features: e.Metrics.Features,
			InitCWnd: e.Metrics.InitCWnd, InitRwnd: e.Metrics.InitRwnd}
		for _, h := range e.MultiPath {
			s := route.Hop{OIF: h.OIF, Hops: h.Hops, Flags: h.Flags, Gateway: h.Gateway, Via: h.Via}
			if h.EncapType == unix.LWTUNNEL_ENCAP_MPLS {
				if labels := mplsLabels(h.Encap); len(labels) > 0 {
					s.EncapType, s.Encap = unix.LWTUNNEL_ENCAP_MPLS, mplsEncap(labels)
				}
			}
			x.MultiPath = append(x.MultiPath, s)
		}
		if !extraZero(&x) {
			out.Extra = &x
		}
	}
	return out
}

func sharedNeigh(n route.Neigh) route.Neigh {
	out := route.Neigh{Family: n.Family, Index: n.Index, State: n.State, Flags: n.Flags, Type: n.Type, Dst: n.Dst,
		LLAddr: n.LLAddr, CacheInfo: n.CacheInfo, IfIndex: n.IfIndex}
	if out.Family == 0 {
		out.Family = familyOf(n.Dst)
	}
	return out
}

func sharedRule(r route.Rule) route.Rule {
	r.UIDStart, r.UIDEnd, r.HasUIDRange = 0, 0, false
	r.DSCP, r.HasDSCP = 0, false
	r.HasMask = r.HasMask || r.Mask != 0
	if !r.Src.IsValid() { // an impossible length: nothing to convert
		r.Src = netip.Prefix{}
	}
	if !r.Dst.IsValid() {
		r.Dst = netip.Prefix{}
	}
	if !r.HasSuppressPrefixLen {
		r.SuppressPrefixLen = 0
	}
	if !r.HasSuppressIfGroup {
		r.SuppressIfGroup = 0
	}
	if r.Family == 0 && r.Src.IsValid() {
		r.Family = familyOf(r.Src.Addr())
	}
	if r.Family == 0 && r.Dst.IsValid() {
		r.Family = familyOf(r.Dst.Addr())
	}
	return r
}

// canonInfo is info as the kernel would send what nlkit encodes in a request: IFLA_INFO_KIND,
// IFLA_INFO_DATA, IFLA_INFO_SLAVE_KIND and IFLA_INFO_SLAVE_DATA in that order (nlkit's requests leave the slave
// kind out), decoded by nlkit. ok is false when nlkit cannot decode its own encoding of the kind data (raw
// attributes that are not well formed), for which no result is promised.
func canonInfo(info route.LinkInfo) (route.LinkInfo, bool) {
	if info.Kind == "" {
		info.Data = nil
	}
	if info.SlaveKind == "" {
		info.SlaveData = nil
	}
	if infoZero(&info) {
		return route.LinkInfo{}, true
	}
	data, okData := encodedData(route.LinkInfo{Kind: info.Kind, Data: info.Data}, unix.IFLA_INFO_DATA)
	slave, okSlave := encodedData(route.LinkInfo{SlaveKind: info.SlaveKind, SlaveData: info.SlaveData}, unix.IFLA_INFO_SLAVE_DATA)
	if !okData || !okSlave {
		return route.LinkInfo{}, false
	}
	var ae proto.AttrEncoder
	n := ae.Nest(unix.IFLA_LINKINFO)
	if info.Kind != "" {
		ae.String(unix.IFLA_INFO_KIND, info.Kind)
	}
	if len(data) > 0 { // jsimonetti leaves out an empty IFLA_INFO_DATA
		ae.Raw(unix.IFLA_INFO_DATA, data)
	}
	if info.SlaveKind != "" {
		ae.String(unix.IFLA_INFO_SLAVE_KIND, info.SlaveKind)
	}
	if len(slave) > 0 {
		ae.Raw(unix.IFLA_INFO_SLAVE_DATA, slave)
	}
	ae.End(n)
	var l route.Link
	if err := l.UnmarshalBinary(append(make([]byte, unix.SizeofIfInfomsg), ae.Bytes()...)); err != nil {
		return route.LinkInfo{}, false
	}
	return l.Info, true
}

// encodedData is the payload of attribute typ inside IFLA_LINKINFO of nlkit's request for a link with info.
func encodedData(info route.LinkInfo, typ uint16) ([]byte, bool) {
	b, err := (&route.Link{Info: info}).MarshalBinary()
	if err != nil {
		return nil, false
	}
	attrs, err := proto.AttrsAfter(b, unix.SizeofIfInfomsg)
	if err != nil {
		return nil, false
	}
	li := make([][]byte, unix.IFLA_LINKINFO+1)
	if err := proto.ParseIndex(li, attrs); err != nil {
		return nil, false
	}
	in := make([][]byte, unix.IFLA_INFO_SLAVE_DATA+1)
	if err := proto.ParseIndex(in, li[unix.IFLA_LINKINFO]); err != nil {
		return nil, false
	}
	return in[typ], true
}
