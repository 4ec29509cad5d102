package compat

import (
	"encoding/binary"
	"unsafe"

	"github.com/nlkit/nlkit/proto"
)

// Nlmsghdr is a netlink message: struct nlmsghdr and the payload after it, the Go form of a struct nlmsghdr *
// in libnetlink code. The header fields are Go fields (n->nlmsg_len is n.Len); the payload lives in a buffer of
// fixed size, as in the C idiom
//
//	struct {
//		struct nlmsghdr  n;
//		struct ifinfomsg i;
//		char             buf[1024];
//	} req = { ... };
//
// which NewRequest builds. Len is authoritative, as nlmsg_len is in C: the bytes of the message are the header
// and the first Len-16 bytes of the payload buffer. The builders (AddattrL and the others) write after
// NLMSG_ALIGN(Len) and raise Len; they never move the buffer, so a pointer from NlmsgData stays valid while
// attributes are added.
//
// A filter or listen callback receives an *Nlmsghdr whose payload aliases the received datagram: it is valid
// only during the call (libnetlink frees the buffer after the callback too). Copy it with Clone to keep it.
type Nlmsghdr struct {
	// Len is nlmsg_len: the length of the message, header included.
	Len uint32
	// Type is nlmsg_type (RTM_NEWLINK, NLMSG_ERROR...).
	Type uint16
	// Flags is nlmsg_flags (NLM_F_*).
	Flags uint16
	// Seq is nlmsg_seq.
	Seq uint32
	// Pid is nlmsg_pid.
	Pid uint32

	buf []byte // the payload area: NLMSG_DATA(n) up to the end of the request buffer
}

// NLMSG_HDRLEN, the size of struct nlmsghdr.
const nlmsgHdrlen = proto.HeaderLen

// NewNlmsg returns a zeroed message buffer of size bytes, header included (the C sizeof(req)), with nlmsg_len
// NLMSG_LENGTH(0). A size below NLMSG_HDRLEN is raised to it.
func NewNlmsg(size int) *Nlmsghdr {
	size = max(size, nlmsgHdrlen)
	return &Nlmsghdr{Len: nlmsgHdrlen, buf: make([]byte, size-nlmsgHdrlen)}
}

// NewRequest returns the Go form of a C request struct: struct nlmsghdr with nlmsg_type typ and nlmsg_flags
// flags, the family header fixed (struct ifinfomsg, struct rtmsg...), and bufLen more bytes for attributes
// (char buf[bufLen]). nlmsg_len is NLMSG_LENGTH(sizeof(fixed)), as the C initializers set it. Size() is the
// C sizeof(req), the maxlen to give the attribute builders.
func NewRequest[T Fixed](typ, flags uint16, fixed T, bufLen int) *Nlmsghdr {
	sz := int(unsafe.Sizeof(fixed))
	n := NewNlmsg(proto.Align(nlmsgHdrlen + sz + max(bufLen, 0)))
	n.Type, n.Flags = typ, flags
	*NlmsgData[T](n) = fixed
	n.Len = uint32(proto.Length(sz))
	return n
}

// NewMessage wraps a received message without copying: its payload aliases m.Data.
func NewMessage(m proto.Message) *Nlmsghdr {
	n := &Nlmsghdr{}
	n.set(m.Header, m.Data)
	return n
}

func (n *Nlmsghdr) set(h proto.Header, data []byte) {
	n.Len, n.Type, n.Flags, n.Seq, n.Pid = h.Length, h.Type, h.Flags, h.Sequence, h.PortID
	n.buf = data
}

// Size is the size of the message buffer, header included: the C sizeof(req) that libnetlink code passes as
// maxlen. For a received message it is the message's own length.
func (n *Nlmsghdr) Size() int { return nlmsgHdrlen + len(n.buf) }

// Header returns the header as proto.Header.
func (n *Nlmsghdr) Header() proto.Header {
	return proto.Header{Length: n.Len, Type: n.Type, Flags: n.Flags, Sequence: n.Seq, PortID: n.Pid}
}

