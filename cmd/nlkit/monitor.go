package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/pcap"
	"golang.org/x/sys/unix"
)

// monitorObjects are the words `monitor` accepts, in ip's order for abbreviations.
var monitorObjects = []struct {
	name string
	objs route.WatchObjects
}{
	{"link", route.WatchLinks}, {"address", route.WatchAddrs}, {"route", route.WatchRoutes},
	{"neighbor", route.WatchNeighs}, {"neighbour", route.WatchNeighs}, {"neigh", route.WatchNeighs},
	{"rule", route.WatchRules}, {"nexthop", route.WatchNexthops}, {"all", route.WatchAll},
}

// cmdMonitor is `ip monitor [label] [OBJECTS...]`, with `-w FILE.pcap` to record the event socket's traffic
// (LINKTYPE_NETLINK, through pcap.Writer as the connection's Tap). It runs until interrupted.
func (a *app) cmdMonitor(argv []string) error {
	var objs route.WatchObjects
	label, file := false, ""
	for av := newArgs(argv); av.more(); {
		w := av.take()
		switch {
		case w == "-w" || w == "write":
			v, err := av.value()
			if err != nil {
				return err
			}
			file = v
			continue
		case w == "label":
			label = true
			continue
		case w == "tc":
			return a.tcMonitor() // tc monitor: traffic-control events only (tcmonitor.go)
		case matches(w, "help"):
			return helpf("Usage: nlkit monitor [ -w FILE.pcap ] [ label ] [ all | OBJECTS ]\n" +
				"OBJECTS := link | address | route | neigh | rule | nexthop\n" +
				"       nlkit monitor tc")
		}
		found := false
		for _, o := range monitorObjects {
			if matches(w, o.name) {
				objs |= o.objs
				found = true
				break
			}
		}
		if !found {
			return usagef("Argument %q is unknown, try \"nlkit monitor help\".", w)
		}
	}
	if objs == 0 {
		objs = route.WatchAll
	}
	fd, err := a.openNS()
	if err != nil {
		return err
	}
	ncfg := &nlkit.Config{NetNS: fd}
	if file != "" {
		f, err := os.Create(file)
		if err != nil {
			return &notFoundError{msg: fmt.Sprintf("Cannot open %q: %v", file, err)}
		}
		defer f.Close()
		pw, err := pcap.NewWriter(f)
		if err != nil {
			return err
		}
		ncfg.Tap = pw
		defer func() {
			if werr := pw.Err(); werr != nil {
				fmt.Fprintf(a.stderr, "nlkit monitor: writing %s: %v\n", file, werr)
			}
		}()
	}
	dump, err := a.client()
	if err != nil {
		return err
	}
	// The event socket is monitor's own, so that one Tap sees all it receives: the Watcher drains it after
	// lost events rather than dialing another.
	dial := a.dialEvents
	if dial == nil {
		dial = func(cfg *nlkit.Config) (*nlkit.Conn, error) { return nlkit.Dial(nlkit.UnitRoute, cfg) }
	}
	conn, err := dial(ncfg)
	if err != nil {
		return fmt.Errorf("cannot open netlink socket: %w", err)
	}
	w, err := route.NewWatcherConn(conn, dump, &route.WatchConfig{Objects: objs, Family: a.family})
	if err != nil {
		return fmt.Errorf("cannot open netlink socket: %w", err)
	}
	defer w.Close()
	if _, err := a.linkCache(); err != nil {
		return err
	}
	if a.ready != nil {
		a.ready()
	}
	for ev, err := range w.Events(a.ctx) {
		if err != nil {
			var de *route.DecodeError
			switch {
			case errors.As(err, &de):
				fmt.Fprintf(a.stderr, "nlkit monitor: %v\n", err)
				continue
			case a.ctx.Err() != nil:
				return nil // interrupted: the normal end of a monitor
			}
			return err
		}
		a.printEvent(&ev, label)
		if err := a.p.flush(a.stdout); err != nil {
			return err
		}
	}
	return nil
}

// printEvent prints one change as ip monitor does.
func (a *app) printEvent(ev *route.Event, label bool) {
	p := a.p
	del := ev.Kind == route.EventDelete
	banner := func(s string) {
		if label {
			p.text("[%s]", s)
		}
	}
	switch {
	case ev.Link != nil:
		a.rememberLink(ev.Link, del)
		banner("LINK")
		p.openObj("")
		a.printLink(ev.Link, linkStyle{linkLayer: true, deleted: del})
		p.closeObj()
	case ev.Addr != nil:
		if a.family != 0 && ev.Addr.Family != a.family {
			return
		}
		banner("ADDR")
		p.openObj("")
		a.printAddr(ev.Addr, del, true)
		p.closeObj()
	case ev.Route != nil:
		banner("ROUTE")
		a.printRoute(ev.Route, routeStyle{deleted: del})
	case ev.Neigh != nil:
		if a.family != 0 && ev.Neigh.Family != a.family {
			return
		}
		banner("NEIGH")
		a.printNeigh(ev.Neigh, false, del)
	case ev.Rule != nil:
		banner("RULE")
		a.printRule(ev.Rule, del)
	case ev.Nexthop != nil:
		banner("NEXTHOP")
		a.printNexthop(ev.Nexthop, del)
	case ev.Kind == route.EventResync && ev.Snapshot != nil:
		a.links = newLinkCache(ev.Snapshot.Links)
		if ev.Lost {
			fmt.Fprintln(a.stderr, "nlkit monitor: events were lost (the receive queue overflowed, or a "+
				"notification did not fit the buffer); state resynchronised")
		}
		return
	default:
		return
	}
	if a.json {
		p.b = append(p.b, '\n')
	}
}

// rememberLink keeps the name cache current as links come and go (ip's ll_remember_index).
func (a *app) rememberLink(l *route.Link, deleted bool) {
	lc := a.links
	if lc == nil {
		lc = newLinkCache(nil)
		a.links = lc
	}
	if l.Family != unix.AF_UNSPEC && l.Family != unix.AF_BRIDGE {
		return
	}
	if n, ok := lc.byIndex[l.Index]; ok {
		delete(lc.byName, lc.list[n].Name)
		if deleted {
			return // the slot stays; the name no longer resolves
		}
		lc.list[n] = *l
		lc.byName[l.Name] = n
		return
	}
	if deleted {
		return
	}
	lc.list = append(lc.list, *l)
	lc.byIndex[l.Index] = len(lc.list) - 1
	lc.byName[l.Name] = len(lc.list) - 1
}
