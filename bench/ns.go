package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nlkit/nlkit/netns"
)

type scenarioKind int

const (
	kindRoutes scenarioKind = iota
	kindLinks
)

func (k scenarioKind) String() string {
	if k == kindLinks {
		return "links"
	}
	return "routes"
}

type scenarioSpec struct {
	kind scenarioKind
	n    int
}

func (s scenarioSpec) name() string { return s.kind.String() + "-" + countName(s.n) }

func countName(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return strconv.Itoa(n/1000000) + "M"
	case n >= 1000 && n%1000 == 0:
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// scenario is a populated namespace.
type scenario struct {
	spec      scenarioSpec
	ns        string
	h         netns.NsHandle
	setupNote string
	setupTime time.Duration
}

func (s *scenario) fd() int { return s.h.Fd() }

// The shape of the route namespaces: a veth pair, 192.168.255.1/24 on veth0, and N /24 routes through
// 192.168.255.2 (1.0.0.0/24, 1.0.1.0/24, ... up to 16.x.y.0/24 for 1M), all in table main. A dump of table main
// returns N+1 routes (the connected 192.168.255.0/24 too). The link namespaces hold N/2 veth pairs (a0/b0...)
// and lo.
const (
	benchGateway = "192.168.255.2"
	benchLocal   = "192.168.255.1/24"
)

func routePrefix(i int) string {
	return fmt.Sprintf("%d.%d.%d.0/24", 1+i/65536, (i/256)%256, i%256)
}

// nsManager creates and deletes the namespaces of one run.
type nsManager struct {
	mu      sync.Mutex
	keep    bool
	created []string
	handles []netns.NsHandle
	swept   bool
}

func (m *nsManager) prefix() string {
	if m.keep {
		return "nlkit-bench-keep-"
	}
	return fmt.Sprintf("nlkit-bench-%d-", os.Getpid())
}

// sweep deletes namespaces left by earlier runs whose process is gone (nlkit-bench-PID-*).
func (m *nsManager) sweep() {
	if m.swept {
		return
	}
	m.swept = true
	names, err := netns.ListNamed()
	if err != nil {
		return
	}
	for _, n := range names {
		rest, ok := strings.CutPrefix(n, "nlkit-bench-")
		if !ok {
			continue
		}
		pid, _, ok := strings.Cut(rest, "-")
		if !ok {
			continue
		}
		p, err := strconv.Atoi(pid)
		if err != nil || p == os.Getpid() {
			continue
		}
		if _, err := os.Stat("/proc/" + pid); err == nil {
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: deleting stale namespace %s\n", n)
		_ = exec.Command("ip", "netns", "del", n).Run()
	}
}

func (m *nsManager) add(name string) (netns.NsHandle, error) {
	m.sweep()
	out, err := exec.Command("ip", "netns", "add", name).CombinedOutput()
	if err != nil {
		return netns.NsHandle{}, fmt.Errorf("ip netns add %s: %v: %s", name, err, out)
	}
	m.mu.Lock()
	m.created = append(m.created, name)
	m.mu.Unlock()
	return m.open(name)
}

func (m *nsManager) open(name string) (netns.NsHandle, error) {
	h, err := netns.GetFromName(name)
	if err != nil {
		return h, err
	}
	m.mu.Lock()
	m.handles = append(m.handles, h)
	m.mu.Unlock()
	return h, nil
}

// remove deletes one namespace now (unless -keep).
func (m *nsManager) remove(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, n := range m.created {
		if n == name {
			m.created = append(m.created[:i], m.created[i+1:]...)
			out, err := exec.Command("ip", "netns", "del", name).CombinedOutput()
			if err != nil {
				return fmt.Errorf("ip netns del %s: %v: %s", name, err, out)
			}
			return nil
		}
	}
	return nil
}

// cleanup deletes every namespace this run created (all of them, even with -keep, when the run fails before a
// namespace was complete is handled by scenario), and closes the handles.
func (m *nsManager) cleanup() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, h := range m.handles {
		_ = h.Close()
	}
	m.handles = nil
	if m.keep {
		return
	}
	for _, n := range m.created {
		if out, err := exec.Command("ip", "netns", "del", n).CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "bench: ip netns del %s: %v: %s\n", n, err, out)
		}
	}
	m.created = nil
}

func nsExists(name string) bool {
	_, err := os.Stat(netns.RunDir + "/" + name)
	return err == nil
}

// empty returns a fresh namespace with nothing in it.
func (m *nsManager) empty(tag string) (string, error) {
	name := m.prefix() + tag
	if nsExists(name) {
		if m.keep {
			return name, nil
		}
		_ = exec.Command("ip", "netns", "del", name).Run()
	}
	_, err := m.add(name)
	return name, err
}

// scenario creates and fills the namespace of spec (or, with -keep, reuses a complete one).
func (m *nsManager) scenario(spec scenarioSpec) (*scenario, error) {
	name := m.prefix() + spec.name()
	sc := &scenario{spec: spec, ns: name}
	if m.keep && nsExists(name) {
		h, err := m.open(name)
		if err != nil {
			return nil, err
		}
		sc.h = h
		if n, err := floorCount(sc); err == nil && n == spec.n+1 {
			sc.setupNote = fmt.Sprintf("%s: reusing namespace %s (%d objects)", spec.name(), name, n)
			return sc, nil
		}
		_ = exec.Command("ip", "netns", "del", name).Run()
	}
	if nsExists(name) {
		_ = exec.Command("ip", "netns", "del", name).Run()
	}
	h, err := m.add(name)
	if err != nil {
		return nil, err
	}
	sc.h = h
	start := time.Now()
	switch spec.kind {
	case kindRoutes:
		err = ipBatch(name, func(w io.Writer) {
			fmt.Fprintf(w, "link add veth0 type veth peer name veth1\nlink set veth1 up\nlink set veth0 up\n")
			fmt.Fprintf(w, "addr add %s dev veth0\n", benchLocal)
			for i := 0; i < spec.n; i++ {
				fmt.Fprintf(w, "route add %s via %s dev veth0\n", routePrefix(i), benchGateway)
			}
		})
	case kindLinks:
		err = ipBatch(name, func(w io.Writer) {
			for i := 0; i < spec.n/2; i++ {
				fmt.Fprintf(w, "link add a%d type veth peer name b%d\n", i, i)
			}
			if spec.n%2 == 1 {
				fmt.Fprintf(w, "link add c0 type ifb\n")
			}
		})
	}
	sc.setupTime = time.Since(start)
	if err != nil {
		return nil, fmt.Errorf("filling %s: %w", name, err)
	}
	n, err := floorCount(sc)
	if err != nil {
		return nil, fmt.Errorf("counting %s: %w", name, err)
	}
	if n != spec.n+1 {
		return nil, fmt.Errorf("%s: dump returned %d objects, want %d", name, n, spec.n+1)
	}
	what := "routes"
	if spec.kind == kindLinks {
		what = "links"
	}
	sc.setupNote = fmt.Sprintf("%s: namespace %s, %d %s inserted with `ip -batch` in %.1f s (%.0f/s)",
		spec.name(), name, spec.n, what, sc.setupTime.Seconds(), float64(spec.n)/sc.setupTime.Seconds())
	return sc, nil
}

// ipBatch feeds commands to `ip -n NS -batch -`.
func ipBatch(ns string, write func(io.Writer)) error {
	cmd := exec.Command("ip", "-n", ns, "-batch", "-")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(stdin, 1<<20)
	write(bw)
	werr := bw.Flush()
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("ip -batch: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return werr
}
