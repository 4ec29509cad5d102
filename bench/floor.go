package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"
	"unsafe"

	"github.com/nlkit/nlkit/netns"
	"golang.org/x/sys/unix"
)

// floorBuffer is the receive buffer of the floor: the kernel never builds a dump datagram larger than 32 KiB.
const floorBuffer = 32 << 10

// routeRequest is the rtmsg every route case sends: IPv4, table main (rtm_table and RTA_TABLE), as
// route.RouteFilter{Family: AF_INET, Table: RT_TABLE_MAIN} and `ip route show table main` ask.
func routeRequest() []byte {
	b := make([]byte, unix.SizeofRtMsg+8)
	b[0] = unix.AF_INET
	b[4] = unix.RT_TABLE_MAIN
	binary.NativeEndian.PutUint16(b[12:], 8)
	binary.NativeEndian.PutUint16(b[14:], unix.RTA_TABLE)
	binary.NativeEndian.PutUint32(b[16:], unix.RT_TABLE_MAIN)
	return b
}

// linkRequest is the ifinfomsg every link case sends: all links, no attributes.
func linkRequest() []byte { return make([]byte, unix.SizeofIfInfomsg) }

func requestFor(k scenarioKind) (typ, want uint16, data []byte) {
	if k == kindLinks {
		return unix.RTM_GETLINK, unix.RTM_NEWLINK, linkRequest()
	}
	return unix.RTM_GETROUTE, unix.RTM_NEWROUTE, routeRequest()
}

// rawSocket is the floor: a blocking AF_NETLINK socket driven with raw system calls, no library at all.
type rawSocket struct {
	fd   int
	buf  []byte
	req  []byte
	want uint16
	seq  uint32
	sa   unix.RawSockaddrNetlink
	iov  unix.Iovec
	msg  unix.Msghdr
	// onDatagram, when set, sees each datagram (for -capture).
	onDatagram func([]byte)
}

// bareSocketIn opens a netlink socket of unit in ns (created on a thread inside it) and binds it to a
// kernel-assigned portid, with plain system calls.
func bareSocketIn(h netns.NsHandle, unit int) (int, error) {
	fd := -1
	err := netns.Do(h, func() error {
		var err error
		fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unit)
		return err
	})
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

// openRaw opens a NETLINK_ROUTE socket in ns (created on a thread inside it) with NETLINK_GET_STRICT_CHK on,
// and prepares the dump request of kind k.
func openRaw(h netns.NsHandle, k scenarioKind) (*rawSocket, error) {
	s := &rawSocket{fd: -1, buf: make([]byte, floorBuffer)}
	fd, err := bareSocketIn(h, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	s.fd = fd
	if err := unix.SetsockoptInt(s.fd, unix.SOL_NETLINK, unix.NETLINK_GET_STRICT_CHK, 1); err != nil {
		s.close()
		return nil, err
	}
	typ, want, data := requestFor(k)
	s.want = want
	s.req = make([]byte, 16+len(data))
	binary.NativeEndian.PutUint32(s.req[0:], uint32(len(s.req)))
	binary.NativeEndian.PutUint16(s.req[4:], typ)
	binary.NativeEndian.PutUint16(s.req[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	copy(s.req[16:], data)
	s.sa = unix.RawSockaddrNetlink{Family: unix.AF_NETLINK}
	s.iov = unix.Iovec{Base: &s.buf[0]}
	s.iov.SetLen(len(s.buf))
	s.msg = unix.Msghdr{Iov: &s.iov}
	s.msg.SetIovlen(1)
	return s, nil
}

func (s *rawSocket) close() {
	if s.fd >= 0 {
		unix.Close(s.fd)
		s.fd = -1
	}
}

// send sends the dump request.
func (s *rawSocket) send() error {
	s.seq++
	binary.NativeEndian.PutUint32(s.req[8:], s.seq)
	_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(s.fd), uintptr(unsafe.Pointer(&s.req[0])), uintptr(len(s.req)),
		0, uintptr(unsafe.Pointer(&s.sa)), unix.SizeofSockaddrNetlink)
	if e != 0 {
		return fmt.Errorf("sendto: %w", e)
	}
	return nil
}

// recvInto receives one datagram into b with a blocking recvfrom.
func (s *rawSocket) recvInto(b []byte) (int, error) {
	n, err := recvfrom(s.fd, b)
	if err != nil {
		return 0, fmt.Errorf("recvfrom: %w", err)
	}
	return n, nil
}

// recvfrom receives one datagram into b with a blocking recvfrom(2) and no sender address, retrying on EINTR:
// the receive of every bare loop (the floor, the custom-unit bare cases).
func recvfrom(fd int, b []byte) (int, error) {
	for {
		r, _, e := unix.Syscall6(unix.SYS_RECVFROM, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return int(r), nil
	}
}

// endsDump reports whether a datagram holds NLMSG_DONE or NLMSG_ERROR (the end of a dump).
func endsDump(b []byte) bool {
	for off := 0; off+16 <= len(b); {
		l := int(binary.NativeEndian.Uint32(b[off:]))
		if t := binary.NativeEndian.Uint16(b[off+4:]); t == unix.NLMSG_DONE || t == unix.NLMSG_ERROR {
			return true
		}
		if l < 16 {
			return true
		}
		off += (l + 3) &^ 3
	}
	return false
}

// dump sends one dump request and counts the data messages with a bare recvmsg loop into a 32 KiB buffer,
// reading nothing but the headers.
func (s *rawSocket) dump() (int, error) {
	if err := s.send(); err != nil {
		return 0, err
	}
	count := 0
	for {
		r, _, e := unix.Syscall(unix.SYS_RECVMSG, uintptr(s.fd), uintptr(unsafe.Pointer(&s.msg)), 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return count, fmt.Errorf("recvmsg: %w", e)
		}
		n := int(r)
		if s.onDatagram != nil {
			s.onDatagram(s.buf[:n])
		}
		for off := 0; off+16 <= n; {
			l := int(binary.NativeEndian.Uint32(s.buf[off:]))
			if l < 16 || off+l > n {
				return count, errors.New("malformed datagram")
			}
			switch binary.NativeEndian.Uint16(s.buf[off+4:]) {
			case unix.NLMSG_DONE:
				return count, nil
			case unix.NLMSG_ERROR:
				if errno := int32(binary.NativeEndian.Uint32(s.buf[off+16:])); errno != 0 {
					return count, syscall.Errno(-errno)
				}
				return count, nil
			case s.want:
				count++
			}
			off += (l + 3) &^ 3
		}
	}
}

// floorCount dumps a scenario's namespace once with the floor.
func floorCount(sc *scenario) (int, error) {
	s, err := openRaw(sc.h, sc.spec.kind)
	if err != nil {
		return 0, err
	}
	defer s.close()
	return s.dump()
}
