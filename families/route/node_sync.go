//go:build linux

package route

import (
	"context"
	"errors"
	"time"

	"github.com/nlkit/nlkit"
	"golang.org/x/sys/unix"
)

// The NodeMirror's event loop and its pool: events are applied by nsid, under the Mirror's rules (silent, the
// re-dump of applyRedump, resyncs), and every dump runs on a worker, on a socket opened in the namespace.
//
// Each namespace is owned by one goroutine at a time (nodeNS.busy): the event loop applies an event at once when
// the namespace is idle and the event needs no re-dump; otherwise the event is queued, and a worker takes the
// namespace, dumps, and applies what was queued, as Mirror.redump does with the events queued behind one that
// needs a re-dump. At most NodeConfig.Workers workers run, and none at rest.

// resyncRound is the resync of every namespace after lost events.
type resyncRound struct {
	members map[*nodeNS]bool // namespaces whose resync is not done
	changed map[*nodeNS]Namespace
}

// run is the event loop.
func (n *NodeMirror) run(ctx context.Context) {
	defer close(n.done)
	for {
		n.connMu.Lock()
		conn, closed := n.conn, n.closed
		n.connMu.Unlock()
		if closed || ctx.Err() != nil {
			n.stop(nlkit.ErrClosed)
			return
		}
		d, err := conn.ReceiveDatagram(ctx)
		if err != nil {
			if n.lost(err) {
				if err := n.overflowed(); err != nil {
					n.stop(err)
					return
				}
				continue
			}
			n.connMu.Lock()
			closed = n.closed
			n.connMu.Unlock()
			if closed || ctx.Err() != nil {
				err = nlkit.ErrClosed
			}
			n.stop(err)
			return
		}
		for it := d.Messages(); it.Next(); {
			msg := it.Message()
			switch msg.Header.Type {
			case unix.RTM_NEWNSID:
				continue // namespaces are found by name and path; an nsid alone names none
			case unix.RTM_DELNSID:
				if !d.From.HasNSID {
					if id, ok := decodeNSID(msg.Data); ok {
						n.nsidGone(id)
					}
				}
				continue
			}
			ev, ok, err := DecodeEvent(msg)
			ns := n.lookup(d.From)
			if ns == nil {
				continue
			}
			if err != nil {
				ns.m.fail(err)
				continue
			}
			if ok {
				ev.NSID, ev.HasNSID = d.From.NSID, d.From.HasNSID
				n.deliver(ns, ev)
			}
		}
	}
}

// stop records the error that ended the event loop.
func (n *NodeMirror) stop(err error) {
	n.mu.Lock()
	if n.err == nil {
		n.err = err
	}
	n.cond.Broadcast()
	n.mu.Unlock()
}

// lost reports whether err means lost events (as Watcher.lost), growing the buffer after a cut notification.
func (n *NodeMirror) lost(err error) bool {
	var te *nlkit.TruncatedError
	if errors.As(err, &te) {
		n.rbuf = max(n.rbuf, 2*te.Buffer, te.Size)
		return true
	}
	return errors.Is(err, unix.ENOBUFS)
}

