//go:build linux

package rtnlconv

import (
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"
)

// addrFromIP converts a net.IP of 4 or 16 bytes (nil: the zero Addr). A 16-byte IPv4-mapped address stays
// IPv6 unless family says AF_INET, since the kernel sends IPv4 addresses in 4 bytes.
func addrFromIP(ip net.IP, family uint8, what string) (netip.Addr, error) {
	if len(ip) == 0 {
		return netip.Addr{}, nil
	}
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Addr{}, fmt.Errorf("rtnlconv: %s: an IP address of %d bytes", what, len(ip))
	}
	if family == unix.AF_INET {
		a = a.Unmap()
	}
	return a, nil
}

// ipFromAddr converts an Addr to a net.IP of its own length (nil for the zero Addr).
func ipFromAddr(a netip.Addr) net.IP {
	if !a.IsValid() {
		return nil
	}
	return net.IP(a.AsSlice())
}

// prefixFrom builds the prefix of address a (or of family's unspecified address when a is the zero Addr and
// bits is not 0) with bits. zero says that no address and no length mean the zero Prefix.
func prefixFrom(a netip.Addr, bits uint8, family uint8, what string) (netip.Prefix, error) {
	if !a.IsValid() {
		if bits == 0 {
			return netip.Prefix{}, nil
		}
		a = unspecified(family)
		if !a.IsValid() {
			return netip.Prefix{}, fmt.Errorf("rtnlconv: %s: prefix length %d without an address or family", what, bits)
		}
	}
	p := netip.PrefixFrom(a, int(bits))
	if !p.IsValid() {
		return netip.Prefix{}, fmt.Errorf("rtnlconv: %s: prefix length %d for %v", what, bits, a)
	}
	return p, nil
}

// unspecified is the unspecified address of an IP family (RTNL_FAMILY_IPMR and RTNL_FAMILY_IP6MR count as
// IPv4 and IPv6), or the zero Addr.
func unspecified(family uint8) netip.Addr {
	switch family {
	case unix.AF_INET, rtnlFamilyIPMR:
		return netip.IPv4Unspecified()
	case unix.AF_INET6, rtnlFamilyIP6MR:
		return netip.IPv6Unspecified()
	}
	return netip.Addr{}
}

// familyOf is AF_INET or AF_INET6 for a valid address, else 0.
func familyOf(a netip.Addr) uint8 {
	switch {
	case a.Is4():
		return unix.AF_INET
	case a.Is6():
		return unix.AF_INET6
	}
	return 0
}

// ptr returns a pointer to v when v is not zero, else nil.
func ptr[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

// val returns *p, or the zero value for nil.
func val[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// The multicast routing families of struct rtmsg (RTNL_FAMILY_IPMR, RTNL_FAMILY_IP6MR).
const (
	rtnlFamilyIPMR  = 128
	rtnlFamilyIP6MR = 129
)
