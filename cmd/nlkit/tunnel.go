package main

import (
	"fmt"
	"net/netip"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// The ARPHRD_* types `ip tunnel show` lists (IPv4 tunnels), and SIT_ISATAP.
const (
	arphrdTunnel = 768 // ARPHRD_TUNNEL: ipip, vti
	arphrdSit    = 776 // ARPHRD_SIT
	arphrdIPGRE  = 778 // ARPHRD_IPGRE
	sitISATAP    = 0x1 // SIT_ISATAP
)

// cmdTunnel is `ip tunnel`: only show, for the IPv4 tunnels (ipip, sit, gre); the parameters come from the
// links' IFLA_INFO_DATA where ip asks SIOCGETTUNNEL.
func (a *app) cmdTunnel(argv []string) error {
	return runCommand("tunnel", "Usage: nlkit tunnel show [ NAME ] [ mode { ipip | gre | sit } ]", argv,
		command{showWords, a.listing(a.showTunnels)})
}

// tunnelParm is what print_tunnel prints of struct ip_tunnel_parm.
type tunnelParm struct {
	name           string
	proto          uint8
	remote, local  netip.Addr
	link           uint32
	ttl, tos       uint8
	noPMTUDisc     bool
	isatap         bool
	iFlags, oFlags uint16
	iKey, oKey     uint32
	sixRD          netip.Prefix
	relay          netip.Prefix
}

// tunnelOf reads a link's tunnel parameters, reporting false for a link `ip tunnel show` does not list.
func tunnelOf(l *route.Link) (tunnelParm, bool) {
	t := tunnelParm{name: l.Name}
	switch d := l.Info.Data.(type) {
	case *route.IPTun:
		if l.Type != arphrdTunnel && l.Type != arphrdSit || !d.Remote.Is4() && d.Remote.IsValid() {
			return t, false
		}
		t.proto, t.remote, t.local, t.link, t.ttl, t.tos = d.Proto, d.Remote, d.Local, d.Link, d.TTL, d.TOS
		if !d.HasProto {
			t.proto = unix.IPPROTO_IPIP
			if l.Info.Kind == "sit" {
				t.proto = unix.IPPROTO_IPV6
			}
		}
		t.noPMTUDisc = d.NoPMTUDisc
		t.isatap = l.Info.Kind == "sit" && d.Flags&sitISATAP != 0
		if t.proto == unix.IPPROTO_IPV6 && d.SixRDPrefixLen != 0 && d.SixRDPrefix.IsValid() {
			t.sixRD = netip.PrefixFrom(d.SixRDPrefix, int(d.SixRDPrefixLen))
			if d.SixRDRelayPrefix.IsValid() && !d.SixRDRelayPrefix.IsUnspecified() {
				t.relay = netip.PrefixFrom(d.SixRDRelayPrefix, int(d.SixRDRelayPrefixLen))
			}
		}
	case *route.VTI:
		if l.Type != arphrdTunnel || d.Kind() != "vti" {
			return t, false
		}
		// As the kernel's SIOCGETTUNNEL answers for vti: IP-in-IP, no path MTU discovery, both keys on.
		t.proto, t.remote, t.local, t.link = unix.IPPROTO_IPIP, d.Remote, d.Local, d.Link
		t.noPMTUDisc = true
		t.iFlags, t.oFlags, t.iKey, t.oKey = route.GreKey, route.GreKey, d.IKey, d.OKey
	case *route.Gre:
		if l.Type != arphrdIPGRE {
			return t, false
		}
		t.proto, t.remote, t.local, t.link, t.ttl, t.tos = unix.IPPROTO_GRE, d.Remote, d.Local, d.Link, d.TTL, d.TOS
		t.noPMTUDisc = d.NoPMTUDisc
		t.iFlags, t.oFlags, t.iKey, t.oKey = d.IFlags, d.OFlags, d.IKey, d.OKey
	default:
		return t, false
	}
	return t, true
}

// tunnelProto is tnl_strproto.
func tunnelProto(p uint8) string {
	switch p {
	case unix.IPPROTO_IPIP:
		return "ip"
	case unix.IPPROTO_GRE:
		return "gre"
	case unix.IPPROTO_IPV6:
		return "ipv6"
	case unix.IPPROTO_ESP:
		return "esp"
	case unix.IPPROTO_MPLS:
		return "mpls"
	case 0:
		return "any"
	}
	return "unknown"
}

// showTunnels is `ip tunnel show [NAME] [mode MODE]`.
func (a *app) showTunnels(argv []string) error {
	name, mode := "", ""
	for av := newArgs(argv); av.more(); {
		w := av.take()
		switch w {
		case "mode", "name", "dev":
			v, err := av.value()
			if err != nil {
				return err
			}
			if w == "mode" {
				mode = v
			} else {
				name = v
			}
		default:
			name = w
		}
	}
	lc, err := a.linkCache()
	if err != nil {
		return err
	}
	if mode != "" && name == "" {
		// As ip: a mode names its fallback device, asked for by name.
		name = map[string]string{"ipip": "tunl0", "ip/ip": "tunl0", "gre": "gre0", "gre/ip": "gre0",
			"sit": "sit0", "ipv6/ip": "sit0"}[mode]
		if name == "" {
			return usagef("Error: argument %q is wrong: unknown tunnel mode", mode)
		}
		if _, ok := lc.byName[name]; !ok {
			return &notFoundError{msg: fmt.Sprintf("get tunnel %q failed: No such device", name)}
		}
	}
	for i := range lc.list {
		l := &lc.list[i]
		if name != "" && l.Name != name {
			continue
		}
		t, ok := tunnelOf(l)
		if !ok {
			continue
		}
		a.p.openObj("")
		a.printTunnel(&t)
		a.p.text("\n")
		a.p.closeObj()
	}
	return nil
}

// printTunnel is print_tunnel.
func (a *app) printTunnel(t *tunnelParm) {
	p := a.p
	any4 := func(x netip.Addr) string {
		if !x.IsValid() || x.IsUnspecified() {
			return "any"
		}
		return x.String()
	}
	if p.json {
		p.jstr("ifname", t.name)
	} else {
		a.colored(colorIfname, t.name+": ")
	}
	p.str("mode", "%s ", tunnelProto(t.proto)+"/ip")
	// Text says "any" for no address; ip's JSON has the address (0.0.0.0).
	addr4 := func(x netip.Addr) string {
		if !x.IsValid() {
			return "0.0.0.0"
		}
		return x.String()
	}
	if p.json {
		p.jstr("remote", addr4(t.remote))
		p.jstr("local", addr4(t.local))
	} else {
		p.text("remote %s local %s", any4(t.remote), any4(t.local))
	}
	if t.isatap {
		p.null("isatap", " isatap")
	}
	if t.link != 0 {
		p.str("dev", " dev %s", a.links.name(int32(t.link)))
	}
	if t.ttl != 0 {
		p.uint("ttl", " ttl %d", uint64(t.ttl))
	} else {
		p.text(" ttl inherit")
	}
	if t.tos != 0 {
		switch {
		case t.tos == 1:
			p.text(" tos inherit")
		case t.tos&1 != 0:
			p.text(" tos inherit/")
			p.str("tos", "%s", fmt.Sprintf("0x%02x", t.tos&^1))
		default:
			p.text(" tos ")
			p.str("tos", "%s", fmt.Sprintf("0x%02x", t.tos))
		}
	}
	if t.noPMTUDisc {
		p.null("nopmtudisc", " nopmtudisc")
	}
	if t.sixRD.IsValid() {
		p.str("6rd-prefix", " 6rd-prefix %s", t.sixRD.String())
		if t.relay.IsValid() {
			p.str("6rd-relay_prefix", " 6rd-relay_prefix %s", t.relay.String())
		}
	}
	switch {
	case t.iFlags&route.GreKey != 0 && t.oFlags&route.GreKey != 0 && t.iKey == t.oKey:
		p.uint("key", " key %d", uint64(t.iKey))
	default:
		if t.iFlags&route.GreKey != 0 {
			p.uint("ikey", " ikey %d", uint64(t.iKey))
		}
		if t.oFlags&route.GreKey != 0 {
			p.uint("okey", " okey %d", uint64(t.oKey))
		}
	}
	if t.proto != unix.IPPROTO_GRE {
		return
	}
	flags := []struct {
		on         bool
		json, text string
	}{
		{t.iFlags&route.GreSeq != 0, "rx_drop_ooseq", "  Drop packets out of sequence."},
		{t.iFlags&route.GreCsum != 0, "rx_csum", "  Checksum in received packet is required."},
		{t.oFlags&route.GreSeq != 0, "tx_seq", "  Sequence packets on output."},
		{t.oFlags&route.GreCsum != 0, "tx_csum", "  Checksum output packets."},
	}
	p.openArr("flags")
	for _, f := range flags {
		if f.on {
			if p.json {
				p.jstr("", f.json)
			} else {
				p.text("\n%s", f.text)
			}
		}
	}
	p.closeArr()
}