// lookup returns the namespace a datagram came from.
func (n *NodeMirror) lookup(from nlkit.Sender) *nodeNS {
	id := int32(-1)
	if from.HasNSID {
		id = from.NSID
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.byID[id]
}

// deliver applies ev to its namespace now, or queues it for the namespace's owner.
func (n *NodeMirror) deliver(ns *nodeNS, ev Event) {
	n.mu.Lock()
	if ns.gone {
		n.mu.Unlock()
		return
	}
	if ns.busy || ns.scheduled || ns.resyncDue {
		ns.queue = append(ns.queue, ev)
		n.queued++
		if ns.resyncDue && !ns.busy {
			n.scheduleLocked(ns)
		}
		if n.queued > n.cfg.MaxQueued {
			n.shedLocked()
		}
		n.mu.Unlock()
		return
	}
	ns.busy = true
	n.mu.Unlock()
	m := ns.m
	dirty := m.silent(&ev)
	if dirty&n.objs == 0 {
		n.update(m, func() []Change { return m.applyOne(&ev) })
		n.mu.Lock()
		n.release(ns)
		n.mu.Unlock()
		return
	}
	n.mu.Lock()
	ns.head, ns.headDirty = &ev, dirty
	n.release(ns)
	n.mu.Unlock()
}

// release ends a goroutine's ownership of ns, and hands it to a worker when work waits. n.mu is held.
func (n *NodeMirror) release(ns *nodeNS) {
	ns.busy = false
	if ns.gone {
		n.closeNS(ns, ErrNamespaceGone)
		return
	}
	if ns.head != nil || len(ns.queue) > 0 || ns.resyncDue {
		n.scheduleLocked(ns)
	}
}

// update applies fn to a namespace's Mirror and counts it in the NodeMirror's Generation.
func (n *NodeMirror) update(m *Mirror, fn func() []Change) {
	m.update(fn)
	n.gen.Add(1)
	n.mu.Lock()
	n.cond.Broadcast()
	n.mu.Unlock()
}

// scheduleLocked puts ns in the work list (unless a goroutine owns it: the owner sees the work), and starts a
// worker when fewer than Workers run. n.mu is held.
func (n *NodeMirror) scheduleLocked(ns *nodeNS) {
	if ns.busy || ns.scheduled || ns.gone {
		return
	}
	ns.scheduled = true
	n.work = append(n.work, ns)
	if n.running < n.cfg.Workers && n.ctx.Err() == nil {
		n.running++
		go n.worker()
	}
}

// shedLocked makes the namespace with the longest queue forget it and resynchronise: the queues are bounded.
// n.mu is held.
func (n *NodeMirror) shedLocked() {
	var worst *nodeNS
	for _, ns := range n.byKey {
		if worst == nil || len(ns.queue) > len(worst.queue) {
			worst = ns
		}
	}
	if worst == nil {
		return
	}
	n.queued -= len(worst.queue)
	worst.queue, worst.head = nil, nil
	n.resyncLocked(worst)
	if n.cfg.OnEvent != nil {
		info := worst.info
		go n.report(NodeEvent{Kind: NodeOverflow, Namespace: info})
	}
}

// resyncLocked marks ns for a resync after lost events and makes it a member of the round. n.mu is held.
func (n *NodeMirror) resyncLocked(ns *nodeNS) {
	ns.resyncDue = true
	if ns.loaded {
		ns.lost = true
		if n.round == nil {
			n.round = &resyncRound{members: map[*nodeNS]bool{}, changed: map[*nodeNS]Namespace{}}
		}
		n.round.members[ns] = true
	}
	n.scheduleLocked(ns)
}

// overflowed follows lost events: a new event socket (joined before any dump starts, so nothing after it is
// missed), the queued events forgotten (they are older than those lost, and could bring back what those
// removed), and every namespace resynchronised.
func (n *NodeMirror) overflowed() error {
	n.overflow.Add(1)
	conn, err := n.dial()
	if err != nil {
		return err
	}
	n.connMu.Lock()
	if n.closed {
		n.connMu.Unlock()
		conn.Close()
		return nlkit.ErrClosed
	}
	old := n.conn
	n.conn = conn
	n.connMu.Unlock()
	old.Close()
	n.mu.Lock()
	for _, ns := range n.byKey {
		n.queued -= len(ns.queue)
		ns.queue, ns.head = nil, nil
		n.resyncLocked(ns)
	}
	n.mu.Unlock()
	n.report(NodeEvent{Kind: NodeOverflow})
	return nil
}

// worker takes namespaces from the work list until it is empty.
func (n *NodeMirror) worker() {
	n.mu.Lock()
	for len(n.work) > 0 && n.ctx.Err() == nil {
		ns := n.work[0]
		n.work[0] = nil
		n.work = n.work[1:]
		ns.scheduled = false
		if ns.gone || ns.busy {
			continue
		}
		ns.busy = true
		n.mu.Unlock()
		n.serve(ns)
		n.mu.Lock()
		n.release(ns)
	}
	if n.ctx.Err() != nil {
		n.work = nil
	}
	n.running--
	n.cond.Broadcast()
	n.mu.Unlock()
}

// serve does the work waiting for ns, which the calling goroutine owns: a snapshot or resync, then the queued
// events, until none waits.
func (n *NodeMirror) serve(ns *nodeNS) {
	for n.ctx.Err() == nil {
		n.mu.Lock()
		if ns.gone {
			n.mu.Unlock()
			return
		}
		resync, lost := ns.resyncDue, ns.lost
		ns.resyncDue, ns.lost = false, false
		head, hd := ns.head, ns.headDirty
		ns.head = nil
		evs := ns.queue
		ns.queue = nil
		n.queued -= len(evs)
		n.mu.Unlock()
		if !resync && head == nil && len(evs) == 0 {
			return
		}
		if resync && !n.load(ns, lost) {
			return
		}
		n.applyEvents(ns, head, hd, evs)
	}
}

// snapshotRetries is how often a failed snapshot is tried again (10 ms, doubling) before it is given up.
const snapshotRetries = 5

// snapshot dumps objs in ns through a socket opened there and closed after, trying again after a failure.
func (n *NodeMirror) snapshot(ns *nodeNS, objs WatchObjects) (*Snapshot, error) {
	for try := 0; ; try++ {
		s, err := n.dumpOnce(ns, objs)
		if err == nil {
			if try > 0 {
				ns.m.recovered()
			}
			return s, nil
		}
		if errors.Is(err, ErrNamespaceGone) || n.ctx.Err() != nil || try+1 >= snapshotRetries {
			return nil, err
		}
		ns.m.fail(&SnapshotError{Err: err})
		select {
		case <-time.After(10 * time.Millisecond << try):
		case <-n.ctx.Done():
			return nil, n.ctx.Err()
		}
	}
}

func (n *NodeMirror) dumpOnce(ns *nodeNS, objs WatchObjects) (*Snapshot, error) {
	fd, release, err := ns.openFor()
	if err != nil {
		return nil, err
	}
	c, err := Dial(&Config{NetNS: fd})
	release()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return TakeSnapshot(n.ctx, c, objs, n.cfg.Family)
}

// failed handles a snapshot that could not be taken: a namespace that is gone (or never loaded) is dropped,
// another keeps its copy, with the error in its Err, and is resynchronised at its next event.
func (n *NodeMirror) failed(ns *nodeNS, err error) {
	if n.ctx.Err() != nil {
		return
	}
	n.mu.Lock()
	loaded := ns.loaded
	n.mu.Unlock()
	if errors.Is(err, ErrNamespaceGone) || !loaded {
		if !errors.Is(err, ErrNamespaceGone) {
			n.reportError(ns.info, err)
		}
		n.drop(ns, err)
		return
	}
	ns.m.fail(&SnapshotError{Err: err})
	n.reportError(ns.info, err)
	n.mu.Lock()
	ns.resyncDue = true
	// A resync round does not wait for it: it counts as changed, its copy being stale (its Err says so).
	var done *resyncRound
	if r := n.round; r != nil && r.members[ns] {
		delete(r.members, ns)
		r.changed[ns] = ns.info
		if len(r.members) == 0 {
			done, n.round = r, nil
		}
	}
	n.mu.Unlock()
	if done != nil {
		n.finishRound(done)
	}
}

// load takes a namespace's first snapshot, or its resync (lost: after lost events); it reports false when the
// snapshot failed.
func (n *NodeMirror) load(ns *nodeNS, lost bool) bool {
	s, err := n.snapshot(ns, n.objs)
	if err != nil {
		n.failed(ns, err)
		return false
	}
	m := ns.m
	n.mu.Lock()
	first := !ns.loaded
	n.mu.Unlock()
	m.seeLinks(s.Links)
	changes := 0
	n.update(m, func() []Change {
		old := m.s
		m.s = newState(s, WatchAll)
		if first {
			if m.onChange == nil {
				return nil
			}
			return diffState(&mirrorState{}, &m.s, WatchAll, CauseResync)
		}
		m.resyncs++
		ch := diffState(&old, &m.s, WatchAll, CauseResync)
		changes = len(ch)
		if m.onChange == nil {
			return nil
		}
		return ch
	})
	if first {
		n.mu.Lock()
		ns.loaded = true
		n.mu.Unlock()
		n.report(NodeEvent{Kind: NodeAdded, Namespace: ns.info})
		return true
	}
	n.resyncs.Add(1)
	if lost {
		n.report(NodeEvent{Kind: NodeResynced, Namespace: ns.info, Changes: changes})
	}
	n.mu.Lock()
	var done *resyncRound
	if r := n.round; r != nil && r.members[ns] {
		delete(r.members, ns)
		if changes > 0 {
			r.changed[ns] = ns.info
		}
		if len(r.members) == 0 {
			done, n.round = r, nil
		}
	}
	n.mu.Unlock()
	if done != nil {
		n.finishRound(done)
	}
	return true
}

// finishRound reports the end of a resync round.
func (n *NodeMirror) finishRound(r *resyncRound) {
	changed := make([]Namespace, 0, len(r.changed))
	for _, info := range r.changed {
		changed = append(changed, info)
	}
	sortNamespaces(changed)
	n.report(NodeEvent{Kind: NodeResyncDone, Changed: changed})
	n.mu.Lock()
	n.cond.Broadcast()
	n.mu.Unlock()
}

// applyEvents applies queued events to ns as the Mirror's run loop does: each at once until one needs a re-dump
// (head, whose silent changes hd the event loop found, or one of evs), then that one and every event after it
// with a re-dump of what they changed silently (Mirror.applyRedump).
func (n *NodeMirror) applyEvents(ns *nodeNS, head *Event, hd WatchObjects, evs []Event) {
	m := ns.m
	var taken []Event
	dirty := hd
	if head != nil {
		taken = append([]Event{*head}, evs...)
		evs = taken[1:]
	} else {
		for i := range evs {
			d := m.silent(&evs[i])
			if d&n.objs == 0 {
				n.update(m, func() []Change { return m.applyOne(&evs[i]) })
				continue
			}
			dirty, taken, evs = d, evs[i:], evs[i+1:]
			break
		}
		if taken == nil {
			return
		}
	}
	for i := range evs {
		dirty |= m.silent(&evs[i])
	}
	dirty &= n.objs
	var fresh mirrorState
	if dirty != 0 {
		s, err := n.snapshot(ns, dirty)
		if err != nil {
			n.update(m, func() []Change { return m.applyAll(taken) }) // what was taken is not lost
			n.failed(ns, err)
			return
		}
		fresh = newState(s, dirty)
	}
	n.update(m, func() []Change { return m.applyRedump(taken, dirty, &fresh) })
}
