//go:build linux

package route

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"
)

// ipDetails is `ip -d -j link show NAME` in ns: the link's info_data as ip decodes it.
func ipDetails(t *testing.T, out func(string, ...string) (string, error), name string) map[string]any {
	t.Helper()
	s, err := out("ip", "-d", "-j", "link", "show", name)
	if err != nil {
		t.Fatalf("ip link show %s: %v %s", name, err, s)
	}
	var v []map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil || len(v) != 1 {
		t.Fatalf("ip -j: %v %s", err, s)
	}
	info, _ := v[0]["linkinfo"].(map[string]any)
	data, _ := info["info_data"].(map[string]any)
	return data
}

// TestIssue15LinkFlagsRoundTrip: a link made by ip, listed by the library and made again from the listed value,
// has the same kind settings as ip shows them. IFLA_VXLAN_TTL_INHERIT is a u8 the kernel always sends, so
// `ttl 10` listed as inherit and the copy lost its TTL.
func TestIssue15LinkFlagsRoundTrip(t *testing.T) {
	c, ns, ctx := issue15Client(t)
	out := func(name string, args ...string) (string, error) { return ns.Output(name, args...) }
	run := func(args ...string) {
		t.Helper()
		if s, err := out("ip", args...); err != nil {
			t.Fatalf("ip %s: %v %s", strings.Join(args, " "), err, s)
		}
	}
	run("link", "add", "lower", "type", "veth", "peer", "name", "lowerp")
	for _, tc := range []struct {
		name string
		args []string
		// skip lists info_data keys that differ by nature (timers that run).
		skip  []string
		check func(t *testing.T, d LinkData)
	}{
		{"vx1", []string{"type", "vxlan", "id", "10", "ttl", "10", "dstport", "4789"}, nil, func(t *testing.T, d LinkData) {
			if v := d.(*Vxlan); v.TTLInherit || v.TTL != 10 {
				t.Errorf("ttl 10 decoded as TTL %d, TTLInherit %v", v.TTL, v.TTLInherit)
			}
		}},
		{"vx2", []string{"type", "vxlan", "id", "11", "ttl", "inherit", "dstport", "4790"}, nil, func(t *testing.T, d LinkData) {
			if v := d.(*Vxlan); !v.TTLInherit {
				t.Errorf("ttl inherit decoded as TTL %d, TTLInherit %v", v.TTL, v.TTLInherit)
			}
		}},
		{"vx3", []string{"type", "vxlan", "id", "12", "dstport", "4791", "nolearning", "proxy", "l2miss", "l3miss",
			"udpcsum", "noudp6zerocsumtx", "gbp", "ttl", "3", "tos", "4", "df", "set"}, nil, nil},
		{"br1", []string{"type", "bridge", "stp_state", "0", "mcast_querier", "1",
			"vlan_stats_enabled", "0", "mcast_stats_enabled", "1", "nf_call_iptables", "0"},
			[]string{"hello_timer", "tcn_timer", "topology_change_timer", "gc_timer", "bridge_id", "root_id"}, nil},
		{"mv1", []string{"link", "lower", "type", "macvlan", "mode", "vepa", "bcqueuelen", "100"}, nil, nil},
	} {
		run(append([]string{"link", "add", tc.name}, tc.args...)...)
		l, err := c.Link.GetByName(ctx, tc.name)
		if err != nil {
			t.Fatal(err)
		}
		if tc.check != nil {
			tc.check(t, l.Info.Data)
		}
		copyName := tc.name + "c"
		cp := Link{Name: copyName, ParentIndex: l.ParentIndex, Info: LinkInfo{Data: l.Info.Data}}
		if v, ok := cp.Info.Data.(*Vxlan); ok {
			w := *v
			w.ID += 100
			w.Port += 100
			cp.Info.Data = &w
		}
		if err := c.Link.Add(ctx, cp); err != nil {
			t.Errorf("%s: adding the listed value as %s: %v", tc.name, copyName, err)
			continue
		}
		want, got := ipDetails(t, out, tc.name), ipDetails(t, out, copyName)
		for _, k := range append(tc.skip, "id", "port") {
			delete(want, k)
			delete(got, k)
		}
		if !reflect.DeepEqual(want, got) {
			for _, k := range sortedKeys(want, got) {
				if !reflect.DeepEqual(want[k], got[k]) {
					t.Errorf("%s: %s is %v, its copy's %v", tc.name, k, want[k], got[k])
				}
			}
		}
	}
}

func sortedKeys(a, b map[string]any) []string {
	m := maps.Clone(a)
	maps.Copy(m, b)
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
