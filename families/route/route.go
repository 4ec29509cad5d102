//go:build linux

package route

import (
	"encoding/binary"
	"net/netip"

	"github.com/nlkit/nlkit/proto"
	"golang.org/x/sys/unix"
)

// sizeofRtMsg is sizeof(struct rtmsg).
const sizeofRtMsg = unix.SizeofRtMsg

// Route is a route: struct rtmsg and the RTA_* attributes of RTM_NEWROUTE, as `ip -d route show table all`
// shows them. Decoding a route that has no multipath and no encapsulation allocates nothing.
type Route struct {
	// Family is rtm_family (AF_INET, AF_INET6; RTNL_FAMILY_IPMR 128 and RTNL_FAMILY_IP6MR 129 for multicast).
	Family uint8
	// Table is RTA_TABLE, or rtm_table without it.
	Table uint32
	// Protocol is rtm_protocol; Scope is rtm_scope; Type is rtm_type.
	Protocol Protocol
	Scope    Scope
	Type     RouteType
	// HasScope, in requests only, says that Scope is meant even when it is ScopeUniverse ("global"): Add,
	// Replace, Append and Delete then send it instead of ip's default scope. Decoding never sets it.
	HasScope bool
	// Flags is rtm_flags (RTM_F_*, RTNH_F_* of a single-path route).
	Flags uint32
	// TOS is rtm_tos (the DSCP field for IPv4).
	TOS uint8
	// Dst is RTA_DST with rtm_dst_len; the default route is 0.0.0.0/0 or ::/0.
	Dst netip.Prefix
	// Src is RTA_SRC with rtm_src_len (IPv6 source-specific routes); the zero Prefix when rtm_src_len is 0 and
	// there is no RTA_SRC.
	Src netip.Prefix
	// PrefSrc is RTA_PREFSRC: the source address to prefer.
	PrefSrc netip.Addr
	// Gateway is RTA_GATEWAY.
	Gateway netip.Addr
	// Via is RTA_VIA: a gateway of another family (IPv6 nexthop for an IPv4 route).
	Via netip.Addr
	// OIF and IIF are RTA_OIF and RTA_IIF: output and input link indexes.
	OIF, IIF int32
	// Priority is RTA_PRIORITY: the metric. HasPriority says the attribute is present (the kernel sends it
	// for every IPv6 route, for IPv4 routes only when it is not 0); requests carry it when Priority is not 0
	// or HasPriority is set.
	Priority    uint32
	HasPriority bool
	// Mark is RTA_MARK (route get).
	Mark uint32
	// Metrics is RTA_METRICS.
	Metrics Metrics
	// MultiPath is RTA_MULTIPATH: the nexthops of an ECMP route.
	MultiPath []NextHop
	// NexthopID is RTA_NH_ID: the nexthop object the route uses.
	NexthopID uint32
	// EncapType and Encap are RTA_ENCAP_TYPE (LWTUNNEL_ENCAP_*) and the raw RTA_ENCAP attributes.
	EncapType uint16
	Encap     []byte
	// Pref is RTA_PREF: the IPv6 router preference (ICMPV6_ROUTER_PREF_*: 0 medium, 1 high, 3 low). HasPref
	// says the attribute is present (every IPv6 route has it); requests carry it when Pref is not 0 or HasPref
	// is set.
	Pref    uint8
	HasPref bool
	// Expires is RTA_EXPIRES, in clock ticks (IPv6).
	Expires uint32
	// CacheInfo is RTA_CACHEINFO.
	CacheInfo RouteCacheInfo
	// UID is RTA_UID, valid when HasUID.
	UID    uint32
	HasUID bool
	// Flow is RTA_FLOW: the realms.
	Flow uint32
	// TTLPropagate is RTA_TTL_PROPAGATE (MPLS).
	TTLPropagate uint8
}

// RouteCacheInfo is struct rta_cacheinfo (RTA_CACHEINFO): rta_clntref, rta_lastuse, rta_expires, rta_error,
// rta_used, rta_id, rta_ts, rta_tsage.
type RouteCacheInfo struct {
	ClntRef, LastUse uint32
	Expires          int32
	Error, Used, ID  uint32
	TS, TSAge        uint32
}

// NextHop is one struct rtnexthop of RTA_MULTIPATH and its attributes.
type NextHop struct {
	// OIF is rtnh_ifindex.
	OIF int32
	// Hops is rtnh_hops: the weight minus one.
	Hops uint8
	// Flags is rtnh_flags (RTNH_F_ONLINK, RTNH_F_DEAD, RTNH_F_LINKDOWN...).
	Flags uint8
	// Gateway is RTA_GATEWAY; Via is RTA_VIA.
	Gateway, Via netip.Addr
	// Flow is RTA_FLOW.
	Flow uint32
	// EncapType and Encap are RTA_ENCAP_TYPE and RTA_ENCAP.
	EncapType uint16
	Encap     []byte
}

