package netns_test

import (
	"testing"

	"github.com/nlkit/nlkit/netns/nstest"
)

// Without root, the tests run again inside a user namespace.
func TestMain(m *testing.M) { nstest.Main(m) }
