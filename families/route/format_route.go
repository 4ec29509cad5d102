//go:build linux

package route

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// String is the route as `ip route show` prints it (print_route), without the final newline: "default via
// 10.0.0.1 dev if2 proto static metric 10 ". Links are named "if<index>" (see Format to name them);
// a route without a gateway prints no "via".
func (r Route) String() string { return r.Format(nil) }

// Format is the route as `ip route show` prints it, with the link names and omissions of o (nil: as String).
func (r *Route) Format(o *FormatOptions) string { return string(r.AppendFormat(nil, o)) }

// AppendFormat appends the route's Format text to b and returns the extended slice.
func (r *Route) AppendFormat(b []byte, o *FormatOptions) []byte {
	o = noOptions(o)
	x := r.Ext()
	if r.Type != TypeUnicast {
		b = appendWords(b, r.Type.String())
	}
	host := hostBits(r.Family)
	b = appendWords(b, prefixText(r.Dst, host, "default"))
	if x.Src.IsValid() {
		b = appendWords(b, "from", prefixText(x.Src, host, "0"))
	}
	if r.NexthopID != 0 {
		b = append(appendUint(append(b, "nhid "...), r.NexthopID), ' ')
	}
	if r.TOS != 0 {
		b = appendf(b, "tos 0x%02x ", r.TOS)
	}
	if r.Gateway.IsValid() {
		b = appendWords(b, "via", r.Gateway.String())
	}
	if x.Via.IsValid() {
		b = appendVia(b, x.Via)
	}
	if r.OIF != 0 && !o.OmitDev {
		b = appendWords(b, "dev", o.linkName(r.OIF))
	}
	if r.Table != 0 && r.Table != TableMain && !o.OmitTable {
		b = appendWords(b, "table", TableName(r.Table))
	}
	cloned := r.Flags&unix.RTM_F_CLONED != 0
	if !cloned {
		if r.Protocol != ProtocolBoot && !o.OmitProtocol {
			b = appendWords(b, "proto", r.Protocol.String())
		}
		if r.Scope != ScopeUniverse && !o.OmitScope {
			b = appendWords(b, "scope", r.Scope.String())
		}
	}
	if x.PrefSrc.IsValid() {
		b = appendWords(b, "src", x.PrefSrc.String())
	}
	if r.HasPriority {
		b = append(appendUint(append(b, "metric "...), r.Priority), ' ')
	}
	b = appendRouteFlags(b, r.Flags)
	if x.Mark != 0 {
		if x.Mark >= 16 {
			b = appendf(b, "mark 0x%x ", x.Mark)
		} else {
			b = appendf(b, "mark %d ", x.Mark)
		}
	}
	if x.Flow != 0 {
		b = appendFlow(b, x.Flow)
	}
	if x.HasUID {
		b = append(appendUint(append(b, "uid "...), x.UID), ' ')
	}
	if r.Family == unix.AF_INET && cloned {
		b = append(b, "\n    cache "...)
		if names := CacheFlagNames(r.Flags); len(names) > 0 {
			b = append(b, '<')
			for i, n := range names {
				if i > 0 {
					b = append(b, ',')
				}
				b = append(b, n...)
			}
			b = append(b, "> "...)
		}
	}
	if r.Family == unix.AF_INET || r.Family == unix.AF_INET6 {
		b = appendRouteCacheInfo(b, &x.CacheInfo)
	}
	if !x.Metrics.IsZero() {
		b = appendMetrics(b, &x.Metrics)
	}
	if x.IIF != 0 {
		b = appendWords(b, "iif", o.linkName(x.IIF))
	}
	if r.HasPref {
		b = append(b, prefText(r.Pref)...)
	}
	for i := range x.MultiPath {
		nh := &x.MultiPath[i]
		b = append(b, "\n\tnexthop "...)
		if nh.Gateway.IsValid() {
			b = appendWords(b, "via", nh.Gateway.String())
		}
		if nh.Via.IsValid() {
			b = appendVia(b, nh.Via)
		}
		if nh.Flow != 0 {
			b = appendFlow(b, nh.Flow)
		}
		b = appendWords(b, "dev", o.linkName(nh.OIF))
		if r.Family != unix.AF_MPLS {
			b = append(appendInt(append(b, "weight "...), nh.Weight()), ' ')
		}
		b = appendRouteFlags(b, uint32(nh.Flags))
	}
	return b
}

// prefText is what ip prints for RTA_PREF, the IPv6 router preference: "pref medium", "pref high",
// "pref low", or the bare number of another value.
func prefText(p uint8) string {
	switch p {
	case 0:
		return "pref medium"
	case 1:
		return "pref high"
	case 3:
		return "pref low"
	}
	return string(appendUint(nil, p))
}

// prefixText formats a route's destination or source as ip does: the address alone for a host route,
// "default" (for a source: "0", or "ADDR/0" when the attribute is present) for length 0.
func prefixText(pr netip.Prefix, host int, zero string) string {
	switch {
	case !pr.IsValid() || pr.Bits() == 0:
		if zero == "0" && pr.IsValid() {
			return pr.Addr().String() + "/0"
		}
		return zero
	case pr.Bits() == host:
		return pr.Addr().String()
	}
	return pr.String()
}

// appendVia is RTA_VIA: "via inet6 fe80::1 ".
func appendVia(b []byte, v netip.Addr) []byte {
	return appendWords(b, "via", FamilyName(familyOf(v)), v.String())
}

