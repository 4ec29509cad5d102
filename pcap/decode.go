package pcap

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/nlkit/nlkit/proto"
)

// DecodeOptions tune Decode.
type DecodeOptions struct {
	// Names returns the type namer for a netlink unit, used to print message types by name. Nil uses
	// TypeNamer, which knows NETLINK_ROUTE.
	Names func(unit int) proto.TypeNamer
}

// Decode prints the capture or dump file read from r to w, message by message with proto's formatter:
// a pcap capture (told by its magic number) record by record, each record introduced by a line giving its
// number, time, unit, sender and receiver; anything else as a libnetlink dump file of NETLINK_ROUTE messages.
// A damaged file is printed up to the damage, and the error returned.
func Decode(w io.Writer, r io.Reader) error { return DecodeWith(w, r, DecodeOptions{}) }

// DecodeFile is Decode on the file at path.
func DecodeFile(w io.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return Decode(w, f)
}

// DecodeWith is Decode with options.
func DecodeWith(w io.Writer, r io.Reader, opts DecodeOptions) error {
	names := opts.Names
	if names == nil {
		names = TypeNamer
	}
	br := bufio.NewReader(r)
	head, _ := br.Peek(4)
	if IsCapture(head) {
		return decodeCapture(w, br, names)
	}
	return decodeDump(w, br, names(0))
}

// IsCapture reports whether b starts with a pcap magic number.
func IsCapture(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	for _, m := range []uint32{binary.LittleEndian.Uint32(b), binary.BigEndian.Uint32(b)} {
		if m == magicMicro || m == magicNano {
			return true
		}
	}
	return false
}

func decodeCapture(w io.Writer, r io.Reader, names func(int) proto.TypeNamer) error {
	rd, err := NewReader(r)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	for i := 1; ; i++ {
		rec, err := rd.Next()
		if err == io.EOF {
			return bw.Flush()
		}
		if err != nil {
			bw.Flush()
			return err
		}
		fmt.Fprintf(bw, "#%d %s %s %s, %d bytes", i, rec.Time.UTC().Format("2006-01-02 15:04:05.000000"),
			UnitName(rec.Unit), direction(rec), rec.OrigLen)
		if rec.OrigLen > len(rec.Data) {
			fmt.Fprintf(bw, " (%d captured)", len(rec.Data))
		}
		bw.WriteString("\n")
		if s := proto.FormatDatagram(rec.Data, names(rec.Unit)); s != "" {
			bw.WriteString(s)
			bw.WriteString("\n")
		}
	}
}

func direction(r Record) string {
	peer := func(p uint32) string {
		if p == 0 {
			return "kernel"
		}
		return "portid " + strconv.FormatUint(uint64(p), 10)
	}
	if r.HasAddr {
		return peer(r.From) + " -> " + peer(r.To)
	}
	if r.PacketType == PacketKernel {
		return "to kernel"
	}
	return "to user"
}

func decodeDump(w io.Writer, r io.Reader, name proto.TypeNamer) error {
	d := NewDumpReader(r)
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	var out []byte
	for i := 1; ; i++ {
		m, err := d.Next()
		if err == io.EOF {
			return bw.Flush()
		}
		if err != nil {
			bw.Flush()
			return err
		}
		out = append(out[:0], '#')
		out = strconv.AppendInt(out, int64(i), 10)
		out = append(out, '\n')
		out = proto.AppendFormat(out, m, name)
		bw.Write(out)
	}
}

// UnitName names a netlink unit as <linux/netlink.h> does, in lower case without NETLINK_: "route",
// "generic"; unknown units are "unit N".
func UnitName(unit int) string {
	if n, ok := unitNames[unit]; ok {
		return n
	}
	return "unit " + strconv.Itoa(unit)
}

var unitNames = map[int]string{
	0: "route", 1: "unused", 2: "usersock", 3: "firewall", 4: "sock_diag", 5: "nflog", 6: "xfrm", 7: "selinux",
	8: "iscsi", 9: "audit", 10: "fib_lookup", 11: "connector", 12: "netfilter", 13: "ip6_fw", 14: "dnrtmsg",
	15: "kobject_uevent", 16: "generic", 18: "scsitransport", 19: "ecryptfs", 20: "rdma", 21: "crypto",
	22: "smc",
}

// TypeNamer returns the namer of message types for a unit: RTM_* names for NETLINK_ROUTE (0), nil (numbers)
// for the others.
func TypeNamer(unit int) proto.TypeNamer {
	if unit == 0 {
		return RouteTypeName
	}
	return nil
}

// RouteTypeName names an rtnetlink message type (RTM_NEWLINK...), or returns "" for a type it does not know.
func RouteTypeName(t uint16) string {
	if t < 16 || int(t) >= 16+4*len(rtmObjects) {
		return ""
	}
	i := int(t-16) / 4
	obj := rtmObjects[i]
	if obj == "" {
		return ""
	}
	verb := [4]string{"NEW", "DEL", "GET", "SET"}[(t-16)%4]
	if !rtmHas(i, verb) {
		return ""
	}
	return "RTM_" + verb + obj
}

// rtmObjects are the rtnetlink object names in type order, four types (NEW, DEL, GET, SET) each.
var rtmObjects = []string{
	"LINK", "ADDR", "ROUTE", "NEIGH", "RULE", "QDISC", "TCLASS", "TFILTER", "ACTION", "PREFIX", "MULTICAST",
	"ANYCAST", "NEIGHTBL", "NDUSEROPT", "ADDRLABEL", "DCB", "NETCONF", "MDB", "NSID", "STATS", "CACHEREPORT",
	"CHAIN", "NEXTHOP", "LINKPROP", "NEXTHOPBUCKET", "VLAN", "TUNNEL",
}

// rtmHas reports whether object i has the verb: most have NEW, DEL and GET; a few differ.
func rtmHas(i int, verb string) bool {
	switch rtmObjects[i] {
	case "LINK":
		return true
	case "NEIGHTBL", "STATS":
		return verb != "DEL"
	case "DCB":
		return verb == "GET" || verb == "SET"
	case "PREFIX", "NDUSEROPT", "CACHEREPORT":
		return verb == "NEW"
	case "MULTICAST", "ANYCAST":
		return verb == "GET"
	}
	return verb != "SET"
}
