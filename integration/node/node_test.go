//go:build linux

// Package node tests route.NodeMirror against the kernel: many namespaces, created, changed and deleted while
// it watches, an overflow, and at the end every namespace's copy against a fresh dump.
package node

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/netns"
	"golang.org/x/sys/unix"
)

// requireRoot skips without root, or fails under CI=true.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if ci := os.Getenv("CI"); ci == "true" || ci == "1" {
		t.Fatal("needs root (it creates network namespaces and bind mounts), and CI is set")
	}
	t.Skip("needs root (it creates network namespaces and bind mounts)")
}

// runDir is a private run directory of named namespaces, as /run/netns is for `ip netns`: a file per name with
// a namespace bind-mounted on it. The host's /run/netns is not touched.
type runDir struct {
	t   *testing.T
	dir string
	mu  sync.Mutex
	ns  map[string]bool
}

func newRunDir(t *testing.T) *runDir {
	d := &runDir{t: t, dir: t.TempDir(), ns: map[string]bool{}}
	t.Cleanup(func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		for name := range d.ns {
			unix.Unmount(filepath.Join(d.dir, name), unix.MNT_DETACH)
		}
	})
	return d
}

// add creates a namespace named name as `ip netns add` does: the file first, then the bind mount.
func (d *runDir) add(name string) error {
	p := filepath.Join(d.dir, name)
	f, err := os.OpenFile(p, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0)
	if err != nil {
		return err
	}
	f.Close()
	h, err := netns.New()
	if err != nil {
		return err
	}
	defer h.Close()
	if err := unix.Mount(fmt.Sprintf("/proc/self/fd/%d", h.Fd()), p, "none", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind mount %s: %w", p, err)
	}
	d.mu.Lock()
	d.ns[name] = true
	d.mu.Unlock()
	return nil
}

// del removes a namespace as `ip netns del` does.
func (d *runDir) del(name string) error {
	p := filepath.Join(d.dir, name)
	if err := unix.Unmount(p, unix.MNT_DETACH); err != nil {
		return err
	}
	d.mu.Lock()
	delete(d.ns, name)
	d.mu.Unlock()
	return os.Remove(p)
}

func (d *runDir) path(name string) string { return filepath.Join(d.dir, name) }

