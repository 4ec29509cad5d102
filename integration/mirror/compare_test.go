//go:build linux

package mirror

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// normalise returns a copy of s without the fields the kernel changes without sending a notification, so that
// a Mirror, which knows only what the notifications said, cannot be expected to have them. Everything else is
// compared. Each exclusion names the kernel's reason.
func normalise(s *route.Snapshot) route.Snapshot {
	var out route.Snapshot
	for _, l := range s.Links {
		// IFLA_STATS64: the counters move with every packet (and IPv6 sends some of its own: router
		// solicitations, MLD reports, DAD probes); rtnetlink sends no RTM_NEWLINK for a counter.
		l.Stats = route.LinkStats{}
		// ifi_change belongs to the message, not to the link: a notification says in it which flags it
		// changes (~0 for a new link, rtmsg_ifinfo), a dump always sends 0 (rtnl_fill_ifinfo's change).
		l.Change = 0
		// IFLA_IFALIAS of a link that is down: dev_set_alias is announced through netdev_state_change, which
		// notifies only links with IFF_UP; the next notification (the link coming up) carries it.
		if !l.IsUp() {
			l.Alias = ""
		}
		// IFLA_TSO_MAX_SIZE and IFLA_TSO_MAX_SEGS: netif_set_tso_max_size and netif_inherit_tso_max change
		// them (a bridge as ports come and go, a veth as its peer appears) without a notification.
		l.TSOMaxSize, l.TSOMaxSegs = 0, 0
		l.Info = linkInfo(l.Info)
		out.Links = append(out.Links, l)
	}
	for _, a := range s.Addrs {
		// IFA_CACHEINFO: cstamp and tstamp are timestamps, and ifa_valid/ifa_prefered of an address with a
		// finite lifetime are the time left, which counts down between notifications (the kernel computes
		// them at dump time in put_cacheinfo). Whether a lifetime is finite at all changes only by a
		// notified RTM_NEWADDR, so that much is kept.
		a.CacheInfo = route.AddrCacheInfo{Valid: lifetimeClass(a.CacheInfo.Valid),
			Preferred: lifetimeClass(a.CacheInfo.Preferred)}
		out.Addrs = append(out.Addrs, a)
	}
	for _, r := range s.Routes {
		if r.Extra != nil {
			// RTA_CACHEINFO (rta_lastuse, rta_used, rta_expires...) and RTA_EXPIRES are filled in at dump time
			// from the route's timers and use (rt6_fill_node, rtnl_put_cacheinfo): the time left counts down
			// with no notification.
			x := r.Extra.Clone()
			x.CacheInfo = route.RouteCacheInfo{}
			x.Expires = 0
			r.Extra = x
		}
		out.Routes = append(out.Routes, r)
	}
	for _, n := range s.Neighs {
		if kernelOwnNeigh(&n) {
			continue
		}
		// NDA_CACHEINFO holds ages (ndm_confirmed, ndm_used, ndm_updated: jiffies ago at dump time) and a
		// reference count; NDA_PROBES counts solicitations the timer sends. Neither is notified
		// (neigh_fill_info computes them for each message).
		n.CacheInfo = route.NeighCacheInfo{}
		n.Probes = 0
		out.Neighs = append(out.Neighs, n)
	}
	out.Rules = append(out.Rules, s.Rules...)
	out.Nexthops = append(out.Nexthops, s.Nexthops...)
	return out
}

// linkInfo returns a copy of the kind data without what the bridge changes behind the links' backs.
func linkInfo(in route.LinkInfo) route.LinkInfo {
	if br, ok := in.Data.(*route.Bridge); ok {
		c := *br
		// IFLA_BR_*_TIMER are the time left on the bridge's timers (the garbage collector runs every few
		// seconds), and IFLA_BR_FDB_N_LEARNED counts learned addresses: br_fill_info reads them at dump time.
		c.HelloTimer, c.TCNTimer, c.TopologyChangeTimer, c.GCTimer = 0, 0, 0, 0
		c.FDBNLearned = 0
		in.Data = &c
	}
	if p, ok := in.SlaveData.(*route.BridgePort); ok {
		c := *p
		// IFLA_BRPORT_ROOT_ID, _BRIDGE_ID, _DESIGNATED_PORT and _DESIGNATED_COST are the bridge's STP view,
		// which changes for every port when the bridge's id changes (its address follows its first port,
		// br_stp_recalculate_bridge_id); br_ifinfo_notify announces only the bridge and ports whose state
		// changed. The *_TIMER values are time left, and MCAST_N_GROUPS counts groups joined by traffic.
		c.RootID, c.BridgeID, c.DesignatedPort, c.DesignatedCost = route.BridgeID{}, route.BridgeID{}, 0, 0
		c.MessageAgeTimer, c.ForwardDelayTimer, c.HoldTimer = 0, 0, 0
		c.McastNGroups = 0
		in.SlaveData = &c
	}
	return in
}

