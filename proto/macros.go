package proto

import "encoding/binary"

// Alignment and length helpers, the Go forms of the NLMSG_* and NLA_* macros of <linux/netlink.h>
// and the RTA_* macros of <linux/rtnetlink.h>. The package doc has the table.

const (
	// NLMSG_ALIGNTO: messages are aligned to 4 bytes.
	AlignTo = 4
	// NLMSG_HDRLEN: the aligned size of struct nlmsghdr.
	HeaderLen = 16
	// NLA_ALIGNTO (and RTA_ALIGNTO): attributes are aligned to 4 bytes.
	AttrAlignTo = 4
	// NLA_HDRLEN (and RTA_LENGTH(0)): the aligned size of struct nlattr / struct rtattr.
	AttrHeaderLen = 4
)

// Align is NLMSG_ALIGN(len): len rounded up to a multiple of 4.
func Align(n int) int { return (n + AlignTo - 1) &^ (AlignTo - 1) }

// Length is NLMSG_LENGTH(len): the nlmsg_len of a message with a payload of n bytes.
func Length(n int) int { return n + HeaderLen }

// Space is NLMSG_SPACE(len): the bytes a message with a payload of n bytes occupies, padding included.
func Space(n int) int { return Align(Length(n)) }

// Data is NLMSG_DATA(nlh): the payload of the message starting at b (the bytes after the header,
// up to nlmsg_len). It returns nil when b does not hold a whole message.
func Data(b []byte) []byte {
	h, err := ParseHeader(b)
	if err != nil || h.Length < HeaderLen || int64(h.Length) > int64(len(b)) {
		return nil
	}
	return b[HeaderLen:h.Length]
}

// OK is NLMSG_OK(nlh, len): whether b starts with a whole, well-formed message.
func OK(b []byte) bool {
	h, err := ParseHeader(b)
	return err == nil && h.Length >= HeaderLen && int64(h.Length) <= int64(len(b))
}

// Next is NLMSG_NEXT(nlh, len): the bytes after the message that starts b, or nil if b does not start with
// a whole message. Unlike the C macro it cannot walk past the end.
func Next(b []byte) []byte {
	if !OK(b) {
		return nil
	}
	h, _ := ParseHeader(b)
	n := Align(int(h.Length))
	if n >= len(b) {
		return b[len(b):]
	}
	return b[n:]
}

// Payload is NLMSG_PAYLOAD(nlh, len): the payload length of the message with header h after a fixed
// family header of n bytes (nlmsg_len - NLMSG_SPACE(n)).
func Payload(h Header, n int) int { return int(h.Length) - Space(n) }

// AttrAlign is NLA_ALIGN(len) and RTA_ALIGN(len).
func AttrAlign(n int) int { return (n + AttrAlignTo - 1) &^ (AttrAlignTo - 1) }

// AttrLength is RTA_LENGTH(len) and nla_attr_size(len): the nla_len of an attribute with n payload bytes.
func AttrLength(n int) int { return n + AttrHeaderLen }

// AttrSpace is RTA_SPACE(len) and nla_total_size(len): the bytes an attribute occupies, padding included.
func AttrSpace(n int) int { return AttrAlign(AttrLength(n)) }

// PadLen is nlmsg_padlen(payload): the zero bytes after a message with a payload of n bytes.
func PadLen(n int) int { return Space(n) - Length(n) }

// AttrPadLen is nla_padlen(payload): the zero bytes after an attribute with n payload bytes.
func AttrPadLen(n int) int { return AttrSpace(n) - AttrLength(n) }

// AttrOK is RTA_OK(rta, attrlen) and nla_ok(nla, remaining): whether b starts with a whole attribute
// (at least NLA_HDRLEN bytes, NLA_HDRLEN <= nla_len <= len(b)).
func AttrOK(b []byte) bool {
	if len(b) < AttrHeaderLen {
		return false
	}
	l := int(binary.NativeEndian.Uint16(b))
	return l >= AttrHeaderLen && l <= len(b)
}

// AttrData is RTA_DATA(rta) and nla_data(nla): the payload of the attribute that starts b (nla_len - NLA_HDRLEN
// bytes). It returns nil when b does not start with a whole attribute (see AttrOK).
func AttrData(b []byte) []byte {
	if !AttrOK(b) {
		return nil
	}
	return b[AttrHeaderLen:binary.NativeEndian.Uint16(b)]
}

// AttrPayload is RTA_PAYLOAD(rta) and nla_len(nla): the payload length of the attribute that starts b,
// or 0 when b does not start with a whole attribute.
func AttrPayload(b []byte) int { return len(AttrData(b)) }

// AttrNext is RTA_NEXT(rta, attrlen) and nla_next(nla, remaining): the bytes after the attribute that starts b,
// padding skipped, or nil when b does not start with a whole attribute. Unlike the C macro it cannot walk
// past the end.
func AttrNext(b []byte) []byte {
	if !AttrOK(b) {
		return nil
	}
	n := AttrAlign(int(binary.NativeEndian.Uint16(b)))
	if n >= len(b) {
		return b[len(b):]
	}
	return b[n:]
}

// AttrsAfter is RTM_RTA(r), IFLA_RTA(r), IFA_RTA(r), NDA_RTA(r) and nlmsg_attrdata(nlh, hdrlen): the attributes
// that follow a fixed family header of n bytes (struct rtmsg, struct ifinfomsg...) in the payload data,
// data[NLMSG_ALIGN(n):]. Their length is RTM_PAYLOAD(nlh), nlmsg_attrlen(nlh, hdrlen). A payload shorter than
// n gives a *MessageError of kind ErrShortPayload.
func AttrsAfter(data []byte, n int) ([]byte, error) {
	if n < 0 || len(data) < n {
		return nil, &MessageError{Kind: ErrShortPayload, Length: uint32(Length(len(data))), Available: len(data)}
	}
	a := Align(n)
	if a > len(data) {
		a = len(data)
	}
	return data[a:], nil
}
