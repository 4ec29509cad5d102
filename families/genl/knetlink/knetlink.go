// Package knetlink is the Go side of the example kernel module examples/knetlink: the constants of its wire
// contract (knetlink.h) and a typed client for its Generic Netlink family, KNETLINK.
//
// The module offers the seed tutorial's kernel echo twice. On its own netlink unit, 17, every message sent to
// portid 0 comes back to the sender byte for byte (nlmsg_pid set to 0), and a message of type MsgBroadcast is
// also multicast to group 1 of the unit. Through Generic Netlink, the command KNETLINK_C_ECHO answers with the
// KNETLINK_A_MSG it was given and publishes it to the family's "events" group; Client does that.
//
// The values here mirror examples/knetlink/knetlink.h; keep the two in step.
package knetlink

import (
	"context"
	"errors"
	"fmt"

	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/proto"
)

// The module's own netlink unit (knetlink.h).
const (
	// KNETLINK_UNIT: the netlink protocol number the module registers with netlink_kernel_create.
	Unit = 17
	// KNETLINK_GROUP: the multicast group of unit 17 that MsgBroadcast messages go to.
	Group = 1
	// KNETLINK_MSG_ECHO: a message type that is only echoed (any type but MsgBroadcast is).
	MsgEcho uint16 = 0x10
	// KNETLINK_MSG_BROADCAST: a message type the module multicasts to Group, then echoes to the sender.
	MsgBroadcast uint16 = 0x11
)

// The module's Generic Netlink family (knetlink.h).
const (
	// KNETLINK_GENL_NAME.
	FamilyName = "KNETLINK"
	// KNETLINK_GENL_VERSION.
	FamilyVersion = 1
	// KNETLINK_GENL_MCGRP: the group KNETLINK_C_ECHO publishes to.
	GroupEvents = "events"
	// KNETLINK_C_ECHO: request and reply carry KNETLINK_A_MSG.
	CmdEcho uint8 = 1
	// KNETLINK_A_MSG: NLA_BINARY, opaque bytes echoed verbatim.
	AttrMsg uint16 = 1
)

// ErrNotLoaded matches the error New and Dial give when the KNETLINK family is not registered, that is when
// knetlink.ko is not loaded. The error also matches *genl.FamilyNotFoundError and syscall.ENOENT; it reads
// `genl: family "KNETLINK" is not registered in this kernel: load knetlink.ko`.
var ErrNotLoaded = errors.New("load knetlink.ko")

// Client talks to the KNETLINK family over a genl.Conn.
type Client struct {
	c      *genl.Conn
	family genl.Family
	own    bool
}

// Config chooses how Dial sets up the client's NETLINK_GENERIC socket: the namespace, buffers and Tap of
// genl.Config. The zero value (or nil) is genl.Dial's defaults.
type Config struct {
	genl.Config
}

// Dial opens a NETLINK_GENERIC socket as cfg says (nil for the defaults) and resolves the KNETLINK family on it
// (CTRL_CMD_GETFAMILY), a request that waits no longer than ctx allows. Unlike the other Dials of nlkit it
// takes a context, first as Go's convention has it, because it asks the kernel something before it returns.
// When the module is not loaded the error matches ErrNotLoaded.
func Dial(ctx context.Context, cfg *Config) (*Client, error) {
	var gc *genl.Config
	if cfg != nil {
		gc = &cfg.Config
	}
	c, err := genl.Dial(gc)
	if err != nil {
		return nil, err
	}
	k, err := New(ctx, c)
	if err != nil {
		c.Close()
		return nil, err
	}
	k.own = true
	return k, nil
}

// New resolves the KNETLINK family on c (CTRL_CMD_GETFAMILY). Close does not close c.
func New(ctx context.Context, c *genl.Conn) (*Client, error) {
	f, err := c.Family(ctx, FamilyName)
	var nf *genl.FamilyNotFoundError
	if errors.As(err, &nf) {
		return nil, fmt.Errorf("%w: %w", err, ErrNotLoaded)
	}
	if err != nil {
		return nil, err
	}
	return &Client{c: c, family: f}, nil
}

