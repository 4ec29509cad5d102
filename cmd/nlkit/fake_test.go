package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// fakeKernel answers rtnetlink requests from its tables, as the kernel would for dumps and gets, and records
// every other request. err, when set, answers the next change request.
type fakeKernel struct {
	mu       sync.Mutex
	links    []route.Link
	addrs    []route.Addr
	routes   []route.Route
	neighs   []route.Neigh
	rules    []route.Rule
	nexthops []route.Nexthop
	// get answers RTM_GETROUTE without NLM_F_DUMP.
	get *route.Route
	// changes are the requests that are not GETs.
	changes []proto.Message
	err     error
	// intr marks that many route dumps NLM_F_DUMP_INTR, as a dump racing with changes is.
	intr int
}

func (k *fakeKernel) fn(reqs []proto.Message) ([]proto.Message, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	req := reqs[0]
	dump := req.Header.Flags&proto.FlagDump == proto.FlagDump
	// As the kernel, answer a dump for one family (the first byte of every rtnetlink header) with that family.
	var family uint8
	if len(req.Data) > 0 {
		family = req.Data[0]
	}
	var out []proto.Message
	add := func(typ uint16, b []byte, err error) {
		if err != nil {
			panic(err)
		}
		out = append(out, proto.Message{Header: proto.Header{Type: typ}, Data: b})
	}
	switch req.Header.Type {
	case unix.RTM_GETLINK:
		var want route.Link
		if !dump {
			if err := want.UnmarshalBinary(req.Data); err != nil {
				return nil, syscall.EINVAL
			}
		}
		for i := range k.links {
			l := &k.links[i]
			if !dump && l.Index != want.Index && l.Name != want.Name {
				continue
			}
			if family == unix.AF_INET6 {
				add(unix.RTM_NEWLINK, encodeLink6(l), nil)
				continue
			}
			add(unix.RTM_NEWLINK, encodeLink(l), nil)
		}
		if !dump && len(out) == 0 {
			return nil, syscall.ENODEV
		}
	case unix.RTM_GETADDR:
		out = replies(unix.RTM_NEWADDR, k.addrs, family, func(a *route.Addr) uint8 { return a.Family })
	case unix.RTM_GETROUTE:
		if !dump {
			if k.get == nil {
				return nil, syscall.ENETUNREACH
			}
			b, err := k.get.MarshalBinary()
			add(unix.RTM_NEWROUTE, b, err)
			break
		}
		routes := slices.Clone(k.routes)
		for i := range routes { // the kernel sends RTA_PRIORITY and RTA_PREF with every IPv6 route
			routes[i].HasPriority, routes[i].HasPref = routes[i].Family == unix.AF_INET6, routes[i].Family == unix.AF_INET6
		}
		out = replies(unix.RTM_NEWROUTE, routes, family, func(r *route.Route) uint8 { return r.Family })
		if k.intr > 0 && len(out) > 0 {
			k.intr--
			out[len(out)-1].Header.Flags |= unix.NLM_F_DUMP_INTR
		}
	case unix.RTM_GETNEIGH:
		out = replies(unix.RTM_NEWNEIGH, k.neighs, family, func(n *route.Neigh) uint8 { return n.Family })
	case unix.RTM_GETRULE:
		out = replies(unix.RTM_NEWRULE, k.rules, family, func(r *route.Rule) uint8 { return r.Family })
	case unix.RTM_GETNEXTHOP:
		out = replies(unix.RTM_NEWNEXTHOP, k.nexthops, 0, func(*route.Nexthop) uint8 { return 0 })
	default:
		k.changes = append(k.changes, proto.Message{Header: req.Header, Data: append([]byte(nil), req.Data...)})
		if err := k.err; err != nil {
			k.err = nil
			return nil, err
		}
	}
	return out, nil
}