// kernelOwnNeigh reports a neighbour entry the kernel makes for itself, without a notification: the
// NUD_NOARP entries for multicast and broadcast destinations that arp_constructor and ndisc_constructor set up
// when the kernel sends its own IGMP and MLD reports on a link that comes up (__neigh_create notifies nobody;
// only neigh_update does). The grammar adds no neighbour for such an address.
func kernelOwnNeigh(n *route.Neigh) bool {
	return n.State == route.NeighNoARP && (n.Type == unix.RTN_MULTICAST || n.Type == unix.RTN_BROADCAST)
}

// silentTentative drops from the kernel's dump the IPv6 addresses in duplicate address detection
// (IFA_F_TENTATIVE) that the Mirror does not hold: the kernel announces an address that needs DAD only when
// DAD ends (addrconf_dad_completed calls ipv6_ifa_notify), and a link that is up without a carrier (a veth
// whose peer is down) holds its link-local address tentative and unannounced for as long as it stays so. An
// address the Mirror does hold is compared, flags and all.
func silentTentative(mirror, kernel *route.Snapshot) *route.Snapshot {
	held := map[string]bool{}
	for _, a := range mirror.Addrs {
		held[addrID(&a)] = true
	}
	k := *kernel
	k.Addrs = slices.DeleteFunc(slices.Clone(kernel.Addrs), func(a route.Addr) bool {
		return a.Family == unix.AF_INET6 && a.Flags&unix.IFA_F_TENTATIVE != 0 &&
			a.Flags&unix.IFA_F_DADFAILED == 0 && !held[addrID(&a)]
	})
	return &k
}

func addrID(a *route.Addr) string {
	return fmt.Sprintf("addr %s dev %d %s peer %s", fam(a.Family), a.Index, netip.PrefixFrom(a.Local, int(a.PrefixLen)),
		a.Peer)
}

// lifetimeClass keeps only whether a lifetime is forever (0xffffffff) or finite (1).
func lifetimeClass(v uint32) uint32 {
	if v == route.Forever {
		return route.Forever
	}
	return 1
}

// object is one normalised object: its identity and its fields flattened to "path=value" lines.
type object struct {
	id     string
	fields []string
}

func (o object) text() string { return strings.Join(o.fields, " ") }

// objects lists the normalised objects of s with their identities.
func objects(s *route.Snapshot) []object {
	n := normalise(s)
	var out []object
	for _, l := range n.Links {
		out = append(out, object{fmt.Sprintf("link %d", l.Index), flatten(l)})
	}
	for _, a := range n.Addrs {
		out = append(out, object{addrID(&a), flatten(a)})
	}
	for _, r := range n.Routes {
		out = append(out, object{routeID(&r), flatten(r)})
	}
	for _, x := range n.Neighs {
		out = append(out, object{fmt.Sprintf("neigh %s dev %d %s", fam(x.Family), x.Index, x.Dst), flatten(x)})
	}
	for _, r := range n.Rules {
		out = append(out, object{fmt.Sprintf("rule %s pref %d", fam(r.Family), r.Priority), flatten(r)})
	}
	for _, nh := range n.Nexthops {
		out = append(out, object{fmt.Sprintf("nexthop id %d", nh.ID), flatten(nh)})
	}
	return out
}

// routeID is a route's key in the kernel's tables (family, table, destination, source, TOS, metric) and the way
// it goes: several routes may share a key (IPv4 appends; IPv6 routes through different links without a
// gateway).
func routeID(r *route.Route) string {
	x := r.Ext()
	id := fmt.Sprintf("route %s table %d %s src %s tos %d metric %d %s", fam(r.Family), r.Table, r.Dst, x.Src,
		r.TOS, r.Priority, r.Type)
	if r.NexthopID != 0 {
		return id + fmt.Sprintf(" nhid %d", r.NexthopID)
	}
	if len(x.MultiPath) > 0 {
		for _, h := range x.MultiPath {
			id += fmt.Sprintf(" nexthop via %s dev %d", h.Gateway, h.OIF)
		}
		return id
	}
	return id + fmt.Sprintf(" via %s dev %d", r.Gateway, r.OIF)
}

func fam(f uint8) string {
	switch f {
	case 2:
		return "inet"
	case 10:
		return "inet6"
	}
	return fmt.Sprint(f)
}

