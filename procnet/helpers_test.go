package procnet_test

import (
	"bufio"
	"fmt"
	"io"

	"github.com/nlkit/nlkit/procnet"
)

var bufioTooLong = bufio.ErrTooLong

// fmtLine prints s as netlink_seq_show does.
func fmtLine(w io.Writer, s procnet.Socket, dump int) {
	fmt.Fprintf(w, "%016x %-3d %-10d %08x %-8d %-8d %-5d %-8d %-8d %-8d\n", s.Sock, s.Unit, s.PortID, s.Groups,
		s.Rmem, s.Wmem, dump, s.Locks, s.Drops, s.Inode)
}
