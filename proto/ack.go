package proto

import (
	"encoding/binary"
	"fmt"
	"syscall"
)

// Extended-ack attribute types (enum nlmsgerr_attrs), the TLVs after an NLMSG_ERROR or NLMSG_DONE
// with NLM_F_ACK_TLVS.
const (
	// NLMSGERR_ATTR_MSG: a NUL-terminated error message.
	ExtAckMsg uint16 = 1
	// NLMSGERR_ATTR_OFFS: u32 offset of the bad attribute in the original request.
	ExtAckOffs uint16 = 2
	// NLMSGERR_ATTR_COOKIE: an arbitrary cookie.
	ExtAckCookie uint16 = 3
	// NLMSGERR_ATTR_POLICY: a nested policy of the rejected attribute.
	ExtAckPolicy uint16 = 4
	// NLMSGERR_ATTR_MISS_TYPE: u32 type of a missing required attribute.
	ExtAckMissType uint16 = 5
	// NLMSGERR_ATTR_MISS_NEST: u32 offset of the nest where an attribute is missing.
	ExtAckMissNest uint16 = 6
)

// ExtAck is the decoded extended acknowledgement (NETLINK_EXT_ACK) of an NLMSG_ERROR or NLMSG_DONE.
type ExtAck struct {
	// Msg is NLMSGERR_ATTR_MSG, the kernel's human message ("Nexthop device is not up").
	Msg string
	// Offset is NLMSGERR_ATTR_OFFS, valid when HasOffset.
	Offset uint32
	// HasOffset reports that NLMSGERR_ATTR_OFFS was present (and 4 bytes long).
	HasOffset bool
	// Cookie is NLMSGERR_ATTR_COOKIE.
	Cookie []byte
	// Policy is the raw nested NLMSGERR_ATTR_POLICY.
	Policy []byte
	// MissType is NLMSGERR_ATTR_MISS_TYPE, valid when HasMissType.
	MissType uint32
	// HasMissType reports that NLMSGERR_ATTR_MISS_TYPE was present (and 4 bytes long).
	HasMissType bool
	// MissNest is NLMSGERR_ATTR_MISS_NEST, valid when HasMissNest.
	MissNest uint32
	// HasMissNest reports that NLMSGERR_ATTR_MISS_NEST was present (and 4 bytes long).
	HasMissNest bool
}

// Clone returns a copy of e whose slices do not alias the received datagram.
func (e ExtAck) Clone() ExtAck {
	e.Cookie = cloneBytes(e.Cookie)
	e.Policy = cloneBytes(e.Policy)
	return e
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// Ack is a decoded NLMSG_ERROR (struct nlmsgerr) or a decoded NLMSG_DONE.
type Ack struct {
	// Errno is the error as a positive errno; 0 for a plain acknowledgement.
	Errno syscall.Errno
	// Request is the header of the request this answers (for NLMSG_ERROR).
	Request Header
	// RequestPayload is the part of the request the kernel echoed (none when NLM_F_CAPPED).
	RequestPayload []byte
	// ExtAck holds the extended-ack TLVs when NLM_F_ACK_TLVS was set.
	ExtAck ExtAck
	// Done is true when the message was NLMSG_DONE.
	Done bool
}

// Err returns nil for a plain acknowledgement and an *Error otherwise.
func (a *Ack) Err() error {
	if a.Errno == 0 {
		return nil
	}
	return &Error{Errno: a.Errno, Request: a.Request, ExtAck: a.ExtAck}
}

// ParseAck decodes an NLMSG_ERROR or NLMSG_DONE message. NLMSG_DONE without a payload is a clean end.
// A payload shorter than struct nlmsgerr, or malformed TLVs, give a *MessageError or *AttrError.
func ParseAck(m Message) (Ack, error) {
	var a Ack
	switch m.Header.Type {
	case TypeDone:
		a.Done = true
		if len(m.Data) == 0 {
			return a, nil
		}
		if len(m.Data) < 4 {
			return a, &MessageError{Kind: ErrShortPayload, Length: m.Header.Length, Available: len(m.Data)}
		}
		a.Errno = errnoOf(int32(binary.NativeEndian.Uint32(m.Data)))
		if m.Header.Flags&FlagAckTLVs != 0 {
			err := a.ExtAck.parse(m.Data[4:])
			return a, err
		}
		return a, nil
	case TypeError:
	default:
		return a, fmt.Errorf("netlink: message type %d is not NLMSG_ERROR or NLMSG_DONE", m.Header.Type)
	}
	if len(m.Data) < 4+HeaderLen {
		return a, &MessageError{Kind: ErrShortPayload, Length: m.Header.Length, Available: len(m.Data)}
	}
	a.Errno = errnoOf(int32(binary.NativeEndian.Uint32(m.Data)))
	a.Request, _ = ParseHeader(m.Data[4:])
	rest := m.Data[4+HeaderLen:]
	if m.Header.Flags&FlagCapped == 0 {
		// The original request follows in full (its payload is nlmsg_len - NLMSG_HDRLEN bytes).
		n := int(a.Request.Length) - HeaderLen
		if n < 0 {
			n = 0
		}
		n = Align(n)
		if n > len(rest) {
			if m.Header.Flags&FlagAckTLVs != 0 {
				return a, &MessageError{Kind: ErrShortPayload, Length: m.Header.Length, Available: len(m.Data)}
			}
			n = len(rest)
		}
		a.RequestPayload = rest[:min(n, max(int(a.Request.Length)-HeaderLen, 0), len(rest))]
		rest = rest[n:]
	}
	if m.Header.Flags&FlagAckTLVs != 0 {
		if err := a.ExtAck.parse(rest); err != nil {
			return a, err
		}
	}
	return a, nil
}

func errnoOf(v int32) syscall.Errno {
	if v < 0 {
		return syscall.Errno(-int64(v))
	}
	return syscall.Errno(v)
}

func (e *ExtAck) parse(b []byte) error {
	ad := NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case ExtAckMsg:
			e.Msg = ad.String()
		case ExtAckOffs:
			e.Offset = ad.Uint32()
			e.HasOffset = ad.Err() == nil
		case ExtAckCookie:
			e.Cookie = ad.Bytes()
		case ExtAckPolicy:
			e.Policy = ad.Bytes()
		case ExtAckMissType:
			e.MissType = ad.Uint32()
			e.HasMissType = ad.Err() == nil
		case ExtAckMissNest:
			e.MissNest = ad.Uint32()
			e.HasMissNest = ad.Err() == nil
		}
	}
	return ad.Err()
}

