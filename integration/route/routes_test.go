//go:build linux

package route_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// routeFlagNames are ip's names of rtm_flags bits.
var routeFlagNames = []struct {
	bit  uint32
	name string
}{{unix.RTNH_F_DEAD, "dead"}, {unix.RTNH_F_ONLINK, "onlink"}, {unix.RTNH_F_PERVASIVE, "pervasive"},
	{unix.RTNH_F_OFFLOAD, "offload"}, {unix.RTNH_F_TRAP, "trap"}, {unix.RTM_F_NOTIFY, "notify"},
	{unix.RTNH_F_LINKDOWN, "linkdown"}, {unix.RTNH_F_UNRESOLVED, "unresolved"}, {unix.RTM_F_OFFLOAD, "rt_offload"},
	{unix.RTM_F_TRAP, "rt_trap"}, {unix.RTM_F_OFFLOAD_FAILED, "rt_offload_failed"}}

func routeFlags(f uint32) string {
	var s []string
	for _, n := range routeFlagNames {
		if f&n.bit != 0 {
			s = append(s, n.name)
		}
	}
	return strings.Join(s, ",")
}

func dstString(p netip.Prefix) string {
	switch {
	case p.Bits() == 0:
		return "default"
	case p.Bits() == p.Addr().BitLen():
		return p.Addr().String()
	}
	return p.String()
}

var prefNames = map[uint8]string{0: "medium", 1: "high", 3: "low"}

// routeLine is our canonical form of a route, the same fields ip -d -j prints.
func routeLine(r *route.Route, names map[int32]string) string {
	x := r.Ext()
	s := fmt.Sprintf("%s %s", r.Type, dstString(r.Dst))
	if x.Src.IsValid() && x.Src.Bits() > 0 {
		s += " from " + x.Src.String()
	}
	if r.TOS != 0 {
		s += fmt.Sprintf(" tos 0x%x", r.TOS)
	}
	if r.Gateway.IsValid() {
		s += " via " + r.Gateway.String()
	}
	if r.OIF != 0 {
		s += " dev " + names[r.OIF]
	}
	s += fmt.Sprintf(" table %s proto %s scope %s", route.TableName(r.Table), r.Protocol, r.Scope)
	if x.PrefSrc.IsValid() {
		s += " src " + x.PrefSrc.String()
	}
	s += fmt.Sprintf(" metric %d flags [%s]", r.Priority, routeFlags(r.Flags))
	if m := x.Metrics; !m.IsZero() {
		s += fmt.Sprintf(" metrics[mtu=%d advmss=%d window=%d hoplimit=%d initcwnd=%d]", m.MTU, m.AdvMSS, m.Window,
			m.HopLimit, m.InitCWnd)
	}
	for _, nh := range x.MultiPath {
		s += fmt.Sprintf(" nexthop[via %s dev %s weight %d flags [%s]]", nh.Gateway, names[nh.OIF], nh.Weight(),
			routeFlags(uint32(nh.Flags)))
	}
	if r.Family == unix.AF_INET6 {
		s += " pref " + prefNames[r.Pref]
	}
	if r.NexthopID != 0 {
		s += fmt.Sprintf(" nhid %d", r.NexthopID)
	}
	return s
}

