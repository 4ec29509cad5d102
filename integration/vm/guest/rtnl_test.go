//go:build linux

package guest

import (
	"errors"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

const (
	vethInfoPeer      = 1 // VETH_INFO_PEER
	macvlanModeBridge = 4 // MACVLAN_MODE_BRIDGE
)

var rtSeq uint32 = 100

func ifinfomsg(index int32, flags, change uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	b[0] = unix.AF_UNSPEC
	ne.PutUint32(b[4:8], uint32(index))
	ne.PutUint32(b[8:12], flags)
	ne.PutUint32(b[12:16], change)
	return b
}

func rtnl(t *testing.T, fd int, typ, flags uint16, body []byte) ([][]byte, error) {
	t.Helper()
	rtSeq++
	return request(t, fd, nlmsg(typ, unix.NLM_F_REQUEST|unix.NLM_F_ACK|flags, rtSeq, 0, body))
}

type link struct {
	index  int32
	flags  uint32
	kind   string
	link   uint32
	master uint32
	data   map[uint16][]byte
}

func getLink(t *testing.T, fd int, name string) (link, error) {
	t.Helper()
	var a attrs
	a.str(unix.IFLA_IFNAME, name)
	msgs, err := rtnl(t, fd, unix.RTM_GETLINK, 0, append(ifinfomsg(0, 0, 0), a.b...))
	if err != nil {
		return link{}, err
	}
	if len(msgs) != 1 {
		t.Fatalf("RTM_GETLINK %s: %d replies", name, len(msgs))
	}
	m := msgs[0][unix.NLMSG_HDRLEN:]
	l := link{index: int32(ne.Uint32(m[4:8])), flags: ne.Uint32(m[8:12])}
	at := parseAttrs(t, m[unix.SizeofIfInfomsg:])
	if v := at[unix.IFLA_LINK]; len(v) == 4 {
		l.link = ne.Uint32(v)
	}
	if v := at[unix.IFLA_MASTER]; len(v) == 4 {
		l.master = ne.Uint32(v)
	}
	li := parseAttrs(t, at[unix.IFLA_LINKINFO])
	l.kind = cstr(li[unix.IFLA_INFO_KIND])
	l.data = parseAttrs(t, li[unix.IFLA_INFO_DATA])
	return l, nil
}

// newLink sends RTM_NEWLINK (create, exclusive) for name of the given kind;
// extra adds top-level attributes, data fills IFLA_INFO_DATA.
func newLink(t *testing.T, fd int, name, kind string, extra, data func(a *attrs)) error {
	t.Helper()
	var a attrs
	a.str(unix.IFLA_IFNAME, name)
	if extra != nil {
		extra(&a)
	}
	a.nest(unix.IFLA_LINKINFO, func() {
		a.str(unix.IFLA_INFO_KIND, kind)
		if data != nil {
			a.nest(unix.IFLA_INFO_DATA, func() { data(&a) })
		}
	})
	_, err := rtnl(t, fd, unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL, append(ifinfomsg(0, 0, 0), a.b...))
	return err
}

// TestLinks: the kernel modules loaded by /init let rtnetlink create dummy,
// vlan, bond, vrf, veth, bridge, macvlan and vxlan links, which come back
// from RTM_GETLINK with the right kind and data, go up and get deleted.
func TestLinks(t *testing.T) {
	guest(t)
	fd := dial(t, unix.NETLINK_ROUTE, 0)
	_ = unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_EXT_ACK, 1)

	if err := newLink(t, fd, "nlk-dummy0", "dummy", nil, nil); err != nil {
		t.Fatalf("create dummy: %v", err)
	}
	lower, err := getLink(t, fd, "nlk-dummy0")
	if err != nil {
		t.Fatal(err)
	}
	onLower := func(a *attrs) { a.u32(unix.IFLA_LINK, uint32(lower.index)) }

	cases := []struct {
		name, kind string
		extra      func(*attrs)
		data       func(*attrs)
		check      func(l link) error
	}{
		{name: "nlk-dummy0", kind: "dummy"}, // created above
		{name: "nlk-vlan10", kind: "vlan", extra: onLower,
			data: func(a *attrs) { a.u16(unix.IFLA_VLAN_ID, 10) },
			check: func(l link) error {
				if id := l.data[unix.IFLA_VLAN_ID]; len(id) != 2 || ne.Uint16(id) != 10 || l.link != uint32(lower.index) {
					return fmt.Errorf("vlan id %v link %d, want 10 on %d", id, l.link, lower.index)
				}
				return nil
			}},
		{name: "nlk-bond0", kind: "bond",
			data: func(a *attrs) { a.u8(unix.IFLA_BOND_MODE, 1) }, // active-backup
			check: func(l link) error {
				if m := l.data[unix.IFLA_BOND_MODE]; len(m) != 1 || m[0] != 1 {
					return fmt.Errorf("bond mode %v, want 1", m)
				}
				return nil
			}},
		{name: "nlk-vrf100", kind: "vrf",
			data: func(a *attrs) { a.u32(unix.IFLA_VRF_TABLE, 100) },
			check: func(l link) error {
				if tb := l.data[unix.IFLA_VRF_TABLE]; len(tb) != 4 || ne.Uint32(tb) != 100 {
					return fmt.Errorf("vrf table %v, want 100", tb)
				}
				return nil
			}},
		{name: "nlk-veth0", kind: "veth",
			data: func(a *attrs) {
				a.nest(vethInfoPeer, func() {
					a.b = append(a.b, ifinfomsg(0, 0, 0)...)
					a.str(unix.IFLA_IFNAME, "nlk-veth1")
				})
			},
			check: func(l link) error {
				p, err := getLink(t, fd, "nlk-veth1")
				if err != nil || p.kind != "veth" {
					return fmt.Errorf("peer nlk-veth1: kind %q err %v", p.kind, err)
				}
				return nil
			}},
		{name: "nlk-br0", kind: "bridge"},
		{name: "nlk-macvlan0", kind: "macvlan", extra: onLower,
			data: func(a *attrs) { a.u32(unix.IFLA_MACVLAN_MODE, macvlanModeBridge) }},
		{name: "nlk-vxlan42", kind: "vxlan",
			data: func(a *attrs) {
				a.u32(unix.IFLA_VXLAN_ID, 42)
				a.put(unix.IFLA_VXLAN_PORT, []byte{0x12, 0xb5}) // 4789, big endian
			},
			check: func(l link) error {
				if id := l.data[unix.IFLA_VXLAN_ID]; len(id) != 4 || ne.Uint32(id) != 42 {
					return fmt.Errorf("vxlan id %v, want 42", id)
				}
				return nil
			}},
	}
	var made []string
	for _, c := range cases {
		t.Run(c.kind, func(t *testing.T) {
			if c.name != "nlk-dummy0" {
				if err := newLink(t, fd, c.name, c.kind, c.extra, c.data); err != nil {
					t.Fatalf("RTM_NEWLINK %s type %s: %v", c.name, c.kind, err)
				}
			}
			made = append(made, c.name)
			l, err := getLink(t, fd, c.name)
			if err != nil {
				t.Fatalf("RTM_GETLINK %s: %v", c.name, err)
			}
			if l.kind != c.kind {
				t.Fatalf("%s: kind %q, want %q", c.name, l.kind, c.kind)
			}
			if c.check != nil {
				if err := c.check(l); err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
			}
			if _, err := rtnl(t, fd, unix.RTM_NEWLINK, 0, ifinfomsg(l.index, unix.IFF_UP, unix.IFF_UP)); err != nil {
				t.Fatalf("set %s up: %v", c.name, err)
			}
			if l, err = getLink(t, fd, c.name); err != nil || l.flags&unix.IFF_UP == 0 {
				t.Fatalf("%s not up (flags %#x, err %v)", c.name, l.flags, err)
			}
			say("rtnl: link ok: %s (%s, index %d, up)", c.name, c.kind, l.index)
		})
	}

	// Enslave a second dummy to the bond and to the bridge (IFLA_MASTER).
	for _, master := range []string{"nlk-bond0", "nlk-br0"} {
		slave := "nlk-port-" + master[4:]
		if err := newLink(t, fd, slave, "dummy", nil, nil); err != nil {
			t.Errorf("create %s: %v", slave, err)
			continue
		}
		made = append(made, slave)
		m, err1 := getLink(t, fd, master)
		s, err2 := getLink(t, fd, slave)
		if err1 != nil || err2 != nil {
			t.Errorf("lookup %s/%s: %v %v", master, slave, err1, err2)
			continue
		}
		var a attrs
		a.u32(unix.IFLA_MASTER, uint32(m.index))
		if _, err := rtnl(t, fd, unix.RTM_NEWLINK, 0, append(ifinfomsg(s.index, 0, 0), a.b...)); err != nil {
			t.Errorf("enslave %s to %s: %v", slave, master, err)
			continue
		}
		if s, _ = getLink(t, fd, slave); s.master != uint32(m.index) {
			t.Errorf("%s master %d, want %d", slave, s.master, m.index)
			continue
		}
		say("rtnl: master ok: %s -> %s", slave, master)
	}

	// Delete in reverse; links that went with their lower/peer are ENODEV.
	for i := len(made) - 1; i >= 0; i-- {
		l, err := getLink(t, fd, made[i])
		if errors.Is(err, unix.ENODEV) {
			continue
		}
		if err != nil {
			t.Errorf("lookup %s: %v", made[i], err)
			continue
		}
		if _, err := rtnl(t, fd, unix.RTM_DELLINK, 0, ifinfomsg(l.index, 0, 0)); err != nil {
			t.Errorf("RTM_DELLINK %s: %v", made[i], err)
		}
	}
	for _, n := range append(made, "nlk-veth1") {
		if _, err := getLink(t, fd, n); !errors.Is(err, unix.ENODEV) {
			t.Errorf("%s after delete: %v, want ENODEV", n, err)
		}
	}
}
