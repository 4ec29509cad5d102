package reliability

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/families/unit"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// TestLoadRequests: 64 goroutines share 4 unit Clients and send requests to one Server (100,000 in the full
// mode). Every payload is unique and every reply must be the server's transformation of exactly that payload:
// a reply delivered to the wrong caller is a mismatch. Goroutines and descriptors are counted before and after.
func TestLoadRequests(t *testing.T) {
	ns := newNS(t)
	fd := ns.Handle.Fd()
	before := countResources()
	total := size(20_000, 100_000)
	const goroutines, clients = 64, 4

	srv, err := unit.Listen(&unit.ServerConfig{Config: unit.Config{NetNS: fd, PortID: 7300, SocketReceiveBuffer: 4 << 20}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		served <- srv.Serve(ctx, func(_ context.Context, req unit.Request) ([]byte, error) {
			// The reply binds the payload to the request's sequence number: "seq:payload".
			return fmt.Appendf(nil, "%d:%s", req.Message.Header.Sequence, req.Message.Data), nil
		})
	}()
	cls := make([]*unit.Client, clients)
	for i := range cls {
		if cls[i], err = unit.DialClient(&unit.ClientConfig{Server: srv.PortID(), Config: unit.Config{NetNS: fd,
			SocketReceiveBuffer: 4 << 20}, Timeout: 30 * time.Second}); err != nil {
			t.Fatal(err)
		}
	}

	var next, mismatched, failed atomic.Int64
	var firstErr sync.Once
	start := time.Now()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := cls[g%clients]
			payload := make([]byte, 24)
			for {
				i := next.Add(1) - 1
				if i >= int64(total) {
					return
				}
				binary.BigEndian.PutUint32(payload[0:], uint32(g))
				binary.BigEndian.PutUint64(payload[4:], uint64(i))
				binary.BigEndian.PutUint64(payload[12:], uint64(i)*0x9e3779b97f4a7c15)
				copy(payload[20:], "load")
				rep, err := c.Request(context.Background(), 0, payload)
				if err != nil {
					failed.Add(1)
					firstErr.Do(func() { t.Errorf("request %d: %v", i, err) })
					continue
				}
				want := fmt.Appendf(nil, "%d:%s", rep.Message.Header.Sequence, payload)
				if !bytes.Equal(rep.Message.Data, want) {
					mismatched.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, c := range cls {
		c.Close()
	}
	cancel()
	srv.Close()
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	st := srv.Stats()
	if mismatched.Load() != 0 || failed.Load() != 0 || st.Replies != uint64(total) {
		t.Errorf("%d requests: %d replies mismatched, %d failed; server stats %+v", total, mismatched.Load(),
			failed.Load(), st)
	}
	leaks := checkLeaks(t, before)
	rate := float64(total) / elapsed.Seconds()
	t.Logf("%d requests from %d goroutines over %d clients in %v (%.0f/s): %d mismatched, %d failed",
		total, goroutines, clients, elapsed.Round(time.Millisecond), rate, mismatched.Load(), failed.Load())
	addFigure("requests_mismatched", mismatched.Load())
	setFigure("requests", total)
	setFigure("requests_failed", failed.Load())
	setFigure("requests_per_sec", int(rate))
	addFigure("leaks", int64(leaks))
}

// TestLoadWatchRoutes: a route Watcher follows rounds of adds and deletes of blackhole /32 routes (1,000,000
// changes in the full mode) and accounts for every object: each must show exactly its adds and deletes. After
// an ENOBUFS the Watcher resynchronises (counted) and per-object counting is replaced by comparing the state
// built from events and snapshots with a dump. The final state must equal a dump either way.
func TestLoadWatchRoutes(t *testing.T) {
	ns := newNS(t)
	fd := ns.Handle.Fd()
	before := countResources()
	prefixes, rounds := size(10_000, 100_000), size(1, 5)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	w, err := route.NewWatcher(&route.WatchConfig{Objects: route.WatchRoutes, Family: unix.AF_INET, NetNS: fd,
		SocketReceiveBuffer: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	const base = 10
	sentinel := routePrefix(11, 0xffff)
	adds := make([]uint32, prefixes)
	dels := make([]uint32, prefixes)
	present := map[int]bool{} // state from events and snapshots
	var events, resyncs, stray int64
	done := make(chan error, 1)
	go func() {
		for {
			ev, err := w.Next(ctx)
			if err != nil {
				done <- err
				return
			}
			if ev.Kind == route.EventResync {
				resyncs++
				clear(present)
				for _, r := range ev.Snapshot.Routes {
					if id := routeIDOf(base, r.Dst); id >= 0 {
						present[id] = true
					}
				}
				continue
			}
			if ev.Route == nil {
				continue
			}
			if ev.Route.Dst == sentinel && ev.Kind == route.EventNew {
				done <- nil
				return
			}
			id := routeIDOf(base, ev.Route.Dst)
			if id < 0 || id >= prefixes {
				stray++
				continue
			}
			events++
			if ev.Kind == route.EventNew {
				adds[id]++
				present[id] = true
			} else {
				dels[id]++
				delete(present, id)
			}
		}
	}()

	b := newBatcher(t, fd)
	start := time.Now()
	for range rounds {
		for _, add := range []bool{true, false} {
			if err := b.run(ctx, prefixes, func(i int) proto.Message { return routeMsg(add, routePrefix(base, i)) }); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Leave every even route in place, then mark the end.
	if err := b.run(ctx, prefixes/2, func(i int) proto.Message { return routeMsg(true, routePrefix(base, 2*i)) }); err != nil {
		t.Fatal(err)
	}
	changes := b.ops
	if err := b.run(ctx, 1, func(int) proto.Message { return routeMsg(true, sentinel) }); err != nil {
		t.Fatal(err)
	}
	generated := time.Since(start)
	b.conn.Close()
	if err := <-done; err != nil {
		t.Fatalf("watcher: %v", err)
	}
	followed := time.Since(start)

	// Per-object accounting (exact when no events were dropped by the kernel).
	var lost, extra int64
	for id := range prefixes {
		wantAdds := uint32(rounds)
		if id%2 == 0 {
			wantAdds++
		}
		for _, c := range []struct{ got, want uint32 }{{adds[id], wantAdds}, {dels[id], uint32(rounds)}} {
			if c.got < c.want {
				lost += int64(c.want - c.got)
			} else {
				extra += int64(c.got - c.want)
			}
		}
	}
	// The state built from events (and snapshots) against a dump.
	dumper, err := route.Dial(&route.Config{NetNS: fd})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := dumper.Route.List(ctx, &route.RouteFilter{Family: unix.AF_INET, Table: unix.RT_TABLE_MAIN})
	dumper.Close()
	if err != nil {
		t.Fatal(err)
	}
	inKernel := map[int]bool{}
	for _, r := range rs {
		if id := routeIDOf(base, r.Dst); id >= 0 {
			inKernel[id] = true
		}
	}
	stateMismatch := int64(0)
	for id := range prefixes {
		if present[id] != inKernel[id] {
			stateMismatch++
		}
	}
	if len(inKernel) != prefixes/2 {
		t.Errorf("the kernel holds %d of the test's routes, want %d", len(inKernel), prefixes/2)
	}
	w.Close()

	eventsLost := stateMismatch
	if resyncs == 0 {
		eventsLost += lost
		if lost != 0 || extra != 0 {
			t.Errorf("with no ENOBUFS, %d events lost and %d extra over %d objects", lost, extra, prefixes)
		}
	} else {
		t.Logf("ENOBUFS: %d resyncs; per-object counts show %d events dropped by the kernel and recovered by resync", resyncs, lost)
	}
	if stateMismatch != 0 {
		t.Errorf("the watcher's state differs from the dump for %d routes", stateMismatch)
	}
	if stray != 0 {
		t.Errorf("%d events for routes the test did not make", stray)
	}
	leaks := checkLeaks(t, before)
	t.Logf("%d route changes over %d objects made in %v, followed in %v (%.0f events/s): %d events, %d lost, %d extra, %d resyncs, state mismatch %d",
		changes, prefixes, generated.Round(time.Millisecond), followed.Round(time.Millisecond),
		float64(events)/followed.Seconds(), events, lost, extra, resyncs, stateMismatch)
	addFigure("events_lost", eventsLost)
	addFigure("leaks", int64(leaks))
	setFigure("watch_route_changes", changes)
	setFigure("watch_events", events)
	setFigure("watch_resyncs", resyncs)
	setFigure("watch_events_per_sec", int(float64(events)/followed.Seconds()))
}
