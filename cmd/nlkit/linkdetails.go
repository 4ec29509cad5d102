package main

import (
	"fmt"
	"net/netip"
	"os/user"
	"strconv"
	"strings"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// printLinkInfo prints `ip -d -j`'s "linkinfo" object for l (print_linkinfo's -d part: info_kind, info_data,
// info_slave_kind, info_slave_data), with the keys and value forms of iproute2 6.1's link_*.c and iplink_*.c
// print_opt functions. Only JSON output has it; the text form of -d is not printed.
func (a *app) printLinkInfo(l *route.Link) {
	p := a.p
	if !p.json || (l.Info.Kind == "" && l.Info.SlaveKind == "") {
		return
	}
	p.openObj("linkinfo")
	if l.Info.Kind != "" {
		p.jstr("info_kind", l.Info.Kind)
		if l.Info.Data != nil {
			if _, raw := l.Info.Data.(*route.RawLinkData); !raw {
				p.openObj("info_data")
				a.printInfoData(l.Info.Data)
				p.closeObj()
			}
		}
	}
	if l.Info.SlaveKind != "" {
		p.jstr("info_slave_kind", l.Info.SlaveKind)
		if l.Info.SlaveData != nil {
			if _, raw := l.Info.SlaveData.(*route.RawLinkData); !raw {
				p.openObj("info_slave_data")
				a.printSlaveData(l.Info.SlaveData)
				p.closeObj()
			}
		}
	}
	p.closeObj()
}

func (a *app) hex(k string, v uint64) { a.p.jstr(k, fmt.Sprintf("0x%x", v)) }

func (a *app) addr(k string, ad netip.Addr) {
	if ad.IsValid() && !ad.IsUnspecified() {
		a.p.jstr(k, ad.String())
	}
}

// key32 prints a GRE or VTI key as ip does: as an IPv4 address.
func (a *app) key32(k string, v uint32) {
	a.p.jstr(k, fmt.Sprintf("%d.%d.%d.%d", v>>24, v>>16&0xff, v>>8&0xff, v&0xff))
}

func (a *app) timer(k string, ticks uint64) { a.p.seconds(k, "", ticks) }

func (a *app) printInfoData(d route.LinkData) {
	p := a.p
	switch d := d.(type) {
	case *route.Bridge:
		a.printBridge(d)
	case *route.Bond:
		a.printBond(d)
	case *route.Vlan:
		protos := map[uint16]string{unix.ETH_P_8021Q: "802.1Q", unix.ETH_P_8021AD: "802.1ad"}
		if n, ok := protos[d.Protocol]; ok {
			p.jstr("protocol", n)
		} else {
			a.hex("protocol", uint64(d.Protocol))
		}
		p.uint("id", "", uint64(d.ID))
		if d.Flags != 0 || d.FlagsMask != 0 {
			p.openArr("flags")
			for i, n := range []string{"REORDER_HDR", "GVRP", "LOOSE_BINDING", "MVRP", "BRIDGE_BINDING"} {
				if d.Flags&(1<<i) != 0 {
					p.jstr("", n)
				}
			}
			p.closeArr()
		}
		for _, q := range []struct {
			k string
			m []route.VlanQoSMapping
		}{{"ingress_qos", d.IngressQoS}, {"egress_qos", d.EgressQoS}} {
			if len(q.m) == 0 {
				continue
			}
			p.openArr(q.k)
			for _, m := range q.m {
				p.openObj("")
				p.uint("from", "", uint64(m.From))
				p.uint("to", "", uint64(m.To))
				p.closeObj()
			}
			p.closeArr()
		}
	case *route.Macvlan:
		p.jstr("mode", d.ModeName())
		if d.Flags&1 != 0 { // MACVLAN_FLAG_NOPROMISC
			p.boolean("nopromisc", "", true)
		}
		if d.Flags&2 != 0 { // MACVLAN_FLAG_NODST
			p.boolean("nodst", "", true)
		}
		if d.Mode == route.MacvlanSource {
			p.uint("macaddr_count", "", uint64(d.MacaddrCount))
		}
		// bcqueuelen and usedbcqueuelen come before macaddr_count in ip's output; JSON objects have no order.
		p.uint("bcqueuelen", "", uint64(d.BcQueueLen))
		p.uint("usedbcqueuelen", "", uint64(d.BcQueueLenUsed))
	case *route.Ipvlan:
		if d.HasMode {
			p.jstr("mode", d.ModeName())
		}
		switch {
		case d.Flags&route.IpvlanPrivate != 0:
			p.boolean("private", "", true)
		case d.Flags&route.IpvlanVEPA != 0:
			p.boolean("vepa", "", true)
		default:
			p.boolean("bridge", "", true)
		}
	case *route.Vxlan:
		a.printVxlan(d)
	case *route.Geneve:
		a.printGeneve(d)
	case *route.Gre:
		a.printGre(d)
	case *route.IPTun:
		a.printIPTun(d)
	case *route.VTI:
		if d.Link != 0 {
			p.jstr("link", a.links.name(int32(d.Link)))
		}
		a.addr("remote", d.Remote)
		a.addr("local", d.Local)
		a.key32("ikey", d.IKey)
		a.key32("okey", d.OKey)
		if d.Fwmark != 0 {
			a.hex("fwmark", uint64(d.Fwmark))
		}
	case *route.Xfrm: // link_xfrm.c prints neither IFLA_XFRM_LINK nor a zero if_id
		if d.IfID != 0 {
			a.hex("if_id", uint64(d.IfID))
		}
		if d.CollectMetadata {
			p.boolean("external", "", true)
		}
	case *route.Macsec:
		a.printMacsec(d)
	case *route.VRF:
		p.uint("table", "", uint64(d.Table))
	case *route.Tun:
		p.jstr("type", map[uint8]string{1: "tun", 2: "tap"}[d.Type])
		p.boolean("pi", "", d.PI)
		p.boolean("vnet_hdr", "", d.VnetHdr)
		p.boolean("multi_queue", "", d.MultiQueue)
		if d.MultiQueue {
			p.uint("numqueues", "", uint64(d.NumQueues))
			p.uint("numdisabled", "", uint64(d.NumDisabledQueues))
		}
		p.boolean("persist", "", d.Persist)
		if d.HasOwner {
			p.jstr("user", userName(d.Owner))
		}
		if d.HasGroup {
			p.jstr("group", groupName(d.Group))
		}
	case *route.Bareudp:
		p.uint("dstport", "", uint64(d.Port))
		a.hex("ethertype", uint64(d.EtherType))
		p.uint("srcportmin", "", uint64(d.SrcPortMin))
		p.boolean("multiproto", "", d.MultiprotoMode)
	case *route.HSR:
		if d.Slave1 != 0 {
			p.jstr("slave1", a.links.name(int32(d.Slave1)))
		}
		if d.Slave2 != 0 {
			p.jstr("slave2", a.links.name(int32(d.Slave2)))
		}
		p.uint("seq_nr", "", uint64(d.SeqNr))
		if d.SupervisionAddr.IsValid() {
			p.jstr("supervision_addr", d.SupervisionAddr.String())
		}
	case *route.Netkit:
		p.jstr("mode", map[uint32]string{route.NetkitL2: "l2", route.NetkitL3: "l3"}[d.Mode])
		pol := map[uint32]string{route.NetkitPass: "forward", route.NetkitDrop: "blackhole"}
		p.jstr("type", map[bool]string{true: "primary", false: "peer"}[d.Primary])
		p.jstr("policy", pol[d.Policy])
		p.jstr("peer_policy", pol[d.PeerPolicy])
	}
}

// userName and groupName are the names ip prints for a tun device's owner and group (the number when there is none).
func userName(uid uint32) string {
	if u, err := user.LookupId(strconv.FormatUint(uint64(uid), 10)); err == nil {
		return u.Username
	}
	return strconv.FormatUint(uint64(uid), 10)
}

func groupName(gid uint32) string {
	if g, err := user.LookupGroupId(strconv.FormatUint(uint64(gid), 10)); err == nil {
		return g.Name
	}
	return strconv.FormatUint(uint64(gid), 10)
}

func (a *app) printBridge(d *route.Bridge) {
	p := a.p
	p.uint("forward_delay", "", uint64(d.ForwardDelay))
	p.uint("hello_time", "", uint64(d.HelloTime))
	p.uint("max_age", "", uint64(d.MaxAge))
	p.uint("ageing_time", "", uint64(d.AgeingTime))
	p.uint("stp_state", "", uint64(d.STPState))
	p.uint("priority", "", uint64(d.Priority))
	p.uint("vlan_filtering", "", uint64(d.VlanFiltering))
	if d.VlanProtocol != 0 {
		p.jstr("vlan_protocol", map[uint16]string{unix.ETH_P_8021Q: "802.1Q", unix.ETH_P_8021AD: "802.1ad"}[d.VlanProtocol])
	}
	p.jstr("bridge_id", d.BridgeID.String())
	p.jstr("root_id", d.RootID.String())
	p.uint("root_port", "", uint64(d.RootPort))
	p.uint("root_path_cost", "", uint64(d.RootPathCost))
	p.uint("topology_change", "", uint64(d.TopologyChange))
	p.uint("topology_change_detected", "", uint64(d.TopologyChangeDetected))
	a.timer("hello_timer", d.HelloTimer)
	a.timer("tcn_timer", d.TCNTimer)
	a.timer("topology_change_timer", d.TopologyChangeTimer)
	a.timer("gc_timer", d.GCTimer)
	if d.VlanProtocol != 0 {
		p.uint("vlan_default_pvid", "", uint64(d.VlanDefaultPVID))
	}
	if d.HasVlanStatsEnabled {
		p.uint("vlan_stats_enabled", "", uint64(d.VlanStatsEnabled))
	}
	if d.HasVlanStatsPerPort {
		p.uint("vlan_stats_per_port", "", uint64(d.VlanStatsPerPort))
	}
	if d.GroupFwdMask != 0 {
		a.hex("group_fwd_mask", uint64(d.GroupFwdMask))
	} else {
		p.jstr("group_fwd_mask", "0")
	}
	p.jstr("group_addr", d.GroupAddr.String())
	p.uint("mcast_snooping", "", uint64(d.McastSnooping))
	p.uint("no_linklocal_learn", "", uint64(b2u8(d.NoLinkLocalLearn)))
	p.uint("mcast_vlan_snooping", "", uint64(b2u8(d.McastVlanSnooping)))
	p.uint("mcast_router", "", uint64(d.McastRouter))
	p.uint("mcast_query_use_ifaddr", "", uint64(d.McastQueryUseIfaddr))
	p.uint("mcast_querier", "", uint64(d.McastQuerier))
	p.uint("mcast_hash_elasticity", "", uint64(d.McastHashElasticity))
	p.uint("mcast_hash_max", "", uint64(d.McastHashMax))
	p.uint("mcast_last_member_cnt", "", uint64(d.McastLastMemberCnt))
	p.uint("mcast_startup_query_cnt", "", uint64(d.McastStartupQueryCnt))
	p.uint("mcast_last_member_intvl", "", d.McastLastMemberIntvl)
	p.uint("mcast_membership_intvl", "", d.McastMembershipIntvl)
	p.uint("mcast_querier_intvl", "", d.McastQuerierIntvl)
	p.uint("mcast_query_intvl", "", d.McastQueryIntvl)
	p.uint("mcast_query_response_intvl", "", d.McastQueryResponseIntvl)
	p.uint("mcast_startup_query_intvl", "", d.McastStartupQueryIntvl)
	p.uint("mcast_stats_enabled", "", uint64(d.McastStatsEnabled))
	p.uint("mcast_igmp_version", "", uint64(d.McastIGMPVersion))
	p.uint("mcast_mld_version", "", uint64(d.McastMLDVersion))
	p.uint("nf_call_iptables", "", uint64(d.NfCallIptables))
	p.uint("nf_call_ip6tables", "", uint64(d.NfCallIp6tables))
	p.uint("nf_call_arptables", "", uint64(d.NfCallArptables))
}

// bond option names, by value (iplink_bond.c's tables).
var (
	bondArpValidate     = []string{"none", "active", "backup", "all", "filter", "filter_active", "filter_backup"}
	bondArpAllTargets   = []string{"any", "all"}
	bondPrimaryReselect = []string{"always", "better", "failure"}
	bondFailOverMAC     = []string{"none", "active", "follow"}
	bondXmitHashPolicy  = []string{"layer2", "layer3+4", "layer2+3", "encap2+3", "encap3+4", "vlan+srcmac"}
	bondLACPRate        = []string{"slow", "fast"}
	bondADSelect        = []string{"stable", "bandwidth", "count"}
	bondLACPActive      = []string{"off", "on"}
)

func nameOf(names []string, v uint64) string {
	if v < uint64(len(names)) {
		return names[v]
	}
	return fmt.Sprint(v)
}

func (a *app) printBond(d *route.Bond) {
	p := a.p
	p.jstr("mode", d.ModeName())
	if d.ActiveSlave != 0 {
		p.jstr("active_slave", a.links.name(int32(d.ActiveSlave)))
	}
	p.uint("miimon", "", uint64(d.MIIMon))
	p.uint("peer_notify_delay", "", uint64(d.PeerNotifDelay))
	p.uint("updelay", "", uint64(d.UpDelay))
	p.uint("downdelay", "", uint64(d.DownDelay))
	p.uint("use_carrier", "", uint64(d.UseCarrier))
	p.uint("arp_interval", "", uint64(d.ARPInterval))
	p.uint("arp_missed_max", "", uint64(d.MissedMax))
	if len(d.ARPIPTargets) > 0 {
		p.openArr("arp_ip_target")
		for _, t := range d.ARPIPTargets {
			p.jstr("", t.String())
		}
		p.closeArr()
	}
	if len(d.NSIP6Targets) > 0 {
		p.openArr("ns_ip6_target")
		for _, t := range d.NSIP6Targets {
			p.jstr("", t.String())
		}
		p.closeArr()
	}
	if d.ARPValidate == 0 {
		p.null("arp_validate", "")
	} else {
		p.jstr("arp_validate", nameOf(bondArpValidate, uint64(d.ARPValidate)))
	}
	p.jstr("arp_all_targets", nameOf(bondArpAllTargets, uint64(d.ARPAllTargets)))
	if d.Primary != 0 {
		p.jstr("primary", a.links.name(int32(d.Primary)))
	}
	p.jstr("primary_reselect", nameOf(bondPrimaryReselect, uint64(d.PrimaryReselect)))
	p.jstr("fail_over_mac", nameOf(bondFailOverMAC, uint64(d.FailOverMAC)))
	p.jstr("xmit_hash_policy", nameOf(bondXmitHashPolicy, uint64(d.XmitHashPolicy)))
	p.uint("resend_igmp", "", uint64(d.ResendIGMP))
	p.uint("num_peer_notif", "", uint64(d.NumPeerNotif))
	p.uint("all_slaves_active", "", uint64(d.AllSlavesActive))
	p.uint("min_links", "", uint64(d.MinLinks))
	p.uint("lp_interval", "", uint64(d.LPInterval))
	p.uint("packets_per_slave", "", uint64(d.PacketsPerSlave))
	p.jstr("ad_lacp_active", nameOf(bondLACPActive, uint64(d.ADLACPActive)))
	p.jstr("ad_lacp_rate", nameOf(bondLACPRate, uint64(d.ADLACPRate)))
	p.jstr("ad_select", nameOf(bondADSelect, uint64(d.ADSelect)))
	if d.Mode == route.Bond8023AD {
		if d.ADActorSysPrio != 0 {
			p.uint("ad_actor_sys_prio", "", uint64(d.ADActorSysPrio))
		}
		p.uint("ad_user_port_key", "", uint64(d.ADUserPortKey))
		if d.ADActorSystem.IsValid() {
			p.jstr("ad_actor_system", d.ADActorSystem.String())
		}
	}
	p.uint("tlb_dynamic_lb", "", uint64(d.TLBDynamicLB))
}

func (a *app) printVxlan(d *route.Vxlan) {
	p := a.p
	if d.CollectMetadata {
		p.boolean("external", "", true)
	}
	if d.VNIFilter {
		p.boolean("vnifilter", "", true)
	}
	p.uint("id", "", uint64(d.ID))
	if d.Group.IsValid() {
		k := "remote"
		if d.Group.IsMulticast() {
			k = "group"
		}
		if d.Group.Is6() {
			k += "6"
		}
		if !d.Group.IsUnspecified() {
			p.jstr(k, d.Group.String())
		}
	}
	if d.Local.IsValid() && !d.Local.IsUnspecified() {
		k := "local"
		if d.Local.Is6() {
			k = "local6"
		}
		p.jstr(k, d.Local.String())
	}
	if d.Link != 0 {
		p.jstr("link", a.links.name(int32(d.Link)))
	}
	p.openObj("port_range")
	p.uint("low", "", uint64(d.PortLow))
	p.uint("high", "", uint64(d.PortHigh))
	p.closeObj()
	p.uint("port", "", uint64(d.Port))
	p.boolean("learning", "", d.Learning)
	if d.Proxy {
		p.boolean("proxy", "", true)
	}
	if d.RSC {
		p.boolean("rsc", "", true)
	}
	if d.L2Miss {
		p.boolean("l2miss", "", true)
	}
	if d.L3Miss {
		p.boolean("l3miss", "", true)
	}
	if d.TOS != 0 { // print_0xhex in JSON, 1 (inherit) included
		a.hex("tos", uint64(d.TOS))
	}
	if !d.TTLInherit { // ip prints "ttl inherit" in text only
		p.uint("ttl", "", uint64(d.TTL))
	}
	if d.Label != 0 {
		p.jstr("label", fmt.Sprintf("0x%x", d.Label))
	}
	p.jstr("df", []string{"unset", "set", "inherit"}[min(int(d.DF), 2)])
	if d.Ageing != 0 {
		p.uint("ageing", "", uint64(d.Ageing))
	} else {
		p.str("ageing", "", "none")
	}
	if d.Limit != 0 {
		p.uint("limit", "", uint64(d.Limit))
	}
	p.boolean("udp_csum", "", d.UDPCsum)
	p.boolean("udp_zero_csum6_tx", "", d.UDPZeroCsum6Tx)
	p.boolean("udp_zero_csum6_rx", "", d.UDPZeroCsum6Rx)
	if d.RemCsumTx {
		p.boolean("remcsum_tx", "", true)
	}
	if d.RemCsumRx {
		p.boolean("remcsum_rx", "", true)
	}
	if d.GBP {
		p.boolean("gbp", "", true)
	}
	if d.GPE {
		p.boolean("gpe", "", true)
	}
}

func (a *app) printGeneve(d *route.Geneve) {
	p := a.p
	if d.CollectMetadata {
		p.boolean("external", "", true)
	}
	p.uint("id", "", uint64(d.ID))
	if d.Remote.IsValid() {
		if d.Remote.Is4() {
			p.jstr("remote", d.Remote.String())
		} else {
			p.jstr("remote6", d.Remote.String())
		}
	}
	if !d.TTLInherit { // ip prints "ttl inherit" in text only
		p.uint("ttl", "", uint64(d.TTL))
	}
	if d.TOS != 0 { // print_0xhex in JSON, 1 (inherit) included
		a.hex("tos", uint64(d.TOS))
	}
	p.jstr("df", []string{"unset", "set", "inherit"}[min(int(d.DF), 2)])
	if d.Label != 0 {
		p.jstr("label", fmt.Sprintf("0x%x", d.Label))
	}
	p.uint("port", "", uint64(d.Port))
	if d.UDPCsum {
		p.boolean("udp_csum", "", true)
	}
	if d.UDPZeroCsum6Tx {
		p.boolean("udp_zero_csum6_tx", "", true)
	}
	if d.UDPZeroCsum6Rx {
		p.boolean("udp_zero_csum6_rx", "", true)
	}
	if d.InnerProtoInherit {
		p.boolean("inner_proto_inherit", "", true)
	}
}

func (a *app) printGre(d *route.Gre) {
	p := a.p
	v6 := strings.HasPrefix(d.Kind(), "ip6")
	if d.CollectMetadata {
		p.boolean("external", "", true)
	}
	a.tunnelEnds(d.Remote, d.Local)
	if d.Link != 0 {
		p.jstr("link", a.links.name(int32(d.Link)))
	}
	if v6 {
		a.ip6Flags(d.Flags, d.EncapLimit, d.Flowinfo, d.TTL)
	} else {
		p.uint("ttl", "", uint64(d.TTL))
		if d.TOS != 0 {
			a.hex("tos", uint64(d.TOS))
		}
		p.boolean("pmtudisc", "", !d.NoPMTUDisc)
		if d.IgnoreDF != 0 {
			p.boolean("ignore_df", "", true)
		}
	}
	if d.IFlags&route.GreKey != 0 {
		a.key32("ikey", d.IKey)
	}
	if d.OFlags&route.GreKey != 0 {
		a.key32("okey", d.OKey)
	}
	if d.IFlags&route.GreSeq != 0 {
		p.boolean("iseq", "", true)
	}
	if d.OFlags&route.GreSeq != 0 {
		p.boolean("oseq", "", true)
	}
	if d.IFlags&route.GreCsum != 0 {
		p.boolean("icsum", "", true)
	}
	if d.OFlags&route.GreCsum != 0 {
		p.boolean("ocsum", "", true)
	}
	if d.Fwmark != 0 {
		a.hex("fwmark", uint64(d.Fwmark))
	}
	if d.ErspanVer == 1 {
		p.uint("erspan_index", "", uint64(d.ErspanIndex))
	}
	if d.ErspanVer != 0 {
		p.uint("erspan_ver", "", uint64(d.ErspanVer))
	}
	if d.ErspanVer == 2 {
		p.jstr("erspan_dir", []string{"ingress", "egress"}[d.ErspanDir&1])
		a.hex("erspan_hwid", uint64(d.ErspanHwid))
	}
	a.encap(d.Encap)
}

// tunnelEnds prints remote and local as link_gre.c's tnl_print_endpoint: "any" for none.
func (a *app) tunnelEnds(remote, local netip.Addr) {
	for _, e := range []struct {
		k string
		v netip.Addr
	}{{"remote", remote}, {"local", local}} {
		if e.v.IsValid() && !e.v.IsUnspecified() {
			a.p.jstr(e.k, e.v.String())
		} else {
			a.p.jstr(e.k, "any")
		}
	}
}

// ip6Flags prints what link_gre6.c and link_ip6tnl.c print from the IPv6 tunnel flags and flowinfo.
func (a *app) ip6Flags(flags uint32, encapLimit uint8, flowinfo uint32, ttl uint8) {
	p := a.p
	p.uint("ttl", "", uint64(ttl))
	if flags&route.IP6TnlIgnEncapLimit != 0 {
		p.boolean("ip6_tnl_f_ign_encap_limit", "", true)
	} else {
		p.uint("encap_limit", "", uint64(encapLimit))
	}
	if flags&route.IP6TnlUseOrigFlowlabel != 0 {
		p.boolean("ip6_tnl_f_use_orig_flowlabel", "", true)
	} else {
		p.jstr("flowlabel", fmt.Sprintf("0x%05x", flowinfo&0xfffff))
	}
	if flags&route.IP6TnlUseOrigTClass != 0 {
		p.boolean("ip6_tnl_f_use_orig_tclass", "", true)
	} else {
		p.jstr("tclass", fmt.Sprintf("0x%02x", flowinfo>>20&0xff))
	}
	if flags&route.IP6TnlRcvDSCPCopy != 0 {
		p.boolean("ip6_tnl_f_rcv_dscp_copy", "", true)
	}
	if flags&route.IP6TnlMIP6Dev != 0 {
		p.boolean("ip6_tnl_f_mip6_dev", "", true)
	}
	if flags&route.IP6TnlUseOrigFwmark != 0 {
		p.boolean("ip6_tnl_f_use_orig_fwmark", "", true)
	}
	if flags&route.IP6TnlAllowLocalRemote != 0 {
		p.boolean("ip6_tnl_f_allow_local_remote", "", true)
	}
}

// encap prints tnl_print_encap's "encap" object.
func (a *app) encap(e route.TunnelEncap) {
	if e.Type == route.TunnelEncapNone {
		return
	}
	p := a.p
	p.openObj("encap")
	p.jstr("type", map[uint16]string{route.TunnelEncapFOU: "fou", route.TunnelEncapGUE: "gue",
		route.TunnelEncapMPLS: "mpls"}[e.Type])
	if e.SourcePort == 0 {
		p.jstr("sport", "auto")
	} else {
		p.uint("sport", "", uint64(e.SourcePort))
	}
	p.uint("dport", "", uint64(e.DPort))
	p.boolean("csum", "", e.Flags&1 != 0)
	p.boolean("csum6", "", e.Flags&2 != 0)
	p.boolean("remcsum", "", e.Flags&4 != 0)
	p.closeObj()
}

func (a *app) printIPTun(d *route.IPTun) {
	p := a.p
	if d.CollectMetadata {
		p.boolean("external", "", true)
	}
	if d.Kind() == "ip6tnl" {
		p.jstr("proto", map[uint8]string{unix.IPPROTO_IPIP: "ipip6", unix.IPPROTO_IPV6: "ip6ip6", 0: "any"}[d.Proto])
	} else if d.HasProto {
		p.jstr("proto", map[uint8]string{unix.IPPROTO_IPIP: "ipip", unix.IPPROTO_IPV6: "ip6ip",
			unix.IPPROTO_MPLS: "mplsip", 0: "any"}[d.Proto])
	}
	a.tunnelEnds(d.Remote, d.Local)
	if d.Link != 0 {
		p.jstr("link", a.links.name(int32(d.Link)))
	}
	if d.Kind() == "ip6tnl" {
		a.ip6Flags(d.Flags, d.EncapLimit, d.Flowinfo, d.TTL)
	} else {
		p.uint("ttl", "", uint64(d.TTL))
		if d.TOS != 0 {
			a.hex("tos", uint64(d.TOS))
		}
		p.boolean("pmtudisc", "", !d.NoPMTUDisc)
		if d.Kind() == "sit" && d.Flags&1 != 0 {
			p.boolean("isatap", "", true)
		}
		if d.SixRDPrefix.IsValid() && d.SixRDPrefixLen != 0 {
			p.jstr("prefix", d.SixRDPrefix.String())
			p.uint("prefixlen", "", uint64(d.SixRDPrefixLen))
			if d.SixRDRelayPrefix.IsValid() && !d.SixRDRelayPrefix.IsUnspecified() {
				p.jstr("relay_prefix", d.SixRDRelayPrefix.String())
				p.uint("relay_prefixlen", "", uint64(d.SixRDRelayPrefixLen))
			}
		}
	}
	if d.Fwmark != 0 {
		a.hex("fwmark", uint64(d.Fwmark))
	}
	a.encap(d.Encap)
}

func (a *app) printMacsec(d *route.Macsec) {
	p := a.p
	p.jstr("sci", fmt.Sprintf("%016x", d.SCI))
	p.uint("icv_len", "", uint64(d.ICVLen))
	p.jstr("cipher_suite", map[uint64]string{route.MacsecCipherGCMAES128: "GCM-AES-128",
		route.MacsecCipherGCMAES256: "GCM-AES-256", route.MacsecCipherGCMAESXPN128: "GCM-AES-XPN-128",
		route.MacsecCipherGCMAESXPN256: "GCM-AES-XPN-256"}[d.CipherSuite])
	p.uint("encoding_sa", "", uint64(d.EncodingSA))
	p.jstr("validation", []string{"disabled", "check", "strict"}[min(int(d.Validation), 2)])
	p.boolean("encrypt", "", d.Encrypt)
	p.boolean("protect", "", !d.NoProtect)
	p.boolean("replay_protect", "", d.ReplayProtect)
	if d.ReplayProtect {
		p.uint("window", "", uint64(d.Window))
	}
	p.boolean("inc_sci", "", d.IncSCI)
	p.boolean("es", "", d.ES)
	p.boolean("scb", "", d.SCB)
	if d.Offload != 0 {
		p.jstr("offload", []string{"off", "phy", "mac"}[min(int(d.Offload), 2)])
	}
}

func (a *app) printSlaveData(d route.LinkSlaveData) {
	p := a.p
	switch d := d.(type) {
	case *route.BridgePort:
		p.jstr("state", []string{"disabled", "listening", "learning", "forwarding", "blocking"}[min(int(d.State), 4)])
		p.uint("priority", "", uint64(d.Priority))
		p.uint("cost", "", uint64(d.Cost))
		p.boolean("hairpin", "", d.Hairpin)
		p.boolean("guard", "", d.Guard)
		p.boolean("root_block", "", d.Protect)
		p.boolean("fastleave", "", d.FastLeave)
		p.boolean("learning", "", d.Learning)
		p.boolean("flood", "", d.UnicastFlood)
		a.hex("id", uint64(d.ID))
		a.hex("no", uint64(d.No))
		p.uint("designated_port", "", uint64(d.DesignatedPort))
		p.uint("designated_cost", "", uint64(d.DesignatedCost))
		p.jstr("bridge_id", d.BridgeID.String())
		p.jstr("root_id", d.RootID.String())
		a.timer("hold_timer", d.HoldTimer)
		a.timer("message_age_timer", d.MessageAgeTimer)
		a.timer("forward_delay_timer", d.ForwardDelayTimer)
		p.uint("topology_change_ack", "", uint64(d.TopologyChangeAck))
		p.uint("config_pending", "", uint64(d.ConfigPending))
		p.boolean("proxy_arp", "", d.ProxyARP)
		p.boolean("proxy_arp_wifi", "", d.ProxyARPWiFi)
		p.uint("multicast_router", "", uint64(d.MulticastRouter))
		p.boolean("mcast_flood", "", d.McastFlood)
		p.boolean("bcast_flood", "", d.BcastFlood)
		p.boolean("mcast_to_unicast", "", d.McastToUcast)
		p.boolean("neigh_suppress", "", d.NeighSuppress)
		if d.GroupFwdMask != 0 {
			a.hex("group_fwd_mask", uint64(d.GroupFwdMask))
		} else {
			p.jstr("group_fwd_mask", "0")
		}
		p.jstr("group_fwd_mask_str", fmt.Sprintf("0x%x", d.GroupFwdMask))
		p.boolean("vlan_tunnel", "", d.VlanTunnel)
		p.boolean("isolated", "", d.Isolated)
		p.boolean("locked", "", d.Locked)
	case *route.BondSlave:
		p.jstr("state", []string{"ACTIVE", "BACKUP"}[d.State&1])
		p.jstr("mii_status", []string{"UP", "GOING_DOWN", "DOWN", "GOING_BACK"}[d.MIIStatus&3])
		p.uint("link_failure_count", "", uint64(d.LinkFailureCount))
		if d.PermHWAddr.IsValid() {
			p.jstr("perm_hwaddr", d.PermHWAddr.String())
		}
		p.uint("queue_id", "", uint64(d.QueueID))
		if d.HasPrio {
			p.int("prio", "", int64(d.Prio))
		}
	case *route.VRFPort:
		p.uint("table", "", uint64(d.Table))
	}
}
