// Package procnet reads /proc/net/netlink, the kernel's table of open netlink sockets (af_netlink.c,
// netlink_seq_show), one line per socket, kernel sockets included:
//
//	sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
//	00000000f55748be 0   0          00000000 0        0        0     2        0        4
//
// Eth is the unit (protocol), Pid the portid (0 for a unit's kernel socket), Groups the first 32 multicast
// groups the socket joined, as a bitmask. The seed tutorial checks that its unit appears here once its module is
// loaded: a kernel socket with that Eth and Pid 0.
//
// The table is per network namespace: it lists the sockets of the namespace of the thread that reads it. Read
// reads /proc/thread-self/net/netlink, so inside netns.Do it lists that namespace; ReadNetNS does the entering.
// Parse takes the columns from the header line, so it reads the column sets of older kernels too (without Drops
// and Inode, or with the Dump callback printed as a pointer).
package procnet

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/nlkit/nlkit/netns"
)

// Socket is one line of /proc/net/netlink.
type Socket struct {
	// Sock is the "sk" column: the kernel address of the struct sock, hashed (%pK) or zero unless
	// kptr_restrict allows it. It tells sockets apart within one read.
	Sock uint64
	// Unit is "Eth": the netlink protocol (NETLINK_ROUTE, 17 for knetlink...).
	Unit int
	// PortID is "Pid": nl_pid, the socket's portid; 0 for the unit's kernel socket.
	PortID uint32
	// Groups is "Groups": the bitmask of the groups the socket joined among groups 1-32 (group g is bit g-1);
	// the kernel prints only this first word, so groups above 32 do not show.
	Groups uint32
	// Rmem and Wmem are "Rmem" and "Wmem": bytes queued to receive (sk_rmem_alloc) and being sent.
	Rmem, Wmem int64
	// Dump is "Dump": a dump is running on the socket (cb_running; older kernels printed the callback pointer).
	Dump bool
	// Locks is "Locks": the socket's reference count (sk_refcnt), despite the column's name.
	Locks int64
	// Drops is "Drops": datagrams dropped because the receive queue was full (sk_drops). Absent before 2.6.27.
	Drops uint64
	// Inode is "Inode": the socket's inode number, as in /proc/PID/fd/N -> socket:[Inode]. Absent before 2.6.32.
	Inode uint64
}

// Path is the table of the reading process's namespace; Read uses the reading thread's.
const Path = "/proc/net/netlink"

const threadPath = "/proc/thread-self/net/netlink"

// Read reads the netlink sockets of the calling thread's network namespace (/proc/thread-self/net/netlink,
// or /proc/self/net/netlink on kernels before 3.17). Inside netns.Do, that is the namespace Do entered.
func Read() ([]Socket, error) {
	s, err := ReadFile(threadPath)
	if errors.Is(err, os.ErrNotExist) {
		return ReadFile("/proc/self/net/netlink")
	}
	return s, err
}

// ReadNetNS reads the netlink sockets of network namespace h, entering it on a locked thread of its own
// (netns.Do); the calling thread does not move.
func ReadNetNS(h netns.NsHandle) ([]Socket, error) {
	var out []Socket
	err := netns.Do(h, func() error {
		var err error
		out, err = Read()
		return err
	})
	return out, err
}

// ReadFile parses a file in the format of /proc/net/netlink.
func ReadFile(path string) ([]Socket, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s, err := Parse(f)
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.Path = path
	}
	return s, err
}

// Errors a ParseError wraps.
var (
	// ErrNoHeader: the input is empty, or its first line does not name the Eth and Pid columns.
	ErrNoHeader = errors.New("no header line naming the Eth and Pid columns")
	// ErrFieldCount: a line has fewer fields than the header has columns.
	ErrFieldCount = errors.New("fewer fields than the header has columns")
	// ErrBadValue: a field is not a number of the column's kind.
	ErrBadValue = errors.New("bad value")
)

// ParseError reports a malformed line. errors.Is matches ErrNoHeader, ErrFieldCount or ErrBadValue.
type ParseError struct {
	// Path is the file read, when known.
	Path string
	// Line is the 1-based line number; the header is line 1.
	Line int
	// Column and Value are the column name and the text found, for ErrBadValue.
	Column, Value string
	// Text is the whole line.
	Text string
	// Err is ErrNoHeader, ErrFieldCount or ErrBadValue.
	Err error
}

// Error gives the file, the line, and what is wrong there.
func (e *ParseError) Error() string {
	where := "netlink sockets"
	if e.Path != "" {
		where = e.Path
	}
	if e.Column != "" {
		return fmt.Sprintf("%s:%d: %v in column %s: %q", where, e.Line, e.Err, e.Column, e.Value)
	}
	return fmt.Sprintf("%s:%d: %v: %q", where, e.Line, e.Err, e.Text)
}

// Unwrap returns the kind of error.
func (e *ParseError) Unwrap() error { return e.Err }

