package vm

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// guestPackages are the packages whose tests run in the VM, each as one test binary built with
// `CGO_ENABLED=0 go test -c`, all in one boot. Patterns are relative to the module root; "/..." expands with go
// list. A required package that does not build fails TestVM before the boot; an optional one (being written) runs
// when it exists and builds, and is left out with a log line otherwise. A package without test files is left out.
//
// The lane says when a binary runs (run.sh): the "first" ones one after another before any other (they unload
// and reload knetlink, which would disturb tests beside them); then, side by side on the two CPUs, the "serial"
// ones one after another on the console, and the "parallel" ones one after another on a second serial port,
// which nearly halves the VM's wall time. A parallel binary must touch nothing outside network namespaces of its
// own: not knetlink, not unit 17, not the initial namespace's links, routes or NETLINK_LISTEN_ALL_NSID.
//
// goarch is the binary's GOARCH, amd64 when empty. The VM's kernel runs 32-bit x86 binaries (IA32 emulation) and
// this host cannot: a "386" entry builds the package again for GOARCH=386, named with a "-386" suffix, so that
// what depends on the word size (the cmsghdr layout of control messages, struct alignment) is tested there.
var guestPackages = []struct {
	pattern  string
	optional bool
	lane     string
	goarch   string
}{
	{"./integration/vm/guest", false, "first", ""},   // the module and the harness on raw sockets; TestReload
	{"./integration/reliability", true, "first", ""}, // TestVMGuest*: rmmod under live connections
	// Packages whose tests only use fakes (proto, netns/nstest's helpers, families/genl/genltest, families/route's
	// codec tests) gain nothing from a second kernel and are not built for it: that keeps a cold run's compile
	// time down. The root package has live tests (watch_test.go, the examples) besides its nltest ones.
	{".", false, "serial", ""},
	{"./procnet", false, "serial", ""},
	{"./netns", false, "serial", ""},
	{"./families/genl", false, "serial", ""},
	{"./families/genl/knetlink", false, "serial", ""}, // the KNETLINK family client
	{"./examples/netlink-u2k", false, "serial", ""},   // unit 17 in the initial namespace
	{"./integration/route", true, "serial", ""},
	{"./integration/compat", true, "serial", ""}, // NETLINK_LISTEN_ALL_NSID
	// Issue 18: every qdisc, class, filter and action kind, which the VM loads as modules, created by nlkit and
	// by tc and compared; the tc-shaping example's traffic test. In namespaces of their own, but on the serial
	// lane, which finishes minutes before the parallel one (integration/tc takes 2-3 minutes under TCG).
	{"./integration/tc", false, "serial", ""},
	{"./examples/tc-shaping", false, "serial", ""},
	// Issue 15: the socket core and the custom-unit family on 32-bit x86 (credentials, packet info).
	{".", false, "serial", "386"},
	{"./families/unit", false, "serial", "386"},
	{"./integration/unit", false, "parallel", ""},     // each test in a namespace of its own (nstest)
	{"./integration/cli", true, "parallel", ""},       // each test in a named namespace of its own
	{"./integration/linkkinds", true, "parallel", ""}, // issue 17: every link kind, in namespaces of its own
	// Issue 17: bridge VLANs (the host kernel has no VLAN filtering), MDB, FDB and bridge link against bridge(8);
	// MPLS routes, seg6/seg6local/ioam6/mpls encaps, XDP, stats, netconf, ntables and TUN/TAP (see vmExclusions).
	{"./integration/bridge", true, "parallel", ""},
	{"./families/route", true, "parallel", ""},
	// Issue 14: 7,000 random operations, the Mirror against the kernel, in named namespaces of its own.
	{"./integration/mirror", false, "parallel", ""},
}

