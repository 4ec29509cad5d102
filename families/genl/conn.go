package genl

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"syscall"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

// Conn is a NETLINK_GENERIC connection. It is safe for concurrent use as nlkit.Conn is: requests are serialized,
// and one that waits for another waits no longer than its context allows (then a *nlkit.BusyError); a
// goroutine that waits for multicasts (Receive) should have a Conn of its own. A Conn is one socket: a request
// made from inside its own Dump loop body (Families, say, inside a Dump) fails at once with a *nlkit.BusyError
// whose Nested is set, since the dump holds the socket until its loop ends. Collect the dump first, or dial a
// second Conn.
type Conn struct {
	nc *nlkit.Conn
}

// Config chooses how Dial sets up a NETLINK_GENERIC socket. The zero value (or nil) is a socket in the calling
// thread's network namespace, with a kernel-assigned portid and extended acks (NETLINK_EXT_ACK) on. Groups are
// joined by name after Dial (Conn.JoinGroup), since a family's group ids are assigned when it registers.
type Config struct {
	// NetNS is a file descriptor of the network namespace to work in (an nsfs file such as /run/netns/NAME or
	// netns.NsHandle.Fd()); 0 is the calling thread's namespace. The socket stays in that namespace for its life.
	NetNS int
	// ReceiveBuffer is the user-space buffer for one datagram (0: nlkit.DefaultReceiveBuffer, 32 KiB, which
	// holds any dump datagram the kernel builds).
	ReceiveBuffer int
	// SocketReceiveBuffer sets SO_RCVBUF(FORCE); 0 keeps the kernel default. A Conn that receives a busy group's
	// events may need more, or it loses some (Receive then reports ENOBUFS).
	SocketReceiveBuffer int
	// NoENOBUFS turns on NETLINK_NO_ENOBUFS: events lost because the socket's queue was full are not reported.
	NoENOBUFS bool
	// Tap sees every datagram sent and received (see nlkit.Tap).
	Tap nlkit.Tap
}

// Dial opens a NETLINK_GENERIC socket as cfg says (nil for the defaults).
func Dial(cfg *Config) (*Conn, error) {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	nc, err := nlkit.Dial(nlkit.UnitGeneric, &nlkit.Config{
		NetNS:               c.NetNS,
		ReceiveBuffer:       c.ReceiveBuffer,
		SocketReceiveBuffer: c.SocketReceiveBuffer,
		NoENOBUFS:           c.NoENOBUFS,
		Tap:                 c.Tap,
	})
	if err != nil {
		return nil, err
	}
	return &Conn{nc: nc}, nil
}

// New wraps an open NETLINK_GENERIC connection, such as one from nltest.Dial(nlkit.UnitGeneric, ...).
func New(nc *nlkit.Conn) *Conn { return &Conn{nc: nc} }

// Conn returns the underlying connection.
func (c *Conn) Conn() *nlkit.Conn { return c.nc }

// Close closes the socket.
func (c *Conn) Close() error { return c.nc.Close() }

// FamilyNotFoundError reports that no family of that name (or id) is registered: CTRL_CMD_GETFAMILY gave
// ENOENT. errors.Is(err, syscall.ENOENT) matches.
type FamilyNotFoundError struct {
	// Name is the name asked for; empty when the lookup was by ID.
	Name string
	// ID is the id asked for, when the lookup was by ID.
	ID uint16
	// Err is the kernel's error.
	Err error
}

// Error names the family.
func (e *FamilyNotFoundError) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("genl: family %q is not registered in this kernel", e.Name)
	}
	return fmt.Sprintf("genl: no family has id 0x%x", e.ID)
}

// Unwrap returns the kernel's error.
func (e *FamilyNotFoundError) Unwrap() error { return e.Err }

// GroupNotFoundError reports that a family has no multicast group of that name.
// errors.Is(err, syscall.ENOENT) matches.
type GroupNotFoundError struct {
	// Family and Group are the names asked for.
	Family, Group string
	// Groups are the names the family does have.
	Groups []string
}

