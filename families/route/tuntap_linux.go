package route

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// TunTap describes a TUN or TAP device for CreateTunTap, with the options of `ip tuntap add`. The kernel
// creates these devices through ioctls on /dev/net/tun (TUNSETIFF...), not over rtnetlink.
type TunTap struct {
	// Name is the device name; "" lets the kernel choose (tun%d, tap%d).
	Name string
	// TAP makes a TAP (Ethernet, IFF_TAP) device; otherwise TUN (IP, IFF_TUN).
	TAP bool
	// Queues is the number of queues to open: above 1 sets IFF_MULTI_QUEUE and returns one file per queue.
	// MultiQueue sets IFF_MULTI_QUEUE with one queue (ip tuntap's multi_queue).
	Queues     int
	MultiQueue bool
	// PI keeps the packet information header (clears IFF_NO_PI, ip tuntap's pi); VnetHdr sets IFF_VNET_HDR.
	PI, VnetHdr bool
	// Owner and Group are TUNSETOWNER and TUNSETGROUP, when HasOwner and HasGroup say so.
	Owner, Group       int
	HasOwner, HasGroup bool
	// Persist is TUNSETPERSIST: the device outlives the files (ip tuntap add makes it persistent).
	Persist bool
}

// CreateTunTap creates the device t describes in the network namespace of the calling thread (run it inside
// netns.Do for another) and returns its name and the open queue files. Close the files to release the
// queues; a Persist device stays until it is deleted (LinkService.Delete, or DeleteTunTap).
func CreateTunTap(t TunTap) (string, []*os.File, error) {
	if len(t.Name) >= unix.IFNAMSIZ {
		return "", nil, fmt.Errorf("route: tuntap: name %q is too long", t.Name)
	}
	flags := uint16(unix.IFF_TUN)
	if t.TAP {
		flags = unix.IFF_TAP
	}
	if !t.PI {
		flags |= unix.IFF_NO_PI
	}
	if t.VnetHdr {
		flags |= unix.IFF_VNET_HDR
	}
	queues := max(t.Queues, 1)
	if queues > 1 || t.MultiQueue {
		flags |= unix.IFF_MULTI_QUEUE
	}
	name := t.Name
	var files []*os.File
	fail := func(what string, err error) (string, []*os.File, error) {
		for _, f := range files {
			f.Close()
		}
		return "", nil, fmt.Errorf("route: tuntap %s: %s: %w", name, what, err)
	}
	for q := 0; q < queues; q++ {
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return fail("open /dev/net/tun", err)
		}
		f := os.NewFile(uintptr(fd), "/dev/net/tun")
		files = append(files, f)
		ifr, err := unix.NewIfreq(name)
		if err != nil {
			return fail("name", err)
		}
		ifr.SetUint16(flags)
		if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
			return fail("TUNSETIFF", err)
		}
		name = ifr.Name()
	}
	fd := int(files[0].Fd())
	if t.HasOwner {
		if err := unix.IoctlSetInt(fd, unix.TUNSETOWNER, t.Owner); err != nil {
			return fail("TUNSETOWNER", err)
		}
	}
	if t.HasGroup {
		if err := unix.IoctlSetInt(fd, unix.TUNSETGROUP, t.Group); err != nil {
			return fail("TUNSETGROUP", err)
		}
	}
	if t.Persist {
		if err := unix.IoctlSetInt(fd, unix.TUNSETPERSIST, 1); err != nil {
			return fail("TUNSETPERSIST", err)
		}
	}
	return name, files, nil
}

// DeleteTunTap removes a persistent TUN or TAP device (TUNSETPERSIST 0 on a file attached to it), as
// `ip tuntap del` does; tap says which kind it is, multiQueue whether it was made with IFF_MULTI_QUEUE.
func DeleteTunTap(name string, tap, multiQueue bool) error {
	t := TunTap{Name: name, TAP: tap, MultiQueue: multiQueue}
	_, files, err := CreateTunTap(t)
	if err != nil {
		return err
	}
	defer files[0].Close()
	if err := unix.IoctlSetInt(int(files[0].Fd()), unix.TUNSETPERSIST, 0); err != nil {
		return fmt.Errorf("route: tuntap %s: TUNSETPERSIST: %w", name, err)
	}
	return nil
}
