package nlkit

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/nlkit/nlkit/proto"
)

// ErrDumpInterrupted is matched (errors.Is) by a *DumpInterruptedError: the kernel set NLM_F_DUMP_INTR on a dump
// because the data changed while it was being dumped, so the result may be inconsistent.
var ErrDumpInterrupted = errors.New("netlink: dump interrupted (NLM_F_DUMP_INTR): the result may be inconsistent")

// ErrNilContext is returned by every method of nlkit and of its families that takes a context.Context when it is
// given a nil one (Dump and the other iterators yield it): nothing is sent or received. The rule is the same
// everywhere: pass context.Background() (or context.TODO()) for no deadline.
var ErrNilContext = errors.New("netlink: nil context.Context: pass context.Background() for no deadline")

// ErrClosed is returned by operations on a closed Conn, including a Receive that Close unblocked.
var ErrClosed = errors.New("netlink: use of closed connection")

// DumpInterruptedError reports that a dump finished with NLM_F_DUMP_INTR set on at least one message: the data
// changed while it was dumped, so the result may be inconsistent. It is the one form of NLM_F_DUMP_INTR in
// nlkit and its families: the root package's Dump returns it after delivering every message (the caller decides
// whether to retry), and the families' listings that retry return it when every attempt was interrupted, with
// the last attempt's objects in Results. errors.Is(err, ErrDumpInterrupted) matches it.
type DumpInterruptedError struct {
	// Sequence is the nlmsg_seq of the (last) dump request.
	Sequence uint32
	// Attempts is the number of dumps made: 1 when nothing retried.
	Attempts int
	// Results holds the last attempt's objects when a listing that collects them gave up (a []route.Link from
	// route's LinkService.List, for example); nil from a Dump, which delivered them as it went.
	Results any
}

func (e *DumpInterruptedError) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("netlink: dump interrupted by concurrent changes %d times in a row (NLM_F_DUMP_INTR): "+
			"the last result may be inconsistent", e.Attempts)
	}
	return fmt.Sprintf("netlink: dump seq %d interrupted (NLM_F_DUMP_INTR): the result may be inconsistent", e.Sequence)
}

// Is matches ErrDumpInterrupted.
func (e *DumpInterruptedError) Is(target error) bool { return target == ErrDumpInterrupted }

// UnitError reports that a netlink unit (protocol) is not registered in the kernel: socket(2) gave
// EPROTONOSUPPORT. errors.Is(err, syscall.EPROTONOSUPPORT) matches.
type UnitError struct {
	Unit int
	Err  error
}

func (e *UnitError) Error() string {
	return fmt.Sprintf("netlink unit %d is not registered in this kernel: a kernel module must register it "+
		"with netlink_kernel_create (%v)", e.Unit, e.Err)
}

// Unwrap returns the errno.
func (e *UnitError) Unwrap() error { return e.Err }

// NoPeerError reports a unicast to a portid no socket holds: sendmsg(2) gave ECONNREFUSED.
// errors.Is(err, syscall.ECONNREFUSED) matches.
type NoPeerError struct {
	Unit   int
	PortID uint32
}

func (e *NoPeerError) Error() string {
	return fmt.Sprintf("netlink unit %d: no such peer: no socket holds portid %d (%v)", e.Unit, e.PortID, syscall.ECONNREFUSED)
}

// Unwrap returns ECONNREFUSED.
func (e *NoPeerError) Unwrap() error { return syscall.ECONNREFUSED }

// GroupPermissionError reports EPERM when joining or sending to a multicast group: on most units that needs
// CAP_NET_ADMIN in the socket's user namespace (run as root, or inside a user namespace that owns the network
// namespace). errors.Is(err, syscall.EPERM) matches.
type GroupPermissionError struct {
	Unit  int
	Group uint32
	Op    string
	Err   error
}

func (e *GroupPermissionError) Error() string {
	return fmt.Sprintf("netlink unit %d: %s group %d not permitted: needs CAP_NET_ADMIN, or a user namespace "+
		"that owns the network namespace (%v)", e.Unit, e.Op, e.Group, e.Err)
}

