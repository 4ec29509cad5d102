//go:build linux

package route

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// BatchOp is what a batch does with each of its objects.
type BatchOp uint8

// The operations of a batch, as the services' methods of the same names send them.
const (
	// BatchAdd is RTM_NEWx with NLM_F_CREATE|NLM_F_EXCL, with the defaults of the services' Add.
	BatchAdd BatchOp = iota + 1
	// BatchReplace is RTM_NEWx with NLM_F_CREATE|NLM_F_REPLACE (links: NLM_F_CREATE), as Replace.
	BatchReplace
	// BatchDelete is RTM_DELx, with the keys the services' Delete sends.
	BatchDelete
)

// String names the operation as ip does: "add", "replace", "delete".
func (op BatchOp) String() string {
	switch op {
	case BatchAdd:
		return "add"
	case BatchReplace:
		return "replace"
	case BatchDelete:
		return "delete"
	}
	return "BatchOp(" + strconv.Itoa(int(op)) + ")"
}

// BatchMode chooses which requests of a batch the kernel acknowledges.
type BatchMode uint8

const (
	// BatchAckEach sets NLM_F_ACK on every request: the kernel answers each with an NLMSG_ERROR, error 0 or not.
	BatchAckEach BatchMode = iota
	// BatchErrorsOnly sends the requests without NLM_F_ACK, so the kernel answers only the failures, and ends
	// each window of requests with an acknowledged NLMSG_NOOP (a barrier): once its ack is read, every
	// failure before it has been read too. It costs the kernel and the socket less than BatchAckEach.
	BatchErrorsOnly
)

// Defaults of BatchOptions.
const (
	// DefaultBatchDatagram is the most bytes of requests packed into one datagram (32 KiB, the size of the
	// kernel's own dump datagrams).
	DefaultBatchDatagram = 32 << 10
	// DefaultBatchSocketReceiveBuffer is the SO_RCVBUF(FORCE) a Batch asks for its own socket (4 MiB).
	DefaultBatchSocketReceiveBuffer = 4 << 20
	// batchAnswerCost is what one answer is taken to cost in the socket's receive queue beyond the request it
	// echoes (an skb's truesize: the sk_buff, its shared info and the slab rounding): generous, so that the
	// window never overruns the queue.
	batchAnswerCost = 1024
	// batchDatagrams is how many datagrams a Batch packs before it sends them in one SendRawBatch.
	batchDatagrams = 4
)

// BatchOptions configure a Batch. The zero value (or nil) acknowledges every request and stops at the first
// failure.
type BatchOptions struct {
	// Mode is BatchAckEach (0) or BatchErrorsOnly.
	Mode BatchMode
	// Continue goes on after failures (ip -batch -force); by default a batch stops sending at the first failure
	// it reads. The kernel has processed every request sent before then, which may be up to a window (InFlight)
	// past the failure: BatchError.Processed counts them.
	Continue bool
	// DatagramSize is the most bytes of requests per datagram; 0 is DefaultBatchDatagram. A request larger than
	// it goes alone in its datagram.
	DatagramSize int
	// SocketReceiveBuffer is the SO_RCVBUF(FORCE) of the Batch's own socket; 0 is
	// DefaultBatchSocketReceiveBuffer. It bounds the window: the requests sent and not yet answered are kept to
	// what half of it holds should every one of them fail (the kernel doubles the value it is given, and an
	// answer's true size in the queue is its length and about a kilobyte), so acks never overrun the queue.
	SocketReceiveBuffer int
	// InFlight, when positive, bounds the window further: at most InFlight requests sent and not yet
	// answered. 1 sends each request alone and reads its answer before the next, as ip -batch does.
	InFlight int
}