// ipBatch runs `ip -force -batch -` inside the namespace at path (nsenter); errors of single commands are
// expected (a random plan deletes what may be gone) and ignored.
func ipBatch(path string, cmds []string) error {
	cmd := exec.Command("nsenter", "--net="+path, "ip", "-force", "-batch", "-")
	cmd.Stdin = strings.NewReader(strings.Join(cmds, "\n") + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil && !strings.Contains(string(out), "Command failed") {
		return fmt.Errorf("ip -batch in %s: %v: %s", path, err, out)
	}
	return nil
}

// agent returns a fresh namespace for the NodeMirror itself: nsids are given there, not on the host.
func agent(t *testing.T) netns.NsHandle {
	h, err := netns.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// startNode starts a NodeMirror inside the agent namespace.
func startNode(t *testing.T, a netns.NsHandle, cfg *route.NodeConfig) *route.NodeMirror {
	t.Helper()
	var n *route.NodeMirror
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := netns.Do(a, func() error {
		var err error
		n, err = route.NewNodeMirror(ctx, cfg)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// events records a NodeMirror's lifecycle events.
type events struct {
	mu  sync.Mutex
	all []route.NodeEvent
}

func (e *events) add(ev route.NodeEvent) { e.mu.Lock(); e.all = append(e.all, ev); e.mu.Unlock() }

func (e *events) count(kind route.NodeEventKind, name string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := 0
	for _, ev := range e.all {
		if ev.Kind == kind && (name == "" || ev.Namespace.Name == name) {
			c++
		}
	}
	return c
}

func (e *events) list(kind route.NodeEventKind) []route.NodeEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []route.NodeEvent
	for _, ev := range e.all {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// waitFor polls cond until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if cond() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return cond()
}

// plan is a seeded random plan of changes for one namespace, kept valid by a model of what exists.
type plan struct {
	links map[int]bool         // veth pairs vN/pN
	addrs map[int]map[int]bool // link → host numbers of 10.N.H.1/24 addresses
	rts   map[int]map[int]bool // link → 10.200.N.R/32... routes via the link
}

func newPlan() *plan {
	return &plan{links: map[int]bool{}, addrs: map[int]map[int]bool{}, rts: map[int]map[int]bool{}}
}

// step returns ip commands for one random change.
func (p *plan) step(r *rand.Rand) []string {
	l := r.IntN(6)
	switch op := r.IntN(10); {
	case !p.links[l] || op == 0:
		if p.links[l] {
			delete(p.links, l)
			delete(p.addrs, l)
			delete(p.rts, l)
			return []string{fmt.Sprintf("link del v%d", l)}
		}
		p.links[l] = true
		p.addrs[l], p.rts[l] = map[int]bool{}, map[int]bool{}
		return []string{fmt.Sprintf("link add v%d type veth peer name p%d", l, l),
			fmt.Sprintf("link set v%d up", l), fmt.Sprintf("link set p%d up", l)}
	case op == 1:
		return []string{fmt.Sprintf("link set v%d down", l), fmt.Sprintf("link set v%d up", l)}
	case op <= 4:
		h := r.IntN(20)
		if p.addrs[l][h] {
			delete(p.addrs[l], h)
			return []string{fmt.Sprintf("addr del 10.%d.%d.1/24 dev v%d", l, h, l)}
		}
		p.addrs[l][h] = true
		return []string{fmt.Sprintf("addr add 10.%d.%d.1/24 dev v%d", l, h, l)}
	default:
		x := r.IntN(200)
		if p.rts[l][x] {
			delete(p.rts[l], x)
			return []string{fmt.Sprintf("route del 10.200.%d.%d/32 dev v%d", l, x, l)}
		}
		p.rts[l][x] = true
		return []string{fmt.Sprintf("route add 10.200.%d.%d/32 dev v%d", l, x, l)}
	}
}

// mismatches compares every namespace's copy with a fresh dump, with the same normalisation as
// integration/mirror, and returns the namespaces that differ, polling until each matches or d passes (a copy
// is checked against the kernel only once the NodeMirror has had the time to read the events).
func mismatches(t *testing.T, n *route.NodeMirror, d time.Duration) []string {
	t.Helper()
	var bad []string
	end := time.Now().Add(d)
	for _, ns := range n.Namespaces() {
		m, _, ok := n.Namespace(ns.Path)
		if !ok {
			bad = append(bad, ns.String()+": not followed")
			continue
		}
		for {
			diff, err := compare(ns.Path, m)
			if err != nil {
				t.Errorf("%s: %v", ns, err)
				break
			}
			if diff == "" {
				break
			}
			if time.Now().After(end) {
				bad = append(bad, ns.String()+": "+diff)
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return bad
}

// compare dumps the namespace at path and returns what differs from the Mirror's copy ("" when nothing).
func compare(path string, m *route.Mirror) (string, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", err
	}
	c, err := route.Dial(&route.Config{NetNS: fd})
	unix.Close(fd)
	if err != nil {
		return "", err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	k, err := route.TakeSnapshot(ctx, c, route.WatchAll, 0)
	if err != nil {
		return "", err
	}
	mine := m.Snapshot()
	a, b := normalise(&mine, &mine), normalise(k, &mine)
	for _, what := range []struct {
		name string
		x, y any
	}{{"links", a.Links, b.Links}, {"addrs", a.Addrs, b.Addrs}, {"routes", a.Routes, b.Routes},
		{"neighs", a.Neighs, b.Neighs}, {"rules", a.Rules, b.Rules}, {"nexthops", a.Nexthops, b.Nexthops}} {
		if !reflect.DeepEqual(what.x, what.y) {
			return what.name + " differ:" + listDiff(what.x, what.y), nil
		}
	}
	return "", nil
}

// normalise drops what the kernel changes without a notification (see integration/mirror's normalise, which
// names the reasons): link counters, ifi_change, a down link's alias, TSO limits, address and route cache
// info, neighbour ages, the kernel's own NOARP neighbours, and tentative IPv6 addresses the Mirror was not told
// of (mine).
func normalise(s, mine *route.Snapshot) route.Snapshot {
	held := map[string]bool{}
	for _, a := range mine.Addrs {
		held[fmt.Sprint(a.Family, a.Index, a.Local, a.PrefixLen)] = true
	}
	var out route.Snapshot
	for _, l := range s.Links {
		l.Stats, l.Change = route.LinkStats{}, 0
		if !l.IsUp() {
			l.Alias = ""
		}
		l.TSOMaxSize, l.TSOMaxSegs = 0, 0
		out.Links = append(out.Links, l)
	}
	for _, a := range s.Addrs {
		if a.Family == unix.AF_INET6 && a.Flags&unix.IFA_F_TENTATIVE != 0 && a.Flags&unix.IFA_F_DADFAILED == 0 &&
			!held[fmt.Sprint(a.Family, a.Index, a.Local, a.PrefixLen)] {
			continue
		}
		a.CacheInfo = route.AddrCacheInfo{Valid: a.CacheInfo.Valid / max(a.CacheInfo.Valid, 1),
			Preferred: a.CacheInfo.Preferred / max(a.CacheInfo.Preferred, 1)}
		out.Addrs = append(out.Addrs, a)
	}
	for _, r := range s.Routes {
		if r.Extra != nil {
			x := r.Extra.Clone()
			x.CacheInfo, x.Expires = route.RouteCacheInfo{}, 0
			r.Extra = x
		}
		out.Routes = append(out.Routes, r)
	}
	for _, n := range s.Neighs {
		if n.State == route.NeighNoARP && (n.Type == unix.RTN_MULTICAST || n.Type == unix.RTN_BROADCAST) {
			continue
		}
		n.CacheInfo, n.Probes = route.NeighCacheInfo{}, 0
		out.Neighs = append(out.Neighs, n)
	}
	if len(s.Rules) > 0 {
		out.Rules = slices.Clone(s.Rules)
	}
	if len(s.Nexthops) > 0 {
		out.Nexthops = slices.Clone(s.Nexthops)
	}
	route.SortLinks(out.Links)
	route.SortAddrs(out.Addrs)
	route.SortRoutes(out.Routes)
	route.SortNeighs(out.Neighs)
	route.SortRules(out.Rules)
	route.SortNexthops(out.Nexthops)
	return out
}

// seed is the run's seed: NLKIT_NODE_SEED, or the time.
func seed(t *testing.T) uint64 {
	s := uint64(time.Now().UnixNano())
	if v := os.Getenv("NLKIT_NODE_SEED"); v != "" {
		var err error
		if s, err = strconv.ParseUint(v, 0, 64); err != nil {
			t.Fatalf("NLKIT_NODE_SEED=%q: %v", v, err)
		}
	}
	t.Logf("seed %d (replay with NLKIT_NODE_SEED=%d)", s, s)
	fmt.Printf("node: seed %d\n", s)
	return s
}

// TestNodeMirror follows 60 named namespaces, then 6 that appear while it watches and 6 deleted while it
// watches, and one given by descriptor; applies seeded random changes across them, steady and in bursts that
// overflow a small receive buffer; and at the end compares every namespace with a fresh dump.
func TestNodeMirror(t *testing.T) {
	requireRoot(t)
	const initial, appear, remove = 60, 6, 6
	rd := newRunDir(t)
	for i := range initial {
		if err := rd.add(fmt.Sprintf("ns%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var evs events
	a := agent(t)
	// stall slows the NodeMirror's change stream during the bursts, so that its 64 KiB buffer overflows
	// however fast the machine.
	var stall atomic.Bool
	n := startNode(t, a, &route.NodeConfig{RunDir: rd.dir, Workers: 4, SocketReceiveBuffer: 64 << 10,
		OnEvent: evs.add, OnChange: func(route.Namespace, route.Change) {
			if stall.Load() {
				time.Sleep(100 * time.Microsecond)
			}
		}})
	if got := len(n.Namespaces()); got != initial {
		t.Fatalf("following %d namespaces at the start, want %d", got, initial)
	}
	for i := range initial {
		if _, ns, ok := n.Namespace(fmt.Sprintf("ns%d", i)); !ok || ns.NSID < 0 {
			t.Fatalf("ns%d: followed %v, nsid %d", i, ok, ns.NSID)
		}
	}

	// Discovery: namespaces that appear in the run directory.
	for i := range appear {
		if err := rd.add(fmt.Sprintf("new%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if !waitFor(10*time.Second, func() bool { return evs.count(route.NodeAdded, "") == initial+appear }) {
		t.Fatalf("%d namespaces added, want %d", evs.count(route.NodeAdded, ""), initial+appear)
	}
	// One given by descriptor, then removed.
	h, err := netns.New()
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.AddFD(h.Fd(), "byfd")
	h.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m, _, ok := n.Namespace("byfd"); !ok || len(m.Links()) != 1 {
		t.Fatalf("namespace by descriptor: followed %v", ok)
	}
	if !n.Remove("byfd") || evs.count(route.NodeRemoved, "byfd") != 1 {
		t.Fatalf("Remove(byfd): %v", evs.list(route.NodeRemoved))
	}
	// One given by path, as a container's: /proc/PID/ns/net of a process in a namespace of its own. It is
	// dropped when the process exits and the kernel removes the namespace's nsid (RTM_DELNSID).
	proc := exec.Command("unshare", "--net", "sleep", "600")
	if err := proc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proc.Process.Kill(); proc.Wait() })
	procPath := fmt.Sprintf("/proc/%d/ns/net", proc.Process.Pid)
	if !waitFor(5*time.Second, func() bool {
		var a, b unix.Stat_t
		return unix.Stat(procPath, &a) == nil && unix.Stat("/proc/self/ns/net", &b) == nil && a.Ino != b.Ino
	}) {
		t.Fatal("unshare did not enter its namespace")
	}
	pns, err := n.Add(procPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Settle(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := n.Namespace(procPath); !ok || pns.NSID < 0 {
		t.Fatalf("%s: followed %v, nsid %d", procPath, ok, pns.NSID)
	}

	// Seeded random changes, steady then in bursts.
	r := rand.New(rand.NewPCG(seed(t), 1))
	names := []string{}
	for i := range initial {
		names = append(names, fmt.Sprintf("ns%d", i))
	}
	for i := range appear {
		names = append(names, fmt.Sprintf("new%d", i))
	}
	plans := map[string]*plan{}
	for _, name := range names {
		plans[name] = newPlan()
	}
	changes := 0
	round := func(nss []string, steps int) {
		var wg sync.WaitGroup
		var emu sync.Mutex
		for _, name := range nss {
			var cmds []string
			for range steps {
				cmds = append(cmds, plans[name].step(r)...)
			}
			changes += len(cmds)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := ipBatch(rd.path(name), cmds); err != nil {
					emu.Lock()
					t.Error(err)
					emu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	// Steady: a few namespaces at a time.
	for range 20 {
		pick := []string{}
		for range 3 {
			pick = append(pick, names[r.IntN(len(names))])
		}
		round(dedup(pick), 5)
	}
	// The steady changes came as events (and re-dumps after silent changes): every copy equals a dump.
	steadyOverflows := n.Overflows()
	if bad := mismatches(t, n, 10*time.Second); len(bad) > 0 {
		t.Errorf("after the steady changes (%d overflows), %d namespaces differ from a fresh dump:\n%s",
			steadyOverflows, len(bad), strings.Join(bad, "\n"))
	}
	t.Logf("steady phase: %d changes, %d overflows", changes, steadyOverflows)
	// Deletion while watched, with changes under way elsewhere.
	for i := range remove {
		if err := rd.del(fmt.Sprintf("ns%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	names = names[remove:]
	proc.Process.Kill()
	proc.Wait()
	// Bursts: every namespace at once, many changes each, so that the 64 KiB buffer overflows.
	stall.Store(true)
	for range 3 {
		round(names, 40)
	}
	stall.Store(false)
	t.Logf("%d changes (ip commands) across %d namespaces", changes, len(names))

	if !waitFor(10*time.Second, func() bool {
		for i := range remove {
			if evs.count(route.NodeRemoved, fmt.Sprintf("ns%d", i)) != 1 {
				return false
			}
		}
		return evs.count(route.NodeRemoved, "") == remove+2
	}) {
		t.Errorf("deleted namespaces not reported once each: %v", evs.list(route.NodeRemoved))
	}
	if _, _, ok := n.Namespace(procPath); ok {
		t.Errorf("%s still followed after its process exited", procPath)
	}
	for i := range remove {
		if _, _, ok := n.Namespace(fmt.Sprintf("ns%d", i)); ok {
			t.Errorf("ns%d still followed after its deletion", i)
		}
	}
	if n.Overflows() == 0 {
		t.Errorf("no overflow with a 64 KiB buffer and bursts across %d namespaces", len(names))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := n.Settle(ctx); err != nil {
		t.Fatal(err)
	}
	done := evs.list(route.NodeResyncDone)
	if n.Overflows() > 0 && len(done) == 0 {
		t.Errorf("%d overflows and no resync round reported", n.Overflows())
	}
	resynced := evs.list(route.NodeResynced)
	t.Logf("overflows %d, namespaces resynced %d, resync rounds %d", n.Overflows(), len(resynced), len(done))
	for _, d := range done {
		t.Logf("resync round: %d namespaces changed", len(d.Changed))
	}
	bad := mismatches(t, n, 10*time.Second)
	if len(bad) > 0 {
		t.Errorf("%d namespaces differ from a fresh dump:\n%s", len(bad), strings.Join(bad, "\n"))
	}
	fmt.Printf("FIGURE node_namespaces=%d node_changes=%d node_overflows=%d node_mismatches=%d\n",
		len(n.Namespaces()), changes, n.Overflows(), len(bad))

	// Queries across namespaces: the veths, and the routes to one prefix, agree with each namespace's copy.
	veths := n.LinksOfKind("veth")
	want := 0
	n.Each(func(ns route.Namespace, m *route.Mirror) bool {
		for _, l := range m.Links() {
			if l.Info.Kind == "veth" {
				want++
			}
		}
		return true
	})
	if len(veths) != want || want == 0 {
		t.Errorf("LinksOfKind(veth): %d links, the namespaces hold %d", len(veths), want)
	}
}

func dedup(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// listDiff lists the elements of two slices that the other lacks.
func listDiff(x, y any) string {
	a, b := reflect.ValueOf(x), reflect.ValueOf(y)
	var out []string
	for _, side := range []struct {
		tag      string
		from, in reflect.Value
	}{{"mirror only", a, b}, {"kernel only", b, a}} {
		for i := range side.from.Len() {
			found := false
			for j := range side.in.Len() {
				if reflect.DeepEqual(side.from.Index(i).Interface(), side.in.Index(j).Interface()) {
					found = true
					break
				}
			}
			if !found {
				out = append(out, fmt.Sprintf("\n  %s: %+v", side.tag, side.from.Index(i).Interface()))
			}
		}
	}
	return strings.Join(out, "")
}

// TestNodeMirrorViews checks the per-namespace view (a Mirror: accessors, Wait, the change stream through
// OnChange with the namespace's name) and the queries across namespaces (RoutesTo, LinksOfKind), and that a
// namespace's view ends with ErrNamespaceGone when it is deleted.
func TestNodeMirrorViews(t *testing.T) {
	requireRoot(t)
	rd := newRunDir(t)
	for _, name := range []string{"a", "b", "c"} {
		if err := rd.add(name); err != nil {
			t.Fatal(err)
		}
	}
	type seen struct {
		ns string
		c  route.Change
	}
	var mu sync.Mutex
	var changes []seen
	ag := agent(t)
	n := startNode(t, ag, &route.NodeConfig{RunDir: rd.dir, Self: true, OnChange: func(ns route.Namespace, c route.Change) {
		mu.Lock()
		changes = append(changes, seen{ns.Name, c})
		mu.Unlock()
	}})
	// Its own namespace (Self), whose events carry no nsid.
	self, selfNS, ok := n.Namespace("")
	if !ok || !selfNS.Self || selfNS.NSID != -1 || len(self.Links()) != 1 {
		t.Fatalf("own namespace: followed %v, %+v", ok, selfNS)
	}
	agentPath := fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), ag.Fd())
	if err := ipBatch(agentPath, []string{"link add s0 type veth peer name s1"}); err != nil {
		t.Fatal(err)
	}
	if !waitFor(10*time.Second, func() bool { return len(self.Links()) == 3 }) {
		t.Errorf("own namespace: %d links after a veth pair was added, want 3", len(self.Links()))
	}
	if got := len(n.Namespaces()); got != 4 {
		t.Errorf("%d namespaces, want 4 (a, b, c and its own)", got)
	}
	ma, nsA, ok := n.Namespace("a")
	if !ok {
		t.Fatal("a is not followed")
	}
	if byID, _, ok := n.NamespaceByNSID(nsA.NSID); !ok || byID != ma {
		t.Fatalf("NamespaceByNSID(%d) is not a's Mirror", nsA.NSID)
	}
	gen := ma.Generation()
	for _, name := range []string{"a", "b"} {
		if err := ipBatch(rd.path(name), []string{"link set lo up", "link add x0 type veth peer name x1",
			"link set x0 up", "addr add 10.50.0.1/24 dev x0", "route add 10.60.0.0/16 via 10.50.0.2"}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := netip.MustParsePrefix("10.60.0.0/16")
	for !slices.ContainsFunc(ma.Routes(), func(r route.Route) bool { return r.Dst == want }) {
		var err error
		if gen, err = ma.Wait(ctx, gen); err != nil {
			t.Fatalf("a's Mirror never got the route: %v", err)
		}
	}
	if !waitFor(10*time.Second, func() bool { return len(n.RoutesTo(want)) == 2 }) {
		t.Fatalf("RoutesTo(%s) = %v, want the routes of a and b", want, n.RoutesTo(want))
	}
	rs := n.RoutesTo(want)
	if rs[0].Namespace.Name != "a" || rs[1].Namespace.Name != "b" {
		t.Errorf("RoutesTo(%s) namespaces %s, %s; want a, b", want, rs[0].Namespace, rs[1].Namespace)
	}
	if got := n.LinksOfKind("veth"); len(got) != 6 {
		t.Errorf("LinksOfKind(veth) = %d links, want 6 (a, b and its own namespace)", len(got))
	}
	mu.Lock()
	found := false
	for _, s := range changes {
		if r, ok := s.c.New.(*route.Route); ok && s.ns == "b" && r.Dst == want && s.c.Kind == route.ChangeAdded {
			found = true
		}
		if s.ns == "c" && s.c.Cause != route.CauseResync {
			t.Errorf("a change in c, which did not change: %v", s.c)
		}
	}
	mu.Unlock()
	if !found {
		t.Error("OnChange never reported b's new route")
	}
	mc, _, _ := n.Namespace("c")
	if err := rd.del("c"); err != nil {
		t.Fatal(err)
	}
	if _, err := mc.Wait(ctx, ^uint64(0)>>1); !errors.Is(err, route.ErrNamespaceGone) {
		t.Errorf("c's Mirror after c was deleted: Wait gave %v, want ErrNamespaceGone", err)
	}
	if _, _, ok := n.Namespace("c"); ok {
		t.Error("c still followed after its deletion")
	}
	if len(mc.Links()) != 1 {
		t.Errorf("c's copy is not readable after c went: %d links", len(mc.Links()))
	}
}
