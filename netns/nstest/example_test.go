package nstest_test

import (
	"net"
	"os/exec"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/netns/nstest"
)

// In a test file this would be TestLoopback, next to
//
//	func TestMain(m *testing.M) { nstest.Main(m) } // runs without root too
//
// (TestExample in this package runs it.)
func testLoopback(t *testing.T) {
	ns := nstest.NewNamed(t) // removed when the test ends

	// Code inside Run sees the namespace: here only lo, and it is up.
	ns.Run(func() {
		lo, err := net.InterfaceByName("lo")
		if err != nil {
			t.Fatal(err)
		}
		if lo.Flags&net.FlagUp == 0 {
			t.Errorf("lo is down: %v", lo.Flags)
		}
	})

	// iproute2 as an oracle, by name.
	out, err := exec.Command("ip", "-n", ns.Name, "-o", "link", "show", "lo").CombinedOutput()
	if err != nil {
		t.Fatalf("ip -n %s link show lo: %v: %s", ns.Name, err, out)
	}
	if !strings.Contains(string(out), "UP") {
		t.Errorf("ip says lo is not up: %s", out)
	}
}

// A test that needs a network namespace of its own. nstest needs a
// *testing.T, so this example is only compiled; the same code runs as
// TestExample.
func Example() {
	_ = testLoopback
}
