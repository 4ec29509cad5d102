//go:build linux

package route

import (
	"cmp"
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nlkit/nlkit"
	"golang.org/x/sys/unix"
)

// NodeMirror is a Mirror of every network namespace of the node, from one process: the links, addresses, routes,
// neighbours, rules and nexthops of each namespace it follows, kept per namespace under the same rules as a Mirror
// of one namespace (see Mirror: keys, silent changes and their re-dumps, resyncs).
//
// It listens on one event socket in its own namespace with NETLINK_LISTEN_ALL_NSID, which hears every namespace
// that has an nsid there, and applies each event to the namespace of its nsid. Snapshots, re-dumps and resyncs
// are dumped through a pool of at most NodeConfig.Workers short-lived sockets, each opened in the target
// namespace (Dial with Config.NetNS) and closed after its dump: at rest the NodeMirror holds four descriptors
// (its event socket, a request socket for nsids (RTM_GETNSID, RTM_NEWNSID), an inotify descriptor and its own
// namespace, where a new event socket is opened after an overflow), whatever the number of namespaces (a
// namespace given by descriptor, AddFD, adds its own), two goroutines, and no goroutine per namespace.
//
// Namespaces, and how it follows them:
//   - named namespaces, the files of the run directory of `ip netns` (/run/netns, NodeConfig.RunDir), watched
//     with inotify: a file that appears (and becomes a namespace: `ip netns add` creates the file, then
//     bind-mounts the namespace on it) is followed, one that goes is dropped;
//   - namespaces given by path (Add: a container's /proc/PID/ns/net) or by descriptor (AddFD), dropped by
//     Remove, or when the kernel removes their nsid (RTM_DELNSID: the namespace died), or when their path no
//     longer opens the same namespace;
//   - the NodeMirror's own namespace, when NodeConfig.Self is set (its events carry no nsid).
//
// A namespace without an nsid gets one, as `ip netns set NAME auto` gives it (RTM_NEWNSID with NETNSA_FD and
// NETNSA_NSID -1), before its first snapshot: the kernel sends a LISTEN_ALL_NSID socket the events of namespaces
// with an nsid only. Each namespace is seen by its name or path (Namespace), not only by its nsid.
//
// After lost events (ENOBUFS, a notification cut short) the NodeMirror opens a new event socket, forgets the
// events queued before the loss, and resynchronises every namespace through the pool; each namespace reports
// how many objects its resync changed (NodeResynced), and the round ends with a NodeResyncDone that names the
// namespaces that changed: a change is never lost silently.
//
// The view of one namespace (Namespace) is a *Mirror: Snapshot, Links, Routes..., Wait and Generation work as
// on a Mirror of one namespace, and its OnChange is NodeConfig.OnChange. Queries across namespaces: Routes to a
// prefix, LinksOfKind, Each.
type NodeMirror struct {
	cfg    NodeConfig
	objs   WatchObjects
	groups []uint32
	self   nsKey
	selfFD int         // the NodeMirror's namespace, where its event sockets are opened (after an overflow too)
	ctl    *nlkit.Conn // RTM_GETNSID and RTM_NEWNSID in the NodeMirror's namespace
	ino    *inotify
	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	done   chan struct{} // closed when the event loop ended
	bg     sync.WaitGroup

	connMu sync.Mutex
	conn   *nlkit.Conn
	closed bool
	rbuf   int

	mu      sync.Mutex
	cond    *sync.Cond // signalled when work ends (idle) and namespaces change
	byKey   map[nsKey]*nodeNS
	byID    map[int32]*nodeNS
	byName  map[string]*nodeNS
	work    []*nodeNS
	running int
	queued  int // events queued in every namespace, bounded by NodeConfig.MaxQueued
	round   *resyncRound
	err     error

	gen      atomic.Uint64
	resyncs  atomic.Uint64
	overflow atomic.Uint64
}

