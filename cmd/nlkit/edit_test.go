package main

import (
	"net/netip"
	"strings"
	"syscall"
	"testing"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

const (
	createExcl    = unix.NLM_F_CREATE | unix.NLM_F_EXCL
	createReplace = unix.NLM_F_CREATE | unix.NLM_F_REPLACE
)

// change runs a command that must succeed and returns the one change request it sent.
func change(t *testing.T, args ...string) proto.Message {
	t.Helper()
	k := testKernel()
	mustRun(t, k, args...)
	return k.lastChange(t)
}

func checkHeader(t *testing.T, m proto.Message, typ uint16, flags uint16) {
	t.Helper()
	if m.Header.Type != typ {
		t.Fatalf("request type %d, want %d", m.Header.Type, typ)
	}
	if got := m.Header.Flags &^ (unix.NLM_F_REQUEST | unix.NLM_F_ACK); got != flags {
		t.Errorf("request flags %#x, want %#x", got, flags)
	}
}

func TestLinkEdit(t *testing.T) {
	decode := func(t *testing.T, m proto.Message) route.Link {
		t.Helper()
		var l route.Link
		if err := l.UnmarshalBinary(m.Data); err != nil {
			t.Fatal(err)
		}
		return l
	}
	t.Run("veth", func(t *testing.T) {
		m := change(t, "link", "add", "v9", "type", "veth", "peer", "name", "p9")
		checkHeader(t, m, unix.RTM_NEWLINK, createExcl)
		l := decode(t, m)
		v, ok := l.Info.Data.(*route.Veth)
		if l.Name != "v9" || l.Info.Kind != "veth" || !ok || v.Peer.Name != "p9" {
			t.Errorf("link %q kind %q data %#v", l.Name, l.Info.Kind, l.Info.Data)
		}
	})
	t.Run("vxlan", func(t *testing.T) {
		l := decode(t, change(t, "link", "add", "vx0", "mtu", "1450", "type", "vxlan", "id", "42", "dstport",
			"4789", "local", "10.0.0.1", "dev", "v0", "nolearning"))
		v, ok := l.Info.Data.(*route.Vxlan)
		if !ok || v.ID != 42 || v.Port != 4789 || v.Local != ip("10.0.0.1") || v.Link != 3 || v.Learning ||
			l.MTU != 1450 {
			t.Errorf("vxlan: %+v %#v", l, l.Info.Data)
		}
	})
	t.Run("macvlan", func(t *testing.T) {
		l := decode(t, change(t, "link", "add", "link", "v0", "name", "mv0", "type", "macvlan", "mode", "bridge"))
		m, ok := l.Info.Data.(*route.Macvlan)
		if !ok || m.Mode != route.MacvlanBridge || l.ParentIndex != 3 || l.Name != "mv0" {
			t.Errorf("macvlan: %+v %#v", l, l.Info.Data)
		}
	})
	for _, tc := range []struct {
		args []string
		kind string
		data route.LinkData
	}{
		{[]string{"link", "add", "br1", "type", "bridge"}, "bridge", nil},
		{[]string{"link", "add", "ifb1", "type", "ifb"}, "ifb", nil},
		{[]string{"link", "add", "d1", "type", "dummy"}, "dummy", nil},
		{[]string{"link", "add", "link", "v0", "vl5", "type", "vlan", "id", "5"}, "vlan", &route.Vlan{ID: 5}},
		{[]string{"link", "add", "bo1", "type", "bond", "mode", "active-backup"}, "bond", &route.Bond{Mode: 1}},
		{[]string{"link", "add", "vrf1", "type", "vrf", "table", "10"}, "vrf", &route.VRF{Table: 10}},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			l := decode(t, change(t, tc.args...))
			if l.Info.Kind != tc.kind {
				t.Errorf("kind %q, want %q", l.Info.Kind, tc.kind)
			}
			switch want := tc.data.(type) {
			case *route.Vlan:
				if got, ok := l.Info.Data.(*route.Vlan); !ok || got.ID != want.ID || l.ParentIndex != 3 {
					t.Errorf("vlan %#v parent %d", l.Info.Data, l.ParentIndex)
				}
			case *route.Bond:
				if got, ok := l.Info.Data.(*route.Bond); !ok || got.Mode != want.Mode {
					t.Errorf("bond %#v", l.Info.Data)
				}
			case *route.VRF:
				if got, ok := l.Info.Data.(*route.VRF); !ok || got.Table != want.Table {
					t.Errorf("vrf %#v", l.Info.Data)
				}
			}
		})
	}
	t.Run("del", func(t *testing.T) {
		m := change(t, "link", "del", "v0")
		checkHeader(t, m, unix.RTM_DELLINK, 0)
		if l := decode(t, m); l.Index != 3 {
			t.Errorf("deleted index %d, want 3", l.Index)
		}
	})
	t.Run("set", func(t *testing.T) {
		m := change(t, "link", "set", "dev", "v0", "up", "mtu", "1400", "name", "wan", "master", "br0", "address",
			"02:aa:bb:cc:dd:ee")
		checkHeader(t, m, unix.RTM_NEWLINK, 0)
		l := decode(t, m)
		if l.Index != 3 || l.Flags != unix.IFF_UP || l.Change != unix.IFF_UP || l.MTU != 1400 || l.Name != "wan" ||
			l.Master != 4 || l.Address != hw("02:aa:bb:cc:dd:ee") {
			t.Errorf("set: %+v", l)
		}
		m = change(t, "link", "set", "v1", "down", "nomaster")
		l = decode(t, m)
		if l.Index != 2 || l.Flags != 0 || l.Change != unix.IFF_UP || l.Master != 0 {
			t.Errorf("set down: %+v", l)
		}
		if !hasAttr(m.Data[unix.SizeofIfInfomsg:], unix.IFLA_MASTER) {
			t.Error("nomaster: no IFLA_MASTER")
		}
	})
}

