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

// sizeofNhMsg is sizeof(struct nhmsg).
const sizeofNhMsg = 8

// Nexthop is a nexthop object: struct nhmsg and the NHA_* attributes of RTM_NEWNEXTHOP, as `ip nexthop` shows
// it.
type Nexthop struct {
	// ID is NHA_ID.
	ID uint32
	// Family is nh_family: AF_INET or AF_INET6, AF_UNSPEC for groups. The kernel refuses AF_UNSPEC for any
	// other nexthop ("Invalid address family"), so Add and Replace take a zero Family from Gateway, or send
	// AF_INET for a blackhole or a device-only nexthop, as ip's ipnh_modify chooses; groups stay AF_UNSPEC.
	Family uint8
	// Scope is nh_scope; Protocol is nh_protocol; Flags is nh_flags (RTNH_F_ONLINK, RTNH_F_DEAD...).
	Scope    Scope
	Protocol Protocol
	Flags    uint32
	// Group is NHA_GROUP: the members of a group.
	Group []NexthopGroupMember
	// GroupType is NHA_GROUP_TYPE (NEXTHOP_GRP_TYPE_MPATH 0, NEXTHOP_GRP_TYPE_RES 1).
	GroupType uint16
	// ResGroup is NHA_RES_GROUP: the parameters of a resilient group (GroupType NEXTHOP_GRP_TYPE_RES); nil
	// when absent. In a request, only its Buckets, IdleTimer and UnbalancedTimer are sent, those not zero.
	ResGroup *NexthopResGroup
	// Blackhole is NHA_BLACKHOLE.
	Blackhole bool
	// OIF is NHA_OIF; Gateway is NHA_GATEWAY.
	OIF     int32
	Gateway netip.Addr
	// EncapType and Encap are NHA_ENCAP_TYPE and the raw NHA_ENCAP.
	EncapType uint16
	Encap     []byte
	// FDB is NHA_FDB: the nexthop is for the bridge forwarding database.
	FDB bool
}

// NexthopGroupMember is a struct nexthop_grp of NHA_GROUP.
type NexthopGroupMember struct {
	// ID is the member's nexthop id.
	ID uint32
	// Weight is the member's weight as ip prints it (1-65536; the wire holds weight-1).
	Weight uint32
}

// NHA_RES_GROUP_* attributes (enum nha_res_group, <linux/nexthop.h>).
const (
	nhaResGroupBuckets         = 1
	nhaResGroupIdleTimer       = 2
	nhaResGroupUnbalancedTimer = 3
	nhaResGroupUnbalancedTime  = 4
)

// NexthopResGroup is NHA_RES_GROUP, a resilient group's parameters. The times are in clock ticks (USER_HZ,
// 1/100 s), as the kernel sends them (jiffies_to_clock_t) and ip prints them in seconds.
type NexthopResGroup struct {
	// Buckets is NHA_RES_GROUP_BUCKETS: the number of hash buckets.
	Buckets uint16
	// IdleTimer is NHA_RES_GROUP_IDLE_TIMER: how long a bucket must be idle before it may move.
	IdleTimer uint32
	// UnbalancedTimer is NHA_RES_GROUP_UNBALANCED_TIMER: how long the group may stay unbalanced before
	// buckets move regardless of the idle timer (0: forever).
	UnbalancedTimer uint32
	// UnbalancedTime is NHA_RES_GROUP_UNBALANCED_TIME: how long the group has been unbalanced (read only).
	UnbalancedTime uint64
}

func (r *NexthopResGroup) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		switch ad.Type() {
		case nhaResGroupBuckets:
			r.Buckets = ad.Uint16()
		case nhaResGroupIdleTimer:
			r.IdleTimer = ad.Uint32()
		case nhaResGroupUnbalancedTimer:
			r.UnbalancedTimer = ad.Uint32()
		case nhaResGroupUnbalancedTime:
			r.UnbalancedTime = ad.Uint64()
		}
	}
	return ad.Err()
}

