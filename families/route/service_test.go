//go:build linux

package route

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

func attrsOf(t *testing.T, b []byte) map[uint16][]byte {
	t.Helper()
	m := map[uint16][]byte{}
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		m[ad.Type()] = ad.Bytes()
	}
	if err := ad.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRouteListFilters(t *testing.T) {
	k := &kernel{routes: []Route{
		{Family: unix.AF_INET, Dst: mustPrefix("10.0.0.0/24"), Table: TableMain, OIF: 2, Protocol: ProtocolKernel, Type: TypeUnicast},
		{Family: unix.AF_INET, Dst: mustPrefix("10.1.0.0/24"), Table: 100, OIF: 3, Protocol: ProtocolStatic, Type: TypeUnicast},
		{Family: unix.AF_INET, Dst: mustPrefix("10.2.0.0/24"), Table: 100, Protocol: ProtocolStatic, Type: TypeUnicast,
			Extra: &RouteExtra{MultiPath: []Hop{{OIF: 4}, {OIF: 2}}}},
		{Family: unix.AF_INET6, Dst: mustPrefix("2001:db8::/64"), Table: TableMain, OIF: 2, Protocol: ProtocolBoot, Type: TypeUnicast},
		{Family: unix.AF_INET, Dst: mustPrefix("10.3.0.0/24"), Table: TableLocal, Protocol: ProtocolKernel, Type: TypeLocal},
	}}
	c := k.client(t)
	ctx := context.Background()
	dsts := func(rs []Route) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.Dst.String())
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct {
		f    *RouteFilter
		want string
	}{
		{nil, "10.0.0.0/24 10.1.0.0/24 10.2.0.0/24 2001:db8::/64 10.3.0.0/24"},
		{&RouteFilter{Table: 100}, "10.1.0.0/24 10.2.0.0/24"},
		{&RouteFilter{Family: unix.AF_INET, Table: TableMain}, "10.0.0.0/24"},
		{&RouteFilter{OIF: 2}, "10.0.0.0/24 10.2.0.0/24 2001:db8::/64"},
		{&RouteFilter{Protocol: ProtocolStatic}, "10.1.0.0/24 10.2.0.0/24"},
		{&RouteFilter{Type: TypeLocal}, "10.3.0.0/24"},
		{&RouteFilter{Family: unix.AF_INET6}, "2001:db8::/64"},
	} {
		rs, err := c.Route.List(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		// With Family 0 and a kernel-side filter, IPv4 and IPv6 are dumped in turn from this fake, which ignores
		// the family: each route then comes twice. Keep the first of each.
		seen := map[string]bool{}
		var uniq []Route
		for _, r := range rs {
			if !seen[r.Dst.String()] {
				seen[r.Dst.String()] = true
				uniq = append(uniq, r)
			}
		}
		if got := dsts(uniq); got != tc.want {
			t.Errorf("filter %+v: got %s, want %s", tc.f, got, tc.want)
		}
	}
	// The kernel-side filter is in the request: rtm_table, rtm_protocol, RTA_TABLE, RTA_OIF.
	k.reqs = nil
	if _, err := c.Route.List(ctx, &RouteFilter{Family: unix.AF_INET, Table: 1000, OIF: 7, Protocol: ProtocolStatic}); err != nil {
		t.Fatal(err)
	}
	req := k.requests()[0]
	if req.Header.Type != unix.RTM_GETROUTE || req.Header.Flags&proto.FlagDump != proto.FlagDump {
		t.Fatalf("request %+v", req.Header)
	}
	if req.Data[0] != unix.AF_INET || req.Data[4] != 0 || req.Data[5] != unix.RTPROT_STATIC {
		t.Errorf("rtmsg % x", req.Data[:sizeofRtMsg])
	}
	a := attrsOf(t, req.Data[sizeofRtMsg:])
	if binary.NativeEndian.Uint32(a[unix.RTA_TABLE]) != 1000 || binary.NativeEndian.Uint32(a[unix.RTA_OIF]) != 7 {
		t.Errorf("attrs %v", a)
	}
}

