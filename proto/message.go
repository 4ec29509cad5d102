package proto

import (
	"encoding/binary"
	"fmt"
	"unsafe"
)

// Message is one netlink message: a header and the payload after it (NLMSG_DATA, nlmsg_len - NLMSG_HDRLEN bytes).
// A Message returned by an iterator aliases the datagram it came from.
type Message struct {
	// Header is the struct nlmsghdr.
	Header Header
	// Data is the payload, NLMSG_DATA(nlh) for nlmsg_len - NLMSG_HDRLEN bytes, without padding.
	Data []byte
}

// Len is the message's nlmsg_len as it would be marshalled: NLMSG_HDRLEN plus the payload.
func (m Message) Len() int { return HeaderLen + len(m.Data) }

// AppendTo appends m to b as it goes on the wire, padded to NLMSG_ALIGNTO. Header.Length is set from
// the payload: whatever m.Header.Length holds is ignored.
func (m Message) AppendTo(b []byte) []byte {
	n := len(b)
	total := Align(m.Len())
	b = append(b, make([]byte, total)...)
	h := m.Header
	h.Length = uint32(m.Len())
	h.MarshalTo(b[n:])
	copy(b[n+HeaderLen:], m.Data)
	return b
}

// MarshalBinary returns m on the wire, padded to NLMSG_ALIGNTO.
func (m Message) MarshalBinary() ([]byte, error) { return m.AppendTo(nil), nil }

// UnmarshalBinary decodes exactly one message from b (which may hold trailing padding). It copies nothing:
// m.Data aliases b. Bytes after the message and its padding give a *MessageError of kind ErrTrailingData;
// use NewIter for a datagram of several messages.
func (m *Message) UnmarshalBinary(b []byte) error {
	it := NewIter(b)
	if !it.Next() {
		if it.Err() != nil {
			return it.Err()
		}
		return &MessageError{Kind: ErrShortHeader, Available: len(b)}
	}
	msg, off := it.Message(), it.Offset()
	if it.Next() || it.Err() != nil {
		return &MessageError{Kind: ErrTrailingData, Offset: off, Length: msg.Header.Length, Available: len(b) - off}
	}
	*m = msg
	return nil
}

// ErrorKind classifies a malformed datagram.
type ErrorKind int

// The ways a datagram can be malformed.
const (
	// ErrShortHeader: fewer than NLMSG_HDRLEN bytes remain where a header should start.
	ErrShortHeader ErrorKind = iota + 1
	// ErrShortLength: nlmsg_len is smaller than NLMSG_HDRLEN (a zero length would loop forever).
	ErrShortLength
	// ErrOverlong: nlmsg_len runs past the end of the datagram.
	ErrOverlong
	// ErrTruncatedDatagram: the kernel cut the datagram (MSG_TRUNC): the receive buffer was too small.
	ErrTruncatedDatagram
	// ErrShortPayload: the payload is shorter than the fixed header its type requires.
	ErrShortPayload
	// ErrTrailingData: bytes follow the message where exactly one was expected (Message.UnmarshalBinary).
	ErrTrailingData
)

