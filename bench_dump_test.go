package nlkit_test

// Benchmarks of the core's receive path without a kernel: a Transport that replays the datagrams of a
// synthesized route dump (1,000 IPv4 routes in 32 KiB datagrams, shaped as Linux sends them). They measure what
// nlkit adds per message on top of the system calls, and its allocations:
//
//	go test -run '^$' -bench . -benchmem .
//
// bench/ measures the same against the kernel, the other libraries and a bare-syscall floor.

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

const (
	benchRTMGetRoute = 26
	benchRTMNewRoute = 24
	benchPortID      = 4242
)

// benchRouteDatagrams builds an RTM_GETROUTE dump of n IPv4 /24 routes via a gateway (RTA_TABLE, RTA_DST,
// RTA_GATEWAY, RTA_OIF, as Linux sends them), in datagrams of at most 32 KiB, the last ending with NLMSG_DONE.
func benchRouteDatagrams(n int) [][]byte {
	var out [][]byte
	var cur []byte
	for i := 0; i < n; i++ {
		ae := proto.NewAttrEncoder([]byte{2, 24, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0})
		ae.Uint32(15, 254)
		ae.Raw(1, []byte{byte(1 + i/65536), byte(i / 256), byte(i), 0})
		ae.Raw(5, []byte{192, 168, 255, 2})
		ae.Uint32(4, 2)
		m := proto.Message{Header: proto.Header{Type: benchRTMNewRoute, Flags: proto.FlagMulti | proto.FlagDumpFiltered},
			Data: ae.Bytes()}
		if len(cur)+proto.Align(m.Len()) > nlkit.DefaultReceiveBuffer {
			out = append(out, cur)
			cur = nil
		}
		cur = m.AppendTo(cur)
	}
	done := proto.Message{Header: proto.Header{Type: proto.TypeDone, Flags: proto.FlagMulti}, Data: make([]byte, 4)}
	return append(out, done.AppendTo(cur))
}

// replayTransport answers every request with the same datagrams, stamped with the request's sequence number.
type replayTransport struct {
	dgrams [][]byte
	next   int
	seq    uint32
}

func (r *replayTransport) SendTo(_ nlkit.Sockaddr, b []byte) error {
	r.seq = binary.NativeEndian.Uint32(b[8:12])
	r.next = 0
	return nil
}

func (r *replayTransport) RecvMsg(buf, _ []byte) (int, int, nlkit.Sockaddr, error) {
	d := r.dgrams[r.next%len(r.dgrams)]
	r.next++
	n := copy(buf, d)
	for off := 0; off+proto.HeaderLen <= n; {
		l := int(binary.NativeEndian.Uint32(buf[off:]))
		binary.NativeEndian.PutUint32(buf[off+8:], r.seq)
		binary.NativeEndian.PutUint32(buf[off+12:], benchPortID)
		if l < proto.HeaderLen {
			break
		}
		off += proto.Align(l)
	}
	return len(d), 0, nlkit.Sockaddr{}, nil
}

func (r *replayTransport) SetReadDeadline(time.Time) error { return nil }
func (r *replayTransport) JoinGroup(uint32) error          { return nil }
func (r *replayTransport) LeaveGroup(uint32) error         { return nil }
func (r *replayTransport) PortID() uint32                  { return benchPortID }
func (r *replayTransport) Close() error                    { return nil }

// BenchmarkDumpReplay streams a 1,000-route dump through Conn.Dump (no decoding of the routes).
func BenchmarkDumpReplay(b *testing.B) {
	conn := nlkit.NewConn(nlkit.UnitRoute, &replayTransport{dgrams: benchRouteDatagrams(1000)}, nil)
	defer conn.Close()
	req := proto.Message{Header: proto.Header{Type: benchRTMGetRoute}, Data: make([]byte, 12)}
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n = 0
		for m, err := range conn.Dump(ctx, req) {
			if err != nil {
				b.Fatal(err)
			}
			if m.Header.Type == benchRTMNewRoute {
				n++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
}

// BenchmarkReceiveDatagramReplay receives datagrams with ReceiveDatagram and walks their messages, as a
// multicast listener does.
func BenchmarkReceiveDatagramReplay(b *testing.B) {
	dgrams := benchRouteDatagrams(1000)
	conn := nlkit.NewConn(nlkit.UnitRoute, &replayTransport{dgrams: dgrams[:len(dgrams)-1]}, nil)
	defer conn.Close()
	ctx := context.Background()
	b.ReportAllocs()
	msgs := 0
	for b.Loop() {
		d, err := conn.ReceiveDatagram(ctx)
		if err != nil {
			b.Fatal(err)
		}
		it := d.Messages()
		for it.Next() {
			msgs++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(msgs), "ns/msg")
}
