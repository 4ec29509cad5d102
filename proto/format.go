package proto

import (
	"io"
	"slices"
	"strconv"
	"strings"
)

// TypeNamer names a family's message types for Format, as a family would spell them (RTM_NEWROUTE,
// CTRL_CMD_GETFAMILY...). It is asked only about types from NLMSG_MIN_TYPE up and returns "" for a type it
// does not know, which is then printed as a number. A name containing "NEW" makes the NLM_F_* bits
// 0x100-0x800 print as NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE, NLM_F_APPEND rather than the GET names.
type TypeNamer func(t uint16) string

// Format renders m for a human, as a debugging aid (what libnl's nl_msg_dump is for): a line of named struct nlmsghdr fields
// (nlmsg_len, nlmsg_type, nlmsg_flags, nlmsg_seq, nlmsg_pid), then for NLMSG_ERROR and NLMSG_DONE the decoded
// errno, extended-ack TLVs and echoed request header, then the payload as a hex dump:
//
//	len=36 type=NLMSG_ERROR flags=NLM_F_CAPPED seq=7 pid=0
//	  error: -17 (file exists)
//	  request: len=36 type=24 flags=NLM_F_REQUEST|NLM_F_ACK seq=7 pid=0
//	  0000  ef ff ff ff 24 00 00 00  18 00 05 00 07 00 00 00  |....$...........|
//	  0010  00 00 00 00                                       |....|
//
// The result has no trailing newline. Family types print as numbers; use AppendFormat with a TypeNamer to name them.
func Format(m Message) string {
	return strings.TrimSuffix(string(AppendFormat(nil, m, nil)), "\n")
}

// Fprint writes the rendering of m that Format describes to w, naming family types with name (which may be nil),
// each line ending in a newline.
func Fprint(w io.Writer, m Message, name TypeNamer) (int, error) {
	return w.Write(AppendFormat(nil, m, name))
}

// FormatDatagram renders every message of the datagram b as Format does, one after the other, naming family types
// with name (which may be nil). A malformed message ends the walk with a line giving the *MessageError.
func FormatDatagram(b []byte, name TypeNamer) string {
	var out []byte
	it := NewIter(b)
	for it.Next() {
		out = AppendFormat(out, it.Message(), name)
	}
	if err := it.Err(); err != nil {
		out = append(out, "malformed: "...)
		out = append(out, err.Error()...)
		out = append(out, '\n')
	}
	return strings.TrimSuffix(string(out), "\n")
}

// AppendFormat appends the rendering of m that Format describes to b, naming family types with name (which may
// be nil). Every line, the last included, ends in a newline.
func AppendFormat(b []byte, m Message, name TypeNamer) []byte {
	// The header line, a few ack lines, and a 78-byte hex dump line for every 16 bytes.
	b = slices.Grow(b, 256+(len(m.Data)+15)/16*78)
	h := m.Header
	if h.Length == 0 {
		// A message being built: its length is set when it is marshalled.
		h.Length = uint32(m.Len())
	}
	b = appendHeader(b, h, name)
	if h.Length != uint32(m.Len()) {
		b = append(b, " (payload implies len="...)
		b = strconv.AppendInt(b, int64(m.Len()), 10)
		b = append(b, ')')
	}
	b = append(b, '\n')
	if h.Type == TypeError || (h.Type == TypeDone && len(m.Data) > 0) {
		b = appendAck(b, m, name)
	}
	return appendHexDump(b, m.Data, "  ")
}

func appendHeader(b []byte, h Header, name TypeNamer) []byte {
	b = append(b, "len="...)
	b = strconv.AppendUint(b, uint64(h.Length), 10)
	b = append(b, " type="...)
	isNew := false
	if n := typeName(h.Type, name); n != "" {
		b = append(b, n...)
		b = append(b, '(')
		b = strconv.AppendUint(b, uint64(h.Type), 10)
		b = append(b, ')')
		isNew = strings.Contains(n, "NEW")
	} else {
		b = append(b, TypeString(h.Type)...)
	}
	b = append(b, " flags="...)
	b = append(b, FlagsString(h.Flags, h.Type, isNew)...)
	b = append(b, " seq="...)
	b = strconv.AppendUint(b, uint64(h.Sequence), 10)
	b = append(b, " pid="...)
	return strconv.AppendUint(b, uint64(h.PortID), 10)
}

