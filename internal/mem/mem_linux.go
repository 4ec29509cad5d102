//go:build linux

package mem

import (
	"sync"

	"golang.org/x/sys/unix"
)

// MapSize is the size of one mapping of an Arena: address space, reserved but not touched.
const MapSize = 64 << 20

// AdviseHuge advises MADV_HUGEPAGE for the whole huge pages inside b, so the kernel may back them with 2 MiB
// pages: memory written once, page by page, is bound by first-touch page faults, of which a huge page takes one
// where 4 KiB pages take 512. Where transparent huge pages are off the advice is refused, and b works the same.
func AdviseHuge(b []byte) {
	s := start(b)
	first := (s + HugePage - 1) &^ (HugePage - 1)
	end := (s + uintptr(len(b))) &^ (HugePage - 1)
	if len(b) == 0 || end <= first {
		return
	}
	_ = unix.Madvise(b[first-s:end-s], unix.MADV_HUGEPAGE)
}

// Arena is memory for bytes outside the Go heap: anonymous mappings advised MADV_HUGEPAGE, handed out in order
// and given back as a whole by Release (unmapped, or freed with MADV_FREE and kept in the Spare), instead of
// waiting for the garbage collector and the scavenger. It must hold bytes only, never Go pointers. The zero
// value works and keeps no spare; an Arena is not safe for concurrent use.
type Arena struct {
	// Spare, when set, lends the first mapping and takes it back on Release.
	Spare *Spare
	maps  [][]byte // every mapping, for Release
	cur   []byte   // what is left of the last one
}

// Take returns a zero-length slice with capacity size from the arena, or nil when no mapping can be made.
func (a *Arena) Take(size int) []byte {
	if size > len(a.cur) {
		n := max(MapSize, (size+HugePage-1)&^(HugePage-1))
		var m []byte
		if n == MapSize {
			m = a.Spare.take()
		}
		if m == nil {
			var err error
			m, err = unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
			if err != nil {
				return nil
			}
			AdviseHuge(m)
		}
		a.maps = append(a.maps, m)
		a.cur = m
	}
	b := a.cur[:0:size]
	a.cur = a.cur[size:]
	return b
}

// Mappings is the number of mappings the arena holds.
func (a *Arena) Mappings() int { return len(a.maps) }

// Reset makes the whole of the first mapping available again; the others are unmapped.
func (a *Arena) Reset() {
	if len(a.maps) == 0 {
		return
	}
	for _, m := range a.maps[1:] {
		_ = unix.Munmap(m)
	}
	a.maps = a.maps[:1]
	a.cur = a.maps[0]
}

// Release gives the memory back: the first mapping goes to the Spare when it has none, and the rest are
// unmapped. Every slice Take returned is then invalid.
func (a *Arena) Release() {
	for i, m := range a.maps {
		if i == 0 && len(m) == MapSize && a.Spare.put(m) {
			continue
		}
		_ = unix.Munmap(m)
	}
	a.maps, a.cur = nil, nil
}

// Spare keeps one Arena mapping between the Arenas that use it, its pages given back with MADV_FREE: the
// system reclaims them when it needs memory, and until then the next Arena writes to them without a page fault.
// It is what makes repeating a large call cheap, for at most MapSize of address space. Close unmaps it. A Spare
// is safe for concurrent use; its zero value is empty, and a nil *Spare keeps nothing.
type Spare struct {
	mu     sync.Mutex
	m      []byte
	closed bool
}

func (s *Spare) take() []byte {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.m
	s.m = nil
	return m
}

// put keeps m, freed with MADV_FREE, when s has no mapping and is open; it reports whether it did.
func (s *Spare) put(m []byte) bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m != nil || s.closed || unix.Madvise(m, unix.MADV_FREE) != nil {
		return false
	}
	s.m = m
	return true
}

// Held reports whether s keeps a mapping, and its first byte's address (for tests).
func (s *Spare) Held() (uintptr, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		return 0, false
	}
	return start(s.m), true
}

// Close unmaps the kept mapping; from then on s keeps none.
func (s *Spare) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m != nil {
		_ = unix.Munmap(s.m)
		s.m = nil
	}
	s.closed = true
}
