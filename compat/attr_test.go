package compat

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/nlkit/nlkit/proto"
)

func TestAddattrMaxlen(t *testing.T) {
	n := NewRequest(tRtmNewlink, tNlmFRequest, Ifinfomsg{}, 16)
	if n.Len != 32 || n.Size() != 48 {
		t.Fatalf("len %d size %d, want 32 48", n.Len, n.Size())
	}
	if err := Addattr32(n, n.Size(), tIflaMtu, 1500); err != nil {
		t.Fatal(err)
	}
	if err := Addattr32(n, n.Size(), tIflaMtu, 1500); err != nil {
		t.Fatal(err)
	}
	// The buffer is full: 48 bytes.
	err := Addattr8(n, n.Size(), 1, 1)
	var me *MaxlenError
	if !errors.As(err, &me) || me.Maxlen != 48 || me.Need != 56 {
		t.Fatalf("err = %v, want a MaxlenError for 56 > 48", err)
	}
	if got, want := err.Error(), "addattr_l ERROR: message exceeded bound of 48"; got != want {
		t.Errorf("text %q, want %q", got, want)
	}
	if n.Len != 48 {
		t.Errorf("a refused attribute changed nlmsg_len to %d", n.Len)
	}
	// A maxlen smaller than the buffer is the bound, as in C.
	m := NewRequest(tRtmNewlink, 0, Ifinfomsg{}, 1024)
	if err := AddattrL(m, 40, tIflaIfname, []byte("veth0\x00")); err == nil {
		t.Error("AddattrL past maxlen 40 succeeded")
	}
	if err := AddrawL(m, 40, make([]byte, 9)); err == nil || err.Error() != "addraw_l ERROR: message exceeded bound of 40" {
		t.Errorf("AddrawL past maxlen: %v", err)
	}
}

func TestAddattrLayout(t *testing.T) {
	n := NewRequest(tRtmNewlink, tNlmFRequest, Ifinfomsg{Index: 7}, 256)
	Addattrstrz(n, n.Size(), tIflaIfname, "v0")    // 4+3, padded to 8
	Addattr8(n, n.Size(), 33, 1)                   // 4+1 -> 8
	Addattr16(n, n.Size(), 34, 0x1234)             // 4+2 -> 8
	Addattr64(n, n.Size(), 35, 0x0102030405060708) // 12
	Addattr(n, n.Size(), 36)                       // 4
	want := []byte{
		7, 0, 3, 0, 'v', '0', 0, 0,
		5, 0, 33, 0, 1, 0, 0, 0,
		6, 0, 34, 0, 0x34, 0x12, 0, 0,
		12, 0, 35, 0, 8, 7, 6, 5, 4, 3, 2, 1,
		4, 0, 36, 0,
	}
	if got := IFLA_RTA(n); !bytes.Equal(got, want) {
		t.Errorf("attributes\n got % x\nwant % x", got, want)
	}
	if n.Len != uint32(32+len(want)) {
		t.Errorf("nlmsg_len %d, want %d", n.Len, 32+len(want))
	}
	if ifi := NlmsgData[Ifinfomsg](n); ifi.Index != 7 {
		t.Errorf("ifi_index %d", ifi.Index)
	}
}

