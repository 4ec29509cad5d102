//go:build linux

package tc_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// tryTc runs tc in the namespace; on a kernel without the kind (outside the VM) the test skips.
func (e *cliEnv) tryTc(args string) {
	e.t.Helper()
	cmd := exec.Command("tc", append([]string{"-n", e.name}, splitArgs(args)...)...)
	out, err := cmd.CombinedOutput()
	if err == nil {
		return
	}
	if !inVM && missingKind(string(out)) {
		e.t.Skipf("the kernel lacks a kind of %q: %s", args, out)
	}
	e.t.Fatalf("tc %s: %v\n%s", args, err, out)
}

// TestCLIActionsFiltersChains: `nlkit action`, `nlkit filter show` (matchall and fw with gact and mirred) and
// `nlkit chain show` print what tc prints, plain and -j; nlkit's action and chain commands make what tc's do.
func TestCLIActionsFiltersChains(t *testing.T) {
	e := newCLIEnv(t)
	e.run("tc", "qdisc add dev v0 clsact")
	e.run("tc", "qdisc add dev v0 root handle 1: htb default 10")
	e.tryTc("filter add dev v0 egress matchall action gact drop")
	e.tryTc("filter add dev v0 parent 1: handle 5 fw classid 1:5 action mirred egress mirror dev v1")
	for _, c := range []struct{ prog, cmd string }{
		{"tc", "filter add dev v0 egress pref 7 matchall classid 1:3 action gact pass action mirred egress redirect dev v1"},
		{"nlkit", "filter add dev v0 parent 1: pref 3 handle 6 fw classid 1:6 action gact pass"},
		{"tc", "actions add action gact drop random determ pass 10 index 5"},
		{"nlkit", "action add action gact pipe index 9"},
		{"nlkit", "action add action mirred egress redirect dev v1 index 6"},
		{"tc", "actions add action mirred ingress mirror dev v0 index 8"},
		{"nlkit", "chain add dev v0 parent 1: chain 7"},
		{"tc", "chain add dev v0 egress chain 3"},
	} {
		e.run(c.prog, c.cmd)
	}
	for _, s := range []string{"filter show dev v0 egress", "filter show dev v0 parent 1:",
		"actions ls action gact", "actions ls action mirred", "actions get action gact index 5",
		"chain show dev v0 parent 1:", "chain show dev v0 egress"} {
		e.same(s)
		// tc 6.1 prints fw's options as text inside its JSON, and nothing for a get with -j.
		if s != "filter show dev v0 parent 1:" && !strings.HasPrefix(s, "actions get") {
			e.same("-j " + s)
		}
	}
	e.run("nlkit", "action delete action gact index 9")
	e.run("nlkit", "chain del dev v0 parent 1: chain 7")
	e.same("actions ls action gact")
	e.same("chain show dev v0 parent 1:")
	if out := e.run("tc", "actions ls action gact"); strings.Contains(out, "index 9 ") {
		t.Errorf("gact 9 still there:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer written by a process and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCLIMonitorMatchesTc runs `tc monitor` and `nlkit monitor tc` side by side while qdiscs, classes (and,
// where the kernel has them, filters and actions) come and go: both print the same lines between two marker
// events (a pfifo limit changed on v1, which tells that both listen, then that both have seen everything).
func TestCLIMonitorMatchesTc(t *testing.T) {
	e := newCLIEnv(t)
	start := func(bin string, args ...string) *syncBuffer {
		var out syncBuffer
		cmd := exec.Command(bin, append([]string{"-n", e.name}, args...)...)
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return &out
	}
	tcOut, nlOut := start("tc", "monitor"), start(e.bin, "monitor", "tc")
	// waitBoth replaces v1's root with a pfifo of limit n, again, until both monitors printed it.
	waitBoth := func(first, last int) string {
		for n := first; n <= last; n++ {
			e.run("tc", fmt.Sprintf("qdisc replace dev v1 root handle 9: pfifo limit %d", n))
			mark := fmt.Sprintf("limit %dp", n)
			for i := 0; i < 50; i++ {
				if strings.Contains(tcOut.String(), mark) && strings.Contains(nlOut.String(), mark) {
					return mark
				}
				time.Sleep(20 * time.Millisecond) // waiting for the monitors, not measuring them
			}
		}
		t.Fatalf("the monitors did not print the marker:\ntc:\n%s\nnlkit:\n%s", tcOut.String(), nlOut.String())
		return ""
	}
	begin := waitBoth(1000, 1100)
	steps := []string{
		"qdisc add dev v0 root handle 1: htb default 10",
		"class add dev v0 parent 1: classid 1:10 htb rate 1mbit ceil 2mbit",
		"qdisc add dev v0 parent 1:10 handle 10: pfifo limit 5",
		"class change dev v0 parent 1: classid 1:10 htb rate 2mbit ceil 3mbit",
		"qdisc del dev v0 parent 1:10 handle 10:",
		"class del dev v0 classid 1:10",
	}
	if inVM {
		steps = append(steps,
			"filter add dev v0 parent 1: handle 5 fw classid 1:5 action gact drop",
			"filter del dev v0 parent 1: handle 5 prio 49152 fw",
			"actions add action gact pass index 4",
			"actions del action gact index 4")
	}
	steps = append(steps, "qdisc del dev v0 root")
	for _, s := range steps {
		e.run("tc", s)
	}
	end := waitBoth(2000, 2100)
	section := func(s string) string {
		i := strings.Index(s, begin)
		j := strings.LastIndex(s, end)
		if i < 0 || j < i {
			return s
		}
		i += strings.IndexByte(s[i:], '\n') + 1
		j = strings.LastIndex(s[:j], "\n") + 1
		return s[i:j]
	}
	want, got := section(tcOut.String()), section(nlOut.String())
	if want != got {
		t.Errorf("tc monitor:\n%s\nnlkit monitor tc:\n%s", want, got)
	}
	if !strings.Contains(want, "htb") {
		t.Errorf("tc monitor printed no htb event: the comparison tests nothing:\n%s", want)
	}
}
