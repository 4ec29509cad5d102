package compat

import (
	"encoding/binary"
	"fmt"
	"iter"

	"github.com/nlkit/nlkit/proto"
)

// DeficitError reports bytes left over after the last whole attribute: libnetlink prints
// "!!!Deficit N, rta_len=L" and carries on. The attributes before it were parsed.
type DeficitError struct {
	// Deficit is the number of bytes left, RtaLen the rta_len found there (0 when no header fit).
	Deficit, RtaLen int
}

func (e *DeficitError) Error() string {
	return fmt.Sprintf("!!!Deficit %d, rta_len=%d", e.Deficit, e.RtaLen)
}

// clampLen is the C len argument applied to a Go slice: never past its end, never negative.
func clampLen(b []byte, l int) []byte {
	if l < 0 {
		l = 0
	}
	return b[:min(l, len(b))]
}

// rtaOK is RTA_OK(rta, len).
func rtaOK(b []byte) bool { return proto.AttrOK(b) }

// walk calls fn for each whole attribute of b (the RTA_OK / RTA_NEXT loop) and returns the deficit error, if
// any. fn returns false to stop early.
func walk(b []byte, fn func(a Rtattr) bool) error {
	for rtaOK(b) {
		l := int(binary.NativeEndian.Uint16(b))
		if !fn(Rtattr(b[:l:l])) {
			return nil
		}
		next := proto.AttrAlign(l)
		if next >= len(b) {
			return nil
		}
		b = b[next:]
	}
	if len(b) > 0 {
		rl := 0
		if len(b) >= 2 {
			rl = int(binary.NativeEndian.Uint16(b))
		}
		return &DeficitError{Deficit: len(b), RtaLen: rl}
	}
	return nil
}

// ParseRtattr is parse_rtattr: it clears tb[0..max] and sets tb[type] to the first attribute of each type up to
// max among the attributes in the first l bytes of rta. tb must have max+1 entries (types beyond len(tb)-1 are
// ignored rather than written out of bounds). Bytes left over give a *DeficitError; tb holds what was parsed.
//
//	var tb [unix.IFLA_MAX + 1]compat.Rtattr
//	compat.ParseRtattr(tb[:], unix.IFLA_MAX, compat.IFLA_RTA(n), l)
func ParseRtattr(tb []Rtattr, max int, rta []byte, l int) error {
	return ParseRtattrFlags(tb, max, rta, l, 0)
}

// ParseRtattrFlags is parse_rtattr_flags: ParseRtattr with the bits of flags (NLA_F_NESTED) masked off each type.
// A max below -1 is an *ArgError (-1 stores nothing, as tb holds max+1 entries).
func ParseRtattrFlags(tb []Rtattr, max int, rta []byte, l int, flags uint16) error {
	if max < -1 {
		return &ArgError{Func: "parse_rtattr", Arg: "max", Value: int64(max)}
	}
	max = min(max, len(tb)-1)
	clear(tb[:max+1])
	return walk(clampLen(rta, l), func(a Rtattr) bool {
		t := int(a.Type() &^ flags)
		if t <= max && tb[t] == nil {
			tb[t] = a
		}
		return true
	})
}

// ParseRtattrNested is the parse_rtattr_nested macro: ParseRtattrFlags over the payload of rta with
// NLA_F_NESTED masked.
func ParseRtattrNested(tb []Rtattr, max int, rta Rtattr) error {
	d := rta.Data()
	return ParseRtattrFlags(tb, max, d, len(d), proto.AttrNested)
}

// ParseRtattrByindex is parse_rtattr_byindex: it stores the attributes whose type is at most max in order,
// tb[0], tb[1]..., up to max of them, and returns how many.
// A negative max is an *ArgError.
func ParseRtattrByindex(tb []Rtattr, max int, rta []byte, l int) (int, error) {
	if max < 0 {
		return 0, &ArgError{Func: "parse_rtattr_byindex", Arg: "max", Value: int64(max)}
	}
	max = min(max, len(tb))
	clear(tb[:max])
	i := 0
	err := walk(clampLen(rta, l), func(a Rtattr) bool {
		if int(a.Type()) <= max && i < max {
			tb[i] = a
			i++
		}
		return true
	})
	return i, err
}

// ParseRtattrOne is parse_rtattr_one: the first attribute whose rta_type (flags included) is typ, or nil.
func ParseRtattrOne(typ uint16, rta []byte, l int) (Rtattr, error) {
	var found Rtattr
	err := walk(clampLen(rta, l), func(a Rtattr) bool {
		if a.Type() == typ {
			found = a
			return false
		}
		return true
	})
	return found, err
}

// ParseRtattrOneNested is the parse_rtattr_one_nested macro.
func ParseRtattrOneNested(typ uint16, rta Rtattr) (Rtattr, error) {
	d := rta.Data()
	return ParseRtattrOne(typ, d, len(d))
}

// ErrCompatShort is returned by ParseRtattrNestedCompat when the attribute's payload is shorter than the
// fixed data it must start with (__parse_rtattr_nested_compat returns -1).
var ErrCompatShort = fmt.Errorf("compat nest shorter than its fixed data")

