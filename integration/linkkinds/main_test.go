//go:build linux

package linkkinds

import (
	"testing"

	"github.com/nlkit/nlkit/netns/nstest"
)

func TestMain(m *testing.M) { nstest.Main(m) }
