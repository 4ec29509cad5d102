package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"
	"unsafe"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/route"
	nlnetns "github.com/nlkit/nlkit/netns"
	"github.com/nlkit/nlkit/proto"
	vnl "github.com/vishvananda/netlink"
	vns "github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// dumper is an open connection of one case: dump does one full dump and returns the number of objects.
type dumper interface {
	dump() (int, error)
	close()
}

// dumpCase is one tool measured on a scenario.
type dumpCase struct {
	name string
	desc string
	// nlkit marks nlkit's own cases (for RESULT lines).
	nlkit bool
	// process: the case is a whole process (ip); its RSS comes from /usr/bin/time.
	process bool
	// kinds the case applies to.
	routes, links bool
	open          func(sc *scenario) (dumper, error)
}

var sink int

func allCases() []dumpCase {
	return []dumpCase{
		{name: "floor", desc: "raw socket, recvmsg loop into 32 KiB, counts headers", routes: true, links: true,
			open: func(sc *scenario) (dumper, error) { return openFloor(sc) }},
		{name: "nlkit-stream", desc: "nlkit route: c.Route.All / c.Link.All, typed values", nlkit: true, routes: true,
			links: true, open: openNlkitStream},
		{name: "nlkit-slice", desc: "nlkit route: c.Route.List / c.Link.List", nlkit: true, routes: true, links: true,
			open: openNlkitSlice},
		{name: "nlkit-append", desc: "nlkit route: c.Route.ListInto / c.Link.ListInto into the slice of the previous round",
			nlkit: true, routes: true, links: true, open: openNlkitAppend},
		{name: "nlkit-raw", desc: "nlkit core: conn.Dump, no decoding", nlkit: true, routes: true, links: true,
			open: openNlkitRaw},
		{name: "mem-floor", desc: "the floor, then make([]route.Route or Link, n) written page by page (huge pages advised): the least any slice of the dump costs",
			routes: true, links: true, open: openMemFloor},
		{name: "mdlayher-iter", desc: "mdlayher/netlink Send + ReceiveIter, MessageBufferSize 32 KiB, no decoding",
			routes: true, links: true, open: func(sc *scenario) (dumper, error) { return openMdlayher(sc, true) }},
		{name: "mdlayher-exec", desc: "mdlayher/netlink Execute, default buffer (peek), no decoding",
			routes: true, links: true, open: func(sc *scenario) (dumper, error) { return openMdlayher(sc, false) }},
		{name: "jsimonetti", desc: "jsimonetti/rtnetlink/v2 Route.ListMatch(table main) / Link.List",
			routes: true, links: true, open: openJsimonetti},
		{name: "vish-list", desc: "vishvananda/netlink RouteListFiltered(table main) / LinkList",
			routes: true, links: true, open: func(sc *scenario) (dumper, error) { return openVish(sc, false) }},
		{name: "vish-iter", desc: "vishvananda/netlink RouteListFilteredIter(table main)",
			routes: true, open: func(sc *scenario) (dumper, error) { return openVish(sc, true) }},
		{name: "pipe-decode", desc: "experiment: floor socket read on one goroutine, nlkit Route decode on another",
			routes: true, open: openPipeDecode},
		{name: "floor-idle", desc: "the floor, after the bench has slept 250 ms (as a program that dumps now and then does)",
			routes: true, links: true, open: idle(func(sc *scenario) (dumper, error) { return openFloor(sc) })},
		{name: "nlkit-stream-idle", desc: "nlkit-stream, after the same sleep",
			nlkit: true, routes: true, links: true, open: idle(openNlkitStream)},
		{name: "nlkit-single-idle", desc: "nlkit-stream after the same sleep, on one P (GOMAXPROCS 1: no read-ahead)",
			nlkit: true, routes: true, links: true, open: idle(onOneP(openNlkitStream))},
		{name: "ip", desc: "`ip route show table main` / `ip -o link` > /dev/null, whole process", process: true,
			routes: true, links: true, open: openIP},
	}
}

func casesFor(k scenarioKind, only map[string]bool) []dumpCase {
	var out []dumpCase
	for _, c := range allCases() {
		if (k == kindRoutes && !c.routes) || (k == kindLinks && !c.links) {
			continue
		}
		if only != nil && !only[c.name] {
			continue
		}
		out = append(out, c)
	}
	return out
}

func findCase(k scenarioKind, name string) (dumpCase, bool) {
	for _, c := range casesFor(k, nil) {
		if c.name == name {
			return c, true
		}
	}
	return dumpCase{}, false
}