// replies answer a dump with the messages of type typ for the objects of family (0: all).
func replies[T any, P interface {
	*T
	MarshalBinary() ([]byte, error)
}](typ uint16, objs []T, family uint8, familyOf func(*T) uint8) []proto.Message {
	var out []proto.Message
	for i := range objs {
		if family != 0 && familyOf(&objs[i]) != family {
			continue
		}
		b, err := P(&objs[i]).MarshalBinary()
		if err != nil {
			panic(err)
		}
		out = append(out, proto.Message{Header: proto.Header{Type: typ}, Data: b})
	}
	return out
}

// encodeLink is what the kernel sends for l: the request attributes plus IFLA_OPERSTATE, IFLA_LINKMODE,
// IFLA_QDISC, IFLA_GROUP and IFLA_TXQLEN (always present in the kernel's messages).
func encodeLink(l *route.Link) []byte {
	c := *l
	c.TxQLen, c.Group = 0, 0
	b, err := c.MarshalBinary()
	if err != nil {
		panic(err)
	}
	ae := proto.NewAttrEncoder(b)
	ae.Uint8(unix.IFLA_OPERSTATE, uint8(l.OperState))
	ae.Uint8(unix.IFLA_LINKMODE, l.LinkMode)
	ae.Uint32(unix.IFLA_TXQLEN, l.TxQLen)
	ae.Uint32(unix.IFLA_GROUP, l.Group)
	if l.Qdisc != "" {
		ae.String(unix.IFLA_QDISC, l.Qdisc)
	}
	if l.HasLinkNetNSID {
		ae.Int32(unix.IFLA_LINK_NETNSID, l.LinkNetNSID)
	}
	return ae.Bytes()
}

// encodeLink6 is the IPv6 view of l the kernel sends for an AF_INET6 link dump (inet6_fill_ifinfo): the
// ifinfomsg, IFLA_IFNAME, IFLA_ADDRESS, IFLA_MTU, IFLA_LINK and IFLA_OPERSTATE.
func encodeLink6(l *route.Link) []byte {
	c := route.Link{Family: unix.AF_INET6, Type: l.Type, Index: l.Index, Flags: l.Flags, Change: 0xffffffff,
		Name: l.Name, Address: l.Address, MTU: l.MTU, ParentIndex: l.ParentIndex}
	b, err := c.MarshalBinary()
	if err != nil {
		panic(err)
	}
	binary.NativeEndian.PutUint32(b[12:16], 0) // ifi_change
	ae := proto.NewAttrEncoder(b)
	ae.Uint8(unix.IFLA_OPERSTATE, uint8(l.OperState))
	return ae.Bytes()
}

// lastChange returns the last change request the fake kernel received.
func (k *fakeKernel) lastChange(t *testing.T) proto.Message {
	t.Helper()
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.changes) == 0 {
		t.Fatal("no change request was sent")
	}
	return k.changes[len(k.changes)-1]
}

