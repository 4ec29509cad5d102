//go:build linux

package linkkinds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/netns/nstest"
)

// kindCase is one kind created with ip's options.
type kindCase struct {
	name string // the test's name
	kind string // IFLA_INFO_KIND
	// ip is what follows `ip link add NAME` (lower0 is a veth in each namespace, with the same index in both).
	// A macsec link's SCI is its address and port: the case gives the address, so that two links compare.
	ip string
	// ignore are info_data keys that differ between two equal links (timers, ids derived from the address).
	ignore []string
}

var cases = []kindCase{
	{name: "veth", kind: "veth", ip: "type veth peer name k0p"},
	{name: "dummy", kind: "dummy", ip: "type dummy"},
	{name: "ifb", kind: "ifb", ip: "type ifb"},
	{name: "nlmon", kind: "nlmon", ip: "type nlmon"},
	{name: "wireguard", kind: "wireguard", ip: "type wireguard"},
	{name: "team", kind: "team", ip: "type team"},
	{name: "vcan", kind: "vcan", ip: "type vcan"},
	{name: "bridge", kind: "bridge", ip: "type bridge forward_delay 400 stp_state 1 priority 8192 group_fwd_mask 8 " +
		"mcast_snooping 0 mcast_router 2 mcast_hash_max 1024 mcast_igmp_version 3 mcast_mld_version 2 " +
		"ageing_time 30000 hello_time 300 max_age 2500 mcast_querier 1 nf_call_iptables 1",
		ignore: []string{"hello_timer", "tcn_timer", "topology_change_timer", "gc_timer", "bridge_id", "root_id"}},
	{name: "bond-8023ad", kind: "bond", ip: "type bond mode 802.3ad miimon 100 updelay 200 downdelay 200 " +
		"lacp_rate fast xmit_hash_policy layer3+4 min_links 2 ad_actor_sys_prio 100 ad_user_port_key 7 " +
		"ad_actor_system 02:00:00:00:00:01 resend_igmp 3 num_grat_arp 2 all_slaves_active 1 ad_select bandwidth " +
		"peer_notify_delay 200"},
	{name: "bond-ab", kind: "bond", ip: "type bond mode active-backup arp_interval 100 " +
		"arp_ip_target 192.0.2.1,192.0.2.2 arp_validate all arp_all_targets all primary_reselect better " +
		"fail_over_mac active ns_ip6_target 2001:db8::1 lp_interval 2"},
	{name: "vlan", kind: "vlan", ip: "link lower0 type vlan id 42 protocol 802.1ad reorder_hdr off gvrp on " +
		"ingress-qos-map 1:2 3:4 egress-qos-map 5:6"},
	{name: "macvlan", kind: "macvlan", ip: "link lower0 type macvlan mode private bcqueuelen 500"},
	{name: "macvtap", kind: "macvtap", ip: "link lower0 type macvtap mode vepa"},
	{name: "ipvlan", kind: "ipvlan", ip: "link lower0 type ipvlan mode l2 vepa"},
	{name: "ipvtap", kind: "ipvtap", ip: "link lower0 type ipvtap mode l3 private"},
	{name: "vxlan", kind: "vxlan", ip: "type vxlan id 42 dstport 4790 local 10.0.0.1 remote 10.0.0.2 ttl 9 " +
		"tos 0x10 ageing 120 maxaddress 10 srcport 1000 2000 nolearning proxy l2miss l3miss udpcsum df set"},
	{name: "vxlan-external", kind: "vxlan", ip: "type vxlan external dstport 4791 udp6zerocsumtx udp6zerocsumrx " +
		"ttl inherit"},
	{name: "geneve", kind: "geneve", ip: "type geneve id 9 remote 192.0.2.1 ttl 3 tos 0x10 df inherit " +
		"dstport 6082 udpcsum"},
	{name: "geneve6", kind: "geneve", ip: "type geneve id 10 remote 2001:db8::1 ttl inherit udp6zerocsumtx " +
		"udp6zerocsumrx flowlabel 0x111"},
	{name: "bareudp", kind: "bareudp", ip: "type bareudp dstport 6635 ethertype mpls_uc srcportmin 1000 multiproto"},
	{name: "gre", kind: "gre", ip: "type gre local 192.0.2.1 remote 198.51.100.2 ttl 64 tos 0x10 ikey 10 okey 20 " +
		"icsum ocsum iseq oseq"},
	{name: "gretap", kind: "gretap", ip: "type gretap local 192.0.2.1 remote 198.51.100.3 nopmtudisc ignore-df key 5"},
	{name: "ip6gre", kind: "ip6gre", ip: "type ip6gre local 2001:db8::1 remote 2001:db8::2 hoplimit 5 encaplimit 4 " +
		"flowlabel 0x1234 tclass 0x10 key 7"},
	{name: "ip6gretap", kind: "ip6gretap", ip: "type ip6gretap local 2001:db8::1 remote 2001:db8::3 encaplimit none " +
		"tclass inherit flowlabel inherit"},
	{name: "erspan", kind: "erspan", ip: "type erspan local 192.0.2.1 remote 198.51.100.4 seq key 100 erspan_ver 2 " +
		"erspan_dir egress erspan_hwid 7"},
	{name: "ip6erspan", kind: "ip6erspan", ip: "type ip6erspan local 2001:db8::1 remote 2001:db8::5 seq key 101 " +
		"erspan_ver 1 erspan 123"},
	{name: "ipip", kind: "ipip", ip: "type ipip local 192.0.2.1 remote 198.51.100.5 ttl 64 tos 0x10"},
	{name: "sit", kind: "sit", ip: "type sit local 192.0.2.1 remote 198.51.100.6 ttl 10 isatap"},
	{name: "ip6tnl", kind: "ip6tnl", ip: "type ip6tnl local 2001:db8::1 remote 2001:db8::6 mode ip6ip6 hoplimit 9 " +
		"encaplimit 5 flowlabel 0xabc tclass 0x20"},
	{name: "vti", kind: "vti", ip: "type vti local 192.0.2.1 remote 198.51.100.7 ikey 5 okey 6"},
	{name: "vti6", kind: "vti6", ip: "type vti6 local 2001:db8::1 remote 2001:db8::7 key 8"},
	{name: "xfrm", kind: "xfrm", ip: "type xfrm dev lower0 if_id 17"},
	{name: "macsec", kind: "macsec", ip: "address 02:00:00:00:00:aa link lower0 type macsec port 11 encrypt on send_sci on protect on " +
		"replay on window 10 validate check encodingsa 2 icvlen 16 cipher gcm-aes-256"},
	{name: "hsr", kind: "hsr", ip: "type hsr slave1 lower0 slave2 lower0p"},
	{name: "netkit", kind: "netkit", ip: "type netkit"}, // iproute2 6.1 knows no netkit options
	{name: "vrf", kind: "vrf", ip: "type vrf table 10"},
}

