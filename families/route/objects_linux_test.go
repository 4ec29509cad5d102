//go:build linux

package route

import (
	"encoding/json"
	"net"
	"os/user"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestStatsAgainstLinkDump sends traffic over lo, then checks RTM_GETSTATS's IFLA_STATS_LINK_64 against the
// link dump's IFLA_STATS64 and against `ip -j -s link show lo`.
func TestStatsAgainstLinkDump(t *testing.T) {
	c, ns, _, ctx := encapNS(t)
	ns.Run(func() {
		conn, err := net.Dial("udp", "127.0.0.1:9")
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			conn.Write([]byte("nlkit"))
		}
		conn.Close()
	})
	lo := linkIndex(t, ctx, c, "lo")
	st, err := c.Stats().Get(ctx, lo, StatsLink64)
	if err != nil {
		t.Fatal(err)
	}
	l, err := c.Link.Get(ctx, lo)
	if err != nil {
		t.Fatal(err)
	}
	if !st.HasLink64 || st.Link64 != l.Stats || st.Link64.TxPackets < 3 || st.Index != lo {
		t.Errorf("RTM_GETSTATS %+v\nlink dump %+v", st, l.Stats)
	}
	out, err := ns.Output("ip", "-j", "-s", "link", "show", "lo")
	if err != nil {
		t.Fatal(err)
	}
	var js []struct {
		Stats64 struct {
			RX, TX struct{ Bytes, Packets uint64 }
		}
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil || len(js) != 1 {
		t.Fatalf("%v: %s", err, out)
	}
	if s := js[0].Stats64; s.RX.Packets != st.Link64.RxPackets || s.TX.Bytes != st.Link64.TxBytes {
		t.Errorf("ip -s: %+v; RTM_GETSTATS: %+v", s, st.Link64)
	}
	all, err := c.Stats().List(ctx, StatsLink64)
	if err != nil {
		t.Fatal(err)
	}
	links, _ := c.Link.List(ctx, nil)
	if len(all) != len(links) || len(all) < 3 {
		t.Errorf("RTM_GETSTATS dump has %d links, the link dump %d", len(all), len(links))
	}
}

// TestNetconfAgainstIP compares Netconf.List with `ip -j netconf show` after turning forwarding on for v0.
func TestNetconfAgainstIP(t *testing.T) {
	c, ns, _, ctx := encapNS(t)
	if out, err := ns.Output("sysctl", "-w", "net.ipv4.conf.v0.forwarding=1", "net.ipv4.conf.v0.rp_filter=2"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	out, err := ns.Output("ip", "-j", "netconf", "show")
	if err != nil {
		t.Fatal(err)
	}
	var js []struct {
		Family, Interface string
		RPFilter          string `json:"rp_filter"`
		Forwarding        bool
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var want []string
	for _, e := range js {
		want = append(want, e.Family+" "+e.Interface+" "+strconv.FormatBool(e.Forwarding)+" "+e.RPFilter)
	}
	ncs, err := c.Netconf().List(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	links, _ := c.Link.List(ctx, nil)
	name := func(i int32) string {
		switch i {
		case NetconfAll:
			return "all"
		case NetconfDefault:
			return "default"
		}
		for _, l := range links {
			if l.Index == i {
				return l.Name
			}
		}
		return "?"
	}
	var got []string
	for _, n := range ncs {
		fam := map[uint8]string{unix.AF_INET: "inet", unix.AF_INET6: "inet6", afMPLS: "mpls"}[n.Family]
		rp := ""
		if n.RPFilter >= 0 {
			rp = [...]string{"off", "strict", "loose"}[min(n.RPFilter, 2)]
		}
		got = append(got, fam+" "+name(n.Index)+" "+strconv.FormatBool(n.Forwarding > 0)+" "+rp)
	}
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("ip -j netconf:\n%s\nnlkit:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	if !strings.Contains(strings.Join(got, "\n"), "inet v0 true loose") {
		t.Errorf("v0's forwarding and rp_filter are not there:\n%s", strings.Join(got, "\n"))
	}
}

// TestNeighTableAgainstIP compares NeighTableService.List with `ip ntable show`: for every table and every
// link's parameters, the thresholds and the fixed parameters ip prints.
func TestNeighTableAgainstIP(t *testing.T) {
	c, ns, _, ctx := encapNS(t)
	if out, err := ns.Output("ip", "ntable", "change", "name", "arp_cache", "dev", "v0", "queue", "77"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	out, err := ns.Output("ip", "ntable", "show")
	if err != nil {
		t.Fatal(err)
	}
	num := func(block, key string) string {
		m := regexp.MustCompile(`(?:^|\s)` + key + ` (\d+)`).FindStringSubmatch(block)
		if m == nil {
			return "-"
		}
		return m[1]
	}
	var want []string
	for _, block := range strings.Split(strings.TrimSpace(out), "\n\n") {
		head := strings.Fields(block)
		dev := "-"
		if m := regexp.MustCompile(`\sdev (\S+)`).FindStringSubmatch(block); m != nil {
			dev = m[1]
		}
		want = append(want, strings.Join([]string{head[0], head[1], dev, num(block, "thresh1"), num(block, "gc_int"),
			num(block, "base_reachable"), num(block, "retrans"), num(block, "queue"), num(block, "ucast_probes")}, " "))
	}
	tables, err := c.NeighTable().List(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	links, _ := c.Link.List(ctx, nil)
	var got []string
	for _, nt := range tables {
		fam := map[uint8]string{unix.AF_INET: "inet", unix.AF_INET6: "inet6"}[nt.Family]
		dev, th, gc := "-", "-", "-"
		if nt.Thresh1 != 0 || nt.HasConfig {
			th, gc = strconv.Itoa(int(nt.Thresh1)), strconv.Itoa(int(nt.GCInterval))
		}
		for _, l := range links {
			if nt.Parms.IfIndex != 0 && l.Index == nt.Parms.IfIndex {
				dev = l.Name
			}
		}
		p := nt.Parms
		got = append(got, strings.Join([]string{fam, nt.Name, dev, th, gc, strconv.Itoa(int(p.BaseReachableTime)),
			strconv.Itoa(int(p.RetransTime)), strconv.Itoa(int(p.QueueLen)), strconv.Itoa(int(p.UcastProbes))}, " "))
	}
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("ip ntable:\n%s\nnlkit:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	if !strings.Contains(strings.Join(got, "\n"), "inet arp_cache v0 - - 30000 1000 77 ") {
		t.Errorf("v0's queue 77 is not there:\n%s", strings.Join(got, "\n"))
	}
}

// TestTunTap creates a persistent multi-queue TAP with an owner and a group, and a TUN, and checks them
// against `ip -d -j link show`.
func TestTunTap(t *testing.T) {
	c, ns, _, ctx := encapNS(t)
	var name string
	ns.Run(func() {
		n, files, err := CreateTunTap(TunTap{Name: "tap7", TAP: true, Queues: 2, Owner: 0, HasOwner: true,
			Group: 0, HasGroup: true, Persist: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 2 {
			t.Errorf("%d queue files, want 2", len(files))
		}
		for _, f := range files {
			f.Close()
		}
		name = n
		_, tun, err := CreateTunTap(TunTap{PI: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tun[0].Close() })
	})
	if name != "tap7" {
		t.Errorf("name %q", name)
	}
	out, err := ns.Output("ip", "-d", "-j", "link", "show", "type", "tun")
	if err != nil {
		t.Fatal(err)
	}
	var js []struct {
		Ifname   string
		Linkinfo struct {
			InfoData struct {
				Type        string
				PI          bool `json:"pi"`
				MultiQueue  bool `json:"multi_queue"`
				Persist     bool
				User, Group string
			} `json:"info_data"`
		}
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	root, _ := user.LookupId("0")
	rootGroup, _ := user.LookupGroupId("0")
	seen := map[string]bool{}
	for _, l := range js {
		d := l.Linkinfo.InfoData
		seen[l.Ifname] = true
		switch {
		case l.Ifname == "tap7":
			if d.Type != "tap" || d.PI || !d.MultiQueue || !d.Persist || (root != nil && d.User != root.Username) ||
				(rootGroup != nil && d.Group != rootGroup.Name) {
				t.Errorf("tap7: %+v", d)
			}
		case strings.HasPrefix(l.Ifname, "tun"):
			if d.Type != "tun" || !d.PI || d.MultiQueue || d.Persist {
				t.Errorf("%s: %+v", l.Ifname, d)
			}
		}
	}
	if !seen["tap7"] || len(seen) != 2 {
		t.Errorf("ip shows %v", seen)
	}
	var derr error
	ns.Run(func() { derr = DeleteTunTap("tap7", true, true) })
	if derr != nil {
		t.Fatal(derr)
	}
	if _, err := c.Link.GetByName(ctx, "tap7"); err == nil {
		t.Error("tap7 is still there after DeleteTunTap")
	}
}
