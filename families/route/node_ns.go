//go:build linux

package route

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// The NodeMirror's namespaces: opening them, their nsids, the run directory of named namespaces.

// defaultRunDir is iproute2's NETNS_RUN_DIR (netns.RunDir).
const defaultRunDir = "/run/netns"

// openSelf opens the calling thread's namespace and identifies it.
func openSelf() (int, nsKey, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	fd, k, err := openNS("/proc/thread-self/ns/net")
	if err != nil {
		return -1, nsKey{}, &nlkit.OpError{Op: "open the namespace", Unit: nlkit.UnitRoute, Err: err}
	}
	return fd, k, nil
}

// openNS opens a namespace file and identifies it; it fails for a file that is not a network namespace (a
// named namespace's file before `ip netns add` bind-mounted the namespace on it).
func openNS(path string) (int, nsKey, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, nsKey{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	k, err := keyOf(fd)
	if err != nil {
		unix.Close(fd)
		return -1, nsKey{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return fd, k, nil
}

// errNotNetNS says a file is not a network namespace.
var errNotNetNS = errors.New("not a network namespace")

// keyOf checks that fd is a network namespace (NS_GET_NSTYPE) and identifies it.
func keyOf(fd int) (nsKey, error) {
	t, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
	if err != nil || t != unix.CLONE_NEWNET {
		return nsKey{}, errNotNetNS
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nsKey{}, err
	}
	return nsKey{uint64(st.Dev), st.Ino}, nil
}

// nsidRequest builds an RTM_GETNSID or RTM_NEWNSID request for the namespace of fd: struct rtgenmsg, then
// NETNSA_FD, and NETNSA_NSID -1 (a new nsid of the kernel's choice) for RTM_NEWNSID.
func nsidRequest(typ uint16, fd int) proto.Message {
	b := make([]byte, 4, 20) // struct rtgenmsg, padded to NLMSG_ALIGNTO
	ae := proto.NewAttrEncoder(b)
	ae.Uint32(unix.NETNSA_FD, uint32(fd))
	if typ == unix.RTM_NEWNSID {
		ae.Int32(unix.NETNSA_NSID, -1)
	}
	return proto.Message{Header: proto.Header{Type: typ}, Data: ae.Bytes()}
}

// nsidOf returns the nsid the NodeMirror's namespace has for the namespace of fd (RTM_GETNSID), giving it
// one first when it has none (RTM_NEWNSID with NETNSA_NSID -1, as `ip netns set NAME auto`).
func (n *NodeMirror) nsidOf(ctx context.Context, fd int) (int32, error) {
	for try := 0; try < 3; try++ {
		id, err := n.getNSID(ctx, fd)
		if err != nil || id >= 0 {
			return id, err
		}
		_, err = n.ctl.Execute(ctx, nsidRequest(unix.RTM_NEWNSID, fd))
		if err != nil && !errors.Is(err, unix.EEXIST) { // EEXIST: another process gave it one meanwhile
			return -1, &OpError{Op: "RTM_NEWNSID", Err: err}
		}
	}
	return -1, &OpError{Op: "RTM_NEWNSID", Err: errors.New("the namespace has no nsid after setting one")}
}

// getNSID asks for the nsid of the namespace of fd: -1 (NETNSA_NSID_NOT_ASSIGNED) when it has none.
func (n *NodeMirror) getNSID(ctx context.Context, fd int) (int32, error) {
	msgs, err := n.ctl.Execute(ctx, nsidRequest(unix.RTM_GETNSID, fd))
	if err != nil {
		return -1, &OpError{Op: "RTM_GETNSID", Err: err}
	}
	for _, m := range msgs {
		if m.Header.Type != unix.RTM_NEWNSID {
			continue
		}
		if id, ok := decodeNSID(m.Data); ok {
			return id, nil
		}
	}
	return -1, &OpError{Op: "RTM_GETNSID", Err: errors.New("no NETNSA_NSID in the reply")}
}

// decodeNSID reads NETNSA_NSID from an RTM_NEWNSID or RTM_DELNSID message's payload.
func decodeNSID(b []byte) (int32, bool) {
	if len(b) < 4 {
		return 0, false
	}
	ad := proto.NewAttrDecoder(b[4:])
	for ad.Next() {
		if ad.Type() == unix.NETNSA_NSID {
			return ad.Int32(), ad.Err() == nil
		}
	}
	return 0, false
}

// inotify watches the run directory of named namespaces.
type inotify struct {
	f   *os.File
	dir string
}

// watchDir starts watching dir (created if missing, mode 0755 as iproute2 creates it) for files created,
// moved in, deleted and moved out.
func watchDir(dir string) (*inotify, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, os.NewSyscallError("inotify_init1", err)
	}
	if _, err := unix.InotifyAddWatch(fd, dir, unix.IN_CREATE|unix.IN_DELETE|unix.IN_MOVED_TO|
		unix.IN_MOVED_FROM|unix.IN_ATTRIB|unix.IN_DELETE_SELF|unix.IN_MOVE_SELF); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("inotify_add_watch "+dir, err)
	}
	return &inotify{f: os.NewFile(uintptr(fd), "inotify"), dir: dir}, nil
}

func (in *inotify) close() { in.f.Close() }

// nameEvent is one change of the run directory: a name that appeared or went, or rescan (the queue overflowed).
type nameEvent struct {
	name   string
	gone   bool
	rescan bool
}

// read waits for the next changes.
func (in *inotify) read(buf []byte) ([]nameEvent, error) {
	k, err := in.f.Read(buf)
	if err != nil {
		return nil, err
	}
	return parseInotify(buf[:k]), nil
}

// parseInotify decodes a read of an inotify descriptor: struct inotify_event records, each followed by its
// NUL-padded name.
func parseInotify(b []byte) []nameEvent {
	var out []nameEvent
	for off := 0; off+unix.SizeofInotifyEvent <= len(b); {
		mask := binary.NativeEndian.Uint32(b[off+4:])
		nameLen := int(binary.NativeEndian.Uint32(b[off+12:]))
		end := off + unix.SizeofInotifyEvent + nameLen
		if nameLen < 0 || end > len(b) {
			break
		}
		name := strings.TrimRight(string(b[off+unix.SizeofInotifyEvent:end]), "\x00")
		off = end
		switch {
		case mask&unix.IN_Q_OVERFLOW != 0:
			out = append(out, nameEvent{rescan: true})
		case name == "":
		case mask&(unix.IN_DELETE|unix.IN_MOVED_FROM) != 0:
			out = append(out, nameEvent{name: name, gone: true})
		case mask&(unix.IN_CREATE|unix.IN_MOVED_TO|unix.IN_ATTRIB) != 0:
			out = append(out, nameEvent{name: name})
		}
	}
	return out
}

// namedRetry is how long a name that is not a namespace yet (`ip netns add` creates the file, then mounts the
// namespace on it) is tried again, and how often.
const (
	namedRetryFor   = 5 * time.Second
	namedRetryEvery = 20 * time.Millisecond
)

// rescanNamed adds the namespaces of the run directory that are not followed, and drops those whose name is
// gone.
func (n *NodeMirror) rescanNamed(pending map[string]time.Time) {
	names, err := readNames(n.cfg.RunDir)
	if err != nil {
		return
	}
	have := map[string]bool{}
	for _, name := range names {
		have[name] = true
		n.addNamed(name, pending)
	}
	n.mu.Lock()
	var gone []*nodeNS
	for name, ns := range n.byName {
		if name != "" && ns.info.Name == name && !have[name] {
			gone = append(gone, ns)
		}
	}
	n.mu.Unlock()
	for _, ns := range gone {
		n.drop(ns, nil)
	}
}

// watchNamed follows the run directory: it adds the namespaces that appear, and drops those whose name goes.
// pending are names that were not namespaces yet at the first scan.
func (n *NodeMirror) watchNamed(ctx context.Context, pending map[string]time.Time) {
	defer n.bg.Done()
	rescan := func() { n.rescanNamed(pending) }
	buf := make([]byte, 64*1024)
	for ctx.Err() == nil {
		if len(pending) > 0 {
			in := n.ino
			in.f.SetReadDeadline(time.Now().Add(namedRetryEvery))
		} else {
			n.ino.f.SetReadDeadline(time.Time{})
		}
		evs, err := n.ino.read(buf)
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		for _, ev := range evs {
			switch {
			case ev.rescan:
				rescan()
			case ev.gone:
				delete(pending, ev.name)
				n.mu.Lock()
				ns := n.byName[ev.name]
				n.mu.Unlock()
				if ns != nil && ns.info.Name == ev.name {
					n.drop(ns, nil)
				}
			default:
				n.addNamed(ev.name, pending)
			}
		}
		for name, since := range pending {
			if time.Since(since) > namedRetryFor {
				delete(pending, name)
				continue
			}
			n.addNamed(name, pending)
		}
	}
}

// readNames lists dir in directory order.
func readNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

// addNamed follows the named namespace name, or puts it in pending when its file is not a namespace yet.
func (n *NodeMirror) addNamed(name string, pending map[string]time.Time) {
	n.mu.Lock()
	_, known := n.byName[name]
	n.mu.Unlock()
	if known {
		delete(pending, name)
		return
	}
	_, err := n.add(name, filepath.Join(n.cfg.RunDir, name), -1)
	switch {
	case err == nil:
		delete(pending, name)
	case errors.Is(err, errNotNetNS):
		if _, ok := pending[name]; !ok {
			pending[name] = time.Now()
		}
	default:
		delete(pending, name)
	}
}

// Add follows the namespace of path (a container's /proc/PID/ns/net, a bind mount of one) and returns it once
// its nsid is known; its first snapshot is loaded by the pool (Settle waits for it). The file is opened again
// for each dump: when it no longer opens the same namespace (the process exited), the namespace is dropped. A
// namespace already followed under another name is returned as it is.
func (n *NodeMirror) Add(path string) (Namespace, error) {
	return n.add("", path, -1)
}

// AddFD follows the namespace of the descriptor fd (a netns.NsHandle's Fd), under name (may be ""). The
// NodeMirror keeps a duplicate of fd (F_DUPFD_CLOEXEC) until the namespace is removed: such a namespace holds
// one descriptor at rest, and lives as long as it is followed.
func (n *NodeMirror) AddFD(fd int, name string) (Namespace, error) {
	d, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return Namespace{}, &nlkit.OpError{Op: "duplicate namespace descriptor", Unit: nlkit.UnitRoute, Err: err}
	}
	ns, err := n.add(name, "", d)
	if err != nil {
		unix.Close(d)
	}
	return ns, err
}

