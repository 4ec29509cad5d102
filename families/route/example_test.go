//go:build linux

package route_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/netip"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// New works on any connection: here a fake from nltest stands in for the kernel, so the example runs without
// privileges.
func ExampleNew() {
	conn := nltest.Dial(unix.NETLINK_ROUTE, func(req []proto.Message) ([]proto.Message, error) {
		if req[0].Header.Type != unix.RTM_GETROUTE {
			return nil, unix.EOPNOTSUPP
		}
		var out []proto.Message
		for _, r := range []route.Route{
			{Dst: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("192.0.2.1"), OIF: 2, Table: route.TableMain},
			{Dst: netip.MustParsePrefix("192.0.2.0/24"), OIF: 2, Table: route.TableMain, Scope: route.ScopeLink},
		} {
			b, _ := r.MarshalBinary()
			out = append(out, proto.Message{Header: proto.Header{Type: unix.RTM_NEWROUTE}, Data: b})
		}
		return out, nil
	})
	c := route.New(conn)
	defer c.Close()
	routes, err := c.Route.List(context.Background(), &route.RouteFilter{Family: unix.AF_INET, Table: route.TableMain})
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range routes {
		fmt.Println(r.Dst, r.Gateway, r.OIF, r.Scope)
	}
	// Output:
	// 0.0.0.0/0 192.0.2.1 2 global
	// 192.0.2.0/24 invalid IP 2 link
}

// All streams a dump: each route is decoded from the receive buffer as it arrives.
func ExampleRouteService_All() {
	c, err := route.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	for r, err := range c.Route.All(context.Background(), &route.RouteFilter{Family: unix.AF_INET, Table: route.TableMain}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(r.Dst, r.Gateway, r.OIF)
	}
}

// ListInto lists into a slice kept from the previous call: the routes are decoded into its array as they
// arrive, with no new memory. A fake kernel stands in here, with 3 routes in the main table.
func ExampleRouteService_ListInto() {
	conn := nltest.Dial(unix.NETLINK_ROUTE, func(req []proto.Message) ([]proto.Message, error) {
		var out []proto.Message
		for i := range 3 {
			r := route.Route{Dst: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i), 0, 0}), 16), OIF: 2,
				Table: route.TableMain}
			b, _ := r.MarshalBinary()
			out = append(out, proto.Message{Header: proto.Header{Type: unix.RTM_NEWROUTE}, Data: b})
		}
		return out, nil
	})
	c := route.New(conn)
	defer c.Close()
	main4 := &route.RouteFilter{Family: unix.AF_INET, Table: route.TableMain}
	var routes []route.Route
	for range 2 {
		before := routes[:cap(routes)]
		var err error
		if routes, err = c.Route.ListInto(context.Background(), routes[:0], main4); err != nil {
			log.Fatal(err)
		}
		fmt.Println(len(routes), routes[2].Dst, "same array:", len(before) > 0 && &before[0] == &routes[0])
	}
	// Output:
	// 3 10.2.0.0/16 same array: false
	// 3 10.2.0.0/16 same array: true
}

// Add creates links of any kind the kernel has; here a veth pair, up, and an address on one end.
func ExampleLinkService_Add() {
	c, err := route.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	err = c.Link.Add(ctx, route.Link{Name: "veth0", Flags: route.LinkUp,
		Info: route.LinkInfo{Data: &route.Veth{Peer: route.Link{Name: "veth1"}}}})
	if err != nil {
		log.Fatal(err) // errors.Is(err, unix.EEXIST) if it exists; the kernel's reason is in the text
	}
	l, err := c.Link.GetByName(ctx, "veth0")
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Addr.Add(ctx, route.AddrFrom(l.Index, netip.MustParsePrefix("192.0.2.1/24"))); err != nil {
		log.Fatal(err)
	}
}

// Get asks the kernel which route it would take, as `ip route get` does.
func ExampleRouteService_Get() {
	c, err := route.Dial(nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	r, err := c.Route.Get(context.Background(), netip.MustParseAddr("192.0.2.10"), nil)
	if errors.Is(err, unix.ENETUNREACH) {
		fmt.Println("unreachable")
		return
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Dst, "via", r.Gateway, "dev", r.OIF, "src", r.Ext().PrefSrc)
}

// The attributes few routes have (RTA_PREFSRC, RTA_MULTIPATH, RTA_METRICS, RTA_MARK...) live behind
// Route.Extra, which is nil without them; Ext reads them without a nil check, EnsureExtra sets them.
func ExampleRoute_Ext() {
	r := route.Route{Dst: netip.MustParsePrefix("10.0.0.0/24"), OIF: 2}
	fmt.Println(r.Extra == nil, r.Ext().Mark, r.Ext().PrefSrc.IsValid())
	r.EnsureExtra().Mark = 7
	fmt.Println(r.Extra == nil, r.Ext().Mark)
	multipath := route.Route{Dst: netip.MustParsePrefix("10.1.0.0/16"), Extra: &route.RouteExtra{
		MultiPath: []route.Hop{{OIF: 2, Gateway: netip.MustParseAddr("10.0.0.1")}, {OIF: 3, Hops: 1}}}}
	for _, nh := range multipath.Ext().MultiPath {
		fmt.Println("dev", nh.OIF, "weight", nh.Weight())
	}
	// Output:
	// true 0 false
	// false 7
	// dev 2 weight 1
	// dev 3 weight 2
}

// A Watcher reports changes as typed events and survives overflows by resynchronising.
func ExampleNewWatcher() {
	w, err := route.NewWatcher(&route.WatchConfig{Objects: route.WatchLinks | route.WatchAddrs | route.WatchRoutes})
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close()
	for ev, err := range w.Events(context.Background()) {
		if err != nil {
			log.Fatal(err)
		}
		switch {
		case ev.Kind == route.EventResync:
			fmt.Println("events were lost; state now:", len(ev.Snapshot.Routes), "routes")
		case ev.Route != nil:
			fmt.Println(ev.Kind, "route", ev.Route.Dst)
		default:
			fmt.Println(ev)
		}
	}
}

// A Mirror keeps a copy of the routing table that other goroutines can read at any time.
func ExampleNewMirror() {
	m, err := route.NewMirror(context.Background(), &route.WatchConfig{Objects: route.WatchLinks | route.WatchRoutes})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	for _, r := range m.Routes() {
		if l, ok := m.Link(r.OIF); ok {
			fmt.Println(r.Dst, "dev", l.Name)
		}
	}
}
