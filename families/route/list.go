//go:build linux

package route

import (
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/internal/mem"
	"github.com/nlkit/nlkit/proto"
)

// list runs the dumps that dump would stream and returns the objects f keeps as one slice, repeating the whole
// dump while the kernel reports NLM_F_DUMP_INTR, at most s.c.retries more times (then a *nlkit.DumpInterruptedError with the last attempt's objects in Results).
// This is the one place where an interrupted dump is retried.
//
// While the dump runs, objects whose messages are smaller than their decoded form (a route of the usual kind
// is about 48 bytes of payload against 96 as a Route) are only kept as payloads, packed one after another.
// When the dump has ended the number of objects is known: the slice is made once, of that size, and the
// payloads are decoded straight into it, in parallel on GOMAXPROCS goroutines for a large dump. So every object
// is written once and nothing is regrown; at the peak the memory held is the slice and the packed payloads.
// Objects whose messages are larger than their decoded form (a link's are about twice its Link) are decoded as
// they come instead, into chunks copied into the slice at the end: the decoding then overlaps the kernel's work
// (see nlkit.Conn.Dump), and the chunks take less memory than the payloads would. Which of the two applies is
// decided from the first packCheck messages.
//
// The objects are appended to dst. As long as dst has room they are decoded straight into it as they come, so a
// slice reused from an earlier list (see LinkService.ListInto) costs no new memory and no page faults, and
// its decoding overlaps the kernel's work; what does not fit goes the ways above.
func (s service[T, P]) list(ctx context.Context, dst []T, f filter[T], emptyOnENOENT bool, req []byte,
	more ...[]byte) ([]T, error) {
	l := s.caches.list.Swap(nil)
	if l == nil {
		l = &listRun[T, P]{}
		l.init(s.typ, l.add, l.failed)
		l.what, l.size = msgTypeName(s.typ), mem.SizeOf[T]()
	}
	l.w.arena.Spare = &s.caches.spare
	l.f = f
	defer func() {
		l.w.release()
		l.f, l.direct, l.early = nil, nil, decodedChunks[T]{}
		s.caches.list.Store(l)
	}()
	for attempt := 1; ; attempt++ {
		l.w.reset()
		l.intr, l.ferr, l.derr = nil, nil, nil
		l.early, l.packing, l.direct = decodedChunks[T]{}, true, dst
		l.run(ctx, s, emptyOnENOENT, req, more)
		out, perr := decodePacked[T, P](l.direct, &l.w, f, l.decode, l.what, l.early.n)
		if perr != nil {
			return out, perr // it comes before anything that ended the dump
		}
		out = l.early.appendTo(out)
		switch {
		case l.derr != nil:
			return out, l.derr
		case l.ferr != nil:
			return out, l.ferr
		case l.intr == nil:
			return out, nil
		case attempt > s.c.retries:
			ie := &nlkit.DumpInterruptedError{Attempts: attempt, Results: out}
			var last *nlkit.DumpInterruptedError
			if errors.As(l.intr, &last) {
				ie.Sequence = last.Sequence
			}
			return out, ie
		}
	}
}

// listRun is the state of one list: the dump's run, the payloads packed so far, the objects decoded so far into
// dst's room (direct) and into chunks (early), and what ended the dump. A finished one waits in its service's
// caches for the next list.
type listRun[T any, P object[T]] struct {
	dumpRun[T, P]
	what             string // the message type, for a *DecodeError
	size             int    // the size of a T
	f                filter[T]
	w                packed
	early            decodedChunks[T]
	packing          bool
	direct           []T   // dst and the objects decoded into its room
	intr, ferr, derr error // NLM_F_DUMP_INTR, another error that ended a dump, a payload that did not decode
}

// failed records the error that ended one dump: an interrupted one goes on to the next request (and the whole
// list is then retried), any other ends the list.
func (l *listRun[T, P]) failed(err error) bool {
	if errors.Is(err, nlkit.ErrDumpInterrupted) {
		l.intr = err
		return true
	}
	l.ferr = err
	return false
}

