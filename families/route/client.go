//go:build linux

package route

import (
	"context"
	"errors"
	"fmt"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// DefaultDumpRetries is how many times List repeats a dump the kernel marked NLM_F_DUMP_INTR before it gives up
// with an *InterruptedError.
const DefaultDumpRetries = 5

// Config chooses how Dial opens the rtnetlink socket. The zero value (or nil) is a socket in the calling thread's
// network namespace with strict checking on.
type Config struct {
	// NetNS is a file descriptor of the network namespace to work in (an nsfs file such as /run/netns/NAME or
	// netns.NsHandle.Fd()); 0 is the calling thread's namespace. The socket stays in that namespace for its life.
	NetNS int
	// DisableStrict leaves NETLINK_GET_STRICT_CHK off: the kernel then ignores dump filters and every filter is
	// applied in user space, with the same results. Dial turns it off by itself on kernels without it (< 4.20).
	DisableStrict bool
	// DumpRetries bounds how often List repeats a dump interrupted by a concurrent change (NLM_F_DUMP_INTR);
	// 0 is DefaultDumpRetries, a negative value means a single attempt.
	DumpRetries int
	// ReceiveBuffer is the user-space buffer for one datagram (0: nlkit.DefaultReceiveBuffer, 32 KiB, which
	// holds any dump datagram the kernel builds).
	ReceiveBuffer int
	// SocketReceiveBuffer sets SO_RCVBUF(FORCE); 0 keeps the kernel default.
	SocketReceiveBuffer int
	// Tap sees every datagram sent and received (see nlkit.Tap).
	Tap nlkit.Tap
}

// Client is an rtnetlink (NETLINK_ROUTE) connection with one service per object: Link, Addr, Route, Neigh, Rule
// and Nexthop.
//
// A Client is safe for concurrent use by several goroutines: it holds one socket, and its requests are
// serialized on it (one request or dump in flight at a time; others wait). A streaming loop (the All methods)
// holds the socket until the loop ends, so the loop body must not call the same Client, which would wait for
// the loop forever; collect with List, or use a second Client.
type Client struct {
	conn    *nlkit.Conn
	strict  bool
	retries int

	// Link is the RTM_*LINK service: network interfaces.
	Link *LinkService
	// Addr is the RTM_*ADDR service: interface addresses.
	Addr *AddrService
	// Route is the RTM_*ROUTE service: routes.
	Route *RouteService
	// Neigh is the RTM_*NEIGH service: neighbour (ARP/NDP) entries.
	Neigh *NeighService
	// Rule is the RTM_*RULE service: policy routing rules.
	Rule *RuleService
	// Nexthop is the RTM_*NEXTHOP service: nexthop objects.
	Nexthop *NexthopService
}

// Dial opens an rtnetlink socket (NETLINK_ROUTE) as cfg says, with extended acknowledgements and strict checking
// (NETLINK_GET_STRICT_CHK) on.
func Dial(cfg *Config) (*Client, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	ncfg := &nlkit.Config{
		NetNS:               cfg.NetNS,
		Strict:              !cfg.DisableStrict,
		ReceiveBuffer:       cfg.ReceiveBuffer,
		SocketReceiveBuffer: cfg.SocketReceiveBuffer,
		Tap:                 cfg.Tap,
	}
	conn, err := nlkit.Dial(nlkit.UnitRoute, ncfg)
	if err != nil && ncfg.Strict && errors.Is(err, unix.ENOPROTOOPT) {
		// A kernel older than 4.20 has no NETLINK_GET_STRICT_CHK: filter in user space.
		ncfg.Strict = false
		conn, err = nlkit.Dial(nlkit.UnitRoute, ncfg)
	}
	if err != nil {
		return nil, err
	}
	c := New(conn)
	c.strict = ncfg.Strict
	c.retries = retries(cfg.DumpRetries)
	return c, nil
}

func retries(n int) int {
	switch {
	case n == 0:
		return DefaultDumpRetries
	case n < 0:
		return 0
	}
	return n
}

// New returns a Client on an existing NETLINK_ROUTE connection, such as one from nltest. Close closes it.
// Filters that need the kernel's help under strict checking (a neighbour's or nexthop's master) are resolved in
// user space, since New cannot know whether conn has NETLINK_GET_STRICT_CHK on.
func New(conn *nlkit.Conn) *Client {
	c := &Client{conn: conn, retries: DefaultDumpRetries}
	c.Link = &LinkService{newService[Link](c, unix.RTM_NEWLINK)}
	c.Addr = &AddrService{newService[Addr](c, unix.RTM_NEWADDR)}
	c.Route = &RouteService{newService[Route](c, unix.RTM_NEWROUTE)}
	c.Neigh = &NeighService{newService[Neigh](c, unix.RTM_NEWNEIGH)}
	c.Rule = &RuleService{newService[Rule](c, unix.RTM_NEWRULE)}
	c.Nexthop = &NexthopService{newService[Nexthop](c, unix.RTM_NEWNEXTHOP)}
	return c
}

// SetDumpRetries changes how often List repeats an interrupted dump (as Config.DumpRetries). Call it before the
// Client is shared between goroutines.
func (c *Client) SetDumpRetries(n int) { c.retries = retries(n) }

// Conn is the connection under the Client.
func (c *Client) Conn() *nlkit.Conn { return c.conn }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// OpError is the error of a request: the operation, by its kernel message name and object, and the cause,
// usually a *proto.Error with the kernel's errno and extended-ack message (errors.Is(err, unix.EEXIST) and
// errors.As(err, **proto.Error) see through it).
type OpError struct {
	// Op names the request: "RTM_NEWROUTE 10.0.0.0/24", "RTM_GETLINK eth0"...
	Op string
	// Err is the cause.
	Err error
}

// Error prints "route: OP: cause".
func (e *OpError) Error() string { return "route: " + e.Op + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *OpError) Unwrap() error { return e.Err }

// KernelMessage returns the kernel's extended-ack message in err (NLMSGERR_ATTR_MSG), or "".
func KernelMessage(err error) string {
	var pe *proto.Error
	if errors.As(err, &pe) {
		return pe.ExtAck.Msg
	}
	return ""
}

// execute sends one request (NLM_F_REQUEST|NLM_F_ACK and flags) and returns the replies.
func (c *Client) execute(ctx context.Context, typ, flags uint16, data []byte, op string) ([]proto.Message, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	msgs, err := c.conn.Execute(ctx, proto.Message{Header: proto.Header{Type: typ, Flags: flags}, Data: data})
	if err != nil {
		return nil, &OpError{Op: op, Err: err}
	}
	return msgs, nil
}

// getOne sends a request that the kernel answers with one object (RTM_GETLINK, RTM_GETROUTE, RTM_GETNEXTHOP
// without NLM_F_DUMP) and returns the reply of type want.
func (c *Client) getOne(ctx context.Context, typ uint16, data []byte, want uint16, op string) (proto.Message, error) {
	msgs, err := c.execute(ctx, typ, 0, data, op)
	if err != nil {
		return proto.Message{}, err
	}
	for _, m := range msgs {
		if m.Header.Type == want {
			return m, nil
		}
	}
	return proto.Message{}, &OpError{Op: op, Err: unix.ENOENT}
}

func opName(typ uint16, what string) string {
	if what != "" {
		return msgTypeName(typ) + " " + what
	}
	return msgTypeName(typ)
}

// rtmObjects names the objects of the RTM_* message types, by RTM_NEWx (see service).
var rtmObjects = map[uint16]string{unix.RTM_NEWLINK: "LINK", unix.RTM_NEWADDR: "ADDR", unix.RTM_NEWROUTE: "ROUTE",
	unix.RTM_NEWNEIGH: "NEIGH", unix.RTM_NEWRULE: "RULE", unix.RTM_NEWNEXTHOP: "NEXTHOP"}

// msgTypeName names an RTM_* message type: "RTM_NEWROUTE", "RTM_SETLINK"...
func msgTypeName(t uint16) string {
	verb := [...]string{"NEW", "DEL", "GET", "SET"}[t&3]
	if obj, ok := rtmObjects[t&^3]; ok && (verb != "SET" || t == unix.RTM_SETLINK) {
		return "RTM_" + verb + obj
	}
	return fmt.Sprintf("RTM(%d)", t)
}
