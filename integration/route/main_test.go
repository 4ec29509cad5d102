//go:build linux

package route_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/netns/nstest"
)

func TestMain(m *testing.M) { nstest.Main(m) }

// env is a fresh namespace and a Client in it.
type env struct {
	t  *testing.T
	ns *nstest.NS
	c  *route.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ns := nstest.New(t)
	c, err := route.Dial(&route.Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatalf("route.Dial in %v: %v", ns, err)
	}
	t.Cleanup(func() { c.Close() })
	return &env{t: t, ns: ns, c: c}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var (
	ipOnce sync.Once
	ipErr  error
)

// needIP skips the test when iproute2 with JSON output is missing.
func needIP(t *testing.T) {
	t.Helper()
	ipOnce.Do(func() {
		out, err := exec.Command("ip", "-j", "-V").CombinedOutput()
		if err != nil {
			ipErr = fmt.Errorf("%v: %s", err, out)
			return
		}
		if !strings.Contains(string(out), "iproute2") {
			ipErr = fmt.Errorf("ip is not iproute2: %s", out)
		}
	})
	if ipErr != nil {
		t.Skipf("iproute2 with -j (the oracle) is not available: %v", ipErr)
	}
}

// ip runs ip with args inside the namespace and returns its output; a failure fails the test.
func (e *env) ip(args ...string) string {
	e.t.Helper()
	needIP(e.t)
	out, err := e.ns.Output("ip", args...)
	if err != nil {
		e.t.Fatalf("%v", err)
	}
	return out
}

// ipTry runs ip and returns its error.
func (e *env) ipTry(args ...string) error {
	_, err := e.ns.Output("ip", args...)
	return err
}

// ipJSON runs ip -j args and decodes its output into a list of objects.
func (e *env) ipJSON(args ...string) []map[string]any {
	e.t.Helper()
	out := e.ip(append([]string{"-j"}, args...)...)
	var v []map[string]any
	if strings.TrimSpace(out) == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		e.t.Fatalf("ip -j %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

// batch runs the ip commands (one per line, without "ip") in one process: ip -batch.
func (e *env) batch(lines []string) {
	e.t.Helper()
	f, err := os.CreateTemp(e.t.TempDir(), "batch")
	if err != nil {
		e.t.Fatal(err)
	}
	f.WriteString(strings.Join(lines, "\n") + "\n")
	f.Close()
	e.ip("-batch", f.Name())
}

// names maps link indexes to names in the namespace.
func (e *env) names() map[int32]string {
	e.t.Helper()
	links, err := e.c.Link.List(ctxT(e.t), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	m := map[int32]string{}
	for _, l := range links {
		m[l.Index] = l.Name
	}
	return m
}

func (e *env) index(name string) int32 {
	e.t.Helper()
	l, err := e.c.Link.GetByName(ctxT(e.t), name)
	if err != nil {
		e.t.Fatalf("GetByName(%s): %v", name, err)
	}
	return l.Index
}

// veth is a veth pair request.
func veth(name, peer string) route.Link {
	return route.Link{Name: name, Info: route.LinkInfo{Data: &route.Veth{Peer: route.Link{Name: peer}}}}
}

// setupVeth adds a veth pair with nlkit (no iproute2 needed), both ends up, and an address on the first end
// when addr is not "", and returns the first end's index.
func (e *env) setupVeth(name, peer, addr string) int32 {
	e.t.Helper()
	ctx := ctxT(e.t)
	if err := e.c.Link.Add(ctx, veth(name, peer)); err != nil {
		e.t.Fatal(err)
	}
	for _, n := range []string{name, peer} {
		if err := e.c.Link.Set(ctx, e.index(n), route.LinkSet{Up: true}); err != nil {
			e.t.Fatal(err)
		}
	}
	idx := e.index(name)
	if addr != "" {
		if err := e.c.Addr.Add(ctx, route.AddrFrom(idx, netip.MustParsePrefix(addr))); err != nil {
			e.t.Fatal(err)
		}
	}
	return idx
}

// str formats a JSON value from ip as a plain string: whole numbers without a decimal point.
func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprint(int64(x))
		}
		return fmt.Sprint(x)
	case []any:
		var s []string
		for _, y := range x {
			s = append(s, str(y))
		}
		return strings.Join(s, ",")
	}
	return fmt.Sprint(v)
}

// has reports whether ip printed key (flags like "router" print as key: null).
func has(m map[string]any, key string) bool {
	_, ok := m[key]
	return ok
}

// diffLists reports the lines only in one of two sorted-or-not lists.
func diffLists(t *testing.T, what string, ours, ip []string) {
	t.Helper()
	if d := difference(what, ours, ip); d != "" {
		t.Error(d)
	}
}

// settled compares two listings taken by list until they agree, for state the kernel may still be changing on
// its own (multicast neighbour entries appear as links come up); after 3 s it reports the last difference.
func settled(t *testing.T, what string, list func() (ours, ip []string)) {
	t.Helper()
	var d string
	for deadline := time.Now().Add(3 * time.Second); ; {
		ours, ip := list()
		if d = difference(what, ours, ip); d == "" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if d != "" {
		t.Error(d)
	}
}

func difference(what string, ours, ip []string) string {
	count := map[string]int{}
	for _, s := range ours {
		count[s]++
	}
	for _, s := range ip {
		count[s]--
	}
	var only []string
	for s, n := range count {
		switch {
		case n > 0:
			only = append(only, "  nlkit only: "+s)
		case n < 0:
			only = append(only, "  ip only:    "+s)
		}
	}
	if len(only) > 0 {
		if len(only) > 40 {
			only = append(only[:40], fmt.Sprintf("  ... %d more", len(only)-40))
		}
		return fmt.Sprintf("%s differ from ip's (%d nlkit, %d ip):\n%s", what, len(ours), len(ip), strings.Join(only, "\n"))
	}
	return ""
}

// settleLinks waits until the links' flags and operational states stop changing (a bridge takes its carrier
// from its ports a moment after they come up), so nlkit and ip, asked one after the other, see the same state.
//
// Stable means unchanged for 1.2 s: the kernel's linkwatch applies a carrier's operstate up to a second after
// the change (linkwatch_fire_event's delay), so two equal listings 200 ms apart are not enough (a bridge seen
// UNKNOWN by one listing was UP in the next, under the qemu VM's TCG).
func (e *env) settleLinks() {
	e.t.Helper()
	prev, same := "", 0
	for range 100 {
		cur := e.ip("-j", "link", "show")
		if cur == prev {
			if same++; same == 6 {
				return
			}
		} else {
			prev, same = cur, 0
		}
		time.Sleep(200 * time.Millisecond)
	}
	e.t.Fatal("link states still changing after 20s")
}
