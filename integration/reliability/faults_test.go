package reliability

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/families/unit"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// routeKeys renders routes for comparison: everything a dump and an event agree on.
func routeKeys(rs []route.Route) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		if r.Family != unix.AF_INET && r.Family != unix.AF_INET6 {
			continue
		}
		out = append(out, fmt.Sprintf("%d %d %v %v tos %d prio %d type %d proto %d scope %d oif %d gw %v mp %d",
			r.Family, r.Table, r.Dst, r.Ext().Src, r.TOS, r.Priority, r.Type, r.Protocol, r.Scope, r.OIF, r.Gateway,
			len(r.Ext().MultiPath)))
	}
	slices.Sort(out)
	return out
}

// diffKeys counts the keys in only one of a and b (both sorted) and returns a few of them.
func diffKeys(a, b []string) (int, []string) {
	n, i, j := 0, 0, 0
	var some []string
	note := func(s string) {
		n++
		if len(some) < 5 {
			some = append(some, s)
		}
	}
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || (i < len(a) && a[i] < b[j]):
			note("only in mirror: " + a[i])
			i++
		case i == len(a) || b[j] < a[i]:
			note("only in dump: " + b[j])
			j++
		default:
			i++
			j++
		}
	}
	return n, some
}

// TestMirrorSurvivesENOBUFS: a Mirror of routes on a tiny socket receive buffer meets a burst of 10,000 route
// changes made by `ip -batch` in its namespace. Its socket overflows (ENOBUFS); it resynchronises and ends
// equal to a fresh dump.
func TestMirrorSurvivesENOBUFS(t *testing.T) {
	needTool(t, "ip")
	ns := newNS(t)
	fd := ns.Handle.Fd()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	m, err := route.NewMirror(ctx, &route.WatchConfig{Objects: route.WatchRoutes, Family: unix.AF_INET, NetNS: fd,
		SocketReceiveBuffer: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	// 6,000 adds then 4,000 deletes: 10,000 changes, 2,000 routes left.
	var sb strings.Builder
	for i := range 6000 {
		fmt.Fprintf(&sb, "route add blackhole %s\n", routePrefix(10, i))
	}
	for i := range 4000 {
		fmt.Fprintf(&sb, "route del blackhole %s\n", routePrefix(10, i*3/2))
	}
	file := filepath.Join(t.TempDir(), "burst")
	if err := os.WriteFile(file, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if out, err := ns.Output("ip", "-batch", file); err != nil {
		t.Fatalf("ip -batch: %v\n%s", err, out)
	}
	burst := time.Since(start)

	dumper, err := route.Dial(&route.Config{NetNS: fd})
	if err != nil {
		t.Fatal(err)
	}
	defer dumper.Close()
	var mismatch int
	var some []string
	settle := time.Now().Add(15 * time.Second)
	for {
		snap, err := route.TakeSnapshot(ctx, dumper, route.WatchRoutes, unix.AF_INET)
		if err != nil {
			t.Fatal(err)
		}
		want := routeKeys(snap.Routes)
		mismatch, some = diffKeys(routeKeys(m.Routes()), want)
		if mismatch == 0 {
			if n := len(want); n < 2000 {
				t.Fatalf("the dump has %d routes, want at least 2000", n)
			}
			break
		}
		if time.Now().After(settle) {
			addFigure("events_lost", int64(mismatch))
			setFigure("enobufs_mirror_mismatch", mismatch)
			t.Fatalf("the Mirror did not match the dump 15 s after the burst: %d differences, e.g. %q (resyncs %d, err %v)", mismatch,
				some, m.Resyncs(), m.Err())
		}
		time.Sleep(50 * time.Millisecond)
	}
	converged := time.Since(start)
	if m.Resyncs() == 0 {
		t.Errorf("no ENOBUFS: the burst did not overflow a %d-byte buffer, so nothing was tested", 1)
	}
	if err := m.Err(); err != nil {
		t.Errorf("Mirror error: %v", err)
	}
	t.Logf("burst of 10,000 changes in %v; Mirror resynchronised %d times and matched the dump after %v",
		burst.Round(time.Millisecond), m.Resyncs(), converged.Round(time.Millisecond))
	setFigure("enobufs_resyncs", m.Resyncs())
	setFigure("enobufs_mirror_mismatch", mismatch)
	addFigure("events_lost", int64(mismatch))
}

// TestDumpInterruptedRetry: while addresses are added and removed on lo in a loop, address dumps are marked
// NLM_F_DUMP_INTR; List retries them and every result it returns without error is consistent: each of the
// 2,000 stable addresses exactly once, no address twice.
func TestDumpInterruptedRetry(t *testing.T) {
	ns := newNS(t)
	fd := ns.Handle.Fd()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	const stable = 2000
	stableAddr := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{10, 9, byte(i >> 8), byte(i)}) }
	b := newBatcher(t, fd)
	if err := b.run(ctx, stable, func(i int) proto.Message { return addrMsg(true, 1, stableAddr(i)) }); err != nil {
		t.Fatal(err)
	}

	c, err := route.Dial(&route.Config{NetNS: fd, DumpRetries: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	filter := &route.AddrFilter{Family: unix.AF_INET}

	// Churn at a pace that interrupts about half the dumps: one change per two dump durations.
	dumpOnce := func() (intr bool) {
		for _, err := range c.Addr.All(ctx, filter) {
			if errors.Is(err, nlkit.ErrDumpInterrupted) {
				intr = true
			} else if err != nil {
				t.Fatal(err)
			}
		}
		return intr
	}
	dumpOnce() // warm up
	t0 := time.Now()
	for range 10 {
		dumpOnce()
	}
	period := max(2*time.Since(t0)/10, time.Millisecond)
	churn := newBatcher(t, fd)
	stop := make(chan struct{})
	var churned atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for round := 0; ; round++ {
			select {
			case <-stop:
				return
			default:
			}
			a := netip.AddrFrom4([4]byte{10, 8, 0, byte(round)})
			for _, add := range []bool{true, false} {
				if err := churn.run(ctx, 1, func(int) proto.Message { return addrMsg(add, 1, a) }); err != nil {
					t.Errorf("churn: %v", err)
					return
				}
				churned.Add(1)
				time.Sleep(period)
			}
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	// Single attempts (All does not retry): how often does the kernel flag them? Until 10 were flagged, or 5 s.
	dumps, intr := 0, 0
	for end := time.Now().Add(5 * time.Second); intr < size(10, 50) && time.Now().Before(end); dumps++ {
		if dumpOnce() {
			intr++
		}
	}
	// Retried lists: consistent, or a DumpInterruptedError after every retry failed.
	lists, exhausted, checked := size(20, 100), 0, 0
	for range lists {
		as, err := c.Addr.List(ctx, filter)
		var ie *nlkit.DumpInterruptedError
		if errors.As(err, &ie) {
			exhausted++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		checked++
		seen := map[netip.Addr]int{}
		for _, a := range as {
			seen[a.Local]++
		}
		missing, dup := 0, 0
		for i := range stable {
			if seen[stableAddr(i)] != 1 {
				missing++
			}
		}
		for a, n := range seen {
			if n > 1 {
				dup++
				t.Errorf("address %v listed %d times in one List", a, n)
			}
		}
		if missing > 0 {
			t.Errorf("a List without error misses %d of the %d stable addresses", missing, stable)
		}
	}
	t.Logf("under churn (%d changes, one per %v): %d of %d single dumps flagged NLM_F_DUMP_INTR; %d Lists consistent, %d gave up after %d retries",
		churned.Load(), period.Round(time.Microsecond), intr, dumps, checked, exhausted, 50)
	if intr == 0 {
		t.Errorf("no dump was flagged NLM_F_DUMP_INTR under churn: the retry path was not exercised")
	}
	if checked == 0 {
		t.Errorf("every List gave up: no consistent result under churn")
	}
	setFigure("dump_intr_seen", fmt.Sprintf("%d/%d", intr, dumps))
	setFigure("dump_intr_lists_consistent", fmt.Sprintf("%d/%d", checked, lists))
}

// within fails the test unless fn returns within d; it returns fn's error.
func within(t *testing.T, what string, d time.Duration, fn func() error) error {
	t.Helper()
	ch := make(chan error, 1)
	start := time.Now()
	go func() { ch <- fn() }()
	select {
	case err := <-ch:
		t.Logf("%s returned in %v: %v", what, time.Since(start).Round(time.Microsecond), err)
		return err
	case <-time.After(d):
		t.Fatalf("%s did not return within %v", what, d)
		return nil
	}
}

// TestCloseUnblocksReceive: Close from another goroutine ends a blocked receive promptly with ErrClosed — on a
// bare Conn (Receive and ReceiveDatagram, kernel and user units), a route Watcher, a unit Client waiting for a
// reply that never comes, a Subscriber and a serving Server.
func TestCloseUnblocksReceive(t *testing.T) {
	ns := newNS(t)
	fd := ns.Handle.Fd()
	const prompt = time.Second

	blockThenClose := func(what string, closeFn func() error, block func() error) {
		t.Helper()
		errc := make(chan error, 1)
		go func() { errc <- block() }()
		time.Sleep(50 * time.Millisecond) // let it block
		select {
		case err := <-errc:
			t.Fatalf("%s returned before Close: %v", what, err)
		default:
		}
		closed := time.Now()
		if err := closeFn(); err != nil {
			t.Errorf("%s: Close: %v", what, err)
		}
		select {
		case err := <-errc:
			took := time.Since(closed)
			if !errors.Is(err, nlkit.ErrClosed) {
				t.Errorf("%s after Close: %v, want nlkit.ErrClosed", what, err)
			}
			t.Logf("%s: %v after Close (%v)", what, took.Round(time.Microsecond), err)
			setFigure("close_unblock_max_us", max(took.Microseconds(), figureInt("close_unblock_max_us")))
		case <-time.After(prompt):
			t.Errorf("%s still blocked %v after Close", what, prompt)
		}
	}

	for _, u := range []int{nlkit.UnitRoute, nlkit.UnitUsersock} {
		c, err := nlkit.Dial(u, &nlkit.Config{NetNS: fd})
		if err != nil {
			t.Fatal(err)
		}
		blockThenClose(fmt.Sprintf("unit %d Conn.Receive", u), c.Close, func() error {
			_, _, err := c.Receive(context.Background())
			return err
		})
		c2, err := nlkit.Dial(u, &nlkit.Config{NetNS: fd})
		if err != nil {
			t.Fatal(err)
		}
		blockThenClose(fmt.Sprintf("unit %d Conn.ReceiveDatagram", u), c2.Close, func() error {
			_, err := c2.ReceiveDatagram(context.Background())
			return err
		})
	}

	w, err := route.NewWatcher(&route.WatchConfig{NetNS: fd})
	if err != nil {
		t.Fatal(err)
	}
	blockThenClose("route.Watcher.Next", w.Close, func() error { _, err := w.Next(context.Background()); return err })

	// A "server" that never answers.
	mute, err := nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{NetNS: fd})
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	cl, err := unit.DialClient(&unit.ClientConfig{Server: mute.PortID(), Config: unit.Config{NetNS: fd}, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	blockThenClose("unit.Client.Request", cl.Close, func() error {
		_, err := cl.Request(context.Background(), 0, []byte("anyone?"))
		return err
	})

	sub, err := unit.DialSubscriber(&unit.SubscriberConfig{Config: unit.Config{NetNS: fd}, Groups: []uint32{5}})
	if err != nil {
		t.Fatal(err)
	}
	blockThenClose("unit.Subscriber.Receive", sub.Close, func() error { _, err := sub.Receive(context.Background()); return err })

	srv, err := unit.Listen(&unit.ServerConfig{Config: unit.Config{NetNS: fd, PortID: 7200}})
	if err != nil {
		t.Fatal(err)
	}
	blockThenClose("unit.Server.Serve", srv.Close, func() error {
		if err := srv.Serve(context.Background(), func(context.Context, unit.Request) ([]byte, error) { return nil, nil }); err != nil {
			return err
		}
		return nlkit.ErrClosed // Serve returns nil when closed, as documented
	})

	// A context cancelled during a blocked receive returns as promptly, and the Conn stays usable.
	c, err := nlkit.Dial(nlkit.UnitUsersock, &nlkit.Config{NetNS: fd})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rctx, rcancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, rcancel)
	if err := within(t, "Receive with a cancelled context", prompt, func() error {
		_, _, err := c.Receive(rctx)
		return err
	}); !errors.Is(err, context.Canceled) {
		t.Errorf("Receive after cancel: %v, want context.Canceled", err)
	}
	if err := c.SendTo(nlkit.Sockaddr{PortID: c.PortID()}, proto.Message{Header: proto.Header{Type: 0x10}, Data: []byte("self")}); err != nil {
		t.Fatal(err)
	}
	msgs, _, err := c.Receive(context.Background())
	if err != nil || len(msgs) != 1 || string(msgs[0].Data) != "self" {
		t.Errorf("Receive after a cancelled one: %v, %v", msgs, err)
	}
}

// figureInt reads an integer figure (0 when unset).
func figureInt(name string) int64 {
	figures.Lock()
	defer figures.Unlock()
	var v int64
	fmt.Sscan(figures.m[name], &v)
	return v
}

// TestCancelMidDump: with 50,000 routes in the table, a dump cancelled part-way (and one abandoned by breaking
// out of the loop) leaves the connection usable: the next request on it succeeds and sees every route.
func TestCancelMidDump(t *testing.T) {
	ns := newNS(t)
	fd := ns.Handle.Fd()
	const n = 50_000
	start := time.Now()
	addRoutes(t, fd, 10, n)
	t.Logf("added %d routes in %v", n, time.Since(start).Round(time.Millisecond))
	filter := &route.RouteFilter{Family: unix.AF_INET, Table: unix.RT_TABLE_MAIN}

	c, err := route.Dial(&route.Config{NetNS: fd})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rounds := size(2, 3)
	if raceEnabled && !full {
		rounds = 1
	}
	for round := range rounds {
		ctx, cancel := context.WithCancel(context.Background())
		got, stopAt := 0, 1000+round*7000
		var derr error
		for _, err := range c.Route.All(ctx, filter) {
			if err != nil {
				derr = err
				break
			}
			got++
			if got == stopAt {
				cancel()
			}
		}
		cancel()
		if !errors.Is(derr, context.Canceled) || got >= n {
			t.Fatalf("round %d: cancelled dump read %d routes and ended with %v, want context.Canceled before %d",
				round, got, derr, n)
		}
		next := time.Now()
		rs, err := c.Route.List(context.Background(), filter)
		if err != nil || len(rs) != n {
			t.Fatalf("round %d: the List after a cancelled dump: %d routes, %v; want %d", round, len(rs), err, n)
		}
		t.Logf("round %d: dump cancelled after %d routes; the next List gave all %d in %v", round, got, len(rs),
			time.Since(next).Round(time.Millisecond))
	}

	// Breaking out of the loop without cancelling abandons the dump too.
	got := 0
	for _, err := range c.Route.All(context.Background(), filter) {
		if err != nil {
			t.Fatal(err)
		}
		if got++; got == 10 {
			break
		}
	}
	if err := c.Route.Add(context.Background(), route.Route{Family: unix.AF_INET, Table: unix.RT_TABLE_MAIN,
		Type: unix.RTN_BLACKHOLE, Protocol: unix.RTPROT_STATIC, Dst: routePrefix(11, 1)}); err != nil {
		t.Fatalf("Add after an abandoned dump: %v", err)
	}
	if rs, err := c.Route.List(context.Background(), filter); err != nil || len(rs) != n+1 {
		t.Fatalf("List after an abandoned dump and an Add: %d routes, %v; want %d", len(rs), err, n+1)
	}

	// The same on a bare Conn: a raw dump cancelled, then a raw dump to the end.
	conn, err := nlkit.Dial(nlkit.UnitRoute, &nlkit.Config{NetNS: fd})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := proto.Message{Header: proto.Header{Type: unix.RTM_GETROUTE}, Data: cat([]byte{unix.AF_INET}, zeros(11))}
	ctx, cancel := context.WithCancel(context.Background())
	got = 0
	var derr error
	for _, err := range conn.Dump(ctx, req) {
		if err != nil {
			derr = err
			break
		}
		if got++; got == 500 {
			cancel()
		}
	}
	cancel()
	if !errors.Is(derr, context.Canceled) {
		t.Fatalf("raw dump cancelled: %v after %d messages", derr, got)
	}
	count := 0
	for m, err := range conn.Dump(context.Background(), req) {
		if err != nil {
			t.Fatal(err)
		}
		var r route.Route
		if err := r.UnmarshalBinary(m.Data); err != nil {
			t.Fatal(err)
		}
		if r.Table == unix.RT_TABLE_MAIN {
			count++
		}
	}
	if count != n+1 {
		t.Fatalf("raw dump after a cancelled one: %d main-table routes, want %d", count, n+1)
	}
	setFigure("cancel_mid_dump_routes", n)
}

// countTap counts the datagrams a Conn receives.
type countTap struct{ received atomic.Int64 }

func (c *countTap) Sent(int, uint32, nlkit.Sockaddr, []byte)     {}
func (c *countTap) Received(int, uint32, nlkit.Sockaddr, []byte) { c.received.Add(1) }

// TestDumpStopsAtCancel: once the context of a dump is cancelled (here from the loop body), the dump reads no
// further datagram: it may finish the datagram in hand, then yields ctx.Err(). The rest is drained by the next
// request. (Found by this suite: the core only arms a read deadline from a context.AfterFunc goroutine and does
// not check ctx.Err() before each receive, so one to three more 32 KiB datagrams, up to ~1,300 routes, were
// still yielded after the cancel.)
func TestDumpStopsAtCancel(t *testing.T) {
	ns := newNS(t)
	fd := ns.Handle.Fd()
	addRoutes(t, fd, 10, 20_000)
	tap := &countTap{}
	conn, err := nlkit.Dial(nlkit.UnitRoute, &nlkit.Config{NetNS: fd, Tap: tap})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := proto.Message{Header: proto.Header{Type: unix.RTM_GETROUTE}, Data: cat([]byte{unix.AF_INET}, zeros(11))}
	worst := int64(0)
	for round := range 5 {
		ctx, cancel := context.WithCancel(context.Background())
		got, stopAt := 0, 700+round*2500
		var atCancel int64
		var derr error
		for _, err := range conn.Dump(ctx, req) {
			if err != nil {
				derr = err
				break
			}
			if got++; got == stopAt {
				atCancel = tap.received.Load()
				cancel()
			}
		}
		after := tap.received.Load() - atCancel
		cancel()
		switch {
		case derr == nil:
			t.Errorf("round %d: cancelled at message %d, the dump still ran to its end (%d messages, %d more datagrams) and reported no cancellation",
				round, stopAt, got, after)
		case !errors.Is(derr, context.Canceled):
			t.Fatalf("round %d: %v", round, derr)
		}
		worst = max(worst, after)
		// A dump whose decoding keeps up with the kernel reads ahead on a second goroutine: the receive that goroutine
		// has in flight when the cancel comes completes, and nothing after it is read.
		if after > 1 && derr != nil {
			t.Errorf("round %d: the dump received %d more datagrams after its context was cancelled (%d messages yielded, cancelled at %d)",
				round, after, got, stopAt)
		}
	}
	setFigure("dump_datagrams_after_cancel_max", worst)
}
