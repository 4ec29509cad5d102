// Package unit_test exercises the socket core and the custom-unit family on real netlink sockets, each test in
// a fresh network namespace of its own.
package unit_test

import (
	"testing"

	"github.com/nlkit/nlkit/netns/nstest"
)

func TestMain(m *testing.M) { nstest.Main(m) }
