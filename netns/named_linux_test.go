package netns_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/netns"
	"github.com/nlkit/nlkit/netns/nstest"
)

// ipNetnsList returns the names `ip netns list` prints, or skips without ip.
func ipNetnsList(t *testing.T) []string {
	t.Helper()
	if _, err := exec.LookPath("ip"); err != nil {
		nstest.Skipf(t, "iproute2 is not installed: %v", err)
	}
	out, err := exec.Command("ip", "netns", "list").CombinedOutput()
	if err != nil {
		t.Fatalf("ip netns list: %v: %s", err, out)
	}
	var names []string
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) > 0 {
			names = append(names, f[0]) // "NAME (id: 3)"
		}
	}
	return names
}

func TestNamedLifecycle(t *testing.T) {
	name := fmt.Sprintf("nlkit-netns-test-%d", os.Getpid())
	h, err := netns.NewNamed(name)
	if err != nil {
		nstest.Skipf(t, "cannot create a named network namespace: %v", err)
	}
	defer h.Close()
	deleted := false
	defer func() {
		if !deleted {
			netns.DeleteNamed(name)
		}
	}()

	if !slices.Contains(ipNetnsList(t), name) {
		t.Fatalf("ip netns list does not show %s", name)
	}
	if names, err := netns.ListNamed(); err != nil || !slices.Contains(names, name) {
		t.Fatalf("ListNamed() = %v, %v; want it to hold %s", names, err, name)
	}
	byName, err := netns.GetFromName(name)
	if err != nil {
		t.Fatal(err)
	}
	defer byName.Close()
	if !byName.Equal(h) {
		t.Fatalf("GetFromName = %v, NewNamed gave %v", byName.UniqueID(), h.UniqueID())
	}
	// iproute2 enters it: a new namespace has lo, down.
	out, err := exec.Command("ip", "-n", name, "-o", "link", "show").CombinedOutput()
	if err != nil || strings.Count(string(out), "\n") != 1 || !strings.Contains(string(out), "lo:") {
		t.Fatalf("ip -n %s link show: %v\n%s", name, err, out)
	}
	if _, err := netns.NewNamed(name); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("NewNamed(existing) = %v, want ErrExist", err)
	}

	if err := netns.DeleteNamed(name); err != nil {
		t.Fatal(err)
	}
	deleted = true
	if slices.Contains(ipNetnsList(t), name) {
		t.Fatalf("ip netns list still shows %s after DeleteNamed", name)
	}
	if _, err := netns.GetFromName(name); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("GetFromName after delete = %v, want ErrNotExist", err)
	}
	if err := netns.DeleteNamed(name); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("DeleteNamed twice = %v, want ErrNotExist", err)
	}
	// An open handle keeps the namespace alive after the name is gone.
	if err := netns.Do(h, func() error { return nil }); err != nil {
		t.Fatalf("Do in a deleted but held namespace: %v", err)
	}
}

func TestNamedInvalid(t *testing.T) {
	for _, name := range []string{"", ".", "..", "a/b", "../etc", strings.Repeat("x", 300)} {
		if _, err := netns.NewNamed(name); err == nil || !strings.Contains(err.Error(), "invalid") {
			t.Errorf("NewNamed(%q) = %v, want an invalid-name error", name, err)
		}
		if _, err := netns.GetFromName(name); err == nil {
			t.Errorf("GetFromName(%q) succeeded", name)
		}
		if err := netns.DeleteNamed(name); err == nil {
			t.Errorf("DeleteNamed(%q) succeeded", name)
		}
	}
}
