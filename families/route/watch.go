//go:build linux

package route

import (
	"context"
	"errors"
	"iter"
	"slices"
	"sync"
	"time"

	"github.com/nlkit/nlkit"
	"golang.org/x/sys/unix"
)

// WatchObjects chooses the objects a Watcher follows (a bitmask).
type WatchObjects uint32

// Objects to watch, and the rtnetlink multicast groups (RTNLGRP_*) each one joins.
const (
	// WatchLinks joins RTNLGRP_LINK.
	WatchLinks WatchObjects = 1 << iota
	// WatchAddrs joins RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR.
	WatchAddrs
	// WatchRoutes joins RTNLGRP_IPV4_ROUTE and RTNLGRP_IPV6_ROUTE.
	WatchRoutes
	// WatchNeighs joins RTNLGRP_NEIGH.
	WatchNeighs
	// WatchRules joins RTNLGRP_IPV4_RULE and RTNLGRP_IPV6_RULE.
	WatchRules
	// WatchNexthops joins RTNLGRP_NEXTHOP.
	WatchNexthops

	// WatchAll is every object.
	WatchAll = WatchLinks | WatchAddrs | WatchRoutes | WatchNeighs | WatchRules | WatchNexthops
)

// groups returns the RTNLGRP_* numbers for objs, limited to family (AF_INET, AF_INET6, or 0 for both).
func (objs WatchObjects) groups(family uint8) []uint32 {
	v4, v6 := family != unix.AF_INET6, family != unix.AF_INET
	var g []uint32
	add := func(on bool, grp uint32) {
		if on {
			g = append(g, grp)
		}
	}
	add(objs&WatchLinks != 0, unix.RTNLGRP_LINK)
	add(objs&WatchAddrs != 0 && v4, unix.RTNLGRP_IPV4_IFADDR)
	add(objs&WatchAddrs != 0 && v6, unix.RTNLGRP_IPV6_IFADDR)
	add(objs&WatchRoutes != 0 && v4, unix.RTNLGRP_IPV4_ROUTE)
	add(objs&WatchRoutes != 0 && v6, unix.RTNLGRP_IPV6_ROUTE)
	add(objs&WatchNeighs != 0, unix.RTNLGRP_NEIGH)
	add(objs&WatchRules != 0 && v4, unix.RTNLGRP_IPV4_RULE)
	add(objs&WatchRules != 0 && v6, unix.RTNLGRP_IPV6_RULE)
	add(objs&WatchNexthops != 0, unix.RTNLGRP_NEXTHOP)
	return g
}

// WatchConfig chooses what a Watcher (or Mirror) follows.
type WatchConfig struct {
	// Objects are the objects to follow; 0 is WatchAll.
	Objects WatchObjects
	// Family limits addresses, routes and rules to AF_INET or AF_INET6; 0 follows both.
	Family uint8
	// NetNS is a namespace file descriptor to watch; 0 is the calling thread's namespace. The Watcher works on
	// its own duplicate of it (F_DUPFD_CLOEXEC), taken in NewWatcher and closed by Close: the caller may close
	// its descriptor once NewWatcher returns, and the number being reused for another file does not move the
	// watch.
	NetNS int
	// AllNamespaces turns on NETLINK_LISTEN_ALL_NSID: events of every namespace that has an nsid in the
	// watcher's namespace arrive too, each with its NSID. Resynchronisation snapshots (EventResync) cover the
	// watcher's own namespace only: after lost events, the state of the other namespaces is not dumped again.
	AllNamespaces bool
	// SocketReceiveBuffer sets the event socket's SO_RCVBUF(FORCE); 0 keeps the kernel default. A small buffer
	// overflows sooner (ENOBUFS), which the Watcher survives by resynchronising. It applies to the sockets the
	// Watcher dials, not to a connection given to NewWatcherConn.
	SocketReceiveBuffer int
	// InitialSnapshot makes the first event an EventResync with the state from a dump taken after the event
	// socket joined its groups, so that no change falls between the two.
	InitialSnapshot bool

	// Tap sees every datagram of the event socket, the first one and those opened after an overflow (see
	// nlkit.Tap; package pcap records them). Snapshots are dumped on another socket, which it does not see. It
	// applies to the sockets the Watcher dials; give a connection for NewWatcherConn its Tap when dialing it.
	Tap nlkit.Tap
}

