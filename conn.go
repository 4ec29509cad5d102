package nlkit

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/nlkit/nlkit/proto"
)

// DefaultReceiveBuffer is the user-space receive buffer for kernel units: the kernel never builds a dump
// datagram larger than 32 KiB, and a buffer that size lets it fill each one.
const DefaultReceiveBuffer = 32 << 10

// DefaultUserReceiveBuffer is the receive buffer on NETLINK_USERSOCK and for Config.AcceptUserSenders,
// where peers may send datagrams up to 64 KiB.
const DefaultUserReceiveBuffer = 64 << 10

const maxReceiveBuffer = 1 << 20

// Config chooses how Dial sets up a socket. The zero value (or nil) is a socket in the calling thread's network
// namespace, with a kernel-assigned portid, extended acks on, and no groups.
type Config struct {
	// Groups are joined at Dial with NETLINK_ADD_MEMBERSHIP (group numbers, not a bitmask; any number,
	// including those above 32).
	Groups []uint32
	// PortID binds the socket to this nl_pid; 0 lets the kernel assign one (usually the process id first).
	PortID uint32
	// NetNS is a file descriptor of a network namespace to open the socket in; 0 is the calling thread's.
	NetNS int
	// ReceiveBuffer is the user-space buffer for one datagram. 0 is DefaultReceiveBuffer on kernel units and
	// DefaultUserReceiveBuffer on NETLINK_USERSOCK.
	ReceiveBuffer int
	// FixedReceiveBuffer keeps every receive buffer of the Conn at ReceiveBuffer bytes for its whole life. By
	// default a datagram larger than the buffer (cut short by the kernel, which recvmsg(2) reports with
	// MSG_TRUNC) makes the buffer grow, up to 1 MiB, for the datagrams after it; with FixedReceiveBuffer such a
	// datagram is still reported, as a *TruncatedError with its full Size, but nothing grows. A server on
	// NETLINK_USERSOCK, where any process may send it anything, keeps its receive memory bounded this way.
	FixedReceiveBuffer bool
	// SocketReceiveBuffer sets SO_RCVBUF (SO_RCVBUFFORCE where permitted); 0 keeps the kernel default.
	SocketReceiveBuffer int
	// Strict turns on NETLINK_GET_STRICT_CHK (NETLINK_ROUTE only): dump requests are validated and their
	// filters applied by the kernel.
	Strict bool
	// DisableExtAck turns NETLINK_EXT_ACK off; by default errors carry the kernel's message.
	DisableExtAck bool
	// CapAck turns on NETLINK_CAP_ACK: error messages do not echo the request payload.
	CapAck bool
	// PassCred turns on SO_PASSCRED: every received datagram carries the sender's pid, uid and gid.
	PassCred bool
	// PacketInfo turns on NETLINK_PKTINFO so the group of each multicast datagram is known even above 32.
	// It is turned on automatically when Groups has a group above 32.
	PacketInfo bool
	// NoENOBUFS turns on NETLINK_NO_ENOBUFS: overruns are not reported (use only when loss does not matter).
	NoENOBUFS bool
	// ListenAllNSID turns on NETLINK_LISTEN_ALL_NSID: multicasts from every namespace with an nsid arrive.
	ListenAllNSID bool
	// BroadcastError turns on NETLINK_BROADCAST_ERROR.
	BroadcastError bool
	// Tap, when set, sees every datagram the Conn sends and receives (for packet captures: see package pcap).
	Tap Tap
	// AcceptUserSenders keeps datagrams whose sender portid is not 0 on kernel units. By default, on every unit
	// but NETLINK_USERSOCK, such datagrams are dropped: only the kernel speaks for a kernel family, and a
	// privileged process could otherwise forge, say, an RTM_NEWLINK to a watcher's portid.
	AcceptUserSenders bool
}

// Tap observes the datagrams of a Conn, as nlmon would: Sent is called after each successful send with the
// destination, Received after each receive with the sender. b is only valid during the call. A Tap must be safe
// for concurrent use; it must not block.
type Tap interface {
	Sent(unit int, from uint32, to Sockaddr, b []byte)
	Received(unit int, to uint32, from Sockaddr, b []byte)
}

