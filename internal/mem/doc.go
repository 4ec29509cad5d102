// Package mem holds nlkit's memory tricks, so that the unsafe, mmap and madvise calls they need sit in one place
// with their own tests: an Arena of anonymous mappings outside the Go heap for bytes that live as long as one
// call, a Spare that keeps one mapping between such calls, and the MADV_HUGEPAGE advice for large slices.
//
// Nothing here is process-wide: a Spare belongs to whoever owns it (a route Client's service) and is unmapped
// by its Close.
package mem
