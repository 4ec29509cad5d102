//go:build linux

package nlkit

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Dial opens a netlink socket of unit (NETLINK_ROUTE, NETLINK_USERSOCK, NETLINK_GENERIC, or the number a kernel
// module registered) through mdlayher/netlink, binds it, applies cfg, and joins cfg.Groups.
// An unregistered unit gives a *UnitError (EPROTONOSUPPORT); a fixed portid already bound gives EADDRINUSE.
func Dial(unit int, cfg *Config) (*Conn, error) {
	if cfg == nil {
		cfg = &Config{}
	}
	nc, err := netlink.Dial(unit, &netlink.Config{NetNS: cfg.NetNS, PID: cfg.PortID})
	if err != nil {
		if errors.Is(err, unix.EPROTONOSUPPORT) {
			return nil, &UnitError{Unit: unit, Err: unix.EPROTONOSUPPORT}
		}
		return nil, &OpError{Op: "dial", Unit: unit, Err: err}
	}
	t, err := newSockTransport(nc)
	if err != nil {
		nc.Close()
		return nil, &OpError{Op: "dial", Unit: unit, Err: err}
	}
	c := NewConn(unit, t, cfg)
	if err := c.configure(nc, cfg); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *Conn) configure(nc *netlink.Conn, cfg *Config) error {
	opts := []struct {
		on  bool
		opt netlink.ConnOption
	}{
		{!cfg.DisableExtAck, netlink.ExtendedAcknowledge},
		{cfg.Strict, netlink.GetStrictCheck},
		{cfg.CapAck, netlink.CapAcknowledge},
		{cfg.NoENOBUFS, netlink.NoENOBUFS},
		{cfg.ListenAllNSID, netlink.ListenAllNSID},
		{cfg.BroadcastError, netlink.BroadcastError},
		{cfg.PacketInfo || needsPktinfo(cfg.Groups), netlink.PacketInfo},
	}
	for _, o := range opts {
		if !o.on {
			continue
		}
		if err := nc.SetOption(o.opt, true); err != nil {
			// Extended acks are a courtesy: a kernel without them still works.
			if o.opt == netlink.ExtendedAcknowledge {
				continue
			}
			return &OpError{Op: "set option", Unit: c.unit, Err: err}
		}
	}
	if cfg.PassCred {
		if err := c.rawSetsockopt(unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
			return &OpError{Op: "set SO_PASSCRED", Unit: c.unit, Err: err}
		}
	}
	if cfg.SocketReceiveBuffer > 0 {
		// SO_RCVBUFFORCE passes rmem_max when privileged; otherwise SO_RCVBUF does what it can.
		if err := c.rawSetsockopt(unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, cfg.SocketReceiveBuffer); err != nil {
			if err := nc.SetReadBuffer(cfg.SocketReceiveBuffer); err != nil {
				return &OpError{Op: "set SO_RCVBUF", Unit: c.unit, Err: err}
			}
		}
	}
	for _, g := range cfg.Groups {
		if err := c.JoinGroup(g); err != nil {
			return err
		}
	}
	return nil
}

func needsPktinfo(groups []uint32) bool {
	for _, g := range groups {
		if g > 32 {
			return true
		}
	}
	return false
}

func (c *Conn) rawSetsockopt(level, opt, v int) error {
	st, ok := c.t.(*sockTransport)
	if !ok {
		return errors.New("not a socket")
	}
	var serr error
	err := st.rc.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), level, opt, v) })
	if err != nil {
		return err
	}
	return serr
}

