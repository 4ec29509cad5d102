// Package proto is the netlink wire format, and nothing else: struct nlmsghdr and its NLM_F_* flags, the
// NLMSG_* and RTA_* / NLA_* length macros, iteration over the messages of a datagram, attribute (struct nlattr,
// struct rtattr) encoding and decoding, acknowledgements and extended acks (struct nlmsgerr, NLMSGERR_ATTR_*),
// and a pretty-printer. It opens no sockets and makes no system calls, so it builds and tests on any OS;
// the socket core of nlkit and its families are built on it.
//
// Everything is in host byte order, as on the wire (netlink never leaves the machine), except payloads
// flagged NLA_F_NET_BYTEORDER and the NLA_BE16/NLA_BE32 accessors. Iter and AttrDecoder never allocate, and
// the payloads the decoders return are not copies: they alias the buffer they came from. Malformed input gives a
// typed error (*MessageError, *AttrError) that errors.Is matches by kind, never a panic; encoders append to a
// buffer the caller owns.
//
// # From C
//
// The macros of <linux/netlink.h> and <linux/rtnetlink.h>, and the libnl / kernel helpers (nla_*, nlmsg_*)
// people port from, map to Go like this. Where C walks a pointer and a remaining length, Go takes the bytes
// from that pointer to the end of the buffer, and where C would run past the end, Go returns nil or false.
//
//	C                                     Go
//	NLMSG_ALIGNTO                         AlignTo
//	NLMSG_ALIGN(len)                      Align(n)
//	NLMSG_HDRLEN                          HeaderLen
//	NLMSG_LENGTH(len), nlmsg_msg_size     Length(n)
//	NLMSG_SPACE(len), nlmsg_total_size    Space(n)
//	nlmsg_padlen(len)                     PadLen(n)
//	NLMSG_DATA(nlh), nlmsg_data           Data(b), or Message.Data
//	nlmsg_len(nlh)                        len(Message.Data)
//	NLMSG_OK(nlh, len), nlmsg_ok          OK(b)
//	NLMSG_NEXT(nlh, len), nlmsg_next      Next(b)
//	NLMSG_PAYLOAD(nlh, len)               Payload(h, n)
//	for (NLMSG_OK; NLMSG_NEXT) loop       Iter: for it.Next() { it.Message() }, then it.Err()
//	nlmsg_for_each_msg                    Iter, ParseMessages
//	struct nlmsghdr                       Header, ParseHeader, Header.MarshalTo
//	nlmsg_put + nlmsg_end                 Message.AppendTo, AppendMessages
//	NLMSG_NOOP, NLMSG_ERROR, NLMSG_DONE   TypeNoop, TypeError, TypeDone
//	NLMSG_OVERRUN, NLMSG_MIN_TYPE         TypeOverrun, TypeMin
//	NLM_F_REQUEST ... NLM_F_ACK_TLVS      FlagRequest ... FlagAckTLVs; FlagsString names them
//	NLA_ALIGNTO, RTA_ALIGNTO              AttrAlignTo
//	NLA_ALIGN(len), RTA_ALIGN(len)        AttrAlign(n)
//	NLA_HDRLEN, RTA_LENGTH(0)             AttrHeaderLen
//	RTA_LENGTH(len), nla_attr_size        AttrLength(n)
//	RTA_SPACE(len), nla_total_size        AttrSpace(n)
//	nla_padlen(len)                       AttrPadLen(n)
//	RTA_DATA(rta), nla_data               AttrData(b), or AttrDecoder.Bytes
//	RTA_PAYLOAD(rta), nla_len             AttrPayload(b), or AttrDecoder.Len
//	RTA_OK(rta, len), nla_ok              AttrOK(b)
//	RTA_NEXT(rta, len), nla_next          AttrNext(b)
//	RTM_RTA, IFLA_RTA, IFA_RTA, NDA_RTA   AttrsAfter(data, sizeof(struct ...))
//	nlmsg_attrdata(nlh, hdrlen)           AttrsAfter(m.Data, hdrlen)
//	RTM_PAYLOAD(n), nlmsg_attrlen         Payload(h, n), or len of AttrsAfter's result
//	nla_for_each_attr, nla_type           AttrDecoder: for ad.Next() { ad.Type() }, then ad.Err()
//	nla_get_u8/u16/u32/u64, nla_get_s32   AttrDecoder.Uint8/Uint16/Uint32/Uint64/Int32 (sizes checked)
//	nla_get_uint (NLA_UINT)               AttrDecoder.Uint
//	nla_get_be16/be32                     AttrDecoder.BE16/BE32
//	nla_data as a string (NLA_STRING)     AttrDecoder.String, CString
//	nla_is_nested, NLA_F_NESTED           AttrDecoder.IsNested, AttrNested
//	NLA_F_NET_BYTEORDER, NLA_TYPE_MASK    AttrNetByteOrder, AttrTypeMask
//	parse_rtattr (iproute2: first wins)   ParseIndex
//	nla_parse (kernel: last wins)         AttrDecoder loop, or ParseAttrs
//	nla_put, addattr_l                    AttrEncoder.Raw
//	nla_put_u8/u16/u32/u64/string/flag    AttrEncoder.Uint8/Uint16/Uint32/Uint64/String/Flag
//	nla_put_be16/be32                     AttrEncoder.BE16/BE32
//	nla_nest_start, nla_nest_end          AttrEncoder.Nest, AttrEncoder.End
//	nla_nest_start_noflag                 AttrEncoder.NestRaw
//	struct nlmsgerr, NLMSGERR_ATTR_*      Ack, ExtAck, ParseAck; ExtAckMsg ... ExtAckMissNest
//	netlink_ack (kernel)                  AppendAck
//	nl_msg_dump (libnl)                   Format, AppendFormat, Fprint, FormatDatagram
//
// Not here, because they are not wire format: the protocol numbers (NETLINK_ROUTE, NETLINK_USERSOCK...),
// socket options (NETLINK_EXT_ACK, NETLINK_CAP_ACK...) and struct sockaddr_nl, which live in
// golang.org/x/sys/unix and the nlkit socket core; and the families' own headers (struct rtmsg, struct
// ifinfomsg...), which live in the families' packages.
//
// # Choices
//
// ParseIndex keeps the first attribute of a type, as iproute2's parse_rtattr does, because the people it is
// for port that code; the kernel's nla_parse keeps the last. The iterators skip the padding after a message or
// attribute (to NLMSG_ALIGNTO) and a few zero bytes at the end, and reject any other partial header. Iter checks every length
// against the datagram before slicing, so a zero nlmsg_len (which loops NLMSG_NEXT forever in C) is an error.
package proto
