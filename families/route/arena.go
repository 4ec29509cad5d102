//go:build linux

package route

import (
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// arenaFrom is the size from which a List keeps payloads in an arena instead of the Go heap.
const arenaFrom = 1 << 20

// arenaMap is the size of one mapping of an arena: address space, reserved but not touched.
const arenaMap = 64 << 20

// hugePage is the size of a transparent huge page on amd64 and arm64 with 4 KiB pages.
const hugePage = 2 << 20

// arena is memory for packed payloads outside the Go heap: anonymous mappings advised MADV_HUGEPAGE, handed out
// in order and given back as a whole when the List is done (unmapped, or freed with MADV_FREE and kept as the
// spare), instead of waiting for the garbage collector and the scavenger. It holds bytes only, never Go
// pointers.
//
// Huge pages matter because a large List is bound by first-touch page faults: on the machine bench/RESULTS.md
// was measured on, a 4 KiB fault costs 25-50 µs, and touching the same memory through 2 MiB pages costs
// 0.3-0.8 µs per 4 KiB once the system has them. Where transparent huge pages are off, the advice is refused
// and the arena works as plain memory.
type arena struct {
	maps [][]byte // every mapping, for release
	cur  []byte   // what is left of the last one
}

// spareMap keeps one arenaMap mapping between Lists, its pages given back with MADV_FREE: the system reclaims
// them when it needs memory, and until then the next large List writes to them without a fault. It is what
// makes a repeated List of a large table cheap; it costs at most arenaMap of address space.
var spareMap struct {
	sync.Mutex
	m []byte
}

// take returns a zero-length slice with capacity size from the arena, or nil when no mapping can be made.
func (a *arena) take(size int) []byte {
	if size > len(a.cur) {
		n := max(arenaMap, (size+hugePage-1)&^(hugePage-1))
		var m []byte
		if n == arenaMap {
			spareMap.Lock()
			m, spareMap.m = spareMap.m, nil
			spareMap.Unlock()
		}
		if m == nil {
			var err error
			m, err = unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
			if err != nil {
				return nil
			}
			adviseHuge(m)
		}
		a.maps = append(a.maps, m)
		a.cur = m
	}
	b := a.cur[:0:size]
	a.cur = a.cur[size:]
	return b
}

// reset makes the whole of the first mapping available again (for a retried dump); the others are unmapped.
func (a *arena) reset() {
	if len(a.maps) == 0 {
		return
	}
	for _, m := range a.maps[1:] {
		_ = unix.Munmap(m)
	}
	a.maps = a.maps[:1]
	a.cur = a.maps[0]
}

// release gives the memory back: the first mapping becomes the spare (see spareMap) when there is none, and
// the rest are unmapped.
func (a *arena) release() {
	for i, m := range a.maps {
		if i == 0 && len(m) == arenaMap && unix.Madvise(m, unix.MADV_FREE) == nil {
			spareMap.Lock()
			if spareMap.m == nil {
				spareMap.m, m = m, nil
			}
			spareMap.Unlock()
		}
		if m != nil {
			_ = unix.Munmap(m)
		}
	}
	a.maps, a.cur = nil, nil
}

// adviseHuge advises MADV_HUGEPAGE for the whole huge pages inside b. An error (no THP in this kernel) is
// ignored: the memory works the same without.
func adviseHuge(b []byte) {
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	first := (start + hugePage - 1) &^ (hugePage - 1)
	end := (start + uintptr(len(b))) &^ (hugePage - 1)
	if end <= first {
		return
	}
	_ = unix.Madvise(b[first-start:end-start], unix.MADV_HUGEPAGE)
}
