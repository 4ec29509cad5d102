package main

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// kindParsers read the options after `type KIND` for the kinds of ip's link_*.c and iplink_*.c parsers that
// linkedit.go does not handle itself, into l.Info.Data.
var kindParsers = map[string]func(a *app, l *route.Link, kind string, av *args) error{
	"gre": (*app).greArgs, "gretap": (*app).greArgs, "erspan": (*app).greArgs,
	"ip6gre": (*app).greArgs, "ip6gretap": (*app).greArgs, "ip6erspan": (*app).greArgs,
	"ipip": (*app).iptunArgs, "sit": (*app).iptunArgs, "ip6tnl": (*app).iptunArgs,
	"vti": (*app).vtiArgs, "vti6": (*app).vtiArgs,
	"xfrm": (*app).xfrmArgs, "geneve": (*app).geneveArgs, "ipvlan": (*app).ipvlanArgs, "ipvtap": (*app).ipvlanArgs,
	"macsec": (*app).macsecArgs, "bareudp": (*app).bareudpArgs, "hsr": (*app).hsrArgs,
	"netkit": (*app).netkitArgs,
	// Kinds without options.
	"dummy": noKindArgs, "ifb": noKindArgs, "nlmon": noKindArgs, "wireguard": noKindArgs, "team": noKindArgs,
	"vcan": noKindArgs,
}

func noKindArgs(_ *app, _ *route.Link, kind string, av *args) error {
	if av.more() {
		return usagef("%s: unknown command %q?", kind, av.peek())
	}
	return nil
}

// parseU8 reads a number of at most 8 bits (any base strconv takes with prefix).
func parseUint(s, what string, bits int) (uint64, error) {
	n, err := strconv.ParseUint(s, 0, bits)
	if err != nil {
		return 0, invarg("invalid \""+what+"\" value", s)
	}
	return n, nil
}

// parseTOS reads ip's tos/tclass/dsfield: "inherit" (1 for tos), or a hexadecimal number (0x optional).
func parseTOS(s string, inherit uint8) (uint8, error) {
	if s == "inherit" {
		return inherit, nil
	}
	n, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X"), 16, 8)
	if err != nil {
		return 0, invarg("TOS value is invalid", s)
	}
	return uint8(n), nil
}

// parseTTL reads ttl/hoplimit: "inherit" is 0.
func parseTTL(s string) (uint8, error) {
	if s == "inherit" {
		return 0, nil
	}
	n, err := strconv.ParseUint(s, 0, 8)
	if err != nil {
		return 0, invarg("invalid TTL", s)
	}
	return uint8(n), nil
}

// parseKey reads a GRE or VTI key: a number or a dotted quad (ip's get_be32 forms).
func parseKey(s string) (uint32, error) {
	if strings.Contains(s, ".") {
		a, err := netip.ParseAddr(s)
		if err != nil || !a.Is4() {
			return 0, invarg("invalid value for \"key\"", s)
		}
		b := a.As4()
		return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3]), nil
	}
	n, err := strconv.ParseUint(s, 0, 32)
	if err != nil {
		return 0, invarg("invalid value for \"key\"", s)
	}
	return uint32(n), nil
}

// defaultHopLimit and defaultEncapLimit are iproute2's DEFAULT_TNL_HOP_LIMIT and IPV6_DEFAULT_TNL_ENCAP_LIMIT.
const (
	defaultHopLimit   = 64
	defaultEncapLimit = 4
)

// ip6 tunnel flag words shared by ip6gre and ip6tnl.
func ip6TunnelValue(w, val string, flags *uint32, encapLimit *uint8, flowinfo *uint32) (bool, error) {
	switch w {
	case "encaplimit":
		if val == "none" {
			*flags |= route.IP6TnlIgnEncapLimit
			return true, nil
		}
		n, err := parseUint(val, "encaplimit", 8)
		*encapLimit = uint8(n)
		*flags &^= route.IP6TnlIgnEncapLimit
		return true, err
	case "flowlabel", "fl":
		if val == "inherit" {
			*flags |= route.IP6TnlUseOrigFlowlabel
			return true, nil
		}
		n, err := strconv.ParseUint(strings.TrimPrefix(val, "0x"), 16, 20)
		if err != nil {
			return true, invarg("invalid flowlabel", val)
		}
		*flowinfo = *flowinfo&^0xfffff | uint32(n)
		return true, nil
	case "tclass", "tc", "dsfield", "tos":
		if val == "inherit" {
			*flags |= route.IP6TnlUseOrigTClass
			return true, nil
		}
		n, err := parseTOS(val, 0)
		*flowinfo = *flowinfo&^0x0ff00000 | uint32(n)<<20
		return true, err
	}
	return false, nil
}

func (a *app) devIndex(val string) (uint32, error) {
	idx, err := a.ifindex(val)
	return uint32(idx), err
}

