package proto

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Attribute type flags of nla_type.
const (
	// NLA_F_NESTED: the attribute's payload is a list of attributes.
	AttrNested uint16 = 0x8000
	// NLA_F_NET_BYTEORDER: the attribute's integer payload is in network byte order.
	AttrNetByteOrder uint16 = 0x4000
	// NLA_TYPE_MASK: the bits of nla_type that hold the type.
	AttrTypeMask uint16 = ^(AttrNested | AttrNetByteOrder)
)

// AttrErrorKind classifies a malformed attribute.
type AttrErrorKind int

// The ways an attribute can be malformed.
const (
	// AttrShortHeader: fewer than NLA_HDRLEN bytes remain where an attribute header should start.
	AttrShortHeader AttrErrorKind = iota + 1
	// AttrShortLength: nla_len is smaller than NLA_HDRLEN.
	AttrShortLength
	// AttrOverrun: nla_len runs past the end of the enclosing buffer.
	AttrOverrun
	// AttrBadSize: the payload's size does not fit the type asked for (a u32 that is not 4 bytes).
	AttrBadSize
)

// String describes the kind of malformation.
func (k AttrErrorKind) String() string {
	switch k {
	case AttrShortHeader:
		return "truncated attribute header"
	case AttrShortLength:
		return "nla_len shorter than the attribute header"
	case AttrOverrun:
		return "nla_len runs past the end of the buffer"
	case AttrBadSize:
		return "payload size does not match the attribute's type"
	}
	return fmt.Sprintf("AttrErrorKind(%d)", int(k))
}

// AttrError reports a malformed attribute.
type AttrError struct {
	Kind AttrErrorKind
	// Type is the attribute's type (0 when no header could be read).
	Type uint16
	// Offset of the attribute within the buffer being decoded.
	Offset int
	// Length is nla_len, or the payload size for AttrBadSize.
	Length int
	// Want is the payload size expected, for AttrBadSize.
	Want int
}

// Error describes the malformed attribute and where it lies in the buffer.
func (e *AttrError) Error() string {
	if e.Kind == AttrBadSize {
		return fmt.Sprintf("netlink: attribute type %d at offset %d: %s (%d bytes, want %d)",
			e.Type, e.Offset, e.Kind, e.Length, e.Want)
	}
	return fmt.Sprintf("netlink: attribute type %d at offset %d: %s (nla_len %d)", e.Type, e.Offset, e.Kind, e.Length)
}

// Is lets errors.Is(err, &AttrError{Kind: k}) match by kind alone.
func (e *AttrError) Is(target error) bool {
	t, ok := target.(*AttrError)
	return ok && t.Kind == e.Kind && t.Type == 0 && t.Offset == 0 && t.Length == 0 && t.Want == 0
}

// AttrDecoder walks a list of attributes (struct nlattr / struct rtattr) without allocating.
// Accessors that meet a payload of the wrong size record an AttrBadSize error, returned by Err,
// and give a zero value; the walk stops at the first malformed attribute header.
//
//	ad := proto.NewAttrDecoder(b)
//	for ad.Next() {
//		switch ad.Type() {
//		case unix.IFLA_MTU:
//			mtu = ad.Uint32()
//		}
//	}
//	return ad.Err()
type AttrDecoder struct {
	b      []byte
	off    int
	curOff int
	typ    uint16
	data   []byte
	err    error
}

// NewAttrDecoder returns a decoder over the attributes in b.
func NewAttrDecoder(b []byte) AttrDecoder { return AttrDecoder{b: b} }

// Reset points ad at a new buffer.
func (ad *AttrDecoder) Reset(b []byte) { *ad = AttrDecoder{b: b} }