// Remove stops following the namespace of this name or path, and reports it (NodeRemoved).
func (n *NodeMirror) Remove(nameOrPath string) bool {
	n.mu.Lock()
	ns := n.byName[nameOrPath]
	n.mu.Unlock()
	if ns == nil {
		return false
	}
	n.drop(ns, nil)
	return true
}

// add follows a namespace: by name in the run directory, by path, or by descriptor (fd >= 0, kept).
func (n *NodeMirror) add(name, path string, fd int) (Namespace, error) {
	if fd >= 0 {
		k, err := keyOf(fd)
		if err != nil {
			return Namespace{}, err
		}
		return n.register(name, "fd:"+strconv.Itoa(fd), k, fd, fd)
	}
	f, k, err := openNS(path)
	if err != nil {
		return Namespace{}, err
	}
	defer unix.Close(f)
	return n.register(name, path, k, f, -1)
}

// register gives a namespace its nsid and adds it; fd is open on it, keep is the descriptor to keep (or -1).
func (n *NodeMirror) register(name, path string, k nsKey, fd, keep int) (Namespace, error) {
	key := name
	if key == "" {
		key = path
	}
	if k == n.self {
		if n.cfg.Self {
			n.mu.Lock()
			defer n.mu.Unlock()
			if s := n.byKey[k]; s != nil {
				n.byName[key] = s
				return s.info, nil
			}
		}
		return Namespace{}, fmt.Errorf("route: %s is the NodeMirror's own namespace (see NodeConfig.Self)", key)
	}
	n.mu.Lock()
	if old := n.byKey[k]; old != nil {
		n.byName[key] = old
		n.mu.Unlock()
		return old.info, nil
	}
	n.mu.Unlock()
	id, err := n.nsidOf(context.Background(), fd)
	if err != nil {
		n.reportError(Namespace{Name: name, Path: path}, err)
		return Namespace{}, err
	}
	ns := &nodeNS{info: Namespace{Name: name, Path: path, NSID: id, Dev: k.dev, Ino: k.ino}, key: k, fd: keep,
		resyncDue: true}
	ns.m = n.newView(ns)
	n.mu.Lock()
	defer n.mu.Unlock()
	if old := n.byKey[k]; old != nil {
		n.byName[key] = old
		return old.info, nil
	}
	if old := n.byID[id]; old != nil {
		// The kernel gave the nsid of a namespace that died: its RTM_DELNSID is still on the way.
		n.dropLocked(old, ErrNamespaceGone)
	}
	n.byKey[k], n.byID[id], n.byName[key], n.byName[path] = ns, ns, ns, ns
	n.scheduleLocked(ns)
	return ns.info, nil
}