// greArgs is link_gre.c and link_gre6.c: gre, gretap, erspan, ip6gre, ip6gretap, ip6erspan.
func (a *app) greArgs(l *route.Link, kind string, av *args) error {
	g := route.NewGre(kind)
	l.Info.Data = g
	v6 := strings.HasPrefix(kind, "ip6")
	if v6 { // what link_gre6.c sends when not told otherwise
		g.TTL, g.EncapLimit = defaultHopLimit, defaultEncapLimit
	}
	return av.keyValues(kind, "seq iseq oseq csum icsum ocsum pmtudisc nopmtudisc ignore-df noignore-df external "+
		"noexternal allow-localremote noallow-localremote",
		"local remote dev ttl hoplimit hlim tos dsfield tclass tc key ikey okey fwmark encaplimit flowlabel fl "+
			"erspan erspan_ver erspan_dir erspan_hwid", func(w, val string) error {
			var err error
			var n uint64
			if v6 {
				if ok, err := ip6TunnelValue(w, val, &g.Flags, &g.EncapLimit, &g.Flowinfo); ok {
					return err
				}
			}
			switch w {
			case "seq":
				g.IFlags |= route.GreSeq
				g.OFlags |= route.GreSeq
			case "iseq":
				g.IFlags |= route.GreSeq
			case "oseq":
				g.OFlags |= route.GreSeq
			case "csum":
				g.IFlags |= route.GreCsum
				g.OFlags |= route.GreCsum
			case "icsum":
				g.IFlags |= route.GreCsum
			case "ocsum":
				g.OFlags |= route.GreCsum
			case "pmtudisc", "nopmtudisc":
				g.NoPMTUDisc = w == "nopmtudisc"
			case "ignore-df", "noignore-df":
				g.IgnoreDF = b2u8(w == "ignore-df")
			case "external", "noexternal":
				g.CollectMetadata = w == "external"
			case "allow-localremote", "noallow-localremote":
				if w == "allow-localremote" {
					g.Flags |= route.IP6TnlAllowLocalRemote
				} else {
					g.Flags &^= route.IP6TnlAllowLocalRemote
				}
			case "local", "remote":
				var ad netip.Addr
				if val != "any" {
					if ad, err = parseAddr(val, 0); err != nil {
						return err
					}
				}
				if w == "local" {
					g.Local = ad
				} else {
					g.Remote = ad
				}
			case "dev":
				g.Link, err = a.devIndex(val)
			case "ttl", "hoplimit", "hlim":
				g.TTL, err = parseTTL(val)
			case "tos", "dsfield", "tclass", "tc":
				g.TOS, err = parseTOS(val, 1)
			case "key", "ikey", "okey":
				k, kerr := parseKey(val)
				if kerr != nil {
					return kerr
				}
				if w != "okey" {
					g.IKey, g.IFlags = k, g.IFlags|route.GreKey
				}
				if w != "ikey" {
					g.OKey, g.OFlags = k, g.OFlags|route.GreKey
				}
			case "fwmark":
				n, err = parseUint(val, w, 32)
				g.Fwmark = uint32(n)
			case "erspan":
				n, err = parseUint(val, w, 32)
				g.ErspanIndex = uint32(n)
			case "erspan_ver":
				n, err = parseUint(val, w, 8)
				g.ErspanVer = uint8(n)
			case "erspan_dir":
				switch val {
				case "ingress":
					g.ErspanDir = 0
				case "egress":
					g.ErspanDir = 1
				default:
					return invarg("Invalid erspan direction.", val)
				}
			case "erspan_hwid":
				n, err = parseUint(val, w, 16)
				g.ErspanHwid = uint16(n)
			default:
				return usagef("%s: %q is not supported for this kind", kind, w)
			}
			return err
		})
}

