//go:build linux

package tc_test

import (
	"testing"

	"github.com/nlkit/nlkit/families/tc"
	"golang.org/x/sys/unix"
)

// TestWatcher follows RTNLGRP_TC while tc and nlkit change qdiscs and classes: each change arrives as an event
// with the object as a dump shows it.
func TestWatcher(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	w, err := tc.Watch(e.ns.Handle.Fd())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	next := func(typ uint16) tc.Event {
		t.Helper()
		for {
			evs, err := w.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range evs {
				if ev.Type == typ {
					return ev
				}
			}
		}
	}
	e.tc("qdisc add dev v0 root handle 1: htb default 10 r2q 7")
	ev := next(unix.RTM_NEWQDISC)
	h, ok := ev.Qdisc.Options.(*tc.HTB)
	if ev.Qdisc.Kind != "htb" || !ok || h.Rate2Quantum != 7 || h.Default != 0x10 || ev.Qdisc.Ifindex != e.index["v0"] {
		t.Errorf("qdisc event %v %+v", ev, ev.Qdisc.Options)
	}
	e.tc("class add dev v0 parent 1: classid 1:10 htb rate 2mbit")
	ev = next(unix.RTM_NEWTCLASS)
	if c, ok := ev.Class.Options.(*tc.HTBClass); !ok || c.RateBps() != 250000 || ev.Class.Handle != tc.MakeHandle(1, 0x10) {
		t.Errorf("class event %v", ev)
	}
	if err := e.c.Qdisc.Delete(ctx, tc.Qdisc{Object: tc.Object{Ifindex: e.index["v0"], Parent: tc.HandleRoot}}); err != nil {
		t.Fatal(err)
	}
	ev = next(unix.RTM_DELQDISC)
	if !ev.Deleted() || ev.Qdisc.Kind != "htb" || ev.Qdisc.Handle != tc.MakeHandle(1, 0) {
		t.Errorf("delete event %v", ev)
	}
}
