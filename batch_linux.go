//go:build linux

package nlkit

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mmsghdr is struct mmsghdr: a msghdr and the length sendmmsg(2) or recvmmsg(2) reports for it. Go pads it to
// the C layout (to 8 bytes on 64-bit systems).
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
}

// batchIO is a sockTransport's sendmmsg and recvmmsg state, reused from call to call.
type batchIO struct {
	shdrs []mmsghdr
	siovs []unix.Iovec
	spend []mmsghdr // the headers of the datagrams not sent yet
	sn    int
	serr  unix.Errno

	rhdrs []mmsghdr
	riovs []unix.Iovec
	rsas  []unix.RawSockaddrNetlink
	rn    int
	rerr  unix.Errno
}

// SendBatch implements BatchSender with sendmmsg(2).
func (t *sockTransport) SendBatch(to Sockaddr, bufs [][]byte) (int, error) {
	if len(bufs) == 0 {
		return 0, nil
	}
	b := &t.batch
	t.ssa = unix.RawSockaddrNetlink{Family: unix.AF_NETLINK, Pid: to.PortID, Groups: to.Groups}
	if len(b.shdrs) < len(bufs) {
		b.shdrs, b.siovs = make([]mmsghdr, len(bufs)), make([]unix.Iovec, len(bufs))
	}
	for i, buf := range bufs {
		b.siovs[i] = unix.Iovec{}
		if len(buf) > 0 {
			b.siovs[i].Base = &buf[0]
		}
		b.siovs[i].SetLen(len(buf))
		b.shdrs[i] = mmsghdr{hdr: unix.Msghdr{Name: (*byte)(unsafe.Pointer(&t.ssa)),
			Namelen: unix.SizeofSockaddrNetlink, Iov: &b.siovs[i]}}
		b.shdrs[i].hdr.SetIovlen(1)
	}
	defer clear(b.siovs[:len(bufs)]) // drop the references to the caller's buffers
	sent := 0
	backoff := 20 * time.Microsecond
	for sent < len(bufs) {
		b.spend = b.shdrs[sent:len(bufs)]
		if t.sendBatchFn == nil {
			t.sendBatchFn = t.doSendBatch
		}
		if err := t.rc.Write(t.sendBatchFn); err != nil {
			return sent, err
		}
		switch b.serr {
		case 0:
			sent += b.sn
			continue
		case unix.EAGAIN, unix.EINTR:
			// As in SendTo: the receiver is full; a blocking send has waited in the kernel already.
			if !t.blockingSend {
				time.Sleep(backoff)
				backoff = min(2*backoff, 5*time.Millisecond)
			}
			continue
		}
		return sent, b.serr
	}
	return sent, nil
}

func (t *sockTransport) doSendBatch(fd uintptr) bool {
	p := t.batch.spend
	r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), 0, 0, 0)
	t.batch.sn, t.batch.serr = int(r), e
	return true
}

// RecvBatch implements BatchReceiver with recvmmsg(2): MSG_DONTWAIT takes what is queued, and the runtime's
// poller waits when nothing is.
func (t *sockTransport) RecvBatch(bufs, oobs [][]byte, ns, oobns []int, froms []Sockaddr) (int, error) {
	b := &t.batch
	k := len(bufs)
	if len(b.rhdrs) < k {
		b.rhdrs, b.riovs, b.rsas = make([]mmsghdr, k), make([]unix.Iovec, k), make([]unix.RawSockaddrNetlink, k)
	}
	for i := range k {
		b.rsas[i] = unix.RawSockaddrNetlink{}
		b.riovs[i] = unix.Iovec{Base: &bufs[i][0]}
		b.riovs[i].SetLen(len(bufs[i]))
		b.rhdrs[i] = mmsghdr{hdr: unix.Msghdr{Name: (*byte)(unsafe.Pointer(&b.rsas[i])),
			Namelen: unix.SizeofSockaddrNetlink, Iov: &b.riovs[i]}}
		b.rhdrs[i].hdr.SetIovlen(1)
		if len(oobs[i]) > 0 {
			b.rhdrs[i].hdr.Control = &oobs[i][0]
			b.rhdrs[i].hdr.SetControllen(len(oobs[i]))
		}
	}
	b.rn = k // doRecvBatch reads the count from here
	if t.recvBatchFn == nil {
		t.recvBatchFn = t.doRecvBatch
	}
	if err := t.rc.Read(t.recvBatchFn); err != nil {
		return 0, err
	}
	if b.rerr != 0 {
		return 0, b.rerr
	}
	for i := range b.rn {
		h := &b.rhdrs[i]
		ns[i], oobns[i] = int(h.n), int(h.hdr.Controllen)
		froms[i] = Sockaddr{PortID: b.rsas[i].Pid, Groups: b.rsas[i].Groups}
	}
	return b.rn, nil
}

func (t *sockTransport) doRecvBatch(fd uintptr) bool {
	b := &t.batch
	r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.rhdrs[0])), uintptr(b.rn),
		unix.MSG_DONTWAIT|unix.MSG_TRUNC, 0, 0)
	if e == unix.EAGAIN {
		if t.waitFn != nil {
			t.waitFn()
		}
		return false
	}
	b.rn, b.rerr = int(r), e
	return true
}