// ipRouteLine is the same canonical form built from one object of ip -d -j route.
// ip omits what it filters on (the table, dev, protocol); def stands in for those keys.
func ipRouteLine(j map[string]any, def map[string]string) string {
	for k, v := range def {
		if !has(j, k) {
			j[k] = v
		}
	}
	s := fmt.Sprintf("%s %s", str(j["type"]), str(j["dst"]))
	if has(j, "from") {
		s += " from " + str(j["from"])
	}
	if has(j, "tos") {
		s += " tos " + str(j["tos"])
	}
	if has(j, "gateway") {
		s += " via " + str(j["gateway"])
	}
	if has(j, "dev") {
		s += " dev " + str(j["dev"])
	}
	s += fmt.Sprintf(" table %s proto %s scope %s", str(j["table"]), str(j["protocol"]), str(j["scope"]))
	if has(j, "prefsrc") {
		s += " src " + str(j["prefsrc"])
	}
	metric := "0"
	if has(j, "metric") {
		metric = str(j["metric"])
	}
	s += fmt.Sprintf(" metric %s flags [%s]", metric, str(j["flags"]))
	if ms, ok := j["metrics"].([]any); ok && len(ms) > 0 {
		m := map[string]string{}
		for _, x := range ms {
			for k, v := range x.(map[string]any) {
				m[k] = str(v)
			}
		}
		get := func(k string) string {
			if v, ok := m[k]; ok {
				return v
			}
			return "0"
		}
		s += fmt.Sprintf(" metrics[mtu=%s advmss=%s window=%s hoplimit=%s initcwnd=%s]", get("mtu"), get("advmss"),
			get("window"), get("hoplimit"), get("initcwnd"))
	}
	if nhs, ok := j["nexthops"].([]any); ok {
		for _, x := range nhs {
			nh := x.(map[string]any)
			gw := "invalid IP"
			if has(nh, "gateway") {
				gw = str(nh["gateway"])
			}
			s += fmt.Sprintf(" nexthop[via %s dev %s weight %s flags [%s]]", gw, str(nh["dev"]), str(nh["weight"]),
				str(nh["flags"]))
		}
	}
	if has(j, "pref") {
		s += " pref " + str(j["pref"])
	}
	if has(j, "nhid") {
		s += " nhid " + str(j["nhid"])
	}
	return s
}

// compareRoutes lists routes of both families with nlkit (f) and ip (args) and compares them.
func (e *env) compareRoutes(f *route.RouteFilter, c *route.Client, ipArgs ...string) int {
	e.t.Helper()
	rs, err := c.Route.List(ctxT(e.t), f)
	if err != nil {
		e.t.Fatal(err)
	}
	names := e.names()
	var ours, theirs []string
	for i := range rs {
		if f.OIF != 0 && rs[i].OIF != f.OIF {
			// ip's own "dev" filter keeps only routes whose RTA_OIF is the link; the kernel's (and nlkit's) also
			// keeps multipath routes with a nexthop through it.
			continue
		}
		ours = append(ours, routeLine(&rs[i], names))
	}
	def := map[string]string{"table": "main"}
	if f.Table != 0 {
		def["table"] = route.TableName(f.Table)
	}
	if f.OIF != 0 {
		def["dev"] = names[f.OIF]
	}
	if f.Protocol != 0 {
		def["protocol"] = f.Protocol.String()
	}
	for _, j := range e.ipJSON(ipArgs...) {
		theirs = append(theirs, ipRouteLine(j, def))
	}
	diffLists(e.t, fmt.Sprintf("routes (filter %+v, ip %s)", *f, strings.Join(ipArgs, " ")), ours, theirs)
	return len(rs)
}

