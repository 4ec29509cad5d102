//go:build linux

package tc_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/internal/testbin"
	"github.com/nlkit/nlkit/netns/nstest"
)

// cliEnv is a fresh named namespace with the veth pair of newEnv, and the nlkit program.
type cliEnv struct {
	t    *testing.T
	name string
	bin  string
}

func newCLIEnv(t *testing.T) *cliEnv {
	t.Helper()
	if _, err := exec.LookPath("tc"); err != nil {
		nstest.Skipf(t, "tc (iproute2), the oracle, is missing: %v", err)
	}
	ns := nstest.NewNamed(t)
	e := &cliEnv{t: t, name: ns.Name, bin: testbin.Go(t, "github.com/nlkit/nlkit/cmd/nlkit", "nlkit")}
	for _, c := range [][]string{
		{"sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"},
		{"sysctl", "-q", "-w", "net.ipv6.conf.default.disable_ipv6=1"},
		{"ip", "link", "add", "v0", "numtxqueues", "4", "type", "veth", "peer", "name", "v1", "numtxqueues", "4"},
		{"ip", "link", "set", "v0", "up"}, {"ip", "link", "set", "v1", "up"},
	} {
		if out, err := ns.Output(c[0], c[1:]...); err != nil {
			t.Fatalf("%v: %v %s", c, err, out)
		}
	}
	return e
}

// run runs prog (tc or nlkit) with -n NS and args; a failure fails the test.
func (e *cliEnv) run(prog, args string) string {
	e.t.Helper()
	bin := prog
	if prog == "nlkit" {
		bin = e.bin
	}
	cmd := exec.Command(bin, append([]string{"-n", e.name}, strings.Fields(args)...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	if err != nil {
		e.t.Fatalf("%s %s: %v\n%s", prog, args, err, out)
	}
	return string(out)
}

// same checks that nlkit prints what tc prints for the same show command, byte for byte.
func (e *cliEnv) same(show string) {
	e.t.Helper()
	want, got := e.run("tc", show), e.run("nlkit", show)
	if want != got {
		e.t.Errorf("%s:\ntc:\n%s\nnlkit:\n%s", show, want, got)
	}
	if strings.TrimSpace(want) == "" {
		e.t.Errorf("%s: tc shows nothing: the comparison tests nothing", show)
	}
}

// TestCLIMatchesTc configures qdiscs and classes of the host kernel's kinds, half with tc and half with nlkit's
// commands in tc's syntax, and checks that `nlkit qdisc show` and `nlkit class show` print what tc prints,
// plain, -j, -s and -d.
func TestCLIMatchesTc(t *testing.T) {
	e := newCLIEnv(t)
	shows := func() {
		t.Helper()
		for _, f := range []string{"", "-s ", "-d ", "-s -d "} {
			e.same(f + "qdisc show")
			e.same(f + "-j qdisc show")
			e.same(f + "qdisc show dev v0")
			e.same(f + "-j qdisc show dev v1")
			e.same(f + "class show dev v0")
			e.same(f + "qdisc show dev v0 root")
			e.same(f + "-j qdisc show dev v1 ingress")
		}
	}
	for _, step := range []struct{ prog, cmd string }{
		{"nlkit", "qdisc add dev v0 root handle 1: htb default 10 r2q 5 direct_qlen 77"},
		{"nlkit", "class add dev v0 parent 1: classid 1:10 htb rate 1mbit ceil 2mbit burst 15k prio 3 quantum 1500"},
		{"tc", "class add dev v0 parent 1: classid 1:20 htb rate 3mbit ceil 10mbit cburst 4kb prio 1"},
		{"nlkit", "qdisc add dev v0 parent 1:10 handle 10: tbf rate 1mbit burst 32kb latency 400ms"},
		{"tc", "qdisc add dev v0 parent 1:20 handle 20: bfifo limit 30000"},
		{"nlkit", "qdisc add dev v1 root handle 2: pfifo limit 50"},
		{"nlkit", "qdisc add dev v1 clsact"},
		{"nlkit", "class change dev v0 parent 1: classid 1:10 htb rate 2mbit ceil 3mbit prio 2"},
	} {
		e.run(step.prog, step.cmd)
	}
	shows()
	for _, step := range []struct{ prog, cmd string }{
		{"nlkit", "qdisc del dev v1 clsact"},
		{"nlkit", "qdisc replace dev v1 root handle 3: tbf rate 10gbit burst 1000000 peakrate 20gbit mtu 9000 limit 10000000"},
		{"nlkit", "qdisc add dev v1 ingress"},
		{"tc", "qdisc replace dev v0 root handle 6: mq"},
	} {
		e.run(step.prog, step.cmd)
	}
	shows()
	e.run("nlkit", "qdisc replace dev v0 root handle 7: pfifo_fast")
	e.run("nlkit", "qdisc change dev v1 root handle 3: tbf rate 5mbit burst 20kb latency 50ms mpu 64")
	e.same("qdisc show")
	e.same("-s -d -j qdisc show")
	e.run("nlkit", "qdisc del dev v1 root")
	e.same("qdisc show")
}
