package main

// The many-namespaces scenario (issue 19): a route.NodeMirror of N namespaces, each with lo, a veth pair,
// addresses and 20 routes, against a bare-syscall loop that does the same setns, socket and dumps with the same
// number of workers, in the same run.
//
// The namespaces are bind-mounted in a private run directory (a temporary directory, not /run/netns, so that
// other namespaces of the machine do not join the measurement), and the NodeMirror runs from a namespace of its
// own, so that the nsids it gives are not given in the host's namespace.
//
// Figures: setup time; the NodeMirror's start (discovery, nsids, the first snapshot of every namespace through
// its pool) against the bare loop, interleaved rounds, median ratio; at rest: the Go heap per namespace, the
// heap the same objects take as plain snapshot slices (the state itself, dumped again and kept), RSS per
// namespace, file descriptors and OS threads of the process, and goroutines.

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/netns"
	"golang.org/x/sys/unix"
)

// nodeWorkers is the pool of the NodeMirror and the workers of the bare loop.
const nodeWorkers = 8

// nodesResult holds the figures of one many-namespaces run.
type nodesResult struct {
	n, workers     int
	setup          time.Duration
	limits         []string
	objects        int // objects in all namespaces (the NodeMirror's count)
	bareMsgs       int // messages the bare loop counted in all namespaces
	nodeTimes      []time.Duration
	bareTimes      []time.Duration
	ratios         []float64
	heapPerNS      float64 // bytes of Go heap per namespace, NodeMirror at rest
	stateHeapPerNS float64 // bytes of Go heap per namespace for the same objects kept as dumped slices
	rssPerNS       float64 // bytes of RSS per namespace
	fds, threads   int     // the process's, NodeMirror at rest, beyond those before it
	fdsTotal       int
	threadsTotal   int
	goroutines     int // beyond those before it
}

// runNodes measures the NodeMirror over n namespaces.
func runNodes(n, rounds int) (*nodesResult, error) {
	res := &nodesResult{n: n, workers: nodeWorkers}
	dir, err := os.MkdirTemp("", "nlkit-bench-nodes-")
	if err != nil {
		return nil, err
	}
	var mounted sync.Map
	defer func() {
		mounted.Range(func(k, _ any) bool {
			unix.Unmount(k.(string), unix.MNT_DETACH)
			return true
		})
		os.RemoveAll(dir)
	}()
	agent, err := netns.New()
	if err != nil {
		return nil, err
	}
	defer agent.Close()

	fmt.Printf("nodes: creating %d namespaces in %s ...\n", n, dir)
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range nodeWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || firstErr.Load() != nil {
					return
				}
				p := filepath.Join(dir, "ns"+strconv.Itoa(i))
				if err := makeNodeNS(p); err != nil {
					firstErr.CompareAndSwap(nil, fmt.Errorf("namespace %d of %d: %w", i, n, err))
					return
				}
				mounted.Store(p, true)
			}
		}()
	}
	wg.Wait()
	res.setup = time.Since(start)
	if err, _ := firstErr.Load().(error); err != nil {
		res.limits = append(res.limits, err.Error())
		return res, err
	}
	fmt.Printf("nodes: %d namespaces in %.1f s\n", n, res.setup.Seconds())

	// A first NodeMirror gives every namespace its nsid; the timed ones find them set (RTM_GETNSID only).
	if err := nodeOnce(agent, dir, nil); err != nil {
		return res, err
	}
	for r := range rounds {
		order := []bool{r%2 == 0, r%2 != 0}
		var tn, tb time.Duration
		for _, nodeFirst := range order {
			if nodeFirst {
				debug.FreeOSMemory()
				t0 := time.Now()
				if err := nodeOnce(agent, dir, func(*route.NodeMirror) {}); err != nil {
					return res, err
				}
				tn = time.Since(t0)
			} else {
				debug.FreeOSMemory()
				t0 := time.Now()
				k, err := bareAll(dir, n)
				if err != nil {
					return res, err
				}
				res.bareMsgs = k
				tb = time.Since(t0)
			}
		}
		res.nodeTimes = append(res.nodeTimes, tn)
		res.bareTimes = append(res.bareTimes, tb)
		res.ratios = append(res.ratios, float64(tn)/float64(tb))
		fmt.Printf("nodes: round %d: NodeMirror %.0f ms, bare loop %.0f ms (%.2fx)\n", r+1,
			float64(tn)/1e6, float64(tb)/1e6, float64(tn)/float64(tb))
	}

	// At rest.
	runtime.GC()
	debug.FreeOSMemory()
	before := restFigures()
	err = nodeOnce(agent, dir, func(nm *route.NodeMirror) {
		time.Sleep(200 * time.Millisecond) // let the pool's goroutines end and the sockets close
		runtime.GC()
		debug.FreeOSMemory()
		at := restFigures()
		nm.Each(func(_ route.Namespace, m *route.Mirror) bool {
			s := m.Snapshot()
			res.objects += len(s.Links) + len(s.Addrs) + len(s.Routes) + len(s.Neighs) + len(s.Rules) + len(s.Nexthops)
			return true
		})
		res.heapPerNS = float64(at.heap-before.heap) / float64(n)
		res.rssPerNS = float64(at.rss-before.rss) / float64(n)
		res.fds, res.threads = at.fds-before.fds, at.threads-before.threads
		res.fdsTotal, res.threadsTotal = at.fds, at.threads
		res.goroutines = at.goroutines - before.goroutines
	})
	if err != nil {
		return res, err
	}
	// The state itself: the same objects dumped and kept as slices.
	runtime.GC()
	b0 := restFigures()
	kept, err := keepSnapshots(dir, n)
	if err != nil {
		return res, err
	}
	runtime.GC()
	b1 := restFigures()
	res.stateHeapPerNS = float64(b1.heap-b0.heap) / float64(n)
	runtime.KeepAlive(kept)
	return res, nil
}

