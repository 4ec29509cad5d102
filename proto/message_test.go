package proto_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/nlkit/nlkit/proto"
)

func TestIterMultiMessage(t *testing.T) {
	// Payload sizes 0..6 exercise every amount of padding.
	var want []proto.Message
	var dg []byte
	for i := range 7 {
		data := bytes.Repeat([]byte{byte(0xa0 + i)}, i)
		h := proto.Header{Length: uint32(16 + i), Type: uint16(16 + i), Flags: proto.FlagMulti, Sequence: 100,
			PortID: uint32(i)}
		want = append(want, proto.Message{Header: h, Data: data})
		dg = append(dg, rawMsg(h.Type, h.Flags, h.Sequence, h.PortID, data)...)
	}
	// AppendMessages builds the same datagram.
	if got := proto.AppendMessages(nil, want...); !bytes.Equal(got, dg) {
		t.Fatalf("AppendMessages = % x\nwant % x", got, dg)
	}

	it := proto.NewIter(dg)
	var offsets []int
	i := 0
	for it.Next() {
		m := it.Message()
		if i >= len(want) {
			t.Fatalf("extra message %+v", m)
		}
		if m.Header != want[i].Header || !bytes.Equal(m.Data, want[i].Data) {
			t.Errorf("message %d = %+v, want %+v", i, m, want[i])
		}
		if m.Len() != int(m.Header.Length) {
			t.Errorf("message %d: Len() = %d, nlmsg_len %d", i, m.Len(), m.Header.Length)
		}
		offsets = append(offsets, it.Offset())
		i++
	}
	if it.Err() != nil || i != len(want) {
		t.Fatalf("after %d messages: Err() = %v", i, it.Err())
	}
	wantOff := 0
	for j, off := range offsets {
		wantOff += proto.Space(j)
		if off != wantOff {
			t.Errorf("Offset after message %d = %d, want %d", j, off, wantOff)
		}
	}
	if it.Next() {
		t.Error("Next after the end = true")
	}

	// Reset reuses the iterator.
	it.Reset(dg[:proto.Space(0)])
	if !it.Next() || it.Next() || it.Err() != nil {
		t.Errorf("after Reset: one message expected, Err %v", it.Err())
	}
}

func TestIterDataAliases(t *testing.T) {
	dg := rawMsg(16, 0, 0, 0, []byte{1, 2, 3, 4})
	it := proto.NewIter(dg)
	it.Next()
	it.Message().Data[0] = 99
	if dg[16] != 99 {
		t.Error("Message.Data does not alias the datagram")
	}
}

func TestIterPadding(t *testing.T) {
	good := rawMsg(16, 0, 1, 0, []byte{1, 2, 3, 4})
	for _, c := range []struct {
		name string
		dg   []byte
		n    int
	}{
		{"empty datagram", nil, 0},
		{"1 zero byte after", cat(good, []byte{0}), 1},
		{"2 zero bytes after", cat(good, []byte{0, 0}), 1},
		{"3 zero bytes after", cat(good, []byte{0, 0, 0}), 1},
		{"last message unpadded", rawMsg(16, 0, 1, 0, []byte{1, 2, 3, 4, 5})[:21], 1},
		{"last message partly padded", rawMsg(16, 0, 1, 0, []byte{1, 2, 3, 4, 5})[:22], 1},
		{"padding bytes not zero", cat(rawHeader(17, 16, 0, 0, 0), []byte{7, 0xff, 0xff, 0xff}), 1},
		{"only padding", []byte{0, 0, 0}, 0},
	} {
		msgs, err := proto.ParseMessages(c.dg)
		if err != nil || len(msgs) != c.n {
			t.Errorf("%s: %d messages, %v; want %d", c.name, len(msgs), err, c.n)
		}
	}
}