// Watcher follows rtnetlink notifications: typed new/delete events for links, addresses, routes, neighbours,
// rules and nexthops. When events were lost, the Watcher dumps the watched objects again and delivers an
// EventResync with the fresh state instead of stopping: a watch never stops silently. Events are lost when the
// socket's receive queue overflows (ENOBUFS), and when a notification is larger than the receive buffer (the
// kernel cuts it, MSG_TRUNC: a multipath route with thousands of nexthops makes an RTM_NEWROUTE of tens of
// kilobytes); the buffer then grows so that the next one fits. A watch ends only when its context is
// cancelled, it is closed, or its socket fails, and then says why.
//
// A Watcher is meant for one goroutine (Next is not safe for concurrent calls); Close may be called from any
// goroutine and unblocks Next.
type Watcher struct {
	cfg     WatchConfig // cfg.NetNS is the Watcher's own descriptor (see ownNS)
	dump    *Client
	ownDump bool
	ownNS   bool // cfg.NetNS was duplicated from the caller's and is still open (under mu once started)
	given   bool // the event socket came from NewWatcherConn: drained after lost events, never dialed again
	dialFn  func(cfg *nlkit.Config) (*nlkit.Conn, error)
	rbuf    int // the receive buffer of the event sockets the Watcher dials; grows after a cut notification
	queue   []Event
	started bool
	resyncs uint64
	groups  []uint32
	// A loss or the initial snapshot is remembered until its EventResync is returned: a Next that fails on the
	// way (its ctx ends during the snapshot) leaves them for the next call.
	restartDue, resyncDue, lostDue bool

	mu      sync.Mutex // guards conn, closed, dialing and ownNS: Close may come from another goroutine
	conn    *nlkit.Conn
	closed  bool
	dialing bool // restart is dialing with cfg.NetNS: Close leaves the descriptor to it
}

// NewWatcher opens the event socket, joins the rtnetlink groups for cfg.Objects (any process may join them),
// and opens a second socket for snapshots, so that events keep queueing while a snapshot is dumped. After lost
// events it opens a new event socket (in the same namespace: see WatchConfig.NetNS).
func NewWatcher(cfg *WatchConfig) (*Watcher, error) {
	return newWatcher(cfg, nil, nil)
}

// newWatcher is NewWatcher with the event sockets opened by dial (nil: nlkit.Dial) and snapshots dumped through
// dump (nil: a Client it dials and closes). Tests give nltest fakes.
func newWatcher(cfg *WatchConfig, dial func(cfg *nlkit.Config) (*nlkit.Conn, error), dump *Client) (*Watcher, error) {
	w, err := prepareWatcher(cfg)
	if err != nil {
		return nil, err
	}
	w.dialFn = dial
	conn, err := w.dial()
	if err != nil {
		w.closeNSLocked()
		return nil, err
	}
	w.conn = conn
	if err := w.openDump(dump); err != nil {
		conn.Close()
		w.closeNSLocked()
		return nil, err
	}
	return w, nil
}

