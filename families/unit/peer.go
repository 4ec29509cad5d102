package unit

import (
	"context"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

// Peer exchanges messages with one other socket on a fixed portid: the seed's peer-to-peer exercise, where both
// sides know each other's addresses in advance.
type Peer struct {
	conn   *nlkit.Conn
	remote uint32
	// queue holds the rest of a datagram that carried several messages, with its sender.
	queue []proto.Message
	from  nlkit.Sender
}

// PeerConfig configures a Peer: the two portids, its own (Config.PortID; 0 lets the kernel choose) and the
// other side's (Remote).
type PeerConfig struct {
	Config
	// Remote is the other peer's portid, the only one the Peer sends to and receives from. It is required on
	// NETLINK_USERSOCK; 0 is the kernel's socket, which only a kernel module's unit has.
	Remote uint32
}

// DialPeer binds cfg.PortID and talks to cfg.Remote. A nil cfg, or a zero Remote on NETLINK_USERSOCK, gives a
// *ConfigError.
func DialPeer(cfg *PeerConfig) (*Peer, error) {
	var c PeerConfig
	if cfg != nil {
		c = *cfg
	}
	if err := c.checkRemote("PeerConfig.Remote", c.Remote); err != nil {
		return nil, err
	}
	conn, err := c.dial(c.PortID, nil, true)
	if err != nil {
		return nil, err
	}
	return &Peer{conn: conn, remote: c.Remote}, nil
}

// PortID is the local portid.
func (p *Peer) PortID() uint32 { return p.conn.PortID() }

// Conn is the peer's connection.
func (p *Peer) Conn() *nlkit.Conn { return p.conn }

// Close releases the socket.
func (p *Peer) Close() error { return p.conn.Close() }

// Send sends one message of type typ (0: DefaultRequestType) with sequence seq to the remote peer.
func (p *Peer) Send(typ uint16, seq uint32, payload []byte) error {
	if typ == 0 {
		typ = DefaultRequestType
	}
	return p.conn.SendTo(nlkit.Sockaddr{PortID: p.remote},
		proto.Message{Header: proto.Header{Type: typ, Sequence: seq}, Data: payload})
}

// Receive returns the next message from the remote peer: a datagram that carries several messages gives them
// one call at a time, in order. Datagrams from any other portid are skipped (their senders are not the peer this
// was set up for). Receive is not safe for concurrent use.
func (p *Peer) Receive(ctx context.Context) (proto.Message, nlkit.Sender, error) {
	for len(p.queue) == 0 {
		msgs, from, err := p.conn.Receive(ctx)
		if err != nil {
			return proto.Message{}, from, err
		}
		if from.Addr.PortID != p.remote {
			continue
		}
		p.queue, p.from = msgs, from
	}
	m := p.queue[0]
	p.queue = p.queue[1:]
	return m, p.from, nil
}
