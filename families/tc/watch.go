package tc

import (
	"context"
	"fmt"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// Event is one traffic-control notification of the RTNLGRP_TC group: an object added, changed or deleted. One
// of Qdisc, Class, Filter, Chain and Actions is set, as Type says.
type Event struct {
	// Type is the message type: RTM_NEWQDISC, RTM_DELQDISC, RTM_NEWTCLASS, RTM_DELTCLASS, RTM_NEWTFILTER,
	// RTM_DELTFILTER, RTM_NEWCHAIN, RTM_DELCHAIN, RTM_NEWACTION or RTM_DELACTION.
	Type uint16
	// Flags are nlmsg_flags as the kernel sets them on the notification (NLM_F_REPLACE when a new qdisc took
	// an old one's place, for example), which tc's monitor prints as "added" or "replaced".
	Flags uint16
	// Qdisc, Class, Filter and Chain are the object of a qdisc, class, filter or chain event.
	Qdisc  *Qdisc
	Class  *Class
	Filter *Filter
	Chain  *Chain
	// Actions are the actions of an action event.
	Actions []Action
}

// Deleted reports whether the event removes its object (RTM_DELx).
func (e *Event) Deleted() bool { return e.Type&3 == 1 }

// DecodeEvent decodes a traffic-control message; ok is false for a message of another type.
func DecodeEvent(m proto.Message) (ev Event, ok bool, err error) {
	ev = Event{Type: m.Header.Type, Flags: m.Header.Flags}
	switch m.Header.Type {
	case unix.RTM_NEWQDISC, unix.RTM_DELQDISC:
		ev.Qdisc = &Qdisc{}
		err = ev.Qdisc.decode(m.Data)
	case unix.RTM_NEWTCLASS, unix.RTM_DELTCLASS:
		ev.Class = &Class{}
		err = ev.Class.decode(m.Data)
	case unix.RTM_NEWTFILTER, unix.RTM_DELTFILTER:
		ev.Filter = &Filter{}
		err = ev.Filter.decode(m.Data)
	case unix.RTM_NEWCHAIN, unix.RTM_DELCHAIN:
		ev.Chain = &Chain{}
		err = ev.Chain.decode(m.Data)
	case unix.RTM_NEWACTION, unix.RTM_DELACTION, unix.RTM_GETACTION:
		ev.Actions, err = decodeActionMsg(m.Data)
	default:
		return Event{}, false, nil
	}
	if err != nil {
		return Event{}, true, &DecodeError{Type: msgName(m.Header.Type), Err: err}
	}
	return ev, true, nil
}

// rtnlgrpTC is RTNLGRP_TC.
const rtnlgrpTC = unix.RTNLGRP_TC

// Watcher receives the traffic-control notifications of a namespace (RTNLGRP_TC) on a socket of its own.
type Watcher struct {
	conn *nlkit.Conn
}

// Watch opens a NETLINK_ROUTE socket in the namespace netns (an nsfs descriptor; 0: the calling thread's) that
// joins RTNLGRP_TC.
func Watch(netns int) (*Watcher, error) {
	conn, err := nlkit.Dial(nlkit.UnitRoute, &nlkit.Config{NetNS: netns, Groups: []uint32{rtnlgrpTC}})
	if err != nil {
		return nil, err
	}
	return &Watcher{conn: conn}, nil
}

// NewWatcher returns a Watcher on a connection that has joined RTNLGRP_TC (an nltest fake, a socket of the
// caller's). Close closes it.
func NewWatcher(conn *nlkit.Conn) *Watcher { return &Watcher{conn: conn} }

// Next waits for the next datagram of notifications and returns its traffic-control events, in order. A
// message that does not decode ends the batch with a *DecodeError (the events before it are returned); an
// overrun of the socket (ENOBUFS: events were lost) is returned as the kernel reports it.
func (w *Watcher) Next(ctx context.Context) ([]Event, error) {
	if ctx == nil {
		return nil, &OpError{Family: "tc", Op: "watch", Err: nlkit.ErrNilContext}
	}
	for {
		msgs, _, err := w.conn.Receive(ctx)
		if err != nil {
			return nil, err
		}
		var evs []Event
		for _, m := range msgs {
			ev, ok, err := DecodeEvent(m)
			if err != nil {
				return evs, err
			}
			if ok {
				evs = append(evs, ev)
			}
		}
		if len(evs) > 0 {
			return evs, nil
		}
	}
}

// Close closes the Watcher's socket.
func (w *Watcher) Close() error { return w.conn.Close() }

// String names the event: "RTM_NEWQDISC htb 1: dev 2".
func (e Event) String() string {
	switch {
	case e.Qdisc != nil:
		return msgName(e.Type) + " " + e.Qdisc.describe()
	case e.Class != nil:
		return msgName(e.Type) + " " + e.Class.describe()
	case e.Filter != nil:
		return msgName(e.Type) + " " + e.Filter.describe()
	case e.Chain != nil:
		return msgName(e.Type) + " " + e.Chain.describe()
	}
	return fmt.Sprintf("%s %d actions", msgName(e.Type), len(e.Actions))
}
