//go:build linux

package rtnlconv

import (
	rtnetlink "github.com/jsimonetti/rtnetlink/v2"
	"github.com/nlkit/nlkit/families/route"
)

// FromAddressMessage converts jsimonetti's AddressMessage (RTM_NEWADDR: struct ifaddrmsg and IFA_* attributes)
// to a route.Addr. Local is IFA_LOCAL, or IFA_ADDRESS without it (IPv6); Peer is IFA_ADDRESS when it differs
// from IFA_LOCAL. Flags are IFA_FLAGS when set, else ifa_flags. It fails on an IP address of neither 4 nor 16
// bytes.
func FromAddressMessage(m *rtnetlink.AddressMessage) (route.Addr, error) {
	a := route.Addr{
		Family:    m.Family,
		PrefixLen: m.PrefixLength,
		Flags:     route.AddrFlags(m.Flags),
		Scope:     route.Scope(m.Scope),
		Index:     int32(m.Index),
	}
	at := m.Attributes
	if at == nil {
		return a, nil
	}
	if at.Flags != 0 {
		a.Flags = route.AddrFlags(at.Flags)
	}
	address, err := addrFromIP(at.Address, m.Family, "IFA_ADDRESS")
	if err != nil {
		return route.Addr{}, err
	}
	local, err := addrFromIP(at.Local, m.Family, "IFA_LOCAL")
	if err != nil {
		return route.Addr{}, err
	}
	switch {
	case !local.IsValid():
		a.Local = address
	default:
		a.Local = local
		if address.IsValid() && address != local {
			a.Peer = address
		}
	}
	if a.Broadcast, err = addrFromIP(at.Broadcast, m.Family, "IFA_BROADCAST"); err != nil {
		return route.Addr{}, err
	}
	if a.Anycast, err = addrFromIP(at.Anycast, m.Family, "IFA_ANYCAST"); err != nil {
		return route.Addr{}, err
	}
	if a.Multicast, err = addrFromIP(at.Multicast, m.Family, "IFA_MULTICAST"); err != nil {
		return route.Addr{}, err
	}
	a.Label = at.Label
	a.CacheInfo = route.AddrCacheInfo(at.CacheInfo)
	a.RoutePriority = at.Priority
	return a, nil
}

// ToAddressMessage converts a route.Addr to jsimonetti's AddressMessage: IFA_LOCAL is Local, IFA_ADDRESS is
// Peer or else Local (as `ip addr add` sends them), ifa_flags the low 8 bits of Flags and IFA_FLAGS all of
// them. The family comes from Local when Family is 0. IFA_PROTO is lost.
func ToAddressMessage(a *route.Addr) rtnetlink.AddressMessage {
	family := a.Family
	if family == 0 {
		family = familyOf(a.Local)
	}
	address := a.Local
	if a.Peer.IsValid() {
		address = a.Peer
	}
	return rtnetlink.AddressMessage{
		Family:       family,
		PrefixLength: a.PrefixLen,
		Flags:        uint8(a.Flags),
		Scope:        uint8(a.Scope),
		Index:        uint32(a.Index),
		Attributes: &rtnetlink.AddressAttributes{
			Address:   ipFromAddr(address),
			Local:     ipFromAddr(a.Local),
			Label:     a.Label,
			Broadcast: ipFromAddr(a.Broadcast),
			Anycast:   ipFromAddr(a.Anycast),
			Multicast: ipFromAddr(a.Multicast),
			CacheInfo: rtnetlink.CacheInfo(a.CacheInfo),
			Flags:     uint32(a.Flags),
			Priority:  a.RoutePriority,
		},
	}
}
