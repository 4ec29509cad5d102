package compat

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/proto"
)

// RtnlFilter is rtnl_filter_t: called for each message of a dump with the argument given to RtnlDumpFilter.
// A negative return aborts the dump; RtnlDumpFilter returns it in a *CallbackError. n is valid only during
// the call.
type RtnlFilter func(n *Nlmsghdr, arg any) int

// RtnlErrHndlr is rtnl_err_hndlr_t: called for an error in a dump (NLMSG_ERROR, or NLMSG_DONE carrying an
// errno); it returns a mask of RTNL_LET_NLERR, RTNL_SUPPRESS_NLMSG_DONE_NLERR, RTNL_SUPPRESS_NLMSG_ERROR_NLERR.
type RtnlErrHndlr func(n *Nlmsghdr, arg any) int

// RtnlDumpFilterArg is struct rtnl_dump_filter_arg.
type RtnlDumpFilterArg struct {
	Filter   RtnlFilter
	Arg1     any
	Errhndlr RtnlErrHndlr
	Arg2     any
	// NcFlags are cleared from each message's flags before it is looked at: NLM_F_DUMP_INTR here makes an
	// interrupted dump succeed.
	NcFlags uint16
}

// RtnlDumpFilter is the rtnl_dump_filter macro: it reads the replies to the dump request just sent and calls
// filter for each, until NLMSG_DONE. See RtnlDumpFilterL for the rules.
func RtnlDumpFilter(rth *RtnlHandle, filter RtnlFilter, arg any) error {
	return RtnlDumpFilterNc(rth, filter, arg, 0)
}

// RtnlDumpFilterNc is rtnl_dump_filter_nc: RtnlDumpFilter with ncFlags cleared from each message's flags.
func RtnlDumpFilterNc(rth *RtnlHandle, filter RtnlFilter, arg any, ncFlags uint16) error {
	return RtnlDumpFilterL(rth, []RtnlDumpFilterArg{{Filter: filter, Arg1: arg, NcFlags: ncFlags}})
}

// RtnlDumpFilterErrhndlr is the rtnl_dump_filter_errhndlr macro: RtnlDumpFilter with an error handler.
func RtnlDumpFilterErrhndlr(rth *RtnlHandle, filter RtnlFilter, arg1 any, errhndlr RtnlErrHndlr, arg2 any) error {
	return RtnlDumpFilterErrhndlrNc(rth, filter, arg1, errhndlr, arg2, 0)
}

// RtnlDumpFilterErrhndlrNc is rtnl_dump_filter_errhndlr_nc.
func RtnlDumpFilterErrhndlrNc(rth *RtnlHandle, filter RtnlFilter, arg1 any, errhndlr RtnlErrHndlr, arg2 any,
	ncFlags uint16) error {
	return RtnlDumpFilterL(rth, []RtnlDumpFilterArg{{Filter: filter, Arg1: arg1, Errhndlr: errhndlr, Arg2: arg2,
		NcFlags: ncFlags}})
}