// vmExclusions is the one table of tests that cannot run in the VM, by package (relative to the module root). Each
// entry becomes -test.skip (or -test.run) for that package's binary. Every other test runs under CI=true, where a
// test that skips for a missing prerequisite fails instead.
var vmExclusions = []struct {
	pkg       string
	run, skip string // -test.run / -test.skip patterns (no spaces)
	why       string
}{
	{pkg: "examples/netlink-u2k", skip: "^TestProgram$",
		why: "builds the program with go, which the VM lacks; TestHost runs the same checks in-process, with the module loaded"},
	{pkg: "integration/reliability", run: "^TestVMGuest",
		why: "its other tests are host tests (namespaces, load, hostile input) that skip themselves under NLKIT_VM_GUEST=1; the VM runs only the module-unload ones"},
	{pkg: "families/route", run: "^(TestBridgeVlanAgainstBridge|TestMDBAgainstBridge|TestFDBAgainstBridge|TestEncapAgainstIP|TestMPLSRoutes|TestXDPAttachDetach|TestBPFEncap|TestStatsAgainstLinkDump|TestNetconfAgainstIP|TestNeighTableAgainstIP|TestTunTap)$",
		why: "the rest of the package is codec and fake-socket tests, which gain nothing from a second kernel; these are the live tests of issue 17's objects"},
	{pkg: "integration/compat", skip: "^TestCaptureReadsInTshark$",
		why: "tshark and its libraries (~160 MB) are not copied into the VM; the pcap file it reads does not depend on the kernel, and the host runs the test"},
}

// guestTimeout is each binary's -test.timeout in the VM, where TCG runs code ~10-30 times slower than the host.
const guestTimeout = 300 * time.Second

// longGuests are the binaries that need more than guestTimeout, by package: the Mirror's differential run of
// 10,000 operations takes 5-6 minutes under TCG.
var longGuests = map[string]time.Duration{"integration/mirror": 600 * time.Second}

// timeoutOf is the -test.timeout of pkg's binary in the VM.
func timeoutOf(pkg string) time.Duration {
	if d, ok := longGuests[strings.TrimPrefix(pkg, "./")]; ok {
		return d
	}
	return guestTimeout
}

// Markers that /init prints besides one per binary (see run.sh).
var fixedMarkers = []string{"insmod", "rmmod-knetlink", "kernel-log"}

// skipOrFail skips t with reason, but fails it when CI=true: CI must not
// pass by skipping the VM.
func skipOrFail(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but %s", reason)
	}
	t.Skip(reason)
}

// guestBinary is one test binary for the VM.
type guestBinary struct {
	pkg  string // import path relative to the module root, "." for the root package
	dir  string // package directory
	name string // name in the VM and in the markers
	bin  string // path of the built binary
	lane string // "first", "serial" or "parallel"
	args []string
	// goarch is the GOARCH it is built for ("amd64" or "386").
	goarch string
}

