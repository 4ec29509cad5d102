package cli

import (
	"encoding/json"
	"github.com/nlkit/nlkit/internal/testbin"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// start runs a long-lived command with its output collected.
func start(t *testing.T, name string, args ...string) (*exec.Cmd, *testbin.SyncBuffer, *testbin.SyncBuffer) {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stdout, stderr testbin.SyncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, &stdout, &stderr
}

// waitFor polls until every buffer contains s.
func waitFor(t *testing.T, s string, poke func(), bufs ...*testbin.SyncBuffer) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok := true
		for _, b := range bufs {
			ok = ok && strings.Contains(b.String(), s)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			for _, b := range bufs {
				t.Logf("output so far:\n%s", b.String())
			}
			t.Fatalf("%q did not show up", s)
		}
		if poke != nil {
			poke()
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// between returns the lines after the last line containing from, up to and including the first line after it
// that contains to.
func between(out, from, to string) []string {
	ls := strings.Split(out, "\n")
	start := 0
	for i, l := range ls {
		if strings.Contains(l, from) {
			start = i + 1
		}
	}
	for i := start; i < len(ls); i++ {
		if strings.Contains(ls[i], to) {
			return ls[start : i+1]
		}
	}
	return ls[start:]
}

var (
	netconfLine = regexp.MustCompile(`^(Deleted )?(inet6?|mpls) \S+ (forwarding|input|$)`)
	addrProto   = regexp.MustCompile(` proto kernel_(lo|ll|ra) `)
)

// TestMonitor: `nlkit monitor` prints what `ip monitor` prints for the same changes (netconf aside, which
// nlkit does not follow), stops cleanly on SIGINT, and its -w capture decodes; `-j monitor` prints one JSON
// object per event.
func TestMonitor(t *testing.T) {
	e := newEnv(t)
	e.mustIP("link", "add", "d0", "type", "ifb")
	e.mustIP("link", "set", "d0", "up")
	capture := filepath.Join(t.TempDir(), "monitor.pcap")
	nl, nlOut, nlErr := start(t, e.bin, "-n", e.ns.Name, "monitor", "-w", capture)
	_, ipOut, _ := start(t, "ip", "-n", e.ns.Name, "monitor")
	_, jsOut, _ := start(t, e.bin, "-n", e.ns.Name, "-j", "monitor", "route")
	poke := func() {
		e.ip("route", "add", "10.250.0.0/16", "dev", "d0")
		e.ip("route", "del", "10.250.0.0/16", "dev", "d0")
	}
	waitFor(t, "10.250.0.0/16", poke, nlOut, ipOut, jsOut)
	poke() // one more round that every listener sees whole; the comparison starts after its deletion

	for _, args := range [][]string{
		{"link", "add", "d1", "type", "ifb"},
		{"link", "set", "d1", "up"},
		{"addr", "add", "10.77.0.1/24", "dev", "d1"},
		{"route", "add", "10.78.0.0/16", "via", "10.77.0.2", "metric", "3"},
		{"neigh", "add", "10.77.0.9", "lladdr", "02:00:00:00:00:01", "dev", "d1"},
		{"rule", "add", "pref", "300", "lookup", "300"},
		{"nexthop", "add", "id", "9", "via", "10.77.0.3", "dev", "d1"},
		{"nexthop", "del", "id", "9"},
		{"rule", "del", "pref", "300"},
		{"route", "del", "10.78.0.0/16"},
		{"link", "del", "d1"},
		{"route", "add", "10.251.0.0/16", "dev", "d0"},
	} {
		e.mustIP(args...)
	}
	waitFor(t, "10.251.0.0/16", nil, nlOut, ipOut, jsOut)

	if err := nl.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := nl.Wait(); err != nil {
		t.Errorf("nlkit monitor after SIGINT: %v: %s", err, nlErr.String())
	}

	got := between(addrProto.ReplaceAllString(nlOut.String(), " "), "Deleted 10.250.0.0/16", "10.251.0.0/16")
	var want []string
	for _, l := range between(ipOut.String(), "Deleted 10.250.0.0/16", "10.251.0.0/16") {
		if !netconfLine.MatchString(l) {
			want = append(want, l)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("nlkit monitor printed:\n%s\nip monitor printed:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(got) < 15 {
		t.Errorf("only %d lines of events:\n%s", len(got), strings.Join(got, "\n"))
	}

	decoded := e.mustNlkit("decode", capture)
	for _, s := range []string{"RTM_NEWLINK", "RTM_NEWADDR", "RTM_NEWROUTE", "RTM_DELROUTE", "RTM_NEWNEIGH",
		"RTM_NEWRULE", "RTM_DELNEXTHOP", "RTM_DELLINK"} {
		if !strings.Contains(decoded, s) {
			t.Errorf("the capture lacks %s", s)
		}
	}
	if tshark, err := exec.LookPath("tshark"); err == nil {
		if out, err := exec.Command(tshark, "-r", capture).CombinedOutput(); err != nil {
			t.Errorf("tshark -r: %v: %s", err, out)
		}
	}

	var sawAdd, sawDel bool
	for _, l := range strings.Split(strings.TrimSpace(jsOut.String()), "\n") {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("-j monitor printed %q: %v", l, err)
		}
		if ev["dst"] == "10.78.0.0/16" {
			if ev["deleted"] == true {
				sawDel = true
			} else {
				sawAdd = sawAdd || (ev["gateway"] == "10.77.0.2" && ev["metric"] == 3.0)
			}
		}
	}
	if !sawAdd || !sawDel {
		t.Errorf("-j monitor route: new %v, deleted %v:\n%s", sawAdd, sawDel, jsOut.String())
	}
}
