package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRoutes10k: `nlkit -n NS -j route` and `ip -n NS -j route` agree on every route of a namespace with
// 10,000 routes (added with `ip -batch`), and so do the IPv6 and all-tables listings and the plain text.
func TestRoutes10k(t *testing.T) {
	e := newEnv(t)
	e.mustIP("link", "add", "d0", "type", "ifb")
	e.mustIP("link", "set", "d0", "up")
	e.mustIP("addr", "add", "10.0.0.1/16", "dev", "d0")
	e.mustIP("addr", "add", "2001:db8::1/64", "dev", "d0", "nodad")
	var b strings.Builder
	protos := []string{"boot", "static", "zebra", "bird", "171"}
	for i := 0; i < 10000; i++ {
		dst := fmt.Sprintf("172.%d.%d.0/24", 16+i/256, i%256)
		switch {
		case i%1000 == 999:
			fmt.Fprintf(&b, "route add %s via 10.0.0.%d table %d\n", dst, 2+i%200, 100+i%3)
		case i%100 == 50:
			fmt.Fprintf(&b, "route add blackhole %s metric %d\n", dst, i%9)
		case i%10 == 3:
			fmt.Fprintf(&b, "route add %s dev d0 metric %d proto %s src 10.0.0.1\n", dst, i%7, protos[i%5])
		case i%250 == 7:
			fmt.Fprintf(&b, "route add %s nexthop via 10.0.0.2 weight 3 nexthop via 10.0.0.3\n", dst)
		default:
			fmt.Fprintf(&b, "route add %s via 10.0.0.%d metric %d proto %s\n", dst, 2+i%200, i%7, protos[i%5])
		}
	}
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "route add 2001:db8:%x::/48 via 2001:db8::%x metric %d\n", i+1, 2+i%50, i%4)
	}
	fmt.Fprintf(&b, "route add default via 10.0.0.254\n")
	batch := filepath.Join(t.TempDir(), "routes.batch")
	if err := os.WriteFile(batch, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	e.mustIP("-batch", batch)

	nl, ip := e.mustNlkit("-j", "route"), e.mustIP("-j", "route")
	if err := jsonDiff(nl, ip); err != nil {
		t.Fatalf("nlkit -j route and ip -j route disagree: %v", err)
	}
	if n := strings.Count(nl, `"dst"`); n < 9990 {
		t.Errorf("only %d routes listed", n)
	}
	e.agree("-6", "route")
	e.agree("route", "show", "table", "all")
	e.agree("route", "show", "table", "101")
	e.agree("route", "show", "proto", "static")
	e.agreeDevRoutes("d0")
	e.agree("route", "show", "type", "blackhole")
	e.agree("route", "show", "root", "172.20.0.0/16")
	e.agree("route", "show", "match", "172.20.1.1")
	e.agreeText("route")
	e.agreeText("-6", "route")
	e.agreeText("route", "show", "table", "all")
}

// TestListings: links of every kind the kernel has, addresses of every shape, neighbours, rules and nexthops
// list the same in nlkit and ip.
func TestListings(t *testing.T) {
	e := newEnv(t)
	e.mustIP("link", "add", "v0", "type", "veth", "peer", "name", "v1")
	e.mustIP("link", "add", "br0", "type", "bridge")
	e.mustIP("link", "set", "v1", "master", "br0")
	e.mustIP("link", "add", "ifb0", "type", "ifb")
	e.mustIP("link", "add", "mv0", "link", "v0", "type", "macvlan", "mode", "bridge")
	e.mustIP("link", "add", "vx0", "type", "vxlan", "id", "42", "dstport", "4789", "local", "10.1.0.1")
	e.tryIP("link", "add", "dm0", "type", "dummy")
	e.tryIP("link", "add", "link", "v0", "name", "vl5", "type", "vlan", "id", "5")
	e.tryIP("link", "add", "bo0", "type", "bond")
	e.tryIP("link", "add", "vrf0", "type", "vrf", "table", "10")
	e.mustIP("link", "set", "v0", "mtu", "1400")
	e.mustIP("link", "set", "v0", "alias", "uplink")
	e.tryIP("link", "property", "add", "dev", "v0", "altname", "uplink-port")
	for _, l := range []string{"v0", "v1", "br0"} {
		e.mustIP("link", "set", l, "up")
	}
	e.mustIP("addr", "add", "10.1.0.1/24", "dev", "v0")
	e.mustIP("addr", "add", "10.1.0.2/24", "dev", "v0")
	e.mustIP("addr", "add", "10.5.0.1", "peer", "10.5.0.2/32", "dev", "v0")
	e.mustIP("addr", "add", "10.6.0.1/24", "brd", "+", "dev", "v0", "label", "v0:1")
	e.mustIP("addr", "add", "10.7.0.1/24", "dev", "v0", "metric", "50", "noprefixroute")
	e.mustIP("addr", "add", "2001:db8::1/64", "dev", "v0", "nodad")
	e.mustIP("addr", "add", "2001:db8:1::1/64", "dev", "v0", "nodad", "valid_lft", "3600", "preferred_lft", "1800")
	e.mustIP("addr", "add", "10.2.0.1/24", "dev", "ifb0")
	e.mustIP("neigh", "add", "10.1.0.9", "lladdr", "02:00:00:00:00:09", "dev", "v0")
	e.mustIP("neigh", "add", "2001:db8::9", "lladdr", "02:00:00:00:00:0a", "dev", "v0", "nud", "reachable")
	e.mustIP("neigh", "add", "10.1.0.10", "lladdr", "02:00:00:00:00:0b", "dev", "v0", "nud", "stale", "router")
	e.mustIP("rule", "add", "fwmark", "0x10/0xff", "lookup", "100", "pref", "100")
	e.mustIP("rule", "add", "from", "10.0.0.0/8", "to", "10.9.0.0/16", "iif", "v0", "lookup", "200", "pref", "200")
	e.mustIP("rule", "add", "not", "from", "10.3.0.0/16", "goto", "32766", "pref", "250")
	e.mustIP("rule", "add", "uidrange", "0-0", "prohibit", "pref", "300") // uid 0 maps in nstest's user namespace too
	e.mustIP("-6", "rule", "add", "from", "2001:db8::/32", "lookup", "300", "pref", "400")
	e.mustIP("nexthop", "add", "id", "1", "via", "10.1.0.5", "dev", "v0")
	e.mustIP("nexthop", "add", "id", "2", "blackhole")
	e.mustIP("nexthop", "add", "id", "3", "via", "10.1.0.6", "dev", "v0")
	e.mustIP("nexthop", "add", "id", "4", "group", "1/3,5")
	e.mustIP("route", "add", "10.40.0.0/16", "nhid", "4")

	for _, args := range [][]string{
		{"link"}, {"link", "show", "v0"}, {"link", "show", "up"}, {"link", "show", "master", "br0"},
		{"link", "show", "type", "veth"},
		{"addr"}, {"-4", "addr"}, {"-6", "addr"}, {"addr", "show", "dev", "v0"}, {"addr", "show", "up"},
		{"neigh"}, {"-6", "neigh"}, {"neigh", "show", "dev", "v0"}, {"neigh", "show", "nud", "all"},
		{"rule"}, {"-6", "rule"}, {"nexthop"}, {"route"}, {"route", "show", "table", "all"},
		{"route", "get", "10.1.0.77"}, {"-6", "route", "get", "2001:db8::77"},
		{"route", "get", "10.40.1.1"},
	} {
		e.agree(args...)
	}
	for _, args := range [][]string{
		{"link"}, {"-4", "addr"}, {"neigh"}, {"rule"}, {"-6", "rule"}, {"nexthop"}, {"route"},
		{"route", "get", "10.1.0.77"}, {"-6", "route"},
	} {
		e.agreeText(args...)
	}
}