// NodeConfig chooses what a NodeMirror follows.
type NodeConfig struct {
	// Objects are the objects to follow; 0 is WatchAll.
	Objects WatchObjects
	// Family limits addresses, routes and rules to AF_INET or AF_INET6; 0 follows both.
	Family uint8
	// RunDir is the directory of named namespaces; "" is /run/netns (iproute2's NETNS_RUN_DIR), created if it
	// is missing, as `ip netns add` creates it. NoNamed turns named namespaces off.
	RunDir  string
	NoNamed bool
	// Paths are namespace files to follow from the start (as Add).
	Paths []string
	// Self follows the NodeMirror's own namespace too, named "" with the path /proc/self/ns/net.
	Self bool
	// Workers bounds the snapshots and re-dumps that run at once, each on its own short-lived socket; 0 is 8.
	Workers int
	// SocketReceiveBuffer sets the event socket's SO_RCVBUF(FORCE); 0 is DefaultNodeReceiveBuffer, since one
	// socket hears every namespace; -1 keeps the kernel default (net.core.rmem_default). A small buffer
	// overflows sooner (ENOBUFS), which the NodeMirror survives by resynchronising every namespace.
	SocketReceiveBuffer int
	// MaxQueued bounds the events waiting for namespaces whose re-dump is under way (0: 1<<16): beyond it, the
	// namespace whose queue is longest forgets its queue and is resynchronised.
	MaxQueued int
	// OnChange is called with each change applied to a namespace, after it is visible, as Mirror's OnChange:
	// the changes of one namespace come in order, from one goroutine at a time, but those of different
	// namespaces may come at the same time from different goroutines. It must not block for long.
	OnChange func(ns Namespace, c Change)
	// OnEvent is called with each event of the namespaces' lifecycle (added, removed, resynchronised), from
	// the goroutine that made it; the same rules as OnChange.
	OnEvent func(NodeEvent)
}

// DefaultNodeReceiveBuffer is the receive buffer of a NodeMirror's event socket unless NodeConfig says
// otherwise: 4 MiB, memory the kernel takes only while events wait in it.
const DefaultNodeReceiveBuffer = 4 << 20

// Namespace names one namespace a NodeMirror follows.
type Namespace struct {
	// Name is the namespace's name in the run directory (`ip netns` names), or "" for one given by path or
	// descriptor, or for the NodeMirror's own namespace.
	Name string
	// Path is the file it is opened from: RunDir/NAME, the path given to Add, /proc/self/ns/net for the own
	// namespace, or "fd:N" for one given by descriptor.
	Path string
	// NSID is the namespace's nsid in the NodeMirror's namespace (RTM_GETNSID), -1 for the own namespace.
	NSID int32
	// Dev and Ino identify the namespace (the nsfs file's device and inode, as `ls -i /proc/self/ns/net`).
	Dev, Ino uint64
	// Self says this is the NodeMirror's own namespace.
	Self bool
}

// String is the name, or else the path.
func (ns Namespace) String() string {
	if ns.Name != "" {
		return ns.Name
	}
	return ns.Path
}

// NodeEventKind says what happened to a namespace of a NodeMirror.
type NodeEventKind uint8

// Node event kinds.
const (
	// NodeAdded: a namespace appeared and its first snapshot is loaded.
	NodeAdded NodeEventKind = iota + 1
	// NodeRemoved: a namespace went (its name was removed, it was Removed, the kernel removed its nsid with
	// RTM_DELNSID, or its path opens another namespace now); Err says why when it was not asked for.
	NodeRemoved
	// NodeOverflow: events were lost (ENOBUFS, a notification cut short); every namespace is resynchronised.
	NodeOverflow
	// NodeResynced: one namespace was dumped again after lost events; Changes counts the objects that differed.
	NodeResynced
	// NodeResyncDone: the resync of every namespace after an overflow ended; Changed names those that differed.
	NodeResyncDone
	// NodeError: a namespace could not be followed (a snapshot failed, its nsid could not be set); Err says why.
	NodeError
)