// Next advances to the next attribute; false at the end or on error.
func (ad *AttrDecoder) Next() bool {
	if ad.err != nil {
		return false
	}
	rest := len(ad.b) - ad.off
	if rest <= 0 {
		return false
	}
	if rest < AttrHeaderLen {
		if rest < AttrAlignTo && allZero(ad.b[ad.off:]) {
			ad.off = len(ad.b)
			return false
		}
		ad.err = &AttrError{Kind: AttrShortHeader, Offset: ad.off, Length: rest}
		return false
	}
	l := int(binary.NativeEndian.Uint16(ad.b[ad.off:]))
	t := binary.NativeEndian.Uint16(ad.b[ad.off+2:])
	if l < AttrHeaderLen {
		ad.err = &AttrError{Kind: AttrShortLength, Type: t & AttrTypeMask, Offset: ad.off, Length: l}
		return false
	}
	if l > rest {
		ad.err = &AttrError{Kind: AttrOverrun, Type: t & AttrTypeMask, Offset: ad.off, Length: l}
		return false
	}
	ad.curOff = ad.off
	ad.typ = t
	ad.data = ad.b[ad.off+AttrHeaderLen : ad.off+l]
	ad.off += AttrAlign(l)
	if ad.off > len(ad.b) {
		ad.off = len(ad.b)
	}
	return true
}

// Type is the current attribute's type without the NLA_F_NESTED and NLA_F_NET_BYTEORDER flags.
func (ad *AttrDecoder) Type() uint16 { return ad.typ & AttrTypeMask }

// RawType is the current attribute's nla_type, flags included.
func (ad *AttrDecoder) RawType() uint16 { return ad.typ }

// IsNested reports whether NLA_F_NESTED is set on the current attribute.
func (ad *AttrDecoder) IsNested() bool { return ad.typ&AttrNested != 0 }

// NetByteOrder reports whether NLA_F_NET_BYTEORDER is set on the current attribute.
func (ad *AttrDecoder) NetByteOrder() bool { return ad.typ&AttrNetByteOrder != 0 }

// Bytes is the current attribute's payload; it aliases the buffer.
func (ad *AttrDecoder) Bytes() []byte { return ad.data }

// Len is the current attribute's payload length.
func (ad *AttrDecoder) Len() int { return len(ad.data) }

// Err returns the first error met, or nil.
func (ad *AttrDecoder) Err() error { return ad.err }

func (ad *AttrDecoder) size(want int) bool {
	if len(ad.data) == want {
		return true
	}
	if ad.err == nil {
		ad.err = &AttrError{Kind: AttrBadSize, Type: ad.Type(), Offset: ad.curOff, Length: len(ad.data), Want: want}
	}
	return false
}

func (ad *AttrDecoder) order() binary.ByteOrder {
	if ad.NetByteOrder() {
		return binary.BigEndian
	}
	return binary.NativeEndian
}

// Uint8 decodes a u8 payload (NLA_U8).
func (ad *AttrDecoder) Uint8() uint8 {
	if !ad.size(1) {
		return 0
	}
	return ad.data[0]
}

// Uint16 decodes a u16 payload (NLA_U16), in network order when NLA_F_NET_BYTEORDER is set.
func (ad *AttrDecoder) Uint16() uint16 {
	if !ad.size(2) {
		return 0
	}
	return ad.order().Uint16(ad.data)
}

// Uint32 decodes a u32 payload (NLA_U32), in network order when NLA_F_NET_BYTEORDER is set.
func (ad *AttrDecoder) Uint32() uint32 {
	if !ad.size(4) {
		return 0
	}
	return ad.order().Uint32(ad.data)
}

// Uint64 decodes a u64 payload (NLA_U64), in network order when NLA_F_NET_BYTEORDER is set.
func (ad *AttrDecoder) Uint64() uint64 {
	if !ad.size(8) {
		return 0
	}
	return ad.order().Uint64(ad.data)
}

// Uint decodes NLA_UINT: a u32 or u64 payload.
func (ad *AttrDecoder) Uint() uint64 {
	switch len(ad.data) {
	case 4:
		return uint64(ad.order().Uint32(ad.data))
	case 8:
		return ad.order().Uint64(ad.data)
	}
	ad.size(8)
	return 0
}

// Int32 decodes an s32 payload (NLA_S32).
func (ad *AttrDecoder) Int32() int32 { return int32(ad.Uint32()) }

