package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

// ipJSON runs `ip -j ARGS` and decodes the array it prints.
func (e *env) ipJSON(args ...string) []map[string]any {
	e.t.Helper()
	var v []map[string]any
	out := e.mustIP(append([]string{"-j"}, args...)...)
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		e.t.Fatalf("ip -j %v: %v: %s", args, err, out)
	}
	return v
}

// has reports whether one of objs has every key of want with that value (compared as JSON).
func has(objs []map[string]any, want map[string]any) bool {
	for _, o := range objs {
		ok := true
		for k, v := range want {
			if js(o[k]) != js(v) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (e *env) expect(what string, objs []map[string]any, want map[string]any, present bool) {
	e.t.Helper()
	if has(objs, want) != present {
		verb := "lacks"
		if !present {
			verb = "still has"
		}
		e.t.Errorf("%s: ip %s %s: %s", what, verb, js(want), js(objs))
	}
}

// TestEditVerbs: links, addresses, routes, neighbours, rules and nexthops changed with nlkit are what ip shows.
func TestEditVerbs(t *testing.T) {
	e := newEnv(t)
	e.mustNlkit("link", "add", "v0", "type", "veth", "peer", "name", "v1")
	e.mustNlkit("link", "add", "br0", "type", "bridge")
	e.mustNlkit("link", "add", "ifb0", "type", "ifb")
	e.mustNlkit("link", "add", "mv0", "link", "v0", "type", "macvlan", "mode", "bridge")
	e.mustNlkit("link", "add", "vx0", "type", "vxlan", "id", "42", "dstport", "4789", "local", "10.1.0.1")
	links := e.ipJSON("-d", "link")
	for _, want := range []map[string]any{
		{"ifname": "v0", "link": "v1"}, {"ifname": "v1", "link": "v0"}, {"ifname": "br0"},
		{"ifname": "ifb0"}, {"ifname": "mv0", "link": "v0"}, {"ifname": "vx0"},
	} {
		e.expect("link add", links, want, true)
	}
	for _, l := range links {
		info, _ := l["linkinfo"].(map[string]any)
		data, _ := info["info_data"].(map[string]any)
		switch l["ifname"] {
		case "vx0":
			if info["info_kind"] != "vxlan" || data["id"] != 42.0 || data["port"] != 4789.0 || data["local"] != "10.1.0.1" {
				t.Errorf("vxlan: %s", js(info))
			}
		case "mv0":
			if info["info_kind"] != "macvlan" || data["mode"] != "bridge" {
				t.Errorf("macvlan: %s", js(info))
			}
		case "v0", "v1", "br0", "ifb0":
			if want := map[string]string{"v0": "veth", "v1": "veth", "br0": "bridge", "ifb0": "ifb"}[l["ifname"].(string)]; info["info_kind"] != want {
				t.Errorf("%s: kind %v, want %s", l["ifname"], info["info_kind"], want)
			}
		}
	}

	e.mustNlkit("link", "set", "v1", "master", "br0")
	e.mustNlkit("link", "set", "dev", "v0", "up", "mtu", "1400", "address", "02:11:22:33:44:55")
	e.mustNlkit("link", "set", "v1", "up")
	e.mustNlkit("link", "set", "ifb0", "name", "ifb9")
	links = e.ipJSON("link")
	e.expect("link set", links, map[string]any{"ifname": "v1", "master": "br0"}, true)
	e.expect("link set", links, map[string]any{"ifname": "v0", "mtu": 1400, "address": "02:11:22:33:44:55"}, true)
	e.expect("link set name", links, map[string]any{"ifname": "ifb9"}, true)
	if l := e.ipJSON("link", "show", "v0"); !strings.Contains(js(l[0]["flags"]), `"UP"`) {
		t.Errorf("link set up: %s", js(l))
	}
	e.mustNlkit("link", "set", "v1", "nomaster")
	e.expect("link set nomaster", e.ipJSON("link"), map[string]any{"ifname": "v1", "master": "br0"}, false)
	e.mustNlkit("link", "del", "ifb9")
	e.expect("link del", e.ipJSON("link"), map[string]any{"ifname": "ifb9"}, false)

	e.mustNlkit("addr", "add", "10.1.0.1/24", "dev", "v0")
	e.mustNlkit("addr", "add", "10.6.0.1/24", "brd", "+", "dev", "v0", "label", "v0:1")
	e.mustNlkit("-6", "addr", "add", "2001:db8::1/64", "dev", "v0", "nodad")
	var addrs []map[string]any
	for _, a := range e.ipJSON("addr", "show", "dev", "v0")[0]["addr_info"].([]any) {
		addrs = append(addrs, a.(map[string]any))
	}
	for _, want := range []map[string]any{{"local": "10.1.0.1", "prefixlen": 24, "label": "v0"},
		{"local": "10.6.0.1", "broadcast": "10.6.0.255", "label": "v0:1"},
		{"local": "2001:db8::1", "prefixlen": 64, "nodad": true}} {
		e.expect("addr add", addrs, want, true)
	}
	e.mustNlkit("addr", "del", "10.6.0.1/24", "dev", "v0")
	if strings.Contains(js(e.ipJSON("addr", "show", "dev", "v0")), "10.6.0.1") {
		t.Error("addr del: the address is still there")
	}

	e.mustNlkit("route", "add", "10.20.0.0/16", "via", "10.1.0.2", "metric", "5", "proto", "static")
	e.mustNlkit("route", "add", "10.21.0.0/16", "dev", "v0", "table", "100")
	e.mustNlkit("route", "add", "blackhole", "10.22.0.0/16")
	e.mustNlkit("route", "add", "default", "via", "10.1.0.254")
	e.mustNlkit("route", "add", "2001:db8:20::/48", "via", "2001:db8::2")
	e.mustNlkit("route", "add", "10.30.0.0/16", "nexthop", "via", "10.1.0.2", "weight", "2", "nexthop", "via", "10.1.0.3")
	routes := e.ipJSON("route", "show", "table", "all")
	for _, want := range []map[string]any{
		{"dst": "10.20.0.0/16", "gateway": "10.1.0.2", "metric": 5, "protocol": "static"},
		{"dst": "10.21.0.0/16", "dev": "v0", "table": "100"},
		{"dst": "10.22.0.0/16", "type": "blackhole"},
		{"dst": "default", "gateway": "10.1.0.254"},
		{"dst": "2001:db8:20::/48", "gateway": "2001:db8::2"},
		{"dst": "10.30.0.0/16", "nexthops": []any{
			map[string]any{"gateway": "10.1.0.2", "dev": "v0", "weight": 2, "flags": []any{}},
			map[string]any{"gateway": "10.1.0.3", "dev": "v0", "weight": 1, "flags": []any{}}}},
	} {
		e.expect("route add", routes, want, true)
	}
	e.mustNlkit("route", "replace", "10.20.0.0/16", "via", "10.1.0.3", "metric", "5", "proto", "static")
	e.expect("route replace", e.ipJSON("route"), map[string]any{"dst": "10.20.0.0/16", "gateway": "10.1.0.3"}, true)
	e.mustNlkit("route", "del", "10.20.0.0/16", "metric", "5")
	e.mustNlkit("route", "del", "default")
	e.mustNlkit("route", "del", "10.21.0.0/16", "table", "100")
	routes = e.ipJSON("route", "show", "table", "all")
	for _, gone := range []string{"10.20.0.0/16", "default", "10.21.0.0/16"} {
		e.expect("route del", routes, map[string]any{"dst": gone}, false)
	}

	e.mustNlkit("neigh", "add", "10.1.0.9", "lladdr", "02:00:00:00:00:09", "dev", "v0")
	e.expect("neigh add", e.ipJSON("neigh"), map[string]any{"dst": "10.1.0.9", "lladdr": "02:00:00:00:00:09",
		"state": []any{"PERMANENT"}}, true)
	e.mustNlkit("neigh", "replace", "10.1.0.9", "lladdr", "02:00:00:00:00:0a", "dev", "v0", "nud", "reachable")
	e.expect("neigh replace", e.ipJSON("neigh"), map[string]any{"dst": "10.1.0.9", "lladdr": "02:00:00:00:00:0a",
		"state": []any{"REACHABLE"}}, true)
	e.mustNlkit("neigh", "del", "10.1.0.9", "dev", "v0")
	e.expect("neigh del", e.ipJSON("neigh"), map[string]any{"dst": "10.1.0.9"}, false)

	e.mustNlkit("rule", "add", "from", "10.0.0.0/8", "lookup", "100", "pref", "50")
	e.expect("rule add", e.ipJSON("rule"), map[string]any{"priority": 50, "src": "10.0.0.0", "srclen": 8,
		"table": "100"}, true)
	e.mustNlkit("rule", "del", "pref", "50")
	e.expect("rule del", e.ipJSON("rule"), map[string]any{"priority": 50}, false)

	e.mustNlkit("nexthop", "add", "id", "7", "via", "10.1.0.5", "dev", "v0")
	e.mustNlkit("nexthop", "add", "id", "8", "group", "7")
	nhs := e.ipJSON("nexthop")
	e.expect("nexthop add", nhs, map[string]any{"id": 7, "gateway": "10.1.0.5", "dev": "v0"}, true)
	e.expect("nexthop add group", nhs, map[string]any{"id": 8, "group": []any{map[string]any{"id": 7}}}, true)
	e.mustNlkit("nexthop", "del", "id", "8")
	e.expect("nexthop del", e.ipJSON("nexthop"), map[string]any{"id": 8}, false)
}

// TestErrors: a request the kernel refuses prints what ip prints, with ip's exit status 2; names that do not
// resolve exit 1, as in ip.
func TestErrors(t *testing.T) {
	e := newEnv(t)
	e.mustIP("link", "add", "d0", "type", "ifb")
	e.mustIP("link", "set", "d0", "up")
	e.mustIP("addr", "add", "10.1.0.1/24", "dev", "d0")
	e.mustIP("route", "add", "10.2.0.0/16", "via", "10.1.0.2")
	for _, args := range [][]string{
		{"addr", "add", "10.1.0.1/24", "dev", "d0"},        // Error: ipv4: Address already assigned.
		{"addr", "del", "10.1.0.99/24", "dev", "d0"},       // Error: ipv4: Address not found.
		{"route", "add", "10.2.0.0/16", "via", "10.1.0.2"}, // RTNETLINK answers: File exists
		{"route", "add", "10.3.0.0/16", "via", "10.9.0.1"}, // Error: Nexthop has invalid gateway.
		{"route", "del", "10.77.0.0/16"},                   // RTNETLINK answers: No such process
		{"link", "add", "d0", "type", "ifb"},               // RTNETLINK answers: File exists
		{"link", "add", "x0", "type", "nosuchkind"},        // Error: Unknown device type.
		{"neigh", "del", "10.1.0.99", "dev", "d0"},         // RTNETLINK answers: No such file or directory
	} {
		ip, nl := e.ip(args...), e.nlkit(args...)
		if ip.code == 0 {
			t.Errorf("%s: ip succeeded; the test wants a refused request", strings.Join(args, " "))
			continue
		}
		if nl.code != ip.code || nl.stderr != ip.stderr {
			t.Errorf("%s:\nnlkit exit %d: %q\nip    exit %d: %q", strings.Join(args, " "), nl.code, nl.stderr,
				ip.code, ip.stderr)
		}
		if nl.code != 2 {
			t.Errorf("%s: nlkit exit %d, want 2", strings.Join(args, " "), nl.code)
		}
	}
	for _, args := range [][]string{{"link", "del", "nosuch"}, {"link", "show", "nosuch"},
		{"addr", "add", "10.9.0.1/24", "dev", "nosuch"}} {
		nl := e.nlkit(args...)
		if nl.code != 1 || !strings.Contains(nl.stderr, `"nosuch"`) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and the name", strings.Join(args, " "), nl.code, nl.stderr)
		}
	}
	if nl := e.nlkit("route", "add"); nl.code != 2 {
		t.Errorf("a usage error exits %d, want 2: %q", nl.code, nl.stderr)
	}
}