// hostKinds are the kinds the host kernel (6.18, few drivers) has; vmKinds those the 6.1 VM loads (integration/vm).
var (
	hostKinds = []string{"veth", "ifb", "bridge", "macvlan", "macvtap", "vxlan"}
	vmKinds   = []string{"veth", "dummy", "ifb", "nlmon", "wireguard", "team", "bridge", "bond", "vlan", "macvlan",
		"macvtap", "ipvlan", "ipvtap", "vxlan", "geneve", "gre", "gretap", "ip6gre", "ip6gretap", "erspan",
		"ip6erspan", "ipip", "sit", "ip6tnl", "vti", "vti6", "xfrm", "macsec", "vrf"}
)

func expected(kind string) bool {
	list := hostKinds
	if os.Getenv("NLKIT_VM_GUEST") == "1" {
		list = vmKinds
	}
	for _, k := range list {
		if k == kind {
			return true
		}
	}
	return false
}

// side is one namespace with lower0 (a veth, index 2) and a Client.
type side struct {
	ns *nstest.NS
	c  *route.Client
}

func newSide(t *testing.T) side {
	ns := nstest.New(t)
	c, err := route.Dial(&route.Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s := side{ns, c}
	s.ip(t, "link", "add", "lower0", "type", "veth", "peer", "name", "lower0p")
	return s
}

func (s side) ip(t *testing.T, args ...string) string {
	t.Helper()
	out, err := s.ns.Output("ip", args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// show is `ip -d -j link show dev NAME`: the link's linkinfo and its "link" (lower device or peer).
func (s side) show(t *testing.T, name string) (map[string]any, any) {
	t.Helper()
	var j []map[string]any
	if err := json.Unmarshal([]byte(s.ip(t, "-d", "-j", "link", "show", "dev", name)), &j); err != nil || len(j) != 1 {
		t.Fatalf("ip -d -j link show dev %s: %v %v", name, j, err)
	}
	li, _ := j[0]["linkinfo"].(map[string]any)
	return li, j[0]["link"]
}

// copyLink is the request that makes, from nlkit's decode of l alone, a link like it.
func copyLink(l route.Link) route.Link {
	c := route.Link{Name: l.Name, Info: route.LinkInfo{Kind: l.Info.Kind, Data: l.Info.Data}}
	switch l.Info.Kind {
	case "vlan", "macvlan", "macvtap", "ipvlan", "ipvtap", "macsec":
		c.ParentIndex = l.ParentIndex
	}
	if b, ok := l.Info.Data.(*route.Bond); ok {
		// The kernel reports every bond setting, and refuses those of other modes in a request.
		c.Info.Data = b.Settable()
	}
	return c
}

// TestLinkKinds: every kind, made by ip with options, decodes to typed data from which nlkit makes a link that
// ip shows the same, key by key; kinds the kernel lacks give a *route.NoDriverError.
func TestLinkKinds(t *testing.T) {
	var present, absent []string
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			a, b := newSide(t), newSide(t)
			args := append([]string{"link", "add", "k0"}, strings.Fields(tc.ip)...)
			out, ipErr := a.ns.Output("ip", args...)
			// nlkit's answer for the kind in b: only the kind, so a missing driver shows whatever the options.
			if ipErr != nil && strings.Contains(ipErr.Error(), "Unknown device type") {
				err := b.c.Link.Add(ctx, route.Link{Name: "k9", Info: route.LinkInfo{Kind: tc.kind}})
				var nd *route.NoDriverError
				if !errors.As(err, &nd) || nd.Kind != tc.kind ||
					!strings.Contains(err.Error(), "the kernel has no driver for it") {
					t.Errorf("ip says the kernel has no %s; nlkit says %v", tc.kind, err)
				}
				if expected(tc.kind) {
					nstest.Skipf(t, "%s: expected on this kernel, but it has no driver", tc.kind)
				}
				absent = append(absent, tc.kind)
				t.Logf("%s: absent (no driver); nlkit: %v", tc.kind, err)
				return
			}
			if ipErr != nil {
				t.Fatalf("%v %s", ipErr, out)
			}
			present = append(present, tc.name)
			l, err := a.c.Link.GetByName(ctx, "k0")
			if err != nil {
				t.Fatal(err)
			}
			if _, raw := l.Info.Data.(*route.RawLinkData); raw {
				t.Fatalf("%s decoded as raw data", tc.kind)
			}
			if tc.kind == "veth" || tc.kind == "netkit" {
				peer, perr := a.c.Link.Get(ctx, l.ParentIndex)
				if perr != nil || (peer.Name != "k0p" && tc.kind == "veth") {
					t.Errorf("%s: IFLA_LINK %d names %q, want the peer k0p", tc.kind, l.ParentIndex, peer.Name)
				}
				if tc.kind == "veth" {
					err = b.c.Link.AddVeth(ctx, route.Link{Name: "k0"}, route.Link{Name: "k0p"}, route.NetNSTarget{})
				} else {
					nk := *l.Info.Data.(*route.Netkit)
					nk.Peer = route.Link{Name: "k0p"}
					err = b.c.Link.Add(ctx, route.Link{Name: "k0", Info: route.LinkInfo{Kind: "netkit", Data: &nk}})
				}
			} else {
				err = b.c.Link.Add(ctx, copyLink(l))
			}
			if err != nil {
				t.Fatalf("nlkit's copy of %+v: %v", l.Info.Data, err)
			}
			liA, lowerA := a.show(t, "k0")
			liB, lowerB := b.show(t, "k0")
			for _, k := range tc.ignore {
				for _, li := range []map[string]any{liA, liB} {
					if d, ok := li["info_data"].(map[string]any); ok {
						delete(d, k)
					}
				}
			}
			if diff := compare("", liA, liB); len(diff) > 0 || !reflect.DeepEqual(lowerA, lowerB) {
				t.Errorf("%s: ip shows nlkit's copy differently (ip's link / nlkit's copy):\n  %s\n  link %v / %v\ntyped: %+v",
					tc.name, strings.Join(diff, "\n  "), lowerA, lowerB, l.Info.Data)
			}
			if data, _ := liA["info_data"].(map[string]any); len(data) > 0 {
				js, _ := json.Marshal(liA)
				t.Logf("%s: %d options compared: %s", tc.name, len(data), js)
			}
		})
	}
	t.Logf("present: %v", present)
	t.Logf("absent: %v", absent)
}

func keys(m map[string]any) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// compare lists the keys whose values differ between a and b, recursively.
func compare(path string, a, b map[string]any) []string {
	var diff []string
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	for _, k := range keys(map[string]any(func() map[string]any {
		m := map[string]any{}
		for k := range seen {
			m[k] = nil
		}
		return m
	}())) {
		va, okA := a[k]
		vb, okB := b[k]
		ma, isMapA := va.(map[string]any)
		mb, isMapB := vb.(map[string]any)
		switch {
		case isMapA && isMapB:
			diff = append(diff, compare(path+k+".", ma, mb)...)
		case !okA || !okB || !reflect.DeepEqual(va, vb):
			diff = append(diff, fmt.Sprintf("%s%s: %v / %v", path, k, show(va, okA), show(vb, okB)))
		}
	}
	return diff
}

func show(v any, ok bool) string {
	if !ok {
		return "(absent)"
	}
	return fmt.Sprint(v)
}