// idleSleep is how long the -idle cases leave the process idle before their dump. On the 2-vCPU VM this was
// measured on, a dump that overlaps the kernel's work with decoding on a second CPU gains nothing for the first
// tens of milliseconds after such a pause (the second thread runs as if it shared the first one's CPU), while one
// thread alone runs as fast as ever: these cases show what a program that dumps now and then sees.
const idleSleep = 250 * time.Millisecond

// idle opens a case after idleSleep.
func idle(open func(sc *scenario) (dumper, error)) func(sc *scenario) (dumper, error) {
	return func(sc *scenario) (dumper, error) {
		time.Sleep(idleSleep)
		return open(sc)
	}
}

// onOneP opens a case that runs on one P: GOMAXPROCS is 1 until it is closed.
func onOneP(open func(sc *scenario) (dumper, error)) func(sc *scenario) (dumper, error) {
	return func(sc *scenario) (dumper, error) {
		d, err := open(sc)
		if err != nil {
			return nil, err
		}
		return &onePDumper{dumper: d, prev: runtime.GOMAXPROCS(1)}, nil
	}
}

type onePDumper struct {
	dumper
	prev int
}

func (d *onePDumper) close() {
	d.dumper.close()
	runtime.GOMAXPROCS(d.prev)
}

// floor

type floorDumper struct{ s *rawSocket }

func openFloor(sc *scenario) (*floorDumper, error) {
	s, err := openRaw(sc.h, sc.spec.kind)
	if err != nil {
		return nil, err
	}
	return &floorDumper{s}, nil
}

func (d *floorDumper) dump() (int, error) { return d.s.dump() }
func (d *floorDumper) close()             { d.s.close() }

// memFloor is the floor plus the memory a slice of nlkit's objects needs: what holding the dump costs before a
// single byte is decoded. On a machine where first-touch page faults are dear, it shows how much of the slice
// case is memory.
type memFloor struct {
	s    *rawSocket
	kind scenarioKind
}

func openMemFloor(sc *scenario) (dumper, error) {
	s, err := openRaw(sc.h, sc.spec.kind)
	if err != nil {
		return nil, err
	}
	return &memFloor{s: s, kind: sc.spec.kind}, nil
}

func (d *memFloor) dump() (int, error) {
	n, err := d.s.dump()
	if err != nil {
		return n, err
	}
	if d.kind == kindLinks {
		touch(make([]route.Link, n))
	} else {
		touch(make([]route.Route, n))
	}
	return n, nil
}

func (d *memFloor) close() { d.s.close() }

// touch advises huge pages for s, as route.List does for a large result, and writes one byte per 4 KiB.
func touch[T any](s []T) {
	if len(s) == 0 {
		return
	}
	var zero T
	b := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), uintptr(len(s))*unsafe.Sizeof(zero))
	const huge = 2 << 20
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	first, end := (start+huge-1)&^(huge-1), (start+uintptr(len(b)))&^(huge-1)
	if end > first {
		_ = unix.Madvise(b[first-start:end-start], unix.MADV_HUGEPAGE)
	}
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	sink += int(b[len(b)-1])
}

// nlkit

var mainTableV4 = &route.RouteFilter{Family: unix.AF_INET, Table: unix.RT_TABLE_MAIN}

type nlkitRoute struct {
	c     *route.Client
	kind  scenarioKind
	slice bool
	keep  *kept // nlkit-append: the slices kept from the previous round
}

// kept is what nlkit-append keeps between the rounds of a scenario.
type kept struct {
	routes []route.Route
	links  []route.Link
}

// appendKept holds nlkit-append's slices by scenario name.
var appendKept = map[string]*kept{}

func dialRoute(sc *scenario) (*route.Client, error) { return route.Dial(&route.Config{NetNS: sc.fd()}) }

func openNlkitStream(sc *scenario) (dumper, error) {
	c, err := dialRoute(sc)
	if err != nil {
		return nil, err
	}
	return &nlkitRoute{c: c, kind: sc.spec.kind}, nil
}

func openNlkitSlice(sc *scenario) (dumper, error) {
	c, err := dialRoute(sc)
	if err != nil {
		return nil, err
	}
	return &nlkitRoute{c: c, kind: sc.spec.kind, slice: true}, nil
}

