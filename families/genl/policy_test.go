package genl_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/proto"
)

// policyMessages builds CTRL_CMD_GETPOLICY replies as the kernel's ctrl_dumppolicy does: one message per
// operation (CTRL_ATTR_OP_POLICY), then one per attribute of each policy (CTRL_ATTR_POLICY).
func policyMessages() []genl.Message {
	newMsg := func(ae *proto.AttrEncoder) genl.Message {
		return genl.Message{Header: genl.Header{Command: genl.CtrlCmdGetPolicy, Version: 1}, Data: ae.Bytes()}
	}
	var out []genl.Message
	op := func(cmd uint16, do, dump int) {
		ae := proto.NewAttrEncoder(nil)
		ae.Uint16(genl.CtrlAttrFamilyID, 0x20)
		n := ae.Nest(genl.CtrlAttrOpPolicy)
		o := ae.Nest(cmd)
		if do >= 0 {
			ae.Uint32(genl.CtrlAttrPolicyDo, uint32(do))
		}
		if dump >= 0 {
			ae.Uint32(genl.CtrlAttrPolicyDump, uint32(dump))
		}
		ae.End(o)
		ae.End(n)
		out = append(out, newMsg(ae))
	}
	attr := func(idx, typ uint16, fill func(ae *proto.AttrEncoder)) {
		ae := proto.NewAttrEncoder(nil)
		ae.Uint16(genl.CtrlAttrFamilyID, 0x20)
		n := ae.Nest(genl.CtrlAttrPolicy)
		p := ae.Nest(idx)
		a := ae.Nest(typ)
		fill(ae)
		ae.End(a)
		ae.End(p)
		ae.End(n)
		out = append(out, newMsg(ae))
	}
	op(1, 0, -1)
	op(2, 0, 1)
	attr(0, 1, func(ae *proto.AttrEncoder) {
		ae.Uint32(proto.PolicyTypeAttrType, uint32(proto.AttrKindU32))
		ae.Uint64(proto.PolicyTypeAttrMinValueU, 1)
		ae.Uint64(proto.PolicyTypeAttrMaxValueU, 4294967295)
	})
	attr(0, 2, func(ae *proto.AttrEncoder) {
		ae.Uint32(proto.PolicyTypeAttrType, uint32(proto.AttrKindNulString))
		ae.Uint32(proto.PolicyTypeAttrMaxLength, 15)
	})
	attr(0, 3, func(ae *proto.AttrEncoder) {
		ae.Uint32(proto.PolicyTypeAttrType, uint32(proto.AttrKindNested))
		ae.Uint32(proto.PolicyTypeAttrPolicyIdx, 1)
		ae.Uint32(proto.PolicyTypeAttrPolicyMaxType, 2)
	})
	attr(1, 1, func(ae *proto.AttrEncoder) {
		ae.Uint32(proto.PolicyTypeAttrType, uint32(proto.AttrKindS16))
		ae.Uint64(proto.PolicyTypeAttrMinValueS, uint64(0xffffffffffffff00)) // -256
		ae.Uint64(proto.PolicyTypeAttrMaxValueS, 255)
	})
	attr(1, 2, func(ae *proto.AttrEncoder) {
		ae.Uint32(proto.PolicyTypeAttrType, uint32(proto.AttrKindBinary))
		ae.Uint32(proto.PolicyTypeAttrMinLength, 4)
		ae.Uint32(proto.PolicyTypeAttrMaxLength, 64)
		ae.Uint32(proto.PolicyTypeAttrBitfield32, 0xff)
		ae.Uint64(proto.PolicyTypeAttrMask, 0xf0)
		ae.Uint32(99, 1) // unknown: skipped
	})
	return out
}

func TestPolicyDecode(t *testing.T) {
	var p genl.Policy
	for _, m := range policyMessages() {
		if err := p.Decode(m); err != nil {
			t.Fatal(err)
		}
	}
	if p.FamilyID != 0x20 || len(p.Ops) != 2 || len(p.Attrs) != 5 {
		t.Fatalf("policy = %+v", p)
	}
	if o := p.Ops[1]; o.Command != 2 || !o.HasDo || o.Do != 0 || !o.HasDump || o.Dump != 1 {
		t.Errorf("op 2 = %+v", o)
	}
	if o := p.Ops[0]; o.HasDump {
		t.Errorf("op 1 = %+v", o)
	}
	attrs, ok := p.OpAttrs(2, true)
	if !ok || len(attrs) != 2 || attrs[0].Type != proto.AttrKindS16 || attrs[0].MinValueS != -256 {
		t.Errorf("OpAttrs(2, dump) = %+v, %v", attrs, ok)
	}
	if _, ok := p.OpAttrs(1, true); ok {
		t.Error("op 1 has no dump policy")
	}
	if _, ok := p.OpAttrs(7, false); ok {
		t.Error("op 7 does not exist")
	}
	bin := p.Attrs[4]
	if !bin.Has(proto.PolicyTypeAttrMinLength) || bin.Has(proto.PolicyTypeAttrMinValueU) || bin.Has(99) ||
		bin.Bitfield32Mask != 0xff || bin.Mask != 0xf0 || bin.MaxLength != 64 {
		t.Errorf("binary attr = %+v", bin)
	}

	var b bytes.Buffer
	if err := genl.FormatPolicy(&b, &p); err != nil {
		t.Fatal(err)
	}
	want := "\tID: 0x20  op 1 policies: do=0\n" +
		"\tID: 0x20  op 2 policies: do=0 dump=1\n" +
		"\tID: 0x20  policy[0]:attr[1]: type=U32 range:[1,4294967295]\n" +
		"\tID: 0x20  policy[0]:attr[2]: type=NUL_STRING max len:15\n" +
		"\tID: 0x20  policy[0]:attr[3]: type=NESTED policy:1 maxattr:2\n" +
		"\tID: 0x20  policy[1]:attr[1]: type=S16 range:[-256,255]\n" +
		"\tID: 0x20  policy[1]:attr[2]: type=BINARY min len:4 max len:64\n"
	if b.String() != want {
		t.Errorf("FormatPolicy:\n%s\nwant\n%s", b.String(), want)
	}
}

func TestPolicyDecodeMalformed(t *testing.T) {
	msgs := policyMessages()
	last := msgs[len(msgs)-1]
	var p genl.Policy
	// Cut the nested attributes short: the outer nla_len then runs past the end.
	cut := genl.Message{Header: last.Header, Data: last.Data[:len(last.Data)-6]}
	if err := p.Decode(cut); !errors.Is(err, &proto.AttrError{Kind: proto.AttrOverrun}) {
		t.Errorf("cut: %v", err)
	}
	if err := p.Decode(genl.Message{Data: []byte{10}}); !errors.Is(err, &proto.AttrError{Kind: proto.AttrShortHeader}) {
		t.Errorf("short: %v", err)
	}
}
