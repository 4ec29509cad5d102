package unit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

// DefaultTimeout bounds a request whose context has no deadline.
const DefaultTimeout = 5 * time.Second

// DefaultRequestType is the nlmsg_type a Client uses when the caller gives none (NLMSG_MIN_TYPE).
const DefaultRequestType = proto.TypeMin

// ClientConfig configures a Client: the server it talks to, and its own socket (Config; Config.PortID is the
// client's own portid, 0 for one the kernel assigns).
type ClientConfig struct {
	Config
	// Server is the portid of the server (Server.PortID). It is required on NETLINK_USERSOCK; 0 is the kernel's
	// socket, which only a kernel module's unit has.
	Server uint32
	// Timeout bounds each request whose context has no deadline; 0 is DefaultTimeout.
	Timeout time.Duration
}

// Reply is a server's answer.
type Reply struct {
	Message proto.Message
	From    nlkit.Sender
}

type result struct {
	reply Reply
	err   error
}

// Who reads the client's socket. Exactly one party does while requests are in flight: a requester that found
// no other request in flight reads for itself (no goroutine handoff on the way back), and hands over to the
// reader goroutine if others are waiting when it is done; the reader goroutine serves concurrent requests and
// stops when none is left.
const (
	readNone   = iota // nobody: the next request reads for itself
	readDirect        // a requester reads for itself and delivers the others' replies as it meets them
	readLoop          // the reader goroutine (readLoop) reads
)

// Client sends requests to one server portid. It is safe for concurrent use: replies are matched to requests by
// nlmsg_seq, so each caller gets its own reply.
type Client struct {
	conn    *nlkit.Conn
	server  uint32
	timeout time.Duration

	mu      sync.Mutex
	pending map[uint32]*waiter // requests waiting for someone else to read their reply
	reader  int                // readNone, readDirect or readLoop
	readErr error

	// solo bounds the direct reader's wait when the caller's context has no deadline; only the direct reader
	// uses it.
	solo    *soloTimeout
	waiters sync.Pool
	bufs    sync.Pool // *[]byte: a request's datagram
}

// waiter is where a request waiting on another reader gets its result. Waiters are reused.
type waiter struct {
	ch    chan result // buffered: a delivery (always under Client.mu) never blocks
	timer *time.Timer // the Client's timeout, for contexts without a deadline
}

// soloTimeout is a reusable timeout context: a timer cancels ctx after the Client's timeout. It is reused by
// request after request until it fires.
type soloTimeout struct {
	ctx    context.Context
	cancel context.CancelFunc
	timer  *time.Timer
}

// DialClient opens a client for the server at portid cfg.Server. A nil cfg, or a zero Server on
// NETLINK_USERSOCK, gives a *ConfigError.
func DialClient(cfg *ClientConfig) (*Client, error) {
	var c ClientConfig
	if cfg != nil {
		c = *cfg
	}
	if err := c.checkRemote("ClientConfig.Server", c.Server); err != nil {
		return nil, err
	}
	nc := c.nlkitConfig(c.PortID, nil, false)
	// A truncated reply is skipped whatever the buffer's size, so a larger buffer would only be memory that
	// any process sending to the client could make it hold.
	nc.FixedReceiveBuffer = true
	conn, err := nlkit.Dial(c.unit(), nc)
	if err != nil {
		return nil, err
	}
	return newClient(conn, c.Server, c.Timeout), nil
}

// newClient makes a Client on any Conn (a test's fake): its sends go through conn.SendRawContext.
func newClient(conn *nlkit.Conn, server uint32, timeout time.Duration) *Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{conn: conn, server: server, timeout: timeout, pending: map[uint32]*waiter{}}
}

// PortID is the client's own portid.
func (c *Client) PortID() uint32 { return c.conn.PortID() }

// Conn is the client's connection.
func (c *Client) Conn() *nlkit.Conn { return c.conn }

// sendRequest sends m to the server, waiting for room in its receive queue until ctx is done.
func (c *Client) sendRequest(ctx context.Context, m proto.Message) error {
	bp, _ := c.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	m.Header.PortID = c.conn.PortID()
	*bp = m.AppendTo((*bp)[:0])
	err := c.conn.SendRawContext(ctx, nlkit.Sockaddr{PortID: c.server}, *bp)
	if cap(*bp) <= maxKeptAnswer {
		c.bufs.Put(bp)
	}
	return err
}

