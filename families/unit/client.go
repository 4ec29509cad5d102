package unit

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

// DefaultTimeout bounds a request whose context has no deadline.
const DefaultTimeout = 5 * time.Second

// DefaultRequestType is the nlmsg_type a Client uses when the caller gives none (NLMSG_MIN_TYPE).
const DefaultRequestType = proto.TypeMin

// ClientConfig configures a Client.
type ClientConfig struct {
	Config
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

// Client sends requests to one server portid. It is safe for concurrent use: replies are matched to requests by
// nlmsg_seq, so each caller gets its own reply.
type Client struct {
	conn    *nlkit.Conn
	server  uint32
	timeout time.Duration

	mu      sync.Mutex
	pending map[uint32]chan result
	reading bool
	readErr error
}

// DialClient opens a client for the server at portid server.
func DialClient(server uint32, cfg *ClientConfig) (*Client, error) {
	var c ClientConfig
	if cfg != nil {
		c = *cfg
	}
	conn, err := c.dial(c.PortID, nil, false)
	if err != nil {
		return nil, err
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	return &Client{conn: conn, server: server, timeout: c.Timeout, pending: map[uint32]chan result{}}, nil
}

// PortID is the client's own portid.
func (c *Client) PortID() uint32 { return c.conn.PortID() }

// Conn is the client's connection.
func (c *Client) Conn() *nlkit.Conn { return c.conn }

// Close releases the socket; pending requests fail with nlkit.ErrClosed.
func (c *Client) Close() error { return c.conn.Close() }

// Request sends payload to the server as a message of type typ (0: DefaultRequestType) with NLM_F_REQUEST and
// waits for the reply carrying the same sequence number from the server's portid. A server that is not there
// gives a *nlkit.NoPeerError; an NLMSG_ERROR reply gives a *proto.Error; no answer in time gives
// context.DeadlineExceeded.
func (c *Client) Request(ctx context.Context, typ uint16, payload []byte) (Reply, error) {
	if typ == 0 {
		typ = DefaultRequestType
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	seq := c.conn.NextSequence()
	ch := make(chan result, 1)
	c.mu.Lock()
	if c.readErr != nil {
		err := c.readErr
		c.mu.Unlock()
		return Reply{}, err
	}
	c.pending[seq] = ch
	if !c.reading {
		c.reading = true
		go c.readLoop()
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, seq)
		c.mu.Unlock()
	}()
	m := proto.Message{Header: proto.Header{Type: typ, Flags: proto.FlagRequest, Sequence: seq}, Data: payload}
	if err := c.conn.SendTo(nlkit.Addr{PortID: c.server}, m); err != nil {
		return Reply{}, err
	}
	select {
	case r := <-ch:
		return r.reply, r.err
	case <-ctx.Done():
		return Reply{}, ctx.Err()
	}
}

// readLoop delivers each reply to the request waiting for its sequence number.
func (c *Client) readLoop() {
	for {
		msgs, from, err := c.conn.Receive(context.Background())
		if err != nil {
			var re *nlkit.ReceiveError
			var te *nlkit.TruncatedError
			if errors.As(err, &re) || errors.As(err, &te) {
				continue
			}
			c.mu.Lock()
			c.readErr = err
			for seq, ch := range c.pending {
				ch <- result{err: err}
				delete(c.pending, seq)
			}
			c.reading = false
			c.mu.Unlock()
			return
		}
		if from.Addr.PortID != c.server {
			continue
		}
		for _, m := range msgs {
			c.mu.Lock()
			ch := c.pending[m.Header.Sequence]
			delete(c.pending, m.Header.Sequence)
			c.mu.Unlock()
			if ch == nil {
				continue
			}
			r := result{reply: Reply{Message: m, From: from}}
			if m.Header.Type == proto.TypeError {
				ack, err := proto.ParseAck(m)
				if err == nil {
					err = ack.Err()
				}
				r.err = err
			}
			ch <- r
		}
	}
}
