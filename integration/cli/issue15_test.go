package cli

import (
	"strings"
	"testing"
)

// TestIssue15NexthopBlackhole: `nlkit nexthop add id 40 blackhole` works as ip's does (nlkit sent AF_UNSPEC and
// the kernel answered "Invalid address family"), and so does a device-only nexthop; both list as ip lists them.
func TestIssue15NexthopBlackhole(t *testing.T) {
	e := newEnv(t)
	e.mustNlkit("nexthop", "add", "id", "40", "blackhole")
	e.mustNlkit("nexthop", "add", "id", "41", "dev", "lo")
	e.mustNlkit("nexthop", "add", "id", "42", "group", "40")
	e.mustNlkit("nexthop", "add", "id", "43", "group", "41")
	e.agree("nexthop")
	e.agreeText("nexthop")
	nhs := e.ipJSON("nexthop")
	e.expect("blackhole", nhs, map[string]any{"id": 40, "blackhole": nil}, true)
	e.expect("dev", nhs, map[string]any{"id": 41, "dev": "lo"}, true)
}

// TestIssue15NexthopResilient: a resilient group prints its NHA_RES_GROUP as ip does ("buckets 8 idle_timer 60
// unbalanced_timer 0 unbalanced_time 0", "resilient_args" in JSON), whoever made it, and nlkit's own
// RESILIENT_ARGS reach the kernel.
func TestIssue15NexthopResilient(t *testing.T) {
	e := newEnv(t)
	e.mustIP("nexthop", "add", "id", "1", "dev", "lo")
	e.mustIP("nexthop", "add", "id", "2", "dev", "lo")
	e.mustIP("nexthop", "add", "id", "3", "group", "1/2", "type", "resilient", "buckets", "8", "idle_timer", "60",
		"unbalanced_timer", "0")
	e.mustNlkit("nexthop", "add", "id", "4", "group", "1,3/2", "type", "resilient", "buckets", "16", "idle_timer", "7",
		"unbalanced_timer", "13")
	e.mustNlkit("nexthop", "replace", "id", "5", "group", "2", "type", "resilient", "buckets", "1")
	e.agree("nexthop")
	e.agreeText("nexthop")
	e.agreeText("nexthop", "show", "id", "4")
	text := e.mustNlkit("nexthop")
	for _, want := range []string{
		"id 3 group 1/2 type resilient buckets 8 idle_timer 60 unbalanced_timer 0 unbalanced_time 0 ",
		"id 4 group 1,3/2 type resilient buckets 16 idle_timer 7 unbalanced_timer 13 unbalanced_time 0 ",
		"id 5 group 2 type resilient buckets 1 idle_timer 120 unbalanced_timer 0 unbalanced_time 0 ",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("nlkit nexthop lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(e.mustNlkit("-j", "nexthop"),
		`"type":"resilient","resilient_args":{"buckets":8,"idle_timer":60,"unbalanced_timer":0,"unbalanced_time":0}`) {
		t.Errorf("nlkit -j nexthop lacks resilient_args")
	}
}

// TestIssue15EmptyNetns: `nlkit -n ""` fails as `ip -n ""` does instead of acting on the current namespace.
func TestIssue15EmptyNetns(t *testing.T) {
	e := newEnv(t)
	r := e.run(e.bin, "-n", "", "link", "add", "nlkit-i15", "type", "veth", "peer", "name", "nlkit-i15p")
	if r.code == 0 || !strings.Contains(r.stderr, `network namespace ""`) {
		t.Errorf("nlkit -n \"\": exit %d, stderr %q", r.code, r.stderr)
	}
	if ip := e.run("ip", "-n", "", "link"); ip.code == 0 {
		t.Errorf("ip -n \"\" succeeded here: %q", ip.stdout)
	}
	if e.run("ip", "link", "show", "nlkit-i15").code == 0 {
		e.run("ip", "link", "del", "nlkit-i15")
		t.Errorf("nlkit -n \"\" made a link in the current namespace")
	}
}
