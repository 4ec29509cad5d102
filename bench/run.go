package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
)

// caseResult holds the measurements of one case on one scenario.
type caseResult struct {
	c      dumpCase
	times  []time.Duration
	ratios []float64 // time / floor time of the same round
	allocs []float64 // mallocs per dump
	csw    []float64 // context switches of the process per dump
	msgs   int
	rssKB  int64 // peak RSS of one dump in a fresh process; -1: not measured
	rssErr string
}

type scenarioResult struct {
	spec      scenarioSpec
	ns        string
	rounds    int
	msgs      int
	baseRSSKB int64
	cases     []*caseResult
}

func defaultRounds(o *options, spec scenarioSpec) int {
	switch {
	case o.rounds > 0:
		return o.rounds
	case o.short:
		return 3
	case spec.n >= 1000000:
		return 5
	case spec.n >= 100000 || (spec.kind == kindLinks && spec.n >= 5000):
		// The dumps with a target: per-round ratios on this kind of VM spread by ±30%, so enough rounds for
		// a median that holds to a few percent.
		return 21
	}
	return 15
}

func runScenario(sc *scenario, o *options) (*scenarioResult, error) {
	cases := casesFor(sc.spec.kind, o.cases)
	res := &scenarioResult{spec: sc.spec, ns: sc.ns, rounds: defaultRounds(o, sc.spec)}
	for _, c := range cases {
		res.cases = append(res.cases, &caseResult{c: c, rssKB: -1})
	}

	// Peak RSS first, one fresh process per case.
	base, err := childRSS(sc, "idle")
	if err != nil {
		return nil, fmt.Errorf("baseline RSS: %w", err)
	}
	res.baseRSSKB = base.hwmKB
	for _, cr := range res.cases {
		var rss int64
		var err error
		if cr.c.process {
			rss, err = processRSS(sc, cr.c)
		} else {
			var r childReport
			r, err = childRSS(sc, cr.c.name)
			rss = r.hwmKB
		}
		if err != nil {
			cr.rssErr = err.Error()
			fmt.Fprintf(os.Stderr, "bench: %s/%s: RSS: %v\n", sc.spec.name(), cr.c.name, err)
			continue
		}
		cr.rssKB = rss
	}

	// A warm-up dump per case, untimed; it also checks that every case sees the same objects.
	for _, cr := range res.cases {
		n, _, _, _, err := timedDump(sc, cr.c)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", cr.c.name, err)
		}
		cr.msgs = n
		if cr.c.name == "floor" {
			res.msgs = n
		}
	}
	for _, cr := range res.cases {
		if cr.msgs != res.msgs {
			fmt.Fprintf(os.Stderr, "bench: %s/%s: %d objects, floor %d\n", sc.spec.name(), cr.c.name, cr.msgs, res.msgs)
		}
	}

	// Each round runs the cases in an order of its own, shuffled with a fixed seed: with a rotating order every
	// case always follows the same one, and whatever that one leaves behind (memory the VM hands back to its
	// host, a process exiting) would weigh on it in every round.
	rng := rand.New(rand.NewPCG(uint64(sc.spec.n), uint64(sc.spec.kind)))
	for r := 0; r < res.rounds; r++ {
		var floor time.Duration
		times := make([]time.Duration, len(res.cases))
		for _, i := range rng.Perm(len(res.cases)) {
			cr := res.cases[i]
			n, el, allocs, csw, err := timedDump(sc, cr.c)
			if err != nil {
				return nil, fmt.Errorf("%s round %d: %w", cr.c.name, r, err)
			}
			cr.csw = append(cr.csw, csw)
			if o.verbose {
				fmt.Printf("  %s round %d %-14s %9.3f ms %8d msgs %9.0f allocs\n", sc.spec.name(), r, cr.c.name,
					ms(el), n, allocs)
			}
			cr.times = append(cr.times, el)
			cr.allocs = append(cr.allocs, allocs)
			times[i] = el
			if cr.c.name == "floor" {
				floor = el
			}
		}
		for i, cr := range res.cases {
			cr.ratios = append(cr.ratios, float64(times[i])/float64(floor))
		}
	}
	return res, nil
}

