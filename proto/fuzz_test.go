package proto_test

import (
	"bytes"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/nlkit/nlkit/proto"
)

// Every decoder is fuzzed: none may panic on any input, and each checks invariants that tie its output to
// its input. Seeds are good and malformed samples; testdata/fuzz holds a few more in the corpus format.

// seedDatagrams are good and malformed datagrams shared by the message-level targets.
func seedDatagrams() [][]byte {
	req := request()
	reqBytes, _ := req.MarshalBinary()
	attrs := cat(attr(3, []byte("veth0\x00")), attr(18|proto.AttrNested, attr(1, []byte("veth\x00"))), attr(4, u32(1500)))
	return [][]byte{
		nil,
		reqBytes,
		rawMsg(16, proto.FlagMulti, 1, 0, cat(make([]byte, 16), attrs)),
		cat(rawMsg(24, proto.FlagMulti, 1, 0, []byte{1, 2, 3}), rawMsg(proto.TypeDone, proto.FlagMulti, 1, 0, u32(0))),
		proto.AppendAck(nil, req, 0, false, nil, 0),
		proto.AppendAck(nil, req, syscall.EEXIST, false, &proto.ExtAck{Msg: "exists", Offset: 20, HasOffset: true}, 1),
		proto.AppendAck(nil, req, syscall.EINVAL, true, &proto.ExtAck{Msg: "bad", Cookie: []byte{1}, Policy: attr(1, u32(3)),
			MissType: 4, HasMissType: true, MissNest: 8, HasMissNest: true}, 2),
		rawMsg(proto.TypeDone, proto.FlagMulti|proto.FlagAckTLVs, 1, 0,
			cat(errnoBytes(syscall.EINTR), attr(proto.ExtAckMsg, []byte("interrupted\x00")))),
		rawMsg(proto.TypeError, 0, 0, 0, []byte{1, 2, 3}),                                                // short struct nlmsgerr
		rawMsg(proto.TypeError, proto.FlagAckTLVs, 0, 0, cat(errnoBytes(1), rawHeader(400, 1, 0, 0, 0))), // echo missing
		reqBytes[:10],                      // truncated header
		rawHeader(0, 16, 0, 0, 0),          // zero nlmsg_len
		rawHeader(15, 16, 0, 0, 0),         // nlmsg_len below the header
		rawHeader(0xffffffff, 16, 0, 0, 0), // nlmsg_len past the end
		cat(reqBytes, []byte{0, 0, 0}),     // trailing padding
		cat(reqBytes, []byte{0, 0, 1}),     // trailing junk
	}
}

func seedAttrs() [][]byte {
	return [][]byte{
		nil,
		cat(attr(1, []byte{0xab}), attr(2, u16(0xbeef)), attr(3, u32(7)), attr(4, u64(9)), attr(6, []byte("x\x00"))),
		attr(1|proto.AttrNested, cat(attr(1, []byte("veth\x00")), attr(2|proto.AttrNested, attr(1, attr(4, u32(1500)))))),
		cat(attr(9|proto.AttrNetByteOrder, []byte{0x1f, 0x90}), attr(10|proto.AttrNetByteOrder, []byte{1, 2, 3, 4})),
		cat(attr(5, nil), []byte{0, 0, 0}),
		[]byte{8, 0, 1},
		rawAttr(0, 1, nil),
		rawAttr(3, 1, nil),
		rawAttr(64, 2, u32(1)),
		cat(rawAttr(8, 1|proto.AttrNested, attr(4, u32(1))[:4]), u32(1500)), // nest lying about its length
	}
}

