//go:build linux

package route

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// XDP attachment modes (IFLA_XDP_ATTACHED, XDP_ATTACHED_*).
const (
	XDPAttachedNone  = 0 // XDP_ATTACHED_NONE
	XDPAttachedDrv   = 1 // XDP_ATTACHED_DRV: native, in the driver
	XDPAttachedSKB   = 2 // XDP_ATTACHED_SKB: generic (xdpgeneric)
	XDPAttachedHW    = 3 // XDP_ATTACHED_HW: offloaded (xdpoffload)
	XDPAttachedMulti = 4 // XDP_ATTACHED_MULTI: more than one mode at once
)

// LinkXDP is IFLA_XDP in a link message: the eXpress Data Path programs on the link, as
// `ip link show` prints them (xdp/id:N, xdpgeneric/id:N...).
type LinkXDP struct {
	// Attached is IFLA_XDP_ATTACHED (XDPAttached*).
	Attached uint8
	// Flags is IFLA_XDP_FLAGS (XDP_FLAGS_*), when the kernel reports it.
	Flags uint32
	// ProgID is IFLA_XDP_PROG_ID: the program of the single attached mode.
	ProgID uint32
	// DrvProgID, SKBProgID and HWProgID are IFLA_XDP_DRV_PROG_ID, IFLA_XDP_SKB_PROG_ID and
	// IFLA_XDP_HW_PROG_ID: each mode's program (XDP_ATTACHED_MULTI, and the single mode's too).
	DrvProgID, SKBProgID, HWProgID uint32
}

func (x *LinkXDP) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case unix.IFLA_XDP_ATTACHED:
			x.Attached = ad.Uint8()
		case unix.IFLA_XDP_FLAGS:
			x.Flags = ad.Uint32()
		case unix.IFLA_XDP_PROG_ID:
			x.ProgID = ad.Uint32()
		case unix.IFLA_XDP_DRV_PROG_ID:
			x.DrvProgID = ad.Uint32()
		case unix.IFLA_XDP_SKB_PROG_ID:
			x.SKBProgID = ad.Uint32()
		case unix.IFLA_XDP_HW_PROG_ID:
			x.HWProgID = ad.Uint32()
		}
	}
	return ad.Err()
}

// XDPAttach is what LinkService.SetXDP sends in IFLA_XDP.
type XDPAttach struct {
	// FD is IFLA_XDP_FD: the program (a BPF_PROG_TYPE_XDP file descriptor); -1 detaches.
	FD int
	// Flags is IFLA_XDP_FLAGS: XDP_FLAGS_SKB_MODE (generic), XDP_FLAGS_DRV_MODE, XDP_FLAGS_HW_MODE,
	// XDP_FLAGS_UPDATE_IF_NOEXIST (fail with EBUSY if a program is there), XDP_FLAGS_REPLACE (with
	// ExpectedFD).
	Flags uint32
	// ExpectedFD is IFLA_XDP_EXPECTED_FD, sent with XDP_FLAGS_REPLACE: the program that must be the one
	// attached for the change to happen.
	ExpectedFD int
}

// xdpRequest is the RTM_SETLINK payload that sets IFLA_XDP on link index.
func xdpRequest(index int32, x XDPAttach) ([]byte, error) {
	if index == 0 {
		return nil, fmt.Errorf("route: xdp: no link (index)")
	}
	b := make([]byte, sizeofIfInfomsg, 48)
	binary.NativeEndian.PutUint32(b[4:8], uint32(index))
	ae := proto.NewAttrEncoder(b)
	n := ae.Nest(unix.IFLA_XDP)
	ae.Int32(unix.IFLA_XDP_FD, int32(x.FD))
	if x.Flags != 0 {
		ae.Uint32(unix.IFLA_XDP_FLAGS, x.Flags)
	}
	if x.Flags&unix.XDP_FLAGS_REPLACE != 0 {
		ae.Int32(unix.IFLA_XDP_EXPECTED_FD, int32(x.ExpectedFD))
	}
	ae.End(n)
	return ae.Bytes(), nil
}

// SetXDP attaches the XDP program x.FD to link index, or detaches with FD -1 (RTM_SETLINK with IFLA_XDP), as
// `ip link set DEV xdp fd N` (xdpgeneric, xdpdrv with the mode flags) and `ip link set DEV xdp off` do.
func (s *LinkService) SetXDP(ctx context.Context, index int32, x XDPAttach) error {
	b, err := xdpRequest(index, x)
	if err != nil {
		return err
	}
	return s.c.request(ctx, unix.RTM_SETLINK, 0, b, opName(unix.RTM_SETLINK, fmt.Sprintf("%d xdp", index)))
}

// DetachXDP removes the XDP program of the mode flags names (XDP_FLAGS_SKB_MODE, _DRV_MODE, _HW_MODE; 0 the
// one attached) from link index: SetXDP with FD -1.
func (s *LinkService) DetachXDP(ctx context.Context, index int32, flags uint32) error {
	return s.SetXDP(ctx, index, XDPAttach{FD: -1, Flags: flags})
}

// XDP returns the XDP state of link index (IFLA_XDP of RTM_GETLINK).
func (s *LinkService) XDP(ctx context.Context, index int32) (LinkXDP, error) {
	l, err := s.Get(ctx, index)
	return l.XDP, err
}