// timedDump opens a case's connection, collects garbage and returns free memory to the system, and times one
// dump. It also returns the dump's allocations and the context switches of this process during it.
func timedDump(sc *scenario, c dumpCase) (n int, el time.Duration, allocs, csw float64, err error) {
	d, err := c.open(sc)
	if err != nil {
		return 0, 0, 0, 0, fmt.Errorf("open: %w", err)
	}
	defer d.close()
	// Collect, and give back to the system what the earlier cases left: otherwise the runtime's scavenger
	// returns it in the background during this dump, and a case runs slower after one that allocates a lot.
	debug.FreeOSMemory()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cs0 := contextSwitches()
	start := time.Now()
	n, err = d.dump()
	el = time.Since(start)
	cs1 := contextSwitches()
	runtime.ReadMemStats(&m1)
	if err != nil {
		return n, el, 0, 0, err
	}
	return n, el, float64(m1.Mallocs - m0.Mallocs), float64(cs1 - cs0), nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// childReport is what a -child process prints.
type childReport struct {
	msgs   int
	hwmKB  int64
	maxrss int64
}

const childMarker = "NLKIT-BENCH-CHILD"

// childRSS runs this binary again to do one dump of case name in a fresh process and returns its VmHWM.
func childRSS(sc *scenario, name string) (childReport, error) {
	exe, err := os.Executable()
	if err != nil {
		return childReport{}, err
	}
	cmd := exec.Command(exe, "-child", sc.spec.kind.String()+"/"+name, "-ns", sc.ns)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return childReport{}, fmt.Errorf("%v: %s", err, strings.TrimSpace(errb.String()))
	}
	sc2 := bufio.NewScanner(&out)
	for sc2.Scan() {
		f := strings.Fields(sc2.Text())
		if len(f) == 4 && f[0] == childMarker {
			var r childReport
			r.msgs, _ = strconv.Atoi(f[1])
			r.hwmKB, _ = strconv.ParseInt(f[2], 10, 64)
			r.maxrss, _ = strconv.ParseInt(f[3], 10, 64)
			return r, nil
		}
	}
	return childReport{}, fmt.Errorf("no report from child: %q", out.String())
}

// runChild is the -child mode: one dump, then the process's own peak RSS.
func runChild(spec, ns string) int {
	kindName, name, _ := strings.Cut(spec, "/")
	kind := kindRoutes
	if kindName == "links" {
		kind = kindLinks
	}
	var m nsManager
	h, err := m.open(ns)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer m.cleanup()
	sc := &scenario{spec: scenarioSpec{kind: kind}, ns: ns, h: h}
	n := 0
	if name != "idle" {
		c, ok := findCase(kind, name)
		if !ok {
			fmt.Fprintf(os.Stderr, "no case %q\n", spec)
			return 1
		}
		d, err := c.open(sc)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		n, err = d.dump()
		d.close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	fmt.Printf("%s %d %d %d\n", childMarker, n, vmHWM(), maxRSS())
	return 0
}

// vmHWM is this process's peak resident set (VmHWM of /proc/self/status), in KiB.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			f := strings.Fields(v)
			if len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n
			}
		}
	}
	return -1
}

// processRSS runs a process case under /usr/bin/time, which forks it as a plain child and reports its maxrss.
func processRSS(sc *scenario, c dumpCase) (int64, error) {
	timePath, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		return -1, fmt.Errorf("/usr/bin/time not found: RSS of processes not measured")
	}
	f, err := os.CreateTemp("", "nlkit-bench-rss")
	if err != nil {
		return -1, err
	}
	f.Close()
	defer os.Remove(f.Name())
	args := append([]string{"-f", "%M", "-o", f.Name(), "ip"}, ipArgs(sc.spec.kind)...)
	cmd := exec.Command(timePath, args...)
	if err := startInNS(sc.h, cmd); err != nil {
		return -1, err
	}
	if err := cmd.Wait(); err != nil {
		return -1, err
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		return -1, err
	}
	lines := strings.Fields(string(b))
	if len(lines) == 0 {
		return -1, fmt.Errorf("no output from time")
	}
	return strconv.ParseInt(lines[len(lines)-1], 10, 64)
}

func median[T int64 | float64 | time.Duration](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
