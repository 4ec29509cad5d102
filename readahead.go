package nlkit

import (
	"context"
	"encoding/binary"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nlkit/nlkit/proto"
)

// aheadDepth is how many datagrams of a dump may be received ahead of the code consuming them. While the caller
// decodes one datagram, another goroutine is already in recvmsg: the kernel builds the next part of the dump
// in that call, so decoding and the kernel's work overlap on two CPUs instead of taking turns on one.
const aheadDepth = 16

// aheadBatch is how many received datagrams wake a consumer that has caught up with the reader. Waking a
// sleeping goroutine costs the reader a futex call (and on a virtual machine an inter-processor interrupt);
// a consumer that decodes faster than the kernel dumps would otherwise be woken once per datagram. A reader
// that has to wait for its next datagram (a slow peer) wakes the consumer for whatever has arrived, so
// batching never holds back what could be delivered; that needs a Transport that says when it waits (see
// WaitNotifier), and with any other the batch is 1.
const aheadBatch = 12

// WaitNotifier is implemented by a Transport that can tell when a receive is about to wait for a datagram.
// A dump's read-ahead uses it (see Conn.Dump); nlkit's sockets and nltest's fake implement it.
type WaitNotifier interface {
	// NotifyWait makes every RecvMsg call fn when it finds no datagram and is about to wait for one, until
	// NotifyWait(nil). fn must not block.
	NotifyWait(fn func())
}

// aheadSlot is one receive buffer of a read-ahead and the datagram (or error) received into it.
type aheadSlot struct {
	buf []byte
	d   Datagram
	err error
}

// readAhead receives the datagrams of one dump on its own goroutine. The slots circulate: the reader takes one
// from free, receives into it and appends it to full; the consumer takes them from full in order and hands each
// back to free when it has finished with the datagram. Between dumps its Conn keeps it, buffers and
// all (see aheadState).
type readAhead struct {
	slots [aheadDepth]aheadSlot
	c     *Conn
	ctx   readerCtx   // the reader's context
	stopd atomic.Bool // stop was called: the reader exits, and its receive returns errStopped

	mu         sync.Mutex
	more       sync.Cond // the consumer waits on it for datagrams, stop for the reader's exit
	room       sync.Cond // the reader waits on it for a free slot
	free, full []*aheadSlot
	batch      int          // aheadBatch, or 1 when the transport cannot say when it waits
	notifier   WaitNotifier // the transport, when it can say so
	waiting    func()       // the reader's NotifyWait function
	consumerWaits, readerWaits,
	readerIdle, // the reader is waiting for a datagram: deliver what has arrived
	done, // the reader has exited, or is about to and touches nothing more
	sawEnd bool // the reader received the datagram that ends the reply

	seq, pid uint32 // the reply the reader looks for the end of
	run      func() // r.read, made once (see readAheadLocked)
}

// aheadState is what a Conn keeps for the read-aheads of its dumps: the read-ahead of the last finished dump,
// buffers and all, for the next one (a fresh buffer costs a page fault per 4 KiB on first use, which for a short
// dump is more than reading ahead saves), and the policy that decides whether a dump reads ahead. A Conn runs one
// dump at a time, so it keeps at most one read-ahead (aheadDepth receive buffers); Close drops it.
type aheadState struct {
	kept   atomic.Pointer[readAhead]
	policy func(work, recv time.Duration) bool // nil is aheadPays; tests set another (see ForceReadAhead)
}

// pays applies the Conn's policy: see aheadPays.
func (a *aheadState) pays(work, recv time.Duration) bool {
	if a.policy != nil {
		return a.policy(work, recv)
	}
	return aheadPays(work, recv)
}

// drop lets the kept read-ahead go (Close).
func (a *aheadState) drop() { a.kept.Store(nil) }

