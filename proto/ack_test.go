package proto_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/nlkit/nlkit/proto"
)

// request is an RTM_NEWROUTE-like request: a 12-byte family header and one attribute (28 bytes of payload).
func request() proto.Message {
	return proto.Message{
		Header: proto.Header{Length: 44, Type: 24, Flags: proto.FlagRequest | proto.FlagAck | proto.FlagCreate,
			Sequence: 7, PortID: 0},
		Data: cat(make([]byte, 12), attr(1, []byte("0123456789ab"))),
	}
}

// errnoBytes is the int error of struct nlmsgerr: the negated errno.
func errnoBytes(e syscall.Errno) []byte { return u32(uint32(-int32(e))) }

// kernelError builds an NLMSG_ERROR as netlink_ack does, by hand: error, request header, echoed payload
// unless capped, then tlvs.
func kernelError(e syscall.Errno, req proto.Message, flags uint16, tlvs []byte) proto.Message {
	rh := rawHeader(uint32(16+len(req.Data)), req.Header.Type, req.Header.Flags, req.Header.Sequence, req.Header.PortID)
	data := cat(errnoBytes(e), rh)
	if flags&proto.FlagCapped == 0 {
		data = append(data, req.Data...)
		for len(data)%4 != 0 {
			data = append(data, 0)
		}
	}
	data = append(data, tlvs...)
	dg := rawMsg(proto.TypeError, flags, req.Header.Sequence, 1234, data)
	var m proto.Message
	if err := m.UnmarshalBinary(dg); err != nil {
		panic(err)
	}
	return m
}

func TestParseAckPlain(t *testing.T) {
	req := request()
	m := kernelError(0, req, proto.FlagCapped, nil)
	a, err := proto.ParseAck(m)
	if err != nil || a.Errno != 0 || a.Err() != nil || a.Done {
		t.Fatalf("ParseAck(ack) = %+v, %v", a, err)
	}
	wantH := req.Header
	if a.Request != wantH || len(a.RequestPayload) != 0 {
		t.Errorf("Request = %+v payload % x, want %+v", a.Request, a.RequestPayload, wantH)
	}
	// A pre-4.12 kernel acks without NLM_F_CAPPED and without the payload.
	old := kernelError(0, req, proto.FlagCapped, nil)
	old.Header.Flags = 0
	if a, err := proto.ParseAck(old); err != nil || a.Err() != nil || len(a.RequestPayload) != 0 {
		t.Errorf("ParseAck(uncapped ack) = %+v, %v", a, err)
	}
}

func TestParseAckErrorWithEcho(t *testing.T) {
	req := request()
	m := kernelError(syscall.EEXIST, req, 0, nil)
	a, err := proto.ParseAck(m)
	if err != nil {
		t.Fatal(err)
	}
	if a.Errno != syscall.EEXIST || a.Request != req.Header || !bytes.Equal(a.RequestPayload, req.Data) {
		t.Errorf("ParseAck = %+v", a)
	}
	e := a.Err()
	if !errors.Is(e, syscall.EEXIST) || errors.Is(e, syscall.ENOENT) {
		t.Errorf("errors.Is(%v, EEXIST/ENOENT) wrong", e)
	}
	if !errors.Is(e, &proto.Error{Errno: syscall.EEXIST}) || errors.Is(e, &proto.Error{Errno: syscall.EPERM}) {
		t.Error("errors.Is(*Error) by errno wrong")
	}
	var pe *proto.Error
	if !errors.As(e, &pe) || pe.Request != req.Header {
		t.Errorf("errors.As *Error: %+v", pe)
	}
	if got, want := e.Error(), "netlink: "+syscall.EEXIST.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}

	// An unaligned request payload is echoed padded; the TLVs start after the padding.
	odd := proto.Message{Header: proto.Header{Length: 21, Type: 30, Flags: proto.FlagRequest, Sequence: 3},
		Data: []byte{1, 2, 3, 4, 5}}
	m = kernelError(syscall.EINVAL, odd, proto.FlagAckTLVs, attr(proto.ExtAckMsg, []byte("bad\x00")))
	a, err = proto.ParseAck(m)
	if err != nil || !bytes.Equal(a.RequestPayload, odd.Data) || a.ExtAck.Msg != "bad" {
		t.Errorf("unaligned echo: %+v, %v", a, err)
	}
	// A positive error value (not what the kernel sends) is taken as the errno too.
	copy(m.Data, u32(5))
	if a, _ := proto.ParseAck(m); a.Errno != syscall.EIO {
		t.Errorf("positive error: Errno %d", a.Errno)
	}
}

