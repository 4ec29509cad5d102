package main

// The write table (issue 20): installing N IPv4 routes (and 10k addresses, 10k neighbours) into a fresh
// namespace, each case in a namespace of its own, cases interleaved per round. The two raw floors are bare
// system calls: requests packed into 32 KiB datagrams without NLM_F_ACK and one acknowledged NLMSG_NOOP as a
// barrier (sendmsg per datagram), and packed with NLM_F_ACK on each, every datagram's acks read (recvfrom, one
// per ack, as they come) before the next datagram goes; both with the SO_RCVBUF a route.Batch asks for. Each
// case's ratio is the median over rounds of its time over the floor of the same mode in the same round:
// errors-only cases (no NLM_F_ACK: batch-errors, nlkit -batch -force) against floor-noack, acknowledged ones
// against floor-ack.

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/netns"
	vnl "github.com/vishvananda/netlink"
	vns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

type writeObj int

const (
	objRoute writeObj = iota
	objAddr
	objNeigh
)

func (o writeObj) String() string { return [...]string{"routes", "addresses", "neighbours"}[o] }

// writeEnv is one case's namespace: veth0 up with 192.168.255.1/24, its peer veth1 up.
type writeEnv struct {
	ns   string
	h    netns.NsHandle
	idx  int32
	obj  writeObj
	n    int
	file string // the ip -batch file of the scenario
	bin  string // the nlkit binary
}

// writeCase is one way of installing the objects.
type writeCase struct {
	name, desc string
	floor      string // the floor its ratio is against
	objs       []writeObj
	// prep opens what the case needs (sockets, handles) outside the timed region and returns the timed run
	// and what closes them.
	prep func(e *writeEnv) (run func() error, done func(), err error)
}

// untimedOpen makes a prep of a run that opens nothing.
func untimedOpen(run func(e *writeEnv) error) func(e *writeEnv) (func() error, func(), error) {
	return func(e *writeEnv) (func() error, func(), error) { return func() error { return run(e) }, func() {}, nil }
}

func writeCases() []writeCase {
	all := []writeObj{objRoute, objAddr, objNeigh}
	return []writeCase{
		{"floor-noack", "raw sendmsg, 32 KiB datagrams, no NLM_F_ACK, one acked NLMSG_NOOP barrier", "floor-noack", all,
			func(e *writeEnv) (func() error, func(), error) { return floorPrep(e, false) }},
		{"floor-ack", "raw sendmsg, 32 KiB datagrams, NLM_F_ACK on each, acks read (recvfrom) after each datagram", "floor-ack", all,
			func(e *writeEnv) (func() error, func(), error) { return floorPrep(e, true) }},
		{"batch-errors", "nlkit route.Batch, BatchErrorsOnly", "floor-noack", all,
			func(e *writeEnv) (func() error, func(), error) { return nlkitBatch(e, route.BatchErrorsOnly) }},
		{"batch-ack", "nlkit route.Batch, BatchAckEach", "floor-ack", all,
			func(e *writeEnv) (func() error, func(), error) { return nlkitBatch(e, route.BatchAckEach) }},
		{"nlkit-add", "nlkit Add in a loop (one request, one ack)", "floor-ack", all, nlkitAddLoop},
		{"nlkit-cli", "`nlkit -force -batch FILE` (whole process)", "floor-noack", all,
			untimedOpen(func(e *writeEnv) error { return cliBatch(e, e.bin, "-force") })},
		{"ip-batch", "`ip -force -batch FILE` (whole process)", "floor-ack", all,
			untimedOpen(func(e *writeEnv) error { return cliBatch(e, "ip", "-force") })},
		{"vish-add", "vishvananda/netlink RouteAdd/AddrAdd/NeighAdd in a loop", "floor-ack", all, vishAddLoop},
	}
}

