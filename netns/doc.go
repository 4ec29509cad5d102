// Package netns creates, opens, enters and removes Linux network namespaces.
//
// A network namespace (CLONE_NEWNET, see network_namespaces(7)) is the kernel
// object that owns a set of links, addresses, routes, neighbours, rules and
// sockets. Userspace names one with a file descriptor opened on an nsfs file:
// /proc/PID/ns/net, /proc/thread-self/ns/net, or a bind mount of one of those
// such as /run/netns/NAME, where iproute2's `ip netns add` keeps named
// namespaces. An [NsHandle] wraps such a descriptor.
//
// # Threads
//
// The kernel tracks the network namespace per thread, not per process, and
// setns(2) moves only the calling thread. The Go scheduler moves goroutines
// between threads freely, so entering a namespace is only meaningful on a
// thread locked with [runtime.LockOSThread], and a thread left in a foreign
// namespace would silently run unrelated goroutines there.
//
// [Do] is the safe way in: it runs a function on a fresh goroutine locked to
// its thread, enters the namespace, runs the function, and restores the
// thread's original namespace. If that restore fails the thread stays locked,
// the goroutine exits, and the Go runtime terminates the thread instead of
// handing it back to the scheduler. [New] and [NewNamed] use the same
// discipline; the calling goroutine's own thread is never moved. [Set] is the
// low-level setns(2) call for callers who manage the thread themselves.
//
// Sockets are bound to the namespace they were created in: a netlink or IP
// socket opened inside [Do] keeps working in that namespace after Do returns,
// from any goroutine. That is usually the best way to work in a namespace:
// enter briefly to open a socket, then use the socket from anywhere.
//
// Goroutines started by the function given to [Do] do not inherit the
// namespace; they run on other threads in the original namespace.
//
// Package [github.com/nlkit/nlkit/netns/nstest] builds on this package to give
// tests a fresh namespace each.
//
// On systems other than Linux every function returns [ErrNotSupported].
package netns

import "errors"

// ErrNotSupported is returned by every function of this package on systems
// other than Linux, which have no network namespaces (CLONE_NEWNET).
var ErrNotSupported = errors.New("netns: network namespaces are only supported on Linux")

// RunDir is the directory where named namespaces live, iproute2's
// NETNS_RUN_DIR: /run/netns/NAME is a bind mount of an nsfs file, made by
// `ip netns add NAME` or [NewNamed].
const RunDir = "/run/netns"