// Transport is the socket under a Conn. nlkit's own is an AF_NETLINK socket; nltest provides a fake.
type Transport interface {
	// SendTo sends one datagram to an address (sendto(2) with a sockaddr_nl).
	SendTo(to Sockaddr, b []byte) error
	// RecvMsg receives one datagram (recvmsg(2) with MSG_TRUNC): n is the datagram's full size, which may
	// exceed len(buf); oobn is the length of control data written to oob.
	RecvMsg(buf, oob []byte) (n, oobn int, from Sockaddr, err error)
	// SetReadDeadline makes a blocked or future RecvMsg fail with os.ErrDeadlineExceeded after t.
	SetReadDeadline(t time.Time) error
	// JoinGroup and LeaveGroup are NETLINK_ADD_MEMBERSHIP and NETLINK_DROP_MEMBERSHIP.
	JoinGroup(group uint32) error
	LeaveGroup(group uint32) error
	// PortID is the bound nl_pid.
	PortID() uint32
	// Close releases the socket and unblocks RecvMsg.
	Close() error
}

// NonBlockingSender is implemented by a Transport that can send without waiting for room at the receiver.
// Conn.SendRawNoWait needs it; nlkit's sockets implement it.
type NonBlockingSender interface {
	// SendToNoWait sends one datagram with one sendto(2) with MSG_DONTWAIT: when the receiver's queue is full
	// (where netlink_unicast would make a blocking sender wait) it returns an error wrapping EAGAIN at once. It
	// is safe to call concurrently with itself and with the Transport's other sends.
	SendToNoWait(to Sockaddr, b []byte) error
}

// ContextSender is implemented by a Transport whose sends can stop waiting for room at the receiver when a
// context ends. Conn.SendRawContext uses it; nlkit's sockets implement it.
type ContextSender interface {
	// SendToContext sends one datagram as SendTo does, waiting while the receiver's queue is full (sendto(2)
	// answers EAGAIN, or a blocking sendto(2) ran out its SO_SNDTIMEO) only until ctx is done, and then returns
	// ctx.Err(). It is safe to call concurrently with itself and with the Transport's other sends.
	SendToContext(ctx context.Context, to Sockaddr, b []byte) error
}

// Conn is a netlink socket of one unit. It is safe for concurrent use: requests (Execute, Dump) are serialized,
// one in flight at a time, and sends may come from any goroutine. A request that has to wait for another one
// waits no longer than its context allows, and then returns a *BusyError. Receive and ReceiveDatagram take the
// receive side for one datagram; a goroutine that waits for multicasts should own its Conn, because a request
// made on the same Conn would have to wait for it and its replies could be taken by the receiver.
//
// A Conn is one socket, and a dump holds it until its loop ends: a request made on the same Conn from inside a
// Dump loop body cannot be served (the kernel answers a second dump on a socket with EBUSY, and the replies of
// any request would queue behind the rest of the dump). It returns a *BusyError with Nested set at once
// instead of waiting for a loop that waits for it. Collect the dump first, or use a second Conn.
//
// Every method that takes a context.Context refuses a nil one with ErrNilContext (an iterator yields it),
// sending and receiving nothing; the families (route, genl, unit) follow the same rule.
type Conn struct {
	unit       int
	t          Transport
	kernelOnly bool
	tap        Tap

	seq    atomic.Uint32
	closed atomic.Bool

	reqSem      chan struct{} // holds a token while a request or dump runs: one at a time
	pendingDump uint32        // seq of a dump abandoned mid-way, drained before the next request (under reqSem)
	// dumpG is the goroutine running a dump's loop body (0 when none), so that a request made from that body
	// fails at once (see Conn); gbuf is the holder's scratch for reading it.
	dumpG atomic.Uint64
	gbuf  [64]byte

	sendMu sync.Mutex
	sbuf   []byte

	recvMu  sync.Mutex
	rbuf    []byte
	oob     []byte
	dgram   Datagram
	batch   batchState // ReceiveDatagrams's buffers
	ahead   aheadState // the read-ahead kept for the next dump, and its policy (see readahead.go)
	maxRecv int        // the largest a receive buffer grows to (its first size with Config.FixedReceiveBuffer)
	dropped atomic.Uint64

	// watchReg is the kept cancellation watch (see watch); watching is it while a receive uses it.
	watchReg atomic.Pointer[watchReg]
	watching atomic.Pointer[watchReg]
	unwatch  func()
}

