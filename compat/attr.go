package compat

import (
	"encoding/binary"
	"fmt"

	"github.com/nlkit/nlkit/proto"
)

// Rtattr is one attribute, struct rtattr and its payload: the bytes from the attribute's header to the end of
// its payload (rta_len bytes). It is the Go form of a struct rtattr * in libnetlink code. The nil Rtattr is the
// NULL pointer: ParseRtattr leaves absent attributes nil, so C's
//
//	if (tb[IFLA_MTU])
//
// is, in Go,
//
//	if tb[unix.IFLA_MTU] != nil
//
// A parsed Rtattr aliases the message it came from.
type Rtattr []byte

// NewRtattr returns a standalone attribute of type typ with an empty payload (rta_len RTA_LENGTH(0)) and room for
// size bytes, for building with RtaAddattrL and the others, as C code does with a char buffer:
//
//	struct rtattr *mxrta = (void *)mxbuf;
//	mxrta->rta_type = RTA_METRICS;
//	mxrta->rta_len = RTA_LENGTH(0);
func NewRtattr(typ uint16, size int) Rtattr {
	b := make([]byte, proto.AttrHeaderLen, max(size, proto.AttrHeaderLen))
	binary.NativeEndian.PutUint16(b[0:2], proto.AttrHeaderLen)
	binary.NativeEndian.PutUint16(b[2:4], typ)
	return b
}

// Len is rta_len (0 for a nil or truncated attribute).
func (rta Rtattr) Len() uint16 {
	if len(rta) < proto.AttrHeaderLen {
		return 0
	}
	return binary.NativeEndian.Uint16(rta)
}

// Type is rta_type, flags (NLA_F_NESTED, NLA_F_NET_BYTEORDER) included; RtaType masks them.
func (rta Rtattr) Type() uint16 {
	if len(rta) < proto.AttrHeaderLen {
		return 0
	}
	return binary.NativeEndian.Uint16(rta[2:])
}

// Data is RTA_DATA(rta): the payload, RTA_PAYLOAD(rta) bytes. It aliases the attribute.
func (rta Rtattr) Data() []byte {
	l := int(rta.Len())
	if l < proto.AttrHeaderLen || l > len(rta) {
		return nil
	}
	return rta[proto.AttrHeaderLen:l]
}

// Payload is RTA_PAYLOAD(rta).
func (rta Rtattr) Payload() int { return len(rta.Data()) }

// MaxlenError reports that an attribute does not fit in the message's maximum length: libnetlink prints
// "addattr_l ERROR: message exceeded bound of N" (or the rta_addattr_l / addraw_l variant) and returns -1.
type MaxlenError struct {
	// Func is the libnetlink function that refused: addattr_l, addraw_l, rta_addattr_l, rta_addattr32.
	Func string
	// Maxlen is the bound given, Need the length the message would have had.
	Maxlen, Need int
}

func (e *MaxlenError) Error() string {
	switch e.Func {
	case "rta_addattr_l", "rta_addattr32":
		return fmt.Sprintf("%s: Error! max allowed bound %d exceeded", e.Func, e.Maxlen)
	}
	return fmt.Sprintf("%s ERROR: message exceeded bound of %d", e.Func, e.Maxlen)
}

// ArgError reports an argument no message can have, where libnetlink would read or write out of bounds: an
// nlmsg_len below NLMSG_HDRLEN given to a builder (addattr_l, addraw_l...), or a negative max given to a parser
// (parse_rtattr...). The call changes nothing, as the C function returning -1.
type ArgError struct {
	// Func is the libnetlink function's name; Arg names the argument and Value is what it was.
	Func, Arg string
	Value     int64
}

func (e *ArgError) Error() string {
	return fmt.Sprintf("%s: invalid %s %d", e.Func, e.Arg, e.Value)
}

// room checks that the message can grow to need bytes within maxlen and its buffer, and that its nlmsg_len
// covers the header at least (its tail would be before the payload otherwise).
func (n *Nlmsghdr) room(fn string, maxlen, need int) error {
	if n.Len < nlmsgHdrlen {
		return &ArgError{Func: fn, Arg: "nlmsg_len", Value: int64(n.Len)}
	}
	if need > maxlen || need > n.Size() {
		return &MaxlenError{Func: fn, Maxlen: maxlen, Need: need}
	}
	return nil
}

// tail is NLMSG_TAIL(n) as an offset into the payload buffer.
func (n *Nlmsghdr) tail() int { return proto.Align(int(n.Len)) - nlmsgHdrlen }

