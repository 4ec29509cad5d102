package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"
)

type report struct {
	o         *options
	date      time.Time
	loadStart string
	setup     []string
	scenarios []*scenarioResult
	units     *unitsResult
	writes    *writesResult
	elapsed   time.Duration
}

func newReport(o *options) *report { return &report{o: o, date: time.Now(), loadStart: loadAvg()} }

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func (r *report) addScenario(s *scenarioResult) { r.scenarios = append(r.scenarios, s) }

func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return ru.Maxrss
}

func (c *caseResult) allocsPerMsg() float64 {
	if c.msgs == 0 {
		return 0
	}
	return median(c.allocs) / float64(c.msgs)
}

func fmtAllocs(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 0.01:
		return fmt.Sprintf("%.4f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func fmtRSS(kb int64) string {
	if kb < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", float64(kb)/1024)
}

func (s *scenarioResult) find(name string) *caseResult {
	for _, c := range s.cases {
		if c.c.name == name {
			return c
		}
	}
	return nil
}

// rows renders the scenario's table; md selects Markdown.
func (s *scenarioResult) rows(md bool) string {
	var b strings.Builder
	head := []string{"case", "median ms", "min ms", "x floor", "allocs/msg", "allocs/dump", "csw/dump", "peak RSS MB",
		"what"}
	if md {
		b.WriteString("| " + strings.Join(head, " | ") + " |\n")
		b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|---|\n")
	} else {
		fmt.Fprintf(&b, "%-17s %10s %9s %8s %11s %12s %9s %12s  %s\n", head[0], head[1], head[2], head[3], head[4],
			head[5], head[6], head[7], head[8])
	}
	for _, c := range s.cases {
		allocs, perDump, csw := fmtAllocs(c.allocsPerMsg()), fmt.Sprintf("%.0f", median(c.allocs)),
			fmt.Sprintf("%.0f", median(c.csw))
		if c.c.process {
			allocs, perDump, csw = "-", "-", "-"
		}
		cols := []string{c.c.name, fmt.Sprintf("%.2f", ms(median(c.times))), fmt.Sprintf("%.2f", ms(minOf(c.times))),
			fmt.Sprintf("%.2f", median(c.ratios)), allocs, perDump, csw, fmtRSS(c.rssKB), c.c.desc}
		if md {
			b.WriteString("| " + strings.Join(cols, " | ") + " |\n")
		} else {
			fmt.Fprintf(&b, "%-17s %10s %9s %8s %11s %12s %9s %12s  %s\n", cols[0], cols[1], cols[2], cols[3], cols[4],
				cols[5], cols[6], cols[7], cols[8])
		}
	}
	return b.String()
}

func minOf(v []time.Duration) time.Duration {
	if len(v) == 0 {
		return 0
	}
	m := v[0]
	for _, x := range v[1:] {
		m = min(m, x)
	}
	return m
}

func (s *scenarioResult) title() string {
	return fmt.Sprintf("%s: %d objects per dump, %d interleaved rounds, baseline RSS of a bench process %s MB",
		s.spec.name(), s.msgs, s.rounds, fmtRSS(s.baseRSSKB))
}

func (s *scenarioResult) table() string {
	return "\n== " + s.title() + " ==\n" + s.rows(false)
}

// resultLines are the RESULT and TARGET lines.
func (r *report) resultLines() string {
	var b strings.Builder
	b.WriteString("\n")
	for _, s := range r.scenarios {
		for _, c := range s.cases {
			if c.c.nlkit {
				fmt.Fprintf(&b, "RESULT %s/%s nlkit/floor=%.2f\n", s.spec.name(), c.c.name, median(c.ratios))
			}
		}
	}
	if u := r.units; u != nil {
		for _, c := range u.cases {
			if c.c.nlkit && c.c.base != "" {
				if base := u.find(c.c.base); base != nil {
					fmt.Fprintf(&b, "RESULT units/%s nlkit/floor=%.2f\n", c.c.name, rateRatio(c, base))
				}
			}
		}
		if c, base := u.find("nlkit-16"), u.find("bare-1"); c != nil && base != nil {
			fmt.Fprintf(&b, "RESULT units/nlkit-16-vs-bare-1 nlkit/floor=%.2f\n", rateRatio(c, base))
		}
	}
	for _, t := range r.targets() {
		fmt.Fprintf(&b, "TARGET %-44s %-22s %s\n", t.what, t.got, t.verdict)
	}
	if r.writes != nil {
		b.WriteString(r.writes.resultLines())
	}
	return b.String()
}

type target struct{ what, got, verdict string }

// pairRatio is the median over rounds of c's time divided by base's time in the same round.
func pairRatio(c, base *caseResult) float64 {
	var r []float64
	for i := range min(len(c.times), len(base.times)) {
		r = append(r, float64(c.times[i])/float64(base.times[i]))
	}
	return median(r)
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// targets checks the goals of issue 6 on whatever scenarios ran.
func (r *report) targets() []target {
	var out []target
	for _, s := range r.scenarios {
		name := s.spec.name()
		ratio := func(c string, limit float64, what string) {
			if cr := s.find(c); cr != nil && s.find("floor") != nil {
				v := median(cr.ratios)
				out = append(out, target{fmt.Sprintf("%s %s <= %.2fx floor", name, what, limit),
					fmt.Sprintf("%.2fx", v), verdict(v <= limit)})
			}
		}
		switch {
		case s.spec.kind == kindRoutes && s.spec.n >= 100000:
			ratio("nlkit-stream", 1.10, "typed stream")
			ratio("nlkit-slice", 1.25, "slice")
			ratio("nlkit-append", 1.25, "reused slice (ListInto)")
			if cr, mf := s.find("nlkit-slice"), s.find("mem-floor"); cr != nil && mf != nil {
				out = append(out, target{name + " slice / mem-floor (information)",
					fmt.Sprintf("%.2fx (mem-floor %.2fx floor)", median(cr.ratios)/median(mf.ratios), median(mf.ratios)),
					"-"})
			}
		case s.spec.kind == kindLinks && s.spec.n >= 5000:
			ratio("nlkit-stream", 1.15, "typed stream")
		}
		if fi, st, one := s.find("floor-idle"), s.find("nlkit-stream-idle"), s.find("nlkit-single-idle"); fi != nil &&
			st != nil && one != nil {
			out = append(out, target{name + " after 250 ms idle (information)",
				fmt.Sprintf("stream %.2fx, one P %.2fx floor-idle", pairRatio(st, fi), pairRatio(one, fi)), "-"})
		}
		if cr := s.find("nlkit-stream"); cr != nil {
			v := cr.allocsPerMsg()
			out = append(out, target{name + " stream 0 allocs/msg", fmt.Sprintf("%s/msg (%.0f/dump)",
				fmtAllocs(v), median(cr.allocs)), verdict(v < 0.001)})
		}
		if s.spec.kind == kindRoutes && s.spec.n >= 1000000 {
			if cr := s.find("nlkit-stream"); cr != nil && cr.rssKB >= 0 {
				out = append(out, target{name + " stream peak RSS <= 16 MB", fmtRSS(cr.rssKB) + " MB",
					verdict(cr.rssKB <= 16*1024)})
			}
			if cr := s.find("nlkit-slice"); cr != nil && cr.rssKB >= 0 {
				out = append(out, target{name + " slice peak RSS <= 200 MB", fmtRSS(cr.rssKB) + " MB",
					verdict(cr.rssKB <= 200*1024)})
			}
		}
	}
	// Allocations per message proper: what a larger dump of the same kind costs beyond a smaller one, per extra
	// message. The per-dump allocations (the iterator, the caller's loop) divide out of it.
	for _, k := range []scenarioKind{kindRoutes, kindLinks} {
		var small, large *scenarioResult
		for _, s := range r.scenarios {
			if s.spec.kind != k || s.find("nlkit-stream") == nil {
				continue
			}
			if small == nil || s.spec.n < small.spec.n {
				small = s
			}
			if large == nil || s.spec.n > large.spec.n {
				large = s
			}
		}
		if small == nil || large == small {
			continue
		}
		cs, cl := small.find("nlkit-stream"), large.find("nlkit-stream")
		v := (median(cl.allocs) - median(cs.allocs)) / float64(cl.msgs-cs.msgs)
		out = append(out, target{fmt.Sprintf("%s→%s stream allocs per extra msg", small.spec.name(), large.spec.name()),
			fmt.Sprintf("%s/msg (%.0f→%.0f/dump)", fmtAllocs(v), median(cs.allocs), median(cl.allocs)),
			verdict(v < 0.001)})
	}
	if u := r.units; u != nil {
		cmp := func(c, base string, limit float64, what string) {
			cr, br := u.find(c), u.find(base)
			if cr == nil || br == nil {
				return
			}
			v := rateRatio(cr, br)
			out = append(out, target{fmt.Sprintf("units %s >= %.2fx %s", what, limit, base),
				fmt.Sprintf("%.2fx", v), verdict(v >= limit)})
		}
		cmp("nlkit-unit-rt", "bare-rt", 0.9, "unit round trips")
		cmp("nlkit-conn-rt", "bare-rt", 0.9, "core round trips")
		cmp("nlkit-unit-8c", "bare-8c", 0.9, "unit server with 8 clients, round trips")
		cmp("nlkit-16", "bare-16", 1.0, "batched one-way")
		cmp("nlkit-16", "bare-1", 1.0, "batched one-way")
		cmp("nlkit-16x16", "bare-16", 1.0, "sendmmsg/recvmmsg one-way")
	}
	return out
}

func machine() []string {
	var out []string
	if b, err := exec.Command("uname", "-srvmo").Output(); err == nil {
		out = append(out, "uname: "+strings.TrimSpace(string(b)))
	}
	model := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	out = append(out, fmt.Sprintf("CPU: %s, %d cores (GOMAXPROCS %d)", model, runtime.NumCPU(), runtime.GOMAXPROCS(0)))
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if l, _, ok := strings.Cut(string(b), "\n"); ok {
			out = append(out, "memory: "+strings.Join(strings.Fields(strings.TrimPrefix(l, "MemTotal:")), " "))
		}
	}
	out = append(out, "Go: "+runtime.Version())
	if bi, ok := debug.ReadBuildInfo(); ok {
		var deps []string
		for _, d := range bi.Deps {
			switch d.Path {
			case "github.com/mdlayher/netlink", "github.com/jsimonetti/rtnetlink/v2", "github.com/vishvananda/netlink":
				deps = append(deps, d.Path+" "+d.Version)
			}
		}
		if len(deps) > 0 {
			out = append(out, "peers: "+strings.Join(deps, ", "))
		}
	}
	if b, err := exec.Command("ip", "-V").Output(); err == nil {
		out = append(out, "ip: "+strings.TrimSpace(string(b)))
	}
	return out
}

func (r *report) markdown() string {
	var b strings.Builder
	b.WriteString("# nlkit benchmark results\n\n")
	b.WriteString("Written by `make bench` (`go run .` in bench/); see bench/main.go for the method. Do not edit by hand.\n\n")
	fmt.Fprintf(&b, "Date: %s. Whole run: %.0f s.\n\n", r.date.Format("2006-01-02 15:04 MST"), r.elapsed.Seconds())
	for _, m := range machine() {
		b.WriteString("- " + m + "\n")
	}
	fmt.Fprintf(&b, "- load average (1, 5, 15 min) at start: %s; at end: %s", r.loadStart, loadAvg())
	if r.o.nice != 0 {
		fmt.Fprintf(&b, "; the bench ran at nice %d", r.o.nice)
	}
	b.WriteString("\n")
	b.WriteString("\nMethod: one full dump per case per round, cases interleaved (shuffled per round, fixed seed), a GC and debug.FreeOSMemory before each " +
		"timed dump, the socket opened outside the timed region (`ip` is timed as a whole process). " +
		"`x floor` is the median over rounds of time/floor-time in the same round. allocs are " +
		"runtime.MemStats.Mallocs over the timed dump. Peak RSS: a fresh process per case doing one dump " +
		"(VmHWM; `ip` under /usr/bin/time). Routes: IPv4 /24s via a gateway on a veth, dumped from table main " +
		"(strict checking, kernel-side filter). Links: veth pairs.\n\n")
	b.WriteString("Setup:\n\n")
	for _, s := range r.setup {
		b.WriteString("- " + s + "\n")
	}
	for _, s := range r.scenarios {
		b.WriteString("\n## " + s.title() + "\n\n")
		b.WriteString(s.rows(true))
	}
	if u := r.units; u != nil {
		fmt.Fprintf(&b, "\n## Custom units, NETLINK_USERSOCK (%d interleaved rounds, medians; x bare: median over rounds of rate/bare rate; 64-byte payloads)\n\n", u.rounds)
		b.WriteString("| case | count | per second | x bare | allocs/op | context switches/op | what |\n" +
			"|---|--:|--:|--:|--:|--:|---|\n")
		for _, cr := range u.cases {
			ratio := "-"
			if base := u.find(cr.c.base); base != nil {
				ratio = fmt.Sprintf("%.2f", rateRatio(cr, base))
			}
			kind := "msgs"
			if cr.c.rt {
				kind = "round trips"
			}
			fmt.Fprintf(&b, "| %s | %d | %.0f %s | %s | %.2f | %.2f | %s |\n", cr.c.name, cr.n, median(cr.rates), kind,
				ratio, median(cr.allocs), median(cr.csw), cr.c.desc)
		}
	}
	if r.writes != nil {
		b.WriteString(r.writes.markdown())
	}
	b.WriteString("\n## RESULT and TARGET lines\n\n```\n")
	b.WriteString(strings.TrimLeft(r.resultLines(), "\n"))
	b.WriteString("```\n")
	return b.String()
}
