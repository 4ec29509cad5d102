package tc

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// TimeUnitsPerSec is tc's TIME_UNITS_PER_SEC: tc's times are microseconds.
const TimeUnitsPerSec = 1000000

// rateSuffixes are tc's rate units (tc_util.c), matched without regard to case, in tc's order.
var rateSuffixes = [...]struct {
	name  string
	scale float64
}{
	{"bit", 1}, {"Kibit", 1024}, {"kbit", 1000}, {"mibit", 1024 * 1024}, {"mbit", 1000000},
	{"gibit", 1024 * 1024 * 1024}, {"gbit", 1000000000}, {"tibit", 1024 * 1024 * 1024 * 1024},
	{"tbit", 1000000000000}, {"Bps", 8}, {"KiBps", 8 * 1024}, {"KBps", 8000}, {"MiBps", 8 * 1024 * 1024},
	{"MBps", 8000000}, {"GiBps", 8 * 1024 * 1024 * 1024}, {"GBps", 8000000000},
	{"TiBps", 8 * 1024 * 1024 * 1024 * 1024}, {"TBps", 8000000000000},
}

// splitNumber splits s into the longest leading decimal number strtod would read and the rest.
func splitNumber(s string) (float64, string, bool) {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.' || s[i] == '-' || s[i] == '+' ||
		(s[i] == 'e' || s[i] == 'E') && i > 0 && i+1 < len(s) && (s[i+1] >= '0' && s[i+1] <= '9' || s[i+1] == '-')) {
		i++
	}
	for ; i > 0; i-- {
		if v, err := strconv.ParseFloat(s[:i], 64); err == nil {
			return v, s[i:], true
		}
	}
	return 0, s, false
}

// ParseRate parses a rate as tc's get_rate64 does — "1mbit", "100kbit", "1gibit", "125KBps", "8000" (bits per
// second without a unit) — and returns it in bytes per second, the unit of the kernel's rates.
func ParseRate(s string) (uint64, error) {
	v, rest, ok := splitNumber(s)
	if !ok || v < 0 {
		return 0, fmt.Errorf("tc: invalid rate %q", s)
	}
	if rest != "" {
		found := false
		for _, u := range rateSuffixes {
			if strings.EqualFold(u.name, rest) {
				v *= u.scale
				found = true
				break
			}
		}
		if !found {
			return 0, fmt.Errorf("tc: invalid rate %q", s)
		}
	}
	v /= 8
	if v >= math.MaxUint64 {
		return 0, fmt.Errorf("tc: rate %q out of range", s)
	}
	return uint64(v), nil
}

// FormatRate prints a rate in bytes per second as tc's sprint_rate does: in bits, with the largest of K, M, G, T
// (powers of 1000) that divides it exactly, or that leaves a number of at least 1000: "1Mbit", "1234Kbit",
// "800bit".
func FormatRate(bytesPerSec uint64) string {
	rate := bytesPerSec << 3
	units := [...]string{"", "K", "M", "G", "T"}
	i := 0
	for ; i < len(units)-1; i++ {
		if rate < 1000 || rate%1000 != 0 && rate < 1000*1000 {
			break
		}
		rate /= 1000
	}
	return strconv.FormatUint(rate, 10) + units[i] + "bit"
}

// ParseSize parses a size as tc's get_size does: "32kb", "1mb", "1500", "1500b", "1k", "1mbit" (1 Mibit in
// bytes), and returns bytes.
func ParseSize(s string) (uint32, error) {
	v, rest, ok := splitNumber(s)
	if !ok || v < 0 {
		return 0, fmt.Errorf("tc: invalid size %q", s)
	}
	switch strings.ToLower(rest) {
	case "":
	case "kb", "k":
		v *= 1024
	case "gb", "g":
		v *= 1024 * 1024 * 1024
	case "gbit":
		v *= 1024 * 1024 * 1024 / 8
	case "mb", "m":
		v *= 1024 * 1024
	case "mbit":
		v *= 1024 * 1024 / 8
	case "kbit":
		v *= 1024 / 8
	case "b":
	default:
		return 0, fmt.Errorf("tc: invalid size %q", s)
	}
	if v > math.MaxUint32 {
		return 0, fmt.Errorf("tc: size %q out of range", s)
	}
	return uint32(v), nil
}

