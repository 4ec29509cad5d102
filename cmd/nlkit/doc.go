// Command nlkit shows and changes a Linux network namespace's links, addresses, routes, neighbours, rules and
// nexthops over rtnetlink, the way iproute2's ip does, and its qdiscs, classes and filters the way tc does, and
// inspects netlink itself: Generic Netlink families, the open netlink sockets, and packet captures.
//
//	nlkit [OPTIONS] [OBJECT [COMMAND [ARGUMENTS]]]
//
// With no object, nlkit prints the links with their addresses (as `ip addr` does), then the main table's
// routes (as `ip route` and `ip -6 route` do); with -j, one object {"links": [...], "routes": [...]} holding
// the two `ip -j` listings.
//
// # Options
//
//	-j, -json        print JSON with the field names and shapes of `ip -j`
//	-p, -pretty      indent JSON
//	-s, -stats       statistics (qdisc, class and filter; the ip objects ignore it)
//	-d, -details     details (qdisc, class and filter; the ip objects ignore it)
//	-n, -netns NAME  work in the named namespace /run/netns/NAME (made by `ip netns add`)
//	-4, -6           IPv4 or IPv6 only
//	-h, -help        usage
//
// # Objects and commands
//
//	link    [show [dev] DEV] [up] [master DEV] [type KIND]
//	link    add NAME [mtu N] [address LLADDR] [txqueuelen N] [link DEV] type KIND [KIND ARGUMENTS]
//	        KIND: veth [peer name NAME], bridge, macvlan [mode MODE], vxlan id VNI [dstport P] [local A]
//	              [remote A] [group A] [dev DEV] [nolearning], ifb, dummy, vlan id N, bond [mode M],
//	              vrf table T, or any kind the kernel knows (created without kind arguments)
//	link    del DEV
//	link    set [dev] DEV [up|down] [mtu N] [name NAME] [master DEV|nomaster] [address LLADDR]
//	        [txqueuelen N] [alias TEXT]
//	addr    [show [dev DEV]] [up]
//	addr    add|del|replace PREFIX [peer PREFIX] [brd ADDR|+] [label L] [scope S] [metric N] dev DEV
//	route   [show] [table T|all] [dev DEV] [proto P] [type T] [scope S] [[root|match|exact] PREFIX]
//	route   get ADDR [from ADDR] [iif DEV] [oif DEV] [mark M] [uid U] [fibmatch]
//	route   add|del|replace|append [TYPE] PREFIX|default [via [inet|inet6] ADDR] [dev DEV] [src ADDR]
//	        [table T] [metric N] [proto P] [scope S] [tos T] [onlink] [mtu N] [nhid ID]
//	        [nexthop via ADDR dev DEV weight W ...]
//	neigh   [show] [dev DEV] [nud STATE|all] [proxy]
//	neigh   add|del|replace|change ADDR [lladdr LLADDR] dev DEV [nud STATE] [router] [proxy]
//	rule    [show]
//	rule    add|del [not] [from P] [to P] [iif DEV] [oif DEV] [fwmark M[/MASK]] [pref N] [lookup T]
//	        [goto N|nop|blackhole|unreachable|prohibit] [l3mdev] [uidrange A-B] [protocol P]
//	nexthop [show] [id N]
//	nexthop add|replace id N [via ADDR] [dev DEV] [onlink] | [blackhole] | [group ID[,W]/ID...] [fdb]
//	nexthop del id N
//	monitor [-w FILE.pcap] [label] [link|addr|route|neigh|rule|nexthop|all ...]
//	genl    [list]          the Generic Netlink families, as `genl ctrl list` prints them
//	sockets                 the netlink sockets of /proc/net/netlink
//	decode  FILE            a pcap capture (LINKTYPE_NETLINK) or libnetlink dump file, message by message
//	qdisc   [show] [dev DEV] [root|ingress|handle H|parent C] [invisible]
//	qdisc   add|del|replace|change|link dev DEV [handle H] [root|ingress|clsact|parent C] [KIND [OPTIONS]]
//	        KIND: pfifo, bfifo, pfifo_fast, mq, noqueue, htb, tbf, prio, fq_codel, codel, ingress, clsact
//	class   [show] [dev DEV] [root|parent C] [classid C]
//	class   add|del|change|replace dev DEV [classid C] [root|parent C] [htb|drr [OPTIONS]]
//	filter  [show] dev DEV [pref N] [protocol P] [chain N] [root|ingress|egress|parent C] [handle H]
//	filter  add|del|change|replace dev DEV ... [matchall|basic|fw [classid C] [action gact VERDICT |
//	        action mirred egress|ingress redirect|mirror dev DEV]]
//
// The qdisc, class and filter commands take tc's syntax (`nlkit qdisc add dev v0 root handle 1: htb` is
// `tc qdisc add dev v0 root handle 1: htb`) and print qdiscs and classes as tc 6.1 does; `nlkit OBJECT help`
// gives each command's usage.
//
// Objects and commands may be abbreviated as ip allows ("a" for addr, "r" for route, "sh" for show).
//
// # Output
//
// Plain output follows ip's (iproute2 6.x; an address's IFA_PROTO is printed as "proto kernel_ll", as newer
// iproute2 does and 6.1 does not). JSON follows `ip -j`: the same keys (ifindex, ifname, flags, mtu, qdisc,
// operstate, link_type, address, addr_info, dst, gateway, dev, protocol, scope, prefsrc, metric, table...),
// the same value types, and the same rules for when a key appears, so a program may compare the two key by
// key. A listing that races with changes (NLM_F_DUMP_INTR) is dumped again, up to 5 times, where ip only
// warns that it "may be inconsistent".
//
// # Errors and exit status
//
// A request the kernel refuses prints ip's message: "Error: <the kernel's extended-ack message>." when the
// kernel gave one, "RTNETLINK answers: <errno text>" otherwise.
//
//	0  success (and help asked for with -h, help or OBJECT help, printed on standard output)
//	1  a named object does not exist where nlkit looked it up (Cannot find device "x"), the namespace cannot
//	   be opened, or the socket fails (as ip, which exits 1 there too)
//	2  the kernel refused the request, or the command line is wrong (ip exits 255 for the latter; nlkit keeps
//	   one status for "the request was wrong", as Go's flag package does)
package main
