package unit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// heldServer is a fake server on portid 0 (nltest's "kernel") that answers nothing by itself: each request goes
// to reqs, and the test answers with reply, in any order and batching it likes.
type heldServer struct {
	fake *nltest.Fake
	reqs chan proto.Message
}

func newHeldClient(t *testing.T, timeout time.Duration) (*Client, *heldServer) {
	t.Helper()
	h := &heldServer{reqs: make(chan proto.Message, 1024)}
	conn, fake := nltest.New(nlkit.UnitUsersock, func(req []proto.Message) ([]proto.Message, error) {
		for _, m := range req {
			m.Data = append([]byte(nil), m.Data...)
			h.reqs <- m
		}
		return nil, nil
	}, nil)
	h.fake = fake
	c := newClient(conn, 0, timeout)
	t.Cleanup(func() { c.Close() })
	return c, h
}

// next returns the next request the server received.
func (h *heldServer) next(t *testing.T) proto.Message {
	t.Helper()
	select {
	case m := <-h.reqs:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no request reached the server")
		return proto.Message{}
	}
}

// echo answers reqs in one datagram, each with its own payload.
func (h *heldServer) echo(reqs ...proto.Message) {
	var out []proto.Message
	for _, r := range reqs {
		out = append(out, proto.Message{Header: proto.Header{Type: r.Header.Type, Sequence: r.Header.Sequence},
			Data: r.Data})
	}
	h.fake.Inject(nlkit.Sockaddr{}, out...)
}

type answer struct {
	r   Reply
	err error
}

func goRequest(c *Client, ctx context.Context, payload string) <-chan answer {
	ch := make(chan answer, 1)
	go func() {
		r, err := c.Request(ctx, 0, []byte(payload))
		ch <- answer{r, err}
	}()
	return ch
}

func wait(t *testing.T, ch <-chan answer) answer {
	t.Helper()
	select {
	case a := <-ch:
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("request did not return")
		return answer{}
	}
}

func wantReply(t *testing.T, a answer, payload string) {
	t.Helper()
	if a.err != nil || string(a.r.Message.Data) != payload {
		t.Fatalf("reply %q, %v: want %q", a.r.Message.Data, a.err, payload)
	}
}

func TestClientSkipsMismatchedReplies(t *testing.T) {
	c, h := newHeldClient(t, 0)
	ch := goRequest(c, context.Background(), "mine")
	req := h.next(t)
	// Another sender, a sequence nobody waits for, and then the reply, in one datagram.
	h.fake.Inject(nlkit.Sockaddr{PortID: 77}, proto.Message{Header: proto.Header{Type: req.Header.Type,
		Sequence: req.Header.Sequence}, Data: []byte("forged")})
	h.fake.Inject(nlkit.Sockaddr{},
		proto.Message{Header: proto.Header{Type: req.Header.Type, Sequence: req.Header.Sequence + 1000},
			Data: []byte("stray")},
		proto.Message{Header: proto.Header{Type: req.Header.Type, Sequence: req.Header.Sequence},
			Data: []byte("mine")})
	wantReply(t, wait(t, ch), "mine")
}

// The first request reads the socket itself; the others wait and get their replies from it or from the reader
// goroutine it hands over to, whatever the order and batching of the replies.
func TestClientConcurrentRequestsOutOfOrder(t *testing.T) {
	const n = 24
	c, h := newHeldClient(t, 0)
	var chans []<-chan answer
	var reqs []proto.Message
	for i := range n {
		chans = append(chans, goRequest(c, context.Background(), fmt.Sprint("request ", i)))
		reqs = append(reqs, h.next(t))
	}
	// The first request's reply comes last; the others in reverse, two per datagram.
	for i := n - 1; i >= 1; i -= 2 {
		if i-1 >= 1 {
			h.echo(reqs[i], reqs[i-1])
		} else {
			h.echo(reqs[i])
		}
	}
	h.echo(reqs[0])
	for i, ch := range chans {
		a := wait(t, ch)
		want := fmt.Sprint("request ", i)
		if a.err != nil {
			t.Fatalf("request %d: %v", i, a.err)
		}
		if string(a.r.Message.Data) != want {
			t.Fatalf("request %d got %q, want %q", i, a.r.Message.Data, want)
		}
	}
	// With nothing in flight the next request reads for itself again.
	ch := goRequest(c, context.Background(), "after")
	h.echo(h.next(t))
	wantReply(t, wait(t, ch), "after")
}