func openNlkitAppend(sc *scenario) (dumper, error) {
	c, err := dialRoute(sc)
	if err != nil {
		return nil, err
	}
	k := appendKept[sc.spec.name()]
	if k == nil {
		k = &kept{}
		appendKept[sc.spec.name()] = k
	}
	return &nlkitRoute{c: c, kind: sc.spec.kind, slice: true, keep: k}, nil
}

func (d *nlkitRoute) dump() (int, error) {
	ctx := context.Background()
	n := 0
	switch {
	case d.keep != nil && d.kind == kindRoutes:
		var err error
		if d.keep.routes, err = d.c.Route.ListInto(ctx, d.keep.routes[:0], mainTableV4); err != nil {
			return 0, err
		}
		n = len(d.keep.routes)
	case d.keep != nil:
		var err error
		if d.keep.links, err = d.c.Link.ListInto(ctx, d.keep.links[:0], nil); err != nil {
			return 0, err
		}
		n = len(d.keep.links)
	case d.kind == kindRoutes && !d.slice:
		for r, err := range d.c.Route.All(ctx, mainTableV4) {
			if err != nil {
				return n, err
			}
			n++
			sink += r.Dst.Bits()
		}
	case d.kind == kindRoutes:
		rs, err := d.c.Route.List(ctx, mainTableV4)
		if err != nil {
			return 0, err
		}
		n = len(rs)
	case !d.slice:
		for l, err := range d.c.Link.All(ctx, nil) {
			if err != nil {
				return n, err
			}
			n++
			sink += len(l.Name)
		}
	default:
		ls, err := d.c.Link.List(ctx, nil)
		if err != nil {
			return 0, err
		}
		n = len(ls)
	}
	return n, nil
}

func (d *nlkitRoute) close() { d.c.Close() }

type nlkitRaw struct {
	c    *nlkit.Conn
	typ  uint16
	want uint16
	req  []byte
}

func openNlkitRaw(sc *scenario) (dumper, error) {
	c, err := nlkit.Dial(nlkit.UnitRoute, &nlkit.Config{NetNS: sc.fd(), Strict: true})
	if err != nil {
		return nil, err
	}
	typ, want, req := requestFor(sc.spec.kind)
	return &nlkitRaw{c: c, typ: typ, want: want, req: req}, nil
}

func (d *nlkitRaw) dump() (int, error) {
	n := 0
	for m, err := range d.c.Dump(context.Background(), proto.Message{Header: proto.Header{Type: d.typ}, Data: d.req}) {
		if err != nil {
			return n, err
		}
		if m.Header.Type == d.want {
			n++
		}
	}
	return n, nil
}

func (d *nlkitRaw) close() { d.c.Close() }

// mdlayher/netlink

type mdlayher struct {
	c    *netlink.Conn
	iter bool
	typ  uint16
	want uint16
	req  []byte
}

func openMdlayher(sc *scenario, iter bool) (dumper, error) {
	cfg := &netlink.Config{NetNS: sc.fd(), Strict: true}
	if iter {
		cfg.MessageBufferSize = 32 << 10
	}
	c, err := netlink.Dial(unix.NETLINK_ROUTE, cfg)
	if err != nil {
		return nil, err
	}
	typ, want, req := requestFor(sc.spec.kind)
	return &mdlayher{c: c, iter: iter, typ: typ, want: want, req: req}, nil
}

func (d *mdlayher) dump() (int, error) {
	m := netlink.Message{Header: netlink.Header{Type: netlink.HeaderType(d.typ),
		Flags: netlink.Request | netlink.Dump}, Data: d.req}
	n := 0
	if !d.iter {
		msgs, err := d.c.Execute(m)
		if err != nil {
			return 0, err
		}
		for _, m := range msgs {
			if uint16(m.Header.Type) == d.want {
				n++
			}
		}
		return n, nil
	}
	if _, err := d.c.Send(m); err != nil {
		return 0, err
	}
	for m, err := range d.c.ReceiveIter() {
		if err != nil {
			return n, err
		}
		if uint16(m.Header.Type) == d.want {
			n++
		}
	}
	return n, nil
}

func (d *mdlayher) close() { d.c.Close() }

// jsimonetti/rtnetlink

type jsimonetti struct {
	c    *rtnetlink.Conn
	kind scenarioKind
}

func openJsimonetti(sc *scenario) (dumper, error) {
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: sc.fd(), Strict: true})
	if err != nil {
		return nil, err
	}
	return &jsimonetti{c: c, kind: sc.spec.kind}, nil
}

