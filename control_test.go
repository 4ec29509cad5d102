package nlkit

import (
	"encoding/binary"
	"testing"
)

func cmsg(level, typ int32, data []byte) []byte {
	l := cmsgHeaderLen + len(data)
	b := make([]byte, (l+7)&^7)
	binary.NativeEndian.PutUint64(b[0:8], uint64(l))
	binary.NativeEndian.PutUint32(b[8:12], uint32(level))
	binary.NativeEndian.PutUint32(b[12:16], uint32(typ))
	copy(b[cmsgHeaderLen:], data)
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