func TestNestAndCompatNest(t *testing.T) {
	n := NewRequest(tRtmNewlink, 0, Ifinfomsg{}, 256)
	nest, err := AddattrNest(n, n.Size(), tIflaLinkinfo)
	if err != nil {
		t.Fatal(err)
	}
	AddattrL(n, n.Size(), tIflaInfoKind, []byte("veth"))
	if got := AddattrNestEnd(n, nest); got != int(n.Len) {
		t.Errorf("AddattrNestEnd returned %d, want nlmsg_len %d", got, n.Len)
	}
	var tb [20]Rtattr
	if err := ParseRtattr(tb[:], 19, IFLA_RTA(n), IFLA_PAYLOAD(n)); err != nil {
		t.Fatal(err)
	}
	li := tb[tIflaLinkinfo]
	if li.Len() != 12 {
		t.Fatalf("linkinfo rta_len %d, want 12", li.Len())
	}
	var info [5]Rtattr
	ParseRtattrNested(info[:], 4, li)
	if RtaGetattrStr(info[tIflaInfoKind]) != "veth" {
		t.Errorf("kind %q", RtaGetattrStr(info[tIflaInfoKind]))
	}

	// addattr_nest_compat: TCA_OPTIONS holding a struct and a nest of attributes after it.
	c := NewRequest(36, 0, Tcmsg{}, 256)
	start, err := AddattrNestCompat(c, c.Size(), 2, []byte{1, 2, 3, 4, 5, 6})
	if err != nil {
		t.Fatal(err)
	}
	Addattr32(c, c.Size(), 1, 99)
	AddattrNestCompatEnd(c, start)
	var ctb [3]Rtattr
	ParseRtattr(ctb[:], 2, TCA_RTA(c), TCA_PAYLOAD(c))
	var inner [3]Rtattr
	data, err := ParseRtattrNestedCompat(inner[:], 2, ctb[2], 6)
	if err != nil || !bytes.Equal(data, []byte{1, 2, 3, 4, 5, 6}) {
		t.Fatalf("compat data %v, %v", data, err)
	}
	if RtaGetattrU32(inner[1]) != 99 {
		t.Errorf("compat nested attribute = %d, want 99", RtaGetattrU32(inner[1]))
	}
	if _, err := ParseRtattrNestedCompat(inner[:], 2, ctb[2], 400); err == nil {
		t.Error("compat nest shorter than its data parsed")
	}
}

func TestRtaAddattr(t *testing.T) {
	mx := NewRtattr(8, 64)                                 // RTA_METRICS
	if err := RtaAddattr32(&mx, 64, 2, 1400); err != nil { // RTAX_MTU
		t.Fatal(err)
	}
	nest, _ := RtaNest(&mx, 64, 9)
	RtaAddattr8(&mx, 64, 1, 7)
	RtaAddattr16(&mx, 64, 2, 8)
	RtaAddattr64(&mx, 64, 3, 9)
	RtaNestEnd(&mx, nest)
	if int(mx.Len()) != len(mx) || mx.Len() != 4+8+4+8+8+12 {
		t.Fatalf("rta_len %d, len %d", mx.Len(), len(mx))
	}
	var tb [10]Rtattr
	ParseRtattrNested(tb[:], 9, mx)
	if RtaGetattrU32(tb[2]) != 1400 || tb[9].Type() != 9|proto.AttrNested || RtaType(tb[9]) != 9 {
		t.Errorf("metrics parsed wrong: mtu %d nest type %#x", RtaGetattrU32(tb[2]), tb[9].Type())
	}
	var sub [4]Rtattr
	ParseRtattrNested(sub[:], 3, tb[9])
	if RtaGetattrU8(sub[1]) != 7 || RtaGetattrU16(sub[2]) != 8 || RtaGetattrU64(sub[3]) != 9 {
		t.Error("nested values wrong")
	}
	err := RtaAddattr32(&mx, int(mx.Len())+4, 2, 1)
	if err == nil || err.Error() != "rta_addattr32: Error! max allowed bound 48 exceeded" {
		t.Errorf("rta_addattr32 past maxlen: %v", err)
	}
	// The attribute can then go into a message with AddattrL, as iproute2 does with RTA_METRICS.
	n := NewRequest(tRtmNewroute, 0, Rtmsg{}, 128)
	if err := AddattrL(n, n.Size(), 8, mx.Data()); err != nil {
		t.Fatal(err)
	}
}

