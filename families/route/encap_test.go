//go:build linux

package route

import (
	"net/netip"
	"reflect"
	"testing"

	"golang.org/x/sys/unix"
)

func encapSamples() []Encap {
	a := netip.MustParseAddr
	return []Encap{
		&MPLSEncap{Labels: []uint32{100, 200, MaxMPLSLabel}, TTL: 5, HasTTL: true},
		&MPLSEncap{Labels: []uint32{16}},
		&IPEncap{ID: 5, Dst: a("10.0.0.2"), Src: a("10.0.0.1"), TTL: 3, TOS: 0x10, Flags: 0x0100},
		&IP6Encap{ID: 1 << 40, Dst: a("2001:db8::2"), HopLimit: 9, TC: 1},
		&Seg6Encap{Mode: 1, SRH: SRH{Segments: []netip.Addr{a("2001:db8::a"), a("2001:db8::b"), a("2001:db8::c")}}},
		&Seg6Encap{Mode: 0, SRH: SRH{Segments: []netip.Addr{a("fc00::1")}, Tag: 7, Flags: 0}},
		&Seg6LocalEncap{Action: 7, Table: 100},
		&Seg6LocalEncap{Action: 2, NH6: a("2001:db8::9"), OIF: 3, IIF: 4, NH4: a("10.1.1.1"), VRFTable: 10,
			Counters: &Seg6LocalCounters{}},
		&Seg6LocalEncap{Action: 9, SRH: &SRH{Segments: []netip.Addr{a("2001:db8::1"), a("2001:db8::2")}}},
		&Seg6LocalEncap{Action: 15, BPF: &BPFProg{FD: 7, Name: "p"}},
		&BPFEncap{Out: &BPFProg{FD: 3, Name: "out"}, Xmit: &BPFProg{FD: 4}, Headroom: 14},
		&IOAM6Encap{Mode: 2, Dst: a("2001:db8::5"), Src: a("2001:db8::6"), Trace: IOAM6Trace(0x800000, 1, 12),
			FreqK: 1, FreqN: 2},
		&RawEncap{Type: unix.LWTUNNEL_ENCAP_ILA, Data: []byte{8, 0, 1, 0, 1, 2, 3, 4}},
	}
}

func TestEncapRoundTrip(t *testing.T) {
	for _, e := range encapSamples() {
		b, err := EncodeEncap(e)
		if err != nil {
			t.Fatalf("%T: %v", e, err)
		}
		got, err := DecodeEncap(e.EncapType(), b)
		if err != nil {
			t.Fatalf("%T: %v", e, err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("%T:\n got %+v\nwant %+v", e, got, e)
		}
		// Through a route and a multipath hop.
		r := Route{Dst: mustPrefix("10.0.0.0/8"), Extra: &RouteExtra{LWT: e,
			MultiPath: []Hop{{OIF: 1, LWT: e}, {OIF: 2}}}}
		raw := mustMarshal(t, &r)
		var back Route
		if err := back.UnmarshalBinary(raw); err != nil {
			t.Fatal(err)
		}
		x := back.Ext()
		if x.EncapType != e.EncapType() || !reflect.DeepEqual(x.LWT, e) || !reflect.DeepEqual(x.MultiPath[0].LWT, e) ||
			x.MultiPath[1].LWT != nil {
			t.Errorf("%T through a route: %+v %+v", e, x.LWT, x.MultiPath)
		}
		if c := back.Clone(); !reflect.DeepEqual(c.Extra.LWT, x.LWT) || (c.Extra.LWT != nil && c.Extra.LWT == x.LWT) {
			t.Errorf("%T: Clone does not copy LWT", e)
		}
	}
	if e := (&IOAM6Encap{Trace: IOAM6Trace(0x800000, 1, 12)}); e.TraceType() != 0x800000 || e.TraceNamespace() != 1 ||
		e.TraceSize() != 12 {
		t.Errorf("trace header: %x %d %d", e.TraceType(), e.TraceNamespace(), e.TraceSize())
	}
	for _, bad := range []Encap{&MPLSEncap{}, &MPLSEncap{Labels: []uint32{1 << 20}}, &Seg6Encap{},
		&IPEncap{Dst: netip.MustParseAddr("::1")}} {
		if _, err := EncodeEncap(bad); err == nil {
			t.Errorf("%+v encodes", bad)
		}
	}
}

func TestMPLSRouteRoundTrip(t *testing.T) {
	r := Route{Family: afMPLS, Dst: MPLSDst(100), Table: TableMain, Type: TypeUnicast, OIF: 2,
		Extra: &RouteExtra{NewDst: []uint32{200, 300}, Via: netip.MustParseAddr("10.0.0.2")}}
	b := mustMarshal(t, &r)
	var got Route
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatal(err)
	}
	if l, ok := got.MPLSLabel(); !ok || l != 100 || !reflect.DeepEqual(got.Ext().NewDst, []uint32{200, 300}) ||
		got.Ext().Via != r.Extra.Via {
		t.Errorf("got %+v %+v (label %d %v)", got, got.Extra, l, ok)
	}
	if _, ok := (&Route{Dst: mustPrefix("10.0.0.0/8")}).MPLSLabel(); ok {
		t.Error("an IPv4 route has an MPLS label")
	}
}

func FuzzDecodeEncap(f *testing.F) {
	for _, e := range encapSamples() {
		b, err := EncodeEncap(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(e.EncapType(), b)
	}
	f.Fuzz(func(t *testing.T, typ uint16, b []byte) {
		e, err := DecodeEncap(typ, b)
		if err != nil {
			return
		}
		out, err := EncodeEncap(e)
		if err != nil {
			return // e.g. an empty label stack or SRH, which the kernel never sends
		}
		again, err := DecodeEncap(typ, out)
		if err != nil {
			t.Fatalf("%T re-encoded does not decode: %v", e, err)
		}
		if _, ok := e.(*Seg6LocalEncap); !ok && !reflect.DeepEqual(again, e) {
			t.Fatalf("%T: %+v, re-decoded %+v", e, e, again)
		}
	})
}