func TestClientManyGoroutines(t *testing.T) {
	conn := nltest.Dial(nlkit.UnitUsersock, func(req []proto.Message) ([]proto.Message, error) {
		return []proto.Message{{Header: proto.Header{Type: req[0].Header.Type}, Data: req[0].Data}}, nil
	})
	c := newClient(conn, 0, 0)
	defer c.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 64 {
		wg.Go(func() {
			for i := range 200 {
				want := fmt.Sprint(g, "/", i)
				r, err := c.Request(context.Background(), 0, []byte(want))
				if err != nil || string(r.Message.Data) != want {
					errs <- fmt.Errorf("%s: %q %v", want, r.Message.Data, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestClientCancelWhileReading(t *testing.T) {
	c, h := newHeldClient(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	first := goRequest(c, ctx, "abandoned")
	r1 := h.next(t) // the first request holds the socket
	second := goRequest(c, context.Background(), "waiting")
	r2 := h.next(t)
	cancel()
	if a := wait(t, first); !errors.Is(a.err, context.Canceled) {
		t.Fatalf("cancelled request: %v", a.err)
	}
	// The late reply to the cancelled request is dropped; the waiting one still gets its reply.
	h.echo(r1)
	h.echo(r2)
	wantReply(t, wait(t, second), "waiting")
	third := goRequest(c, context.Background(), "third")
	h.echo(h.next(t))
	wantReply(t, wait(t, third), "third")
}

func TestClientCancelWhileWaiting(t *testing.T) {
	c, h := newHeldClient(t, 0)
	first := goRequest(c, context.Background(), "reader")
	r1 := h.next(t)
	ctx, cancel := context.WithCancel(context.Background())
	second := goRequest(c, ctx, "waiter")
	r2 := h.next(t)
	cancel()
	if a := wait(t, second); !errors.Is(a.err, context.Canceled) {
		t.Fatalf("cancelled request: %v", a.err)
	}
	h.echo(r2, r1)
	wantReply(t, wait(t, first), "reader")
}

func TestClientTimeout(t *testing.T) {
	c, h := newHeldClient(t, 30*time.Millisecond)
	// Alone: the request's own read times out.
	if _, err := c.Request(context.Background(), 0, []byte("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v: want DeadlineExceeded", err)
	}
	stale := h.next(t)
	// Waiting on another reader.
	first := goRequest(c, context.Background(), "first")
	r1 := h.next(t)
	second := goRequest(c, context.Background(), "second")
	h.next(t)
	if a := wait(t, first); !errors.Is(a.err, context.DeadlineExceeded) {
		t.Fatalf("first: %v", a.err)
	}
	if a := wait(t, second); !errors.Is(a.err, context.DeadlineExceeded) {
		t.Fatalf("second: %v", a.err)
	}
	// Late replies are dropped, and the client still works (with a fresh timeout).
	h.echo(stale, r1)
	for i := range 3 {
		ch := goRequest(c, context.Background(), fmt.Sprint("later ", i))
		h.echo(h.next(t))
		wantReply(t, wait(t, ch), fmt.Sprint("later ", i))
	}
}

func TestClientCallerDeadline(t *testing.T) {
	c, h := newHeldClient(t, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := c.Request(ctx, 0, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v: want DeadlineExceeded", err)
	}
	h.next(t)
	ch := goRequest(c, context.Background(), "ok")
	h.echo(h.next(t))
	wantReply(t, wait(t, ch), "ok")
}

func TestClientCloseDuringRequest(t *testing.T) {
	c, h := newHeldClient(t, 0)
	first := goRequest(c, context.Background(), "reader")
	h.next(t)
	second := goRequest(c, context.Background(), "waiter")
	h.next(t)
	c.Close()
	for _, ch := range []<-chan answer{first, second} {
		if a := wait(t, ch); !errors.Is(a.err, nlkit.ErrClosed) {
			t.Fatalf("err %v: want ErrClosed", a.err)
		}
	}
	if _, err := c.Request(context.Background(), 0, nil); !errors.Is(err, nlkit.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestClientErrorReply(t *testing.T) {
	conn := nltest.Dial(nlkit.UnitUsersock, func(req []proto.Message) ([]proto.Message, error) {
		return nil, syscall.ENOENT
	})
	c := newClient(conn, 0, 0)
	defer c.Close()
	_, err := c.Request(context.Background(), 0, []byte("x"))
	var pe *proto.Error
	if !errors.Is(err, syscall.ENOENT) || !errors.As(err, &pe) {
		t.Fatalf("err %v: want a *proto.Error with ENOENT", err)
	}
	// The client goes on.
	if _, err := c.Request(context.Background(), 0, []byte("x")); !errors.Is(err, syscall.ENOENT) {
		t.Fatalf("second request: %v", err)
	}
}

func TestClientNoPeer(t *testing.T) {
	conn := nltest.Dial(nlkit.UnitUsersock, nil)
	c := newClient(conn, 999, 0) // nltest refuses every portid but 0
	defer c.Close()
	for range 2 {
		_, err := c.Request(context.Background(), 0, nil)
		var np *nlkit.NoPeerError
		if !errors.As(err, &np) {
			t.Fatalf("err %v: want *nlkit.NoPeerError", err)
		}
	}
}

// The reply must not alias the receive buffer: the next request's reply would overwrite it.
func TestClientReplyIsACopy(t *testing.T) {
	conn := nltest.Dial(nlkit.UnitUsersock, func(req []proto.Message) ([]proto.Message, error) {
		return []proto.Message{{Header: proto.Header{Type: req[0].Header.Type}, Data: req[0].Data}}, nil
	})
	c := newClient(conn, 0, 0)
	defer c.Close()
	a, err := c.Request(context.Background(), 0, []byte("aaaa"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Request(context.Background(), 0, []byte("bbbb")); err != nil {
		t.Fatal(err)
	}
	if string(a.Message.Data) != "aaaa" {
		t.Fatalf("first reply now %q", a.Message.Data)
	}
}