func TestLinkAddrNeighFilters(t *testing.T) {
	k := &kernel{
		links: []Link{{Index: 1, Name: "lo"}, {Index: 2, Name: "br0", Info: LinkInfo{Kind: "bridge"}},
			{Index: 3, Name: "v0", Master: 2, Info: LinkInfo{Kind: "veth"}}, {Index: 4, Name: "v1", Info: LinkInfo{Kind: "veth"}}},
		addrs: []Addr{AddrFrom(1, mustPrefix("127.0.0.1/8")), AddrFrom(1, mustPrefix("::1/128")), AddrFrom(3, mustPrefix("10.0.0.1/24"))},
		neighs: []Neigh{{Family: unix.AF_INET, Index: 3, Dst: mustAddr("10.0.0.2"), State: NeighReachable},
			{Family: unix.AF_INET, Index: 4, Dst: mustAddr("10.0.1.2"), State: NeighStale}},
	}
	c := k.client(t)
	ctx := context.Background()
	links, err := c.Link.List(ctx, &LinkFilter{Kind: "veth"})
	if err != nil || len(links) != 2 || links[0].Name != "v0" || links[1].Name != "v1" {
		t.Errorf("kind filter: %v %v", links, err)
	}
	links, err = c.Link.List(ctx, &LinkFilter{Master: 2})
	if err != nil || len(links) != 1 || links[0].Name != "v0" {
		t.Errorf("master filter: %v %v", links, err)
	}
	a := attrsOf(t, k.requests()[len(k.requests())-1].Data[sizeofIfInfomsg:])
	if binary.NativeEndian.Uint32(a[unix.IFLA_MASTER]) != 2 {
		t.Error("IFLA_MASTER not in the request")
	}
	addrs, err := c.Addr.List(ctx, &AddrFilter{Index: 1, Family: unix.AF_INET6})
	if err != nil || len(addrs) != 1 || addrs[0].Local != mustAddr("::1") {
		t.Errorf("addr filter: %v %v", addrs, err)
	}
	req := k.requests()[len(k.requests())-1]
	if req.Data[0] != unix.AF_INET6 || binary.NativeEndian.Uint32(req.Data[4:]) != 1 {
		t.Errorf("ifaddrmsg % x", req.Data)
	}
	// Without strict checking known, the neighbour master filter goes through the links' masters.
	ns, err := c.Neigh.List(ctx, &NeighFilter{Master: 2})
	if err != nil || len(ns) != 1 || ns[0].Index != 3 {
		t.Errorf("neigh master filter: %v %v", ns, err)
	}
	ns, err = c.Neigh.List(ctx, &NeighFilter{Index: 4})
	if err != nil || len(ns) != 1 || ns[0].Dst != mustAddr("10.0.1.2") {
		t.Errorf("neigh index filter: %v %v", ns, err)
	}
}

func TestDumpInterruptedRetry(t *testing.T) {
	k := &kernel{links: []Link{{Index: 1, Name: "lo"}}, intr: 2}
	c := k.client(t)
	links, err := c.Link.List(context.Background(), nil)
	if err != nil || len(links) != 1 {
		t.Fatalf("%v %v", links, err)
	}
	if n := len(k.requests()); n != 3 {
		t.Errorf("%d dumps, want 3", n)
	}
	// Never consistent: the last result and a typed error.
	k.intr = 100
	k.reqs = nil
	c.SetDumpRetries(3)
	links, err = c.Link.List(context.Background(), nil)
	var ie *nlkit.DumpInterruptedError
	if !errors.As(err, &ie) || !errors.Is(err, nlkit.ErrDumpInterrupted) {
		t.Fatalf("error %v", err)
	}
	if res, _ := ie.Results.([]Link); ie.Attempts != 4 || len(res) != 1 || len(links) != 1 || len(k.requests()) != 4 {
		t.Errorf("attempts %d results %v links %d dumps %d", ie.Attempts, ie.Results, len(links), len(k.requests()))
	}
	// The stream reports it at the end.
	k.intr = 1
	var got []error
	n := 0
	for _, err := range c.Link.All(context.Background(), nil) {
		if err != nil {
			got = append(got, err)
		} else {
			n++
		}
	}
	if n != 1 || len(got) != 1 || !errors.Is(got[0], nlkit.ErrDumpInterrupted) {
		t.Errorf("stream: %d links, errors %v", n, got)
	}
}