// FormatSize prints a size in bytes as tc's sprint_size does: "32Kb" or "2Mb" when a whole number of KiB
// (within 16 bytes) or MiB (within 1 KiB) is that close, else "1600b".
func FormatSize(sz uint32) string {
	t := float64(sz)
	switch {
	case sz >= 1024*1024 && math.Abs(1024*1024*math.RoundToEven(t/(1024*1024))-t) < 1024:
		return formatG(math.RoundToEven(t/(1024*1024)), -1) + "Mb"
	case sz >= 1024 && math.Abs(1024*math.RoundToEven(t/1024)-t) < 16:
		return formatG(math.RoundToEven(t/1024), -1) + "Kb"
	}
	return strconv.FormatUint(uint64(sz), 10) + "b"
}

// formatG is C's %g (prec < 0: 6 significant digits) or %.<prec>g.
func formatG(v float64, prec int) string {
	if prec < 0 {
		prec = 6
	}
	s := strconv.FormatFloat(v, 'g', prec, 64)
	// C writes exponents with at least two digits.
	if i := strings.IndexAny(s, "e"); i >= 0 && len(s)-i == 3 {
		s = s[:i+2] + "0" + s[i+2:]
	}
	return s
}

// ParseTime parses a time as tc's get_time does — "400ms", "1s", "100us", "25" (microseconds) — and returns
// microseconds (tc's time unit, TIME_UNITS_PER_SEC).
func ParseTime(s string) (uint32, error) {
	v, rest, ok := splitNumber(s)
	if !ok || v < 0 {
		return 0, fmt.Errorf("tc: invalid time %q", s)
	}
	switch strings.ToLower(rest) {
	case "", "us", "usec", "usecs":
	case "s", "sec", "secs":
		v *= TimeUnitsPerSec
	case "ms", "msec", "msecs":
		v *= TimeUnitsPerSec / 1000
	default:
		return 0, fmt.Errorf("tc: invalid time %q", s)
	}
	if v > math.MaxUint32 {
		return 0, fmt.Errorf("tc: time %q out of range", s)
	}
	return uint32(v), nil
}

// FormatTime prints microseconds as tc's sprint_time does: "1.23s", "12.5ms", "992us".
func FormatTime(us uint32) string {
	t := float64(us)
	switch {
	case t >= TimeUnitsPerSec:
		return formatG(t/TimeUnitsPerSec, 3) + "s"
	case t >= TimeUnitsPerSec/1000:
		return formatG(t/(TimeUnitsPerSec/1000), 3) + "ms"
	}
	return strconv.FormatUint(uint64(us), 10) + "us"
}

// Psched is the kernel's packet-scheduler clock as /proc/net/psched advertises it, which tc (tc_core.c) uses to
// convert between its microseconds and the kernel's ticks (the times in rate tables, HTB's buffer and cbuffer,
// TBF's buffer and mtu).
type Psched struct {
	// TickInUsec is tc's tick_in_usec: ticks per microsecond (15.625 on every kernel since 2.6.31).
	TickInUsec float64
	// ClockFactor is tc's clock_factor: the clock resolution over TIME_UNITS_PER_SEC (1).
	ClockFactor float64
}

// DefaultPsched is what /proc/net/psched gives on every kernel since 2.6.31 ("000003e8 00000040 000f4240
// 3b9aca00"): 64 ns ticks.
func DefaultPsched() Psched { return Psched{TickInUsec: 1000.0 / 64, ClockFactor: 1} }

// ReadPsched reads /proc/net/psched as tc_core_init does.
func ReadPsched() (Psched, error) {
	b, err := os.ReadFile("/proc/net/psched")
	if err != nil {
		return Psched{}, err
	}
	return ParsePsched(string(b))
}

