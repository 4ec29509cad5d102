//go:build linux

package mirror

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/netns/nstest"
)

// Sizes and replay switches (see the package doc).
var (
	full    = os.Getenv("NLKIT_RELIABILITY") == "full"
	inVM    = os.Getenv("NLKIT_VM_GUEST") == "1"
	figures struct{ ops, mismatches, resyncs, checks, late atomic.Int64 }
)

func TestMain(m *testing.M) {
	if os.Geteuid() != 0 {
		// nstest.Main runs the binary again inside a user namespace, where it is uid 0 and prints the figures.
		nstest.Main(m)
	}
	start := time.Now()
	code := m.Run()
	if figures.ops.Load() > 0 {
		fmt.Printf("FIGURE mirror_ops=%d\n", figures.ops.Load())
		fmt.Printf("FIGURE mirror_checks=%d\n", figures.checks.Load())
		fmt.Printf("FIGURE mirror_mismatches=%d\n", figures.mismatches.Load())
		fmt.Printf("FIGURE mirror_resyncs=%d\n", figures.resyncs.Load())
		fmt.Printf("FIGURE mirror_settled_late=%d\n", figures.late.Load())
		fmt.Printf("FIGURE mirror_seconds=%.1f\n", time.Since(start).Seconds())
	}
	os.Exit(code)
}

// size is the run's shape: seeds, operations per seed, batch sizes, and how often ip -j is asked.
type size struct {
	seeds              []uint64
	ops                int
	minBatch, maxBatch int
	ipEvery            int // ask ip -j at every ipEvery-th checkpoint
	barrier            time.Duration
}

func chooseSize(t *testing.T) size {
	s := size{seeds: []uint64{1, 2, 3, 4}, ops: 1000, minBatch: 10, maxBatch: 50, ipEvery: 1, barrier: 10 * time.Second}
	switch {
	case inVM:
		// TCG runs 10-30 times slower: two seeds of 5,000 operations in batches of 30-80, with ip -j every
		// 8th checkpoint, took 342 s there on a quiet host and 540 s on a busy one (567 checkpoints). Batches
		// of 40-100 and ip -j every 16th make fewer checkpoints; the binary has 600 s in the VM
		// (integration/vm's longGuests).
		s = size{seeds: []uint64{1, 2}, ops: 5000, minBatch: 40, maxBatch: 100, ipEvery: 16, barrier: 60 * time.Second}
	case full:
		s = size{seeds: []uint64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, ops: 10000, minBatch: 10, maxBatch: 50, ipEvery: 2,
			barrier: 20 * time.Second}
	}
	if v := os.Getenv("NLKIT_MIRROR_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 0, 64)
		if err != nil {
			t.Fatalf("NLKIT_MIRROR_SEED=%q: %v", v, err)
		}
		s.seeds = []uint64{n}
	}
	if v := os.Getenv("NLKIT_MIRROR_BATCH"); v != "" { // the plan depends on the batch bounds: replay with them
		lo, hi, ok := strings.Cut(v, "-")
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if !ok || err1 != nil || err2 != nil || a < 1 || b < a {
			t.Fatalf("NLKIT_MIRROR_BATCH=%q: want MIN-MAX", v)
		}
		s.minBatch, s.maxBatch = a, b
	}
	if v := os.Getenv("NLKIT_MIRROR_OPS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("NLKIT_MIRROR_OPS=%q: want a positive number", v)
		}
		s.ops = n
	}
	return s
}

// keepList reads NLKIT_MIRROR_KEEP: the numbers of the operations to keep, or nil for all.
func keepList(t *testing.T) []int {
	v := os.Getenv("NLKIT_MIRROR_KEEP")
	if v == "" {
		return nil
	}
	var keep []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 {
			t.Fatalf("NLKIT_MIRROR_KEEP=%q: want operation numbers, comma-separated", v)
		}
		keep = append(keep, n)
	}
	slices.Sort(keep)
	return slices.Compact(keep)
}