// flatten renders v's non-zero leaves as "path=value", in field order; nil pointers and zero values are left
// out, so a nil Route.Extra equals an empty one.
func flatten(v any) []string {
	var out []string
	flattenValue(reflect.ValueOf(v), "", &out)
	return out
}

var stringer = reflect.TypeFor[fmt.Stringer]()

func flattenValue(v reflect.Value, path string, out *[]string) {
	add := func(s string) { *out = append(*out, path+"="+s) }
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			flattenValue(v.Elem(), path, out)
		}
		return
	case reflect.Struct:
		if v.IsZero() {
			return
		}
		// Values such as netip.Addr, netip.Prefix and route.HWAddr print themselves.
		if v.Type().Implements(stringer) && v.CanInterface() && v.Type().PkgPath() != "github.com/nlkit/nlkit/families/route" ||
			v.Type() == reflect.TypeFor[route.HWAddr]() {
			add(v.Interface().(fmt.Stringer).String())
			return
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			p := f.Name
			if path != "" {
				p = path + "." + f.Name
			}
			flattenValue(v.Field(i), p, out)
		}
		return
	case reflect.Slice:
		if v.Len() == 0 {
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			add(hex.EncodeToString(v.Bytes()))
			return
		}
		for i := range v.Len() {
			flattenValue(v.Index(i), fmt.Sprintf("%s[%d]", path, i), out)
		}
		return
	}
	if v.IsZero() {
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		add(fmt.Sprint(v.Bool()))
	case reflect.String:
		add(fmt.Sprintf("%q", v.String()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		add(fmt.Sprint(v.Int()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		add(fmt.Sprint(v.Uint()))
	default:
		add(fmt.Sprintf("%v", v))
	}
}

// diffSnapshots compares a Mirror's copy with the kernel's dump and returns one line per difference:
// "route inet table 254 ...: differs: Flags: mirror 3, kernel 1", "...: only in the Mirror: <fields>".
func diffSnapshots(mirror, kernel *route.Snapshot) []string {
	return diffObjects(objects(mirror), objects(kernel))
}

func diffObjects(mo, ko []object) []string {
	group := func(os []object) map[string][]string {
		g := map[string][]string{}
		for _, o := range os {
			g[o.id] = append(g[o.id], o.text())
		}
		return g
	}
	mg, kg := group(mo), group(ko)
	fieldsOf := map[string][]string{}
	for _, o := range append(slices.Clone(mo), ko...) {
		fieldsOf[o.text()] = o.fields
	}
	var ids []string
	for id := range mg {
		ids = append(ids, id)
	}
	for id := range kg {
		if _, ok := mg[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var out []string
	for _, id := range ids {
		m, k := slices.Clone(mg[id]), slices.Clone(kg[id])
		slices.Sort(m)
		slices.Sort(k)
		// Take out the objects both hold.
		var onlyM, onlyK []string
		i, j := 0, 0
		for i < len(m) || j < len(k) {
			switch {
			case j >= len(k) || (i < len(m) && m[i] < k[j]):
				onlyM = append(onlyM, m[i])
				i++
			case i >= len(m) || k[j] < m[i]:
				onlyK = append(onlyK, k[j])
				j++
			default:
				i++
				j++
			}
		}
		for len(onlyM) > 0 && len(onlyK) > 0 { // the same object, different fields
			out = append(out, fmt.Sprintf("%s: differs: %s", id, fieldDiff(fieldsOf[onlyM[0]], fieldsOf[onlyK[0]])))
			onlyM, onlyK = onlyM[1:], onlyK[1:]
		}
		for _, x := range onlyM {
			out = append(out, fmt.Sprintf("%s: only in the Mirror: %s", id, x))
		}
		for _, x := range onlyK {
			out = append(out, fmt.Sprintf("%s: only in the kernel: %s", id, x))
		}
	}
	return out
}

// fieldDiff lists the fields whose values differ: "Flags: mirror 3, kernel 1".
func fieldDiff(m, k []string) string {
	split := func(fs []string) (map[string]string, []string) {
		vals := map[string]string{}
		var order []string
		for _, f := range fs {
			p, v, _ := strings.Cut(f, "=")
			vals[p] = v
			order = append(order, p)
		}
		return vals, order
	}
	mv, mo := split(m)
	kv, ko := split(k)
	var paths []string
	for _, p := range append(mo, ko...) {
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	var parts []string
	for _, p := range paths {
		a, aok := mv[p]
		b, bok := kv[p]
		if a == b && aok == bok {
			continue
		}
		if !aok {
			a = "(none)"
		}
		if !bok {
			b = "(none)"
		}
		parts = append(parts, fmt.Sprintf("%s: mirror %s, kernel %s", p, a, b))
	}
	return strings.Join(parts, "; ")
}