// Parse reads a table in the format of /proc/net/netlink. The columns are found by their names in the header;
// unknown columns are skipped and missing ones leave their fields zero, but Eth and Pid must be there.
// A malformed line gives a *ParseError and the sockets before it.
func Parse(r io.Reader) ([]Socket, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, err
		}
		return nil, &ParseError{Line: 1, Err: ErrNoHeader}
	}
	cols := strings.Fields(sc.Text())
	if !hasColumns(cols, "Eth", "Pid") {
		return nil, &ParseError{Line: 1, Text: sc.Text(), Err: ErrNoHeader}
	}
	var out []Socket
	line := 1
	for sc.Scan() {
		line++
		text := sc.Text()
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		if len(fields) < len(cols) {
			return out, &ParseError{Line: line, Text: text, Err: ErrFieldCount}
		}
		var s Socket
		for i, col := range cols {
			if err := s.set(col, fields[i]); err != nil {
				return out, &ParseError{Line: line, Column: col, Value: fields[i], Text: text, Err: ErrBadValue}
			}
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

func hasColumns(cols []string, names ...string) bool {
	for _, n := range names {
		found := false
		for _, c := range cols {
			found = found || c == n
		}
		if !found {
			return false
		}
	}
	return true
}

func (s *Socket) set(col, v string) error {
	var err error
	switch col {
	case "sk":
		s.Sock, err = parsePointer(v)
	case "Eth":
		var n int64
		n, err = strconv.ParseInt(v, 10, 32)
		s.Unit = int(n)
	case "Pid":
		var n uint64
		n, err = strconv.ParseUint(v, 10, 32)
		s.PortID = uint32(n)
	case "Groups":
		var n uint64
		n, err = strconv.ParseUint(v, 16, 32)
		s.Groups = uint32(n)
	case "Rmem":
		s.Rmem, err = strconv.ParseInt(v, 10, 64)
	case "Wmem":
		s.Wmem, err = strconv.ParseInt(v, 10, 64)
	case "Dump":
		// cb_running (0 or 1) since 3.x; before that the callback pointer, hex or "(null)".
		var n uint64
		if n, err = strconv.ParseUint(v, 10, 64); err != nil {
			n, err = parsePointer(v)
		}
		s.Dump = n != 0
	case "Locks":
		s.Locks, err = strconv.ParseInt(v, 10, 64)
	case "Drops":
		s.Drops, err = strconv.ParseUint(v, 10, 64)
	case "Inode":
		s.Inode, err = strconv.ParseUint(v, 10, 64)
	}
	return err
}

// parsePointer reads a %p / %pK field: hex digits, with or without 0x, or "(null)".
func parsePointer(v string) (uint64, error) {
	if v == "(null)" {
		return 0, nil
	}
	return strconv.ParseUint(strings.TrimPrefix(v, "0x"), 16, 64)
}

// Find returns the sockets of unit whose portid is portid (a kernel socket has portid 0).
func Find(socks []Socket, unit int, portid uint32) (Socket, bool) {
	for _, s := range socks {
		if s.Unit == unit && s.PortID == portid {
			return s, true
		}
	}
	return Socket{}, false
}

// Format writes socks as a table like the kernel's, with the unit's name beside its number where nlkit knows it:
//
//	Unit              PortID     Groups   Rmem     Wmem     Drops    Inode
//	0   route         1234       00000011 0        0        0        40001
func Format(w io.Writer, socks []Socket) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%-21s %-10s %-8s %-8s %-8s %-5s %-8s %s\n", "Unit", "PortID", "Groups", "Rmem", "Wmem",
		"Dump", "Drops", "Inode")
	for _, s := range socks {
		unit := strconv.Itoa(s.Unit)
		if n := UnitName(s.Unit); n != "" {
			unit = fmt.Sprintf("%-3d %s", s.Unit, n)
		}
		dump := 0
		if s.Dump {
			dump = 1
		}
		fmt.Fprintf(bw, "%-21s %-10d %08x %-8d %-8d %-5d %-8d %d\n", unit, s.PortID, s.Groups, s.Rmem, s.Wmem,
			dump, s.Drops, s.Inode)
	}
	return bw.Flush()
}

var unitNames = map[int]string{
	0: "route", 1: "unused", 2: "usersock", 3: "firewall", 4: "sock_diag", 5: "nflog", 6: "xfrm", 7: "selinux",
	8: "iscsi", 9: "audit", 10: "fib_lookup", 11: "connector", 12: "netfilter", 13: "ip6_fw", 14: "dnrtmsg",
	15: "kobject_uevent", 16: "generic", 18: "scsitransport", 19: "ecryptfs", 20: "rdma", 21: "crypto",
	22: "smc",
}

// UnitName is the lower-case NETLINK_* name of a unit ("route" for NETLINK_ROUTE, "generic" for
// NETLINK_GENERIC), or "" for a number <linux/netlink.h> does not name (17 among them: knetlink's).
func UnitName(unit int) string { return unitNames[unit] }
