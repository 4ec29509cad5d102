//go:build linux

package route

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// The NETNSA_* attributes of RTM_NEWNSID, RTM_GETNSID and RTM_DELNSID (include/uapi/linux/net_namespace.h).
const (
	netnsaNSID        = 1 // NETNSA_NSID
	netnsaPID         = 2 // NETNSA_PID
	netnsaFD          = 3 // NETNSA_FD
	netnsaTargetNSID  = 4 // NETNSA_TARGET_NSID
	netnsaCurrentNSID = 5 // NETNSA_CURRENT_NSID
)

// NSIDNotAssigned is NETNSA_NSID_NOT_ASSIGNED (-1): the namespace has no nsid in the asking one; in
// AssignNSID, it asks the kernel to choose one.
const NSIDNotAssigned = -1

// sizeofRtgenmsg is NLMSG_ALIGN(sizeof(struct rtgenmsg)): the header of the nsid messages.
const sizeofRtgenmsg = 4

// NSID is an nsid message (RTM_NEWNSID, RTM_DELNSID): NETNSA_NSID, the id a namespace has (in the namespace of
// the socket, or of the request's NETNSA_TARGET_NSID), and then NETNSA_CURRENT_NSID, the id the same namespace
// has in the requester's namespace (valid when HasCurrent): that maps the target's nsids to the requester's.
type NSID struct {
	// NSID is NETNSA_NSID.
	NSID int32
	// Current is NETNSA_CURRENT_NSID, valid when HasCurrent.
	Current    int32
	HasCurrent bool
}

// UnmarshalBinary decodes an RTM_NEWNSID or RTM_DELNSID payload (struct rtgenmsg and NETNSA_* attributes).
func (n *NSID) UnmarshalBinary(b []byte) error {
	*n = NSID{NSID: NSIDNotAssigned}
	if len(b) < 1 {
		return errShort("rtgenmsg", len(b), 1)
	}
	if len(b) < sizeofRtgenmsg {
		return nil
	}
	ad := proto.NewAttrDecoder(b[sizeofRtgenmsg:])
	for ad.Next() {
		switch ad.Type() {
		case netnsaNSID:
			n.NSID = ad.Int32()
		case netnsaCurrentNSID:
			n.Current, n.HasCurrent = ad.Int32(), true
		}
	}
	return ad.Err()
}

// MarshalBinary encodes n as an RTM_NEWNSID payload with NETNSA_NSID (and NETNSA_CURRENT_NSID when HasCurrent),
// the form the kernel sends; requests are built by AssignNSID and GetNSID.
func (n *NSID) MarshalBinary() ([]byte, error) {
	ae := proto.NewAttrEncoder(make([]byte, sizeofRtgenmsg, 32))
	ae.Int32(netnsaNSID, n.NSID)
	if n.HasCurrent {
		ae.Int32(netnsaCurrentNSID, n.Current)
	}
	return ae.Bytes(), nil
}

// encodeNSTarget appends the NETNSA_* attribute naming t: NETNSA_FD, NETNSA_PID or NETNSA_NSID (by nsid).
func encodeNSTarget(ae *proto.AttrEncoder, t NetNSTarget) error {
	if err := t.check(); err != nil {
		return err
	}
	switch {
	case t.FD > 0:
		ae.Uint32(netnsaFD, uint32(t.FD))
	case t.PID > 0:
		ae.Uint32(netnsaPID, uint32(t.PID))
	case t.HasNSID:
		ae.Int32(netnsaNSID, t.NSID)
	default:
		return fmt.Errorf("route: no namespace given")
	}
	return nil
}

// AssignNSID gives the namespace ns names (by FD or PID) the nsid id in the Client's namespace (RTM_NEWNSID),
// as `ip netns set NAME NSID` does; id NSIDNotAssigned lets the kernel choose. A namespace that has an nsid
// already gives EEXIST, as does an id in use.
func (c *Client) AssignNSID(ctx context.Context, ns NetNSTarget, id int32) error {
	if ns.HasNSID {
		return fmt.Errorf("route: AssignNSID: name the namespace by file or pid")
	}
	ae := proto.NewAttrEncoder(make([]byte, sizeofRtgenmsg, 32))
	if err := encodeNSTarget(ae, ns); err != nil {
		return err
	}
	ae.Int32(netnsaNSID, id)
	_, err := c.execute(ctx, unix.RTM_NEWNSID, 0, ae.Bytes(), "RTM_NEWNSID")
	return err
}