// NewWatcherConn starts a Watcher on an event socket the caller opened: a NETLINK_ROUTE Conn, dialed in the
// namespace to watch with the nlkit.Config it needs (a Tap, SO_RCVBUF, AcceptUserSenders...); a Conn from
// nltest makes a Watcher without root. The Watcher joins the groups for cfg.Objects on conn (and turns on
// NETLINK_LISTEN_ALL_NSID when cfg.AllNamespaces is set), drains conn after lost events instead of opening a
// new socket, and closes it on Close; conn is the Watcher's from the call on, and is closed on error too.
//
// Snapshots are dumped through dump, which stays the caller's (Close does not close it), or when dump is nil
// through a Client the Watcher dials in cfg.NetNS and closes. cfg.Tap and cfg.SocketReceiveBuffer apply only
// to sockets the Watcher dials: set with them, NewWatcherConn fails. conn grows its receive buffer after a
// notification that did not fit, up to the Conn's limit (1 MiB); a larger one is lost, and resynchronised,
// every time it comes.
func NewWatcherConn(conn *nlkit.Conn, dump *Client, cfg *WatchConfig) (*Watcher, error) {
	if conn == nil {
		return nil, errors.New("route: NewWatcherConn: nil Conn")
	}
	if cfg != nil && (cfg.Tap != nil || cfg.SocketReceiveBuffer != 0) {
		conn.Close()
		return nil, errors.New("route: NewWatcherConn: WatchConfig.Tap and SocketReceiveBuffer apply to the " +
			"sockets a Watcher dials; set them in the nlkit.Config of the given Conn")
	}
	w, err := prepareWatcher(cfg)
	if err != nil {
		conn.Close()
		return nil, err
	}
	w.conn, w.given = conn, true
	err = w.joinGroups(conn)
	if err == nil && w.cfg.AllNamespaces {
		err = conn.SetOption(nlkit.OptListenAllNSID, true)
	}
	if err == nil {
		err = w.openDump(dump)
	}
	if err != nil {
		conn.Close()
		w.closeNSLocked()
		return nil, err
	}
	return w, nil
}

// prepareWatcher copies cfg, fills in its defaults, and duplicates its namespace descriptor.
func prepareWatcher(cfg *WatchConfig) (*Watcher, error) {
	w := &Watcher{}
	if cfg != nil {
		w.cfg = *cfg
	}
	if w.cfg.Objects == 0 {
		w.cfg.Objects = WatchAll
	}
	w.groups = w.cfg.Objects.groups(w.cfg.Family)
	if w.cfg.NetNS > 0 {
		fd, err := unix.FcntlInt(uintptr(w.cfg.NetNS), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return nil, &nlkit.OpError{Op: "duplicate namespace descriptor", Unit: nlkit.UnitRoute, Err: err}
		}
		w.cfg.NetNS, w.ownNS = fd, true
	}
	return w, nil
}

func (w *Watcher) joinGroups(conn *nlkit.Conn) error {
	for _, g := range w.groups {
		if err := conn.JoinGroup(g); err != nil {
			return err
		}
	}
	return nil
}

// openDump sets the snapshot Client: dump, or one dialed in the watched namespace.
func (w *Watcher) openDump(dump *Client) error {
	if dump != nil {
		w.dump = dump
		return nil
	}
	d, err := Dial(&Config{NetNS: w.cfg.NetNS})
	if err != nil {
		return err
	}
	w.dump, w.ownDump = d, true
	return nil
}

// closeNSLocked closes the Watcher's namespace descriptor; w.mu must be held once Next may run.
func (w *Watcher) closeNSLocked() {
	if w.ownNS {
		unix.Close(w.cfg.NetNS)
		w.ownNS = false
	}
}

// dial opens an event socket joined to the groups, in the watched namespace.
func (w *Watcher) dial() (*nlkit.Conn, error) {
	cfg := &nlkit.Config{Groups: w.groups, NetNS: w.cfg.NetNS, ListenAllNSID: w.cfg.AllNamespaces,
		SocketReceiveBuffer: w.cfg.SocketReceiveBuffer, ReceiveBuffer: w.rbuf, Tap: w.cfg.Tap}
	if w.dialFn != nil {
		return w.dialFn(cfg)
	}
	return nlkit.Dial(nlkit.UnitRoute, cfg)
}

// Close closes the Watcher's sockets and its namespace descriptor; a Next blocked in another goroutine returns
// nlkit.ErrClosed.
func (w *Watcher) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	conn := w.conn
	w.mu.Unlock()
	err := conn.Close()
	if w.ownDump {
		w.dump.Close()
	}
	// A restart dialing with the descriptor closes it when it finds the Watcher closed.
	w.mu.Lock()
	if !w.dialing {
		w.closeNSLocked()
	}
	w.mu.Unlock()
	return err
}

