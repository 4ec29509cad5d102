package unit

import (
	"context"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

// Publisher multicasts messages to groups of a unit.
type Publisher struct {
	conn *nlkit.Conn
}

// NewPublisher opens a socket for publishing.
func NewPublisher(cfg *Config) (*Publisher, error) {
	var portid uint32
	if cfg != nil {
		portid = cfg.PortID
	}
	conn, err := cfg.dial(portid, nil, false)
	if err != nil {
		return nil, err
	}
	return &Publisher{conn: conn}, nil
}

// Conn is the publisher's connection.
func (p *Publisher) Conn() *nlkit.Conn { return p.conn }

// Close releases the socket.
func (p *Publisher) Close() error { return p.conn.Close() }

// Publish multicasts one message of type typ (0: DefaultRequestType) to group g (1-32). Sending to a group
// needs CAP_NET_ADMIN: without it the error is a *nlkit.GroupPermissionError.
func (p *Publisher) Publish(g uint32, typ uint16, payload []byte) error {
	if typ == 0 {
		typ = DefaultRequestType
	}
	return p.conn.SendGroup(g, proto.Message{Header: proto.Header{Type: typ}, Data: payload})
}

// Event is a multicast message a Subscriber received.
type Event struct {
	// Group is the group it came on.
	Group uint32
	From  nlkit.Sender
	// Messages are the datagram's messages (a publisher may batch several).
	Messages []proto.Message
}

// Subscriber receives the multicasts of groups.
type Subscriber struct {
	conn *nlkit.Conn
}

// Subscribe joins groups (any group number; joining needs CAP_NET_ADMIN on most units).
func Subscribe(groups []uint32, cfg *Config) (*Subscriber, error) {
	var portid uint32
	if cfg != nil {
		portid = cfg.PortID
	}
	conn, err := cfg.dial(portid, groups, false)
	if err != nil {
		return nil, err
	}
	return &Subscriber{conn: conn}, nil
}

// Conn is the subscriber's connection.
func (s *Subscriber) Conn() *nlkit.Conn { return s.conn }

// Close releases the socket and unblocks Receive.
func (s *Subscriber) Close() error { return s.conn.Close() }

// Receive waits for the next multicast datagram. Unicasts to the subscriber's portid are delivered too, with
// Group 0. Overruns (the subscriber fell behind and the kernel dropped messages) return an error wrapping
// ENOBUFS; the Subscriber stays usable.
func (s *Subscriber) Receive(ctx context.Context) (Event, error) {
	msgs, from, err := s.conn.Receive(ctx)
	if err != nil {
		return Event{From: from, Messages: msgs}, err
	}
	return Event{Group: from.Group, From: from, Messages: msgs}, nil
}