// Batch sends many change requests of one kind at once: packed into datagrams of up to 32 KiB, several
// datagrams per system call (sendmmsg), answers matched to requests by sequence number. Each method (Links,
// Addrs, Routes, Neighs, Rules, Nexthops, and Requests for any other message, such as traffic control's) takes
// the objects from an iterator as it sends them, so a batch of a million routes holds a few datagrams of
// requests and one window of objects, never the whole batch.
//
// A Batch from a Client made by Dial has a socket of its own, in the Client's namespace and with its settings
// and a receive buffer of BatchOptions.SocketReceiveBuffer; one from a Client made by New borrows the Client's
// socket for each call (draining what an abandoned dump left first), and fails with a *nlkit.BusyError when it
// is busy. A Batch runs one call at a time: it is not for concurrent use.
//
// A failure does not end the batch unless BatchOptions.Continue is off; every failure read is reported in a
// *BatchError, with the object, its index in the batch, the errno and the kernel's extended-ack message.
// Cancelling ctx stops at the next window; what the kernel processed is counted in the BatchError.
type Batch struct {
	c       *Client
	conn    *nlkit.Conn // the Batch's own socket, or nil to borrow the Client's
	opt     BatchOptions
	rcv     int // the receive queue's budget, in bytes
	bufs    [][]byte
	out     [][]byte
	scratch []byte
	bar     [proto.HeaderLen]byte
}

// NewBatch returns a Batch on c's namespace; nil o is the zero BatchOptions. Close releases it.
func (c *Client) NewBatch(o *BatchOptions) (*Batch, error) {
	b := &Batch{c: c}
	if o != nil {
		b.opt = *o
	}
	if b.opt.DatagramSize <= 0 {
		b.opt.DatagramSize = DefaultBatchDatagram
	}
	if b.opt.DatagramSize < proto.HeaderLen*4 {
		return nil, fmt.Errorf("route: batch datagram size %d is too small", b.opt.DatagramSize)
	}
	if b.opt.SocketReceiveBuffer <= 0 {
		b.opt.SocketReceiveBuffer = DefaultBatchSocketReceiveBuffer
	}
	c.spares.mu.Lock()
	cfg := c.spares.cfg
	var ns *os.File
	if cfg != nil {
		cc := *cfg
		cfg, ns = &cc, c.spares.ns
	}
	c.spares.mu.Unlock()
	if cfg == nil {
		// A Client from New: its one socket, with the kernel's default receive buffer.
		b.rcv = sysctlInt("/proc/sys/net/core/rmem_default", 212992)
		return b, nil
	}
	cfg.SocketReceiveBuffer = b.opt.SocketReceiveBuffer
	cfg.Groups = nil
	// The socket sends change requests only, which NETLINK_GET_STRICT_CHK does not concern (it governs dumps
	// and gets): leave it off.
	cfg.Strict = false
	conn, err := batchDial(cfg, ns)
	if err != nil {
		return nil, &OpError{Op: "batch", Err: err}
	}
	b.conn = conn
	b.rcv = b.opt.SocketReceiveBuffer
	if os.Geteuid() != 0 {
		// Without CAP_NET_ADMIN, SO_RCVBUF is held to rmem_max.
		b.rcv = min(b.rcv, sysctlInt("/proc/sys/net/core/rmem_max", 212992))
	}
	return b, nil
}

// batchDial opens a NETLINK_ROUTE socket as cfg says, in the namespace of ns when the calling thread is in
// another one (the logic of spares.dial).
func batchDial(cfg *nlkit.Config, ns *os.File) (*nlkit.Conn, error) {
	if cfg.NetNS == 0 && ns != nil {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var a, b unix.Stat_t
		if unix.Stat("/proc/thread-self/ns/net", &a) == nil && unix.Fstat(int(ns.Fd()), &b) == nil &&
			(a.Ino != b.Ino || a.Dev != b.Dev) {
			c := *cfg
			c.NetNS = int(ns.Fd())
			return nlkit.Dial(nlkit.UnitRoute, &c)
		}
	}
	return nlkit.Dial(nlkit.UnitRoute, cfg)
}

// sysctlInt reads an integer from a /proc/sys file, or returns def.
func sysctlInt(path string, def int) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return def
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n <= 0 {
		return def
	}
	return n
}