// Error names the family, the group, and the groups the family has.
func (e *GroupNotFoundError) Error() string {
	return fmt.Sprintf("genl: family %q has no multicast group %q (groups: %q)", e.Family, e.Group, e.Groups)
}

// Unwrap returns ENOENT.
func (e *GroupNotFoundError) Unwrap() error { return syscall.ENOENT }

// Family looks up a family by name (CTRL_CMD_GETFAMILY with CTRL_ATTR_FAMILY_NAME). An unregistered name gives
// a *FamilyNotFoundError. The kernel may load a module that provides the family (MODULE_ALIAS_GENL_FAMILY)
// before answering.
func (c *Conn) Family(ctx context.Context, name string) (Family, error) {
	ae := proto.NewAttrEncoder(nil)
	ae.String(CtrlAttrFamilyName, name)
	f, err := c.getFamily(ctx, ae.Bytes())
	if errors.Is(err, syscall.ENOENT) {
		return f, &FamilyNotFoundError{Name: name, Err: err}
	}
	return f, err
}

// FamilyByID looks up a family by id (CTRL_CMD_GETFAMILY with CTRL_ATTR_FAMILY_ID).
func (c *Conn) FamilyByID(ctx context.Context, id uint16) (Family, error) {
	ae := proto.NewAttrEncoder(nil)
	ae.Uint16(CtrlAttrFamilyID, id)
	f, err := c.getFamily(ctx, ae.Bytes())
	if errors.Is(err, syscall.ENOENT) {
		return f, &FamilyNotFoundError{ID: id, Err: err}
	}
	return f, err
}

func (c *Conn) getFamily(ctx context.Context, attrs []byte) (Family, error) {
	msgs, err := c.Request(ctx, IDCtrl, CtrlCmdGetFamily, CtrlVersion, attrs)
	if err != nil {
		return Family{}, err
	}
	for _, m := range msgs {
		if m.Header.Command == CtrlCmdNewFamily {
			var f Family
			if err := f.decode(m.Data); err != nil {
				return f, fmt.Errorf("genl: CTRL_CMD_NEWFAMILY: %w", err)
			}
			return f, nil
		}
	}
	return Family{}, fmt.Errorf("genl: CTRL_CMD_GETFAMILY: no CTRL_CMD_NEWFAMILY in the %d replies", len(msgs))
}

// Families lists every registered family (a dump of CTRL_CMD_GETFAMILY), in id order, as `genl ctrl list` does.
func (c *Conn) Families(ctx context.Context) ([]Family, error) {
	var out []Family
	for m, err := range c.Dump(ctx, IDCtrl, CtrlCmdGetFamily, CtrlVersion, nil) {
		if err != nil {
			return out, err
		}
		if m.Header.Command != CtrlCmdNewFamily {
			continue
		}
		var f Family
		if err := f.decode(m.Data); err != nil {
			return out, fmt.Errorf("genl: CTRL_CMD_NEWFAMILY: %w", err)
		}
		out = append(out, f)
	}
	return out, nil
}

// Request sends command cmd of version to a family with attrs (encoded attributes, or the family's fixed header
// then attributes) with NLM_F_REQUEST|NLM_F_ACK, and returns the replies (the doit's answer), decoded.
// An error from the kernel is a *proto.Error with the extended-ack message.
func (c *Conn) Request(ctx context.Context, family uint16, cmd, version uint8, attrs []byte) ([]Message, error) {
	return c.Execute(ctx, Message{Header: Header{Command: cmd, Version: version}, Data: attrs}, family, 0)
}

// Execute sends m to a family with NLM_F_REQUEST|NLM_F_ACK and flags added, and returns the decoded replies
// (nlkit.Conn.Execute). The replies are copies; they stay valid.
func (c *Conn) Execute(ctx context.Context, m Message, family uint16, flags uint16) ([]Message, error) {
	msgs, err := c.nc.Execute(ctx, outgoing(m, family, flags))
	out := make([]Message, 0, len(msgs))
	for _, nm := range msgs {
		gm, perr := ParseMessage(nm)
		if perr != nil {
			return out, &nlkit.ReceiveError{Err: perr}
		}
		out = append(out, gm)
	}
	return out, err
}

