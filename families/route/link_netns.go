//go:build linux

package route

import (
	"context"
	"errors"
	"fmt"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// NoDriverError is the error of a request to create a link of a kind the running kernel has no driver for
// (RTM_NEWLINK answered EOPNOTSUPP with "Unknown device type": no rtnl_link_ops registered under that
// IFLA_INFO_KIND, and no module the kernel could load for it). Err is the kernel's error (an *OpError, which
// matches unix.EOPNOTSUPP).
type NoDriverError struct {
	// Kind is the IFLA_INFO_KIND asked for.
	Kind string
	Err  error
}

func (e *NoDriverError) Error() string {
	return fmt.Sprintf("route: link kind %q: the kernel has no driver for it (%v)", e.Kind, e.Err)
}

// Unwrap returns the kernel's error.
func (e *NoDriverError) Unwrap() error { return e.Err }

// noDriver turns the kernel's answer to creating l into a *NoDriverError when the kernel lacks l's kind.
func noDriver(l *Link, err error) error {
	if err == nil || !errors.Is(err, unix.EOPNOTSUPP) || KernelMessage(err) != "Unknown device type" {
		return err
	}
	kind := l.Info.Kind
	if kind == "" && l.Info.Data != nil {
		kind = l.Info.Data.Kind()
	}
	if kind == "" {
		return err
	}
	return &NoDriverError{Kind: kind, Err: err}
}

// NetNSTarget names a network namespace in a request, in one of the kernel's three ways: FD, an open namespace
// file (IFLA_NET_NS_FD, NETNSA_FD); PID, a process whose namespace it is (IFLA_NET_NS_PID, NETNSA_PID); or NSID,
// its nsid in the requester's namespace (IFLA_TARGET_NETNSID, NETNSA_TARGET_NSID), valid when HasNSID. The
// zero NetNSTarget names none. Build one with NetNSFD, NetNSPID or NetNSID.
type NetNSTarget struct {
	FD, PID int
	NSID    int32
	HasNSID bool
}

// NetNSFD names the namespace of the open file fd (a netns.Handle, /run/netns/NAME, /proc/PID/ns/net).
func NetNSFD(fd int) NetNSTarget { return NetNSTarget{FD: fd} }

// NetNSPID names the network namespace of process pid.
func NetNSPID(pid int) NetNSTarget { return NetNSTarget{PID: pid} }

// NetNSID names the namespace whose nsid, in the requester's namespace, is nsid.
func NetNSID(nsid int32) NetNSTarget { return NetNSTarget{NSID: nsid, HasNSID: true} }

// IsZero reports whether t names no namespace.
func (t NetNSTarget) IsZero() bool { return t.FD <= 0 && t.PID <= 0 && !t.HasNSID }

func (t NetNSTarget) check() error {
	n := 0
	if t.FD > 0 {
		n++
	}
	if t.PID > 0 {
		n++
	}
	if t.HasNSID {
		n++
	}
	if n > 1 {
		return fmt.Errorf("route: NetNSTarget names more than one namespace (FD %d, PID %d, NSID %d)", t.FD, t.PID, t.NSID)
	}
	return nil
}

// encodeLink appends the IFLA_* attribute naming t: IFLA_NET_NS_FD, IFLA_NET_NS_PID or IFLA_TARGET_NETNSID.
func (t NetNSTarget) encodeLink(ae *proto.AttrEncoder) error {
	if err := t.check(); err != nil {
		return err
	}
	switch {
	case t.FD > 0:
		ae.Uint32(unix.IFLA_NET_NS_FD, uint32(t.FD))
	case t.PID > 0:
		ae.Uint32(unix.IFLA_NET_NS_PID, uint32(t.PID))
	case t.HasNSID:
		ae.Int32(unix.IFLA_TARGET_NETNSID, t.NSID)
	}
	return nil
}

// MoveToNetNS moves the link with ifi_index index to the namespace to names (RTM_NEWLINK with IFLA_NET_NS_FD,
// IFLA_NET_NS_PID or IFLA_TARGET_NETNSID), as `ip link set DEV netns NS` does. The link keeps its name unless
// newName is not "" (IFLA_IFNAME); the kernel refuses the move (EEXIST) when the name is taken there. Links
// with NETIF_F_NETNS_LOCAL (lo, bridges on older kernels, vrf...) cannot move (EINVAL).
func (s *LinkService) MoveToNetNS(ctx context.Context, index int32, to NetNSTarget, newName string) error {
	if to.IsZero() {
		return fmt.Errorf("route: MoveToNetNS: no namespace given")
	}
	b := make([]byte, sizeofIfInfomsg, 64)
	putIfInfomsg(b, &Link{Index: index})
	ae := proto.NewAttrEncoder(b)
	if newName != "" {
		if len(newName) >= unix.IFNAMSIZ {
			return fmt.Errorf("route: link name %q longer than %d bytes (IFNAMSIZ)", newName, unix.IFNAMSIZ-1)
		}
		ae.String(unix.IFLA_IFNAME, newName)
	}
	if err := to.encodeLink(ae); err != nil {
		return err
	}
	_, err := s.c.execute(ctx, unix.RTM_NEWLINK, 0, ae.Bytes(), opName(unix.RTM_NEWLINK, fmt.Sprintf("index %d", index)))
	return err
}

// AddVeth creates a veth pair in one request (RTM_NEWLINK, kind veth): l in the requester's namespace (or in
// l.NetNS), and its peer, named peer.Name, born in the namespace peerNS names (the requester's when zero;
// IFLA_NET_NS_FD or IFLA_NET_NS_PID inside VETH_INFO_PEER: the kernel takes no nsid there). l.Info is set to
// the veth.
func (s *LinkService) AddVeth(ctx context.Context, l Link, peer Link, peerNS NetNSTarget) error {
	if peerNS.HasNSID {
		return fmt.Errorf("route: AddVeth: the kernel takes a veth peer's namespace as a file or a pid, not an nsid")
	}
	l.Info = LinkInfo{Kind: "veth", Data: &Veth{Peer: peer, PeerNetNS: peerNS}}
	return s.Add(ctx, l)
}
