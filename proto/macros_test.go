package proto_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/nlkit/nlkit/proto"
)

// Expected values are computed by hand from the C definitions:
// NLMSG_ALIGN(len) = (len+3)&~3, NLMSG_HDRLEN = 16, NLMSG_LENGTH(len) = len+16, NLMSG_SPACE(len) = NLMSG_ALIGN(len+16),
// NLMSG_PAYLOAD(nlh,len) = nlh->nlmsg_len - NLMSG_SPACE(len), NLA_HDRLEN = 4, RTA_LENGTH(len) = len+4,
// RTA_SPACE(len) = RTA_ALIGN(len+4).
func TestMacros(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"NLMSG_ALIGNTO", proto.AlignTo, 4},
		{"NLMSG_ALIGN(0)", proto.Align(0), 0}, {"NLMSG_ALIGN(1)", proto.Align(1), 4},
		{"NLMSG_ALIGN(3)", proto.Align(3), 4}, {"NLMSG_ALIGN(4)", proto.Align(4), 4},
		{"NLMSG_ALIGN(5)", proto.Align(5), 8}, {"NLMSG_ALIGN(17)", proto.Align(17), 20},
		{"NLMSG_ALIGN(65535)", proto.Align(65535), 65536},
		{"NLMSG_HDRLEN", proto.HeaderLen, 16},
		{"NLMSG_LENGTH(0)", proto.Length(0), 16}, {"NLMSG_LENGTH(4)", proto.Length(4), 20},
		{"NLMSG_LENGTH(5)", proto.Length(5), 21}, {"NLMSG_LENGTH(12)", proto.Length(12), 28},
		{"NLMSG_SPACE(0)", proto.Space(0), 16}, {"NLMSG_SPACE(1)", proto.Space(1), 20},
		{"NLMSG_SPACE(4)", proto.Space(4), 20}, {"NLMSG_SPACE(5)", proto.Space(5), 24},
		{"NLMSG_SPACE(12)", proto.Space(12), 28}, {"NLMSG_SPACE(13)", proto.Space(13), 32},
		{"nlmsg_padlen(0)", proto.PadLen(0), 0}, {"nlmsg_padlen(5)", proto.PadLen(5), 3},
		{"nlmsg_padlen(7)", proto.PadLen(7), 1},
		// struct rtmsg is 12 bytes, struct ifinfomsg 16.
		{"NLMSG_PAYLOAD(len 36, rtmsg)", proto.Payload(proto.Header{Length: 36}, 12), 8},
		{"NLMSG_PAYLOAD(len 48, ifinfomsg)", proto.Payload(proto.Header{Length: 48}, 16), 16},
		{"NLMSG_PAYLOAD(len 16, 0)", proto.Payload(proto.Header{Length: 16}, 0), 0},
		{"NLMSG_PAYLOAD(len 21, 5)", proto.Payload(proto.Header{Length: 21}, 5), -3},
		{"NLA_ALIGNTO", proto.AttrAlignTo, 4}, {"NLA_HDRLEN", proto.AttrHeaderLen, 4},
		{"NLA_ALIGN(0)", proto.AttrAlign(0), 0}, {"NLA_ALIGN(1)", proto.AttrAlign(1), 4},
		{"RTA_ALIGN(6)", proto.AttrAlign(6), 8}, {"RTA_ALIGN(8)", proto.AttrAlign(8), 8},
		{"RTA_LENGTH(0)", proto.AttrLength(0), 4}, {"RTA_LENGTH(4)", proto.AttrLength(4), 8},
		{"RTA_LENGTH(5)", proto.AttrLength(5), 9},
		{"RTA_SPACE(0)", proto.AttrSpace(0), 4}, {"RTA_SPACE(1)", proto.AttrSpace(1), 8},
		{"RTA_SPACE(4)", proto.AttrSpace(4), 8}, {"RTA_SPACE(5)", proto.AttrSpace(5), 12},
		{"nla_total_size(2)", proto.AttrSpace(2), 8}, {"nla_total_size(16)", proto.AttrSpace(16), 20},
		{"nla_padlen(1)", proto.AttrPadLen(1), 3}, {"nla_padlen(4)", proto.AttrPadLen(4), 0},
		{"nla_padlen(6)", proto.AttrPadLen(6), 2},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
}

