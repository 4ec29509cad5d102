package main

import (
	"bufio"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// TestIssue15EmptyNetns: `-n ""` is an error, as ip's is, and never this namespace.
func TestIssue15EmptyNetns(t *testing.T) {
	for _, args := range [][]string{{"-n", "", "link"}, {"-netns", "", "nexthop"}, {"-n", ""}} {
		out, stderr, code := runFake(t, testKernel(), args...)
		if code != exitFailure || out != "" ||
			stderr != "setting the network namespace \"\" failed: Invalid argument\n" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, stderr)
		}
	}
	if _, stderr, code := runFake(t, testKernel(), "-n"); code != exitRequest {
		t.Errorf("-n alone: exit %d, stderr %q", code, stderr)
	}
}

// TestIssue15Seconds: clock ticks print as ip's print_tv does, with C's %g.
func TestIssue15Seconds(t *testing.T) {
	for ticks, want := range map[uint64]string{0: "0", 6000: "60", 150: "1.5", 1: "0.01", 12345678: "123457",
		100000000: "1e+06", 429496729500: "4.29497e+09"} {
		p := newPrinter(false, false)
		p.seconds("k", "%s", ticks)
		if got := string(p.b); got != want {
			t.Errorf("%d ticks: %q, want %q", ticks, got, want)
		}
		p = newPrinter(true, false)
		p.openObj("")
		p.seconds("k", "%s", ticks)
		p.closeObj()
		if got := string(p.b); got != `{"k":`+want+`}` {
			t.Errorf("%d ticks in JSON: %s", ticks, got)
		}
	}
}

// TestIssue15ResArgs: ip's RESILIENT_ARGS in whole seconds, sent in clock ticks; they need "type resilient".
func TestIssue15ResArgs(t *testing.T) {
	var r route.NexthopResGroup
	for _, kv := range [][2]string{{"buckets", "64"}, {"idle_timer", "60"}, {"unbalanced_timer", "7"}} {
		if err := parseResArg(&r, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if r != (route.NexthopResGroup{Buckets: 64, IdleTimer: 6000, UnbalancedTimer: 700}) {
		t.Errorf("got %+v", r)
	}
	for _, kv := range [][2]string{{"buckets", "65536"}, {"idle_timer", "1.5"}, {"unbalanced_timer", "42949673"}} {
		if err := parseResArg(&r, kv[0], kv[1]); err == nil {
			t.Errorf("%s %s accepted", kv[0], kv[1])
		}
	}
	_, stderr, code := runFake(t, testKernel(), "nexthop", "add", "id", "3", "group", "1", "buckets", "8")
	if code != exitRequest {
		t.Errorf("buckets without type resilient: exit %d, stderr %q", code, stderr)
	}
}

// countingWriter counts what decode writes and samples the heap as it goes.
type countingWriter struct {
	writes, n, next int
	maxHeap         uint64
}

func (w *countingWriter) Write(b []byte) (int, error) {
	w.writes++
	w.n += len(b)
	if w.n >= w.next {
		w.next = w.n + 4<<20
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		w.maxHeap = max(w.maxHeap, ms.HeapAlloc)
	}
	return len(b), nil
}

// TestIssue15DecodeStreams: decode of a 40 MiB dump file writes as it reads, with the heap bounded (it held
// the whole text, several times the file, before printing anything).
func TestIssue15DecodeStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 40 MiB file")
	}
	path := filepath.Join(t.TempDir(), "routes.dump")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	const size = 40 << 20
	var msg []byte
	for i, written := 0, 0; written < size; i++ {
		r := route.Route{Family: unix.AF_INET, Table: route.TableMain, Protocol: route.ProtocolBoot,
			Dst: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32),
			OIF: 2, Gateway: netip.MustParseAddr("192.0.2.1"), Priority: uint32(i), HasPriority: true}
		body, err := r.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		msg = make([]byte, proto.HeaderLen, proto.HeaderLen+len(body))
		proto.Header{Length: uint32(proto.HeaderLen + len(body)), Type: unix.RTM_NEWROUTE,
			Flags: unix.NLM_F_MULTI, Sequence: uint32(i)}.MarshalTo(msg)
		msg = append(msg, body...)
		msg = append(msg, make([]byte, proto.Align(len(msg))-len(msg))...)
		bw.Write(msg)
		written += len(msg)
	}
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	runtime.GC()
	w := &countingWriter{}
	a := &app{stdout: w, stderr: new(strings.Builder), ctx: t.Context()}
	if code := a.run([]string{"decode", path}); code != 0 {
		t.Fatalf("decode: exit %d: %s", code, a.stderr)
	}
	t.Logf("decode of %d MiB: %d MiB of text in %d writes, heap peak sampled %.1f MiB", size>>20, w.n>>20,
		w.writes, float64(w.maxHeap)/(1<<20))
	if w.n < size || w.writes < 100 {
		t.Errorf("decode wrote %d bytes in %d writes: it did not stream", w.n, w.writes)
	}
	if w.maxHeap > 32<<20 {
		t.Errorf("heap reached %d MiB while decoding, want under 32 MiB", w.maxHeap>>20)
	}
}
