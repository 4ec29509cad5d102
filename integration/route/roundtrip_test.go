//go:build linux

package route_test

import (
	"errors"
	"net/netip"
	"sort"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// TestRouteRoundTrip adds, replaces, appends and deletes routes with nlkit and checks with ip.
func TestRouteRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.batch([]string{"link add v0 type veth peer name v1", "link set v0 up", "link set v1 up",
		"addr add 10.0.0.1/24 dev v0", "addr add 2001:db8::1/64 dev v0 nodad", "link add down0 type ifb"})
	ctx := ctxT(t)
	c := e.c
	v0 := e.index("v0")
	show := func(args ...string) []string {
		var out []string
		def := map[string]string{"table": "main"}
		if len(args) == 2 && args[0] == "table" {
			def["table"] = args[1]
		}
		for _, j := range e.ipJSON(append([]string{"-d", "route", "show"}, args...)...) {
			out = append(out, ipRouteLine(j, def))
		}
		sort.Strings(out)
		return out
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	r := route.Route{Dst: netip.MustParsePrefix("10.20.0.0/16"), Gateway: netip.MustParseAddr("10.0.0.254"), Priority: 10}
	must(c.Route.Add(ctx, r))
	if got := show("10.20.0.0/16"); len(got) != 1 || !strings.Contains(got[0], "via 10.0.0.254 dev v0 table main proto boot scope global metric 10") {
		t.Errorf("after add: %v", got)
	}
	if err := c.Route.Add(ctx, r); !errors.Is(err, unix.EEXIST) {
		t.Errorf("add twice: %v", err)
	}
	r.Gateway = netip.MustParseAddr("10.0.0.253")
	r.EnsureExtra().Metrics.MTU = 1300
	must(c.Route.Replace(ctx, r))
	if got := show("10.20.0.0/16"); len(got) != 1 || !strings.Contains(got[0], "via 10.0.0.253") || !strings.Contains(got[0], "mtu=1300") {
		t.Errorf("after replace: %v", got)
	}
	r2 := r.Clone() // r2 := r would share r.Extra
	r2.Gateway, r2.Extra.Metrics = netip.MustParseAddr("10.0.0.252"), route.Metrics{}
	r2.Type = route.TypeUnicast
	must(c.Route.Append(ctx, r2))
	if got := show("10.20.0.0/16"); len(got) != 2 {
		t.Errorf("after append: %v", got)
	}
	// Delete exactly the appended one, as List returns it.
	rs, err := c.Route.List(ctx, &route.RouteFilter{Family: unix.AF_INET, Table: route.TableMain})
	must(err)
	for _, x := range rs {
		if x.Gateway == r2.Gateway {
			must(c.Route.Delete(ctx, x))
		}
	}
	if got := show("10.20.0.0/16"); len(got) != 1 || !strings.Contains(got[0], "via 10.0.0.253") {
		t.Errorf("after delete of the appended route: %v", got)
	}
	must(c.Route.Delete(ctx, route.Route{Dst: netip.MustParsePrefix("10.20.0.0/16"), Priority: 10}))
	if got := show("10.20.0.0/16"); len(got) != 0 {
		t.Errorf("after delete: %v", got)
	}
	if err := c.Route.Delete(ctx, route.Route{Dst: netip.MustParsePrefix("10.20.0.0/16")}); !errors.Is(err, unix.ESRCH) {
		t.Errorf("delete twice: %v", err)
	}
	// Device route (scope link by default), table, multipath, blackhole, IPv6 with pref, default route.
	must(c.Route.Add(ctx, route.Route{Dst: netip.MustParsePrefix("10.21.0.0/16"), OIF: v0, Table: 77, Protocol: route.ProtocolStatic}))
	must(c.Route.Add(ctx, route.Route{Dst: netip.MustParsePrefix("10.22.0.0/16"), Extra: &route.RouteExtra{MultiPath: []route.Hop{
		{Gateway: netip.MustParseAddr("10.0.0.2"), OIF: v0, Hops: 2}, {Gateway: netip.MustParseAddr("10.0.0.3"), OIF: v0}}}}))
	must(c.Route.Add(ctx, route.Route{Dst: netip.MustParsePrefix("10.23.0.0/16"), Type: route.TypeBlackhole}))
	must(c.Route.Add(ctx, route.Route{Dst: netip.MustParsePrefix("2001:db8:7::/48"), Gateway: netip.MustParseAddr("2001:db8::2"), Pref: 1}))
	must(c.Route.Add(ctx, route.Route{Gateway: netip.MustParseAddr("10.0.0.254")}))
	want := []string{
		"unicast 10.21.0.0/16 dev v0 table 77 proto static scope link metric 0 flags []",
	}
	if got := show("table", "77"); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("table 77: %v", got)
	}
	got := strings.Join(show(), "\n")
	for _, w := range []string{
		"unicast 10.22.0.0/16 table main proto boot scope global metric 0 flags [] nexthop[via 10.0.0.2 dev v0 weight 3 flags []] nexthop[via 10.0.0.3 dev v0 weight 1 flags []]",
		"blackhole 10.23.0.0/16 table main proto boot scope global metric 0 flags []",
		"unicast default via 10.0.0.254 dev v0 table main proto boot scope global metric 0 flags []",
	} {
		if !strings.Contains(got, w) {
			t.Errorf("missing %q in\n%s", w, got)
		}
	}
	if j := e.ipJSON("-6", "route", "show", "2001:db8:7::/48"); len(j) != 1 || str(j[0]["pref"]) != "high" {
		t.Errorf("IPv6 route: %v", j)
	}
	// RTA_EXPIRES is seconds in a request; a dump gives the time left in RTA_CACHEINFO (clock ticks).
	must(c.Route.Add(ctx, route.Route{Dst: netip.MustParsePrefix("2001:db8:8::/48"), Gateway: netip.MustParseAddr("2001:db8::2"),
		Extra: &route.RouteExtra{Expires: 300}}))
	if j := e.ipJSON("-6", "route", "show", "2001:db8:8::/48"); len(j) != 1 || j[0]["expires"] == nil {
		t.Errorf("IPv6 route with expires 300: ip shows %v", j)
	} else if left, _ := j[0]["expires"].(float64); left < 250 || left > 300 {
		t.Errorf("IPv6 route with expires 300: ip shows %v s left", j[0]["expires"])
	}
	rs6, err := c.Route.List(ctx, &route.RouteFilter{Family: unix.AF_INET6, Table: route.TableMain})
	must(err)
	for _, x := range rs6 {
		if x.Dst == netip.MustParsePrefix("2001:db8:8::/48") {
			if ticks := x.Ext().CacheInfo.Expires; ticks < 250*100 || ticks > 300*100 {
				t.Errorf("IPv6 route with expires 300: RTA_CACHEINFO rta_expires %d ticks", ticks)
			}
		}
	}
	// route get, as ip route get.
	g, err := c.Route.Get(ctx, netip.MustParseAddr("10.22.1.1"), nil)
	must(err)
	jg := e.ipJSON("route", "get", "10.22.1.1")[0]
	if g.Dst.Addr().String() != str(jg["dst"]) || e.names()[g.OIF] != str(jg["dev"]) || g.Gateway.String() != str(jg["gateway"]) ||
		g.Ext().PrefSrc.String() != str(jg["prefsrc"]) {
		t.Errorf("route get: nlkit %s via %s dev %d src %s; ip %v", g.Dst, g.Gateway, g.OIF, g.Ext().PrefSrc, jg)
	}
	if g, err := c.Route.Get(ctx, netip.MustParseAddr("10.21.5.5"), &route.RouteGetOptions{FibMatch: true, Mark: 0}); err != nil ||
		g.Dst.String() != "0.0.0.0/0" {
		t.Errorf("fibmatch: %v %v", g.Dst, err)
	}
	// Extended acks surface: a gateway through a link that is down.
	err = c.Route.Add(ctx, route.Route{Dst: netip.MustParsePrefix("10.30.0.0/16"), Gateway: netip.MustParseAddr("10.9.9.9"),
		OIF: e.index("down0"), Flags: unix.RTNH_F_ONLINK})
	if !errors.Is(err, unix.ENETDOWN) || !strings.Contains(err.Error(), "Nexthop device is not up") {
		t.Errorf("route via a down link: %v", err)
	}
	// Unreachable: the kernel's errno.
	c2, _ := route.Dial(&route.Config{NetNS: e.ns.Handle.Fd()})
	defer c2.Close()
	must(c2.Route.Delete(ctx, route.Route{Dst: netip.MustParsePrefix("0.0.0.0/0")}))
	if _, err := c2.Route.Get(ctx, netip.MustParseAddr("192.0.2.1"), nil); !errors.Is(err, unix.ENETUNREACH) {
		t.Errorf("route get unreachable: %v", err)
	}
}

