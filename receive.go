package nlkit

import (
	"context"
	"errors"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/nlkit/nlkit/proto"
)

// Datagram is one received datagram. Data aliases the Conn's buffer: it is valid until the next receive on the
// same Conn.
type Datagram struct {
	From Sender
	Data []byte
	// Size is the datagram's full size as the kernel reported it (MSG_TRUNC): len(Data), or more when the
	// datagram did not fit the buffer and Data holds only its start. A receive that cuts a datagram short also
	// returns a *TruncatedError; Size tells which datagrams of a ReceiveDatagrams batch were cut.
	Size int
}

// Truncated reports whether the datagram was cut short to fit the receive buffer (Size > len(Data)).
func (d *Datagram) Truncated() bool { return d.Size > len(d.Data) }

// Messages returns an iterator over the datagram's messages.
func (d *Datagram) Messages() proto.Iter { return proto.NewIter(d.Data) }

// ReceiveDatagram waits for the next datagram and returns it without copying. Datagrams a user process sent on a
// kernel unit are dropped (see Config.AcceptUserSenders). A datagram larger than the buffer gives a
// *TruncatedError; the Conn stays usable. Cancelling ctx returns ctx.Err().
func (c *Conn) ReceiveDatagram(ctx context.Context) (*Datagram, error) {
	if ctx == nil {
		return nil, ErrNilContext
	}
	c.recvMu.Lock()
	defer c.recvMu.Unlock()
	stop := c.watch(ctx)
	defer stop()
	return c.recvLocked(ctx)
}

// Receive waits for the next datagram and returns copies of its messages and its sender. A malformed datagram
// gives a *ReceiveError holding the well-formed messages before the fault; the Conn stays usable.
func (c *Conn) Receive(ctx context.Context) ([]proto.Message, Sender, error) {
	if ctx == nil {
		return nil, Sender{}, ErrNilContext
	}
	c.recvMu.Lock()
	defer c.recvMu.Unlock()
	stop := c.watch(ctx)
	defer stop()
	d, err := c.recvLocked(ctx)
	if err != nil {
		var from Sender
		if d != nil {
			from = d.From
		}
		return nil, from, err
	}
	msgs, err := proto.ParseMessages(slices.Clone(d.Data))
	if err != nil {
		return msgs, d.From, &ReceiveError{From: d.From.Addr, Err: err}
	}
	return msgs, d.From, nil
}

// watchReg is the cancellation watch of one context on a Conn: an AfterFunc that interrupts a blocked receive.
// It outlives the receive that made it, so a loop that passes the same context to every receive (a Server, a
// Subscriber, a Client's requests) registers it once instead of once per datagram. A receive with another
// context replaces it; Close releases it.
type watchReg struct {
	done <-chan struct{}
	stop func() bool
}

// watch arranges for a blocked receive to return when ctx is cancelled, until the returned func is called.
// c.recvMu must be held.
func (c *Conn) watch(ctx context.Context) func() {
	if ctx == nil {
		return noWatch
	}
	done := ctx.Done()
	if done == nil {
		return noWatch
	}
	r := c.watchReg.Load()
	if r == nil || r.done != done {
		r = &watchReg{done: done}
		// The deadline is set only while a receive watches r: a context cancelled after its receives have
		// returned must not disturb the next receive. If the deadline does land late, recvLocked clears it.
		r.stop = context.AfterFunc(ctx, func() {
			if c.watching.Load() == r {
				_ = c.t.SetReadDeadline(time.Unix(1, 0))
			}
		})
		if old := c.watchReg.Swap(r); old != nil {
			old.stop()
		}
		if c.closed.Load() {
			c.releaseWatch()
		}
	}
	c.watching.Store(r)
	return c.unwatch
}

func noWatch() {}

// releaseWatch drops the kept watch, so a long-lived context no longer holds the Conn.
func (c *Conn) releaseWatch() {
	if r := c.watchReg.Swap(nil); r != nil {
		r.stop()
	}
}

// recvLocked receives one datagram into c.rbuf. c.recvMu must be held.
func (c *Conn) recvLocked(ctx context.Context) (*Datagram, error) {
	return c.recvInto(ctx, &c.rbuf, &c.dgram)
}

// recvInto receives one datagram into *buf and describes it in d, which it returns. A datagram larger than
// *buf gives a *TruncatedError and replaces *buf with a larger one. c.recvMu must be held.
func (c *Conn) recvInto(ctx context.Context, buf *[]byte, d *Datagram) (*Datagram, error) {
	for {
		if err := c.recvStopped(ctx); err != nil {
			return nil, err
		}
		n, oobn, from, err := c.t.RecvMsg(*buf, c.oob)
		if err != nil {
			if err = c.recvFailed(ctx, err); err == nil {
				continue
			}
			return nil, err
		}
		if c.kernelOnly && from.PortID != 0 {
			c.dropped.Add(1)
			continue
		}
		d.From = Sender{Addr: from, Group: lowestGroup(from.Groups)}
		if oobn > 0 {
			parseControl(c.oob[:oobn], &d.From)
		}
		d.Size = n
		if n > len(*buf) {
			size := len(*buf)
			d.Data = *buf
			if grow := min(max(2*size, n), c.maxRecv); grow > size {
				*buf = make([]byte, grow)
			}
			return d, &TruncatedError{Size: n, Buffer: size, From: from}
		}
		d.Data = (*buf)[:n]
		if c.tap != nil {
			c.tap.Received(c.unit, c.t.PortID(), from, d.Data)
		}
		return d, nil
	}
}

// recvStopped is the error a receive returns before it starts: ErrClosed, or the error of a done ctx (the read
// deadline set on cancellation arrives late, so a cancelled dump checks first to stop at once).
func (c *Conn) recvStopped(ctx context.Context) error {
	if c.closed.Load() {
		return ErrClosed
	}
	if ctx != nil {
		return ctx.Err()
	}
	return nil
}

// recvFailed turns an error of the Transport's receive into the one to return, or nil when the receive should
// be tried again: after EINTR, and after a read deadline left by an earlier, finished cancellation, which it
// clears.
func (c *Conn) recvFailed(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, syscall.EINTR):
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		if ctx != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		_ = c.t.SetReadDeadline(time.Time{})
		return nil
	case c.closed.Load() || errors.Is(err, os.ErrClosed):
		return ErrClosed
	}
	return &OpError{Op: "receive", Unit: c.unit, Err: err}
}
