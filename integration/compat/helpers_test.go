package compat

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit/internal/testbin"
	"github.com/nlkit/nlkit/netns/nstest"
)

func TestMain(m *testing.M) { nstest.Main(m) }

// compatIP returns the compat-ip program, built once per test binary (or prebuilt, in the test VM).
func compatIP(t *testing.T) string {
	t.Helper()
	return testbin.Go(t, "github.com/nlkit/nlkit/examples/compat-ip", "compat-ip")
}

// need fails (CI) or skips the test when a program is missing.
func need(t *testing.T, prog string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		nstest.Skipf(t, "%s not installed: %v", prog, err)
	}
	return p
}

// env is a named namespace with the two programs that work in it.
type env struct {
	t  *testing.T
	ns *nstest.NS
	ip string
	cp string
}

// newEnv makes a fresh named namespace with IPv6 duplicate address detection off, so that addresses do not
// change from tentative to settled between the two programs' listings.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, ip: need(t, "ip"), cp: compatIP(t)}
	e.ns = nstest.NewNamed(t)
	for _, k := range []string{"all", "default"} {
		path := "/proc/sys/net/ipv6/conf/" + k + "/accept_dad"
		if err := e.ns.Do(func() error { return os.WriteFile(path, []byte("0"), 0o644) }); err != nil {
			t.Logf("cannot turn DAD off (%v): listings are retried until they settle", err)
		}
	}
	return e
}

// result is what a command printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// run runs prog with args inside the namespace.
func (e *env) run(prog string, args ...string) result {
	e.t.Helper()
	cmd := exec.Command(e.ipPath(), append([]string{"netns", "exec", e.ns.Name, prog}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			e.t.Fatalf("%s %v: %v", prog, args, err)
		}
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}

func (e *env) ipPath() string { return e.ip }

// sh runs ip with args inside the namespace and fails the test if it fails: the setup steps.
func (e *env) sh(args ...string) {
	e.t.Helper()
	if r := e.run(e.ip, args...); r.code != 0 {
		e.t.Fatalf("ip %s: %v", strings.Join(args, " "), r)
	}
}

// setup makes the links and addresses the listings compare: a veth pair, a bridge with one end of it as a port,
// IPv4 and IPv6 addresses, one end down.
func (e *env) setup() {
	e.t.Helper()
	e.sh("link", "add", "v0", "type", "veth", "peer", "name", "v1")
	e.sh("link", "add", "br0", "type", "bridge")
	e.sh("link", "add", "va", "type", "veth", "peer", "name", "vb")
	e.sh("link", "set", "v1", "master", "br0")
	e.sh("link", "set", "v0", "up")
	e.sh("link", "set", "v1", "up")
	e.sh("link", "set", "br0", "up")
	e.sh("link", "set", "va", "up") // vb stays down: va has NO-CARRIER and M-DOWN
	e.sh("link", "set", "va", "mtu", "1400")
	e.sh("link", "set", "v0", "alias", "uplink")
	e.sh("addr", "add", "10.1.2.3/24", "dev", "v0")
	e.sh("addr", "add", "10.1.2.4/24", "dev", "v0") // a secondary
	e.sh("addr", "add", "192.168.77.1/24", "brd", "+", "dev", "br0")
	e.sh("addr", "add", "2001:db8::1/64", "dev", "v0")
	e.sh("addr", "add", "10.9.9.9", "peer", "10.9.9.10", "dev", "va")
}

// settle waits until two listings by ip agree, so a comparison is not spoiled by a change in flight.
func (e *env) settle(args ...string) {
	e.t.Helper()
	prev := e.run(e.ip, args...)
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		cur := e.run(e.ip, args...)
		if cur.stdout == prev.stdout {
			return
		}
		prev = cur
	}
}
