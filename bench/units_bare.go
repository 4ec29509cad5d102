package main

// The bare side of the custom-unit measurements: sockets driven by raw system calls, as a C program would.

import (
	"encoding/binary"
	"time"
	"unsafe"

	"github.com/nlkit/nlkit/netns"
	"golang.org/x/sys/unix"
)

type bareSock struct {
	fd  int
	pid uint32
}

func openBare(h netns.NsHandle) (*bareSock, error) {
	fd, err := bareSocketIn(h, unix.NETLINK_USERSOCK)
	if err != nil {
		return nil, err
	}
	s := &bareSock{fd: fd}
	sa, err := unix.Getsockname(s.fd)
	if err != nil {
		unix.Close(s.fd)
		return nil, err
	}
	s.pid = sa.(*unix.SockaddrNetlink).Pid
	return s, nil
}

func (s *bareSock) close() { unix.Close(s.fd) }

func (s *bareSock) send(b []byte, to *unix.RawSockaddrNetlink) error {
	for {
		_, _, e := unix.Syscall6(unix.SYS_SENDTO, uintptr(s.fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0,
			uintptr(unsafe.Pointer(to)), unix.SizeofSockaddrNetlink)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		return nil
	}
}

func (s *bareSock) recv(b []byte) (int, error) { return recvfrom(s.fd, b) }

func addrOf(pid uint32) *unix.RawSockaddrNetlink {
	return &unix.RawSockaddrNetlink{Family: unix.AF_NETLINK, Pid: pid}
}

// rawMessages builds k messages of type typ in one datagram.
func rawMessages(k int, typ uint16) []byte {
	one := 16 + unitPayload
	b := make([]byte, k*one)
	for i := 0; i < k; i++ {
		m := b[i*one:]
		binary.NativeEndian.PutUint32(m[0:], uint32(one))
		binary.NativeEndian.PutUint16(m[4:], typ)
		binary.NativeEndian.PutUint16(m[6:], unix.NLM_F_REQUEST)
		binary.NativeEndian.PutUint32(m[8:], uint32(i+1))
	}
	return b
}

func countMessages(b []byte) int {
	n := 0
	for off := 0; off+16 <= len(b); {
		l := int(binary.NativeEndian.Uint32(b[off:]))
		if l < 16 {
			break
		}
		n++
		off += (l + 3) &^ 3
	}
	return n
}

// barePair opens two bare sockets in h, as usersockPair opens two Conns.
func barePair(h netns.NsHandle) (a, b *bareSock, err error) {
	if a, err = openBare(h); err != nil {
		return nil, nil, err
	}
	if b, err = openBare(h); err != nil {
		a.close()
		return nil, nil, err
	}
	return a, b, nil
}

func bareRoundTrips(h netns.NsHandle, n int) (time.Duration, error) {
	srv, cli, err := barePair(h)
	if err != nil {
		return 0, err
	}
	defer srv.close()
	defer cli.close()
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 64<<10)
		to := addrOf(cli.pid)
		for {
			k, err := srv.recv(buf)
			if err != nil {
				done <- err
				return
			}
			if binary.NativeEndian.Uint16(buf[4:]) == unitStop {
				done <- nil
				return
			}
			if err := srv.send(buf[:k], to); err != nil {
				done <- err
				return
			}
		}
	}()
	msg := rawMessages(1, unitType)
	buf := make([]byte, 64<<10)
	to := addrOf(srv.pid)
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := cli.send(msg, to); err != nil {
			return 0, err
		}
		if _, err := cli.recv(buf); err != nil {
			return 0, err
		}
	}
	el := time.Since(start)
	if err := cli.send(rawMessages(1, unitStop), to); err != nil {
		return 0, err
	}
	return el, <-done
}

// bareManyClients is the bare form of a server with several clients: one goroutine answers each request to its
// sender (recvfrom with an address, sendto), and unitClients goroutines each do their share of n round trips.
func bareManyClients(h netns.NsHandle, n int) (time.Duration, error) {
	srv, err := openBare(h)
	if err != nil {
		return 0, err
	}
	defer srv.close()
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 64<<10)
		var from unix.RawSockaddrNetlink
		for {
			fromLen := uint32(unix.SizeofSockaddrNetlink)
			r, _, e := unix.Syscall6(unix.SYS_RECVFROM, uintptr(srv.fd), uintptr(unsafe.Pointer(&buf[0])),
				uintptr(len(buf)), 0, uintptr(unsafe.Pointer(&from)), uintptr(unsafe.Pointer(&fromLen)))
			if e == unix.EINTR {
				continue
			}
			if e != 0 {
				done <- e
				return
			}
			if binary.NativeEndian.Uint16(buf[4:]) == unitStop {
				done <- nil
				return
			}
			if err := srv.send(buf[:r], &from); err != nil {
				done <- err
				return
			}
		}
	}()
	clients := make([]*bareSock, unitClients)
	for i := range clients {
		if clients[i], err = openBare(h); err != nil {
			return 0, err
		}
		defer clients[i].close()
	}
	to := addrOf(srv.pid)
	errs := make(chan error, unitClients)
	start := time.Now()
	for i, cl := range clients {
		go func() {
			msg := rawMessages(1, unitType)
			buf := make([]byte, 64<<10)
			for range share(n, i) {
				if err := cl.send(msg, to); err != nil {
					errs <- err
					return
				}
				if _, err := cl.recv(buf); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	err = waitAll(errs)
	el := time.Since(start)
	if serr := clients[0].send(rawMessages(1, unitStop), to); serr != nil && err == nil {
		err = serr
	}
	if derr := <-done; err == nil {
		err = derr
	}
	return el, err
}

func bareOneWay(h netns.NsHandle, n, k int) (time.Duration, error) {
	rx, tx, err := barePair(h)
	if err != nil {
		return 0, err
	}
	defer rx.close()
	defer tx.close()
	done := make(chan error, 1)
	go func() {
		buf := make([]byte, 64<<10)
		for got := 0; got < n; {
			m, err := rx.recv(buf)
			if err != nil {
				done <- err
				return
			}
			got += countMessages(buf[:m])
		}
		done <- nil
	}()
	dgram := rawMessages(k, unitType)
	to := addrOf(rx.pid)
	start := time.Now()
	for sent := 0; sent < n; sent += k {
		if err := tx.send(dgram, to); err != nil {
			return 0, err
		}
	}
	err = <-done
	return time.Since(start), err
}