// NewConn wraps a Transport in a Conn for unit. Dial does this with a real socket; tests use a fake.
func NewConn(unit int, t Transport, cfg *Config) *Conn {
	if cfg == nil {
		cfg = &Config{}
	}
	size := cfg.ReceiveBuffer
	userUnit := unit == UnitUsersock || cfg.AcceptUserSenders
	if size <= 0 {
		size = DefaultReceiveBuffer
		if userUnit {
			size = DefaultUserReceiveBuffer
		}
	}
	c := &Conn{unit: unit, t: t, kernelOnly: !userUnit, tap: cfg.Tap, rbuf: make([]byte, size),
		reqSem: make(chan struct{}, 1), maxRecv: maxReceiveBuffer}
	if cfg.FixedReceiveBuffer {
		c.maxRecv = size
	}
	if cfg.PassCred || cfg.PacketInfo || cfg.ListenAllNSID || len(cfg.Groups) > 0 {
		c.oob = make([]byte, 128)
	}
	c.unwatch = func() { c.watching.Store(nil) }
	c.seq.Store(uint32(time.Now().UnixNano()))
	return c
}

// Unit is the netlink protocol number the Conn was opened with.
func (c *Conn) Unit() int { return c.unit }

// PortID is the socket's bound nl_pid.
func (c *Conn) PortID() uint32 { return c.t.PortID() }

// Dropped counts datagrams dropped because a user process sent them on a kernel unit.
func (c *Conn) Dropped() uint64 { return c.dropped.Load() }

// NextSequence returns a fresh nlmsg_seq.
func (c *Conn) NextSequence() uint32 {
	for {
		if s := c.seq.Add(1); s != 0 {
			return s
		}
	}
}

// Close closes the socket. A Receive blocked in another goroutine returns ErrClosed.
func (c *Conn) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	err := c.t.Close()
	c.releaseWatch()
	c.ahead.drop()
	return err
}

// JoinGroup subscribes to multicast group g (NETLINK_ADD_MEMBERSHIP).
func (c *Conn) JoinGroup(g uint32) error {
	if err := c.t.JoinGroup(g); err != nil {
		return c.groupError("join", g, err)
	}
	return nil
}

// LeaveGroup unsubscribes from multicast group g (NETLINK_DROP_MEMBERSHIP).
func (c *Conn) LeaveGroup(g uint32) error {
	if err := c.t.LeaveGroup(g); err != nil {
		return c.groupError("leave", g, err)
	}
	return nil
}

func (c *Conn) groupError(op string, g uint32, err error) error {
	if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
		return &GroupPermissionError{Unit: c.unit, Group: g, Op: op, Err: err}
	}
	return &OpError{Op: op + " group", Unit: c.unit, Err: err}
}

// SendRaw sends b as one datagram to to, as it is: nothing is checked or filled in. The address comes first, as
// in SendTo and every send of the Conn.
func (c *Conn) SendRaw(to Sockaddr, b []byte) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	return c.sendRawLocked(to, b)
}

// sendRawLocked is SendRaw; c.sendMu must be held (the transport's send state is shared).
func (c *Conn) sendRawLocked(to Sockaddr, b []byte) error {
	if c.closed.Load() {
		return ErrClosed
	}
	return c.sent(c.t.SendTo(to, b), to, b)
}

// sent reports a send of b to to that returned err to the Tap, and turns err into the error to return.
func (c *Conn) sent(err error, to Sockaddr, b []byte) error {
	if err != nil {
		if c.tap != nil && to.Groups != 0 && errors.Is(err, syscall.ECONNREFUSED) {
			c.tap.Sent(c.unit, c.t.PortID(), to, b)
		}
		return c.sendError(err, to)
	}
	if c.tap != nil {
		c.tap.Sent(c.unit, c.t.PortID(), to, b)
	}
	return nil
}

