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

// sizeofNdMsg is sizeof(struct ndmsg).
const sizeofNdMsg = unix.SizeofNdMsg

// Neigh is a neighbour (ARP, NDP) entry: struct ndmsg and the NDA_* attributes of RTM_NEWNEIGH, as
// `ip -d neigh` shows it.
type Neigh struct {
	// Family is ndm_family (AF_INET, AF_INET6; AF_BRIDGE for the forwarding database).
	Family uint8
	// Index is ndm_ifindex.
	Index int32
	// State is ndm_state (NUD_*); Flags is ndm_flags (NTF_*); Type is ndm_type (RTN_*).
	State NeighState
	Flags NeighFlags
	Type  uint8
	// ExtFlags is NDA_FLAGS_EXT (NTF_EXT_*).
	ExtFlags uint32
	// Dst is NDA_DST: the neighbour's network address.
	Dst netip.Addr
	// LLAddr is NDA_LLADDR: its link-layer address.
	LLAddr HWAddr
	// Probes is NDA_PROBES.
	Probes uint32
	// CacheInfo is NDA_CACHEINFO (times in clock ticks, as ip's "used" shows them divided by USER_HZ).
	CacheInfo NeighCacheInfo
	// Vlan, Port (host order) and VNI are NDA_VLAN, NDA_PORT and NDA_VNI (bridge and vxlan entries).
	Vlan uint16
	Port uint16
	VNI  uint32
	// IfIndex is NDA_IFINDEX and Master NDA_MASTER.
	IfIndex, Master int32
	// LinkNetNSID is NDA_LINK_NETNSID, valid when HasLinkNetNSID.
	LinkNetNSID    int32
	HasLinkNetNSID bool
	// Protocol is NDA_PROTOCOL; NexthopID is NDA_NH_ID.
	Protocol  Protocol
	NexthopID uint32
}

// NeighCacheInfo is struct nda_cacheinfo (NDA_CACHEINFO): ndm_confirmed, ndm_used, ndm_updated (clock ticks ago)
// and ndm_refcnt.
type NeighCacheInfo struct {
	Confirmed, Used, Updated, RefCnt uint32
}

// UnmarshalBinary decodes an RTM_NEWNEIGH payload (struct ndmsg and NDA_* attributes) into n without
// allocating.
func (n *Neigh) UnmarshalBinary(b []byte) error {
	*n = Neigh{}
	if len(b) < sizeofNdMsg {
		return errShort("ndmsg", len(b), sizeofNdMsg)
	}
	n.Family = b[0]
	n.Index = int32(binary.NativeEndian.Uint32(b[4:8]))
	n.State = NeighState(binary.NativeEndian.Uint16(b[8:10]))
	n.Flags, n.Type = NeighFlags(b[10]), b[11]
	ad := proto.NewAttrDecoder(b[sizeofNdMsg:])
	for ad.Next() {
		switch ad.Type() {
		case unix.NDA_DST:
			n.Dst = addrFrom(ad.Bytes())
		case unix.NDA_LLADDR:
			n.LLAddr = HWAddrFrom(ad.Bytes())
		case unix.NDA_PROBES:
			n.Probes = ad.Uint32()
		case unix.NDA_CACHEINFO:
			if p := ad.Bytes(); len(p) >= 16 {
				n.CacheInfo = NeighCacheInfo{binary.NativeEndian.Uint32(p), binary.NativeEndian.Uint32(p[4:]),
					binary.NativeEndian.Uint32(p[8:]), binary.NativeEndian.Uint32(p[12:])}
			}
		case unix.NDA_VLAN:
			n.Vlan = ad.Uint16()
		case unix.NDA_PORT:
			n.Port = ad.BE16()
		case unix.NDA_VNI:
			n.VNI = ad.Uint32()
		case unix.NDA_IFINDEX:
			n.IfIndex = ad.Int32()
		case unix.NDA_MASTER:
			n.Master = ad.Int32()
		case unix.NDA_LINK_NETNSID:
			n.LinkNetNSID, n.HasLinkNetNSID = ad.Int32(), true
		case ndaProtocol:
			n.Protocol = Protocol(ad.Uint8())
		case ndaNHID:
			n.NexthopID = ad.Uint32()
		case ndaFlagsExt:
			n.ExtFlags = ad.Uint32()
		}
	}
	return ad.Err()
}

