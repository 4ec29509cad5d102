//go:build linux

package guest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Mirrors of examples/knetlink/knetlink.h.
const (
	knetlinkUnit         = 17
	knetlinkGroup        = 1
	knetlinkMsgEcho      = 0x10
	knetlinkMsgBroadcast = 0x11

	knetlinkGenlName    = "KNETLINK"
	knetlinkGenlVersion = 1
	knetlinkGenlMcgrp   = "events"
	knetlinkCmdEcho     = 1
	knetlinkAttrMsg     = 1
)

const (
	nlaTypeMask      = 0x3fff // ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER)
	sizeofGenlmsghdr = 4
)

var ne = binary.NativeEndian

// guest skips t unless it runs inside the nlkit VM.
func guest(t *testing.T) {
	t.Helper()
	if os.Getenv("NLKIT_VM_GUEST") != "1" {
		t.Skip("runs only inside the nlkit VM (integration/vm); NLKIT_VM_GUEST is not 1")
	}
}

// say prints a line that stands out in the VM console log.
func say(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// dial opens a netlink socket on unit, bound with the given group bitmask,
// with a receive timeout so a missing reply fails instead of hanging.
func dial(t *testing.T, unit int, groups uint32) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unit)
	if err != nil {
		t.Fatalf("socket(AF_NETLINK, SOCK_RAW, %d): %v", unit, err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: groups}); err != nil {
		t.Fatalf("bind unit %d groups %#x: %v", unit, groups, err)
	}
	tv := unix.NsecToTimeval((5 * time.Second).Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatalf("SO_RCVTIMEO: %v", err)
	}
	return fd
}

func portid(t *testing.T, fd int) uint32 {
	t.Helper()
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatalf("getsockname: %v", err)
	}
	return sa.(*unix.SockaddrNetlink).Pid
}

func sendTo(t *testing.T, fd int, b []byte, pid, groups uint32) {
	t.Helper()
	sa := &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Pid: pid, Groups: groups}
	if err := unix.Sendto(fd, b, 0, sa); err != nil {
		t.Fatalf("sendto portid %d groups %#x: %v", pid, groups, err)
	}
}

// recv reads one datagram (blocking up to the socket timeout).
func recv(t *testing.T, fd int) ([]byte, *unix.SockaddrNetlink) {
	t.Helper()
	buf := make([]byte, 64<<10)
	n, from, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		t.Fatalf("recvfrom: %v", err)
	}
	sa, _ := from.(*unix.SockaddrNetlink)
	return buf[:n], sa
}

// expectNothing checks that no datagram is queued on fd.
func expectNothing(t *testing.T, fd int, what string) {
	t.Helper()
	buf := make([]byte, 64<<10)
	time.Sleep(50 * time.Millisecond)
	n, _, err := unix.Recvfrom(fd, buf, unix.MSG_DONTWAIT)
	if !errors.Is(err, unix.EAGAIN) {
		t.Errorf("%s: want nothing queued, got %d bytes (err %v): % x", what, n, err, buf[:max(n, 0)])
	}
}

// nlmsg builds one netlink message. The payload is not padded: nlmsg_len is
// exactly 16+len(payload).
func nlmsg(typ, flags uint16, seq, pid uint32, payload []byte) []byte {
	b := make([]byte, unix.NLMSG_HDRLEN, unix.NLMSG_HDRLEN+len(payload))
	ne.PutUint32(b[0:4], uint32(unix.NLMSG_HDRLEN+len(payload)))
	ne.PutUint16(b[4:6], typ)
	ne.PutUint16(b[6:8], flags)
	ne.PutUint32(b[8:12], seq)
	ne.PutUint32(b[12:16], pid)
	return append(b, payload...)
}

type hdr struct {
	Len   uint32
	Type  uint16
	Flags uint16
	Seq   uint32
	Pid   uint32
}