func TestVM(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: TestVM boots a kernel in qemu")
	}
	if runtime.GOOS != "linux" {
		skipOrFail(t, "TestVM needs Linux (it uses apt-get, /lib/modules and qemu), not "+runtime.GOOS)
	}
	if os.Geteuid() != 0 {
		skipOrFail(t, "TestVM needs root (apt-get install, kernel headers under /lib/modules)")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		skipOrFail(t, "no apt-get on this host: the VM harness gets its kernel, headers, qemu and busybox from Debian's packages")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go tool not found: %v", err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}

	// Leave a minute of the test deadline for reporting.
	ctx := context.Background()
	deadline := time.Now().Add(14 * time.Minute)
	if d, ok := t.Deadline(); ok {
		deadline = d.Add(-time.Minute)
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()

	out := t.TempDir()
	start := time.Now()

	// 1. Packages, kernel, module (in the background: the builds below do not need them).
	type prepResult struct {
		lines []string
		err   error
		took  time.Duration
	}
	prep := make(chan prepResult, 1)
	go func() {
		t0 := time.Now()
		lines, err := runScript(ctx, nil, "./prepare.sh")
		prep <- prepResult{lines, err, time.Since(t0)}
	}()

	// 2. Guest test binaries and the helpers the tests would build with go or gcc (static, amd64 whatever
	// the host).
	bins := buildGuests(ctx, t, goTool, root, filepath.Join(out, "bins"))
	prebuilt := filepath.Join(out, "prebuilt")
	buildHelpers(ctx, t, goTool, root, prebuilt)
	t.Logf("built %d guest binaries and the helpers in %v", len(bins), time.Since(start).Round(time.Millisecond))

	p := <-prep
	for _, l := range p.lines {
		t.Log(l)
	}
	if p.err != nil {
		t.Fatalf("prepare.sh: %v", p.err)
	}
	t.Logf("prepare.sh took %v", p.took.Round(time.Millisecond))
	if t.Failed() {
		t.FailNow()
	}

	var manifest bytes.Buffer
	for _, b := range bins {
		fmt.Fprintf(&manifest, "%s %s %s %d %s %s\n", b.name, b.bin, b.dir, int(timeoutOf(b.pkg).Seconds()), b.lane,
			strings.Join(b.args, " "))
	}
	manifestPath := filepath.Join(out, "manifest")
	if err := os.WriteFile(manifestPath, manifest.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("manifest:\n%s", manifest.String())

	// 3. One boot. run.sh kills qemu at NLKIT_VM_TIMEOUT; keep that inside our own deadline.
	t0 := time.Now()
	vmTimeout := int(time.Until(deadline).Seconds()) - 20
	if v, err := strconv.Atoi(os.Getenv("NLKIT_VM_TIMEOUT")); err == nil && v < vmTimeout {
		vmTimeout = v
	}
	if vmTimeout < 30 {
		t.Fatalf("only %ds left for the VM", vmTimeout)
	}
	env := []string{"NLKIT_VM_TIMEOUT=" + strconv.Itoa(vmTimeout)}
	lines, runErr := stream(ctx, t, env, "./run.sh", "-o", out, "-p", prebuilt, "-m", manifestPath)
	t.Logf("run.sh took %v (total %v)", time.Since(t0).Round(time.Millisecond), time.Since(start).Round(time.Millisecond))

	// The verdict comes from the markers, not from qemu's exit status.
	results := map[string]string{}
	counts := map[string]map[string]int{}
	done, panicked := false, false
	for _, l := range lines {
		switch f := strings.Fields(l); {
		case len(f) == 3 && f[0] == "NLKIT-RESULT":
			results[f[1]] = f[2]
		case len(f) >= 3 && f[0] == "NLKIT-COUNT":
			c := map[string]int{}
			for _, kv := range f[2:] {
				k, v, _ := strings.Cut(kv, "=")
				c[k], _ = strconv.Atoi(v)
			}
			counts[f[1]] = c
		case l == "NLKIT-VM-DONE":
			done = true
		case strings.Contains(l, "Kernel panic"):
			panicked = true
		}
	}
	for _, name := range fixedMarkers {
		if r, ok := results[name]; !ok {
			t.Errorf("VM: no NLKIT-RESULT marker for %s", name)
		} else if r != "PASS" {
			t.Errorf("VM: %s: %s", name, r)
		}
	}
	var summary strings.Builder
	fmt.Fprintf(&summary, "%-28s %-6s %5s %5s %5s   %s\n", "binary", "result", "pass", "fail", "skip", "subtests pass/fail/skip")
	for _, b := range bins {
		r, ok := results[b.name]
		c, counted := counts[b.name]
		switch {
		case !ok:
			t.Errorf("VM: no NLKIT-RESULT marker for %s (%s)", b.name, b.pkg)
			r = "-"
		case r != "PASS":
			t.Errorf("VM: %s (%s): %s", b.name, b.pkg, r)
		}
		switch {
		case !counted:
			if ok {
				t.Errorf("VM: no NLKIT-COUNT for %s", b.name)
			}
		case c["fail"]+c["subfail"] > 0 && r == "PASS":
			t.Errorf("VM: %s passed but its output has %d failed tests", b.name, c["fail"]+c["subfail"])
		case c["pass"]+c["fail"]+c["skip"] == 0:
			t.Errorf("VM: %s ran no tests", b.name)
		}
		fmt.Fprintf(&summary, "%-28s %-6s %5d %5d %5d   %d/%d/%d\n", b.name, r, c["pass"], c["fail"], c["skip"],
			c["subpass"], c["subfail"], c["subskip"])
	}
	t.Logf("VM test counts (top-level tests; subtests last):\n%s", summary.String())
	switch {
	case panicked:
		t.Errorf("VM: kernel panic (see the console above)")
	case !done:
		t.Errorf("VM: no NLKIT-VM-DONE: the VM died or timed out (run.sh: %v)", runErr)
	case runErr != nil && !t.Failed():
		t.Errorf("run.sh: %v, though every marker passed", runErr)
	}
}

// TestHostCounts runs, on this host's kernel, the packages TestVM runs in the VM, each with `go test -count=1 -v`
// (no exclusions, the environment as it is), and logs the same table of counts as TestVM, for comparing the two
// kernels. It runs only when NLKIT_VM_HOST_COUNTS=1 (`make vmcounts`), and fails if any package fails.
func TestHostCounts(t *testing.T) {
	if os.Getenv("NLKIT_VM_HOST_COUNTS") != "1" {
		t.Skip("set NLKIT_VM_HOST_COUNTS=1 (make vmcounts) to count the VM's packages' tests on this host")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go tool not found: %v", err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-30*time.Second))
		defer cancel()
	}
	all, _ := listGuests(ctx, t, goTool, root, t.TempDir())
	var summary strings.Builder
	fmt.Fprintf(&summary, "%-28s %-6s %5s %5s %5s   %s\n", "package", "result", "pass", "fail", "skip", "subtests pass/fail/skip")
	for _, b := range all {
		if b.goarch != runtime.GOARCH && b.goarch != "amd64" {
			// This host cannot run 32-bit binaries; the package's own-arch run is in the table.
			t.Logf("%s: %s binaries run only in the VM", b.name, b.goarch)
			continue
		}
		cmd := exec.CommandContext(ctx, goTool, "test", "-count=1", "-v", "./"+b.pkg)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		r := "PASS"
		if err != nil {
			r = "FAIL"
			t.Errorf("go test ./%s: %v\n%s", b.pkg, err, out)
		}
		c := countTests(string(out))
		fmt.Fprintf(&summary, "%-28s %-6s %5d %5d %5d   %d/%d/%d\n", b.name, r, c["pass"], c["fail"], c["skip"],
			c["subpass"], c["subfail"], c["subskip"])
	}
	t.Logf("host (%s) test counts (top-level tests; subtests last):\n%s", kernelRelease(), summary.String())
}

// countTests counts the results in `go test -v` output as count.awk does: top-level tests ("--- PASS: " at the
// start of a line) and subtests (the same, indented).
func countTests(out string) map[string]int {
	c := map[string]int{}
	for _, l := range strings.Split(out, "\n") {
		trimmed := strings.TrimLeft(l, " \t")
		prefix := ""
		if trimmed != l {
			prefix = "sub"
		}
		for _, r := range []string{"PASS", "FAIL", "SKIP"} {
			if strings.HasPrefix(trimmed, "--- "+r+": ") {
				c[prefix+strings.ToLower(r)]++
			}
		}
	}
	return c
}

// kernelRelease returns uname -r.
func kernelRelease() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown kernel"
	}
	return strings.TrimSpace(string(b))
}

