package main

// Decode-only benchmarks over dumps captured from a kernel (testdata/, made with `go run . -capture testdata`).
// They need no root and no namespace:
//
//	go test -run '^$' -bench . -benchmem
//
// Decode*: each message decoded by nlkit and by jsimonetti/rtnetlink. Stream*: the whole nlkit path (core
// Dump, route.Client, typed values) over a fake transport that replays the captured datagrams.

import (
	"context"
	"encoding/binary"
	"iter"
	"os"
	"testing"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/families/route"
	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

func loadCapture(tb testing.TB, file string) [][]byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + file)
	if err != nil {
		tb.Fatal(err)
	}
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		tb.Skip("captured on a little-endian machine")
	}
	var out [][]byte
	for len(b) >= 4 {
		n := int(binary.LittleEndian.Uint32(b))
		if 4+n > len(b) {
			tb.Fatalf("%s: truncated", file)
		}
		out = append(out, b[4:4+n])
		b = b[4+n:]
	}
	return out
}

// messagesOf returns the payloads of the messages of type typ.
func messagesOf(tb testing.TB, dgrams [][]byte, typ uint16) [][]byte {
	var out [][]byte
	for _, d := range dgrams {
		it := proto.NewIter(d)
		for it.Next() {
			if m := it.Message(); m.Header.Type == typ {
				out = append(out, m.Data)
			}
		}
		if err := it.Err(); err != nil {
			tb.Fatal(err)
		}
	}
	if len(out) == 0 {
		tb.Fatal("no messages")
	}
	return out
}

func perMsg(b *testing.B, msgs int) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*msgs), "ns/msg")
}

func BenchmarkDecodeRoute(b *testing.B) {
	msgs := messagesOf(b, loadCapture(b, captureRouteFile), unix.RTM_NEWROUTE)
	b.Run("nlkit", func(b *testing.B) {
		b.ReportAllocs()
		var r route.Route
		for b.Loop() {
			for _, m := range msgs {
				if err := r.UnmarshalBinary(m); err != nil {
					b.Fatal(err)
				}
			}
		}
		perMsg(b, len(msgs))
	})
	b.Run("jsimonetti", func(b *testing.B) {
		b.ReportAllocs()
		var r rtnetlink.RouteMessage
		for b.Loop() {
			for _, m := range msgs {
				if err := r.UnmarshalBinary(m); err != nil {
					b.Fatal(err)
				}
			}
		}
		perMsg(b, len(msgs))
	})
}

func BenchmarkDecodeLink(b *testing.B) {
	msgs := messagesOf(b, loadCapture(b, captureLinkFile), unix.RTM_NEWLINK)
	b.Run("nlkit", func(b *testing.B) {
		b.ReportAllocs()
		var l route.Link
		for b.Loop() {
			for _, m := range msgs {
				if err := l.UnmarshalBinary(m); err != nil {
					b.Fatal(err)
				}
			}
		}
		perMsg(b, len(msgs))
	})
	b.Run("jsimonetti", func(b *testing.B) {
		b.ReportAllocs()
		var l rtnetlink.LinkMessage
		for b.Loop() {
			for _, m := range msgs {
				if err := l.UnmarshalBinary(m); err != nil {
					b.Fatal(err)
				}
			}
		}
		perMsg(b, len(msgs))
	})
}

// replay is an nlkit.Transport that answers every request with the captured datagrams, carrying the request's
// sequence number and the fake portid.
type replay struct {
	dgrams [][]byte
	next   int
	seq    uint32
}

const replayPortID = 4242

func (r *replay) SendTo(_ nlkit.Sockaddr, b []byte) error {
	r.seq = binary.NativeEndian.Uint32(b[8:12])
	r.next = 0
	return nil
}

func (r *replay) RecvMsg(buf, _ []byte) (int, int, nlkit.Sockaddr, error) {
	if r.next >= len(r.dgrams) {
		return 0, 0, nlkit.Sockaddr{}, unix.EAGAIN
	}
	d := r.dgrams[r.next]
	r.next++
	n := copy(buf, d)
	for off := 0; off+16 <= n; {
		l := int(binary.NativeEndian.Uint32(buf[off:]))
		binary.NativeEndian.PutUint32(buf[off+8:], r.seq)
		binary.NativeEndian.PutUint32(buf[off+12:], replayPortID)
		if l < 16 {
			break
		}
		off += (l + 3) &^ 3
	}
	return len(d), 0, nlkit.Sockaddr{}, nil
}

func (r *replay) SetReadDeadline(time.Time) error { return nil }
func (r *replay) JoinGroup(uint32) error          { return nil }
func (r *replay) LeaveGroup(uint32) error         { return nil }
func (r *replay) PortID() uint32                  { return replayPortID }
func (r *replay) Close() error                    { return nil }

func replayClient(tb testing.TB, file string) (*route.Client, *nlkit.Conn) {
	conn := nlkit.NewConn(nlkit.UnitRoute, &replay{dgrams: loadCapture(tb, file)}, nil)
	return route.New(conn), conn
}

func drain[T any](b *testing.B, seq iter.Seq2[T, error]) int {
	n := 0
	for _, err := range seq {
		if err != nil {
			b.Fatal(err)
		}
		n++
	}
	return n
}

func BenchmarkStreamRoutes(b *testing.B) {
	ctx := context.Background()
	c, conn := replayClient(b, captureRouteFile)
	f := &route.RouteFilter{Family: unix.AF_INET, Table: unix.RT_TABLE_MAIN}
	n := drain(b, c.Route.All(ctx, f))
	b.Run("nlkit-stream", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			drain(b, c.Route.All(ctx, f))
		}
		perMsg(b, n)
	})
	b.Run("nlkit-slice", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Route.List(ctx, f); err != nil {
				b.Fatal(err)
			}
		}
		perMsg(b, n)
	})
	b.Run("nlkit-raw", func(b *testing.B) {
		b.ReportAllocs()
		req := routeRequest()
		for b.Loop() {
			drain(b, conn.Dump(ctx, proto.Message{Header: proto.Header{Type: unix.RTM_GETROUTE}, Data: req}))
		}
		perMsg(b, n)
	})
}

func BenchmarkStreamLinks(b *testing.B) {
	ctx := context.Background()
	c, _ := replayClient(b, captureLinkFile)
	n := drain(b, c.Link.All(ctx, nil))
	b.Run("nlkit-stream", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			drain(b, c.Link.All(ctx, nil))
		}
		perMsg(b, n)
	})
	b.Run("nlkit-slice", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Link.List(ctx, nil); err != nil {
				b.Fatal(err)
			}
		}
		perMsg(b, n)
	})
}