// addSelf follows the NodeMirror's own namespace.
func (n *NodeMirror) addSelf() {
	ns := &nodeNS{info: Namespace{Path: "/proc/self/ns/net", NSID: -1, Dev: n.self.dev, Ino: n.self.ino, Self: true},
		key: n.self, fd: n.selfFD, resyncDue: true}
	ns.m = n.newView(ns)
	n.mu.Lock()
	n.byKey[n.self], n.byID[-1], n.byName[""] = ns, ns, ns
	n.byName[ns.info.Path] = ns
	n.scheduleLocked(ns)
	n.mu.Unlock()
}

// newView makes the Mirror of one namespace: no sockets of its own, fed by the NodeMirror.
func (n *NodeMirror) newView(ns *nodeNS) *Mirror {
	m := &Mirror{done: make(chan struct{})}
	m.cond = sync.NewCond(m.mu.RLocker())
	if fn := n.cfg.OnChange; fn != nil {
		m.onChange = func(c Change) { fn(ns.info, c) }
	}
	return m
}

// openFor opens the namespace for a dump: its kept descriptor, or its path, checked to be the same namespace.
func (ns *nodeNS) openFor() (int, func(), error) {
	if ns.fd >= 0 {
		return ns.fd, func() {}, nil
	}
	fd, k, err := openNS(ns.info.Path)
	if err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, errNotNetNS) {
			return -1, nil, ErrNamespaceGone
		}
		return -1, nil, err
	}
	if k != ns.key {
		unix.Close(fd)
		return -1, nil, ErrNamespaceGone
	}
	return fd, func() { unix.Close(fd) }, nil
}