// setupAddrsRoutes gives the namespace addresses and routes of many shapes, with ip.
func setupAddrsRoutes(e *env) {
	e.ns.Output("sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
	e.batch([]string{
		"link add v0 type veth peer name v1",
		"link set v0 up",
		"link set v1 up",
		"link add ifb0 type ifb",
		"addr add 10.0.0.1/24 brd + dev v0",
		"addr add 10.0.0.2/24 dev v0",
		"addr add 10.9.0.1 peer 10.9.0.2/32 dev v0",
		"addr add 10.8.0.1/24 dev v0 noprefixroute label v0:x",
		"addr add 2001:db8::1/64 dev v0 nodad",
		"addr add 2001:db8:5::1/64 dev v0 nodad noprefixroute",
		"addr add 10.7.0.1/16 dev ifb0",
		"route add 10.1.0.0/16 via 10.0.0.254 metric 5",
		"route add 10.2.0.0/16 dev v0 mtu lock 1400 advmss 1300 table 100",
		"route add blackhole 10.3.0.0/16",
		"route add unreachable 10.3.1.0/24 table 200",
		"route add prohibit 10.3.2.0/24",
		"route add 10.4.0.0/16 nexthop via 10.0.0.253 weight 2 nexthop via 10.0.0.252",
		"route add 10.5.0.1 dev v0 src 10.0.0.1 proto static",
		"route add 10.6.0.0/16 via 10.0.0.254 tos 0x10",
		"route add 10.6.0.0/16 via 10.0.0.254 metric 100 window 1000 hoplimit 5 initcwnd 10",
		"route add 10.77.0.0/24 via 10.9.9.9 dev v0 onlink",
		"route add 2001:db8:1::/48 via 2001:db8::2 pref high",
		"route add 2001:db8:2::/48 nexthop via 2001:db8::2 nexthop via 2001:db8::3",
		"route add 2001:db8:3::/48 dev v0 metric 7 table 300 mtu 1300",
		"route add 2001:db8:4::/48 from 2001:db8:99::/48 via 2001:db8::2",
		"nexthop add id 1 via 10.0.0.254 dev v0",
		"route add 10.10.0.0/16 nhid 1",
	})
}

func TestRoutesMatchIP(t *testing.T) {
	e := newEnv(t)
	setupAddrsRoutes(e)
	e.secondOpinion()
	plain, err := route.Dial(&route.Config{NetNS: e.ns.Handle.Fd(), DisableStrict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	v0 := e.index("v0")
	for _, c := range []*route.Client{e.c, plain} {
		if n := e.compareRoutes(&route.RouteFilter{Family: unix.AF_INET}, c, "-4", "-d", "route", "show", "table", "all"); n < 15 {
			t.Errorf("only %d IPv4 routes", n)
		}
		e.compareRoutes(&route.RouteFilter{Family: unix.AF_INET6}, c, "-6", "-d", "route", "show", "table", "all")
		e.compareRoutes(&route.RouteFilter{Family: unix.AF_INET, Table: route.TableMain}, c, "-4", "-d", "route", "show")
		e.compareRoutes(&route.RouteFilter{Family: unix.AF_INET, Table: 100}, c, "-4", "-d", "route", "show", "table", "100")
		e.compareRoutes(&route.RouteFilter{Family: unix.AF_INET6, Table: 300}, c, "-6", "-d", "route", "show", "table", "300")
		e.compareRoutes(&route.RouteFilter{Family: unix.AF_INET, Protocol: route.ProtocolStatic}, c, "-4", "-d", "route",
			"show", "table", "all", "proto", "static")
		e.compareRoutes(&route.RouteFilter{Family: unix.AF_INET, OIF: v0}, c, "-4", "-d", "route", "show", "table", "all", "dev", "v0")
		e.compareRoutes(&route.RouteFilter{Family: unix.AF_INET, Type: route.TypeBlackhole}, c, "-4", "-d", "route", "show",
			"table", "all", "type", "blackhole")
		// A table that does not exist: no routes, no error.
		if rs, err := c.Route.List(ctxT(t), &route.RouteFilter{Family: unix.AF_INET, Table: 4242}); err != nil || len(rs) != 0 {
			t.Errorf("missing table: %v %v", rs, err)
		}
	}
	// Family 0 lists both (and the IPv4/IPv6 filters of one list are the same routes).
	all, err := e.c.Route.List(ctxT(t), &route.RouteFilter{Table: route.TableMain})
	if err != nil {
		t.Fatal(err)
	}
	v4 := len(e.ipJSON("route", "show"))
	v6 := len(e.ipJSON("-6", "route", "show"))
	if len(all) != v4+v6 {
		t.Errorf("main table, both families: nlkit %d, ip %d+%d", len(all), v4, v6)
	}
}

func TestAddrsMatchIP(t *testing.T) {
	e := newEnv(t)
	setupAddrsRoutes(e)
	e.ip("addr", "add", "10.11.0.1/24", "dev", "v1", "valid_lft", "100", "preferred_lft", "50")
	known := []string{"secondary", "temporary", "nodad", "optimistic", "dadfailed", "home", "deprecated",
		"tentative", "dynamic", "mngtmpaddr", "noprefixroute", "autojoin", "stable-privacy"}
	line := func(index any, family, local, peer, prefix, brd, scope, label string, valid, pref float64, flags []string) string {
		life := func(v float64) string {
			if v == route.Forever {
				return "forever"
			}
			return "finite"
		}
		return fmt.Sprintf("%v %s %s peer=%s /%s brd=%s scope=%s label=%s valid=%s pref=%s flags=%s", index, family, local,
			peer, prefix, brd, scope, label, life(valid), life(pref), strings.Join(flags, ","))
	}
	for _, plainCfg := range []bool{false, true} {
		c := e.c
		if plainCfg {
			var err error
			c, err = route.Dial(&route.Config{NetNS: e.ns.Handle.Fd(), DisableStrict: true})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
		}
		for _, f := range []*route.AddrFilter{nil, {Index: e.index("v0")}, {Family: unix.AF_INET6}} {
			as, err := c.Addr.List(ctxT(t), f)
			if err != nil {
				t.Fatal(err)
			}
			var ours, theirs []string
			for _, a := range as {
				peer := ""
				if a.Peer.IsValid() {
					peer = a.Peer.String()
				}
				brd := ""
				if a.Broadcast.IsValid() {
					brd = a.Broadcast.String()
				}
				ours = append(ours, line(a.Index, map[uint8]string{2: "inet", 10: "inet6"}[a.Family], a.Local.String(), peer,
					fmt.Sprint(a.PrefixLen), brd, a.Scope.String(), a.Label, float64(a.CacheInfo.Valid),
					float64(a.CacheInfo.Preferred), a.Flags.Names(a.Family)))
			}
			args := []string{"addr", "show"}
			if f != nil && f.Index != 0 {
				args = append(args, "dev", "v0")
			}
			if f != nil && f.Family == unix.AF_INET6 {
				args = append([]string{"-6"}, args...)
			}
			for _, l := range e.ipJSON(args...) {
				for _, x := range l["addr_info"].([]any) {
					ai := x.(map[string]any)
					var flags []string
					for _, k := range known {
						if ai[k] == true {
							flags = append(flags, k)
						}
					}
					theirs = append(theirs, line(str(l["ifindex"]), str(ai["family"]), str(ai["local"]), str(ai["address"]),
						str(ai["prefixlen"]), str(ai["broadcast"]), str(ai["scope"]), str(ai["label"]),
						ai["valid_life_time"].(float64), ai["preferred_life_time"].(float64), flags))
				}
			}
			diffLists(t, fmt.Sprintf("addresses (filter %+v, strict %v)", f, !plainCfg), ours, theirs)
		}
	}
	// The finite lifetimes agree within a few seconds.
	as, err := e.c.Addr.List(ctxT(t), &route.AddrFilter{Index: e.index("v1"), Family: unix.AF_INET})
	if err != nil || len(as) != 1 {
		t.Fatalf("%v %v", as, err)
	}
	if v := as[0].CacheInfo.Valid; v > 100 || v < 95 {
		t.Errorf("valid lifetime %d", v)
	}
}

// TestManyRoutes compares 10,000 routes (added with ip -batch) with ip's listing, through strict and plain
// sockets, streaming and as a slice.
func TestManyRoutes(t *testing.T) {
	e := newEnv(t)
	e.batch([]string{"link add v0 type veth peer name v1", "link set v0 up", "link set v1 up",
		"addr add 10.0.0.1/16 dev v0"})
	lines := make([]string, 0, 10000)
	for i := range 10000 {
		lines = append(lines, fmt.Sprintf("route add 172.%d.%d.0/24 via 10.0.0.%d metric %d table %d", 16+i/256%16, i%256,
			2+i%200, i%7, 100+i%3))
	}
	e.batch(lines)
	start := time.Now()
	n := e.compareRoutes(&route.RouteFilter{Family: unix.AF_INET}, e.c, "-4", "-d", "route", "show", "table", "all")
	if n < 10000 {
		t.Errorf("%d routes, want at least 10000", n)
	}
	e.compareRoutes(&route.RouteFilter{Family: unix.AF_INET, Table: 101}, e.c, "-4", "-d", "route", "show", "table", "101")
	t.Logf("10,000 routes: two dumps and comparisons in %v", time.Since(start))
	// The stream gives the same count with no per-route slice.
	count := 0
	for _, err := range e.c.Route.All(ctxT(t), &route.RouteFilter{Family: unix.AF_INET, Table: 100}) {
		if err != nil {
			t.Fatal(err)
		}
		count++
	}
	if count != 3334 {
		t.Errorf("table 100 streamed %d routes, want 3334", count)
	}
}
