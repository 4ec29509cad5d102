// Command bench measures nlkit against the other Go netlink libraries, `ip`, and a bare-syscall floor.
//
// It needs root and Linux. It never touches the host's links or routes: every measurement runs in network
// namespaces it creates (nlkit-bench-PID-*) and deletes at the end, also on failure or interrupt.
//
//	go run .           # full: 10k, 100k and 1M routes; 1k and 5k links; custom units; writes RESULTS.md
//	go run . -short    # CI: 10k routes, 1k links, 3 rounds, small custom-unit counts; writes nothing
//
// Dumps: each scenario (a namespace with N IPv4 routes on a veth, or N veth links) is dumped by every case in
// interleaved rounds (every case once per round, in an order shuffled per round), in this process, with a GC
// and the return of free memory to the system (debug.FreeOSMemory) before each timed dump. The time covers one
// full dump on an open socket (opening it is not timed), and for `ip` the whole process. The ratio to the floor is
// the median over rounds of case/floor in the same round. Allocations are the runtime.MemStats Mallocs delta of
// the timed dump divided by the messages it returned. Peak RSS is measured in a
// child process per case (this binary re-executed with -child), which opens a socket, does one dump and reports
// its VmHWM; getrusage(RUSAGE_SELF).ru_maxrss is not used, because Go starts children with vfork semantics and
// the kernel then carries the parent's high-water mark into the child's ru_maxrss.
//
// Custom units (NETLINK_USERSOCK): request/response round trips per second and one-way messages per second,
// nlkit (families/unit Client and Server; the core Conn) against a bare sendto/recvfrom loop between two
// goroutines, and one-way with and without 16 messages per datagram.
//
// The output ends with `RESULT <case> nlkit/floor=<ratio>` lines (time ratios for dumps, lower is better;
// throughput ratios nlkit/bare for custom units, higher is better) and `TARGET` lines checking the goals of
// issue 6. No timing is asserted anywhere: the program fails only when a case fails to run.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	short      bool
	rounds     int
	routes     []int
	links      []int
	units      bool
	cases      map[string]bool
	out        string
	keep       bool
	unitScale  float64
	cpuProfile string
	memProfile string
	verbose    bool
	nice       int
	// nodes is the namespace count of the many-namespaces scenario (nodes.go); 0: none.
	nodes int
	// The write table (writes.go): route counts, the count of addresses and of neighbours (0: none).
	writes      bool
	writeRoutes []int
	writeOthers int
	// mirrorRoutes is the size of the Mirror-during-a-batch measurement (0: none).
	mirrorRoutes int
}

