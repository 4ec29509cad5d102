//go:build linux

package secondopinion

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

type marshaler interface{ MarshalBinary() ([]byte, error) }

func payload(t *testing.T, o marshaler) []byte {
	t.Helper()
	b, err := o.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// decoded is what nlkit decodes from b.
func decoded[T any, PT interface {
	*T
	UnmarshalBinary([]byte) error
}](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := PT(&v).UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	return v
}

// expectDiff checks that diffs name field exactly once.
func expectDiff(t *testing.T, what string, diffs []string, field string) {
	t.Helper()
	if len(diffs) != 1 || !strings.Contains(diffs[0], ": "+field+" nlkit ") {
		t.Errorf("%s: want one difference in %q, got %q", what, field, diffs)
	}
}

// TestAgreement decodes well-formed messages of each kind with both libraries: no difference.
func TestAgreement(t *testing.T) {
	mac, _ := route.ParseHWAddr("02:00:00:00:00:01")
	for _, c := range []struct {
		typ uint16
		o   marshaler
	}{
		{unix.RTM_NEWLINK, &route.Link{Index: 3, Name: "v0", MTU: 1400, Address: mac, Master: 2, TxQLen: 7,
			Alias: "up", Group: 4, ParentIndex: 5, Info: route.LinkInfo{Kind: "veth"}}},
		{unix.RTM_NEWADDR, &route.Addr{Index: 2, Local: netip.MustParseAddr("10.0.0.1"), Peer: netip.MustParseAddr("10.0.0.2"),
			PrefixLen: 32, Label: "v0:1", Flags: route.AddrNoPrefixRoute | route.AddrPermanent, RoutePriority: 5}},
		{unix.RTM_NEWROUTE, &route.Route{Dst: netip.MustParsePrefix("10.1.0.0/16"), Table: 1000, OIF: 2, Priority: 9,
			Protocol: route.ProtocolStatic, Type: route.TypeUnicast, Extra: &route.RouteExtra{
				PrefSrc: netip.MustParseAddr("10.0.0.1"), Metrics: route.Metrics{MTU: 1300},
				MultiPath: []route.Hop{{OIF: 2, Hops: 1, Gateway: netip.MustParseAddr("10.0.0.9")}}}}},
		{unix.RTM_NEWNEIGH, &route.Neigh{Index: 2, Dst: netip.MustParseAddr("10.0.0.9"), LLAddr: mac,
			State: route.NeighPermanent}},
		{unix.RTM_NEWRULE, &route.Rule{Family: unix.AF_INET, Priority: 10, Table: 1000, Src: netip.MustParsePrefix("10.0.0.0/8"),
			IIFName: "v0", Mark: 5, Mask: 0xff, HasMask: true, TunID: 0x0102030405060708, Flow: 1<<16 | 2,
			SPortStart: 1, SPortEnd: 9}},
	} {
		diffs, skipped, err := Compare(c.typ, payload(t, c.o))
		if err != nil || skipped || len(diffs) != 0 {
			t.Errorf("%T: %q skipped=%v err=%v", c.o, diffs, skipped, err)
		}
	}
}

// TestDisagreement changes one field of nlkit's decoding of a message and expects the comparison to name it:
// a comparison that cannot fail would prove nothing.
func TestDisagreement(t *testing.T) {
	l := route.Link{Index: 3, Name: "v0", MTU: 1400, Master: 2}
	b := payload(t, &l)
	got := decoded[route.Link](t, b)
	got.MTU++
	_, d, _ := compareLink(&got, b)
	expectDiff(t, "link", d, "mtu")
	got = decoded[route.Link](t, b)
	got.Master = 0
	_, d, _ = compareLink(&got, b)
	expectDiff(t, "link", d, "master")

	a := route.AddrFrom(2, netip.MustParsePrefix("10.0.0.1/24"))
	b = payload(t, &a)
	ga := decoded[route.Addr](t, b)
	ga.Label = "x"
	_, d, _ = compareAddr(&ga, b)
	expectDiff(t, "addr", d, "label")

	r := route.Route{Dst: netip.MustParsePrefix("10.1.0.0/16"), Table: 1000, OIF: 2, Extra: &route.RouteExtra{
		MultiPath: []route.Hop{{OIF: 2, Gateway: netip.MustParseAddr("10.0.0.9")}}}}
	b = payload(t, &r)
	gr := decoded[route.Route](t, b)
	gr.Table = 100
	_, d, _ = compareRoute(&gr, b)
	expectDiff(t, "route", d, "table")
	gr = decoded[route.Route](t, b)
	gr.Extra.MultiPath[0].Gateway = netip.MustParseAddr("10.0.0.8")
	_, d, _ = compareRoute(&gr, b)
	expectDiff(t, "route", d, "nexthop 0")

	n := route.Neigh{Index: 2, Dst: netip.MustParseAddr("10.0.0.9"), State: route.NeighStale}
	b = payload(t, &n)
	gn := decoded[route.Neigh](t, b)
	gn.State = route.NeighReachable
	_, d, _ = compareNeigh(&gn, b)
	expectDiff(t, "neigh", d, "state")

	ru := route.Rule{Family: unix.AF_INET, Priority: 10, Table: 5, TunID: 7}
	b = payload(t, &ru)
	gu := decoded[route.Rule](t, b)
	gu.TunID = 8
	_, d, _ = compareRule(&gu, b)
	expectDiff(t, "rule", d, "tun_id")
}

func TestDiffKeys(t *testing.T) {
	d := diffKeys([]string{"a", "b", "b"}, []string{"b", "c"})
	want := []string{"a: in nlkit's dump 1 more time(s) than in jsimonetti's", "b: in nlkit's dump 1 more time(s) than in jsimonetti's",
		"c: in jsimonetti's dump 1 more time(s) than in nlkit's"}
	if strings.Join(d, "|") != strings.Join(want, "|") {
		t.Errorf("got %q", d)
	}
}
