//go:build linux

package unit

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/mdlayher/netlink"
	"github.com/nlkit/nlkit"
	"golang.org/x/sys/unix"
)

// sock is the socket under a Server's and a Client's nlkit.Conn: an nlkit.Transport whose sends never wait
// longer than their caller allows and whose receive buffers never grow.
//
// netlink_unicast(9) makes a sender wait while the receiver's queue is full, for as long as the sender's
// SO_SNDTIMEO, or not at all with MSG_DONTWAIT. A Server sends with MSG_DONTWAIT, so one client that never reads
// cannot hold it up (the kernel itself answers a full requester that way: the reply is dropped). A Client waits
// for room in slices of sendSlice (SO_SNDTIMEO on a blocking socket, so it is woken the moment the server
// reads) and looks at its context between slices. Receives are MSG_DONTWAIT and wait in the runtime's poller.
type sock struct {
	unit int
	nc   *netlink.Conn
	rc   syscall.RawConn
	pid  uint32
	// closed is set by Close: a receive that fails after it is a closed socket's.
	closed atomic.Bool
	// wait bounds how long SendTo (the nlkit.Transport method, used by Conn().SendTo and friends) waits for
	// room at a full receiver: 0 does not wait.
	wait time.Duration

	sends sync.Pool // *sendState

	// RecvMsg state; the Conn serializes RecvMsg.
	rsa    unix.RawSockaddrNetlink
	iov    unix.Iovec
	msg    unix.Msghdr
	rn     int
	rerr   unix.Errno
	recvFn func(fd uintptr) bool
}

// sendSlice is the longest one sendto(2) waits in the kernel for room at a full receiver (SO_SNDTIMEO) before a
// waiting send looks at its context again.
const sendSlice = 10 * time.Millisecond

// sendState is one sendto(2)'s arguments; pooled, so concurrent sends share no state and allocate nothing.
type sendState struct {
	sa    unix.RawSockaddrNetlink
	b     []byte
	flags int
	err   unix.Errno
	fn    func(fd uintptr) bool
}

func (st *sendState) do(fd uintptr) bool {
	var p unsafe.Pointer
	if len(st.b) > 0 {
		p = unsafe.Pointer(&st.b[0])
	}
	_, _, e := unix.Syscall6(unix.SYS_SENDTO, fd, uintptr(p), uintptr(len(st.b)), uintptr(st.flags),
		uintptr(unsafe.Pointer(&st.sa)), unix.SizeofSockaddrNetlink)
	st.err = e
	return true
}

// dialSock opens and binds a socket of c's unit and namespace on portid (0: kernel-assigned).
func dialSock(c *Config, portid uint32, passCred bool) (*sock, error) {
	unit := c.unit()
	var ns int
	var rcvbuf int
	if c != nil {
		ns, rcvbuf = c.NetNS, c.SocketReceiveBuffer
	}
	nc, err := netlink.Dial(unit, &netlink.Config{NetNS: ns, PID: portid})
	if err != nil {
		if errors.Is(err, unix.EPROTONOSUPPORT) {
			return nil, &nlkit.UnitError{Unit: unit, Err: unix.EPROTONOSUPPORT}
		}
		return nil, &nlkit.OpError{Op: "dial", Unit: unit, Err: err}
	}
	rc, err := nc.SyscallConn()
	if err != nil {
		nc.Close()
		return nil, &nlkit.OpError{Op: "dial", Unit: unit, Err: err}
	}
	s := &sock{unit: unit, nc: nc, rc: rc, pid: nc.PID()}
	s.recvFn = s.doRecv
	var serr error
	cerr := rc.Control(func(fd uintptr) {
		// Blocking mode with SO_SNDTIMEO: a send without MSG_DONTWAIT waits at most sendSlice in the kernel.
		// Receives pass MSG_DONTWAIT and so never block.
		tv := unix.NsecToTimeval(sendSlice.Nanoseconds())
		if serr = unix.SetsockoptTimeval(int(fd), unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv); serr != nil {
			return
		}
		if serr = unix.SetNonblock(int(fd), false); serr != nil {
			return
		}
		if passCred {
			if serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PASSCRED, 1); serr != nil {
				return
			}
		}
		if rcvbuf > 0 {
			// SO_RCVBUFFORCE passes rmem_max when privileged; otherwise SO_RCVBUF does what it can.
			if unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvbuf) != nil {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, rcvbuf)
			}
		}
	})
	if err := errors.Join(cerr, serr); err != nil {
		nc.Close()
		return nil, &nlkit.OpError{Op: "configure socket", Unit: unit, Err: err}
	}
	return s, nil
}

