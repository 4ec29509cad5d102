//go:build linux

package route

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// bridgeU8 are the u8 bridge settings with a Has field: the ip option, the attribute, and the fields.
var bridgeU8 = []struct {
	opt   string
	attr  uint16
	field func(*Bridge) (*uint8, *bool)
}{
	{"vlan_filtering", unix.IFLA_BR_VLAN_FILTERING, func(b *Bridge) (*uint8, *bool) { return &b.VlanFiltering, &b.HasVlanFiltering }},
	{"vlan_stats_enabled", unix.IFLA_BR_VLAN_STATS_ENABLED, func(b *Bridge) (*uint8, *bool) { return &b.VlanStatsEnabled, &b.HasVlanStatsEnabled }},
	{"vlan_stats_per_port", unix.IFLA_BR_VLAN_STATS_PER_PORT, func(b *Bridge) (*uint8, *bool) { return &b.VlanStatsPerPort, &b.HasVlanStatsPerPort }},
	{"mcast_router", unix.IFLA_BR_MCAST_ROUTER, func(b *Bridge) (*uint8, *bool) { return &b.McastRouter, &b.HasMcastRouter }},
	{"mcast_snooping", unix.IFLA_BR_MCAST_SNOOPING, func(b *Bridge) (*uint8, *bool) { return &b.McastSnooping, &b.HasMcastSnooping }},
	{"mcast_query_use_ifaddr", unix.IFLA_BR_MCAST_QUERY_USE_IFADDR, func(b *Bridge) (*uint8, *bool) { return &b.McastQueryUseIfaddr, &b.HasMcastQueryUseIfaddr }},
	{"mcast_querier", unix.IFLA_BR_MCAST_QUERIER, func(b *Bridge) (*uint8, *bool) { return &b.McastQuerier, &b.HasMcastQuerier }},
	{"mcast_stats_enabled", unix.IFLA_BR_MCAST_STATS_ENABLED, func(b *Bridge) (*uint8, *bool) { return &b.McastStatsEnabled, &b.HasMcastStatsEnabled }},
	{"nf_call_iptables", unix.IFLA_BR_NF_CALL_IPTABLES, func(b *Bridge) (*uint8, *bool) { return &b.NfCallIptables, &b.HasNfCallIptables }},
	{"nf_call_ip6tables", unix.IFLA_BR_NF_CALL_IP6TABLES, func(b *Bridge) (*uint8, *bool) { return &b.NfCallIp6tables, &b.HasNfCallIp6tables }},
	{"nf_call_arptables", unix.IFLA_BR_NF_CALL_ARPTABLES, func(b *Bridge) (*uint8, *bool) { return &b.NfCallArptables, &b.HasNfCallArptables }},
}

// TestBridgeZeroSettingsWire: a u8 bridge setting of 0 is sent when its Has field is set, and not otherwise;
// one the kernel sends with 0 decodes as present (IFLA_BR_VLAN_FILTERING 0 excepted, see Bridge.decode).
func TestBridgeZeroSettingsWire(t *testing.T) {
	for _, s := range bridgeU8 {
		var unset, zero Bridge
		_, has := s.field(&zero)
		*has = true
		for _, tc := range []struct {
			br   *Bridge
			sent bool
		}{{&unset, false}, {&zero, true}} {
			ae := proto.NewAttrEncoder(nil)
			if err := tc.br.encode(ae); err != nil {
				t.Fatal(err)
			}
			v, sent := attrsOf(t, ae.Bytes())[s.attr]
			if sent != tc.sent || sent && (len(v) != 1 || v[0] != 0) {
				t.Errorf("%s: Has %v: sent %v (% x), want sent %v with 0", s.opt, *has && tc.br == &zero, sent, v, tc.sent)
			}
		}
		for _, val := range []uint8{0, 1} {
			ae := proto.NewAttrEncoder(nil)
			ae.Uint8(s.attr, val)
			var br Bridge
			if err := br.decode(ae.Bytes()); err != nil {
				t.Fatal(err)
			}
			v, has := s.field(&br)
			wantHas := val != 0 || s.attr != unix.IFLA_BR_VLAN_FILTERING
			if *v != val || *has != wantHas {
				t.Errorf("%s %d decoded as %d, Has %v; want Has %v", s.opt, val, *v, *has, wantHas)
			}
		}
	}
}