func main() {
	var (
		o                     options
		routes, links, cases  string
		child, childNS        string
		capture               string
		defaultRoutes         = "10000,100000,1000000"
		defaultLinks          = "1000,5000"
		shortRoutes, shortLnk = "10000", "1000"
	)
	flag.BoolVar(&o.short, "short", false, "CI mode: 10k routes, 1k links, 3 rounds, small custom-unit counts, no RESULTS.md")
	flag.IntVar(&o.rounds, "rounds", 0, "rounds per scenario (0: 3 in -short, else by size)")
	flag.StringVar(&routes, "routes", "", "route counts, comma-separated (default "+defaultRoutes+"; -short "+shortRoutes+"; \"none\" to skip)")
	flag.StringVar(&links, "links", "", "link counts, comma-separated (default "+defaultLinks+"; -short "+shortLnk+"; \"none\" to skip)")
	flag.BoolVar(&o.units, "units", true, "measure custom units on NETLINK_USERSOCK")
	flag.StringVar(&cases, "cases", "", "only these dump cases, comma-separated (floor is always kept)")
	flag.StringVar(&o.out, "out", "auto", "write the report here; auto: RESULTS.md for a full run, nothing for -short; none: nothing")
	flag.BoolVar(&o.keep, "keep", false, "keep the namespaces (named nlkit-bench-keep-*) and reuse them next time")
	flag.Float64Var(&o.unitScale, "unit-scale", 0, "scale the custom-unit message counts (0: 1, or 0.1 in -short)")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the timed dumps and unit runs")
	flag.StringVar(&o.memProfile, "memprofile", "", "write an allocation profile (every allocation) at the end")
	flag.BoolVar(&o.verbose, "v", false, "print every timed run")
	flag.IntVar(&o.nice, "nice", 0, "run at this nice value (e.g. -10 on a shared machine; needs root); 0 leaves it")
	flag.StringVar(&child, "child", "", "internal: run one case (scenario-kind/case) in namespace -ns and report its peak RSS")
	flag.StringVar(&childNS, "ns", "", "internal: the namespace for -child")
	flag.StringVar(&capture, "capture", "", "capture route and link dumps from fresh namespaces into this directory (testdata) and exit")
	var writeRoutes string
	var large bool
	flag.BoolVar(&o.writes, "writes", true, "measure the write table (installing routes, addresses and neighbours)")
	flag.StringVar(&writeRoutes, "write-routes", "", "route counts of the write table (default 10k,100k; with -large 10k,100k,1M; -short 10k)")
	flag.IntVar(&o.writeOthers, "write-others", -1, "addresses and neighbours in the write table (default 10000; -short 1000; 0: none)")
	flag.IntVar(&o.nodes, "nodes", -1, "namespaces of the many-namespaces scenario, a NodeMirror against a bare loop (default 1000; -short 200; 0: none; 10000 is the large mode)")
	flag.BoolVar(&large, "large", false, "add 1M routes to the write table and to the Mirror measurement")
	flag.IntVar(&o.mirrorRoutes, "mirror-routes", -1, "routes a batch installs while a Mirror follows (default 100k; -large 1M; -short 0)")
	flag.Parse()
	if o.mirrorRoutes < 0 {
		o.mirrorRoutes = 100000
		if large {
			o.mirrorRoutes = 1000000
		}
		if o.short {
			o.mirrorRoutes = 0
		}
	}
	if writeRoutes == "" {
		writeRoutes = pick(o.short, "10000", "10000,100000")
		if large {
			writeRoutes += ",1000000"
		}
	}
	if o.writeOthers < 0 {
		o.writeOthers = 10000
		if o.short {
			o.writeOthers = 1000
		}
	}

	if child != "" {
		os.Exit(runChild(child, childNS))
	}
	if os.Geteuid() != 0 {
		if o.short {
			// make test runs this; without root it cannot make namespaces, as the integration tests skip.
			fmt.Println("SKIP bench: needs root (it creates network namespaces)")
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "bench: needs root (it creates network namespaces)")
		os.Exit(2)
	}
	if runtime.GOOS != "linux" {
		fmt.Fprintln(os.Stderr, "bench: Linux only")
		os.Exit(2)
	}

	if o.nice != 0 {
		if err := renice(o.nice); err != nil {
			fmt.Fprintln(os.Stderr, "bench: nice:", err)
			os.Exit(2)
		}
	}
	var ns nsManager
	ns.keep = o.keep
	cleanupOnSignal(&ns)
	code := 0
	func() {
		defer func() {
			if r := recover(); r != nil {
				ns.cleanup()
				panic(r)
			}
		}()
		var err error
		if capture != "" {
			err = runCapture(&ns, capture)
		} else {
			if routes == "" {
				routes = pick(o.short, shortRoutes, defaultRoutes)
			}
			if links == "" {
				links = pick(o.short, shortLnk, defaultLinks)
			}
			if o.writeRoutes, err = parseCounts(writeRoutes); err != nil {
				o.writeRoutes = nil
			} else if o.routes, err = parseCounts(routes); err == nil {
				o.links, err = parseCounts(links)
			}
			if cases != "" {
				o.cases = map[string]bool{"floor": true}
				for _, c := range strings.Split(cases, ",") {
					o.cases[strings.TrimSpace(c)] = true
				}
			}
			switch {
			case o.out == "auto" && !o.short:
				o.out = "RESULTS.md"
			case o.out == "auto" || o.out == "none":
				o.out = ""
			}
			if o.unitScale == 0 {
				o.unitScale = 1
				if o.short {
					o.unitScale = 0.1
				}
			}
			if err == nil {
				err = run(&ns, &o)
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			code = 1
		}
	}()
	ns.cleanup()
	os.Exit(code)
}

// renice sets the nice value of every thread of the process (Linux keeps it per thread; threads created later
// inherit it from the thread that creates them).
func renice(n int) error {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, tid, n); err != nil {
			return err
		}
	}
	return nil
}

