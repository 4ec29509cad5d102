//go:build linux

package route

import (
	"context"
	"encoding/binary"
	"fmt"
	"iter"
	"net/netip"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// sizeofFibRuleHdr is sizeof(struct fib_rule_hdr).
const sizeofFibRuleHdr = 12

// Rule is a policy routing rule: struct fib_rule_hdr and the FRA_* attributes of RTM_NEWRULE, as `ip rule`
// shows it.
type Rule struct {
	// Family is the rule's family (AF_INET, AF_INET6).
	Family uint8
	// TOS is the header's tos (dsfield).
	TOS uint8
	// Table is FRA_TABLE, or the header's table without it.
	Table uint32
	// Action is the header's action (FR_ACT_TO_TBL...).
	Action RuleAction
	// Flags is the header's flags (FIB_RULE_INVERT "not", FIB_RULE_UNRESOLVED...).
	Flags uint32
	// Priority is FRA_PRIORITY (the preference).
	Priority uint32
	// Src and Dst are FRA_SRC and FRA_DST with the header's src_len and dst_len; the zero Prefix for "all".
	Src, Dst netip.Prefix
	// IIFName and OIFName are FRA_IIFNAME and FRA_OIFNAME.
	IIFName, OIFName string
	// Mark and Mask are FRA_FWMARK and FRA_FWMASK (HasMask tells a mask of 0 from none).
	Mark, Mask uint32
	HasMask    bool
	// Goto is FRA_GOTO: the priority a goto rule jumps to.
	Goto uint32
	// Flow is FRA_FLOW (realms).
	Flow uint32
	// TunID is FRA_TUN_ID.
	TunID uint64
	// SuppressPrefixLen and SuppressIfGroup are FRA_SUPPRESS_PREFIXLEN and FRA_SUPPRESS_IFGROUP, valid when
	// HasSuppressPrefixLen and HasSuppressIfGroup.
	SuppressPrefixLen, SuppressIfGroup       uint32
	HasSuppressPrefixLen, HasSuppressIfGroup bool
	// L3MDev is FRA_L3MDEV: look up the table of the VRF device.
	L3MDev uint8
	// UIDStart and UIDEnd are FRA_UID_RANGE, valid when HasUIDRange.
	UIDStart, UIDEnd uint32
	HasUIDRange      bool
	// Protocol is FRA_PROTOCOL; IPProto is FRA_IP_PROTO.
	Protocol Protocol
	IPProto  uint8
	// SPortStart, SPortEnd, DPortStart and DPortEnd are FRA_SPORT_RANGE and FRA_DPORT_RANGE.
	SPortStart, SPortEnd, DPortStart, DPortEnd uint16
	// DSCP is FRA_DSCP, valid when HasDSCP.
	DSCP    uint8
	HasDSCP bool
}

// UnmarshalBinary decodes an RTM_NEWRULE payload (struct fib_rule_hdr and FRA_* attributes) into r. Only
// interface names allocate.
func (r *Rule) UnmarshalBinary(b []byte) error {
	*r = Rule{}
	if len(b) < sizeofFibRuleHdr {
		return errShort("fib_rule_hdr", len(b), sizeofFibRuleHdr)
	}
	r.Family = b[0]
	dstLen, srcLen := b[1], b[2]
	r.TOS, r.Table, r.Action = b[3], uint32(b[4]), RuleAction(b[7])
	r.Flags = binary.NativeEndian.Uint32(b[8:12])
	var src, dst netip.Addr
	ad := proto.NewAttrDecoder(b[sizeofFibRuleHdr:])
	for ad.Next() {
		switch ad.Type() {
		case unix.FRA_DST:
			dst = addrFrom(ad.Bytes())
		case unix.FRA_SRC:
			src = addrFrom(ad.Bytes())
		case unix.FRA_IIFNAME:
			r.IIFName = ad.String()
		case unix.FRA_OIFNAME:
			r.OIFName = ad.String()
		case unix.FRA_GOTO:
			r.Goto = ad.Uint32()
		case unix.FRA_PRIORITY:
			r.Priority = ad.Uint32()
		case unix.FRA_FWMARK:
			r.Mark = ad.Uint32()
		case unix.FRA_FWMASK:
			r.Mask, r.HasMask = ad.Uint32(), true
		case unix.FRA_FLOW:
			r.Flow = ad.Uint32()
		case unix.FRA_TUN_ID:
			if p := ad.Bytes(); len(p) == 8 {
				r.TunID = binary.BigEndian.Uint64(p)
			}
		case unix.FRA_SUPPRESS_IFGROUP:
			r.SuppressIfGroup, r.HasSuppressIfGroup = ad.Uint32(), true
		case unix.FRA_SUPPRESS_PREFIXLEN:
			r.SuppressPrefixLen, r.HasSuppressPrefixLen = ad.Uint32(), true
		case unix.FRA_TABLE:
			r.Table = ad.Uint32()
		case unix.FRA_L3MDEV:
			r.L3MDev = ad.Uint8()
		case unix.FRA_UID_RANGE:
			if p := ad.Bytes(); len(p) >= 8 {
				r.UIDStart, r.UIDEnd = binary.NativeEndian.Uint32(p), binary.NativeEndian.Uint32(p[4:])
				r.HasUIDRange = true
			}
		case unix.FRA_PROTOCOL:
			r.Protocol = Protocol(ad.Uint8())
		case unix.FRA_IP_PROTO:
			r.IPProto = ad.Uint8()
		case unix.FRA_SPORT_RANGE:
			r.SPortStart, r.SPortEnd = portRange(ad.Bytes())
		case unix.FRA_DPORT_RANGE:
			r.DPortStart, r.DPortEnd = portRange(ad.Bytes())
		case fraDSCP:
			r.DSCP, r.HasDSCP = ad.Uint8(), true
		}
	}
	if src.IsValid() {
		r.Src = prefixOf(src, srcLen)
	}
	if dst.IsValid() {
		r.Dst = prefixOf(dst, dstLen)
	}
	return ad.Err()
}

func portRange(b []byte) (uint16, uint16) {
	if len(b) < 4 {
		return 0, 0
	}
	return binary.NativeEndian.Uint16(b), binary.NativeEndian.Uint16(b[2:])
}

// MarshalBinary encodes r as an RTM_NEWRULE request payload: struct fib_rule_hdr (the family from Src or Dst
// when Family is 0) and the FRA_* attributes that are set.
func (r *Rule) MarshalBinary() ([]byte, error) {
	ae := newRouteHeader(sizeofFibRuleHdr, 96, familyOr(r.Family, r.Src.Addr(), r.Dst.Addr()), r.Dst, r.Src, r.TOS,
		r.Table, r.Flags)
	ae.Bytes()[7] = uint8(r.Action)
	putPrefixes(ae, unix.FRA_DST, r.Dst, unix.FRA_SRC, r.Src)
	if r.IIFName != "" {
		ae.String(unix.FRA_IIFNAME, r.IIFName)
	}
	if r.OIFName != "" {
		ae.String(unix.FRA_OIFNAME, r.OIFName)
	}
	for _, f := range []struct {
		t uint16
		v uint32
	}{{unix.FRA_PRIORITY, r.Priority}, {unix.FRA_TABLE, r.Table}, {unix.FRA_FWMARK, r.Mark},
		{unix.FRA_GOTO, r.Goto}, {unix.FRA_FLOW, r.Flow}} {
		if f.v != 0 {
			ae.Uint32(f.t, f.v)
		}
	}
	if r.HasMask {
		ae.Uint32(unix.FRA_FWMASK, r.Mask)
	}
	if r.TunID != 0 {
		var p [8]byte
		binary.BigEndian.PutUint64(p[:], r.TunID)
		ae.Raw(unix.FRA_TUN_ID, p[:])
	}
	if r.HasSuppressPrefixLen {
		ae.Uint32(unix.FRA_SUPPRESS_PREFIXLEN, r.SuppressPrefixLen)
	}
	if r.HasSuppressIfGroup {
		ae.Uint32(unix.FRA_SUPPRESS_IFGROUP, r.SuppressIfGroup)
	}
	if r.L3MDev != 0 {
		ae.Uint8(unix.FRA_L3MDEV, r.L3MDev)
	}
	if r.HasUIDRange {
		var p [8]byte
		binary.NativeEndian.PutUint32(p[:], r.UIDStart)
		binary.NativeEndian.PutUint32(p[4:], r.UIDEnd)
		ae.Raw(unix.FRA_UID_RANGE, p[:])
	}
	if r.Protocol != 0 {
		ae.Uint8(unix.FRA_PROTOCOL, uint8(r.Protocol))
	}
	if r.IPProto != 0 {
		ae.Uint8(unix.FRA_IP_PROTO, r.IPProto)
	}
	for _, pr := range []struct {
		t          uint16
		start, end uint16
	}{{unix.FRA_SPORT_RANGE, r.SPortStart, r.SPortEnd}, {unix.FRA_DPORT_RANGE, r.DPortStart, r.DPortEnd}} {
		if pr.start != 0 || pr.end != 0 {
			var p [4]byte
			binary.NativeEndian.PutUint16(p[:], pr.start)
			binary.NativeEndian.PutUint16(p[2:], pr.end)
			ae.Raw(pr.t, p[:])
		}
	}
	if r.HasDSCP {
		ae.Uint8(fraDSCP, r.DSCP)
	}
	return ae.Bytes(), nil
}

// RuleService lists, adds and deletes policy routing rules (RTM_GETRULE, RTM_NEWRULE, RTM_DELRULE).
type RuleService struct{ service[Rule, *Rule] }

// RuleFilter selects rules. The kernel has no rule dump filters (it rejects any under strict checking), so
// everything but Family, the dump's family, is applied in user space.
type RuleFilter struct {
	// Family keeps one family (AF_INET, AF_INET6); 0 keeps all.
	Family uint8
	// Table keeps the rules that look up this table; 0 keeps all.
	Table uint32
}

func (f *RuleFilter) match(r *Rule) bool {
	return f == nil || ((f.Family == 0 || r.Family == f.Family) && (f.Table == 0 || r.Table == f.Table))
}

// All streams the rules f selects (an RTM_GETRULE dump; nil: all families).
func (s *RuleService) All(ctx context.Context, f *RuleFilter) iter.Seq2[Rule, error] {
	return s.dump(ctx, f, false, f.request())
}

// request is the struct fib_rule_hdr of a dump: the family.
func (f *RuleFilter) request() []byte {
	req := make([]byte, sizeofFibRuleHdr)
	if f != nil {
		req[0] = f.Family
	}
	return req
}

// List returns the rules f selects, retrying interrupted dumps (see LinkService.List).
func (s *RuleService) List(ctx context.Context, f *RuleFilter) ([]Rule, error) {
	return s.ListInto(ctx, nil, f)
}

// ListInto appends the rules f selects to dst and returns the extended slice (see LinkService.ListInto).
func (s *RuleService) ListInto(ctx context.Context, dst []Rule, f *RuleFilter) ([]Rule, error) {
	return s.list(ctx, dst, f, false, f.request())
}

// Add adds a rule (RTM_NEWRULE with NLM_F_CREATE|NLM_F_EXCL) with ip rule add's defaults: action FR_ACT_TO_TBL
// and table main when neither is set. Family must be set unless Src or Dst gives it.
func (s *RuleService) Add(ctx context.Context, r Rule) error {
	return s.add(ctx, createExcl, r.withDefaults())
}

// Replace adds the rule or replaces one with the same priority and selectors
// (RTM_NEWRULE with NLM_F_CREATE|NLM_F_REPLACE).
func (s *RuleService) Replace(ctx context.Context, r Rule) error {
	return s.add(ctx, createReplace, r.withDefaults())
}

// Delete removes the first rule that matches what r sets (RTM_DELRULE); a Rule from List deletes that rule.
func (s *RuleService) Delete(ctx context.Context, r Rule) error { return s.remove(ctx, &r) }

func (r Rule) withDefaults() *Rule {
	if r.Action == 0 {
		r.Action = RuleToTable
	}
	if r.Action == RuleToTable && r.Table == 0 && r.L3MDev == 0 {
		r.Table = TableMain
	}
	return &r
}

func (r *Rule) request(typ uint16) ([]byte, error) {
	b, err := r.MarshalBinary()
	if err != nil {
		return nil, err
	}
	if b[0] == 0 {
		return nil, fmt.Errorf("route: %s: no address family (set Family, Src or Dst)", msgTypeName(typ))
	}
	return b, nil
}

func (r *Rule) describe() string { return fmt.Sprintf("priority %d", r.Priority) }