// iptunArgs is link_iptnl.c and link_ip6tnl.c: ipip, sit, ip6tnl.
func (a *app) iptunArgs(l *route.Link, kind string, av *args) error {
	t := route.NewIPTun(kind)
	l.Info.Data = t
	t.HasProto = true // link_iptnl.c and link_ip6tnl.c always send IFLA_IPTUN_PROTO (0, any, by default)
	if kind == "ip6tnl" {
		t.TTL, t.EncapLimit = defaultHopLimit, defaultEncapLimit
	}
	return av.keyValues(kind, "pmtudisc nopmtudisc isatap external noexternal allow-localremote noallow-localremote",
		"mode local remote dev ttl hoplimit hlim tos dsfield tclass tc encaplimit flowlabel fl fwmark "+
			"6rd-prefix 6rd-relay_prefix", func(w, val string) error {
			var err error
			if kind == "ip6tnl" {
				if ok, err := ip6TunnelValue(w, val, &t.Flags, &t.EncapLimit, &t.Flowinfo); ok {
					return err
				}
			}
			switch w {
			case "pmtudisc", "nopmtudisc":
				t.NoPMTUDisc = w == "nopmtudisc"
			case "isatap":
				t.Flags |= 1 // SIT_ISATAP
			case "external", "noexternal":
				t.CollectMetadata = w == "external"
			case "allow-localremote":
				t.Flags |= route.IP6TnlAllowLocalRemote
			case "noallow-localremote":
				t.Flags &^= route.IP6TnlAllowLocalRemote
			case "mode":
				protos := map[string]uint8{"ipip": unix.IPPROTO_IPIP, "ip4ip4": unix.IPPROTO_IPIP,
					"ip6ip": unix.IPPROTO_IPV6, "ipv6/ipv4": unix.IPPROTO_IPV6, "ip6ip6": unix.IPPROTO_IPV6,
					"ipv6/ipv6": unix.IPPROTO_IPV6, "ipip6": unix.IPPROTO_IPIP, "ip/ipv6": unix.IPPROTO_IPIP,
					"mplsip": unix.IPPROTO_MPLS, "mpls/ipv4": unix.IPPROTO_MPLS, "any": 0, "any/ipv6": 0,
					"any/ipv4": 0}
				p, ok := protos[strings.ToLower(val)]
				if !ok {
					return invarg("Cannot guess tunnel mode.", val)
				}
				t.Proto, t.HasProto = p, true
			case "local", "remote":
				var ad netip.Addr
				if val != "any" {
					if ad, err = parseAddr(val, 0); err != nil {
						return err
					}
				}
				if w == "local" {
					t.Local = ad
				} else {
					t.Remote = ad
				}
			case "dev":
				t.Link, err = a.devIndex(val)
			case "ttl", "hoplimit", "hlim":
				t.TTL, err = parseTTL(val)
			case "tos", "dsfield", "tclass", "tc":
				t.TOS, err = parseTOS(val, 1)
			case "fwmark":
				var n uint64
				n, err = parseUint(val, w, 32)
				t.Fwmark = uint32(n)
			case "6rd-prefix", "6rd-relay_prefix":
				p, perr := netip.ParsePrefix(val)
				if perr != nil {
					return invarg("invalid 6rd prefix", val)
				}
				if w == "6rd-prefix" {
					t.SixRDPrefix, t.SixRDPrefixLen = p.Addr(), uint16(p.Bits())
				} else {
					t.SixRDRelayPrefix, t.SixRDRelayPrefixLen = p.Addr(), uint16(p.Bits())
				}
			default:
				return usagef("%s: %q is not supported for this kind", kind, w)
			}
			return err
		})
}

// vtiArgs is link_vti.c and link_vti6.c.
func (a *app) vtiArgs(l *route.Link, kind string, av *args) error {
	v := route.NewVTI(kind)
	l.Info.Data = v
	return av.keyValues(kind, "", "local remote dev key ikey okey fwmark", func(w, val string) error {
		var err error
		switch w {
		case "local", "remote":
			var ad netip.Addr
			if val != "any" {
				if ad, err = parseAddr(val, 0); err != nil {
					return err
				}
			}
			if w == "local" {
				v.Local = ad
			} else {
				v.Remote = ad
			}
		case "dev":
			v.Link, err = a.devIndex(val)
		case "key", "ikey", "okey":
			k, kerr := parseKey(val)
			if kerr != nil {
				return kerr
			}
			if w != "okey" {
				v.IKey = k
			}
			if w != "ikey" {
				v.OKey = k
			}
		case "fwmark":
			var n uint64
			n, err = parseUint(val, w, 32)
			v.Fwmark = uint32(n)
		}
		return err
	})
}

// xfrmArgs is link_xfrm.c: `dev DEV if_id ID [external]`.
func (a *app) xfrmArgs(l *route.Link, kind string, av *args) error {
	x := &route.Xfrm{}
	l.Info.Data = x
	return av.keyValues(kind, "external", "dev if_id", func(w, val string) error {
		var err error
		switch w {
		case "external":
			x.CollectMetadata = true
		case "dev":
			x.Link, err = a.devIndex(val)
		case "if_id":
			var n uint64
			n, err = parseUint(val, w, 32)
			x.IfID = uint32(n)
		}
		return err
	})
}

