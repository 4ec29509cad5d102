//go:build linux

package secondopinion

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strings"

	rtnetlink "github.com/jsimonetti/rtnetlink/v2"
	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// differ collects the fields on which the two decoders disagree.
type differ struct{ out []string }

// eq records field when ours and theirs print differently.
func (d *differ) eq(field string, ours, theirs any) {
	o, t := fmt.Sprint(ours), fmt.Sprint(theirs)
	if o != t {
		d.out = append(d.out, fmt.Sprintf("%s nlkit %s, jsimonetti %s", field, o, t))
	}
}

// result prefixes the differences with the object's name.
func (d *differ) result(name string) []string {
	for i := range d.out {
		d.out[i] = name + ": " + d.out[i]
	}
	return d.out
}

// ip prints a net.IP as netip does ("" for none), so that 4- and 16-byte forms of one address agree only when
// the kernel sent the same bytes.
func ip(b net.IP) string {
	if len(b) == 0 {
		return ""
	}
	a, ok := netip.AddrFromSlice(b)
	if !ok {
		return fmt.Sprintf("bad(% x)", []byte(b))
	}
	return a.String()
}

// addr prints a netip.Addr ("" for the zero Addr).
func addr(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// hw prints a link-layer address ("" for none).
func hw(b net.HardwareAddr) string { return route.HWAddrFrom(b).String() }

func val[T any](p *T) (v T) {
	if p != nil {
		v = *p
	}
	return v
}

func compareLink(l *route.Link, b []byte) (string, []string, bool) {
	var m rtnetlink.LinkMessage
	if err := m.UnmarshalBinary(b); err != nil {
		return "link", []string{fmt.Sprintf("%d %s: jsimonetti cannot decode it: %v", l.Index, l.Name, err)}, false
	}
	var d differ
	d.eq("family", l.Family, m.Family)
	d.eq("type", l.Type, m.Type)
	d.eq("index", l.Index, m.Index)
	d.eq("flags", uint32(l.Flags), m.Flags)
	d.eq("change", uint32(l.Change), m.Change)
	a := m.Attributes
	if a == nil {
		a = &rtnetlink.LinkAttributes{}
	}
	d.eq("name", l.Name, a.Name)
	d.eq("mtu", l.MTU, a.MTU)
	d.eq("mac", l.Address.String(), hw(a.Address))
	d.eq("broadcast", l.Broadcast.String(), hw(a.Broadcast))
	d.eq("permaddr", l.PermAddress.String(), hw(a.PermAddress))
	d.eq("master", l.Master, val(a.Master))
	d.eq("operstate", uint8(l.OperState), uint8(a.OperationalState))
	d.eq("linkmode", l.LinkMode, val(a.LinkMode))
	d.eq("txqlen", l.TxQLen, val(a.TxQueueLen))
	d.eq("link (IFLA_LINK)", l.ParentIndex, a.Type)
	d.eq("alias", l.Alias, val(a.Alias))
	d.eq("qdisc", l.Qdisc, a.QueueDisc)
	d.eq("group", l.Group, val(a.NetDevGroup))
	d.eq("carrier", l.Carrier, val(a.Carrier))
	d.eq("carrier changes", l.CarrierChanges, val(a.CarrierChanges))
	d.eq("carrier up", l.CarrierUpCount, val(a.CarrierUpCount))
	d.eq("carrier down", l.CarrierDownCount, val(a.CarrierDownCount))
	d.eq("altnames", l.AltNames, a.AltNames)
	if s := a.Stats64; s != nil {
		d.eq("stats64 rx packets/bytes", [2]uint64{l.Stats.RxPackets, l.Stats.RxBytes}, [2]uint64{s.RXPackets, s.RXBytes})
		d.eq("stats64 tx packets/bytes", [2]uint64{l.Stats.TxPackets, l.Stats.TxBytes}, [2]uint64{s.TXPackets, s.TXBytes})
		d.eq("stats64 drops", [2]uint64{l.Stats.RxDropped, l.Stats.TxDropped}, [2]uint64{s.RXDropped, s.TXDropped})
	} else if l.Stats != (route.LinkStats{}) {
		d.eq("stats64", "present", "absent")
	}
	var kind, slaveKind string
	if a.Info != nil {
		kind, slaveKind = a.Info.Kind, a.Info.SlaveKind
	}
	d.eq("kind", l.Info.Kind, kind)
	d.eq("slave kind", l.Info.SlaveKind, slaveKind)
	return "link", d.result(fmt.Sprintf("%d %s", l.Index, l.Name)), false
}

func compareAddr(x *route.Addr, b []byte) (string, []string, bool) {
	var m rtnetlink.AddressMessage
	if err := m.UnmarshalBinary(b); err != nil {
		return "addr", []string{fmt.Sprintf("%v dev %d: jsimonetti cannot decode it: %v", x.Prefix(), x.Index, err)}, false
	}
	var d differ
	d.eq("family", x.Family, m.Family)
	d.eq("prefixlen", x.PrefixLen, m.PrefixLength)
	d.eq("ifa_flags", uint8(x.Flags), m.Flags)
	d.eq("scope", uint8(x.Scope), m.Scope)
	d.eq("index", x.Index, m.Index)
	a := m.Attributes
	if a == nil {
		a = &rtnetlink.AddressAttributes{}
	}
	if a.Flags != 0 { // IFA_FLAGS
		d.eq("flags", uint32(x.Flags), a.Flags)
	}
	// nlkit: Local is IFA_LOCAL or, without it, IFA_ADDRESS; Peer is IFA_ADDRESS when it differs.
	local, peer := ip(a.Local), ""
	if local == "" {
		local = ip(a.Address)
	} else if ip(a.Address) != local {
		peer = ip(a.Address)
	}
	d.eq("local", addr(x.Local), local)
	d.eq("peer", addr(x.Peer), peer)
	d.eq("label", x.Label, a.Label)
	d.eq("broadcast", addr(x.Broadcast), ip(a.Broadcast))
	d.eq("anycast", addr(x.Anycast), ip(a.Anycast))
	d.eq("multicast", addr(x.Multicast), ip(a.Multicast))
	d.eq("cacheinfo", [4]uint32{x.CacheInfo.Preferred, x.CacheInfo.Valid, x.CacheInfo.Created, x.CacheInfo.Updated},
		[4]uint32{a.CacheInfo.Preferred, a.CacheInfo.Valid, a.CacheInfo.Created, a.CacheInfo.Updated})
	d.eq("metric", x.RoutePriority, a.Priority)
	return "addr", d.result(fmt.Sprintf("%v dev %d", x.Prefix(), x.Index)), false
}

func compareRoute(r *route.Route, b []byte) (string, []string, bool) {
	name := fmt.Sprintf("%v table %d", r.Dst, r.Table)
	var m rtnetlink.RouteMessage
	if err := m.UnmarshalBinary(b); err != nil {
		return "route", []string{name + ": jsimonetti cannot decode it: " + err.Error()}, false
	}
	var d differ
	a := &m.Attributes
	e := r.Ext()
	d.eq("family", r.Family, m.Family)
	dst := ip(a.Dst)
	if dst == "" && r.Dst.IsValid() && r.Dst.Addr().IsUnspecified() {
		dst = r.Dst.Addr().String() // no RTA_DST: the default route
	}
	if r.Dst.IsValid() {
		d.eq("dst", r.Dst.Addr(), dst)
		d.eq("dst len", r.Dst.Bits(), m.DstLength)
	} else {
		d.eq("dst", "", dst)
	}
	srcLen := 0 // RTA_SRC itself jsimonetti does not decode
	if e.Src.IsValid() {
		srcLen = e.Src.Bits()
	}
	d.eq("src len", srcLen, m.SrcLength)
	d.eq("tos", r.TOS, m.Tos)
	table := uint32(m.Table)
	if a.Table != 0 {
		table = a.Table
	}
	d.eq("table", r.Table, table)
	d.eq("protocol", uint8(r.Protocol), m.Protocol)
	d.eq("scope", uint8(r.Scope), m.Scope)
	d.eq("type", uint8(r.Type), m.Type)
	d.eq("flags", r.Flags, m.Flags)
	d.eq("gateway", addr(r.Gateway), ip(a.Gateway))
	d.eq("prefsrc", addr(e.PrefSrc), ip(a.Src))
	d.eq("oif", r.OIF, a.OutIface)
	d.eq("priority", r.Priority, a.Priority)
	d.eq("mark", e.Mark, a.Mark)
	if a.Pref != nil || r.HasPref {
		d.eq("pref", fmt.Sprint(r.HasPref, r.Pref), fmt.Sprint(a.Pref != nil, val(a.Pref)))
	}
	var via string
	if a.Via != nil {
		via = ip(a.Via.Addr)
	}
	d.eq("via", addr(e.Via), via)
	var mt rtnetlink.RouteMetrics
	if a.Metrics != nil {
		mt = *a.Metrics
	}
	d.eq("metrics mtu/advmss/features/initcwnd/initrwnd",
		[5]uint32{e.Metrics.MTU, e.Metrics.AdvMSS, e.Metrics.Features, e.Metrics.InitCWnd, e.Metrics.InitRwnd},
		[5]uint32{mt.MTU, mt.AdvMSS, mt.Features, mt.InitCwnd, mt.InitRwnd})
	d.eq("nexthops", len(e.MultiPath), len(a.Multipath))
	if len(e.MultiPath) == len(a.Multipath) {
		for i, h := range e.MultiPath {
			j := a.Multipath[i]
			var jvia string
			if j.Via != nil {
				jvia = ip(j.Via.Addr)
			}
			d.eq(fmt.Sprintf("nexthop %d", i),
				fmt.Sprint(h.OIF, h.Hops, h.Flags, addr(h.Gateway), addr(h.Via)),
				fmt.Sprint(j.Hop.IfIndex, j.Hop.Hops, j.Hop.Flags, ip(j.Gateway), jvia))
		}
	}
	return "route", d.result(name), false
}

func compareNeigh(n *route.Neigh, b []byte) (string, []string, bool) {
	name := fmt.Sprintf("%v dev %d", addr(n.Dst), n.Index)
	var m rtnetlink.NeighMessage
	if err := m.UnmarshalBinary(b); err != nil {
		return "neigh", []string{name + ": jsimonetti cannot decode it: " + err.Error()}, false
	}
	var d differ
	d.eq("family", n.Family, m.Family)
	d.eq("index", n.Index, m.Index)
	d.eq("state", uint16(n.State), m.State)
	d.eq("flags", uint8(n.Flags), m.Flags)
	d.eq("type", n.Type, m.Type)
	a := m.Attributes
	if a == nil {
		a = &rtnetlink.NeighAttributes{}
	}
	d.eq("dst", addr(n.Dst), ip(a.Address))
	d.eq("lladdr", n.LLAddr.String(), hw(a.LLAddress))
	d.eq("ifindex", n.IfIndex, a.IfIndex)
	var ci rtnetlink.NeighCacheInfo
	if a.CacheInfo != nil {
		ci = *a.CacheInfo
	}
	d.eq("cacheinfo", [4]uint32{n.CacheInfo.Confirmed, n.CacheInfo.Used, n.CacheInfo.Updated, n.CacheInfo.RefCnt},
		[4]uint32{ci.Confirmed, ci.Used, ci.Updated, ci.RefCount})
	return "neigh", d.result(name), false
}

func compareRule(r *route.Rule, b []byte) (string, []string, bool) {
	name := fmt.Sprintf("%d (family %d table %d)", r.Priority, r.Family, r.Table)
	var m rtnetlink.RuleMessage
	if err := m.UnmarshalBinary(b); err != nil {
		if strings.Contains(err.Error(), jsUnknownRuleAttr) {
			return "rule", nil, true
		}
		return "rule", []string{name + ": jsimonetti cannot decode it: " + err.Error()}, false
	}
	var d differ
	d.eq("family", r.Family, m.Family)
	d.eq("tos", r.TOS, m.TOS)
	d.eq("action", uint8(r.Action), m.Action)
	d.eq("flags", r.Flags, m.Flags)
	a := m.Attributes
	if a == nil {
		a = &rtnetlink.RuleAttributes{}
	}
	table := uint32(m.Table)
	if a.Table != nil {
		table = *a.Table
	}
	d.eq("table", r.Table, table)
	d.eq("priority", r.Priority, val(a.Priority))
	prefix := func(p netip.Prefix) string {
		if !p.IsValid() {
			return ""
		}
		return p.String()
	}
	jsPrefix := func(p *net.IP, bits uint8) string {
		if p == nil && bits == 0 {
			return ""
		}
		s := ""
		if p != nil {
			s = ip(*p)
		}
		return fmt.Sprintf("%s/%d", s, bits)
	}
	d.eq("src", prefix(r.Src), jsPrefix(a.Src, m.SrcLength))
	d.eq("dst", prefix(r.Dst), jsPrefix(a.Dst, m.DstLength))
	d.eq("iif", r.IIFName, val(a.IIFName))
	d.eq("oif", r.OIFName, val(a.OIFName))
	d.eq("fwmark", r.Mark, val(a.FwMark))
	d.eq("fwmask", fmt.Sprint(r.HasMask, r.Mask), fmt.Sprint(a.FwMask != nil, val(a.FwMask)))
	d.eq("goto", r.Goto, val(a.Goto))
	d.eq("realms", r.Flow, uint32(val(a.SrcRealm))<<16|uint32(val(a.DstRealm)))
	d.eq("tun_id", r.TunID, swap64(val(a.TunID)))
	d.eq("l3mdev", r.L3MDev, val(a.L3MDev))
	d.eq("protocol", uint8(r.Protocol), val(a.Protocol))
	d.eq("ipproto", r.IPProto, val(a.IPProto))
	d.eq("suppress_prefixlen", fmt.Sprint(r.HasSuppressPrefixLen, r.SuppressPrefixLen),
		fmt.Sprint(a.SuppressPrefixLen != nil, val(a.SuppressPrefixLen)))
	d.eq("suppress_ifgroup", fmt.Sprint(r.HasSuppressIfGroup, r.SuppressIfGroup),
		fmt.Sprint(a.SuppressIFGroup != nil, val(a.SuppressIFGroup)))
	d.eq("sport", [2]uint16{r.SPortStart, r.SPortEnd}, [2]uint16{val(a.SPortRange).Start, val(a.SPortRange).End})
	d.eq("dport", [2]uint16{r.DPortStart, r.DPortEnd}, [2]uint16{val(a.DPortRange).Start, val(a.DPortRange).End})
	return "rule", d.result(name), false
}

// swap64 reads the host-order value jsimonetti made of FRA_TUN_ID's bytes as the kernel's big-endian one.
func swap64(v uint64) uint64 {
	var b [8]byte
	binary.NativeEndian.PutUint64(b[:], v)
	return binary.BigEndian.Uint64(b[:])
}

// The keys by which the two libraries' own dumps are matched.

func linkKey(index int32, name string) string { return fmt.Sprintf("%d %s", index, name) }

func addrKey(a *route.Addr) string {
	return fmt.Sprintf("%d %d %s/%d", a.Family, a.Index, addr(a.Local), a.PrefixLen)
}

func jsAddrKey(m *rtnetlink.AddressMessage) string {
	var local string
	if a := m.Attributes; a != nil {
		if local = ip(a.Local); local == "" {
			local = ip(a.Address)
		}
	}
	return fmt.Sprintf("%d %d %s/%d", m.Family, m.Index, local, m.PrefixLength)
}

func routeKey(r *route.Route) string {
	dst := ""
	if r.Dst.IsValid() && !(r.Dst.Bits() == 0 && r.Dst.Addr().IsUnspecified()) {
		dst = r.Dst.Addr().String()
	}
	return fmt.Sprintf("%d table %d %s/%d tos %d metric %d type %d", r.Family, r.Table, dst, r.Dst.Bits(), r.TOS,
		r.Priority, r.Type)
}

func jsRouteKey(m *rtnetlink.RouteMessage) string {
	table := uint32(m.Table)
	if m.Attributes.Table != 0 {
		table = m.Attributes.Table
	}
	bits := int(m.DstLength)
	if m.Family != unix.AF_INET && m.Family != unix.AF_INET6 && len(m.Attributes.Dst) == 0 && bits == 0 {
		bits = -1 // nlkit's zero Prefix for a family without addresses
	}
	return fmt.Sprintf("%d table %d %s/%d tos %d metric %d type %d", m.Family, table, ip(m.Attributes.Dst), bits,
		m.Tos, m.Attributes.Priority, m.Type)
}

func neighKey(n *route.Neigh) string {
	return fmt.Sprintf("%d %d %s %s", n.Family, n.Index, addr(n.Dst), n.LLAddr)
}

func jsNeighKey(m *rtnetlink.NeighMessage) string {
	var dst, ll string
	if a := m.Attributes; a != nil {
		dst, ll = ip(a.Address), hw(a.LLAddress)
	}
	return fmt.Sprintf("%d %d %s %s", m.Family, m.Index, dst, ll)
}

func ruleKey(r *route.Rule) string {
	p := func(x netip.Prefix) string {
		if !x.IsValid() {
			return "all"
		}
		return x.String()
	}
	return fmt.Sprintf("%d pref %d table %d action %d from %s to %s iif %s oif %s fwmark %d", r.Family, r.Priority,
		r.Table, r.Action, p(r.Src), p(r.Dst), r.IIFName, r.OIFName, r.Mark)
}

func jsRuleKey(m *rtnetlink.RuleMessage) string {
	a := m.Attributes
	if a == nil {
		a = &rtnetlink.RuleAttributes{}
	}
	p := func(x *net.IP, bits uint8) string {
		if x == nil {
			return "all"
		}
		return fmt.Sprintf("%s/%d", ip(*x), bits)
	}
	table := uint32(m.Table)
	if a.Table != nil {
		table = *a.Table
	}
	return fmt.Sprintf("%d pref %d table %d action %d from %s to %s iif %s oif %s fwmark %d", m.Family,
		val(a.Priority), table, m.Action, p(a.Src, m.SrcLength), p(a.Dst, m.DstLength), val(a.IIFName),
		val(a.OIFName), val(a.FwMark))
}
