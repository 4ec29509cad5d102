package proto_test

import (
	"encoding/binary"

	"github.com/nlkit/nlkit/proto"
)

// rawHeader builds a struct nlmsghdr by hand, in host byte order, without the package's help.
func rawHeader(length uint32, typ, flags uint16, seq, pid uint32) []byte {
	b := make([]byte, 16)
	binary.NativeEndian.PutUint32(b[0:], length)
	binary.NativeEndian.PutUint16(b[4:], typ)
	binary.NativeEndian.PutUint16(b[6:], flags)
	binary.NativeEndian.PutUint32(b[8:], seq)
	binary.NativeEndian.PutUint32(b[12:], pid)
	return b
}

// rawMsg builds a whole message by hand: header with nlmsg_len = 16+len(data), data, zero padding to 4.
func rawMsg(typ, flags uint16, seq, pid uint32, data []byte) []byte {
	b := rawHeader(uint32(16+len(data)), typ, flags, seq, pid)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// rawAttr builds a struct nlattr with nla_len l (not checked against data) followed by data and zero padding.
func rawAttr(l, typ uint16, data []byte) []byte {
	b := make([]byte, 4, 4+len(data)+3)
	binary.NativeEndian.PutUint16(b[0:], l)
	binary.NativeEndian.PutUint16(b[2:], typ)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// attr builds a well-formed attribute.
func attr(typ uint16, data []byte) []byte { return rawAttr(uint16(4+len(data)), typ, data) }

func u16(v uint16) []byte { return binary.NativeEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.NativeEndian.AppendUint64(nil, v) }

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

// msgKind reports the Kind of a *MessageError, or 0.
func msgKind(err error) proto.ErrorKind {
	if me, ok := err.(*proto.MessageError); ok {
		return me.Kind
	}
	return 0
}

// attrKind reports the Kind of an *AttrError, or 0.
func attrKind(err error) proto.AttrErrorKind {
	if ae, ok := err.(*proto.AttrError); ok {
		return ae.Kind
	}
	return 0
}
