package compat

// The family headers that follow struct nlmsghdr, and the structs found in attribute payloads, laid out as the
// kernel's UAPI headers lay them out (host byte order). They are defined here rather than taken from
// golang.org/x/sys/unix so that the package builds on every OS and NlmsgData can hand out pointers into a
// message: Fixed lists exactly the types that are safe for that.

// Fixed is the set of C structs NlmsgData, RtaData and NewRequest accept.
type Fixed interface {
	Ifinfomsg | Ifaddrmsg | Rtmsg | Rtgenmsg | Ndmsg | Ndtmsg | Nhmsg | FibRuleHdr | Netconfmsg |
		Ifaddrlblmsg | IfStatsMsg | BrPortMsg | BrVlanMsg | TunnelMsg | Nlmsgerr | IfaCacheinfo | RtaCacheinfo |
		NdaCacheinfo | RtNexthop | Tcmsg
}

// Ifinfomsg is struct ifinfomsg (RTM_*LINK).
type Ifinfomsg struct {
	Family uint8  // ifi_family
	Pad    uint8  // __ifi_pad
	Type   uint16 // ifi_type: ARPHRD_*
	Index  int32  // ifi_index
	Flags  uint32 // ifi_flags: IFF_*
	Change uint32 // ifi_change
}

// Ifaddrmsg is struct ifaddrmsg (RTM_*ADDR).
type Ifaddrmsg struct {
	Family    uint8  // ifa_family
	Prefixlen uint8  // ifa_prefixlen
	Flags     uint8  // ifa_flags
	Scope     uint8  // ifa_scope
	Index     uint32 // ifa_index
}

// Rtmsg is struct rtmsg (RTM_*ROUTE).
type Rtmsg struct {
	Family   uint8  // rtm_family
	DstLen   uint8  // rtm_dst_len
	SrcLen   uint8  // rtm_src_len
	Tos      uint8  // rtm_tos
	Table    uint8  // rtm_table
	Protocol uint8  // rtm_protocol
	Scope    uint8  // rtm_scope
	Type     uint8  // rtm_type
	Flags    uint32 // rtm_flags
}

// Rtgenmsg is struct rtgenmsg, the one-byte header of generic dump requests (and RTM_*NSID).
type Rtgenmsg struct {
	Family uint8 // rtgen_family
}

// Ndmsg is struct ndmsg (RTM_*NEIGH).
type Ndmsg struct {
	Family  uint8  // ndm_family
	Pad1    uint8  // ndm_pad1
	Pad2    uint16 // ndm_pad2
	Ifindex int32  // ndm_ifindex
	State   uint16 // ndm_state: NUD_*
	Flags   uint8  // ndm_flags: NTF_*
	Type    uint8  // ndm_type
}

// Ndtmsg is struct ndtmsg (RTM_*NEIGHTBL).
type Ndtmsg struct {
	Family uint8  // ndtm_family
	Pad1   uint8  // ndtm_pad1
	Pad2   uint16 // ndtm_pad2
}

// Nhmsg is struct nhmsg (RTM_*NEXTHOP).
type Nhmsg struct {
	Family   uint8  // nh_family
	Scope    uint8  // nh_scope
	Protocol uint8  // nh_protocol
	Resvd    uint8  // resvd
	Flags    uint32 // nh_flags
}

// FibRuleHdr is struct fib_rule_hdr (RTM_*RULE).
type FibRuleHdr struct {
	Family uint8
	DstLen uint8
	SrcLen uint8
	Tos    uint8
	Table  uint8
	Res1   uint8
	Res2   uint8
	Action uint8
	Flags  uint32
}

// Netconfmsg is struct netconfmsg (RTM_*NETCONF).
type Netconfmsg struct {
	Family uint8 // ncm_family
}

// Ifaddrlblmsg is struct ifaddrlblmsg (RTM_*ADDRLABEL).
type Ifaddrlblmsg struct {
	Family    uint8
	Reserved  uint8
	Prefixlen uint8
	Flags     uint8
	Index     uint32
	Seq       uint32
}

// IfStatsMsg is struct if_stats_msg (RTM_*STATS).
type IfStatsMsg struct {
	Family     uint8
	Pad1       uint8
	Pad2       uint16
	Ifindex    uint32
	FilterMask uint32
}

// BrPortMsg is struct br_port_msg (RTM_*MDB).
type BrPortMsg struct {
	Family  uint8
	Pad     [3]uint8
	Ifindex uint32
}