// AddattrL is addattr_l: it appends an attribute of type typ with payload data at NLMSG_ALIGN(nlmsg_len) and sets
// nlmsg_len past it (aligned). When the message would exceed maxlen bytes (or its buffer) it is left unchanged
// and a *MaxlenError is returned; when nlmsg_len is below NLMSG_HDRLEN, an *ArgError.
func AddattrL(n *Nlmsghdr, maxlen int, typ uint16, data []byte) error {
	l := proto.AttrLength(len(data))
	if n.Len < nlmsgHdrlen {
		return &ArgError{Func: "addattr_l", Arg: "nlmsg_len", Value: int64(n.Len)}
	}
	if l > 0xffff {
		return &MaxlenError{Func: "addattr_l", Maxlen: maxlen, Need: proto.Align(int(n.Len)) + l}
	}
	need := proto.Align(int(n.Len)) + proto.AttrAlign(l)
	if err := n.room("addattr_l", maxlen, need); err != nil {
		return err
	}
	off := n.tail()
	clear(n.buf[max(n.used(), 0):off])
	binary.NativeEndian.PutUint16(n.buf[off:], uint16(l))
	binary.NativeEndian.PutUint16(n.buf[off+2:], typ)
	copy(n.buf[off+proto.AttrHeaderLen:], data)
	clear(n.buf[off+l : need-nlmsgHdrlen])
	n.Len = uint32(need)
	return nil
}

// Addattr is addattr: an attribute with no payload (a flag).
func Addattr(n *Nlmsghdr, maxlen int, typ uint16) error { return AddattrL(n, maxlen, typ, nil) }

// Addattr8 is addattr8.
func Addattr8(n *Nlmsghdr, maxlen int, typ uint16, v uint8) error {
	return AddattrL(n, maxlen, typ, []byte{v})
}

// Addattr16 is addattr16: a u16 in host byte order.
func Addattr16(n *Nlmsghdr, maxlen int, typ uint16, v uint16) error {
	return AddattrL(n, maxlen, typ, binary.NativeEndian.AppendUint16(nil, v))
}

// Addattr32 is addattr32: a u32 in host byte order.
func Addattr32(n *Nlmsghdr, maxlen int, typ uint16, v uint32) error {
	return AddattrL(n, maxlen, typ, binary.NativeEndian.AppendUint32(nil, v))
}

// Addattr64 is addattr64: a u64 in host byte order.
func Addattr64(n *Nlmsghdr, maxlen int, typ uint16, v uint64) error {
	return AddattrL(n, maxlen, typ, binary.NativeEndian.AppendUint64(nil, v))
}

// Addattrstrz is addattrstrz: s and its NUL terminator.
func Addattrstrz(n *Nlmsghdr, maxlen int, typ uint16, s string) error {
	return AddattrL(n, maxlen, typ, append([]byte(s), 0))
}

// AddrawL is addraw_l: it appends data, padded with zeros to NLMSG_ALIGNTO, at NLMSG_ALIGN(nlmsg_len) (a family
// header inside a nest, such as the struct ifinfomsg of a veth peer). Its errors are AddattrL's.
func AddrawL(n *Nlmsghdr, maxlen int, data []byte) error {
	need := proto.Align(int(n.Len)) + proto.Align(len(data))
	if err := n.room("addraw_l", maxlen, need); err != nil {
		return err
	}
	off := n.tail()
	clear(n.buf[n.used():off])
	copy(n.buf[off:], data)
	clear(n.buf[off+len(data) : need-nlmsgHdrlen])
	n.Len = uint32(need)
	return nil
}

// AddattrNest is addattr_nest: it opens a nested attribute of type typ (flags as given: libnetlink does not add
// NLA_F_NESTED) and returns its offset in the message, for AddattrNestEnd. On error the offset is still returned,
// as C returns NLMSG_TAIL(n) whether or not the attribute fit; AddattrNestEnd then does nothing.
func AddattrNest(n *Nlmsghdr, maxlen int, typ uint16) (int, error) {
	nest := proto.Align(int(n.Len))
	return nest, AddattrL(n, maxlen, typ, nil)
}

// AddattrNestEnd is addattr_nest_end: it sets the nest's rta_len to reach the end of the message and returns
// nlmsg_len.
func AddattrNestEnd(n *Nlmsghdr, nest int) int {
	off := nest - nlmsgHdrlen
	if off >= 0 && off+proto.AttrHeaderLen <= n.used() {
		l := proto.Align(int(n.Len)) - nest
		binary.NativeEndian.PutUint16(n.buf[off:], uint16(min(l, 0xffff)))
	}
	return int(n.Len)
}

