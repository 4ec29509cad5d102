//go:build linux

package route

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// MPLS label stack entries (RFC 3032): a 20-bit label, 3 bits of traffic class, the bottom-of-stack bit and a
// TTL, big-endian. The kernel's RTA_DST and RTA_NEWDST of AF_MPLS routes and MPLS_IPTUNNEL_DST hold them.
const (
	mplsLabelShift = 12
	mplsBoS        = 1 << 8
	// MaxMPLSLabel is the largest MPLS label (2^20 - 1).
	MaxMPLSLabel = 1<<20 - 1
)

// decodeLabels reads a label stack: the labels, in order.
func decodeLabels(b []byte) ([]uint32, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("mpls: label stack of %d bytes", len(b))
	}
	out := make([]uint32, 0, len(b)/4)
	for ; len(b) >= 4; b = b[4:] {
		out = append(out, binary.BigEndian.Uint32(b)>>mplsLabelShift)
	}
	return out, nil
}

// encodeLabels writes labels as a label stack with the bottom-of-stack bit on the last entry.
func encodeLabels(labels []uint32) ([]byte, error) {
	if len(labels) == 0 {
		return nil, fmt.Errorf("route: mpls: no labels")
	}
	b := make([]byte, 4*len(labels))
	for i, l := range labels {
		if l > MaxMPLSLabel {
			return nil, fmt.Errorf("route: mpls: label %d is above %d", l, MaxMPLSLabel)
		}
		v := l << mplsLabelShift
		if i == len(labels)-1 {
			v |= mplsBoS
		}
		binary.BigEndian.PutUint32(b[4*i:], v)
	}
	return b, nil
}

// MPLSDst is the Dst of an AF_MPLS route for label: rtnetlink carries an MPLS route's destination as one
// 4-byte label stack entry (RTA_DST) with rtm_dst_len 20, and Route.Dst holds those 4 bytes as they are, an
// IPv4-shaped /20 prefix. Use it with Family AF_MPLS: Route{Family: unix.AF_MPLS, Dst: route.MPLSDst(100)}.
func MPLSDst(label uint32) netip.Prefix {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], label<<mplsLabelShift|mplsBoS)
	return netip.PrefixFrom(netip.AddrFrom4(b), 20)
}

// MPLSLabel is the incoming label of an AF_MPLS route (Family AF_MPLS), read from Dst (see MPLSDst); ok is
// false for other routes.
func (r *Route) MPLSLabel() (label uint32, ok bool) {
	if r.Family != afMPLS || !r.Dst.Addr().Is4() {
		return 0, false
	}
	b := r.Dst.Addr().As4()
	return binary.BigEndian.Uint32(b[:]) >> mplsLabelShift, true
}

// afMPLS is AF_MPLS.
const afMPLS = 28