// listGuests expands guestPackages with go list: the packages with test files, in guestPackages order, each with
// its binary's path under dir, its lane and its exclusions, and whether it is optional.
func listGuests(ctx context.Context, t *testing.T, goTool, root, dir string) ([]guestBinary, map[string]bool) {
	t.Helper()
	// One go list for every pattern (-e: an absent optional package is a line with an error, not a failure).
	args := []string{"list", "-e", "-f",
		"{{.ImportPath}}\t{{.Dir}}\t{{len .TestGoFiles}}\t{{len .XTestGoFiles}}\t{{if .Error}}{{.Error}}{{end}}"}
	for _, gp := range guestPackages {
		args = append(args, gp.pattern)
	}
	cmd := exec.CommandContext(ctx, goTool, args...)
	cmd.Dir = root
	cmd.Stderr = io.Discard // "matched no packages" warnings
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	// The indices in guestPackages of the patterns that name pkg (relative to the module root, or "./x" for a
	// directory go list could not load): one per GOARCH it is built for.
	patternsOf := func(pkg string) []int {
		var is []int
		for i, gp := range guestPackages {
			p := strings.TrimPrefix(gp.pattern, "./")
			if p == pkg || "./"+p == pkg || (p == "." && pkg == "") {
				is = append(is, i)
				continue
			}
			if base, ok := strings.CutSuffix(p, "/..."); ok && (pkg == base || strings.HasPrefix(pkg, base+"/")) {
				is = append(is, i)
			}
		}
		return is
	}
	type listed struct {
		guestBinary
		order    int
		optional bool
	}
	var found []listed
	for _, line := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
		f := strings.SplitN(line, "\t", 5)
		if len(f) < 5 {
			continue
		}
		pkg := strings.TrimPrefix(strings.TrimPrefix(f[0], "github.com/nlkit/nlkit"), "/")
		is := patternsOf(pkg)
		if len(is) == 0 {
			t.Fatalf("go list: %s matches no pattern of guestPackages", f[0])
		}
		for _, i := range is {
			gp := guestPackages[i]
			switch {
			case f[4] != "" && gp.optional:
				t.Logf("%s: not included (%s)", gp.pattern, f[4])
				continue
			case f[4] != "":
				t.Fatalf("go list %s: %s", gp.pattern, f[4])
			case f[2] == "0" && f[3] == "0":
				t.Logf("%s: no test files", f[0])
				continue
			}
			pkg, name := pkg, strings.ReplaceAll(pkg, "/", "-")
			if pkg == "" {
				pkg, name = ".", "nlkit"
			}
			goarch := "amd64"
			if gp.goarch != "" && gp.goarch != goarch {
				goarch = gp.goarch
				name += "-" + goarch
			}
			gb := guestBinary{pkg: pkg, dir: f[1], name: name, bin: filepath.Join(dir, name+".test"), lane: gp.lane,
				goarch: goarch}
			for _, ex := range vmExclusions {
				if ex.pkg != pkg {
					continue
				}
				if ex.run != "" {
					gb.args = append(gb.args, "-test.run="+ex.run)
				}
				if ex.skip != "" {
					gb.args = append(gb.args, "-test.skip="+ex.skip)
				}
			}
			if !slices.ContainsFunc(found, func(o listed) bool { return o.name == name }) {
				found = append(found, listed{gb, i, gp.optional})
			}
		}
	}
	slices.SortStableFunc(found, func(a, b listed) int { return a.order - b.order })
	var all []guestBinary
	optional := map[string]bool{}
	for _, l := range found {
		all = append(all, l.guestBinary)
		optional[l.name] = l.optional
	}
	return all, optional
}

