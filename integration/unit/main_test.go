// Package unit_test exercises the socket core and the custom-unit family on real netlink sockets, each test in
// a fresh network namespace of its own.
package unit_test

import (
	"os"
	"testing"

	"github.com/nlkit/nlkit/netns/nstest"
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		// The test binary run as a helper process (as another uid): see runHelper.
		os.Exit(runHelper(mode))
	}
	nstest.Main(m)
}