// readAheadLocked returns a read-ahead with every slot free and sized like the Conn's receive buffer: the one
// the Conn kept from its last dump, or a new one. c.recvMu must be held.
func (c *Conn) readAheadLocked() *readAhead {
	r := c.ahead.kept.Swap(nil)
	if r == nil {
		r = &readAhead{free: make([]*aheadSlot, 0, aheadDepth), full: make([]*aheadSlot, 0, aheadDepth)}
		r.more.L, r.room.L = &r.mu, &r.mu
		for i := range r.slots {
			r.free = append(r.free, &r.slots[i])
		}
		// The reader is started with this func value, made once: a go statement on a method value or a
		// closure would allocate per dump.
		r.run = r.read
	}
	// The first slot receives into the Conn's own buffer, which the consumer leaves alone while the read-ahead
	// runs (see recvSlot); the others get a buffer the first time the reader needs them, so a dump whose
	// consumer keeps up touches only a few, and a fresh Conn pays for those alone.
	r.slots[0].buf = c.rbuf
	for i := 1; i < len(r.slots); i++ {
		if s := &r.slots[i]; s.buf != nil && len(s.buf) != len(c.rbuf) {
			s.buf = nil
		}
	}
	r.done, r.sawEnd = false, false
	r.stopd.Store(false)
	return r
}

// readerCtx is the reader's context: the dump's, and ended too once stop is called, so that a reader waiting in
// a receive (a peer that stalls mid-dump) gives up when the consumer has.
type readerCtx struct {
	context.Context
	r *readAhead
}

// Err is errStopped after stop, else the dump context's error.
func (x *readerCtx) Err() error {
	if x.r.stopd.Load() {
		return errStopped
	}
	return x.Context.Err()
}

// release keeps a stopped read-ahead for the Conn's next dump, or leaves it to the garbage collector when the
// Conn is closed. A Close that runs meanwhile either sees it kept and drops it, or has set closed first.
func (r *readAhead) release() {
	c := r.c
	r.c, r.ctx = nil, readerCtx{}
	c.ahead.kept.Store(r)
	if c.closed.Load() {
		c.ahead.drop()
	}
}

// start runs the reader: it receives datagrams until one holds the end of reply seq (or a datagram it cannot
// walk, or an error, which it passes on), or until stop.
func (r *readAhead) start(ctx context.Context, c *Conn, seq, pid uint32) {
	r.c = c
	r.ctx = readerCtx{Context: ctx, r: r}
	r.batch = 1
	r.notifier, _ = c.t.(WaitNotifier)
	if r.notifier != nil {
		if r.waiting == nil {
			r.waiting = r.readerWaitsForData
		}
		r.notifier.NotifyWait(r.waiting)
		r.batch = aheadBatch
	}
	r.seq, r.pid = seq, pid
	go r.run()
}

// read is the reader: see start.
func (r *readAhead) read() {
	c, rctx, seq, pid := r.c, &r.ctx, r.seq, r.pid
	for {
		r.mu.Lock()
		for len(r.free) == 0 && !r.stopd.Load() {
			r.readerWaits = true
			r.room.Wait()
		}
		r.readerWaits = false
		if r.stopd.Load() {
			r.done = true
			r.more.Broadcast()
			r.mu.Unlock()
			return
		}
		s := r.free[len(r.free)-1]
		r.free = r.free[:len(r.free)-1]
		r.mu.Unlock()
		if s.buf == nil {
			s.buf = make([]byte, len(c.rbuf))
		}

		err := c.recvSlot(rctx, s)
		s.err = err
		end, ok := false, true
		if err == nil {
			end, ok = scanEnd(s.d.Data, seq, pid)
		}
		last := err != nil || end || !ok

		r.mu.Lock()
		r.full = append(r.full, s)
		trickle := r.readerIdle
		r.readerIdle = false
		if last {
			r.done, r.sawEnd = true, end
		}
		// stop waits on more too, for done: the last slot always wakes.
		if last || r.consumerWaits && (trickle || len(r.full) >= r.batch || len(r.free) == 0) {
			r.more.Broadcast()
		}
		r.mu.Unlock()
		if last {
			return
		}
	}
}

