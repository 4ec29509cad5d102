package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// lines joins ip output lines, each ended by a newline; trailing spaces stay visible in the quoted strings.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }

func TestShowText(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"link"}, lines(
			"1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000",
			"    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
			"2: v1@v0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000",
			"    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff",
			"3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000",
			"    link/ether 02:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff",
			"    alias uplink",
			"4: br0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group 7 qlen 1000",
			"    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff",
			"5: peer@if9: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default ",
			"    link/ether 02:00:00:00:00:05 brd ff:ff:ff:ff:ff:ff link-netnsid 0")},
		{[]string{"l", "sh", "dev", "br0"}, lines(
			"4: br0: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group 7 qlen 1000",
			"    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff")},
		{[]string{"link", "show", "up"}, lines(
			"1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000",
			"    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00",
			"2: v1@v0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master br0 state UP mode DEFAULT group default qlen 1000",
			"    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff",
			"3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000",
			"    link/ether 02:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff",
			"    alias uplink")},
		{[]string{"addr", "show", "dev", "v0"}, lines(
			"3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000",
			"    link/ether 02:00:00:00:00:00 brd ff:ff:ff:ff:ff:ff",
			"    inet 10.0.0.1/24 brd 10.0.0.255 scope global v0",
			"       valid_lft forever preferred_lft forever",
			"    inet 10.0.0.2/24 scope global secondary v0",
			"       valid_lft forever preferred_lft forever",
			"    inet6 fe80::1/64 scope link nodad ",
			"       valid_lft forever preferred_lft forever",
			"    inet6 2001:db8::1/64 scope global dynamic ",
			"       valid_lft 3600sec preferred_lft 1800sec")},
		// -6: only links with IPv6 addresses, without the link-layer line, and without what the kernel's
		// AF_INET6 link dump leaves out (qdisc, master, group).
		{[]string{"-6", "a"}, lines(
			"1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 state UNKNOWN qlen 1000",
			"    inet6 ::1/128 scope host ",
			"       valid_lft forever preferred_lft forever",
			"3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP qlen 1000",
			"    inet6 fe80::1/64 scope link nodad ",
			"       valid_lft forever preferred_lft forever",
			"    inet6 2001:db8::1/64 scope global dynamic ",
			"       valid_lft 3600sec preferred_lft 1800sec")},
		{[]string{"-4", "addr"}, lines(
			"1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000",
			"    inet 127.0.0.1/8 scope host lo",
			"       valid_lft forever preferred_lft forever",
			"3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000",
			"    inet 10.0.0.1/24 brd 10.0.0.255 scope global v0",
			"       valid_lft forever preferred_lft forever",
			"    inet 10.0.0.2/24 scope global secondary v0",
			"       valid_lft forever preferred_lft forever")},
		{[]string{"route"}, lines(
			"10.0.0.0/24 dev v0 proto kernel scope link src 10.0.0.1 ",
			"default via 10.0.0.254 dev v0 ",
			"10.2.0.0/16 dev v0 proto static scope link metric 100 ",
			"blackhole 10.3.0.0/16 ")},
		{[]string{"r", "show", "table", "all"}, lines(
			"10.0.0.0/24 dev v0 proto kernel scope link src 10.0.0.1 ",
			"default via 10.0.0.254 dev v0 ",
			"10.2.0.0/16 dev v0 proto static scope link metric 100 ",
			"blackhole 10.3.0.0/16 ",
			"10.4.0.0/16 via 10.0.0.253 dev v0 table 100 ",
			"local 10.0.0.1 dev v0 table local proto kernel scope host src 10.0.0.1 ",
			"2001:db8::/64 dev v0 proto kernel metric 256 pref medium",
			"2001:db8:1::/48 dev v0 metric 1024 pref high",
			"\tnexthop via fe80::2 dev v0 weight 1 ",
			"\tnexthop via fe80::3 dev v1 weight 2 ")},
		{[]string{"route", "show", "table", "100"}, lines("10.4.0.0/16 via 10.0.0.253 dev v0 ")},
		{[]string{"route", "list", "dev", "v0", "proto", "static"}, lines("10.2.0.0/16 scope link metric 100 ")},
		{[]string{"route", "show", "10.2.0.0/16"}, lines("10.2.0.0/16 dev v0 proto static scope link metric 100 ")},
		{[]string{"route", "show", "root", "10.0.0.0/8"}, lines(
			"10.0.0.0/24 dev v0 proto kernel scope link src 10.0.0.1 ",
			"10.2.0.0/16 dev v0 proto static scope link metric 100 ",
			"blackhole 10.3.0.0/16 ")},
		{[]string{"route", "show", "match", "10.2.3.4"}, lines(
			"default via 10.0.0.254 dev v0 ",
			"10.2.0.0/16 dev v0 proto static scope link metric 100 ")},
		{[]string{"route", "show", "scope", "link"}, lines(
			"10.0.0.0/24 dev v0 proto kernel src 10.0.0.1 ",
			"10.2.0.0/16 dev v0 proto static metric 100 ")},
		{[]string{"neigh"}, lines(
			"10.0.0.254 dev v0 lladdr 02:00:00:00:00:fe router REACHABLE ",
			"fe80::2 dev v0 lladdr 02:00:00:00:00:02 STALE ",
			"fe80::9 dev v0 FAILED ")},
		{[]string{"neigh", "show", "dev", "v0", "nud", "all"}, lines(
			"10.0.0.254 lladdr 02:00:00:00:00:fe router REACHABLE ",
			"10.0.0.255 lladdr ff:ff:ff:ff:ff:ff NOARP ",
			"fe80::2 lladdr 02:00:00:00:00:02 STALE ",
			"fe80::9 FAILED ")},
		{[]string{"-6", "neigh"}, lines("fe80::2 dev v0 lladdr 02:00:00:00:00:02 STALE ", "fe80::9 dev v0 FAILED ")},
		{[]string{"neigh", "show", "nud", "stale"}, lines("fe80::2 dev v0 lladdr 02:00:00:00:00:02 STALE ")},
		{[]string{"rule"}, lines(
			"0:\tfrom all lookup local",
			"100:\tfrom all fwmark 0x10/0xff lookup 100",
			"200:\tfrom 10.0.0.0/8 iif v0 lookup 200",
			"32766:\tfrom all lookup main")},
		{[]string{"-6", "ru"}, lines("32766:\tfrom all lookup main")},
		{[]string{"nexthop"}, lines(
			"id 1 via 10.0.0.5 dev v0 scope link ",
			"id 2 blackhole proto static ",
			"id 3 group 1/2,3 ")},
	} {
		t.Run(strings.Join(tc.args, "_"), func(t *testing.T) {
			if got := mustRun(t, testKernel(), tc.args...); got != tc.want {
				t.Errorf("nlkit %s:\n%s\nwant:\n%s", strings.Join(tc.args, " "), got, tc.want)
			}
		})
	}
}