func parseHdr(b []byte) hdr {
	return hdr{ne.Uint32(b[0:4]), ne.Uint16(b[4:6]), ne.Uint16(b[6:8]), ne.Uint32(b[8:12]), ne.Uint32(b[12:16])}
}

// split cuts a datagram into messages.
func split(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var msgs [][]byte
	for len(b) >= unix.NLMSG_HDRLEN {
		l := int(ne.Uint32(b[0:4]))
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			t.Fatalf("bad nlmsg_len %d in %d bytes", l, len(b))
		}
		msgs = append(msgs, b[:l])
		al := (l + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
		if al > len(b) {
			al = len(b)
		}
		b = b[al:]
	}
	return msgs
}

// errno returns the error code of an NLMSG_ERROR message (0 for an ack).
func errno(t *testing.T, m []byte) unix.Errno {
	t.Helper()
	if len(m) < unix.NLMSG_HDRLEN+4 {
		t.Fatalf("short NLMSG_ERROR: % x", m)
	}
	return unix.Errno(-int32(ne.Uint32(m[16:20])))
}

// request sends req to the kernel and collects the reply messages up to and
// including the ack (NLMSG_ERROR), or the NLMSG_DONE of a dump. It returns
// the non-ack messages and the ack's errno.
func request(t *testing.T, fd int, req []byte) ([][]byte, error) {
	t.Helper()
	seq := parseHdr(req).Seq
	sendTo(t, fd, req, 0, 0)
	var out [][]byte
	for {
		b, _ := recv(t, fd)
		for _, m := range split(t, b) {
			h := parseHdr(m)
			if h.Seq != seq {
				t.Fatalf("reply seq %d, want %d", h.Seq, seq)
			}
			switch h.Type {
			case unix.NLMSG_ERROR:
				if e := errno(t, m); e != 0 {
					return out, e
				}
				return out, nil
			case unix.NLMSG_DONE:
				return out, nil
			}
			out = append(out, m)
		}
	}
}

// attrs is a tiny attribute builder: a, then a.put / a.nest, then a.b.
type attrs struct{ b []byte }

func (a *attrs) put(typ uint16, data []byte) {
	l := unix.SizeofNlAttr + len(data)
	a.b = ne.AppendUint16(a.b, uint16(l))
	a.b = ne.AppendUint16(a.b, typ)
	a.b = append(a.b, data...)
	for len(a.b)%unix.NLA_ALIGNTO != 0 {
		a.b = append(a.b, 0)
	}
}

func (a *attrs) str(typ uint16, s string) { a.put(typ, append([]byte(s), 0)) }
func (a *attrs) u8(typ uint16, v uint8)   { a.put(typ, []byte{v}) }
func (a *attrs) u16(typ uint16, v uint16) { a.put(typ, ne.AppendUint16(nil, v)) }
func (a *attrs) u32(typ uint16, v uint32) { a.put(typ, ne.AppendUint32(nil, v)) }

func (a *attrs) nest(typ uint16, fn func()) {
	off := len(a.b)
	a.put(typ|unix.NLA_F_NESTED, nil)
	fn()
	ne.PutUint16(a.b[off:], uint16(len(a.b)-off))
}

// parseAttrs decodes a run of attributes; the last of a type wins.
func parseAttrs(t *testing.T, b []byte) map[uint16][]byte {
	t.Helper()
	m := map[uint16][]byte{}
	for len(b) >= unix.SizeofNlAttr {
		l := int(ne.Uint16(b[0:2]))
		typ := ne.Uint16(b[2:4]) & nlaTypeMask
		if l < unix.SizeofNlAttr || l > len(b) {
			t.Fatalf("bad nla_len %d in %d bytes", l, len(b))
		}
		m[typ] = b[unix.SizeofNlAttr:l]
		al := (l + unix.NLA_ALIGNTO - 1) &^ (unix.NLA_ALIGNTO - 1)
		if al > len(b) {
			al = len(b)
		}
		b = b[al:]
	}
	return m
}

func cstr(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
