package proto_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/proto"
)

func TestAttrBadSize(t *testing.T) {
	type accessor struct {
		name string
		want int
		call func(ad *proto.AttrDecoder) any
	}
	accessors := []accessor{
		{"Uint8", 1, func(ad *proto.AttrDecoder) any { return ad.Uint8() }},
		{"Uint16", 2, func(ad *proto.AttrDecoder) any { return ad.Uint16() }},
		{"Uint32", 4, func(ad *proto.AttrDecoder) any { return ad.Uint32() }},
		{"Uint64", 8, func(ad *proto.AttrDecoder) any { return ad.Uint64() }},
		{"Uint", 8, func(ad *proto.AttrDecoder) any { return ad.Uint() }},
		{"Int32", 4, func(ad *proto.AttrDecoder) any { return ad.Int32() }},
		{"Int64", 8, func(ad *proto.AttrDecoder) any { return ad.Int64() }},
		{"BE16", 2, func(ad *proto.AttrDecoder) any { return ad.BE16() }},
		{"BE32", 4, func(ad *proto.AttrDecoder) any { return ad.BE32() }},
	}
	for _, a := range accessors {
		for _, size := range []int{0, 1, 2, 3, 5, 7, 9, 16} {
			if size == a.want || a.name == "Uint" && size == 4 {
				continue
			}
			payload := bytes.Repeat([]byte{0xff}, size)
			b := cat(attr(7, []byte{0}), attr(5, payload), attr(6, u32(1)))
			ad := proto.NewAttrDecoder(b)
			ad.Next()
			ad.Next()
			v := a.call(&ad)
			if v != zeroOf(v) {
				t.Errorf("%s on %d bytes = %v, want zero", a.name, size, v)
			}
			var e *proto.AttrError
			if !errors.As(ad.Err(), &e) {
				t.Fatalf("%s on %d bytes: Err() = %v", a.name, size, ad.Err())
			}
			want := proto.AttrError{Kind: proto.AttrBadSize, Type: 5, Offset: 8, Length: size, Want: a.want}
			if *e != want {
				t.Errorf("%s on %d bytes: %+v, want %+v", a.name, size, *e, want)
			}
			if !errors.Is(ad.Err(), &proto.AttrError{Kind: proto.AttrBadSize}) ||
				errors.Is(ad.Err(), &proto.AttrError{Kind: proto.AttrOverrun}) {
				t.Errorf("%s: errors.Is by kind wrong", a.name)
			}
			if !strings.Contains(e.Error(), "want") {
				t.Errorf("error text %q", e.Error())
			}
			// The first error sticks, and the walk stops.
			a.call(&ad)
			if ad.Next() || ad.Err() != error(e) {
				t.Errorf("%s: walk continued after a bad size", a.name)
			}
		}
	}
}

func zeroOf(v any) any {
	switch v.(type) {
	case uint8:
		return uint8(0)
	case uint16:
		return uint16(0)
	case uint32:
		return uint32(0)
	case uint64:
		return uint64(0)
	case int32:
		return int32(0)
	case int64:
		return int64(0)
	}
	return nil
}

