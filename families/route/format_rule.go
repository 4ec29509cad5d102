//go:build linux

package route

import (
	"strconv"

	"golang.org/x/sys/unix"
)

// String is the rule as `ip rule show` prints it (print_rule), without the final newline:
// "100:\tfrom all fwmark 0x10/0xff lookup 100". A rule carries its links by name, so Format adds nothing.
func (r Rule) String() string { return r.Format(nil) }

// Format is the rule as String prints it; no option changes it today.
func (r *Rule) Format(o *FormatOptions) string { return string(r.AppendFormat(nil, o)) }

// AppendFormat appends the rule's Format text to b and returns the extended slice.
func (r *Rule) AppendFormat(b []byte, _ *FormatOptions) []byte {
	host := hostBits(r.Family)
	b = append(appendUint(b, r.Priority), ":\t"...)
	if r.Flags&unix.FIB_RULE_INVERT != 0 {
		b = append(b, "not "...)
	}
	b = append(b, "from "...)
	if r.Src.IsValid() {
		b = appendRulePrefix(b, r.Src.Addr().String(), r.Src.Bits(), host)
	} else {
		b = append(b, "all"...)
	}
	if r.Dst.IsValid() {
		b = appendRulePrefix(append(b, " to "...), r.Dst.Addr().String(), r.Dst.Bits(), host)
	}
	if r.TOS != 0 {
		b = appendf(b, " tos 0x%02x", r.TOS)
	}
	if r.Mark != 0 || r.HasMask {
		b = append(append(b, " fwmark "...), hex0x(uint64(r.Mark))...)
		if r.HasMask && r.Mask != 0xffffffff {
			b = append(append(b, '/'), hex0x(uint64(r.Mask))...)
		}
	}
	if r.IIFName != "" {
		b = append(append(b, " iif "...), r.IIFName...)
		if r.Flags&unix.FIB_RULE_IIF_DETACHED != 0 {
			b = append(b, " [detached]"...)
		}
	}
	if r.OIFName != "" {
		b = append(append(b, " oif "...), r.OIFName...)
		if r.Flags&unix.FIB_RULE_OIF_DETACHED != 0 {
			b = append(b, " [detached]"...)
		}
	}
	if r.L3MDev != 0 {
		b = append(b, " lookup [l3mdev-table]"...)
	}
	if r.HasUIDRange {
		b = appendf(b, " uidrange %d-%d", r.UIDStart, r.UIDEnd)
	}
	if r.IPProto != 0 {
		b = append(append(b, " ipproto "...), IPProtoName(r.IPProto)...)
	}
	b = appendPortRange(b, "sport", r.SPortStart, r.SPortEnd)
	b = appendPortRange(b, "dport", r.DPortStart, r.DPortEnd)
	if r.TunID != 0 {
		b = appendUint(append(b, " tun_id "...), r.TunID)
	}
	if r.Table != 0 {
		b = append(append(b, " lookup "...), TableName(r.Table)...)
		if r.HasSuppressPrefixLen && int32(r.SuppressPrefixLen) != -1 {
			b = appendInt(append(b, " suppress_prefixlength "...), int32(r.SuppressPrefixLen))
		}
		if r.HasSuppressIfGroup && int32(r.SuppressIfGroup) != -1 {
			b = append(append(b, " suppress_ifgroup "...), GroupName(r.SuppressIfGroup)...)
		}
	}
	if r.Flow != 0 {
		if from, to := r.Flow>>16, r.Flow&0xffff; from != 0 {
			b = appendf(b, " realms %d/%d", from, to)
		} else {
			b = appendf(b, " realms %d", to)
		}
	}
	switch r.Action {
	case RuleToTable:
	case RuleGoto:
		if r.Goto != 0 {
			b = appendUint(append(b, " goto "...), r.Goto)
		} else {
			b = append(b, " goto none"...)
		}
		if r.Flags&unix.FIB_RULE_UNRESOLVED != 0 {
			b = append(b, " [unresolved]"...)
		}
	case RuleNop:
		b = append(b, " nop"...)
	default:
		b = append(append(b, ' '), r.Action.String()...)
	}
	if r.Protocol != 0 && r.Protocol != ProtocolKernel {
		b = append(append(b, " proto "...), r.Protocol.String()...)
	}
	return b
}