// TestMirror is the differential test: seeded random operations, written by ip and by nlkit, with the Mirror
// compared to the kernel's dump and to ip -j at every checkpoint.
func TestMirror(t *testing.T) {
	if _, err := exec.LookPath("ip"); err != nil {
		nstest.Skipf(t, "iproute2 (ip), the independent writer and third opinion, is missing: %v", err)
	}
	sz := chooseSize(t)
	keep := keepList(t)
	kinds := detectKinds(t)
	t.Logf("link kinds of this kernel: %v", kindList(kinds))
	for _, seed := range sz.seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			if !inVM {
				t.Parallel()
			}
			ops := planFor(seed, sz, keep, kinds)
			start := time.Now()
			res := runOps(t, seed, ops, sz)
			figures.ops.Add(int64(res.done))
			figures.checks.Add(int64(res.checks))
			figures.resyncs.Add(int64(res.resyncs))
			figures.late.Add(int64(res.late))
			t.Logf("seed %d: %d operations (%d by ip, %d by nlkit; the kernel refused %d), %d checkpoints, "+
				"%d resyncs of the small-buffer Mirror, in %v", seed, res.done, res.w.ipOps, res.w.nlOps,
				res.w.ipErrs+res.w.nlErrs, res.checks, res.resyncs, time.Since(start).Round(time.Millisecond))
			if res.fatal != "" {
				t.Errorf("%s", report(seed, ops, res))
				return
			}
			if len(res.findings) == 0 {
				return
			}
			figures.mismatches.Add(int64(len(res.findings)))
			t.Errorf("%s", report(seed, ops, res))
			if k, err := strconv.Atoi(os.Getenv("NLKIT_MIRROR_SHRINK")); err == nil && k >= 1 && k <= len(res.findings) {
				f := res.findings[k-1]
				shrink(t, seed, ops[:f.at+1], sz, kinds, signatures(f.items))
			}
		})
	}
}

// planFor draws the seed's operations, keeping only those keep names when it is set.
func planFor(seed uint64, sz size, keep []int, kinds map[string]bool) []op {
	n := sz.ops
	if len(keep) > 0 {
		n = keep[len(keep)-1] + 1
	}
	g := newGen(seed, kinds, "MAIN", "OTHER") // the names are filled in per run
	ops := g.plan(n, sz.minBatch, sz.maxBatch)
	for i := range ops {
		ops[i].index = i
		ops[i].batch = [2]int{sz.minBatch, sz.maxBatch}
	}
	if len(keep) > 0 {
		var kept []op
		for _, i := range keep {
			kept = append(kept, ops[i])
		}
		kept[len(kept)-1].check = true
		ops = kept
	}
	return ops
}

// result is what one run of operations found.
type result struct {
	done, checks, resyncs int
	late                  int // checks whose differences went away after the first comparison
	findings              []finding
	fatal                 string // a failure that ended the run (a barrier not reached), "" when none
	fatalAt               int
	w                     *writer
}

// finding is a checkpoint that found differences not seen at an earlier one.
type finding struct {
	at    int      // position in ops of the operation after which they were found
	items []string // the new differences
}

// maxFindings bounds the findings of one run: a Mirror that went wrong once tends to stay wrong.
const maxFindings = 8