func hasAttr(b []byte, typ uint16) bool {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		if ad.Type() == typ {
			return true
		}
	}
	return false
}

func TestAddrEdit(t *testing.T) {
	decode := func(t *testing.T, m proto.Message) route.Addr {
		t.Helper()
		var a route.Addr
		if err := a.UnmarshalBinary(m.Data); err != nil {
			t.Fatal(err)
		}
		return a
	}
	m := change(t, "addr", "add", "10.1.0.1/24", "dev", "v0")
	checkHeader(t, m, unix.RTM_NEWADDR, createExcl)
	if a := decode(t, m); a.Local != ip("10.1.0.1") || a.PrefixLen != 24 || a.Index != 3 || a.Scope != 0 {
		t.Errorf("add: %+v", a)
	}
	if a := decode(t, change(t, "a", "add", "127.0.0.2/8", "dev", "lo")); a.Scope != route.ScopeHost {
		t.Errorf("loopback address scope %v, want host (ip's default_scope)", a.Scope)
	}
	if a := decode(t, change(t, "addr", "add", "10.5.0.1", "peer", "10.5.0.2/32", "dev", "v0")); a.Local != ip("10.5.0.1") ||
		a.Peer != ip("10.5.0.2") || a.PrefixLen != 32 {
		t.Errorf("peer: %+v", a)
	}
	if a := decode(t, change(t, "addr", "add", "10.6.0.1/24", "brd", "+", "dev", "v0", "label", "v0:1", "metric",
		"5")); a.Broadcast != ip("10.6.0.255") || a.Label != "v0:1" || a.RoutePriority != 5 {
		t.Errorf("brd +: %+v", a)
	}
	if a := decode(t, change(t, "-6", "addr", "add", "2001:db8::9/64", "dev", "v0", "nodad", "valid_lft", "100",
		"preferred_lft", "50")); a.Flags&route.AddrNoDAD == 0 || a.CacheInfo.Valid != 100 || a.CacheInfo.Preferred != 50 {
		t.Errorf("nodad, lifetimes: %+v", a)
	}
	m = change(t, "addr", "replace", "10.0.0.1/24", "dev", "v0")
	checkHeader(t, m, unix.RTM_NEWADDR, createReplace)
	m = change(t, "addr", "del", "10.0.0.2/24", "dev", "v0")
	checkHeader(t, m, unix.RTM_DELADDR, 0)
	if a := decode(t, m); a.Local != ip("10.0.0.2") || a.Index != 3 {
		t.Errorf("del: %+v", a)
	}
}