// String is "added", "removed", "overflow", "resynced", "resync-done" or "error".
func (k NodeEventKind) String() string {
	switch k {
	case NodeAdded:
		return "added"
	case NodeRemoved:
		return "removed"
	case NodeOverflow:
		return "overflow"
	case NodeResynced:
		return "resynced"
	case NodeResyncDone:
		return "resync-done"
	case NodeError:
		return "error"
	}
	return "NodeEventKind(" + itoa(int(k)) + ")"
}

// NodeEvent is one event of a NodeMirror's namespaces.
type NodeEvent struct {
	Kind      NodeEventKind
	Namespace Namespace // the namespace (zero for NodeOverflow and NodeResyncDone)
	// Changes is the number of objects a resync changed (NodeResynced).
	Changes int
	// Changed are the namespaces a resync round changed (NodeResyncDone).
	Changed []Namespace
	// Err says why a namespace went or could not be followed.
	Err error
}

// String describes the event: "added ns1 (nsid 3)", "resynced ns2: 4 changes".
func (e NodeEvent) String() string {
	s := e.Kind.String()
	if e.Namespace != (Namespace{}) || e.Kind == NodeAdded || e.Kind == NodeRemoved {
		s += " " + e.Namespace.String() + " (nsid " + itoa(int(e.Namespace.NSID)) + ")"
	}
	switch e.Kind {
	case NodeResynced:
		s += ": " + itoa(e.Changes) + " changes"
	case NodeResyncDone:
		s += ": " + itoa(len(e.Changed)) + " namespaces changed"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// ErrNamespaceGone is the Err of the Mirror of a namespace the NodeMirror dropped (see NodeRemoved), and of
// NodeRemoved events for a namespace that died or whose path opens another namespace.
var ErrNamespaceGone = errors.New("route: the namespace is gone")

// nsKey identifies a namespace: its nsfs device and inode.
type nsKey struct{ dev, ino uint64 }

// nodeNS is one namespace of a NodeMirror: its view, and the work waiting for it. The fields after m are
// guarded by the NodeMirror's mu.
type nodeNS struct {
	m    *Mirror
	info Namespace
	key  nsKey
	fd   int // a descriptor given to AddFD (duplicated), else -1: the path is opened for each dump

	queue     []Event // events waiting while the namespace is busy
	head      *Event  // an event whose silent changes were found by the event loop, to re-dump first
	headDirty WatchObjects
	busy      bool // a goroutine owns the namespace's Mirror (applies to it)
	scheduled bool // in the work list
	loaded    bool // the first snapshot is in
	resyncDue bool // dump everything again (first snapshot, or lost events)
	lost      bool // the resync is after lost events (counted, reported)
	gone      bool
}

// NewNodeMirror starts a NodeMirror: it opens its event socket, finds the namespaces (the run directory, cfg.Paths,
// its own), gives them nsids, and returns once every first snapshot is loaded (or failed: see NodeError), or ctx
// ends. It runs until Close or until ctx is cancelled.
func NewNodeMirror(ctx context.Context, cfg *NodeConfig) (*NodeMirror, error) {
	n := &NodeMirror{byKey: map[nsKey]*nodeNS{}, byID: map[int32]*nodeNS{}, byName: map[string]*nodeNS{},
		done: make(chan struct{})}
	if cfg != nil {
		n.cfg = *cfg
	}
	n.cond = sync.NewCond(&n.mu)
	n.objs = n.cfg.Objects
	if n.objs == 0 {
		n.objs = WatchAll
	}
	if n.cfg.Workers <= 0 {
		n.cfg.Workers = 8
	}
	if n.cfg.MaxQueued <= 0 {
		n.cfg.MaxQueued = 1 << 16
	}
	switch n.cfg.SocketReceiveBuffer {
	case 0:
		n.cfg.SocketReceiveBuffer = DefaultNodeReceiveBuffer
	case -1:
		n.cfg.SocketReceiveBuffer = 0
	}
	if n.cfg.RunDir == "" {
		n.cfg.RunDir = defaultRunDir
	}
	n.groups = append(n.objs.groups(n.cfg.Family), unix.RTNLGRP_NSID)
	var err error
	if n.selfFD, n.self, err = openSelf(); err != nil {
		return nil, err
	}
	if n.ctl, err = nlkit.Dial(nlkit.UnitRoute, &nlkit.Config{NetNS: n.selfFD}); err != nil {
		unix.Close(n.selfFD)
		return nil, err
	}
	if n.conn, err = n.dial(); err != nil {
		n.ctl.Close()
		unix.Close(n.selfFD)
		return nil, err
	}
	if !n.cfg.NoNamed {
		if n.ino, err = watchDir(n.cfg.RunDir); err != nil {
			n.conn.Close()
			n.ctl.Close()
			unix.Close(n.selfFD)
			return nil, err
		}
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	n.ctx, n.cancel = rctx, cancel
	go n.run(rctx)
	if n.cfg.Self {
		n.addSelf()
	}
	for _, p := range n.cfg.Paths {
		if _, err := n.add("", p, -1); err != nil {
			n.Close()
			return nil, err
		}
	}
	if n.ino != nil {
		pending := map[string]time.Time{}
		n.rescanNamed(pending)
		n.bg.Add(1)
		go n.watchNamed(rctx, pending)
	}
	if err := n.Settle(ctx); err != nil {
		n.Close()
		return nil, err
	}
	return n, nil
}

// dial opens an event socket joined to the groups, with NETLINK_LISTEN_ALL_NSID.
func (n *NodeMirror) dial() (*nlkit.Conn, error) {
	return nlkit.Dial(nlkit.UnitRoute, &nlkit.Config{Groups: n.groups, ListenAllNSID: true, NetNS: n.selfFD,
		SocketReceiveBuffer: n.cfg.SocketReceiveBuffer, ReceiveBuffer: n.rbuf})
}

// Close stops the NodeMirror and closes its sockets and descriptors. The namespaces' copies stay readable.
func (n *NodeMirror) Close() error {
	n.connMu.Lock()
	if n.closed {
		n.connMu.Unlock()
		return nil
	}
	n.closed = true
	conn := n.conn
	n.connMu.Unlock()
	if n.cancel != nil {
		n.cancel()
	}
	err := conn.Close()
	if n.ino != nil {
		n.ino.close()
	}
	if n.cancel != nil {
		<-n.done
	}
	n.bg.Wait()
	n.mu.Lock()
	for n.running > 0 {
		n.cond.Wait()
	}
	for _, ns := range n.byKey {
		n.closeNS(ns, nlkit.ErrClosed)
	}
	n.mu.Unlock()
	n.ctl.Close()
	unix.Close(n.selfFD)
	return err
}

// closeNS ends a namespace's view with err and closes its descriptor. n.mu is held.
func (n *NodeMirror) closeNS(ns *nodeNS, err error) {
	if ns.fd >= 0 && !ns.info.Self {
		unix.Close(ns.fd)
		ns.fd = -1
	}
	m := ns.m
	m.mu.Lock()
	m.err = err
	m.gen++
	select {
	case <-m.done:
	default:
		close(m.done)
	}
	m.mu.Unlock()
	m.cond.Broadcast()
}

// Err returns the error that stopped the NodeMirror (nlkit.ErrClosed after Close, or its event socket's failure),
// or nil.
func (n *NodeMirror) Err() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.err
}

// Generation grows with every change applied to any namespace and every namespace added or removed.
func (n *NodeMirror) Generation() uint64 { return n.gen.Load() }

// Resyncs counts the namespaces dumped again after lost events.
func (n *NodeMirror) Resyncs() uint64 { return n.resyncs.Load() }

// Overflows counts the losses of events (ENOBUFS, a notification cut short) on the event socket.
func (n *NodeMirror) Overflows() uint64 { return n.overflow.Load() }

// Settle waits until no snapshot, re-dump or queued event is waiting for any namespace: every event the
// NodeMirror had received is applied. Events still in the socket are not; see Wait.
func (n *NodeMirror) Settle(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		n.mu.Lock()
		n.cond.Broadcast()
		n.mu.Unlock()
	})
	defer stop()
	n.mu.Lock()
	defer n.mu.Unlock()
	for n.running > 0 || len(n.work) > 0 || n.round != nil {
		if err := ctx.Err(); err != nil {
			return err
		}
		if n.err != nil {
			return n.err
		}
		n.cond.Wait()
	}
	return nil
}