func (w *Watcher) current() (*nlkit.Conn, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, nlkit.ErrClosed
	}
	return w.conn, nil
}

// restart forgets the events queued before the loss. Those are older than the events the kernel dropped, so
// replaying them after a fresh snapshot could bring back what the lost events removed. A Watcher that dialed its
// socket replaces it with a new one (joined before the snapshot is dumped, so nothing after it is missed); one
// given a Conn drains it.
func (w *Watcher) restart(ctx context.Context) error {
	w.queue = w.queue[:0]
	if !w.given {
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			return nlkit.ErrClosed
		}
		w.dialing = true
		w.mu.Unlock()
		conn, err := w.dial()
		w.mu.Lock()
		w.dialing = false
		if w.closed {
			w.closeNSLocked()
			w.mu.Unlock()
			if conn != nil {
				conn.Close()
			}
			return nlkit.ErrClosed
		}
		if err != nil {
			w.mu.Unlock()
			return err
		}
		old := w.conn
		w.conn = conn
		w.mu.Unlock()
		old.Close()
		return nil
	}
	conn, err := w.current()
	if err != nil {
		return err
	}
	for range 1 << 16 {
		dctx, cancel := context.WithTimeout(ctx, time.Millisecond)
		_, err := conn.ReceiveDatagram(dctx)
		cancel()
		var te *nlkit.TruncatedError
		switch {
		case err == nil, errors.Is(err, unix.ENOBUFS), errors.As(err, &te):
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			return nil // empty
		default:
			return err
		}
	}
	return nil
}

// lost reports whether err from the event socket means that events were lost, and so that the Watcher must
// resynchronise: ENOBUFS, or a notification cut to fit the receive buffer (*nlkit.TruncatedError), after which
// the event sockets the Watcher dials get a buffer that holds it.
func (w *Watcher) lost(err error) bool {
	var te *nlkit.TruncatedError
	if errors.As(err, &te) {
		w.rbuf = max(w.rbuf, 2*te.Buffer, te.Size)
		return true
	}
	return errors.Is(err, unix.ENOBUFS)
}

// Resyncs counts the resynchronisations after lost events (ENOBUFS, or a notification too large for the
// receive buffer).
func (w *Watcher) Resyncs() uint64 { return w.resyncs }

// Next returns the next event. After lost events (ENOBUFS, or a notification larger than the receive buffer,
// which the kernel cuts with MSG_TRUNC) it returns an EventResync (Lost true) with a fresh Snapshot. A message
// that cannot be decoded is returned as a *DecodeError, and the Watcher goes on with the next call. Other
// errors (nlkit.ErrClosed, ctx.Err(), a socket error, a failed snapshot) end the watch; a Next called again
// after one retries: a resync that ctx cut short is still delivered. A nil ctx gives nlkit.ErrNilContext.
func (w *Watcher) Next(ctx context.Context) (Event, error) {
	if ctx == nil {
		return Event{}, nlkit.ErrNilContext
	}
	if !w.started {
		w.started = true
		w.resyncDue = w.cfg.InitialSnapshot
	}
	for {
		if w.restartDue {
			if err := w.restart(ctx); err != nil {
				return Event{}, err
			}
			w.restartDue = false
		}
		if w.resyncDue {
			ev, err := w.resync(ctx, w.lostDue)
			if err != nil {
				return Event{}, err
			}
			w.resyncDue, w.lostDue = false, false
			return ev, nil
		}
		if len(w.queue) > 0 {
			ev := w.queue[0]
			w.queue[0] = Event{}
			w.queue = w.queue[1:]
			return ev, nil
		}
		conn, err := w.current()
		if err != nil {
			return Event{}, err
		}
		d, err := conn.ReceiveDatagram(ctx)
		if err != nil {
			if w.lost(err) {
				w.resyncs++
				w.restartDue, w.resyncDue, w.lostDue = true, true, true
				continue
			}
			if _, cerr := w.current(); cerr != nil {
				return Event{}, cerr
			}
			return Event{}, err
		}
		it := d.Messages()
		var derr error
		for it.Next() {
			ev, ok, err := DecodeEvent(it.Message())
			if err != nil {
				derr = err
				continue
			}
			if !ok {
				continue
			}
			ev.NSID, ev.HasNSID = d.From.NSID, d.From.HasNSID
			w.queue = append(w.queue, ev)
		}
		if err := it.Err(); err != nil && derr == nil {
			derr = decodeError("datagram", err)
		}
		if derr != nil {
			return Event{}, derr
		}
	}
}