// runOps carries out ops in two fresh namespaces and checks the Mirrors at each checkpoint. After a
// mismatch it goes on, and reports only differences of a kind it has not seen before, so one bug does not
// hide the next.
func runOps(t *testing.T, seed uint64, ops []op, sz size) result {
	mainNS, otherNS := nstest.NewNamed(t), nstest.NewNamed(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := route.Dial(&route.Config{NetNS: mainNS.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	co, err := route.Dial(&route.Config{NetNS: otherNS.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer co.Close()
	dump, err := route.Dial(&route.Config{NetNS: mainNS.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer dump.Close()
	// Two Mirrors: one with the kernel's default receive buffer, one with a tiny one that overflows
	// (ENOBUFS) under every burst and must resynchronise.
	m, err := route.NewMirror(ctx, &route.WatchConfig{NetNS: mainNS.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	small, err := route.NewMirror(ctx, &route.WatchConfig{NetNS: mainNS.Handle.Fd(), SocketReceiveBuffer: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	mirrors := []namedMirror{{"Mirror", m}, {"small-buffer Mirror", small}}

	w := &writer{mainName: mainNS.Name, otherName: otherNS.Name, c: c, co: co, mainFd: mainNS.Handle.Fd(),
		otherFd: otherNS.Handle.Fd()}
	for i := range ops { // the plan was drawn with placeholder namespace names
		for j, a := range ops[i].args {
			switch a {
			case "MAIN":
				ops[i].args[j] = mainNS.Name
			case "OTHER":
				ops[i].args[j] = otherNS.Name
			}
		}
	}
	ck := &checker{c: c, dump: dump, ns: mainNS.Name, mirrors: mirrors, sz: sz, seed: seed}
	res := result{w: w}
	seen := map[string]bool{}
	start := 0
	for i := range ops {
		if !ops[i].check && i != len(ops)-1 {
			continue
		}
		if err := w.run(ctx, ops[start:i+1]); err != nil {
			t.Fatalf("seed %d: writing operations %d-%d: %v", seed, start, i, err)
		}
		res.done = i + 1
		start = i + 1
		res.checks++
		items, fatal := ck.check(ctx, res.checks)
		if fatal != "" {
			res.fatal, res.fatalAt = fatal, i
			break
		}
		// A difference is new when its signature (the Mirror, the object type, the kind of difference and
		// the fields) is: the same bug on the next link would otherwise fill the report.
		var fresh []string
		for _, it := range items {
			if sig := signature(it); !seen[sig] {
				seen[sig] = true
				fresh = append(fresh, it)
			}
		}
		if len(fresh) > 0 {
			res.findings = append(res.findings, finding{at: i, items: fresh})
			if len(res.findings) == maxFindings {
				break
			}
		}
	}
	res.resyncs = int(small.Resyncs())
	res.late = ck.late
	return res
}

type namedMirror struct {
	name string
	m    *route.Mirror
}

// checker runs the checkpoints of one run.
type checker struct {
	c, dump *route.Client
	ns      string
	mirrors []namedMirror
	sz      size
	seed    uint64
	n       int
	// late counts the checks whose differences went away after the first comparison (see check).
	late int
	// lastLinks names the kernel's links at the last comparison that found differences.
	lastLinks string
}

// barrier sets lo's alias to a new token and waits until every Mirror shows it: every event the kernel sent
// before has then been applied. Not reaching it in time is a failure.
func (ck *checker) barrier(ctx context.Context) error {
	ck.n++
	token := fmt.Sprintf("barrier-%d-%d", ck.seed, ck.n)
	if err := ck.c.Link.Set(ctx, 1, route.LinkSet{Alias: token}); err != nil {
		return fmt.Errorf("setting lo's alias to %s: %w", token, err)
	}
	for _, nm := range ck.mirrors {
		wctx, cancel := context.WithTimeout(ctx, ck.sz.barrier)
		for {
			gen := nm.m.Generation()
			if lo, ok := nm.m.Link(1); ok && lo.Alias == token {
				break
			}
			if _, err := nm.m.Wait(wctx, gen); err != nil {
				cancel()
				lo, _ := nm.m.Link(1)
				return fmt.Errorf("the %s did not reach the barrier %s within %v (lo's alias there: %q; Err %v): %w",
					nm.name, token, ck.sz.barrier, lo.Alias, nm.m.Err(), err)
			}
		}
		cancel()
	}
	return nil
}

// check compares each Mirror with a fresh dump, and with ip -j at every ipEvery-th checkpoint, and returns
// the differences. A difference counts only when every comparison finds it: a first one, then after each of
// settleWaits another barrier and another dump. The kernel sends some notifications from deferred work after
// the object is already in its dumps (an IPv6 address's first RTM_NEWADDR comes from addrconf_dad_work, even
// with IFA_F_NODAD), and on a loaded machine that work can run well after the barrier: a Mirror that shows
// the object once the kernel has told it is right. fatal is set when a barrier was not reached.
func (ck *checker) check(ctx context.Context, n int) (items []string, fatal string) {
	withIP := n%ck.sz.ipEvery == 0
	var held []string
	for attempt, wait := range settleWaits {
		if wait > 0 {
			time.Sleep(wait)
		}
		if err := ck.barrier(ctx); err != nil {
			return nil, "barrier: " + err.Error()
		}
		items = ck.compare(ctx, withIP)
		if attempt == 0 {
			held = items
		} else {
			held = slices.DeleteFunc(held, func(it string) bool { return !slices.Contains(items, it) })
		}
		if len(held) == 0 {
			if attempt > 0 {
				ck.late++
			}
			return nil, ""
		}
	}
	return held, ""
}

// settleWaits are the pauses before each comparison of a check: a difference must outlast them all.
var settleWaits = []time.Duration{0, 0, 20 * time.Millisecond, 200 * time.Millisecond, time.Second}

func (ck *checker) compare(ctx context.Context, withIP bool) []string {
	kernel, err := route.TakeSnapshot(ctx, ck.dump, 0, 0)
	if err != nil {
		return []string{"dump: " + err.Error()}
	}
	var out []string
	var ipk []string
	if withIP {
		if ipk, err = ipKeys(ctx, ck.ns); err != nil {
			out = append(out, "ip -j: "+err.Error())
		}
	}
	for _, nm := range ck.mirrors {
		if err := nm.m.Err(); err != nil {
			out = append(out, fmt.Sprintf("%s: Err() = %v", nm.name, err))
		}
		ms := nm.m.Snapshot()
		for _, d := range diffSnapshots(&ms, silentTentative(&ms, kernel)) {
			out = append(out, nm.name+" vs dump: "+d)
		}
		if ipk != nil {
			for _, d := range diffKeys(mirrorKeys(&ms), ipKeysWithout(ipk, kernel, silentTentative(&ms, kernel))) {
				out = append(out, nm.name+" vs ip -j: "+d)
			}
		}
	}
	out = append(out, ck.secondOpinion(ctx, withIP)...)
	if len(out) > 0 {
		ck.lastLinks = linkNames(kernel.Links)
	}
	return out
}

func linkNames(ls []route.Link) string {
	var parts []string
	for _, l := range ls {
		parts = append(parts, fmt.Sprintf("%d=%s", l.Index, l.Name))
	}
	return strings.Join(parts, " ")
}

// report is the failure message: seed, replay lines, the differences, and the whole operation log.
func report(seed uint64, ops []op, res result) string {
	var b strings.Builder
	replay := func(at int) string {
		r := fmt.Sprintf("NLKIT_MIRROR_SEED=%d NLKIT_MIRROR_BATCH=%d-%d NLKIT_MIRROR_OPS=%d", seed, ops[at].batch[0],
			ops[at].batch[1], ops[at].index+1)
		if len(ops) < ops[len(ops)-1].index+1 { // a kept subsequence
			var idx []string
			for _, o := range ops[:at+1] {
				idx = append(idx, strconv.Itoa(o.index))
			}
			r = fmt.Sprintf("NLKIT_MIRROR_SEED=%d NLKIT_MIRROR_BATCH=%d-%d NLKIT_MIRROR_KEEP=%s", seed, ops[at].batch[0],
				ops[at].batch[1], strings.Join(idx, ","))
		}
		switch {
		case inVM:
			r = "NLKIT_VM_GUEST=1 " + r
		case full:
			r = "NLKIT_RELIABILITY=full " + r
		}
		return r + " go test -count=1 -run 'TestMirror$' ./integration/mirror/"
	}
	last := 0
	if res.fatal != "" {
		fmt.Fprintf(&b, "FAILURE: seed %d, after operation #%d: %s\nreplay: %s\n", seed, ops[res.fatalAt].index,
			res.fatal, replay(res.fatalAt))
		last = res.fatalAt
	}
	for k, f := range res.findings {
		fmt.Fprintf(&b, "MISMATCH %d of seed %d, after operation #%d (differences held across every comparison of the check, the last one second later; "+
			"differences of kinds reported earlier are not repeated):\n", k+1, seed, ops[f.at].index)
		fmt.Fprintf(&b, "replay: %s\n", replay(f.at))
		for _, it := range f.items {
			fmt.Fprintf(&b, "    %s\n", it)
		}
		last = max(last, f.at)
	}
	if len(res.findings) == maxFindings {
		fmt.Fprintf(&b, "(stopped after %d findings)\n", maxFindings)
	}
	fmt.Fprintf(&b, "operation log (%d operations; '->' is the kernel's refusal; '--- check' a checkpoint):\n", last+1)
	for _, o := range ops[:last+1] {
		fmt.Fprintf(&b, "  #%d %s", o.index, o)
		if o.result != "" {
			fmt.Fprintf(&b, "  -> %s", o.result)
		}
		b.WriteString("\n")
		if o.check {
			b.WriteString("  --- check\n")
		}
	}
	return b.String()
}

// signatures are what a shrunk sequence must reproduce: for each difference, the Mirror, the object type
// and the kind of difference (with the differing fields), without link indexes or addresses.
func signatures(items []string) []string {
	var sigs []string
	for _, it := range items {
		sigs = append(sigs, signature(it))
	}
	return sigs
}

func signature(it string) string {
	who, rest, _ := strings.Cut(it, ": ")
	obj, _, _ := strings.Cut(rest, " ")
	var kind string
	switch {
	case strings.Contains(rest, ": differs: "):
		_, d, _ := strings.Cut(rest, ": differs: ")
		var fields []string
		for _, part := range strings.Split(d, "; ") {
			f, _, _ := strings.Cut(part, ":")
			fields = append(fields, f)
		}
		kind = "differs " + strings.Join(fields, ",")
	case strings.Contains(rest, "only in the Mirror"):
		kind = "only in the Mirror"
	default:
		kind = "only in the kernel"
	}
	if strings.HasPrefix(rest, "only in") { // ip -j lines: "only in ip -j: route ..."
		_, k, _ := strings.Cut(rest, ": ")
		obj, _, _ = strings.Cut(k, " ")
	}
	return who + " " + obj + " " + kind
}

// detectKinds tries each link kind of the grammar once in a scratch namespace.
func detectKinds(t *testing.T) map[string]bool {
	ns := nstest.New(t)
	c, err := route.Dial(&route.Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	kinds := map[string]bool{}
	if err := c.Link.Add(ctx, route.Link{Name: "k0", Info: route.LinkInfo{Kind: "veth",
		Data: &route.Veth{Peer: route.Link{Name: "k1"}}}}); err != nil {
		t.Fatalf("veth, which the harness needs, cannot be made: %v", err)
	}
	kinds["veth"] = true
	parent, _ := index(ctx, c, "k0")
	for _, d := range linkDefs {
		if kinds[d.kind] {
			continue
		}
		l := route.Link{Name: "probe", Info: route.LinkInfo{Kind: d.kind}}
		switch d.kind {
		case "macvlan":
			l.ParentIndex, l.Info.Data = parent, &route.Macvlan{Mode: route.MacvlanBridge}
		case "vlan":
			l.ParentIndex, l.Info.Data = parent, &route.Vlan{ID: 10}
		case "vxlan":
			l.Info.Data = &route.Vxlan{ID: 42, Port: 4789}
		case "vrf":
			l.Info.Data = &route.VRF{Table: 10}
		}
		err := c.Link.Add(ctx, l)
		if err == nil {
			kinds[d.kind] = true
			if err := c.Link.Delete(ctx, route.Link{Name: "probe"}); err != nil {
				t.Fatalf("deleting the %s probe: %v", d.kind, err)
			}
		} else {
			t.Logf("link kind %s: %v (left out)", d.kind, err)
		}
	}
	return kinds
}

func kindList(kinds map[string]bool) []string {
	var l []string
	for k := range kinds {
		l = append(l, k)
	}
	slices.Sort(l)
	return l
}

// shrink looks for a short subsequence of ops that still shows a difference of the same signature (ddmin
// over the operations, each trial in fresh namespaces with one checkpoint at the end) and logs it with its
// replay line.
func shrink(t *testing.T, seed uint64, ops []op, sz size, kinds map[string]bool, want []string) {
	fails := func(sub []op) bool {
		trial := make([]op, len(sub))
		for i, o := range sub {
			o.args = slices.Clone(o.args)
			o.check, o.result = false, ""
			trial[i] = o
		}
		trial[len(trial)-1].check = true
		var r result
		if !t.Run("shrink", func(t *testing.T) { r = runOps(t, seed, trial, sz) }) {
			return false
		}
		for _, f := range r.findings {
			for _, it := range f.items {
				if slices.Contains(want, signature(it)) {
					return true
				}
			}
		}
		return false
	}
	// The plan again, with the placeholder namespace names that runOps fills in.
	orig := planFor(seed, sz, nil, kinds)
	cur := make([]op, len(ops))
	for i, o := range ops {
		cur[i] = orig[o.index]
	}
	n := 2
	for len(cur) >= 2 && n <= len(cur) {
		chunk := (len(cur) + n - 1) / n
		reduced := false
		for start := 0; start < len(cur); start += chunk {
			end := min(start+chunk, len(cur))
			cand := append(slices.Clone(cur[:start]), cur[end:]...)
			if len(cand) > 0 && fails(cand) {
				cur, n, reduced = cand, max(n-1, 2), true
				break
			}
		}
		if !reduced {
			if n == len(cur) {
				break
			}
			n = min(2*n, len(cur))
		}
	}
	var idx []string
	var b strings.Builder
	for _, o := range cur {
		idx = append(idx, strconv.Itoa(o.index))
		fmt.Fprintf(&b, "  #%d %s\n", o.index, o)
	}
	t.Logf("SHRUNK: seed %d: these %d operations still show %v:\n%sreplay: NLKIT_MIRROR_SEED=%d NLKIT_MIRROR_KEEP=%s go test -count=1 -run 'TestMirror$' ./integration/mirror/",
		seed, len(cur), want, b.String(), seed, strings.Join(idx, ","))
}
