package nlkit

import (
	"sync/atomic"
	"time"
)

// ForceReadAhead makes every dump that spans datagrams read ahead (on) or never (off), counting the dumps that
// did in *started, until restore.
func ForceReadAhead(on bool, started *atomic.Int32) (restore func()) {
	old := aheadPolicy
	aheadPolicy = func(work, recv time.Duration) bool {
		if on && started != nil {
			started.Add(1)
		}
		return on
	}
	return func() { aheadPolicy = old }
}