// Close closes the Batch's own socket, if it has one.
func (b *Batch) Close() error {
	if b.conn != nil {
		return b.conn.Close()
	}
	return nil
}

// BatchFailure is one request of a batch that failed.
type BatchFailure struct {
	// Index is the object's place in the batch, from 0.
	Index int
	// Object is the object as the caller gave it (a Route, Link... or, for Requests, BatchRequest.Object).
	Object any
	// Op names the request as an OpError does: "RTM_NEWROUTE 10.0.0.0/24".
	Op string
	// Err is the cause: a *proto.Error with the kernel's errno and extended ack, or the error that kept the
	// object from being encoded (then nothing was sent for it).
	Err error
}

// Errno is the kernel's errno, or 0 when the object was not sent.
func (f *BatchFailure) Errno() syscall.Errno {
	var pe *proto.Error
	if errors.As(f.Err, &pe) {
		return pe.Errno
	}
	return 0
}

// Message is the kernel's extended-ack message (NLMSGERR_ATTR_MSG), or "".
func (f *BatchFailure) Message() string { return KernelMessage(f.Err) }

// Error prints "#INDEX OP: cause".
func (f *BatchFailure) Error() string {
	return "#" + strconv.Itoa(f.Index) + " " + f.Op + ": " + f.Err.Error()
}

// Unwrap returns the cause.
func (f *BatchFailure) Unwrap() error { return f.Err }

// BatchError is what a batch that did not fully succeed returns: the requests that failed, in the order of
// the batch, and what stopped it early, if anything did. errors.Is(err, unix.EEXIST) reports whether any
// failure had that errno; errors.Is(err, context.Canceled) whether the context stopped it.
type BatchError struct {
	// Failures are the failed requests, by index.
	Failures []BatchFailure
	// Err, when not nil, stopped the batch before its end: the context, a send or receive error, or an
	// overrun of the socket's receive queue (errors.Is(err, unix.ENOBUFS): answers were lost, and the
	// requests of the window it hit may have failed unseen).
	Err error
	// Sent counts the requests sent; Processed those the kernel is known to have processed (the failures
	// among them). Without Err, both are the number of objects the batch had, less those that failed to encode.
	Sent, Processed int
}

// Error summarizes the failures and the error that stopped the batch.
func (e *BatchError) Error() string {
	var sb strings.Builder
	sb.WriteString("route: batch: ")
	if e.Err != nil {
		sb.WriteString(e.Err.Error())
		if len(e.Failures) > 0 {
			sb.WriteString("; ")
		}
	}
	if n := len(e.Failures); n > 0 {
		fmt.Fprintf(&sb, "%d failed, first %s", n, e.Failures[0].Error())
	}
	return sb.String()
}

// Unwrap returns Err and each failure, for errors.Is and errors.As.
func (e *BatchError) Unwrap() []error {
	errs := make([]error, 0, len(e.Failures)+1)
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	for i := range e.Failures {
		errs = append(errs, &e.Failures[i])
	}
	return errs
}

// BatchRequest is one request of Batch.Requests: any rtnetlink change request, such as traffic control's
// RTM_NEWQDISC, RTM_NEWTFILTER... (the hook through which families/tc or a caller batches objects this package
// does not know).
type BatchRequest struct {
	// Type is the message type (RTM_NEWQDISC...); Flags are added to NLM_F_REQUEST (and NLM_F_ACK in
	// BatchAckEach mode): NLM_F_CREATE|NLM_F_EXCL for an add.
	Type, Flags uint16
	// Data is the payload.
	Data []byte
	// Object is what a BatchFailure reports; Op names the request in it ("" : the message type).
	Object any
	Op     string
}

// Links sends op for each link of seq (RTM_NEWLINK, RTM_DELLINK). It returns nil when the kernel did every
// one, else a *BatchError.
func (b *Batch) Links(ctx context.Context, op BatchOp, seq iter.Seq[Link]) error {
	return runBatch(ctx, b, b.c.Link.service, op, seq, func(l *Link) *Link { return l }, nil)
}

