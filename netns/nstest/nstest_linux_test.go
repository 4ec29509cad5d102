package nstest_test

import (
	"errors"
	"io/fs"
	"net"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/netns"
	"github.com/nlkit/nlkit/netns/nstest"
)

func TestExample(t *testing.T) { testLoopback(t) }

// loState returns lo's flags and the number of links, from inside ns.
func loState(t *testing.T, ns *nstest.NS) (net.Flags, int) {
	t.Helper()
	var flags net.Flags
	var n int
	ns.Run(func() {
		ifs, err := net.Interfaces()
		if err != nil {
			t.Fatal(err)
		}
		lo, err := net.InterfaceByName("lo")
		if err != nil {
			t.Fatal(err)
		}
		flags, n = lo.Flags, len(ifs)
	})
	return flags, n
}

func TestNewBringsLoUp(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	host, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()

	ns := nstest.New(t)
	if ns.Name != "" || ns.Handle.Equal(host) {
		t.Fatalf("New gave %v (name %q), host is %v", ns.Handle.UniqueID(), ns.Name, host.UniqueID())
	}
	flags, n := loState(t, ns)
	if flags&net.FlagUp == 0 || flags&net.FlagLoopback == 0 || n != 1 {
		t.Fatalf("lo flags %v, %d links; want lo up and alone", flags, n)
	}
	// Commands run by Output start inside the namespace.
	out, err := ns.Output("readlink", "/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	inode := strings.TrimSpace(out) // "net:[4026532281]"
	if !strings.HasSuffix(ns.Handle.String(), ", "+inode+")") {
		t.Fatalf("a command run by Output is in %s; the namespace is %s", out, ns.Handle)
	}
	if out, err := ns.Output("ip", "-o", "link", "show", "lo"); err != nil {
		nstest.Skipf(t, "ip: %v", err)
	} else if !strings.Contains(out, "LOOPBACK,UP") {
		t.Fatalf("ip link show lo inside: %s", out)
	}
	if other := nstest.New(t); other.Handle.Equal(ns.Handle) {
		t.Fatal("two New calls gave the same namespace")
	}
	if cur, _ := netns.Get(); !cur.Equal(host) {
		t.Fatal("the test's thread left its namespace")
	} else {
		cur.Close()
	}
}

func ipNetnsList(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("ip", "netns", "list").CombinedOutput()
	if err != nil {
		nstest.Skipf(t, "ip netns list: %v: %s", err, out)
	}
	return string(out)
}

func TestNewNamedLifecycle(t *testing.T) {
	var name string
	t.Run("Create", func(t *testing.T) {
		ns := nstest.NewNamed(t)
		name = ns.Name
		if !strings.HasPrefix(name, "nlkit-test-") || ns.String() != name {
			t.Fatalf("name %q", name)
		}
		if !slices.Contains(strings.Fields(ipNetnsList(t)), name) {
			t.Fatalf("ip netns list does not show %s", name)
		}
		byName, err := netns.GetFromName(name)
		if err != nil {
			t.Fatal(err)
		}
		defer byName.Close()
		if !byName.Equal(ns.Handle) {
			t.Fatal("GetFromName disagrees with the handle")
		}
		if flags, n := loState(t, ns); flags&net.FlagUp == 0 || n != 1 {
			t.Fatalf("lo flags %v, %d links", flags, n)
		}
		out, err := exec.Command("ip", "-n", name, "-o", "addr", "show", "lo").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "127.0.0.1/8") {
			t.Fatalf("ip -n %s addr show lo: %v: %s", name, err, out)
		}
	})
	if name == "" {
		return // skipped
	}
	// The subtest's cleanup deleted it.
	if slices.Contains(strings.Fields(ipNetnsList(t)), name) {
		t.Fatalf("%s still listed after the test ended", name)
	}
	if _, err := netns.GetFromName(name); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("GetFromName(%s) after cleanup = %v", name, err)
	}
}

func TestParallelNamespaces(t *testing.T) {
	for _, name := range []string{"a", "b", "c", "d"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ns := nstest.New(t)
			if flags, n := loState(t, ns); flags&net.FlagUp == 0 || n != 1 {
				t.Fatalf("lo flags %v, %d links", flags, n)
			}
		})
	}
}

func TestDoError(t *testing.T) {
	ns := nstest.New(t)
	want := errors.New("inside")
	if err := ns.Do(func() error { return want }); err != want {
		t.Fatalf("Do = %v, want %v", err, want)
	}
	if _, err := ns.Output("/nonexistent-command"); err == nil {
		t.Fatal("Output of a missing command succeeded")
	}
}