// AddattrNestCompat is addattr_nest_compat: the old "compat" nest some qdiscs use, an attribute of type typ
// holding data followed by a nested attribute of the same type. It returns the offset of the outer attribute.
func AddattrNestCompat(n *Nlmsghdr, maxlen int, typ uint16, data []byte) (int, error) {
	start := proto.Align(int(n.Len))
	if err := AddattrL(n, maxlen, typ, data); err != nil {
		return start, err
	}
	_, err := AddattrNest(n, maxlen, typ)
	return start, err
}

// AddattrNestCompatEnd is addattr_nest_compat_end: it closes the inner nest and the outer attribute and returns
// nlmsg_len.
func AddattrNestCompatEnd(n *Nlmsghdr, start int) int {
	off := start - nlmsgHdrlen
	if off < 0 || off+proto.AttrHeaderLen > n.used() {
		return int(n.Len)
	}
	inner := start + proto.Align(int(binary.NativeEndian.Uint16(n.buf[off:])))
	l := proto.Align(int(n.Len)) - start
	binary.NativeEndian.PutUint16(n.buf[off:], uint16(min(l, 0xffff)))
	return AddattrNestEnd(n, inner)
}

// RtaAddattrL is rta_addattr_l: it appends a sub-attribute to the standalone attribute *rta, which may grow to
// maxlen bytes, and sets rta_len past it (aligned).
func RtaAddattrL(rta *Rtattr, maxlen int, typ uint16, data []byte) error {
	cur := proto.AttrAlign(int(rta.Len()))
	l := proto.AttrLength(len(data))
	need := cur + proto.AttrAlign(l)
	if need > maxlen || need > 0xffff || len(*rta) < proto.AttrHeaderLen {
		return &MaxlenError{Func: "rta_addattr_l", Maxlen: maxlen, Need: need}
	}
	b := growTo(*rta, need)
	clear(b[int(rta.Len()):need])
	binary.NativeEndian.PutUint16(b[cur:], uint16(l))
	binary.NativeEndian.PutUint16(b[cur+2:], typ)
	copy(b[cur+proto.AttrHeaderLen:], data)
	binary.NativeEndian.PutUint16(b[0:], uint16(need))
	*rta = b[:need]
	return nil
}

func growTo(b []byte, n int) []byte {
	if n <= cap(b) {
		return b[:n]
	}
	c := make([]byte, n, max(n, 2*cap(b)))
	copy(c, b)
	return c
}

// RtaAddattr8 is rta_addattr8.
func RtaAddattr8(rta *Rtattr, maxlen int, typ uint16, v uint8) error {
	return RtaAddattrL(rta, maxlen, typ, []byte{v})
}

// RtaAddattr16 is rta_addattr16.
func RtaAddattr16(rta *Rtattr, maxlen int, typ uint16, v uint16) error {
	return RtaAddattrL(rta, maxlen, typ, binary.NativeEndian.AppendUint16(nil, v))
}

// RtaAddattr32 is rta_addattr32.
func RtaAddattr32(rta *Rtattr, maxlen int, typ uint16, v uint32) error {
	err := RtaAddattrL(rta, maxlen, typ, binary.NativeEndian.AppendUint32(nil, v))
	if e, ok := err.(*MaxlenError); ok {
		e.Func = "rta_addattr32"
	}
	return err
}

// RtaAddattr64 is rta_addattr64.
func RtaAddattr64(rta *Rtattr, maxlen int, typ uint16, v uint64) error {
	return RtaAddattrL(rta, maxlen, typ, binary.NativeEndian.AppendUint64(nil, v))
}

// RtaNest is rta_nest: it opens a nested sub-attribute of type typ|NLA_F_NESTED in *rta and returns its offset.
func RtaNest(rta *Rtattr, maxlen int, typ uint16) (int, error) {
	nest := proto.AttrAlign(int(rta.Len()))
	err := RtaAddattrL(rta, maxlen, typ|proto.AttrNested, nil)
	return nest, err
}

// RtaNestEnd is rta_nest_end: it sets the nest's rta_len to reach the end of *rta and returns the outer rta_len.
func RtaNestEnd(rta *Rtattr, nest int) int {
	b := *rta
	if nest >= proto.AttrHeaderLen && nest+proto.AttrHeaderLen <= len(b) {
		binary.NativeEndian.PutUint16(b[nest:], uint16(proto.AttrAlign(int(rta.Len()))-nest))
	}
	return int(rta.Len())
}
