package proto_test

// Decode-only benchmarks over a synthesized route dump shaped like the kernel's (see bench/ for the same over a
// captured one and for the whole library against the kernel):
//
//	go test -run '^$' -bench . -benchmem ./proto/

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/nlkit/nlkit/proto"
)

// Constants of <linux/rtnetlink.h>, spelled out: proto builds on every OS.
const (
	benchRTMNewRoute  = 24
	benchRTATable     = 15
	benchRTADst       = 1
	benchRTAGateway   = 5
	benchRTAOIF       = 4
	benchRouteCount   = 1000
	benchDumpDatagram = 32 << 10
)

// benchRouteDump builds the datagrams of an RTM_GETROUTE dump of n IPv4 /24 routes via a gateway in table main,
// attribute for attribute as Linux sends them (RTA_TABLE, RTA_DST, RTA_GATEWAY, RTA_OIF), packed into datagrams
// of at most 32 KiB, the last one ending with NLMSG_DONE.
func benchRouteDump(n int) [][]byte {
	var out [][]byte
	var cur []byte
	for i := 0; i < n; i++ {
		rtm := []byte{2, 24, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0} // AF_INET /24, main, boot, universe, unicast
		ae := proto.NewAttrEncoder(rtm)
		ae.Uint32(benchRTATable, 254)
		ae.Raw(benchRTADst, []byte{byte(1 + i/65536), byte(i / 256), byte(i), 0})
		ae.Raw(benchRTAGateway, []byte{192, 168, 255, 2})
		ae.Uint32(benchRTAOIF, 2)
		m := proto.Message{Header: proto.Header{Type: benchRTMNewRoute, Flags: proto.FlagMulti | proto.FlagDumpFiltered,
			Sequence: 1, PortID: 4242}, Data: ae.Bytes()}
		if len(cur)+proto.Align(m.Len()) > benchDumpDatagram {
			out = append(out, cur)
			cur = nil
		}
		cur = m.AppendTo(cur)
	}
	done := proto.Message{Header: proto.Header{Type: proto.TypeDone, Flags: proto.FlagMulti, Sequence: 1,
		PortID: 4242}, Data: make([]byte, 4)}
	return append(out, done.AppendTo(cur))
}

func benchPerMsg(b *testing.B, n int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
}

var benchSink int

// BenchmarkDumpHandLoop is the floor's header walk, for comparison with Iter.
func BenchmarkDumpHandLoop(b *testing.B) {
	dgrams := benchRouteDump(benchRouteCount)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		for _, d := range dgrams {
			for off := 0; off+proto.HeaderLen <= len(d); {
				l := int(binary.NativeEndian.Uint32(d[off:]))
				if l < proto.HeaderLen || off+l > len(d) {
					b.Fatal("bad message")
				}
				if binary.NativeEndian.Uint16(d[off+4:]) == benchRTMNewRoute {
					n++
				}
				off += proto.Align(l)
			}
		}
	}
	benchPerMsg(b, n)
}

// BenchmarkDumpIter walks the messages with proto.Iter.
func BenchmarkDumpIter(b *testing.B) {
	dgrams := benchRouteDump(benchRouteCount)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		for _, d := range dgrams {
			it := proto.NewIter(d)
			for it.Next() {
				if it.Message().Header.Type == benchRTMNewRoute {
					n++
				}
			}
			if it.Err() != nil {
				b.Fatal(it.Err())
			}
		}
	}
	benchPerMsg(b, n)
}

// BenchmarkDumpIterAttrs walks the messages and decodes each route's attributes into values, as a typed decoder
// does (netip.Addr for addresses, no allocation).
func BenchmarkDumpIterAttrs(b *testing.B) {
	dgrams := benchRouteDump(benchRouteCount)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		for _, d := range dgrams {
			it := proto.NewIter(d)
			for it.Next() {
				m := it.Message()
				if m.Header.Type != benchRTMNewRoute || len(m.Data) < 12 {
					continue
				}
				var dst, gw netip.Addr
				var oif, table uint32
				ad := proto.NewAttrDecoder(m.Data[12:])
				for ad.Next() {
					switch ad.Type() {
					case benchRTADst:
						dst = netip.AddrFrom4([4]byte(ad.Bytes()))
					case benchRTAGateway:
						gw = netip.AddrFrom4([4]byte(ad.Bytes()))
					case benchRTAOIF:
						oif = ad.Uint32()
					case benchRTATable:
						table = ad.Uint32()
					}
				}
				if ad.Err() != nil {
					b.Fatal(ad.Err())
				}
				benchSink += int(oif) + int(table) + dst.BitLen() + gw.BitLen()
				n++
			}
		}
	}
	benchPerMsg(b, n)
}

// BenchmarkDumpParseIndex indexes each route's attributes as libnetlink's parse_rtattr does.
func BenchmarkDumpParseIndex(b *testing.B) {
	dgrams := benchRouteDump(benchRouteCount)
	tb := make([][]byte, 32)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		for _, d := range dgrams {
			it := proto.NewIter(d)
			for it.Next() {
				m := it.Message()
				if m.Header.Type != benchRTMNewRoute || len(m.Data) < 12 {
					continue
				}
				if err := proto.ParseIndex(tb, m.Data[12:]); err != nil {
					continue
				}
				benchSink += len(tb[benchRTADst])
				n++
			}
		}
	}
	benchPerMsg(b, n)
}

// BenchmarkDumpParseMessages collects each datagram's messages into a slice (the allocating form).
func BenchmarkDumpParseMessages(b *testing.B) {
	dgrams := benchRouteDump(benchRouteCount)
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		for _, d := range dgrams {
			msgs, err := proto.ParseMessages(d)
			if err != nil {
				b.Fatal(err)
			}
			n += len(msgs)
		}
	}
	benchPerMsg(b, n)
}
