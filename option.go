package nlkit

import "errors"

// Option is a netlink socket option (level SOL_NETLINK) that SetOption turns on or off on an open Conn.
type Option int

// The options SetOption knows.
const (
	// OptExtAck is NETLINK_EXT_ACK: errors carry the kernel's message.
	OptExtAck Option = iota + 1
	// OptStrictCheck is NETLINK_GET_STRICT_CHK (NETLINK_ROUTE): dump requests are validated and filtered.
	OptStrictCheck
	// OptCapAck is NETLINK_CAP_ACK: errors do not echo the request payload.
	OptCapAck
	// OptNoENOBUFS is NETLINK_NO_ENOBUFS: overruns are not reported.
	OptNoENOBUFS
	// OptListenAllNSID is NETLINK_LISTEN_ALL_NSID: multicasts from every namespace with an nsid arrive.
	OptListenAllNSID
	// OptBroadcastError is NETLINK_BROADCAST_ERROR.
	OptBroadcastError
	// OptPacketInfo is NETLINK_PKTINFO: the group of each multicast datagram is reported.
	OptPacketInfo
)

// optionSetter is implemented by transports with a real socket.
type optionSetter interface {
	setOption(o Option, on bool) error
	setSendBuffer(bytes int) error
}

var errNoSocket = errors.New("the transport has no socket options")

// SetOption turns a socket option on or off on an open Conn, as setsockopt(SOL_NETLINK) does.
func (c *Conn) SetOption(o Option, on bool) error {
	s, ok := c.t.(optionSetter)
	if !ok {
		return &OpError{Op: "set option", Unit: c.unit, Err: errNoSocket}
	}
	if on && (o == OptListenAllNSID || o == OptPacketInfo) {
		c.recvMu.Lock()
		if c.oob == nil {
			c.oob = make([]byte, 128)
		}
		c.recvMu.Unlock()
	}
	if err := s.setOption(o, on); err != nil {
		return &OpError{Op: "set option", Unit: c.unit, Err: err}
	}
	return nil
}

// SetSendBuffer sets SO_SNDBUF (libnetlink sets 32 KiB).
func (c *Conn) SetSendBuffer(bytes int) error {
	s, ok := c.t.(optionSetter)
	if !ok {
		return &OpError{Op: "set SO_SNDBUF", Unit: c.unit, Err: errNoSocket}
	}
	if err := s.setSendBuffer(bytes); err != nil {
		return &OpError{Op: "set SO_SNDBUF", Unit: c.unit, Err: err}
	}
	return nil
}