func TestParseAckCappedWithAllTLVs(t *testing.T) {
	req := request()
	policy := cat(attr(1, u32(3)), attr(2, u32(0))) // NL_POLICY_TYPE_ATTR_TYPE, ..._MIN_VALUE_S
	tlvs := cat(
		attr(proto.ExtAckMsg, []byte("Nexthop device is not up\x00")),
		attr(proto.ExtAckOffs, u32(32)),
		attr(proto.ExtAckCookie, []byte{0xc0, 0x0c, 0x1e}),
		attr(proto.ExtAckPolicy|proto.AttrNested, policy),
		attr(proto.ExtAckMissType, u32(5)),
		attr(proto.ExtAckMissNest, u32(28)),
		attr(99, []byte("unknown TLVs are skipped")),
	)
	m := kernelError(syscall.ENETDOWN, req, proto.FlagCapped|proto.FlagAckTLVs, tlvs)
	a, err := proto.ParseAck(m)
	if err != nil {
		t.Fatal(err)
	}
	want := proto.ExtAck{Msg: "Nexthop device is not up", Offset: 32, HasOffset: true, Cookie: []byte{0xc0, 0x0c, 0x1e},
		Policy: policy, MissType: 5, HasMissType: true, MissNest: 28, HasMissNest: true}
	if !reflect.DeepEqual(a.ExtAck, want) {
		t.Errorf("ExtAck = %+v\nwant %+v", a.ExtAck, want)
	}
	if a.Errno != syscall.ENETDOWN || len(a.RequestPayload) != 0 || a.Request != req.Header {
		t.Errorf("Ack = %+v", a)
	}
	e := a.Err()
	if !errors.Is(e, syscall.ENETDOWN) {
		t.Error("errors.Is ENETDOWN")
	}
	s := e.Error()
	for _, part := range []string{syscall.ENETDOWN.Error(), "Nexthop device is not up", "missing attribute type 5"} {
		if !strings.Contains(s, part) {
			t.Errorf("Error() = %q lacks %q", s, part)
		}
	}

	// The same TLVs after a full echo.
	m = kernelError(syscall.ENETDOWN, req, proto.FlagAckTLVs, tlvs)
	a, err = proto.ParseAck(m)
	if err != nil || !reflect.DeepEqual(a.ExtAck, want) || !bytes.Equal(a.RequestPayload, req.Data) {
		t.Errorf("uncapped with TLVs: %+v, %v", a, err)
	}

	// A warning on a successful ack: errno 0 with a message.
	m = kernelError(0, req, proto.FlagCapped|proto.FlagAckTLVs, attr(proto.ExtAckMsg, []byte("deprecated\x00")))
	a, err = proto.ParseAck(m)
	if err != nil || a.Err() != nil || a.ExtAck.Msg != "deprecated" {
		t.Errorf("ack with warning: %+v, %v", a, err)
	}
}

