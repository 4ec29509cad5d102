// Package nlkit is a netlink socket for Go: it opens a socket of any netlink unit (protocol) in any network
// namespace, sends requests to the kernel and collects their replies and acknowledgements, streams dumps,
// joins multicast groups, and sends to and receives from other processes by portid, with the true sender
// address and credentials of every datagram.
//
// nlkit is layered. Package proto is the wire format alone (struct nlmsghdr, attributes, acks); this package
// is the socket on top of it; the families build on this package:
//
//	families/route  rtnetlink (NETLINK_ROUTE): links, addresses, routes, neighbours, rules, nexthops;
//	                list, get, add, replace, delete; watch and mirror
//	families/tc     traffic control on rtnetlink: qdiscs, classes, filters, chains, actions
//	families/genl   Generic Netlink (NETLINK_GENERIC): families by name, requests, dumps, groups, policies
//	families/unit   user processes messaging each other: Server, Client, Peer, Publisher, Subscriber
//	compat          iproute2's libnetlink (rtnl_open, rtnl_dump_filter, rtnl_talk...) for ported C code
//
// # This package or a family?
//
// Use a family when there is one for the job: it speaks in typed values (route.Route, genl.Family) and
// knows its protocol's conventions. Use this package directly for a unit that has no family here
// (NETLINK_SOCK_DIAG, NETLINK_NETFILTER, NETLINK_KOBJECT_UEVENT, a unit your own kernel module registers),
// when you build and parse messages yourself with package proto, or to write a family of your own. The
// families hand out the Conn they run on (route.Client.Conn, genl.Conn.Conn) and take one (route.New,
// genl.New), so the two levels mix.
//
// # A connection
//
// Dial opens a socket of a unit; a nil *Config is the calling thread's namespace, a kernel-assigned portid
// and extended acks on. Execute sends a request with NLM_F_ACK and returns its replies once the kernel has
// acknowledged it; Dump streams the messages of a dump, each valid until the loop body returns:
//
//	c, err := nlkit.Dial(unix.NETLINK_ROUTE, nil)
//	if err != nil { ... }
//	defer c.Close()
//	req := proto.Message{Header: proto.Header{Type: unix.RTM_GETLINK}, Data: make([]byte, unix.SizeofIfInfomsg)}
//	for m, err := range c.Dump(ctx, req) {
//		if err != nil { ... } // errors.Is(err, nlkit.ErrDumpInterrupted): the dump raced with a change
//		... m.Data is one struct ifinfomsg and its attributes ...
//	}
//
// A Conn is safe for concurrent use: its requests are serialized and matched to their replies by sequence
// number and portid. Every method that waits takes a context.Context, which bounds the wait.
//
// Beside requests to the kernel, a Conn sends to a portid or a multicast group (SendTo, SendGroup) and
// receives with the datagram's sender (Receive, ReceiveDatagram): what user processes need to talk to
// each other, on NETLINK_USERSOCK or a unit of their own. SendRawBatch and ReceiveDatagrams move many
// datagrams per system call (sendmmsg, recvmmsg).
//
// # Errors
//
// The kernel's refusal of a request is a *proto.Error carrying the errno and the extended-ack message
// (errors.Is(err, unix.EEXIST) works). Conditions a program may act on have types of their own: a unit that
// no kernel module registered (*UnitError), a unicast to a portid no socket holds (*NoPeerError), joining or
// sending to a group without the privilege (*GroupPermissionError), a dump that raced with changes
// (ErrDumpInterrupted, *DumpInterruptedError), a datagram larger than the receive buffer (*TruncatedError).
//
// # Privileges
//
// Reading (dumps, gets) needs no privilege; changing network state needs CAP_NET_ADMIN in the namespace's
// user namespace, as with ip. On NETLINK_USERSOCK anyone may unicast and send to groups; joining a group
// needs CAP_NET_ADMIN.
//
// # Testing
//
// Package nltest gives a *Conn with no socket behind it, answered by a function, so code built on nlkit tests
// without root; netns/nstest gives each test a fresh network namespace when the real kernel is wanted.
// NewConn wraps any Transport the same way.
package nlkit