func TestIterMalformed(t *testing.T) {
	good := rawMsg(16, 0, 1, 0, []byte{1, 2, 3, 4}) // 20 bytes
	for _, c := range []struct {
		name      string
		dg        []byte
		good      int // messages before the error
		kind      proto.ErrorKind
		offset    int
		length    uint32
		available int
	}{
		{"truncated header", good[:10], 0, proto.ErrShortHeader, 0, 10, 10},
		{"truncated header alone, 1 byte", []byte{1}, 0, proto.ErrShortHeader, 0, 1, 1},
		{"truncated second header", cat(good, good[:8]), 1, proto.ErrShortHeader, 20, 8, 8},
		{"non-zero tail shorter than alignment", cat(good, []byte{0, 0, 1}), 1, proto.ErrShortHeader, 20, 3, 3},
		{"zero tail of 4 bytes", cat(good, []byte{0, 0, 0, 0}), 1, proto.ErrShortHeader, 20, 4, 4},
		{"nlmsg_len 0", rawHeader(0, 16, 0, 0, 0), 0, proto.ErrShortLength, 0, 0, 16},
		{"nlmsg_len 0 after a message", cat(good, make([]byte, 16)), 1, proto.ErrShortLength, 20, 0, 16},
		{"nlmsg_len 1", rawHeader(1, 16, 0, 0, 0), 0, proto.ErrShortLength, 0, 1, 16},
		{"nlmsg_len 15", cat(rawHeader(15, 16, 0, 0, 0), good), 0, proto.ErrShortLength, 0, 15, 36},
		{"nlmsg_len one past", rawHeader(17, 16, 0, 0, 0), 0, proto.ErrOverlong, 0, 17, 16},
		{"nlmsg_len past second", cat(good, rawHeader(40, 16, 0, 0, 0), []byte{1, 2, 3, 4}), 1, proto.ErrOverlong,
			20, 40, 20},
		{"nlmsg_len 0x7fffffff", rawHeader(0x7fffffff, 16, 0, 0, 0), 0, proto.ErrOverlong, 0, 0x7fffffff, 16},
		{"nlmsg_len 0xffffffff", rawHeader(0xffffffff, 16, 0, 0, 0), 0, proto.ErrOverlong, 0, 0xffffffff, 16},
	} {
		t.Run(c.name, func(t *testing.T) {
			it := proto.NewIter(c.dg)
			n := 0
			for it.Next() {
				n++
			}
			if n != c.good {
				t.Errorf("%d good messages, want %d", n, c.good)
			}
			err := it.Err()
			var me *proto.MessageError
			if !errors.As(err, &me) {
				t.Fatalf("Err() = %v (%T), want *MessageError", err, err)
			}
			want := proto.MessageError{Kind: c.kind, Offset: c.offset, Length: c.length, Available: c.available}
			if *me != want {
				t.Errorf("Err() = %+v, want %+v", *me, want)
			}
			if !errors.Is(err, &proto.MessageError{Kind: c.kind}) {
				t.Errorf("errors.Is(err, kind %v) = false", c.kind)
			}
			for _, k := range []proto.ErrorKind{proto.ErrShortHeader, proto.ErrShortLength, proto.ErrOverlong,
				proto.ErrTruncatedDatagram, proto.ErrShortPayload, proto.ErrTrailingData} {
				if k != c.kind && errors.Is(err, &proto.MessageError{Kind: k}) {
					t.Errorf("errors.Is(err, kind %v) = true", k)
				}
			}
			// A target with more than the kind set is not a kind match.
			if errors.Is(err, &proto.MessageError{Kind: c.kind, Offset: 99}) {
				t.Error("errors.Is matched a target with an Offset")
			}
			if me.Error() == "" || me.Kind.String() == "" {
				t.Error("empty error text")
			}
			if it.Next() || it.Err() != err {
				t.Error("Next after an error did not stay stopped")
			}
			msgs, perr := proto.ParseMessages(c.dg)
			if len(msgs) != c.good || msgs == nil && c.good > 0 || !errors.Is(perr, &proto.MessageError{Kind: c.kind}) {
				t.Errorf("ParseMessages = %d messages, %v", len(msgs), perr)
			}
		})
	}
}

