//go:build linux

package route

import (
	"context"
	"encoding/binary"
	"fmt"
	"iter"
	"net/netip"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// sizeofIfAddrmsg is sizeof(struct ifaddrmsg).
const sizeofIfAddrmsg = unix.SizeofIfAddrmsg

// Addr is an interface address: struct ifaddrmsg and the IFA_* attributes of RTM_NEWADDR, as `ip -d addr` shows
// them.
type Addr struct {
	// Family is ifa_family (AF_INET, AF_INET6).
	Family uint8
	// PrefixLen is ifa_prefixlen.
	PrefixLen uint8
	// Flags is ifa_flags, or IFA_FLAGS when present (it holds the flags above 8 bits).
	Flags AddrFlags
	// Scope is ifa_scope.
	Scope Scope
	// Index is ifa_index, the link.
	Index int32
	// Local is the address itself: IFA_LOCAL, or IFA_ADDRESS when there is no IFA_LOCAL (IPv6).
	Local netip.Addr
	// Peer is the other end of a point-to-point link: IFA_ADDRESS when it differs from IFA_LOCAL.
	Peer netip.Addr
	// Broadcast, Anycast and Multicast are IFA_BROADCAST, IFA_ANYCAST and IFA_MULTICAST.
	Broadcast, Anycast, Multicast netip.Addr
	// Label is IFA_LABEL (IPv4: the link name, or name:alias).
	Label string
	// CacheInfo is IFA_CACHEINFO: lifetimes and timestamps.
	CacheInfo AddrCacheInfo
	// RoutePriority is IFA_RT_PRIORITY: the metric of the prefix route.
	RoutePriority uint32
	// Protocol is IFA_PROTO: who added the address.
	Protocol Protocol
}

// AddrCacheInfo is struct ifa_cacheinfo (IFA_CACHEINFO): ifa_prefered and ifa_valid, the lifetimes in seconds
// (0xffffffff: forever), and cstamp and tstamp, the creation and update times in hundredths of a second since
// boot.
type AddrCacheInfo struct {
	Preferred, Valid, Created, Updated uint32
}

// Forever is the lifetime the kernel reports for an address that does not expire (INFINITY_LIFE_TIME).
const Forever = 0xffffffff

// AddrFrom returns the address p on link index, for Add and Delete.
func AddrFrom(index int32, p netip.Prefix) Addr {
	return Addr{Family: familyOf(p.Addr()), PrefixLen: uint8(p.Bits()), Index: index, Local: p.Addr()}
}

// Prefix is Local with PrefixLen.
func (a *Addr) Prefix() netip.Prefix { return prefixOf(a.Local, a.PrefixLen) }

// UnmarshalBinary decodes an RTM_NEWADDR payload (struct ifaddrmsg and IFA_* attributes) into a. Only the label
// allocates.
func (a *Addr) UnmarshalBinary(b []byte) error {
	*a = Addr{}
	if len(b) < sizeofIfAddrmsg {
		return errShort("ifaddrmsg", len(b), sizeofIfAddrmsg)
	}
	a.Family, a.PrefixLen, a.Flags, a.Scope = b[0], b[1], AddrFlags(b[2]), Scope(b[3])
	a.Index = int32(binary.NativeEndian.Uint32(b[4:8]))
	var address, local netip.Addr
	ad := proto.NewAttrDecoder(b[sizeofIfAddrmsg:])
	for ad.Next() {
		switch ad.Type() {
		case unix.IFA_ADDRESS:
			address = addrFrom(ad.Bytes())
		case unix.IFA_LOCAL:
			local = addrFrom(ad.Bytes())
		case unix.IFA_BROADCAST:
			a.Broadcast = addrFrom(ad.Bytes())
		case unix.IFA_ANYCAST:
			a.Anycast = addrFrom(ad.Bytes())
		case unix.IFA_MULTICAST:
			a.Multicast = addrFrom(ad.Bytes())
		case unix.IFA_LABEL:
			a.Label = ad.String()
		case unix.IFA_FLAGS:
			a.Flags = AddrFlags(ad.Uint32())
		case unix.IFA_CACHEINFO:
			if p := ad.Bytes(); len(p) >= 16 {
				a.CacheInfo = AddrCacheInfo{binary.NativeEndian.Uint32(p), binary.NativeEndian.Uint32(p[4:]),
					binary.NativeEndian.Uint32(p[8:]), binary.NativeEndian.Uint32(p[12:])}
			}
		case unix.IFA_RT_PRIORITY:
			a.RoutePriority = ad.Uint32()
		case ifaProto:
			a.Protocol = Protocol(ad.Uint8())
		}
	}
	if local.IsValid() {
		a.Local = local
		if address.IsValid() && address != local {
			a.Peer = address
		}
	} else {
		a.Local = address
	}
	return ad.Err()
}

// MarshalBinary encodes a as an RTM_NEWADDR request payload: struct ifaddrmsg (the family from Local when
// Family is 0), IFA_LOCAL, IFA_ADDRESS (Peer, or Local), IFA_BROADCAST, IFA_ANYCAST, IFA_LABEL, IFA_FLAGS,
// IFA_CACHEINFO (when a lifetime is set), IFA_RT_PRIORITY and IFA_PROTO.
func (a *Addr) MarshalBinary() ([]byte, error) { return a.marshal(false) }

func (a *Addr) marshal(del bool) ([]byte, error) {
	b := make([]byte, sizeofIfAddrmsg, 96)
	b[0], b[1], b[2], b[3] = familyOr(a.Family, a.Local), a.PrefixLen, uint8(a.Flags), uint8(a.Scope)
	binary.NativeEndian.PutUint32(b[4:8], uint32(a.Index))
	ae := proto.NewAttrEncoder(b)
	if a.Local.IsValid() {
		ae.Raw(unix.IFA_LOCAL, a.Local.AsSlice())
	}
	switch {
	case a.Peer.IsValid():
		ae.Raw(unix.IFA_ADDRESS, a.Peer.AsSlice())
	case a.Local.IsValid():
		ae.Raw(unix.IFA_ADDRESS, a.Local.AsSlice())
	}
	if a.Label != "" {
		ae.String(unix.IFA_LABEL, a.Label)
	}
	if del {
		return ae.Bytes(), nil
	}
	if a.Broadcast.IsValid() {
		ae.Raw(unix.IFA_BROADCAST, a.Broadcast.AsSlice())
	}
	if a.Anycast.IsValid() {
		ae.Raw(unix.IFA_ANYCAST, a.Anycast.AsSlice())
	}
	if a.Flags > 0xff {
		ae.Uint32(unix.IFA_FLAGS, uint32(a.Flags))
	}
	if ci := a.CacheInfo; ci.Preferred != 0 || ci.Valid != 0 {
		var p [16]byte
		binary.NativeEndian.PutUint32(p[0:], ci.Preferred)
		binary.NativeEndian.PutUint32(p[4:], ci.Valid)
		ae.Raw(unix.IFA_CACHEINFO, p[:])
	}
	if a.RoutePriority != 0 {
		ae.Uint32(unix.IFA_RT_PRIORITY, a.RoutePriority)
	}
	if a.Protocol != 0 {
		ae.Uint8(ifaProto, uint8(a.Protocol))
	}
	return ae.Bytes(), nil
}

func (a *Addr) request(typ uint16) ([]byte, error) {
	if !a.Local.IsValid() {
		return nil, fmt.Errorf("route: %s: no address (Local)", msgTypeName(typ))
	}
	return a.marshal(typ == unix.RTM_DELADDR)
}

func (a *Addr) describe() string { return fmt.Sprintf("%s dev %d", a.brief(), a.Index) }

// AddrService lists, adds and deletes addresses (RTM_GETADDR, RTM_NEWADDR, RTM_DELADDR).
type AddrService struct{ service[Addr, *Addr] }

// AddrFilter selects addresses. Family is the dump's ifa_family; Index is applied by the kernel under strict
// checking (ifa_index) and again in user space.
type AddrFilter struct {
	// Family keeps one family (AF_INET, AF_INET6); 0 keeps all.
	Family uint8
	// Index keeps the addresses of one link; 0 keeps all.
	Index int32
}

func (f *AddrFilter) match(a *Addr) bool {
	return f == nil || ((f.Family == 0 || a.Family == f.Family) && (f.Index == 0 || a.Index == f.Index))
}

// All streams the addresses f selects (an RTM_GETADDR dump; nil: all). Nothing but labels is allocated per
// address. NLM_F_DUMP_INTR ends the stream with an error matching nlkit.ErrDumpInterrupted.
func (s *AddrService) All(ctx context.Context, f *AddrFilter) iter.Seq2[Addr, error] {
	return s.dump(ctx, f, false, f.request())
}

// request is the struct ifaddrmsg of a dump: the family and, under strict checking, the link.
func (f *AddrFilter) request() []byte {
	req := make([]byte, sizeofIfAddrmsg)
	if f != nil {
		req[0] = f.Family
		binary.NativeEndian.PutUint32(req[4:8], uint32(f.Index))
	}
	return req
}

// List returns the addresses f selects, retrying interrupted dumps (see LinkService.List).
func (s *AddrService) List(ctx context.Context, f *AddrFilter) ([]Addr, error) {
	return s.ListInto(ctx, nil, f)
}

// ListInto appends the addresses f selects to dst and returns the extended slice (see LinkService.ListInto).
func (s *AddrService) ListInto(ctx context.Context, dst []Addr, f *AddrFilter) ([]Addr, error) {
	return s.list(ctx, dst, f, false, f.request())
}

// Add adds an address (RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL): Index and Local with PrefixLen at least
// (see AddrFrom). An existing address gives an error matching unix.EEXIST.
func (s *AddrService) Add(ctx context.Context, a Addr) error { return s.add(ctx, createExcl, &a) }

// Replace adds the address or updates it in place (RTM_NEWADDR with NLM_F_CREATE|NLM_F_REPLACE): lifetimes,
// flags, route priority.
func (s *AddrService) Replace(ctx context.Context, a Addr) error {
	return s.add(ctx, createReplace, &a)
}

// Delete removes an address (RTM_DELADDR) matched by Index, Local, PrefixLen, Peer and Label.
func (s *AddrService) Delete(ctx context.Context, a Addr) error { return s.remove(ctx, &a) }
