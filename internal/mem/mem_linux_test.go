//go:build linux

package mem

import (
	"testing"
)

func TestArenaTakeResetRelease(t *testing.T) {
	var a Arena
	b := a.Take(100)
	if b == nil || len(b) != 0 || cap(b) != 100 || a.Mappings() != 1 {
		t.Fatalf("Take(100): len %d cap %d, %d mappings", len(b), cap(b), a.Mappings())
	}
	b = append(b, "hello"...)
	c := a.Take(MapSize - 100) // the rest of the first mapping
	if a.Mappings() != 1 || start(c) != start(b)+100 {
		t.Fatalf("the second Take did not follow the first in the same mapping (%d mappings)", a.Mappings())
	}
	big := a.Take(MapSize + 1) // larger than a mapping: one of its own, rounded to huge pages
	if a.Mappings() != 2 || cap(big) != MapSize+1 {
		t.Fatalf("%d mappings, cap %d", a.Mappings(), cap(big))
	}
	big = append(big, 1)
	if big[0] != 1 {
		t.Fatal("the large mapping does not hold what was written")
	}
	a.Reset()
	if a.Mappings() != 1 {
		t.Fatalf("Reset kept %d mappings, want 1", a.Mappings())
	}
	again := a.Take(10)
	if start(again) != start(b) {
		t.Fatal("after Reset the first mapping is not handed out from its start")
	}
	if string(b[:5]) != "hello" {
		t.Fatal("Reset changed the memory")
	}
	a.Release()
	if a.Mappings() != 0 || a.Take(1) == nil {
		t.Fatal("Release kept mappings, or the arena cannot be used again")
	}
	a.Release()
}

func TestSpareLendsOneMappingAtATime(t *testing.T) {
	var s Spare
	a := Arena{Spare: &s}
	_ = append(a.Take(4096), "payload"...)
	first := start(a.maps[0])
	a.Release()
	if p, ok := s.Held(); !ok || p != first {
		t.Fatal("the released mapping did not become the spare")
	}
	// The next arena gets it; one that asks meanwhile maps its own.
	a2, a3 := Arena{Spare: &s}, Arena{Spare: &s}
	b2, b3 := a2.Take(4096), a3.Take(4096)
	if start(b2) != first || start(b3) == first {
		t.Fatal("the spare was not handed out exactly once")
	}
	if _, ok := s.Held(); ok {
		t.Fatal("the spare is still held while lent")
	}
	b2 = append(b2, "next"...)
	b3 = append(b3, "other"...)
	if string(b2) != "next" || string(b3) != "other" {
		t.Fatal("arena memory does not hold what was written")
	}
	a2.Release()
	a3.Release() // the spare already holds a2's mapping: a3's is unmapped
	if p, ok := s.Held(); !ok || p != first {
		t.Fatal("the spare changed")
	}
	s.Close()
	if _, ok := s.Held(); ok {
		t.Fatal("Close kept the mapping")
	}
	a4 := Arena{Spare: &s}
	a4.Take(10)
	a4.Release()
	if _, ok := s.Held(); ok {
		t.Fatal("a closed Spare took a mapping")
	}
}

func TestArenaLargerThanASpareIsNotKept(t *testing.T) {
	var s Spare
	a := Arena{Spare: &s}
	a.Take(MapSize + HugePage)
	a.Release()
	if _, ok := s.Held(); ok {
		t.Fatal("a mapping of another size became the spare")
	}
}

func TestAdviseHuge(t *testing.T) {
	// Any slice is accepted: empty, smaller than a huge page, unaligned.
	AdviseHuge(nil)
	AdviseHuge(make([]byte, 10))
	b := make([]byte, 3*HugePage+123)
	AdviseHuge(b[7:])
	b[len(b)-1] = 1
}

func TestSizeOfAndBytes(t *testing.T) {
	type pair struct{ a, b uint32 }
	if SizeOf[pair]() != 8 || SizeOf[byte]() != 1 {
		t.Fatal("SizeOf")
	}
	s := make([]pair, 2, 5)
	b := Bytes(s)
	if len(b) != 40 || start(b) != start(Bytes(s[:0])) {
		t.Fatalf("Bytes: %d bytes", len(b))
	}
	b[0] = 7
	if s[0].a != 7 && s[0].a != 7<<24 || s[0].b != 0 {
		t.Fatal("Bytes does not alias the slice")
	}
	if Bytes([]pair(nil)) != nil {
		t.Fatal("Bytes of nil")
	}
}
