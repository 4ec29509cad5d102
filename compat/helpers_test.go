package compat

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/nlkit/nlkit"
	"github.com/nlkit/nlkit/nltest"
	"github.com/nlkit/nlkit/proto"
)

// Kernel constants the tests use, spelled out so the tests build on every OS.
const (
	tAfInet   = 2
	tAfInet6  = 10
	tAfPacket = 17

	tRtmNewlink  = 16
	tRtmDellink  = 17
	tRtmGetlink  = 18
	tRtmNewaddr  = 20
	tRtmGetaddr  = 22
	tRtmNewroute = 24
	tRtmGetroute = 26

	tIflaAddress  = 1
	tIflaIfname   = 3
	tIflaMtu      = 4
	tIflaLinkinfo = 18
	tIflaExtMask  = 29
	tIflaInfoKind = 1
	tIflaInfoData = 2
	tVethInfoPeer = 1

	tRtextFilterVF        = 1
	tRtextFilterSkipStats = 8

	tIfaAddress = 1
	tIfaLocal   = 2

	tRtaDst     = 1
	tRtaOif     = 4
	tRtaGateway = 5
	tRtaTable   = 15

	tRtTableMain = 254
	tRtprotBoot  = 3
	tRtnUnicast  = 1

	tNlmFRequest = 0x1
	tNlmFAck     = 0x4
	tNlmFExcl    = 0x200
	tNlmFCreate  = 0x400
)

// fakeHandle returns a handle on an nltest connection answered by fn (nil answers every request with an
// empty reply: an ack or an empty dump), and the fake behind it.
func fakeHandle(t *testing.T, fn nltest.Func) (*RtnlHandle, *nltest.Fake) {
	t.Helper()
	if fn == nil {
		fn = func([]proto.Message) ([]proto.Message, error) { return nil, nil }
	}
	conn, fake := nltest.New(nlkit.UnitRoute, fn, nil)
	rth := &RtnlHandle{}
	RtnlOpenConn(rth, conn)
	t.Cleanup(func() { RtnlClose(rth) })
	return rth, fake
}

// straceCapture is a file of requests/ made by capture.sh: the command and the datagrams it sent.
type straceCapture struct {
	command   string
	datagrams [][]byte
}

// readStrace parses the hex dumps of an strace -e write=all log: each syscall line starts a datagram, each
// "| OFFSET  xx xx ..." line adds up to 16 bytes to it.
func readStrace(t *testing.T, path string) straceCapture {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var c straceCapture
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimLeft(sc.Text(), " ")
		switch {
		case strings.HasPrefix(line, "# command: "):
			c.command = strings.TrimPrefix(line, "# command: ")
		case strings.HasPrefix(line, "#"), strings.HasPrefix(line, "*"), strings.HasPrefix(line, "+++"), line == "":
		case strings.HasPrefix(line, "| "):
			// "| 00000  30 00 00 00 12 00 01 00  45 ae 08 6b 00 00 00 00  0.......E..k.... |"
			if len(line) < 9 || len(c.datagrams) == 0 {
				t.Fatalf("%s: stray hex line %q", path, line)
			}
			area := line[9:min(len(line), 9+48)]
			for _, tok := range strings.Fields(area) {
				b, err := hex.DecodeString(tok)
				if err != nil || len(b) != 1 {
					t.Fatalf("%s: bad hex %q in %q", path, tok, line)
				}
				c.datagrams[len(c.datagrams)-1] = append(c.datagrams[len(c.datagrams)-1], b[0])
			}
		default:
			c.datagrams = append(c.datagrams, nil)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return c
}

// firstMessage cuts a datagram to its first message's nlmsg_len, dropping the zeros libnetlink sends after it
// (sizeof(req) rather than nlmsg_len).
func firstMessage(t *testing.T, b []byte) []byte {
	t.Helper()
	if len(b) < 16 {
		t.Fatalf("datagram of %d bytes", len(b))
	}
	l := int(binary.NativeEndian.Uint32(b))
	if l > len(b) || l < 16 {
		t.Fatalf("nlmsg_len %d in a datagram of %d bytes", l, len(b))
	}
	return b[:l]
}

// maskSeqPid zeroes nlmsg_seq and nlmsg_pid of a message's header.
func maskSeqPid(b []byte) []byte {
	c := append([]byte(nil), b...)
	clear(c[8:16])
	return c
}

// linkMsg builds an RTM_NEWLINK reply for a fake: index, name, flags, MTU.
func linkMsg(index int32, name string, flags uint32) proto.Message {
	n := NewRequest(tRtmNewlink, 0, Ifinfomsg{Index: index, Flags: flags, Type: 1}, 256)
	Addattrstrz(n, n.Size(), tIflaIfname, name)
	Addattr32(n, n.Size(), tIflaMtu, 1500)
	return n.Message()
}