// SendRawNoWait sends b as one datagram to to, as SendRaw does, but never waits for room at the receiver: it is
// one sendto(2) with MSG_DONTWAIT, and when the receiver's queue is full (where netlink_unicast would make a
// blocking sender wait) it returns at once with an error wrapping EAGAIN, and b is not sent. This is how the
// kernel answers a requester whose queue is full, and how a server keeps one client that never reads from
// holding up the others. Calls do not wait for other sends on the Conn. On a Transport that is not a
// NonBlockingSender it returns an *OpError wrapping errors.ErrUnsupported.
func (c *Conn) SendRawNoWait(to Sockaddr, b []byte) error {
	nb, ok := c.t.(NonBlockingSender)
	if !ok {
		return &OpError{Op: "send", Unit: c.unit, Err: errors.ErrUnsupported}
	}
	if c.closed.Load() {
		return ErrClosed
	}
	return c.sent(nb.SendToNoWait(to, b), to, b)
}

// SendRawContext sends b as one datagram to to, as SendRaw does, waiting while the receiver's queue is full only
// until ctx is done: the send retries after EAGAIN and after each blocking sendto(2) that ran out its
// SO_SNDTIMEO (a short slice), and returns ctx.Err() itself, unwrapped, once ctx is done (b is then not sent).
// Calls do not wait for other sends on the Conn. On a Transport that is not a ContextSender (nltest's fake), ctx
// is looked at before the send only, which is then SendRaw's. A nil ctx gives ErrNilContext.
func (c *Conn) SendRawContext(ctx context.Context, to Sockaddr, b []byte) error {
	if ctx == nil {
		return ErrNilContext
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	cs, ok := c.t.(ContextSender)
	if !ok {
		return c.SendRaw(to, b)
	}
	if c.closed.Load() {
		return ErrClosed
	}
	err := cs.SendToContext(ctx, to, b)
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return ctx.Err()
	}
	return c.sent(err, to, b)
}

func (c *Conn) sendError(err error, to Sockaddr) error {
	switch {
	case c.closed.Load() || errors.Is(err, os.ErrClosed):
		return ErrClosed
	case errors.Is(err, syscall.ECONNREFUSED):
		return &NoPeerError{Unit: c.unit, PortID: to.PortID}
	case errors.Is(err, syscall.EPERM) && to.Groups != 0:
		return &GroupPermissionError{Unit: c.unit, Group: lowestGroup(to.Groups), Op: "send to", Err: err}
	}
	return &OpError{Op: "send", Unit: c.unit, Err: err}
}

func lowestGroup(mask uint32) uint32 {
	for g := uint32(1); g <= 32; g++ {
		if mask&GroupMask(g) != 0 {
			return g
		}
	}
	return 0
}

// SendTo sends msgs as one datagram to to. Each header's Length is set from its payload, a zero PortID becomes
// this socket's portid, NLM_F_REQUEST is left as the caller set it. Several messages in one datagram cost one
// system call. A send to a portid nobody holds gives a *NoPeerError.
func (c *Conn) SendTo(to Sockaddr, msgs ...proto.Message) error {
	c.sendMu.Lock()
	defer c.sendMu.Unlock()
	b := c.sbuf[:0]
	pid := c.t.PortID()
	for _, m := range msgs {
		if m.Header.PortID == 0 {
			m.Header.PortID = pid
		}
		b = m.AppendTo(b)
	}
	c.sbuf = b
	return c.sendRawLocked(to, b)
}

// Send sends m to the kernel (portid 0) with NLM_F_REQUEST set and returns the sequence number used:
// m.Header.Sequence, or a fresh one when it is 0.
func (c *Conn) Send(m proto.Message) (uint32, error) {
	if m.Header.Sequence == 0 {
		m.Header.Sequence = c.NextSequence()
	}
	m.Header.Flags |= proto.FlagRequest
	return m.Header.Sequence, c.SendTo(Sockaddr{}, m)
}

// SendGroup multicasts msgs as one datagram to group g (1-32; the sockaddr_nl bitmask cannot address higher
// groups). The kernel also unicasts a group send to portid 0 and reports ECONNREFUSED when no kernel socket
// holds it, as on NETLINK_USERSOCK; for a pure group send that is success, and SendGroup does not report it.
func (c *Conn) SendGroup(g uint32, msgs ...proto.Message) error {
	mask := GroupMask(g)
	if mask == 0 {
		return &OpError{Op: "send to group", Unit: c.unit,
			Err: errors.New("groups above 32 cannot be addressed in sockaddr_nl; only joined")}
	}
	err := c.SendTo(Sockaddr{Groups: mask}, msgs...)
	var np *NoPeerError
	if errors.As(err, &np) {
		return nil
	}
	return err
}
