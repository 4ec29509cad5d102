package tc

import "testing"

// The options benchmarks encode and decode the tagged-field kinds: a flower filter with an action list (the
// widest type, 62 tagged fields, and nested gact/mirred options) and fq_codel (a few flat fields).

func benchOptions(b *testing.B, name string, newV func() Options) {
	src := seedOptions(name)[0]
	enc, err := src.MarshalOptions()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := newV().UnmarshalOptions(enc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := src.MarshalOptions(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkOptionsFlower(b *testing.B) {
	benchOptions(b, "Flower", func() Options { return &Flower{} })
}

func BenchmarkOptionsFQCodel(b *testing.B) {
	benchOptions(b, "FQCodel", func() Options { return &FQCodel{} })
}