// Addrs sends op for each address of seq (RTM_NEWADDR, RTM_DELADDR).
func (b *Batch) Addrs(ctx context.Context, op BatchOp, seq iter.Seq[Addr]) error {
	return runBatch(ctx, b, b.c.Addr.service, op, seq, func(a *Addr) *Addr { return a }, nil)
}

// Routes sends op for each route of seq (RTM_NEWROUTE, RTM_DELROUTE), with the defaults of Add and the keys of
// Delete.
func (b *Batch) Routes(ctx context.Context, op BatchOp, seq iter.Seq[Route]) error {
	return runBatch(ctx, b, b.c.Route.service, op, seq, func(r *Route) *Route { return r.withDefaults() },
		func(r *Route) *Route { return r.forDelete() })
}

// Neighs sends op for each neighbour of seq (RTM_NEWNEIGH, RTM_DELNEIGH).
func (b *Batch) Neighs(ctx context.Context, op BatchOp, seq iter.Seq[Neigh]) error {
	return runBatch(ctx, b, b.c.Neigh.service, op, seq, func(n *Neigh) *Neigh { return n.withDefaults() },
		func(n *Neigh) *Neigh {
			key := Neigh{Family: n.Family, Index: n.Index, Dst: n.Dst, Flags: n.Flags & (NeighProxy | NeighSelf | NeighMaster)}
			if n.Family == unix.AF_BRIDGE {
				key.LLAddr, key.Vlan, key.VNI = n.LLAddr, n.Vlan, n.VNI
			}
			return &key
		})
}

// Rules sends op for each rule of seq (RTM_NEWRULE, RTM_DELRULE).
func (b *Batch) Rules(ctx context.Context, op BatchOp, seq iter.Seq[Rule]) error {
	return runBatch(ctx, b, b.c.Rule.service, op, seq, func(r *Rule) *Rule { return r.withDefaults() }, nil)
}

// Nexthops sends op for each nexthop of seq (RTM_NEWNEXTHOP, RTM_DELNEXTHOP).
func (b *Batch) Nexthops(ctx context.Context, op BatchOp, seq iter.Seq[Nexthop]) error {
	return runBatch(ctx, b, b.c.Nexthop.service, op, seq, func(nh *Nexthop) *Nexthop { return nh.withDefaults() },
		nil)
}

// Requests sends each request of seq as it is (NLM_F_REQUEST, and NLM_F_ACK in BatchAckEach mode, added).
func (b *Batch) Requests(ctx context.Context, seq iter.Seq[BatchRequest]) error {
	enc := func(r *BatchRequest, buf []byte) ([]byte, uint16, uint16, error) {
		return append(buf, r.Data...), r.Type, r.Flags, nil
	}
	name := func(r *BatchRequest) string {
		if r.Op != "" {
			return r.Op
		}
		return proto.TypeString(r.Type)
	}
	return batchLoop(ctx, b, seq, enc, name, func(r *BatchRequest) any { return r.Object })
}

// runBatch sends op for each object of seq through service s: add prepares an object for RTM_NEWx (the
// service's defaults), del for RTM_DELx (its key); nil leaves the object as it is.
func runBatch[T any, P object[T]](ctx context.Context, b *Batch, s service[T, P], op BatchOp, seq iter.Seq[T],
	add, del func(*T) P) error {
	typ, flags := s.typ, uint16(0)
	prep := add
	switch op {
	case BatchAdd:
		flags = createExcl
	case BatchReplace:
		flags = createReplace
		if s.typ == unix.RTM_NEWLINK {
			flags = unix.NLM_F_CREATE
		}
	case BatchDelete:
		typ, prep = s.delType(), del
	default:
		return &BatchError{Err: fmt.Errorf("unknown batch operation %d", op)}
	}
	enc := func(v *T, buf []byte) ([]byte, uint16, uint16, error) {
		p := P(v)
		if prep != nil {
			p = prep(v)
		}
		if r, ok := any(p).(*Route); ok && r.Extra == nil && r.family() != 0 {
			return appendPlainRoute(buf, r), typ, flags, nil
		}
		data, err := p.request(typ)
		return append(buf, data...), typ, flags, err
	}
	name := func(v *T) string { return opName(typ, P(v).describe()) }
	return batchLoop(ctx, b, seq, enc, name, func(v *T) any { return *v })
}

