package proto_test

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/proto"
)

func TestAttrEncodeDecodeRoundTrip(t *testing.T) {
	ae := proto.NewAttrEncoder(nil)
	ae.Uint8(1, 0xab)
	ae.Uint16(2, 0xbeef)
	ae.Uint32(3, 0xdeadbeef)
	ae.Uint64(4, 0x0102030405060708)
	ae.Int32(5, -42)
	ae.String(6, "veth0")
	ae.Flag(7)
	ae.Raw(8, []byte{1, 2, 3})
	ae.BE16(9|proto.AttrNetByteOrder, 8080)
	ae.BE32(10, 0xc0a80001)
	ae.Uint64(11, uint64(math.MaxUint64-1))
	ae.Uint32(12, 77)
	ae.String(13, "")

	want := cat(
		attr(1, []byte{0xab}), attr(2, u16(0xbeef)), attr(3, u32(0xdeadbeef)), attr(4, u64(0x0102030405060708)),
		attr(5, u32(uint32(0xffffffd6))), attr(6, []byte("veth0\x00")), attr(7, nil), attr(8, []byte{1, 2, 3}),
		attr(9|proto.AttrNetByteOrder, []byte{0x1f, 0x90}), attr(10, []byte{0xc0, 0xa8, 0, 1}),
		attr(11, u64(math.MaxUint64-1)), attr(12, u32(77)), attr(13, []byte{0}),
	)
	if got := ae.Bytes(); !bytes.Equal(got, want) {
		t.Fatalf("encoded\n% x\nwant\n% x", got, want)
	}
	if ae.Len() != len(want) {
		t.Errorf("Len() = %d, want %d", ae.Len(), len(want))
	}

	ad := proto.NewAttrDecoder(ae.Bytes())
	seen := 0
	for ad.Next() {
		seen++
		switch ad.Type() {
		case 1:
			check(t, "u8", ad.Uint8(), uint8(0xab))
		case 2:
			check(t, "u16", ad.Uint16(), uint16(0xbeef))
		case 3:
			check(t, "u32", ad.Uint32(), uint32(0xdeadbeef))
		case 4:
			check(t, "u64", ad.Uint64(), uint64(0x0102030405060708))
			check(t, "uint(u64)", ad.Uint(), uint64(0x0102030405060708))
			check(t, "s64", ad.Int64(), int64(0x0102030405060708))
		case 5:
			check(t, "s32", ad.Int32(), int32(-42))
		case 6:
			check(t, "string", ad.String(), "veth0")
			check(t, "len", ad.Len(), 6)
		case 7:
			check(t, "flag len", ad.Len(), 0)
		case 8:
			check(t, "raw", string(ad.Bytes()), "\x01\x02\x03")
		case 9:
			check(t, "net byte order flag", ad.NetByteOrder(), true)
			check(t, "raw type", ad.RawType(), 9|proto.AttrNetByteOrder)
			check(t, "be16", ad.BE16(), uint16(8080))
			check(t, "u16 with NLA_F_NET_BYTEORDER", ad.Uint16(), uint16(8080))
		case 10:
			check(t, "be32", ad.BE32(), uint32(0xc0a80001))
			check(t, "no net byte order flag", ad.NetByteOrder(), false)
		case 11:
			check(t, "u64 max-1", ad.Uint64(), uint64(math.MaxUint64-1))
		case 12:
			check(t, "uint(u32)", ad.Uint(), uint64(77))
		case 13:
			check(t, "empty string", ad.String(), "")
		default:
			t.Errorf("unexpected type %d", ad.Type())
		}
		if ad.IsNested() {
			t.Errorf("type %d: IsNested", ad.Type())
		}
	}
	if err := ad.Err(); err != nil || seen != 13 {
		t.Fatalf("decoded %d attributes, Err %v", seen, err)
	}

	attrs, err := proto.ParseAttrs(ae.Bytes())
	if err != nil || len(attrs) != 13 || attrs[8].Type != 9|proto.AttrNetByteOrder || string(attrs[5].Data) != "veth0\x00" {
		t.Errorf("ParseAttrs = %+v, %v", attrs, err)
	}

	// Reset keeps the buffer; a reused buffer is appended to.
	ae.Reset()
	if ae.Len() != 0 {
		t.Errorf("Len after Reset = %d", ae.Len())
	}
	ae2 := proto.NewAttrEncoder([]byte{0xee})
	ae2.Uint8(1, 1)
	if got := ae2.Bytes(); !bytes.Equal(got, cat([]byte{0xee}, attr(1, []byte{1}))) {
		t.Errorf("NewAttrEncoder(prefix) = % x", got)
	}
}

