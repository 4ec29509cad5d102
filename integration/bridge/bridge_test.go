package bridge

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/internal/testbin"
	"github.com/nlkit/nlkit/netns/nstest"
)

func TestMain(m *testing.M) { nstest.Main(m) }

// env is one test's named namespace with bridge br0 and veth ports p0 and p1 (peers q0 and q1), all up, IPv6
// off (so that no MLD report adds MDB entries between two listings).
type env struct {
	t   *testing.T
	ns  *nstest.NS
	bin string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	if _, err := exec.LookPath("bridge"); err != nil {
		nstest.Skipf(t, "iproute2's bridge is not installed: %v", err)
	}
	e := &env{t: t, ns: nstest.NewNamed(t), bin: testbin.Go(t, "github.com/nlkit/nlkit/cmd/nlkit", "nlkit")}
	err := e.ns.Do(func() error {
		for _, p := range []string{"/proc/sys/net/ipv6/conf/all/disable_ipv6", "/proc/sys/net/ipv6/conf/default/disable_ipv6"} {
			if err := os.WriteFile(p, []byte("1"), 0o644); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Logf("turning IPv6 off: %v", err)
	}
	for _, c := range []string{"link add br0 type bridge", "link add p0 type veth peer q0", "link add p1 type veth peer q1",
		"link set p0 master br0", "link set p1 master br0", "link set br0 up", "link set p0 up", "link set p1 up",
		"link set q0 up", "link set q1 up"} {
		e.must("ip", strings.Fields(c)...)
	}
	return e
}

// run runs name (ip, bridge or nlkit) with -n NS and args; code is its exit status.
func (e *env) run(name string, args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	cmd := exec.Command(name, append([]string{"-n", e.ns.Name}, args...)...)
	var o, s bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &s
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		e.t.Fatalf("%s %v: %v", name, args, err)
	}
	return o.String(), s.String(), code
}

func (e *env) must(name string, args ...string) string {
	e.t.Helper()
	if name == "nlkit" {
		name = e.bin
	}
	out, errOut, code := e.run(name, args...)
	if code != 0 {
		e.t.Fatalf("%s %s: exit %d: %s", name, strings.Join(args, " "), code, errOut)
	}
	return out
}

// agree checks that `nlkit [opts] bridge ARGS` prints what `bridge [opts] ARGS` prints, byte for byte; opts are
// the leading global options ("-j", "-d", "-s").
func (e *env) agree(args ...string) {
	e.t.Helper()
	var opts []string
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		opts, args = append(opts, args[0]), args[1:]
	}
	want := e.must("bridge", append(opts, args...)...)
	got := e.must("nlkit", append(append(opts, "bridge"), args...)...)
	if got != want {
		e.t.Errorf("nlkit %v bridge %v:\n%s\nbridge:\n%s", opts, args, got, want)
	}
	if strings.TrimSpace(want) == "" || want == "[]\n" {
		e.t.Logf("bridge %v %v printed nothing", opts, args)
	}
}

func TestFDB(t *testing.T) {
	e := newEnv(t)
	e.must("nlkit", "bridge", "fdb", "add", "02:00:00:00:00:01", "dev", "p0", "master", "static")
	e.must("bridge", "fdb", "add", "02:00:00:00:00:02", "dev", "p1", "master", "dynamic")
	e.must("nlkit", "bridge", "fdb", "add", "02:00:00:00:00:03", "dev", "p1")
	for _, opts := range [][]string{nil, {"-j"}} {
		e.agree(append(opts, "fdb", "show")...)
		e.agree(append(opts, "fdb", "show", "br", "br0")...)
		e.agree(append(opts, "fdb", "show", "dev", "p1")...)
	}
	out := e.must("bridge", "fdb", "show", "dev", "p0")
	if !strings.Contains(out, "02:00:00:00:00:01 master br0 static") {
		t.Errorf("bridge does not show nlkit's entry:\n%s", out)
	}
	e.must("nlkit", "bridge", "fdb", "del", "02:00:00:00:00:01", "dev", "p0", "master")
	if out := e.must("bridge", "fdb", "show", "dev", "p0"); strings.Contains(out, "02:00:00:00:00:01") {
		t.Errorf("the entry is still there:\n%s", out)
	}
	e.agree("-j", "fdb", "show")
}

func TestMDB(t *testing.T) {
	e := newEnv(t)
	e.agree("-j", "mdb", "show") // empty
	e.must("nlkit", "bridge", "mdb", "add", "dev", "br0", "port", "p0", "grp", "239.1.1.1", "permanent")
	e.must("bridge", "mdb", "add", "dev", "br0", "port", "p1", "grp", "239.1.1.2", "temp")
	e.must("nlkit", "bridge", "mdb", "add", "dev", "br0", "port", "p1", "grp", "ff0e::9", "permanent")
	e.must("nlkit", "bridge", "mdb", "add", "dev", "br0", "port", "p0", "grp", "01:00:5e:01:01:05", "permanent")
	for _, opts := range [][]string{nil, {"-j"}, {"-d"}, {"-d", "-j"}} {
		e.agree(append(opts, "mdb", "show")...)
		e.agree(append(opts, "mdb", "show", "dev", "br0")...)
	}
	out := e.must("bridge", "mdb", "show")
	if !strings.Contains(out, "dev br0 port p0 grp 239.1.1.1 permanent") {
		t.Errorf("bridge does not show nlkit's entry:\n%s", out)
	}
	e.must("nlkit", "bridge", "mdb", "del", "dev", "br0", "port", "p0", "grp", "239.1.1.1", "permanent")
	if out := e.must("bridge", "mdb", "show"); strings.Contains(out, "239.1.1.1") {
		t.Errorf("the entry is still there:\n%s", out)
	}
	e.agree("-j", "mdb", "show")
}

func TestLink(t *testing.T) {
	e := newEnv(t)
	e.must("ip", "link", "set", "p1", "type", "bridge_slave", "cost", "7", "priority", "9", "learning", "off")
	for _, opts := range [][]string{nil, {"-j"}, {"-d"}, {"-d", "-j"}} {
		e.agree(append(opts, "link", "show")...)
	}
	e.agree("link", "show", "dev", "p1")
}

// TestVlan needs bridge VLAN filtering (the 6.1 VM has it).
func TestVlan(t *testing.T) {
	e := newEnv(t)
	if _, errOut, code := e.run("ip", "link", "set", "br0", "type", "bridge", "vlan_filtering", "1"); code != 0 {
		t.Skipf("the kernel has no bridge VLAN filtering: %s", strings.TrimSpace(errOut))
	}
	e.must("nlkit", "bridge", "vlan", "add", "dev", "p0", "vid", "10", "pvid", "untagged")
	e.must("nlkit", "bridge", "vlan", "add", "dev", "p0", "vid", "20-23")
	e.must("bridge", "vlan", "add", "dev", "p1", "vid", "30")
	e.must("nlkit", "bridge", "vlan", "add", "dev", "br0", "vid", "40", "self")
	e.must("nlkit", "bridge", "vlan", "del", "dev", "p0", "vid", "21")
	for _, opts := range [][]string{nil, {"-j"}} {
		e.agree(append(opts, "vlan", "show")...)
		e.agree(append(opts, "vlan", "show", "dev", "p0")...)
	}
	out := e.must("bridge", "vlan", "show", "dev", "p0")
	if !strings.Contains(out, "22") || strings.Contains(out, "21") || !strings.Contains(out, "PVID Egress Untagged") {
		t.Errorf("bridge does not show nlkit's VLANs:\n%s", out)
	}
}
