package compat

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/compat"
	"github.com/nlkit/nlkit/netns/nstest"
	"github.com/nlkit/nlkit/pcap"
	"github.com/nlkit/nlkit/proto"
)

const (
	rtmNewlink  = 16
	iflaIfname  = 3
	iflaLinkinf = 18
	iflaKind    = 1
)

// bridgeAdd is the request of `ip link add NAME type bridge`.
func bridgeAdd(rth *compat.RtnlHandle, name string) error {
	req := compat.NewRequest(rtmNewlink, 0x1|0x400|0x200, compat.Ifinfomsg{}, 1024)
	compat.AddattrL(req, req.Size(), iflaIfname, append([]byte(name), 0))
	li, _ := compat.AddattrNest(req, req.Size(), iflaLinkinf)
	compat.AddattrL(req, req.Size(), iflaKind, []byte("bridge"))
	compat.AddattrNestEnd(req, li)
	return compat.RtnlTalk(rth, req, nil)
}

// record writes a capture of a compat session in a fresh namespace: two dumps, a link created, a request
// refused with and without an extended ack. It returns the file's path.
func record(t *testing.T) string {
	t.Helper()
	ns := nstest.New(t)
	file := filepath.Join(t.TempDir(), "compat.pcap")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pcap.NewWriter(f)
	if err != nil {
		t.Fatal(err)
	}
	var rth compat.RtnlHandle
	if err := compat.RtnlOpenConfig(&rth, 0, 0, &nlkit.Config{NetNS: ns.Handle.Fd(), Tap: w}); err != nil {
		t.Fatal(err)
	}
	defer compat.RtnlClose(&rth)
	compat.RtnlSetStrictDump(&rth)
	if rth.Flags&compat.RTNL_HANDLE_F_STRICT_CHK == 0 {
		t.Error("RtnlSetStrictDump did not take")
	}
	count := func(*compat.Nlmsghdr, any) int { return 0 }
	if err := compat.RtnlLinkdumpReq(&rth, 0); err != nil {
		t.Fatal(err)
	}
	if err := compat.RtnlDumpFilter(&rth, count, nil); err != nil {
		t.Fatal(err)
	}
	if err := compat.RtnlAddrdumpReq(&rth, 0, nil); err != nil {
		t.Fatal(err)
	}
	if err := compat.RtnlDumpFilter(&rth, count, nil); err != nil {
		t.Fatal(err)
	}
	if err := bridgeAdd(&rth, "br0"); err != nil {
		t.Fatal(err)
	}
	if err := bridgeAdd(&rth, "br0"); !errors.Is(err, syscall.EEXIST) || err.Error() != "RTNETLINK answers: File exists" {
		t.Errorf("second bridge: %v", err)
	}
	// A strict IPv4 address dump with a prefix length in its header: refused with an extended ack.
	if err := compat.RtnlDumpRequest(&rth, 22, []byte{2, 24, 0, 0, 0, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	err = compat.RtnlDumpFilter(&rth, count, nil)
	var ce *compat.Error
	if !errors.As(err, &ce) || !errors.Is(err, syscall.EINVAL) || ce.ExtAck.Msg == "" {
		t.Errorf("bad strict dump: %v", err)
	}
	if err := w.Err(); err != nil {
		t.Fatal(err)
	}
	return file
}

// messages reads a capture back: for each record, the type of each message.
func messages(t *testing.T, file string) [][]uint16 {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := pcap.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]uint16
	for {
		r, err := rd.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		var types []uint16
		it := proto.NewIter(r.Data)
		for it.Next() {
			types = append(types, it.Message().Header.Type)
		}
		if it.Err() != nil {
			t.Fatal(it.Err())
		}
		out = append(out, types)
	}
}

// TestCaptureReadsInTshark checks that tshark decodes a capture nlkit wrote: no error, no malformed packet, and
// per frame the same messages, of the same types, as pcap.Reader finds.
func TestCaptureReadsInTshark(t *testing.T) {
	tshark := need(t, "tshark")
	file := record(t)
	want := messages(t, file)
	if len(want) < 8 {
		t.Fatalf("only %d records", len(want))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// netlink.hdr_len is in every message header tshark dissects (and in the request header NLMSG_ERROR echoes);
	// netlink.hdr_type holds the control types, netlink-route.nltype the rtnetlink ones.
	cmd := exec.CommandContext(ctx, tshark, "-r", file, "-T", "fields", "-E", "occurrence=a", "-E", "separator=;",
		"-E", "aggregator=,", "-e", "frame.number", "-e", "netlink.family", "-e", "netlink.hdr_type",
		"-e", "netlink-route.nltype", "-e", "_ws.malformed", "-e", "_ws.expert")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, stderr.String())
	}
	if s := tsharkNoise(stderr.String()); s != "" {
		t.Errorf("tshark complained: %s", s)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(want) {
		t.Fatalf("tshark shows %d frames, the capture has %d records:\n%s", len(lines), len(want), out)
	}
	for i, line := range lines {
		f := strings.Split(line, ";")
		if len(f) != 6 {
			t.Fatalf("frame line %q", line)
		}
		if f[0] != strconv.Itoa(i+1) || f[1] != "0x0000" {
			t.Errorf("frame %d: number %s family %s, want route (0x0000)", i+1, f[0], f[1])
		}
		if f[4] != "" || f[5] != "" {
			t.Errorf("frame %d: tshark reports malformed %q, expert %q", i+1, f[4], f[5])
		}
		got := tsharkTypes(t, want[i], f[2], f[3])
		if got != typesString(want[i]) {
			t.Errorf("frame %d: tshark sees types %s, pcap.Reader %s", i+1, got, typesString(want[i]))
		}
	}
}

// tsharkTypes puts tshark's two type fields back into message order: control messages (below 16) are in
// netlink.hdr_type, rtnetlink ones in netlink-route.nltype. The request header an NLMSG_ERROR echoes adds one
// more netlink.hdr_type, which is dropped.
func tsharkTypes(t *testing.T, want []uint16, ctl, route string) string {
	t.Helper()
	parse := func(s string) []uint16 {
		var v []uint16
		for _, x := range strings.Split(s, ",") {
			if x == "" {
				continue
			}
			n, err := strconv.ParseUint(x, 0, 16) // netlink.hdr_type is hex (0x0003), nltype decimal
			if err != nil {
				t.Fatalf("type %q", x)
			}
			v = append(v, uint16(n))
		}
		return v
	}
	c, r := parse(ctl), parse(route)
	var got []uint16
	for _, w := range want {
		if w < 16 {
			if len(c) == 0 {
				return typesString(got) + " (control types missing)"
			}
			got, c = append(got, c[0]), c[1:]
			if w == proto.TypeError && len(c) > 0 {
				c = c[1:] // the echoed request's type
			}
			continue
		}
		if len(r) == 0 {
			return typesString(got) + " (route types missing)"
		}
		got, r = append(got, r[0]), r[1:]
	}
	if len(c)+len(r) > 0 {
		return typesString(got) + " and more"
	}
	return typesString(got)
}

func typesString(v []uint16) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(int(x))
	}
	return strings.Join(s, ",")
}

// tsharkNoise drops the warning tshark prints whenever it runs as root.
func tsharkNoise(s string) string {
	var keep []string
	for _, l := range strings.Split(s, "\n") {
		if l == "" || strings.Contains(l, "This could be dangerous") {
			continue
		}
		keep = append(keep, l)
	}
	return strings.Join(keep, "\n")
}
