// Package route is rtnetlink (NETLINK_ROUTE) for Go: the links, addresses, routes, neighbours, rules and
// nexthops that `ip link`, `ip addr`, `ip route`, `ip neigh`, `ip rule` and `ip nexthop` show and change, and the
// notifications `ip monitor` prints, in any network namespace.
//
//	c, err := route.Dial(nil) // or &route.Config{NetNS: fd}
//	if err != nil { ... }
//	defer c.Close()
//	for r, err := range c.Route.All(ctx, &route.RouteFilter{Table: route.TableMain}) {
//		if err != nil { ... }
//		fmt.Println(r.Dst, r.Gateway, r.OIF)
//	}
//
// # Objects
//
// Link, Addr, Route, Neigh, Rule and Nexthop are plain values whose fields are named after the kernel's
// attributes (Link.Name is IFLA_IFNAME, Route.Dst is RTA_DST with rtm_dst_len); each field's documentation gives
// the kernel name, so one search finds both. Addresses are net/netip values and link-layer addresses are
// HWAddr values, so decoding allocates nothing but strings (interface names, labels) and the few variable-size
// parts (multipath nexthops, encapsulations, alternative names, kind data). Every object has UnmarshalBinary and
// MarshalBinary for its message payload, for use with a raw nlkit.Conn.
//
// Route, of which a program may hold a million, is 96 bytes: what nearly every route has is inline (Dst,
// Gateway, OIF, Table, Priority, Protocol...), and the rare attributes (RTA_PREFSRC, RTA_MULTIPATH, RTA_METRICS,
// RTA_VIA, RTA_MARK...) are in a RouteExtra behind Route.Extra, nil when there are none, so a plain route
// decodes with no allocation. r.Ext().PrefSrc reads one without a nil check; r.EnsureExtra().Mark = 7 sets one.
// Each decoded route gets a RouteExtra of its own; copies of one Route share it (Clone deep-copies).
//
// # Services
//
// A Client has one service per object: c.Link, c.Addr, c.Route, c.Neigh, c.Rule, c.Nexthop, each with
//
//	All(ctx, filter)              a streaming iterator over a dump: each object is decoded as it arrives
//	List(ctx, filter)             the dump as a new slice
//	ListInto(ctx, dst, filter)  the dump appended to dst: pass last call's slice as dst[:0] to reuse its array
//	Add, Replace, Delete          RTM_NEW* with NLM_F_CREATE|NLM_F_EXCL, with NLM_F_CREATE|NLM_F_REPLACE; RTM_DEL*
//
// Link also has Get, GetByName and Set, Route has Get (`ip route get`) and Append (NLM_F_APPEND), Neigh has
// Change (`ip neigh change`), Nexthop has Get. The six share one generic implementation; their methods only add
// what differs: filters, defaults, keys. A nil filter lists everything.
// Failed requests return an *OpError whose cause is the kernel's *proto.Error: errors.Is(err, unix.EEXIST)
// works, and the error text carries the kernel's extended-ack message ("Nexthop device is not up"), which
// KernelMessage returns alone.
//
// # Names, parsing and order
//
// The enum types print ip's names (Scope "link", Protocol "kernel", RouteType "blackhole", OperState "UP",
// LinkFlags and NeighState as ip's flag lists) and ParseScope, ParseProtocol, ParseRouteType, ParseTable,
// ParseNeighState and ParseHWAddr read them back, numbers included. SortLinks, SortAddrs, SortRoutes,
// SortNeighs, SortRules and SortNexthops put a list in a stable order (the Mirror's accessors return them so).
//
// # Filters and strict checking
//
// Dial turns on NETLINK_GET_STRICT_CHK, which lets the kernel filter dumps: routes by table, output link,
// protocol and type; addresses by link; links by master and kind; neighbours by link and master; nexthops by
// link, master, groups and FDB. Every filter is applied again in user space, so the results are the same on a
// socket without strict checking (Config.DisableStrict, New on a plain Conn, kernels before 4.20); rules and
// route scopes have no kernel-side filters at all.
//
// # Consistency
//
// When a dump races with changes the kernel marks it NLM_F_DUMP_INTR. List repeats such a dump, up to
// Config.DumpRetries times (DefaultDumpRetries), until one is consistent; if none is, it returns the last result
// with a *nlkit.DumpInterruptedError whose Results carries it too (a []Link from Link.List...). All, which streams, cannot take back what it yielded: it ends
// with an error matching nlkit.ErrDumpInterrupted and leaves the choice to the caller.
//
// # Concurrency
//
// A Client is safe for concurrent use. It owns one socket, and its requests are serialized: one request or
// dump is in flight at a time and others wait for it. A streaming loop over All holds the Client until it ends,
// so its body must not call the same Client (that call would wait for the loop forever); use List, or a second
// Client, for nested queries. A Watcher belongs to one goroutine, except Close. A Mirror may be read from any
// number of goroutines while it updates.
//
// # Link kinds and namespaces
//
// LinkInfo.Data is the kind's IFLA_INFO_DATA as a type for each kind `ip link add` makes: *Veth and *Netkit
// (their peer), *Bridge, *Bond, *Vlan, *Macvlan, *Ipvlan, *Vxlan, *Geneve, *Bareudp, *Gre (the six GRE kinds),
// *IPTun (ipip, sit, ip6tnl), *VTI, *Xfrm, *Macsec, *HSR, *VRF and the read-only *Tun; dummy, ifb, nlmon, wireguard, team and vcan
// have no data. LinkInfo.SlaveData is the port's side: *BridgePort, *BondSlave, *VRFPort. The same types build
// requests, and what decodes encodes back (decode∘encode is the identity on what a request carries). Creating
// a kind the kernel has no driver for returns a *NoDriverError naming it.
//
// LinkService.MoveToNetNS moves a link to another namespace by file, pid or nsid; AddVeth creates a veth pair
// with the peer born in another namespace, in one request. Namespace ids: AssignNSID, GetNSID, GetNSIDIn,
// ListNSIDs, NamedNSIDs (the names of /run/netns) and WatchNSIDs (RTM_NEWNSID, RTM_DELNSID); Link.LinkNetNSID
// says in which namespace a veth's peer (IFLA_LINK) is.
//
// # Watching
//
// A Watcher joins the rtnetlink groups (RTNLGRP_LINK, RTNLGRP_IPV4_ROUTE...) of the objects it is asked for and
// returns typed events. With WatchConfig.AllNamespaces it hears every namespace that has an nsid here
// (NETLINK_LISTEN_ALL_NSID), each event carrying its nsid. When events are lost (ENOBUFS: the receive queue
// overflowed), it dumps again and returns an EventResync with the fresh state; a watch never stops silently.
// A Mirror builds on it: an in-memory copy of the chosen objects, from one snapshot plus the events after it.
//
// # Testing without root
//
// New takes any *nlkit.Conn, including a fake from package nltest, so code built on this package can be tested
// without privileges; WatchConfig.Dial (or Conn) and WatchConfig.Dump do the same for watchers.
package route
