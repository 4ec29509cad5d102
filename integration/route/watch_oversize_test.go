//go:build linux

package route_test

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// wideRoute is 10.99.0.0/16 over hops gateways of 10.50.0.0/16 on link oif: with 3000 hops its RTM_NEWROUTE
// is about 48 KB, more than the 32 KiB an event socket's buffer starts with.
func wideRoute(oif int32, hops int) route.Route {
	r := route.Route{Dst: netip.MustParsePrefix("10.99.0.0/16")}
	mp := make([]route.Hop, hops)
	for i := range mp {
		mp[i] = route.Hop{OIF: oif, Gateway: netip.AddrFrom4([4]byte{10, 50, byte((i + 2) >> 8), byte(i + 2)})}
	}
	r.EnsureExtra().MultiPath = mp
	return r
}

// TestWatchOversizeNotification: a legitimate route with 3000 nexthops makes an RTM_NEWROUTE larger than the
// event socket's buffer. The kernel cuts it (MSG_TRUNC); the Watcher and a Mirror resynchronise instead of
// stopping, the next ordinary event arrives, and the next notification of that size arrives whole.
//
// The kernel cannot put such a route in a dump datagram (at most about 32 KiB) nor in an RTM_GETROUTE answer:
// while it exists, Linux 6.18 ends an IPv4 dump at it without an error, and 6.1 fails the dump with EMSGSIZE.
// So the route is deleted before the resynchronisations dump (a Mirror that dumps while it exists on 6.1
// reports a *SnapshotError and tries again), added again once the sockets have grown, and deleted at the end,
// when the Mirror must equal a fresh dump.
func TestWatchOversizeNotification(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	fd := e.ns.Handle.Fd()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	v0 := e.setupVeth("v0", "v1", "10.50.0.1/16")
	w, err := route.NewWatcher(&route.WatchConfig{NetNS: fd, Objects: route.WatchRoutes, Family: unix.AF_INET})
	must(err)
	defer w.Close()
	m, err := route.NewMirror(ctx, &route.WatchConfig{NetNS: fd})
	must(err)
	defer m.Close()

	wide := wideRoute(v0, 3000)
	must(e.c.Route.Add(ctx, wide))
	must(e.c.Route.Delete(ctx, wide))
	collect(t, w, "the resync after the cut RTM_NEWROUTE", func(ev route.Event) bool {
		if ev.Route != nil && ev.Route.Dst == wide.Dst {
			t.Fatalf("the %d-hop route's notification arrived whole: it no longer exceeds the first buffer",
				len(ev.Route.Ext().MultiPath))
		}
		if ev.Kind == route.EventResync && !ev.Lost {
			t.Errorf("resync without Lost: %v", ev)
		}
		return ev.Kind == route.EventResync
	})
	if w.Resyncs() != 1 {
		t.Errorf("Resyncs = %d after one cut notification, want 1", w.Resyncs())
	}
	// The Mirror resynchronises too, on a socket dialed with a buffer that holds the route.
	barrier(t, e, m)
	if m.Resyncs() == 0 {
		t.Fatalf("the Mirror did not resynchronise after the cut notification (err %v)", m.Err())
	}

	// An ordinary event comes next.
	small := route.Route{Dst: netip.MustParsePrefix("10.98.0.0/16"), Gateway: netip.MustParseAddr("10.50.0.2")}
	must(e.c.Route.Add(ctx, small))
	collect(t, w, "the ordinary route's event", func(ev route.Event) bool {
		return ev.Kind == route.EventNew && ev.Route != nil && ev.Route.Dst == small.Dst
	})

	// A notification of the same size arrives whole now, at the Watcher and at the Mirror.
	wide.Ext().MultiPath[0].Hops = 1
	must(e.c.Route.Add(ctx, wide))
	var got route.Route
	collect(t, w, "the wide route's RTM_NEWROUTE, whole", func(ev route.Event) bool {
		if ev.Kind == route.EventResync {
			t.Fatalf("another resync (%d): the grown buffer did not hold the notification", w.Resyncs())
		}
		if ev.Kind == route.EventNew && ev.Route != nil && ev.Route.Dst == wide.Dst {
			got = ev.Route.Clone()
			return true
		}
		return false
	})
	if d := hopsDiffer(got, wide); d != "" {
		t.Errorf("the route's event: %s", d)
	}
	barrier(t, e, m)
	i := slices.IndexFunc(m.Routes(), func(r route.Route) bool { return r.Dst == wide.Dst })
	if i < 0 {
		t.Fatalf("the Mirror does not hold the %d-hop route (resyncs %d, err %v)", 3000, m.Resyncs(), m.Err())
	}
	if d := hopsDiffer(m.Routes()[i], wide); d != "" {
		t.Errorf("the Mirror's route: %s", d)
	}
	resyncs := m.Resyncs()

	// Its deletion arrives whole too, and the Mirror equals a dump again.
	must(e.c.Route.Delete(ctx, wide))
	mirrorTrue(t, e, m)
	if err := m.Err(); err != nil {
		t.Errorf("Mirror.Err() = %v", err)
	}
	if m.Resyncs() != resyncs {
		t.Errorf("the Mirror resynchronised %d more times", m.Resyncs()-resyncs)
	}
}

// hopsDiffer describes how r's nexthops differ from want's (OIF, gateway and weight, in order), or is "".
func hopsDiffer(r, want route.Route) string {
	a, b := r.Ext().MultiPath, want.Ext().MultiPath
	if len(a) != len(b) {
		return fmt.Sprintf("%d nexthops, want %d", len(a), len(b))
	}
	for i := range a {
		if a[i].OIF != b[i].OIF || a[i].Gateway != b[i].Gateway || a[i].Hops != b[i].Hops {
			return fmt.Sprintf("nexthop %d is %+v, want %+v", i, a[i], b[i])
		}
	}
	return ""
}