func TestShowJSON(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-j", "link", "show", "v1"}, `[{"ifindex":2,"link":"v0","ifname":"v1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","master":"br0","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"02:00:00:00:00:01","broadcast":"ff:ff:ff:ff:ff:ff"}]`},
		{[]string{"-j", "link", "show", "peer"}, `[{"ifindex":5,"link_index":9,"ifname":"peer","flags":["BROADCAST","MULTICAST"],"mtu":1500,"qdisc":"noop","operstate":"DOWN","linkmode":"DEFAULT","group":"default","link_type":"ether","address":"02:00:00:00:00:05","broadcast":"ff:ff:ff:ff:ff:ff","link_netnsid":0}]`},
		{[]string{"-json", "addr", "show", "lo"}, `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"::1","prefixlen":128,"scope":"host","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]`},
		{[]string{"-j", "addr", "show", "v1"}, `[{"ifindex":2,"link":"v0","ifname":"v1","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","master":"br0","operstate":"UP","group":"default","txqlen":1000,"link_type":"ether","address":"02:00:00:00:00:01","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[]}]`},
		{[]string{"-j", "route"}, `[{"dst":"10.0.0.0/24","dev":"v0","protocol":"kernel","scope":"link","prefsrc":"10.0.0.1","flags":[]},{"dst":"default","gateway":"10.0.0.254","dev":"v0","flags":[]},{"dst":"10.2.0.0/16","dev":"v0","protocol":"static","scope":"link","metric":100,"flags":[]},{"type":"blackhole","dst":"10.3.0.0/16","flags":[]}]`},
		{[]string{"-j", "-6", "route"}, `[{"dst":"2001:db8::/64","dev":"v0","protocol":"kernel","metric":256,"flags":[],"pref":"medium"},{"dst":"2001:db8:1::/48","dev":"v0","metric":1024,"flags":[],"pref":"high","nexthops":[{"gateway":"fe80::2","dev":"v0","weight":1,"flags":[]},{"gateway":"fe80::3","dev":"v1","weight":2,"flags":[]}]}]`},
		{[]string{"-j", "route", "show", "table", "all", "type", "local"}, `[{"type":"local","dst":"10.0.0.1","dev":"v0","table":"local","protocol":"kernel","scope":"host","prefsrc":"10.0.0.1","flags":[]}]`},
		{[]string{"-j", "neigh"}, `[{"dst":"10.0.0.254","dev":"v0","lladdr":"02:00:00:00:00:fe","router":null,"state":["REACHABLE"]},{"dst":"fe80::2","dev":"v0","lladdr":"02:00:00:00:00:02","state":["STALE"]},{"dst":"fe80::9","dev":"v0","state":["FAILED"]}]`},
		{[]string{"-j", "rule"}, `[{"priority":0,"src":"all","table":"local"},{"priority":100,"src":"all","fwmark":"0x10","fwmask":"0xff","table":"100"},{"priority":200,"src":"10.0.0.0","srclen":8,"iif":"v0","table":"200"},{"priority":32766,"src":"all","table":"main"}]`},
		{[]string{"-j", "nexthop"}, `[{"id":1,"gateway":"10.0.0.5","dev":"v0","scope":"link","flags":[]},{"id":2,"blackhole":null,"protocol":"static","flags":[]},{"id":3,"group":[{"id":1},{"id":2,"weight":3}],"flags":[]}]`},
	} {
		t.Run(strings.Join(tc.args, "_"), func(t *testing.T) {
			got := mustRun(t, testKernel(), tc.args...)
			if got != tc.want+"\n" {
				t.Errorf("nlkit %s:\n%s\nwant:\n%s", strings.Join(tc.args, " "), got, tc.want)
			}
			if !json.Valid([]byte(got)) {
				t.Errorf("invalid JSON: %s", got)
			}
		})
	}
}