// pending is one request sent and not yet answered.
type pending[T any] struct {
	index int
	seq   uint32
	v     T
}

// batchRun is the state of one batch call.
type batchRun[T any] struct {
	b       *Batch
	conn    *nlkit.Conn
	name    func(*T) string
	box     func(*T) any
	ack     bool
	win     []pending[T] // the window: sent (or packed) and not yet answered, in order
	cost    int          // the window's worst-case bytes in the receive queue
	barrier uint32       // the sequence of the window's barrier (BatchErrorsOnly)
	answers int          // answers still expected for the window (BatchAckEach)
	unsent  int          // requests packed and not sent yet
	res     BatchError
	stop    bool
}

// batchLoop is the one loop of every batch: encode each object of seq into the datagram being packed, send
// the datagrams when they are full or the window is, read the answers, and report.
func batchLoop[T any](ctx context.Context, b *Batch, seq iter.Seq[T],
	enc func(v *T, buf []byte) ([]byte, uint16, uint16, error), name func(*T) string, box func(*T) any) error {
	if ctx == nil {
		return &BatchError{Err: nlkit.ErrNilContext}
	}
	if err := ctx.Err(); err != nil {
		return &BatchError{Err: err}
	}
	r := &batchRun[T]{b: b, name: name, box: box, ack: b.opt.Mode == BatchAckEach}
	if b.conn != nil {
		r.conn = b.conn
	} else {
		conn, slot := b.c.take()
		defer b.c.put(slot)
		if slot == nil {
			return &BatchError{Err: &OpError{Op: "batch", Err: &nlkit.BusyError{Unit: nlkit.UnitRoute}}}
		}
		r.conn = conn
		// An abandoned dump may have left replies in the queue: a request through the core drains them.
		if _, err := conn.Execute(ctx, proto.Message{Header: proto.Header{Type: unix.NLMSG_NOOP}}); err != nil {
			return &BatchError{Err: &OpError{Op: "batch", Err: err}}
		}
	}
	if len(b.bufs) == 0 {
		b.bufs = make([][]byte, batchDatagrams)
		for i := range b.bufs {
			b.bufs[i] = make([]byte, 0, b.opt.DatagramSize)
		}
	}
	b.out = b.out[:0]
	cur := b.bufs[0][:0]
	pid := r.conn.PortID()
	limit := b.opt.InFlight
	index := 0
	for v := range seq {
		if r.stop {
			break
		}
		var typ, flags uint16
		var err error
		b.scratch, typ, flags, err = enc(&v, append(b.scratch[:0], make([]byte, proto.HeaderLen)...))
		if err != nil {
			r.res.Failures = append(r.res.Failures, BatchFailure{Index: index, Object: box(&v), Op: name(&v), Err: err})
			index++
			if !b.opt.Continue {
				r.stop = true
			}
			continue
		}
		size := len(b.scratch)
		cost := batchAnswerCost + 2*size
		if len(r.win) > 0 && (r.cost+cost > b.rcv/2 || (limit > 0 && len(r.win) >= limit)) {
			// The window is full: send it and read its answers before this request goes in.
			if len(cur) > 0 {
				b.out = append(b.out, cur)
			}
			if err := r.flush(ctx, true); err != nil {
				r.res.Err = err
				cur = nil
				break
			}
			cur = b.bufs[0][:0]
			if r.stop {
				break
			}
		} else if len(cur) > 0 && len(cur)+proto.Align(size) > b.opt.DatagramSize {
			// The datagram is full: the next one, and send them all when every buffer is taken.
			b.out = append(b.out, cur)
			if len(b.out) == len(b.bufs) {
				if err := r.flush(ctx, false); err != nil {
					r.res.Err = err
					cur = nil
					break
				}
			}
			cur = b.bufs[len(b.out)][:0]
		}
		seqNo := r.conn.NextSequence()
		flags |= unix.NLM_F_REQUEST
		if r.ack {
			flags |= unix.NLM_F_ACK
			r.answers++
		}
		proto.Header{Length: uint32(size), Type: typ, Flags: flags, Sequence: seqNo, PortID: pid}.MarshalTo(b.scratch)
		cur = append(cur, b.scratch...)
		for len(cur)%4 != 0 {
			cur = append(cur, 0)
		}
		r.win = append(r.win, pending[T]{index: index, seq: seqNo, v: v})
		r.cost += cost
		r.unsent++
		index++
	}
	if r.res.Err == nil && (len(r.win) > 0 || len(cur) > 0) {
		if len(cur) > 0 {
			b.out = append(b.out, cur)
		}
		if err := r.flush(ctx, true); err != nil {
			r.res.Err = err
		}
	}
	if r.res.Err == nil && len(r.res.Failures) == 0 {
		return nil
	}
	// Failures to encode were noted as they came, the kernel's when their window settled.
	slices.SortStableFunc(r.res.Failures, func(a, b BatchFailure) int { return a.Index - b.Index })
	return &r.res
}