func TestAttrMalformed(t *testing.T) {
	good := attr(1, u32(5)) // 8 bytes
	for _, c := range []struct {
		name   string
		b      []byte
		good   int
		kind   proto.AttrErrorKind
		typ    uint16
		offset int
		length int
	}{
		{"truncated header", []byte{8, 0, 1}, 0, proto.AttrShortHeader, 0, 0, 3},
		{"truncated header after one", cat(good, []byte{1, 0}), 1, proto.AttrShortHeader, 0, 8, 2},
		{"zero tail of 4 bytes", cat(good, []byte{0, 0, 0, 0}), 1, proto.AttrShortLength, 0, 8, 0},
		{"nla_len 0", rawAttr(0, 3, nil), 0, proto.AttrShortLength, 3, 0, 0},
		{"nla_len 3", rawAttr(3, 3|proto.AttrNested, nil), 0, proto.AttrShortLength, 3, 0, 3},
		{"overrun by one", rawAttr(9, 2, u32(1)), 0, proto.AttrOverrun, 2, 0, 9},
		{"overrun after one", cat(good, rawAttr(64, 2, u32(1))), 1, proto.AttrOverrun, 2, 8, 64},
		{"overrun 0xffff", rawAttr(0xffff, 2|proto.AttrNetByteOrder, nil), 0, proto.AttrOverrun, 2, 0, 0xffff},
	} {
		t.Run(c.name, func(t *testing.T) {
			ad := proto.NewAttrDecoder(c.b)
			n := 0
			for ad.Next() {
				n++
			}
			var e *proto.AttrError
			if n != c.good || !errors.As(ad.Err(), &e) {
				t.Fatalf("%d good, Err %v", n, ad.Err())
			}
			want := proto.AttrError{Kind: c.kind, Type: c.typ, Offset: c.offset, Length: c.length}
			if *e != want {
				t.Errorf("Err() = %+v, want %+v", *e, want)
			}
			if !errors.Is(ad.Err(), &proto.AttrError{Kind: c.kind}) || errors.Is(ad.Err(), &proto.AttrError{Kind: c.kind, Type: 1}) {
				t.Error("errors.Is by kind wrong")
			}
			if _, err := proto.ParseAttrs(c.b); attrKind(err) != c.kind {
				t.Errorf("ParseAttrs err %v", err)
			}
			if err := proto.ParseIndex(make([][]byte, 8), c.b); attrKind(err) != c.kind {
				t.Errorf("ParseIndex err %v", err)
			}
		})
	}
	// Zero padding shorter than a header is accepted, as the kernel leaves it.
	for _, tail := range [][]byte{{0}, {0, 0}, {0, 0, 0}} {
		ad := proto.NewAttrDecoder(cat(good, tail))
		n := 0
		for ad.Next() {
			n++
		}
		if n != 1 || ad.Err() != nil {
			t.Errorf("good + %d zero bytes: %d attributes, %v", len(tail), n, ad.Err())
		}
	}
	// The last attribute without its padding, and Reset onto a new buffer.
	ad := proto.NewAttrDecoder(attr(1, []byte{7})[:5])
	if !ad.Next() || ad.Uint8() != 7 || ad.Next() || ad.Err() != nil {
		t.Errorf("unpadded last attribute: %v", ad.Err())
	}
	ad.Reset(rawAttr(0, 1, nil))
	if ad.Next() || attrKind(ad.Err()) != proto.AttrShortLength {
		t.Errorf("after Reset: %v", ad.Err())
	}
	ad.Reset(good)
	if !ad.Next() || ad.Uint32() != 5 || ad.Err() != nil {
		t.Errorf("Reset did not clear the error: %v", ad.Err())
	}
	for k := proto.AttrShortHeader; k <= proto.AttrBadSize; k++ {
		if k.String() == "" || strings.HasPrefix(k.String(), "AttrErrorKind") {
			t.Errorf("AttrErrorKind(%d).String() = %q", k, k.String())
		}
	}
	check(t, "unknown kind", proto.AttrErrorKind(42).String(), "AttrErrorKind(42)")
}

func TestAttrNestedLies(t *testing.T) {
	inner := attr(4, u32(1500)) // 8 bytes
	// The outer attribute claims only 4 bytes of payload; the inner header claims 8.
	lying := cat(rawAttr(4+4, 1|proto.AttrNested, inner[:4]), inner[4:])
	ad := proto.NewAttrDecoder(lying)
	if !ad.Next() || ad.Len() != 4 {
		t.Fatalf("outer: Next %v Len %d Err %v", ad.Err() == nil, ad.Len(), ad.Err())
	}
	n := ad.Nested()
	if n.Next() || attrKind(n.Err()) != proto.AttrOverrun {
		t.Errorf("inner: Err %v, want AttrOverrun", n.Err())
	}
	// The outer walk then meets the rest of the inner attribute (the u32 1500) as a header: malformed.
	if ad.Next() || attrKind(ad.Err()) == 0 {
		t.Errorf("outer continued: %v", ad.Err())
	}

	// The outer attribute claims more than the buffer has.
	over := rawAttr(uint16(4+len(inner)+4), 1|proto.AttrNested, inner)
	ad = proto.NewAttrDecoder(over)
	if ad.Next() || attrKind(ad.Err()) != proto.AttrOverrun {
		t.Errorf("outer overrun: %v", ad.Err())
	}

	// An inner attribute whose nla_len is below the header size.
	ad = proto.NewAttrDecoder(attr(1|proto.AttrNested, rawAttr(2, 4, nil)))
	if !ad.Next() {
		t.Fatal(ad.Err())
	}
	n = ad.Nested()
	if n.Next() || attrKind(n.Err()) != proto.AttrShortLength {
		t.Errorf("inner short nla_len: %v", n.Err())
	}
	// The nested decoder's error is its own: the outer one is still clean.
	if ad.Err() != nil {
		t.Errorf("outer Err = %v", ad.Err())
	}
}