func FuzzIter(f *testing.F) {
	for _, s := range seedDatagrams() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		b = b[:len(b):len(b)] // so a payload's offset is len(b) - cap(payload)
		it := proto.NewIter(b)
		prev, n := 0, 0
		for it.Next() {
			m := it.Message()
			h := m.Header
			start := len(b) - cap(m.Data) - proto.HeaderLen
			if start != prev {
				t.Fatalf("message %d starts at %d, want %d", n, start, prev)
			}
			if h.Length < proto.HeaderLen || int(h.Length) != proto.HeaderLen+len(m.Data) || start+int(h.Length) > len(b) {
				t.Fatalf("message %d: nlmsg_len %d, %d payload bytes, at %d of %d", n, h.Length, len(m.Data), start, len(b))
			}
			if !bytes.Equal(m.Data, b[start+proto.HeaderLen:start+int(h.Length)]) {
				t.Fatalf("message %d: Data is not the bytes after its header", n)
			}
			// Re-marshalling gives the same header fields and bytes (padding aside).
			if ph, err := proto.ParseHeader(b[start:]); err != nil || ph != h {
				t.Fatalf("message %d: header %+v, ParseHeader %+v %v", n, h, ph, err)
			}
			out := m.AppendTo(nil)
			if len(out) != proto.Align(int(h.Length)) || !bytes.Equal(out[:h.Length], b[start:start+int(h.Length)]) {
				t.Fatalf("message %d: re-marshalled % x, was % x", n, out, b[start:start+int(h.Length)])
			}
			if want := min(start+proto.Align(int(h.Length)), len(b)); it.Offset() != want {
				t.Fatalf("Offset() = %d, want %d", it.Offset(), want)
			}
			prev = it.Offset()
			n++
		}
		if n > len(b)/proto.HeaderLen {
			t.Fatalf("%d messages in %d bytes", n, len(b))
		}
		// The C loop sees the same messages.
		c := 0
		for p := b; proto.OK(p); p = proto.Next(p) {
			c++
		}
		if c != n {
			t.Fatalf("NLMSG_OK/NEXT loop: %d messages, Iter %d", c, n)
		}
		err := it.Err()
		if err == nil {
			if it.Offset() != len(b) {
				t.Fatalf("clean end at %d of %d", it.Offset(), len(b))
			}
			return
		}
		var me *proto.MessageError
		if !errors.As(err, &me) || me.Offset != prev || me.Available != len(b)-prev || me.Error() == "" {
			t.Fatalf("Err() = %#v after %d bytes", err, prev)
		}
		switch me.Kind {
		case proto.ErrShortHeader, proto.ErrShortLength, proto.ErrOverlong:
		default:
			t.Fatalf("unexpected kind %v", me.Kind)
		}
		if !errors.Is(err, &proto.MessageError{Kind: me.Kind}) || it.Next() {
			t.Fatal("errors.Is by kind failed, or Next resumed")
		}
	})
}

func FuzzParseMessages(f *testing.F) {
	for _, s := range seedDatagrams() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		msgs, err := proto.ParseMessages(b)
		it := proto.NewIter(b)
		for i := 0; it.Next(); i++ {
			if i >= len(msgs) || it.Message().Header != msgs[i].Header {
				t.Fatalf("ParseMessages and Iter differ at %d", i)
			}
		}
		if (err == nil) != (it.Err() == nil) {
			t.Fatalf("ParseMessages err %v, Iter err %v", err, it.Err())
		}
		// What was parsed marshals back and parses to the same messages.
		again, aerr := proto.ParseMessages(proto.AppendMessages(nil, msgs...))
		if aerr != nil || len(again) != len(msgs) {
			t.Fatalf("round trip: %d messages, %v; want %d", len(again), aerr, len(msgs))
		}
		for i := range msgs {
			if again[i].Header != msgs[i].Header || !bytes.Equal(again[i].Data, msgs[i].Data) {
				t.Fatalf("round trip %d: %+v, want %+v", i, again[i], msgs[i])
			}
		}
		// UnmarshalBinary accepts exactly the one-message datagrams.
		var m proto.Message
		uerr := m.UnmarshalBinary(b)
		if uerr == nil && (len(msgs) != 1 || m.Header != msgs[0].Header || !bytes.Equal(m.Data, msgs[0].Data)) {
			t.Fatalf("UnmarshalBinary accepted %d messages", len(msgs))
		}
		if uerr != nil && len(msgs) == 1 && err == nil {
			t.Fatalf("UnmarshalBinary refused one message: %v", uerr)
		}
	})
}

