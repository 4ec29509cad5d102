//go:build linux

package route

import (
	"fmt"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds.
const (
	// EventNew reports an object added or changed (RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE, RTM_NEWNEIGH,
	// RTM_NEWRULE, RTM_NEWNEXTHOP).
	EventNew EventKind = iota + 1
	// EventDelete reports an object removed (RTM_DEL*).
	EventDelete
	// EventResync carries a fresh Snapshot: at the start of a watch that asked for one, and after the socket
	// overflowed (ENOBUFS) and events were lost. State built from earlier events must be replaced by it.
	EventResync
)

// String is "new", "delete" or "resync".
func (k EventKind) String() string {
	switch k {
	case EventNew:
		return "new"
	case EventDelete:
		return "delete"
	case EventResync:
		return "resync"
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is one change seen by a Watcher. Exactly one of Link, Addr, Route, Neigh, Rule, Nexthop is set for
// EventNew and EventDelete; Snapshot is set for EventResync.
type Event struct {
	// Kind says whether an object was added or changed, removed, or everything was dumped again.
	Kind EventKind
	// Type is the message type (RTM_NEWLINK...); 0 for EventResync.
	Type uint16
	// Flags is the message's nlmsg_flags (NLM_F_REPLACE, NLM_F_APPEND for routes).
	Flags uint16
	// NSID is the nsid of the namespace the event came from, valid when HasNSID (WatchConfig.AllNamespaces;
	// events of the watcher's own namespace carry none).
	NSID    int32
	HasNSID bool // NSID is valid

	Link    *Link    // RTM_NEWLINK, RTM_DELLINK (Family AF_BRIDGE: a bridge port's message, not a whole link)
	Addr    *Addr    // RTM_NEWADDR, RTM_DELADDR
	Route   *Route   // RTM_NEWROUTE, RTM_DELROUTE
	Neigh   *Neigh   // RTM_NEWNEIGH, RTM_DELNEIGH
	Rule    *Rule    // RTM_NEWRULE, RTM_DELRULE
	Nexthop *Nexthop // RTM_NEWNEXTHOP, RTM_DELNEXTHOP

	// Snapshot is the fresh state, for EventResync.
	Snapshot *Snapshot
	// Lost is true for an EventResync caused by ENOBUFS: events were lost before it.
	Lost bool
}

// String describes the event in one line, as ip monitor would in spirit: "[nsid 3] new route 10.0.0.0/24 table main".
func (e Event) String() string {
	var obj any
	if o := e.object(); o != nil {
		obj = describe(o)
	} else if s := e.Snapshot; s != nil {
		obj = fmt.Sprintf("%d links, %d addrs, %d routes, %d neighs, %d rules, %d nexthops",
			len(s.Links), len(s.Addrs), len(s.Routes), len(s.Neighs), len(s.Rules), len(s.Nexthops))
	}
	s := fmt.Sprintf("%s %v", e.Kind, obj)
	if e.HasNSID {
		s = fmt.Sprintf("[nsid %d] %s", e.NSID, s)
	}
	return s
}

// object returns the one object e reports (a *Link, *Addr, *Route, *Neigh, *Rule or *Nexthop), or nil.
func (e *Event) object() any {
	switch {
	case e.Link != nil:
		return e.Link
	case e.Addr != nil:
		return e.Addr
	case e.Route != nil:
		return e.Route
	case e.Neigh != nil:
		return e.Neigh
	case e.Rule != nil:
		return e.Rule
	case e.Nexthop != nil:
		return e.Nexthop
	}
	return nil
}

// describe names an object that an Event or a Change reports, in one line: "route 10.0.0.0/24 table main".
func describe(v any) string {
	switch o := v.(type) {
	case *Link:
		return fmt.Sprintf("link %d %s", o.Index, o.Name)
	case *Addr:
		return fmt.Sprintf("addr %s dev %d", o.brief(), o.Index)
	case *Route:
		return fmt.Sprintf("route %s table %s", o.Dst, TableName(o.Table))
	case *Neigh:
		return fmt.Sprintf("neigh %s dev %d", o.Dst, o.Index)
	case *Rule:
		return fmt.Sprintf("rule %d", o.Priority)
	case *Nexthop:
		return fmt.Sprintf("nexthop %d", o.ID)
	}
	return ""
}

// Snapshot is the state of the watched objects from one set of dumps.
type Snapshot struct {
	Links    []Link    // RTM_GETLINK dump
	Addrs    []Addr    // RTM_GETADDR dump
	Routes   []Route   // RTM_GETROUTE dump (IPv4 and IPv6)
	Neighs   []Neigh   // RTM_GETNEIGH dump
	Rules    []Rule    // RTM_GETRULE dump (IPv4 and IPv6)
	Nexthops []Nexthop // RTM_GETNEXTHOP dump
}

// DecodeEvent decodes one rtnetlink notification into an Event. Messages of other types give ok false.
func DecodeEvent(m proto.Message) (ev Event, ok bool, err error) {
	t := m.Header.Type
	ev = Event{Type: t, Flags: m.Header.Flags}
	switch t & 3 { // RTM_NEWx, RTM_DELx, RTM_GETx, RTM_SETx follow each other (see service)
	case 0:
		ev.Kind = EventNew
	case 1:
		ev.Kind = EventDelete
	default:
		return Event{}, false, nil
	}
	switch t &^ 3 {
	case unix.RTM_NEWLINK:
		ev.Link, err = decodeNew[Link](m.Data)
	case unix.RTM_NEWADDR:
		ev.Addr, err = decodeNew[Addr](m.Data)
	case unix.RTM_NEWROUTE:
		ev.Route, err = decodeNew[Route](m.Data)
	case unix.RTM_NEWNEIGH:
		ev.Neigh, err = decodeNew[Neigh](m.Data)
	case unix.RTM_NEWRULE:
		ev.Rule, err = decodeNew[Rule](m.Data)
	case unix.RTM_NEWNEXTHOP:
		ev.Nexthop, err = decodeNew[Nexthop](m.Data)
	default:
		return Event{}, false, nil
	}
	if err != nil {
		return Event{}, false, decodeError(msgTypeName(t), err)
	}
	return ev, true, nil
}

// decodeNew decodes b into a new T.
func decodeNew[T any, P interface {
	*T
	UnmarshalBinary([]byte) error
}](b []byte) (*T, error) {
	v := new(T)
	return v, P(v).UnmarshalBinary(b)
}
