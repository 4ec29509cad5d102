//go:build !linux

package mem

// MapSize is the size of one mapping of an Arena on Linux; elsewhere an Arena has none.
const MapSize = 64 << 20

// AdviseHuge does nothing outside Linux.
func AdviseHuge(b []byte) {}

// Arena gives out no memory outside Linux: Take returns nil, and callers use the Go heap.
type Arena struct {
	Spare *Spare
}

// Take returns nil: there is no arena memory outside Linux.
func (a *Arena) Take(size int) []byte { return nil }

// Mappings is 0.
func (a *Arena) Mappings() int { return 0 }

// Reset does nothing.
func (a *Arena) Reset() {}

// Release does nothing.
func (a *Arena) Release() {}

// Spare keeps nothing outside Linux.
type Spare struct{}

// Held reports false.
func (s *Spare) Held() (uintptr, bool) { return 0, false }

// Close does nothing.
func (s *Spare) Close() {}