// TestBridgeZeroSettingsLive: in a fresh namespace, a bridge made by `ip link add ... type bridge
// mcast_snooping 0 ...` and one made by the library with the same settings (Has fields set, values 0) look the
// same to `ip -d -j link show`, the library reads both back as explicitly 0, a copy made from the listed value
// keeps them, and Replace turns a default bridge's snooping off. IFLA_BR_MCAST_SNOOPING and IFLA_BR_MCAST_ROUTER
// default to 1, so without the Has fields the library could not ask for 0.
func TestBridgeZeroSettingsLive(t *testing.T) {
	c, ns, ctx := issue15Client(t)
	out := func(name string, args ...string) (string, error) { return ns.Output(name, args...) }
	// The settings this kernel reports (ip shows those alone); those of VLAN filtering are missing where the
	// kernel is built without it, and vlan_filtering itself is refused there even as 0.
	if s, err := out("ip", "link", "add", "probe", "type", "bridge"); err != nil {
		t.Fatalf("ip link add probe type bridge: %v %s", err, s)
	}
	defaults := ipDetails(t, out, "probe")
	if fmt.Sprint(defaults["mcast_snooping"]) != "1" || fmt.Sprint(defaults["mcast_router"]) != "1" {
		t.Fatalf("a new bridge has mcast_snooping %v, mcast_router %v; the test expects the kernel's defaults of 1",
			defaults["mcast_snooping"], defaults["mcast_router"])
	}
	ipArgs := []string{"link", "add", "brip", "type", "bridge"}
	lib := &Bridge{}
	var zeroed []string
	for _, s := range bridgeU8 {
		if _, ok := defaults[s.opt]; !ok || s.attr == unix.IFLA_BR_VLAN_FILTERING {
			continue
		}
		ipArgs = append(ipArgs, s.opt, "0")
		_, has := s.field(lib)
		*has = true
		zeroed = append(zeroed, s.opt)
	}
	t.Logf("settings at 0: %s", strings.Join(zeroed, " "))
	if s, err := out("ip", ipArgs...); err != nil {
		t.Fatalf("ip %s: %v %s", strings.Join(ipArgs, " "), err, s)
	}
	if err := c.Link.Add(ctx, Link{Name: "brlib", Info: LinkInfo{Data: lib}}); err != nil {
		t.Fatal(err)
	}
	listed, err := c.Link.GetByName(ctx, "brip")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Link.Add(ctx, Link{Name: "brcopy", Info: LinkInfo{Data: listed.Info.Data}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Link.Add(ctx, Link{Name: "brset", Info: LinkInfo{Data: &Bridge{}}}); err != nil {
		t.Fatal(err)
	}
	if err := c.Link.Replace(ctx, Link{Name: "brset", Info: LinkInfo{Data: &Bridge{HasMcastSnooping: true,
		HasMcastRouter: true}}}); err != nil {
		t.Fatal(err)
	}

	// The kernel's own view, through ip.
	skip := []string{"hello_timer", "tcn_timer", "topology_change_timer", "gc_timer", "bridge_id", "root_id"}
	want := ipDetails(t, out, "brip")
	for _, k := range skip {
		delete(want, k)
	}
	for _, opt := range zeroed {
		if fmt.Sprint(want[opt]) != "0" {
			t.Errorf("ip made brip with %s 0 and shows %v", opt, want[opt])
		}
	}
	for _, name := range []string{"brlib", "brcopy"} {
		got := ipDetails(t, out, name)
		for _, k := range skip {
			delete(got, k)
		}
		for _, k := range sortedKeys(want, got) {
			if !reflect.DeepEqual(want[k], got[k]) {
				t.Errorf("%s: ip shows %s %v, brip %v", name, k, got[k], want[k])
			}
		}
	}
	set := ipDetails(t, out, "brset")
	if fmt.Sprint(set["mcast_snooping"]) != "0" || fmt.Sprint(set["mcast_router"]) != "0" {
		t.Errorf("brset after Replace: mcast_snooping %v, mcast_router %v; want 0 and 0", set["mcast_snooping"],
			set["mcast_router"])
	}

	// The library's view: every zeroed setting is present with 0, on each bridge.
	for _, name := range []string{"brip", "brlib", "brcopy"} {
		l, err := c.Link.GetByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		br, ok := l.Info.Data.(*Bridge)
		if !ok {
			t.Fatalf("%s: data %T", name, l.Info.Data)
		}
		for _, s := range bridgeU8 {
			if !contains(zeroed, s.opt) {
				continue
			}
			if v, has := s.field(br); *v != 0 || !*has {
				t.Errorf("%s: %s decoded as %d, Has %v; want an explicit 0", name, s.opt, *v, *has)
			}
		}
	}
	l, err := c.Link.GetByName(ctx, "probe")
	if err != nil {
		t.Fatal(err)
	}
	if br := l.Info.Data.(*Bridge); br.McastSnooping != 1 || !br.HasMcastSnooping {
		t.Errorf("default bridge: McastSnooping %d, Has %v; want 1, true", br.McastSnooping, br.HasMcastSnooping)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
