//go:build linux

package netns

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// runDirMu serialises the preparation of /run/netns within this process, so
// that concurrent NewNamed calls do not stack bind mounts on it. It is
// package-level because what it guards is: /run/netns and the mount table are
// one per process (per mount namespace), not per handle, so no value a caller
// holds could own the lock. It is the one mutable package-level variable of
// the library (see internal/pkgvars).
var runDirMu sync.Mutex

// NewNamed creates a new network namespace, like `ip netns add NAME`, and
// returns a handle to it. The namespace is bind-mounted on /run/netns/NAME, so
// it outlives the handle and the process, `ip netns list` shows it, and
// `ip -n NAME ...` works in it, until [DeleteNamed] removes it.
//
// As iproute2 does, NewNamed creates /run/netns if needed and makes it a
// shared mount point (mount --make-shared, first bind-mounting /run/netns on
// itself if it is not yet a mount point), so the namespace mounts propagate to
// mount namespaces created later, such as those of `ip netns exec`. It needs
// CAP_SYS_ADMIN and write access to /run/netns. The mounts are made in the
// caller's mount namespace. An existing name is an error that matches
// [fs.ErrExist].
func NewNamed(name string) (NsHandle, error) {
	path, err := namedPath(name)
	if err != nil {
		return NsHandle{}, err
	}
	if err := prepareRunDir(); err != nil {
		return NsHandle{}, err
	}
	// The mount point: an empty file, created exclusively, mode 0 as in iproute2.
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0)
	if err != nil {
		return NsHandle{}, fmt.Errorf("netns: creating namespace %q: %w", name, err)
	}
	f.Close()
	h, err := New()
	if err != nil {
		os.Remove(path)
		return NsHandle{}, err
	}
	err = h.control(func(fd int) error {
		src := fmt.Sprintf("/proc/self/fd/%d", fd)
		return unix.Mount(src, path, "none", unix.MS_BIND, "")
	})
	if err != nil {
		h.Close()
		os.Remove(path)
		return NsHandle{}, fmt.Errorf("netns: bind-mounting namespace on %s: %w", path, err)
	}
	return h, nil
}

// prepareRunDir creates /run/netns and makes it a shared mount, following
// iproute2's netns_add.
func prepareRunDir() error {
	runDirMu.Lock()
	defer runDirMu.Unlock()
	if err := os.MkdirAll(RunDir, 0o755); err != nil {
		return fmt.Errorf("netns: %w", err)
	}
	for bound := false; ; bound = true {
		err := unix.Mount("", RunDir, "none", unix.MS_SHARED|unix.MS_REC, "")
		if err == nil {
			return nil
		}
		if err != unix.EINVAL || bound {
			return fmt.Errorf("netns: making %s a shared mount: %w", RunDir, err)
		}
		// EINVAL: not a mount point yet. Bind-mount it on itself and retry.
		err = unix.Mount(RunDir, RunDir, "none", unix.MS_BIND|unix.MS_REC, "")
		if err != nil {
			return fmt.Errorf("netns: bind-mounting %s on itself: %w", RunDir, err)
		}
	}
}

// DeleteNamed removes the named namespace /run/netns/NAME, like
// `ip netns delete NAME`: it detaches the bind mount (umount2 with
// MNT_DETACH) and removes the file. The kernel frees the namespace once no
// process, descriptor, socket or other mount refers to it. A missing name is
// an error that matches [fs.ErrNotExist].
func DeleteNamed(name string) error {
	path, err := namedPath(name)
	if err != nil {
		return err
	}
	// EINVAL means the file is not a mount point: a leftover, remove it anyway.
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && err != unix.EINVAL {
		return fmt.Errorf("netns: deleting namespace %q: umount %s: %w", name, path, err)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("netns: deleting namespace %q: %w", name, err)
	}
	return nil
}

// ListNamed returns the names in /run/netns, sorted, like `ip netns list`.
// A missing /run/netns gives an empty list.
func ListNamed() ([]string, error) {
	entries, err := os.ReadDir(RunDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("netns: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}
