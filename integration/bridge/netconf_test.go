package bridge

import (
	"strings"
	"testing"
)

// TestNetconf compares `nlkit netconf show` with `ip netconf show`, plain and -j, for every family and one link,
// after changing v0's forwarding and rp_filter.
func TestNetconf(t *testing.T) {
	e := newEnv(t)
	e.must("ip", "link", "add", "v0", "type", "veth", "peer", "v1")
	e.must("ip", "netns", "exec", e.ns.Name, "sysctl", "-q", "-w", "net.ipv4.conf.v0.forwarding=1",
		"net.ipv4.conf.v0.rp_filter=2")
	for _, args := range [][]string{{"netconf", "show"}, {"-4", "netconf", "show"}, {"netconf", "show", "dev", "v0"}} {
		for _, j := range [][]string{nil, {"-j"}} {
			a := append(append([]string{}, j...), args...)
			want, got := e.must("ip", a...), e.must("nlkit", a...)
			if got != want {
				t.Errorf("nlkit %v:\n%s\nip:\n%s", a, got, want)
			}
		}
	}
	if out := e.must("nlkit", "netconf", "show", "dev", "v0"); !strings.Contains(out, "inet v0 forwarding on rp_filter loose") {
		t.Errorf("v0's settings are not there:\n%s", out)
	}
}