// buildGuests builds one static test binary per package of guestPackages into dir, in parallel. A required
// package that does not build fails t; an optional one is left out.
func buildGuests(ctx context.Context, t *testing.T, goTool, root, dir string) []guestBinary {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	all, optional := listGuests(ctx, t, goTool, root, dir)
	for _, ex := range vmExclusions {
		if strings.ContainsAny(ex.run+ex.skip, " \t") {
			t.Fatalf("vmExclusions: %s: patterns must not contain spaces", ex.pkg)
		}
	}

	errs := make([]error, len(all))
	sem := make(chan struct{}, min(runtime.NumCPU(), 4))
	var wg sync.WaitGroup
	for i, gb := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			cmd := exec.CommandContext(ctx, goTool, "test", "-c", "-ldflags=-s -w", "-o", gb.bin, "./"+gb.pkg)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+gb.goarch)
			if b, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("go test -c ./%s: %v\n%s", gb.pkg, err, b)
			}
		}()
	}
	wg.Wait()
	var bins []guestBinary
	for i, gb := range all {
		switch {
		case errs[i] != nil && optional[gb.name]:
			t.Logf("%s: not included, it does not build: %v", gb.pkg, errs[i])
		case errs[i] != nil:
			t.Error(errs[i])
		default:
			bins = append(bins, gb)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return bins
}

// buildHelpers builds, into dir, what tests in the VM would otherwise build themselves with go or gcc (neither
// exists there): every program under examples/ and cmd/ (static; named by its directory, e.g. nlkit,
// netlink-cs), integration/unit's C client (gcc -static, "client") and its clients on libmnl and libnl-3
// (dynamic). In the VM, NLKIT_PREBUILT_DIR points at them.
func buildHelpers(ctx context.Context, t *testing.T, goTool, root, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, goTool, "list", "-e", "-f", `{{if eq .Name "main"}}{{.ImportPath}}{{end}}`,
		"./examples/...", "./cmd/...")
	cmd.Dir = root
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list ./examples/... ./cmd/...: %v", err)
	}
	var wg sync.WaitGroup
	run := func(what string, cmd *exec.Cmd) {
		defer wg.Done()
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", what, err, b)
		}
	}
	for _, pkg := range strings.Fields(string(b)) {
		cmd := exec.CommandContext(ctx, goTool, "build", "-ldflags=-s -w", "-o", filepath.Join(dir, filepath.Base(pkg)), pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64")
		wg.Add(1)
		go run("go build "+pkg, cmd)
	}
	wg.Add(1)
	go run("gcc testdata/client.c", exec.CommandContext(ctx, "gcc", "-static", "-Wall", "-O2", "-o",
		filepath.Join(dir, "client"), "integration/unit/testdata/client.c"))
	// The clients on libmnl and libnl-3 link them dynamically (Debian ships no static libmnl); run.sh copies
	// the libraries a prebuilt helper needs into the VM.
	for _, c := range cLibClients {
		wg.Add(1)
		args := append([]string{"-Wall", "-O2", "-o", filepath.Join(dir, c.name), c.src}, c.flags...)
		go run("gcc "+c.src, exec.CommandContext(ctx, "gcc", args...))
	}
	wg.Wait()
}

