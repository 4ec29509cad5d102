package main

import (
	"fmt"
	"strings"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// cacheFlagNames are the RTCF_* names of print_cache_flags, in its order.
var cacheFlagNames = []struct {
	f    uint32
	name string
}{
	{0x80000000, "local"}, {0x40000000, "reject"}, {0x20000000, "mc"}, {0x10000000, "brd"}, {0x08000000, "dst-nat"},
	{0x00800000, "src-nat"}, {0x00400000, "masq"}, {0x00020000, "dst-direct"}, {0x04000000, "src-direct"},
	{0x00040000, "redirected"}, {0x01000000, "redirect"}, {0x00200000, "fastroute"}, {0x00010000, "notify"},
	{0x00080000, "proxy"},
}

// printCacheFlags is print_cache_flags: the RTCF_* flags of a cloned IPv4 route (`ip route get`).
func (a *app) printCacheFlags(flags uint32) {
	p := a.p
	flags &^= 0xffff
	var names []string
	for _, f := range cacheFlagNames {
		if flags&f.f != 0 {
			names = append(names, f.name)
			flags &^= f.f
		}
	}
	if flags != 0 {
		names = append(names, fmt.Sprintf("%x", flags))
	}
	p.openArr("cache")
	p.text("\n    cache ")
	if len(names) > 0 {
		p.text("<%s> ", strings.Join(names, ","))
	}
	for _, n := range names {
		p.jstr("", n)
	}
	p.closeArr()
}

// userHZ is USER_HZ, the unit of rta_cacheinfo times (what ip's get_user_hz returns on Linux).
const userHZ = 100

// printRouteCacheInfo is print_rta_cacheinfo without -s.
func (a *app) printRouteCacheInfo(ci *route.RouteCacheInfo) {
	p := a.p
	if ci.Expires != 0 {
		p.int("expires", "expires %dsec ", int64(ci.Expires/userHZ))
	}
	if ci.Error != 0 {
		p.uint("error", "error %d ", uint64(ci.Error))
	}
	if ci.ID != 0 {
		p.str("ipid", "ipid %s ", fmt.Sprintf("0x%04x", ci.ID))
	}
	if ci.TS != 0 || ci.TSAge != 0 {
		p.str("ts", "ts %s", hex0x(uint64(ci.TS)))
		p.uint("tsage", "tsage %dsec ", uint64(ci.TSAge))
	}
}

// hex0x is print_0xhex's JSON form ("%#llx").
func hex0x(v uint64) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%#x", v)
}

// metricNames are ip's mx_names, by RTAX_* number.
var metricNames = map[uint16]string{
	unix.RTAX_MTU: "mtu", unix.RTAX_WINDOW: "window", unix.RTAX_RTT: "rtt", unix.RTAX_RTTVAR: "rttvar",
	unix.RTAX_SSTHRESH: "ssthresh", unix.RTAX_CWND: "cwnd", unix.RTAX_ADVMSS: "advmss",
	unix.RTAX_REORDERING: "reordering", unix.RTAX_HOPLIMIT: "hoplimit", unix.RTAX_INITCWND: "initcwnd",
	unix.RTAX_FEATURES: "features", unix.RTAX_RTO_MIN: "rto_min", unix.RTAX_INITRWND: "initrwnd",
	unix.RTAX_QUICKACK: "quickack", unix.RTAX_CC_ALGO: "congctl", unix.RTAX_FASTOPEN_NO_COOKIE: "fastopen_no_cookie",
}

// printMetrics is print_rta_metrics: a "metrics" array of one object.
func (a *app) printMetrics(m *route.Metrics) {
	p := a.p
	vals := []struct {
		t uint16
		v uint32
	}{{unix.RTAX_MTU, m.MTU}, {unix.RTAX_WINDOW, m.Window}, {unix.RTAX_RTT, m.RTT}, {unix.RTAX_RTTVAR, m.RTTVar},
		{unix.RTAX_SSTHRESH, m.SSThresh}, {unix.RTAX_CWND, m.CWnd}, {unix.RTAX_ADVMSS, m.AdvMSS},
		{unix.RTAX_REORDERING, m.Reordering}, {unix.RTAX_HOPLIMIT, m.HopLimit}, {unix.RTAX_INITCWND, m.InitCWnd},
		{unix.RTAX_FEATURES, m.Features}, {unix.RTAX_RTO_MIN, m.RTOMin}, {unix.RTAX_INITRWND, m.InitRwnd},
		{unix.RTAX_QUICKACK, m.QuickAck}, {unix.RTAX_CC_ALGO, 0}, {unix.RTAX_FASTOPEN_NO_COOKIE, m.FastopenNoCookie}}
	p.openArr("metrics")
	p.openObj("")
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
		name := metricNames[x.t]
		p.text("%s ", name)
		if locked {
			p.text("lock ")
		}
		v := x.v
		switch x.t {
		case unix.RTAX_CC_ALGO:
			p.str("congestion", "%s ", m.CCAlgo)
		case unix.RTAX_FEATURES:
			rest := v
			if v&unix.RTAX_FEATURE_ECN != 0 {
				p.null("ecn", "ecn ")
				rest &^= unix.RTAX_FEATURE_ECN
			}
			if rest != 0 {
				p.str("features", "%s ", hex0x(uint64(v)))
			}
		case unix.RTAX_RTT, unix.RTAX_RTTVAR, unix.RTAX_RTO_MIN:
			if x.t == unix.RTAX_RTT {
				v /= 8
			} else if x.t == unix.RTAX_RTTVAR {
				v /= 4
			}
			if p.json {
				p.uint(name, "", uint64(v))
			} else if v >= 1000 {
				p.text("%gs ", float64(v)/1e3)
			} else {
				p.text("%dms ", v)
			}
		default:
			p.uint(name, "%d ", uint64(v))
		}
	}
	p.closeObj()
	p.closeArr()
}