// UnmarshalBinary decodes an RTM_NEWNEXTHOP payload (struct nhmsg and NHA_* attributes) into nh. Only groups
// and encapsulations allocate.
func (nh *Nexthop) UnmarshalBinary(b []byte) error {
	*nh = Nexthop{}
	if len(b) < sizeofNhMsg {
		return errShort("nhmsg", len(b), sizeofNhMsg)
	}
	nh.Family, nh.Scope, nh.Protocol = b[0], Scope(b[1]), Protocol(b[2])
	nh.Flags = binary.NativeEndian.Uint32(b[4:8])
	ad := proto.NewAttrDecoder(b[sizeofNhMsg:])
	for ad.Next() {
		switch ad.Type() {
		case unix.NHA_ID:
			nh.ID = ad.Uint32()
		case unix.NHA_GROUP:
			p := ad.Bytes()
			for ; len(p) >= 8; p = p[8:] {
				w := uint32(p[4]) | uint32(p[5])<<8
				nh.Group = append(nh.Group, NexthopGroupMember{ID: binary.NativeEndian.Uint32(p), Weight: w + 1})
			}
		case unix.NHA_GROUP_TYPE:
			nh.GroupType = ad.Uint16()
		case nhaResGroup:
			nh.ResGroup = new(NexthopResGroup)
			if err := nh.ResGroup.decode(ad.Bytes()); err != nil {
				return fmt.Errorf("route: NHA_RES_GROUP: %w", err)
			}
		case unix.NHA_BLACKHOLE:
			nh.Blackhole = true
		case unix.NHA_OIF:
			nh.OIF = ad.Int32()
		case unix.NHA_GATEWAY:
			nh.Gateway = addrFrom(ad.Bytes())
		case unix.NHA_ENCAP_TYPE:
			nh.EncapType = ad.Uint16()
		case unix.NHA_ENCAP:
			nh.Encap = append([]byte(nil), ad.Bytes()...)
		case nhaFDB:
			nh.FDB = true
		}
	}
	return ad.Err()
}

// MarshalBinary encodes nh as an RTM_NEWNEXTHOP request payload: struct nhmsg and NHA_ID, NHA_OIF, NHA_GATEWAY,
// NHA_BLACKHOLE, NHA_GROUP, NHA_GROUP_TYPE, NHA_RES_GROUP, NHA_ENCAP_TYPE, NHA_ENCAP and NHA_FDB as set. The
// family comes from Gateway when Family is 0 (Add and Replace also choose one for blackholes and devices).
func (nh *Nexthop) MarshalBinary() ([]byte, error) {
	b := make([]byte, sizeofNhMsg, 64)
	b[0], b[1], b[2] = familyOr(nh.Family, nh.Gateway), uint8(nh.Scope), uint8(nh.Protocol)
	binary.NativeEndian.PutUint32(b[4:8], nh.Flags)
	ae := proto.NewAttrEncoder(b)
	if nh.ID != 0 {
		ae.Uint32(unix.NHA_ID, nh.ID)
	}
	if len(nh.Group) > 0 {
		g := make([]byte, 8*len(nh.Group))
		for i, m := range nh.Group {
			w := m.Weight
			if w == 0 {
				w = 1
			}
			binary.NativeEndian.PutUint32(g[8*i:], m.ID)
			g[8*i+4], g[8*i+5] = uint8(w-1), uint8((w-1)>>8)
		}
		ae.Raw(unix.NHA_GROUP, g)
		if nh.GroupType != 0 {
			ae.Uint16(unix.NHA_GROUP_TYPE, nh.GroupType)
		}
		if r := nh.ResGroup; r != nil {
			n := ae.Nest(nhaResGroup)
			if r.Buckets != 0 {
				ae.Uint16(nhaResGroupBuckets, r.Buckets)
			}
			if r.IdleTimer != 0 {
				ae.Uint32(nhaResGroupIdleTimer, r.IdleTimer)
			}
			if r.UnbalancedTimer != 0 {
				ae.Uint32(nhaResGroupUnbalancedTimer, r.UnbalancedTimer)
			}
			ae.End(n)
		}
	}
	if nh.Blackhole {
		ae.Flag(unix.NHA_BLACKHOLE)
	}
	if nh.OIF != 0 {
		ae.Uint32(unix.NHA_OIF, uint32(nh.OIF))
	}
	if nh.Gateway.IsValid() {
		ae.Raw(unix.NHA_GATEWAY, nh.Gateway.AsSlice())
	}
	if nh.EncapType != 0 {
		ae.Uint16(unix.NHA_ENCAP_TYPE, nh.EncapType)
	}
	if len(nh.Encap) > 0 {
		ae.Raw(unix.NHA_ENCAP|proto.AttrNested, nh.Encap)
	}
	if nh.FDB {
		ae.Flag(nhaFDB)
	}
	return ae.Bytes(), nil
}

// requestFamily is the nh_family of a request: Family, else the gateway's, else AF_INET for any nexthop that
// is not a group (ip's ipnh_modify sets AF_INET for "blackhole" and "dev"; the kernel's rtm_to_nh_config
// accepts AF_UNSPEC only with NHA_GROUP).
func (nh *Nexthop) requestFamily() uint8 {
	if f := familyOr(nh.Family, nh.Gateway); f != 0 || len(nh.Group) > 0 {
		return f
	}
	if nh.Blackhole || nh.OIF != 0 {
		return unix.AF_INET
	}
	return 0
}