// sockTransport does addressed sendto and recvmsg on mdlayher/netlink's socket through its RawConn, so the
// sender's address is kept (netlink.Conn.Receive drops it) and nothing is allocated per datagram.
type sockTransport struct {
	nc  *netlink.Conn
	rc  syscall.RawConn
	pid uint32
	// blockingSend: the socket is in blocking mode for sends (see newSockTransport).
	blockingSend bool
	// waitFn is called when a receive finds no datagram and waits (NotifyWait). Set and cleared while no
	// receive runs.
	waitFn func()

	// recvmsg state, reused: the closure below is built once.
	rsa    unix.RawSockaddrNetlink
	iov    unix.Iovec
	msg    unix.Msghdr
	rn     int
	rerr   unix.Errno
	recvFn func(fd uintptr) bool

	// ssa is SendBatch's destination; send is SendTo's state (callers serialize both: Conn holds sendMu).
	ssa  unix.RawSockaddrNetlink
	send sendCall
	// sends holds the *sendCall of SendToNoWait and SendToContext, which run concurrently with anything.
	sends sync.Pool

	// sendmmsg and recvmmsg state (batch_linux.go); the closures are built on first use.
	batch                    batchIO
	sendBatchFn, recvBatchFn func(fd uintptr) bool
}

func newSockTransport(nc *netlink.Conn) (*sockTransport, error) {
	rc, err := nc.SyscallConn()
	if err != nil {
		return nil, err
	}
	t := &sockTransport{nc: nc, rc: rc, pid: nc.PID()}
	t.recvFn = t.doRecv
	t.send.fn = t.send.do
	// Sends block in the kernel while the receiving socket is full, woken the moment it reads, as a C program's
	// blocking sendto(2) is (on an O_NONBLOCK socket the kernel answers EAGAIN and there is nothing to wait on).
	// Receives stay non-blocking through MSG_DONTWAIT and wait in the runtime's poller. SO_SNDTIMEO bounds each
	// wait so that Close is noticed.
	_ = rc.Control(func(fd uintptr) {
		tv := unix.NsecToTimeval(sendWait.Nanoseconds())
		if unix.SetsockoptTimeval(int(fd), unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv) == nil &&
			unix.SetNonblock(int(fd), false) == nil {
			t.blockingSend = true
		}
	})
	return t, nil
}

// sendWait bounds one blocking send's wait for room at the receiver (SO_SNDTIMEO); SendTo then tries again,
// and SendToContext looks at its context first.
const sendWait = 10 * time.Millisecond

func (t *sockTransport) doRecv(fd uintptr) bool {
	r, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&t.msg)), unix.MSG_DONTWAIT|unix.MSG_TRUNC)
	if e == unix.EAGAIN {
		if t.waitFn != nil {
			t.waitFn()
		}
		return false
	}
	t.rn, t.rerr = int(r), e
	return true
}

// sendCall is one sendto(2)'s arguments and result; fn is do, bound once so that a send allocates nothing.
type sendCall struct {
	sa    unix.RawSockaddrNetlink
	b     []byte
	flags int
	err   unix.Errno
	fn    func(fd uintptr) bool
}

func (sc *sendCall) do(fd uintptr) bool {
	var p unsafe.Pointer
	if len(sc.b) > 0 {
		p = unsafe.Pointer(&sc.b[0])
	}
	_, _, e := unix.Syscall6(unix.SYS_SENDTO, fd, uintptr(p), uintptr(len(sc.b)), uintptr(sc.flags),
		uintptr(unsafe.Pointer(&sc.sa)), unix.SizeofSockaddrNetlink)
	// EAGAIN here means the receiving socket is full (netlink_unicast, nonblocking): our own socket stays
	// writable, so the poller cannot wait for it; sendLoop backs off instead.
	sc.err = e
	return true
}

// NotifyWait implements WaitNotifier.
func (t *sockTransport) NotifyWait(fn func()) { t.waitFn = fn }

// RecvMsg implements Transport. Callers serialize it (Conn holds recvMu).
func (t *sockTransport) RecvMsg(buf, oob []byte) (int, int, Sockaddr, error) {
	t.rsa = unix.RawSockaddrNetlink{}
	t.msg = unix.Msghdr{Name: (*byte)(unsafe.Pointer(&t.rsa)), Namelen: unix.SizeofSockaddrNetlink}
	t.iov = unix.Iovec{Base: &buf[0]}
	t.iov.SetLen(len(buf))
	t.msg.Iov = &t.iov
	t.msg.SetIovlen(1)
	if len(oob) > 0 {
		t.msg.Control = &oob[0]
		t.msg.SetControllen(len(oob))
	}
	if err := t.rc.Read(t.recvFn); err != nil {
		return 0, 0, Sockaddr{}, err
	}
	if t.rerr != 0 {
		return 0, 0, Sockaddr{}, t.rerr
	}
	return t.rn, int(t.msg.Controllen), Sockaddr{PortID: t.rsa.Pid, Groups: t.rsa.Groups}, nil
}