// newConn wraps the socket in an nlkit.Conn; receiveBuffer 0 is the Conn's default.
func (s *sock) newConn(receiveBuffer int, passCred bool) *nlkit.Conn {
	return nlkit.NewConn(s.unit, s, &nlkit.Config{ReceiveBuffer: receiveBuffer, PassCred: passCred,
		AcceptUserSenders: true})
}

// sendNow sends b as one datagram to to without waiting (MSG_DONTWAIT): a full receiver gives EAGAIN at once.
func (s *sock) sendNow(b []byte, to nlkit.Addr) error {
	return s.sendMsg(context.Background(), b, to, false)
}

// send sends b as one datagram to to, waiting for room at a full receiver until ctx is done (it returns
// ctx.Err() then). Errors are the kernel's errno, or nlkit.ErrClosed.
func (s *sock) send(ctx context.Context, b []byte, to nlkit.Addr) error {
	return s.sendMsg(ctx, b, to, true)
}

func (s *sock) sendMsg(ctx context.Context, b []byte, to nlkit.Addr, wait bool) error {
	st, _ := s.sends.Get().(*sendState)
	if st == nil {
		st = &sendState{}
		st.fn = st.do
	}
	defer func() { st.b = nil; s.sends.Put(st) }()
	st.sa = unix.RawSockaddrNetlink{Family: unix.AF_NETLINK, Pid: to.PortID, Groups: to.Groups}
	st.b = b
	st.flags = 0
	if !wait {
		st.flags = unix.MSG_DONTWAIT
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.rc.Write(st.fn); err != nil {
			return nlkit.ErrClosed
		}
		switch st.err {
		case 0:
			return nil
		case unix.EAGAIN, unix.EINTR:
			if !wait && st.err == unix.EAGAIN {
				return unix.EAGAIN
			}
			continue
		}
		return st.err
	}
}

// SendTo implements nlkit.Transport: it waits for room at a full receiver at most s.wait.
func (s *sock) SendTo(b []byte, to nlkit.Addr) error {
	if s.wait <= 0 {
		return s.sendNow(b, to)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.wait)
	defer cancel()
	err := s.send(ctx, b, to)
	if err == context.DeadlineExceeded {
		return unix.EAGAIN
	}
	return err
}

func (s *sock) doRecv(fd uintptr) bool {
	r, _, e := unix.Syscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&s.msg)), unix.MSG_DONTWAIT|unix.MSG_TRUNC)
	if e == unix.EAGAIN {
		return false
	}
	s.rn, s.rerr = int(r), e
	return true
}

// RecvMsg implements nlkit.Transport. It reports the datagram's full size (MSG_TRUNC), as the Conn expects.
func (s *sock) RecvMsg(buf, oob []byte) (int, int, nlkit.Addr, error) {
	s.rsa = unix.RawSockaddrNetlink{}
	s.msg = unix.Msghdr{Name: (*byte)(unsafe.Pointer(&s.rsa)), Namelen: unix.SizeofSockaddrNetlink}
	s.iov = unix.Iovec{Base: &buf[0]}
	s.iov.SetLen(len(buf))
	s.msg.Iov = &s.iov
	s.msg.SetIovlen(1)
	if len(oob) > 0 {
		s.msg.Control = &oob[0]
		s.msg.SetControllen(len(oob))
	}
	if err := s.rc.Read(s.recvFn); err != nil {
		return 0, 0, nlkit.Addr{}, err
	}
	if s.rerr != 0 {
		return 0, 0, nlkit.Addr{}, s.rerr
	}
	return s.rn, int(s.msg.Controllen), nlkit.Addr{PortID: s.rsa.Pid, Groups: s.rsa.Groups}, nil
}

// SetReadDeadline implements nlkit.Transport.
func (s *sock) SetReadDeadline(t time.Time) error { return s.nc.SetReadDeadline(t) }

// JoinGroup implements nlkit.Transport (NETLINK_ADD_MEMBERSHIP).
func (s *sock) JoinGroup(g uint32) error { return s.nc.JoinGroup(g) }

// LeaveGroup implements nlkit.Transport (NETLINK_DROP_MEMBERSHIP).
func (s *sock) LeaveGroup(g uint32) error { return s.nc.LeaveGroup(g) }

// PortID implements nlkit.Transport: the bound nl_pid.
func (s *sock) PortID() uint32 { return s.pid }

