package compat

import (
	"errors"
	"fmt"
	"io"
	"syscall"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/pcap"
	"github.com/nlkit/nlkit/proto"
)

// RtnlCtrlData is struct rtnl_ctrl_data: what RtnlListen knows about a message besides the message.
type RtnlCtrlData struct {
	// Nsid is the nsid of the network namespace the message came from, when the handle listens to all of them
	// (RtnlListenAllNsid); -1 for the socket's own namespace or when it does not.
	Nsid int
}

// RtnlListenFilter is rtnl_listen_filter_t. ctrl is nil for messages read by RtnlFromFile. A negative return
// stops RtnlListen, which returns it in a *CallbackError. n is valid only during the call.
type RtnlListenFilter func(ctrl *RtnlCtrlData, n *Nlmsghdr, arg any) int

// RtnlListen is rtnl_listen: it receives datagrams forever, the multicasts of the subscribed groups and anything
// else sent to the socket, and calls handler for each message. It returns when handler returns < 0, on a
// receive error, or when the handle is closed (nlkit.ErrClosed) or its Ctx is done. Lost multicasts (ENOBUFS)
// are reported to Warn and listening goes on, as in C. The nsid of each message is in ctrl when
// RTNL_HANDLE_F_LISTEN_ALL_NSID is set.
//
// Unlike C, messages sent by user processes rather than the kernel are dropped by nlkit on kernel units
// (nlkit.Config.AcceptUserSenders).
func RtnlListen(rth *RtnlHandle, handler RtnlListenFilter, jarg any) error {
	var n Nlmsghdr
	for {
		d, err := rth.recv()
		if err != nil {
			var te *nlkit.TruncatedError
			switch {
			case errors.As(err, &te):
				//lint:ignore ST1005 libnetlink's own words, as its callers print them
				return fmt.Errorf("Truncated message: %w", err)
			case errors.Is(err, syscall.ENOBUFS):
				rth.warn(fmt.Sprintf("netlink receive error %s (%d)", Strerror(syscall.ENOBUFS), int(syscall.ENOBUFS)))
				continue
			}
			return err
		}
		ctrl := RtnlCtrlData{Nsid: -1}
		if rth.Flags&RTNL_HANDLE_F_LISTEN_ALL_NSID != 0 && d.from.HasNSID {
			ctrl.Nsid = int(d.from.NSID)
		}
		it := proto.NewIter(d.data)
		for it.Next() {
			m := it.Message()
			n.set(m.Header, m.Data)
			if r := handler(&ctrl, &n, jarg); r < 0 {
				return &CallbackError{Value: r}
			}
		}
		if err := it.Err(); err != nil {
			return fmt.Errorf("!!!malformed message: %w", err)
		}
	}
}

// RtnlFromFile is rtnl_from_file: it reads the messages of a dump file (what RtnlDumpFilter writes to DumpFp,
// or iproute2's rtmon) and calls handler for each with a nil ctrl, as `ip monitor file FILE` does. It returns
// nil at the end of the file, a *CallbackError when handler returns < 0, and a *pcap.DumpError for a damaged
// file. Messages may be up to pcap.MaxDumpMessage long (C stops at 16 KiB).
func RtnlFromFile(r io.Reader, handler RtnlListenFilter, jarg any) error {
	d := pcap.NewDumpReader(r)
	var n Nlmsghdr
	for {
		m, err := d.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		n.set(m.Header, m.Data)
		if r := handler(nil, &n, jarg); r < 0 {
			return &CallbackError{Value: r}
		}
	}
}
