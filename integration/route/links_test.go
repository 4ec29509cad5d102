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

// setupLinks makes veth, bridge, macvlan, vxlan and ifb devices with ip.
func setupLinks(e *env) {
	e.batch([]string{
		"link add v0 type veth peer name v1",
		"link add br0 type bridge forward_delay 400 stp_state 0 mcast_snooping 0 priority 8192",
		"link set v0 master br0",
		"link set v0 up",
		"link set br0 up",
		"link add v2 type veth peer name v3",
		"link add mv0 link v2 type macvlan mode private",
		"link add vx0 type vxlan id 42 dstport 4789 local 10.0.0.1 ttl 5 ageing 120",
		"link add ifb0 type ifb",
		"link set v1 mtu 1400 up",
		"link set v1 alias uplink",
		"link property add dev v1 altname a-very-long-alternative-name",
		"link set dev v0 type bridge_slave cost 7 priority 9 learning off",
	})
}

var brportStates = []string{"disabled", "listening", "learning", "forwarding", "blocking"}

// compareLink checks our Link against ip -d -s -j link's object for it.
func compareLink(t *testing.T, l *route.Link, j map[string]any, names map[int32]string) {
	t.Helper()
	var bad []string
	eq := func(field string, ours any) {
		if got := str(j[field]); got != fmt.Sprint(ours) {
			bad = append(bad, fmt.Sprintf("%s: nlkit %q, ip %q", field, fmt.Sprint(ours), got))
		}
	}
	eq("ifname", l.Name)
	eq("mtu", l.MTU)
	eq("qdisc", l.Qdisc)
	eq("operstate", l.OperState)
	eq("txqlen", l.TxQLen)
	eq("address", l.Address)
	eq("broadcast", l.Broadcast)
	eq("promiscuity", l.Promiscuity)
	eq("allmulti", l.AllMulti)
	eq("min_mtu", l.MinMTU)
	eq("max_mtu", l.MaxMTU)
	eq("num_tx_queues", l.NumTxQueues)
	eq("num_rx_queues", l.NumRxQueues)
	eq("gso_max_size", l.GSOMaxSize)
	eq("gso_max_segs", l.GSOMaxSegs)
	eq("tso_max_size", l.TSOMaxSize)
	eq("tso_max_segs", l.TSOMaxSegs)
	eq("gro_max_size", l.GROMaxSize)
	if has(j, "ifalias") {
		eq("ifalias", l.Alias)
	}
	eq("altnames", strings.Join(l.AltNames, ","))
	group := "default"
	if l.Group != 0 {
		group = fmt.Sprint(l.Group)
	}
	eq("group", group)
	mode := "DEFAULT"
	if l.LinkMode == 1 {
		mode = "DORMANT"
	}
	eq("linkmode", mode)
	var flags []string
	for _, f := range strings.Split(str(j["flags"]), ",") {
		if f != "M-DOWN" && f != "" {
			flags = append(flags, f)
		}
	}
	if got, want := l.Flags.String(), strings.Join(flags, ","); got != want {
		bad = append(bad, fmt.Sprintf("flags: nlkit %q, ip %q", got, want))
	}
	if has(j, "master") || l.Master != 0 {
		eq("master", names[l.Master])
	}
	if has(j, "link") {
		eq("link", names[l.ParentIndex])
	}
	if has(j, "link_netnsid") {
		eq("link_netnsid", l.LinkNetNSID)
	}
	if has(j, "inet6_addr_gen_mode") {
		eq("inet6_addr_gen_mode", l.AddrGenMode)
	}
	if st, ok := j["stats64"].(map[string]any); ok && !l.IsUp() {
		rx, tx := st["rx"].(map[string]any), st["tx"].(map[string]any)
		for _, c := range []struct {
			name string
			ip   any
			ours uint64
		}{{"rx bytes", rx["bytes"], l.Stats.RxBytes}, {"rx packets", rx["packets"], l.Stats.RxPackets},
			{"rx errors", rx["errors"], l.Stats.RxErrors}, {"rx dropped", rx["dropped"], l.Stats.RxDropped},
			{"multicast", rx["multicast"], l.Stats.Multicast}, {"tx bytes", tx["bytes"], l.Stats.TxBytes},
			{"tx packets", tx["packets"], l.Stats.TxPackets}, {"tx dropped", tx["dropped"], l.Stats.TxDropped},
			{"collisions", tx["collisions"], l.Stats.Collisions}} {
			if str(c.ip) != fmt.Sprint(c.ours) {
				bad = append(bad, fmt.Sprintf("stats64 %s: nlkit %d, ip %s", c.name, c.ours, str(c.ip)))
			}
		}
	}
	li, _ := j["linkinfo"].(map[string]any)
	if got := str(li["info_kind"]); got != l.Info.Kind {
		bad = append(bad, fmt.Sprintf("info_kind: nlkit %q, ip %q", l.Info.Kind, got))
	}
	if got := str(li["info_slave_kind"]); got != l.Info.SlaveKind {
		bad = append(bad, fmt.Sprintf("info_slave_kind: nlkit %q, ip %q", l.Info.SlaveKind, got))
	}
	data, _ := li["info_data"].(map[string]any)
	sub := func(m map[string]any, field string, ours any) {
		if got := str(m[field]); got != fmt.Sprint(ours) {
			bad = append(bad, fmt.Sprintf("%s: nlkit %q, ip %q", field, fmt.Sprint(ours), got))
		}
	}
	switch d := l.Info.Data.(type) {
	case *route.Bridge:
		for _, f := range []struct {
			k string
			v any
		}{{"forward_delay", d.ForwardDelay}, {"hello_time", d.HelloTime}, {"max_age", d.MaxAge},
			{"ageing_time", d.AgeingTime}, {"stp_state", d.STPState}, {"priority", d.Priority},
			{"vlan_filtering", d.VlanFiltering}, {"vlan_default_pvid", d.VlanDefaultPVID},
			{"vlan_stats_enabled", d.VlanStatsEnabled}, {"vlan_stats_per_port", d.VlanStatsPerPort},
			{"bridge_id", d.BridgeID}, {"root_id", d.RootID}, {"root_port", d.RootPort},
			{"root_path_cost", d.RootPathCost}, {"topology_change", d.TopologyChange},
			{"topology_change_detected", d.TopologyChangeDetected}, {"group_addr", d.GroupAddr},
			{"mcast_snooping", d.McastSnooping}, {"mcast_router", d.McastRouter},
			{"mcast_query_use_ifaddr", d.McastQueryUseIfaddr}, {"mcast_querier", d.McastQuerier},
			{"mcast_hash_elasticity", d.McastHashElasticity}, {"mcast_hash_max", d.McastHashMax},
			{"mcast_last_member_cnt", d.McastLastMemberCnt}, {"mcast_startup_query_cnt", d.McastStartupQueryCnt},
			{"mcast_last_member_intvl", d.McastLastMemberIntvl}, {"mcast_membership_intvl", d.McastMembershipIntvl},
			{"mcast_querier_intvl", d.McastQuerierIntvl}, {"mcast_query_intvl", d.McastQueryIntvl},
			{"mcast_query_response_intvl", d.McastQueryResponseIntvl},
			{"mcast_startup_query_intvl", d.McastStartupQueryIntvl}, {"mcast_stats_enabled", d.McastStatsEnabled},
			{"mcast_igmp_version", d.McastIGMPVersion}, {"mcast_mld_version", d.McastMLDVersion},
			{"nf_call_iptables", d.NfCallIptables}, {"nf_call_ip6tables", d.NfCallIp6tables},
			{"nf_call_arptables", d.NfCallArptables}, {"no_linklocal_learn", b2i(d.NoLinkLocalLearn)},
			{"mcast_vlan_snooping", b2i(d.McastVlanSnooping)}} {
			if has(data, f.k) {
				sub(data, f.k, f.v)
			}
		}
		if d.VlanProtocol == 0x8100 {
			sub(data, "vlan_protocol", "802.1Q")
		}
	case *route.Macvlan:
		sub(data, "mode", d.ModeName())
		sub(data, "bcqueuelen", d.BcQueueLen)
		sub(data, "usedbcqueuelen", d.BcQueueLenUsed)
	case *route.Vxlan:
		sub(data, "id", d.ID)
		sub(data, "local", d.Local)
		sub(data, "port", d.Port)
		sub(data, "ttl", d.TTL)
		sub(data, "ageing", d.Ageing)
		sub(data, "learning", d.Learning)
		sub(data, "udp_csum", d.UDPCsum)
		sub(data, "udp_zero_csum6_tx", d.UDPZeroCsum6Tx)
		sub(data, "udp_zero_csum6_rx", d.UDPZeroCsum6Rx)
		pr, _ := data["port_range"].(map[string]any)
		sub(pr, "low", d.PortLow)
		sub(pr, "high", d.PortHigh)
	case nil:
		if data != nil {
			bad = append(bad, fmt.Sprintf("info_data: nlkit none, ip %v", data))
		}
	}
	if p, ok := l.Info.SlaveData.(*route.BridgePort); ok {
		sd, _ := li["info_slave_data"].(map[string]any)
		sub(sd, "state", brportStates[p.State])
		sub(sd, "priority", p.Priority)
		sub(sd, "cost", p.Cost)
		sub(sd, "hairpin", p.Hairpin)
		sub(sd, "guard", p.Guard)
		sub(sd, "root_block", p.Protect)
		sub(sd, "fastleave", p.FastLeave)
		sub(sd, "designated_port", p.DesignatedPort)
		sub(sd, "multicast_router", p.MulticastRouter)
		sub(sd, "mcast_to_unicast", p.McastToUcast)
		sub(sd, "locked", p.Locked)
		sub(sd, "learning", p.Learning)
		sub(sd, "flood", p.UnicastFlood)
		sub(sd, "mcast_flood", p.McastFlood)
		sub(sd, "bcast_flood", p.BcastFlood)
		sub(sd, "proxy_arp", p.ProxyARP)
		sub(sd, "isolated", p.Isolated)
		sub(sd, "neigh_suppress", p.NeighSuppress)
		sub(sd, "designated_cost", p.DesignatedCost)
		sub(sd, "root_id", p.RootID)
		sub(sd, "bridge_id", p.BridgeID)
	}
	if len(bad) > 0 {
		t.Errorf("link %d %s differs from ip:\n  %s", l.Index, l.Name, strings.Join(bad, "\n  "))
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestLinksMatchIP(t *testing.T) {
	e := newEnv(t)
	setupLinks(e)
	e.settleLinks()
	e.secondOpinion()
	ctx := ctxT(t)
	links, err := e.c.Link.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	ipLinks := e.ipJSON("-d", "-s", "link", "show")
	if len(links) != len(ipLinks) {
		t.Fatalf("nlkit lists %d links, ip %d", len(links), len(ipLinks))
	}
	names := e.names()
	byIndex := map[int32]*route.Link{}
	for i := range links {
		byIndex[links[i].Index] = &links[i]
	}
	kinds := map[string]bool{}
	for _, j := range ipLinks {
		idx := int32(j["ifindex"].(float64))
		l := byIndex[idx]
		if l == nil {
			t.Errorf("ip lists link %d %v, nlkit does not", idx, j["ifname"])
			continue
		}
		compareLink(t, l, j, names)
		kinds[l.Info.Kind] = true
	}
	for _, k := range []string{"veth", "bridge", "macvlan", "vxlan", "ifb"} {
		if !kinds[k] {
			t.Errorf("no %s link listed", k)
		}
	}

	// Filters: kernel-side (strict) and user-space (no strict) agree with ip's own filters.
	plain, err := route.Dial(&route.Config{NetNS: e.ns.Handle.Fd(), DisableStrict: true})
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	for _, f := range []route.LinkFilter{{Kind: "veth"}, {Master: e.index("br0")}, {Kind: "vxlan"}} {
		var args []string
		if f.Kind != "" {
			args = []string{"link", "show", "type", f.Kind}
		} else {
			args = []string{"link", "show", "master", "br0"}
		}
		var want []string
		for _, j := range e.ipJSON(args...) {
			want = append(want, str(j["ifname"]))
		}
		for _, c := range []*route.Client{e.c, plain} {
			got, err := c.Link.List(ctx, &f)
			if err != nil {
				t.Fatal(err)
			}
			var gotNames []string
			for _, l := range got {
				gotNames = append(gotNames, l.Name)
			}
			if strings.Join(gotNames, " ") != strings.Join(want, " ") {
				t.Errorf("filter %+v: nlkit %v, ip %v", f, gotNames, want)
			}
		}
	}

	// Get by index, name and alternative name.
	v1, err := e.c.Link.GetByName(ctx, "v1")
	if err != nil || v1.Name != "v1" || v1.MTU != 1400 {
		t.Fatalf("GetByName(v1): %+v %v", v1, err)
	}
	if l, err := e.c.Link.GetByName(ctx, "a-very-long-alternative-name"); err != nil || l.Index != v1.Index {
		t.Errorf("GetByName(altname): %v %v", l.Name, err)
	}
	if l, err := e.c.Link.Get(ctx, v1.Index); err != nil || l.Name != "v1" {
		t.Errorf("Get(%d): %v %v", v1.Index, l.Name, err)
	}
	if _, err := e.c.Link.GetByName(ctx, "nosuch0"); !errors.Is(err, unix.ENODEV) {
		t.Errorf("GetByName(nosuch0): %v", err)
	}
}

// TestLinkRoundTrip adds, changes and deletes links with nlkit and checks each step with ip.
func TestLinkRoundTrip(t *testing.T) {
	e := newEnv(t)
	needIP(t)
	ctx := ctxT(t)
	c := e.c
	mac, _ := route.ParseHWAddr("02:00:00:00:aa:01")
	steps := []struct {
		name string
		link route.Link
	}{
		{"veth", route.Link{Name: "a0", Address: mac, MTU: 1300, Info: route.LinkInfo{Data: &route.Veth{Peer: route.Link{Name: "a1"}}}}},
		{"bridge", route.Link{Name: "br1", Info: route.LinkInfo{Data: &route.Bridge{ForwardDelay: 500, STPState: 1, Priority: 4096, McastSnooping: 1}}}},
		{"macvlan", route.Link{Name: "mv1", Info: route.LinkInfo{Data: &route.Macvlan{Mode: route.MacvlanBridge}}}},
		{"vxlan", route.Link{Name: "vx1", Info: route.LinkInfo{Data: &route.Vxlan{ID: 7, Port: 4790, Local: netip.MustParseAddr("10.1.1.1"), TTL: 9, Learning: true}}}},
		{"ifb", route.Link{Name: "ifb1", TxQLen: 64, Info: route.LinkInfo{Kind: "ifb"}}},
	}
	for _, s := range steps {
		l := s.link
		if s.name == "macvlan" {
			l.ParentIndex = e.index("a1")
		}
		if err := c.Link.Add(ctx, l); err != nil {
			t.Fatalf("add %s: %v", s.name, err)
		}
		j := e.ipJSON("-d", "link", "show", "dev", l.Name)
		li, _ := j[0]["linkinfo"].(map[string]any)
		if str(li["info_kind"]) != s.name {
			t.Errorf("%s: ip says kind %v", s.name, li["info_kind"])
		}
		data, _ := li["info_data"].(map[string]any)
		switch s.name {
		case "veth":
			if str(j[0]["address"]) != mac.String() || str(j[0]["mtu"]) != "1300" {
				t.Errorf("veth: %v", j[0])
			}
			if len(e.ipJSON("link", "show", "dev", "a1")) != 1 {
				t.Error("veth peer a1 missing")
			}
		case "bridge":
			if str(data["forward_delay"]) != "500" || str(data["stp_state"]) != "1" || str(data["priority"]) != "4096" {
				t.Errorf("bridge: %v", data)
			}
		case "macvlan":
			if str(data["mode"]) != "bridge" || str(j[0]["link"]) != "a1" {
				t.Errorf("macvlan: %v %v", data, j[0]["link"])
			}
		case "vxlan":
			if str(data["id"]) != "7" || str(data["port"]) != "4790" || str(data["local"]) != "10.1.1.1" ||
				str(data["ttl"]) != "9" || str(data["learning"]) != "true" {
				t.Errorf("vxlan: %v", data)
			}
		case "ifb":
			if str(j[0]["txqlen"]) != "64" {
				t.Errorf("ifb: %v", j[0])
			}
		}
		if err := c.Link.Add(ctx, l); !errors.Is(err, unix.EEXIST) {
			t.Errorf("adding %s twice: %v", s.name, err)
		}
	}

	// Set: up, mtu, name, master, address, nomaster, down.
	a0 := e.index("a0")
	mac2, _ := route.ParseHWAddr("02:00:00:00:aa:02")
	if err := c.Link.Set(ctx, a0, route.LinkSet{Up: true, MTU: 1280, Name: "b0", Master: e.index("br1"), Address: mac2}); err != nil {
		t.Fatal(err)
	}
	j := e.ipJSON("link", "show", "dev", "b0")[0]
	if !strings.Contains(str(j["flags"]), "UP") || str(j["mtu"]) != "1280" || str(j["master"]) != "br1" ||
		str(j["address"]) != mac2.String() {
		t.Errorf("after set: %v", j)
	}
	if err := c.Link.Set(ctx, a0, route.LinkSet{Down: true, NoMaster: true}); err != nil {
		t.Fatal(err)
	}
	j = e.ipJSON("link", "show", "dev", "b0")[0]
	if strings.Contains(str(j["flags"]), "UP") || has(j, "master") {
		t.Errorf("after down/nomaster: %v", j)
	}
	// Replace: creates when missing, changes when present.
	if err := c.Link.Replace(ctx, route.Link{Name: "ifb2", Info: route.LinkInfo{Kind: "ifb"}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Link.Replace(ctx, route.Link{Name: "ifb2", MTU: 1000, Info: route.LinkInfo{Kind: "ifb"}}); err != nil {
		t.Fatal(err)
	}
	if j := e.ipJSON("link", "show", "dev", "ifb2"); str(j[0]["mtu"]) != "1000" {
		t.Errorf("after replace: %v", j)
	}
	// Delete by name and by index.
	if err := c.Link.Delete(ctx, route.Link{Name: "b0"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Link.Delete(ctx, route.Link{Index: e.index("vx1")}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"b0", "a1", "vx1"} {
		if e.ipTry("link", "show", "dev", n) == nil {
			t.Errorf("%s still exists", n)
		}
	}
	if err := c.Link.Delete(ctx, route.Link{Name: "b0"}); !errors.Is(err, unix.ENODEV) {
		t.Errorf("deleting twice: %v", err)
	}
}

// TestLinkKinds creates the kinds that may be missing from a kernel (dummy, vlan, bond, vrf) with nlkit only
// (no iproute2, so it runs in the VM too) and reads them back. A kind the kernel lacks skips its subtest, saying
// so.
func TestLinkKinds(t *testing.T) {
	e := newEnv(t)
	ctx := ctxT(t)
	c := e.c
	if err := c.Link.Add(ctx, route.Link{Name: "base0", Info: route.LinkInfo{Data: &route.Veth{Peer: route.Link{Name: "base1"}}}}); err != nil {
		t.Fatal(err)
	}
	base := e.index("base0")
	for _, k := range []struct {
		kind  string
		link  route.Link
		check func(t *testing.T, l route.Link)
	}{
		{"dummy", route.Link{Name: "dm0", MTU: 9000, Info: route.LinkInfo{Kind: "dummy"}}, func(t *testing.T, l route.Link) {
			if l.MTU != 9000 {
				t.Errorf("mtu %d", l.MTU)
			}
		}},
		{"vlan", route.Link{Name: "vl0", ParentIndex: base, Info: route.LinkInfo{Data: &route.Vlan{ID: 100, Protocol: 0x88a8}}},
			func(t *testing.T, l route.Link) {
				d, ok := l.Info.Data.(*route.Vlan)
				if !ok || d.ID != 100 || d.Protocol != 0x88a8 || l.ParentIndex != base {
					t.Errorf("data %+v parent %d", l.Info.Data, l.ParentIndex)
				}
			}},
		{"bond", route.Link{Name: "bd0", Info: route.LinkInfo{Data: &route.Bond{Mode: route.BondActiveBackup, MIIMon: 100, UpDelay: 200, DownDelay: 200}}},
			func(t *testing.T, l route.Link) {
				d, ok := l.Info.Data.(*route.Bond)
				if !ok || d.Mode != route.BondActiveBackup || d.MIIMon != 100 || d.UpDelay != 200 || d.ModeName() != "active-backup" {
					t.Errorf("data %+v", l.Info.Data)
				}
				// Enslave base1 and read its port data.
				if err := c.Link.Set(ctx, e.index("base1"), route.LinkSet{Master: l.Index}); err != nil {
					t.Fatal(err)
				}
				p, err := c.Link.GetByName(ctx, "base1")
				if err != nil {
					t.Fatal(err)
				}
				if p.Master != l.Index || p.Info.SlaveKind != "bond" {
					t.Errorf("port: master %d slave kind %q", p.Master, p.Info.SlaveKind)
				}
				if _, ok := p.Info.SlaveData.(*route.BondSlave); !ok {
					t.Errorf("port slave data %T", p.Info.SlaveData)
				}
			}},
		{"vrf", route.Link{Name: "vrf0", Info: route.LinkInfo{Data: &route.VRF{Table: 10}}}, func(t *testing.T, l route.Link) {
			if d, ok := l.Info.Data.(*route.VRF); !ok || d.Table != 10 {
				t.Errorf("data %+v", l.Info.Data)
			}
		}},
	} {
		t.Run(k.kind, func(t *testing.T) {
			err := c.Link.Add(ctx, k.link)
			if errors.Is(err, unix.EOPNOTSUPP) || strings.Contains(route.KernelMessage(err), "Unknown device type") {
				t.Skipf("KIND NOT TESTED: this kernel has no %q link kind (%v); the VM suite covers it", k.kind, err)
			}
			if err != nil {
				t.Fatal(err)
			}
			l, err := c.Link.GetByName(ctx, k.link.Name)
			if err != nil {
				t.Fatal(err)
			}
			if l.Info.Kind != k.kind {
				t.Errorf("kind %q", l.Info.Kind)
			}
			k.check(t, l)
			ls, err := c.Link.List(ctx, &route.LinkFilter{Kind: k.kind})
			if err != nil || len(ls) != 1 || ls[0].Index != l.Index {
				t.Errorf("List(kind %s): %v %v", k.kind, ls, err)
			}
			if err := c.Link.Delete(ctx, route.Link{Index: l.Index}); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Link.Get(ctx, l.Index); !errors.Is(err, unix.ENODEV) {
				t.Errorf("after delete: %v", err)
			}
		})
	}
}
