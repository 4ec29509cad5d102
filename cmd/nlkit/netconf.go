package main

import (
	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// cmdNetconf is `ip netconf show [dev DEV]`: the per-link IP configuration (RTM_GETNETCONF) as ip 6.1 prints it.
func (a *app) cmdNetconf(argv []string) error {
	return runCommand("netconf", "Usage: nlkit netconf show [ dev STRING ]", argv,
		command{showWords, a.listing(a.showNetconf)})
}

func (a *app) showNetconf(argv []string) error {
	var dev int32
	for av := newArgs(argv); av.more(); {
		switch w := av.take(); w {
		case "dev":
			v, err := av.value()
			if err != nil {
				return err
			}
			if dev, err = a.ifindex(v); err != nil {
				return err
			}
		default:
			return usagef("nlkit netconf show: unknown argument %q", w)
		}
	}
	c, err := a.client()
	if err != nil {
		return err
	}
	ncs, err := c.Netconf().List(a.ctx, a.family)
	if err != nil {
		return err
	}
	lc, err := a.linkCache()
	if err != nil {
		return err
	}
	p := a.p
	onOff := func(k string, v int32) {
		if v < 0 {
			return
		}
		if a.json {
			p.boolean(k, "", v != 0)
			return
		}
		p.text("%s %s ", k, map[bool]string{true: "on", false: "off"}[v != 0])
	}
	for _, n := range ncs {
		if dev != 0 && n.Index != dev {
			continue
		}
		p.openObj("")
		fam := map[uint8]string{unix.AF_INET: "inet", unix.AF_INET6: "inet6", 28: "mpls"}[n.Family]
		p.str("family", "%s ", fam)
		name := lc.name(n.Index)
		switch n.Index {
		case route.NetconfAll:
			name = "all"
		case route.NetconfDefault:
			name = "default"
		}
		p.str("interface", "%s ", name)
		onOff("forwarding", n.Forwarding)
		if n.RPFilter >= 0 {
			mode := "unknown mode"
			if n.RPFilter <= 2 {
				mode = [...]string{"off", "strict", "loose"}[n.RPFilter]
			}
			p.str("rp_filter", "rp_filter %s ", mode)
		}
		onOff("mc_forwarding", n.MCForwarding)
		onOff("proxy_neigh", n.ProxyNeigh)
		onOff("ignore_routes_with_linkdown", n.IgnoreRoutesWithLinkdown)
		onOff("input", n.Input)
		p.closeObj()
		p.text("\n")
	}
	return nil
}
