package proto

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// Header is struct nlmsghdr, the 16-byte header that starts every netlink message.
type Header struct {
	// Length is nlmsg_len: the length of the message including this header.
	Length uint32
	// Type is nlmsg_type: NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE, NLMSG_OVERRUN or a family's type (RTM_NEWLINK...).
	Type uint16
	// Flags is nlmsg_flags, a set of NLM_F_* bits.
	Flags uint16
	// Sequence is nlmsg_seq, chosen by the requester and echoed by the kernel.
	Sequence uint32
	// PortID is nlmsg_pid, the sending socket's port ID as the sender wrote it (not authenticated).
	PortID uint32
}

// MarshalTo writes h in host byte order into the first HeaderLen bytes of b. b must have room.
func (h Header) MarshalTo(b []byte) {
	_ = b[HeaderLen-1]
	binary.NativeEndian.PutUint32(b[0:4], h.Length)
	binary.NativeEndian.PutUint16(b[4:6], h.Type)
	binary.NativeEndian.PutUint16(b[6:8], h.Flags)
	binary.NativeEndian.PutUint32(b[8:12], h.Sequence)
	binary.NativeEndian.PutUint32(b[12:16], h.PortID)
}

// ParseHeader reads a struct nlmsghdr from the start of b.
// It returns a *MessageError of kind ErrShortHeader when b is shorter than NLMSG_HDRLEN.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, &MessageError{Kind: ErrShortHeader, Length: uint32(len(b)), Available: len(b)}
	}
	return Header{
		Length:   binary.NativeEndian.Uint32(b[0:4]),
		Type:     binary.NativeEndian.Uint16(b[4:6]),
		Flags:    binary.NativeEndian.Uint16(b[6:8]),
		Sequence: binary.NativeEndian.Uint32(b[8:12]),
		PortID:   binary.NativeEndian.Uint32(b[12:16]),
	}, nil
}

// Message types below NLMSG_MIN_TYPE, reserved for control messages.
const (
	// NLMSG_NOOP: nothing; the receiver ignores it.
	TypeNoop uint16 = 0x1
	// NLMSG_ERROR: an error or, with error 0, an acknowledgement.
	TypeError uint16 = 0x2
	// NLMSG_DONE: the end of a multipart message (a dump).
	TypeDone uint16 = 0x3
	// NLMSG_OVERRUN: data lost.
	TypeOverrun uint16 = 0x4
	// NLMSG_MIN_TYPE: the first type a family may use.
	TypeMin uint16 = 0x10
)

// NLM_F_* flags of nlmsg_flags.
const (
	// NLM_F_REQUEST: this is a request.
	FlagRequest uint16 = 0x01
	// NLM_F_MULTI: part of a multipart message terminated by NLMSG_DONE.
	FlagMulti uint16 = 0x02
	// NLM_F_ACK: the sender asks for an acknowledgement.
	FlagAck uint16 = 0x04
	// NLM_F_ECHO: echo this request back.
	FlagEcho uint16 = 0x08
	// NLM_F_DUMP_INTR: the dump was inconsistent because the data changed during it.
	FlagDumpIntr uint16 = 0x10
	// NLM_F_DUMP_FILTERED: the dump was filtered as requested.
	FlagDumpFiltered uint16 = 0x20

	// NLM_F_ROOT (GET requests): return the whole table.
	FlagRoot uint16 = 0x100
	// NLM_F_MATCH (GET requests): return all matching entries.
	FlagMatch uint16 = 0x200
	// NLM_F_ATOMIC (GET requests): return an atomic snapshot.
	FlagAtomic uint16 = 0x400
	// NLM_F_DUMP is NLM_F_ROOT|NLM_F_MATCH.
	FlagDump uint16 = FlagRoot | FlagMatch

	// NLM_F_REPLACE (NEW requests): replace an existing object.
	FlagReplace uint16 = 0x100
	// NLM_F_EXCL (NEW requests): do not touch an object that exists.
	FlagExcl uint16 = 0x200
	// NLM_F_CREATE (NEW requests): create the object if it does not exist.
	FlagCreate uint16 = 0x400
	// NLM_F_APPEND (NEW requests): add to the end of the object list.
	FlagAppend uint16 = 0x800

	// NLM_F_NONREC (DELETE requests): do not delete recursively.
	FlagNonrec uint16 = 0x100
	// NLM_F_BULK (DELETE requests): delete multiple objects.
	FlagBulk uint16 = 0x200

	// NLM_F_CAPPED (acks): the request was capped, the error message carries only the header.
	FlagCapped uint16 = 0x100
	// NLM_F_ACK_TLVS (acks): extended ack TLVs follow the error.
	FlagAckTLVs uint16 = 0x200
)

// TypeString names the control message types (NLMSG_ERROR...) and prints others as numbers.
func TypeString(t uint16) string {
	switch t {
	case TypeNoop:
		return "NLMSG_NOOP"
	case TypeError:
		return "NLMSG_ERROR"
	case TypeDone:
		return "NLMSG_DONE"
	case TypeOverrun:
		return "NLMSG_OVERRUN"
	}
	return fmt.Sprintf("%d", t)
}

type flagName struct {
	bit  uint16
	name string
}

var (
	commonFlags = []flagName{
		{FlagRequest, "NLM_F_REQUEST"}, {FlagMulti, "NLM_F_MULTI"}, {FlagAck, "NLM_F_ACK"},
		{FlagEcho, "NLM_F_ECHO"}, {FlagDumpIntr, "NLM_F_DUMP_INTR"}, {FlagDumpFiltered, "NLM_F_DUMP_FILTERED"},
	}
	ackFlags = []flagName{{FlagCapped, "NLM_F_CAPPED"}, {FlagAckTLVs, "NLM_F_ACK_TLVS"}}
	newFlags = []flagName{{FlagReplace, "NLM_F_REPLACE"}, {FlagExcl, "NLM_F_EXCL"}, {FlagCreate, "NLM_F_CREATE"},
		{FlagAppend, "NLM_F_APPEND"}}
	getFlags = []flagName{{FlagDump, "NLM_F_DUMP"}, {FlagRoot, "NLM_F_ROOT"}, {FlagMatch, "NLM_F_MATCH"},
		{FlagAtomic, "NLM_F_ATOMIC"}}
)

// FlagsString names the NLM_F_* bits of flags. The meaning of bits 0x100-0x800 depends on the kind of
// message: for NLMSG_ERROR and NLMSG_DONE they are NLM_F_CAPPED/NLM_F_ACK_TLVS (the kernel sets NLM_F_ACK_TLVS
// on an NLMSG_DONE that carries extended-ack TLVs); for a NEW request (isNew) NLM_F_REPLACE,
// NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND; otherwise the GET names NLM_F_DUMP, NLM_F_ROOT, NLM_F_MATCH,
// NLM_F_ATOMIC. Unknown bits are printed in hex.
func FlagsString(flags uint16, msgType uint16, isNew bool) string {
	high := getFlags
	switch {
	case msgType == TypeError || msgType == TypeDone:
		high = ackFlags
	case isNew:
		high = newFlags
	}
	var parts []string
	rest := flags
	for _, set := range [][]flagName{commonFlags, high} {
		for _, f := range set {
			if rest&f.bit == f.bit {
				parts = append(parts, f.name)
				rest &^= f.bit
			}
		}
	}
	if rest != 0 {
		parts = append(parts, fmt.Sprintf("0x%x", rest))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}