// ParseRtattrNestedCompat is the parse_rtattr_nested_compat macro, for attributes built by AddattrNestCompat:
// data is the first l bytes of the payload (nil when the payload is shorter, as the macro sets data = NULL), and
// tb is filled from the nested attribute that follows them, or cleared when there is none.
// A max below -1 is an *ArgError.
func ParseRtattrNestedCompat(tb []Rtattr, max int, rta Rtattr, l int) (data []byte, err error) {
	if max < -1 {
		return nil, &ArgError{Func: "parse_rtattr_nested_compat", Arg: "max", Value: int64(max)}
	}
	d := rta.Data()
	if l < 0 || len(d) < l {
		return nil, ErrCompatShort
	}
	data = d[:l]
	if len(d) >= proto.AttrAlign(l)+proto.AttrHeaderLen {
		return data, ParseRtattrNested(tb, max, Rtattr(d[proto.AttrAlign(l):]))
	}
	clear(tb[:min(max+1, len(tb))])
	return data, nil
}

// RtattrForEachNested is the rtattr_for_each_nested macro: the attributes inside nest.
//
//	for attr := range compat.RtattrForEachNested(nest) { ... }
func RtattrForEachNested(nest Rtattr) iter.Seq[Rtattr] {
	return func(yield func(Rtattr) bool) {
		_ = walk(nest.Data(), yield)
	}
}

// RtaType is rta_type(): rta_type without NLA_F_NESTED and NLA_F_NET_BYTEORDER.
func RtaType(rta Rtattr) uint16 { return rta.Type() & proto.AttrTypeMask }

// The rta_getattr_* inlines read the start of the payload without checking its size; these return 0 (or "")
// when the payload is too short instead of reading past it.

// RtaGetattrU8 is rta_getattr_u8.
func RtaGetattrU8(rta Rtattr) uint8 {
	if d := rta.Data(); len(d) >= 1 {
		return d[0]
	}
	return 0
}

// RtaGetattrU16 is rta_getattr_u16 (host byte order).
func RtaGetattrU16(rta Rtattr) uint16 {
	if d := rta.Data(); len(d) >= 2 {
		return binary.NativeEndian.Uint16(d)
	}
	return 0
}

// RtaGetattrU32 is rta_getattr_u32 (host byte order).
func RtaGetattrU32(rta Rtattr) uint32 {
	if d := rta.Data(); len(d) >= 4 {
		return binary.NativeEndian.Uint32(d)
	}
	return 0
}

// RtaGetattrU64 is rta_getattr_u64 (host byte order).
func RtaGetattrU64(rta Rtattr) uint64 {
	if d := rta.Data(); len(d) >= 8 {
		return binary.NativeEndian.Uint64(d)
	}
	return 0
}

// RtaGetattrS32 is rta_getattr_s32.
func RtaGetattrS32(rta Rtattr) int32 { return int32(RtaGetattrU32(rta)) }

// RtaGetattrS64 is rta_getattr_s64.
func RtaGetattrS64(rta Rtattr) int64 { return int64(RtaGetattrU64(rta)) }

// RtaGetattrBe16 is rta_getattr_be16: a big-endian u16 payload as a host value (ntohs).
func RtaGetattrBe16(rta Rtattr) uint16 {
	if d := rta.Data(); len(d) >= 2 {
		return binary.BigEndian.Uint16(d)
	}
	return 0
}

// RtaGetattrBe32 is rta_getattr_be32 (ntohl).
func RtaGetattrBe32(rta Rtattr) uint32 {
	if d := rta.Data(); len(d) >= 4 {
		return binary.BigEndian.Uint32(d)
	}
	return 0
}

// RtaGetattrBe64 is rta_getattr_be64: a big-endian u64 payload as a host value.
func RtaGetattrBe64(rta Rtattr) uint64 {
	if d := rta.Data(); len(d) >= 8 {
		return binary.BigEndian.Uint64(d)
	}
	return 0
}

// RtaGetattrUint is rta_getattr_uint: a u8, u16, u32 or u64 payload by its size, and ^0 (C's -1ULL) for any
// other size.
func RtaGetattrUint(rta Rtattr) uint64 {
	switch d := rta.Data(); len(d) {
	case 1:
		return uint64(d[0])
	case 2:
		return uint64(binary.NativeEndian.Uint16(d))
	case 4:
		return uint64(binary.NativeEndian.Uint32(d))
	case 8:
		return binary.NativeEndian.Uint64(d)
	}
	return ^uint64(0)
}

// RtaGetattrStr is rta_getattr_str: the payload up to its NUL (or all of it, where C would read past the end).
func RtaGetattrStr(rta Rtattr) string { return proto.CString(rta.Data()) }

// The xxx_RTA macros point at the attributes after a message's family header, the xxx_PAYLOAD macros give their
// length (NLMSG_PAYLOAD(n, sizeof(header))). In C the _RTA macros take the family header's address; here they
// take the message. A message too short for its header gives nil and a negative length, as in C.

func rtaAfter(n *Nlmsghdr, fixed int) []byte {
	d := n.Data()
	a := proto.Align(fixed)
	if a > len(d) {
		return nil
	}
	return d[a:]
}