// Weight is Hops+1, the weight ip prints.
func (n NextHop) Weight() int { return int(n.Hops) + 1 }

// Metrics is RTA_METRICS: the RTAX_* values. A zero field was not set (the kernel does not report zero
// metrics).
type Metrics struct {
	// Lock is RTAX_LOCK: a bitmask of locked metrics (1 << RTAX_MTU...).
	Lock uint32
	// MTU, Window, RTT, RTTVar, SSThresh, CWnd, AdvMSS, Reordering, HopLimit, InitCWnd, Features, RTOMin,
	// InitRwnd, QuickAck and FastopenNoCookie are RTAX_MTU ... RTAX_FASTOPEN_NO_COOKIE.
	MTU, Window, RTT, RTTVar, SSThresh, CWnd, AdvMSS, Reordering, HopLimit, InitCWnd uint32
	Features, RTOMin, InitRwnd, QuickAck, FastopenNoCookie                           uint32
	// CCAlgo is RTAX_CC_ALGO: the congestion control algorithm.
	CCAlgo string
}

func (mt *Metrics) field(t uint16) *uint32 {
	switch t {
	case unix.RTAX_LOCK:
		return &mt.Lock
	case unix.RTAX_MTU:
		return &mt.MTU
	case unix.RTAX_WINDOW:
		return &mt.Window
	case unix.RTAX_RTT:
		return &mt.RTT
	case unix.RTAX_RTTVAR:
		return &mt.RTTVar
	case unix.RTAX_SSTHRESH:
		return &mt.SSThresh
	case unix.RTAX_CWND:
		return &mt.CWnd
	case unix.RTAX_ADVMSS:
		return &mt.AdvMSS
	case unix.RTAX_REORDERING:
		return &mt.Reordering
	case unix.RTAX_HOPLIMIT:
		return &mt.HopLimit
	case unix.RTAX_INITCWND:
		return &mt.InitCWnd
	case unix.RTAX_FEATURES:
		return &mt.Features
	case unix.RTAX_RTO_MIN:
		return &mt.RTOMin
	case unix.RTAX_INITRWND:
		return &mt.InitRwnd
	case unix.RTAX_QUICKACK:
		return &mt.QuickAck
	case unix.RTAX_FASTOPEN_NO_COOKIE:
		return &mt.FastopenNoCookie
	}
	return nil
}

// metricTypes lists the u32 RTAX_* in order, for encoding.
var metricTypes = []uint16{unix.RTAX_LOCK, unix.RTAX_MTU, unix.RTAX_WINDOW, unix.RTAX_RTT, unix.RTAX_RTTVAR,
	unix.RTAX_SSTHRESH, unix.RTAX_CWND, unix.RTAX_ADVMSS, unix.RTAX_REORDERING, unix.RTAX_HOPLIMIT,
	unix.RTAX_INITCWND, unix.RTAX_FEATURES, unix.RTAX_RTO_MIN, unix.RTAX_INITRWND, unix.RTAX_QUICKACK,
	unix.RTAX_FASTOPEN_NO_COOKIE}

// IsZero reports whether no metric is set.
func (mt *Metrics) IsZero() bool { return *mt == Metrics{} }

func (mt *Metrics) decode(b []byte) error {
	ad := proto.NewAttrDecoder(b)
	for ad.Next() {
		if ad.Type() == unix.RTAX_CC_ALGO {
			mt.CCAlgo = intern(ad.Bytes())
			continue
		}
		if p := mt.field(ad.Type()); p != nil {
			*p = ad.Uint32()
		}
	}
	return ad.Err()
}

