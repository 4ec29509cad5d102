//go:build linux

package route_test

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// wideRoute is 10.99.0.0/16 over hops gateways of 10.50.0.0/16 on link oif: with 3000 hops its RTM_NEWROUTE
// is about 48 KB, more than the 32 KiB an event socket's buffer starts with.
func wideRoute(oif int32, hops int) route.Route {
	r := route.Route{Dst: netip.MustParsePrefix("10.99.0.0/16")}
	mp := make([]route.NextHop, hops)
	for i := range mp {
		mp[i] = route.NextHop{OIF: oif, Gateway: netip.AddrFrom4([4]byte{10, 50, byte((i + 2) >> 8), byte(i + 2)})}
	}
	r.EnsureExtra().MultiPath = mp
	return r
}

// TestWatchOversizeNotification: a legitimate route with 3000 nexthops makes an RTM_NEWROUTE larger than the
// event socket's buffer. The kernel cuts it (MSG_TRUNC); the Watcher and a Mirror resynchronise instead of
// stopping, the next ordinary event arrives, and the next notification of that size arrives whole.
//
// The kernel cannot put such a route in a dump datagram (at most about 32 KiB) nor in an RTM_GETROUTE answer
// (EMSGSIZE): an IPv4 dump ends at it without an error (Linux 6.18), and a dump of all families fails with
// EMSGSIZE. So no snapshot lists it; the Mirror holds it once a notification of it arrives whole, with the
// nexthops that were added, and its other routes equal a fresh dump, which ends at the same place.
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
	// The Mirror follows IPv4 only: with the wide route in place, the kernel fails a dump of all families with
	// EMSGSIZE, and so would the Mirror's resync.
	m, err := route.NewMirror(ctx, &route.WatchConfig{NetNS: fd, Family: unix.AF_INET,
		Objects: route.WatchLinks | route.WatchAddrs | route.WatchRoutes})
	must(err)
	defer m.Close()

	wide := wideRoute(v0, 3000)
	must(e.c.Route.Add(ctx, wide))
	collect(t, w, "the resync after the cut RTM_NEWROUTE", func(ev route.Event) bool {
		if ev.Route != nil && ev.Route.Dst == wide.Dst {
			t.Fatalf("the %d-hop route's RTM_NEWROUTE arrived whole: it no longer exceeds the first buffer",
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

	// The Mirror resynchronises too, on a socket dialed with a buffer that holds the route. Wait for it: a
	// notification sent before that socket exists is lost with the old one, and no dump can list the route.
	rctx, rcancel := context.WithTimeout(ctx, 10*time.Second)
	defer rcancel()
	for gen := uint64(0); m.Resyncs() == 0; {
		if gen, err = m.Wait(rctx, gen); err != nil {
			t.Fatalf("the Mirror did not resynchronise after the cut notification: %v (err %v)", err, m.Err())
		}
	}

	// An ordinary event comes next.
	small := route.Route{Dst: netip.MustParsePrefix("10.98.0.0/16"), Gateway: netip.MustParseAddr("10.50.0.2")}
	must(e.c.Route.Add(ctx, small))
	collect(t, w, "the ordinary route's event", func(ev route.Event) bool {
		return ev.Kind == route.EventNew && ev.Route != nil && ev.Route.Dst == small.Dst
	})

	// A notification of the same size arrives whole now (a replace that changes nothing makes none: give the
	// first nexthop weight 2).
	wide.Ext().MultiPath[0].Hops = 1
	must(e.c.Route.Replace(ctx, wide))
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
	names := e.names()

	// The Mirror went through the same, and holds the route.
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var gen uint64
	for {
		i := slices.IndexFunc(m.Routes(), func(r route.Route) bool {
			return r.Dst == wide.Dst && len(r.Ext().MultiPath) == 3000
		})
		if i >= 0 {
			if d := hopsDiffer(m.Routes()[i], wide); d != "" {
				t.Errorf("the Mirror's route: %s", d)
			}
			break
		}
		if gen, err = m.Wait(wctx, gen); err != nil {
			t.Fatalf("the Mirror never held the %d-hop route (resyncs %d, err %v): %v", 3000, m.Resyncs(), m.Err(), err)
		}
	}
	if err := m.Err(); err != nil {
		t.Errorf("Mirror.Err() = %v", err)
	}
	if m.Resyncs() < 1 {
		t.Errorf("Mirror.Resyncs() = %d after a cut notification", m.Resyncs())
	}
	dump, err := e.c.Route.List(ctx, &route.RouteFilter{Family: unix.AF_INET})
	must(err)
	if slices.ContainsFunc(dump, func(r route.Route) bool { return r.Dst == wide.Dst }) {
		t.Log("this kernel dumps the wide route")
	}
	var ours, kernel []string
	for _, r := range m.Routes() {
		if r.Family == unix.AF_INET && r.Dst != wide.Dst {
			ours = append(ours, routeLine(&r, names))
		}
	}
	for _, r := range dump {
		if r.Dst != wide.Dst {
			kernel = append(kernel, routeLine(&r, names))
		}
	}
	diffLists(t, "the Mirror's other IPv4 routes", ours, kernel)
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
