//go:build linux

package route_test

import (
	"slices"
	"testing"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/netns/nstest"
	"golang.org/x/sys/unix"
)

// TestWatchNetNSDescriptorReused: the caller's namespace descriptor is closed after NewWatcher and its number
// made to name another namespace (dup2 does both at once). The event socket the Watcher opens again after lost
// events (forced with a notification larger than its buffer) must be in the first namespace still: the Watcher
// dials with its own duplicate.
func TestWatchNetNSDescriptorReused(t *testing.T) {
	a := newEnv(t)
	b := nstest.New(t)
	ctx := ctxT(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	cb, err := route.Dial(&route.Config{NetNS: b.Handle.Fd()})
	must(err)
	defer cb.Close()
	must(cb.Link.Add(ctx, veth("onlyb0", "onlyb1")))
	v0 := a.setupVeth("v0", "v1", "10.50.0.1/16")

	fd, err := unix.FcntlInt(uintptr(a.ns.Handle.Fd()), unix.F_DUPFD_CLOEXEC, 0)
	must(err)
	// IPv4 only: with the wide route in place, a dump of all families fails (EMSGSIZE).
	w, err := route.NewWatcher(&route.WatchConfig{NetNS: fd, Objects: route.WatchLinks | route.WatchRoutes,
		Family: unix.AF_INET})
	if err != nil {
		unix.Close(fd)
		t.Fatal(err)
	}
	defer w.Close()
	// The caller's descriptor on a is gone; its number is now b.
	must(unix.Dup3(b.Handle.Fd(), fd, unix.O_CLOEXEC))
	defer unix.Close(fd)

	// A 48 KB RTM_NEWROUTE is cut: the Watcher resynchronises and opens a new event socket. The route goes
	// before the resync dumps (no kernel can dump it; 6.1 fails the dump with EMSGSIZE).
	must(a.c.Route.Add(ctx, wideRoute(v0, 3000)))
	must(a.c.Route.Delete(ctx, wideRoute(v0, 3000)))
	collect(t, w, "the resync after the cut notification", func(ev route.Event) bool {
		if ev.Kind != route.EventResync {
			return false
		}
		if slices.ContainsFunc(ev.Snapshot.Links, func(l route.Link) bool { return l.Name == "onlyb0" }) {
			t.Fatal("the snapshot lists a link of the namespace that took the descriptor's number")
		}
		return true
	})

	// A change in b first, then one in a: only a's arrives.
	must(cb.Link.Add(ctx, veth("afterb0", "afterb1")))
	must(a.c.Link.Add(ctx, veth("aftera0", "aftera1")))
	collect(t, w, "the link added in the watched namespace", func(ev route.Event) bool {
		if ev.Kind == route.EventResync {
			t.Fatalf("another resync (%d)", w.Resyncs())
		}
		if ev.Link != nil && ev.Link.Name == "afterb0" {
			t.Fatal("an event of the namespace that took the descriptor's number arrived")
		}
		return ev.Link != nil && ev.Link.Name == "aftera0"
	})
}