// UnmarshalBinary decodes an RTM_NEWROUTE payload (struct rtmsg and RTA_* attributes) into r. It allocates
// only for RTA_MULTIPATH, RTA_ENCAP and RTAX_CC_ALGO names the package does not know.
func (r *Route) UnmarshalBinary(b []byte) error {
	*r = Route{}
	if len(b) < sizeofRtMsg {
		return errShort("rtmsg", len(b), sizeofRtMsg)
	}
	r.Family = b[0]
	dstLen, srcLen := b[1], b[2]
	r.TOS = b[3]
	r.Table = uint32(b[4])
	r.Protocol, r.Scope, r.Type = Protocol(b[5]), Scope(b[6]), RouteType(b[7])
	r.Flags = binary.NativeEndian.Uint32(b[8:12])
	var dst, src netip.Addr
	ad := proto.NewAttrDecoder(b[sizeofRtMsg:])
	for ad.Next() {
		switch ad.Type() {
		case unix.RTA_DST:
			dst = addrFrom(ad.Bytes())
		case unix.RTA_SRC:
			src = addrFrom(ad.Bytes())
		case unix.RTA_GATEWAY:
			r.Gateway = addrFrom(ad.Bytes())
		case unix.RTA_VIA:
			r.Via = viaFrom(ad.Bytes())
		case unix.RTA_PREFSRC:
			r.PrefSrc = addrFrom(ad.Bytes())
		case unix.RTA_OIF:
			r.OIF = ad.Int32()
		case unix.RTA_IIF:
			r.IIF = ad.Int32()
		case unix.RTA_PRIORITY:
			r.Priority, r.HasPriority = ad.Uint32(), true
		case unix.RTA_TABLE:
			r.Table = ad.Uint32()
		case unix.RTA_MARK:
			r.Mark = ad.Uint32()
		case unix.RTA_METRICS:
			if err := r.Metrics.decode(ad.Bytes()); err != nil {
				return err
			}
		case unix.RTA_MULTIPATH:
			mp, err := decodeMultipath(ad.Bytes())
			if err != nil {
				return err
			}
			r.MultiPath = mp
		case rtaNHID:
			r.NexthopID = ad.Uint32()
		case unix.RTA_ENCAP_TYPE:
			r.EncapType = ad.Uint16()
		case unix.RTA_ENCAP:
			r.Encap = append([]byte(nil), ad.Bytes()...)
		case unix.RTA_PREF:
			r.Pref, r.HasPref = ad.Uint8(), true
		case unix.RTA_EXPIRES:
			r.Expires = ad.Uint32()
		case unix.RTA_CACHEINFO:
			r.CacheInfo.decode(ad.Bytes())
		case unix.RTA_UID:
			r.UID, r.HasUID = ad.Uint32(), true
		case unix.RTA_FLOW:
			r.Flow = ad.Uint32()
		case unix.RTA_TTL_PROPAGATE:
			r.TTLPropagate = ad.Uint8()
		}
	}
	if err := ad.Err(); err != nil {
		return err
	}
	if !dst.IsValid() {
		dst = zeroAddr(ipFamily(r.Family))
	}
	r.Dst = prefixOf(dst, dstLen)
	if src.IsValid() || srcLen != 0 {
		if !src.IsValid() {
			src = zeroAddr(ipFamily(r.Family))
		}
		r.Src = prefixOf(src, srcLen)
	}
	return nil
}

// ipFamily maps the multicast routing families to the address family they use.
func ipFamily(f uint8) uint8 {
	switch f {
	case 128: // RTNL_FAMILY_IPMR
		return unix.AF_INET
	case 129: // RTNL_FAMILY_IP6MR
		return unix.AF_INET6
	}
	return f
}

func (ci *RouteCacheInfo) decode(b []byte) {
	if len(b) < 32 {
		return
	}
	u := func(i int) uint32 { return binary.NativeEndian.Uint32(b[4*i:]) }
	*ci = RouteCacheInfo{u(0), u(1), int32(u(2)), u(3), u(4), u(5), u(6), u(7)}
}

// viaFrom decodes struct rtvia: a u16 family and the address.
func viaFrom(b []byte) netip.Addr {
	if len(b) < 2 {
		return netip.Addr{}
	}
	return addrFrom(b[2:])
}

// sizeofRtNexthop is sizeof(struct rtnexthop).
const sizeofRtNexthop = unix.SizeofRtNexthop

func decodeMultipath(b []byte) ([]NextHop, error) {
	var out []NextHop
	for len(b) >= sizeofRtNexthop {
		l := int(binary.NativeEndian.Uint16(b))
		if l < sizeofRtNexthop || l > len(b) {
			return out, &proto.AttrError{Kind: proto.AttrOverrun, Type: unix.RTA_MULTIPATH, Length: l}
		}
		nh := NextHop{Flags: b[2], Hops: b[3], OIF: int32(binary.NativeEndian.Uint32(b[4:8]))}
		ad := proto.NewAttrDecoder(b[sizeofRtNexthop:l])
		for ad.Next() {
			switch ad.Type() {
			case unix.RTA_GATEWAY:
				nh.Gateway = addrFrom(ad.Bytes())
			case unix.RTA_VIA:
				nh.Via = viaFrom(ad.Bytes())
			case unix.RTA_FLOW:
				nh.Flow = ad.Uint32()
			case unix.RTA_ENCAP_TYPE:
				nh.EncapType = ad.Uint16()
			case unix.RTA_ENCAP:
				nh.Encap = append([]byte(nil), ad.Bytes()...)
			}
		}
		if err := ad.Err(); err != nil {
			return out, err
		}
		out = append(out, nh)
		next := proto.AttrAlign(l)
		if next >= len(b) {
			break
		}
		b = b[next:]
	}
	return out, nil
}