// Namespaces returns the namespaces followed, sorted by name, then path.
func (n *NodeMirror) Namespaces() []Namespace {
	n.mu.Lock()
	out := make([]Namespace, 0, len(n.byKey))
	for _, ns := range n.byKey {
		if ns.loaded {
			out = append(out, ns.info)
		}
	}
	n.mu.Unlock()
	sortNamespaces(out)
	return out
}

func sortNamespaces(nss []Namespace) {
	slices.SortFunc(nss, func(a, b Namespace) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Path, b.Path))
	})
}

// Namespace returns the Mirror of the namespace with this name or path ("" is the own namespace with
// NodeConfig.Self), and the namespace. The Mirror stays readable after the namespace goes (its Err is then
// ErrNamespaceGone).
func (n *NodeMirror) Namespace(nameOrPath string) (*Mirror, Namespace, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ns, ok := n.byName[nameOrPath]
	if !ok || !ns.loaded {
		return nil, Namespace{}, false
	}
	return ns.m, ns.info, true
}

// NamespaceByNSID returns the Mirror of the namespace with this nsid (-1: the own namespace).
func (n *NodeMirror) NamespaceByNSID(nsid int32) (*Mirror, Namespace, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	ns, ok := n.byID[nsid]
	if !ok || !ns.loaded {
		return nil, Namespace{}, false
	}
	return ns.m, ns.info, true
}