// RtnlDumpFilterL is rtnl_dump_filter_l: it reads datagrams until one holds the NLMSG_DONE of the dump, and runs
// each filter of args (up to the first with a nil Filter) over the messages of each datagram, with libnetlink's
// rules:
//
//   - a message is skipped unless it comes from the kernel (sender portid 0), is addressed to this socket
//     (nlmsg_pid == Local.PortID) and belongs to this dump (nlmsg_seq == Dump);
//   - NLMSG_DONE ends the dump; an errno in it is returned as an *Error (unless the error handler says
//     RTNL_SUPPRESS_NLMSG_DONE_NLERR);
//   - NLMSG_ERROR ends the dump with an *Error (unless the error handler says RTNL_SUPPRESS_NLMSG_ERROR_NLERR,
//     which skips it);
//   - a filter returning < 0 ends the dump with a *CallbackError holding that value;
//   - with DumpFp set, each datagram is written to it and the filters are not called;
//   - when any message carried NLM_F_DUMP_INTR (not cleared by NcFlags), the dump still runs to the end and
//     a *nlkit.DumpInterruptedError (errors.Is nlkit.ErrDumpInterrupted) is returned, where C prints a warning
//     and returns 0.
func RtnlDumpFilterL(rth *RtnlHandle, args []RtnlDumpFilterArg) error {
	intr := false
	var n Nlmsghdr
	for {
		d, err := rth.recv()
		if err != nil {
			var te *nlkit.TruncatedError
			if errors.As(err, &te) {
				return fmt.Errorf("Message truncated: %w", err)
			}
			return err
		}
		if rth.DumpFp != nil {
			if _, err := rth.DumpFp.Write(padded(d.data)); err != nil {
				return err
			}
		}
		foundDone := false
		var remnant error
		for _, a := range args {
			if a.Filter == nil {
				break
			}
			it := proto.NewIter(d.data)
		msgs:
			for it.Next() {
				m := it.Message()
				m.Header.Flags &^= a.NcFlags
				if d.from.Addr.PortID != 0 || m.Header.PortID != rth.Local.PortID || m.Header.Sequence != rth.Dump {
					continue
				}
				if m.Header.Flags&proto.FlagDumpIntr != 0 {
					intr = true
				}
				n.set(m.Header, m.Data)
				switch m.Header.Type {
				case proto.TypeDone:
					if err := rth.dumpDone(&n, &a); err != nil {
						return err
					}
					foundDone = true
					break msgs
				case proto.TypeError:
					if err := rth.dumpError(&n, &a); err != nil {
						return err
					}
					continue
				}
				if rth.DumpFp == nil {
					if r := a.Filter(&n, a.Arg1); r < 0 {
						return &CallbackError{Value: r}
					}
				}
			}
			if err := it.Err(); err != nil && remnant == nil {
				remnant = remnantErr(len(d.data)-it.Offset(), err)
			}
		}
		if foundDone {
			if intr {
				return &nlkit.DumpInterruptedError{Sequence: rth.Dump, Attempts: 1}
			}
			return nil
		}
		if remnant != nil {
			return remnant
		}
	}
}

// padded returns b extended with zeros to NLMSG_ALIGNTO, as rtnl_dump_filter_l writes NLMSG_ALIGN(status)
// bytes of its receive buffer.
func padded(b []byte) []byte {
	if p := proto.Align(len(b)); p != len(b) {
		return append(b[:len(b):len(b)], make([]byte, p-len(b))...)
	}
	return b
}

// dumpDone is rtnl_dump_done.
func (rth *RtnlHandle) dumpDone(n *Nlmsghdr, a *RtnlDumpFilterArg) error {
	if n.Len < uint32(proto.Length(4)) || len(n.Data()) < 4 {
		return errors.New("DONE truncated")
	}
	ack, _ := proto.ParseAck(n.Message())
	if ack.Errno != 0 {
		if a.Errhndlr != nil && a.Errhndlr(n, a.Arg2)&RTNL_SUPPRESS_NLMSG_DONE_NLERR != 0 {
			return nil
		}
		return newDumpDoneError(&ack)
	}
	if ack.ExtAck.Msg != "" {
		rth.warn(extAckText(false, ack.ExtAck.Msg))
	}
	return nil
}

// dumpError is rtnl_dump_error: nil to skip the message, an error to end the dump.
func (rth *RtnlHandle) dumpError(n *Nlmsghdr, a *RtnlDumpFilterArg) error {
	if n.Len < uint32(proto.Length(4+proto.HeaderLen)) || len(n.Data()) < 4+proto.HeaderLen {
		return errors.New("ERROR truncated")
	}
	ack, _ := proto.ParseAck(n.Message())
	quiet := rth.Flags&RTNL_HANDLE_F_SUPPRESS_NLERR != 0
	if rth.Proto == netlinkSockDiag && (ack.Errno == syscall.ENOENT || ack.Errno == syscall.EOPNOTSUPP) {
		quiet = true
	} else if a.Errhndlr != nil && a.Errhndlr(n, a.Arg2)&RTNL_SUPPRESS_NLMSG_ERROR_NLERR != 0 {
		return nil
	}
	return newDumpError(&ack, quiet)
}
