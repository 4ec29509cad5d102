package compat

import (
	"syscall"

	"github.com/nlkit/nlkit/proto"
)

// ReqFilterFn is req_filter_fn_t: it edits a dump request before it is sent, usually adding attributes with
// the builders (reqlen is the maxlen to give them). A non-nil error aborts the request and is returned.
type ReqFilterFn func(nlh *Nlmsghdr, reqlen int) error

const dumpFlags = proto.FlagRequest | proto.FlagDump

// dumpReq starts a dump request of type typ with the family header fixed and bufLen bytes for attributes, lets
// fn edit it, and sends it (nlmsg_len bytes: C sends sizeof(req), zeros after nlmsg_len the kernel ignores).
func dumpReq[T Fixed](rth *RtnlHandle, typ uint16, fixed T, bufLen int, fn ReqFilterFn) error {
	n := NewRequest(typ, dumpFlags, fixed, bufLen)
	n.Seq = rth.nextDump()
	if fn != nil {
		if err := fn(n, n.Size()); err != nil {
			return err
		}
	}
	return rth.send(n.Bytes())
}

// RtnlWilddumpRequest is the seed-era rtnl_wilddump_request(rth, family, type), the old name for "dump
// everything of this type": a struct rtgenmsg request with NLM_F_ROOT|NLM_F_MATCH, as iproute2 of the 2.6
// kernels sent it (nlmsg_len 20, sizeof the C struct). Newer iproute2 dropped it for the per-object requests
// below (and, in between, sent RtnlWilddumpReqFilter's form).
func RtnlWilddumpRequest(rth *RtnlHandle, family int, typ uint16) error {
	n := NewRequest(typ, dumpFlags, Rtgenmsg{Family: uint8(family)}, 3)
	n.Len = 20 // sizeof(struct { struct nlmsghdr; struct rtgenmsg; }), padding included
	n.Seq = rth.nextDump()
	return rth.send(n.Bytes())
}

// RtnlWilddumpReqFilter is rtnl_wilddump_req_filter (iproute2 3.x-4.x): a dump request of any type with a
// struct ifinfomsg header and IFLA_EXT_MASK filtMask.
func RtnlWilddumpReqFilter(rth *RtnlHandle, family int, typ uint16, filtMask uint32) error {
	return dumpReq(rth, typ, Ifinfomsg{Family: uint8(family)}, 8, func(n *Nlmsghdr, l int) error {
		return Addattr32(n, l, iflaExtMask, filtMask)
	})
}

// RtnlDumpRequest is rtnl_dump_request: a dump request of type typ whose payload is req (a family header and
// whatever follows it), nlmsg_len NLMSG_LENGTH(len(req)).
func RtnlDumpRequest(rth *RtnlHandle, typ uint16, req []byte) error {
	h := proto.Header{Length: uint32(proto.Length(len(req))), Type: typ, Flags: dumpFlags, Sequence: rth.nextDump()}
	b := make([]byte, proto.HeaderLen, proto.HeaderLen+len(req))
	h.MarshalTo(b)
	return rth.send(append(b, req...))
}

// RtnlDumpRequestN is rtnl_dump_request_n: it sends n as a dump request, setting its flags to
// NLM_F_DUMP|NLM_F_REQUEST, its pid to 0 and its sequence number.
func RtnlDumpRequestN(rth *RtnlHandle, n *Nlmsghdr) error {
	n.Flags = dumpFlags
	n.Pid = 0
	n.Seq = rth.nextDump()
	return rth.send(n.Bytes())
}

// RtnlLinkdumpReq is rtnl_linkdump_req: RTM_GETLINK for family; AF_UNSPEC asks for VF information
// (IFLA_EXT_MASK RTEXT_FILTER_VF).
func RtnlLinkdumpReq(rth *RtnlHandle, family int) error {
	if family == afUnspec {
		return RtnlLinkdumpReqFilter(rth, family, rtextFilterVF)
	}
	return dumpReq[Ifinfomsg](rth, rtmGetlink, Ifinfomsg{Family: uint8(family)}, 0, nil)
}

