//go:build linux

package route

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// DefaultDumpRetries is how many times List repeats a dump the kernel marked NLM_F_DUMP_INTR before it gives up
// with a *nlkit.DumpInterruptedError carrying the last attempt's objects.
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
// A Client is safe for concurrent use by several goroutines. A streaming loop (the All methods) holds its socket
// until the loop ends, and a Client from Dial opens a spare socket, in the same network namespace and with the
// same settings, for a request that finds its sockets busy: so the loop body may call the same Client ("for each
// route, look up its link"), and goroutines' requests run side by side. It holds at most MaxSockets sockets,
// opened as they are needed and kept until Close; beyond that, requests wait for the first socket, as long as
// their context allows (then an *OpError wrapping a *nlkit.BusyError). A Client from New has its one socket: a
// request from inside its own All loop then fails at once with a *nlkit.BusyError (Nested), instead of waiting
// for the loop.
//
// A nil context is refused, as everywhere in nlkit: the methods return an *OpError wrapping nlkit.ErrNilContext
// (errors.Is matches it) and the All iterators yield one, with nothing sent.
type Client struct {
	conn    *nlkit.Conn
	strict  bool
	retries int
	spares  spares

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
	if err := c.spares.pin(ncfg); err != nil {
		conn.Close()
		return nil, &OpError{Op: "dial", Err: err}
	}
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

// Close closes the connection and the spare sockets, and releases what the services keep between dumps.
func (c *Client) Close() error {
	err := c.conn.Close()
	c.spares.close()
	c.releaseCaches()
	return err
}

// OpError is the error of a request: nlkit's one operation error, with Op naming the request by its kernel
// message and object ("RTM_NEWROUTE 10.0.0.0/24", "RTM_GETLINK eth0") and the cause, usually a *proto.Error with
// the kernel's errno and extended-ack message (errors.Is(err, unix.EEXIST) and errors.As(err, **proto.Error) see
// through it). Its Unit is NETLINK_ROUTE (0), so it prints "route: OP: cause".
type OpError = nlkit.OpError

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
		return nil, &OpError{Op: op, Err: nlkit.ErrNilContext}
	}
	conn, slot := c.take()
	msgs, err := conn.Execute(ctx, proto.Message{Header: proto.Header{Type: typ, Flags: flags}, Data: data})
	c.put(slot)
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

// MaxSockets is the most NETLINK_ROUTE sockets a Client from Dial opens: its first, and spares for requests
// made while the others are busy (a call from inside an All loop, requests from several goroutines).
const MaxSockets = 4

// spares are a Client's sockets beyond the first, opened on demand and closed by Close.
type spares struct {
	mu      sync.Mutex
	cfg     *nlkit.Config // the first socket's settings; nil for a Client from New, which opens no spares
	nsIno   uint64        // the namespace of the first socket, when cfg.NetNS is 0: its inode and device
	nsDev   uint64
	ns      *os.File // the first socket's namespace, kept to open spares in it from another namespace's thread
	primary connSlot
	slots   []*connSlot
	closed  bool
}

// connSlot is one socket and whether a request has it.
type connSlot struct {
	conn *nlkit.Conn
	busy bool
}

// pin records the first socket's settings and namespace, so that spares are opened like it.
func (s *spares) pin(cfg *nlkit.Config) error {
	c := *cfg
	if c.NetNS != 0 {
		fd, err := unix.FcntlInt(uintptr(c.NetNS), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return err
		}
		s.ns = os.NewFile(uintptr(fd), "netns")
		c.NetNS = fd
	} else {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var st unix.Stat_t
		if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
			// No procfs: no spares, the Client keeps to its one socket.
			return nil
		}
		s.nsIno, s.nsDev = st.Ino, uint64(st.Dev)
		if f, err := os.Open("/proc/thread-self/ns/net"); err == nil {
			s.ns = f
		}
	}
	s.cfg = &c
	return nil
}

// take returns a socket for one request, and the slot to hand back to put: the first socket if it is free,
// else a free spare, else a new spare; with MaxSockets busy (or none can be opened), the first socket, whose
// requests wait their turn (nil slot).
func (c *Client) take() (*nlkit.Conn, *connSlot) {
	s := &c.spares
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.primary.busy {
		s.primary.busy = true
		return c.conn, &s.primary
	}
	for _, sl := range s.slots {
		if !sl.busy {
			sl.busy = true
			return sl.conn, sl
		}
	}
	if s.cfg == nil || s.closed || len(s.slots)+1 >= MaxSockets {
		return c.conn, nil
	}
	conn, err := s.dial()
	if err != nil {
		return c.conn, nil
	}
	sl := &connSlot{conn: conn, busy: true}
	s.slots = append(s.slots, sl)
	return conn, sl
}

// put hands back a slot from take.
func (c *Client) put(sl *connSlot) {
	if sl == nil {
		return
	}
	c.spares.mu.Lock()
	sl.busy = false
	c.spares.mu.Unlock()
}

// dial opens a spare in the first socket's namespace. s.mu must be held.
func (s *spares) dial() (*nlkit.Conn, error) {
	cfg := *s.cfg
	if s.cfg.NetNS == 0 {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		var st unix.Stat_t
		if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
			return nil, err
		}
		if st.Ino != s.nsIno || uint64(st.Dev) != s.nsDev {
			// This thread is in another namespace (a caller inside netns.Do): open it in the first one's.
			if s.ns == nil {
				return nil, errors.New("route: the first socket's namespace is not known")
			}
			cfg.NetNS = int(s.ns.Fd())
		}
	}
	return nlkit.Dial(nlkit.UnitRoute, &cfg)
}

// close closes the spares and the kept namespace.
func (s *spares) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed = true
	for _, sl := range s.slots {
		sl.conn.Close()
	}
	if s.ns != nil {
		s.ns.Close()
	}
}

// Sockets reports how many NETLINK_ROUTE sockets the Client holds open: 1, and the spares it has opened.
func (c *Client) Sockets() int {
	c.spares.mu.Lock()
	defer c.spares.mu.Unlock()
	if c.spares.closed {
		return 0
	}
	return 1 + len(c.spares.slots)
}