func (e *writeEnv) route(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(1 + i/65536), byte(i / 256), byte(i), 0}), 24)
}
func (e *writeEnv) addr(i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
}
func (e *writeEnv) mac(i int) [6]byte { return [6]byte{2, 0, 0, byte(i >> 16), byte(i >> 8), byte(i)} }

var benchGW = netip.MustParseAddr(benchGateway)

// payload appends the request payload of object i (RTM_NEWROUTE, RTM_NEWADDR or RTM_NEWNEIGH), as the
// floors encode it: what route.Batch sends for the same object.
func (e *writeEnv) payload(b []byte, i int) []byte {
	attr := func(b []byte, typ uint16, v []byte) []byte {
		b = binary.NativeEndian.AppendUint16(b, uint16(4+len(v)))
		b = binary.NativeEndian.AppendUint16(b, typ)
		b = append(b, v...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		return b
	}
	u32 := func(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
	switch e.obj {
	case objAddr:
		a := e.addr(i).As4()
		b = append(b, unix.AF_INET, 32, 0, 0)
		b = binary.NativeEndian.AppendUint32(b, uint32(e.idx))
		b = attr(b, unix.IFA_LOCAL, a[:])
		return attr(b, unix.IFA_ADDRESS, a[:])
	case objNeigh:
		a, m := e.addr(i).As4(), e.mac(i)
		b = append(b, unix.AF_INET, 0, 0, 0)
		b = binary.NativeEndian.AppendUint32(b, uint32(e.idx))
		b = binary.NativeEndian.AppendUint16(b, unix.NUD_PERMANENT)
		b = append(b, 0, 0)
		b = attr(b, unix.NDA_DST, a[:])
		return attr(b, unix.NDA_LLADDR, m[:])
	}
	d, g := e.route(i).Addr().As4(), benchGW.As4()
	b = append(b, unix.AF_INET, 24, 0, 0, unix.RT_TABLE_MAIN, unix.RTPROT_BOOT, unix.RT_SCOPE_UNIVERSE, unix.RTN_UNICAST,
		0, 0, 0, 0)
	b = attr(b, unix.RTA_TABLE, u32(unix.RT_TABLE_MAIN))
	b = attr(b, unix.RTA_DST, d[:])
	b = attr(b, unix.RTA_GATEWAY, g[:])
	return attr(b, unix.RTA_OIF, u32(uint32(e.idx)))
}

func (e *writeEnv) newType() uint16 {
	return [...]uint16{unix.RTM_NEWROUTE, unix.RTM_NEWADDR, unix.RTM_NEWNEIGH}[e.obj]
}

// rawWriteSocket opens the floors' socket in the case's namespace, with the receive buffer a Batch asks for.
func rawWriteSocket(e *writeEnv) (int, error) {
	fd, err := bareSocketIn(e.h, unix.NETLINK_ROUTE)
	if err != nil {
		return -1, err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, route.DefaultBatchSocketReceiveBuffer); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// ackErrno reads one datagram of acks: it returns the errors among them and how many acks it held, and
// whether the ack of seq was one.
func readAcks(fd int, buf []byte, seq uint32) (acks int, sawSeq bool, err error) {
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return 0, false, err
	}
	for b := buf[:n]; len(b) >= 16; {
		l := int(binary.NativeEndian.Uint32(b))
		if l < 16 || l > len(b) {
			break
		}
		if binary.NativeEndian.Uint16(b[4:]) == unix.NLMSG_ERROR {
			acks++
			if e := int32(binary.NativeEndian.Uint32(b[16:])); e != 0 {
				return acks, false, fmt.Errorf("request %d failed: %v", binary.NativeEndian.Uint32(b[8+16+8:]), unix.Errno(-e))
			}
			if binary.NativeEndian.Uint32(b[8:]) == seq {
				sawSeq = true
			}
		}
		b = b[(l+3)&^3:]
	}
	return acks, sawSeq, nil
}

// floorPacked sends every object in packed datagrams; with ack, NLM_F_ACK on each and each datagram's acks
// read before the next; without, one NLMSG_NOOP with NLM_F_ACK at the end, whose ack ends the run.
func floorPrep(e *writeEnv, ack bool) (func() error, func(), error) {
	fd, err := rawWriteSocket(e)
	if err != nil {
		return nil, nil, err
	}
	return func() error { return floorPacked(e, fd, ack) }, func() { unix.Close(fd) }, nil
}

func floorPacked(e *writeEnv, fd int, ack bool) error {
	buf := make([]byte, 0, 32<<10)
	rbuf := make([]byte, 32<<10)
	sa := &unix.SockaddrNetlink{Family: unix.AF_NETLINK}
	flags := uint16(unix.NLM_F_REQUEST | unix.NLM_F_CREATE | unix.NLM_F_EXCL)
	if ack {
		flags |= unix.NLM_F_ACK
	}
	typ := e.newType()
	seq := uint32(1)
	inDgram := 0
	send := func() error {
		if err := unix.Sendto(fd, buf, 0, sa); err != nil {
			return err
		}
		for got := 0; ack && got < inDgram; {
			n, _, err := readAcks(fd, rbuf, 0)
			if err != nil {
				return err
			}
			got += n
		}
		buf, inDgram = buf[:0], 0
		return nil
	}
	for i := range e.n {
		off := len(buf)
		buf = append(buf, make([]byte, 16)...)
		buf = e.payload(buf, i)
		if len(buf) > 32<<10 {
			msg := append([]byte(nil), buf[off:]...)
			buf = buf[:off]
			if err := send(); err != nil {
				return err
			}
			buf = append(buf, msg...)
			off = 0
		}
		binary.NativeEndian.PutUint32(buf[off:], uint32(len(buf)-off))
		binary.NativeEndian.PutUint16(buf[off+4:], typ)
		binary.NativeEndian.PutUint16(buf[off+6:], flags)
		binary.NativeEndian.PutUint32(buf[off+8:], seq)
		seq++
		inDgram++
	}
	if !ack {
		off := len(buf)
		buf = append(buf, make([]byte, 16)...)
		binary.NativeEndian.PutUint32(buf[off:], 16)
		binary.NativeEndian.PutUint16(buf[off+4:], unix.NLMSG_NOOP)
		binary.NativeEndian.PutUint16(buf[off+6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK)
		binary.NativeEndian.PutUint32(buf[off+8:], seq)
		if err := unix.Sendto(fd, buf, 0, sa); err != nil {
			return err
		}
		for {
			_, saw, err := readAcks(fd, rbuf, seq)
			if err != nil {
				return err
			}
			if saw {
				return nil
			}
		}
	}
	if len(buf) > 0 {
		return send()
	}
	return nil
}

func (e *writeEnv) routes() iter.Seq[route.Route] {
	return func(yield func(route.Route) bool) {
		for i := range e.n {
			if !yield(route.Route{Dst: e.route(i), Gateway: benchGW, OIF: e.idx}) {
				return
			}
		}
	}
}

func (e *writeEnv) addrs() iter.Seq[route.Addr] {
	return func(yield func(route.Addr) bool) {
		for i := range e.n {
			if !yield(route.Addr{Family: unix.AF_INET, PrefixLen: 32, Index: e.idx, Local: e.addr(i)}) {
				return
			}
		}
	}
}

func (e *writeEnv) neighs() iter.Seq[route.Neigh] {
	return func(yield func(route.Neigh) bool) {
		for i := range e.n {
			m := e.mac(i)
			if !yield(route.Neigh{Family: unix.AF_INET, Index: e.idx, Dst: e.addr(i), LLAddr: route.HWAddrFrom(m[:]),
				State: route.NeighState(unix.NUD_PERMANENT)}) {
				return
			}
		}
	}
}

func nlkitBatch(e *writeEnv, mode route.BatchMode) (func() error, func(), error) {
	c, err := route.Dial(&route.Config{NetNS: e.h.Fd()})
	if err != nil {
		return nil, nil, err
	}
	b, err := c.NewBatch(&route.BatchOptions{Mode: mode})
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	run := func() error {
		ctx := context.Background()
		switch e.obj {
		case objAddr:
			return b.Addrs(ctx, route.BatchAdd, e.addrs())
		case objNeigh:
			return b.Neighs(ctx, route.BatchAdd, e.neighs())
		}
		return b.Routes(ctx, route.BatchAdd, e.routes())
	}
	return run, func() { b.Close(); c.Close() }, nil
}

func nlkitAddLoop(e *writeEnv) (func() error, func(), error) {
	c, err := route.Dial(&route.Config{NetNS: e.h.Fd()})
	if err != nil {
		return nil, nil, err
	}
	return func() error { return nlkitAdds(e, c) }, func() { c.Close() }, nil
}

func nlkitAdds(e *writeEnv, c *route.Client) error {
	ctx := context.Background()
	switch e.obj {
	case objAddr:
		for a := range e.addrs() {
			if err := c.Addr.Add(ctx, a); err != nil {
				return err
			}
		}
	case objNeigh:
		for n := range e.neighs() {
			if err := c.Neigh.Add(ctx, n); err != nil {
				return err
			}
		}
	default:
		for r := range e.routes() {
			if err := c.Route.Add(ctx, r); err != nil {
				return err
			}
		}
	}
	return nil
}

func vishAddLoop(e *writeEnv) (func() error, func(), error) {
	h, err := vnl.NewHandleAt(vns.NsHandle(e.h.Fd()), unix.NETLINK_ROUTE)
	if err != nil {
		return nil, nil, err
	}
	link, err := h.LinkByIndex(int(e.idx))
	if err != nil {
		h.Close()
		return nil, nil, err
	}
	return func() error { return vishAdds(e, h, link) }, h.Close, nil
}

func vishAdds(e *writeEnv, h *vnl.Handle, link vnl.Link) error {
	var err error
	gw := net.IP(benchGW.AsSlice())
	for i := range e.n {
		switch e.obj {
		case objAddr:
			err = h.AddrAdd(link, &vnl.Addr{IPNet: &net.IPNet{IP: e.addr(i).AsSlice(), Mask: net.CIDRMask(32, 32)}})
		case objNeigh:
			m := e.mac(i)
			err = h.NeighAdd(&vnl.Neigh{LinkIndex: int(e.idx), Family: unix.AF_INET, State: unix.NUD_PERMANENT,
				IP: e.addr(i).AsSlice(), HardwareAddr: net.HardwareAddr(m[:])})
		default:
			p := e.route(i)
			err = h.RouteAdd(&vnl.Route{LinkIndex: int(e.idx), Gw: gw,
				Dst: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(24, 32)}})
		}
		if err != nil {
			return fmt.Errorf("#%d: %w", i, err)
		}
	}
	return nil
}

func cliBatch(e *writeEnv, bin string, extra ...string) error {
	args := append([]string{"-n", e.ns}, extra...)
	out, err := exec.Command(bin, append(args, "-batch", e.file)...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s -batch: %v: %.300s", bin, err, out)
	}
	return nil
}

// writeBatchFile writes the ip -batch file that installs the objects of a scenario.
func writeBatchFile(dir string, obj writeObj, n int) (string, error) {
	name := filepath.Join(dir, fmt.Sprintf("%s-%d", obj, n))
	f, err := os.Create(name)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	e := &writeEnv{obj: obj}
	for i := range n {
		switch obj {
		case objAddr:
			fmt.Fprintf(w, "addr add %s/32 dev veth0\n", e.addr(i))
		case objNeigh:
			m := e.mac(i)
			fmt.Fprintf(w, "neigh add %s lladdr %s dev veth0 nud permanent\n", e.addr(i), net.HardwareAddr(m[:]))
		default:
			fmt.Fprintf(w, "route add %s via %s dev veth0\n", e.route(i), benchGateway)
		}
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	return name, f.Close()
}

// writeCount counts what a case installed: the routes of table main through veth0, the IPv4 addresses on
// veth0 or its permanent neighbours.
func writeCount(e *writeEnv) (int, error) {
	c, err := route.Dial(&route.Config{NetNS: e.h.Fd()})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	ctx := context.Background()
	n := 0
	switch e.obj {
	case objAddr:
		as, err := c.Addr.List(ctx, &route.AddrFilter{Index: e.idx, Family: unix.AF_INET})
		for _, a := range as {
			if a.PrefixLen == 32 {
				n++
			}
		}
		return n, err
	case objNeigh:
		ns, err := c.Neigh.List(ctx, &route.NeighFilter{Index: e.idx, Family: unix.AF_INET})
		for _, x := range ns {
			if x.State == route.NeighState(unix.NUD_PERMANENT) {
				n++
			}
		}
		return n, err
	}
	rs, err := c.Route.List(ctx, &route.RouteFilter{Family: unix.AF_INET, Table: route.TableMain, OIF: e.idx})
	for _, r := range rs {
		if r.Gateway.IsValid() {
			n++
		}
	}
	return n, err
}

type writeScenario struct {
	obj writeObj
	n   int
}

type writeResult struct {
	sc     writeScenario
	rounds int
	times  map[string][]time.Duration
	ratios map[string][]float64
	cpu    map[string][]time.Duration
	// cpuRatios are the case's CPU time over its floor's in the same round: on a shared machine, less
	// disturbed by other processes than the wall-clock ratios.
	cpuRatios map[string][]float64
}

type writesResult struct {
	results []*writeResult
	cases   []writeCase
	notes   []string
	mirror  *mirrorResult
}

// mirrorResult is what mirrorDuringBatch found.
type mirrorResult struct {
	n       int
	resyncs uint64
	equal   bool
}

// runWrites measures the write table.
func runWrites(ns *nsManager, o *options) (*writesResult, error) {
	var scs []writeScenario
	for _, n := range o.writeRoutes {
		scs = append(scs, writeScenario{objRoute, n})
	}
	if o.writeOthers > 0 {
		scs = append(scs, writeScenario{objAddr, o.writeOthers}, writeScenario{objNeigh, o.writeOthers})
	}
	dir, err := os.MkdirTemp("", "nlkit-bench-writes")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "nlkit")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/nlkit/nlkit/cmd/nlkit").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building nlkit: %v: %s", err, out)
	}
	res := &writesResult{cases: writeCases()}
	rng := rand.New(rand.NewPCG(20, 20))
	for _, sc := range scs {
		file, err := writeBatchFile(dir, sc.obj, sc.n)
		if err != nil {
			return nil, err
		}
		rounds := o.rounds
		if rounds == 0 {
			rounds = 3
			if sc.n >= 1000000 {
				rounds = 1
			}
		}
		wr := &writeResult{sc: sc, rounds: rounds, times: map[string][]time.Duration{}, ratios: map[string][]float64{},
			cpu: map[string][]time.Duration{}, cpuRatios: map[string][]float64{}}
		for round := range rounds {
			order := rng.Perm(len(res.cases))
			times, cpus := map[string]time.Duration{}, map[string]time.Duration{}
			for _, k := range order {
				c := res.cases[k]
				if o.cases != nil && !o.cases[c.name] && !strings.HasPrefix(c.name, "floor") {
					continue
				}
				name, err := ns.empty(fmt.Sprintf("w-%s-%d", c.name, round))
				if err != nil {
					return nil, err
				}
				h, err := ns.open(name)
				if err != nil {
					return nil, err
				}
				if err := ipBatch(name, func(w io.Writer) {
					fmt.Fprintf(w, "link add veth0 type veth peer name veth1\nlink set veth1 up\nlink set veth0 up\n")
					fmt.Fprintf(w, "addr add %s dev veth0\n", benchLocal)
				}); err != nil {
					return nil, err
				}
				l, err := vnlLinkIndex(h, "veth0")
				if err != nil {
					return nil, err
				}
				e := &writeEnv{ns: name, h: h, idx: l, obj: sc.obj, n: sc.n, file: file, bin: bin}
				run, done, err := c.prep(e)
				if err != nil {
					return nil, fmt.Errorf("%s %s-%d: %w", c.name, sc.obj, sc.n, err)
				}
				runtime.GC()
				var ru0, ru1 unix.Rusage
				unix.Getrusage(unix.RUSAGE_SELF, &ru0)
				unix.Getrusage(unix.RUSAGE_CHILDREN, &ru1)
				start := time.Now()
				err = run()
				el := time.Since(start)
				var ru2, ru3 unix.Rusage
				unix.Getrusage(unix.RUSAGE_SELF, &ru2)
				unix.Getrusage(unix.RUSAGE_CHILDREN, &ru3)
				if err != nil {
					return nil, fmt.Errorf("%s %s-%d: %w", c.name, sc.obj, sc.n, err)
				}
				if got, err := writeCount(e); err != nil || got != sc.n {
					return nil, fmt.Errorf("%s %s-%d: %d installed (%v), want %d", c.name, sc.obj, sc.n, got, err, sc.n)
				}
				done()
				cpu := rusageCPU(&ru2) - rusageCPU(&ru0) + rusageCPU(&ru3) - rusageCPU(&ru1)
				times[c.name], cpus[c.name] = el, cpu
				wr.times[c.name] = append(wr.times[c.name], el)
				wr.cpu[c.name] = append(wr.cpu[c.name], cpu)
				if o.verbose {
					fmt.Printf("  write %s-%d round %d %s: %.1f ms\n", sc.obj, sc.n, round, c.name, ms(el))
				}
				if err := ns.remove(name); err != nil {
					return nil, err
				}
				// The kernel frees a namespace's routes in a worker after the delete: let it finish.
				time.Sleep(50*time.Millisecond + time.Duration(sc.n/1000)*time.Millisecond)
			}
			for name, t := range times {
				for _, c := range res.cases {
					if c.name == name {
						if f, ok := times[c.floor]; ok && f > 0 {
							wr.ratios[name] = append(wr.ratios[name], float64(t)/float64(f))
						}
						if f := cpus[c.floor]; f > 0 {
							wr.cpuRatios[name] = append(wr.cpuRatios[name], float64(cpus[name])/float64(f))
						}
					}
				}
			}
		}
		res.results = append(res.results, wr)
		fmt.Print(res.table(wr))
	}
	if o.mirrorRoutes > 0 {
		res.mirror = &mirrorResult{n: o.mirrorRoutes}
		note, err := mirrorDuringBatch(ns, bin, dir, res.mirror)
		if err != nil {
			return nil, fmt.Errorf("mirror: %w", err)
		}
		fmt.Println(note)
		res.notes = append(res.notes, note)
	}
	return res, nil
}