func TestParseAckDone(t *testing.T) {
	for _, c := range []struct {
		name  string
		flags uint16
		data  []byte
		errno syscall.Errno
		msg   string
		kind  proto.ErrorKind
	}{
		{"empty", proto.FlagMulti, nil, 0, "", 0},
		{"errno 0", proto.FlagMulti, u32(0), 0, "", 0},
		{"error", proto.FlagMulti, errnoBytes(syscall.EINTR), syscall.EINTR, "", 0},
		{"error and TLVs", proto.FlagMulti | proto.FlagAckTLVs,
			cat(errnoBytes(syscall.EINVAL), attr(proto.ExtAckMsg, []byte("bad filter\x00")), attr(proto.ExtAckOffs, u32(20))),
			syscall.EINVAL, "bad filter", 0},
		{"TLVs without the flag are ignored", proto.FlagMulti, cat(u32(0), attr(proto.ExtAckMsg, []byte("x\x00"))), 0, "", 0},
		{"short", proto.FlagMulti, []byte{1, 2}, 0, "", proto.ErrShortPayload},
		{"3 bytes", proto.FlagMulti, []byte{1, 2, 3}, 0, "", proto.ErrShortPayload},
	} {
		m := proto.Message{Header: proto.Header{Length: uint32(16 + len(c.data)), Type: proto.TypeDone, Flags: c.flags},
			Data: c.data}
		a, err := proto.ParseAck(m)
		if msgKind(err) != c.kind || (c.kind == 0 && err != nil) {
			t.Errorf("%s: err %v, want kind %v", c.name, err, c.kind)
		}
		if !a.Done || a.Errno != c.errno || a.ExtAck.Msg != c.msg {
			t.Errorf("%s: %+v", c.name, a)
		}
		if c.errno != 0 && !errors.Is(a.Err(), c.errno) {
			t.Errorf("%s: Err() = %v", c.name, a.Err())
		}
	}
	// A malformed TLV after NLMSG_DONE's errno.
	m := proto.Message{Header: proto.Header{Type: proto.TypeDone, Flags: proto.FlagAckTLVs},
		Data: cat(u32(0), rawAttr(40, proto.ExtAckMsg, []byte("x")))}
	if _, err := proto.ParseAck(m); attrKind(err) != proto.AttrOverrun {
		t.Errorf("DONE with bad TLV: %v", err)
	}
}

func TestParseAckMalformed(t *testing.T) {
	req := request()
	full := kernelError(syscall.EEXIST, req, 0, nil)
	for _, n := range []int{0, 1, 3, 4, 8, 19} {
		m := proto.Message{Header: proto.Header{Type: proto.TypeError}, Data: full.Data[:n]}
		_, err := proto.ParseAck(m)
		var me *proto.MessageError
		if !errors.As(err, &me) || me.Kind != proto.ErrShortPayload || me.Available != n {
			t.Errorf("NLMSG_ERROR with %d payload bytes: %v", n, err)
		}
	}
	// Without NLM_F_ACK_TLVS a truncated echo is kept as far as it goes.
	m := proto.Message{Header: full.Header, Data: full.Data[:30]}
	if a, err := proto.ParseAck(m); err != nil || !bytes.Equal(a.RequestPayload, req.Data[:10]) {
		t.Errorf("truncated echo: % x, %v", a.RequestPayload, err)
	}
	// With NLM_F_ACK_TLVS the TLVs cannot be found: an error.
	m.Header.Flags = proto.FlagAckTLVs
	if _, err := proto.ParseAck(m); msgKind(err) != proto.ErrShortPayload {
		t.Errorf("truncated echo with TLVs: %v", err)
	}
	// A bogus echoed nlmsg_len below the header size echoes nothing.
	bogus := kernelError(syscall.EPERM, req, proto.FlagCapped, nil)
	copy(bogus.Data[4:], u32(3))
	bogus.Header.Flags = 0
	if a, err := proto.ParseAck(bogus); err != nil || len(a.RequestPayload) != 0 || a.Errno != syscall.EPERM {
		t.Errorf("bogus echoed length: %+v, %v", a, err)
	}
	// Malformed TLVs and badly sized ones.
	for _, c := range []struct {
		name string
		tlvs []byte
		kind proto.AttrErrorKind
	}{
		{"overrun", rawAttr(50, proto.ExtAckMsg, []byte("x")), proto.AttrOverrun},
		{"short nla_len", rawAttr(2, proto.ExtAckMsg, nil), proto.AttrShortLength},
		{"offset of 2 bytes", attr(proto.ExtAckOffs, []byte{1, 2}), proto.AttrBadSize},
		{"miss type of 8 bytes", attr(proto.ExtAckMissType, u64(1)), proto.AttrBadSize},
		{"miss nest of 0 bytes", attr(proto.ExtAckMissNest, nil), proto.AttrBadSize},
	} {
		m := kernelError(syscall.EINVAL, req, proto.FlagCapped|proto.FlagAckTLVs, c.tlvs)
		a, err := proto.ParseAck(m)
		if attrKind(err) != c.kind {
			t.Errorf("%s: err %v, want %v", c.name, err, c.kind)
		}
		if a.ExtAck.HasOffset || a.ExtAck.HasMissType || a.ExtAck.HasMissNest {
			t.Errorf("%s: a badly sized TLV is marked present: %+v", c.name, a.ExtAck)
		}
	}
	// Neither NLMSG_ERROR nor NLMSG_DONE.
	if _, err := proto.ParseAck(req); err == nil {
		t.Error("ParseAck(RTM_NEWROUTE) = nil error")
	}
}

