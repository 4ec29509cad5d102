//go:build linux

package netns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sys/unix"
)

// NsHandle is an open file descriptor on a network namespace: an nsfs file
// such as /proc/PID/ns/net, /proc/thread-self/ns/net or /run/netns/NAME.
// Holding it keeps the namespace alive, even when no process is inside it.
//
// The zero NsHandle refers to no namespace. Copies of a handle share one
// descriptor, and Close closes it for all of them. Like an [os.File], a handle
// that becomes unreachable is closed by the garbage collector, so keep the
// handle (not only the number from Fd) alive while the descriptor is in use.
type NsHandle struct {
	f *os.File
}

// Fd returns the file descriptor, or -1 for the zero or a closed handle.
func (h NsHandle) Fd() int {
	if h.f == nil {
		return -1
	}
	return int(h.f.Fd())
}

// IsOpen reports whether h holds an open descriptor.
func (h NsHandle) IsOpen() bool { return h.Fd() >= 0 }

// Close closes the descriptor. The namespace itself is freed by the kernel
// once nothing refers to it: no process, descriptor, socket or bind mount
// (such as /run/netns/NAME). Closing the zero or a closed handle returns nil.
func (h NsHandle) Close() error {
	if h.f == nil {
		return nil
	}
	if err := h.f.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("netns: close: %w", err)
	}
	return nil
}

// control runs fn with the raw descriptor, holding a reference so that a
// concurrent Close cannot release the descriptor while fn runs.
func (h NsHandle) control(fn func(fd int) error) error {
	if h.f == nil {
		return errors.New("zero NsHandle")
	}
	rc, err := h.f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

func (h NsHandle) stat() (unix.Stat_t, error) {
	var st unix.Stat_t
	err := h.control(func(fd int) error { return unix.Fstat(fd, &st) })
	return st, err
}

// Equal reports whether h and other refer to the same namespace, comparing the
// device and inode numbers of the nsfs files with fstat(2). Two descriptors
// opened on one namespace are Equal; a zero or closed handle equals nothing.
func (h NsHandle) Equal(other NsHandle) bool {
	a, err := h.stat()
	if err != nil {
		return false
	}
	b, err := other.stat()
	if err != nil {
		return false
	}
	return a.Dev == b.Dev && a.Ino == b.Ino
}

// UniqueID returns "NS(DEV:INODE)", the nsfs device and inode numbers that
// identify the namespace for as long as it lives; equal handles have equal
// IDs, so it can key a map. It returns "NS(unknown)" for a zero or closed
// handle.
func (h NsHandle) UniqueID() string {
	st, err := h.stat()
	if err != nil {
		return "NS(unknown)"
	}
	return fmt.Sprintf("NS(%d:%d)", st.Dev, st.Ino)
}

// String describes the handle as its descriptor and the namespace in the form
// readlink(2) shows for /proc/PID/ns/net, e.g. "NS(fd 7, net:[4026532281])".
func (h NsHandle) String() string {
	if h.f == nil {
		return "NS(none)"
	}
	st, err := h.stat()
	if err != nil {
		return "NS(closed)"
	}
	return fmt.Sprintf("NS(fd %d, net:[%d])", h.Fd(), st.Ino)
}

// Get returns the network namespace of the calling thread, opening
// /proc/thread-self/ns/net. Unless the goroutine is locked to its thread and
// has moved it, that is the namespace the process's threads share.
func Get() (NsHandle, error) {
	h, err := GetFromPath("/proc/thread-self/ns/net")
	if errors.Is(err, os.ErrNotExist) { // /proc/thread-self appeared in Linux 3.17
		return GetFromPath(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
	}
	return h, err
}

// GetFromPid returns the network namespace of process pid, /proc/PID/ns/net
// (the namespace of its thread-group leader).
func GetFromPid(pid int) (NsHandle, error) {
	return GetFromPath(fmt.Sprintf("/proc/%d/ns/net", pid))
}

// GetFromThread returns the network namespace of thread tid of process pid,
// /proc/PID/task/TID/ns/net.
func GetFromThread(pid, tid int) (NsHandle, error) {
	return GetFromPath(fmt.Sprintf("/proc/%d/task/%d/ns/net", pid, tid))
}

// GetFromName returns the named namespace /run/netns/NAME, as made by
// `ip netns add NAME` or [NewNamed].
func GetFromName(name string) (NsHandle, error) {
	path, err := namedPath(name)
	if err != nil {
		return NsHandle{}, err
	}
	return GetFromPath(path)
}

// GetFromPath opens path, which must be an nsfs file of a network namespace
// (checked with the NS_GET_NSTYPE ioctl where the kernel has it, Linux 4.11+),
// such as /proc/PID/ns/net or a bind mount of one.
func GetFromPath(path string) (NsHandle, error) {
	f, err := os.Open(path)
	if err != nil {
		return NsHandle{}, fmt.Errorf("netns: %w", err)
	}
	h := NsHandle{f: f}
	err = h.control(func(fd int) error {
		t, err := unix.IoctlRetInt(fd, unix.NS_GET_NSTYPE)
		if err == unix.ENOTTY {
			// Not nsfs, or a 32-bit program on a 64-bit kernel whose nsfs has no compat_ioctl (6.1 has
			// none): the link /proc/self/fd/N names a namespace's type ("net:[4026531840]").
			return nsTypeFromLink(path, fd)
		}
		switch {
		case err == nil && t != unix.CLONE_NEWNET:
			return fmt.Errorf("%s is not a network namespace (nstype %#x)", path, t)
		}
		return nil // other errors: an older kernel without NS_GET_NSTYPE
	})
	if err != nil {
		f.Close()
		return NsHandle{}, fmt.Errorf("netns: %w", err)
	}
	return h, nil
}

// namedPath checks name the way iproute2 does and returns /run/netns/NAME.
func namedPath(name string) (string, error) {
	if name == "" || name == "." || name == ".." || strings.ContainsRune(name, '/') ||
		len(name) >= unix.NAME_MAX {
		return "", fmt.Errorf("netns: invalid namespace name %q", name)
	}
	return filepath.Join(RunDir, name), nil
}

// nsTypeFromLink checks, by the name the kernel gives the open file, that fd is a network namespace.
func nsTypeFromLink(path string, fd int) error {
	l, err := os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
	typ, _, ok := strings.Cut(l, ":[")
	switch {
	case err != nil || !ok || !strings.HasSuffix(l, "]"):
		return fmt.Errorf("%s is not a namespace file", path)
	case typ == "net":
		return nil
	case slices.Contains([]string{"mnt", "pid", "pid_for_children", "uts", "ipc", "user", "cgroup", "time",
		"time_for_children"}, typ):
		return fmt.Errorf("%s is not a network namespace (%s)", path, l)
	}
	return fmt.Errorf("%s is not a namespace file", path)
}
