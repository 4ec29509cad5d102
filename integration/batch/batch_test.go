// Package batch tests `nlkit -batch` against `ip -batch`, the oracle: the same file, generated from a seed,
// runs in two fresh named namespaces, one with each program, with and without -force; what they print (the
// error lines with "Command failed FILE:LINE" included) and the kernel state they leave (links, addresses,
// routes of every table, neighbours, rules, nexthops) must be equal. NLKIT_BATCH_SEED replays a seed.
//
// The tests need root (or the user namespace nstest.Main sets up) and iproute2's ip; without them they skip,
// and with CI=true they fail instead.
package batch

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit/internal/testbin"
	"github.com/nlkit/nlkit/netns/nstest"
)

func TestMain(m *testing.M) { nstest.Main(m) }

// result is what a program printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, stdin string, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// state is what ip shows of a namespace's kernel state, without what differs between two namespaces built the
// same way (link-layer addresses ifb picks at random, and the IPv6 link-local addresses made from them).
func state(t *testing.T, ns string) string {
	t.Helper()
	var sb strings.Builder
	for _, args := range [][]string{
		{"-4", "addr", "show"},
		{"route", "show", "table", "all"},
		{"-6", "route", "show", "table", "all"},
		{"neigh", "show"},
		{"rule", "show"},
		{"nexthop", "show"},
		{"-o", "link", "show"},
	} {
		r := run(t, "", "ip", append([]string{"-n", ns}, args...)...)
		lines := strings.Split(r.stdout, "\n")
		if args[0] == "neigh" {
			slices.Sort(lines) // the kernel's hash order, which differs from namespace to namespace
		}
		for _, line := range lines {
			if i := strings.Index(line, "link/ether"); i >= 0 {
				line = line[:i]
			}
			if strings.Contains(line, "fe80::") {
				continue
			}
			if args[0] == "nexthop" {
				// nlkit's `nexthop add` (alone or batched: Nexthop's defaults) sends RTPROT_BOOT, where this ip
				// sends no protocol: a difference of the single command, not of -batch.
				line = strings.Replace(line, " proto boot", "", 1)
			}
			sb.WriteString(line + "\n")
		}
		sb.WriteString(r.stderr)
	}
	return sb.String()
}

// genBatch writes an ip -batch file of n lines from rng: links, addresses, routes (some through nexthops,
// some in other tables), neighbours, rules and nexthops, added, replaced and deleted, with failures on purpose
// (duplicates, missing routes, devices that do not exist, unreachable gateways), comments, blank lines and
// continued lines, and a few listings.
func genBatch(rng *rand.Rand, n int) string {
	var sb strings.Builder
	sb.WriteString("# generated\nlink add b0 type ifb\nlink set b0 up\naddr add 10.0.0.1/16 dev b0\n\n")
	sb.WriteString("link add b1 type ifb\nlink set b1 up\n")
	// ip ends the whole run (exit status 255, no "Command failed") when a neighbour's or nexthop's device does
	// not exist (its invarg exits): the missing device goes only where ip reports it as a failed line.
	dev := func() string {
		if rng.IntN(30) == 0 {
			return "b1"
		}
		return "b0"
	}
	maybeMissing := func() string {
		if rng.IntN(30) == 0 {
			return "nosuch"
		}
		return dev()
	}
	for i := 0; i < n; {
		op := []string{"add", "add", "add", "replace", "del"}[rng.IntN(5)]
		run := 1 + rng.IntN(200)
		kind := rng.IntN(10)
		for k := 0; k < run && i < n; k, i = k+1, i+1 {
			switch {
			case kind < 6:
				dst := fmt.Sprintf("10.%d.%d.0/24", 100+rng.IntN(2), rng.IntN(250))
				line := "route " + op + " " + dst
				switch rng.IntN(12) {
				case 0:
					line += " via 192.0.2.1"
				case 1:
					line += " via 10.0.0.2"
				case 2:
					line += " table 100 dev " + maybeMissing()
				case 3:
					line += " metric " + strconv.Itoa(rng.IntN(3)) + " dev " + dev()
				default:
					line += " dev " + maybeMissing()
				}
				if rng.IntN(50) == 0 {
					line += " # comment"
				}
				if rng.IntN(80) == 0 {
					line = strings.Replace(line, " dev", " \\\n  dev", 1)
				}
				sb.WriteString(line + "\n")
			case kind < 8:
				sb.WriteString(fmt.Sprintf("addr %s 10.%d.0.%d/24 dev %s\n", op, 1+rng.IntN(2), 1+rng.IntN(100), maybeMissing()))
			case kind < 9:
				// ip ends the run (exit status 2) when a neighbour request fails: only replaces, which do not.
				sb.WriteString(fmt.Sprintf("neigh replace 10.0.%d.%d lladdr 02:00:00:00:%02x:%02x dev %s nud permanent\n",
					rng.IntN(2), 2+rng.IntN(100), rng.IntN(256), rng.IntN(256), dev()))
			default:
				// ip has no `rule replace`, and `nexthop del` takes the id alone.
				switch {
				case rng.IntN(2) == 0 && op != "replace":
					sb.WriteString(fmt.Sprintf("rule %s priority %d table %d\n", op, 1000+rng.IntN(30), 100+rng.IntN(3)))
				case op == "del":
					sb.WriteString(fmt.Sprintf("nexthop del id %d\n", 1+rng.IntN(40)))
				default:
					sb.WriteString(fmt.Sprintf("nexthop %s id %d dev %s\n", op, 1+rng.IntN(40), dev()))
				}
			}
			if rng.IntN(400) == 0 {
				sb.WriteString("route show table main\n")
			}
			if rng.IntN(300) == 0 {
				sb.WriteString("\n# a blank line and a comment\n")
			}
		}
	}
	return sb.String()
}

