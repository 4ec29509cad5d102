package nlkit

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"slices"
	"time"

	"github.com/nlkit/nlkit/proto"
)

// drainTimeout bounds how long the remainder of an abandoned dump is read before the next request.
const drainTimeout = 10 * time.Second

// Execute sends a request to the kernel with NLM_F_REQUEST and NLM_F_ACK set and collects the replies that carry
// its sequence number and this socket's portid, up to the acknowledgement (or NLMSG_DONE for a dump). Replies to
// other requests and stray messages are skipped. An NLMSG_ERROR with an error code returns a *proto.Error with the
// kernel's extended-ack message; errors.Is(err, unix.EEXIST) matches its errno. The returned messages are copies.
func (c *Conn) Execute(ctx context.Context, m proto.Message) ([]proto.Message, error) {
	return c.execute(ctx, m, nil)
}

// ExecuteAck is Execute that also returns the extended acknowledgement of the request's final ack
// (NLMSG_ERROR with error 0, or NLMSG_DONE): a successful request may carry NLMSGERR_ATTR_COOKIE (ExtAck.Cookie)
// or a warning in NLMSGERR_ATTR_MSG, which Execute drops. The ExtAck's slices are copies. On failure the
// kernel's extended ack is in the *proto.Error, as with Execute, and the returned ExtAck is empty.
func (c *Conn) ExecuteAck(ctx context.Context, m proto.Message) ([]proto.Message, proto.ExtAck, error) {
	var ext proto.ExtAck
	msgs, err := c.execute(ctx, m, &ext)
	return msgs, ext, err
}

func (c *Conn) execute(ctx context.Context, m proto.Message, ext *proto.ExtAck) ([]proto.Message, error) {
	m.Header.Flags |= proto.FlagRequest | proto.FlagAck
	var out []proto.Message
	for msg, err := range c.request(ctx, m, ext) {
		if err != nil {
			return out, err
		}
		// Copy now: the reply and its ack often come in separate datagrams, and the next receive reuses
		// the buffer.
		msg.Data = slices.Clone(msg.Data)
		out = append(out, msg)
	}
	return out, nil
}

// Dump sends a dump request (NLM_F_REQUEST|NLM_F_DUMP added to m's flags) and streams the replies. Each message is
// valid only until the loop body returns: it aliases the receive buffer, and nothing is allocated per message.
// When the kernel flagged any reply NLM_F_DUMP_INTR, the last value yielded is a *DumpInterruptedError, after
// every message. Stopping the loop early, or cancelling ctx, leaves the Conn usable: the rest of the dump is
// read and discarded before the next request.
//
// When the loop body takes a noticeable share of the kernel's time per datagram (decoding does; counting does
// not), the rest of a dump is received by a second goroutine, up to 16 datagrams ahead, so that the kernel builds
// the dump on one CPU while the body runs on another. The loop body still runs on the caller's goroutine, in
// order. A cancelled dump then may finish the one receive that goroutine has in flight.
func (c *Conn) Dump(ctx context.Context, m proto.Message) iter.Seq2[proto.Message, error] {
	m.Header.Flags |= proto.FlagRequest | proto.FlagDump
	return c.request(ctx, m, nil)
}

// request sends m and yields its replies until the ack or NLMSG_DONE.
// With ext set, the extended ack of a successful final ack is copied there.
func (c *Conn) request(ctx context.Context, m proto.Message, ext *proto.ExtAck) iter.Seq2[proto.Message, error] {
	return func(yield func(proto.Message, error) bool) {
		if ctx == nil {
			yield(proto.Message{}, ErrNilContext)
			return
		}
		if err := c.acquire(ctx); err != nil {
			yield(proto.Message{}, err)
			return
		}
		defer c.release()
		c.recvMu.Lock()
		defer c.recvMu.Unlock()
		if err := c.drainLocked(ctx); err != nil {
			yield(proto.Message{}, err)
			return
		}
		if m.Header.Sequence == 0 {
			m.Header.Sequence = c.NextSequence()
		}
		seq := m.Header.Sequence
		if err := c.SendTo(Sockaddr{}, m); err != nil {
			yield(proto.Message{}, err)
			return
		}
		stop := c.watch(ctx)
		defer stop()
		// NLM_F_DUMP is NLM_F_ROOT|NLM_F_MATCH, whose bits a change request reuses as NLM_F_REPLACE and
		// NLM_F_EXCL: only both together make a dump.
		dump := m.Header.Flags&proto.FlagDump == proto.FlagDump
		if dump {
			// The loop body runs on this goroutine: a request it makes on c must fail, not wait for it.
			c.dumpG.Store(goroutineID(c.gbuf[:]))
			defer c.dumpG.Store(0)
		}
		done, err := c.readReplies(ctx, seq, yield, dump, ext)
		if !done {
			c.pendingDump = seq
		}
		if err != nil {
			yield(proto.Message{}, err)
		}
	}
}