// Family is the KNETLINK family as the kernel described it.
func (k *Client) Family() genl.Family { return k.family }

// Conn is the genl connection the client uses.
func (k *Client) Conn() *genl.Conn { return k.c }

// Close closes the connection if Dial opened it.
func (k *Client) Close() error {
	if k.own {
		return k.c.Close()
	}
	return nil
}

// AppendEcho appends the attributes of a KNETLINK_C_ECHO request (KNETLINK_A_MSG) carrying msg.
func AppendEcho(b []byte, msg []byte) []byte {
	ae := proto.NewAttrEncoder(b)
	ae.Raw(AttrMsg, msg)
	return ae.Bytes()
}

// EchoError reports a well-formed message that is not a KNETLINK_C_ECHO with KNETLINK_A_MSG.
type EchoError struct {
	// Command is the genlmsghdr cmd found.
	Command uint8
	// MissingMsg is true when the command was right but KNETLINK_A_MSG was absent.
	MissingMsg bool
}

func (e *EchoError) Error() string {
	if e.MissingMsg {
		return "knetlink: KNETLINK_C_ECHO without KNETLINK_A_MSG"
	}
	return fmt.Sprintf("knetlink: command %d is not KNETLINK_C_ECHO", e.Command)
}

// ParseEcho returns the KNETLINK_A_MSG payload of a KNETLINK_C_ECHO reply or event (aliasing m.Data).
// A message of another command, or without the attribute, is an *EchoError; malformed attributes are a
// *proto.AttrError.
func ParseEcho(m genl.Message) ([]byte, error) {
	if m.Header.Command != CmdEcho {
		return nil, &EchoError{Command: m.Header.Command}
	}
	var msg []byte
	found := false
	ad := m.Attrs()
	for ad.Next() {
		if ad.Type() == AttrMsg {
			msg, found = ad.Bytes(), true
		}
	}
	if err := ad.Err(); err != nil {
		return nil, err
	}
	if !found {
		return nil, &EchoError{Command: m.Header.Command, MissingMsg: true}
	}
	return msg, nil
}

// Echo sends msg with KNETLINK_C_ECHO and returns the KNETLINK_A_MSG of the reply: the same bytes, if the
// module works. The module also publishes msg to the "events" group.
func (k *Client) Echo(ctx context.Context, msg []byte) ([]byte, error) {
	replies, err := k.c.Request(ctx, k.family.ID, CmdEcho, FamilyVersion, AppendEcho(nil, msg))
	if err != nil {
		return nil, err
	}
	for _, r := range replies {
		if r.Netlink.Type == k.family.ID {
			return ParseEcho(r)
		}
	}
	return nil, fmt.Errorf("knetlink: KNETLINK_C_ECHO: no reply among %d messages", len(replies))
}

// Subscribe joins the "events" group, after which Receive returns what any KNETLINK_C_ECHO publishes.
// A Client that receives events should not make requests: give requests a Client of their own.
func (k *Client) Subscribe() (genl.Group, error) {
	g, ok := k.family.Group(GroupEvents)
	if !ok {
		return g, &genl.GroupNotFoundError{Family: FamilyName, Group: GroupEvents}
	}
	return g, k.c.Conn().JoinGroup(g.ID)
}

// Receive waits for the next "events" message and returns its KNETLINK_A_MSG (a copy). Messages of other
// families (events of other groups the connection joined) are skipped. The kernel sends each event in a
// datagram of its own; should a datagram hold several, the first is returned.
func (k *Client) Receive(ctx context.Context) ([]byte, error) {
	for {
		msgs, _, err := k.c.Receive(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Netlink.Type == k.family.ID {
				return ParseEcho(m)
			}
		}
	}
}