// makeNodeNS creates a namespace bind-mounted on path, as `ip netns add` does, with lo up, a veth pair v0/v1
// up, 10.0.0.1/24 on v0, 10.0.1.1/24 on v1, 10.0.2.1/24 on lo, and 20 routes 10.1.N.0/24 via 10.0.0.2.
func makeNodeNS(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0)
	if err != nil {
		return err
	}
	f.Close()
	h, err := netns.New()
	if err != nil {
		return err
	}
	defer h.Close()
	if err := unix.Mount(fmt.Sprintf("/proc/self/fd/%d", h.Fd()), path, "none", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("bind mount: %w", err)
	}
	c, err := route.Dial(&route.Config{NetNS: h.Fd()})
	if err != nil {
		return err
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Link.AddVeth(ctx, route.Link{Name: "v0"}, route.Link{Name: "v1"}, route.NetNSTarget{}); err != nil {
		return err
	}
	idx := map[string]int32{}
	for _, name := range []string{"lo", "v0", "v1"} {
		l, err := c.Link.GetByName(ctx, name)
		if err != nil {
			return err
		}
		idx[name] = l.Index
		if err := c.Link.Set(ctx, l.Index, route.LinkSet{Up: true}); err != nil {
			return err
		}
	}
	for i, name := range []string{"v0", "v1", "lo"} {
		a := route.Addr{Family: unix.AF_INET, PrefixLen: 24, Index: idx[name], Local: netip.AddrFrom4([4]byte{10, 0, byte(i), 1})}
		if err := c.Addr.Add(ctx, a); err != nil {
			return err
		}
	}
	for i := range 20 {
		r := route.Route{Family: unix.AF_INET, Dst: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 1, byte(i), 0}), 24),
			Gateway: netip.AddrFrom4([4]byte{10, 0, 0, 2}), OIF: idx["v0"]}
		if err := c.Route.Add(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// nodeOnce starts a NodeMirror of dir from the agent namespace, waits for every first snapshot, calls atRest
// (nil: nothing), and closes it.
func nodeOnce(agent netns.NsHandle, dir string, atRest func(*route.NodeMirror)) error {
	var nm *route.NodeMirror
	err := netns.Do(agent, func() error {
		var err error
		nm, err = route.NewNodeMirror(context.Background(), &route.NodeConfig{RunDir: dir, Workers: nodeWorkers})
		return err
	})
	if err != nil {
		return err
	}
	defer nm.Close()
	if atRest != nil {
		atRest(nm)
	}
	return nil
}

// bareAll is the floor: nodeWorkers goroutines, each taking namespaces in turn: open the file, setns on a
// locked thread, socket, setns back, bind, NETLINK_GET_STRICT_CHK, and the dumps a snapshot sends (links,
// addresses, IPv4 routes, IPv6 routes, neighbours, rules, nexthops), counting the messages; close.
func bareAll(dir string, n int) (int, error) {
	var next, msgs atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range nodeWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, floorBuffer)
			for {
				i := int(next.Add(1)) - 1
				if i >= n || firstErr.Load() != nil {
					return
				}
				k, err := bareOne(filepath.Join(dir, "ns"+strconv.Itoa(i)), buf)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				msgs.Add(int64(k))
			}
		}()
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return 0, err
	}
	return int(msgs.Load()), nil
}