func TestRouteGet(t *testing.T) {
	k := testKernel()
	k.get = &route.Route{Family: unix.AF_INET, Table: route.TableMain, Type: route.TypeUnicast,
		Flags: unix.RTM_F_CLONED | 0x80000000, Dst: pfx("10.9.9.9/32"), Gateway: ip("10.0.0.254"), OIF: 3,
		Extra: &route.RouteExtra{PrefSrc: ip("10.0.0.1"), UID: 0, HasUID: true}}
	if got, want := mustRun(t, k, "route", "get", "10.9.9.9"),
		lines("10.9.9.9 via 10.0.0.254 dev v0 src 10.0.0.1 uid 0 ", "    cache <local> "); got != want {
		t.Errorf("route get:\n%q\nwant\n%q", got, want)
	}
	want := `[{"dst":"10.9.9.9","gateway":"10.0.0.254","dev":"v0","prefsrc":"10.0.0.1","flags":[],"uid":0,"cache":["local"]}]` + "\n"
	if got := mustRun(t, k, "-j", "route", "get", "10.9.9.9"); got != want {
		t.Errorf("route get -j:\n%s\nwant\n%s", got, want)
	}
	k.get = nil
	_, stderr, code := runFake(t, k, "route", "get", "192.0.2.1")
	if code != exitRequest || stderr != "RTNETLINK answers: Network is unreachable\n" {
		t.Errorf("unreachable: exit %d, stderr %q", code, stderr)
	}
}

func TestPretty(t *testing.T) {
	got := mustRun(t, testKernel(), "-j", "-p", "-6", "rule")
	want := "[\n    {\n        \"priority\": 32766,\n        \"src\": \"all\",\n        \"table\": \"main\"\n    }\n]\n"
	if got != want {
		t.Errorf("pretty:\n%s\nwant\n%s", got, want)
	}
}

func TestOverview(t *testing.T) {
	out := mustRun(t, testKernel())
	for _, want := range []string{
		"3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP group default qlen 1000\n",
		"    inet 10.0.0.1/24 brd 10.0.0.255 scope global v0\n",
		"default via 10.0.0.254 dev v0 \n",
		"2001:db8::/64 dev v0 proto kernel metric 256 pref medium\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("overview lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "table") {
		t.Errorf("overview shows other tables:\n%s", out)
	}
	var v struct {
		Links  []map[string]any `json:"links"`
		Routes []map[string]any `json:"routes"`
	}
	js := mustRun(t, testKernel(), "-j")
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("overview JSON: %v\n%s", err, js)
	}
	if len(v.Links) != 5 || len(v.Routes) != 6 {
		t.Errorf("overview JSON: %d links, %d routes; want 5 and 6\n%s", len(v.Links), len(v.Routes), js)
	}
}

// TestRouteDumpInterrupted: a dump the kernel marks NLM_F_DUMP_INTR is printed once, from a repeated dump;
// when every attempt is interrupted, the last one stands with ip's warning.
func TestRouteDumpInterrupted(t *testing.T) {
	want := mustRun(t, testKernel(), "-j", "route")
	k := testKernel()
	k.intr = 2
	out, stderr, code := runFake(t, k, "-j", "route")
	if code != 0 || out != want || stderr != "" {
		t.Errorf("after 2 interrupted dumps: exit %d, stderr %q, output\n%s\nwant\n%s", code, stderr, out, want)
	}
	k = testKernel()
	k.intr = 1000
	out, stderr, code = runFake(t, k, "-j", "route")
	if code != 0 || out != want || stderr != "Dump was interrupted and may be inconsistent.\n" {
		t.Errorf("always interrupted: exit %d, stderr %q, output\n%s", code, stderr, out)
	}
}
