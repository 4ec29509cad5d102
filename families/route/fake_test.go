//go:build linux

package route

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// kernel is a fake rtnetlink for tests: it answers dumps with its objects, unfiltered (as a kernel without
// strict checking would), records every request, and answers other requests with an ack or err.
type kernel struct {
	mu       sync.Mutex
	links    []Link
	addrs    []Addr
	routes   []Route
	neighs   []Neigh
	rules    []Rule
	nexthops []Nexthop
	reqs     []proto.Message
	intr     int           // mark this many more dumps NLM_F_DUMP_INTR
	stall    time.Duration // answer the next dump this late (once)
	err      error         // answer non-dump requests with this
	get      func(req proto.Message) ([]proto.Message, error)
}

func mustMarshal(t testing.TB, v interface{ MarshalBinary() ([]byte, error) }) []byte {
	t.Helper()
	b, err := v.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (k *kernel) handle(t testing.TB) nltest.Func {
	return func(reqs []proto.Message) ([]proto.Message, error) {
		k.mu.Lock()
		defer k.mu.Unlock()
		req := reqs[0]
		req.Data = append([]byte(nil), req.Data...)
		k.reqs = append(k.reqs, req)
		if req.Header.Flags&proto.FlagDump != proto.FlagDump {
			if k.get != nil {
				return k.get(req)
			}
			return nil, k.err
		}
		if d := k.stall; d > 0 {
			k.stall = 0
			k.mu.Unlock()
			time.Sleep(d)
			k.mu.Lock()
		}
		var out []proto.Message
		switch req.Header.Type {
		case unix.RTM_GETLINK:
			out = replies(t, unix.RTM_NEWLINK, k.links)
		case unix.RTM_GETADDR:
			out = replies(t, unix.RTM_NEWADDR, k.addrs)
		case unix.RTM_GETROUTE:
			out = replies(t, unix.RTM_NEWROUTE, k.routes)
		case unix.RTM_GETNEIGH:
			out = replies(t, unix.RTM_NEWNEIGH, k.neighs)
		case unix.RTM_GETRULE:
			out = replies(t, unix.RTM_NEWRULE, k.rules)
		case unix.RTM_GETNEXTHOP:
			out = replies(t, unix.RTM_NEWNEXTHOP, k.nexthops)
		}
		if k.intr > 0 && len(out) > 0 {
			k.intr--
			out[len(out)-1].Header.Flags |= proto.FlagDumpIntr
		}
		return out, nil
	}
}

// replies are the messages of type typ that carry objs.
func replies[T any, P interface {
	*T
	MarshalBinary() ([]byte, error)
}](t testing.TB, typ uint16, objs []T) []proto.Message {
	out := make([]proto.Message, len(objs))
	for i := range objs {
		out[i] = proto.Message{Header: proto.Header{Type: typ}, Data: mustMarshal(t, P(&objs[i]))}
	}
	return out
}

func (k *kernel) requests() []proto.Message {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]proto.Message(nil), k.reqs...)
}

func (k *kernel) client(t testing.TB) *Client {
	c := New(nltest.Dial(unix.NETLINK_ROUTE, k.handle(t)))
	t.Cleanup(func() { c.Close() })
	return c
}

// enobufsTransport wraps nltest's fake so that a receive can fail with ENOBUFS, as an overflowed socket does.
type enobufsTransport struct {
	*nltest.Fake
	mu       sync.Mutex
	enobufs  int
	deadline time.Time
}

func (e *enobufsTransport) overflow() {
	e.mu.Lock()
	e.enobufs++
	e.mu.Unlock()
}

func (e *enobufsTransport) SetReadDeadline(t time.Time) error {
	e.mu.Lock()
	e.deadline = t
	e.mu.Unlock()
	return nil
}

func (e *enobufsTransport) RecvMsg(buf, oob []byte) (int, int, nlkit.Sockaddr, error) {
	for {
		e.mu.Lock()
		if e.enobufs > 0 {
			e.enobufs--
			e.mu.Unlock()
			return 0, 0, nlkit.Sockaddr{}, syscall.ENOBUFS
		}
		dl := e.deadline
		e.mu.Unlock()
		if !dl.IsZero() && time.Now().After(dl) {
			return 0, 0, nlkit.Sockaddr{}, os.ErrDeadlineExceeded
		}
		// Poll the fake with a short deadline so that an overflow or the Conn's own deadline can interrupt.
		poll := time.Now().Add(2 * time.Millisecond)
		if !dl.IsZero() && dl.Before(poll) {
			poll = dl
		}
		e.Fake.SetReadDeadline(poll)
		n, oobn, from, err := e.Fake.RecvMsg(buf, oob)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			continue
		}
		return n, oobn, from, err
	}
}

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func mustAddr(s string) netip.Addr     { return netip.MustParseAddr(s) }

// hdr builds a fixed header followed by attributes, for kernel-like messages in decoder tests.
func ifinfomsg(index int32, flags uint32) []byte {
	b := make([]byte, sizeofIfInfomsg)
	binary.NativeEndian.PutUint16(b[2:], unix.ARPHRD_ETHER)
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	binary.NativeEndian.PutUint32(b[8:], flags)
	return b
}