// add takes one payload: decoded into dst's room while it lasts, then packed or decoded into a chunk (see list).
func (l *listRun[T, P]) add(b []byte) bool {
	if len(l.direct) < cap(l.direct) {
		l.direct = l.direct[:len(l.direct)+1]
		v := &l.direct[len(l.direct)-1]
		if err := l.decode(v, b); err != nil {
			l.direct = l.direct[:len(l.direct)-1]
			l.derr = decodeError(l.what, err)
			return false
		}
		if !l.f.match(v) {
			l.direct = l.direct[:len(l.direct)-1]
		}
		return true
	}
	if l.packing {
		l.w.add(b)
		if l.w.n == packCheck && l.w.bytes > l.w.n*(l.size+4) {
			l.packing = false
		}
		return true
	}
	v := l.early.next()
	if err := l.decode(v, b); err != nil {
		l.early.drop()
		l.derr = decodeError(l.what, err)
		return false
	}
	if !l.f.match(v) {
		l.early.drop()
	}
	return true
}

// packCheck is the number of messages after which list decides whether packing pays (see list).
const packCheck = 16

// decodedChunks holds objects decoded during a dump, in chunks that grow to 4096 objects.
type decodedChunks[T any] struct {
	full [][]T
	cur  []T
	n    int
}

// next returns a place for the next object, counted until drop.
func (d *decodedChunks[T]) next() *T {
	if len(d.cur) == cap(d.cur) {
		if d.cur != nil {
			d.full = append(d.full, d.cur)
		}
		d.cur = make([]T, 0, min(max(16, 2*cap(d.cur)), 4096))
	}
	d.cur = d.cur[:len(d.cur)+1]
	d.n++
	return &d.cur[len(d.cur)-1]
}

// drop takes back the last object next gave; the next one overwrites it whole.
func (d *decodedChunks[T]) drop() {
	d.cur = d.cur[:len(d.cur)-1]
	d.n--
}

// appendTo appends the objects in order.
func (d *decodedChunks[T]) appendTo(out []T) []T {
	for _, c := range d.full {
		out = append(out, c...)
	}
	return append(out, d.cur...)
}

// packed holds message payloads back to back, each after its length (4 bytes, native order) and padded to 4
// bytes, in chunks that grow from 4 KiB to 1 MiB.
type packed struct {
	chunks []packedChunk
	n      int
	bytes  int       // bytes of the payloads and their lengths
	arena  mem.Arena // the memory of the chunks past arenaFrom bytes
}

// arenaFrom is the size from which packed keeps payloads in an arena, outside the Go heap, instead of the Go heap:
// a large List then gives the memory back as soon as it returns, instead of leaving it to the garbage collector.
const arenaFrom = 1 << 20

// packedChunk is one chunk: b holds n payloads, the first of which is payload number first of the whole.
type packedChunk struct {
	b     []byte
	n     int
	first int
}

const (
	packedMin = 4 << 10
	packedMax = 1 << 20
)

func (w *packed) reset() {
	w.chunks = w.chunks[:0]
	w.n = 0
	w.bytes = 0
	w.arena.Reset()
}

// release returns the memory of w's large chunks to the system (or to the arena's spare).
func (w *packed) release() {
	w.arena.Release()
	w.chunks = nil
}

func (w *packed) add(p []byte) {
	need := 4 + proto.AttrAlign(len(p))
	k := len(w.chunks)
	if k == 0 || cap(w.chunks[k-1].b)-len(w.chunks[k-1].b) < need {
		w.grow(need)
		k++
	}
	c := &w.chunks[k-1]
	c.b = binary.NativeEndian.AppendUint32(c.b, uint32(len(p)))
	c.b = append(c.b, p...)
	c.b = append(c.b, make([]byte, need-4-len(p))...) // at most 3 bytes; append of a zeroed slice does not allocate
	c.n++
	w.n++
	w.bytes += need
}