// BrVlanMsg is struct br_vlan_msg (RTM_*VLAN).
type BrVlanMsg struct {
	Family    uint8
	Reserved1 uint8
	Reserved2 uint16
	Ifindex   uint32
}

// TunnelMsg is struct tunnel_msg (RTM_*TUNNEL).
type TunnelMsg struct {
	Family   uint8
	Flags    uint8
	Reserved uint16
	Ifindex  uint32
}

// Tcmsg is struct tcmsg (RTM_*QDISC, RTM_*TCLASS, RTM_*TFILTER).
type Tcmsg struct {
	Family  uint8
	Pad1    uint8
	Pad2    uint16
	Ifindex int32
	Handle  uint32
	Parent  uint32
	Info    uint32
}

// Nlmsgerr is struct nlmsgerr, the payload of NLMSG_ERROR: a negative errno (0 for an ack) and the header of
// the request it answers.
type Nlmsgerr struct {
	Error int32
	Msg   struct {
		Len   uint32
		Type  uint16
		Flags uint16
		Seq   uint32
		Pid   uint32
	}
}

// IfaCacheinfo is struct ifa_cacheinfo (IFA_CACHEINFO).
type IfaCacheinfo struct {
	Prefered uint32 // ifa_prefered
	Valid    uint32 // ifa_valid
	Cstamp   uint32
	Tstamp   uint32
}

// RtaCacheinfo is struct rta_cacheinfo (RTA_CACHEINFO).
type RtaCacheinfo struct {
	Clntref uint32
	Lastuse uint32
	Expires int32
	Error   uint32
	Used    uint32
	ID      uint32
	Ts      uint32
	Tsage   uint32
}

// NdaCacheinfo is struct nda_cacheinfo (NDA_CACHEINFO).
type NdaCacheinfo struct {
	Confirmed uint32
	Used      uint32
	Updated   uint32
	Refcnt    uint32
}

// RtNexthop is struct rtnexthop, an element of RTA_MULTIPATH.
type RtNexthop struct {
	Len     uint16 // rtnh_len
	Flags   uint8  // rtnh_flags
	Hops    uint8  // rtnh_hops
	Ifindex int32  // rtnh_ifindex
}

// Constants of libnetlink.h.
const (
	// RTNL_HANDLE_F_LISTEN_ALL_NSID: RtnlListenAllNsid succeeded; RtnlListen reports each message's nsid.
	RTNL_HANDLE_F_LISTEN_ALL_NSID = 0x01
	// RTNL_HANDLE_F_SUPPRESS_NLERR: errors inside a dump are returned with Quiet set.
	RTNL_HANDLE_F_SUPPRESS_NLERR = 0x02
	// RTNL_HANDLE_F_STRICT_CHK: RtnlSetStrictDump turned NETLINK_GET_STRICT_CHK on.
	RTNL_HANDLE_F_STRICT_CHK = 0x04

	// RTNL_LET_NLERR: an RtnlErrHndlr lets the error be handled as usual.
	RTNL_LET_NLERR = 0x01
	// RTNL_SUPPRESS_NLMSG_DONE_NLERR: an error carried by NLMSG_DONE ends the dump successfully.
	RTNL_SUPPRESS_NLMSG_DONE_NLERR = 0x02
	// RTNL_SUPPRESS_NLMSG_ERROR_NLERR: an NLMSG_ERROR inside the dump is skipped.
	RTNL_SUPPRESS_NLMSG_ERROR_NLERR = 0x04
	// RTNL_SUPPRESS_NLERR: both of the above.
	RTNL_SUPPRESS_NLERR = 0x06

	// NLMSG_TSTAMP is the user-defined message type iproute2 writes into dump files to carry a timestamp.
	NLMSG_TSTAMP = 15
)

// Kernel constants the dump requests use (from <linux/rtnetlink.h> and friends; golang.org/x/sys/unix has them
// all, but only on Linux).
const (
	afUnspec = 0
	afBridge = 7
	afPacket = 17

	rtmGetlink      = 18
	rtmGetaddr      = 22
	rtmGetroute     = 26
	rtmGetneigh     = 30
	rtmGetrule      = 34
	rtmGetneightbl  = 66
	rtmGetaddrlabel = 74
	rtmGetnetconf   = 82
	rtmGetmdb       = 86
	rtmGetnsid      = 90
	rtmGetstats     = 94
	rtmGetmulticast = 58
	rtmGetnexthop   = 106
	rtmGetvlan      = 114

	iflaExtMask     = 29
	rtextFilterVF   = 1
	netlinkRoute    = 0
	netlinkSockDiag = 4
)
