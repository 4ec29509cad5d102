package reliability

import (
	"bytes"
	"encoding/binary"
	"errors"

	"github.com/nlkit/nlkit/families/genl"
	"github.com/nlkit/nlkit/families/genl/genltest"
	"github.com/nlkit/nlkit/families/genl/knetlink"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// ---- building hostile datagrams ----------------------------------------------------------------------------

// hdr is a raw struct nlmsghdr whose nlmsg_len may lie.
func hdr(length uint32, typ, flags uint16) []byte {
	b := make([]byte, proto.HeaderLen)
	proto.Header{Length: length, Type: typ, Flags: flags, Sequence: 7}.MarshalTo(b)
	return b
}

// msg is a well-formed message (nlmsg_len from the payload, padded).
func msg(typ, flags uint16, payload ...[]byte) []byte {
	return proto.Message{Header: proto.Header{Type: typ, Flags: flags, Sequence: 7}, Data: cat(payload...)}.AppendTo(nil)
}

// attr is a well-formed attribute, padded.
func attr(typ uint16, payload ...[]byte) []byte {
	ae := proto.NewAttrEncoder(nil)
	ae.Raw(typ, cat(payload...))
	return ae.Bytes()
}

// lyingAttr is an attribute whose nla_len says l whatever its payload.
func lyingAttr(l, typ uint16, payload ...[]byte) []byte {
	b := binary.NativeEndian.AppendUint16(nil, l)
	b = binary.NativeEndian.AppendUint16(b, typ)
	return append(b, cat(payload...)...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
func u16(v uint16) []byte        { return binary.NativeEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte        { return binary.NativeEndian.AppendUint32(nil, v) }
func zeros(n int) []byte         { return make([]byte, n) }
func cstr(s string) []byte       { return append([]byte(s), 0) }

// Fixed family headers.
func ifinfomsg(index int32) []byte { // struct ifinfomsg, 16 bytes
	return cat([]byte{unix.AF_UNSPEC, 0}, u16(unix.ARPHRD_ETHER), u32(uint32(index)), u32(unix.IFF_UP), u32(0))
}
func rtmsg() []byte { // struct rtmsg, 12 bytes: AF_INET /32 main table, static, blackhole
	return cat([]byte{unix.AF_INET, 32, 0, 0, unix.RT_TABLE_MAIN, unix.RTPROT_STATIC, unix.RT_SCOPE_UNIVERSE,
		unix.RTN_UNICAST}, u32(0))
}
func ifaddrmsg() []byte { return cat([]byte{unix.AF_INET, 24, 0, 0}, u32(1)) }                      // 8 bytes
func ndmsg() []byte     { return cat([]byte{unix.AF_INET, 0, 0, 0}, u32(1), u16(2), []byte{0, 1}) } // 12 bytes
func fibRuleHdr() []byte {
	return []byte{unix.AF_INET, 0, 0, 0, unix.RT_TABLE_MAIN, 0, 0, unix.FR_ACT_TO_TBL, 0, 0, 0, 0} // 12 bytes
}
func nhmsg() []byte                   { return []byte{unix.AF_INET, 0, 0, 0, 0, 0, 0, 0} } // 8 bytes
func genlhdr(cmd uint8) []byte        { return []byte{cmd, 2, 0, 0} }
func nlmsgerr(errno int32) []byte     { return u32(uint32(-errno)) }
func rtnh(l uint16, oif int32) []byte { return cat(u16(l), []byte{0, 0}, u32(uint32(oif))) } // struct rtnexthop

const (
	fCapped = proto.FlagCapped
	fTLVs   = proto.FlagAckTLVs
)

// errKind names the error a decoder must give: a *proto.MessageError or *proto.AttrError of a kind, or any
// *proto.AttrError (attrAny).
type errKind struct {
	msg  proto.ErrorKind
	attr proto.AttrErrorKind
	any  bool // any *proto.AttrError or *proto.MessageError
}

var (
	shortHeader = errKind{msg: proto.ErrShortHeader}
	shortLength = errKind{msg: proto.ErrShortLength}
	overlong    = errKind{msg: proto.ErrOverlong}
	shortPay    = errKind{msg: proto.ErrShortPayload}
	attrShortH  = errKind{attr: proto.AttrShortHeader}
	attrShortL  = errKind{attr: proto.AttrShortLength}
	attrOverrun = errKind{attr: proto.AttrOverrun}
	attrBadSize = errKind{attr: proto.AttrBadSize}
	typedErr    = errKind{any: true}
)

func (k errKind) String() string {
	switch {
	case k.msg != 0:
		return "*proto.MessageError(" + k.msg.String() + ")"
	case k.attr != 0:
		return "*proto.AttrError(" + k.attr.String() + ")"
	case k.any:
		return "a *proto.MessageError or *proto.AttrError"
	}
	return "no error"
}

// match reports whether err is the error k names.
func (k errKind) match(err error) bool {
	switch {
	case k.msg != 0:
		return errors.Is(err, &proto.MessageError{Kind: k.msg})
	case k.attr != 0:
		return errors.Is(err, &proto.AttrError{Kind: k.attr})
	case k.any:
		return isTyped(err)
	}
	return err == nil
}

// isTyped reports whether err is (or wraps) one of the wire-format errors nlkit defines.
func isTyped(err error) bool {
	var me *proto.MessageError
	var ae *proto.AttrError
	var ee *knetlink.EchoError
	return errors.As(err, &me) || errors.As(err, &ae) || errors.As(err, &ee)
}

// hostileCase is one malformed (or borderline) datagram with what its decoders must say.
type hostileCase struct {
	name string
	data []byte
	// frame is what the datagram walk (proto.NewIter, ParseMessages) must report.
	frame errKind
	// decoder names the payload decoder that must reject the first message, and with what; "" for none.
	decoder string
	want    errKind
	// oversize marks datagrams over 64 KiB: a unit Server (64 KiB buffer) gets them cut (MSG_TRUNC).
	oversize bool
}

func hostileTable() []hostileCase {
	good := msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), attr(unix.IFLA_IFNAME, cstr("lo")))
	dump := cat(
		msg(unix.RTM_NEWLINK, proto.FlagMulti, ifinfomsg(1), attr(unix.IFLA_IFNAME, cstr("lo")), attr(unix.IFLA_MTU, u32(65536))),
		msg(unix.RTM_NEWLINK, proto.FlagMulti, ifinfomsg(2), attr(unix.IFLA_IFNAME, cstr("eth0")), attr(unix.IFLA_MTU, u32(1500))),
		msg(unix.RTM_NEWLINK, proto.FlagMulti, ifinfomsg(3), attr(unix.IFLA_IFNAME, cstr("veth0")),
			attr(unix.IFLA_LINKINFO|proto.AttrNested, attr(unix.IFLA_INFO_KIND, cstr("veth")))),
	)
	reqHdr := hdr(16, unix.RTM_NEWROUTE, proto.FlagRequest|proto.FlagAck) // the echoed request header, capped
	var big []byte                                                        // > 64 KiB of well-formed attributes
	for len(big) < 70<<10 {
		big = append(big, attr(0x7ff0, bytes.Repeat([]byte{0xa5}, 1000))...)
	}
	famMsg := genl.AppendFamily(genlhdr(genl.CtrlCmdNewFamily), genltest.Ctrl)

	return []hostileCase{
		// Framing: struct nlmsghdr.
		{name: "empty datagram", data: nil},
		{name: "1-byte datagram", data: []byte{0x10}, frame: shortHeader},
		{name: "header cut at 15 bytes", data: hdr(16, 16, 0)[:15], frame: shortHeader},
		{name: "3 zero bytes of padding", data: zeros(3)},
		{name: "nlmsg_len 0 (would loop forever)", data: hdr(0, unix.RTM_NEWLINK, 0), frame: shortLength},
		{name: "nlmsg_len 0 repeated", data: cat(hdr(0, 16, 0), hdr(0, 16, 0), hdr(0, 16, 0)), frame: shortLength},
		{name: "nlmsg_len 15", data: cat(hdr(15, unix.RTM_NEWLINK, 0), zeros(4)), frame: shortLength},
		{name: "nlmsg_len past the datagram", data: cat(hdr(64, unix.RTM_NEWLINK, 0), ifinfomsg(1)), frame: overlong},
		{name: "nlmsg_len 0xffffffff", data: cat(hdr(0xffffffff, unix.RTM_NEWLINK, 0), ifinfomsg(1)), frame: overlong},
		{name: "nlmsg_len 0x80000000", data: cat(hdr(0x80000000, unix.RTM_NEWLINK, 0), ifinfomsg(1)), frame: overlong},
		{name: "good message then a cut header", data: cat(good, hdr(100, 16, 0)[:9]), frame: shortHeader},
		{name: "good message then nlmsg_len 0", data: cat(good, hdr(0, 16, 0)), frame: shortLength},
		{name: "good message then nlmsg_len past the end", data: cat(good, hdr(1000, 16, 0)), frame: overlong},
		{name: "unaligned nlmsg_len, last message", data: cat(hdr(17, unix.RTM_NEWLINK, 0), []byte{1})},

		// MSG_TRUNC: a dump datagram cut by a short receive buffer.
		{name: "MSG_TRUNC: dump cut inside the third message", data: dump[:len(dump)-10], frame: overlong},
		{name: "MSG_TRUNC: dump cut inside a header", data: dump[:len(msg(unix.RTM_NEWLINK, 2, ifinfomsg(1), attr(unix.IFLA_IFNAME, cstr("lo")), attr(unix.IFLA_MTU, u32(65536))))+7], frame: shortHeader},
		{name: "MSG_TRUNC: cut after 4 bytes", data: dump[:4], frame: shortHeader},

		// Over 64 KiB.
		{name: "message over 64 KiB", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(9), big), oversize: true},
		{name: "nlmsg_len over 64 KiB past the datagram", data: cat(hdr(70000, unix.RTM_NEWLINK, 0), ifinfomsg(1)), frame: overlong},
		{name: "over 64 KiB, cut by MSG_TRUNC at 64 KiB", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(9), big)[:64<<10], frame: overlong},

		// NLMSG_ERROR and NLMSG_DONE: struct nlmsgerr and extended-ack TLVs.
		{name: "NLMSG_ERROR with no payload", data: msg(proto.TypeError, 0), decoder: "ParseAck", want: shortPay},
		{name: "NLMSG_ERROR with only the errno", data: msg(proto.TypeError, 0, nlmsgerr(22)), decoder: "ParseAck", want: shortPay},
		{name: "NLMSG_ERROR 19 bytes (struct nlmsgerr is 20)", data: msg(proto.TypeError, 0, nlmsgerr(22), reqHdr[:15]), decoder: "ParseAck", want: shortPay},
		{name: "NLMSG_ERROR echo longer than the message, with TLVs", data: msg(proto.TypeError, fTLVs, nlmsgerr(22), hdr(400, 24, 5), zeros(8)), decoder: "ParseAck", want: shortPay},
		{name: "NLMSG_ERROR echo longer than the message", data: msg(proto.TypeError, 0, nlmsgerr(22), hdr(400, 24, 5), zeros(8))},
		{name: "NLMSG_ERROR echoed nlmsg_len 0", data: msg(proto.TypeError, 0, nlmsgerr(22), hdr(0, 24, 5))},
		{name: "ext-ack TLV overruns", data: msg(proto.TypeError, fCapped|fTLVs, nlmsgerr(22), reqHdr, lyingAttr(100, proto.ExtAckMsg, cstr("bad"))), decoder: "ParseAck", want: attrOverrun},
		{name: "ext-ack TLV nla_len 2", data: msg(proto.TypeError, fCapped|fTLVs, nlmsgerr(22), reqHdr, lyingAttr(2, proto.ExtAckMsg, zeros(4))), decoder: "ParseAck", want: attrShortL},
		{name: "ext-ack TLV nla_len 0", data: msg(proto.TypeError, fCapped|fTLVs, nlmsgerr(22), reqHdr, lyingAttr(0, proto.ExtAckMsg, zeros(4))), decoder: "ParseAck", want: attrShortL},
		{name: "ext-ack OFFS of 2 bytes", data: msg(proto.TypeError, fCapped|fTLVs, nlmsgerr(22), reqHdr, attr(proto.ExtAckOffs, u16(4))), decoder: "ParseAck", want: attrBadSize},
		{name: "ext-ack MISS_TYPE of 1 byte", data: msg(proto.TypeError, fCapped|fTLVs, nlmsgerr(22), reqHdr, attr(proto.ExtAckMissType, []byte{1})), decoder: "ParseAck", want: attrBadSize},
		{name: "ext-ack 3 stray bytes", data: msg(proto.TypeError, fCapped|fTLVs, nlmsgerr(22), reqHdr, attr(proto.ExtAckMsg, cstr("x")), []byte{1, 2, 3}), decoder: "ParseAck", want: attrShortH},
		{name: "ext-ack message without NUL", data: msg(proto.TypeError, fCapped|fTLVs, nlmsgerr(22), reqHdr, attr(proto.ExtAckMsg, []byte("no terminator")))},
		{name: "ext-ack policy nest lying", data: msg(proto.TypeError, fCapped|fTLVs, nlmsgerr(22), reqHdr, attr(proto.ExtAckPolicy|proto.AttrNested, lyingAttr(60, 1, u32(1))))},
		{name: "NLMSG_ERROR errno INT_MIN", data: msg(proto.TypeError, fCapped, u32(0x80000000), reqHdr)},
		{name: "NLMSG_DONE 2 bytes", data: msg(proto.TypeDone, proto.FlagMulti, u16(1)), decoder: "ParseAck", want: shortPay},
		{name: "NLMSG_DONE ext-ack overrun", data: msg(proto.TypeDone, proto.FlagMulti|fTLVs, u32(0), lyingAttr(40, proto.ExtAckMsg, cstr("x"))), decoder: "ParseAck", want: attrOverrun},

		// rtnetlink payloads: fixed headers and attributes.
		{name: "RTM_NEWLINK ifinfomsg cut at 10 bytes", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1)[:10]), decoder: "Link", want: shortPay},
		{name: "IFLA attribute overruns", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), lyingAttr(200, unix.IFLA_IFNAME, cstr("eth0"))), decoder: "Link", want: attrOverrun},
		{name: "IFLA attribute nla_len 3", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), lyingAttr(3, unix.IFLA_MTU, u32(1500))), decoder: "Link", want: attrShortL},
		{name: "IFLA attribute nla_len 0", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), lyingAttr(0, unix.IFLA_MTU, u32(1500))), decoder: "Link", want: attrShortL},
		{name: "IFLA_LINKINFO nest lying about its length", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), attr(unix.IFLA_LINKINFO|proto.AttrNested, lyingAttr(48, unix.IFLA_INFO_KIND, cstr("veth")))), decoder: "Link", want: attrOverrun},
		{name: "IFLA_LINKINFO nest longer than the message", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), lyingAttr(300, unix.IFLA_LINKINFO|proto.AttrNested, attr(unix.IFLA_INFO_KIND, cstr("veth")))), decoder: "Link", want: attrOverrun},
		{name: "IFLA_INFO_DATA of vlan lying", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), attr(unix.IFLA_LINKINFO|proto.AttrNested, attr(unix.IFLA_INFO_KIND, cstr("vlan")), attr(unix.IFLA_INFO_DATA|proto.AttrNested, lyingAttr(40, unix.IFLA_VLAN_ID, u16(5))))), decoder: "Link", want: typedErr},
		{name: "IFLA_INFO_SLAVE_DATA of bond lying", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), attr(unix.IFLA_LINKINFO|proto.AttrNested, attr(unix.IFLA_INFO_SLAVE_KIND, cstr("bond")), attr(unix.IFLA_INFO_SLAVE_DATA|proto.AttrNested, lyingAttr(40, 1, []byte{1})))), decoder: "Link", want: typedErr},
		{name: "IFLA_INFO_DATA of veth (kept raw) lying", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), attr(unix.IFLA_LINKINFO|proto.AttrNested, attr(unix.IFLA_INFO_KIND, cstr("veth")), attr(unix.IFLA_INFO_DATA|proto.AttrNested, attr(1, ifinfomsg(7), lyingAttr(90, 3, cstr("peer"))))))},
		{name: "IFLA_AF_SPEC nest lying", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), attr(unix.IFLA_AF_SPEC|proto.AttrNested, attr(unix.AF_INET6, lyingAttr(70, 1, u32(0))))), decoder: "Link", want: typedErr},
		{name: "IFLA_PROP_LIST nest lying", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), attr(unix.IFLA_PROP_LIST|proto.AttrNested, lyingAttr(33, unix.IFLA_ALT_IFNAME, cstr("a")))), decoder: "Link", want: attrOverrun},
		{name: "IFLA_MTU of 2 bytes", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), attr(unix.IFLA_MTU, u16(1500))), decoder: "Link", want: attrBadSize},
		{name: "VETH_INFO_PEER shorter than ifinfomsg", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), attr(unix.IFLA_LINKINFO|proto.AttrNested, attr(unix.IFLA_INFO_KIND, cstr("veth")), attr(unix.IFLA_INFO_DATA|proto.AttrNested, attr(1, lyingAttr(90, 3, cstr("peer"))))))},
		{name: "IFLA_STATS64 short", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), attr(unix.IFLA_STATS64, zeros(13)))},
		{name: "IFLA_ADDRESS of 40 bytes", data: msg(unix.RTM_NEWLINK, 0, ifinfomsg(1), attr(unix.IFLA_ADDRESS, zeros(40)))},
		{name: "RTM_NEWROUTE rtmsg cut at 11 bytes", data: msg(unix.RTM_NEWROUTE, 0, rtmsg()[:11]), decoder: "Route", want: shortPay},
		{name: "RTA attribute overruns", data: msg(unix.RTM_NEWROUTE, 0, rtmsg(), lyingAttr(64, unix.RTA_DST, u32(0x0a000001))), decoder: "Route", want: attrOverrun},
		{name: "RTA_DST of 3 bytes", data: msg(unix.RTM_NEWROUTE, 0, rtmsg(), attr(unix.RTA_DST, []byte{10, 0, 0}))},
		{name: "RTA_MULTIPATH rtnh_len 0", data: msg(unix.RTM_NEWROUTE, 0, rtmsg(), attr(unix.RTA_MULTIPATH, rtnh(0, 1), rtnh(8, 2))), decoder: "Route", want: typedErr},
		{name: "RTA_MULTIPATH rtnh_len past the attribute", data: msg(unix.RTM_NEWROUTE, 0, rtmsg(), attr(unix.RTA_MULTIPATH, rtnh(64, 1))), decoder: "Route", want: typedErr},
		{name: "RTA_MULTIPATH nexthop attribute lying", data: msg(unix.RTM_NEWROUTE, 0, rtmsg(), attr(unix.RTA_MULTIPATH, rtnh(16, 1), lyingAttr(40, unix.RTA_GATEWAY, u32(1)))), decoder: "Route", want: typedErr},
		{name: "RTA_MULTIPATH 5 stray bytes", data: msg(unix.RTM_NEWROUTE, 0, rtmsg(), attr(unix.RTA_MULTIPATH, rtnh(8, 1), []byte{9, 0, 0, 0, 1}))},
		{name: "RTA_METRICS nest lying", data: msg(unix.RTM_NEWROUTE, 0, rtmsg(), attr(unix.RTA_METRICS|proto.AttrNested, lyingAttr(50, unix.RTAX_MTU, u32(1400)))), decoder: "Route", want: typedErr},
		{name: "RTA_METRICS value of 2 bytes", data: msg(unix.RTM_NEWROUTE, 0, rtmsg(), attr(unix.RTA_METRICS|proto.AttrNested, attr(unix.RTAX_MTU, u16(1400))))},
		{name: "RTA_VIA of 1 byte", data: msg(unix.RTM_NEWROUTE, 0, rtmsg(), attr(unix.RTA_VIA, []byte{unix.AF_INET6}))},
		{name: "RTA_CACHEINFO short", data: msg(unix.RTM_NEWROUTE, 0, rtmsg(), attr(unix.RTA_CACHEINFO, zeros(5)))},
		{name: "rtm_dst_len 200", data: msg(unix.RTM_NEWROUTE, 0, []byte{unix.AF_INET, 200, 200, 0, 254, 4, 0, 1, 0, 0, 0, 0}, attr(unix.RTA_DST, u32(1)), attr(unix.RTA_SRC, u32(2)))},
		{name: "RTM_NEWADDR ifaddrmsg cut", data: msg(unix.RTM_NEWADDR, 0, ifaddrmsg()[:7]), decoder: "Addr", want: shortPay},
		{name: "IFA attribute overruns", data: msg(unix.RTM_NEWADDR, 0, ifaddrmsg(), lyingAttr(30, unix.IFA_LOCAL, u32(1))), decoder: "Addr", want: attrOverrun},
		{name: "ifa_prefixlen 255", data: msg(unix.RTM_NEWADDR, 0, []byte{unix.AF_INET, 255, 0, 0, 1, 0, 0, 0}, attr(unix.IFA_LOCAL, u32(1)), attr(unix.IFA_CACHEINFO, zeros(3)))},
		{name: "RTM_NEWNEIGH ndmsg cut", data: msg(unix.RTM_NEWNEIGH, 0, ndmsg()[:11]), decoder: "Neigh", want: shortPay},
		{name: "NDA attribute overruns", data: msg(unix.RTM_NEWNEIGH, 0, ndmsg(), lyingAttr(99, unix.NDA_DST, u32(1))), decoder: "Neigh", want: attrOverrun},
		{name: "RTM_NEWRULE fib_rule_hdr cut", data: msg(unix.RTM_NEWRULE, 0, fibRuleHdr()[:5]), decoder: "Rule", want: shortPay},
		{name: "FRA attribute overruns", data: msg(unix.RTM_NEWRULE, 0, fibRuleHdr(), lyingAttr(77, unix.FRA_TABLE, u32(1))), decoder: "Rule", want: attrOverrun},
		{name: "FRA port range of 3 bytes", data: msg(unix.RTM_NEWRULE, 0, fibRuleHdr(), attr(unix.FRA_SPORT_RANGE, []byte{1, 2, 3}), attr(unix.FRA_UID_RANGE, zeros(5)))},
		{name: "RTM_NEWNEXTHOP nhmsg cut", data: msg(unix.RTM_NEWNEXTHOP, 0, nhmsg()[:3]), decoder: "Nexthop", want: shortPay},
		{name: "NHA attribute overruns", data: msg(unix.RTM_NEWNEXTHOP, 0, nhmsg(), lyingAttr(50, unix.NHA_ID, u32(1))), decoder: "Nexthop", want: attrOverrun},
		{name: "NHA_GROUP of 5 bytes", data: msg(unix.RTM_NEWNEXTHOP, 0, nhmsg(), attr(unix.NHA_ID, u32(1)), attr(unix.NHA_GROUP, zeros(5)))},

		// Generic Netlink.
		{name: "genlmsghdr cut at 2 bytes", data: msg(genl.IDCtrl, 0, genlhdr(1)[:2]), decoder: "genl.ParseMessage", want: shortPay},
		{name: "CTRL_ATTR_OPS nest lying", data: msg(genl.IDCtrl, 0, genlhdr(genl.CtrlCmdNewFamily), attr(genl.CtrlAttrOps|proto.AttrNested, attr(1|proto.AttrNested, lyingAttr(44, genl.CtrlAttrOpID, u32(1))))), decoder: "genl.ParseFamily", want: attrOverrun},
		{name: "CTRL_ATTR_FAMILY_ID of 1 byte", data: msg(genl.IDCtrl, 0, genlhdr(genl.CtrlCmdNewFamily), attr(genl.CtrlAttrFamilyID, []byte{1})), decoder: "genl.ParseFamily", want: attrBadSize},
		{name: "CTRL_ATTR_MCAST_GROUPS nest lying", data: msg(genl.IDCtrl, 0, genlhdr(genl.CtrlCmdNewFamily), attr(genl.CtrlAttrMcastGroups|proto.AttrNested, lyingAttr(40, 1|proto.AttrNested, attr(genl.CtrlAttrMcastGrpName, cstr("x"))))), decoder: "genl.ParseFamily", want: attrOverrun},
		{name: "CTRL_ATTR_POLICY nest lying", data: msg(genl.IDCtrl, 0, genlhdr(genl.CtrlCmdGetPolicy), attr(genl.CtrlAttrFamilyID, u16(0x20)), attr(genl.CtrlAttrPolicy|proto.AttrNested, attr(0|proto.AttrNested, lyingAttr(80, 1|proto.AttrNested, attr(1, u32(3)))))), decoder: "genl.Policy", want: typedErr},
		{name: "a valid nlctrl family (control)", data: msg(genl.IDCtrl, 0, famMsg)},
		{name: "KNETLINK_A_MSG lying", data: msg(0x20, 0, genlhdr(knetlink.CmdEcho), lyingAttr(9, knetlink.AttrMsg, cstr("hi"))), decoder: "knetlink.ParseEcho", want: attrOverrun},
	}
}

// ---- decoders -------------------------------------------------------------------------------------------

// datagramDecoders take a whole datagram.