// NexthopService lists, gets, adds, replaces and deletes nexthop objects (RTM_GETNEXTHOP, RTM_NEWNEXTHOP,
// RTM_DELNEXTHOP; Linux 5.3 and later).
type NexthopService struct{ service[Nexthop, *Nexthop] }

// NexthopFilter selects nexthops. The kernel always applies it (the nexthop family validates its dump requests
// strictly: NHA_OIF, NHA_MASTER, NHA_GROUPS, NHA_FDB); Family, OIF, Groups and FDB are applied again in user
// space.
type NexthopFilter struct {
	// Family keeps one family; 0 keeps all.
	Family uint8
	// OIF keeps the nexthops through this link; Master those through links enslaved to it.
	OIF, Master int32
	// Groups keeps only groups; FDB only FDB nexthops.
	Groups, FDB bool
}

func (f *NexthopFilter) match(nh *Nexthop) bool {
	return f == nil || ((f.Family == 0 || nh.Family == f.Family) && (f.OIF == 0 || nh.OIF == f.OIF) &&
		(!f.Groups || len(nh.Group) > 0) && (!f.FDB || nh.FDB))
}

// All streams the nexthops f selects (an RTM_GETNEXTHOP dump; nil: all).
func (s *NexthopService) All(ctx context.Context, f *NexthopFilter) iter.Seq2[Nexthop, error] {
	return s.dump(ctx, f, false, f.request())
}

// request is the struct nhmsg and NHA_* attributes of a dump: the kernel-side part of f.
func (f *NexthopFilter) request() []byte {
	req := make([]byte, sizeofNhMsg, 32)
	if f != nil {
		req[0] = f.Family
		ae := proto.NewAttrEncoder(req)
		if f.OIF != 0 {
			ae.Uint32(unix.NHA_OIF, uint32(f.OIF))
		}
		if f.Master != 0 {
			ae.Uint32(unix.NHA_MASTER, uint32(f.Master))
		}
		if f.Groups {
			ae.Flag(unix.NHA_GROUPS)
		}
		if f.FDB {
			ae.Flag(nhaFDB)
		}
		req = ae.Bytes()
	}
	return req
}

// List returns the nexthops f selects, retrying interrupted dumps (see LinkService.List).
func (s *NexthopService) List(ctx context.Context, f *NexthopFilter) ([]Nexthop, error) {
	return s.ListInto(ctx, nil, f)
}

// ListInto appends the nexthops f selects to dst and returns the extended slice (see LinkService.ListInto).
func (s *NexthopService) ListInto(ctx context.Context, dst []Nexthop, f *NexthopFilter) ([]Nexthop, error) {
	return s.list(ctx, dst, f, false, f.request())
}

// Get returns the nexthop with NHA_ID id (RTM_GETNEXTHOP).
func (s *NexthopService) Get(ctx context.Context, id uint32) (Nexthop, error) {
	key := Nexthop{ID: id}
	return s.get(ctx, key.idOnly(), key.describe())
}

// Add adds a nexthop (RTM_NEWNEXTHOP with NLM_F_CREATE|NLM_F_EXCL); Protocol defaults to boot, as ip's does,
// and Family as Family's documentation says.
// A gateway through a link that is down fails with the kernel's "Nexthop device is not up" in the error.
func (s *NexthopService) Add(ctx context.Context, nh Nexthop) error {
	return s.add(ctx, createExcl, nh.withDefaults())
}

// Replace adds the nexthop or replaces the one with the same ID (RTM_NEWNEXTHOP with
// NLM_F_CREATE|NLM_F_REPLACE).
func (s *NexthopService) Replace(ctx context.Context, nh Nexthop) error {
	return s.add(ctx, createReplace, nh.withDefaults())
}

// Delete removes the nexthop with nh.ID (RTM_DELNEXTHOP with NHA_ID).
func (s *NexthopService) Delete(ctx context.Context, nh Nexthop) error { return s.remove(ctx, &nh) }

func (nh Nexthop) withDefaults() *Nexthop {
	if nh.Protocol == 0 {
		nh.Protocol = ProtocolBoot
	}
	nh.Family = nh.requestFamily()
	return &nh
}

func (nh *Nexthop) request(typ uint16) ([]byte, error) {
	if typ == unix.RTM_DELNEXTHOP {
		return nh.idOnly(), nil
	}
	return nh.MarshalBinary()
}

// idOnly is the payload that names a nexthop by NHA_ID alone (RTM_GETNEXTHOP, RTM_DELNEXTHOP).
func (nh *Nexthop) idOnly() []byte {
	ae := proto.NewAttrEncoder(make([]byte, sizeofNhMsg, 16))
	ae.Uint32(unix.NHA_ID, nh.ID)
	return ae.Bytes()
}

func (nh *Nexthop) describe() string { return fmt.Sprintf("id %d", nh.ID) }
