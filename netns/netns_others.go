//go:build !linux

package netns

// NsHandle refers to a network namespace on Linux. On this system it is
// always the zero handle; see the Linux documentation.
type NsHandle struct{}

// Fd returns -1: there are no network namespaces on this system.
func (NsHandle) Fd() int { return -1 }

// IsOpen returns false: there are no network namespaces on this system.
func (NsHandle) IsOpen() bool { return false }

// Close does nothing and returns nil.
func (NsHandle) Close() error { return nil }

// Equal returns false: there are no network namespaces on this system.
func (NsHandle) Equal(NsHandle) bool { return false }

// UniqueID returns "NS(unknown)".
func (NsHandle) UniqueID() string { return "NS(unknown)" }

// String returns "NS(none)".
func (NsHandle) String() string { return "NS(none)" }

// Get returns [ErrNotSupported] (Linux: the thread's /proc/thread-self/ns/net).
func Get() (NsHandle, error) { return NsHandle{}, ErrNotSupported }

// GetFromPid returns [ErrNotSupported] (Linux: /proc/PID/ns/net).
func GetFromPid(int) (NsHandle, error) { return NsHandle{}, ErrNotSupported }

// GetFromThread returns [ErrNotSupported] (Linux: /proc/PID/task/TID/ns/net).
func GetFromThread(int, int) (NsHandle, error) { return NsHandle{}, ErrNotSupported }

// GetFromName returns [ErrNotSupported] (Linux: /run/netns/NAME).
func GetFromName(string) (NsHandle, error) { return NsHandle{}, ErrNotSupported }

// GetFromPath returns [ErrNotSupported] (Linux: an nsfs file).
func GetFromPath(string) (NsHandle, error) { return NsHandle{}, ErrNotSupported }

// New returns [ErrNotSupported] (Linux: unshare(CLONE_NEWNET)).
func New() (NsHandle, error) { return NsHandle{}, ErrNotSupported }

// NewNamed returns [ErrNotSupported] (Linux: `ip netns add`, /run/netns/NAME).
func NewNamed(string) (NsHandle, error) { return NsHandle{}, ErrNotSupported }

// DeleteNamed returns [ErrNotSupported] (Linux: `ip netns delete`).
func DeleteNamed(string) error { return ErrNotSupported }

// ListNamed returns [ErrNotSupported] (Linux: the names in /run/netns).
func ListNamed() ([]string, error) { return nil, ErrNotSupported }

// Set returns [ErrNotSupported] (Linux: setns(2) with CLONE_NEWNET).
func Set(NsHandle) error { return ErrNotSupported }

// Do returns [ErrNotSupported] without calling fn (Linux: runs fn inside the
// namespace on a locked thread).
func Do(NsHandle, func() error) error { return ErrNotSupported }