// Int64 decodes an s64 payload (NLA_S64).
func (ad *AttrDecoder) Int64() int64 { return int64(ad.Uint64()) }

// BE16 decodes a big-endian u16 (NLA_BE16), whatever the flags say.
func (ad *AttrDecoder) BE16() uint16 {
	if !ad.size(2) {
		return 0
	}
	return binary.BigEndian.Uint16(ad.data)
}

// BE32 decodes a big-endian u32 (NLA_BE32), whatever the flags say.
func (ad *AttrDecoder) BE32() uint32 {
	if !ad.size(4) {
		return 0
	}
	return binary.BigEndian.Uint32(ad.data)
}

// String decodes a string payload (NLA_STRING / NLA_NUL_STRING), dropping the NUL terminator and
// anything after it.
func (ad *AttrDecoder) String() string {
	return CString(ad.data)
}

// Nested returns a decoder over the current attribute's payload.
func (ad *AttrDecoder) Nested() AttrDecoder { return NewAttrDecoder(ad.data) }

// CString returns b up to its first NUL as a string, as the kernel's nla_strscpy reads an NLA_STRING.
func CString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}

// Attr is one attribute, struct nlattr (struct rtattr): its type (flags included) and payload.
type Attr struct {
	// Type is nla_type, NLA_F_NESTED and NLA_F_NET_BYTEORDER included.
	Type uint16
	// Data is the payload, nla_len - NLA_HDRLEN bytes (nla_data).
	Data []byte
}

// ParseAttrs decodes every attribute of b (the nla_for_each_attr walk) into a slice whose Data fields alias b.
// On a malformed attribute it returns those before it and an *AttrError.
func ParseAttrs(b []byte) ([]Attr, error) {
	var out []Attr
	ad := NewAttrDecoder(b)
	for ad.Next() {
		out = append(out, Attr{Type: ad.RawType(), Data: ad.Bytes()})
	}
	return out, ad.Err()
}

// ParseIndex fills tb, indexed by attribute type (flags masked), with the payload of each attribute of b,
// as parse_rtattr does: tb[type] holds the first attribute of that type; types beyond len(tb)-1 are ignored.
// tb is cleared first. Absent attributes are nil.
func ParseIndex(tb [][]byte, b []byte) error {
	clear(tb)
	ad := NewAttrDecoder(b)
	for ad.Next() {
		t := int(ad.Type())
		if t < len(tb) && tb[t] == nil {
			tb[t] = ad.Bytes()[:len(ad.Bytes()):len(ad.Bytes())]
		}
	}
	return ad.Err()
}

// AttrEncoder builds a list of attributes (nla_put, addattr_l) by appending to a caller-owned buffer.
// The zero value is ready to use.
//
//	var ae proto.AttrEncoder
//	ae.String(unix.IFLA_IFNAME, "veth0")
//	n := ae.Nest(unix.IFLA_LINKINFO)
//	ae.String(unix.IFLA_INFO_KIND, "veth")
//	ae.End(n)
//	b := ae.Bytes()
type AttrEncoder struct {
	b []byte
}

// NewAttrEncoder returns an encoder appending to buf (which may be nil or a reused buffer[:0]).
func NewAttrEncoder(buf []byte) *AttrEncoder { return &AttrEncoder{b: buf} }

// Bytes returns the encoded attributes.
func (ae *AttrEncoder) Bytes() []byte { return ae.b }

// Len is the number of bytes encoded so far.
func (ae *AttrEncoder) Len() int { return len(ae.b) }

// Reset empties the encoder, keeping its buffer.
func (ae *AttrEncoder) Reset() { ae.b = ae.b[:0] }

