//go:build linux

package route

import (
	"fmt"
	"net/netip"

	"github.com/nlkit/nlkit/proto"
)

// DecodeError reports a message the kernel sent that could not be decoded.
type DecodeError struct {
	// Type names the message ("RTM_NEWROUTE").
	Type string
	// Err is the cause.
	Err error
}

// Error prints "route: decoding TYPE: cause".
func (e *DecodeError) Error() string { return "route: decoding " + e.Type + ": " + e.Err.Error() }

// Unwrap returns the cause (often a *proto.AttrError or *proto.MessageError).
func (e *DecodeError) Unwrap() error { return e.Err }

func decodeError(typ string, err error) error { return &DecodeError{Type: typ, Err: err} }

func errShort(what string, have, want int) error {
	return fmt.Errorf("%s of %d bytes, want %d: %w", what, have, want,
		&proto.MessageError{Kind: proto.ErrShortPayload, Length: uint32(have), Available: have})
}

// addrFrom decodes a 4- or 16-byte address; other lengths give the zero Addr.
func addrFrom(b []byte) netip.Addr {
	switch len(b) {
	case 4:
		return netip.AddrFrom4([4]byte(b))
	case 16:
		return netip.AddrFrom16([16]byte(b))
	}
	return netip.Addr{}
}

// familyOf is the AF_* of an address, 0 for the zero Addr.
func familyOf(a netip.Addr) uint8 {
	switch {
	case a.Is4():
		return 2 // AF_INET
	case a.Is6():
		return 10 // AF_INET6
	}
	return 0
}

// familyOr is family, or when it is 0 the family of the first of addrs that is valid.
func familyOr(family uint8, addrs ...netip.Addr) uint8 {
	for _, a := range addrs {
		if family != 0 {
			break
		}
		family = familyOf(a)
	}
	return family
}

// prefixOf builds a prefix from an address and a length, tolerating lengths the family cannot have (the
// result is then the zero Prefix).
func prefixOf(a netip.Addr, bits uint8) netip.Prefix {
	if !a.IsValid() {
		return netip.Prefix{}
	}
	return netip.PrefixFrom(a, int(bits))
}

// zeroAddr is the unspecified address of family, or the zero Addr.
func zeroAddr(family uint8) netip.Addr {
	switch family {
	case 2:
		return netip.IPv4Unspecified()
	case 10:
		return netip.IPv6Unspecified()
	}
	return netip.Addr{}
}