// readReplies reads the replies to seq, passing data messages to yield. It reports whether the reply stream
// ended (ack, error or NLMSG_DONE) and the error that ended it. With ahead set (a dump), the second datagram
// that does not end the reply is timed: if consuming it took a good part of what receiving it did (see
// aheadPays), the rest is received by a read-ahead goroutine while yield consumes.
func (c *Conn) readReplies(ctx context.Context, seq uint32, yield func(proto.Message, error) bool,
	ahead bool, ext *proto.ExtAck) (bool, error) {
	st := replies{seq: seq, pid: c.t.PortID(), unit: c.unit, yield: yield, ext: ext}
	ahead = ahead && yield != nil && runtime.GOMAXPROCS(0) > 1
	n := 0 // datagrams consumed
	for {
		var t0 time.Time
		if ahead {
			t0 = time.Now()
		}
		d, err := c.recvLocked(ctx)
		if err != nil {
			// A *TruncatedError lost part of the reply, but the stream has not ended: the rest is drained.
			return false, err
		}
		var t1 time.Time
		if ahead {
			t1 = time.Now()
		}
		done, err := st.consume(d)
		if done || err != nil {
			if err == errStopped {
				err = nil
			}
			return done, err
		}
		// The first datagram of a dump is small (the kernel sizes it before it has seen this socket's receive
		// buffer), so the second, full one decides.
		if ahead {
			if n++; n == 2 {
				if c.ahead.pays(time.Since(t1), t1.Sub(t0)) {
					if done, short, err := c.readAhead(ctx, &st); !short {
						return done, err
					}
				}
				ahead = false
			}
		}
	}
}

// aheadMinWork is the least time consuming a datagram must take for reading ahead to pay: below it, handing
// the datagrams to another goroutine costs about what it saves. The handing over is a lock per datagram and
// a wake per aheadBatch of them, so a little work is enough: decoding a datagram of links already gains (the
// figures are in bench/RESULTS.md).
const aheadMinWork = 2 * time.Microsecond

// aheadPays reports whether a dump whose consumer spent work on a datagram that took recv to receive is worth
// reading ahead: the consumer's share must be at least a sixteenth of the kernel's and above aheadMinWork.
func aheadPays(work, recv time.Duration) bool {
	return work >= aheadMinWork && 16*work >= recv
}

// readAhead consumes the datagrams a read-ahead goroutine receives, until the reply ends, yield stops or an
// error. It reports what readReplies does, and short when the reader stopped before the end of the reply
// without an error (at a datagram it could not walk, which the consumer could): readReplies then goes on
// receiving itself.
func (c *Conn) readAhead(ctx context.Context, st *replies) (done, short bool, err error) {
	r := c.readAheadLocked()
	r.start(ctx, c, st.seq, st.pid)
	for !done && err == nil {
		s := r.next()
		if s == nil {
			short = true
			break
		}
		switch {
		case s.err != nil:
			err = s.err
		case ctx.Err() != nil:
			// Cancelled: the datagrams read ahead are not yielded, as a receive would not have been made. The
			// dump is not done, so the rest is drained before the next request.
			err = ctx.Err()
		default:
			done, err = st.consume(&s.d)
		}
		r.put(s)
	}
	if end := r.stop(st.seq, st.pid); end {
		done = true
	}
	r.release()
	if err == errStopped {
		err = nil
	}
	return done, short && !done, err
}

// replies is the state of reading the replies to one request.
type replies struct {
	seq, pid uint32
	unit     int
	yield    func(proto.Message, error) bool
	intr     bool          // a reply carried NLM_F_DUMP_INTR
	ext      *proto.ExtAck // receives a copy of a successful final ack's extended ack, when set
}

// consume passes the data messages of d that answer the request to yield. It reports whether the reply stream
// ended (ack, error, NLMSG_DONE, or yield stopping with the end already in d) and the error that ended it.
func (st *replies) consume(d *Datagram) (bool, error) {
	it := d.Messages()
	for it.Next() {
		msg := it.Message()
		if msg.Header.Sequence != st.seq || (msg.Header.PortID != st.pid && msg.Header.PortID != 0) {
			continue
		}
		if msg.Header.Flags&proto.FlagDumpIntr != 0 {
			st.intr = true
		}
		switch msg.Header.Type {
		case proto.TypeError, proto.TypeDone:
			ack, perr := proto.ParseAck(msg)
			if perr != nil {
				return true, &ReceiveError{From: d.From.Addr, Err: perr}
			}
			if err := ack.Err(); err != nil {
				return true, err
			}
			if st.ext != nil {
				*st.ext = ack.ExtAck.Clone()
			}
			if st.intr {
				return true, &DumpInterruptedError{Sequence: st.seq}
			}
			return true, nil
		case proto.TypeNoop:
			continue
		case proto.TypeOverrun:
			return false, &OpError{Op: "receive", Unit: st.unit, Err: errors.New("NLMSG_OVERRUN: data lost")}
		}
		if st.yield != nil && !st.yield(msg, nil) {
			// The caller stopped; the end of the reply may already be in this datagram.
			end, _ := scanEnd(d.Data[it.Offset():], st.seq, st.pid)
			return end, errStopped
		}
	}
	if err := it.Err(); err != nil {
		return false, &ReceiveError{From: d.From.Addr, Err: err}
	}
	return false, nil
}

// errStopped is consume's report that yield stopped the loop; readReplies's callers see no error.
var errStopped = errors.New("nlkit: stopped by the caller")

// drainLocked reads and discards what is left of an abandoned dump so the next request starts clean
// (the kernel refuses a new dump with EBUSY while one is running on the socket).
// The caller's ctx bounds the wait too.
func (c *Conn) drainLocked(ctx context.Context) error {
	seq := c.pendingDump
	if seq == 0 {
		return nil
	}
	dctx, cancel := context.WithTimeout(ctx, drainTimeout)
	defer cancel()
	stop := c.watch(dctx)
	defer stop()
	for {
		done, err := c.readReplies(dctx, seq, nil, false, nil)
		switch {
		case done:
			c.pendingDump = 0
			return nil
		case err == ErrClosed:
			return err
		case ctx.Err() != nil:
			// The caller gave up; the dump is still pending for the next request.
			return ctx.Err()
		case dctx.Err() != nil:
			c.pendingDump = 0
			return nil
		}
	}
}