// appendRulePrefix is a rule's selector: the address, with "/len" unless it is a host prefix.
func appendRulePrefix(b []byte, addr string, bits, host int) []byte {
	b = append(b, addr...)
	if bits != host {
		b = appendInt(append(b, '/'), bits)
	}
	return b
}

// appendPortRange is " sport N" or " sport N-M" (FRA_SPORT_RANGE, FRA_DPORT_RANGE).
func appendPortRange(b []byte, name string, start, end uint16) []byte {
	if start == 0 && end == 0 {
		return b
	}
	b = appendUint(append(append(append(b, ' '), name...), ' '), start)
	if start != end {
		b = appendUint(append(b, '-'), end)
	}
	return b
}

// IPProtoName is the name ip gives an IP protocol number in a rule's ipproto (FRA_IP_PROTO): "tcp", "udp",
// "icmp", "ipv6-icmp", "sctp", or the number.
func IPProtoName(n uint8) string {
	switch n {
	case unix.IPPROTO_TCP:
		return "tcp"
	case unix.IPPROTO_UDP:
		return "udp"
	case unix.IPPROTO_ICMP:
		return "icmp"
	case unix.IPPROTO_ICMPV6:
		return "ipv6-icmp"
	case unix.IPPROTO_SCTP:
		return "sctp"
	}
	return strconv.Itoa(int(n))
}

// String is the nexthop as `ip nexthop show` prints it (__print_nexthop_entry), without the final newline:
// "id 1 via 10.0.0.2 dev if2 scope link ", "id 2 blackhole ", "id 3 group 1/2,5 ". The link is named
// "if<index>" (see Format).
func (nh Nexthop) String() string { return nh.Format(nil) }

// Format is the nexthop as ip prints it, with the link names of o (nil: as String).
func (nh *Nexthop) Format(o *FormatOptions) string { return string(nh.AppendFormat(nil, o)) }

// AppendFormat appends the nexthop's Format text to b and returns the extended slice.
func (nh *Nexthop) AppendFormat(b []byte, o *FormatOptions) []byte {
	o = noOptions(o)
	b = append(appendUint(append(b, "id "...), nh.ID), ' ')
	if len(nh.Group) > 0 {
		b = append(b, "group "...)
		for i, m := range nh.Group {
			if i > 0 {
				b = append(b, '/')
			}
			b = appendUint(b, m.ID)
			if m.Weight != 1 {
				b = appendUint(append(b, ','), m.Weight)
			}
		}
		b = append(b, ' ')
	}
	switch nh.GroupType {
	case 0:
	case 1:
		b = append(b, "type resilient "...)
	default:
		b = append(b, "type <unknown type> "...)
	}
	if r := nh.ResGroup; r != nil {
		b = append(appendUint(append(b, "buckets "...), r.Buckets), ' ')
		b = appendWords(b, "idle_timer", TicksSeconds(uint64(r.IdleTimer)),
			"unbalanced_timer", TicksSeconds(uint64(r.UnbalancedTimer)),
			"unbalanced_time", TicksSeconds(r.UnbalancedTime))
	}
	if nh.Gateway.IsValid() {
		b = appendWords(b, "via", nh.Gateway.String())
	}
	if nh.OIF != 0 {
		b = appendWords(b, "dev", o.linkName(nh.OIF))
	}
	if nh.Scope != ScopeUniverse {
		b = appendWords(b, "scope", nh.Scope.String())
	}
	if nh.Blackhole {
		b = append(b, "blackhole "...)
	}
	if nh.Protocol != 0 {
		b = appendWords(b, "proto", nh.Protocol.String())
	}
	b = appendRouteFlags(b, nh.Flags)
	if nh.FDB {
		b = append(b, "fdb "...)
	}
	return b
}