// snapshotRequests are the dump requests of route.TakeSnapshot: type and the fixed header.
func snapshotRequests() [][]byte {
	mk := func(typ uint16, body []byte) []byte {
		b := make([]byte, 16+len(body))
		binary.NativeEndian.PutUint32(b[0:], uint32(len(b)))
		binary.NativeEndian.PutUint16(b[4:], typ)
		binary.NativeEndian.PutUint16(b[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
		copy(b[16:], body)
		return b
	}
	rt := func(family byte) []byte { b := make([]byte, unix.SizeofRtMsg); b[0] = family; return b }
	return [][]byte{
		mk(unix.RTM_GETLINK, make([]byte, unix.SizeofIfInfomsg)),
		mk(unix.RTM_GETADDR, make([]byte, unix.SizeofIfAddrmsg)),
		mk(unix.RTM_GETROUTE, rt(unix.AF_INET)),
		mk(unix.RTM_GETROUTE, rt(unix.AF_INET6)),
		mk(unix.RTM_GETNEIGH, make([]byte, unix.SizeofNdMsg)),
		mk(unix.RTM_GETRULE, make([]byte, 12)),
		mk(unix.RTM_GETNEXTHOP, make([]byte, 8)),
	}
}

// bareOne dumps one namespace with bare system calls.
func bareOne(path string, buf []byte) (int, error) {
	h, err := netns.GetFromPath(path)
	if err != nil {
		return 0, err
	}
	fd, err := bareSocketIn(h, unix.NETLINK_ROUTE)
	h.Close()
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_GET_STRICT_CHK, 1); err != nil {
		return 0, err
	}
	total := 0
	for seq, req := range snapshotRequests() {
		binary.NativeEndian.PutUint32(req[8:], uint32(seq+1))
		if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			return 0, err
		}
	dump:
		for {
			k, _, err := unix.Recvfrom(fd, buf, 0)
			if err != nil {
				return 0, err
			}
			for b := buf[:k]; len(b) >= 16; {
				l := int(binary.NativeEndian.Uint32(b[0:]))
				typ := binary.NativeEndian.Uint16(b[4:])
				if l < 16 || l > len(b) {
					break
				}
				switch typ {
				case unix.NLMSG_DONE:
					break dump
				case unix.NLMSG_ERROR:
					errno := int32(binary.NativeEndian.Uint32(b[16:]))
					if errno != 0 && req[4] == byte(unix.RTM_GETNEXTHOP) {
						break dump // no nexthop support: as TakeSnapshot, skipped
					}
					if errno != 0 {
						return 0, fmt.Errorf("dump %d: %w", binary.NativeEndian.Uint16(req[4:]), unix.Errno(-errno))
					}
					break dump
				}
				total++
				b = b[(l+3)&^3:]
			}
		}
	}
	return total, nil
}

