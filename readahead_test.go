package nlkit_test

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// numbered is a dump of n messages, each carrying its index, one datagram each, so that the dump is read
// ahead; a request without NLM_F_DUMP is answered with "reply".
func numbered(t *testing.T, n int, intrAt int) (*nlkit.Conn, *nltest.Fake) {
	t.Helper()
	conn, fake, _ := numberedCounted(t, n, intrAt)
	return conn, fake
}

// numberedCounted is numbered, and the count of dumps read ahead: a test that wraps the fake in a Conn of its
// own forces that Conn to read ahead with nlkit.ForceReadAhead and this count, which must not stay 0.
func numberedCounted(t *testing.T, n int, intrAt int) (*nlkit.Conn, *nltest.Fake, *atomic.Int32) {
	t.Helper()
	started := new(atomic.Int32)
	t.Cleanup(func() {
		if started.Load() == 0 {
			t.Error("no dump read ahead")
		}
	})
	conn, fake := nltest.New(0, func(req []proto.Message) ([]proto.Message, error) {
		if req[0].Header.Flags&proto.FlagDump == 0 {
			return []proto.Message{thing("reply")}, nil
		}
		out := make([]proto.Message, n)
		for i := range out {
			out[i] = proto.Message{Header: proto.Header{Type: typeThing}, Data: binary.LittleEndian.AppendUint32(nil, uint32(i))}
			if i == intrAt {
				out[i].Header.Flags |= proto.FlagDumpIntr
			}
		}
		return out, nil
	}, nil)
	nlkit.ForceReadAhead(conn, true, started)
	fake.SeparateDatagrams = true
	t.Cleanup(func() { conn.Close() })
	return conn, fake, started
}

// nextRequestWorks checks that a request after a dump gets its own reply at once.
func nextRequestWorks(t *testing.T, conn *nlkit.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msgs, err := conn.Execute(ctx, thing("next"))
	if err != nil || len(msgs) != 1 || string(msgs[0].Data) != "reply" {
		t.Fatalf("request after the dump: %v %v", msgs, err)
	}
}

func TestDumpReadAheadKeepsOrder(t *testing.T) {
	const n = 3000
	conn, _ := numbered(t, n, 1234)
	for round := range 3 { // the read-ahead is reused by every dump
		got := 0
		var last error
		for m, err := range conn.Dump(context.Background(), thing("")) {
			if err != nil {
				last = err
				continue
			}
			if last != nil {
				t.Fatalf("round %d: message after the error %v", round, last)
			}
			if i := binary.LittleEndian.Uint32(m.Data); int(i) != got {
				t.Fatalf("round %d: message %d carries %d", round, got, i)
			}
			got++
		}
		if got != n || !errors.Is(last, nlkit.ErrDumpInterrupted) {
			t.Fatalf("round %d: %d messages, last error %v: want %d and ErrDumpInterrupted", round, got, last, n)
		}
	}
	nextRequestWorks(t, conn)
}

func TestDumpReadAheadStoppedEarly(t *testing.T) {
	const n = 40
	for _, stopAt := range []int{0, 1, 2, 7, n - 2, n - 1} {
		conn, _ := numbered(t, n, -1)
		got := 0
		for _, err := range conn.Dump(context.Background(), thing("")) {
			if err != nil {
				t.Fatal(err)
			}
			if got == stopAt {
				break
			}
			got++
		}
		nextRequestWorks(t, conn)
		// And a whole dump after that.
		got = 0
		for _, err := range conn.Dump(context.Background(), thing("")) {
			if err != nil {
				t.Fatal(err)
			}
			got++
		}
		if got != n {
			t.Fatalf("stopped at %d: the next dump gave %d messages, want %d", stopAt, got, n)
		}
	}
}

