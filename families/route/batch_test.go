//go:build linux

package route

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// batchKernel is a fake rtnetlink that fails the requests whose RTA_DST is in fail (with the errno and an
// extended-ack message naming the destination) and records every datagram's requests.
type batchKernel struct {
	mu    sync.Mutex
	fail  map[netip.Prefix]syscall.Errno
	reqs  []proto.Message // every request but the barriers and the drain, in order
	noops int
}

func (k *batchKernel) handle(reqs []proto.Message) ([]proto.Message, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	req := reqs[0]
	if req.Header.Type == unix.NLMSG_NOOP {
		k.noops++
		return nil, nil
	}
	req.Data = slices.Clone(req.Data)
	k.reqs = append(k.reqs, req)
	var r Route
	if err := r.UnmarshalBinary(req.Data); err != nil {
		return nil, syscall.EINVAL
	}
	if e, ok := k.fail[r.Dst]; ok {
		return nil, &proto.Error{Errno: e, ExtAck: proto.ExtAck{Msg: "no " + r.Dst.String()}}
	}
	return nil, nil
}

func batchRoutes(n int) iter.Seq[Route] {
	return func(yield func(Route) bool) {
		for i := range n {
			dst := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)
			if !yield(Route{Dst: dst, OIF: 1}) {
				return
			}
		}
	}
}

func routeDst(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)
}

// TestBatchFake: on a fake kernel, every mode reports each failure with its index, object, errno and
// extended-ack message; Continue goes on; without it the batch stops after the window of the first failure;
// the requests carry NLM_F_ACK only in BatchAckEach, and BatchErrorsOnly ends with an acknowledged barrier.
func TestBatchFake(t *testing.T) {
	const n = 3000
	failAt := []int{7, 1500, 2999}
	for _, mode := range []BatchMode{BatchAckEach, BatchErrorsOnly} {
		for _, cont := range []bool{true, false} {
			for _, inflight := range []int{0, 1, 64} {
				t.Run(fmt.Sprintf("mode%d/continue=%v/inflight=%d", mode, cont, inflight), func(t *testing.T) {
					k := &batchKernel{fail: map[netip.Prefix]syscall.Errno{}}
					for _, i := range failAt {
						k.fail[routeDst(i)] = unix.EEXIST
					}
					c := New(nltest.Dial(unix.NETLINK_ROUTE, k.handle))
					defer c.Close()
					b, err := c.NewBatch(&BatchOptions{Mode: mode, Continue: cont, InFlight: inflight})
					if err != nil {
						t.Fatal(err)
					}
					defer b.Close()
					err = b.Routes(context.Background(), BatchAdd, batchRoutes(n))
					var be *BatchError
					if !errors.As(err, &be) {
						t.Fatalf("err %v, want a *BatchError", err)
					}
					if !errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOENT) {
						t.Errorf("errors.Is: %v", err)
					}
					if be.Err != nil {
						t.Fatalf("stopped by %v", be.Err)
					}
					want := failAt
					if !cont {
						want = failAt[:1]
					}
					if len(be.Failures) != len(want) {
						t.Fatalf("%d failures, want %d: %v", len(be.Failures), len(want), err)
					}
					for j, f := range be.Failures {
						r, _ := f.Object.(Route)
						if f.Index != want[j] || r.Dst != routeDst(want[j]) || f.Errno() != unix.EEXIST ||
							f.Message() != "no "+routeDst(want[j]).String() ||
							f.Op != "RTM_NEWROUTE "+routeDst(want[j]).String() {
							t.Errorf("failure %d: %+v (%v)", j, f, f.Error())
						}
					}
					k.mu.Lock()
					defer k.mu.Unlock()
					if be.Sent != len(k.reqs) || be.Processed != be.Sent {
						t.Errorf("Sent %d, Processed %d, kernel saw %d", be.Sent, be.Processed, len(k.reqs))
					}
					switch {
					case cont && len(k.reqs) != n:
						t.Errorf("kernel saw %d requests, want %d", len(k.reqs), n)
					case !cont && inflight == 1 && len(k.reqs) != failAt[0]+1:
						t.Errorf("kernel saw %d requests, want %d (one in flight)", len(k.reqs), failAt[0]+1)
					case !cont && len(k.reqs) >= n:
						t.Errorf("kernel saw all %d requests, want a stop", len(k.reqs))
					}
					for i, m := range k.reqs {
						var r Route
						if err := r.UnmarshalBinary(m.Data); err != nil || r.Dst != routeDst(i) {
							t.Fatalf("request %d: %v %v", i, r.Dst, err)
						}
						ack := m.Header.Flags&unix.NLM_F_ACK != 0
						if ack != (mode == BatchAckEach) ||
							m.Header.Flags&^unix.NLM_F_ACK != unix.NLM_F_REQUEST|unix.NLM_F_CREATE|unix.NLM_F_EXCL {
							t.Fatalf("request %d: flags %#x", i, m.Header.Flags)
						}
					}
					if mode == BatchErrorsOnly && k.noops < 2 { // the drain and at least one barrier
						t.Errorf("%d NLMSG_NOOPs", k.noops)
					}
				})
			}
		}
	}
}