// ParsePsched parses the contents of /proc/net/psched: t2us, us2t and the clock resolution in hexadecimal.
func ParsePsched(s string) (Psched, error) {
	f := strings.Fields(s)
	if len(f) < 3 {
		return Psched{}, fmt.Errorf("tc: /proc/net/psched: %q", s)
	}
	var v [3]uint64
	for i := range v {
		n, err := strconv.ParseUint(f[i], 16, 32)
		if err != nil {
			return Psched{}, fmt.Errorf("tc: /proc/net/psched: %q", s)
		}
		v[i] = n
	}
	t2us, us2t, res := float64(v[0]), float64(v[1]), float64(v[2])
	if us2t == 0 {
		return Psched{}, fmt.Errorf("tc: /proc/net/psched: %q", s)
	}
	if v[2] == 1000000000 {
		t2us = us2t
	}
	cf := res / TimeUnitsPerSec
	return Psched{TickInUsec: t2us / us2t * cf, ClockFactor: cf}, nil
}

// Time2Tick is tc_core_time2tick: microseconds to ticks.
func (p Psched) Time2Tick(us uint32) uint32 { return uint32(float64(us) * p.TickInUsec) }

// Tick2Time is tc_core_tick2time: ticks to microseconds.
func (p Psched) Tick2Time(ticks uint32) uint32 { return uint32(float64(ticks) / p.TickInUsec) }

// XmitTime is tc_calc_xmittime: the ticks it takes to send size bytes at rate bytes per second.
func (p Psched) XmitTime(rate uint64, size uint32) uint32 {
	if rate == 0 {
		return 0
	}
	return p.Time2Tick(uint32(TimeUnitsPerSec * (float64(size) / float64(rate))))
}

// XmitSize is tc_calc_xmitsize: the bytes sent in ticks at rate bytes per second.
func (p Psched) XmitSize(rate uint64, ticks uint32) uint32 {
	return uint32(float64(rate) * float64(p.Tick2Time(ticks)) / TimeUnitsPerSec)
}

// LinkLayer is a rate's link layer (tc_ratespec.linklayer, TC_LINKLAYER_*).
type LinkLayer uint8

// The link layers of pkt_sched.h.
const (
	// LinkLayerUnaware is TC_LINKLAYER_UNAWARE.
	LinkLayerUnaware LinkLayer = 0
	// LinkLayerEthernet is TC_LINKLAYER_ETHERNET.
	LinkLayerEthernet LinkLayer = 1
	// LinkLayerATM is TC_LINKLAYER_ATM: sizes in 48-byte cells of 53.
	LinkLayerATM LinkLayer = 2
)

// String is tc's name for the link layer: "ethernet", "atm", "unspec" (unaware), or "unknown".
func (l LinkLayer) String() string {
	switch l {
	case LinkLayerUnaware:
		return "unspec"
	case LinkLayerEthernet:
		return "ethernet"
	case LinkLayerATM:
		return "atm"
	}
	return "unknown"
}

// RateTable is tc_calc_rtable (tc_calc_rtable_64 with a rate above 32 bits): it fills r's cell_log, cell_align
// and linklayer and returns the 256-entry table of transmit times (TCA_HTB_RTAB, TCA_TBF_RTAB...) for r.Rate (or
// rate64 when it is larger), at MPU r.MPU. cellLog < 0 picks the smallest that covers mtu (0: 2047) in 256
// cells.
func (p Psched) RateTable(r *RateSpec, rate64 uint64, cellLog int, mtu uint32, ll LinkLayer) [256]uint32 {
	var tab [256]uint32
	if mtu == 0 {
		mtu = 2047
	}
	if cellLog < 0 {
		cellLog = 0
		for (mtu >> cellLog) > 255 {
			cellLog++
		}
	}
	bps := uint64(r.Rate)
	if rate64 > bps {
		bps = rate64
	}
	for i := range tab {
		sz := uint32(i+1) << cellLog
		if sz < uint32(r.MPU) {
			sz = uint32(r.MPU)
		}
		if ll == LinkLayerATM {
			cells := sz / 48
			if sz%48 > 0 {
				cells++
			}
			sz = cells * 53
		}
		tab[i] = p.XmitTime(bps, sz)
	}
	r.CellAlign = -1
	r.CellLog = uint8(cellLog)
	r.LinkLayer = ll & 0x0F
	return tab
}
