//go:build linux

package rtnlconv_test

import (
	"fmt"
	"log"
	"net"

	rtnetlink "github.com/jsimonetti/rtnetlink/v2"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/families/route/rtnlconv"
	"golang.org/x/sys/unix"
)

// A route built for jsimonetti/rtnetlink becomes an nlkit route.Route, ready for c.Route.Add, and an nlkit
// route goes back to a RouteMessage for code not yet ported.
func Example() {
	old := rtnetlink.RouteMessage{
		Family:    unix.AF_INET,
		DstLength: 24,
		Table:     unix.RT_TABLE_MAIN,
		Protocol:  unix.RTPROT_STATIC,
		Scope:     unix.RT_SCOPE_UNIVERSE,
		Type:      unix.RTN_UNICAST,
		Attributes: rtnetlink.RouteAttributes{
			Dst:      net.ParseIP("198.51.100.0"),
			Gateway:  net.ParseIP("192.0.2.1"),
			OutIface: 2,
			Priority: 100,
		},
	}
	r, err := rtnlconv.FromRouteMessage(&old)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.Dst, r.Gateway, r.OIF, route.TableName(r.Table), r.Protocol, r.Priority)

	r.Gateway = r.Gateway.Next()
	back := rtnlconv.ToRouteMessage(&r)
	fmt.Println(back.Attributes.Dst, back.DstLength, back.Attributes.Gateway, back.Attributes.Table)
	// Output:
	// 198.51.100.0/24 192.0.2.1 2 main static 100
	// 198.51.100.0 24 192.0.2.2 254
}

// FromLinkMessage turns what jsimonetti's Link.List returns into nlkit links, kind data included.
func ExampleFromLinkMessage() {
	m := rtnetlink.LinkMessage{
		Index: 3,
		Flags: unix.IFF_UP,
		Attributes: &rtnetlink.LinkAttributes{
			Name:    "br0",
			MTU:     1500,
			Address: net.HardwareAddr{0x02, 0, 0, 0, 0, 1},
			Info:    &rtnetlink.LinkInfo{Kind: "bridge"},
		},
	}
	l, err := rtnlconv.FromLinkMessage(&m)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(l.Index, l.Name, l.MTU, l.Address, l.Info.Kind, l.IsUp())
	// Output:
	// 3 br0 1500 02:00:00:00:00:01 bridge true
}
