//go:build linux

package tc

import (
	"bytes"
	"reflect"
	"testing"
)

type binCodec interface {
	UnmarshalBinary([]byte) error
	MarshalBinary() ([]byte, error)
}

// fuzzObject checks that a message decoder never panics and that what it decodes encodes stably.
func fuzzObject(f *testing.F, newV func() binCodec, seeds ...binCodec) {
	for _, s := range seeds {
		if b, err := s.MarshalBinary(); err == nil {
			f.Add(b)
		}
	}
	f.Add(make([]byte, 20))
	f.Fuzz(func(t *testing.T, b []byte) {
		v1 := newV()
		if err := v1.UnmarshalBinary(b); err != nil {
			return
		}
		e1, err := v1.MarshalBinary()
		if err != nil {
			return // options of one kind attached to an object naming another cannot be sent
		}
		v2 := newV()
		if err := v2.UnmarshalBinary(e1); err != nil {
			t.Fatalf("re-encoded message does not decode: %v\n% x", err, e1)
		}
		e2, _ := v2.MarshalBinary()
		v3 := newV()
		if !bytes.Equal(e1, e2) || v3.UnmarshalBinary(e2) != nil || !reflect.DeepEqual(v2, v3) {
			t.Fatalf("not stable:\n% x\n% x", e1, e2)
		}
	})
}

func FuzzQdisc(f *testing.F) {
	var seeds []binCodec
	for _, q := range sampleQdiscs() {
		seeds = append(seeds, &q)
	}
	fuzzObject(f, func() binCodec { return &Qdisc{} }, seeds...)
}

func FuzzClass(f *testing.F) {
	hc, _ := NewHTBClass(HTBClassParams{Rate: 125000}, DefaultPsched(), 0)
	fuzzObject(f, func() binCodec { return &Class{} },
		&Class{Object: Object{Ifindex: 2, Handle: 0x10010, Kind: "htb", Options: hc, XStats: make([]byte, 20)}})
}

func FuzzFilter(f *testing.F) {
	fuzzObject(f, func() binCodec { return &Filter{} },
		&Filter{Object: Object{Ifindex: 2, Kind: "u32", Options: seedOptions("U32")[0]}, Priority: 1, Protocol: 8},
		&Filter{Object: Object{Ifindex: 2, Kind: "flower", Options: seedOptions("Flower")[0], HasChain: true}})
}

func FuzzActionMessage(f *testing.F) {
	req, _ := actionRequest(seedOptionsActions(), 0)
	f.Add(req)
	f.Fuzz(func(t *testing.T, b []byte) {
		acts, err := decodeActionMsg(b)
		if err != nil {
			return
		}
		e1, err := actionRequest(acts, 0)
		if err != nil {
			t.Fatalf("decoded actions do not encode: %v", err)
		}
		acts2, err := decodeActionMsg(e1)
		if err != nil {
			t.Fatal(err)
		}
		e2, _ := actionRequest(acts2, 0)
		if !bytes.Equal(e1, e2) {
			t.Fatalf("not stable:\n% x\n% x", e1, e2)
		}
	})
}

func seedOptionsActions() []Action {
	return seedOptions("Matchall")[0].(*Matchall).Actions
}