func TestDumpReadAheadCancelled(t *testing.T) {
	conn, _ := numbered(t, 500, -1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := 0
	var last error
	for _, err := range conn.Dump(ctx, thing("")) {
		if err != nil {
			last = err
			continue
		}
		got++
		if got == 10 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) {
		t.Fatalf("after %d messages: last error %v, want context.Canceled", got, last)
	}
	// One message per datagram: the datagrams the reader had received ahead of the cancel are not yielded.
	if got != 10 {
		t.Fatalf("the dump cancelled at message 10 delivered %d", got)
	}
	nextRequestWorks(t, conn)
}

func TestDumpReadAheadClosed(t *testing.T) {
	before := runtime.NumGoroutine()
	conn, _ := numbered(t, 500, -1)
	var last error
	got := 0
	for _, err := range conn.Dump(context.Background(), thing("")) {
		if err != nil {
			last = err
			continue
		}
		got++
		if got == 10 {
			conn.Close()
		}
	}
	if !errors.Is(last, nlkit.ErrClosed) {
		t.Fatalf("last error %v, want ErrClosed", last)
	}
	// The reader goroutine has exited: the dump waits for it before returning. The count is the process's, so
	// a goroutine of another part of the runtime or of an earlier test that is still ending gets a second to
	// go; one the dump leaked stays.
	after := runtime.NumGoroutine()
	for end := time.Now().Add(time.Second); after > before && time.Now().Before(end); after = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	if after > before {
		t.Fatalf("%d goroutines after the dump, %d before", after, before)
	}
}

// faulty replaces the datagram of one receive (counted from 1) with bad.
type faulty struct {
	*nltest.Fake
	n   atomic.Int32
	at  int32
	bad []byte
}

func (f *faulty) RecvMsg(buf, oob []byte) (int, int, nlkit.Sockaddr, error) {
	if f.n.Add(1) == f.at {
		// Consume the real one, so the dump still ends where it would.
		if _, _, _, err := f.Fake.RecvMsg(buf, oob); err != nil {
			return 0, 0, nlkit.Sockaddr{}, err
		}
		copy(buf, f.bad)
		return len(f.bad), 0, nlkit.Sockaddr{}, nil
	}
	return f.Fake.RecvMsg(buf, oob)
}

func TestDumpReadAheadBadDatagram(t *testing.T) {
	big := make([]byte, 64<<10)
	binary.NativeEndian.PutUint32(big, uint32(len(big)))
	for _, c := range []struct {
		name string
		bad  []byte
		want func(error) bool
	}{
		{"short header", []byte{1, 2, 3}, func(err error) bool { var re *nlkit.ReceiveError; return errors.As(err, &re) }},
		{"length past the end", binary.NativeEndian.AppendUint32(make([]byte, 0, 20), 400)[:4:4],
			func(err error) bool { var re *nlkit.ReceiveError; return errors.As(err, &re) }},
		{"truncated", big, func(err error) bool { var te *nlkit.TruncatedError; return errors.As(err, &te) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, fake, started := numberedCounted(t, 200, -1)
			bad := c.bad
			if len(bad) < 16 && len(bad) == 4 {
				bad = append(bad, make([]byte, 12)...)
			}
			conn := nlkit.NewConn(0, &faulty{Fake: fake, at: 5, bad: bad}, nil)
			nlkit.ForceReadAhead(conn, true, started)
			defer conn.Close()
			got := 0
			var last error
			for _, err := range conn.Dump(context.Background(), thing("")) {
				if err != nil {
					last = err
					continue
				}
				got++
			}
			if !c.want(last) || got != 4 {
				t.Fatalf("%d messages, last error %v (%T)", got, last, last)
			}
			nextRequestWorks(t, conn)
		})
	}
}

// stalling serves the fake's first n datagrams, then waits as a peer that stopped mid-dump would, until a read
// deadline ends the wait; then it serves the rest.
type stalling struct {
	*nltest.Fake
	n        int32
	got      atomic.Int32
	mu       sync.Mutex
	deadline time.Time
	wake     chan struct{}
	resume   chan struct{} // closing it ends the stall, as a deadline does
	waitFn   func()
}

func (s *stalling) NotifyWait(fn func()) {
	s.mu.Lock()
	s.waitFn = fn
	s.mu.Unlock()
	s.Fake.NotifyWait(fn)
}

func (s *stalling) SetReadDeadline(t time.Time) error {
	s.mu.Lock()
	s.deadline = t
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return s.Fake.SetReadDeadline(t)
}

func (s *stalling) RecvMsg(buf, oob []byte) (int, int, nlkit.Sockaddr, error) {
	if s.got.Add(1) > s.n {
		s.mu.Lock()
		waitFn := s.waitFn
		s.mu.Unlock()
		if waitFn != nil {
			waitFn()
		}
		for {
			s.mu.Lock()
			dl := s.deadline
			s.mu.Unlock()
			if !dl.IsZero() && time.Now().After(dl) {
				s.got.Store(-1 << 30) // serve the rest from now on
				return 0, 0, nlkit.Sockaddr{}, os.ErrDeadlineExceeded
			}
			select {
			case <-s.wake:
			case <-s.resume:
				s.got.Store(-1 << 30)
				return s.Fake.RecvMsg(buf, oob)
			}
		}
	}
	return s.Fake.RecvMsg(buf, oob)
}

// stalledDump runs a dump over a peer that stalls after 6 of its 100 datagrams, calling each for every message
// until it returns false, and fails the test if the loop has not returned 10 s later. It returns the Conn and
// the number of messages seen.
func stalledDump(t *testing.T, what string, each func(tr *stalling, got int) bool) (*nlkit.Conn, int) {
	t.Helper()
	_, fake, started := numberedCounted(t, 100, -1)
	tr := &stalling{Fake: fake, n: 6, wake: make(chan struct{}, 1), resume: make(chan struct{})}
	conn := nlkit.NewConn(0, tr, nil)
	nlkit.ForceReadAhead(conn, true, started)
	t.Cleanup(func() { conn.Close() })
	done := make(chan int, 1)
	go func() {
		got := 0
		for _, err := range conn.Dump(context.Background(), thing("")) {
			if err != nil {
				t.Error(err)
				break
			}
			if got++; !each(tr, got) {
				break
			}
		}
		done <- got
	}()
	select {
	case got := <-done:
		return conn, got
	case <-time.After(10 * time.Second):
		t.Fatalf("the dump loop had not returned 10 s later: %s", what)
	}
	return nil, 0
}

func TestDumpReadAheadStoppedWhilePeerStalls(t *testing.T) {
	// At message 3 the read-ahead is waiting for datagram 7, which does not come.
	conn, _ := stalledDump(t, "it stopped while the peer stalled", func(_ *stalling, got int) bool { return got < 3 })
	nextRequestWorks(t, conn)
}

func TestDumpReadAheadDeliversBeforeAStall(t *testing.T) {
	// The peer waits until the loop has seen its first 6 datagrams: a read-ahead must hand over what has
	// arrived without waiting for a whole batch.
	_, got := stalledDump(t, "the messages before the stall were not delivered", func(tr *stalling, got int) bool {
		if got == 6 {
			close(tr.resume)
		}
		return true
	})
	if got != 100 {
		t.Fatalf("%d messages, want 100", got)
	}
}

// plain is a Transport that cannot say when it waits (no NotifyWait): a read-ahead over it wakes the consumer
// for every datagram.
type plain struct{ f *nltest.Fake }

func (p plain) SendTo(to nlkit.Sockaddr, b []byte) error { return p.f.SendTo(to, b) }
func (p plain) RecvMsg(buf, oob []byte) (int, int, nlkit.Sockaddr, error) {
	return p.f.RecvMsg(buf, oob)
}
func (p plain) SetReadDeadline(t time.Time) error { return p.f.SetReadDeadline(t) }
func (p plain) JoinGroup(g uint32) error          { return p.f.JoinGroup(g) }
func (p plain) LeaveGroup(g uint32) error         { return p.f.LeaveGroup(g) }
func (p plain) PortID() uint32                    { return p.f.PortID() }
func (p plain) Close() error                      { return p.f.Close() }

func TestDumpReadAheadWithoutWaitNotifier(t *testing.T) {
	_, fake, started := numberedCounted(t, 500, 250)
	conn := nlkit.NewConn(0, plain{fake}, nil)
	nlkit.ForceReadAhead(conn, true, started)
	defer conn.Close()
	got := 0
	var last error
	for m, err := range conn.Dump(context.Background(), thing("")) {
		if err != nil {
			last = err
			continue
		}
		if i := binary.LittleEndian.Uint32(m.Data); int(i) != got {
			t.Fatalf("message %d carries %d", got, i)
		}
		got++
	}
	if got != 500 || !errors.Is(last, nlkit.ErrDumpInterrupted) {
		t.Fatalf("%d messages, last error %v", got, last)
	}
	nextRequestWorks(t, conn)
}

// padded appends two zero bytes to one datagram: the consumer's iterator takes them for the kernel's padding,
// the read-ahead's quick walk cannot account for them.
type padded struct {
	*nltest.Fake
	n  atomic.Int32
	at int32
}

func (p *padded) RecvMsg(buf, oob []byte) (int, int, nlkit.Sockaddr, error) {
	n, oobn, from, err := p.Fake.RecvMsg(buf, oob)
	if err == nil && p.n.Add(1) == p.at && n+2 <= len(buf) {
		buf[n], buf[n+1] = 0, 0
		n += 2
	}
	return n, oobn, from, err
}

func TestDumpReadAheadStopsOnADatagramItCannotWalk(t *testing.T) {
	// The reader stops there; the dump goes on without it.
	_, fake, started := numberedCounted(t, 100, -1)
	conn := nlkit.NewConn(0, &padded{Fake: fake, at: 5}, nil)
	nlkit.ForceReadAhead(conn, true, started)
	defer conn.Close()
	done := make(chan int, 1)
	go func() {
		got := 0
		for _, err := range conn.Dump(context.Background(), thing("")) {
			if err != nil {
				t.Error(err)
				break
			}
			got++
		}
		done <- got
	}()
	select {
	case got := <-done:
		if got != 100 {
			t.Fatalf("%d messages, want 100", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the dump did not end within 10 s")
	}
	nextRequestWorks(t, conn)
}

func TestDumpReadAheadKeptByItsConnUntilClose(t *testing.T) {
	conn, _ := numbered(t, 300, -1)
	other, _ := numbered(t, 300, -1)
	dump := func(c *nlkit.Conn) {
		t.Helper()
		n := 0
		for _, err := range c.Dump(context.Background(), thing("")) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != 300 {
			t.Fatalf("%d messages, want 300", n)
		}
	}
	if nlkit.KeptReadAhead(conn) != nil {
		t.Fatal("a new Conn keeps a read-ahead")
	}
	dump(conn)
	first := nlkit.KeptReadAhead(conn)
	if first == nil {
		t.Fatal("the Conn kept no read-ahead after a dump that read ahead")
	}
	dump(conn)
	if nlkit.KeptReadAhead(conn) != first {
		t.Error("the second dump did not reuse the kept read-ahead")
	}
	if nlkit.KeptReadAhead(other) != nil {
		t.Error("a Conn that has not dumped found another Conn's read-ahead")
	}
	dump(other)
	if o := nlkit.KeptReadAhead(other); o == nil || o == first {
		t.Errorf("the other Conn kept %p, the first %p", o, first)
	}
	conn.Close()
	if nlkit.KeptReadAhead(conn) != nil {
		t.Error("Close left the read-ahead kept")
	}
}
