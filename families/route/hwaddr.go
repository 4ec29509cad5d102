//go:build linux

package route

import (
	"encoding/hex"
	"errors"
	"net"
	"strings"
)

// maxAddrLen is MAX_ADDR_LEN: the longest link-layer address a net_device carries.
const maxAddrLen = 32

// HWAddr is a link-layer address (IFLA_ADDRESS, IFLA_BROADCAST, NDA_LLADDR) held as a value, like netip.Addr:
// it is comparable with ==, usable as a map key, and decoding one allocates nothing. The zero value is no address.
type HWAddr struct {
	b [maxAddrLen]byte
	n uint8
}

// HWAddrFrom returns b as an HWAddr (the first 32 bytes, MAX_ADDR_LEN, when longer).
func HWAddrFrom(b []byte) HWAddr {
	var a HWAddr
	a.n = uint8(copy(a.b[:], b))
	return a
}

// ParseHWAddr parses a colon-separated hexadecimal address ("02:00:00:00:00:01"), as net.ParseMAC does, but
// accepts any length up to 32 bytes.
func ParseHWAddr(s string) (HWAddr, error) {
	if s == "" {
		return HWAddr{}, nil
	}
	if m, err := net.ParseMAC(s); err == nil {
		return HWAddrFrom(m), nil
	}
	var a HWAddr
	for part := range strings.SplitSeq(s, ":") {
		if len(part) == 0 || len(part) > 2 || int(a.n) >= maxAddrLen {
			return HWAddr{}, errors.New("route: invalid link-layer address " + s)
		}
		if len(part) == 1 {
			part = "0" + part
		}
		var v [1]byte
		if _, err := hex.Decode(v[:], []byte(part)); err != nil {
			return HWAddr{}, errors.New("route: invalid link-layer address " + s)
		}
		a.b[a.n] = v[0]
		a.n++
	}
	return a, nil
}

// IsValid reports whether a holds an address (of any length but 0).
func (a HWAddr) IsValid() bool { return a.n > 0 }

// Len is the address's length in bytes.
func (a HWAddr) Len() int { return int(a.n) }

// Bytes returns a copy of the address as a net.HardwareAddr (nil for the zero value).
func (a HWAddr) Bytes() net.HardwareAddr {
	if a.n == 0 {
		return nil
	}
	return net.HardwareAddr(append([]byte(nil), a.b[:a.n]...))
}

// AppendTo appends the raw address to b.
func (a HWAddr) AppendTo(b []byte) []byte { return append(b, a.b[:a.n]...) }

// String formats the address as ip does: lowercase hex bytes joined by colons ("" for the zero value).
func (a HWAddr) String() string {
	if a.n == 0 {
		return ""
	}
	const digits = "0123456789abcdef"
	buf := make([]byte, 0, 3*int(a.n))
	for i := 0; i < int(a.n); i++ {
		if i > 0 {
			buf = append(buf, ':')
		}
		buf = append(buf, digits[a.b[i]>>4], digits[a.b[i]&0xf])
	}
	return string(buf)
}

// MarshalText implements encoding.TextMarshaler.
func (a HWAddr) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *HWAddr) UnmarshalText(b []byte) error {
	v, err := ParseHWAddr(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
