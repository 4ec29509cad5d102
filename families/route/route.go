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
// shows them. Decoding a route that has none of the rare attributes (see RouteExtra) allocates nothing.
//
// Route is kept small (96 bytes on 64-bit platforms, checked by a test) because programs hold a million of
// them: the fields nearly every route has are inline, the rare ones are behind Extra, which is nil when the
// route has none of them. Read the rare ones with r.Ext().Via (nil-safe); set them with r.EnsureExtra().Via = v
// or with a literal, Route{..., Extra: &route.RouteExtra{Via: v}}. The fields are ordered to avoid padding.
type Route struct {
	// Dst is RTA_DST with rtm_dst_len; the default route is 0.0.0.0/0 or ::/0.
	Dst netip.Prefix
	// Gateway is RTA_GATEWAY.
	Gateway netip.Addr
	// Extra holds the rare attributes (RTA_SRC, RTA_PREFSRC, RTA_VIA, RTA_IIF, RTA_MARK, RTA_METRICS,
	// RTA_MULTIPATH, RTA_ENCAP_TYPE, RTA_ENCAP, RTA_EXPIRES, RTA_CACHEINFO, RTA_UID, RTA_FLOW,
	// RTA_TTL_PROPAGATE); nil when the route has none of them. Decoding allocates a fresh one for each route
	// that has some, so routes decoded one after another into the same value never share it; copies of one
	// Route do share it (use Clone before changing a copy's).
	Extra *RouteExtra
	// Table is RTA_TABLE, or rtm_table without it.
	Table uint32
	// Flags is rtm_flags (RTM_F_*, RTNH_F_* of a single-path route).
	Flags uint32
	// OIF is RTA_OIF: the output link index.
	OIF int32
	// Priority is RTA_PRIORITY: the metric. HasPriority says the attribute is present (the kernel sends it
	// for every IPv6 route, for IPv4 routes only when it is not 0); requests carry it when Priority is not 0
	// or HasPriority is set.
	Priority uint32
	// NexthopID is RTA_NH_ID: the nexthop object the route uses.
	NexthopID uint32
	// Family is rtm_family (AF_INET, AF_INET6; RTNL_FAMILY_IPMR 128 and RTNL_FAMILY_IP6MR 129 for multicast).
	Family uint8
	// Protocol is rtm_protocol; Scope is rtm_scope; Type is rtm_type.
	Protocol Protocol
	Scope    Scope
	Type     RouteType
	// TOS is rtm_tos (the DSCP field for IPv4).
	TOS uint8
	// Pref is RTA_PREF: the IPv6 router preference (ICMPV6_ROUTER_PREF_*: 0 medium, 1 high, 3 low). HasPref
	// says the attribute is present (every IPv6 route has it); requests carry it when Pref is not 0 or HasPref
	// is set.
	Pref uint8
	// HasScope, in requests only, says that Scope is meant even when it is ScopeUniverse ("global"): Add,
	// Replace, Append and Delete then send it instead of ip's default scope. Decoding never sets it.
	HasScope bool
	// HasPriority and HasPref say RTA_PRIORITY and RTA_PREF are present (see Priority and Pref).
	HasPriority, HasPref bool
}

