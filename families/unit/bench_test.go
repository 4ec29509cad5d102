package unit_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/nlkit/nlkit/families/unit"
)

// echoServer starts an echo server on NETLINK_USERSOCK in the current namespace and returns its portid, or skips
// (the socket needs no privilege, but some sandboxes have no netlink).
func echoServer(b *testing.B) uint32 {
	b.Helper()
	srv, err := unit.Listen(&unit.ServerConfig{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Skip("no NETLINK_USERSOCK here:", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ctx, func(_ context.Context, req unit.Request) ([]byte, error) { return req.Message.Data, nil })
	}()
	b.Cleanup(func() {
		cancel()
		srv.Close()
		<-done
	})
	return srv.PortID()
}

// echoClient opens a client of the echo server at portid server.
func echoClient(b *testing.B, server uint32) *unit.Client {
	b.Helper()
	c, err := unit.DialClient(&unit.ClientConfig{Server: server})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// echoPair starts an echo server and returns a client for it.
func echoPair(b *testing.B) *unit.Client { return echoClient(b, echoServer(b)) }

// BenchmarkClientRequest is one goroutine's round trips: Client.Request to Server.Serve and back.
func BenchmarkClientRequest(b *testing.B) {
	c := echoPair(b)
	p := make([]byte, 64)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Request(ctx, 0, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientRequest64 is 64 goroutines sharing one Client; b.N round trips in all.
func BenchmarkClientRequest64(b *testing.B) {
	const goroutines = 64
	c := echoPair(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	per := b.N / goroutines
	for g := range goroutines {
		n := per
		if g == 0 {
			n += b.N % goroutines
		}
		wg.Go(func() {
			p := make([]byte, 64)
			for range n {
				if _, err := c.Request(ctx, 0, p); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkServer8Clients is one Server answering 8 Clients, each on its own goroutine and socket; b.N round trips
// in all.
func BenchmarkServer8Clients(b *testing.B) {
	const clients = 8
	srv := echoServer(b)
	var cs []*unit.Client
	for range clients {
		cs = append(cs, echoClient(b, srv))
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, cl := range cs {
		n := b.N / clients
		if i == 0 {
			n += b.N % clients
		}
		wg.Go(func() {
			p := make([]byte, 64)
			for range n {
				if _, err := cl.Request(ctx, 0, p); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}