// walkAttrs decodes b, calling every accessor, and recurses into every attribute as if nested.
func walkAttrs(t *testing.T, b []byte, depth int) {
	b = b[:len(b):len(b)]
	ad := proto.NewAttrDecoder(b)
	var list []proto.Attr
	for ad.Next() {
		data := ad.Bytes()
		off := len(b) - cap(data) - proto.AttrHeaderLen
		if off < 0 || !bytes.Equal(data, b[off+proto.AttrHeaderLen:off+proto.AttrHeaderLen+len(data)]) {
			t.Fatalf("payload not inside the input (offset %d)", off)
		}
		if !proto.AttrOK(b[off:]) || !bytes.Equal(proto.AttrData(b[off:]), data) || ad.Len() != len(data) {
			t.Fatalf("RTA_OK/RTA_DATA disagree with the decoder at %d", off)
		}
		if ad.Type() != ad.RawType()&proto.AttrTypeMask || ad.IsNested() != (ad.RawType()&proto.AttrNested != 0) ||
			ad.NetByteOrder() != (ad.RawType()&proto.AttrNetByteOrder != 0) {
			t.Fatal("type flags inconsistent")
		}
		list = append(list, proto.Attr{Type: ad.RawType(), Data: data})
		// Accessors record errors that stop the walk, so call them on copies.
		for _, call := range []func(d *proto.AttrDecoder) (ok bool, size int){
			func(d *proto.AttrDecoder) (bool, int) { v := d.Uint8(); return v == 0 || len(data) == 1, 1 },
			func(d *proto.AttrDecoder) (bool, int) { v := d.Uint16(); return v == 0 || len(data) == 2, 2 },
			func(d *proto.AttrDecoder) (bool, int) { v := d.Uint32(); return v == 0 || len(data) == 4, 4 },
			func(d *proto.AttrDecoder) (bool, int) { v := d.Uint64(); return v == 0 || len(data) == 8, 8 },
			func(d *proto.AttrDecoder) (bool, int) { v := d.Int32(); return v == 0 || len(data) == 4, 4 },
			func(d *proto.AttrDecoder) (bool, int) { v := d.Int64(); return v == 0 || len(data) == 8, 8 },
			func(d *proto.AttrDecoder) (bool, int) { v := d.BE16(); return v == 0 || len(data) == 2, 2 },
			func(d *proto.AttrDecoder) (bool, int) { v := d.BE32(); return v == 0 || len(data) == 4, 4 },
			func(d *proto.AttrDecoder) (bool, int) {
				v := d.Uint()
				return v == 0 || len(data) == 4 || len(data) == 8, map[bool]int{true: 4, false: 8}[len(data) == 4]
			},
		} {
			c := ad
			ok, size := call(&c)
			if !ok {
				t.Fatal("accessor returned a value for a payload of the wrong size")
			}
			if (c.Err() == nil) != (len(data) == size) {
				t.Fatalf("accessor of %d bytes on %d: Err %v", size, len(data), c.Err())
			}
			if c.Err() != nil && !errors.Is(c.Err(), &proto.AttrError{Kind: proto.AttrBadSize}) {
				t.Fatalf("bad size gave %v", c.Err())
			}
		}
		if s := ad.String(); len(s) > len(data) || strings.IndexByte(s, 0) >= 0 {
			t.Fatalf("String() = %q from % x", s, data)
		}
		if ad.Err() != nil {
			t.Fatal("the walk's own decoder picked up an accessor's error")
		}
		if depth < 8 {
			walkAttrs(t, data, depth+1)
		}
	}
	parsed, err := proto.ParseAttrs(b)
	if len(parsed) != len(list) || (err == nil) != (ad.Err() == nil) {
		t.Fatalf("ParseAttrs: %d, %v; decoder: %d, %v", len(parsed), err, len(list), ad.Err())
	}
	if err != nil {
		if attrKind(err) == 0 || attrKind(err) == proto.AttrBadSize {
			t.Fatalf("walk error %v", err)
		}
		return
	}
	// A clean list re-encodes to an equivalent list.
	var ae proto.AttrEncoder
	for _, a := range list {
		ae.Raw(a.Type, a.Data)
	}
	again, err := proto.ParseAttrs(ae.Bytes())
	if err != nil || len(again) != len(list) {
		t.Fatalf("re-encoded: %d, %v", len(again), err)
	}
	for i := range again {
		if again[i].Type != list[i].Type || !bytes.Equal(again[i].Data, list[i].Data) {
			t.Fatalf("re-encoded attribute %d differs", i)
		}
	}
}

