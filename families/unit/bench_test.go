package unit_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/nlkit/nlkit/families/unit"
)

// echoPair starts an echo server and a client for it on NETLINK_USERSOCK in the current namespace, or skips
// (the socket needs no privilege, but some sandboxes have no netlink).
func echoPair(b *testing.B) *unit.Client {
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
	c, err := unit.DialClient(srv.PortID(), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		c.Close()
		cancel()
		srv.Close()
		<-done
	})
	return c
}

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