// TestBatchAgainstIP: ip -batch and nlkit -batch on the same generated file, with and without -force, from a
// file and from standard input, print the same and leave the same state.
func TestBatchAgainstIP(t *testing.T) {
	if _, err := exec.LookPath("ip"); err != nil {
		nstest.Skipf(t, "iproute2's ip is not installed: %v", err)
	}
	bin := testbin.Go(t, "github.com/nlkit/nlkit/cmd/nlkit", "nlkit")
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("NLKIT_BATCH_SEED"), 10, 64); err == nil {
		seed = s
	}
	t.Logf("seed %d (NLKIT_BATCH_SEED=%d replays it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 20))
	text := genBatch(rng, 3000)
	file := filepath.Join(t.TempDir(), "cmds")
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		force bool
		stdin bool
	}{{"force", true, false}, {"noforce", false, false}, {"force-stdin", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := nstest.NewNamed(t), nstest.NewNamed(t)
			args := func(ns string) []string {
				out := []string{"-n", ns}
				if tc.force {
					out = append(out, "-force")
				}
				if tc.stdin {
					return append(out, "-batch", "-")
				}
				return append(out, "-batch", file)
			}
			stdin := ""
			if tc.stdin {
				stdin = text
			}
			want := run(t, stdin, "ip", args(a.Name)...)
			got := run(t, stdin, bin, args(b.Name)...)
			if want.code != got.code {
				t.Errorf("exit status: ip %d, nlkit %d", want.code, got.code)
			}
			if want.stderr != got.stderr {
				t.Errorf("stderr differs:\n%s\nip:\n%s\nnlkit:\n%s", lineDiff(want.stderr, got.stderr),
					head(want.stderr), head(got.stderr))
			}
			if want.stdout != got.stdout {
				t.Errorf("stdout differs:\n%s", lineDiff(want.stdout, got.stdout))
			}
			failed := strings.Count(want.stderr, "Command failed")
			if failed == 0 {
				t.Error("no line failed: the file tests nothing of the error path")
			}
			sa, sb := state(t, a.Name), state(t, b.Name)
			if sa != sb {
				t.Errorf("state differs:\n%s", lineDiff(sa, sb))
			}
			t.Logf("%d lines failed; state of %d lines", failed, strings.Count(sa, "\n"))
		})
	}
}

// lineDiff shows the first lines where two texts differ.
func lineDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(la), len(lb)); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n ip:    %q\n nlkit: %q", i+1, x, y)
		}
	}
	return "(equal)"
}

func head(s string) string { return s[:min(len(s), 1500)] }
