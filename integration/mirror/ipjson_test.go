//go:build linux

package mirror

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"slices"
	"strings"

	"github.com/nlkit/nlkit/families/route"
)

// ipJSON runs ip -j in the namespace and decodes its list of objects.
func ipJSON(ctx context.Context, ns string, args ...string) ([]map[string]any, error) {
	full := append([]string{"-n", ns, "-j"}, args...)
	out, err := exec.CommandContext(ctx, "ip", full...).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		return nil, fmt.Errorf("ip %s: %v: %s", strings.Join(full, " "), err, stderr)
	}
	var v []map[string]any
	if len(strings.TrimSpace(string(out))) == 0 {
		return nil, nil
	}
	if err := json.Unmarshal(out, &v); err != nil {
		return nil, fmt.Errorf("ip %s: %v", strings.Join(full, " "), err)
	}
	return v, nil
}

// ipKeys is the third opinion: the identity keys of the routes, addresses and links `ip -j` reports.
func ipKeys(ctx context.Context, ns string) ([]string, error) {
	var keys []string
	links, err := ipJSON(ctx, ns, "link", "show")
	if err != nil {
		return nil, err
	}
	byName := map[string]int{}
	for _, l := range links {
		byName[str(l["ifname"])] = num(l["ifindex"])
	}
	for _, l := range links {
		up := slices.Contains(anyStrings(l["flags"]), "UP")
		keys = append(keys, fmt.Sprintf("link %d %s mtu %d master %d up %v", num(l["ifindex"]), str(l["ifname"]),
			num(l["mtu"]), byName[str(l["master"])], up))
	}
	addrs, err := ipJSON(ctx, ns, "addr", "show")
	if err != nil {
		return nil, err
	}
	for _, l := range addrs {
		infos, _ := l["addr_info"].([]any)
		for _, x := range infos {
			a, _ := x.(map[string]any)
			local, _ := netip.ParseAddr(str(a["local"]))
			var peer netip.Addr
			if p := str(a["address"]); p != "" {
				peer, _ = netip.ParseAddr(p)
			}
			keys = append(keys, addrKey(num(l["ifindex"]), local, num(a["prefixlen"]), peer))
		}
	}
	for _, fam := range []string{"-4", "-6"} {
		routes, err := ipJSON(ctx, ns, fam, "-d", "route", "show", "table", "all")
		if err != nil {
			return nil, err
		}
		for _, r := range routes {
			dst := ipPrefix(str(r["dst"]), fam == "-6")
			table, ok := route.ParseTable(str(r["table"]))
			if !ok {
				table = route.TableMain
			}
			typ := str(r["type"])
			if typ == "" {
				typ = "unicast"
			}
			var hops []string
			if nhs, ok := r["nexthops"].([]any); ok && r["nhid"] == nil {
				for _, x := range nhs {
					h, _ := x.(map[string]any)
					hops = append(hops, hopKey(str(h["gateway"]), byName[str(h["dev"])]))
				}
			} else if r["nhid"] == nil {
				hops = append(hops, hopKey(str(r["gateway"]), byName[str(r["dev"])]))
			}
			keys = append(keys, routeKey(fam == "-6", num(r["nhid"]), table, dst, typ, num(r["metric"]), hops))
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// mirrorKeys are the same keys for what a Mirror holds.
func mirrorKeys(s *route.Snapshot) []string {
	var keys []string
	for _, l := range s.Links {
		keys = append(keys, fmt.Sprintf("link %d %s mtu %d master %d up %v", l.Index, l.Name, l.MTU, l.Master, l.IsUp()))
	}
	for _, a := range s.Addrs {
		keys = append(keys, addrKey(int(a.Index), a.Local, int(a.PrefixLen), a.Peer))
	}
	for _, r := range s.Routes {
		if r.Flags&0x200 != 0 { // RTM_F_CLONED: ip shows no cache entries without "cache"
			continue
		}
		var hops []string
		if r.NexthopID == 0 {
			if mp := r.Ext().MultiPath; len(mp) > 0 {
				for _, h := range mp {
					hops = append(hops, hopKey(addrString(h.Gateway), int(h.OIF)))
				}
			} else {
				hops = append(hops, hopKey(addrString(r.Gateway), int(r.OIF)))
			}
		}
		keys = append(keys, routeKey(r.Family == 10, int(r.NexthopID), r.Table, r.Dst, r.Type.String(),
			int(r.Priority), hops))
	}
	slices.Sort(keys)
	return keys
}

func addrKey(index int, local netip.Addr, plen int, peer netip.Addr) string {
	if peer == local {
		peer = netip.Addr{}
	}
	return fmt.Sprintf("addr dev %d %s/%d peer %s", index, local, plen, addrString(peer))
}

func routeKey(v6 bool, nhid int, table uint32, dst netip.Prefix, typ string, metric int, hops []string) string {
	f := "inet"
	if v6 {
		f = "inet6"
	}
	return fmt.Sprintf("route %s table %d %s %s metric %d nhid %d %s", f, table, typ, dst, metric, nhid,
		strings.Join(hops, " "))
}

func hopKey(gw string, dev int) string { return fmt.Sprintf("[via %s dev %d]", gw, dev) }

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

// ipPrefix reads ip's destination: "default", an address (a host route) or a prefix.
func ipPrefix(s string, v6 bool) netip.Prefix {
	if s == "default" {
		if v6 {
			return netip.MustParsePrefix("::/0")
		}
		return netip.MustParsePrefix("0.0.0.0/0")
	}
	if p, err := netip.ParsePrefix(s); err == nil {
		return p
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}
	}
	return netip.PrefixFrom(a, a.BitLen())
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

func anyStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		out = append(out, str(x))
	}
	return out
}

// diffKeys returns one line for each key only one side has.
func diffKeys(mirror, ip []string) []string {
	var out []string
	i, j := 0, 0
	for i < len(mirror) || j < len(ip) {
		switch {
		case j >= len(ip) || (i < len(mirror) && mirror[i] < ip[j]):
			out = append(out, "only in the Mirror: "+mirror[i])
			i++
		case i >= len(mirror) || ip[j] < mirror[i]:
			out = append(out, "only in ip -j: "+ip[j])
			j++
		default:
			i++
			j++
		}
	}
	return out
}

// ipKeysWithout drops from ip's keys the addresses that silentTentative dropped from the kernel's dump.
func ipKeysWithout(keys []string, kernel, kept *route.Snapshot) []string {
	drop := map[string]bool{}
	for _, a := range kernel.Addrs {
		drop[addrKey(int(a.Index), a.Local, int(a.PrefixLen), a.Peer)] = true
	}
	for _, a := range kept.Addrs {
		delete(drop, addrKey(int(a.Index), a.Local, int(a.PrefixLen), a.Peer))
	}
	return slices.DeleteFunc(slices.Clone(keys), func(k string) bool { return drop[k] })
}
