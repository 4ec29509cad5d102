package nlkit

import (
	"context"
	"runtime"
)

// acquire takes the Conn for one request or dump, waiting while another runs for no longer than ctx allows.
// A request from the loop body of this Conn's own dump fails at once: it would wait for itself.
func (c *Conn) acquire(ctx context.Context) error {
	select {
	case c.reqSem <- struct{}{}:
		return nil
	default:
	}
	if g := c.dumpG.Load(); g != 0 && g == goroutineID(make([]byte, 64)) {
		return &BusyError{Unit: c.unit, Nested: true}
	}
	var done <-chan struct{}
	if ctx != nil {
		done = ctx.Done()
	}
	select {
	case c.reqSem <- struct{}{}:
		return nil
	case <-done:
		return &BusyError{Unit: c.unit, Err: ctx.Err()}
	}
}

// release gives the Conn back after acquire.
func (c *Conn) release() { <-c.reqSem }

// goroutineID returns the calling goroutine's id as runtime.Stack prints it ("goroutine 18 [running]:"), read
// into buf (at least 32 bytes), or 0. It only tells a dump's own loop body from another goroutine: nothing else
// depends on it.
func goroutineID(buf []byte) uint64 {
	n := runtime.Stack(buf, false)
	const prefix = "goroutine "
	if n <= len(prefix) || string(buf[:len(prefix)]) != prefix {
		return 0
	}
	var id uint64
	for _, b := range buf[len(prefix):n] {
		if b < '0' || b > '9' {
			break
		}
		id = id*10 + uint64(b-'0')
	}
	return id
}
