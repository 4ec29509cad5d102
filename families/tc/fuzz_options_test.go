package tc

import (
	"bytes"
	"reflect"
	"testing"
)

// Each options fuzz test decodes any input, and when it decodes, encodes it again: that must decode, encode to
// the same bytes and decode to the same value (a round trip is stable after one normalisation, such as a
// duplicate attribute kept once).

func fuzzOptions(f *testing.F, newV func() Options, seeds ...Options) {
	for _, s := range seeds {
		if b, err := s.MarshalOptions(); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Add(make([]byte, 80))
	f.Fuzz(func(t *testing.T, b []byte) {
		v1 := newV()
		if err := v1.UnmarshalOptions(b); err != nil {
			return
		}
		e1, err := v1.MarshalOptions()
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", v1, err)
		}
		v2 := newV()
		if err := v2.UnmarshalOptions(e1); err != nil {
			t.Fatalf("re-encoded options do not decode: %v\n% x", err, e1)
		}
		e2, err := v2.MarshalOptions()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(e1, e2) {
			t.Fatalf("encoding not stable:\n% x\n% x", e1, e2)
		}
		v3 := newV()
		if err := v3.UnmarshalOptions(e2); err != nil || !reflect.DeepEqual(v2, v3) {
			t.Fatalf("decoding not stable: %v\n%+v\n%+v", err, v2, v3)
		}
	})
}

func FuzzOptionsFIFO(f *testing.F) {
	fuzzOptions(f, func() Options { return &FIFO{KindName: "pfifo"} }, seedOptions("FIFO")...)
}

func FuzzOptionsPfifoFast(f *testing.F) {
	fuzzOptions(f, func() Options { return &PfifoFast{} }, seedOptions("PfifoFast")...)
}

func FuzzOptionsPrio(f *testing.F) {
	fuzzOptions(f, func() Options { return &Prio{} }, seedOptions("Prio")...)
}

func FuzzOptionsEmpty(f *testing.F) {
	fuzzOptions(f, func() Options { return &Empty{KindName: "mq"} }, seedOptions("Empty")...)
}

func FuzzOptionsHTB(f *testing.F) {
	fuzzOptions(f, func() Options { return &HTB{} }, seedOptions("HTB")...)
}

func FuzzOptionsHTBClass(f *testing.F) {
	fuzzOptions(f, func() Options { return &HTBClass{} }, seedOptions("HTBClass")...)
}

func FuzzOptionsTBF(f *testing.F) {
	fuzzOptions(f, func() Options { return &TBF{} }, seedOptions("TBF")...)
}

func FuzzOptionsFQCodel(f *testing.F) {
	fuzzOptions(f, func() Options { return &FQCodel{} }, seedOptions("FQCodel")...)
}

func FuzzOptionsCodel(f *testing.F) {
	fuzzOptions(f, func() Options { return &Codel{} }, seedOptions("Codel")...)
}

func FuzzOptionsFQ(f *testing.F) {
	fuzzOptions(f, func() Options { return &FQ{} }, seedOptions("FQ")...)
}

func FuzzOptionsCake(f *testing.F) {
	fuzzOptions(f, func() Options { return &Cake{} }, seedOptions("Cake")...)
}

func FuzzOptionsRED(f *testing.F) {
	fuzzOptions(f, func() Options { return &RED{} }, seedOptions("RED")...)
}

func FuzzOptionsSFQ(f *testing.F) {
	fuzzOptions(f, func() Options { return &SFQ{} }, seedOptions("SFQ")...)
}

func FuzzOptionsNetem(f *testing.F) {
	fuzzOptions(f, func() Options { return &Netem{} }, seedOptions("Netem")...)
}

func FuzzOptionsHFSC(f *testing.F) {
	fuzzOptions(f, func() Options { return &HFSC{} }, seedOptions("HFSC")...)
}

func FuzzOptionsHFSCClass(f *testing.F) {
	fuzzOptions(f, func() Options { return &HFSCClass{} }, seedOptions("HFSCClass")...)
}

func FuzzOptionsDRRClass(f *testing.F) {
	fuzzOptions(f, func() Options { return &DRRClass{} }, seedOptions("DRRClass")...)
}

func FuzzOptionsETS(f *testing.F) {
	fuzzOptions(f, func() Options { return &ETS{} }, seedOptions("ETS")...)
}

func FuzzOptionsETSClass(f *testing.F) {
	fuzzOptions(f, func() Options { return &ETSClass{} }, seedOptions("ETSClass")...)
}

func FuzzOptionsRaw(f *testing.F) {
	fuzzOptions(f, func() Options { return &Raw{KindName: "x"} }, seedOptions("Raw")...)
}

func FuzzOptionsMatchall(f *testing.F) {
	fuzzOptions(f, func() Options { return &Matchall{} }, seedOptions("Matchall")...)
}

func FuzzOptionsBPF(f *testing.F) {
	fuzzOptions(f, func() Options { return &BPF{} }, seedOptions("BPF")...)
}

func FuzzOptionsBasic(f *testing.F) {
	fuzzOptions(f, func() Options { return &Basic{} }, seedOptions("Basic")...)
}

func FuzzOptionsFW(f *testing.F) {
	fuzzOptions(f, func() Options { return &FW{} }, seedOptions("FW")...)
}

func FuzzOptionsRoute(f *testing.F) {
	fuzzOptions(f, func() Options { return &Route{} }, seedOptions("Route")...)
}

func FuzzOptionsU32(f *testing.F) {
	fuzzOptions(f, func() Options { return &U32{} }, seedOptions("U32")...)
}

func FuzzOptionsFlower(f *testing.F) {
	fuzzOptions(f, func() Options { return &Flower{} }, seedOptions("Flower")...)
}

func FuzzOptionsGact(f *testing.F) {
	fuzzOptions(f, func() Options { return &Gact{} }, seedOptions("Gact")...)
}

func FuzzOptionsMirred(f *testing.F) {
	fuzzOptions(f, func() Options { return &Mirred{} }, seedOptions("Mirred")...)
}

func FuzzOptionsPolice(f *testing.F) {
	fuzzOptions(f, func() Options { return &Police{} }, seedOptions("Police")...)
}

func FuzzOptionsSkbEdit(f *testing.F) {
	fuzzOptions(f, func() Options { return &SkbEdit{} }, seedOptions("SkbEdit")...)
}

func FuzzOptionsVLAN(f *testing.F) {
	fuzzOptions(f, func() Options { return &VLAN{} }, seedOptions("VLAN")...)
}

func FuzzOptionsTunnelKey(f *testing.F) {
	fuzzOptions(f, func() Options { return &TunnelKey{} }, seedOptions("TunnelKey")...)
}

func FuzzOptionsCsum(f *testing.F) {
	fuzzOptions(f, func() Options { return &Csum{} }, seedOptions("Csum")...)
}

func FuzzOptionsConnmark(f *testing.F) {
	fuzzOptions(f, func() Options { return &Connmark{} }, seedOptions("Connmark")...)
}

func FuzzOptionsCT(f *testing.F) {
	fuzzOptions(f, func() Options { return &CT{} }, seedOptions("CT")...)
}

func FuzzOptionsNAT(f *testing.F) {
	fuzzOptions(f, func() Options { return &NAT{} }, seedOptions("NAT")...)
}

func FuzzOptionsSample(f *testing.F) {
	fuzzOptions(f, func() Options { return &Sample{} }, seedOptions("Sample")...)
}

func FuzzOptionsPedit(f *testing.F) {
	fuzzOptions(f, func() Options { return &Pedit{} }, seedOptions("Pedit")...)
}