func TestRouteEdit(t *testing.T) {
	decode := func(t *testing.T, m proto.Message) route.Route {
		t.Helper()
		var r route.Route
		if err := r.UnmarshalBinary(m.Data); err != nil {
			t.Fatal(err)
		}
		return r
	}
	m := change(t, "route", "add", "10.8.0.0/16", "via", "10.0.0.254", "dev", "v0", "metric", "5", "table", "100",
		"proto", "static", "src", "10.0.0.1")
	checkHeader(t, m, unix.RTM_NEWROUTE, createExcl)
	r := decode(t, m)
	if r.Dst != pfx("10.8.0.0/16") || r.Gateway != ip("10.0.0.254") || r.OIF != 3 || r.Priority != 5 ||
		r.Table != 100 || r.Protocol != route.ProtocolStatic || r.Ext().PrefSrc != ip("10.0.0.1") ||
		r.Scope != route.ScopeUniverse || r.Type != route.TypeUnicast {
		t.Errorf("add: %+v", r)
	}
	r = decode(t, change(t, "route", "add", "default", "via", "10.0.0.254"))
	if r.Family != unix.AF_INET || r.Dst.Bits() != 0 || r.Table != route.TableMain || r.Protocol != route.ProtocolBoot {
		t.Errorf("default: %+v", r)
	}
	r = decode(t, change(t, "r", "a", "default", "via", "2001:db8::fe"))
	if r.Family != unix.AF_INET6 || r.Gateway != ip("2001:db8::fe") {
		t.Errorf("IPv6 default: %+v", r)
	}
	if r = decode(t, change(t, "route", "add", "10.9.0.0/16", "dev", "v0")); r.Scope != route.ScopeLink {
		t.Errorf("device route scope %v, want link", r.Scope)
	}
	if r = decode(t, change(t, "route", "add", "blackhole", "10.9.0.0/16")); r.Type != route.TypeBlackhole {
		t.Errorf("blackhole: %+v", r)
	}
	if r = decode(t, change(t, "route", "add", "10.9.0.0/16", "via", "10.0.0.1", "mtu", "1400", "onlink",
		"scope", "host")); r.Ext().Metrics.MTU != 1400 || r.Flags&unix.RTNH_F_ONLINK == 0 || r.Scope != route.ScopeHost {
		t.Errorf("mtu onlink scope: %+v", r)
	}
	if r = decode(t, change(t, "route", "add", "2001:db8:8::/48", "via", "2001:db8::2", "expires", "300")); r.Ext().Expires != 300 {
		t.Errorf("expires: %+v", r.Ext())
	}
	r = decode(t, change(t, "route", "add", "10.30.0.0/16", "nexthop", "via", "10.0.0.2", "weight", "2", "nexthop",
		"via", "10.0.0.3", "dev", "v1"))
	if mp := r.Ext().MultiPath; len(mp) != 2 || mp[0].Gateway != ip("10.0.0.2") || mp[0].Weight() != 2 ||
		mp[1].OIF != 2 {
		t.Errorf("multipath: %+v", mp)
	}
	m = change(t, "route", "replace", "10.2.0.0/16", "dev", "v0")
	checkHeader(t, m, unix.RTM_NEWROUTE, createReplace)
	m = change(t, "route", "append", "10.2.0.0/16", "dev", "v1")
	checkHeader(t, m, unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_APPEND)
	m = change(t, "route", "del", "10.2.0.0/16")
	checkHeader(t, m, unix.RTM_DELROUTE, 0)
	if r = decode(t, m); r.Dst != pfx("10.2.0.0/16") || r.Table != route.TableMain || r.Scope != route.ScopeNowhere {
		t.Errorf("del: %+v", r)
	}
}

