//go:build linux

package route

import (
	"context"
	"net/netip"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit/netns/nstest"
)

// encapNS is a Client in a fresh namespace with veth v0 (up, 10.1.0.1/24, 2001:db8::1/64) and its index.
func encapNS(t *testing.T) (*Client, *nstest.NS, int32, context.Context) {
	t.Helper()
	ns := nstest.New(t)
	c, err := Dial(&Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatalf("Dial in %v: %v", ns, err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	for _, cmd := range [][]string{
		{"link", "add", "v0", "type", "veth", "peer", "v1"},
		{"link", "set", "v0", "up"}, {"link", "set", "v1", "up"},
		{"addr", "add", "10.1.0.1/24", "dev", "v0"},
		{"-6", "addr", "add", "2001:db8::1/64", "dev", "v0", "nodad"},
	} {
		if out, err := ns.Output("ip", cmd...); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	}
	return c, ns, linkIndex(t, ctx, c, "v0"), ctx
}

// TestEncapAgainstIP adds each encapsulation twice, once with ip and once with nlkit, and checks that nlkit
// decodes ip's as the typed value it sent, and that ip prints both routes' encapsulations the same. An encap
// the kernel lacks (no MPLS, SRv6 or IOAM6 on this kernel) is skipped by name: the 6.1 VM has them all.
func TestEncapAgainstIP(t *testing.T) {
	c, ns, v0, ctx := encapNS(t)
	a := netip.MustParseAddr
	for _, tc := range []struct {
		name, ipDst, nlDst string
		ip                 []string
		e                  Encap
	}{
		{"ip", "10.9.0.0/24", "10.9.1.0/24", []string{"ip", "id", "5", "dst", "10.1.0.2", "ttl", "3"},
			&IPEncap{ID: 5, Dst: a("10.1.0.2"), Src: a("0.0.0.0"), TTL: 3}},
		{"ip6", "2001:db8:9::/64", "2001:db8:19::/64", []string{"ip6", "id", "9", "dst", "2001:db8::9", "hoplimit", "2"},
			&IP6Encap{ID: 9, Dst: a("2001:db8::9"), Src: a("::"), HopLimit: 2}},
		{"mpls", "10.9.2.0/24", "10.9.3.0/24", []string{"mpls", "100/200"}, &MPLSEncap{Labels: []uint32{100, 200}}},
		{"seg6", "2001:db8:a::/64", "2001:db8:1a::/64", []string{"seg6", "mode", "encap", "segs", "2001:db8::2,2001:db8::3"},
			&Seg6Encap{Mode: 1, SRH: SRH{Segments: []netip.Addr{a("2001:db8::2"), a("2001:db8::3")}}}},
		{"seg6local", "2001:db8:b::/64", "2001:db8:1b::/64", []string{"seg6local", "action", "End.DT6", "table", "100"},
			&Seg6LocalEncap{Action: 7, Table: 100}},
		{"ioam6", "2001:db8:c::/64", "2001:db8:1c::/64",
			[]string{"ioam6", "trace", "prealloc", "type", "0x800000", "ns", "1", "size", "12"},
			&IOAM6Encap{Mode: 1, Trace: IOAM6Trace(0x800000, 1, 12), FreqK: 1, FreqN: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"route", "add", tc.ipDst, "encap"}, tc.ip...)
			if tc.name == "mpls" {
				args = append(args, "via", "10.1.0.2")
			}
			out, err := ns.Output("ip", append(args, "dev", "v0")...)
			if err != nil {
				if strings.Contains(err.Error(), "not supported") {
					t.Skipf("the kernel has no %s encapsulation: %v", tc.name, err)
				}
				t.Fatalf("%v: %s", err, out)
			}
			r := Route{Dst: netip.MustParsePrefix(tc.nlDst), OIF: v0, Extra: &RouteExtra{LWT: tc.e}}
			if tc.name == "mpls" {
				r.Gateway = a("10.1.0.2")
			}
			if err := c.Route.Add(ctx, r); err != nil {
				t.Fatal(err)
			}
			routes, err := c.Route.List(ctx, &RouteFilter{Family: familyOf(r.Dst.Addr()), Table: TableMain})
			if err != nil {
				t.Fatal(err)
			}
			var fromIP, fromNL *Route
			for i := range routes {
				switch routes[i].Dst.String() {
				case tc.ipDst:
					fromIP = &routes[i]
				case tc.nlDst:
					fromNL = &routes[i]
				}
			}
			if fromIP == nil || fromNL == nil {
				t.Fatalf("routes missing: %v", routes)
			}
			if got := fromIP.Ext().LWT; !reflect.DeepEqual(got, tc.e) {
				t.Errorf("ip's route decodes as %#v, want %#v", got, tc.e)
			}
			show := func(dst string) string {
				fam := "-4"
				if strings.Contains(dst, ":") {
					fam = "-6"
				}
				out, err := ns.Output("ip", fam, "-d", "route", "show", dst)
				if err != nil {
					t.Fatal(err)
				}
				i := strings.Index(out, "encap")
				j := strings.Index(out, " dev ")
				if i < 0 || j < i {
					t.Fatalf("no encap in %q", out)
				}
				return out[i:j]
			}
			if a, b := show(tc.ipDst), show(tc.nlDst); a != b {
				t.Errorf("ip shows ip's route with %q, nlkit's with %q", a, b)
			}
		})
	}
}