func FuzzAttrDecoder(f *testing.F) {
	for _, s := range seedAttrs() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) { walkAttrs(t, b, 0) })
}

func FuzzParseIndex(f *testing.F) {
	for i, s := range seedAttrs() {
		f.Add(append([]byte{byte(i * 3)}, s...))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		tb := make([][]byte, int(in[0])%40)
		for i := range tb {
			tb[i] = []byte("stale")
		}
		b := in[1:]
		err := proto.ParseIndex(tb, b)
		attrs, perr := proto.ParseAttrs(b)
		if (err == nil) != (perr == nil) {
			t.Fatalf("ParseIndex %v, ParseAttrs %v", err, perr)
		}
		want := make([][]byte, len(tb))
		for _, a := range attrs {
			if ty := int(a.Type & proto.AttrTypeMask); ty < len(want) && want[ty] == nil {
				want[ty] = a.Data
			}
		}
		for i := range tb {
			if (tb[i] == nil) != (want[i] == nil) || !bytes.Equal(tb[i], want[i]) || cap(tb[i]) != len(tb[i]) {
				t.Fatalf("tb[%d] = % x, want % x (first wins)", i, tb[i], want[i])
			}
		}
	})
}

func FuzzParseAck(f *testing.F) {
	for _, s := range seedDatagrams() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// Each message as it is, then as NLMSG_ERROR and NLMSG_DONE; and the whole input as a payload.
		var msgs []proto.Message
		it := proto.NewIter(b)
		for it.Next() {
			m := it.Message()
			msgs = append(msgs, m)
			for _, typ := range []uint16{proto.TypeError, proto.TypeDone} {
				m.Header.Type = typ
				msgs = append(msgs, m)
			}
		}
		for _, flags := range []uint16{0, proto.FlagCapped, proto.FlagAckTLVs, proto.FlagCapped | proto.FlagAckTLVs} {
			msgs = append(msgs, proto.Message{Header: proto.Header{Type: proto.TypeError, Flags: flags}, Data: b},
				proto.Message{Header: proto.Header{Type: proto.TypeDone, Flags: flags}, Data: b})
		}
		for _, m := range msgs {
			checkAck(t, m)
		}
	})
}