func TestAddrRoundTrip(t *testing.T) {
	e := newEnv(t)
	e.batch([]string{"link add v0 type veth peer name v1"})
	ctx := ctxT(t)
	v0 := e.index("v0")
	a := route.AddrFrom(v0, netip.MustParsePrefix("10.40.0.1/24"))
	a.Broadcast = netip.MustParseAddr("10.40.0.255")
	a.Label = "v0:a"
	if err := e.c.Addr.Add(ctx, a); err != nil {
		t.Fatal(err)
	}
	a6 := route.AddrFrom(v0, netip.MustParsePrefix("2001:db8:40::1/64"))
	a6.Flags = route.AddrNoDAD | route.AddrNoPrefixRoute | route.AddrPermanent
	if err := e.c.Addr.Add(ctx, a6); err != nil {
		t.Fatal(err)
	}
	ptp := route.Addr{Index: v0, Local: netip.MustParseAddr("10.41.0.1"), Peer: netip.MustParseAddr("10.41.0.2"), PrefixLen: 32}
	if err := e.c.Addr.Add(ctx, ptp); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Addr.Add(ctx, a); !errors.Is(err, unix.EEXIST) {
		t.Errorf("add twice: %v", err)
	}
	got := map[string]map[string]any{}
	for _, x := range e.ipJSON("addr", "show", "dev", "v0")[0]["addr_info"].([]any) {
		ai := x.(map[string]any)
		got[str(ai["local"])] = ai
	}
	if ai := got["10.40.0.1"]; ai == nil || str(ai["broadcast"]) != "10.40.0.255" || str(ai["label"]) != "v0:a" {
		t.Errorf("10.40.0.1: %v", ai)
	}
	if ai := got["2001:db8:40::1"]; ai == nil || ai["nodad"] != true || ai["noprefixroute"] != true {
		t.Errorf("2001:db8:40::1: %v", ai)
	}
	if ai := got["10.41.0.1"]; ai == nil || str(ai["address"]) != "10.41.0.2" {
		t.Errorf("peer: %v", ai)
	}
	// Replace changes the lifetime in place.
	a.CacheInfo = route.AddrCacheInfo{Preferred: 30, Valid: 60}
	if err := e.c.Addr.Replace(ctx, a); err != nil {
		t.Fatal(err)
	}
	for _, x := range e.ipJSON("addr", "show", "dev", "v0")[0]["addr_info"].([]any) {
		ai := x.(map[string]any)
		if str(ai["local"]) == "10.40.0.1" && (ai["valid_life_time"].(float64) > 60 || ai["dynamic"] != true) {
			t.Errorf("after replace: %v", ai)
		}
	}
	for _, x := range []route.Addr{a, a6, ptp} {
		if err := e.c.Addr.Delete(ctx, x); err != nil {
			t.Fatalf("delete %v: %v", x, err)
		}
	}
	if ai := e.ipJSON("addr", "show", "dev", "v0")[0]["addr_info"].([]any); len(ai) != 0 {
		t.Errorf("after delete: %v", ai)
	}
	if err := e.c.Addr.Delete(ctx, a); !errors.Is(err, unix.EADDRNOTAVAIL) {
		t.Errorf("delete twice: %v", err)
	}
}