// Error is an error reported by the peer in NLMSG_ERROR or NLMSG_DONE. errors.Is(err, unix.EEXIST) matches its
// errno; its text carries the kernel's extended-ack message.
type Error struct {
	// Errno is the positive errno.
	Errno syscall.Errno
	// Request is the header of the request that failed.
	Request Header
	// ExtAck is the extended acknowledgement, when the kernel sent one.
	ExtAck ExtAck
}

// Error prints the errno and, when the kernel gave them, the extended-ack message (NLMSGERR_ATTR_MSG)
// and missing attribute (NLMSGERR_ATTR_MISS_TYPE).
func (e *Error) Error() string {
	s := "netlink: " + e.Errno.Error()
	if e.ExtAck.Msg != "" {
		s += ": " + e.ExtAck.Msg
	}
	if e.ExtAck.HasMissType {
		s += fmt.Sprintf(" (missing attribute type %d)", e.ExtAck.MissType)
	}
	return s
}

// Unwrap returns the errno so errors.Is(err, unix.ENOENT) works.
func (e *Error) Unwrap() error { return e.Errno }

// Is matches another *Error with the same errno.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Errno == e.Errno
}

// AppendAck builds an NLMSG_ERROR answering req with errno (0 for an ack), as the kernel's netlink_ack does:
// the request is echoed in full unless capped (an ack, errno 0, is always capped, NLM_F_CAPPED), and ext adds
// NLM_F_ACK_TLVS with one NLMSGERR_ATTR_* TLV for each field it sets.
// portid is written as nlmsg_pid. It is what servers and test fakes send.
func AppendAck(b []byte, req Message, errno syscall.Errno, capped bool, ext *ExtAck, portid uint32) []byte {
	var payload []byte
	payload = binary.NativeEndian.AppendUint32(payload, uint32(-int32(errno)))
	rh := req.Header
	rh.Length = uint32(req.Len())
	var hb [HeaderLen]byte
	rh.MarshalTo(hb[:])
	payload = append(payload, hb[:]...)
	flags := uint16(0)
	if capped || errno == 0 {
		flags |= FlagCapped
	} else {
		payload = append(payload, req.Data...)
		for len(payload)%AlignTo != 0 {
			payload = append(payload, 0)
		}
	}
	if ext != nil {
		ae := NewAttrEncoder(payload)
		if ext.Msg != "" {
			ae.String(ExtAckMsg, ext.Msg)
		}
		if ext.HasOffset {
			ae.Uint32(ExtAckOffs, ext.Offset)
		}
		if len(ext.Cookie) > 0 {
			ae.Raw(ExtAckCookie, ext.Cookie)
		}
		if len(ext.Policy) > 0 {
			// The kernel opens it with nla_nest_start, which sets NLA_F_NESTED.
			ae.Raw(ExtAckPolicy|AttrNested, ext.Policy)
		}
		if ext.HasMissType {
			ae.Uint32(ExtAckMissType, ext.MissType)
		}
		if ext.HasMissNest {
			ae.Uint32(ExtAckMissNest, ext.MissNest)
		}
		if ae.Len() > len(payload) {
			flags |= FlagAckTLVs
		}
		payload = ae.Bytes()
	}
	return Message{Header: Header{Type: TypeError, Flags: flags, Sequence: req.Header.Sequence, PortID: portid},
		Data: payload}.AppendTo(b)
}