// TestBatchFakePacking: requests are packed into datagrams no larger than DatagramSize, with several
// requests each, and a request that fails to encode is reported without being sent, in index order with the
// kernel's failures.
func TestBatchFakePacking(t *testing.T) {
	k := &batchKernel{fail: map[netip.Prefix]syscall.Errno{routeDst(10): unix.ENODEV}}
	conn, fake := nltest.New(unix.NETLINK_ROUTE, k.handle, nil)
	c := New(conn)
	defer c.Close()
	b, err := c.NewBatch(&BatchOptions{DatagramSize: 1024, Continue: true})
	if err != nil {
		t.Fatal(err)
	}
	seq := func(yield func(Route) bool) {
		for r := range batchRoutes(500) {
			if !yield(r) {
				return
			}
		}
		yield(Route{}) // no family: not encodable
		yield(Route{Dst: routeDst(500), OIF: 1})
	}
	err = b.Routes(context.Background(), BatchAdd, seq)
	var be *BatchError
	// The kernel's failure (#10) is read after the encoding failure (#500) is noted: they come sorted.
	if !errors.As(err, &be) || len(be.Failures) != 2 || be.Failures[0].Index != 10 || be.Failures[0].Errno() != unix.ENODEV ||
		be.Failures[1].Index != 500 || be.Failures[1].Errno() != 0 {
		t.Fatalf("err %v, want failures at 10 (ENODEV) and 500 (not encodable)", err)
	}
	if be.Sent != 501 || len(k.reqs) != 501 {
		t.Errorf("Sent %d, kernel saw %d, want 501", be.Sent, len(k.reqs))
	}
	multi := 0
	for _, d := range fake.Sent() {
		if len(d) > 1024 {
			t.Errorf("datagram of %d bytes", len(d))
		}
		if msgs, _ := proto.ParseMessages(d); len(msgs) > 1 {
			multi++
		}
	}
	if multi == 0 {
		t.Error("no datagram held several requests")
	}
}

// TestBatchFakeContext: a cancelled context stops the batch with its error.
func TestBatchFakeContext(t *testing.T) {
	k := &batchKernel{}
	c := New(nltest.Dial(unix.NETLINK_ROUTE, k.handle))
	defer c.Close()
	b, _ := c.NewBatch(&BatchOptions{InFlight: 10})
	ctx, cancel := context.WithCancel(context.Background())
	seq := func(yield func(Route) bool) {
		for i := 0; ; i++ {
			if i == 100 {
				cancel()
			}
			if !yield(Route{Dst: routeDst(i), OIF: 1}) {
				return
			}
		}
	}
	err := b.Routes(ctx, BatchAdd, seq)
	var be *BatchError
	if !errors.Is(err, context.Canceled) || !errors.As(err, &be) || be.Processed < 90 || be.Processed > 110 {
		t.Fatalf("err %v (%+v)", err, be)
	}
	//lint:ignore SA1012 the nil context is the point
	if err := b.Routes(nil, BatchAdd, batchRoutes(1)); err == nil { //nolint:staticcheck
		t.Error("nil context accepted")
	}
}

// TestBatchPlainRouteEncoding: the batch's own encoding of a route without Extra is MarshalBinary's, byte for
// byte, for random routes prepared for an add (withDefaults) and for a delete (forDelete).
func TestBatchPlainRouteEncoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(20, 1))
	addrs := []netip.Addr{{}, mustAddr("10.1.2.3"), mustAddr("2001:db8::1"), mustAddr("::ffff:10.0.0.1"), mustAddr("fe80::1")}
	for i := range 20000 {
		r := Route{Family: []uint8{0, unix.AF_INET, unix.AF_INET6}[rng.IntN(3)], TOS: uint8(rng.IntN(2) * 16),
			Table: []uint32{0, 254, 255, 100, 1000}[rng.IntN(5)], Protocol: Protocol(rng.IntN(5)), Scope: Scope(rng.IntN(3) * 100),
			Type: RouteType(rng.IntN(4)), Flags: uint32(rng.IntN(2)) * unix.RTNH_F_ONLINK, OIF: int32(rng.IntN(3)),
			NexthopID: uint32(rng.IntN(2) * 7), Priority: uint32(rng.IntN(2) * 50), HasPriority: rng.IntN(4) == 0,
			Pref: uint8(rng.IntN(2)), HasPref: rng.IntN(4) == 0, HasScope: rng.IntN(3) == 0, Gateway: addrs[rng.IntN(len(addrs))]}
		if a := addrs[rng.IntN(len(addrs))]; a.IsValid() {
			r.Dst = netip.PrefixFrom(a, rng.IntN(a.BitLen()+1)).Masked()
		}
		for _, p := range []*Route{r.withDefaults(), r.forDelete(), &r} {
			if p.family() == 0 || p.Extra != nil {
				continue
			}
			want, err := p.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if got := appendPlainRoute(nil, p); !bytes.Equal(got, want) {
				t.Fatalf("#%d %+v:\n got %x\nwant %x", i, *p, got, want)
			}
		}
	}
}

// A million routes through one link, sent as they are made (a few datagrams of requests in memory at a time),
// with failures reported and the rest installed.
func ExampleBatch() {
	ctx := context.Background()
	c, err := Dial(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	b, err := c.NewBatch(&BatchOptions{Mode: BatchErrorsOnly, Continue: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer b.Close()
	routes := func(yield func(Route) bool) {
		for i := range 1_000_000 {
			dst := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)
			if !yield(Route{Dst: dst, OIF: 2}) {
				return
			}
		}
	}
	err = b.Routes(ctx, BatchAdd, routes)
	var be *BatchError
	if errors.As(err, &be) {
		for _, f := range be.Failures {
			fmt.Printf("route #%d %v: %v (%s)\n", f.Index, f.Object.(Route).Dst, f.Errno(), f.Message())
		}
	}
}
