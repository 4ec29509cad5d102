package genl

import (
	"context"
	"errors"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

// The request loop below stands in for nlkit.Conn.Execute and nlkit.Conn.Dump. As of this writing the core's
// Execute keeps its replies aliased to the receive buffer until the acknowledgement arrives and copies them only
// then: when the kernel sends the reply and the ack in separate datagrams, as every genl doit does
// (genlmsg_reply, then netlink_ack), the ack overwrites the reply. Doing doit requests here and dumps in the core
// would not do either: the core drains an abandoned dump before its next request, and waits its full drain
// timeout when a request made here has already read the dump's end. Once the core copies each reply as it reads
// it, Execute and DumpMessage can call it and this file can go.

// drainTimeout bounds how long the rest of an abandoned dump is read before the next request.
const drainTimeout = 10 * time.Second

// request sends m (NLM_F_REQUEST added) and passes its replies to yield, each aliasing the receive buffer, up to
// the acknowledgement or NLMSG_DONE. c.mu must be held. A yield returning false abandons the rest, which the next
// request drains.
func (c *Conn) request(ctx context.Context, m proto.Message, yield func(proto.Message) bool) error {
	if err := c.drainLocked(); err != nil {
		return err
	}
	m.Header.Sequence = c.nc.NextSequence()
	seq, err := c.nc.Send(m)
	if err != nil {
		return err
	}
	done, err := c.readReplies(ctx, seq, yield)
	if !done {
		c.pending = seq
	}
	return err
}

// readReplies reads the replies to seq. It reports whether the reply stream ended (ack, error or NLMSG_DONE) and
// the error that ended it.
func (c *Conn) readReplies(ctx context.Context, seq uint32, yield func(proto.Message) bool) (bool, error) {
	pid := c.nc.PortID()
	intr := false
	for {
		d, err := c.nc.ReceiveDatagram(ctx)
		if err != nil {
			return false, err
		}
		it := d.Messages()
		for it.Next() {
			msg := it.Message()
			if msg.Header.Sequence != seq || (msg.Header.PortID != pid && msg.Header.PortID != 0) {
				continue
			}
			if msg.Header.Flags&proto.FlagDumpIntr != 0 {
				intr = true
			}
			switch msg.Header.Type {
			case proto.TypeNoop:
				continue
			case proto.TypeOverrun:
				return false, &nlkit.OpError{Op: "receive", Unit: nlkit.UnitGeneric,
					Err: errors.New("NLMSG_OVERRUN: data lost")}
			case proto.TypeError, proto.TypeDone:
				ack, err := proto.ParseAck(msg)
				if err != nil {
					return true, &nlkit.ReceiveError{From: d.From.Addr, Err: err}
				}
				if err := ack.Err(); err != nil {
					return true, err
				}
				if intr {
					return true, &nlkit.DumpInterruptedError{Sequence: seq}
				}
				return true, nil
			}
			if yield != nil && !yield(msg) {
				// Abandoned. The kernel often puts NLMSG_DONE in the same datagram as the last replies: if the
				// end is here, nothing is left to drain.
				return endsIn(&it, seq, pid), nil
			}
		}
		if err := it.Err(); err != nil {
			return false, &nlkit.ReceiveError{From: d.From.Addr, Err: err}
		}
	}
}

// drainLocked reads and discards what is left of an abandoned dump (the kernel refuses a new dump with EBUSY while
// one is running on the socket).
func (c *Conn) drainLocked() error {
	seq := c.pending
	if seq == 0 {
		return nil
	}
	c.pending = 0
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	for {
		done, err := c.readReplies(ctx, seq, nil)
		switch {
		case errors.Is(err, nlkit.ErrClosed):
			return err
		case done || ctx.Err() != nil:
			return nil
		}
	}
}

// endsIn reports whether the rest of the datagram under it holds the end (NLMSG_DONE or NLMSG_ERROR) of the replies
// to seq.
func endsIn(it *proto.Iter, seq, pid uint32) bool {
	for it.Next() {
		h := it.Message().Header
		if h.Sequence == seq && (h.PortID == pid || h.PortID == 0) && (h.Type == proto.TypeDone || h.Type == proto.TypeError) {
			return true
		}
	}
	return false
}