const (
	sizeofIfinfomsg  = 16
	sizeofIfaddrmsg  = 8
	sizeofRtmsg      = 12
	sizeofNdmsg      = 12
	sizeofNdtmsg     = 4
	sizeofRtgenmsg   = 1
	sizeofIfStatsMsg = 12
	sizeofNhmsg      = 8
	sizeofFibRuleHdr = 12
	sizeofNetconfmsg = 1
	sizeofTcmsg      = 20
	sizeofBrVlanMsg  = 8
	sizeofTunnelMsg  = 8
)

// IFLA_RTA is IFLA_RTA(NLMSG_DATA(n)): the attributes after struct ifinfomsg.
func IFLA_RTA(n *Nlmsghdr) []byte { return rtaAfter(n, sizeofIfinfomsg) }

// IFLA_PAYLOAD is IFLA_PAYLOAD(n).
func IFLA_PAYLOAD(n *Nlmsghdr) int { return n.Payload(sizeofIfinfomsg) }

// IFA_RTA is IFA_RTA(NLMSG_DATA(n)): the attributes after struct ifaddrmsg.
func IFA_RTA(n *Nlmsghdr) []byte { return rtaAfter(n, sizeofIfaddrmsg) }

// IFA_PAYLOAD is IFA_PAYLOAD(n).
func IFA_PAYLOAD(n *Nlmsghdr) int { return n.Payload(sizeofIfaddrmsg) }

// RTM_RTA is RTM_RTA(NLMSG_DATA(n)): the attributes after struct rtmsg.
func RTM_RTA(n *Nlmsghdr) []byte { return rtaAfter(n, sizeofRtmsg) }

// RTM_PAYLOAD is RTM_PAYLOAD(n).
func RTM_PAYLOAD(n *Nlmsghdr) int { return n.Payload(sizeofRtmsg) }

// NDA_RTA is NDA_RTA(NLMSG_DATA(n)): the attributes after struct ndmsg.
func NDA_RTA(n *Nlmsghdr) []byte { return rtaAfter(n, sizeofNdmsg) }

// NDA_PAYLOAD is NDA_PAYLOAD(n).
func NDA_PAYLOAD(n *Nlmsghdr) int { return n.Payload(sizeofNdmsg) }

// NDTA_RTA is NDTA_RTA(NLMSG_DATA(n)): the attributes after struct ndtmsg.
func NDTA_RTA(n *Nlmsghdr) []byte { return rtaAfter(n, sizeofNdtmsg) }

// NDTA_PAYLOAD is NDTA_PAYLOAD(n).
func NDTA_PAYLOAD(n *Nlmsghdr) int { return n.Payload(sizeofNdtmsg) }

// NETNS_RTA is NETNS_RTA(NLMSG_DATA(n)): the attributes after struct rtgenmsg.
func NETNS_RTA(n *Nlmsghdr) []byte { return rtaAfter(n, sizeofRtgenmsg) }

// NETNS_PAYLOAD is NETNS_PAYLOAD(n).
func NETNS_PAYLOAD(n *Nlmsghdr) int { return n.Payload(sizeofRtgenmsg) }

// IFLA_STATS_RTA is IFLA_STATS_RTA(NLMSG_DATA(n)): the attributes after struct if_stats_msg.
func IFLA_STATS_RTA(n *Nlmsghdr) []byte { return rtaAfter(n, sizeofIfStatsMsg) }

// BRVLAN_RTA is BRVLAN_RTA(NLMSG_DATA(n)): the attributes after struct br_vlan_msg.
func BRVLAN_RTA(n *Nlmsghdr) []byte { return rtaAfter(n, sizeofBrVlanMsg) }

// TUNNEL_RTA is TUNNEL_RTA(NLMSG_DATA(n)): the attributes after struct tunnel_msg.
func TUNNEL_RTA(n *Nlmsghdr) []byte { return rtaAfter(n, sizeofTunnelMsg) }

// NHA_RTA gives the attributes after struct nhmsg (iproute2 writes RTM_NHA(NLMSG_DATA(n))).
func NHA_RTA(n *Nlmsghdr) []byte { return rtaAfter(n, sizeofNhmsg) }

// FRA_RTA gives the attributes after struct fib_rule_hdr (RTM_RTA in iproute2's rule code).
func FRA_RTA(n *Nlmsghdr) []byte { return rtaAfter(n, sizeofFibRuleHdr) }

// NETCONF_RTA gives the attributes after struct netconfmsg (NETCONF_RTA in <linux/netconf.h>).
func NETCONF_RTA(n *Nlmsghdr) []byte { return rtaAfter(n, sizeofNetconfmsg) }

// TCA_RTA is TCA_RTA(NLMSG_DATA(n)): the attributes after struct tcmsg.
func TCA_RTA(n *Nlmsghdr) []byte { return rtaAfter(n, sizeofTcmsg) }

// TCA_PAYLOAD is TCA_PAYLOAD(n).
func TCA_PAYLOAD(n *Nlmsghdr) int { return n.Payload(sizeofTcmsg) }
