package bridge

import (
	"regexp"
	"testing"
)

// TestNtable compares `nlkit ntable show` with `ip ntable show`, plain and -j, whole and filtered, after
// changing one of v0's parameters. The kernel draws each table's reachable time at random again every few
// minutes, so that number is masked on both sides.
func TestNtable(t *testing.T) {
	e := newEnv(t)
	e.must("ip", "link", "add", "v0", "type", "veth", "peer", "v1")
	e.must("ip", "ntable", "change", "name", "arp_cache", "dev", "v0", "queue", "77")
	reachable := regexp.MustCompile(`"?reachable"?[: ]\d+`)
	for _, args := range [][]string{{"ntable", "show"}, {"-4", "ntable", "show"}, {"ntable", "show", "dev", "v0"},
		{"ntable", "show", "name", "arp_cache"}} {
		for _, j := range [][]string{nil, {"-j"}} {
			a := append(append([]string{}, j...), args...)
			want := reachable.ReplaceAllString(e.must("ip", a...), "reachable N")
			got := reachable.ReplaceAllString(e.must("nlkit", a...), "reachable N")
			if got != want {
				t.Errorf("nlkit %v:\n%s\nip:\n%s", a, got, want)
			}
		}
	}
	if out := e.must("nlkit", "ntable", "show", "dev", "v0", "name", "arp_cache"); !regexp.MustCompile(`queue 77 `).MatchString(out) {
		t.Errorf("v0's queue is not there:\n%s", out)
	}
}
