// Package nstest gives tests a fresh Linux network namespace each, so they can
// create links, addresses and routes without touching the host or each other.
//
//	func TestVeth(t *testing.T) {
//		ns := nstest.New(t) // lo is up; removed when the test ends
//		ns.Run(func() {
//			// Runs on a thread inside the namespace. Sockets opened here
//			// (netlink, IP) stay in the namespace after Run returns.
//		})
//	}
//
// [NewNamed] makes a namespace that iproute2 can see (/run/netns/NAME), so a
// test can check its work with `ip -n NAME ...`, or more simply with
// [NS.Output], which runs any command inside either kind of namespace.
//
// # Privileges
//
// Creating a network namespace needs CAP_SYS_ADMIN: as root everything works
// directly. Without it, call [Main] from TestMain: the test binary then runs
// itself again inside new user, mount and network namespaces (as
// `unshare -Urnm` would, where the kernel allows unprivileged user
// namespaces), where it may create network namespaces that belong to it.
// There, /run/netns is a private tmpfs, seen only by the test process and its
// children (including the `ip` commands it runs); that needs /run/netns to
// exist on the host, or [NewNamed] skips.
//
// When a namespace cannot be made, New and NewNamed skip the test with the
// reason, except when the environment variable CI is true (CI=true or CI=1):
// then they fail it, because a skipped test must never pass as green in CI.
// [Skipf] applies the same rule to a test's own prerequisites.
package nstest

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/netns"
)

// NS is a network namespace made for one test. It is removed when the test
// and its subtests end (testing.TB.Cleanup).
type NS struct {
	// Handle is the namespace. The test's cleanup closes it.
	Handle netns.NsHandle
	// Name is the name in /run/netns for NewNamed, and "" for New.
	Name string

	tb testing.TB
}

// New returns a new, unnamed network namespace (unshare(CLONE_NEWNET)) with
// its loopback link lo up. The namespace is freed when the test ends. If it
// cannot be made, New skips the test, or fails it when CI is true.
func New(tb testing.TB) *NS {
	tb.Helper()
	h, err := netns.New()
	if err != nil {
		Skipf(tb, "nstest: cannot create a network namespace: %v%s", err, hint(false))
	}
	tb.Cleanup(func() { h.Close() })
	ns := &NS{Handle: h, tb: tb}
	ns.loUp()
	return ns
}

// NewNamed returns a new network namespace with its loopback link lo up,
// bind-mounted on /run/netns/nlkit-test-XXXXXXXX (a random name) as
// `ip netns add` would, so `ip netns list` shows it and `ip -n NAME ...` works
// in it. The test's cleanup deletes it (`ip netns delete`). If it cannot be
// made, NewNamed skips the test, or fails it when CI is true.
func NewNamed(tb testing.TB) *NS {
	tb.Helper()
	var (
		h    netns.NsHandle
		name string
		err  error
	)
	for range 5 {
		name = "nlkit-test-" + randomHex(4)
		if h, err = netns.NewNamed(name); !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		Skipf(tb, "nstest: cannot create a named network namespace: %v%s", err, hint(true))
	}
	tb.Cleanup(func() {
		h.Close()
		if err := netns.DeleteNamed(name); err != nil {
			tb.Errorf("nstest: %v", err)
		}
	})
	ns := &NS{Handle: h, Name: name, tb: tb}
	ns.loUp()
	return ns
}

func (n *NS) loUp() {
	n.tb.Helper()
	if err := n.Do(func() error { return linkUp("lo") }); err != nil {
		n.tb.Fatalf("nstest: bringing lo up in %v: %v", n, err)
	}
}

// String returns the name, or the handle's description for an unnamed
// namespace.
func (n *NS) String() string {
	if n.Name != "" {
		return n.Name
	}
	return n.Handle.String()
}

// Do runs fn inside the namespace on a locked thread and returns its error;
// see [netns.Do]. fn may call t.Fatal or t.Skip.
func (n *NS) Do(fn func() error) error {
	return netns.Do(n.Handle, fn)
}

// Run runs fn inside the namespace on a locked thread, failing the test if
// the namespace cannot be entered or left. fn may call t.Fatal or t.Skip.
func (n *NS) Run(fn func()) {
	n.tb.Helper()
	if err := n.Do(func() error { fn(); return nil }); err != nil {
		n.tb.Fatalf("nstest: %v", err)
	}
}

// Output runs the command name with args inside the namespace and returns its
// standard output; the error includes its standard error. It works for named
// and unnamed namespaces alike: ns.Output("ip", "-j", "link", "show").
func (n *NS) Output(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	var stderr strings.Builder
	var stdout strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// The child inherits the namespace of the thread that forks it.
	if err := n.Do(cmd.Start); err != nil {
		return "", err
	}
	if err := cmd.Wait(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w: %s",
			name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// Skipf skips the test with the formatted reason, unless the environment
// variable CI is true (as strconv.ParseBool reads it: "true", "1", ...), in
// which case it fails the test: on CI a missing prerequisite is an error, not
// a pass.
func Skipf(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if ci, _ := strconv.ParseBool(os.Getenv("CI")); ci {
		tb.Fatalf(format+" (CI is true: failing instead of skipping)", args...)
	}
	tb.Skipf(format, args...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b)
}