// RouteExtra holds the attributes of a route that most routes do not have: source-specific and policy
// routing, multipath, encapsulation, metrics, and what `ip route get` adds. Route.Extra points to one, or is
// nil; Route.Ext reads it without a nil check. A zero field was not in the message (or was zero).
type RouteExtra struct {
	// Src is RTA_SRC with rtm_src_len (IPv6 source-specific routes); the zero Prefix when rtm_src_len is 0 and
	// there is no RTA_SRC.
	Src netip.Prefix
	// PrefSrc is RTA_PREFSRC: the source address to prefer (`src` in ip; the kernel's own routes to
	// connected subnets and local addresses have it).
	PrefSrc netip.Addr
	// Via is RTA_VIA: a gateway of another family (IPv6 nexthop for an IPv4 route).
	Via netip.Addr
	// MultiPath is RTA_MULTIPATH: the nexthops of an ECMP route.
	MultiPath []Hop
	// Encap is RTA_ENCAP: the raw attributes of the encapsulation EncapType names. Requests send it when LWT
	// is nil.
	Encap []byte
	// LWT is RTA_ENCAP decoded as EncapType names it (*MPLSEncap, *IPEncap, *Seg6Encap...; *RawEncap for a
	// type the package does not know); nil without an encapsulation, or when the attributes do not decode
	// (Encap still holds them). Requests send it, with its type, in place of EncapType and Encap.
	LWT Encap
	// NewDst is RTA_NEWDST: the labels an AF_MPLS route swaps the incoming one for (`as 200/300`).
	NewDst []uint32
	// Metrics is RTA_METRICS.
	Metrics Metrics
	// CacheInfo is RTA_CACHEINFO (`ip route get`, cloned routes; decoding drops an all-zero one, which the
	// kernel sends with every IPv6 route).
	CacheInfo RouteCacheInfo
	// IIF is RTA_IIF: the input link index.
	IIF int32
	// Mark is RTA_MARK (route get).
	Mark uint32
	// Expires is RTA_EXPIRES: in a request, the lifetime of an IPv6 route in seconds (ip route add ... expires
	// N). A dump reports the time left in CacheInfo.Expires instead, in clock ticks.
	Expires uint32
	// UID is RTA_UID, valid when HasUID.
	UID uint32
	// Flow is RTA_FLOW: the realms.
	Flow uint32
	// EncapType is RTA_ENCAP_TYPE (LWTUNNEL_ENCAP_*).
	EncapType uint16
	// TTLPropagate is RTA_TTL_PROPAGATE (MPLS).
	TTLPropagate uint8
	// HasUID says RTA_UID is present.
	HasUID bool
}

// Ext returns a copy of the rare attributes, *r.Extra, or the zero RouteExtra when Extra is nil, so that
// r.Ext().PrefSrc needs no nil check. Its slices (MultiPath, Encap) share r's memory.
func (r *Route) Ext() RouteExtra {
	if r.Extra == nil {
		return RouteExtra{}
	}
	return *r.Extra
}

// noExtra is what ext returns for a route without Extra. Nothing may write to it.
var noExtra RouteExtra

// ext is r.Extra, or a pointer to the shared zero RouteExtra: Ext for the package's own reads, without the copy.
// Never write through it.
func (r *Route) ext() *RouteExtra {
	if r.Extra == nil {
		return &noExtra
	}
	return r.Extra
}

// EnsureExtra returns r.Extra, first setting it to a new zero RouteExtra when it is nil, for changing the rare
// attributes: r.EnsureExtra().Mark = 7. A copy of r shares the RouteExtra; Clone first to change one alone.
func (r *Route) EnsureExtra() *RouteExtra {
	if r.Extra == nil {
		r.Extra = new(RouteExtra)
	}
	return r.Extra
}

// Clone returns a deep copy of r: its own RouteExtra, MultiPath and Encap.
func (r *Route) Clone() Route {
	c := *r
	c.Extra = r.Extra.Clone()
	return c
}