func checkAck(t *testing.T, m proto.Message) {
	a, err := proto.ParseAck(m)
	if m.Header.Type != proto.TypeError && m.Header.Type != proto.TypeDone {
		if err == nil {
			t.Fatalf("type %d accepted", m.Header.Type)
		}
		return
	}
	if a.Done != (m.Header.Type == proto.TypeDone) {
		t.Fatal("Done wrong")
	}
	inside := func(p []byte) bool {
		if len(p) == 0 {
			return true
		}
		for i := 0; i+len(p) <= len(m.Data); i++ {
			if &m.Data[i] == &p[0] {
				return true
			}
		}
		return false
	}
	if !inside(a.RequestPayload) || !inside(a.ExtAck.Cookie) || !inside(a.ExtAck.Policy) {
		t.Fatal("a decoded slice lies outside the payload")
	}
	if err != nil {
		var me *proto.MessageError
		var ae *proto.AttrError
		if !errors.As(err, &me) && !errors.As(err, &ae) {
			t.Fatalf("untyped error %v", err)
		}
		return
	}
	if e := a.Err(); (e == nil) != (a.Errno == 0) || e != nil && (!errors.Is(e, a.Errno) || e.Error() == "") {
		t.Fatalf("Err() = %v for errno %d", e, a.Errno)
	}
	if a.Done {
		return
	}
	// Rebuild the message with AppendAck and parse it again: the same answer comes back.
	capped := m.Header.Flags&proto.FlagCapped != 0
	req := proto.Message{Header: a.Request, Data: a.RequestPayload}
	var back proto.Message
	if err := back.UnmarshalBinary(proto.AppendAck(nil, req, a.Errno, capped, &a.ExtAck, m.Header.PortID)); err != nil {
		t.Fatal(err)
	}
	b, err := proto.ParseAck(back)
	if err != nil {
		t.Fatalf("re-parse: %v", err)
	}
	rh, bh := a.Request, b.Request
	rh.Length, bh.Length = 0, 0
	if b.Errno != a.Errno || rh != bh || b.ExtAck.Msg != a.ExtAck.Msg || b.ExtAck.HasOffset != a.ExtAck.HasOffset ||
		b.ExtAck.Offset != a.ExtAck.Offset || !bytes.Equal(b.ExtAck.Cookie, a.ExtAck.Cookie) ||
		!bytes.Equal(b.ExtAck.Policy, a.ExtAck.Policy) || b.ExtAck.MissType != a.ExtAck.MissType ||
		b.ExtAck.MissNest != a.ExtAck.MissNest || b.ExtAck.HasMissNest != a.ExtAck.HasMissNest {
		t.Fatalf("AppendAck round trip:\n%+v\n%+v", a, b)
	}
	if !capped && a.Errno != 0 && !bytes.Equal(b.RequestPayload, a.RequestPayload) {
		t.Fatalf("echo round trip: % x, want % x", b.RequestPayload, a.RequestPayload)
	}
}

func FuzzFormat(f *testing.F) {
	for _, s := range seedDatagrams() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 512 {
			// A formatter gains nothing from longer inputs, and they make the fuzzer's minimizing slow.
			b = b[:512]
		}
		msgs, err := proto.ParseMessages(b)
		out := proto.FormatDatagram(b, func(typ uint16) string {
			if typ%2 == 0 {
				return "T_NEW"
			}
			return ""
		})
		lines := 0
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "len=") {
				lines++
			}
		}
		malformed := strings.HasPrefix(out, "malformed: ") || strings.Contains(out, "\nmalformed: ")
		if lines != len(msgs) || (err != nil) != malformed {
			t.Fatalf("%d messages, %d header lines, err %v:\n%s", len(msgs), lines, err, out)
		}
		// Any header over any payload, lengths disagreeing included, formats.
		var h proto.Header
		if len(b) >= proto.HeaderLen {
			h, _ = proto.ParseHeader(b)
			b = b[proto.HeaderLen:]
		}
		// The type is taken from the input, folded so NLMSG_ERROR and NLMSG_DONE come up often.
		if h.Type&0x100 != 0 {
			h.Type = proto.TypeError + h.Type&1
		}
		s := proto.Format(proto.Message{Header: h, Data: b})
		if !strings.HasPrefix(s, "len=") || strings.HasSuffix(s, "\n") {
			t.Fatalf("Format = %q", s)
		}
		if got := proto.AppendFormat([]byte("x"), proto.Message{Header: h, Data: b}, nil); string(got[1:]) != s+"\n" {
			t.Fatal("AppendFormat differs from Format")
		}
	})
}
