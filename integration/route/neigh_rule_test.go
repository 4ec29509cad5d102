//go:build linux

package route_test

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

func neighLine(n *route.Neigh, names map[int32]string) string {
	s := n.Dst.String() + " dev " + names[n.Index]
	if n.LLAddr.IsValid() {
		s += " lladdr " + n.LLAddr.String()
	}
	if n.Flags&route.NeighRouter != 0 {
		s += " router"
	}
	if n.Flags&route.NeighProxy != 0 {
		s += " proxy"
	} else {
		s += " state " + n.State.String()
	}
	return s
}

func ipNeighLine(j map[string]any, dev string) string {
	if !has(j, "dev") {
		j["dev"] = dev
	}
	s := str(j["dst"]) + " dev " + str(j["dev"])
	if has(j, "lladdr") {
		s += " lladdr " + str(j["lladdr"])
	}
	if has(j, "router") {
		s += " router"
	}
	if has(j, "proxy") {
		s += " proxy"
	} else {
		s += " state " + str(j["state"])
	}
	return s
}

func TestNeighsMatchIP(t *testing.T) {
	e := newEnv(t)
	e.batch([]string{
		"link add v0 type veth peer name v1", "link set v0 up", "link set v1 up",
		"link add br0 type bridge", "link add v2 type veth peer name v3", "link set v2 master br0", "link set v2 up",
		"link set br0 up",
		"addr add 10.0.0.1/24 dev v0",
		"neigh add 10.0.0.50 lladdr 02:00:00:00:00:50 dev v0",
		"neigh add 10.0.0.51 lladdr 02:00:00:00:00:51 dev v0 nud stale",
		"neigh add 10.0.0.52 lladdr 02:00:00:00:00:52 dev v0 nud reachable",
		"neigh add 2001:db8::50 lladdr 02:00:00:00:00:53 dev v0 router nud stale",
		"neigh add 10.0.0.60 lladdr 02:00:00:00:00:60 dev v2",
		"neigh add 10.0.0.61 lladdr 02:00:00:00:00:61 dev v0 nud noarp",
		"neigh add proxy 10.0.0.77 dev v0",
	})
	ctx := ctxT(t)
	names := e.names()
	compare := func(f *route.NeighFilter, c *route.Client, args ...string) {
		t.Helper()
		settled(t, fmt.Sprintf("neighbours (%+v)", f), func() (ours, theirs []string) {
			ns, err := c.Neigh.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for i := range ns {
				ours = append(ours, neighLine(&ns[i], names))
			}
			dev := ""
			if f != nil {
				dev = names[f.Index]
			}
			for _, j := range e.ipJSON(args...) {
				theirs = append(theirs, ipNeighLine(j, dev))
			}
			return ours, theirs
		})
	}
	plain, err := route.Dial(&route.Config{NetNS: e.ns.Handle.Fd(), DisableStrict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	for _, c := range []*route.Client{e.c, plain} {
		compare(nil, c, "neigh", "show", "nud", "all")
		compare(&route.NeighFilter{Family: unix.AF_INET}, c, "-4", "neigh", "show", "nud", "all")
		compare(&route.NeighFilter{Index: e.index("v0")}, c, "neigh", "show", "nud", "all", "dev", "v0")
		compare(&route.NeighFilter{Master: e.index("br0")}, c, "neigh", "show", "nud", "all", "master", "br0")
		compare(&route.NeighFilter{Proxy: true}, c, "neigh", "show", "proxy")
	}

	// Round trip with nlkit: add, replace, delete (the full request: ifindex, family, NDA_DST).
	v0 := e.index("v0")
	mac, _ := route.ParseHWAddr("02:00:00:00:00:99")
	n := route.Neigh{Index: v0, Dst: netip.MustParseAddr("10.0.0.99"), LLAddr: mac}
	if err := e.c.Neigh.Add(ctx, n); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Neigh.Add(ctx, n); !errors.Is(err, unix.EEXIST) {
		t.Errorf("add twice: %v", err)
	}
	if j := e.ipJSON("neigh", "show", "10.0.0.99", "dev", "v0"); len(j) != 1 || str(j[0]["lladdr"]) != mac.String() ||
		str(j[0]["state"]) != "PERMANENT" {
		t.Errorf("after add: %v", j)
	}
	n.State = route.NeighStale
	n.Flags = route.NeighRouter
	if err := e.c.Neigh.Replace(ctx, n); err != nil {
		t.Fatal(err)
	}
	if j := e.ipJSON("neigh", "show", "10.0.0.99", "dev", "v0"); len(j) != 1 || str(j[0]["state"]) != "STALE" || !has(j[0], "router") {
		t.Errorf("after replace: %v", j)
	}
	// Delete what List returns, and one given by its key only.
	ns, err := e.c.Neigh.List(ctx, &route.NeighFilter{Index: v0, Family: unix.AF_INET})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ns {
		if x.Dst == n.Dst {
			if err := e.c.Neigh.Delete(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := e.c.Neigh.Delete(ctx, route.Neigh{Index: v0, Dst: netip.MustParseAddr("2001:db8::50")}); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Neigh.Delete(ctx, route.Neigh{Index: v0, Dst: netip.MustParseAddr("10.0.0.77"), Flags: route.NeighProxy}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"10.0.0.99", "2001:db8::50"} {
		if j := e.ipJSON("neigh", "show", d, "dev", "v0"); len(j) != 0 {
			t.Errorf("%s after delete: %v", d, j)
		}
	}
	if j := e.ipJSON("neigh", "show", "proxy"); len(j) != 0 {
		t.Errorf("proxy after delete: %v", j)
	}
	if err := e.c.Neigh.Delete(ctx, route.Neigh{Index: v0, Dst: netip.MustParseAddr("10.0.0.99")}); !errors.Is(err, unix.ENOENT) {
		t.Errorf("delete twice: %v", err)
	}
}

var ipProtoNames = map[uint8]string{1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp"}

func ruleLine(r *route.Rule) string {
	s := fmt.Sprintf("%d", r.Priority)
	if r.Flags&2 != 0 { // FIB_RULE_INVERT
		s += " not"
	}
	if r.Src.IsValid() {
		s += fmt.Sprintf(" from %s/%d", r.Src.Addr(), r.Src.Bits())
	} else {
		s += " from all"
	}
	if r.Dst.IsValid() {
		s += fmt.Sprintf(" to %s/%d", r.Dst.Addr(), r.Dst.Bits())
	}
	if r.TOS != 0 {
		s += fmt.Sprintf(" tos 0x%x", r.TOS)
	}
	if r.Mark != 0 || (r.HasMask && r.Mask != 0) {
		s += fmt.Sprintf(" fwmark 0x%x", r.Mark)
		if r.HasMask && r.Mask != 0xffffffff {
			s += fmt.Sprintf("/0x%x", r.Mask)
		}
	}
	if r.IIFName != "" {
		s += " iif " + r.IIFName
	}
	if r.OIFName != "" {
		s += " oif " + r.OIFName
	}
	if r.L3MDev != 0 {
		s += " l3mdev"
	}
	if r.HasUIDRange {
		s += fmt.Sprintf(" uidrange %d-%d", r.UIDStart, r.UIDEnd)
	}
	if r.IPProto != 0 {
		s += " ipproto " + ipProtoNames[r.IPProto]
	}
	if r.SPortStart != 0 || r.SPortEnd != 0 {
		s += fmt.Sprintf(" sport %d-%d", r.SPortStart, r.SPortEnd)
	}
	if r.DPortStart != 0 || r.DPortEnd != 0 {
		s += fmt.Sprintf(" dport %d-%d", r.DPortStart, r.DPortEnd)
	}
	switch r.Action {
	case route.RuleToTable:
		if r.Table != 0 {
			s += " table " + route.TableName(r.Table)
		}
	case route.RuleNop: // ip prints nothing for it
	case route.RuleGoto:
		s += fmt.Sprintf(" goto %d", r.Goto)
	default:
		s += " action " + r.Action.String()
	}
	if r.HasSuppressPrefixLen && r.SuppressPrefixLen != 0xffffffff {
		s += fmt.Sprintf(" suppress_prefixlen %d", r.SuppressPrefixLen)
	}
	return s + " proto " + r.Protocol.String()
}

func ipRuleLine(j map[string]any) string {
	s := str(j["priority"])
	if has(j, "not") {
		s += " not"
	}
	if str(j["src"]) == "all" {
		s += " from all"
	} else {
		s += fmt.Sprintf(" from %s/%s", str(j["src"]), str(j["srclen"]))
	}
	if has(j, "dst") {
		s += fmt.Sprintf(" to %s/%s", str(j["dst"]), str(j["dstlen"]))
	}
	if has(j, "tos") {
		s += " tos " + str(j["tos"])
	}
	if has(j, "fwmark") {
		s += " fwmark " + str(j["fwmark"])
		if has(j, "fwmask") {
			s += "/" + str(j["fwmask"])
		}
	}
	if has(j, "iif") {
		s += " iif " + str(j["iif"])
	}
	if has(j, "oif") {
		s += " oif " + str(j["oif"])
	}
	if has(j, "l3mdev") {
		s += " l3mdev"
	}
	if has(j, "uid_start") {
		s += fmt.Sprintf(" uidrange %s-%s", str(j["uid_start"]), str(j["uid_end"]))
	}
	if has(j, "ipproto") {
		// ip prints the name from /etc/protocols, or "ipproto-N" where there is none (the VM).
		p := strings.TrimPrefix(str(j["ipproto"]), "ipproto-")
		var n int
		if _, err := fmt.Sscan(p, &n); err == nil {
			p = ipProtoNames[uint8(n)]
		}
		s += " ipproto " + p
	}
	for _, p := range []string{"sport", "dport"} {
		switch {
		case has(j, p):
			s += fmt.Sprintf(" %s %s-%s", p, str(j[p]), str(j[p]))
		case has(j, p+"_start"):
			s += fmt.Sprintf(" %s %s-%s", p, str(j[p+"_start"]), str(j[p+"_end"]))
		}
	}
	switch {
	case has(j, "table"):
		s += " table " + str(j["table"])
	case has(j, "goto"):
		s += " goto " + str(j["goto"])
	case has(j, "action"):
		s += " action " + str(j["action"])
	}
	if has(j, "suppress_prefixlen") {
		s += " suppress_prefixlen " + str(j["suppress_prefixlen"])
	}
	return s + " proto " + str(j["protocol"])
}

func TestRulesMatchIP(t *testing.T) {
	e := newEnv(t)
	e.batch([]string{
		"link add v1 type veth peer name v2",
		"rule add from 10.0.0.0/8 to 192.168.0.0/16 table 100 prio 100",
		"rule add iif v1 fwmark 0x1/0xff lookup 200 prio 200",
		"rule add fwmark 0x5 lookup 201 prio 201",
		"rule add uidrange 1000-2000 ipproto 6 dport 80-90 sport 1000 prio 300 table main",
		"rule add prio 50 goto 100",
		"rule add prio 60 l3mdev",
		"rule add prio 70 from 10.0.0.0/8 suppress_prefixlength 0 table main",
		"rule add prio 80 oif v1 tos 0x10 table 5 protocol static",
		"rule add not from all prio 500 blackhole",
		"rule add prio 510 unreachable",
		"rule add prio 520 prohibit",
		"rule add prio 530 nop",
	})
	e.ip("-6", "rule", "add", "from", "2001:db8::/32", "table", "300", "prio", "100")
	e.ip("-6", "rule", "add", "to", "2001:db8:1::/48", "prio", "110", "unreachable")
	e.secondOpinion()
	ctx := ctxT(t)
	for _, fam := range []struct {
		family uint8
		flag   string
	}{{unix.AF_INET, "-4"}, {unix.AF_INET6, "-6"}} {
		rs, err := e.c.Rule.List(ctx, &route.RuleFilter{Family: fam.family})
		if err != nil {
			t.Fatal(err)
		}
		var ours, theirs []string
		for i := range rs {
			ours = append(ours, ruleLine(&rs[i]))
		}
		for _, j := range e.ipJSON(fam.flag, "-d", "rule", "show") {
			theirs = append(theirs, ipRuleLine(j))
		}
		diffLists(t, "rules "+fam.flag, ours, theirs)
	}
	if rs, err := e.c.Rule.List(ctx, &route.RuleFilter{Table: 100}); err != nil || len(rs) != 1 || rs[0].Priority != 100 {
		t.Errorf("table filter: %v %v", rs, err)
	}

	// Round trip with nlkit.
	r := route.Rule{Family: unix.AF_INET, Priority: 1000, Src: netip.MustParsePrefix("172.16.0.0/12"), Table: 1234,
		Mark: 7, Mask: 0xf, HasMask: true, IIFName: "v1", Protocol: route.ProtocolStatic, IPProto: 17, DPortStart: 53, DPortEnd: 53}
	if err := e.c.Rule.Add(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Rule.Add(ctx, r); !errors.Is(err, unix.EEXIST) {
		t.Errorf("add twice: %v", err)
	}
	j := e.ipJSON("-d", "rule", "show", "pref", "1000")
	want := "1000 from 172.16.0.0/12 fwmark 0x7/0xf iif v1 ipproto udp dport 53-53 table 1234 proto static"
	if len(j) != 1 || ipRuleLine(j[0]) != want {
		t.Errorf("after add: %v, want %s", j, want)
	}
	if err := e.c.Rule.Delete(ctx, r); err != nil {
		t.Fatal(err)
	}
	if j := e.ipJSON("rule", "show", "pref", "1000"); len(j) != 0 {
		t.Errorf("after delete: %v", j)
	}
	// Delete by priority alone, and a rule from List.
	if err := e.c.Rule.Delete(ctx, route.Rule{Family: unix.AF_INET, Priority: 510}); err != nil {
		t.Fatal(err)
	}
	rs, _ := e.c.Rule.List(ctx, &route.RuleFilter{Family: unix.AF_INET6})
	for _, x := range rs {
		if x.Priority == 110 {
			if err := e.c.Rule.Delete(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
	}
	if j := e.ipJSON("rule", "show", "pref", "510"); len(j) != 0 {
		t.Errorf("510 after delete: %v", j)
	}
	if j := e.ipJSON("-6", "rule", "show", "pref", "110"); len(j) != 0 {
		t.Errorf("110 after delete: %v", j)
	}
	if err := e.c.Rule.Delete(ctx, route.Rule{Family: unix.AF_INET, Priority: 510}); !errors.Is(err, unix.ENOENT) {
		t.Errorf("delete twice: %v", err)
	}
}

func TestNexthops(t *testing.T) {
	e := newEnv(t)
	e.batch([]string{"link add v0 type veth peer name v1", "link set v0 up", "link set v1 up",
		"addr add 10.0.0.1/24 dev v0", "link add down0 type ifb",
		"nexthop add id 1 via 10.0.0.254 dev v0", "nexthop add id 2 blackhole", "nexthop add id 3 dev v0",
		"nexthop add id 4 via 10.0.0.253 dev v0", "nexthop add id 5 group 1/4,3",
		"route add 10.60.0.0/16 nhid 5"})
	ctx := ctxT(t)
	names := e.names()
	line := func(id, gw, dev, scope, proto string, bh bool, group string) string {
		return fmt.Sprintf("%s via=%s dev=%s scope=%s proto=%s blackhole=%v group=%s", id, gw, dev, scope, proto, bh, group)
	}
	nhs, err := e.c.Nexthop.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ours, theirs []string
	for _, nh := range nhs {
		gw := ""
		if nh.Gateway.IsValid() {
			gw = nh.Gateway.String()
		}
		var g []string
		for _, m := range nh.Group {
			s := fmt.Sprint(m.ID)
			if m.Weight != 1 {
				s += fmt.Sprintf(",%d", m.Weight)
			}
			g = append(g, s)
		}
		ours = append(ours, line(fmt.Sprint(nh.ID), gw, names[nh.OIF], nh.Scope.String(), nh.Protocol.String(), nh.Blackhole, strings.Join(g, "/")))
	}
	for _, j := range e.ipJSON("-d", "nexthop", "show") {
		var g []string
		if gs, ok := j["group"].([]any); ok {
			for _, x := range gs {
				m := x.(map[string]any)
				s := str(m["id"])
				if has(m, "weight") {
					s += "," + str(m["weight"])
				}
				g = append(g, s)
			}
		}
		theirs = append(theirs, line(str(j["id"]), str(j["gateway"]), str(j["dev"]), str(j["scope"]), str(j["protocol"]),
			has(j, "blackhole"), strings.Join(g, "/")))
	}
	diffLists(t, "nexthops", ours, theirs)
	if nhs, err := e.c.Nexthop.List(ctx, &route.NexthopFilter{Groups: true}); err != nil || len(nhs) != 1 || nhs[0].ID != 5 {
		t.Errorf("groups filter: %v %v", nhs, err)
	}
	if nhs, err := e.c.Nexthop.List(ctx, &route.NexthopFilter{OIF: e.index("v0")}); err != nil || len(nhs) != 3 {
		t.Errorf("oif filter: %v %v", nhs, err)
	}
	if rs, err := e.c.Route.List(ctx, &route.RouteFilter{Family: unix.AF_INET, Table: route.TableMain}); err != nil {
		t.Fatal(err)
	} else {
		found := false
		for _, r := range rs {
			found = found || (r.NexthopID == 5 && r.Dst.String() == "10.60.0.0/16")
		}
		if !found {
			t.Errorf("route through nexthop 5 missing: %v", rs)
		}
	}

	// Round trip with nlkit, and the kernel's message for a nexthop through a link that is down.
	if err := e.c.Nexthop.Add(ctx, route.Nexthop{ID: 10, OIF: e.index("v0"), Gateway: netip.MustParseAddr("10.0.0.9")}); err != nil {
		t.Fatal(err)
	}
	if nh, err := e.c.Nexthop.Get(ctx, 10); err != nil || nh.Gateway.String() != "10.0.0.9" || nh.Protocol != route.ProtocolBoot {
		t.Errorf("get: %+v %v", nh, err)
	}
	if j := e.ipJSON("nexthop", "show", "id", "10"); len(j) != 1 || str(j[0]["gateway"]) != "10.0.0.9" {
		t.Errorf("ip after add: %v", j)
	}
	if err := e.c.Nexthop.Replace(ctx, route.Nexthop{ID: 10, OIF: e.index("v0"), Gateway: netip.MustParseAddr("10.0.0.8")}); err != nil {
		t.Fatal(err)
	}
	if j := e.ipJSON("nexthop", "show", "id", "10"); len(j) != 1 || str(j[0]["gateway"]) != "10.0.0.8" {
		t.Errorf("ip after replace: %v", j)
	}
	if err := e.c.Nexthop.Delete(ctx, route.Nexthop{ID: 10}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Nexthop.Get(ctx, 10); !errors.Is(err, unix.ENOENT) {
		t.Errorf("get after delete: %v", err)
	}
	err = e.c.Nexthop.Add(ctx, route.Nexthop{ID: 11, OIF: e.index("down0"), Gateway: netip.MustParseAddr("10.9.9.9"),
		Flags: unix.RTNH_F_ONLINK})
	if err == nil || !strings.Contains(err.Error(), "Nexthop device is not up") || route.KernelMessage(err) != "Nexthop device is not up" {
		t.Errorf("nexthop through a link that is down: %v", err)
	}
}