func TestDataOKNext(t *testing.T) {
	m1 := rawMsg(24, proto.FlagMulti, 1, 2, []byte{1, 2, 3, 4, 5}) // nlmsg_len 21, 24 on the wire
	m2 := rawMsg(25, 0, 3, 4, []byte{9})
	dg := cat(m1, m2)

	if !proto.OK(dg) {
		t.Fatal("NLMSG_OK(first) = false")
	}
	if got := proto.Data(dg); !bytes.Equal(got, []byte{1, 2, 3, 4, 5}) {
		t.Errorf("NLMSG_DATA(first) = % x", got)
	}
	next := proto.Next(dg)
	if !bytes.Equal(next, m2) {
		t.Fatalf("NLMSG_NEXT(first) = % x, want % x", next, m2)
	}
	if got := proto.Data(next); !bytes.Equal(got, []byte{9}) {
		t.Errorf("NLMSG_DATA(second) = % x", got)
	}
	if last := proto.Next(next); last == nil || len(last) != 0 || proto.OK(last) {
		t.Errorf("NLMSG_NEXT(second) = %v, want empty and not OK", last)
	}
	// The C loop, over the whole datagram.
	n := 0
	for b := dg; proto.OK(b); b = proto.Next(b) {
		n++
	}
	if n != 2 {
		t.Errorf("NLMSG_OK/NLMSG_NEXT loop saw %d messages, want 2", n)
	}
	// A last message without its padding: NLMSG_NEXT stops at the end.
	unpadded := m1[:21]
	if got := proto.Next(unpadded); got == nil || len(got) != 0 {
		t.Errorf("NLMSG_NEXT(unpadded) = %v, want empty", got)
	}

	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"short header", m1[:15]},
		{"nlmsg_len 0", rawHeader(0, 24, 0, 0, 0)},
		{"nlmsg_len 15", rawHeader(15, 24, 0, 0, 0)},
		{"nlmsg_len past end", rawHeader(17, 24, 0, 0, 0)},
		{"nlmsg_len 0xffffffff", rawHeader(0xffffffff, 24, 0, 0, 0)},
		{"nlmsg_len 0x80000000", rawHeader(0x80000000, 24, 0, 0, 0)},
	} {
		if proto.OK(c.b) {
			t.Errorf("%s: NLMSG_OK = true", c.name)
		}
		if d := proto.Data(c.b); d != nil {
			t.Errorf("%s: NLMSG_DATA = % x, want nil", c.name, d)
		}
		if n := proto.Next(c.b); n != nil {
			t.Errorf("%s: NLMSG_NEXT = % x, want nil", c.name, n)
		}
	}
	// A header-only message has an empty, non-nil payload.
	if d := proto.Data(rawHeader(16, 1, 0, 0, 0)); d == nil || len(d) != 0 {
		t.Errorf("NLMSG_DATA(header only) = %v, want empty", d)
	}
}

func TestAttrMacros(t *testing.T) {
	a1 := attr(1, []byte("eth0\x00")) // rta_len 9, 12 on the wire
	a2 := attr(2, u32(1500))
	a3 := attr(3, nil)
	buf := cat(a1, a2, a3)

	var types []uint16
	var payloads [][]byte
	for b := buf; proto.AttrOK(b); b = proto.AttrNext(b) {
		types = append(types, binary.NativeEndian.Uint16(b[2:]))
		payloads = append(payloads, proto.AttrData(b))
		if proto.AttrPayload(b) != len(proto.AttrData(b)) {
			t.Errorf("RTA_PAYLOAD = %d, len(RTA_DATA) = %d", proto.AttrPayload(b), len(proto.AttrData(b)))
		}
	}
	if len(types) != 3 || types[0] != 1 || types[1] != 2 || types[2] != 3 {
		t.Fatalf("RTA_OK/RTA_NEXT loop saw types %v", types)
	}
	if string(payloads[0]) != "eth0\x00" || !bytes.Equal(payloads[1], u32(1500)) || len(payloads[2]) != 0 {
		t.Errorf("RTA_DATA = %q", payloads)
	}
	if got := proto.AttrPayload(a1); got != 5 {
		t.Errorf("RTA_PAYLOAD(a1) = %d, want 5", got)
	}

	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"short header", []byte{8, 0, 1}},
		{"rta_len 0", rawAttr(0, 1, nil)},
		{"rta_len 3", rawAttr(3, 1, nil)},
		{"rta_len past end", rawAttr(9, 1, []byte{1, 2, 3, 4})},
	} {
		if proto.AttrOK(c.b) || proto.AttrData(c.b) != nil || proto.AttrNext(c.b) != nil || proto.AttrPayload(c.b) != 0 {
			t.Errorf("%s: RTA_OK %v, RTA_DATA %v, RTA_NEXT %v, RTA_PAYLOAD %d", c.name, proto.AttrOK(c.b),
				proto.AttrData(c.b), proto.AttrNext(c.b), proto.AttrPayload(c.b))
		}
	}
	// The last attribute without its padding: RTA_NEXT stops at the end.
	if got := proto.AttrNext(a1[:9]); got == nil || len(got) != 0 {
		t.Errorf("RTA_NEXT(unpadded) = %v, want empty", got)
	}
}

func TestAttrsAfter(t *testing.T) {
	// A struct rtmsg (12 bytes) then one attribute, as RTM_RTA sees it.
	rtmsg := make([]byte, 12)
	rtmsg[0] = 2 // rtm_family AF_INET
	a := attr(15, u32(254))
	data := cat(rtmsg, a)
	got, err := proto.AttrsAfter(data, 12)
	if err != nil || !bytes.Equal(got, a) {
		t.Errorf("AttrsAfter(rtmsg) = % x, %v; want % x", got, err, a)
	}
	// A header size that is not a multiple of 4 is aligned, as NLMSG_ALIGN(sizeof) does: struct ifaddrmsg is 8,
	// struct tcmsg 20, but struct genlmsghdr is 4 and a 5-byte header would be padded to 8.
	data = cat([]byte{1, 2, 3, 4, 5, 0, 0, 0}, a)
	if got, err := proto.AttrsAfter(data, 5); err != nil || !bytes.Equal(got, a) {
		t.Errorf("AttrsAfter(5) = % x, %v", got, err)
	}
	// Exactly the header, unpadded: no attributes.
	if got, err := proto.AttrsAfter(data[:5], 5); err != nil || len(got) != 0 {
		t.Errorf("AttrsAfter(header only, unpadded) = % x, %v", got, err)
	}
	for _, n := range []int{13, -1} {
		_, err := proto.AttrsAfter(rtmsg, n)
		if !errors.Is(err, &proto.MessageError{Kind: proto.ErrShortPayload}) {
			t.Errorf("AttrsAfter(12 bytes, %d) err = %v, want ErrShortPayload", n, err)
		}
	}
}
