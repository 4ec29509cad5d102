// Package rtnlconv converts between nlkit's rtnetlink objects (route.Link, route.Addr, route.Route,
// route.Neigh, route.Rule) and the messages of github.com/jsimonetti/rtnetlink/v2 (LinkMessage,
// AddressMessage, RouteMessage, NeighMessage, RuleMessage), so a program written against jsimonetti/rtnetlink
// can move to nlkit one call site at a time: keep building jsimonetti's messages and send them with nlkit, or
// list with nlkit and hand jsimonetti's types to code not yet ported.
//
//	routes, err := c.Route.List(ctx, &route.RouteFilter{Table: route.TableMain})
//	for _, r := range routes {
//		m := rtnlconv.ToRouteMessage(&r) // a rtnetlink.RouteMessage for old code
//		...
//	}
//
// The functions named FromXxxMessage turn a jsimonetti message into an nlkit object; they fail only when the
// message holds something the kernel would never send (an IP address of neither 4 nor 16 bytes, a prefix
// length longer than the address). The functions named ToXxxMessage build a jsimonetti message from an nlkit
// object; only ToLinkMessage can fail, when the link's IFLA_LINKINFO kind data cannot be encoded.
//
// # What each side cannot hold
//
// The two libraries decode different subsets of the kernel's attributes. A conversion keeps every field both
// know and drops the rest, so a round trip through the other library keeps exactly the fields both know:
//
//   - Link: jsimonetti has no IFLA_MIN_MTU, IFLA_MAX_MTU, IFLA_LINK_NETNSID, IFLA_PROMISCUITY,
//     IFLA_ALLMULTI, IFLA_NUM_TX_QUEUES, IFLA_NUM_RX_QUEUES, GSO/GRO/TSO limits, IFLA_PROTO_DOWN,
//     IFLA_AF_SPEC (address generation mode) or parent device names; nlkit has no IFLA_PHYS_PORT_ID,
//     IFLA_PHYS_PORT_NAME, IFLA_PHYS_SWITCH_ID, IFLA_NUM_VF, IFLA_VFINFO_LIST, IFLA_XDP or IFLA_EXT_MASK, and
//     keeps only IFLA_STATS64 (LinkAttributes.Stats64; the 32-bit IFLA_STATS is used when Stats64 is nil).
//     jsimonetti calls IFLA_LINK "Type" (LinkAttributes.Type); it is route.Link.ParentIndex. Kind data
//     (IFLA_INFO_DATA, IFLA_INFO_SLAVE_DATA) goes through its wire form, so nlkit's typed kinds (*route.Bridge,
//     *route.Vxlan...) and jsimonetti's registered drivers (package driver) both come out typed on the other
//     side when that side knows the kind, and as raw attributes when it does not; kind data without a kind
//     name, which the kernel never sends, is dropped.
//   - Addr: jsimonetti has no IFA_PROTO. nlkit's Local and Peer are IFA_LOCAL and IFA_ADDRESS as the kernel
//     means them (Peer only for point-to-point addresses); ToAddressMessage sets both IFA_LOCAL and
//     IFA_ADDRESS, as `ip addr add` does.
//   - Route: jsimonetti has no RTA_SRC address (only rtm_src_len, which becomes Extra.Src with the
//     unspecified address, as nlkit's own decoder does without RTA_SRC), RTA_NH_ID, RTA_IIF, RTA_UID,
//     RTA_FLOW, RTA_CACHEINFO, RTA_ENCAP on a single-path route, RTA_TTL_PROPAGATE, and of RTA_METRICS only
//     RTAX_MTU, RTAX_ADVMSS, RTAX_FEATURES, RTAX_INITCWND and RTAX_INITRWND; its RouteAttributes.Src is
//     RTA_PREFSRC (route.RouteExtra.PrefSrc). Of a multipath hop's encapsulation it knows MPLS labels
//     (LWTUNNEL_ENCAP_MPLS) only, and no RTA_FLOW.
//   - Neigh: jsimonetti has NDA_DST, NDA_LLADDR, NDA_CACHEINFO and NDA_IFINDEX only.
//   - Rule: jsimonetti's FRA_UID_RANGE is two 16-bit numbers where the kernel's struct fib_rule_uid_range has
//     two 32-bit ones, so it is not converted either way; it has no FRA_DSCP; it reads and writes the
//     big-endian FRA_TUN_ID in host byte order, so the conversions swap its bytes to keep the same wire value.
//
// Optional attributes that jsimonetti holds as pointers (Alias, Master, Pref, Priority of a rule...) are set by
// the To functions when nlkit's field is not zero, nlkit's convention for "absent"; a jsimonetti pointer to a
// zero value and a nil pointer come out the same.
package rtnlconv