// Close releases the socket; pending requests fail with nlkit.ErrClosed.
func (c *Client) Close() error { return c.conn.Close() }

// Request sends payload to the server as a message of type typ (0: DefaultRequestType) with NLM_F_REQUEST and
// waits for the reply carrying the same sequence number from the server's portid (the sender address of the
// datagram, not nlmsg_pid, which a server following the kernel's conventions sets to the client's portid). A
// server that is not there gives a *nlkit.NoPeerError; an NLMSG_ERROR reply gives a *proto.Error; no answer in
// time gives context.DeadlineExceeded. Every phase honours ctx (or the Client's Timeout when ctx has no
// deadline): the send waits for room in a full server's queue only that long, then the wait for the reply.
func (c *Client) Request(ctx context.Context, typ uint16, payload []byte) (Reply, error) {
	if typ == 0 {
		typ = DefaultRequestType
	}
	seq := c.conn.NextSequence()
	m := proto.Message{Header: proto.Header{Type: typ, Flags: proto.FlagRequest, Sequence: seq}, Data: payload}
	c.mu.Lock()
	if c.readErr != nil {
		err := c.readErr
		c.mu.Unlock()
		return Reply{}, err
	}
	if c.reader == readNone {
		c.reader = readDirect
		c.mu.Unlock()
		return c.requestDirect(ctx, m)
	}
	w := c.getWaiter()
	c.pending[seq] = w
	c.mu.Unlock()
	return c.requestWaiting(ctx, m, w)
}

// requestDirect sends m and reads the socket until its reply comes, delivering any other request's reply it
// receives on the way. The caller holds the reader role (readDirect); it is handed on before returning.
func (c *Client) requestDirect(ctx context.Context, m proto.Message) (Reply, error) {
	rctx := ctx
	var solo *soloTimeout
	if _, ok := ctx.Deadline(); !ok {
		if ctx.Done() == nil {
			// The common case (context.Background): a reused timeout context, so nothing is allocated and the
			// Conn keeps one cancellation watch across requests.
			solo = c.startSolo()
			rctx = solo.ctx
		} else {
			var cancel context.CancelFunc
			rctx, cancel = context.WithTimeout(ctx, c.timeout)
			defer cancel()
		}
	}
	r, fatal := c.readOwn(rctx, m)
	if solo != nil {
		if !solo.timer.Stop() {
			// The timer fired (or is firing): this timeout context is spent.
			c.solo = nil
		}
		if r.err != nil && r.err == solo.ctx.Err() {
			r.err = context.DeadlineExceeded
		}
	}
	if fatal != nil {
		return Reply{}, c.fail(fatal)
	}
	c.handOver()
	return r.reply, r.err
}

// readOwn sends m and receives until the reply to m arrives or ctx is done; either ends up in r. A receive
// error that ends the Client is returned as fatal.
func (c *Client) readOwn(ctx context.Context, m proto.Message) (r result, fatal error) {
	seq := m.Header.Sequence
	if err := c.sendRequest(ctx, m); err != nil {
		return result{err: err}, nil
	}
	for {
		d, err := c.conn.ReceiveDatagram(ctx)
		if err != nil {
			var te *nlkit.TruncatedError
			switch {
			case errors.As(err, &te):
				continue
			case err == ctx.Err():
				return result{err: err}, nil
			}
			return result{}, err
		}
		if d.From.Addr.PortID != c.server {
			continue
		}
		found := false
		it := d.Messages()
		for it.Next() {
			msg := it.Message()
			if msg.Header.Sequence == seq && !found {
				r, found = makeResult(msg, d.From), true
				continue
			}
			c.deliver(msg, d.From)
		}
		if found {
			return r, nil
		}
	}
}