func hw(s string) route.HWAddr {
	a, err := route.ParseHWAddr(s)
	if err != nil {
		panic(err)
	}
	return a
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

// testKernel is a small namespace: lo, a veth pair with v1 in bridge br0, addresses, routes in main and local,
// neighbours, the default rules and two nexthops.
func testKernel() *fakeKernel {
	up := route.LinkFlags(unix.IFF_UP | unix.IFF_RUNNING | 1<<16)
	eth := route.LinkFlags(unix.IFF_BROADCAST | unix.IFF_MULTICAST)
	k := &fakeKernel{
		links: []route.Link{
			{Index: 1, Name: "lo", Type: unix.ARPHRD_LOOPBACK, Flags: up | unix.IFF_LOOPBACK, MTU: 65536,
				Qdisc: "noqueue", OperState: route.OperUnknown, TxQLen: 1000,
				Address: hw("00:00:00:00:00:00"), Broadcast: hw("00:00:00:00:00:00")},
			{Index: 2, Name: "v1", Type: unix.ARPHRD_ETHER, Flags: eth | up, MTU: 1500, Qdisc: "noqueue",
				OperState: route.OperUp, TxQLen: 1000, ParentIndex: 3, Master: 4,
				Address: hw("02:00:00:00:00:01"), Broadcast: hw("ff:ff:ff:ff:ff:ff")},
			{Index: 3, Name: "v0", Type: unix.ARPHRD_ETHER, Flags: eth | up, MTU: 1500, Qdisc: "noqueue",
				OperState: route.OperUp, TxQLen: 1000, ParentIndex: 2, Alias: "uplink",
				Address: hw("02:00:00:00:00:00"), Broadcast: hw("ff:ff:ff:ff:ff:ff")},
			{Index: 4, Name: "br0", Type: unix.ARPHRD_ETHER, Flags: eth, MTU: 1500, Qdisc: "noop",
				OperState: route.OperDown, TxQLen: 1000, Group: 7,
				Address: hw("02:00:00:00:00:01"), Broadcast: hw("ff:ff:ff:ff:ff:ff")},
			{Index: 5, Name: "peer", Type: unix.ARPHRD_ETHER, Flags: eth, MTU: 1500, Qdisc: "noop",
				OperState: route.OperDown, ParentIndex: 9, HasLinkNetNSID: true, LinkNetNSID: 0,
				Address: hw("02:00:00:00:00:05"), Broadcast: hw("ff:ff:ff:ff:ff:ff")},
		},
		addrs: []route.Addr{
			{Family: unix.AF_INET, PrefixLen: 8, Scope: route.ScopeHost, Index: 1, Local: ip("127.0.0.1"),
				Label: "lo", Flags: route.AddrPermanent, CacheInfo: forever()},
			{Family: unix.AF_INET, PrefixLen: 24, Index: 3, Local: ip("10.0.0.1"), Broadcast: ip("10.0.0.255"),
				Label: "v0", Flags: route.AddrPermanent, CacheInfo: forever()},
			{Family: unix.AF_INET, PrefixLen: 24, Index: 3, Local: ip("10.0.0.2"), Label: "v0",
				Flags: route.AddrPermanent | route.AddrSecondary, CacheInfo: forever()},
			{Family: unix.AF_INET6, PrefixLen: 128, Scope: route.ScopeHost, Index: 1, Local: ip("::1"),
				Flags: route.AddrPermanent, CacheInfo: forever()},
			{Family: unix.AF_INET6, PrefixLen: 64, Scope: route.ScopeLink, Index: 3, Local: ip("fe80::1"),
				Flags: route.AddrPermanent | route.AddrNoDAD, CacheInfo: forever()},
			{Family: unix.AF_INET6, PrefixLen: 64, Index: 3, Local: ip("2001:db8::1"),
				CacheInfo: route.AddrCacheInfo{Valid: 3600, Preferred: 1800, Created: 1, Updated: 1}},
		},
		routes: []route.Route{
			{Family: unix.AF_INET, Table: route.TableMain, Protocol: route.ProtocolKernel, Scope: route.ScopeLink,
				Type: route.TypeUnicast, Dst: pfx("10.0.0.0/24"), OIF: 3,
				Extra: &route.RouteExtra{PrefSrc: ip("10.0.0.1")}},
			{Family: unix.AF_INET, Table: route.TableMain, Protocol: route.ProtocolBoot, Type: route.TypeUnicast,
				Dst: pfx("0.0.0.0/0"), Gateway: ip("10.0.0.254"), OIF: 3},
			{Family: unix.AF_INET, Table: route.TableMain, Protocol: route.ProtocolStatic, Scope: route.ScopeLink,
				Type: route.TypeUnicast, Dst: pfx("10.2.0.0/16"), OIF: 3, Priority: 100},
			{Family: unix.AF_INET, Table: route.TableMain, Protocol: route.ProtocolBoot, Type: route.TypeBlackhole,
				Dst: pfx("10.3.0.0/16")},
			{Family: unix.AF_INET, Table: 100, Protocol: route.ProtocolBoot, Type: route.TypeUnicast,
				Dst: pfx("10.4.0.0/16"), Gateway: ip("10.0.0.253"), OIF: 3},
			{Family: unix.AF_INET, Table: route.TableLocal, Protocol: route.ProtocolKernel, Scope: route.ScopeHost,
				Type: route.TypeLocal, Dst: pfx("10.0.0.1/32"), OIF: 3,
				Extra: &route.RouteExtra{PrefSrc: ip("10.0.0.1")}},
			{Family: unix.AF_INET6, Table: route.TableMain, Protocol: route.ProtocolKernel, Type: route.TypeUnicast,
				Dst: pfx("2001:db8::/64"), OIF: 3, Priority: 256},
			{Family: unix.AF_INET6, Table: route.TableMain, Protocol: route.ProtocolBoot, Type: route.TypeUnicast,
				Dst: pfx("2001:db8:1::/48"), OIF: 3, Priority: 1024, Pref: 1,
				Extra: &route.RouteExtra{MultiPath: []route.Hop{{OIF: 3, Gateway: ip("fe80::2")},
					{OIF: 2, Gateway: ip("fe80::3"), Hops: 1}}}},
		},
		neighs: []route.Neigh{
			{Family: unix.AF_INET, Index: 3, State: route.NeighReachable, Dst: ip("10.0.0.254"),
				LLAddr: hw("02:00:00:00:00:fe"), Flags: route.NeighRouter},
			{Family: unix.AF_INET, Index: 3, State: route.NeighNoARP, Dst: ip("10.0.0.255"),
				LLAddr: hw("ff:ff:ff:ff:ff:ff")},
			{Family: unix.AF_INET6, Index: 3, State: route.NeighStale, Dst: ip("fe80::2"),
				LLAddr: hw("02:00:00:00:00:02")},
			{Family: unix.AF_INET6, Index: 3, State: route.NeighFailed, Dst: ip("fe80::9")},
		},
		rules: []route.Rule{
			{Family: unix.AF_INET, Table: route.TableLocal, Action: route.RuleToTable},
			{Family: unix.AF_INET, Table: 100, Action: route.RuleToTable, Priority: 100, Mark: 0x10, Mask: 0xff,
				HasMask: true},
			{Family: unix.AF_INET, Table: 200, Action: route.RuleToTable, Priority: 200, Src: pfx("10.0.0.0/8"),
				IIFName: "v0"},
			{Family: unix.AF_INET, Table: route.TableMain, Action: route.RuleToTable, Priority: 32766},
			{Family: unix.AF_INET6, Table: route.TableMain, Action: route.RuleToTable, Priority: 32766},
		},
		nexthops: []route.Nexthop{
			{ID: 1, Family: unix.AF_INET, Scope: route.ScopeLink, Gateway: ip("10.0.0.5"), OIF: 3},
			{ID: 2, Blackhole: true, Protocol: route.ProtocolStatic},
			{ID: 3, Group: []route.NexthopGroupMember{{ID: 1, Weight: 1}, {ID: 2, Weight: 3}}},
		},
	}
	return k
}

func forever() route.AddrCacheInfo {
	return route.AddrCacheInfo{Valid: route.Forever, Preferred: route.Forever, Created: 1, Updated: 1}
}

// runFake runs the command against k and returns stdout, stderr and the exit status.
func runFake(t *testing.T, k *fakeKernel, args ...string) (string, string, int) {
	t.Helper()
	return runWith(t, k.fn, args...)
}

// runWith runs the command against a kernel fn fakes.
func runWith(t *testing.T, fn nltest.Func, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr, ctx: context.Background(),
		dial: func(*route.Config) (*route.Client, error) {
			return route.New(nltest.Dial(nlkit.UnitRoute, fn)), nil
		}}
	code := a.run(args)
	return stdout.String(), stderr.String(), code
}

// mustRun runs the command and fails the test unless it succeeds.
func mustRun(t *testing.T, k *fakeKernel, args ...string) string {
	t.Helper()
	out, errOut, code := runFake(t, k, args...)
	if code != 0 {
		t.Fatalf("nlkit %v: exit %d, stderr %q", args, code, errOut)
	}
	return out
}