// Unwrap returns the errno.
func (e *GroupPermissionError) Unwrap() error { return e.Err }

// OpError is the error of an operation, in nlkit and in every family: a system call, or a request named by its
// kernel message and object ("RTM_NEWROUTE 10.0.0.0/24", "RTM_GETLINK v0"). The kernel's refusal is its cause
// (a *proto.Error: errors.Is(err, unix.EEXIST) matches), as is a context's error or ErrNilContext.
type OpError struct {
	// Op names the operation.
	Op string
	// Unit is the netlink unit of the socket (NETLINK_ROUTE is 0).
	Unit int
	// Family names the package that made the request ("tc"); when empty, the unit's name stands for it
	// ("route" for NETLINK_ROUTE, "netlink unit N" otherwise).
	Family string
	// Err is the cause.
	Err error
}

// Error prints "FAMILY: OP: CAUSE".
func (e *OpError) Error() string {
	switch {
	case e.Family != "":
		return e.Family + ": " + e.Op + ": " + fmt.Sprint(e.Err)
	case e.Unit == 0: // NETLINK_ROUTE
		return "route: " + e.Op + ": " + fmt.Sprint(e.Err)
	}
	return fmt.Sprintf("netlink unit %d: %s: %v", e.Unit, e.Op, e.Err)
}

// Unwrap returns the cause.
func (e *OpError) Unwrap() error { return e.Err }

// TruncatedError reports a datagram larger than the receive buffer: the kernel cut it (MSG_TRUNC) and
// the rest is lost. The Conn doubles its buffer (up to 1 MiB) so the next one fits.
type TruncatedError struct {
	// Size is the datagram's real size, Buffer the size of the buffer that received it.
	Size, Buffer int
	From         Sockaddr
}

func (e *TruncatedError) Error() string {
	return fmt.Sprintf("netlink: datagram of %d bytes from portid %d truncated to the %d-byte receive buffer (MSG_TRUNC)",
		e.Size, e.From.PortID, e.Buffer)
}

// Is matches &proto.MessageError{Kind: proto.ErrTruncatedDatagram}.
func (e *TruncatedError) Is(target error) bool {
	t, ok := target.(*proto.MessageError)
	return ok && t.Kind == proto.ErrTruncatedDatagram
}

// ReceiveError reports a malformed datagram: the Conn stays usable. Err is a *proto.MessageError.
type ReceiveError struct {
	From Sockaddr
	Err  error
}

func (e *ReceiveError) Error() string {
	return fmt.Sprintf("netlink: malformed datagram from portid %d: %v", e.From.PortID, e.Err)
}

// Unwrap returns the decoding error.
func (e *ReceiveError) Unwrap() error { return e.Err }

// ErrBusy is matched (errors.Is) by a *BusyError.
var ErrBusy = errors.New("netlink: connection busy with another request")

// BusyError reports a request (Execute, Dump) that could not have the Conn's socket: either it was made from
// inside the loop body of a Dump on the same Conn (Nested), which holds the socket until the loop ends, or it
// waited for another request until its context ended (Err is then the context's error, which errors.Is matches
// too: context.DeadlineExceeded or context.Canceled). errors.Is(err, ErrBusy) matches both.
type BusyError struct {
	Unit int
	// Nested is set when the request came from the loop body of a dump on the same Conn.
	Nested bool
	// Err is the context's error when the request gave up waiting; nil when Nested.
	Err error
}

func (e *BusyError) Error() string {
	if e.Nested {
		return fmt.Sprintf("netlink unit %d: request made inside a dump's loop on the same connection: the socket "+
			"is held until the loop ends; collect the dump first, or use a second connection", e.Unit)
	}
	return fmt.Sprintf("netlink unit %d: gave up waiting for another request on the connection: %v", e.Unit, e.Err)
}

// Is matches ErrBusy.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// Unwrap returns the context's error, or nil.
func (e *BusyError) Unwrap() error { return e.Err }