// cLibClients are integration/unit's C clients on libmnl and libnl-3 (its TestCLibraryClients), as it builds
// them.
var cLibClients = []struct {
	name, src string
	flags     []string
}{
	{"mnl_client", "integration/unit/testdata/mnl_client.c", []string{"-lmnl"}},
	{"nl_client", "integration/unit/testdata/nl_client.c", []string{"-I/usr/include/libnl3", "-lnl-3"}},
	{"mnl_peer", "integration/unit/testdata/mnl_peer.c", []string{"-lmnl"}},
	{"nl_peer", "integration/unit/testdata/nl_peer.c", []string{"-I/usr/include/libnl3", "-lnl-3"}},
}

// runScript runs a script from this directory with extra environment and returns its output lines (stdout and
// stderr).
func runScript(ctx context.Context, env []string, script string, args ...string) ([]string, error) {
	cmd := exec.CommandContext(ctx, script, args...)
	setpgid(cmd)
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 10 * time.Second
	b, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = errors.Join(err, ctx.Err())
	}
	return strings.Split(strings.TrimRight(string(b), "\n"), "\n"), err
}

// stream runs a script from this directory with extra environment,
// logging each output line (stdout and stderr) as it comes, and returns the
// lines.
func stream(ctx context.Context, t *testing.T, env []string, script string, args ...string) ([]string, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, script, args...)
	setpgid(cmd) // so a timeout kills qemu too, not just the shell
	cmd.Env = append(os.Environ(), env...)
	cmd.WaitDelay = 10 * time.Second
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw

	var (
		lines []string
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			l := strings.TrimRight(sc.Text(), "\r")
			lines = append(lines, l)
			t.Log(l)
		}
		io.Copy(io.Discard, pr) // an over-long line: keep draining
	}()
	err := cmd.Run()
	pw.Close()
	wg.Wait()
	if ctx.Err() != nil {
		err = errors.Join(err, ctx.Err())
	}
	return lines, err
}