// String describes the kind of malformation.
func (k ErrorKind) String() string {
	switch k {
	case ErrShortHeader:
		return "truncated header"
	case ErrShortLength:
		return "nlmsg_len shorter than the header"
	case ErrOverlong:
		return "nlmsg_len exceeds the datagram"
	case ErrTruncatedDatagram:
		return "datagram truncated (MSG_TRUNC)"
	case ErrShortPayload:
		return "payload shorter than its fixed header"
	case ErrTrailingData:
		return "data after the message"
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// MessageError reports a malformed message in a datagram.
type MessageError struct {
	Kind ErrorKind
	// Offset of the bad message in the datagram.
	Offset int
	// Length is the nlmsg_len found (or the bytes available when no header fit).
	Length uint32
	// Available is the number of bytes from Offset to the end of the datagram.
	Available int
}

// Error describes the malformed message and where it lies in the datagram.
func (e *MessageError) Error() string {
	return fmt.Sprintf("netlink: malformed message at offset %d: %s (nlmsg_len %d, %d bytes left)",
		e.Offset, e.Kind, e.Length, e.Available)
}

// Is lets errors.Is(err, &MessageError{Kind: k}) match by kind alone.
func (e *MessageError) Is(target error) bool {
	t, ok := target.(*MessageError)
	return ok && t.Kind == e.Kind && t.Offset == 0 && t.Length == 0 && t.Available == 0
}

// Iter walks the messages of one datagram without allocating: the loop NLMSG_OK / NLMSG_NEXT writes in C.
//
//	it := proto.NewIter(buf[:n])
//	for it.Next() {
//		m := it.Message()
//		...
//	}
//	if err := it.Err(); err != nil { ... }
type Iter struct {
	b   []byte
	off int
	cur Message
	err error
}

// NewIter returns an iterator over the messages in the datagram b.
func NewIter(b []byte) Iter { return Iter{b: b} }

// Reset points it at a new datagram, reusing it.
func (it *Iter) Reset(b []byte) { *it = Iter{b: b} }

// Next advances to the next message. It returns false at the end of the datagram or on a malformed message,
// which Err then reports. Trailing bytes too short for a header are an error, except alignment padding.
func (it *Iter) Next() bool {
	if it.err != nil || it.off >= len(it.b) {
		return false
	}
	b := it.b[it.off:]
	if len(b) < HeaderLen {
		// The kernel pads the last message; a few zero bytes after it are not a message.
		if len(b) < AlignTo && allZero(b) {
			it.off = len(it.b)
			return false
		}
		it.err = &MessageError{Kind: ErrShortHeader, Offset: it.off, Length: uint32(len(b)), Available: len(b)}
		return false
	}
	// Read the header in place (ParseHeader's checks are the ones below).
	l := binary.NativeEndian.Uint32(b)
	switch {
	case l < HeaderLen:
		it.err = &MessageError{Kind: ErrShortLength, Offset: it.off, Length: l, Available: len(b)}
		return false
	case uint64(l) > uint64(len(b)):
		it.err = &MessageError{Kind: ErrOverlong, Offset: it.off, Length: l, Available: len(b)}
		return false
	}
	// Header is laid out as struct nlmsghdr in host byte order: one 16-byte copy reads it.
	it.cur.Header = *(*Header)(unsafe.Pointer(unsafe.SliceData(b)))
	it.cur.Data = b[HeaderLen:l]
	it.off += min(Align(int(l)), len(b))
	return true
}

// Header must be laid out as struct nlmsghdr for Next's copy: 16 bytes, with nlmsg_type at 4, nlmsg_flags at 6,
// nlmsg_seq at 8 and nlmsg_pid at 12. Each difference below overflows uintptr, which does not compile, unless it
// is zero.
const (
	_ = uintptr(0) - (unsafe.Sizeof(Header{}) ^ HeaderLen)
	_ = uintptr(0) - (unsafe.Offsetof(Header{}.Type) ^ 4)
	_ = uintptr(0) - (unsafe.Offsetof(Header{}.Flags) ^ 6)
	_ = uintptr(0) - (unsafe.Offsetof(Header{}.Sequence) ^ 8)
	_ = uintptr(0) - (unsafe.Offsetof(Header{}.PortID) ^ 12)
)

// Message returns the current message. Its Data aliases the datagram.
func (it *Iter) Message() Message { return it.cur }

// Offset is the byte offset of the next message to be read.
func (it *Iter) Offset() int { return it.off }

// Err returns the error that stopped the iteration, or nil at a clean end.
func (it *Iter) Err() error { return it.err }

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// ParseMessages decodes every message of a datagram (the NLMSG_OK / NLMSG_NEXT walk) into a slice whose Data
// fields alias b.
// On a malformed message it returns the messages before it and a *MessageError.
func ParseMessages(b []byte) ([]Message, error) {
	var out []Message
	it := NewIter(b)
	for it.Next() {
		out = append(out, it.Message())
	}
	return out, it.Err()
}

// AppendMessages marshals msgs into one datagram appended to b, each padded to NLMSG_ALIGNTO, as a batch of
// requests in one sendmsg.
func AppendMessages(b []byte, msgs ...Message) []byte {
	for _, m := range msgs {
		b = m.AppendTo(b)
	}
	return b
}
