//go:build linux

package nlkit

import (
	"encoding/binary"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Control message types (cmsg_level SOL_SOCKET / SOL_NETLINK) read from recvmsg.
const (
	solSocket      = unix.SOL_SOCKET
	solNetlink     = unix.SOL_NETLINK
	scmCredentials = unix.SCM_CREDENTIALS
	netlinkPktinfo = unix.NETLINK_PKTINFO
	netlinkAllNSID = unix.NETLINK_LISTEN_ALL_NSID
)

// The platform's struct cmsghdr: cmsg_len is a size_t (4 bytes on 32-bit Linux, 8 on 64-bit), and headers and
// data are aligned to it (CMSG_ALIGN). cmsgHeaderLen is CMSG_LEN(0), where the data starts.
const (
	cmsgLenSize   = int(unsafe.Sizeof(unix.Cmsghdr{}.Len))
	cmsgLevelOff  = int(unsafe.Offsetof(unix.Cmsghdr{}.Level))
	cmsgTypeOff   = int(unsafe.Offsetof(unix.Cmsghdr{}.Type))
	cmsgAlign     = int(unsafe.Sizeof(uintptr(0)))
	cmsgHeaderLen = (unix.SizeofCmsghdr + cmsgAlign - 1) &^ (cmsgAlign - 1)
)

// parseControl reads SCM_CREDENTIALS, NETLINK_PKTINFO and NETLINK_LISTEN_ALL_NSID from control data, in the
// platform's cmsghdr layout (CMSG_FIRSTHDR/CMSG_NXTHDR), without allocating.
func parseControl(b []byte, s *Sender) {
	for len(b) >= cmsgHeaderLen {
		var l int
		if cmsgLenSize == 8 {
			l64 := binary.NativeEndian.Uint64(b[0:8])
			if l64 > uint64(len(b)) {
				return
			}
			l = int(l64)
		} else {
			l = int(binary.NativeEndian.Uint32(b[0:4]))
		}
		level := int32(binary.NativeEndian.Uint32(b[cmsgLevelOff:]))
		typ := int32(binary.NativeEndian.Uint32(b[cmsgTypeOff:]))
		if l < cmsgHeaderLen || l > len(b) {
			return
		}
		data := b[cmsgHeaderLen:l]
		switch {
		case level == solSocket && typ == scmCredentials && len(data) >= unix.SizeofUcred:
			s.Cred = Cred{
				PID: int32(binary.NativeEndian.Uint32(data[0:4])),
				UID: binary.NativeEndian.Uint32(data[4:8]),
				GID: binary.NativeEndian.Uint32(data[8:12]),
			}
			s.HasCred = true
		case level == solNetlink && typ == netlinkPktinfo && len(data) >= 4:
			s.Group = binary.NativeEndian.Uint32(data)
		case level == solNetlink && typ == netlinkAllNSID && len(data) >= 4:
			s.NSID = int32(binary.NativeEndian.Uint32(data))
			s.HasNSID = true
		}
		next := (l + cmsgAlign - 1) &^ (cmsgAlign - 1)
		if next >= len(b) {
			return
		}
		b = b[next:]
	}
}
