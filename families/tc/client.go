package tc

import (
	"context"
	"errors"
	"fmt"
	"iter"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Client is traffic control on an rtnetlink (NETLINK_ROUTE) connection, with one service per object: Qdisc,
// Class, Filter and Chain. It is safe for concurrent use; its requests take turns on the one socket (see
// nlkit.Conn), so a request made from inside an All loop on the same Client fails at once with a
// *nlkit.BusyError (Nested) instead of waiting for the loop: collect with List first, or use a second Client.
//
// A nil context is refused: the methods return an *OpError wrapping nlkit.ErrNilContext.
type Client struct {
	conn    *nlkit.Conn
	owned   *route.Client // the route Client Dial opened, closed by Close
	ownConn bool          // New: Close closes conn
	retries int

	// Qdisc is the RTM_*QDISC service: queueing disciplines.
	Qdisc *QdiscService
	// Class is the RTM_*TCLASS service: classes of classful qdiscs.
	Class *ClassService
	// Filter is the RTM_*TFILTER service: classifiers.
	Filter *FilterService
	// Chain is the RTM_*CHAIN service: filter chains.
	Chain *ChainService
	// Action is the RTM_*ACTION service: standalone actions.
	Action *ActionService
}

// DefaultDumpRetries is how often List repeats a dump the kernel marked NLM_F_DUMP_INTR before it returns the
// *nlkit.DumpInterruptedError.
const DefaultDumpRetries = 5

// New returns a Client on conn, a NETLINK_ROUTE connection (nlkit.Dial(nlkit.UnitRoute, ...) or an nltest
// fake). Close closes conn.
func New(conn *nlkit.Conn) *Client {
	c := newClient(conn)
	c.ownConn = true
	return c
}

func newClient(conn *nlkit.Conn) *Client {
	c := &Client{conn: conn, retries: DefaultDumpRetries}
	c.Qdisc = &QdiscService{c}
	c.Class = &ClassService{c}
	c.Filter = &FilterService{c}
	c.Chain = &ChainService{c}
	c.Action = &ActionService{c}
	return c
}

// FromRoute returns a Client on the first socket of a families/route Client: traffic control then shares its
// connection, namespace and settings. Close on the returned Client does nothing; closing rc closes both.
func FromRoute(rc *route.Client) *Client { return newClient(rc.Conn()) }

// Dial opens an rtnetlink socket as route.Dial does (in cfg's namespace, with strict checking and extended
// acks) and returns a Client on it. Close closes it.
func Dial(cfg *route.Config) (*Client, error) {
	rc, err := route.Dial(cfg)
	if err != nil {
		return nil, err
	}
	c := newClient(rc.Conn())
	c.owned = rc
	return c, nil
}

// Conn is the connection under the Client.
func (c *Client) Conn() *nlkit.Conn { return c.conn }

// Close closes the connection the Client owns (New, Dial); a Client from FromRoute leaves it to its route
// Client.
func (c *Client) Close() error {
	switch {
	case c.owned != nil:
		return c.owned.Close()
	case c.ownConn:
		return c.conn.Close()
	}
	return nil
}

// OpError is the error of a request: nlkit's one operation error, with Op naming the request by its kernel
// message and object ("RTM_NEWQDISC htb 1: dev 2") and the cause, usually a *proto.Error with the kernel's
// errno and extended-ack message. Its Family is "tc", so it prints "tc: OP: cause".
type OpError = nlkit.OpError

// KernelMessage returns the kernel's extended-ack message in err (NLMSGERR_ATTR_MSG), or "".
func KernelMessage(err error) string {
	var pe *proto.Error
	if errors.As(err, &pe) {
		return pe.ExtAck.Msg
	}
	return ""
}

// msgName names an RTM_* traffic-control message type.
func msgName(t uint16) string {
	verb := [...]string{"NEW", "DEL", "GET", "SET"}[t&3]
	switch t &^ 3 {
	case unix.RTM_NEWQDISC:
		return "RTM_" + verb + "QDISC"
	case unix.RTM_NEWTCLASS:
		return "RTM_" + verb + "TCLASS"
	case unix.RTM_NEWTFILTER:
		return "RTM_" + verb + "TFILTER"
	case unix.RTM_NEWACTION:
		return "RTM_" + verb + "ACTION"
	case unix.RTM_NEWCHAIN:
		return "RTM_" + verb + "CHAIN"
	}
	return fmt.Sprintf("RTM(%d)", t)
}

// The flags of the change requests, as tc sends them.
const (
	flagsAdd     = unix.NLM_F_CREATE | unix.NLM_F_EXCL    // tc ... add
	flagsReplace = unix.NLM_F_CREATE | unix.NLM_F_REPLACE // tc ... replace
	flagsChange  = 0                                      // tc ... change
	flagsLink    = unix.NLM_F_REPLACE                     // tc qdisc link
)

// execute sends one request (NLM_F_REQUEST|NLM_F_ACK and flags) and returns the replies.
func (c *Client) execute(ctx context.Context, typ, flags uint16, data []byte, what string) ([]proto.Message, error) {
	op := msgName(typ)
	if what != "" {
		op += " " + what
	}
	if ctx == nil {
		return nil, &OpError{Family: "tc", Op: op, Err: nlkit.ErrNilContext}
	}
	msgs, err := c.conn.Execute(ctx, proto.Message{Header: proto.Header{Type: typ, Flags: flags}, Data: data})
	if err != nil {
		return nil, &OpError{Family: "tc", Op: op, Err: err}
	}
	return msgs, nil
}

// codec is what the services need of an object type.
type codec[T any] interface {
	*T
	decode(b []byte) error
	encode(withStats bool) ([]byte, error)
	describe() string
}

// dump streams the objects of type typ+0 (RTM_NEWx) of a dump request of type typ+2, keeping those keep
// accepts (nil: all).
func dump[T any, P codec[T]](ctx context.Context, c *Client, typ uint16, req []byte, keep func(*T) bool) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		op := msgName(typ+2) + " dump"
		if ctx == nil {
			yield(zero, &OpError{Family: "tc", Op: op, Err: nlkit.ErrNilContext})
			return
		}
		for m, err := range c.conn.Dump(ctx, proto.Message{Header: proto.Header{Type: typ + 2}, Data: req}) {
			if err != nil {
				if !errors.Is(err, nlkit.ErrDumpInterrupted) {
					err = &OpError{Family: "tc", Op: op, Err: err}
				}
				yield(zero, err)
				return
			}
			if m.Header.Type != typ {
				continue
			}
			var v T
			if err := P(&v).decode(m.Data); err != nil {
				if !yield(zero, &DecodeError{Type: msgName(typ), Err: err}) {
					return
				}
				continue
			}
			if keep != nil && !keep(&v) {
				continue
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// list collects a dump, repeating it while the kernel reports NLM_F_DUMP_INTR, at most c.retries more times.
func list[T any, P codec[T]](ctx context.Context, c *Client, typ uint16, req []byte, keep func(*T) bool) ([]T, error) {
	for attempt := 0; ; attempt++ {
		var out []T
		var err error
		for v, e := range dump[T, P](ctx, c, typ, req, keep) {
			if e != nil {
				err = e
				break
			}
			out = append(out, v)
		}
		if errors.Is(err, nlkit.ErrDumpInterrupted) && attempt < c.retries {
			continue
		}
		return out, err
	}
}

// get sends a request (RTM_GETx, no NLM_F_DUMP) answered with one object of type typ and decodes it.
func get[T any, P codec[T]](ctx context.Context, c *Client, typ uint16, v P) (T, error) {
	var zero T
	b, err := v.encode(false)
	if err != nil {
		return zero, err
	}
	// The kernel answers RTM_GETQDISC and RTM_GETTCLASS through rtnetlink_send, which unicasts to the asker
	// only with NLM_F_ECHO.
	msgs, err := c.execute(ctx, typ+2, unix.NLM_F_ECHO, b, v.describe())
	if err != nil {
		return zero, err
	}
	for _, m := range msgs {
		if m.Header.Type == typ {
			var out T
			if err := P(&out).decode(m.Data); err != nil {
				return zero, &OpError{Family: "tc", Op: msgName(typ+2) + " " + v.describe(),
					Err: &DecodeError{Type: msgName(typ), Err: err}}
			}
			return out, nil
		}
	}
	return zero, &OpError{Family: "tc", Op: msgName(typ+2) + " " + v.describe(), Err: unix.ENOENT}
}

// change sends v in a request of type typ with flags and waits for the ack.
func change[T any, P codec[T]](ctx context.Context, c *Client, typ, flags uint16, v P) error {
	b, err := v.encode(false)
	if err != nil {
		return &OpError{Family: "tc", Op: msgName(typ) + " " + v.describe(), Err: err}
	}
	_, err = c.execute(ctx, typ, flags, b, v.describe())
	return err
}

// DecodeError reports a message the kernel sent that could not be decoded.
type DecodeError struct {
	// Type names the message ("RTM_NEWQDISC").
	Type string
	// Err is the cause.
	Err error
}

// Error prints "tc: decoding TYPE: cause".
func (e *DecodeError) Error() string { return "tc: decoding " + e.Type + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *DecodeError) Unwrap() error { return e.Err }