func pick(short bool, a, b string) string {
	if short {
		return a
	}
	return b
}

func parseCounts(s string) ([]int, error) {
	if s == "none" || s == "" {
		return nil, nil
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		mult := 1
		switch {
		case strings.HasSuffix(f, "k"):
			mult, f = 1000, strings.TrimSuffix(f, "k")
		case strings.HasSuffix(f, "M"):
			mult, f = 1000000, strings.TrimSuffix(f, "M")
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("bad count %q", f)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

// cleanupOnSignal deletes the namespaces on SIGINT, SIGTERM or SIGHUP and exits.
func cleanupOnSignal(ns *nsManager) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-ch
		fmt.Fprintf(os.Stderr, "\nbench: %v: deleting namespaces\n", s)
		ns.cleanup()
		os.Exit(130)
	}()
}

func run(ns *nsManager, o *options) error {
	start := time.Now()
	rep := newReport(o)
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if o.memProfile != "" {
		runtime.MemProfileRate = 1
	}
	var scenarios []scenarioSpec
	for _, n := range o.routes {
		scenarios = append(scenarios, scenarioSpec{kind: kindRoutes, n: n})
	}
	for _, n := range o.links {
		scenarios = append(scenarios, scenarioSpec{kind: kindLinks, n: n})
	}
	for _, spec := range scenarios {
		sc, err := ns.scenario(spec)
		if err != nil {
			return err
		}
		rep.setup = append(rep.setup, sc.setupNote)
		fmt.Printf("%s\n", sc.setupNote)
		res, err := runScenario(sc, o)
		if err != nil {
			return fmt.Errorf("%s: %w", spec.name(), err)
		}
		rep.addScenario(res)
		fmt.Print(res.table())
		if !o.keep {
			if err := ns.remove(sc.ns); err != nil {
				return err
			}
		}
	}
	if o.writes {
		wres, err := runWrites(ns, o)
		if err != nil {
			return fmt.Errorf("writes: %w", err)
		}
		rep.writes = wres
	}
	if o.nodes < 0 {
		o.nodes = 1000
		if o.short {
			o.nodes = 200
		}
	}
	if o.nodes > 0 {
		nres, err := runNodes(o.nodes, min(max(o.rounds, 5), 7))
		if err != nil {
			return fmt.Errorf("nodes: %w", err)
		}
		fmt.Print(nres.text())
	}
	if o.units {
		name, err := ns.empty("units")
		if err != nil {
			return err
		}
		ures, err := runUnits(name, o)
		if err != nil {
			return fmt.Errorf("custom units: %w", err)
		}
		rep.units = ures
		fmt.Print(ures.table())
	}
	if o.memProfile != "" {
		f, err := os.Create(o.memProfile)
		if err != nil {
			return err
		}
		if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
			return err
		}
		f.Close()
	}
	rep.elapsed = time.Since(start)
	fmt.Print(rep.resultLines())
	if o.out != "" {
		if err := os.WriteFile(o.out, []byte(rep.markdown()), 0o644); err != nil {
			return err
		}
		fmt.Printf("wrote %s\n", o.out)
	}
	fmt.Printf("total %.1f s\n", rep.elapsed.Seconds())
	return nil
}