func TestAppendAckRoundTrip(t *testing.T) {
	req := request()
	full := &proto.ExtAck{Msg: "invalid prefix", Offset: 28, HasOffset: true, Cookie: []byte{1, 2, 3, 4, 5},
		Policy: attr(1, u32(3)), MissType: 4, HasMissType: true, MissNest: 16, HasMissNest: true}
	for _, c := range []struct {
		name   string
		errno  syscall.Errno
		capped bool
		ext    *proto.ExtAck
	}{
		{"ack", 0, false, nil},
		{"ack capped", 0, true, nil},
		{"ack with warning", 0, false, &proto.ExtAck{Msg: "deprecated"}},
		{"error", syscall.EEXIST, false, nil},
		{"error capped", syscall.EEXIST, true, nil},
		{"error with empty ext", syscall.EEXIST, false, &proto.ExtAck{}},
		{"error with msg", syscall.EINVAL, false, &proto.ExtAck{Msg: "bad"}},
		{"error with every TLV", syscall.EINVAL, false, full},
		{"capped error with every TLV", syscall.EINVAL, true, full},
		{"offset 0 only", syscall.ERANGE, true, &proto.ExtAck{HasOffset: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := proto.AppendAck([]byte{0xee}, req, c.errno, c.capped, c.ext, 4242)
			if b[0] != 0xee {
				t.Fatal("AppendAck clobbered the buffer")
			}
			msgs, err := proto.ParseMessages(b[1:])
			if err != nil || len(msgs) != 1 {
				t.Fatalf("ParseMessages: %d, %v", len(msgs), err)
			}
			m := msgs[0]
			capped := c.capped || c.errno == 0
			tlvs := c.ext != nil && !reflect.DeepEqual(*c.ext, proto.ExtAck{})
			if m.Header.Type != proto.TypeError || m.Header.Sequence != req.Header.Sequence || m.Header.PortID != 4242 ||
				(m.Header.Flags&proto.FlagCapped != 0) != capped || (m.Header.Flags&proto.FlagAckTLVs != 0) != tlvs {
				t.Errorf("header %+v", m.Header)
			}
			a, err := proto.ParseAck(m)
			if err != nil {
				t.Fatal(err)
			}
			if a.Errno != c.errno || a.Request != req.Header || a.Done {
				t.Errorf("Ack %+v", a)
			}
			if capped && len(a.RequestPayload) != 0 || !capped && !bytes.Equal(a.RequestPayload, req.Data) {
				t.Errorf("RequestPayload % x (capped %v)", a.RequestPayload, capped)
			}
			want := proto.ExtAck{}
			if c.ext != nil {
				want = *c.ext
			}
			if !reflect.DeepEqual(a.ExtAck, want) {
				t.Errorf("ExtAck %+v\nwant %+v", a.ExtAck, want)
			}
			if (a.Err() == nil) != (c.errno == 0) {
				t.Errorf("Err() = %v", a.Err())
			}
		})
	}
}
