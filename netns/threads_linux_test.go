package netns_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nlkit/nlkit/netns"
	"golang.org/x/sys/unix"
)

// strayThreads returns the threads of this process that are not in the
// namespace host, as "TID net:[INODE]".
func strayThreads(t *testing.T, host netns.NsHandle) []string {
	t.Helper()
	want, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(host.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	tasks, err := filepath.Glob("/proc/self/task/*/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	var stray []string
	for _, p := range tasks {
		got, err := os.Readlink(p)
		if err != nil {
			continue // the thread exited
		}
		if got != want {
			stray = append(stray, filepath.Base(filepath.Dir(filepath.Dir(p)))+" "+got)
		}
	}
	return stray
}

// TestManyDoLeaveNoThreadBehind runs many concurrent Do calls in several
// namespaces, then a goroutine-heavy workload, and checks that every thread
// of the process, and every goroutine's view, is in the host namespace.
func TestManyDoLeaveNoThreadBehind(t *testing.T) {
	host, err := netns.GetFromPid(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	nss := make([]netns.NsHandle, 4)
	for i := range nss {
		nss[i] = newNS(t)
	}

	var wg sync.WaitGroup
	for i := range 400 {
		wg.Go(func() {
			h := nss[i%len(nss)]
			err := netns.Do(h, func() error {
				cur, err := netns.Get()
				if err != nil {
					return err
				}
				defer cur.Close()
				if !cur.Equal(h) {
					return errors.New("Do ran fn outside the namespace")
				}
				runtime.Gosched()
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	// New goroutines, many on fresh threads, must all see the host namespace.
	for range 200 {
		wg.Go(func() {
			runtime.LockOSThread() // a blocking hold forces more threads
			defer runtime.UnlockOSThread()
			cur, err := netns.Get()
			if err != nil {
				t.Error(err)
				return
			}
			defer cur.Close()
			if !cur.Equal(host) {
				t.Errorf("goroutine on thread %d is in %v, host is %v",
					unix.Gettid(), cur.UniqueID(), host.UniqueID())
			}
			time.Sleep(time.Millisecond)
		})
	}
	wg.Wait()
	if stray := strayThreads(t, host); len(stray) > 0 {
		t.Fatalf("threads outside the host namespace: %v", stray)
	}
	cur, err := netns.Get()
	if err != nil {
		t.Fatal(err)
	}
	defer cur.Close()
	if !cur.Equal(host) || host.UniqueID() != cur.UniqueID() {
		t.Fatal("the host namespace handle changed")
	}
}

// TestDoDiscardsThreadWhenRestoreFails drops CAP_SYS_ADMIN on the locked
// thread inside fn, so that setns back to the original namespace fails, and
// checks that Do reports it and the thread never returns to the scheduler.
func TestDoDiscardsThreadWhenRestoreFails(t *testing.T) {
	host, err := netns.GetFromPid(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	defer host.Close()
	h := newNS(t)
	var tid int
	err = netns.Do(h, func() error {
		tid = unix.Gettid()
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		var data [2]unix.CapUserData
		if err := unix.Capget(&hdr, &data[0]); err != nil {
			return err
		}
		data[0].Effective &^= 1 << unix.CAP_SYS_ADMIN // this thread only
		return unix.Capset(&hdr, &data[0])
	})
	if err == nil {
		t.Fatal("Do succeeded although the thread could not return")
	}
	t.Logf("Do: %v", err)
	task := "/proc/self/task/" + strconv.Itoa(tid)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := os.Stat(task); errors.Is(err, os.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("thread %d still exists after Do could not restore it", tid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if stray := strayThreads(t, host); len(stray) > 0 {
		t.Fatalf("threads outside the host namespace: %v", stray)
	}
}
