//go:build linux

package route

import (
	"context"
	"net/netip"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

func BenchmarkRouteUnmarshal(b *testing.B) {
	r := Route{Family: unix.AF_INET, Table: TableMain, Protocol: ProtocolStatic, Type: TypeUnicast,
		Dst: mustPrefix("10.1.2.0/24"), Gateway: mustAddr("192.0.2.1"), OIF: 2, Priority: 10}
	data := mustMarshal(b, &r)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	var out Route
	for b.Loop() {
		if err := out.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRouteUnmarshalIPv6 decodes an IPv6 route as the kernel sends it: RTA_PREF and an all-zero
// RTA_CACHEINFO, which leave Extra nil.
func BenchmarkRouteUnmarshalIPv6(b *testing.B) {
	r := Route{Family: unix.AF_INET6, Table: TableMain, Protocol: ProtocolStatic, Type: TypeUnicast,
		Dst: mustPrefix("2001:db8:1::/48"), Gateway: mustAddr("fe80::1"), OIF: 2, Priority: 1024, HasPriority: true,
		HasPref: true}
	ae := proto.NewAttrEncoder(mustMarshal(b, &r))
	ae.Raw(unix.RTA_CACHEINFO, make([]byte, 32))
	data := ae.Bytes()
	b.ReportAllocs()
	var out Route
	for b.Loop() {
		if err := out.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
	}
	if out.Extra != nil {
		b.Fatal("Extra")
	}
}

// BenchmarkRouteUnmarshalPrefSrc decodes a connected route (RTA_PREFSRC): one RouteExtra.
func BenchmarkRouteUnmarshalPrefSrc(b *testing.B) {
	r := Route{Family: unix.AF_INET, Table: TableMain, Protocol: ProtocolKernel, Scope: ScopeLink, Type: TypeUnicast,
		Dst: mustPrefix("10.1.2.0/24"), OIF: 2, Extra: &RouteExtra{PrefSrc: mustAddr("10.1.2.3")}}
	data := mustMarshal(b, &r)
	b.ReportAllocs()
	var out Route
	for b.Loop() {
		if err := out.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLinkUnmarshal(b *testing.B) {
	data := kernelLink()
	b.ReportAllocs()
	var out Link
	for b.Loop() {
		if err := out.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRouteAll streams 10,000 routes from a fake connection: the cost of the Client's side of a dump.
func BenchmarkRouteAll(b *testing.B) {
	var replies []proto.Message
	for i := range 10000 {
		r := Route{Family: unix.AF_INET, Table: TableMain, Protocol: ProtocolStatic, Type: TypeUnicast,
			Dst: netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24), OIF: 2,
			Gateway: mustAddr("192.0.2.1"), Priority: 10}
		replies = append(replies, proto.Message{Header: proto.Header{Type: unix.RTM_NEWROUTE}, Data: mustMarshal(b, &r)})
	}
	conn, _ := nltest.New(unix.NETLINK_ROUTE, func([]proto.Message) ([]proto.Message, error) { return replies, nil },
		&nlkit.Config{ReceiveBuffer: 1 << 20})
	c := New(conn)
	defer c.Close()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range c.Route.All(context.Background(), &RouteFilter{Family: unix.AF_INET}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != 10000 {
			b.Fatal(n)
		}
	}
}