// TestOverview: `nlkit` alone prints the addr listing, then the main table's routes.
func TestOverview(t *testing.T) {
	e := newEnv(t)
	e.mustIP("link", "add", "d0", "type", "ifb")
	e.mustIP("link", "set", "d0", "up")
	e.mustIP("addr", "add", "10.0.0.1/24", "dev", "d0")
	e.mustIP("route", "add", "10.9.0.0/16", "via", "10.0.0.2")
	out := e.mustNlkit()
	want := e.mustIP("-4", "addr")
	for _, line := range strings.Split(strings.TrimSpace(want), "\n") {
		if !strings.Contains(out, line+"\n") {
			t.Errorf("nlkit lacks ip -4 addr's line %q:\n%s", line, out)
		}
	}
	routes := e.mustIP("route")
	if !strings.Contains(out, routes) {
		t.Errorf("nlkit lacks ip route's listing:\n%s\nin:\n%s", routes, out)
	}
	if i, j := strings.Index(out, "1: lo:"), strings.Index(out, routes); i != 0 || j < 0 {
		t.Errorf("want links first, then routes:\n%s", out)
	}
}

// TestGenlAndSockets: `nlkit genl` prints what `genl ctrl list` prints; `nlkit sockets` lists the namespace's
// kernel sockets.
func TestGenlAndSockets(t *testing.T) {
	e := newEnv(t)
	out := e.mustNlkit("genl")
	// Families without netnsok are hidden outside the initial namespace: run genl inside it too.
	if want, err := e.ns.Output("genl", "ctrl", "list"); err == nil && out != want {
		t.Errorf("nlkit genl and genl ctrl list differ:\n%s\n---\n%s", out, want)
	}
	if !strings.Contains(out, "Name: nlctrl") {
		t.Errorf("nlkit genl does not list nlctrl:\n%s", out)
	}
	socks := e.mustNlkit("sockets")
	if !strings.Contains(socks, "route(0)") {
		t.Errorf("no rtnetlink kernel socket in:\n%s", socks)
	}
	if !strings.Contains(e.mustNlkit("-j", "sockets"), `"unit_name":"route"`) {
		t.Error("nlkit -j sockets lacks the route unit")
	}
}

// agreeDevRoutes compares `route show dev DEV`. iproute2 6.1 filters multipath routes out of a dev listing
// (it compares RTA_OIF only); the kernel and newer ip keep those with a nexthop through DEV, and so does nlkit.
// The comparison leaves the multipath routes out and checks that nlkit kept them.
func (e *env) agreeDevRoutes(dev string) {
	e.t.Helper()
	var a, b []map[string]any
	if err := json.Unmarshal([]byte(e.mustNlkit("-j", "route", "show", "dev", dev)), &a); err != nil {
		e.t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(e.mustIP("-j", "route", "show", "dev", dev)), &b); err != nil {
		e.t.Fatal(err)
	}
	multipath := func(m map[string]any) bool { _, ok := m["nexthops"]; return ok }
	n := len(a)
	a = slices.DeleteFunc(a, multipath)
	b = slices.DeleteFunc(b, multipath)
	if err := objectsDiff(a, b); err != nil {
		e.t.Errorf("route show dev %s: %v", dev, err)
	}
	if n == len(a) {
		e.t.Errorf("route show dev %s: no multipath route listed", dev)
	}
}