// next returns the next received slot, in order, or nil when the reader has stopped and every slot it filled
// has been taken. A consumer that has caught up sleeps until a batch of datagrams is in, the reader is done or
// waits for data, or it has no free slot left.
func (r *readAhead) next() *aheadSlot {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.full) == 0 {
		// The consumer holds no slot now, so with none free the reader has filled all but its current one.
		r.consumerWaits = true
		for !r.done && (len(r.full) == 0 || len(r.full) < r.batch && len(r.free) > 0 && !r.readerIdle) {
			r.more.Wait()
		}
		r.consumerWaits = false
		if len(r.full) == 0 {
			return nil
		}
	}
	s := r.full[0]
	copy(r.full, r.full[1:])
	r.full = r.full[:len(r.full)-1]
	return s
}

// readerWaitsForData is the reader's NotifyWait function: its next datagram is not there yet, so a consumer
// waiting for a whole batch takes what has arrived.
func (r *readAhead) readerWaitsForData() {
	r.mu.Lock()
	r.readerIdle = true
	if r.consumerWaits && len(r.full) > 0 {
		r.more.Broadcast()
	}
	r.mu.Unlock()
}

// put hands a slot the consumer has finished with back to the reader.
func (r *readAhead) put(s *aheadSlot) {
	s.d = Datagram{}
	r.mu.Lock()
	r.free = append(r.free, s)
	if r.readerWaits {
		r.room.Signal()
	}
	r.mu.Unlock()
}

// stop ends the reader, waits for it, and reclaims every slot. It reports whether the end of the reply has been
// received, by the reader or in a datagram the consumer never reached. The read-ahead can then be released.
func (r *readAhead) stop(seq, pid uint32) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopd.Store(true) // under mu, so that a reader about to wait for room sees it
	r.room.Signal()
	if !r.done {
		// The reader may be waiting in a receive for a datagram that does not come. The deadline that ends
		// the wait is cleared by the next receive (see recvLocked).
		_ = r.c.t.SetReadDeadline(time.Unix(1, 0))
	}
	for !r.done {
		r.more.Wait()
	}
	if r.notifier != nil {
		r.notifier.NotifyWait(nil)
	}
	r.readerIdle = false
	end := r.sawEnd
	for _, s := range r.full {
		if s.err == nil && !end {
			end, _ = scanEnd(s.d.Data, seq, pid)
		}
		s.d = Datagram{}
		r.free = append(r.free, s)
	}
	r.full = r.full[:0]
	return end
}

// recvSlot receives one datagram into s. A buffer grown for a truncated datagram is the Conn's size from then
// on: the slots follow the Conn's buffer on the next dump. Only the reader runs it, while the consumer holds
// c.recvMu and leaves c.rbuf alone: the consumer has finished with the datagram in c.rbuf before it starts the
// read-ahead, and receives into it again only after stop.
func (c *Conn) recvSlot(ctx context.Context, s *aheadSlot) error {
	_, err := c.recvInto(ctx, &s.buf, &s.d)
	if len(s.buf) > len(c.rbuf) {
		c.rbuf = make([]byte, len(s.buf))
	}
	return err
}

// scanEnd walks the headers of a datagram and reports whether it holds the NLMSG_DONE or NLMSG_ERROR that ends
// reply seq to port pid; ok is false when the headers do not chain (the consumer's iterator reports why).
func scanEnd(b []byte, seq, pid uint32) (end, ok bool) {
	for len(b) >= proto.HeaderLen {
		l := binary.NativeEndian.Uint32(b[0:4])
		if l < proto.HeaderLen || uint64(l) > uint64(len(b)) {
			return false, false
		}
		typ := binary.NativeEndian.Uint16(b[4:6])
		if (typ == proto.TypeDone || typ == proto.TypeError) && binary.NativeEndian.Uint32(b[8:12]) == seq {
			if p := binary.NativeEndian.Uint32(b[12:16]); p == pid || p == 0 {
				return true, true
			}
		}
		a := proto.Align(int(l))
		if a >= len(b) {
			return false, true
		}
		b = b[a:]
	}
	return false, len(b) == 0
}
