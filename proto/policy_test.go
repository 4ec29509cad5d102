package proto_test

import (
	"errors"
	"math"
	"testing"

	"github.com/nlkit/nlkit/proto"
)

func encodePolicy(p proto.AttrPolicy) []byte {
	ae := proto.NewAttrEncoder(nil)
	ae.Uint32(proto.PolicyTypeAttrType, uint32(p.Type))
	ae.Uint64(proto.PolicyTypeAttrMinValueS, uint64(p.MinValueS))
	ae.Uint64(proto.PolicyTypeAttrMaxValueS, uint64(p.MaxValueS))
	ae.Uint64(proto.PolicyTypeAttrMinValueU, p.MinValueU)
	ae.Uint64(proto.PolicyTypeAttrMaxValueU, p.MaxValueU)
	ae.Uint32(proto.PolicyTypeAttrMinLength, p.MinLength)
	ae.Uint32(proto.PolicyTypeAttrMaxLength, p.MaxLength)
	ae.Uint32(proto.PolicyTypeAttrPolicyIdx, p.PolicyIdx)
	ae.Uint32(proto.PolicyTypeAttrPolicyMaxType, p.PolicyMaxType)
	ae.Uint32(proto.PolicyTypeAttrBitfield32, p.Bitfield32Mask)
	ae.Uint64(proto.PolicyTypeAttrMask, p.Mask)
	ae.Flag(proto.PolicyTypeAttrPad)
	return ae.Bytes()
}

// Issue 15: NLMSGERR_ATTR_POLICY stayed raw bytes; it decodes into an AttrPolicy.
func TestExtAckAttrPolicy(t *testing.T) {
	want := proto.AttrPolicy{Type: 4, MinValueS: math.MinInt64, MaxValueS: -1, MinValueU: 1, MaxValueU: 4094,
		MinLength: 2, MaxLength: 15, PolicyIdx: 3, PolicyMaxType: 9, Bitfield32Mask: 0xf0, Mask: 0x3}
	b := encodePolicy(want)
	for _, typ := range []uint16{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12} {
		want.Present |= 1 << typ
	}
	// Through a whole NLMSG_ERROR, as the kernel sends it.
	req := proto.Message{Header: proto.Header{Type: 16, Sequence: 7}}
	raw := proto.AppendAck(nil, req, 22, true, &proto.ExtAck{Msg: "out of range", Policy: b}, 1)
	msgs, err := proto.ParseMessages(raw)
	if err != nil {
		t.Fatal(err)
	}
	ack, err := proto.ParseAck(msgs[0])
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := ack.ExtAck.AttrPolicy()
	if err != nil || !ok || got != want {
		t.Fatalf("AttrPolicy = %+v, %v, %v\nwant %+v", got, ok, err, want)
	}
	if !got.Has(proto.PolicyTypeAttrMask) || got.Has(proto.PolicyTypeAttrPad) {
		t.Errorf("Has: mask %v, pad %v", got.Has(proto.PolicyTypeAttrMask), got.Has(proto.PolicyTypeAttrPad))
	}
	if _, ok, err := (&proto.ExtAck{}).AttrPolicy(); ok || err != nil {
		t.Errorf("no policy: ok %v, err %v", ok, err)
	}
	// A wrong-sized value is an *AttrError; what came before it is kept.
	ae := proto.NewAttrEncoder(nil)
	ae.Uint32(proto.PolicyTypeAttrType, 5)
	ae.Uint16(proto.PolicyTypeAttrMinLength, 1)
	p, err := proto.ParseAttrPolicy(ae.Bytes())
	var aerr *proto.AttrError
	if !errors.As(err, &aerr) || p.Type != 5 || p.Has(proto.PolicyTypeAttrMinLength) {
		t.Errorf("malformed: %+v, %v", p, err)
	}
}

func FuzzParseAttrPolicy(f *testing.F) {
	f.Add(encodePolicy(proto.AttrPolicy{Type: 3, MinLength: 1, MaxLength: 16}))
	f.Add([]byte{8, 0, 1, 0, 4, 0, 0, 0})
	f.Add([]byte{6, 0, 6, 0, 1, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := proto.ParseAttrPolicy(b)
		if err != nil {
			return
		}
		// What decoded cleanly encodes back to the same values.
		q, err := proto.ParseAttrPolicy(encodePolicy(p))
		q.Present = p.Present
		if err != nil || q != p {
			t.Fatalf("round trip: %+v, %v; want %+v", q, err, p)
		}
	})
}

func TestAttrKindNames(t *testing.T) {
	for k, want := range map[proto.AttrKind]string{proto.AttrKindInvalid: "INVALID", proto.AttrKindU16: "U16",
		proto.AttrKindNulString: "NUL_STRING", proto.AttrKindBitfield32: "BITFIELD32", proto.AttrKindUint: "UINT",
		99: "AttrKind(99)"} {
		if got := k.String(); got != want {
			t.Errorf("AttrKind(%d) = %q, want %q", uint32(k), got, want)
		}
	}
}