func TestExtAckInError(t *testing.T) {
	k := &kernel{err: &proto.Error{Errno: unix.ENETDOWN, ExtAck: proto.ExtAck{Msg: "Nexthop device is not up"}}}
	c := k.client(t)
	err := c.Route.Add(context.Background(), Route{Dst: mustPrefix("10.0.0.0/24"), Gateway: mustAddr("192.0.2.1")})
	if err == nil || !errors.Is(err, unix.ENETDOWN) || !strings.Contains(err.Error(), "Nexthop device is not up") ||
		KernelMessage(err) != "Nexthop device is not up" || !strings.Contains(err.Error(), "RTM_NEWROUTE 10.0.0.0/24") {
		t.Fatalf("%v", err)
	}
	var oe *OpError
	if !errors.As(err, &oe) {
		t.Error("not an *OpError")
	}
	req := k.requests()[0]
	if req.Header.Flags&(unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK) != unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK {
		t.Errorf("flags %#x", req.Header.Flags)
	}
	if req.Data[4] != TableMain || req.Data[5] != unix.RTPROT_BOOT || req.Data[6] != unix.RT_SCOPE_UNIVERSE {
		t.Errorf("defaults % x", req.Data[:sizeofRtMsg])
	}
}

func TestNeighDeleteSendsKey(t *testing.T) {
	k := &kernel{}
	c := k.client(t)
	mac, _ := ParseHWAddr("02:00:00:00:00:01")
	err := c.Neigh.Delete(context.Background(), Neigh{Family: unix.AF_INET, Index: 5, Dst: mustAddr("10.0.0.9"),
		LLAddr: mac, State: NeighReachable})
	if err != nil {
		t.Fatal(err)
	}
	req := k.requests()[0]
	if req.Header.Type != unix.RTM_DELNEIGH || req.Data[0] != unix.AF_INET || binary.NativeEndian.Uint32(req.Data[4:]) != 5 {
		t.Fatalf("request %+v % x", req.Header, req.Data)
	}
	a := attrsOf(t, req.Data[sizeofNdMsg:])
	if netip.AddrFrom4([4]byte(a[unix.NDA_DST])) != mustAddr("10.0.0.9") {
		t.Errorf("NDA_DST %v", a[unix.NDA_DST])
	}
	if err := c.Neigh.Delete(context.Background(), Neigh{Dst: mustAddr("10.0.0.9")}); err == nil {
		t.Error("delete without a link accepted")
	}
}

func TestLinkSetAndDelete(t *testing.T) {
	k := &kernel{}
	c := k.client(t)
	ctx := context.Background()
	mac, _ := ParseHWAddr("02:00:00:00:00:07")
	if err := c.Link.Set(ctx, 9, LinkSet{Up: true, MTU: 1280, Name: "new0", Master: 3, Address: mac}); err != nil {
		t.Fatal(err)
	}
	if err := c.Link.Set(ctx, 9, LinkSet{Down: true, NoMaster: true}); err != nil {
		t.Fatal(err)
	}
	if err := c.Link.Delete(ctx, Link{Name: "new0"}); err != nil {
		t.Fatal(err)
	}
	reqs := k.requests()
	var l Link
	if err := l.UnmarshalBinary(reqs[0].Data); err != nil {
		t.Fatal(err)
	}
	if reqs[0].Header.Flags&unix.NLM_F_CREATE != 0 || l.Index != 9 || l.Flags != unix.IFF_UP || l.Change != unix.IFF_UP ||
		l.MTU != 1280 || l.Name != "new0" || l.Master != 3 || l.Address != mac {
		t.Errorf("set: %+v", l)
	}
	if err := l.UnmarshalBinary(reqs[1].Data); err != nil {
		t.Fatal(err)
	}
	a := attrsOf(t, reqs[1].Data[sizeofIfInfomsg:])
	if l.Flags != 0 || l.Change != unix.IFF_UP || len(a[unix.IFLA_MASTER]) != 4 || binary.NativeEndian.Uint32(a[unix.IFLA_MASTER]) != 0 {
		t.Errorf("down/nomaster: %+v %v", l, a)
	}
	if reqs[2].Header.Type != unix.RTM_DELLINK || string(attrsOf(t, reqs[2].Data[sizeofIfInfomsg:])[unix.IFLA_IFNAME]) != "new0\x00" {
		t.Errorf("delete % x", reqs[2].Data)
	}
	if err := c.Link.Set(ctx, 9, LinkSet{Up: true, Down: true}); err == nil {
		t.Error("Up and Down accepted")
	}
}