// Close implements nlkit.Transport.
func (s *sock) Close() error {
	s.closed.Store(true)
	return s.nc.Close()
}

// mmsghdr is struct mmsghdr (recvmmsg(2)).
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

// batchReader receives up to len(bufs) datagrams per recvmmsg(2) into buffers of a fixed size that never grow:
// a datagram larger than its buffer is reported with its full size and its start only.
type batchReader struct {
	s    *sock
	bufs [][]byte
	oobs [][]byte
	hdrs []mmsghdr
	iovs []unix.Iovec
	sas  []unix.RawSockaddrNetlink
	n    int
	err  unix.Errno
	fn   func(fd uintptr) bool
}

// received is one datagram of a batch: Data is its start (all of it unless Size > len(Data)).
type received struct {
	From nlkit.Sender
	Data []byte
	Size int
}

func newBatchReader(s *sock, n, size int) *batchReader {
	r := &batchReader{s: s, bufs: make([][]byte, n), oobs: make([][]byte, n), hdrs: make([]mmsghdr, n),
		iovs: make([]unix.Iovec, n), sas: make([]unix.RawSockaddrNetlink, n)}
	for i := range n {
		r.bufs[i] = make([]byte, size)
		r.oobs[i] = make([]byte, 64)
	}
	r.fn = r.do
	return r
}

func (r *batchReader) do(fd uintptr) bool {
	n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.hdrs[0])), uintptr(len(r.hdrs)),
		unix.MSG_DONTWAIT|unix.MSG_TRUNC, 0, 0)
	if e == unix.EAGAIN {
		return false
	}
	r.n, r.err = int(n), e
	return true
}

// read waits for datagrams and appends them to out. A read deadline (set when the caller's context ends) or
// Close ends the wait with an error.
func (r *batchReader) read(out []received) ([]received, error) {
	for i := range r.hdrs {
		r.sas[i] = unix.RawSockaddrNetlink{}
		r.iovs[i] = unix.Iovec{Base: &r.bufs[i][0]}
		r.iovs[i].SetLen(len(r.bufs[i]))
		r.hdrs[i] = mmsghdr{hdr: unix.Msghdr{Name: (*byte)(unsafe.Pointer(&r.sas[i])),
			Namelen: unix.SizeofSockaddrNetlink, Iov: &r.iovs[i]}}
		r.hdrs[i].hdr.SetIovlen(1)
		r.hdrs[i].hdr.Control = &r.oobs[i][0]
		r.hdrs[i].hdr.SetControllen(len(r.oobs[i]))
	}
	for {
		if err := r.s.rc.Read(r.fn); err != nil {
			return out, err
		}
		if r.err == unix.EINTR {
			continue
		}
		if r.err != 0 {
			return out, r.err
		}
		break
	}
	for i := range r.n {
		h := &r.hdrs[i]
		size := int(h.n)
		d := received{From: nlkit.Sender{Addr: nlkit.Addr{PortID: r.sas[i].Pid, Groups: r.sas[i].Groups}},
			Data: r.bufs[i][:min(size, len(r.bufs[i]))], Size: size}
		readCred(r.oobs[i][:h.hdr.Controllen], &d.From)
		out = append(out, d)
	}
	return out, nil
}

// readCred reads SCM_CREDENTIALS (struct ucred) from control data.
func readCred(b []byte, s *nlkit.Sender) {
	for len(b) >= unix.SizeofCmsghdr {
		l := int(binary.NativeEndian.Uint64(b[0:8]))
		level := int32(binary.NativeEndian.Uint32(b[8:12]))
		typ := int32(binary.NativeEndian.Uint32(b[12:16]))
		if l < unix.SizeofCmsghdr || l > len(b) {
			return
		}
		if data := b[unix.SizeofCmsghdr:l]; level == unix.SOL_SOCKET && typ == unix.SCM_CREDENTIALS && len(data) >= 12 {
			s.Cred = nlkit.Cred{PID: int32(binary.NativeEndian.Uint32(data[0:4])),
				UID: binary.NativeEndian.Uint32(data[4:8]), GID: binary.NativeEndian.Uint32(data[8:12])}
			s.HasCred = true
		}
		next := (l + 7) &^ 7
		if next >= len(b) {
			return
		}
		b = b[next:]
	}
}

// closedErr reports whether err is what a receive on a closed socket returns.
func closedErr(err error) bool {
	return errors.Is(err, os.ErrClosed) || errors.Is(err, nlkit.ErrClosed)
}
