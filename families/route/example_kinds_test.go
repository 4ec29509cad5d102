//go:build linux

package route_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// A GRE tunnel with keys, created with typed options; on a kernel without the ip_gre driver (the fake here), the
// error says so.
func ExampleNewGre() {
	conn := nltest.Dial(unix.NETLINK_ROUTE, func(req []proto.Message) ([]proto.Message, error) {
		var l route.Link
		if err := l.UnmarshalBinary(req[0].Data); err != nil {
			return nil, err
		}
		g := l.Info.Data.(*route.Gre)
		fmt.Printf("%s %s: local %v remote %v ikey %d okey %d ttl %d\n", l.Info.Kind, l.Name, g.Local, g.Remote,
			g.IKey, g.OKey, g.TTL)
		return nil, &proto.Error{Errno: unix.EOPNOTSUPP, ExtAck: proto.ExtAck{Msg: "Unknown device type"}}
	})
	c := route.New(conn)
	defer c.Close()
	g := route.NewGre("gretap")
	g.Local, g.Remote = netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.2")
	g.IKey, g.OKey, g.IFlags, g.OFlags = 10, 20, route.GreKey, route.GreKey
	g.TTL = 64
	err := c.Link.Add(context.Background(), route.Link{Name: "gt0", Info: route.LinkInfo{Data: g}})
	var nd *route.NoDriverError
	fmt.Println(errors.As(err, &nd), nd.Kind, errors.Is(err, unix.EOPNOTSUPP))
	// Output:
	// gretap gt0: local 192.0.2.1 remote 198.51.100.2 ikey 10 okey 20 ttl 64
	// true gretap true
}

// A veth pair whose peer is born in the namespace of a process, in one request.
func ExampleLinkService_AddVeth() {
	conn := nltest.Dial(unix.NETLINK_ROUTE, func(req []proto.Message) ([]proto.Message, error) {
		var l route.Link
		if err := l.UnmarshalBinary(req[0].Data); err != nil {
			return nil, err
		}
		v := l.Info.Data.(*route.Veth)
		fmt.Printf("%s %s, peer %s in the namespace of pid %d\n", l.Info.Kind, l.Name, v.Peer.Name, v.PeerNetNS.PID)
		return nil, nil
	})
	c := route.New(conn)
	defer c.Close()
	err := c.Link.AddVeth(context.Background(), route.Link{Name: "veth0"}, route.Link{Name: "eth0"},
		route.NetNSPID(4242))
	fmt.Println(err)
	// Output:
	// veth veth0, peer eth0 in the namespace of pid 4242
	// <nil>
}