// SendTo implements Transport. Callers serialize it (Conn holds sendMu).
func (t *sockTransport) SendTo(to Sockaddr, b []byte) error {
	return t.sendLoop(context.Background(), &t.send, to, b, 0)
}

// SendToNoWait implements NonBlockingSender: one sendto(2) with MSG_DONTWAIT, which a full receiver answers with
// EAGAIN at once.
func (t *sockTransport) SendToNoWait(to Sockaddr, b []byte) error {
	sc := t.sendCall()
	defer t.sends.Put(sc)
	return t.sendLoop(context.Background(), sc, to, b, unix.MSG_DONTWAIT)
}

// SendToContext implements ContextSender: SendTo's retries while the receiver is full, each wait bounded by
// SO_SNDTIMEO (sendWait), until ctx is done.
func (t *sockTransport) SendToContext(ctx context.Context, to Sockaddr, b []byte) error {
	sc := t.sendCall()
	defer t.sends.Put(sc)
	return t.sendLoop(ctx, sc, to, b, 0)
}

func (t *sockTransport) sendCall() *sendCall {
	if sc, ok := t.sends.Get().(*sendCall); ok {
		return sc
	}
	sc := &sendCall{}
	sc.fn = sc.do
	return sc
}

// sendLoop sends b to to with sc. With MSG_DONTWAIT in flags a full receiver ends it with EAGAIN; otherwise it
// tries again, until ctx is done.
func (t *sockTransport) sendLoop(ctx context.Context, sc *sendCall, to Sockaddr, b []byte, flags int) error {
	sc.sa = unix.RawSockaddrNetlink{Family: unix.AF_NETLINK, Pid: to.PortID, Groups: to.Groups}
	sc.b, sc.flags = b, flags
	defer func() { sc.b = nil }()
	backoff := 20 * time.Microsecond
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := t.rc.Write(sc.fn); err != nil {
			return err
		}
		switch sc.err {
		case 0:
			return nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			if flags&unix.MSG_DONTWAIT != 0 {
				return unix.EAGAIN
			}
			// The peer's receive queue is full. A blocking send has waited sendWait in the kernel already;
			// otherwise wait here for it to read.
			if !t.blockingSend {
				time.Sleep(backoff)
				backoff = min(2*backoff, 5*time.Millisecond)
			}
			continue
		}
		return sc.err
	}
}

var linuxOptions = map[Option]netlink.ConnOption{
	OptExtAck:         netlink.ExtendedAcknowledge,
	OptStrictCheck:    netlink.GetStrictCheck,
	OptCapAck:         netlink.CapAcknowledge,
	OptNoENOBUFS:      netlink.NoENOBUFS,
	OptListenAllNSID:  netlink.ListenAllNSID,
	OptBroadcastError: netlink.BroadcastError,
	OptPacketInfo:     netlink.PacketInfo,
}

func (t *sockTransport) setOption(o Option, on bool) error {
	lo, ok := linuxOptions[o]
	if !ok {
		return errors.New("unknown option")
	}
	return t.nc.SetOption(lo, on)
}

func (t *sockTransport) setSendBuffer(bytes int) error { return t.nc.SetWriteBuffer(bytes) }

func (t *sockTransport) SetReadDeadline(d time.Time) error { return t.nc.SetReadDeadline(d) }
func (t *sockTransport) JoinGroup(g uint32) error          { return t.nc.JoinGroup(g) }
func (t *sockTransport) LeaveGroup(g uint32) error         { return t.nc.LeaveGroup(g) }
func (t *sockTransport) PortID() uint32                    { return t.pid }
func (t *sockTransport) Close() error                      { return t.nc.Close() }
