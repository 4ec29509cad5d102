// Package nltest is a netlink connection with no socket behind it, for testing code built on nlkit without
// root, a namespace or a kernel: each request datagram goes to a function that returns the replies, and the
// test can inject datagrams (multicast events, malformed input) as if the kernel sent them.
//
//	conn := nltest.Dial(unix.NETLINK_ROUTE, func(req []proto.Message) ([]proto.Message, error) {
//		return []proto.Message{{Header: proto.Header{Type: unix.RTM_NEWLINK}, Data: ...}}, nil
//	})
//
// Replies get the request's sequence number and the connection's portid where they leave them zero. For a
// request with NLM_F_DUMP the replies are marked NLM_F_MULTI and NLMSG_DONE is appended; for one with
// NLM_F_ACK an acknowledgement is appended, as the kernel does. An error returned by the function (a
// syscall.Errno or a *proto.Error with its extended ack) becomes an NLMSG_ERROR.
//
// Dial takes the unit and the function that plays the kernel, not the single *Config of the library's Dials:
// there is no socket to set up, and what a test decides is the kernel's answers. New takes an *nlkit.Config
// too, for the settings the Conn itself keeps (receive buffer, AcceptUserSenders, Tap).
package nltest

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

// Func answers the messages of one request datagram.
type Func func(req []proto.Message) ([]proto.Message, error)

// PortID is the portid of every fake connection.
const PortID = 4242

// Fake is the transport behind a fake connection.
type Fake struct {
	unit int
	fn   Func

	// SeparateDatagrams sends every reply message (and the ack or NLMSG_DONE) in a datagram of its own,
	// as the kernel does for a reply and its ack; by default the answer to a request is one datagram.
	SeparateDatagrams bool
	// DatagramSize, when positive, packs the answer into datagrams of at most this many bytes (a message larger
	// than that gets one of its own), as the kernel fills a dump's datagrams up to the reader's buffer.
	DatagramSize int

	mu       sync.Mutex
	waitFn   func()
	queue    []datagram
	wake     chan struct{}
	closed   bool
	deadline time.Time
	groups   map[uint32]bool
	sent     [][]byte
}

type datagram struct {
	from Sockaddr
	b    []byte
}

// Sockaddr is nlkit.Sockaddr.
type Sockaddr = nlkit.Sockaddr

// Dial returns a connection whose requests fn answers.
func Dial(unit int, fn Func) *nlkit.Conn {
	c, _ := New(unit, fn, nil)
	return c
}

// New returns a connection whose requests fn answers, with cfg applied where a fake can (receive buffer,
// AcceptUserSenders, Tap), and the Fake behind it for injecting datagrams.
func New(unit int, fn Func, cfg *nlkit.Config) (*nlkit.Conn, *Fake) {
	f := &Fake{unit: unit, fn: fn, wake: make(chan struct{}, 1), groups: map[uint32]bool{}}
	if cfg != nil {
		for _, g := range cfg.Groups {
			f.groups[g] = true
		}
	}
	return nlkit.NewConn(unit, f, cfg), f
}

// Inject queues msgs as one datagram from the given sender (portid 0 and a group mask for a kernel multicast).
func (f *Fake) Inject(from Sockaddr, msgs ...proto.Message) {
	f.InjectRaw(from, proto.AppendMessages(nil, msgs...))
}

// InjectRaw queues b, as it is, as one datagram.
func (f *Fake) InjectRaw(from Sockaddr, b []byte) {
	f.mu.Lock()
	f.queue = append(f.queue, datagram{from: from, b: append([]byte(nil), b...)})
	f.mu.Unlock()
	f.signal()
}

// Sent returns copies of every datagram sent so far.
func (f *Fake) Sent() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([][]byte, len(f.sent))
	copy(out, f.sent)
	return out
}

// Joined reports whether group g is joined.
func (f *Fake) Joined(g uint32) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.groups[g]
}

