package tc

import (
	"testing"

	"github.com/nlkit/nlkit/families/tc/internal/kconst"
	"github.com/nlkit/nlkit/proto"
)

// TestOptionsNestedFlag: TCA_OPTIONS carries NLA_F_NESTED when the kind's options are attributes (ets's strict
// parser refuses them otherwise), and not when they start with a C struct, as tc sends them.
func TestOptionsNestedFlag(t *testing.T) {
	for _, c := range []struct {
		o      Options
		nested bool
	}{
		{&ETS{NBands: Ptr[uint8](3)}, true},
		{&FQCodel{Limit: Ptr[uint32](100)}, true},
		{NewHTB(1), true},
		{&FIFO{KindName: "pfifo", Limit: 10, HasLimit: true}, false},
		{&Prio{PrioMap: DefaultPrioMap()}, false},
		{&Raw{KindName: "foo", Data: []byte{1, 2, 3, 4}}, false},
	} {
		b, err := (&Object{Ifindex: 1, Options: c.o}).encode(nil, false)
		if err != nil {
			t.Fatal(err)
		}
		ad := proto.NewAttrDecoder(b[sizeofTcmsg:])
		found := false
		for ad.Next() {
			if ad.Type() == kconst.TCA_OPTIONS {
				found = true
				if ad.IsNested() != c.nested {
					t.Errorf("%s: TCA_OPTIONS nested %v, want %v", c.o.Kind(), ad.IsNested(), c.nested)
				}
			}
		}
		if !found {
			t.Errorf("%s: no TCA_OPTIONS", c.o.Kind())
		}
	}
}