// MarshalBinary encodes n as an RTM_NEWNEIGH request payload: struct ndmsg (the family from Dst when Family is
// 0), NDA_DST, NDA_LLADDR, NDA_VLAN, NDA_PORT, NDA_VNI, NDA_IFINDEX, NDA_MASTER, NDA_PROTOCOL, NDA_NH_ID and
// NDA_FLAGS_EXT, each when set.
func (n *Neigh) MarshalBinary() ([]byte, error) {
	b := make([]byte, sizeofNdMsg, 64)
	b[0] = familyOr(n.Family, n.Dst)
	binary.NativeEndian.PutUint32(b[4:8], uint32(n.Index))
	binary.NativeEndian.PutUint16(b[8:10], uint16(n.State))
	b[10], b[11] = uint8(n.Flags), n.Type
	ae := proto.NewAttrEncoder(b)
	if n.Dst.IsValid() {
		ae.Raw(unix.NDA_DST, n.Dst.AsSlice())
	}
	if n.LLAddr.IsValid() {
		ae.Raw(unix.NDA_LLADDR, n.LLAddr.AppendTo(nil))
	}
	if n.Vlan != 0 {
		ae.Uint16(unix.NDA_VLAN, n.Vlan)
	}
	if n.Port != 0 {
		ae.BE16(unix.NDA_PORT, n.Port)
	}
	for _, f := range []struct {
		t uint16
		v uint32
	}{{unix.NDA_VNI, n.VNI}, {unix.NDA_IFINDEX, uint32(n.IfIndex)}, {unix.NDA_MASTER, uint32(n.Master)},
		{ndaNHID, n.NexthopID}, {ndaFlagsExt, n.ExtFlags}} {
		if f.v != 0 {
			ae.Uint32(f.t, f.v)
		}
	}
	if n.Protocol != 0 {
		ae.Uint8(ndaProtocol, uint8(n.Protocol))
	}
	return ae.Bytes(), nil
}

// NeighService lists, adds, changes, replaces and deletes neighbour entries (RTM_GETNEIGH, RTM_NEWNEIGH,
// RTM_DELNEIGH).
type NeighService struct{ service[Neigh, *Neigh] }

// NeighFilter selects neighbour entries. The kernel applies Index and Master (NDA_IFINDEX, NDA_MASTER) and
// Proxy (NTF_PROXY); Family and Index are applied again in user space, and Master is resolved in user space
// through the links' masters when the Client does not know strict checking to be on.
type NeighFilter struct {
	// Family keeps one family (AF_INET, AF_INET6); 0 keeps all.
	Family uint8
	// Index keeps the entries of one link; Master the entries of the links enslaved to it.
	Index, Master int32
	// Proxy lists the proxy entries (ip neigh show proxy) instead of the neighbour cache.
	Proxy bool
}

func (f *NeighFilter) match(n *Neigh) bool {
	return f == nil || ((f.Family == 0 || n.Family == f.Family) && (f.Index == 0 || n.Index == f.Index))
}

func (f *NeighFilter) request() []byte {
	req := make([]byte, sizeofNdMsg, 32)
	if f == nil {
		return req
	}
	req[0] = f.Family
	if f.Proxy {
		req[10] = unix.NTF_PROXY
	}
	ae := proto.NewAttrEncoder(req)
	if f.Index != 0 {
		ae.Uint32(unix.NDA_IFINDEX, uint32(f.Index))
	}
	if f.Master != 0 {
		ae.Uint32(unix.NDA_MASTER, uint32(f.Master))
	}
	return ae.Bytes()
}

// portsFilter is a NeighFilter whose Master is resolved in user space: ports are the links enslaved to it.
type portsFilter struct {
	f     *NeighFilter
	ports map[int32]bool
}

func (p *portsFilter) match(n *Neigh) bool { return p.f.match(n) && p.ports[n.Index] }