// GetNSID returns the nsid the namespace ns names (by FD or PID) has in the Client's namespace (RTM_GETNSID),
// NSIDNotAssigned when it has none. Use GetNSIDIn to ask another namespace.
func (c *Client) GetNSID(ctx context.Context, ns NetNSTarget) (int32, error) {
	n, err := c.getNSID(ctx, ns, NetNSTarget{})
	return n.NSID, err
}

// GetNSIDIn asks, in the namespace target names by nsid or file (NETNSA_TARGET_NSID; a file is resolved to its
// nsid first), for the nsid of the namespace ns names there: NSID is ns's id in target, Current its id in the
// Client's namespace (NETNSA_CURRENT_NSID).
func (c *Client) GetNSIDIn(ctx context.Context, ns, target NetNSTarget) (NSID, error) {
	return c.getNSID(ctx, ns, target)
}

func (c *Client) getNSID(ctx context.Context, ns, target NetNSTarget) (NSID, error) {
	ae := proto.NewAttrEncoder(make([]byte, sizeofRtgenmsg, 32))
	if err := encodeNSTarget(ae, ns); err != nil {
		return NSID{}, err
	}
	if !target.IsZero() {
		t, err := c.targetNSID(ctx, target)
		if err != nil {
			return NSID{}, err
		}
		ae.Int32(netnsaTargetNSID, t)
	}
	m, err := c.getOne(ctx, unix.RTM_GETNSID, ae.Bytes(), unix.RTM_NEWNSID, "RTM_GETNSID")
	if err != nil {
		return NSID{}, err
	}
	var n NSID
	if err := n.UnmarshalBinary(m.Data); err != nil {
		return NSID{}, &OpError{Op: "RTM_GETNSID", Err: err}
	}
	return n, nil
}

func (c *Client) targetNSID(ctx context.Context, t NetNSTarget) (int32, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	if t.HasNSID {
		return t.NSID, nil
	}
	id, err := c.GetNSID(ctx, t)
	if err != nil {
		return 0, err
	}
	if id == NSIDNotAssigned {
		return 0, fmt.Errorf("route: the target namespace has no nsid here")
	}
	return id, nil
}

// ListNSIDs returns the nsids assigned in the Client's namespace (an RTM_GETNSID dump), as `ip netns list-id`
// lists them. With target naming another namespace (by nsid or file), it dumps that namespace's nsids
// (NETNSA_TARGET_NSID), each with Current, the id the same namespace has in the Client's namespace.
func (c *Client) ListNSIDs(ctx context.Context, target NetNSTarget) ([]NSID, error) {
	ae := proto.NewAttrEncoder(make([]byte, sizeofRtgenmsg, 32))
	if !target.IsZero() {
		t, err := c.targetNSID(ctx, target)
		if err != nil {
			return nil, err
		}
		ae.Int32(netnsaTargetNSID, t)
	}
	var list []NSID
	var derr error
	c.dump(ctx, unix.RTM_GETNSID, ae.Bytes(), func(m proto.Message, err error) bool {
		if err != nil {
			derr = err
			return false
		}
		if m.Header.Type != unix.RTM_NEWNSID {
			return true
		}
		var n NSID
		if err := n.UnmarshalBinary(m.Data); err != nil {
			derr = decodeError("RTM_NEWNSID", err)
			return false
		}
		list = append(list, n)
		return true
	})
	if derr != nil {
		var oe *OpError
		if !errors.As(derr, &oe) {
			derr = &OpError{Op: "RTM_GETNSID dump", Err: derr}
		}
		return list, derr
	}
	return list, nil
}