func TestGets(t *testing.T) {
	k := &kernel{}
	k.get = func(req proto.Message) ([]proto.Message, error) {
		switch req.Header.Type {
		case unix.RTM_GETLINK:
			a := attrsOf(t, req.Data[sizeofIfInfomsg:])
			name := proto.CString(a[unix.IFLA_IFNAME])
			if name == "" {
				name = proto.CString(a[unix.IFLA_ALT_IFNAME])
			}
			index := int32(binary.NativeEndian.Uint32(req.Data[4:]))
			if name == "missing" {
				return nil, unix.ENODEV
			}
			if len(name) >= unix.IFNAMSIZ {
				name = "alt"
			}
			l := Link{Index: max(index, 4), Name: name}
			return []proto.Message{{Header: proto.Header{Type: unix.RTM_NEWLINK}, Data: mustMarshal(t, &l)}}, nil
		case unix.RTM_GETROUTE:
			a := attrsOf(t, req.Data[sizeofRtMsg:])
			r := Route{Dst: netip.PrefixFrom(netip.AddrFrom4([4]byte(a[unix.RTA_DST])), 32), Table: TableMain, OIF: 2,
				Type: TypeUnicast}
			return []proto.Message{{Header: proto.Header{Type: unix.RTM_NEWROUTE}, Data: mustMarshal(t, &r)}}, nil
		case unix.RTM_GETNEXTHOP:
			nh := Nexthop{ID: 12, Blackhole: true}
			return []proto.Message{{Header: proto.Header{Type: unix.RTM_NEWNEXTHOP}, Data: mustMarshal(t, &nh)}}, nil
		}
		return nil, unix.EOPNOTSUPP
	}
	c := k.client(t)
	ctx := context.Background()
	if l, err := c.Link.GetByName(ctx, "eth0"); err != nil || l.Name != "eth0" {
		t.Errorf("GetByName: %+v %v", l, err)
	}
	long := "a-name-longer-than-ifnamsiz"
	if l, err := c.Link.GetByName(ctx, long); err != nil || l.Name != "alt" {
		t.Errorf("GetByName(long): %+v %v", l, err)
	}
	if _, ok := attrsOf(t, k.requests()[1].Data[sizeofIfInfomsg:])[unix.IFLA_ALT_IFNAME]; !ok {
		t.Error("long name not sent as IFLA_ALT_IFNAME")
	}
	if l, err := c.Link.Get(ctx, 9); err != nil || l.Index != 9 {
		t.Errorf("Get: %+v %v", l, err)
	}
	if _, err := c.Link.GetByName(ctx, "missing"); !errors.Is(err, unix.ENODEV) {
		t.Errorf("missing: %v", err)
	}
	r, err := c.Route.Get(ctx, mustAddr("192.0.2.7"), &RouteGetOptions{Mark: 3, FibMatch: true})
	if err != nil || r.Dst != mustPrefix("192.0.2.7/32") || r.OIF != 2 {
		t.Errorf("route get: %+v %v", r, err)
	}
	req := k.requests()[len(k.requests())-1]
	if req.Data[1] != 32 || binary.NativeEndian.Uint32(req.Data[8:]) != unix.RTM_F_FIB_MATCH {
		t.Errorf("route get request % x", req.Data)
	}
	if nh, err := c.Nexthop.Get(ctx, 12); err != nil || nh.ID != 12 || !nh.Blackhole {
		t.Errorf("nexthop get: %+v %v", nh, err)
	}
}