func TestParseRtattrRules(t *testing.T) {
	var b []byte
	put := func(typ uint16, payload ...byte) {
		l := 4 + len(payload)
		b = binary.NativeEndian.AppendUint16(b, uint16(l))
		b = binary.NativeEndian.AppendUint16(b, typ)
		b = append(b, payload...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	put(1, 'a', 0)
	put(1, 'b', 0)             // a second type 1: the first wins
	put(2|proto.AttrNested, 9) // flag kept unless masked
	put(40, 1)                 // beyond max: ignored
	b = append(b, 9, 0)        // a deficit
	var tb [4]Rtattr
	err := ParseRtattr(tb[:], 3, b, len(b))
	var de *DeficitError
	if !errors.As(err, &de) || de.Deficit != 2 || err.Error() != "!!!Deficit 2, rta_len=9" {
		t.Fatalf("err = %v", err)
	}
	if RtaGetattrStr(tb[1]) != "a" {
		t.Errorf("tb[1] = %q, want the first", RtaGetattrStr(tb[1]))
	}
	if tb[2] != nil {
		t.Error("NLA_F_NESTED type matched without the mask")
	}
	ParseRtattrFlags(tb[:], 3, b, len(b), proto.AttrNested)
	if RtaGetattrU8(tb[2]) != 9 {
		t.Error("masked type not found")
	}
	// len limits the walk, as in C.
	ParseRtattr(tb[:], 3, b, 8)
	if tb[1] == nil || tb[2] != nil {
		t.Error("len not honoured")
	}
	// A tb shorter than max+1 is not written past.
	short := make([]Rtattr, 2)
	ParseRtattr(short, 3, b, len(b))
	if RtaGetattrStr(short[1]) != "a" {
		t.Error("short tb")
	}
	one, _ := ParseRtattrOne(1, b, len(b))
	if RtaGetattrStr(one) != "a" {
		t.Error("ParseRtattrOne")
	}
	if none, _ := ParseRtattrOne(7, b, len(b)); none != nil {
		t.Error("ParseRtattrOne found a missing type")
	}
	var idx [8]Rtattr
	if k, _ := ParseRtattrByindex(idx[:], 8, b, len(b)); k != 2 {
		t.Errorf("ParseRtattrByindex = %d, want 2 (rta_type <= 8, flags included)", k)
	}
	count := 0
	for range RtattrForEachNested(Rtattr(append([]byte{byte(4 + len(b) - 2), 0, 5, 0}, b[:len(b)-2]...))) {
		count++
	}
	if count != 4 {
		t.Errorf("RtattrForEachNested saw %d, want 4", count)
	}
}

func TestRtaGetattr(t *testing.T) {
	mk := func(p ...byte) Rtattr {
		return Rtattr(append([]byte{byte(4 + len(p)), 0, 1, 0}, p...))
	}
	if RtaGetattrBe16(mk(0x12, 0x34)) != 0x1234 || RtaGetattrBe32(mk(0, 0, 1, 2)) != 0x102 ||
		RtaGetattrBe64(mk(0, 0, 0, 0, 0, 0, 0, 3)) != 3 {
		t.Error("big-endian getters")
	}
	if RtaGetattrS32(mk(0xff, 0xff, 0xff, 0xff)) != -1 || RtaGetattrS64(mk(0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)) != -2 {
		t.Error("signed getters")
	}
	for p, want := range map[string]uint64{"\x05": 5, "\x06\x00": 6, "\x07\x00\x00\x00": 7,
		"\x08\x00\x00\x00\x00\x00\x00\x00": 8, "\x01\x02\x03": ^uint64(0)} {
		if got := RtaGetattrUint(mk([]byte(p)...)); got != want {
			t.Errorf("RtaGetattrUint(% x) = %d, want %d", p, got, want)
		}
	}
	// Short payloads read as zero, never past the end.
	if RtaGetattrU32(mk(1)) != 0 || RtaGetattrU64(mk(1, 2)) != 0 || RtaGetattrU8(nil) != 0 || RtaGetattrStr(nil) != "" {
		t.Error("short payloads")
	}
	ci := RtaData[IfaCacheinfo](mk(make([]byte, 16)...))
	if ci == nil {
		t.Fatal("RtaData on 16 bytes")
	}
	if RtaData[IfaCacheinfo](mk(1, 2)) != nil {
		t.Error("RtaData on a short payload")
	}
}