// Dump sends command cmd as a dump request (NLM_F_REQUEST|NLM_F_DUMP) and streams the replies. As with
// nlkit.Conn.Dump, each message aliases the receive buffer and is valid only in the loop body; a message too short
// for struct genlmsghdr ends the loop with a *nlkit.ReceiveError, and NLM_F_DUMP_INTR ends it with a
// *nlkit.DumpInterruptedError after every message.
func (c *Conn) Dump(ctx context.Context, family uint16, cmd, version uint8, attrs []byte) iter.Seq2[Message, error] {
	m := Message{Header: Header{Command: cmd, Version: version}, Data: attrs}
	return c.DumpMessage(ctx, m, family, 0)
}

// DumpMessage is Dump with a prepared message and extra nlmsg_flags (nlkit.Conn.Dump). Stopping the loop early
// leaves the Conn usable: the core drains the rest of the dump before the next request.
func (c *Conn) DumpMessage(ctx context.Context, m Message, family uint16, flags uint16) iter.Seq2[Message, error] {
	return func(yield func(Message, error) bool) {
		for nm, err := range c.nc.Dump(ctx, outgoing(m, family, flags)) {
			if err != nil {
				yield(Message{}, err)
				return
			}
			gm, perr := ParseMessage(nm)
			if perr != nil {
				yield(Message{}, &nlkit.ReceiveError{Err: perr})
				return
			}
			if !yield(gm, nil) {
				return
			}
		}
	}
}

// outgoing builds the netlink message for m with a sequence number of the Conn's own (m.Netlink may be a received
// header): the core numbers a request whose sequence is zero.
func outgoing(m Message, family, flags uint16) proto.Message {
	nm := m.NetlinkMessage(family, flags)
	nm.Header.Sequence = 0
	return nm
}

// JoinGroup resolves the multicast group called group of family (CTRL_ATTR_MCAST_GROUPS) and joins it
// (NETLINK_ADD_MEMBERSHIP). A family without that group gives a *GroupNotFoundError, an unknown family a
// *FamilyNotFoundError.
func (c *Conn) JoinGroup(ctx context.Context, family, group string) (Group, error) {
	f, err := c.Family(ctx, family)
	if err != nil {
		return Group{}, err
	}
	g, ok := f.Group(group)
	if !ok {
		e := &GroupNotFoundError{Family: family, Group: group}
		for _, g := range f.Groups {
			e.Groups = append(e.Groups, g.Name)
		}
		return Group{}, e
	}
	return g, c.nc.JoinGroup(g.ID)
}

// LeaveGroup leaves a group joined with JoinGroup (NETLINK_DROP_MEMBERSHIP).
func (c *Conn) LeaveGroup(g Group) error { return c.nc.LeaveGroup(g.ID) }

// Receive waits for the next datagram (a multicast event, after JoinGroup) and returns its Generic Netlink
// messages, copied, and its sender; Sender.Group is the group it came on. Netlink control messages (NLMSG_NOOP,
// NLMSG_DONE, acks) are left out. A message too short for struct genlmsghdr gives a *nlkit.ReceiveError with the
// messages before it.
func (c *Conn) Receive(ctx context.Context) ([]Message, nlkit.Sender, error) {
	msgs, from, err := c.nc.Receive(ctx)
	if err != nil {
		return nil, from, err
	}
	out := make([]Message, 0, len(msgs))
	for _, m := range msgs {
		if m.Header.Type < proto.TypeMin {
			continue
		}
		gm, err := ParseMessage(m)
		if err != nil {
			return out, from, &nlkit.ReceiveError{From: from.Addr, Err: err}
		}
		out = append(out, gm)
	}
	return out, from, nil
}