// RtnlLinkdumpReqFilter is rtnl_linkdump_req_filter: RTM_GETLINK with IFLA_EXT_MASK filtMask for AF_UNSPEC and
// AF_BRIDGE, a bare request for other families.
func RtnlLinkdumpReqFilter(rth *RtnlHandle, family int, filtMask uint32) error {
	if family == afUnspec || family == afBridge {
		return RtnlWilddumpReqFilter(rth, family, rtmGetlink, filtMask)
	}
	return dumpReq[Ifinfomsg](rth, rtmGetlink, Ifinfomsg{Family: uint8(family)}, 0, nil)
}

// RtnlLinkdumpReqFilterFn is rtnl_linkdump_req_filter_fn: RTM_GETLINK for AF_UNSPEC or AF_PACKET with 1024
// bytes for fn to fill (fn is required: nil gives EINVAL); other families get a bare request and fn is not
// called.
func RtnlLinkdumpReqFilterFn(rth *RtnlHandle, family int, fn ReqFilterFn) error {
	if family == afUnspec || family == afPacket {
		if fn == nil {
			return syscall.EINVAL
		}
		return dumpReq(rth, rtmGetlink, Ifinfomsg{Family: uint8(family)}, 1024, fn)
	}
	return dumpReq[Ifinfomsg](rth, rtmGetlink, Ifinfomsg{Family: uint8(family)}, 0, nil)
}

// RtnlFdbLinkdumpReqFilterFn is rtnl_fdb_linkdump_req_filter_fn: RTM_GETNEIGH with a struct ifinfomsg of
// family PF_BRIDGE (the bridge FDB dump), edited by fn.
func RtnlFdbLinkdumpReqFilterFn(rth *RtnlHandle, fn ReqFilterFn) error {
	return dumpReq(rth, rtmGetneigh, Ifinfomsg{Family: afBridge}, 128, fn)
}

// RtnlAddrdumpReq is rtnl_addrdump_req: RTM_GETADDR for family, edited by fn (which may be nil).
func RtnlAddrdumpReq(rth *RtnlHandle, family int, fn ReqFilterFn) error {
	return dumpReq(rth, rtmGetaddr, Ifaddrmsg{Family: uint8(family)}, 128, fn)
}

// RtnlMcaddrdumpReq is rtnl_mcaddrdump_req: RTM_GETMULTICAST for family, edited by fn.
func RtnlMcaddrdumpReq(rth *RtnlHandle, family int, fn ReqFilterFn) error {
	return dumpReq(rth, rtmGetmulticast, Ifaddrmsg{Family: uint8(family)}, 128, fn)
}

// RtnlAddrlbldumpReq is rtnl_addrlbldump_req: RTM_GETADDRLABEL for family.
func RtnlAddrlbldumpReq(rth *RtnlHandle, family int) error {
	return dumpReq(rth, rtmGetaddrlabel, Ifaddrlblmsg{Family: uint8(family)}, 0, nil)
}

// RtnlRoutedumpReq is rtnl_routedump_req: RTM_GETROUTE for family, edited by fn (which may be nil).
func RtnlRoutedumpReq(rth *RtnlHandle, family int, fn ReqFilterFn) error {
	return dumpReq(rth, rtmGetroute, Rtmsg{Family: uint8(family)}, 128, fn)
}

// RtnlRuledumpReq is rtnl_ruledump_req: RTM_GETRULE for family.
func RtnlRuledumpReq(rth *RtnlHandle, family int) error {
	return dumpReq(rth, rtmGetrule, FibRuleHdr{Family: uint8(family)}, 0, nil)
}

// RtnlNeighdumpReq is rtnl_neighdump_req: RTM_GETNEIGH for family, edited by fn (which may be nil).
func RtnlNeighdumpReq(rth *RtnlHandle, family int, fn ReqFilterFn) error {
	return dumpReq(rth, rtmGetneigh, Ndmsg{Family: uint8(family)}, 256, fn)
}