func (f *Fake) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// SendTo implements nlkit.Transport: datagrams to the kernel (portid 0, no groups) go to the Func.
func (f *Fake) SendTo(to Sockaddr, b []byte) error {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return os.ErrClosed
	}
	f.sent = append(f.sent, append([]byte(nil), b...))
	f.mu.Unlock()
	if to.PortID != 0 {
		return syscall.ECONNREFUSED
	}
	if to.Groups != 0 || f.fn == nil {
		return nil
	}
	reqs, err := proto.ParseMessages(append([]byte(nil), b...))
	if err != nil {
		return syscall.EINVAL
	}
	var out []byte
	for _, req := range reqs {
		out = f.answer(out, req)
	}
	if len(out) > 0 {
		f.mu.Lock()
		switch {
		case f.SeparateDatagrams:
			it := proto.NewIter(out)
			for it.Next() {
				f.queue = append(f.queue, datagram{b: it.Message().AppendTo(nil)})
			}
		case f.DatagramSize > 0:
			var d []byte
			it := proto.NewIter(out)
			for it.Next() {
				m := it.Message()
				if len(d) > 0 && len(d)+proto.Align(int(m.Header.Length)) > f.DatagramSize {
					f.queue = append(f.queue, datagram{b: d})
					d = nil
				}
				d = m.AppendTo(d)
			}
			f.queue = append(f.queue, datagram{b: d})
		default:
			f.queue = append(f.queue, datagram{b: out})
		}
		f.mu.Unlock()
		f.signal()
	}
	return nil
}

func (f *Fake) answer(out []byte, req proto.Message) []byte {
	replies, err := f.fn([]proto.Message{req})
	dump := req.Header.Flags&proto.FlagDump == proto.FlagDump
	ended := false
	for _, r := range replies {
		if r.Header.Sequence == 0 {
			r.Header.Sequence = req.Header.Sequence
		}
		if r.Header.PortID == 0 {
			r.Header.PortID = PortID
		}
		if dump && r.Header.Type != proto.TypeDone && r.Header.Type != proto.TypeError {
			r.Header.Flags |= proto.FlagMulti
		}
		if r.Header.Type == proto.TypeDone || r.Header.Type == proto.TypeError {
			ended = true
		}
		out = r.AppendTo(out)
	}
	if ended {
		return out
	}
	if err != nil {
		var pe *proto.Error
		var errno syscall.Errno
		switch {
		case errors.As(err, &pe):
			return proto.AppendAck(out, req, pe.Errno, false, &pe.ExtAck, PortID)
		case errors.As(err, &errno):
			return proto.AppendAck(out, req, errno, false, nil, PortID)
		}
		return proto.AppendAck(out, req, syscall.EIO, false, &proto.ExtAck{Msg: err.Error()}, PortID)
	}
	switch {
	case dump:
		done := proto.Message{Header: proto.Header{Type: proto.TypeDone, Flags: proto.FlagMulti,
			Sequence: req.Header.Sequence, PortID: PortID}, Data: make([]byte, 4)}
		out = done.AppendTo(out)
	case req.Header.Flags&proto.FlagAck != 0:
		out = proto.AppendAck(out, req, 0, true, nil, PortID)
	}
	return out
}

// RecvMsg implements nlkit.Transport.
func (f *Fake) RecvMsg(buf, oob []byte) (int, int, Sockaddr, error) {
	for {
		f.mu.Lock()
		if f.closed {
			f.mu.Unlock()
			return 0, 0, Sockaddr{}, os.ErrClosed
		}
		if len(f.queue) > 0 {
			d := f.queue[0]
			f.queue = f.queue[1:]
			f.mu.Unlock()
			copy(buf, d.b)
			return len(d.b), 0, d.from, nil
		}
		dl := f.deadline
		waitFn := f.waitFn
		f.mu.Unlock()
		if waitFn != nil {
			waitFn()
		}
		if dl.IsZero() {
			<-f.wake
			continue
		}
		wait := time.Until(dl)
		if wait <= 0 {
			return 0, 0, Sockaddr{}, os.ErrDeadlineExceeded
		}
		t := time.NewTimer(wait)
		select {
		case <-f.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// NotifyWait implements nlkit.WaitNotifier: fn is called each time RecvMsg finds the queue empty and waits.
func (f *Fake) NotifyWait(fn func()) {
	f.mu.Lock()
	f.waitFn = fn
	f.mu.Unlock()
}

// SetReadDeadline implements nlkit.Transport.
func (f *Fake) SetReadDeadline(t time.Time) error {
	f.mu.Lock()
	f.deadline = t
	f.mu.Unlock()
	f.signal()
	return nil
}

// JoinGroup implements nlkit.Transport.
func (f *Fake) JoinGroup(g uint32) error {
	f.mu.Lock()
	f.groups[g] = true
	f.mu.Unlock()
	return nil
}

// LeaveGroup implements nlkit.Transport.
func (f *Fake) LeaveGroup(g uint32) error {
	f.mu.Lock()
	delete(f.groups, g)
	f.mu.Unlock()
	return nil
}

// PortID implements nlkit.Transport.
func (f *Fake) PortID() uint32 { return PortID }

// Close implements nlkit.Transport and unblocks RecvMsg.
func (f *Fake) Close() error {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.signal()
	return nil
}
