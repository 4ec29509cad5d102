//go:build linux

package netns

import (
	"errors"
	"fmt"
	"runtime"

	"golang.org/x/sys/unix"
)

// Set moves the calling thread into the network namespace h with setns(2)
// (nstype CLONE_NEWNET).
//
// Set is the low-level primitive, and most callers want [Do] instead. The
// caller must have locked its goroutine to the thread with
// [runtime.LockOSThread] and, before unlocking, must move the thread back to
// its original namespace. If that is impossible it must leave the thread
// locked and let the goroutine exit, so that the Go runtime terminates the
// thread rather than reusing it for other goroutines inside h.
func Set(h NsHandle) error {
	err := h.control(func(fd int) error { return unix.Setns(fd, unix.CLONE_NEWNET) })
	if err != nil {
		return fmt.Errorf("netns: setns(CLONE_NEWNET): %w", err)
	}
	return nil
}

// New creates a new, unnamed network namespace with unshare(CLONE_NEWNET) and
// returns a handle to it. The namespace lives until the handle is closed (and
// nothing else refers to it). A new namespace holds only a loopback link, lo,
// which is down.
//
// The unshare happens on a separate, locked thread that then returns to its
// original namespace; the calling goroutine's thread is never moved. Creating
// a namespace needs CAP_SYS_ADMIN in the caller's user namespace, and
// returning needs it in the user namespace that owns the original network
// namespace: a process inside a user namespace but still in the host's
// network namespace can create namespaces it can never come back from, and
// New then fails (and discards the thread) instead. nstest.Main avoids that by
// giving the test process a network namespace of its own.
func New() (NsHandle, error) {
	var h NsHandle
	err := onThread(
		func() error {
			if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
				return fmt.Errorf("netns: unshare(CLONE_NEWNET): %w", err)
			}
			return nil
		},
		func() (err error) {
			h, err = Get()
			return err
		})
	if err != nil {
		h.Close()
		return NsHandle{}, err
	}
	return h, nil
}

// Do runs fn inside the network namespace h and waits for it to return.
//
// fn runs on a new goroutine locked to its OS thread (runtime.LockOSThread),
// which enters h with setns(2) and afterwards moves back to the thread's
// original namespace. If moving back fails, the goroutine exits with the
// thread still locked so that the Go runtime terminates the thread (or, if it
// is the process's main thread, parks it for good): no goroutine ever runs on
// a thread left in h by Do. The calling goroutine's
// thread never changes namespace.
//
// Do behaves as if fn ran on the calling goroutine: it returns fn's error; if
// fn panics, Do panics with the same value; if fn calls runtime.Goexit (as
// testing's t.Fatal and t.Skip do), Do ends the calling goroutine the same
// way. Sockets fn opens stay in h; goroutines fn starts do not.
func Do(h NsHandle, fn func() error) error {
	return onThread(func() error { return Set(h) }, fn)
}

// result carries the outcome of fn from the locked goroutine to the caller.
type result struct {
	err        error // from enter or fn
	restoreErr error // the thread could not go back, and was discarded
	panicked   bool
	panicVal   any
	goexit     bool
}

// onThread runs enter and then fn on a fresh locked goroutine, restoring the
// thread's original network namespace afterwards (see Do).
func onThread(enter, fn func() error) error {
	ch := make(chan result, 1)
	go func() {
		var r result
		defer func() { ch <- r }() // runs last, also during Goexit
		runtime.LockOSThread()
		orig, err := Get()
		if err != nil {
			runtime.UnlockOSThread()
			r.err = fmt.Errorf("netns: opening the thread's namespace: %w", err)
			return
		}
		defer orig.Close()
		if err := enter(); err != nil {
			// setns and unshare leave the thread untouched when they fail.
			runtime.UnlockOSThread()
			r.err = err
			return
		}
		defer func() {
			if err := Set(orig); err != nil {
				// Leave the thread locked: when this goroutine exits the
				// runtime terminates it instead of reusing it.
				r.restoreErr = err
				return
			}
			runtime.UnlockOSThread()
		}()
		call(fn, &r)
	}()
	r := <-ch
	if r.panicked {
		panic(r.panicVal)
	}
	if r.goexit {
		runtime.Goexit()
	}
	if r.restoreErr != nil {
		return errors.Join(r.err, fmt.Errorf(
			"netns: restoring the thread's namespace (thread discarded): %w", r.restoreErr))
	}
	return r.err
}

// call runs fn, recording in r its error, its panic, or its runtime.Goexit.
func call(fn func() error, r *result) {
	normal := false
	defer func() {
		if normal {
			return
		}
		if r.panicVal = recover(); r.panicVal != nil {
			r.panicked = true // panic(nil) arrives as *runtime.PanicNilError
			return
		}
		r.goexit = true // runtime.Goexit: unwinding goes on after this
	}()
	r.err = fn()
	normal = true
}