// flush sends the packed datagrams; with settle, it adds the barrier (BatchErrorsOnly) and reads every answer
// of the window.
func (r *batchRun[T]) flush(ctx context.Context, settle bool) error {
	b := r.b
	if err := ctx.Err(); err != nil {
		return err
	}
	if settle && !r.ack && len(r.win) > 0 {
		r.barrier = r.conn.NextSequence()
		h := proto.Header{Length: proto.HeaderLen, Type: unix.NLMSG_NOOP, Flags: unix.NLM_F_REQUEST | unix.NLM_F_ACK,
			Sequence: r.barrier, PortID: r.conn.PortID()}
		last := len(b.out) - 1
		if last >= 0 && len(b.out[last])+proto.HeaderLen <= cap(b.out[last]) {
			n := len(b.out[last])
			b.out[last] = b.out[last][:n+proto.HeaderLen]
			h.MarshalTo(b.out[last][n:])
		} else {
			h.MarshalTo(b.bar[:])
			b.out = append(b.out, b.bar[:])
		}
		r.answers = 1
	}
	if len(b.out) > 0 {
		n, err := r.conn.SendRawBatch(nlkit.Sockaddr{}, b.out)
		if n == len(b.out) {
			r.res.Sent += r.unsent
		} else {
			for _, d := range b.out[:n] {
				r.res.Sent += countMessages(d)
			}
		}
		b.out, r.unsent = b.out[:0], 0
		if err != nil {
			return err
		}
	}
	if !settle {
		return nil
	}
	if err := r.settle(ctx); err != nil {
		return err
	}
	r.res.Processed += len(r.win)
	r.win, r.cost, r.answers = r.win[:0], 0, 0
	if len(r.res.Failures) > 0 && !b.opt.Continue {
		r.stop = true
	}
	return nil
}

// countMessages counts the requests in a datagram, less a barrier.
func countMessages(d []byte) int {
	n := 0
	it := proto.NewIter(d)
	for it.Next() {
		if it.Message().Header.Type != unix.NLMSG_NOOP {
			n++
		}
	}
	return n
}

