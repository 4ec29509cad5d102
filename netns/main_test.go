package netns_test

import (
	"runtime"
	"testing"

	"github.com/nlkit/nlkit/netns/nstest"
)

// The main goroutine keeps the main thread to itself. The runtime terminates a thread Do could not move back
// when Do's goroutine exits, except the main thread, which it parks for good instead (a Linux process whose
// main thread exits is left a zombie): TestDoDiscardsThreadWhenRestoreFails looks for a terminated thread, so
// Do's goroutine must never run on the main thread here.
func init() { runtime.LockOSThread() }

// Without root, the tests run again inside a user namespace.
func TestMain(m *testing.M) { nstest.Main(m) }