func check[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestAttrNested(t *testing.T) {
	var ae proto.AttrEncoder
	ae.String(3, "veth0")
	outer := ae.Nest(18) // IFLA_LINKINFO
	ae.String(1, "veth")
	data := ae.Nest(2) // IFLA_INFO_DATA
	peer := ae.NestRaw(1)
	ae.Uint32(4, 1500)
	ae.End(peer)
	ae.End(data)
	ae.End(outer)
	empty := ae.Nest(20)
	ae.End(empty)
	ae.Uint8(21, 1)

	want := cat(
		attr(3, []byte("veth0\x00")),
		attr(18|proto.AttrNested, cat(
			attr(1, []byte("veth\x00")),
			attr(2|proto.AttrNested, attr(1, attr(4, u32(1500)))),
		)),
		attr(20|proto.AttrNested, nil),
		attr(21, []byte{1}),
	)
	if !bytes.Equal(ae.Bytes(), want) {
		t.Fatalf("encoded\n% x\nwant\n% x", ae.Bytes(), want)
	}

	var mtu uint32
	var kind string
	var sawEmpty bool
	ad := proto.NewAttrDecoder(ae.Bytes())
	for ad.Next() {
		switch ad.Type() {
		case 18:
			if !ad.IsNested() || ad.RawType() != 18|proto.AttrNested {
				t.Errorf("IFLA_LINKINFO: IsNested %v, RawType %#x", ad.IsNested(), ad.RawType())
			}
			li := ad.Nested()
			for li.Next() {
				switch li.Type() {
				case 1:
					kind = li.String()
				case 2:
					d := li.Nested()
					for d.Next() {
						if d.IsNested() {
							t.Error("NestRaw set NLA_F_NESTED")
						}
						p := d.Nested()
						for p.Next() {
							mtu = p.Uint32()
						}
						if p.Err() != nil {
							t.Error(p.Err())
						}
					}
					if d.Err() != nil {
						t.Error(d.Err())
					}
				}
			}
			if li.Err() != nil {
				t.Error(li.Err())
			}
		case 20:
			n := ad.Nested()
			sawEmpty = ad.IsNested() && !n.Next() && n.Err() == nil
		}
	}
	if ad.Err() != nil || kind != "veth" || mtu != 1500 || !sawEmpty {
		t.Errorf("kind %q mtu %d empty nest %v err %v", kind, mtu, sawEmpty, ad.Err())
	}
}

func TestAttrNetByteOrder(t *testing.T) {
	be16, be32, be64 := []byte{0x12, 0x34}, []byte{0x12, 0x34, 0x56, 0x78}, []byte{1, 2, 3, 4, 5, 6, 7, 8}
	for _, flagged := range []bool{false, true} {
		typ := uint16(1)
		if flagged {
			typ |= proto.AttrNetByteOrder
		}
		b := cat(attr(typ, be16), attr(typ, be32), attr(typ, be64), attr(typ, be32))
		ad := proto.NewAttrDecoder(b)
		var got []uint64
		for i := 0; ad.Next(); i++ {
			check(t, "Type masks NLA_F_NET_BYTEORDER", ad.Type(), uint16(1))
			switch i {
			case 0:
				got = append(got, uint64(ad.Uint16()))
				check(t, "BE16 ignores the flag", ad.BE16(), uint16(0x1234))
			case 1:
				got = append(got, uint64(ad.Uint32()))
				check(t, "BE32 ignores the flag", ad.BE32(), uint32(0x12345678))
			case 2:
				got = append(got, ad.Uint64(), ad.Uint())
			case 3:
				got = append(got, ad.Uint(), uint64(uint32(ad.Int32())))
			}
		}
		var want []uint64
		if flagged {
			want = []uint64{0x1234, 0x12345678, 0x0102030405060708, 0x0102030405060708, 0x12345678, 0x12345678}
		} else {
			n32 := uint64(binary.NativeEndian.Uint32(be32))
			n64 := binary.NativeEndian.Uint64(be64)
			want = []uint64{uint64(binary.NativeEndian.Uint16(be16)), n32, n64, n64, n32, n32}
		}
		if ad.Err() != nil || !equalU64(got, want) {
			t.Errorf("flagged=%v: got %#x, want %#x, err %v", flagged, got, want, ad.Err())
		}
	}
}

func equalU64(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseIndex(t *testing.T) {
	b := cat(
		attr(1, []byte("first")),
		attr(2, u32(2)),
		attr(1, []byte("second")),              // parse_rtattr keeps the first
		attr(3|proto.AttrNested, attr(1, nil)), // flags masked from the index
		attr(5, nil),                           // a flag: present with no payload
		attr(9, u32(9)),                        // beyond the table: ignored
		attr(4|proto.AttrNetByteOrder, []byte{0, 1}),
	)
	tb := make([][]byte, 6)
	tb[0] = []byte("stale")
	if err := proto.ParseIndex(tb, b); err != nil {
		t.Fatal(err)
	}
	if tb[0] != nil {
		t.Error("tb not cleared first")
	}
	check(t, "tb[1]", string(tb[1]), "first")
	check(t, "tb[2]", binary.NativeEndian.Uint32(tb[2]), uint32(2))
	if !bytes.Equal(tb[3], attr(1, nil)) {
		t.Errorf("tb[3] = % x", tb[3])
	}
	if !bytes.Equal(tb[4], []byte{0, 1}) {
		t.Errorf("tb[4] = % x", tb[4])
	}
	if tb[5] == nil || len(tb[5]) != 0 {
		t.Errorf("tb[5] (flag) = %v, want present and empty", tb[5])
	}
	// Entries are capped: appending to one cannot overwrite the next attribute.
	before := append([]byte(nil), b...)
	_ = append(tb[1], 'X', 'X', 'X', 'X')
	_ = append(tb[5], 'X')
	if !bytes.Equal(b, before) {
		t.Error("append to a tb entry overwrote the buffer")
	}
	// An empty table and an empty buffer are fine.
	if err := proto.ParseIndex(nil, b); err != nil {
		t.Error(err)
	}
	if err := proto.ParseIndex(tb, nil); err != nil || tb[1] != nil {
		t.Errorf("ParseIndex(nil buffer): %v, tb[1] %v", err, tb[1])
	}
	// On a malformed list the attributes before the error are indexed.
	err := proto.ParseIndex(tb, cat(attr(2, u32(2)), rawAttr(0, 3, nil)))
	if attrKind(err) != proto.AttrShortLength || tb[2] == nil {
		t.Errorf("ParseIndex(malformed) = %v, tb[2] %v", err, tb[2])
	}
}

func TestCString(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "abc": "abc", "abc\x00": "abc", "abc\x00def\x00": "abc", "\x00abc": "", "a\x00\x00": "a",
	} {
		check(t, "CString("+in+")", proto.CString([]byte(in)), want)
	}
}

func TestAttrEncoderLimits(t *testing.T) {
	// The largest payloads that fit in nla_len.
	var ae proto.AttrEncoder
	ae.Raw(1, make([]byte, math.MaxUint16-4))
	ae.String(2, strings.Repeat("x", math.MaxUint16-5))
	ad := proto.NewAttrDecoder(ae.Bytes())
	for ad.Next() {
		if ad.Type() == 2 && len(ad.String()) != math.MaxUint16-5 {
			t.Errorf("long string decoded to %d bytes", len(ad.String()))
		}
	}
	if ad.Err() != nil {
		t.Fatal(ad.Err())
	}
	for name, f := range map[string]func(){
		"Raw":    func() { ae.Raw(1, make([]byte, math.MaxUint16-3)) },
		"String": func() { ae.String(1, strings.Repeat("x", math.MaxUint16-4)) },
		"End": func() {
			n := ae.Nest(1)
			ae.Raw(2, make([]byte, math.MaxUint16-4))
			ae.End(n)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s over nla_len did not panic", name)
				}
			}()
			f()
		}()
	}
}