func TestErrorKindStrings(t *testing.T) {
	seen := map[string]bool{}
	for k := proto.ErrShortHeader; k <= proto.ErrTrailingData; k++ {
		s := k.String()
		if s == "" || seen[s] {
			t.Errorf("ErrorKind(%d).String() = %q, empty or duplicate", k, s)
		}
		seen[s] = true
	}
	if got := proto.ErrorKind(99).String(); got != "ErrorKind(99)" {
		t.Errorf("ErrorKind(99).String() = %q", got)
	}
}

func TestMessageMarshalUnmarshal(t *testing.T) {
	for _, m := range []proto.Message{
		{Header: proto.Header{Type: proto.TypeNoop}},
		{Header: proto.Header{Type: 24, Flags: proto.FlagRequest | proto.FlagAck, Sequence: 7, PortID: 9},
			Data: []byte{1, 2, 3, 4, 5}},
		{Header: proto.Header{Length: 9999, Type: 16}, Data: []byte("abcd")}, // Length is recomputed
	} {
		b, err := m.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != proto.Space(len(m.Data)) {
			t.Errorf("MarshalBinary length %d, want NLMSG_SPACE(%d) = %d", len(b), len(m.Data), proto.Space(len(m.Data)))
		}
		if want := rawMsg(m.Header.Type, m.Header.Flags, m.Header.Sequence, m.Header.PortID, m.Data); !bytes.Equal(b, want) {
			t.Errorf("MarshalBinary = % x, want % x", b, want)
		}
		var got proto.Message
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatalf("UnmarshalBinary: %v", err)
		}
		wantH := m.Header
		wantH.Length = uint32(m.Len())
		if got.Header != wantH || !bytes.Equal(got.Data, m.Data) {
			t.Errorf("round trip = %+v, want %+v", got, m)
		}
		// AppendTo appends, leaving what was there.
		pre := []byte{0xee, 0xee}
		if out := m.AppendTo(pre); !bytes.Equal(out[:2], pre) || !bytes.Equal(out[2:], b) {
			t.Errorf("AppendTo clobbered or misplaced: % x", out)
		}
	}
}

func TestAppendToZeroesPadding(t *testing.T) {
	buf := bytes.Repeat([]byte{0xff}, 64)[:0] // a dirty reused buffer
	out := proto.Message{Header: proto.Header{Type: 16}, Data: []byte{1}}.AppendTo(buf)
	if !bytes.Equal(out[17:20], []byte{0, 0, 0}) {
		t.Errorf("padding = % x, want zeros", out[17:20])
	}
}

func TestUnmarshalBinaryErrors(t *testing.T) {
	one := rawMsg(16, 0, 0, 0, []byte{1, 2, 3, 4})
	for _, c := range []struct {
		name string
		b    []byte
		kind proto.ErrorKind
	}{
		{"empty", nil, proto.ErrShortHeader},
		{"short", one[:8], proto.ErrShortHeader},
		{"nlmsg_len 0", rawHeader(0, 1, 0, 0, 0), proto.ErrShortLength},
		{"overlong", rawHeader(32, 1, 0, 0, 0), proto.ErrOverlong},
		{"two messages", cat(one, one), proto.ErrTrailingData},
		{"message and junk", cat(one, []byte{1, 2, 3, 4, 5}), proto.ErrTrailingData},
	} {
		var m proto.Message
		err := m.UnmarshalBinary(c.b)
		if msgKind(err) != c.kind {
			t.Errorf("%s: UnmarshalBinary = %v, want kind %v", c.name, err, c.kind)
		}
	}
	// Trailing padding is fine.
	var m proto.Message
	if err := m.UnmarshalBinary(cat(rawHeader(17, 1, 0, 0, 0), []byte{5, 0, 0})); err != nil || len(m.Data) != 1 {
		t.Errorf("UnmarshalBinary(padded) = %v, %+v", err, m)
	}
}