// Clone returns a deep copy of e (nil for nil).
func (e *RouteExtra) Clone() *RouteExtra {
	if e == nil {
		return nil
	}
	c := *e
	c.Encap = cloneBytes(e.Encap)
	c.LWT = cloneEncap(e.LWT)
	if e.NewDst != nil {
		c.NewDst = append([]uint32(nil), e.NewDst...)
	}
	if e.MultiPath != nil {
		c.MultiPath = make([]Hop, len(e.MultiPath))
		for i, nh := range e.MultiPath {
			nh.Encap = cloneBytes(nh.Encap)
			nh.LWT = cloneEncap(nh.LWT)
			c.MultiPath[i] = nh
		}
	}
	return &c
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// RouteCacheInfo is struct rta_cacheinfo (RTA_CACHEINFO): rta_clntref, rta_lastuse, rta_expires, rta_error,
// rta_used, rta_id, rta_ts, rta_tsage.
type RouteCacheInfo struct {
	ClntRef, LastUse uint32
	Expires          int32
	Error, Used, ID  uint32
	TS, TSAge        uint32
}

// Hop is one path of a multipath route: a struct rtnexthop of RTA_MULTIPATH and its attributes. It is not a
// nexthop object (RTM_NEWNEXTHOP), which is a Nexthop.
type Hop struct {
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
	// EncapType and Encap are RTA_ENCAP_TYPE and RTA_ENCAP; LWT is Encap decoded (see RouteExtra.LWT).
	EncapType uint16
	Encap     []byte
	LWT       Encap
}

// Weight is Hops+1, the weight ip prints.
func (n Hop) Weight() int { return int(n.Hops) + 1 }

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

// UnmarshalBinary decodes an RTM_NEWROUTE payload (struct rtmsg and RTA_* attributes) into r, replacing all
// of it. It allocates only when the message has one of the rare attributes: then a fresh RouteExtra (never the
// one r had, which other copies of r may hold), and the contents of RTA_MULTIPATH, RTA_ENCAP and RTAX_CC_ALGO
// names the package does not know. Rare attributes that are all zero (the RTA_CACHEINFO of every IPv6 route)
// leave Extra nil. A malformed attribute gives the *proto.AttrError that proto.AttrDecoder would.
//
// The attribute loop is its own rather than proto.AttrDecoder's: it reads the common attributes of a
// well-formed message in place, which halves the work on a plain route, and hands everything else (a rare
// attribute, a payload of the wrong size, NLA_F_NET_BYTEORDER on a number) to attr, one attribute at a time.
func (r *Route) UnmarshalBinary(b []byte) error {
	if len(b) < sizeofRtMsg {
		*r = Route{}
		return errShort("rtmsg", len(b), sizeofRtMsg)
	}
	r.header(b)
	var dst, src netip.Addr
	attrs := b[sizeofRtMsg:]
	a := attrs
	for len(a) >= proto.AttrHeaderLen {
		l := int(binary.NativeEndian.Uint16(a))
		raw := binary.NativeEndian.Uint16(a[2:])
		if l < proto.AttrHeaderLen || l > len(a) {
			return attrHeaderError(raw, len(attrs)-len(a), l)
		}
		d := a[proto.AttrHeaderLen:l]
		switch {
		case raw == unix.RTA_DST:
			dst = addrFrom(d)
		case raw == unix.RTA_GATEWAY:
			r.Gateway = addrFrom(d)
		case raw == unix.RTA_OIF && len(d) == 4:
			r.OIF = int32(binary.NativeEndian.Uint32(d))
		case raw == unix.RTA_PRIORITY && len(d) == 4:
			r.Priority, r.HasPriority = binary.NativeEndian.Uint32(d), true
		case raw == unix.RTA_TABLE && len(d) == 4:
			r.Table = binary.NativeEndian.Uint32(d)
		case raw == rtaNHID && len(d) == 4:
			r.NexthopID = binary.NativeEndian.Uint32(d)
		case raw == unix.RTA_PREF && len(d) == 1:
			r.Pref, r.HasPref = d[0], true
		case raw == unix.RTA_SRC:
			src = addrFrom(d)
		case raw == unix.RTA_CACHEINFO && zeroCacheInfo(d):
			// Every IPv6 route has one, all zero: nothing to keep.
		default:
			if err := r.attr(a[:l], len(attrs)-len(a), &dst, &src); err != nil {
				return err
			}
		}
		a = a[min(proto.AttrAlign(l), len(a)):]
	}
	if len(a) > 0 && (len(a) >= proto.AttrAlignTo || !zeroBytes(a)) {
		return &proto.AttrError{Kind: proto.AttrShortHeader, Offset: len(attrs) - len(a), Length: len(a)}
	}
	// Dst and Src from RTA_DST and RTA_SRC and the lengths in struct rtmsg: a missing address is the family's
	// unspecified address (the default route).
	if dst.IsValid() {
		r.Dst = netip.PrefixFrom(dst, int(b[1]))
	} else {
		r.Dst = prefixOf(zeroAddr(ipFamily(r.Family)), b[1])
	}
	if src.IsValid() || b[2] != 0 {
		r.setSrc(src, b[2])
	}
	return nil
}

// header resets r to the struct rtmsg at the start of b (at least sizeofRtMsg bytes).
func (r *Route) header(b []byte) {
	*r = Route{} // then field by field: a composite literal here is built on the stack and copied
	r.Family, r.TOS, r.Table = b[0], b[3], uint32(b[4])
	r.Protocol, r.Scope, r.Type = Protocol(b[5]), Scope(b[6]), RouteType(b[7])
	r.Flags = binary.NativeEndian.Uint32(b[8:12])
}

// attrHeaderError is proto.AttrDecoder's error for an attribute header of nla_len l at offset off.
func attrHeaderError(raw uint16, off, l int) error {
	kind := proto.AttrOverrun
	if l < proto.AttrHeaderLen {
		kind = proto.AttrShortLength
	}
	return &proto.AttrError{Kind: kind, Type: raw & proto.AttrTypeMask, Offset: off, Length: l}
}

// zeroBytes reports whether every byte of b is 0 (padding).
func zeroBytes(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// attr decodes the one attribute in b, at offset off of the attributes, that UnmarshalBinary does not read in
// place: one with NLA_F_NESTED or NLA_F_NET_BYTEORDER set, a number of the wrong size, or one of RouteExtra's.
// It reads it with proto.AttrDecoder, whose errors it places at off; RTA_DST and RTA_SRC go to dst and src.
func (r *Route) attr(b []byte, off int, dst, src *netip.Addr) error {
	ad := proto.NewAttrDecoder(b)
	ad.Next()
	switch ad.Type() {
	case unix.RTA_DST:
		*dst = addrFrom(ad.Bytes())
	case unix.RTA_SRC:
		*src = addrFrom(ad.Bytes())
	case unix.RTA_GATEWAY:
		r.Gateway = addrFrom(ad.Bytes())
	case unix.RTA_OIF:
		r.OIF = ad.Int32()
	case unix.RTA_PRIORITY:
		r.Priority, r.HasPriority = ad.Uint32(), true
	case unix.RTA_TABLE:
		r.Table = ad.Uint32()
	case rtaNHID:
		r.NexthopID = ad.Uint32()
	case unix.RTA_PREF:
		r.Pref, r.HasPref = ad.Uint8(), true
	default:
		if err := r.decodeExtra(&ad); err != nil {
			return err
		}
	}
	if err := ad.Err(); err != nil {
		if ae, ok := err.(*proto.AttrError); ok {
			moved := *ae
			moved.Offset += off
			return &moved
		}
		return err
	}
	return nil
}

func (r *Route) setSrc(src netip.Addr, bits uint8) {
	if !src.IsValid() {
		src = zeroAddr(ipFamily(r.Family))
	}
	if p := prefixOf(src, bits); p != (netip.Prefix{}) {
		r.EnsureExtra().Src = p
	}
}

// zeroCacheInfo reports whether b is an all-zero struct rta_cacheinfo.
func zeroCacheInfo(b []byte) bool {
	return len(b) == sizeofRtaCacheinfo && [sizeofRtaCacheinfo]byte(b) == [sizeofRtaCacheinfo]byte{}
}

// decodeExtra decodes the current attribute if it is one of RouteExtra's, allocating r.Extra when it has
// something to keep. It is apart from UnmarshalBinary to keep the common attributes' loop small.
func (r *Route) decodeExtra(ad *proto.AttrDecoder) error {
	switch ad.Type() {
	case unix.RTA_VIA:
		if a := viaFrom(ad.Bytes()); a.IsValid() {
			r.EnsureExtra().Via = a
		}
	case unix.RTA_PREFSRC:
		if a := addrFrom(ad.Bytes()); a.IsValid() {
			r.EnsureExtra().PrefSrc = a
		}
	case unix.RTA_IIF:
		if v := int32(ad.Uint32()); v != 0 {
			r.EnsureExtra().IIF = v
		}
	case unix.RTA_MARK:
		if v := ad.Uint32(); v != 0 {
			r.EnsureExtra().Mark = v
		}
	case unix.RTA_METRICS:
		var mt Metrics
		if err := mt.decode(ad.Bytes()); err != nil {
			return err
		}
		if !mt.IsZero() {
			r.EnsureExtra().Metrics = mt
		}
	case unix.RTA_MULTIPATH:
		mp, err := decodeMultipath(ad.Bytes())
		if err != nil {
			return err
		}
		if len(mp) > 0 {
			r.EnsureExtra().MultiPath = mp
		}
	case unix.RTA_ENCAP_TYPE:
		if v := ad.Uint16(); v != 0 {
			x := r.EnsureExtra()
			x.EncapType = v
			x.LWT = lwtOf(x.EncapType, x.Encap) // the kernel sends RTA_ENCAP first
		}
	case unix.RTA_ENCAP:
		if len(ad.Bytes()) > 0 {
			x := r.EnsureExtra()
			x.Encap = append([]byte(nil), ad.Bytes()...)
			x.LWT = lwtOf(x.EncapType, x.Encap)
		}
	case unix.RTA_NEWDST:
		if l, err := decodeLabels(ad.Bytes()); err == nil && len(l) > 0 {
			r.EnsureExtra().NewDst = l
		}
	case unix.RTA_EXPIRES:
		if v := ad.Uint32(); v != 0 {
			r.EnsureExtra().Expires = v
		}
	case unix.RTA_CACHEINFO:
		var ci RouteCacheInfo
		ci.decode(ad.Bytes())
		if ci != (RouteCacheInfo{}) {
			r.EnsureExtra().CacheInfo = ci
		}
	case unix.RTA_UID:
		x := r.EnsureExtra()
		x.UID, x.HasUID = ad.Uint32(), true
	case unix.RTA_FLOW:
		if v := ad.Uint32(); v != 0 {
			r.EnsureExtra().Flow = v
		}
	case unix.RTA_TTL_PROPAGATE:
		if v := ad.Uint8(); v != 0 {
			r.EnsureExtra().TTLPropagate = v
		}
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

// sizeofRtaCacheinfo is sizeof(struct rta_cacheinfo).
const sizeofRtaCacheinfo = 32

func (ci *RouteCacheInfo) decode(b []byte) {
	if len(b) < sizeofRtaCacheinfo {
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

func decodeMultipath(b []byte) ([]Hop, error) {
	var out []Hop
	for len(b) >= sizeofRtNexthop {
		l := int(binary.NativeEndian.Uint16(b))
		if l < sizeofRtNexthop || l > len(b) {
			return out, &proto.AttrError{Kind: proto.AttrOverrun, Type: unix.RTA_MULTIPATH, Length: l}
		}
		nh := Hop{Flags: b[2], Hops: b[3], OIF: int32(binary.NativeEndian.Uint32(b[4:8]))}
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
		nh.LWT = lwtOf(nh.EncapType, nh.Encap)
		out = append(out, nh)
		next := proto.AttrAlign(l)
		if next >= len(b) {
			break
		}
		b = b[next:]
	}
	return out, nil
}
