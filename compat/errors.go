package compat

import (
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

// Error is an error the kernel answered with (NLMSG_ERROR, or NLMSG_DONE carrying one). Its text is what
// iproute2 prints for it, so a ported tool that prints err.Error() to stderr prints the same:
//
//	RTNETLINK answers: File exists
//	Error: Nexthop device is not up.
//
// errors.Is(err, syscall.EEXIST) matches the errno, and errors.Is(err, &proto.Error{Errno: e}) too.
type Error struct {
	// Errno is the positive errno.
	Errno syscall.Errno
	// ExtAck is the kernel's extended acknowledgement, when it sent one.
	ExtAck proto.ExtAck
	// Request is the header of the request that failed (NLMSG_ERROR only).
	Request proto.Header
	// Done is true when the error came in NLMSG_DONE at the end of a dump.
	Done bool
	// Quiet is true where libnetlink prints nothing for the error: rtnl_talk_suppress_rtnl_errmsg, a dump on a
	// handle with RTNL_HANDLE_F_SUPPRESS_NLERR, ENOENT and EOPNOTSUPP ending a dump, and NETLINK_SOCK_DIAG.
	// The text is still there; a port that must print exactly what iproute2 prints skips quiet errors.
	Quiet bool

	text string
}

func (e *Error) Error() string { return e.text }

// Unwrap returns the errno.
func (e *Error) Unwrap() error { return e.Errno }

// Is matches a *proto.Error or *Error with the same errno.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case *proto.Error:
		return t.Errno == e.Errno
	case *Error:
		return t.Errno == e.Errno
	}
	return false
}

// Strerror is glibc's strerror(3) for errno: "File exists", "No such device", "Unknown error 1234".
// Go's syscall error strings are glibc's with the first letter lowered; Strerror restores it.
func Strerror(errno syscall.Errno) string {
	if errno == 0 {
		return "Success"
	}
	s := errno.Error()
	if strings.HasPrefix(s, "errno ") {
		return fmt.Sprintf("Unknown error %d", int(errno))
	}
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// extAckText is print_ext_ack_msg: "Error: msg." (a period added when msg lacks one), or "Warning: msg.".
func extAckText(isErr bool, msg string) string {
	kind := "Warning"
	if isErr {
		kind = "Error"
	}
	s := kind + ": " + msg
	if !strings.HasSuffix(msg, ".") {
		s += "."
	}
	return s
}

// missingAttr is the line nl_dump_ext_ack prints first when the kernel names a missing attribute.
func missingAttr(a *proto.ExtAck) string {
	if a.HasMissType {
		return fmt.Sprintf("Missing required attribute type %d\n", a.MissType)
	}
	return ""
}

// newTalkError builds the error rtnl_talk prints: the extended-ack message when there is one, else
// "RTNETLINK answers: <strerror>".
func newTalkError(a *proto.Ack, quiet bool) *Error {
	e := &Error{Errno: a.Errno, ExtAck: a.ExtAck, Request: a.Request, Quiet: quiet}
	if a.ExtAck.Msg != "" {
		e.text = missingAttr(&a.ExtAck) + extAckText(true, a.ExtAck.Msg)
	} else {
		e.text = missingAttr(&a.ExtAck) + "RTNETLINK answers: " + Strerror(a.Errno)
	}
	return e
}

// newDumpDoneError is rtnl_dump_done's reporting of an error in NLMSG_DONE.
func newDumpDoneError(a *proto.Ack) *Error {
	e := &Error{Errno: a.Errno, ExtAck: a.ExtAck, Done: true}
	switch {
	case a.ExtAck.Msg != "":
		e.text = extAckText(true, a.ExtAck.Msg)
	case a.Errno == syscall.EMSGSIZE:
		e.text = "Error: Buffer too small for object."
	default:
		e.text = "RTNETLINK answers: " + Strerror(a.Errno)
		e.Quiet = a.Errno == syscall.ENOENT || a.Errno == syscall.EOPNOTSUPP
	}
	return e
}

// newDumpError is rtnl_dump_error's reporting of an NLMSG_ERROR inside a dump: perror("RTNETLINK answers").
func newDumpError(a *proto.Ack, quiet bool) *Error {
	return &Error{Errno: a.Errno, ExtAck: a.ExtAck, Request: a.Request, Quiet: quiet,
		text: "RTNETLINK answers: " + Strerror(a.Errno)}
}

// CallbackError reports that a filter or listen callback returned a negative value, which libnetlink returns
// to its caller as it is.
type CallbackError struct {
	// Value is what the callback returned.
	Value int
}

func (e *CallbackError) Error() string { return fmt.Sprintf("callback returned %d", e.Value) }

func remnantErr(n int, err error) error { return fmt.Errorf("!!!Remnant of size %d: %w", n, err) }

// receiveError is libnetlink's "netlink receive error <strerror> (<errno>)" around a receive failure; a closed
// handle gives nlkit.ErrClosed as it is.
func receiveError(err error) error {
	if errors.Is(err, nlkit.ErrClosed) {
		return err
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return fmt.Errorf("netlink receive error %s (%d): %w", Strerror(errno), int(errno), err)
	}
	return fmt.Errorf("netlink receive error: %w", err)
}
