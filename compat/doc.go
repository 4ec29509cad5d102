// Package compat is iproute2's libnetlink (include/libnetlink.h, lib/libnetlink.c) in Go, on an nlkit.Conn:
// the same names, the same shapes and the same rules, so that C code written against libnetlink ports line by
// line and behaves the same. It is for porting; new code is better served by nlkit's families.
//
//	var rth compat.RtnlHandle
//	if err := compat.RtnlOpen(&rth, 0); err != nil { ... }
//	defer compat.RtnlClose(&rth)
//	compat.RtnlSetStrictDump(&rth)
//	if err := compat.RtnlLinkdumpReqFilterFn(&rth, unix.AF_PACKET, filterReq); err != nil { ... }
//	if err := compat.RtnlDumpFilter(&rth, printLinkinfo, os.Stdout); err != nil {
//		fmt.Fprintln(os.Stderr, err) // "RTNETLINK answers: ..." or "Error: ...", as ip prints it
//		fmt.Fprintln(os.Stderr, "Dump terminated")
//	}
//
// A request is built in a buffer of fixed size, as the C struct { struct nlmsghdr n; struct ifinfomsg i;
// char buf[1024]; } req is, with NewRequest; the builders take the maximum length (sizeof(req) is req.Size())
// and refuse to exceed it with a *MaxlenError, leaving the message as it was. A received message is an
// *Nlmsghdr whose payload aliases the datagram; NlmsgData[T] and RtaData[T] are the NLMSG_DATA and RTA_DATA
// casts, pointers into the message. Parsed attributes are Rtattr values, nil where C has NULL.
//
// Errors are returned, never printed, and nothing exits. An error the kernel answered with is an *Error whose
// text is what iproute2 prints for it ("RTNETLINK answers: File exists", "Error: <extended ack message>."),
// so a ported tool that prints err prints the same; errors.Is matches its errno. Where libnetlink prints nothing
// for an error (rtnl_talk_suppress_rtnl_errmsg, ENOENT ending a dump...) the *Error has Quiet set.
//
// # From libnetlink
//
//	C (libnetlink.h / libnetlink.c)        Go
//	struct rtnl_handle                     RtnlHandle {Fd *nlkit.Conn, Local, Peer, Seq, Dump, Proto, DumpFp, Flags}
//	RTNL_HANDLE_F_LISTEN_ALL_NSID ...      RTNL_HANDLE_F_LISTEN_ALL_NSID, _SUPPRESS_NLERR, _STRICT_CHK
//	rcvbuf                                 Rcvbuf
//	rtnl_open                              RtnlOpen
//	rtnl_open_byproto                      RtnlOpenByproto
//	-                                      RtnlOpenConfig (a namespace, a Tap), RtnlOpenConn (an nltest fake)
//	rtnl_close                             RtnlClose
//	rtnl_set_strict_dump                   RtnlSetStrictDump
//	rtnl_add_nl_group                      RtnlAddNlGroup
//	rtnl_listen_all_nsid                   RtnlListenAllNsid
//	req_filter_fn_t                        ReqFilterFn
//	rtnl_wilddump_request (old)            RtnlWilddumpRequest
//	rtnl_wilddump_req_filter (old)         RtnlWilddumpReqFilter
//	rtnl_linkdump_req                      RtnlLinkdumpReq
//	rtnl_linkdump_req_filter               RtnlLinkdumpReqFilter
//	rtnl_linkdump_req_filter_fn            RtnlLinkdumpReqFilterFn
//	rtnl_fdb_linkdump_req_filter_fn        RtnlFdbLinkdumpReqFilterFn
//	rtnl_addrdump_req                      RtnlAddrdumpReq
//	rtnl_mcaddrdump_req                    RtnlMcaddrdumpReq
//	rtnl_addrlbldump_req                   RtnlAddrlbldumpReq
//	rtnl_routedump_req                     RtnlRoutedumpReq
//	rtnl_ruledump_req                      RtnlRuledumpReq
//	rtnl_neighdump_req                     RtnlNeighdumpReq
//	rtnl_neightbldump_req                  RtnlNeightbldumpReq
//	rtnl_mdbdump_req                       RtnlMdbdumpReq
//	rtnl_brvlandump_req                    RtnlBrvlandumpReq
//	rtnl_netconfdump_req                   RtnlNetconfdumpReq
//	rtnl_nsiddump_req_filter_fn            RtnlNsiddumpReqFilterFn
//	rtnl_statsdump_req_filter              RtnlStatsdumpReqFilter
//	rtnl_nexthopdump_req                   RtnlNexthopdumpReq
//	rtnl_nexthop_bucket_dump_req           RtnlNexthopBucketDumpReq
//	rtnl_tunneldump_req                    RtnlTunneldumpReq
//	rtnl_dump_request                      RtnlDumpRequest
//	rtnl_dump_request_n                    RtnlDumpRequestN
//	rtnl_filter_t                          RtnlFilter
//	rtnl_err_hndlr_t                       RtnlErrHndlr
//	RTNL_LET_NLERR, RTNL_SUPPRESS_*        RTNL_LET_NLERR, RTNL_SUPPRESS_NLMSG_DONE_NLERR, ..._ERROR_NLERR, ..._NLERR
//	struct rtnl_dump_filter_arg            RtnlDumpFilterArg
//	rtnl_dump_filter_l                     RtnlDumpFilterL
//	rtnl_dump_filter (macro)               RtnlDumpFilter
//	rtnl_dump_filter_nc                    RtnlDumpFilterNc
//	rtnl_dump_filter_errhndlr (macro)      RtnlDumpFilterErrhndlr
//	rtnl_dump_filter_errhndlr_nc           RtnlDumpFilterErrhndlrNc
//	rtnl_talk                              RtnlTalk
//	rtnl_talk_iov                          RtnlTalkIov
//	rtnl_talk_suppress_rtnl_errmsg         RtnlTalkSuppressRtnlErrmsg
//	rtnl_echo_talk                         RtnlEchoTalk
//	rtnl_send                              RtnlSend
//	rtnl_send_check                        RtnlSendCheck
//	struct rtnl_ctrl_data                  RtnlCtrlData {Nsid}
//	rtnl_listen_filter_t                   RtnlListenFilter
//	rtnl_listen                            RtnlListen
//	rtnl_from_file                         RtnlFromFile (the file format: pcap.DumpReader)
//	nl_dump_ext_ack, nl_ext_ack_fn_t       *Error text and ExtAck; warnings go to RtnlHandle.Warn
//	perror("RTNETLINK answers"), strerror  *Error text, Strerror
//	struct nlmsghdr *                      *Nlmsghdr {Len, Type, Flags, Seq, Pid}; Data, Size, Bytes, Clone
//	struct { nlmsghdr; ifinfomsg; buf }    NewRequest(type, flags, Ifinfomsg{...}, len(buf)); NewNlmsg(size)
//	sizeof(req)                            req.Size()
//	(struct ifinfomsg *)NLMSG_DATA(n)      NlmsgData[Ifinfomsg](n)
//	(struct ifa_cacheinfo *)RTA_DATA(rta)  RtaData[IfaCacheinfo](rta)
//	&ifm, sizeof(ifm) (to addraw_l)        AsBytes(&ifm)
//	struct ifinfomsg, ifaddrmsg, rtmsg...  Ifinfomsg, Ifaddrmsg, Rtmsg, Rtgenmsg, Ndmsg, Ndtmsg, Nhmsg, FibRuleHdr,
//	                                       Netconfmsg, Ifaddrlblmsg, IfStatsMsg, BrPortMsg, BrVlanMsg, TunnelMsg,
//	                                       Tcmsg, Nlmsgerr, IfaCacheinfo, RtaCacheinfo, NdaCacheinfo, RtNexthop
//	NLMSG_TAIL(n)                          (the builders' business; nests are returned as offsets)
//	addattr                                Addattr
//	addattr8/16/32/64                      Addattr8, Addattr16, Addattr32, Addattr64
//	addattrstrz                            Addattrstrz
//	addattr_l                              AddattrL
//	addraw_l                               AddrawL
//	addattr_nest, addattr_nest_end         AddattrNest, AddattrNestEnd
//	addattr_nest_compat(_end)              AddattrNestCompat, AddattrNestCompatEnd
//	struct rtattr *                        Rtattr (Len, Type, Data = RTA_DATA, Payload = RTA_PAYLOAD); NewRtattr
//	rta_addattr8/16/32/64, rta_addattr_l   RtaAddattr8, RtaAddattr16, RtaAddattr32, RtaAddattr64, RtaAddattrL
//	rta_nest, rta_nest_end, RTA_TAIL       RtaNest, RtaNestEnd
//	parse_rtattr                           ParseRtattr
//	parse_rtattr_flags                     ParseRtattrFlags
//	parse_rtattr_nested (macro)            ParseRtattrNested
//	parse_rtattr_byindex (old)             ParseRtattrByindex
//	parse_rtattr_one                       ParseRtattrOne
//	parse_rtattr_one_nested (macro)        ParseRtattrOneNested
//	parse_rtattr_nested_compat (macro)     ParseRtattrNestedCompat (returns data)
//	rtattr_for_each_nested (macro)         RtattrForEachNested (an iterator)
//	rta_getattr_u8/u16/u32/u64             RtaGetattrU8, RtaGetattrU16, RtaGetattrU32, RtaGetattrU64
//	rta_getattr_s32/s64                    RtaGetattrS32, RtaGetattrS64
//	rta_getattr_be16/be32/be64             RtaGetattrBe16, RtaGetattrBe32, RtaGetattrBe64
//	rta_getattr_uint                       RtaGetattrUint
//	rta_getattr_str                        RtaGetattrStr
//	rta_type                               RtaType
//	IFLA_RTA, IFLA_PAYLOAD                 IFLA_RTA(n), IFLA_PAYLOAD(n)
//	IFA_RTA, IFA_PAYLOAD                   IFA_RTA(n), IFA_PAYLOAD(n)
//	RTM_RTA, RTM_PAYLOAD                   RTM_RTA(n), RTM_PAYLOAD(n)
//	NDA_RTA, NDA_PAYLOAD                   NDA_RTA(n), NDA_PAYLOAD(n)
//	NDTA_RTA, NDTA_PAYLOAD                 NDTA_RTA(n), NDTA_PAYLOAD(n)
//	NETNS_RTA, NETNS_PAYLOAD               NETNS_RTA(n), NETNS_PAYLOAD(n)
//	IFLA_STATS_RTA, BRVLAN_RTA, TUNNEL_RTA IFLA_STATS_RTA(n), BRVLAN_RTA(n), TUNNEL_RTA(n)
//	TCA_RTA, TCA_PAYLOAD                   TCA_RTA(n), TCA_PAYLOAD(n); also NHA_RTA, FRA_RTA, NETCONF_RTA
//	NLMSG_TSTAMP                           NLMSG_TSTAMP
//	NLMSG_*, RTA_* macros                  package proto (its doc has that table)
//	NETLINK_*, RTM_*, IFLA_*... constants  golang.org/x/sys/unix
//
// # Where Go differs
//
//   - Nothing is printed and nothing exits: the fprintf(stderr) and exit(1) of libnetlink are errors returned
//     (the "!!!Remnant", "!!!malformed message", "ERROR truncated" cases too), with libnetlink's words. Messages
//     it prints and survives (a kernel "Warning:", ENOBUFS in rtnl_listen) go to RtnlHandle.Warn when set.
//   - Callbacks get the argument as any; a negative return comes back as a *CallbackError holding it.
//   - NLM_F_DUMP_INTR: C warns "Dump was interrupted and may be inconsistent." and returns 0; RtnlDumpFilter
//     delivers every message, then returns nlkit's *DumpInterruptedError (errors.Is nlkit.ErrDumpInterrupted).
//     Clearing NLM_F_DUMP_INTR with nc_flags still makes the dump succeed.
//   - rtnl_talk's answer is malloc'd and freed by the caller; RtnlTalk's *answer is a copy the caller owns. The
//     *Nlmsghdr given to a filter or handler aliases the receive buffer and is valid only during the call
//     (Clone it to keep it).
//   - Requests go out as nlmsg_len bytes. The C dump requests send sizeof(req), zeros after nlmsg_len that the
//     kernel ignores; the bytes up to nlmsg_len are the same (testdata/requests holds ip's, and the tests compare).
//   - rtnl_set_strict_dump and rtnl_listen_all_nsid set options on the open socket; nlkit sets options when it
//     dials, so the handle dials its socket again with the option, keeping its groups (the portid, and Local,
//     change; libnetlink calls them right after rtnl_open). On a handle from RtnlOpenConn, RtnlSetStrictDump
//     does nothing (as on a kernel without the option) and RtnlListenAllNsid returns ErrOptionAfterOpen: dial
//     that Conn with nlkit.Config.Strict or ListenAllNSID.
//   - SO_SNDBUF is left at the kernel's default; SO_RCVBUF is Rcvbuf, forced where privileged. Datagrams are read
//     into nlkit's 32 KiB buffer (the kernel's largest dump datagram) rather than peeked for size and malloc'd;
//     one that is cut anyway is an error ("Message truncated"), not a warning followed by lost data.
//   - nlkit drops datagrams that a user process, not the kernel, sent to the socket
//     (nlkit.Config.AcceptUserSenders); libnetlink skips them in dumps and talks and passes them to rtnl_listen.
//   - rtnl_send_check peeks at the socket with MSG_DONTWAIT; RtnlSendCheck reads what is already queued (up to
//     2 ms) and puts it back in front of the handle's next receive, so the next reader still sees it.
//   - RtnlTalkIov returns every error of the batch, joined (C prints each and returns whether the last failed),
//     and aligns each message of the batch to NLMSG_ALIGNTO.
//   - tb is a slice: ParseRtattr never writes past len(tb), whatever max says. The rta_getattr_* read the payload
//     without checking its size in C; here a short payload reads as 0 (RtaGetattrUint: ^0 for odd sizes, as C).
//     NlmsgData and RtaData return nil for a payload too short for the struct.
//   - The builders refuse to write past the buffer even when maxlen is larger (C would overflow it).
//     AddattrNest, AddattrNestCompat and RtaNest return the nest's offset in the message, and an error.
//   - parse_rtattr prints "!!!Deficit"; ParseRtattr returns it as a *DeficitError after filling tb.
//   - RtnlCtrlData.Nsid is -1 when the handle does not listen to all namespaces (C leaves it unset).
//   - rtnl_from_file reads a FILE* and stops at messages over 16 KiB; RtnlFromFile reads an io.Reader and
//     accepts up to pcap.MaxDumpMessage.
//   - RtnlWilddumpRequest is the 2.6-era request (struct rtgenmsg, nlmsg_len 20) that libnetlink sent then;
//     iproute2 3.x-4.x sent RtnlWilddumpReqFilter's form, and newer code uses the per-object requests.
//   - RtnlHandle.Ctx bounds blocking receives; RtnlClose from another goroutine ends them with nlkit.ErrClosed.
//
// examples/compat-ip is a port of a part of ip (ip -o link, ip -o addr, ip monitor, link/addr/route add) on
// this package, and integration/compat compares its output with iproute2's.
package compat