// used is the number of payload bytes nlmsg_len covers, clamped to the buffer.
func (n *Nlmsghdr) used() int {
	if n.Len < nlmsgHdrlen {
		return 0
	}
	return min(int(n.Len)-nlmsgHdrlen, len(n.buf))
}

// Data is NLMSG_DATA(n) up to nlmsg_len: the payload. It aliases the message buffer.
func (n *Nlmsghdr) Data() []byte { return n.buf[:n.used()] }

// Payload is NLMSG_PAYLOAD(n, fixed): the bytes after a family header of fixed bytes
// (nlmsg_len - NLMSG_SPACE(fixed)), negative when the message is shorter.
func (n *Nlmsghdr) Payload(fixed int) int { return int(n.Len) - proto.Space(fixed) }

// Message returns the message as a proto.Message whose Data aliases the buffer.
func (n *Nlmsghdr) Message() proto.Message {
	h := n.Header()
	return proto.Message{Header: h, Data: n.Data()}
}

// AppendTo appends the message as it goes on the wire: the header, then nlmsg_len - 16 payload bytes. Like
// libnetlink's send(fd, n, n->nlmsg_len), it does not pad the end to NLMSG_ALIGNTO.
func (n *Nlmsghdr) AppendTo(b []byte) []byte {
	var hb [nlmsgHdrlen]byte
	binary.NativeEndian.PutUint32(hb[0:4], n.Len)
	binary.NativeEndian.PutUint16(hb[4:6], n.Type)
	binary.NativeEndian.PutUint16(hb[6:8], n.Flags)
	binary.NativeEndian.PutUint32(hb[8:12], n.Seq)
	binary.NativeEndian.PutUint32(hb[12:16], n.Pid)
	b = append(b, hb[:]...)
	b = append(b, n.Data()...)
	// A length that runs past the buffer (set by hand) is sent as zeros, never as someone else's memory.
	for i := nlmsgHdrlen + n.used(); i < int(n.Len); i++ {
		b = append(b, 0)
	}
	return b
}

// Bytes returns a copy of the message as it goes on the wire (see AppendTo).
func (n *Nlmsghdr) Bytes() []byte { return n.AppendTo(nil) }

// Clone returns a copy of n that owns its payload (the whole buffer for a request).
func (n *Nlmsghdr) Clone() *Nlmsghdr {
	c := *n
	c.buf = append([]byte(nil), n.buf...)
	return &c
}

// NlmsgData is NLMSG_DATA(n) cast to a family header, as in struct ifinfomsg *ifi = NLMSG_DATA(n): a pointer
// into the message buffer, so writes through it change the message. It returns nil when the buffer is too short
// to hold a T (a received message shorter than its family header: check Len first, as C code does).
func NlmsgData[T Fixed](n *Nlmsghdr) *T {
	var zero T
	if len(n.buf) < int(unsafe.Sizeof(zero)) {
		return nil
	}
	// T is one of the Fixed structs: integers only, no pointers, alignment at most 4. Message payloads start at
	// 4-byte boundaries of their buffer.
	return (*T)(unsafe.Pointer(&n.buf[0]))
}

// RtaData is RTA_DATA(rta) cast to a struct, as in struct ifa_cacheinfo *ci = RTA_DATA(rta): a pointer into the
// attribute. It returns nil when the payload is shorter than a T.
func RtaData[T Fixed](rta Rtattr) *T {
	var zero T
	d := rta.Data()
	if len(d) < int(unsafe.Sizeof(zero)) {
		return nil
	}
	if uintptr(unsafe.Pointer(&d[0]))%4 != 0 {
		// An attribute in a buffer that is not 4-aligned (never from the kernel): copy rather than misalign.
		c := make([]byte, len(d))
		copy(c, d)
		d = c
	}
	return (*T)(unsafe.Pointer(&d[0]))
}

// AsBytes returns the bytes of a family header, aliasing it: the Go form of passing &ifm, sizeof(ifm) to
// addraw_l or addattr_l.
func AsBytes[T Fixed](v *T) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(v)), unsafe.Sizeof(*v))
}