func (d *jsimonetti) dump() (int, error) {
	if d.kind == kindLinks {
		ls, err := d.c.Link.List()
		return len(ls), err
	}
	rs, err := d.c.Route.ListMatch(&rtnetlink.RouteMessage{Family: unix.AF_INET, Table: unix.RT_TABLE_MAIN,
		Attributes: rtnetlink.RouteAttributes{Table: unix.RT_TABLE_MAIN}})
	return len(rs), err
}

func (d *jsimonetti) close() { d.c.Close() }

// vishvananda/netlink

type vish struct {
	h    *vnl.Handle
	kind scenarioKind
	iter bool
}

func openVish(sc *scenario, iter bool) (dumper, error) {
	h, err := vnl.NewHandleAt(vns.NsHandle(sc.fd()), unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	return &vish{h: h, kind: sc.spec.kind, iter: iter}, nil
}

func (d *vish) dump() (int, error) {
	if d.kind == kindLinks {
		ls, err := d.h.LinkList()
		return len(ls), err
	}
	filter := &vnl.Route{Table: unix.RT_TABLE_MAIN}
	if !d.iter {
		rs, err := d.h.RouteListFiltered(vnl.FAMILY_V4, filter, vnl.RT_FILTER_TABLE)
		return len(rs), err
	}
	n := 0
	err := d.h.RouteListFilteredIter(vnl.FAMILY_V4, filter, vnl.RT_FILTER_TABLE, func(r vnl.Route) bool {
		n++
		sink += r.LinkIndex
		return true
	})
	return n, err
}

func (d *vish) close() { d.h.Close() }

// ip, as a process

type ipProcess struct {
	sc   *scenario
	args []string
	null *os.File
	// rusage of the last run
	last *syscall.Rusage
}

func ipArgs(k scenarioKind) []string {
	if k == kindLinks {
		return []string{"-o", "link"}
	}
	return []string{"route", "show", "table", "main"}
}

func openIP(sc *scenario) (dumper, error) {
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	return &ipProcess{sc: sc, args: ipArgs(sc.spec.kind), null: null}, nil
}

// startInNS starts cmd from a thread inside the namespace: the child inherits the thread's namespace.
func startInNS(h nlnetns.NsHandle, cmd *exec.Cmd) error {
	return nlnetns.Do(h, cmd.Start)
}

func (d *ipProcess) dump() (int, error) {
	cmd := exec.Command("ip", d.args...)
	cmd.Stdout = d.null
	cmd.Stderr = os.Stderr
	if err := startInNS(d.sc.h, cmd); err != nil {
		return 0, err
	}
	if err := cmd.Wait(); err != nil {
		return 0, fmt.Errorf("ip %v: %w", d.args, err)
	}
	// ip prints rather than counts: report the expected number so ratios and checks line up.
	return d.sc.spec.n + 1, nil
}

func (d *ipProcess) close() { d.null.Close() }

// An experiment, not a library: the floor's socket read on one goroutine while nlkit's route decoder runs on
// another, with four 32 KiB buffers between them. It shows what overlapping the kernel's work with decoding
// (two cores) could give a typed dump.
type pipeDecode struct {
	s    *rawSocket
	bufs [][]byte
}

func openPipeDecode(sc *scenario) (dumper, error) {
	s, err := openRaw(sc.h, sc.spec.kind)
	if err != nil {
		return nil, err
	}
	d := &pipeDecode{s: s}
	for i := 0; i < 4; i++ {
		d.bufs = append(d.bufs, make([]byte, floorBuffer))
	}
	return d, nil
}

func (d *pipeDecode) dump() (int, error) {
	free := make(chan []byte, len(d.bufs))
	full := make(chan []byte, len(d.bufs))
	for _, b := range d.bufs {
		free <- b
	}
	errc := make(chan error, 1)
	if err := d.s.send(); err != nil {
		return 0, err
	}
	go func() {
		defer close(full)
		for {
			b := <-free
			n, err := d.s.recvInto(b)
			if err != nil {
				errc <- err
				return
			}
			full <- b[:n]
			if endsDump(b[:n]) {
				errc <- nil
				return
			}
		}
	}()
	n := 0
	var r route.Route
	for b := range full {
		it := proto.NewIter(b)
		for it.Next() {
			m := it.Message()
			if m.Header.Type != unix.RTM_NEWROUTE {
				continue
			}
			if err := r.UnmarshalBinary(m.Data); err != nil {
				return n, err
			}
			n++
			sink += r.Dst.Bits()
		}
		free <- b[:cap(b)]
	}
	return n, <-errc
}

func (d *pipeDecode) close() { d.s.close() }
