package unit

import (
	"context"
	"slices"
	"sync/atomic"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

// Publisher multicasts messages to groups of a unit.
type Publisher struct {
	conn *nlkit.Conn
}

// DialPublisher opens a socket for publishing (cfg nil: NETLINK_USERSOCK, a kernel-assigned portid).
func DialPublisher(cfg *Config) (*Publisher, error) {
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

// Publish multicasts one message of type typ (0: DefaultRequestType) to group g (1-32). On NETLINK_USERSOCK any
// process may send to a group (the kernel sets NL_CFG_F_NONROOT_SEND on that unit); on units without it, a
// sender without CAP_NET_ADMIN gets a *nlkit.GroupPermissionError. Since anyone may publish, subscribers that
// act on what they receive should check who sent it (SubscriberConfig.AllowUIDs).
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

// Subscriber receives the multicasts of groups, with each sender's credentials (SO_PASSCRED).
type Subscriber struct {
	conn    *nlkit.Conn
	uids    []uint32
	gids    []uint32
	refused atomic.Uint64
}

// SubscriberConfig configures a Subscriber: the groups it joins, the senders it admits, and its socket.
type SubscriberConfig struct {
	Config
	// Groups are the multicast groups to join, at least one (any group number from 1, including those above 32:
	// joining needs CAP_NET_ADMIN, or a user namespace that owns the network namespace).
	Groups []uint32
	// AllowUIDs and AllowGIDs, when either is non-empty, admit only datagrams whose sender's SCM_CREDENTIALS
	// uid is in AllowUIDs or gid in AllowGIDs (the kernel, which sends as uid 0, is admitted only by uid 0);
	// Receive skips the others and counts them (Refused). Any process may send to a NETLINK_USERSOCK group, so
	// this is how a subscriber trusts a message.
	AllowUIDs []uint32
	AllowGIDs []uint32
}

// DialSubscriber joins cfg.Groups and receives their multicasts with each sender's credentials (SO_PASSCRED),
// admitting only the senders cfg allows (all of them when AllowUIDs and AllowGIDs are empty). A nil cfg, no
// Groups, or a group 0 gives a *ConfigError; a group the caller may not join, a *nlkit.GroupPermissionError.
func DialSubscriber(cfg *SubscriberConfig) (*Subscriber, error) {
	var c SubscriberConfig
	if cfg != nil {
		c = *cfg
	}
	if err := checkGroups("SubscriberConfig.Groups", c.Groups); err != nil {
		return nil, err
	}
	conn, err := c.dial(c.PortID, slices.Clone(c.Groups), true)
	if err != nil {
		return nil, err
	}
	return &Subscriber{conn: conn, uids: slices.Clone(c.AllowUIDs), gids: slices.Clone(c.AllowGIDs)}, nil
}

// Refused counts the datagrams Receive skipped because their sender is not allowed.
func (s *Subscriber) Refused() uint64 { return s.refused.Load() }

// Conn is the subscriber's connection.
func (s *Subscriber) Conn() *nlkit.Conn { return s.conn }

// Close releases the socket and unblocks Receive.
func (s *Subscriber) Close() error { return s.conn.Close() }

// Receive waits for the next multicast datagram from an allowed sender; Event.From carries the sender's
// portid and credentials. Unicasts to the subscriber's portid are delivered too, with Group 0. Overruns (the
// subscriber fell behind and the kernel dropped messages) return an error wrapping ENOBUFS; the Subscriber
// stays usable.
func (s *Subscriber) Receive(ctx context.Context) (Event, error) {
	for {
		msgs, from, err := s.conn.Receive(ctx)
		if err != nil {
			return Event{From: from, Messages: msgs}, err
		}
		if !credAllowed(s.uids, s.gids, from) {
			s.refused.Add(1)
			continue
		}
		return Event{Group: from.Group, From: from, Messages: msgs}, nil
	}
}