// Raw adds an attribute with a raw payload. Payloads over 65531 bytes cannot be encoded in nla_len and panic,
// which is a programming error, not bad input.
func (ae *AttrEncoder) Raw(typ uint16, data []byte) {
	l := AttrLength(len(data))
	if l > math.MaxUint16 {
		panic(fmt.Sprintf("proto: attribute type %d payload of %d bytes exceeds nla_len", typ, len(data)))
	}
	off := len(ae.b)
	ae.b = append(ae.b, make([]byte, AttrAlign(l))...)
	binary.NativeEndian.PutUint16(ae.b[off:], uint16(l))
	binary.NativeEndian.PutUint16(ae.b[off+2:], typ)
	copy(ae.b[off+AttrHeaderLen:], data)
}

// Flag adds an attribute with no payload (NLA_FLAG).
func (ae *AttrEncoder) Flag(typ uint16) { ae.Raw(typ, nil) }

// Uint8 adds a u8 attribute.
func (ae *AttrEncoder) Uint8(typ uint16, v uint8) { ae.Raw(typ, []byte{v}) }

// Uint16 adds a u16 attribute in host order.
func (ae *AttrEncoder) Uint16(typ uint16, v uint16) {
	var b [2]byte
	binary.NativeEndian.PutUint16(b[:], v)
	ae.Raw(typ, b[:])
}

// Uint32 adds a u32 attribute in host order.
func (ae *AttrEncoder) Uint32(typ uint16, v uint32) {
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], v)
	ae.Raw(typ, b[:])
}

// Uint64 adds a u64 attribute in host order.
func (ae *AttrEncoder) Uint64(typ uint16, v uint64) {
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], v)
	ae.Raw(typ, b[:])
}

// Int32 adds an s32 attribute.
func (ae *AttrEncoder) Int32(typ uint16, v int32) { ae.Uint32(typ, uint32(v)) }

// BE16 adds a big-endian u16 attribute (NLA_BE16); the caller adds NLA_F_NET_BYTEORDER to typ if the family wants it.
func (ae *AttrEncoder) BE16(typ uint16, v uint16) {
	var b [2]byte
	binary.BigEndian.PutUint16(b[:], v)
	ae.Raw(typ, b[:])
}

// BE32 adds a big-endian u32 attribute (NLA_BE32).
func (ae *AttrEncoder) BE32(typ uint16, v uint32) {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], v)
	ae.Raw(typ, b[:])
}

// String adds a NUL-terminated string attribute (NLA_NUL_STRING; the kernel's NLA_STRING accepts it too).
// Like Raw, it panics when the string does not fit in nla_len (over 65530 bytes).
func (ae *AttrEncoder) String(typ uint16, s string) {
	l := AttrLength(len(s) + 1)
	if l > math.MaxUint16 {
		panic(fmt.Sprintf("proto: attribute type %d string of %d bytes exceeds nla_len", typ, len(s)))
	}
	off := len(ae.b)
	ae.b = append(ae.b, make([]byte, AttrAlign(l))...)
	binary.NativeEndian.PutUint16(ae.b[off:], uint16(l))
	binary.NativeEndian.PutUint16(ae.b[off+2:], typ)
	copy(ae.b[off+AttrHeaderLen:], s)
}

// Nest opens a nested attribute of type typ with NLA_F_NESTED set and returns its offset for End.
func (ae *AttrEncoder) Nest(typ uint16) int { return ae.NestRaw(typ | AttrNested) }

// NestRaw opens a nested attribute with typ exactly as given (older families do not set NLA_F_NESTED).
func (ae *AttrEncoder) NestRaw(typ uint16) int {
	off := len(ae.b)
	ae.b = append(ae.b, 0, 0, 0, 0)
	binary.NativeEndian.PutUint16(ae.b[off+2:], typ)
	return off
}

// End closes the nested attribute opened at off, writing its nla_len (nla_nest_end). A nest whose contents
// exceed what nla_len can hold (65535 bytes) panics rather than silently writing a wrapped length.
func (ae *AttrEncoder) End(off int) {
	l := len(ae.b) - off
	if l > math.MaxUint16 {
		panic(fmt.Sprintf("proto: nested attribute of %d bytes exceeds nla_len", l))
	}
	binary.NativeEndian.PutUint16(ae.b[off:], uint16(l))
}