// NSIDEvent is an nsid notification (RTNLGRP_NSID): an nsid assigned (RTM_NEWNSID, New true) or dropped when
// its namespace went away (RTM_DELNSID).
type NSIDEvent struct {
	New bool
	NSID
}

// String describes the event as `ip monitor nsid` does: "nsid 3 (iproute2 netns name: ...)" is left to callers
// that know the names; this prints "[add] nsid 3" or "[delete] nsid 3".
func (e NSIDEvent) String() string {
	if e.New {
		return fmt.Sprintf("[add] nsid %d", e.NSID.NSID)
	}
	return fmt.Sprintf("[delete] nsid %d", e.NSID.NSID)
}

// NSIDWatcher follows the nsid notifications of one namespace (RTNLGRP_NSID: RTM_NEWNSID, RTM_DELNSID). It is
// meant for one goroutine; Close may be called from any.
type NSIDWatcher struct {
	conn  *nlkit.Conn
	queue []NSIDEvent
}

// WatchNSIDs opens a socket in the namespace of netNS (0: the calling thread's) joined to RTNLGRP_NSID.
func WatchNSIDs(netNS int) (*NSIDWatcher, error) {
	conn, err := nlkit.Dial(unix.NETLINK_ROUTE, &nlkit.Config{Groups: []uint32{unix.RTNLGRP_NSID}, NetNS: netNS})
	if err != nil {
		return nil, err
	}
	return &NSIDWatcher{conn: conn}, nil
}

// Next returns the next nsid event, waiting for it until ctx is done.
func (w *NSIDWatcher) Next(ctx context.Context) (NSIDEvent, error) {
	for len(w.queue) == 0 {
		msgs, _, err := w.conn.Receive(ctx)
		if err != nil {
			return NSIDEvent{}, err
		}
		for _, m := range msgs {
			ev, ok, err := DecodeNSIDEvent(m)
			if err != nil {
				return NSIDEvent{}, err
			}
			if ok {
				w.queue = append(w.queue, ev)
			}
		}
	}
	ev := w.queue[0]
	w.queue = w.queue[1:]
	return ev, nil
}

// Close closes the watcher's socket.
func (w *NSIDWatcher) Close() error { return w.conn.Close() }

// DecodeNSIDEvent decodes an RTM_NEWNSID or RTM_DELNSID message; ok is false for other message types.
func DecodeNSIDEvent(m proto.Message) (ev NSIDEvent, ok bool, err error) {
	switch m.Header.Type {
	case unix.RTM_NEWNSID, unix.RTM_DELNSID:
	default:
		return NSIDEvent{}, false, nil
	}
	ev.New = m.Header.Type == unix.RTM_NEWNSID
	if err := ev.NSID.UnmarshalBinary(m.Data); err != nil {
		return NSIDEvent{}, false, decodeError("RTM_NEWNSID", err)
	}
	return ev, true, nil
}

// NamedNSID is a named namespace (/run/netns/NAME) and the nsid it has in the Client's namespace
// (NSIDNotAssigned when none), as `ip netns list` with ids shows it.
type NamedNSID struct {
	Name string
	NSID int32
}

// NamedNSIDs maps the named namespaces in dir (/run/netns when "") to their nsids in the Client's namespace
// (RTM_GETNSID with NETNSA_FD for each), so that an nsid from ListNSIDs, IFLA_LINK_NETNSID or an event can be
// named as `ip netns list-id` names it. A name that cannot be opened is left out.
func (c *Client) NamedNSIDs(ctx context.Context, dir string) ([]NamedNSID, error) {
	if dir == "" {
		dir = "/run/netns"
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var list []NamedNSID
	for _, e := range ents {
		fd, err := unix.Open(filepath.Join(dir, e.Name()), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			continue
		}
		id, err := c.GetNSID(ctx, NetNSFD(fd))
		unix.Close(fd)
		if err != nil {
			if errors.Is(err, unix.EINVAL) { // not a namespace file
				continue
			}
			return list, err
		}
		list = append(list, NamedNSID{Name: e.Name(), NSID: id})
	}
	return list, nil
}