// keepSnapshots dumps every namespace with a Client and keeps the snapshots: the state as plain slices.
func keepSnapshots(dir string, n int) ([]*route.Snapshot, error) {
	out := make([]*route.Snapshot, n)
	for i := range n {
		fd, err := unix.Open(filepath.Join(dir, "ns"+strconv.Itoa(i)), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return nil, err
		}
		c, err := route.Dial(&route.Config{NetNS: fd})
		unix.Close(fd)
		if err != nil {
			return nil, err
		}
		s, err := route.TakeSnapshot(context.Background(), c, route.WatchAll, 0)
		c.Close()
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// rest are the process's figures at one moment.
type rest struct {
	heap                     uint64
	rss                      int64
	fds, threads, goroutines int
}

func restFigures() rest {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	r := rest{heap: ms.HeapAlloc, goroutines: runtime.NumGoroutine()}
	if ents, err := os.ReadDir("/proc/self/fd"); err == nil {
		r.fds = len(ents) - 1 // the directory's own descriptor
	}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) < 2 {
				continue
			}
			switch f[0] {
			case "Threads:":
				r.threads, _ = strconv.Atoi(f[1])
			case "VmRSS:":
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				r.rss = kb << 10
			}
		}
	}
	return r
}

// text prints the figures and the RESULT and TARGET lines (issue 19's goals: memory at rest beyond the state
// ≤ 16 KiB per namespace, descriptors at rest ≤ 16 in all, OS threads ≤ 16, start within 1.2x the bare loop).
func (r *nodesResult) text() string {
	var b strings.Builder
	tag := "nodes-" + countName(r.n)
	fmt.Fprintf(&b, "\n%s: %d namespaces (lo, veth pair, 3 IPv4 addresses, 20 routes each), %d workers\n", tag, r.n, r.workers)
	fmt.Fprintf(&b, "  setup %.1f s (%.1f ms per namespace)\n", r.setup.Seconds(), float64(r.setup)/1e6/float64(r.n))
	for _, l := range r.limits {
		fmt.Fprintf(&b, "  limit met: %s\n", l)
	}
	fmt.Fprintf(&b, "  objects followed %d (%.0f per namespace); the bare loop's dumps counted %d messages (%.0f per namespace)\n",
		r.objects, float64(r.objects)/float64(r.n), r.bareMsgs, float64(r.bareMsgs)/float64(r.n))
	fmt.Fprintf(&b, "  start (discovery, nsids, first snapshot of all): NodeMirror median %.0f ms, bare loop median %.0f ms, median ratio %.2fx over %d rounds\n",
		float64(median(r.nodeTimes))/1e6, float64(median(r.bareTimes))/1e6, median(r.ratios), len(r.ratios))
	fmt.Fprintf(&b, "  at rest: Go heap %.1f KiB per namespace, of which the objects as dumped slices take %.1f KiB; beyond the state %.1f KiB\n",
		r.heapPerNS/1024, r.stateHeapPerNS/1024, (r.heapPerNS-r.stateHeapPerNS)/1024)
	fmt.Fprintf(&b, "  at rest: RSS %.1f KiB per namespace; descriptors +%d (%d in the process); OS threads +%d (%d in the process); goroutines +%d\n",
		r.rssPerNS/1024, r.fds, r.fdsTotal, r.threads, r.threadsTotal, r.goroutines)
	fmt.Fprintf(&b, "RESULT %s start nlkit/floor=%.2f\n", tag, median(r.ratios))
	check := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	fmt.Fprintf(&b, "TARGET %s heap beyond state %.1f KiB/ns <= 16: %s\n", tag, (r.heapPerNS-r.stateHeapPerNS)/1024,
		check(r.heapPerNS-r.stateHeapPerNS <= 16<<10))
	fmt.Fprintf(&b, "TARGET %s fds at rest %d <= 16: %s\n", tag, r.fdsTotal, check(r.fdsTotal <= 16))
	fmt.Fprintf(&b, "TARGET %s OS threads %d <= 16: %s\n", tag, r.threadsTotal, check(r.threadsTotal <= 16))
	fmt.Fprintf(&b, "TARGET %s start %.2fx the bare loop <= 1.2: %s\n", tag, median(r.ratios), check(median(r.ratios) <= 1.2))
	return b.String()
}