// geneveArgs is iplink_geneve.c.
func (a *app) geneveArgs(l *route.Link, kind string, av *args) error {
	g := &route.Geneve{}
	l.Info.Data = g
	idSet := false
	err := av.keyValues(kind, "external noexternal udpcsum noudpcsum udp6zerocsumtx noudp6zerocsumtx "+
		"udp6zerocsumrx noudp6zerocsumrx innerprotoinherit",
		"id vni remote ttl hoplimit tos dsfield df flowlabel dstport", func(w, val string) error {
			var err error
			var n uint64
			switch w {
			case "external", "noexternal":
				g.CollectMetadata = w == "external"
			case "udpcsum", "noudpcsum":
				g.UDPCsum = w == "udpcsum"
			case "udp6zerocsumtx", "noudp6zerocsumtx":
				g.UDPZeroCsum6Tx = w == "udp6zerocsumtx"
			case "udp6zerocsumrx", "noudp6zerocsumrx":
				g.UDPZeroCsum6Rx = w == "udp6zerocsumrx"
			case "innerprotoinherit":
				g.InnerProtoInherit = true
			case "id", "vni":
				n, err = parseUint(val, "id", 24)
				g.ID, idSet = uint32(n), true
			case "remote":
				g.Remote, err = parseAddr(val, 0)
			case "ttl", "hoplimit":
				if val == "inherit" {
					g.TTLInherit = true
				} else if val != "auto" {
					g.TTL, err = parseTTL(val)
				}
			case "tos", "dsfield":
				g.TOS, err = parseTOS(val, 1)
			case "df":
				dfs := map[string]uint8{"unset": route.GeneveDFUnset, "set": route.GeneveDFSet,
					"inherit": route.GeneveDFInherit}
				d, ok := dfs[val]
				if !ok {
					return invarg("df must be 'unset', 'set' or 'inherit'", val)
				}
				g.DF = d
			case "flowlabel":
				n, err = parseUint(val, w, 20)
				g.Label = uint32(n)
			case "dstport":
				n, err = parseUint(val, w, 16)
				g.Port = uint16(n)
			}
			return err
		})
	if err == nil && !idSet && !g.CollectMetadata {
		return usagef("geneve: missing virtual network identifier")
	}
	return err
}

// ipvlanArgs is iplink_ipvlan.c: `mode { l2 | l3 | l3s } [ bridge | private | vepa ]`.
func (a *app) ipvlanArgs(l *route.Link, kind string, av *args) error {
	v := route.NewIpvlan(kind, route.IpvlanL3)
	v.HasMode = false
	l.Info.Data = v
	return av.keyValues(kind, "bridge private vepa", "mode", func(w, val string) error {
		switch w {
		case "bridge":
			v.Flags = 0
		case "private":
			v.Flags = route.IpvlanPrivate
		case "vepa":
			v.Flags = route.IpvlanVEPA
		case "mode":
			modes := map[string]uint16{"l2": route.IpvlanL2, "l3": route.IpvlanL3, "l3s": route.IpvlanL3S}
			m, ok := modes[val]
			if !ok {
				return invarg("mode must be l2, l3 or l3s", val)
			}
			v.Mode, v.HasMode = m, true
		}
		return nil
	})
}

