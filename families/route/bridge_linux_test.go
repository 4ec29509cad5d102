//go:build linux

package route

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nlkit/nlkit/netns/nstest"
	"golang.org/x/sys/unix"
)

// bridgeNS is a Client in a fresh namespace with bridge br0 (up) and veth ports p0 and p1 (peers q0, q1), and
// the namespace to run bridge(8) in.
func bridgeNS(t *testing.T, vlanFiltering bool) (*Client, *nstest.NS, context.Context) {
	t.Helper()
	ns := nstest.New(t)
	c, err := Dial(&Config{NetNS: ns.Handle.Fd()})
	if err != nil {
		t.Fatalf("Dial in %v: %v", ns, err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	// IPv6 off, so that no port learns a MAC address or joins a group between two listings.
	cmds := [][]string{
		{"sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1"},
		{"ip", "link", "add", "br0", "type", "bridge"},
		{"ip", "link", "add", "p0", "type", "veth", "peer", "q0"},
		{"ip", "link", "add", "p1", "type", "veth", "peer", "q1"},
		{"ip", "link", "set", "p0", "master", "br0"},
		{"ip", "link", "set", "p1", "master", "br0"},
		{"ip", "link", "set", "br0", "up"},
		{"ip", "link", "set", "p0", "up"},
		{"ip", "link", "set", "p1", "up"},
		{"ip", "link", "set", "q0", "up"},
		{"ip", "link", "set", "q1", "up"},
	}
	for _, cmd := range cmds {
		if out, err := ns.Output(cmd[0], cmd[1:]...); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	}
	if vlanFiltering {
		if _, err := ns.Output("ip", "link", "set", "br0", "type", "bridge", "vlan_filtering", "1"); err != nil {
			// A kernel feature, not a test prerequisite: the 6.1 VM has it, this host's kernel may not.
			t.Skipf("the kernel has no bridge VLAN filtering (CONFIG_BRIDGE_VLAN_FILTERING): %v", err)
		}
	}
	return c, ns, ctx
}

func linkIndex(t *testing.T, ctx context.Context, c *Client, name string) int32 {
	t.Helper()
	l, err := c.Link.GetByName(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return l.Index
}

// TestMDBAgainstBridge adds entries with MDBService and checks that `bridge -j mdb` and MDBService.List both
// show them, then deletes one.
func TestMDBAgainstBridge(t *testing.T) {
	c, ns, ctx := bridgeNS(t, false)
	br, p0, p1 := linkIndex(t, ctx, c, "br0"), linkIndex(t, ctx, c, "p0"), linkIndex(t, ctx, c, "p1")
	adds := []MDBEntry{
		{Bridge: br, Port: p0, State: MDBPermanent, Group: netip.MustParseAddr("239.1.1.1")},
		{Bridge: br, Port: p1, State: MDBPermanent, Group: netip.MustParseAddr("239.1.1.2")},
		{Bridge: br, Port: p1, State: MDBPermanent, Group: netip.MustParseAddr("ff0e::5")},
	}
	for _, e := range adds {
		if err := c.MDB().Add(ctx, e); err != nil {
			t.Fatalf("add %v: %v", e.describe(), err)
		}
	}
	if err := c.MDB().Add(ctx, adds[0]); !errors.Is(err, unix.EEXIST) {
		t.Errorf("adding %s twice: %v, want EEXIST", adds[0].describe(), err)
	}
	// Another entry, added by bridge(8), must decode too.
	if out, err := ns.Output("bridge", "mdb", "add", "dev", "br0", "port", "p0", "grp", "239.9.9.9", "temp"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	compare := func(wantN int) {
		t.Helper()
		out, err := ns.Output("bridge", "-j", "mdb", "show")
		if err != nil {
			t.Fatal(err)
		}
		var js []struct {
			MDB []struct {
				Index      int32
				Dev, Port  string
				Grp, State string
			}
		}
		if err := json.Unmarshal([]byte(out), &js); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		var want, got []string
		for _, o := range js {
			for _, e := range o.MDB {
				if !strings.HasPrefix(e.Grp, "ff02:") { // the ports' own IPv6 joins come and go
					want = append(want, strings.Join([]string{e.Dev, e.Port, e.Grp, e.State}, " "))
				}
			}
		}
		names := map[int32]string{br: "br0", p0: "p0", p1: "p1"}
		mdbs, err := c.MDB().List(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		mine := 0 // the entries the test made, not those the ports' own IPv6 joins (ff02::...) add
		for _, m := range mdbs {
			for _, e := range m.Entries {
				if strings.HasPrefix(e.Group.String(), "ff02:") {
					continue
				}
				mine++
				state := "temp"
				if e.State == MDBPermanent {
					state = "permanent"
				}
				got = append(got, strings.Join([]string{names[m.Index], names[e.Port], e.Group.String(), state}, " "))
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(want, "\n") != strings.Join(got, "\n") || mine != wantN {
			t.Errorf("bridge -j mdb:\n%s\nnlkit (want %d):\n%s", strings.Join(want, "\n"), wantN,
				strings.Join(got, "\n"))
		}
	}
	compare(4)
	if err := c.MDB().Delete(ctx, adds[1]); err != nil {
		t.Fatal(err)
	}
	compare(3)
	if err := c.MDB().Delete(ctx, adds[1]); !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.EINVAL) {
		t.Errorf("deleting a missing entry: %v", err)
	}
	if got, err := c.MDB().List(ctx, p0); err != nil || len(got) != 0 {
		t.Errorf("List(bridge=p0) = %v, %v; want nothing (p0 is no bridge)", got, err)
	}
}

// TestFDBAgainstBridge checks the AF_BRIDGE neighbour dump (the FDB) against `bridge -j fdb show`.
func TestFDBAgainstBridge(t *testing.T) {
	c, ns, ctx := bridgeNS(t, false)
	p0 := linkIndex(t, ctx, c, "p0")
	mac, _ := ParseHWAddr("02:00:00:00:aa:01")
	if err := c.Neigh.Add(ctx, Neigh{Family: unix.AF_BRIDGE, Index: p0, LLAddr: mac, Flags: NeighMaster,
		State: NeighPermanent}); err != nil {
		t.Fatal(err)
	}
	if out, err := ns.Output("bridge", "fdb", "add", "02:00:00:00:aa:02", "dev", "p1", "master", "static"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	out, err := ns.Output("bridge", "-j", "fdb", "show")
	if err != nil {
		t.Fatal(err)
	}
	var js []struct {
		Mac, Ifname, State string
		Vlan               int
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var want, got []string
	for _, e := range js {
		want = append(want, e.Mac+" "+e.Ifname+" "+e.State)
	}
	links, err := c.Link.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[int32]string{}
	for _, l := range links {
		names[l.Index] = l.Name
	}
	fdb, err := c.Neigh.List(ctx, &NeighFilter{Family: unix.AF_BRIDGE})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range fdb {
		state := ""
		switch {
		case n.State&NeighPermanent != 0:
			state = "permanent"
		case n.State&NeighNoARP != 0:
			state = "static"
		case n.State&NeighStale != 0:
			state = "stale"
		}
		got = append(got, n.LLAddr.String()+" "+names[n.Index]+" "+state)
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("bridge -j fdb:\n%s\nnlkit:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	if !strings.Contains(strings.Join(got, "\n"), "02:00:00:00:aa:01 p0 permanent") {
		t.Errorf("the entry nlkit added is missing:\n%s", strings.Join(got, "\n"))
	}
}

// TestBridgeVlanAgainstBridge adds VLANs with BridgeVlanService and compares both of its views (the AF_BRIDGE
// link dump and the RTM_GETVLAN database) with `bridge -j vlan show`. It needs bridge VLAN filtering, which the
// 6.1 VM's kernel has.
func TestBridgeVlanAgainstBridge(t *testing.T) {
	c, ns, ctx := bridgeNS(t, true)
	p0, p1 := linkIndex(t, ctx, c, "p0"), linkIndex(t, ctx, c, "p1")
	for _, v := range []BridgeVlan{
		{Index: p0, VID: 10, PVID: true, Untagged: true},
		{Index: p0, VID: 20, VIDEnd: 23},
		{Index: p1, VID: 30},
	} {
		if err := c.BridgeVlan().Add(ctx, v); err != nil {
			t.Fatalf("add %s: %v", v.describe(), err)
		}
	}
	if err := c.BridgeVlan().Delete(ctx, BridgeVlan{Index: p0, VID: 21}); err != nil {
		t.Fatal(err)
	}
	out, err := ns.Output("bridge", "-j", "vlan", "show")
	if err != nil {
		t.Fatal(err)
	}
	var js []struct {
		Ifname string
		Vlans  []struct {
			Vlan, VlanEnd int
			Flags         []string
		}
	}
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var want []string
	for _, p := range js {
		for _, v := range p.Vlans {
			end := v.VlanEnd
			if end == 0 {
				end = v.Vlan
			}
			for id := v.Vlan; id <= end; id++ {
				want = append(want, p.Ifname+" "+strconv.Itoa(id)+" "+strings.Join(v.Flags, ","))
			}
		}
	}
	links, err := c.BridgeVlan().List(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range links {
		for _, v := range l.BridgeVlans {
			got = append(got, l.Name+" "+strconv.Itoa(int(v.VID))+" "+strings.Join(vlanFlagWords(v.Flags), ","))
		}
	}
	sort.Strings(want)
	sort.Strings(got)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Errorf("bridge -j vlan:\n%s\nnlkit:\n%s", strings.Join(want, "\n"), strings.Join(got, "\n"))
	}
	if !strings.Contains(strings.Join(got, "\n"), "p0 22 ") || strings.Contains(strings.Join(got, "\n"), "p0 21 ") {
		t.Errorf("the range 20-23 without 21 is not there:\n%s", strings.Join(got, "\n"))
	}
	// The VLAN database has the same VLANs per port (ranges compressed).
	db, err := c.BridgeVlan().DB(ctx, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	var dbGot []string
	for _, d := range db {
		name := ""
		for _, l := range links {
			if l.Index == d.Index {
				name = l.Name
			}
		}
		for _, e := range d.Entries {
			end := max(e.RangeEnd, e.Info.VID)
			for id := e.Info.VID; id <= end; id++ {
				dbGot = append(dbGot, name+" "+strconv.Itoa(int(id))+" "+strings.Join(vlanFlagWords(e.Info.Flags), ","))
			}
		}
	}
	sort.Strings(dbGot)
	if strings.Join(want, "\n") != strings.Join(dbGot, "\n") {
		t.Errorf("bridge -j vlan:\n%s\nRTM_GETVLAN:\n%s", strings.Join(want, "\n"), strings.Join(dbGot, "\n"))
	}
}

func vlanFlagWords(f BridgeVlanFlags) []string {
	var w []string
	if f&BridgeVlanPVID != 0 {
		w = append(w, "PVID")
	}
	if f&BridgeVlanUntagged != 0 {
		w = append(w, "Egress Untagged")
	}
	return w
}
