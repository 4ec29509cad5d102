//go:build !linux

package nstest

import (
	"os"
	"testing"
)

// Main runs the tests in m and exits; call it from TestMain. On systems other
// than Linux there are no network namespaces, and New and NewNamed skip (or
// fail when CI is true).
func Main(m *testing.M) { os.Exit(m.Run()) }

func hint(bool) string { return "" }
