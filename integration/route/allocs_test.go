//go:build linux && !race

// The race detector's instrumentation allocates, so these tests are built without it; `make test` runs them in
// a pass of its own (make alloc-test).

package route_test

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// dumpAllocsMax is the most allocations a streamed dump may cost on a real socket, whatever its size: the
// iterator All returns and the request's bytes, and in the caller the range loop's two (the loop body's closure
// and the state variable Go's range-over-func adds to it). An object with rare attributes adds its own (a
// route's RouteExtra).
const dumpAllocsMax = 4

// TestDumpAllocations streams RTM_GETROUTE and RTM_GETLINK dumps on a real socket and checks that each costs a
// fixed, small number of allocations: nothing per message, nothing per datagram, nothing for the read-ahead.
func TestDumpAllocations(t *testing.T) {
	e := newEnv(t)
	lines := []string{"link add v0 type veth peer name v1", "link set v0 up", "link set v1 up",
		"addr add 10.0.0.1/24 dev v0"}
	for i := range 40 {
		lines = append(lines, fmt.Sprintf("link add a%d type veth peer name b%d", i, i))
	}
	for i := range 20000 {
		lines = append(lines, fmt.Sprintf("route add 10.%d.%d.0/24 via 10.0.0.254", 16+i>>8, i&255))
	}
	e.batch(lines)
	ctx := context.Background()
	main4 := &route.RouteFilter{Family: unix.AF_INET, Table: route.TableMain}

	// The loops count into one variable made once, so that the only allocation they make is their closure.
	var count struct {
		n      int
		extras int // routes that come with a RouteExtra: each costs one allocation
	}
	routes := func() int {
		count.n, count.extras = 0, 0
		for r, err := range e.c.Route.All(ctx, main4) {
			if err != nil {
				t.Fatal(err)
			}
			if r.Gateway.IsValid() {
				count.n++
			}
			if r.Extra != nil {
				count.extras++
			}
		}
		return count.n
	}
	links := func() int {
		count.n, count.extras = 0, 0
		for l, err := range e.c.Link.All(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			if l.Name != "" {
				count.n++
			}
		}
		return count.n
	}
	for _, c := range []struct {
		what string
		dump func() int
		want int
	}{{"RTM_GETROUTE, 20,000 routes", routes, 20000}, {"RTM_GETLINK, 83 links", links, 83}} {
		if got := c.dump(); got != c.want {
			t.Fatalf("%s: %d objects, want %d", c.what, got, c.want)
		}
		// AllocsPerRun runs at GOMAXPROCS 1, where dumps never read ahead: measure that way and with two.
		for _, procs := range []int{1, 2} {
			allocs := allocsPerDump(procs, c.dump)
			t.Logf("%s, GOMAXPROCS %d: %.1f allocations per dump (%d objects with extra attributes)", c.what,
				procs, allocs, count.extras)
			// Up to a quarter per dump is let through for the runtime (see allocsPerDump), while a real
			// per-dump allocation adds a whole one.
			if max := float64(dumpAllocsMax + count.extras); allocs > max+0.25 {
				t.Errorf("%s, GOMAXPROCS %d: %.1f allocations per dump, want at most %.0f", c.what, procs, allocs,
					max)
			}
		}
	}
}

// allocsPerDump is testing.AllocsPerRun at GOMAXPROCS procs: after 100 dumps (enough for the runtime's caches
// of goroutines to settle), the average allocations per dump of the quietest of 5 runs of 10 dumps. The runtime
// allocates for itself now and then (a goroutine record, a sudog after a collection), on a slow machine more
// often; an allocation nlkit makes per dump shows in every run.
func allocsPerDump(procs int, dump func() int) float64 {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	for range 100 {
		dump()
	}
	least := math.Inf(1)
	for range 5 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 10 {
			dump()
		}
		runtime.ReadMemStats(&after)
		least = min(least, float64(after.Mallocs-before.Mallocs)/10)
	}
	return least
}