// TestMPLSRoutes adds an AF_MPLS route (label 100 swapped for 200/300 via 10.1.0.2) with nlkit and checks it
// against `ip -f mpls route`; the host kernel may have no MPLS (net.mpls): the 6.1 VM loads mpls_router.
func TestMPLSRoutes(t *testing.T) {
	c, ns, v0, ctx := encapNS(t)
	var noMPLS bool
	ns.Run(func() {
		if _, err := os.Stat("/proc/sys/net/mpls/platform_labels"); err != nil {
			noMPLS = true
		}
	})
	if noMPLS {
		t.Skip("the kernel has no MPLS routing (/proc/sys/net/mpls: the mpls_router module)")
	}
	if out, err := ns.Output("sysctl", "-w", "net.mpls.platform_labels=1000"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	r := Route{Family: afMPLS, Dst: MPLSDst(100), OIF: v0, Extra: &RouteExtra{NewDst: []uint32{200, 300},
		Via: netip.MustParseAddr("10.1.0.2")}}
	if err := c.Route.Add(ctx, r); err != nil {
		t.Fatal(err)
	}
	if out, err := ns.Output("ip", "-f", "mpls", "route", "add", "101", "as", "201", "via", "inet", "10.1.0.2", "dev", "v0"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	out, err := ns.Output("ip", "-f", "mpls", "route", "show")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "100 as to 200/300 via inet 10.1.0.2 dev v0") {
		t.Errorf("ip -f mpls route does not show nlkit's route:\n%s", out)
	}
	routes, err := c.Route.List(ctx, &RouteFilter{Family: afMPLS})
	if err != nil {
		t.Fatal(err)
	}
	found := map[uint32][]uint32{}
	for _, r := range routes {
		if l, ok := r.MPLSLabel(); ok {
			found[l] = r.Ext().NewDst
		}
	}
	if !reflect.DeepEqual(found, map[uint32][]uint32{100: {200, 300}, 101: {201}}) {
		t.Errorf("nlkit lists MPLS routes %v", found)
	}
	if err := c.Route.Delete(ctx, Route{Family: afMPLS, Dst: MPLSDst(100)}); err != nil {
		t.Fatal(err)
	}
	// The kernel's mpls_route_del clears the label's slot whatever it held and answers 0, so a second delete
	// succeeds too: what tells is the dump.
	if err := c.Route.Delete(ctx, Route{Family: afMPLS, Dst: MPLSDst(100)}); err != nil {
		t.Errorf("deleting it twice: %v", err)
	}
	routes, err = c.Route.List(ctx, &RouteFilter{Family: afMPLS})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range routes {
		if l, ok := r.MPLSLabel(); ok && l == 100 {
			t.Errorf("label 100 is still listed after its delete: %v", r)
		}
	}
}
