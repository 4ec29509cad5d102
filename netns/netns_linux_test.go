package netns_test

import (
	"errors"
	"io/fs"
	"net"
	"runtime"
	"strings"
	"testing"

	"github.com/nlkit/nlkit/netns"
	"github.com/nlkit/nlkit/netns/nstest"
	"golang.org/x/sys/unix"
)

// newNS returns a new unnamed namespace closed at cleanup, skipping (failing
// on CI) where namespaces cannot be made.
func newNS(t *testing.T) netns.NsHandle {
	t.Helper()
	h, err := netns.New()
	if err != nil {
		nstest.Skipf(t, "cannot create a network namespace: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// threadNS returns the namespace of the calling goroutine's thread, locked.
func threadNS(t *testing.T) netns.NsHandle {
	t.Helper()
	h, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func TestNewHandle(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	host := threadNS(t)
	h, err := netns.New()
	if err != nil {
		nstest.Skipf(t, "cannot create a network namespace: %v", err)
	}
	if !h.IsOpen() || h.Fd() < 0 {
		t.Fatalf("new handle not open: %v", h)
	}
	if h.Equal(host) || h.UniqueID() == host.UniqueID() {
		t.Fatalf("new namespace %v equals the host's %v", h.UniqueID(), host.UniqueID())
	}
	if !h.Equal(h) || !strings.Contains(h.String(), "net:[") {
		t.Fatalf("handle not equal to itself, or bad String %q", h)
	}
	if !threadNS(t).Equal(host) {
		t.Fatal("New moved the calling thread")
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if h.IsOpen() || h.Fd() != -1 || h.Equal(h) || h.UniqueID() != "NS(unknown)" {
		t.Fatalf("closed handle still usable: %v fd %d", h, h.Fd())
	}
	var zero netns.NsHandle
	if zero.IsOpen() || zero.Fd() != -1 || zero.Equal(host) ||
		zero.String() != "NS(none)" || zero.Close() != nil {
		t.Fatal("zero handle misbehaves")
	}
	if err := netns.Set(zero); err == nil {
		t.Fatal("Set(zero handle) succeeded")
	}
}

func TestDoRunsInside(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	host := threadNS(t)
	h := newNS(t)
	err := netns.Do(h, func() error {
		cur, err := netns.Get()
		if err != nil {
			return err
		}
		defer cur.Close()
		if !cur.Equal(h) {
			t.Errorf("inside Do the thread is in %v, want %v", cur.UniqueID(), h.UniqueID())
		}
		ifs, err := net.Interfaces()
		if err != nil {
			return err
		}
		// A new namespace has only lo, and it is down.
		if len(ifs) != 1 || ifs[0].Name != "lo" || ifs[0].Flags&net.FlagUp != 0 {
			t.Errorf("interfaces in a new namespace: %+v", ifs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !threadNS(t).Equal(host) {
		t.Fatal("the calling thread is not in its original namespace after Do")
	}
	tid, err := netns.GetFromThread(unix.Getpid(), unix.Gettid())
	if err != nil {
		t.Fatal(err)
	}
	defer tid.Close()
	if !tid.Equal(host) {
		t.Fatal("GetFromThread disagrees with Get")
	}
}

func TestDoOutcomes(t *testing.T) {
	h := newNS(t)
	want := errors.New("from fn")
	if err := netns.Do(h, func() error { return want }); err != want {
		t.Fatalf("Do returned %v, want fn's error", err)
	}
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Fatalf("recovered %v, want the panic value of fn", p)
			}
		}()
		netns.Do(h, func() error { panic("boom") })
		t.Fatal("Do returned after fn panicked")
	}()
	done, after := make(chan struct{}), false
	go func() {
		defer close(done)
		netns.Do(h, func() error { runtime.Goexit(); return nil })
		after = true
	}()
	<-done
	if after {
		t.Fatal("Do returned after fn called runtime.Goexit")
	}
	// t.Skip inside fn must end the test goroutine as a skip (not as a stray
	// runtime.Goexit, which testing reports as a failure).
	var sub *testing.T
	t.Run("SkipInsideDo", func(t *testing.T) {
		sub = t
		netns.Do(h, func() error { t.Skip("intended: checks that t.Skip works inside Do"); return nil })
		t.Fatal("Do returned after fn called t.Skip")
	})
	if !sub.Skipped() || sub.Failed() {
		t.Fatalf("subtest skipped %v, failed %v; want a skip", sub.Skipped(), sub.Failed())
	}
	if err := netns.Do(netns.NsHandle{}, func() error { t.Error("fn ran"); return nil }); err == nil {
		t.Fatal("Do with a zero handle succeeded")
	}
}

func TestGetFrom(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	host := threadNS(t)
	self, err := netns.GetFromPid(unix.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	defer self.Close()
	if !self.Equal(host) {
		t.Fatalf("GetFromPid(self) = %v, thread = %v", self.UniqueID(), host.UniqueID())
	}
	if p, err := netns.GetFromPath("/proc/self/ns/net"); err != nil || !p.Equal(host) {
		t.Fatalf("GetFromPath(/proc/self/ns/net) = %v, %v", p, err)
	} else {
		p.Close()
	}
	for path, want := range map[string]string{
		"/proc/self/ns/mnt": "not a network namespace",
		"/proc/self/status": "not a namespace file",
	} {
		if _, err := netns.GetFromPath(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("GetFromPath(%s) = %v, want %q", path, err, want)
		}
	}
	if _, err := netns.GetFromPath("/nonexistent"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("GetFromPath(/nonexistent) = %v, want ErrNotExist", err)
	}
	if _, err := netns.GetFromPid(-5); err == nil {
		t.Error("GetFromPid(-5) succeeded")
	}
}