// RtnlNeightbldumpReq is rtnl_neightbldump_req: RTM_GETNEIGHTBL for family.
func RtnlNeightbldumpReq(rth *RtnlHandle, family int) error {
	return dumpReq(rth, rtmGetneightbl, Ndtmsg{Family: uint8(family)}, 0, nil)
}

// RtnlMdbdumpReq is rtnl_mdbdump_req: RTM_GETMDB for family.
func RtnlMdbdumpReq(rth *RtnlHandle, family int) error {
	return dumpReq(rth, rtmGetmdb, BrPortMsg{Family: uint8(family)}, 0, nil)
}

// RtnlBrvlandumpReq is rtnl_brvlandump_req: RTM_GETVLAN for family with BRIDGE_VLANDB_DUMP_FLAGS dumpFlags.
func RtnlBrvlandumpReq(rth *RtnlHandle, family int, flags uint32) error {
	const bridgeVlandbDumpFlags = 1
	return dumpReq(rth, rtmGetvlan, BrVlanMsg{Family: uint8(family)}, 256, func(n *Nlmsghdr, l int) error {
		return Addattr32(n, l, bridgeVlandbDumpFlags, flags)
	})
}

// RtnlNetconfdumpReq is rtnl_netconfdump_req: RTM_GETNETCONF for family (nlmsg_len covers the aligned
// struct netconfmsg, as in C).
func RtnlNetconfdumpReq(rth *RtnlHandle, family int) error {
	return dumpReq(rth, rtmGetnetconf, Netconfmsg{Family: uint8(family)}, 3, func(n *Nlmsghdr, _ int) error {
		n.Len = uint32(proto.Length(proto.Align(sizeofNetconfmsg)))
		return nil
	})
}

// RtnlNsiddumpReqFilterFn is rtnl_nsiddump_req_filter_fn: RTM_GETNSID for family, edited by fn (required:
// nil gives EINVAL).
func RtnlNsiddumpReqFilterFn(rth *RtnlHandle, family int, fn ReqFilterFn) error {
	if fn == nil {
		return syscall.EINVAL
	}
	return dumpReq(rth, rtmGetnsid, Rtgenmsg{Family: uint8(family)}, 1024+3, func(n *Nlmsghdr, l int) error {
		n.Len = uint32(proto.Length(proto.Align(sizeofRtgenmsg)))
		return fn(n, l)
	})
}

// RtnlNexthopdumpReq is rtnl_nexthopdump_req: RTM_GETNEXTHOP for family, edited by fn (which may be nil).
func RtnlNexthopdumpReq(rth *RtnlHandle, family int, fn ReqFilterFn) error {
	return dumpReq(rth, rtmGetnexthop, Nhmsg{Family: uint8(family)}, 128, fn)
}

// RtnlNexthopBucketDumpReq is rtnl_nexthop_bucket_dump_req: RTM_GETNEXTHOPBUCKET for family, edited by fn.
func RtnlNexthopBucketDumpReq(rth *RtnlHandle, family int, fn ReqFilterFn) error {
	const rtmGetnexthopbucket = 118
	return dumpReq(rth, rtmGetnexthopbucket, Nhmsg{Family: uint8(family)}, 128, fn)
}

// RtnlStatsdumpReqFilter is rtnl_statsdump_req_filter: RTM_GETSTATS for family with filter_mask filtMask, edited
// by fn (which may be nil; C passes it a struct ipstats_req and a data pointer, here the message).
func RtnlStatsdumpReqFilter(rth *RtnlHandle, family int, filtMask uint32, fn ReqFilterFn) error {
	return dumpReq(rth, rtmGetstats, IfStatsMsg{Family: uint8(family), FilterMask: filtMask}, 128, fn)
}

// RtnlTunneldumpReq is rtnl_tunneldump_req: RTM_GETTUNNEL for family, ifindex and flags.
func RtnlTunneldumpReq(rth *RtnlHandle, family int, ifindex uint32, flags uint8) error {
	const rtmGettunnel = 122
	return dumpReq[TunnelMsg](rth, rtmGettunnel, TunnelMsg{Family: uint8(family), Flags: flags, Ifindex: ifindex},
		256, nil)
}