// typeName asks name about a family type; control types are named by TypeString.
func typeName(t uint16, name TypeNamer) string {
	if name == nil || t < TypeMin {
		return ""
	}
	return name(t)
}

func appendAck(b []byte, m Message, name TypeNamer) []byte {
	a, err := ParseAck(m)
	if len(m.Data) < 4 || (m.Header.Type == TypeError && len(m.Data) < 4+HeaderLen) {
		// Too short for struct nlmsgerr (or the int of NLMSG_DONE): nothing was decoded.
		b = append(b, "  malformed: "...)
		b = append(b, err.Error()...)
		return append(b, '\n')
	}
	b = append(b, "  error: "...)
	b = strconv.AppendInt(b, -int64(a.Errno), 10)
	switch {
	case a.Errno != 0:
		b = append(b, " ("...)
		b = append(b, a.Errno.Error()...)
		b = append(b, ')')
	case a.Done:
		b = append(b, " (done)"...)
	default:
		b = append(b, " (ack)"...)
	}
	b = append(b, '\n')
	if err != nil {
		b = append(b, "  malformed: "...)
		b = append(b, err.Error()...)
		b = append(b, '\n')
	}
	b = appendExtAck(b, &a.ExtAck)
	if !a.Done {
		b = append(b, "  request: "...)
		b = appendHeader(b, a.Request, name)
		b = append(b, '\n')
	}
	return b
}

func appendExtAck(b []byte, e *ExtAck) []byte {
	start := len(b)
	b = append(b, "  ext-ack:"...)
	mark := len(b)
	if e.Msg != "" {
		b = append(b, " msg="...)
		b = strconv.AppendQuote(b, e.Msg)
	}
	for _, f := range []struct {
		ok   bool
		name string
		v    uint32
	}{{e.HasOffset, " offset=", e.Offset}, {e.HasMissType, " miss-type=", e.MissType},
		{e.HasMissNest, " miss-nest=", e.MissNest}} {
		if f.ok {
			b = append(b, f.name...)
			b = strconv.AppendUint(b, uint64(f.v), 10)
		}
	}
	if len(e.Cookie) > 0 {
		b = append(b, " cookie="...)
		b = appendHex(b, e.Cookie)
	}
	if len(e.Policy) > 0 {
		b = append(b, " policy="...)
		b = appendHex(b, e.Policy)
	}
	if len(b) == mark {
		return b[:start]
	}
	return append(b, '\n')
}

const hexDigits = "0123456789abcdef"

func appendHex(b, p []byte) []byte {
	for _, c := range p {
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}

// appendHexDump appends p in the layout of encoding/hex.Dump, with a 4-digit offset and each line indented.
func appendHexDump(b, p []byte, indent string) []byte {
	for off := 0; off < len(p); off += 16 {
		line := p[off:min(off+16, len(p))]
		b = append(b, indent...)
		if off <= 0xffff {
			b = append(b, hexDigits[off>>12], hexDigits[off>>8&0xf], hexDigits[off>>4&0xf], hexDigits[off&0xf])
		} else {
			b = strconv.AppendInt(b, int64(off), 16) // payloads past 64 KiB: rare, but keep offsets exact
		}
		b = append(b, ' ')
		for i := range 16 {
			if i == 8 {
				b = append(b, ' ')
			}
			if i < len(line) {
				b = append(b, ' ', hexDigits[line[i]>>4], hexDigits[line[i]&0xf])
			} else {
				b = append(b, "   "...)
			}
		}
		b = append(b, "  |"...)
		for _, c := range line {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			b = append(b, c)
		}
		b = append(b, "|\n"...)
	}
	return b
}