// mirrorDuringBatch runs a Mirror of a fresh namespace's IPv4 routes, with an 8 MiB receive buffer, while
// `nlkit -force -batch` (another process, so that this one's CPU time is the Mirror's) installs n routes; it
// checks that the Mirror applied every event without a resync and ends equal to a fresh dump, and reports
// its events per second and CPU per event.
func mirrorDuringBatch(ns *nsManager, bin, dir string, mr *mirrorResult) (string, error) {
	n := mr.n
	file, err := writeBatchFile(dir, objRoute, n)
	if err != nil {
		return "", err
	}
	name, err := ns.empty("mirror")
	if err != nil {
		return "", err
	}
	defer ns.remove(name)
	h, err := ns.open(name)
	if err != nil {
		return "", err
	}
	if err := ipBatch(name, func(w io.Writer) {
		fmt.Fprintf(w, "link add veth0 type veth peer name veth1\nlink set veth1 up\nlink set veth0 up\n")
		fmt.Fprintf(w, "addr add %s dev veth0\n", benchLocal)
	}); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var events, last atomic.Int64
	m, err := route.NewMirror(ctx, &route.WatchConfig{Objects: route.WatchRoutes, Family: unix.AF_INET, NetNS: h.Fd(),
		SocketReceiveBuffer: 8 << 20}, route.OnChange(func(c route.Change) {
		if c.Cause == route.CauseEvent {
			events.Add(1)
			last.Store(time.Now().UnixNano())
		}
	}))
	if err != nil {
		return "", err
	}
	defer m.Close()
	var ru0, ru1 unix.Rusage
	unix.Getrusage(unix.RUSAGE_SELF, &ru0)
	start := time.Now()
	if out, err := exec.Command(bin, "-n", name, "-force", "-batch", file).CombinedOutput(); err != nil {
		return "", fmt.Errorf("nlkit -batch: %v: %.300s", err, out)
	}
	sent := time.Since(start)
	// Wait for every event; after a resync (events lost) the rest never come: wait until the Mirror has
	// applied nothing for 5 s instead.
	for seen, idle := int64(-1), time.Now(); events.Load() < int64(n); time.Sleep(5 * time.Millisecond) {
		if err := m.Err(); err != nil {
			return "", err
		}
		if e := events.Load() + int64(m.Resyncs()); e != seen {
			seen, idle = e, time.Now()
		} else if time.Since(idle) > 5*time.Second || ctx.Err() != nil {
			break
		}
	}
	took := time.Unix(0, last.Load()).Sub(start)
	unix.Getrusage(unix.RUSAGE_SELF, &ru1)
	cpu := rusageCPU(&ru1) - rusageCPU(&ru0)
	c, err := route.Dial(&route.Config{NetNS: h.Fd()})
	if err != nil {
		return "", err
	}
	defer c.Close()
	want, err := c.Route.List(ctx, &route.RouteFilter{Family: unix.AF_INET})
	if err != nil {
		return "", err
	}
	got := m.Routes()
	equal := len(want) == len(got)
	if equal {
		ws, gs := make([]string, len(want)), make([]string, len(got))
		for i := range want {
			ws[i], gs[i] = want[i].String(), got[i].String()
		}
		sort.Strings(ws)
		sort.Strings(gs)
		equal = slices.Equal(ws, gs)
	}
	mr.resyncs, mr.equal = m.Resyncs(), equal
	return fmt.Sprintf("Mirror during a batch: %d routes by `nlkit -force -batch` in %.0f ms; the Mirror (8 MiB SO_RCVBUF) "+
		"applied %d events in %.0f ms (%.0f events/s), CPU %.0f ms (%.2f µs/event), %d resyncs, equal to a fresh dump: %v",
		n, ms(sent), events.Load(), ms(took), float64(events.Load())/took.Seconds(), ms(cpu),
		float64(cpu.Microseconds())/float64(max(events.Load(), 1)),
		m.Resyncs(), equal), nil
}