// settle reads the window's answers: an ack or error for each request (BatchAckEach), or the errors and then
// the barrier's ack (BatchErrorsOnly).
func (r *batchRun[T]) settle(ctx context.Context) error {
	if len(r.win) == 0 {
		return nil
	}
	first := r.win[0].seq
	for r.answers > 0 {
		ds, err := r.conn.ReceiveDatagrams(ctx, nlkit.MaxBatch)
		if err != nil {
			if errors.Is(err, unix.ENOBUFS) {
				return &OpError{Op: "batch", Err: fmt.Errorf("the socket's receive queue overran, answers lost: %w", err)}
			}
			return err
		}
		for i := range ds {
			it := ds[i].Messages()
			for it.Next() {
				m := it.Message()
				if m.Header.Type != unix.NLMSG_ERROR {
					continue
				}
				seq := m.Header.Sequence
				if !r.ack && seq == r.barrier {
					r.answers = 0
					continue
				}
				k := r.find(seq, first)
				if k < 0 {
					continue // not this window's
				}
				a, err := proto.ParseAck(m)
				if err != nil {
					return &OpError{Op: "batch", Err: err}
				}
				if r.ack {
					r.answers--
				}
				if a.Errno == 0 {
					continue
				}
				p := &r.win[k]
				r.res.Failures = append(r.res.Failures, BatchFailure{Index: p.index, Object: r.box(&p.v),
					Op: r.name(&p.v), Err: &proto.Error{Errno: a.Errno, Request: a.Request, ExtAck: a.ExtAck.Clone()}})
			}
		}
	}
	return nil
}

// find returns the place in the window of the request with sequence seq (first is the window's first), or -1.
// Sequences are consecutive but for the wrap past 0, which NextSequence skips.
func (r *batchRun[T]) find(seq, first uint32) int {
	if k := int(seq - first); k >= 0 && k < len(r.win) && r.win[k].seq == seq {
		return k
	}
	for k := range r.win {
		if r.win[k].seq == seq {
			return k
		}
	}
	return -1
}

// appendPlainRoute appends the payload Route.MarshalBinary encodes for a route without Extra, in place and
// without allocating (MarshalBinary allocates its buffer and each address): struct rtmsg, then RTA_TABLE,
// RTA_DST, RTA_GATEWAY, RTA_OIF, RTA_NH_ID, RTA_PRIORITY and RTA_PREF, in MarshalBinary's order.
// TestBatchPlainRouteEncoding holds the two equal.
func appendPlainRoute(b []byte, r *Route) []byte {
	var hdr [sizeofRtMsg]byte
	hdr[0], hdr[3] = r.family(), r.TOS
	if r.Dst.IsValid() {
		hdr[1] = uint8(r.Dst.Bits())
	}
	if r.Table < 256 {
		hdr[4] = uint8(r.Table)
	}
	hdr[5], hdr[6], hdr[7] = uint8(r.Protocol), uint8(r.Scope), uint8(r.Type)
	binary.NativeEndian.PutUint32(hdr[8:12], r.Flags)
	b = append(b, hdr[:]...)
	attr := func(b []byte, typ uint16, n int) ([]byte, int) {
		b = binary.NativeEndian.AppendUint16(b, uint16(4+n))
		b = binary.NativeEndian.AppendUint16(b, typ)
		return b, len(b)
	}
	u32 := func(b []byte, typ uint16, v uint32) []byte {
		b, _ = attr(b, typ, 4)
		return binary.NativeEndian.AppendUint32(b, v)
	}
	addr := func(b []byte, typ uint16, a netip.Addr) []byte {
		if a.Is4() {
			x := a.As4()
			b, _ = attr(b, typ, 4)
			return append(b, x[:]...)
		}
		x := a.As16()
		b, _ = attr(b, typ, 16)
		return append(b, x[:]...)
	}
	if r.Table != 0 {
		b = u32(b, unix.RTA_TABLE, r.Table)
	}
	if r.Dst.IsValid() && r.Dst.Bits() > 0 {
		b = addr(b, unix.RTA_DST, r.Dst.Addr())
	}
	if r.Gateway.IsValid() {
		b = addr(b, unix.RTA_GATEWAY, r.Gateway)
	}
	if r.OIF != 0 {
		b = u32(b, unix.RTA_OIF, uint32(r.OIF))
	}
	if r.NexthopID != 0 {
		b = u32(b, rtaNHID, r.NexthopID)
	}
	if r.Priority != 0 || r.HasPriority {
		b = u32(b, unix.RTA_PRIORITY, r.Priority)
	}
	if r.Pref != 0 || r.HasPref {
		b, _ = attr(b, unix.RTA_PREF, 1)
		b = append(b, r.Pref, 0, 0, 0)
	}
	return b
}