// grow starts a chunk with room for at least need bytes: from the Go heap while the dump is small, then from
// an arena of its own.
func (w *packed) grow(need int) {
	size := packedMin
	if k := len(w.chunks); k > 0 {
		size = min(2*cap(w.chunks[k-1].b), packedMax)
	}
	size = max(size, need)
	var b []byte
	if w.bytes+size > arenaFrom {
		b = w.arena.Take(size)
	}
	if b == nil {
		b = make([]byte, 0, size)
	}
	w.chunks = append(w.chunks, packedChunk{b: b[:0], first: w.n})
}

// parallelMin is the size of packed payloads from which decodePacked spreads the work over goroutines (some
// 10,000 routes, or 350 links).
const parallelMin = 512 << 10

// decodePacked appends every payload of w, decoded by decode, to dst, keeping those f matches, with room left for
// extra more. Without that room in dst it makes one slice for them all. A payload that does not decode ends the
// result before it, with a *DecodeError naming what (the message type). A large w is decoded on several
// goroutines, which decode with UnmarshalBinary (decode need not be safe for concurrent use).
func decodePacked[T any, P object[T]](dst []T, w *packed, f filter[T], decode func(*T, []byte) error, what string,
	extra int) ([]T, error) {
	if w.n+extra == 0 {
		return dst, nil
	}
	base := len(dst)
	var all []T
	if cap(dst)-base >= w.n+extra {
		all = dst[:base+w.n]
	} else {
		size := base + w.n + extra
		if cap(dst) > 0 {
			// A caller's slice that is too small for this dump is likely reused for the next one, which may be
			// a little larger: leave room, as append does when it grows a slice.
			size += size / 8
		}
		all = make([]T, base+w.n, size)
		// A large result is bound by first-touch page faults: let the kernel back it with huge pages.
		if cap(all)*mem.SizeOf[T]() >= mem.HugePage {
			mem.AdviseHuge(mem.Bytes(all))
		}
		copy(all, dst)
	}
	out := all[base:]
	if w.n == 0 {
		return all, nil
	}
	kept := make([]int, len(w.chunks))
	errs := make([]error, len(w.chunks))
	decodeChunk := func(i int, decode func(*T, []byte) error) {
		c := &w.chunks[i]
		dst := out[c.first : c.first+c.n]
		k := 0
		for b := c.b; len(b) > 0; {
			l := int(binary.NativeEndian.Uint32(b))
			p := b[4 : 4+l]
			b = b[4+proto.AttrAlign(l):]
			if err := decode(&dst[k], p); err != nil {
				errs[i] = decodeError(what, err)
				break
			}
			if f.match(&dst[k]) {
				k++
			}
		}
		kept[i] = k
	}
	workers := min(runtime.GOMAXPROCS(0), len(w.chunks))
	if w.bytes < parallelMin || workers < 2 {
		for i := range w.chunks {
			if decodeChunk(i, decode); errs[i] != nil {
				break
			}
		}
	} else {
		decode := func(v *T, b []byte) error { return P(v).UnmarshalBinary(b) }
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers - 1 {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < len(w.chunks); i = int(next.Add(1) - 1) {
					decodeChunk(i, decode)
				}
			})
		}
		for i := int(next.Add(1) - 1); i < len(w.chunks); i = int(next.Add(1) - 1) {
			decodeChunk(i, decode)
		}
		wg.Wait()
	}
	// Close the gaps that rejected objects left, in order, up to the first payload that did not decode.
	n := 0
	var err error
	for i := range w.chunks {
		c := &w.chunks[i]
		if c.first != n {
			copy(out[n:], out[c.first:c.first+kept[i]])
		}
		n += kept[i]
		if err = errs[i]; err != nil {
			break
		}
	}
	clear(out[n:])
	return all[:base+n], err
}