// Events returns an iterator over the events; it ends when Next returns an error that ends the watch (that
// error is yielded last) or when the loop stops. Decode errors are yielded and the iteration goes on.
func (w *Watcher) Events(ctx context.Context) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		for {
			ev, err := w.Next(ctx)
			if err != nil {
				var de *DecodeError
				if !yield(Event{}, err) || !errors.As(err, &de) {
					return
				}
				continue
			}
			if !yield(ev, nil) {
				return
			}
		}
	}
}

// resync takes a snapshot of the watched objects.
func (w *Watcher) resync(ctx context.Context, lost bool) (Event, error) {
	s, err := TakeSnapshot(ctx, w.dump, w.cfg.Objects, w.cfg.Family)
	if err != nil {
		return Event{}, err
	}
	return Event{Kind: EventResync, Snapshot: s, Lost: lost}, nil
}

// TakeSnapshot dumps the objects objs chooses (0: all) through c, limited to family (0: all).
//
// Routes are dumped one family at a time (AF_INET, then AF_INET6), as ip shows them. The kernel cannot dump
// a route larger than its dump datagram (about 32 KiB: an IPv4 multipath route of some 2,000 nexthops or
// more): Linux 6.18 fails a route dump of all families with EMSGSIZE, and ends an AF_INET dump at such a route
// without an error, as `ip route show table all` shows too. Dumped by family, one such route costs the routes
// of its family after it, not the whole snapshot. Its notifications, which a Watcher receives whole, are the
// only source of it.
func TakeSnapshot(ctx context.Context, c *Client, objs WatchObjects, family uint8) (*Snapshot, error) {
	if objs == 0 {
		objs = WatchAll
	}
	s := &Snapshot{}
	var err error
	if objs&WatchLinks != 0 {
		if s.Links, err = c.Link.List(ctx, nil); err != nil {
			return nil, err
		}
	}
	if objs&WatchAddrs != 0 {
		if s.Addrs, err = c.Addr.List(ctx, &AddrFilter{Family: family}); err != nil {
			return nil, err
		}
	}
	if objs&WatchRoutes != 0 {
		for _, f := range []uint8{unix.AF_INET, unix.AF_INET6} {
			if family != 0 && family != f {
				continue
			}
			if s.Routes, err = c.Route.ListInto(ctx, s.Routes, &RouteFilter{Family: f}); err != nil {
				return nil, err
			}
		}
		s.Routes = slices.DeleteFunc(s.Routes, func(r Route) bool { return !isIP(r.Family) })
	}
	if objs&WatchNeighs != 0 {
		if s.Neighs, err = c.Neigh.List(ctx, nil); err != nil {
			return nil, err
		}
	}
	if objs&WatchRules != 0 {
		if s.Rules, err = c.Rule.List(ctx, &RuleFilter{Family: family}); err != nil {
			return nil, err
		}
		s.Rules = slices.DeleteFunc(s.Rules, func(r Rule) bool { return !isIP(r.Family) })
	}
	if objs&WatchNexthops != 0 {
		if s.Nexthops, err = c.Nexthop.List(ctx, nil); err != nil && !errors.Is(err, unix.EOPNOTSUPP) &&
			!errors.Is(err, unix.EINVAL) {
			return nil, err
		}
	}
	return s, nil
}

// isIP reports whether family is AF_INET or AF_INET6: only their route and rule groups are watched.
func isIP(family uint8) bool { return family == unix.AF_INET || family == unix.AF_INET6 }