// All streams the neighbour entries f selects (an RTM_GETNEIGH dump; nil: all entries of ARP and NDP,
// including NUD_NOARP ones that `ip neigh` hides unless asked for "nud all"). Nothing is allocated per entry.
func (s *NeighService) All(ctx context.Context, f *NeighFilter) iter.Seq2[Neigh, error] {
	req := f.request()
	if f == nil || f.Master == 0 || s.c.strict {
		return s.dump(ctx, f, false, req)
	}
	return func(yield func(Neigh, error) bool) {
		pf, err := s.ports(ctx, f)
		if err != nil {
			yield(Neigh{}, err)
			return
		}
		for n, err := range s.dump(ctx, pf, false, req) {
			if !yield(n, err) {
				return
			}
		}
	}
}

// ports is the user-space filter of f.Master without strict checking: f and the master's ports.
func (s *NeighService) ports(ctx context.Context, f *NeighFilter) (*portsFilter, error) {
	links, err := s.c.Link.List(ctx, &LinkFilter{Master: f.Master})
	if err != nil {
		return nil, err
	}
	pf := &portsFilter{f: f, ports: map[int32]bool{}}
	for _, l := range links {
		pf.ports[l.Index] = true
	}
	return pf, nil
}

// List returns the neighbour entries f selects, retrying interrupted dumps (see LinkService.List).
func (s *NeighService) List(ctx context.Context, f *NeighFilter) ([]Neigh, error) {
	return s.ListInto(ctx, nil, f)
}

// ListInto appends the neighbour entries f selects to dst and returns the extended slice (see
// LinkService.ListInto).
func (s *NeighService) ListInto(ctx context.Context, dst []Neigh, f *NeighFilter) ([]Neigh, error) {
	if f == nil || f.Master == 0 || s.c.strict {
		return s.list(ctx, dst, f, false, f.request())
	}
	pf, err := s.ports(ctx, f)
	if err != nil {
		return dst, err
	}
	return s.list(ctx, dst, pf, false, f.request())
}

// Add adds a neighbour entry (RTM_NEWNEIGH with NLM_F_CREATE|NLM_F_EXCL): Index, Dst, LLAddr, and State
// (NUD_PERMANENT when 0), as `ip neigh add` does.
func (s *NeighService) Add(ctx context.Context, n Neigh) error {
	return s.add(ctx, createExcl, n.withDefaults())
}

// Replace adds the entry or replaces the existing one (RTM_NEWNEIGH with NLM_F_CREATE|NLM_F_REPLACE).
func (s *NeighService) Replace(ctx context.Context, n Neigh) error {
	return s.add(ctx, createReplace, n.withDefaults())
}

// Change changes an existing entry and fails with an error matching unix.ENOENT when there is none
// (RTM_NEWNEIGH with NLM_F_REPLACE and without NLM_F_CREATE), as `ip neigh change` does; State is
// NUD_PERMANENT when 0.
func (s *NeighService) Change(ctx context.Context, n Neigh) error {
	return s.add(ctx, unix.NLM_F_REPLACE, n.withDefaults())
}

// Delete removes a neighbour entry (RTM_DELNEIGH). The request carries the whole key: the family, the link
// (ndm_ifindex), NDA_DST, the proxy flag, and for bridge entries NDA_LLADDR and NDA_VLAN.
func (s *NeighService) Delete(ctx context.Context, n Neigh) error {
	key := Neigh{Family: n.Family, Index: n.Index, Dst: n.Dst, Flags: n.Flags & (NeighProxy | NeighSelf | NeighMaster)}
	if n.Family == unix.AF_BRIDGE {
		key.LLAddr, key.Vlan, key.VNI = n.LLAddr, n.Vlan, n.VNI
	}
	return s.remove(ctx, &key)
}

func (n Neigh) withDefaults() *Neigh {
	if n.State == 0 {
		n.State = NeighPermanent
	}
	return &n
}

func (n *Neigh) request(typ uint16) ([]byte, error) {
	if n.Index == 0 {
		return nil, fmt.Errorf("route: %s: no link (Index)", msgTypeName(typ))
	}
	if !n.Dst.IsValid() && n.Family != unix.AF_BRIDGE {
		return nil, fmt.Errorf("route: %s: no address (Dst)", msgTypeName(typ))
	}
	return n.MarshalBinary()
}

func (n *Neigh) describe() string { return fmt.Sprintf("%v dev %d", n.Dst, n.Index) }
