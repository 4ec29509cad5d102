// Package unit is messaging between user processes over a netlink unit: client/server, peer-to-peer and
// multicast publish/subscribe, the exercises of the classic netlink tutorial, done the modern way.
//
// Everything runs on NETLINK_USERSOCK (2) by default, the unit the kernel reserves for user-space protocols;
// any registered unit number works (Config.Unit). A Server binds a portid (the process id by default, as in
// the classic tutorial) and answers each request with its handler's reply; a Client sends requests to a
// server's portid and matches replies by sequence number, so many goroutines can share one Client; a Peer
// exchanges messages between two fixed portids; Publisher and Subscriber use multicast groups.
//
// Each is opened by one call that takes a pointer to its config (Config for a Publisher; the other configs embed
// it, for the unit, the socket's own portid and namespace); nil means the defaults where there are any:
// Listen(*ServerConfig), DialClient(*ClientConfig) (ClientConfig.Server: the server's portid),
// DialPeer(*PeerConfig) (PeerConfig.Remote: the other peer's portid), DialPublisher(*Config) and
// DialSubscriber(*SubscriberConfig) (SubscriberConfig.Groups).
// A required field left out gives a *ConfigError before any socket is opened.
//
// Messages are ordinary netlink messages (struct nlmsghdr and a payload), and a Server follows the kernel's own
// conventions (netlink_rcv_skb, netlink_ack), so a program in any language with plain AF_NETLINK sockets, or
// built on libmnl or libnl-3, can talk to it: a request is a message with NLM_F_REQUEST and a type of at least
// NLMSG_MIN_TYPE sent to the server's portid; the reply carries the request's type and nlmsg_seq and, as the
// kernel's do, the requester's portid in nlmsg_pid (who sent it is the datagram's sender address); a request
// with NLM_F_ACK gets NLMSG_ERROR 0 after its reply; a failure is an NLMSG_ERROR carrying a negative errno, the
// request, and an NLMSGERR_ATTR_MSG extended-ack text.
//
// A Server never waits for a client to read: an answer to a client whose receive queue is full is dropped and
// counted (ServerStats.Dropped), as the kernel drops a reply to a full requester. Its receive buffers have a
// fixed size (ServerStats and Serve say how much), so an oversized datagram is reported, not taken in. A
// Client's Request honours its context in every phase, the send to a full server included.
//
// On NETLINK_USERSOCK, unprivileged processes may unicast and send to groups; joining a group needs
// CAP_NET_ADMIN (or a user namespace that owns the network namespace). Since anyone may send to a group, a
// Subscriber receives each sender's credentials (SO_PASSCRED) and can admit only some uids and gids
// (SubscriberConfig), as a Server can.
package unit

import "github.com/nlkit/nlkit"

// Config selects the unit and namespace of a Server, Client, Peer, Publisher or Subscriber.
type Config struct {
	// Unit is the netlink protocol number; 0 means NETLINK_USERSOCK (user messaging on NETLINK_ROUTE is not
	// supported by this package).
	Unit int
	// PortID binds the socket's own fixed nl_pid (a Client's or Peer's local portid, a Server's address); 0
	// means: the process id for a Server (as in the classic tutorial), kernel-assigned otherwise.
	PortID uint32
	// NetNS is a network namespace file descriptor; 0 is the calling thread's namespace.
	NetNS int
	// ReceiveBuffer is the user-space receive buffer (0: nlkit.DefaultUserReceiveBuffer).
	ReceiveBuffer int
	// SocketReceiveBuffer sets SO_RCVBUF (0: kernel default).
	SocketReceiveBuffer int
}

func (c *Config) unit() int {
	if c == nil || c.Unit == 0 {
		return nlkit.UnitUsersock
	}
	return c.Unit
}

func (c *Config) dial(portid uint32, groups []uint32, passCred bool) (*nlkit.Conn, error) {
	return nlkit.Dial(c.unit(), c.nlkitConfig(portid, groups, passCred))
}

// nlkitConfig is the socket configuration of c: user senders accepted (every peer on a user unit is one), no
// extended acks (a user unit's kernel side has none to give).
func (c *Config) nlkitConfig(portid uint32, groups []uint32, passCred bool) *nlkit.Config {
	var cfg Config
	if c != nil {
		cfg = *c
	}
	return &nlkit.Config{
		PortID:              portid,
		NetNS:               cfg.NetNS,
		ReceiveBuffer:       cfg.ReceiveBuffer,
		SocketReceiveBuffer: cfg.SocketReceiveBuffer,
		Groups:              groups,
		PassCred:            passCred,
		AcceptUserSenders:   true,
		DisableExtAck:       true,
	}
}
