package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// TestLinkNone: a link whose IFLA_LINK is 0 (a tunnel bound to no device) prints as ip's "tunl0@NONE", and
// "link": null in JSON.
func TestLinkNone(t *testing.T) {
	k := testKernel()
	k.links = append(k.links, route.Link{Index: 6, Name: "tunl0", Type: unix.ARPHRD_TUNNEL, Flags: unix.IFF_NOARP,
		MTU: 1480, Qdisc: "noop", OperState: route.OperDown, HasParentIndex: true,
		Address: route.HWAddrFrom([]byte{0, 0, 0, 0}), Broadcast: route.HWAddrFrom([]byte{0, 0, 0, 0})})
	want := lines("6: tunl0@NONE: <NOARP> mtu 1480 qdisc noop state DOWN mode DEFAULT group default ",
		"    link/ipip 0.0.0.0 brd 0.0.0.0")
	if got := mustRun(t, k, "link", "show", "tunl0"); got != want {
		t.Errorf("text:\n%q\nwant\n%q", got, want)
	}
	got := mustRun(t, k, "-j", "link", "show", "tunl0")
	if !strings.HasPrefix(got, `[{"ifindex":6,"link":null,"ifname":"tunl0",`) || !json.Valid([]byte(got)) {
		t.Errorf("JSON: %s", got)
	}
}

// TestRouteScopeSent: `scope global` is sent as given, and IPv6 routes go with the scope ip sends.
func TestRouteScopeSent(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want route.Scope
	}{
		{[]string{"route", "add", "10.9.0.0/16", "dev", "v0", "scope", "global"}, route.ScopeUniverse},
		{[]string{"route", "add", "10.9.0.0/16", "dev", "v0"}, route.ScopeLink},
		{[]string{"route", "add", "2001:db8:9::/48", "dev", "v0"}, route.ScopeUniverse},
		{[]string{"route", "del", "10.9.0.0/16", "scope", "global"}, route.ScopeUniverse},
		{[]string{"route", "del", "10.9.0.0/16"}, route.ScopeNowhere},
		{[]string{"-6", "route", "del", "2001:db8:9::/48"}, route.ScopeUniverse},
	} {
		if m := change(t, tc.args...); route.Scope(m.Data[6]) != tc.want {
			t.Errorf("%v: scope %v, want %v", tc.args, route.Scope(m.Data[6]), tc.want)
		}
	}
}

// TestRoutePresence: metric and pref print when the kernel sent them, whatever the family.
func TestRoutePresence(t *testing.T) {
	k := testKernel()
	k.routes = []route.Route{
		{Family: unix.AF_INET, Table: route.TableMain, Type: route.TypeUnicast, Protocol: route.ProtocolBoot,
			Dst: pfx("10.9.0.0/16"), OIF: 3, Scope: route.ScopeLink},
		{Family: unix.AF_INET6, Table: route.TableMain, Type: route.TypeUnicast, Protocol: route.ProtocolBoot,
			Dst: pfx("2001:db8:9::/48"), OIF: 3},
	}
	want := lines("10.9.0.0/16 dev v0 scope link ", "2001:db8:9::/48 dev v0 metric 0 pref medium")
	if got := mustRun(t, k, "route", "show", "table", "all"); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestRouteShowScope: `route show scope S` filters through RouteFilter.Scope, "global" included.
func TestRouteShowScope(t *testing.T) {
	if got, want := mustRun(t, testKernel(), "route", "show", "scope", "global"),
		lines("default via 10.0.0.254 dev v0 ", "blackhole 10.3.0.0/16 "); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestNeighChange(t *testing.T) {
	m := change(t, "neigh", "change", "10.0.0.254", "lladdr", "02:00:00:00:00:09", "dev", "v0")
	checkHeader(t, m, unix.RTM_NEWNEIGH, unix.NLM_F_REPLACE)
	var n route.Neigh
	if err := n.UnmarshalBinary(m.Data); err != nil || n.Dst != ip("10.0.0.254") || n.Index != 3 ||
		n.State != route.NeighPermanent || n.LLAddr != hw("02:00:00:00:00:09") {
		t.Errorf("neigh change: %+v %v", n, err)
	}
}

// TestAddr6LinkDump: `-6 addr` lists the kernel's AF_INET6 view of the links, as ip does.
func TestAddr6LinkDump(t *testing.T) {
	k := testKernel()
	var families []uint8
	fn := k.fn
	dial := func(reqs []proto.Message) ([]proto.Message, error) {
		if reqs[0].Header.Type == unix.RTM_GETLINK && reqs[0].Header.Flags&proto.FlagDump == proto.FlagDump {
			families = append(families, reqs[0].Data[0])
		}
		return fn(reqs)
	}
	out, errOut, code := runWith(t, dial, "-6", "addr")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "3: v0@v1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP qlen 1000\n") {
		t.Errorf("output:\n%s", out)
	}
	if len(families) != 2 || families[0] != unix.AF_UNSPEC || families[1] != unix.AF_INET6 {
		t.Errorf("link dumps of families %v, want [0 %d]", families, unix.AF_INET6)
	}
}

// TestRouteMetricPrefSent: `metric 0` and `pref medium` are sent (RTA_PRIORITY 0, RTA_PREF 0), as ip sends them.
func TestRouteMetricPrefSent(t *testing.T) {
	var r route.Route
	m := change(t, "route", "add", "2001:db8:9::/48", "dev", "v0", "metric", "0", "pref", "medium")
	if err := r.UnmarshalBinary(m.Data); err != nil || !r.HasPriority || r.Priority != 0 || !r.HasPref || r.Pref != 0 {
		t.Errorf("route %+v %v", r, err)
	}
	m = change(t, "route", "add", "2001:db8:9::/48", "dev", "v0")
	if err := r.UnmarshalBinary(m.Data); err != nil || r.HasPriority || r.HasPref {
		t.Errorf("route without metric and pref %+v %v", r, err)
	}
}