// appendFlow is RTA_FLOW: "realm TO " or "realms FROM/TO ".
func appendFlow(b []byte, flow uint32) []byte {
	if from, to := flow>>16, flow&0xffff; from != 0 {
		return appendf(b, "realms %d/%d ", from, to)
	} else {
		return appendf(b, "realm %d ", to)
	}
}

// appendRouteCacheInfo is print_rta_cacheinfo without -s.
func appendRouteCacheInfo(b []byte, ci *RouteCacheInfo) []byte {
	if ci.Expires != 0 {
		b = appendf(b, "expires %dsec ", ci.Expires/userHZ)
	}
	if ci.Error != 0 {
		b = appendf(b, "error %d ", ci.Error)
	}
	if ci.ID != 0 {
		b = appendf(b, "ipid 0x%04x ", ci.ID)
	}
	if ci.TS != 0 || ci.TSAge != 0 {
		b = appendf(b, "ts %stsage %dsec ", hex0x(uint64(ci.TS)), ci.TSAge) // ip prints no space after ts
	}
	return b
}

// metricNames are ip's mx_names, by RTAX_* number.
var metricNames = [...]string{
	unix.RTAX_MTU: "mtu", unix.RTAX_WINDOW: "window", unix.RTAX_RTT: "rtt", unix.RTAX_RTTVAR: "rttvar",
	unix.RTAX_SSTHRESH: "ssthresh", unix.RTAX_CWND: "cwnd", unix.RTAX_ADVMSS: "advmss",
	unix.RTAX_REORDERING: "reordering", unix.RTAX_HOPLIMIT: "hoplimit", unix.RTAX_INITCWND: "initcwnd",
	unix.RTAX_FEATURES: "features", unix.RTAX_RTO_MIN: "rto_min", unix.RTAX_INITRWND: "initrwnd",
	unix.RTAX_QUICKACK: "quickack", unix.RTAX_CC_ALGO: "congctl", unix.RTAX_FASTOPEN_NO_COOKIE: "fastopen_no_cookie",
}

// Metric is one RTAX_* metric of a route as ip lists them: its number, ip's name for it ("mtu", "rtt",
// "congctl"...), its value (CCAlgo for RTAX_CC_ALGO) and whether it is locked.
type Metric struct {
	Type   uint16 // RTAX_*
	Name   string
	Value  uint32
	Locked bool
}

// List lists the metrics ip prints, in its order (print_rta_metrics): those set or locked, without a hop
// limit of -1; RTAX_CC_ALGO when CCAlgo is set, with Value 0.
func (m *Metrics) List() []Metric {
	vals := [...]struct {
		t uint16
		v uint32
	}{{unix.RTAX_MTU, m.MTU}, {unix.RTAX_WINDOW, m.Window}, {unix.RTAX_RTT, m.RTT}, {unix.RTAX_RTTVAR, m.RTTVar},
		{unix.RTAX_SSTHRESH, m.SSThresh}, {unix.RTAX_CWND, m.CWnd}, {unix.RTAX_ADVMSS, m.AdvMSS},
		{unix.RTAX_REORDERING, m.Reordering}, {unix.RTAX_HOPLIMIT, m.HopLimit}, {unix.RTAX_INITCWND, m.InitCWnd},
		{unix.RTAX_FEATURES, m.Features}, {unix.RTAX_RTO_MIN, m.RTOMin}, {unix.RTAX_INITRWND, m.InitRwnd},
		{unix.RTAX_QUICKACK, m.QuickAck}, {unix.RTAX_CC_ALGO, 0}, {unix.RTAX_FASTOPEN_NO_COOKIE, m.FastopenNoCookie}}
	var out []Metric
	for _, x := range vals {
		locked := m.Lock&(1<<x.t) != 0
		if x.t == unix.RTAX_CC_ALGO {
			if m.CCAlgo == "" {
				continue
			}
		} else if x.v == 0 && !locked {
			continue
		}
		if x.t == unix.RTAX_HOPLIMIT && int32(x.v) == -1 {
			continue
		}
		out = append(out, Metric{Type: x.t, Name: metricNames[x.t], Value: x.v, Locked: locked})
	}
	return out
}

// appendMetrics is print_rta_metrics in text.
func appendMetrics(b []byte, m *Metrics) []byte {
	for _, x := range m.List() {
		b = appendWords(b, x.Name)
		if x.Locked {
			b = append(b, "lock "...)
		}
		v := x.Value
		switch x.Type {
		case unix.RTAX_CC_ALGO:
			b = appendWords(b, m.CCAlgo)
		case unix.RTAX_FEATURES:
			if v&unix.RTAX_FEATURE_ECN != 0 {
				b = append(b, "ecn "...)
			}
			if v&^unix.RTAX_FEATURE_ECN != 0 {
				b = appendWords(b, hex0x(uint64(v)))
			}
		case unix.RTAX_RTT, unix.RTAX_RTTVAR, unix.RTAX_RTO_MIN:
			v = MetricTime(x.Type, v)
			if v >= 1000 {
				b = append(append(b, cFloatG(float64(v)/1e3)...), "s "...)
			} else {
				b = append(appendUint(b, v), "ms "...)
			}
		default:
			b = append(appendUint(b, v), ' ')
		}
	}
	return b
}

// MetricTime is a time metric in milliseconds as ip prints it: RTAX_RTT is kept in units of 1/8 ms and
// RTAX_RTTVAR of 1/4 ms; other metrics are returned as they are.
func MetricTime(t uint16, v uint32) uint32 {
	switch t {
	case unix.RTAX_RTT:
		return v / 8
	case unix.RTAX_RTTVAR:
		return v / 4
	}
	return v
}
