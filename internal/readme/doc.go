// Package readme holds the test that keeps the repository's README.md honest: its first Go example must
// build and pass go vet as a program of its own that requires this module, and its Install section must name
// the Go version go.mod declares. It has no code of its own.
package readme