// onOff reads ip's on/off.
func onOff(w, val string) (bool, error) {
	switch val {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	return false, invarg("\""+w+"\" must be \"on\" or \"off\"", val)
}

// macsecArgs is ipmacsec.c's link options.
func (a *app) macsecArgs(l *route.Link, kind string, av *args) error {
	m := &route.Macsec{}
	l.Info.Data = m
	return av.keyValues(kind, "", "sci port cipher icvlen encrypt send_sci end_station scb protect replay window "+
		"validate encodingsa offload", func(w, val string) error {
		var err error
		var n uint64
		var on bool
		switch w {
		case "sci":
			n, err = strconv.ParseUint(val, 16, 64)
			if err != nil {
				return invarg("expected sci", val)
			}
			m.SCI = n
		case "port":
			n, err = parseUint(val, w, 16)
			m.Port = uint16(n)
		case "cipher":
			ciphers := map[string]uint64{"default": route.MacsecCipherGCMAES128,
				"gcm-aes-128": route.MacsecCipherGCMAES128, "gcm-aes-256": route.MacsecCipherGCMAES256,
				"gcm-aes-xpn-128": route.MacsecCipherGCMAESXPN128, "gcm-aes-xpn-256": route.MacsecCipherGCMAESXPN256}
			c, ok := ciphers[val]
			if !ok {
				return invarg("expected cipher", val)
			}
			m.CipherSuite = c
		case "icvlen":
			n, err = parseUint(val, w, 8)
			m.ICVLen = uint8(n)
		case "window":
			n, err = parseUint(val, w, 32)
			m.Window = uint32(n)
		case "encodingsa":
			n, err = parseUint(val, w, 8)
			m.EncodingSA = uint8(n)
		case "validate":
			vals := map[string]uint8{"disabled": route.MacsecValidateDisabled, "check": route.MacsecValidateCheck,
				"strict": route.MacsecValidateStrict}
			v, ok := vals[val]
			if !ok {
				return invarg("expected validate mode", val)
			}
			m.Validation, m.HasValidation = v, true
		case "offload":
			offs := map[string]uint8{"off": route.MacsecOffloadOff, "phy": route.MacsecOffloadPHY,
				"mac": route.MacsecOffloadMAC}
			o, ok := offs[val]
			if !ok {
				return invarg("expected offload", val)
			}
			m.Offload = o
		default:
			if on, err = onOff(w, val); err != nil {
				return err
			}
			switch w {
			case "encrypt":
				m.Encrypt = on
			case "send_sci":
				m.IncSCI = on
			case "end_station":
				m.ES = on
			case "scb":
				m.SCB = on
			case "protect":
				m.NoProtect = !on
			case "replay":
				m.ReplayProtect = on
			}
		}
		return err
	})
}

// bareudpArgs is iplink_bareudp.c.
func (a *app) bareudpArgs(l *route.Link, kind string, av *args) error {
	u := &route.Bareudp{}
	l.Info.Data = u
	err := av.keyValues(kind, "multiproto nomultiproto", "dstport ethertype srcportmin", func(w, val string) error {
		var err error
		var n uint64
		switch w {
		case "multiproto", "nomultiproto":
			u.MultiprotoMode = w == "multiproto"
		case "dstport":
			n, err = parseUint(val, w, 16)
			u.Port = uint16(n)
		case "srcportmin":
			n, err = parseUint(val, w, 16)
			u.SrcPortMin = uint16(n)
		case "ethertype":
			types := map[string]uint16{"mpls_uc": unix.ETH_P_MPLS_UC, "mpls_mc": unix.ETH_P_MPLS_MC,
				"ipv4": unix.ETH_P_IP, "ipv6": unix.ETH_P_IPV6}
			if t, ok := types[val]; ok {
				u.EtherType = t
			} else {
				n, err = parseUint(val, w, 16)
				u.EtherType = uint16(n)
			}
		}
		return err
	})
	if err == nil && (u.Port == 0 || u.EtherType == 0) {
		return usagef("bareudp: dstport and ethertype are required")
	}
	return err
}

// hsrArgs is iplink_hsr.c.
func (a *app) hsrArgs(l *route.Link, kind string, av *args) error {
	h := &route.HSR{}
	l.Info.Data = h
	return av.keyValues(kind, "", "slave1 slave2 interlink supervision version proto", func(w, val string) error {
		var err error
		var n uint64
		switch w {
		case "slave1":
			h.Slave1, err = a.devIndex(val)
		case "slave2":
			h.Slave2, err = a.devIndex(val)
		case "interlink":
			h.Interlink, err = a.devIndex(val)
		case "supervision":
			n, err = parseUint(val, w, 8)
			h.MulticastSpec = uint8(n)
		case "version":
			n, err = parseUint(val, w, 8)
			h.Version = uint8(n)
		case "proto":
			n, err = parseUint(val, w, 8)
			h.Protocol = uint8(n)
		}
		return err
	})
}

// netkitArgs is iplink_netkit.c: `[mode l2|l3] [forward|blackhole] [peer [forward|blackhole] [OPTIONS]]`.
func (a *app) netkitArgs(l *route.Link, kind string, av *args) error {
	n := &route.Netkit{}
	l.Info.Data = n
	for av.more() {
		w := av.take()
		switch w {
		case "mode":
			v, err := av.value()
			if err != nil {
				return err
			}
			switch v {
			case "l2":
				n.Mode, n.HasMode = route.NetkitL2, true
			case "l3":
				n.Mode, n.HasMode = route.NetkitL3, true
			default:
				return invarg("mode must be l2 or l3", v)
			}
		case "forward", "pass":
			n.Policy = route.NetkitPass
		case "blackhole", "drop":
			n.Policy = route.NetkitDrop
		case "peer":
			switch av.peek() {
			case "forward", "pass":
				av.take()
				n.PeerPolicy = route.NetkitPass
			case "blackhole", "drop":
				av.take()
				n.PeerPolicy = route.NetkitDrop
			}
			for av.more() {
				if err := a.commonLinkArg(&n.Peer, av.take(), av); err != nil {
					return err
				}
			}
		default:
			return usagef("%s: unknown command %q?", kind, w)
		}
	}
	return nil
}

func b2u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// bridgeArgs is iplink_bridge.c's options that map to IFLA_BR_* settings.
func (a *app) bridgeArgs(l *route.Link, kind string, av *args) error {
	br := &route.Bridge{}
	l.Info.Data = br
	u32 := map[string]*uint32{"forward_delay": &br.ForwardDelay, "hello_time": &br.HelloTime, "max_age": &br.MaxAge,
		"ageing_time": &br.AgeingTime, "stp_state": &br.STPState, "mcast_hash_max": &br.McastHashMax,
		"mcast_hash_elasticity": &br.McastHashElasticity, "mcast_last_member_count": &br.McastLastMemberCnt,
		"mcast_startup_query_count": &br.McastStartupQueryCnt, "fdb_max_learned": &br.FDBMaxLearned}
	u64 := map[string]*uint64{"mcast_last_member_interval": &br.McastLastMemberIntvl,
		"mcast_membership_interval": &br.McastMembershipIntvl, "mcast_querier_interval": &br.McastQuerierIntvl,
		"mcast_query_interval": &br.McastQueryIntvl, "mcast_query_response_interval": &br.McastQueryResponseIntvl,
		"mcast_startup_query_interval": &br.McastStartupQueryIntvl}
	type u8opt struct {
		v   *uint8
		has *bool
	}
	u8 := map[string]u8opt{"vlan_filtering": {&br.VlanFiltering, &br.HasVlanFiltering},
		"vlan_stats_enabled":  {&br.VlanStatsEnabled, &br.HasVlanStatsEnabled},
		"vlan_stats_per_port": {&br.VlanStatsPerPort, &br.HasVlanStatsPerPort},
		"mcast_router":        {&br.McastRouter, &br.HasMcastRouter}, "mcast_snooping": {&br.McastSnooping, &br.HasMcastSnooping},
		"mcast_query_use_ifaddr": {&br.McastQueryUseIfaddr, &br.HasMcastQueryUseIfaddr},
		"mcast_querier":          {&br.McastQuerier, &br.HasMcastQuerier},
		"mcast_stats_enabled":    {&br.McastStatsEnabled, &br.HasMcastStatsEnabled},
		"mcast_igmp_version":     {&br.McastIGMPVersion, nil}, "mcast_mld_version": {&br.McastMLDVersion, nil},
		"nf_call_iptables":  {&br.NfCallIptables, &br.HasNfCallIptables},
		"nf_call_ip6tables": {&br.NfCallIp6tables, &br.HasNfCallIp6tables},
		"nf_call_arptables": {&br.NfCallArptables, &br.HasNfCallArptables}}
	keys := "priority vlan_protocol vlan_default_pvid group_fwd_mask group_address"
	for k := range u32 {
		keys += " " + k
	}
	for k := range u64 {
		keys += " " + k
	}
	for k := range u8 {
		keys += " " + k
	}
	return av.keyValues(kind, "", keys, func(w, val string) error {
		if p, ok := u32[w]; ok {
			n, err := parseUint(val, w, 32)
			*p = uint32(n)
			return err
		}
		if p, ok := u64[w]; ok {
			n, err := parseUint(val, w, 64)
			*p = n
			return err
		}
		if o, ok := u8[w]; ok {
			n, err := parseUint(val, w, 8)
			*o.v = uint8(n)
			if o.has != nil {
				*o.has = true
			}
			return err
		}
		var err error
		var n uint64
		switch w {
		case "priority":
			n, err = parseUint(val, w, 16)
			br.Priority = uint16(n)
		case "vlan_default_pvid":
			n, err = parseUint(val, w, 16)
			br.VlanDefaultPVID = uint16(n)
		case "group_fwd_mask":
			n, err = parseUint(val, w, 16)
			br.GroupFwdMask = uint16(n)
		case "vlan_protocol":
			switch strings.ToLower(val) {
			case "802.1q":
				br.VlanProtocol = unix.ETH_P_8021Q
			case "802.1ad":
				br.VlanProtocol = unix.ETH_P_8021AD
			default:
				return invarg("invalid vlan_protocol", val)
			}
		case "group_address":
			hw, perr := route.ParseHWAddr(val)
			if perr != nil {
				return invarg("invalid group_address", val)
			}
			br.GroupAddr = hw
		}
		return err
	})
}

// index of val in names, or -1 (also accepting the number).
func indexOf(names []string, val string) int {
	for i, n := range names {
		if n == val || strconv.Itoa(i) == val {
			return i
		}
	}
	return -1
}

// bondArgs is iplink_bond.c's options.
func (a *app) bondArgs(l *route.Link, kind string, av *args) error {
	b := &route.Bond{}
	l.Info.Data = b
	u32 := map[string]*uint32{"miimon": &b.MIIMon, "updelay": &b.UpDelay, "downdelay": &b.DownDelay,
		"peer_notify_delay": &b.PeerNotifDelay, "arp_interval": &b.ARPInterval, "resend_igmp": &b.ResendIGMP,
		"min_links": &b.MinLinks, "lp_interval": &b.LPInterval, "packets_per_slave": &b.PacketsPerSlave}
	u8 := map[string]*uint8{"use_carrier": &b.UseCarrier, "num_grat_arp": &b.NumPeerNotif,
		"num_unsol_na": &b.NumPeerNotif, "all_slaves_active": &b.AllSlavesActive, "tlb_dynamic_lb": &b.TLBDynamicLB,
		"arp_missed_max": &b.MissedMax}
	named := map[string]struct {
		names []string
		set   func(int)
	}{
		"mode":             {bondModes, func(i int) { b.Mode = uint8(i) }},
		"arp_validate":     {bondArpValidate, func(i int) { b.ARPValidate = uint32(i) }},
		"arp_all_targets":  {bondArpAllTargets, func(i int) { b.ARPAllTargets = uint32(i) }},
		"primary_reselect": {bondPrimaryReselect, func(i int) { b.PrimaryReselect = uint8(i) }},
		"fail_over_mac":    {bondFailOverMAC, func(i int) { b.FailOverMAC = uint8(i) }},
		"xmit_hash_policy": {bondXmitHashPolicy, func(i int) { b.XmitHashPolicy = uint8(i) }},
		"lacp_rate":        {bondLACPRate, func(i int) { b.ADLACPRate = uint8(i) }},
		"ad_select":        {bondADSelect, func(i int) { b.ADSelect = uint8(i) }},
		"lacp_active":      {bondLACPActive, func(i int) { b.ADLACPActive = uint8(i) }},
	}
	keys := "active_slave primary arp_ip_target ns_ip6_target ad_actor_sys_prio ad_user_port_key ad_actor_system"
	for k := range u32 {
		keys += " " + k
	}
	for k := range u8 {
		keys += " " + k
	}
	for k := range named {
		keys += " " + k
	}
	return av.keyValues(kind, "", keys, func(w, val string) error {
		if p, ok := u32[w]; ok {
			n, err := parseUint(val, w, 32)
			*p = uint32(n)
			return err
		}
		if p, ok := u8[w]; ok {
			n, err := parseUint(val, w, 8)
			*p = uint8(n)
			return err
		}
		if o, ok := named[w]; ok {
			i := indexOf(o.names, val)
			if i < 0 {
				return invarg("invalid "+w, val)
			}
			o.set(i)
			return nil
		}
		var err error
		var n uint64
		switch w {
		case "active_slave", "primary":
			idx, ierr := a.devIndex(val)
			if ierr != nil {
				return ierr
			}
			if w == "primary" {
				b.Primary = idx
			} else {
				b.ActiveSlave = idx
			}
		case "arp_ip_target", "ns_ip6_target":
			for _, s := range strings.Split(val, ",") {
				ad, perr := netip.ParseAddr(s)
				if perr != nil {
					return invarg("invalid "+w, s)
				}
				if w == "arp_ip_target" {
					b.ARPIPTargets = append(b.ARPIPTargets, ad)
				} else {
					b.NSIP6Targets = append(b.NSIP6Targets, ad)
				}
			}
		case "ad_actor_sys_prio":
			n, err = parseUint(val, w, 16)
			b.ADActorSysPrio = uint16(n)
		case "ad_user_port_key":
			n, err = parseUint(val, w, 16)
			b.ADUserPortKey = uint16(n)
		case "ad_actor_system":
			hw, perr := route.ParseHWAddr(val)
			if perr != nil {
				return invarg("invalid ad_actor_system", val)
			}
			b.ADActorSystem = hw
		}
		return err
	})
}

// vlanArgs is iplink_vlan.c: `id ID [protocol P] [reorder_hdr|gvrp|mvrp|loose_binding|bridge_binding on|off]
// [ingress-qos-map FROM:TO ...] [egress-qos-map FROM:TO ...]`.
func (a *app) vlanArgs(l *route.Link, kind string, av *args) error {
	v := &route.Vlan{}
	l.Info.Data = v
	flags := map[string]uint32{"reorder_hdr": 1, "gvrp": 2, "loose_binding": 4, "mvrp": 8, "bridge_binding": 16}
	idSet := false
	for av.more() {
		w := av.take()
		switch w {
		case "id", "protocol":
			val, err := av.value()
			if err != nil {
				return err
			}
			if w == "id" {
				id, err := strconv.ParseUint(val, 0, 12)
				if err != nil {
					return invarg("id is invalid", val)
				}
				v.ID, idSet = uint16(id), true
				continue
			}
			switch strings.ToLower(val) {
			case "802.1q":
				v.Protocol = unix.ETH_P_8021Q
			case "802.1ad":
				v.Protocol = unix.ETH_P_8021AD
			default:
				return invarg("protocol is invalid", val)
			}
		case "ingress-qos-map", "egress-qos-map":
			var list []route.VlanQoSMapping
			for av.more() && strings.Contains(av.peek(), ":") {
				from, to, _ := strings.Cut(av.take(), ":")
				f, err1 := strconv.ParseUint(from, 0, 32)
				t, err2 := strconv.ParseUint(to, 0, 32)
				if err1 != nil || err2 != nil {
					return invarg("invalid "+w, from+":"+to)
				}
				list = append(list, route.VlanQoSMapping{From: uint32(f), To: uint32(t)})
			}
			if w == "ingress-qos-map" {
				v.IngressQoS = list
			} else {
				v.EgressQoS = list
			}
		default:
			bit, ok := flags[w]
			if !ok {
				return usagef("vlan: unknown command %q?", w)
			}
			val, err := av.value()
			if err != nil {
				return err
			}
			on, err := onOff(w, val)
			if err != nil {
				return err
			}
			v.FlagsMask |= bit
			if on {
				v.Flags |= bit
			} else {
				v.Flags &^= bit
			}
		}
	}
	if !idSet {
		return usagef("vlan: \"id\" is required")
	}
	return nil
}

// macvlanArgs is iplink_macvlan.c: `mode MODE [nopromisc] [nodst] [bcqueuelen N] [bclim N]`.
func (a *app) macvlanArgs(l *route.Link, kind string, av *args) error {
	m := &route.Macvlan{}
	l.Info.Data = m
	modes := map[string]uint32{"private": route.MacvlanPrivate, "vepa": route.MacvlanVEPA,
		"bridge": route.MacvlanBridge, "passthru": route.MacvlanPassthru, "source": route.MacvlanSource}
	return av.keyValues(kind, "nopromisc nodst", "mode bcqueuelen bclim", func(w, v string) error {
		switch w {
		case "nopromisc":
			m.Flags |= 1
		case "nodst":
			m.Flags |= 2
		case "mode":
			mode, ok := modes[v]
			if !ok {
				return invarg("mode must be \"private\", \"vepa\", \"bridge\", \"passthru\" or \"source\"", v)
			}
			m.Mode = mode
		case "bcqueuelen":
			n, err := parseUint(v, w, 32)
			m.BcQueueLen = uint32(n)
			return err
		case "bclim":
			n, err := strconv.ParseInt(v, 0, 32)
			if err != nil {
				return invarg("invalid bclim", v)
			}
			m.BcCutoff = int32(n)
		}
		return nil
	})
}

// vxlanArgs is iplink_vxlan.c.
func (a *app) vxlanArgs(l *route.Link, av *args) error {
	v := &route.Vxlan{Learning: true}
	idSet, learningSet := false, false
	flags := "nolearning learning noproxy proxy norsc rsc nol2miss l2miss nol3miss l3miss noudpcsum udpcsum " +
		"noudp6zerocsumtx udp6zerocsumtx noudp6zerocsumrx udp6zerocsumrx noremcsumtx remcsumtx noremcsumrx " +
		"remcsumrx external noexternal gbp gpe vnifilter novnifilter localbypass nolocalbypass"
	sw := map[string]*bool{"learning": &v.Learning, "proxy": &v.Proxy, "rsc": &v.RSC, "l2miss": &v.L2Miss,
		"l3miss": &v.L3Miss, "udpcsum": &v.UDPCsum, "udp6zerocsumtx": &v.UDPZeroCsum6Tx,
		"udp6zerocsumrx": &v.UDPZeroCsum6Rx, "remcsumtx": &v.RemCsumTx, "remcsumrx": &v.RemCsumRx,
		"external": &v.CollectMetadata, "gbp": &v.GBP, "gpe": &v.GPE, "vnifilter": &v.VNIFilter,
		"localbypass": &v.LocalBypass}
	err := av.keyValues("vxlan", flags, "id vni dstport port local remote group dev ttl hoplimit tos dsfield df "+
		"flowlabel ageing maxaddress srcport", func(w, val string) error {
		if p, ok := sw[strings.TrimPrefix(w, "no")]; ok && val == "" {
			*p = !strings.HasPrefix(w, "no")
			learningSet = learningSet || strings.HasSuffix(w, "learning")
			return nil
		}
		var err error
		var n uint64
		switch w {
		case "id", "vni":
			n, err := parseU32(val, "id")
			if err != nil || n >= 1<<24 {
				return invarg("invalid id", val)
			}
			v.ID, idSet = n, true
		case "dstport", "port":
			n, err = parseUint(val, "dstport", 16)
			v.Port = uint16(n)
		case "local":
			v.Local, err = parseAddr(val, 0)
		case "remote", "group":
			v.Group, err = parseAddr(val, 0)
		case "dev":
			v.Link, err = a.devIndex(val)
		case "ttl", "hoplimit":
			switch val {
			case "inherit":
				v.TTLInherit = true
			case "auto":
				v.TTL = 0
			default:
				v.TTL, err = parseTTL(val)
			}
		case "tos", "dsfield":
			v.TOS, err = parseTOS(val, 1)
		case "df":
			dfs := map[string]uint8{"unset": 0, "set": 1, "inherit": 2}
			d, ok := dfs[val]
			if !ok {
				return invarg("df must be 'unset', 'set' or 'inherit'", val)
			}
			v.DF = d
		case "flowlabel":
			n, err = parseUint(val, w, 20)
			v.Label = uint32(n)
		case "ageing":
			if val == "none" {
				v.Ageing = 0
				return nil
			}
			n, err = parseUint(val, w, 32)
			v.Ageing = uint32(n)
		case "maxaddress":
			if val == "unlimited" {
				v.Limit = 0
				return nil
			}
			n, err = parseUint(val, w, 32)
			v.Limit = uint32(n)
		case "srcport":
			high, verr := av.value()
			if verr != nil {
				return verr
			}
			lo, err1 := parseUint(val, "srcport", 16)
			hi, err2 := parseUint(high, "srcport", 16)
			if err1 != nil || err2 != nil {
				return invarg("invalid srcport", val+" "+high)
			}
			v.PortLow, v.PortHigh = uint16(lo), uint16(hi)
		}
		return err
	})
	if err != nil {
		return err
	}
	if !idSet && !v.CollectMetadata {
		return usagef("vxlan: missing virtual network identifier")
	}
	if v.CollectMetadata && !learningSet { // iplink_vxlan.c: metadata mode turns learning off unless told
		v.Learning = false
	}
	l.Info.Data = v
	return nil
}