// requestWaiting sends m and waits for another reader to deliver its reply to w.
func (c *Client) requestWaiting(ctx context.Context, m proto.Message, w *waiter) (Reply, error) {
	// While w is registered the reader role stays taken: it is only given up with no request waiting.
	seq := m.Header.Sequence
	sctx := ctx
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		sctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	if err := c.sendRequest(sctx, m); err != nil {
		if r, ok := c.withdraw(seq, w); ok {
			return r.reply, r.err
		}
		if err == sctx.Err() && ctx.Err() == nil {
			err = context.DeadlineExceeded
		}
		return Reply{}, err
	}
	var timeout <-chan time.Time
	if _, ok := ctx.Deadline(); !ok {
		w.timer.Reset(c.timeout)
		timeout = w.timer.C
	}
	var err error
	select {
	case r := <-w.ch:
		w.timer.Stop()
		c.waiters.Put(w)
		return r.reply, r.err
	case <-ctx.Done():
		err = ctx.Err()
	case <-timeout:
		err = context.DeadlineExceeded
	}
	w.timer.Stop()
	if r, ok := c.withdraw(seq, w); ok {
		return r.reply, r.err
	}
	return Reply{}, err
}

// withdraw removes a waiting request. If its result was delivered meanwhile, it is returned with true.
func (c *Client) withdraw(seq uint32, w *waiter) (result, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending[seq] == w {
		delete(c.pending, seq)
		c.waiters.Put(w)
		return result{}, false
	}
	r := <-w.ch
	c.waiters.Put(w)
	return r, true
}

func (c *Client) getWaiter() *waiter {
	if w, ok := c.waiters.Get().(*waiter); ok {
		return w
	}
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &waiter{ch: make(chan result, 1), timer: t}
}

// startSolo returns the direct reader's timeout context with its timer started.
func (c *Client) startSolo() *soloTimeout {
	s := c.solo
	if s == nil || s.ctx.Err() != nil {
		ctx, cancel := context.WithCancel(context.Background())
		s = &soloTimeout{ctx: ctx, cancel: cancel, timer: time.AfterFunc(c.timeout, cancel)}
		c.solo = s
		return s
	}
	s.timer.Reset(c.timeout)
	return s
}

// handOver gives up the direct reader role: to the reader goroutine if requests are waiting, else to nobody.
func (c *Client) handOver() {
	c.mu.Lock()
	if len(c.pending) > 0 {
		c.reader = readLoop
		go c.readLoop()
	} else {
		c.reader = readNone
	}
	c.mu.Unlock()
}

// fail ends the client after a receive error: every waiting request and every later one gets err.
func (c *Client) fail(err error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.readErr == nil {
		c.readErr = err
	}
	for seq, w := range c.pending {
		w.ch <- result{err: c.readErr}
		delete(c.pending, seq)
	}
	c.reader = readNone
	return c.readErr
}

// deliver hands a reply to the request waiting for its sequence number, if any.
func (c *Client) deliver(m proto.Message, from nlkit.Sender) {
	c.mu.Lock()
	c.deliverLocked(m, from)
	c.mu.Unlock()
}

func (c *Client) deliverLocked(m proto.Message, from nlkit.Sender) {
	w := c.pending[m.Header.Sequence]
	if w == nil {
		return
	}
	delete(c.pending, m.Header.Sequence)
	w.ch <- makeResult(m, from)
}

// makeResult copies a reply out of the receive buffer and turns an NLMSG_ERROR into its error.
func makeResult(m proto.Message, from nlkit.Sender) result {
	m.Data = slices.Clone(m.Data)
	r := result{reply: Reply{Message: m, From: from}}
	if m.Header.Type == proto.TypeError {
		ack, err := proto.ParseAck(m)
		if err == nil {
			err = ack.Err()
		}
		r.err = err
	}
	return r
}

// readLoop delivers each reply to the request waiting for its sequence number, until no request is waiting.
func (c *Client) readLoop() {
	for {
		d, err := c.conn.ReceiveDatagram(context.Background())
		if err != nil {
			var te *nlkit.TruncatedError
			if errors.As(err, &te) {
				continue
			}
			c.fail(err)
			return
		}
		c.mu.Lock()
		if d.From.Addr.PortID == c.server {
			it := d.Messages()
			for it.Next() {
				c.deliverLocked(it.Message(), d.From)
			}
		}
		if len(c.pending) == 0 {
			c.reader = readNone
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
	}
}
