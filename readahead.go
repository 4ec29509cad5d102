package nlkit

import (
	"context"
	"encoding/binary"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nlkit/nlkit/proto"
)

// aheadDepth is how many datagrams of a dump may be received ahead of the code consuming them. While the caller
// decodes one datagram, another goroutine is already in recvmsg: the kernel builds the next part of the dump
// in that call, so decoding and the kernel's work overlap on two CPUs instead of taking turns on one.
const aheadDepth = 4

// aheadSlot is one receive buffer of a read-ahead and the datagram (or error) received into it.
type aheadSlot struct {
	buf []byte
	d   Datagram
	err error
}

// readAhead receives the datagrams of one dump on its own goroutine. The slots circulate: the reader takes one
// from free, receives into it and passes it on full; the consumer hands it back to free when it has finished
// with the datagram. It is kept in the Conn and reused by every dump.
type readAhead struct {
	slots   [aheadDepth]aheadSlot
	free    chan *aheadSlot
	full    chan *aheadSlot
	quit    atomic.Bool
	sawEnd  bool // set by the reader before it exits: it received the datagram that ends the reply
	running sync.WaitGroup
}

// readAheadLocked returns the Conn's read-ahead, with every slot free and sized like the receive buffer.
// c.recvMu must be held.
func (c *Conn) readAheadLocked() *readAhead {
	r := c.ahead
	if r == nil {
		r = &readAhead{free: make(chan *aheadSlot, aheadDepth), full: make(chan *aheadSlot, aheadDepth)}
		for i := range r.slots {
			r.free <- &r.slots[i]
		}
		c.ahead = r
	}
	for i := range r.slots {
		if s := &r.slots[i]; len(s.buf) != len(c.rbuf) {
			s.buf = make([]byte, len(c.rbuf))
		}
	}
	r.quit.Store(false)
	r.sawEnd = false
	return r
}

// start runs the reader: it receives datagrams until one holds the end of reply seq (or a datagram it cannot
// walk, or an error, which it passes on), or until stop.
func (r *readAhead) start(ctx context.Context, c *Conn, seq, pid uint32) {
	r.running.Add(1)
	go func() {
		defer r.running.Done()
		for {
			s := <-r.free
			if r.quit.Load() {
				r.free <- s
				return
			}
			d, err := c.recvSlotLocked(ctx, s)
			s.err = err
			end, ok := false, true
			if err == nil {
				s.d = *d
				// Look before passing the slot on: from then on it is the consumer's.
				end, ok = scanEnd(s.d.Data, seq, pid)
			}
			r.sawEnd = end
			r.full <- s
			if err != nil || end || !ok {
				return
			}
		}
	}()
}

// aheadSpin is how long the consumer polls for the next datagram before it sleeps: the kernel builds a datagram
// of a dump in tens of microseconds, and waking a sleeping goroutine costs the reader a futex call each time.
const aheadSpin = 100 * time.Microsecond

// next returns the next received slot, polling for a while (yielding the processor between polls) before it
// waits on the channel.
func (r *readAhead) next() *aheadSlot {
	var start time.Time
	for i := 0; ; i++ {
		select {
		case s := <-r.full:
			return s
		default:
		}
		if i&15 == 0 {
			if i == 0 {
				start = time.Now()
			} else if time.Since(start) > aheadSpin {
				return <-r.full
			}
		}
		runtime.Gosched()
	}
}

// stop ends the reader, waits for it, and reclaims every slot. It reports whether the end of the reply has been
// received, by the reader or in a datagram the consumer never reached.
func (r *readAhead) stop(seq, pid uint32) bool {
	r.quit.Store(true)
	// The reader may be waiting for a free slot: reclaiming the full ones lets it see quit.
	end := r.reclaim(seq, pid, false)
	r.running.Wait()
	return r.reclaim(seq, pid, end) || r.sawEnd
}

// reclaim moves the slots the consumer did not reach back to free, reporting whether one of them (or end)
// holds the end of the reply.
func (r *readAhead) reclaim(seq, pid uint32, end bool) bool {
	for {
		select {
		case s := <-r.full:
			if s.err == nil && !end {
				end, _ = scanEnd(s.d.Data, seq, pid)
			}
			s.d = Datagram{}
			r.free <- s
		default:
			return end
		}
	}
}

// recvSlotLocked receives one datagram into s's buffer. It is recvLocked with the slot standing in for the
// Conn's buffer; a buffer recvLocked grows for a truncated datagram becomes the Conn's buffer, and the slots
// follow it on the next dump.
func (c *Conn) recvSlotLocked(ctx context.Context, s *aheadSlot) (*Datagram, error) {
	own := c.rbuf
	c.rbuf = s.buf
	d, err := c.recvLocked(ctx)
	if len(c.rbuf) > len(own) {
		own = c.rbuf
	}
	c.rbuf = own
	return d, err
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
