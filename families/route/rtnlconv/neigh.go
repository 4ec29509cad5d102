//go:build linux

package rtnlconv

import (
	rtnetlink "github.com/jsimonetti/rtnetlink/v2"
	"github.com/nlkit/nlkit/families/route"
)

// FromNeighMessage converts jsimonetti's NeighMessage (RTM_NEWNEIGH: struct ndmsg and NDA_DST, NDA_LLADDR,
// NDA_CACHEINFO, NDA_IFINDEX) to a route.Neigh. It fails when NDA_DST is neither 4 nor 16 bytes.
func FromNeighMessage(m *rtnetlink.NeighMessage) (route.Neigh, error) {
	n := route.Neigh{
		Family: uint8(m.Family),
		Index:  int32(m.Index),
		State:  route.NeighState(m.State),
		Flags:  route.NeighFlags(m.Flags),
		Type:   m.Type,
	}
	a := m.Attributes
	if a == nil {
		return n, nil
	}
	var err error
	if n.Dst, err = addrFromIP(a.Address, n.Family, "NDA_DST"); err != nil {
		return route.Neigh{}, err
	}
	n.LLAddr = route.HWAddrFrom(a.LLAddress)
	if c := a.CacheInfo; c != nil {
		n.CacheInfo = route.NeighCacheInfo{Confirmed: c.Confirmed, Used: c.Used, Updated: c.Updated, RefCnt: c.RefCount}
	}
	n.IfIndex = int32(a.IfIndex)
	return n, nil
}

// ToNeighMessage converts a route.Neigh to jsimonetti's NeighMessage. The family comes from Dst when Family is
// 0. The attributes jsimonetti lacks (NDA_VLAN, NDA_PORT, NDA_VNI, NDA_MASTER, NDA_PROBES, NDA_PROTOCOL,
// NDA_NH_ID, NDA_FLAGS_EXT, NDA_LINK_NETNSID) are lost.
func ToNeighMessage(n *route.Neigh) rtnetlink.NeighMessage {
	family := n.Family
	if family == 0 {
		family = familyOf(n.Dst)
	}
	m := rtnetlink.NeighMessage{
		Family: uint16(family),
		Index:  uint32(n.Index),
		State:  uint16(n.State),
		Flags:  uint8(n.Flags),
		Type:   n.Type,
		Attributes: &rtnetlink.NeighAttributes{
			Address:   ipFromAddr(n.Dst),
			LLAddress: hw(n.LLAddr),
			IfIndex:   uint32(n.IfIndex),
		},
	}
	if c := n.CacheInfo; c != (route.NeighCacheInfo{}) {
		m.Attributes.CacheInfo = &rtnetlink.NeighCacheInfo{Confirmed: c.Confirmed, Used: c.Used, Updated: c.Updated,
			RefCount: c.RefCnt}
	}
	return m
}