// Each calls fn with every namespace and its Mirror, sorted by name then path, until fn returns false.
func (n *NodeMirror) Each(fn func(Namespace, *Mirror) bool) {
	n.mu.Lock()
	type pair struct {
		info Namespace
		m    *Mirror
	}
	all := make([]pair, 0, len(n.byKey))
	for _, ns := range n.byKey {
		if ns.loaded {
			all = append(all, pair{ns.info, ns.m})
		}
	}
	n.mu.Unlock()
	slices.SortFunc(all, func(a, b pair) int {
		return cmp.Or(cmp.Compare(a.info.Name, b.info.Name), cmp.Compare(a.info.Path, b.info.Path))
	})
	for _, p := range all {
		if !fn(p.info, p.m) {
			return
		}
	}
}

// NamespacedRoute is a route and the namespace it is in.
type NamespacedRoute struct {
	Namespace Namespace
	Route     Route
}

// NamespacedLink is a link and the namespace it is in.
type NamespacedLink struct {
	Namespace Namespace
	Link      Link
}

// RoutesTo returns every route of every namespace whose destination is p (RTA_DST and rtm_dst_len), in every
// table, sorted by namespace, then as SortRoutes sorts.
func (n *NodeMirror) RoutesTo(p netip.Prefix) []NamespacedRoute {
	p = p.Masked()
	var out []NamespacedRoute
	n.Each(func(ns Namespace, m *Mirror) bool {
		for _, r := range m.Routes() {
			if r.Dst == p {
				out = append(out, NamespacedRoute{ns, r})
			}
		}
		return true
	})
	return out
}

// LinksOfKind returns every link of every namespace whose IFLA_INFO_KIND is kind ("veth", "bridge"...; "" is
// links without one, such as lo), sorted by namespace, then index.
func (n *NodeMirror) LinksOfKind(kind string) []NamespacedLink {
	var out []NamespacedLink
	n.Each(func(ns Namespace, m *Mirror) bool {
		for _, l := range m.Links() {
			if l.Info.Kind == kind {
				out = append(out, NamespacedLink{ns, l})
			}
		}
		return true
	})
	return out
}

// report calls OnEvent.
func (n *NodeMirror) report(ev NodeEvent) {
	n.gen.Add(1)
	if n.cfg.OnEvent != nil {
		n.cfg.OnEvent(ev)
	}
}