func TestNeighRuleNexthopEdit(t *testing.T) {
	m := change(t, "neigh", "add", "10.0.0.7", "lladdr", "02:00:00:00:00:07", "dev", "v0")
	checkHeader(t, m, unix.RTM_NEWNEIGH, createExcl)
	var n route.Neigh
	if err := n.UnmarshalBinary(m.Data); err != nil || n.Dst != ip("10.0.0.7") || n.Index != 3 ||
		n.State != route.NeighPermanent || n.LLAddr != hw("02:00:00:00:00:07") {
		t.Errorf("neigh add: %+v %v", n, err)
	}
	m = change(t, "neigh", "replace", "10.0.0.7", "lladdr", "02:00:00:00:00:08", "dev", "v0", "nud", "reachable")
	checkHeader(t, m, unix.RTM_NEWNEIGH, createReplace)
	if err := n.UnmarshalBinary(m.Data); err != nil || n.State != route.NeighReachable {
		t.Errorf("neigh replace: %+v %v", n, err)
	}
	m = change(t, "neigh", "del", "10.0.0.254", "dev", "v0")
	checkHeader(t, m, unix.RTM_DELNEIGH, 0)

	m = change(t, "rule", "add", "from", "10.0.0.0/8", "lookup", "100", "pref", "50", "fwmark", "0x1/0xff")
	checkHeader(t, m, unix.RTM_NEWRULE, createExcl)
	var r route.Rule
	if err := r.UnmarshalBinary(m.Data); err != nil || r.Src != pfx("10.0.0.0/8") || r.Table != 100 ||
		r.Priority != 50 || r.Mark != 1 || r.Mask != 0xff {
		t.Errorf("rule add: %+v %v", r, err)
	}
	checkHeader(t, change(t, "rule", "del", "pref", "50"), unix.RTM_DELRULE, 0)

	m = change(t, "nexthop", "add", "id", "7", "via", "10.0.0.9", "dev", "v0")
	checkHeader(t, m, unix.RTM_NEWNEXTHOP, createExcl)
	var nh route.Nexthop
	if err := nh.UnmarshalBinary(m.Data); err != nil || nh.ID != 7 || nh.Gateway != ip("10.0.0.9") || nh.OIF != 3 {
		t.Errorf("nexthop add: %+v %v", nh, err)
	}
	if err := nh.UnmarshalBinary(change(t, "nexthop", "add", "id", "8", "group", "1/2,5").Data); err != nil ||
		len(nh.Group) != 2 || nh.Group[1].Weight != 5 {
		t.Errorf("nexthop group: %+v %v", nh, err)
	}
	checkHeader(t, change(t, "nexthop", "del", "id", "7"), unix.RTM_DELNEXTHOP, 0)
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		args   []string
		code   int
		stderr string
	}{
		{"ext ack", &proto.Error{Errno: unix.EEXIST, ExtAck: proto.ExtAck{Msg: "ipv4: Address already assigned"}},
			[]string{"addr", "add", "10.0.0.1/24", "dev", "v0"}, 2, "Error: ipv4: Address already assigned.\n"},
		{"errno", syscall.EEXIST, []string{"route", "add", "10.2.0.0/16", "dev", "v0"}, 2,
			"RTNETLINK answers: File exists\n"},
		{"no device", nil, []string{"link", "del", "nosuch"}, 1, "Cannot find device \"nosuch\"\n"},
		{"no device to show", nil, []string{"link", "show", "nosuch"}, 1, "Device \"nosuch\" does not exist.\n"},
		{"unknown object", nil, []string{"frob"}, 2, "Object \"frob\" is unknown, try \"nlkit help\".\n"},
		{"unknown command", nil, []string{"link", "frob"}, 2, "Command \"frob\" is unknown, try \"nlkit link help\".\n"},
		{"unknown option", nil, []string{"-z", "link"}, 2, "Option \"-z\" is unknown, try \"nlkit -help\".\n"},
		{"incomplete", nil, []string{"route", "add", "10.0.0.0/8", "via"}, 2,
			"Command line is not complete. Try option \"help\"\n"},
		{"bad metric", nil, []string{"route", "add", "10.0.0.0/8", "dev", "v0", "metric", "x"}, 2,
			"Error: argument \"x\" is wrong: \"metric\" value is invalid\n"},
		{"bad prefix", nil, []string{"route", "add", "10.0.0.0/40", "dev", "v0"}, 2,
			"Error: argument \"10.0.0.0/40\" is wrong: invalid prefix length\n"},
		{"no namespace", nil, []string{"-n", "nlkit-cli-does-not-exist", "link"}, 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := testKernel()
			k.err = tc.err
			out, stderr, code := runFake(t, k, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			if tc.stderr != "" && stderr != tc.stderr {
				t.Errorf("stderr %q, want %q", stderr, tc.stderr)
			}
			if tc.stderr == "" && !strings.HasPrefix(stderr, "Cannot open network namespace") {
				t.Errorf("stderr %q", stderr)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in     string
		family uint8
		want   netip.Prefix
		def    bool
	}{
		{"10.1.2.0/24", 0, pfx("10.1.2.0/24"), false},
		{"10.1.2.3", 0, pfx("10.1.2.3/32"), false},
		{"10/8", 0, pfx("10.0.0.0/8"), false},
		{"2001:db8::/32", 0, pfx("2001:db8::/32"), false},
		{"default", 0, netip.Prefix{}, true},
		{"default", unix.AF_INET6, pfx("::/0"), true},
	} {
		got, def, err := parsePrefix(tc.in, tc.family)
		if err != nil || got != tc.want || def != tc.def {
			t.Errorf("parsePrefix(%q, %d) = %v, %v, %v; want %v, %v", tc.in, tc.family, got, def, err, tc.want, tc.def)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "fe80::1%eth0", "300.0.0.1", "x"} {
		if _, _, err := parsePrefix(bad, 0); err == nil {
			t.Errorf("parsePrefix(%q): no error", bad)
		}
	}
	if _, _, err := parsePrefix("10.0.0.1", unix.AF_INET6); err == nil {
		t.Error("an IPv4 prefix passed as IPv6")
	}
	if !matches("sh", "show") || matches("", "show") || matches("shows", "show") {
		t.Error("matches")
	}
}