// drop stops following a namespace and reports it; err says why when it was not asked for.
func (n *NodeMirror) drop(ns *nodeNS, err error) {
	n.mu.Lock()
	ok := n.dropLocked(ns, err)
	var done *resyncRound
	if r := n.round; r != nil && r.members[ns] {
		delete(r.members, ns)
		if len(r.members) == 0 {
			done, n.round = r, nil
		}
	}
	n.mu.Unlock()
	if ok {
		n.report(NodeEvent{Kind: NodeRemoved, Namespace: ns.info, Err: err})
	}
	if done != nil {
		n.finishRound(done)
	}
}

// dropLocked removes ns from the maps and ends its view; it reports false when it was gone already.
func (n *NodeMirror) dropLocked(ns *nodeNS, err error) bool {
	if ns.gone {
		return false
	}
	ns.gone = true
	n.queued -= len(ns.queue)
	ns.queue, ns.head = nil, nil
	if n.byKey[ns.key] == ns {
		delete(n.byKey, ns.key)
	}
	if n.byID[ns.info.NSID] == ns {
		delete(n.byID, ns.info.NSID)
	}
	for k, v := range n.byName {
		if v == ns {
			delete(n.byName, k)
		}
	}
	if !ns.busy {
		n.closeNS(ns, ErrNamespaceGone)
	}
	n.cond.Broadcast()
	return true
}

// nsidGone handles RTM_DELNSID: the namespace of nsid died, unless it still opens with that nsid (the kernel
// gave the nsid again to a namespace the NodeMirror already follows).
func (n *NodeMirror) nsidGone(id int32) {
	n.mu.Lock()
	ns := n.byID[id]
	n.mu.Unlock()
	if ns == nil {
		return
	}
	fd, release, err := ns.openFor()
	if err == nil {
		cur, gerr := n.getNSID(context.Background(), fd)
		release()
		if gerr == nil && cur == id {
			return
		}
	}
	n.drop(ns, ErrNamespaceGone)
}

// reportError reports a namespace that could not be followed.
func (n *NodeMirror) reportError(ns Namespace, err error) {
	n.report(NodeEvent{Kind: NodeError, Namespace: ns, Err: err})
}
