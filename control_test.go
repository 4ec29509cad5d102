//go:build linux

package nlkit

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// cmsg builds one control message as the kernel does on this platform (CMSG_SPACE bytes, CMSG_LEN in
// cmsg_len), through x/sys's own struct cmsghdr rather than this package's offsets.
func cmsg(level, typ int32, data []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = level, typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[unix.CmsgLen(0):], data)
	return b
}

func TestParseControl(t *testing.T) {
	cred := make([]byte, 12)
	binary.NativeEndian.PutUint32(cred[0:], 1234)
	binary.NativeEndian.PutUint32(cred[4:], 1000)
	binary.NativeEndian.PutUint32(cred[8:], 100)
	group := binary.NativeEndian.AppendUint32(nil, 40)
	nsid := binary.NativeEndian.AppendUint32(nil, 7)
	b := append(append(cmsg(solSocket, scmCredentials, cred), cmsg(solNetlink, netlinkPktinfo, group)...),
		cmsg(solNetlink, netlinkAllNSID, nsid)...)
	var s Sender
	parseControl(b, &s)
	if !s.HasCred || s.Cred != (Cred{PID: 1234, UID: 1000, GID: 100}) || s.Group != 40 || !s.HasNSID || s.NSID != 7 {
		t.Fatalf("parsed %+v", s)
	}
}

// Issue 15: control messages were parsed with the 64-bit cmsghdr (a 16-byte header, 8-byte alignment), so on
// 32-bit Linux (12 bytes, 4-byte alignment) credentials and packet info were misread. The messages here are
// x/sys's own (UnixCredentials) and its parser's view (ParseSocketControlMessage) is the reference.
func TestParseControlPlatformLayout(t *testing.T) {
	ucred := unix.UnixCredentials(&unix.Ucred{Pid: 4321, Uid: 1001, Gid: 101})
	b := append(ucred, cmsg(solNetlink, netlinkPktinfo, binary.NativeEndian.AppendUint32(nil, 33))...)
	b = append(b, cmsg(solNetlink, netlinkAllNSID, binary.NativeEndian.AppendUint32(nil, 9))...)
	msgs, err := unix.ParseSocketControlMessage(b)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("x/sys parses %d messages, %v", len(msgs), err)
	}
	var s Sender
	parseControl(b, &s)
	if !s.HasCred || s.Cred != (Cred{PID: 4321, UID: 1001, GID: 101}) {
		t.Errorf("credentials %+v (has %v), want pid 4321 uid 1001 gid 101", s.Cred, s.HasCred)
	}
	if s.Group != 33 || !s.HasNSID || s.NSID != 9 {
		t.Errorf("group %d, nsid %d (has %v): want 33 and 9", s.Group, s.NSID, s.HasNSID)
	}
	if cmsgHeaderLen != unix.CmsgLen(0) {
		t.Errorf("cmsgHeaderLen %d, CMSG_LEN(0) %d", cmsgHeaderLen, unix.CmsgLen(0))
	}
	if n := testing.AllocsPerRun(100, func() { parseControl(b, &s) }); n != 0 {
		t.Errorf("parseControl allocates %v times", n)
	}
}

func FuzzParseControl(f *testing.F) {
	f.Add(cmsg(solSocket, scmCredentials, make([]byte, 12)))
	f.Add(cmsg(solNetlink, netlinkPktinfo, []byte{1, 0, 0, 0}))
	f.Add([]byte{255, 255, 255, 255, 255, 255, 255, 255, 1, 0, 0, 0, 2, 0, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Sender
		parseControl(b, &s)
	})
}
