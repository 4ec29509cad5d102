package compat

import (
	"fmt"
	"github.com/nlkit/nlkit/internal/testbin"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit/pcap"
)

// monitor is a monitor program running in the namespace.
type monitor struct {
	name string
	cmd  *exec.Cmd
	out  testbin.SyncBuffer
	errb testbin.SyncBuffer
}

func (e *env) startMonitor(prog string, args ...string) *monitor {
	e.t.Helper()
	m := &monitor{name: filepath.Base(prog)}
	m.cmd = exec.Command(e.ip, append([]string{"netns", "exec", e.ns.Name, prog}, args...)...)
	m.cmd.Stdout, m.cmd.Stderr = &m.out, &m.errb
	if err := m.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		m.cmd.Process.Kill()
		m.cmd.Wait()
	})
	return m
}

// waitFor waits until every monitor has printed s, and reports whether they did within d.
func waitFor(d time.Duration, s string, ms ...*monitor) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		all := true
		for _, m := range ms {
			if !strings.Contains(m.out.String(), s) {
				all = false
			}
		}
		if all {
			return true
		}
	}
	return false
}

// since returns the output from the first line that mentions marker.
func since(out, marker string) string {
	i := strings.Index(out, marker)
	if i < 0 {
		return ""
	}
	if j := strings.LastIndexByte(out[:i], '\n'); j >= 0 {
		return out[j+1:]
	}
	return out
}

// TestMonitorEqualsIproute2 runs `ip monitor link address` and `compat-ip monitor link address` side by side
// while ip changes links and addresses, and compares what they print.
func TestMonitorEqualsIproute2(t *testing.T) {
	e := newEnv(t)
	e.sh("link", "add", "v0", "type", "veth", "peer", "name", "v1")
	ipm := e.startMonitor(e.ip, "monitor", "link", "address")
	cpm := e.startMonitor(e.cp, "monitor", "link", "address")

	// Both are listening once both print the same new link; the outputs are compared from there on.
	marker := ""
	for i := 0; ; i++ {
		if i == 50 {
			t.Fatalf("the monitors never started:\nip: %s%s\ncompat-ip: %s%s", ipm.out.String(), ipm.errb.String(),
				cpm.out.String(), cpm.errb.String())
		}
		marker = fmt.Sprintf("sync%d", i)
		e.sh("link", "add", marker, "type", "bridge")
		if waitFor(500*time.Millisecond, marker+":", ipm, cpm) {
			break
		}
	}
	steps := [][]string{
		{"link", "add", "br1", "type", "bridge"},
		{"link", "set", "br1", "up"},
		{"addr", "add", "10.5.0.1/24", "dev", "br1"},
		{"addr", "add", "2001:db8:5::1/64", "dev", "br1"},
		{"link", "set", "br1", "mtu", "1400"},
		{"link", "set", "v1", "master", "br1"},
		{"link", "set", "v0", "up"},
		{"link", "set", "v1", "up"},
		{"addr", "del", "10.5.0.1/24", "dev", "br1"},
		{"link", "add", "v5", "type", "veth", "peer", "name", "v6"},
		{"link", "set", "v6", "up"},
		{"link", "set", "v1", "nomaster"},
		{"link", "del", "br1"},
		{"link", "add", "done0", "type", "bridge"},
	}
	for _, s := range steps {
		e.sh(s...)
		time.Sleep(50 * time.Millisecond)
	}
	if !waitFor(10*time.Second, "done0:", ipm, cpm) {
		t.Fatalf("the monitors did not see the last change:\nip:\n%s\ncompat-ip:\n%s", ipm.out.String(), cpm.out.String())
	}
	time.Sleep(300 * time.Millisecond) // events the last change caused after its own
	want, got := since(ipm.out.String(), marker+":"), since(cpm.out.String(), marker+":")
	if got != want {
		t.Errorf("compat-ip monitor printed\n%s\nip monitor printed\n%s", got, want)
	}
	if strings.Count(want, "\n") < 20 {
		t.Errorf("ip monitor printed only:\n%s", want)
	}
	if s := cpm.errb.String(); s != "" {
		t.Errorf("compat-ip monitor wrote to stderr: %s", s)
	}
}

// TestDumpFileReadsInIproute2 writes a link and address dump through RtnlHandle.DumpFp (compat-ip save) and
// replays it with `ip monitor file`, compat-ip's RtnlFromFile and pcap.Decode.
func TestDumpFileReadsInIproute2(t *testing.T) {
	e := newEnv(t)
	e.setup()
	file := filepath.Join(t.TempDir(), "dump")
	if r := e.run(e.cp, "save", file); r.code != 0 {
		t.Fatalf("compat-ip save: %v", r)
	}
	want := e.run(e.ip, "monitor", "file", file)
	got := e.run(e.cp, "monitor", "file", file)
	if got.String() != want.String() {
		t.Errorf("compat-ip monitor file:\n%v\nip monitor file:\n%v", got, want)
	}
	for _, s := range []string{"v0@v1:", "br0:", "inet 10.1.2.3/24", "inet6 2001:db8::1/64"} {
		if !strings.Contains(want.stdout, s) {
			t.Errorf("ip monitor file did not print %q:\n%s", s, want.stdout)
		}
	}
	var dec strings.Builder
	if err := pcap.DecodeFile(&dec, file); err != nil {
		t.Fatal(err)
	}
	// One RTM_NEWLINK per link and one NLMSG_DONE per dump.
	links := strings.Count(e.run(e.ip, "-o", "link").stdout, "\n")
	if n := strings.Count(dec.String(), "type=RTM_NEWLINK(16)"); n != links {
		t.Errorf("decode shows %d RTM_NEWLINK, ip -o link %d links", n, links)
	}
	if n := strings.Count(dec.String(), "type=NLMSG_DONE"); n != 2 {
		t.Errorf("decode shows %d NLMSG_DONE, want 2:\n%s", n, dec.String())
	}
}
