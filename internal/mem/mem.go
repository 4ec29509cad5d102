package mem

import "unsafe"

// HugePage is the size of a transparent huge page on amd64 and arm64 with 4 KiB pages.
const HugePage = 2 << 20

// SizeOf is the size in bytes of a T.
func SizeOf[T any]() int {
	var zero T
	return int(unsafe.Sizeof(zero))
}

// Bytes returns the memory of s (its whole capacity) as bytes, for AdviseHuge. T must hold no Go pointers that
// the caller then writes through the bytes.
func Bytes[T any](s []T) []byte {
	if cap(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s[:1]))), uintptr(cap(s))*unsafe.Sizeof(zero))
}

// start is the address of b's first byte.
func start(b []byte) uintptr { return uintptr(unsafe.Pointer(unsafe.SliceData(b))) }
