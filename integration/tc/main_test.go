//go:build linux

package tc_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/families/tc"
	"github.com/nlkit/nlkit/netns/nstest"
)

func TestMain(m *testing.M) { nstest.Main(m) }

// env is a fresh namespace with a veth pair v0/v1 (four tx queues each, for mq), up, and Clients in it.
type env struct {
	t     *testing.T
	ns    *nstest.NS
	rc    *route.Client
	c     *tc.Client
	index map[string]int32
	names map[int32]string
}

func newEnv(t *testing.T) *env { return newEnvNS(t, false) }

// newEnvNS is newEnv in a named namespace when named (for tc -n NS under strace).
func newEnvNS(t *testing.T, named bool) *env {
	t.Helper()
	if _, err := exec.LookPath("tc"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("tc (iproute2), the oracle, is missing: %v", err)
		}
		t.Skipf("tc (iproute2), the oracle, is missing: %v", err)
	}
	var ns *nstest.NS
	if named {
		ns = nstest.NewNamed(t)
	} else {
		ns = nstest.New(t)
	}
	rc, err := route.Dial(&route.Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatalf("route.Dial in %v: %v", ns, err)
	}
	t.Cleanup(func() { rc.Close() })
	e := &env{t: t, ns: ns, rc: rc, c: tc.FromRoute(rc), index: map[string]int32{}, names: map[int32]string{}}
	// No IPv6 on the links: its solicitations would move the counters between nlkit's dump and tc's.
	e.run("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1")
	e.run("sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1")
	e.run("ip", "link", "add", "v0", "numtxqueues", "4", "type", "veth", "peer", "name", "v1", "numtxqueues", "4")
	e.run("ip", "link", "set", "v0", "up")
	e.run("ip", "link", "set", "v1", "up")
	links, err := rc.Link.List(ctxT(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range links {
		e.index[l.Name], e.names[l.Index] = l.Index, l.Name
	}
	return e
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// run runs a command in the namespace; a failure fails the test.
func (e *env) run(name string, args ...string) string {
	e.t.Helper()
	out, err := e.ns.Output(name, args...)
	if err != nil {
		e.t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return out
}

// tc runs `tc ARGS` (split on spaces) in the namespace.
func (e *env) tc(args string) string {
	e.t.Helper()
	return e.run("tc", strings.Fields(args)...)
}

// tcJSON runs `tc -j ARGS` and decodes its list of objects.
func (e *env) tcJSON(args string) []map[string]any {
	e.t.Helper()
	out := e.tc("-j " + args)
	var v []map[string]any
	if strings.TrimSpace(out) == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		e.t.Fatalf("tc -j %s: %v\n%s", args, err, out)
	}
	return v
}

// qdiscs lists the qdiscs of a device with nlkit.
func (e *env) qdiscs(dev string) []tc.Qdisc {
	e.t.Helper()
	qs, err := e.c.Qdisc.List(ctxT(e.t), &tc.QdiscFilter{Ifindex: e.index[dev]})
	if err != nil {
		e.t.Fatal(err)
	}
	return qs
}

// qdisc returns nlkit's qdisc of dev with handle h.
func (e *env) qdisc(dev string, h tc.Handle) tc.Qdisc {
	e.t.Helper()
	for _, q := range e.qdiscs(dev) {
		if q.Handle == h {
			return q
		}
	}
	e.t.Fatalf("no qdisc %v on %s", h, dev)
	return tc.Qdisc{}
}
