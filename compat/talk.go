package compat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

// RtnlTalk is rtnl_talk: it sends n to the kernel and waits for the answer. With answer nil it adds NLM_F_ACK
// and waits for the acknowledgement; otherwise *answer is set to the first reply (a copy the caller owns), which
// is the acknowledgement itself for requests that answer with nothing else. n.Seq is set to ++rth.Seq.
// An error from the kernel is an *Error whose text is what iproute2 prints ("RTNETLINK answers: File exists",
// or "Error: <extended ack message>."). Replies not from the kernel, not for this socket or for another sequence
// number are skipped.
func RtnlTalk(rth *RtnlHandle, n *Nlmsghdr, answer **Nlmsghdr) error {
	return rtnlTalkIov(rth, []*Nlmsghdr{n}, answer, true)
}

// RtnlTalkSuppressRtnlErrmsg is rtnl_talk_suppress_rtnl_errmsg: RtnlTalk whose kernel errors are Quiet (C prints
// nothing for them).
func RtnlTalkSuppressRtnlErrmsg(rth *RtnlHandle, n *Nlmsghdr, answer **Nlmsghdr) error {
	return rtnlTalkIov(rth, []*Nlmsghdr{n}, answer, false)
}

// RtnlTalkIov is rtnl_talk_iov: the messages of iov sent in one datagram, each with its own sequence number,
// and one acknowledgement awaited for each. The errors of all of them are returned, joined (C prints each and
// returns only whether the last failed).
func RtnlTalkIov(rth *RtnlHandle, iov []*Nlmsghdr, answer **Nlmsghdr) error {
	return rtnlTalkIov(rth, iov, answer, true)
}

// RtnlEchoTalk is rtnl_echo_talk: n is sent with NLM_F_ECHO|NLM_F_ACK and printInfo is called with the echoed
// message and arg (C passes stdout and handles JSON itself).
func RtnlEchoTalk(rth *RtnlHandle, n *Nlmsghdr, printInfo RtnlFilter, arg any) error {
	n.Flags |= proto.FlagEcho | proto.FlagAck
	var answer *Nlmsghdr
	if err := RtnlTalk(rth, n, &answer); err != nil {
		return err
	}
	printInfo(answer, arg)
	return nil
}

func rtnlTalkIov(rth *RtnlHandle, iov []*Nlmsghdr, answer **Nlmsghdr, show bool) error {
	var seq uint32
	var b []byte
	for i, h := range iov {
		rth.Seq++
		h.Seq = rth.Seq
		seq = h.Seq
		if answer == nil {
			h.Flags |= proto.FlagAck
		}
		if i > 0 {
			b = padded(b) // the next message starts at NLMSG_ALIGN, where the kernel looks for it
		}
		b = h.AppendTo(b)
	}
	if err := rth.send(b); err != nil {
		//lint:ignore ST1005 libnetlink's own words, as its callers print them
		return fmt.Errorf("Cannot talk to rtnetlink: %w", err)
	}
	acks := 0
	var errs []error
	for {
		d, err := rth.recv()
		if err != nil {
			var te *nlkit.TruncatedError
			if errors.As(err, &te) {
				//lint:ignore ST1005 libnetlink's own words, as its callers print them
				return fmt.Errorf("Truncated message: %w", err)
			}
			return err
		}
		it := proto.NewIter(d.data)
		for it.Next() {
			m := it.Message()
			s := int64(m.Header.Sequence)
			if d.from.Addr.PortID != 0 || m.Header.PortID != rth.Local.PortID ||
				s > int64(seq) || s < int64(seq)-int64(len(iov)) {
				continue
			}
			if m.Header.Type == proto.TypeError {
				if len(m.Data) < 4+proto.HeaderLen {
					return errors.New("ERROR truncated")
				}
				ack, _ := proto.ParseAck(m)
				if ack.Errno == 0 {
					if ack.ExtAck.Msg != "" {
						rth.warn(extAckText(false, ack.ExtAck.Msg))
					}
				} else {
					errs = append(errs, newTalkError(&ack, rth.Proto == netlinkSockDiag || !show))
				}
				acks++
				if acks < len(iov) {
					continue // the kernel sends each acknowledgement in its own datagram, a fake may not
				}
				if len(errs) > 0 {
					return joinErrors(errs)
				}
				if answer != nil {
					*answer = NewMessage(m).Clone()
				}
				return nil
			}
			if answer != nil {
				*answer = NewMessage(m).Clone()
				return joinErrors(errs)
			}
			rth.warn("Unexpected reply!!!")
		}
		if err := it.Err(); err != nil {
			return fmt.Errorf("!!!malformed message: %w", err)
		}
	}
}

// joinErrors returns the one error of a single request as it is (an *Error), several joined.
func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// RtnlSend is rtnl_send: buf is sent to the kernel as it is.
func RtnlSend(rth *RtnlHandle, buf []byte) error { return rth.send(buf) }

// sendCheckWait is how long RtnlSendCheck waits for an immediate answer. The kernel handles a rtnetlink request
// inside sendmsg, so an error is queued before the send returns; the wait only bounds the case of no answer.
const sendCheckWait = 2 * time.Millisecond

// RtnlSendCheck is rtnl_send_check: buf is sent, then an answer already queued is looked at (C peeks with
// MSG_DONTWAIT): an NLMSG_ERROR with an errno there is returned as an *Error. The answer stays queued for the
// next receive, as after MSG_PEEK.
func RtnlSendCheck(rth *RtnlHandle, buf []byte) error {
	if err := rth.send(buf); err != nil {
		return err
	}
	if len(rth.pending) > 0 {
		return nil // something read ahead already sits in front of any answer, as it would in the socket
	}
	ctx, cancel := context.WithTimeout(rth.ctx(), sendCheckWait)
	defer cancel()
	d, err := rth.Fd.ReceiveDatagram(ctx)
	if err != nil {
		if ctx.Err() != nil && rth.ctx().Err() == nil {
			return nil // EAGAIN: nothing queued
		}
		return receiveError(err)
	}
	b := append([]byte(nil), d.Data...)
	rth.pending = append(rth.pending, b)
	it := proto.NewIter(b)
	for it.Next() {
		m := it.Message()
		if m.Header.Type != proto.TypeError {
			continue
		}
		if len(m.Data) < 4+proto.HeaderLen {
			return errors.New("ERROR truncated")
		}
		ack, _ := proto.ParseAck(m)
		if ack.Errno == 0 {
			return nil
		}
		return newTalkError(&ack, true)
	}
	return nil
}
