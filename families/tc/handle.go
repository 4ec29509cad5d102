package tc

import (
	"fmt"
	"strconv"
	"strings"
)

// Handle is a traffic-control handle or class id (tcm_handle, tcm_parent, a class id in options): a 16-bit major
// number, which names a qdisc, and a 16-bit minor number, which names a class of it; tc writes it "MAJ:MIN" in
// hexadecimal.
type Handle uint32

// The special handles of pkt_sched.h.
const (
	// HandleNone is TC_H_UNSPEC (tc's "none").
	HandleNone Handle = 0
	// HandleRoot is TC_H_ROOT: the parent of a device's root qdisc ("root").
	HandleRoot Handle = 0xFFFFFFFF
	// HandleIngress is TC_H_INGRESS: the parent of the ingress qdisc ("ingress").
	HandleIngress Handle = 0xFFFFFFF1
	// HandleClsact is TC_H_CLSACT, the same value as TC_H_INGRESS: the parent of the clsact qdisc ("clsact").
	HandleClsact Handle = HandleIngress
	// MinIngress is TC_H_MIN_INGRESS, the minor of clsact's ingress hook (parent ffff:fff2, "ingress" for a
	// filter).
	MinIngress uint16 = 0xFFF2
	// MinEgress is TC_H_MIN_EGRESS, the minor of clsact's egress hook (parent ffff:fff3, "egress").
	MinEgress uint16 = 0xFFF3
	// MinPriority is TC_H_MIN_PRIORITY: minors from it on select a band by skb priority.
	MinPriority uint16 = 0xFFE0
)

// MakeHandle is TC_H_MAKE(maj<<16, min).
func MakeHandle(major, minor uint16) Handle { return Handle(uint32(major)<<16 | uint32(minor)) }

// Major is TC_H_MAJ(h)>>16, the qdisc number.
func (h Handle) Major() uint16 { return uint16(h >> 16) }

// Minor is TC_H_MIN(h), the class number.
func (h Handle) Minor() uint16 { return uint16(h) }

// String prints h as tc's print_tc_classid: "root", "none", "MAJ:MIN", "MAJ:" for a minor of 0 and ":MIN" for a
// major of 0, in hexadecimal.
func (h Handle) String() string {
	switch {
	case h == HandleRoot:
		return "root"
	case h == HandleNone:
		return "none"
	case h.Major() == 0:
		return ":" + strconv.FormatUint(uint64(h.Minor()), 16)
	case h.Minor() == 0:
		return strconv.FormatUint(uint64(h.Major()), 16) + ":"
	}
	return strconv.FormatUint(uint64(h.Major()), 16) + ":" + strconv.FormatUint(uint64(h.Minor()), 16)
}

// QdiscString prints h as tc prints a qdisc's own handle, "MAJ:" (the minor is always 0 there).
func (h Handle) QdiscString() string { return strconv.FormatUint(uint64(h.Major()), 16) + ":" }

// MarshalText is String.
func (h Handle) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText is ParseHandle.
func (h *Handle) UnmarshalText(b []byte) error {
	v, err := ParseHandle(string(b))
	if err == nil {
		*h = v
	}
	return err
}

// ParseHandle parses a class id or parent as tc's get_tc_classid does — "root", "none", "1:10", "1:", ":10",
// "ffff:fff1", a bare hexadecimal number "10001" (the whole 32-bit value, as tc reads it) — and also the names "ingress" (ffff:fff1, the
// ingress and clsact qdiscs' parent), "clsact" (the same) and "egress" (ffff:fff3, clsact's egress hook).
func ParseHandle(s string) (Handle, error) {
	switch s {
	case "root":
		return HandleRoot, nil
	case "none":
		return HandleNone, nil
	case "ingress", "clsact":
		return HandleIngress, nil
	case "egress":
		return MakeHandle(0xffff, MinEgress), nil
	}
	maj, min, colon := strings.Cut(s, ":")
	if !colon {
		// tc reads a number without a colon as the whole 32-bit value, in hexadecimal.
		v, err := strconv.ParseUint(s, 16, 32)
		if err != nil {
			return 0, fmt.Errorf("tc: invalid handle %q", s)
		}
		return Handle(v), nil
	}
	var h uint32
	if maj != "" {
		v, err := strconv.ParseUint(maj, 16, 16)
		if err != nil {
			return 0, fmt.Errorf("tc: invalid handle %q", s)
		}
		h = uint32(v) << 16
	}
	if min != "" {
		v, err := strconv.ParseUint(min, 16, 16)
		if err != nil {
			return 0, fmt.Errorf("tc: invalid handle %q", s)
		}
		h |= uint32(v)
	}
	return Handle(h), nil
}

// ParseQdiscHandle parses a qdisc handle as tc's get_qdisc_handle does: "1:", "1" or "none"; a minor is refused.
func ParseQdiscHandle(s string) (Handle, error) {
	if s == "none" {
		return HandleNone, nil
	}
	maj, rest, _ := strings.Cut(s, ":")
	v, err := strconv.ParseUint(maj, 16, 16)
	if err != nil || rest != "" {
		return 0, fmt.Errorf("tc: invalid qdisc handle %q", s)
	}
	return Handle(uint32(v) << 16), nil
}