func rusageCPU(r *unix.Rusage) time.Duration {
	return time.Duration(r.Utime.Nano() + r.Stime.Nano())
}

func vnlLinkIndex(h netns.NsHandle, name string) (int32, error) {
	c, err := route.Dial(&route.Config{NetNS: h.Fd()})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	l, err := c.Link.GetByName(context.Background(), name)
	return l.Index, err
}

func medianF(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// table prints one scenario's rows.
func (r *writesResult) table(wr *writeResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n### Writes: %d %s (%d rounds, medians)\n\n", wr.sc.n, wr.sc.obj, wr.rounds)
	b.WriteString("| case | ms | x floor (same mode) | per second | CPU ms | CPU x floor | what |\n|---|--:|--:|--:|--:|--:|---|\n")
	for _, c := range r.cases {
		ts := wr.times[c.name]
		if len(ts) == 0 {
			continue
		}
		m := median(ts)
		fmt.Fprintf(&b, "| %s | %.1f | %.2f (%s) | %.0f | %.1f | %.2f | %s |\n", c.name, ms(m), medianF(wr.ratios[c.name]), c.floor,
			float64(wr.sc.n)/m.Seconds(), ms(median(wr.cpu[c.name])), medianF(wr.cpuRatios[c.name]), c.desc)
	}
	return b.String()
}

// resultLines are the RESULT and TARGET lines of the write table: each case against its floor, and the goals
// of issue 20.
func (r *writesResult) resultLines() string {
	var b strings.Builder
	for _, wr := range r.results {
		tag := fmt.Sprintf("write-%s-%s", wr.sc.obj, countName(wr.sc.n))
		for _, c := range r.cases {
			if len(wr.ratios[c.name]) > 0 && !strings.HasPrefix(c.name, "floor") {
				fmt.Fprintf(&b, "RESULT %s/%s nlkit/%s=%.2f cpu=%.2f\n", tag, c.name, c.floor, medianF(wr.ratios[c.name]),
					medianF(wr.cpuRatios[c.name]))
			}
		}
		target := func(name string, ratio, goal float64, lowerBetter bool) {
			ok := ratio <= goal
			if !lowerBetter {
				ok = ratio >= goal
			}
			verdict := "MET"
			if !ok {
				verdict = "MISSED"
			}
			fmt.Fprintf(&b, "TARGET %s %s %s: %.2f (goal %s %.2f)\n", tag, name, verdict, ratio, map[bool]string{true: "<=", false: ">="}[lowerBetter], goal)
		}
		if v := wr.ratios["batch-errors"]; len(v) > 0 {
			target("batch-errors/floor-noack", medianF(v), 1.10, true)
		}
		if v := wr.ratios["batch-ack"]; len(v) > 0 {
			target("batch-ack/floor-ack", medianF(v), 1.10, true)
		}
		ip, cli := wr.times["ip-batch"], wr.times["nlkit-cli"]
		if wr.sc.obj == objRoute && len(ip) > 0 && len(ip) == len(cli) {
			var sp []float64
			for i := range ip {
				sp = append(sp, float64(ip[i])/float64(cli[i]))
			}
			target("ip-batch/nlkit-cli speedup", medianF(sp), 5, false)
		}
	}
	if mr := r.mirror; mr != nil {
		fmt.Fprintf(&b, "TARGET mirror-%s resyncs %s: %d (goal 0)\n", countName(mr.n), map[bool]string{true: "MET", false: "MISSED"}[mr.resyncs == 0], mr.resyncs)
		fmt.Fprintf(&b, "TARGET mirror-%s equal to a fresh dump %s\n", countName(mr.n), map[bool]string{true: "MET", false: "MISSED"}[mr.equal])
	}
	return b.String()
}

// markdown is the write table's section of RESULTS.md.
func (r *writesResult) markdown() string {
	var b strings.Builder
	b.WriteString("\n## Writes (issue 20)\n\nEach case installs the objects into a fresh namespace of its own (veth0 up with " +
		benchLocal + "; routes are IPv4 /24s via " + benchGateway + "), cases interleaved and shuffled per round; the time " +
		"covers the whole install with the socket open (the CLIs: the whole process, reading the same `ip -batch` file). " +
		"`x floor` is the median over rounds of time/time of the floor of the same mode in the same round (errors-only " +
		"cases against floor-noack, acknowledged ones against floor-ack). CPU is user+system of this process (and of the " +
		"CLI child) over the install: the kernel does the work of a request in the sender's system call, so it is " +
		"counted; `CPU x floor` is its ratio to the floor's in the same round, less disturbed by other processes on a " +
		"shared machine than the wall-clock ratio.\n")
	for _, wr := range r.results {
		b.WriteString(r.table(wr))
	}
	for _, n := range r.notes {
		b.WriteString("\n" + n + "\n")
	}
	return b.String()
}
