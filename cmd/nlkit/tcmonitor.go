package main

import (
	"errors"
	"fmt"

	"github.com/nlkit/nlkit/families/tc"
	"golang.org/x/sys/unix"
)

// tcMonitor is `tc monitor`: it prints each traffic-control notification (RTNLGRP_TC) as tc monitor does,
// until interrupted.
func (a *app) tcMonitor() error {
	fd, err := a.openNS()
	if err != nil {
		return err
	}
	w, err := tc.Watch(fd)
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
	for {
		evs, err := w.Next(a.ctx)
		for i := range evs {
			a.printTCEvent(&evs[i])
		}
		if ferr := a.p.flush(a.stdout); ferr != nil {
			return ferr
		}
		if err != nil {
			var de *tc.DecodeError
			switch {
			case errors.As(err, &de):
				fmt.Fprintf(a.stderr, "nlkit monitor: %v\n", err)
				continue
			case a.ctx.Err() != nil:
				return nil
			}
			return err
		}
	}
}

// printTCEvent prints one event as tc monitor's accept_msg: print_qdisc, print_class, print_filter or
// print_action, with "deleted", "added" or "replaced" as they print it.
func (a *app) printTCEvent(ev *tc.Event) {
	p := a.p
	create := ev.Flags&unix.NLM_F_CREATE != 0
	switch {
	case ev.Qdisc != nil:
		switch {
		case ev.Deleted():
			p.text("deleted ")
		case create && ev.Flags&unix.NLM_F_REPLACE != 0:
			p.text("replaced ")
		case create && ev.Flags&unix.NLM_F_EXCL != 0:
			p.text("added ")
		}
		lc, _ := a.linkCache()
		a.printQdisc(ev.Qdisc, lc, false)
	case ev.Class != nil:
		if ev.Deleted() {
			p.text("deleted ")
		}
		lc, _ := a.linkCache()
		a.printClass(ev.Class, lc.name(ev.Class.Ifindex))
	case ev.Filter != nil || ev.Chain != nil:
		switch {
		case ev.Deleted():
			p.text("deleted ")
		case create && ev.Flags&unix.NLM_F_EXCL == 0:
			p.text("replaced ")
		case create:
			p.text("added ")
		}
		if ev.Chain != nil {
			a.printChain(ev.Chain, &tc.Filter{})
		} else {
			a.printFilter(ev.Filter, &tc.Filter{})
		}
	case ev.Actions != nil || ev.Type == unix.RTM_NEWACTION || ev.Type == unix.RTM_DELACTION:
		p.openObj("")
		p.uint("total acts", "total acts %d", 0)
		p.text("\n")
		p.closeObj()
		switch {
		case ev.Deleted():
			p.text("Deleted action ")
		case create && ev.Flags&unix.NLM_F_REPLACE == 0:
			p.text("Added action ")
		case ev.Flags&unix.NLM_F_REPLACE != 0:
			p.text("Replaced action ")
		}
		p.openObj("")
		a.printActions(ev.Actions, true)
		p.closeObj()
	}
	if a.json {
		p.b = append(p.b, '\n')
	}
}
