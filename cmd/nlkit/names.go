package main

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/nlkit/nlkit/families/route"
	"golang.org/x/sys/unix"
)

// linkCache maps link indexes to links and names to indexes, as iproute2's ll_map does: one link dump, taken
// when a command first needs a name.
type linkCache struct {
	list    []route.Link
	byIndex map[int32]int
	byName  map[string]int
}

func newLinkCache(links []route.Link) *linkCache {
	lc := &linkCache{list: links, byIndex: make(map[int32]int, len(links)), byName: make(map[string]int, len(links))}
	for i, l := range links {
		lc.byIndex[l.Index] = i
		lc.byName[l.Name] = i
		for _, alt := range l.AltNames {
			if _, ok := lc.byName[alt]; !ok {
				lc.byName[alt] = i
			}
		}
	}
	return lc
}

// linkCache returns the links of the namespace, dumping them on first use.
func (a *app) linkCache() (*linkCache, error) {
	if a.links != nil {
		return a.links, nil
	}
	c, err := a.client()
	if err != nil {
		return nil, err
	}
	links, err := c.Link.List(a.ctx, nil)
	if err != nil {
		return nil, err
	}
	a.links = newLinkCache(links)
	return a.links, nil
}

// link returns the link with index i.
func (lc *linkCache) link(i int32) (*route.Link, bool) {
	if lc == nil {
		return nil, false
	}
	n, ok := lc.byIndex[i]
	if !ok {
		return nil, false
	}
	return &lc.list[n], true
}

// name is ll_index_to_name: the link's name, or "if<index>" for an unknown one.
func (lc *linkCache) name(i int32) string {
	if l, ok := lc.link(i); ok {
		return l.Name
	}
	return fmt.Sprintf("if%d", i)
}

// ifindex resolves a link name (or alternative name) to its index; a missing one gives ip's
// `Cannot find device "X"`.
func (a *app) ifindex(name string) (int32, error) {
	lc, err := a.linkCache()
	if err != nil {
		return 0, err
	}
	if n, ok := lc.byName[name]; ok {
		return lc.list[n].Index, nil
	}
	// A link made since the dump (or one only the kernel can resolve): ask.
	c, err := a.client()
	if err != nil {
		return 0, err
	}
	l, err := c.Link.GetByName(a.ctx, name)
	if err != nil {
		if errors.Is(err, unix.ENODEV) || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINVAL) {
			return 0, &notFoundError{msg: fmt.Sprintf("Cannot find device %q", name)}
		}
		return 0, err
	}
	return l.Index, nil
}

// arphrdNames are iproute2's ll_type_n2a names of link types (ARPHRD_*).
var arphrdNames = map[uint16]string{
	0: "netrom", 1: "ether", 2: "eether", 3: "ax25", 4: "pronet", 5: "chaos", 6: "ieee802", 7: "arcnet",
	8: "atalk", 15: "dlci", 19: "atm", 23: "metricom", 24: "ieee1394", 27: "eui64", 32: "infiniband",
	256: "slip", 257: "cslip", 258: "slip6", 259: "cslip6", 260: "rsrvd", 264: "adapt", 270: "rose", 271: "x25",
	272: "hwx25", 280: "can", 512: "ppp", 513: "hdlc", 516: "lapb", 517: "ddcmp", 518: "rawhdlc", 519: "rawip",
	768: "ipip", 769: "tunnel6", 770: "frad", 771: "skip", 772: "loopback", 773: "ltalk", 774: "fddi", 775: "bif",
	776: "sit", 777: "ip/ddp", 778: "gre", 779: "pimreg", 780: "hippi", 781: "ash", 782: "econet", 783: "irda",
	784: "fcpp", 785: "fcal", 786: "fcpl", 787: "fcfb0", 800: "tr", 801: "ieee802.11", 802: "ieee802.11/prism",
	803: "ieee802.11/radiotap", 804: "ieee802.15.4", 805: "ieee802.15.4/monitor", 820: "phonet",
	821: "phonet_pipe", 822: "caif", 823: "gre6", 824: "netlink", 825: "6lowpan", 827: "mctp", 0xfffe: "none",
	0xffff: "void",
}

// linkTypeName is ll_type_n2a.
func linkTypeName(t uint16) string {
	if s, ok := arphrdNames[t]; ok {
		return s
	}
	return fmt.Sprintf("[%d]", t)
}

// llAddr is ll_addr_n2a: a link-layer address as ip prints it; tunnels carry IP addresses.
func llAddr(a route.HWAddr, linkType uint16) string {
	b := a.AppendTo(nil)
	switch {
	case len(b) == 4 && (linkType == unix.ARPHRD_TUNNEL || linkType == unix.ARPHRD_SIT || linkType == unix.ARPHRD_IPGRE):
		return netip.AddrFrom4([4]byte(b)).String()
	case len(b) == 16 && (linkType == unix.ARPHRD_TUNNEL6 || linkType == unix.ARPHRD_IP6GRE):
		return netip.AddrFrom16([16]byte(b)).String()
	}
	return a.String()
}

// groupName is rtnl_group_n2a without /etc/iproute2/group: 0 is "default".
func groupName(g uint32) string {
	if g == 0 {
		return "default"
	}
	return strconv.FormatUint(uint64(g), 10)
}

// addrProtoName is rtnl_addrprot_n2a (IFAPROT_*).
func addrProtoName(p route.Protocol) string {
	switch p {
	case 0:
		return "unspec"
	case 1:
		return "kernel_lo"
	case 2:
		return "kernel_ra"
	case 3:
		return "kernel_ll"
	}
	return strconv.Itoa(int(p))
}

// familyName is ip's family_name.
func familyName(f uint8) string {
	switch f {
	case unix.AF_INET:
		return "inet"
	case unix.AF_INET6:
		return "inet6"
	case unix.AF_PACKET:
		return "link"
	case unix.AF_MPLS:
		return "mpls"
	case unix.AF_BRIDGE:
		return "bridge"
	}
	return "???"
}

// hostBits is af_bit_len.
func hostBits(f uint8) int {
	switch f {
	case unix.AF_INET, 128:
		return 32
	case unix.AF_INET6, 129:
		return 128
	case unix.AF_MPLS:
		return 20
	}
	return 0
}