func TestAbandonedDumpThenGet(t *testing.T) {
	k := &kernel{links: []Link{{Index: 1, Name: "lo"}, {Index: 2, Name: "eth0"}}}
	k.get = func(req proto.Message) ([]proto.Message, error) {
		l := Link{Index: 2, Name: "eth0"}
		return []proto.Message{{Header: proto.Header{Type: unix.RTM_NEWLINK}, Data: mustMarshal(t, &l)}}, nil
	}
	c := k.client(t)
	for range c.Link.All(context.Background(), nil) {
		break // leave the dump unfinished
	}
	if l, err := c.Link.Get(context.Background(), 2); err != nil || l.Name != "eth0" {
		t.Fatalf("%+v %v", l, err)
	}
	links, err := c.Link.List(context.Background(), nil)
	if err != nil || len(links) != 2 {
		t.Fatalf("%v %v", links, err)
	}
}

func TestAddReplaceDeleteFlags(t *testing.T) {
	k := &kernel{}
	c := k.client(t)
	ctx := context.Background()
	steps := []struct {
		do    func() error
		typ   uint16
		flags uint16
	}{
		{func() error { return c.Link.Add(ctx, Link{Name: "d0", Info: LinkInfo{Kind: "dummy"}}) }, unix.RTM_NEWLINK, unix.NLM_F_CREATE | unix.NLM_F_EXCL},
		{func() error { return c.Link.Replace(ctx, Link{Name: "d0", Info: LinkInfo{Kind: "dummy"}}) }, unix.RTM_NEWLINK, unix.NLM_F_CREATE},
		{func() error { return c.Addr.Add(ctx, AddrFrom(2, mustPrefix("10.0.0.1/24"))) }, unix.RTM_NEWADDR, unix.NLM_F_CREATE | unix.NLM_F_EXCL},
		{func() error { return c.Addr.Replace(ctx, AddrFrom(2, mustPrefix("10.0.0.1/24"))) }, unix.RTM_NEWADDR, unix.NLM_F_CREATE | unix.NLM_F_REPLACE},
		{func() error { return c.Addr.Delete(ctx, AddrFrom(2, mustPrefix("10.0.0.1/24"))) }, unix.RTM_DELADDR, 0},
		{func() error { return c.Route.Replace(ctx, Route{Dst: mustPrefix("10.9.0.0/16"), OIF: 2}) }, unix.RTM_NEWROUTE, unix.NLM_F_CREATE | unix.NLM_F_REPLACE},
		{func() error { return c.Route.Append(ctx, Route{Dst: mustPrefix("10.9.0.0/16"), OIF: 3}) }, unix.RTM_NEWROUTE, unix.NLM_F_CREATE | unix.NLM_F_APPEND},
		{func() error { return c.Route.Delete(ctx, Route{Dst: mustPrefix("10.9.0.0/16")}) }, unix.RTM_DELROUTE, 0},
		{func() error { return c.Neigh.Add(ctx, Neigh{Index: 2, Dst: mustAddr("10.0.0.2")}) }, unix.RTM_NEWNEIGH, unix.NLM_F_CREATE | unix.NLM_F_EXCL},
		{func() error { return c.Neigh.Replace(ctx, Neigh{Index: 2, Dst: mustAddr("10.0.0.2")}) }, unix.RTM_NEWNEIGH, unix.NLM_F_CREATE | unix.NLM_F_REPLACE},
		{func() error { return c.Rule.Add(ctx, Rule{Family: unix.AF_INET, Priority: 10, Table: 100}) }, unix.RTM_NEWRULE, unix.NLM_F_CREATE | unix.NLM_F_EXCL},
		{func() error { return c.Rule.Replace(ctx, Rule{Family: unix.AF_INET, Priority: 10, Table: 100}) }, unix.RTM_NEWRULE, unix.NLM_F_CREATE | unix.NLM_F_REPLACE},
		{func() error { return c.Rule.Delete(ctx, Rule{Family: unix.AF_INET, Priority: 10}) }, unix.RTM_DELRULE, 0},
		{func() error { return c.Nexthop.Add(ctx, Nexthop{ID: 1, Blackhole: true}) }, unix.RTM_NEWNEXTHOP, unix.NLM_F_CREATE | unix.NLM_F_EXCL},
		{func() error { return c.Nexthop.Replace(ctx, Nexthop{ID: 1, Blackhole: true}) }, unix.RTM_NEWNEXTHOP, unix.NLM_F_CREATE | unix.NLM_F_REPLACE},
		{func() error { return c.Nexthop.Delete(ctx, Nexthop{ID: 1}) }, unix.RTM_DELNEXTHOP, 0},
	}
	for i, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		req := k.requests()[i]
		mask := uint16(unix.NLM_F_CREATE | unix.NLM_F_EXCL | unix.NLM_F_REPLACE | unix.NLM_F_APPEND)
		if req.Header.Type != s.typ || req.Header.Flags&mask != s.flags {
			t.Errorf("step %d: %s flags %#x, want %s %#x", i, msgTypeName(req.Header.Type), req.Header.Flags,
				msgTypeName(s.typ), s.flags)
		}
	}
	var nd Neigh
	nd.UnmarshalBinary(k.requests()[8].Data)
	if nd.State != NeighPermanent {
		t.Errorf("neigh default state %v", nd.State)
	}
	var r Rule
	r.UnmarshalBinary(k.requests()[10].Data)
	if r.Action != RuleToTable {
		t.Errorf("rule default action %v", r.Action)
	}
	if err := c.Addr.Add(ctx, Addr{Index: 2}); err == nil {
		t.Error("address without Local accepted")
	}
	if err := c.Route.Add(ctx, Route{OIF: 2}); err == nil {
		t.Error("route without a family accepted")
	}
	if err := c.Rule.Add(ctx, Rule{Priority: 1}); err == nil {
		t.Error("rule without a family accepted")
	}
}

