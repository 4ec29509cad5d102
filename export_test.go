package nlkit

import (
	"sync/atomic"
	"time"
)

// ForceReadAhead makes every dump on c that spans datagrams read ahead (on) or never (off), counting the dumps
// that did in *started. Call it before c is used.
func ForceReadAhead(c *Conn, on bool, started *atomic.Int32) {
	c.ahead.policy = func(work, recv time.Duration) bool {
		if on && started != nil {
			started.Add(1)
		}
		return on
	}
}

// KeptReadAhead returns the read-ahead c keeps for its next dump, or nil.
func KeptReadAhead(c *Conn) any {
	if r := c.ahead.kept.Load(); r != nil {
		return r
	}
	return nil
}
