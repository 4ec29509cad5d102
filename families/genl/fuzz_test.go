package genl_test

import (
	"io"
	"reflect"
	"testing"

	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/genltest"
	"github.com/nlkit/nlkit/proto"
)

func FuzzParseMessage(f *testing.F) {
	f.Add([]byte{3, 2, 0, 0})
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := genl.ParseMessage(proto.Message{Data: b})
		if err != nil {
			return
		}
		back := m.NetlinkMessage(0x10, 0)
		if string(back.Data) != string(b) {
			t.Fatalf("round trip % x != % x", back.Data, b)
		}
	})
}

func FuzzParseFamily(f *testing.F) {
	f.Add(genl.AppendFamily(nil, testFamily))
	f.Add(genl.AppendFamily(nil, genltest.Ctrl))
	f.Add([]byte{8, 0, 6, 0, 4, 0, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		fam, err := genl.ParseFamily(genl.Message{Data: b})
		if err != nil || len(b) > 4096 {
			// Re-encoding thousands of empty op nests could exceed what nla_len holds.
			return
		}
		// What decodes re-encodes to the same description.
		again, err := genl.ParseFamily(genl.Message{Data: genl.AppendFamily(nil, fam)})
		if err != nil {
			t.Fatalf("re-encoded family does not decode: %v", err)
		}
		if !reflect.DeepEqual(norm(fam), norm(again)) {
			t.Fatalf("round trip:\n%+v\n%+v", fam, again)
		}
		_ = genl.FormatFamilies(io.Discard, []genl.Family{fam})
	})
}

// norm makes empty and nil slices equal.
func norm(f genl.Family) genl.Family {
	if len(f.Ops) == 0 {
		f.Ops = nil
	}
	if len(f.Groups) == 0 {
		f.Groups = nil
	}
	return f
}

func FuzzPolicyDecode(f *testing.F) {
	for _, m := range policyMessages() {
		f.Add(m.Data)
	}
	f.Add([]byte{8, 0, 8, 0, 4, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var p genl.Policy
		_ = p.Decode(genl.Message{Data: b})
		for _, o := range p.Ops {
			p.OpAttrs(o.Command, true)
		}
		_ = genl.FormatPolicy(io.Discard, &p)
	})
}