// TestConcurrentUse runs requests and dumps from several goroutines on one Client (run with -race).
func TestConcurrentUse(t *testing.T) {
	k := &kernel{links: []Link{{Index: 1, Name: "lo"}}, routes: []Route{{Family: unix.AF_INET, Dst: mustPrefix("10.0.0.0/8"), Table: TableMain}}}
	k.get = func(req proto.Message) ([]proto.Message, error) {
		if req.Header.Type == unix.RTM_GETLINK {
			l := Link{Index: 1, Name: "lo"}
			return []proto.Message{{Header: proto.Header{Type: unix.RTM_NEWLINK}, Data: mustMarshal(t, &l)}}, nil
		}
		return nil, nil
	}
	c := k.client(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				switch (g + i) % 3 {
				case 0:
					if ls, err := c.Link.List(context.Background(), nil); err != nil || len(ls) != 1 {
						errs <- fmt.Errorf("list: %v %v", ls, err)
					}
				case 1:
					if l, err := c.Link.Get(context.Background(), 1); err != nil || l.Name != "lo" {
						errs <- fmt.Errorf("get: %v %v", l, err)
					}
				case 2:
					for _, err := range c.Route.All(context.Background(), nil) {
						if err != nil {
							errs <- err
						}
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestStreamingAllocations checks that a dump of plain routes costs a fixed number of allocations, not one per
// route, and that a route with rare attributes costs one (its RouteExtra).
func TestStreamingAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	count := func(n int, extra *RouteExtra) float64 {
		var replies []proto.Message
		for i := range n {
			r := Route{Family: unix.AF_INET, Table: TableMain, Protocol: ProtocolStatic, Type: TypeUnicast,
				Dst: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24), OIF: 2,
				Gateway: mustAddr("192.0.2.1"), Priority: 10, HasPref: true, Extra: extra}
			replies = append(replies, proto.Message{Header: proto.Header{Type: unix.RTM_NEWROUTE}, Data: mustMarshal(t, &r)})
		}
		// Canned replies: the fake only copies them into one datagram (a few allocations per dump).
		conn, _ := nltest.New(unix.NETLINK_ROUTE, func([]proto.Message) ([]proto.Message, error) { return replies, nil },
			&nlkit.Config{ReceiveBuffer: 1 << 20})
		c := New(conn)
		defer c.Close()
		var wantMTU uint32
		if extra != nil {
			wantMTU = extra.Metrics.MTU
		}
		return testing.AllocsPerRun(5, func() {
			got := 0
			for r, err := range c.Route.All(context.Background(), &RouteFilter{Family: unix.AF_INET}) {
				if err != nil || !r.Gateway.IsValid() || !r.HasPref || r.Ext().Metrics.MTU != wantMTU {
					t.Fatal(err)
				}
				got++
			}
			if got != n {
				t.Fatalf("%d routes, want %d", got, n)
			}
		})
	}
	small, large := count(10, nil), count(1000, nil)
	t.Logf("allocations per dump: 10 routes %.0f, 1000 routes %.0f", small, large)
	if perRoute := (large - small) / 990; perRoute > 0.05 {
		t.Errorf("%.2f allocations per route", perRoute)
	}
	x := &RouteExtra{Metrics: Metrics{MTU: 1400}}
	small, large = count(10, x), count(1000, x)
	if perRoute := (large - small) / 990; perRoute < 0.95 || perRoute > 1.05 {
		t.Errorf("routes with metrics: %.2f allocations per route, want 1", perRoute)
	}
}

// TestLinkNamesInternedPerService checks that the names of links dumped again share the strings of the first
// dump of the same service, and that another Client's dumps do not (no process-wide table).
func TestLinkNamesInternedPerService(t *testing.T) {
	c, _ := linkDumpAlias(t, 50, -1, 0)
	other, _ := linkDumpAlias(t, 50, -1, 0)
	ctx := context.Background()
	names := func(c *Client) map[string]*byte {
		t.Helper()
		m := map[string]*byte{}
		for l, err := range c.Link.All(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			m[l.Name] = unsafe.StringData(l.Name)
		}
		return m
	}
	first, again, theirs := names(c), names(c), names(other)
	for name, p := range first {
		if again[name] != p {
			t.Errorf("%q: a second dump on the same Client made a new string", name)
		}
		if theirs[name] == p && len(name) > 1 { // the runtime has one string of each single byte
			t.Errorf("%q: another Client's dump shares the string", name)
		}
	}
	if len(first) == 0 {
		t.Fatal("no links")
	}
}

func TestNameCache(t *testing.T) {
	var nc nameCache
	nc.start()
	a := nc.name([]byte("eth0\x00junk"))
	b := nc.name([]byte("lo"))
	if a != "eth0" || b != "lo" {
		t.Fatalf("%q %q: the NUL and what follows are kept", a, b)
	}
	// The next dump reuses the names it finds at the same positions, and makes the others.
	nc.start()
	a2, c := nc.name([]byte("eth0")), nc.name([]byte("eth1"))
	if unsafe.StringData(a2) != unsafe.StringData(a) || c != "eth1" {
		t.Fatal("the name at the same position was not reused")
	}
	nc.start()
	if x := nc.name([]byte("eth1")); x != "eth1" || unsafe.StringData(x) == unsafe.StringData(c) {
		t.Fatal("a name at another position was reused, or the name is wrong")
	}
	// Bounded: a dump of more names keeps maxNames of them.
	nc.start()
	for i := range maxNames + 10 {
		nc.name([]byte(fmt.Sprint("n", i)))
	}
	if len(nc.cur) != maxNames {
		t.Fatalf("%d names kept, want %d", len(nc.cur), maxNames)
	}
	var none *nameCache
	if none.name([]byte("lo\x00")) != "lo" {
		t.Fatal("a nil nameCache")
	}
}
