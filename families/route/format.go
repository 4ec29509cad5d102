//go:build linux

package route

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// FormatOptions supplies what ip knows beyond the object when it prints one, and says what to leave out, for
// the Format and AppendFormat methods of Route, Link, Addr, Neigh, Rule and Nexthop. A nil *FormatOptions is
// the zero value: what String prints.
//
// The text is iproute2's plain output (ip 6.1, without -d, -s or -j) for the object, byte for byte, trailing
// spaces included, without the final newline: `fmt.Println(r.Format(&o))` for each route of a dump prints
// what `ip route show` prints, given o.Link.
type FormatOptions struct {
	// Link looks up a link by ifindex. ip prints link names where objects hold indexes (a route's dev and
	// iif, a neighbour's dev, a nexthop's dev, a link's master and parent) and shows what it knows of them
	// (M-DOWN after the flags of a link whose parent is down; a neighbour's lladdr as its link's type
	// prints it). When Link is nil, or does not know the index, a link is named "if<index>", as ip names a
	// link it cannot find; with Link nil, M-DOWN is left out (nothing says the parent is down).
	Link func(index int32) (*Link, bool)
	// OmitDev, OmitTable, OmitProtocol and OmitScope leave out what a listing's filter fixed, as ip does
	// when given `dev`, `table`, `proto` or `scope`: a route's dev, table, proto and scope; a neighbour's dev.
	OmitDev, OmitTable, OmitProtocol, OmitScope bool
	// LinkView is the command whose view of a Link to print (default `ip link show`).
	LinkView LinkView
	// OmitLinkLayer leaves out a Link's second line (link/ether ... brd ...), as `ip -4 addr` and
	// `ip -6 addr` do.
	OmitLinkLayer bool
}

// LinkView is the command whose view of a link FormatOptions asks for: ip prints a link's head line
// differently in `ip link`, `ip addr` and `ip monitor`.
type LinkView uint8

// Link views.
const (
	// LinkViewLink is `ip link show`: with the link mode (IFLA_LINKMODE), the qlen and the alias
	// (IFLA_IFALIAS).
	LinkViewLink LinkView = iota
	// LinkViewAddr is the head of a link's block in `ip addr show`: with the qlen; no link mode, no alias.
	LinkViewAddr
	// LinkViewMonitor is `ip monitor link`: no link mode, no qlen, no alias.
	LinkViewMonitor
)

// linkName is ll_index_to_name: the name of link i, or "if<i>".
func (o *FormatOptions) linkName(i int32) string {
	if o.Link != nil {
		if l, ok := o.Link(i); ok && l != nil {
			return l.Name
		}
	}
	return "if" + strconv.Itoa(int(i))
}

// noOptions is what a nil *FormatOptions means.
func noOptions(o *FormatOptions) *FormatOptions {
	if o == nil {
		return &FormatOptions{}
	}
	return o
}

// FamilyName is the name ip gives an address family (family_name): "inet", "inet6", "link", "mpls",
// "bridge", or "???".
func FamilyName(f uint8) string {
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

// hostBits is af_bit_len: the length of a host prefix of family f.
func hostBits(f uint8) int {
	switch f {
	case unix.AF_INET, 128: // RTNL_FAMILY_IPMR
		return 32
	case unix.AF_INET6, 129: // RTNL_FAMILY_IP6MR
		return 128
	case unix.AF_MPLS:
		return 20
	}
	return 0
}

// GroupName is the name ip gives a link group (rtnl_group_n2a without /etc/iproute2/group): "default" for
// 0, else the number.
func GroupName(g uint32) string {
	if g == 0 {
		return "default"
	}
	return strconv.FormatUint(uint64(g), 10)
}

// named32 is one flag of a 32-bit flag word with ip's name for it.
type named32 = named[uint32]

// routeFlagNames are print_rt_flags' names of RTNH_F_* and RTM_F_* flags, in its order.
var routeFlagNames = []named32{
	{unix.RTNH_F_DEAD, "dead"}, {unix.RTNH_F_ONLINK, "onlink"}, {unix.RTNH_F_PERVASIVE, "pervasive"},
	{unix.RTNH_F_OFFLOAD, "offload"}, {unix.RTNH_F_TRAP, "trap"}, {unix.RTM_F_NOTIFY, "notify"},
	{unix.RTNH_F_LINKDOWN, "linkdown"}, {unix.RTNH_F_UNRESOLVED, "unresolved"}, {unix.RTM_F_OFFLOAD, "rt_offload"},
	{unix.RTM_F_TRAP, "rt_trap"}, {unix.RTM_F_OFFLOAD_FAILED, "rt_offload_failed"},
}

// RouteFlagNames lists the names ip prints for the RTNH_F_* and RTM_F_* flags of a route (Route.Flags), of
// a multipath hop (Hop.Flags) or of a nexthop object (Nexthop.Flags): "onlink", "linkdown",
// "rt_offload"..., in ip's order (print_rt_flags). Flags ip does not name are left out.
func RouteFlagNames(flags uint32) []string { return flagNames(nil, flags, routeFlagNames) }

// appendRouteFlags appends "NAME " for each flag, as print_rt_flags.
func appendRouteFlags(b []byte, flags uint32) []byte {
	for _, f := range routeFlagNames {
		if flags&f.v != 0 {
			b = append(b, f.name...)
			b = append(b, ' ')
		}
	}
	return b
}

// cacheFlagNames are print_cache_flags' names of the RTCF_* flags, in its order.
var cacheFlagNames = []named32{
	{0x80000000, "local"}, {0x40000000, "reject"}, {0x20000000, "mc"}, {0x10000000, "brd"}, {0x08000000, "dst-nat"},
	{0x00800000, "src-nat"}, {0x00400000, "masq"}, {0x00020000, "dst-direct"}, {0x04000000, "src-direct"},
	{0x00040000, "redirected"}, {0x01000000, "redirect"}, {0x00200000, "fastroute"}, {0x00010000, "notify"},
	{0x00080000, "proxy"},
}

// CacheFlagNames lists the names ip prints for the RTCF_* flags of a cloned IPv4 route (`ip route get`, the
// upper 16 bits of Route.Flags), in ip's order (print_cache_flags); bits it does not name come last, as one
// hex number.
func CacheFlagNames(flags uint32) []string {
	flags &^= 0xffff
	var names []string
	for _, f := range cacheFlagNames {
		if flags&f.v != 0 {
			names = append(names, f.name)
			flags &^= f.v
		}
	}
	if flags != 0 {
		names = append(names, strconv.FormatUint(uint64(flags), 16))
	}
	return names
}

// userHZ is USER_HZ, the unit of rta_cacheinfo and nexthop timers (what ip's get_user_hz returns on Linux).
const userHZ = 100

// hex0x is print_0xhex ("%#llx", "0" for zero).
func hex0x(v uint64) string {
	if v == 0 {
		return "0"
	}
	return "0x" + strconv.FormatUint(v, 16)
}

// cFloatG formats v as C's printf("%g"): six significant digits, no trailing zeros, an exponent of at least
// two digits.
func cFloatG(v float64) string {
	s := strconv.FormatFloat(v, 'g', 6, 64)
	mant, exp, hasExp := strings.Cut(s, "e")
	if strings.Contains(mant, ".") {
		mant = strings.TrimRight(strings.TrimRight(mant, "0"), ".")
	}
	if !hasExp {
		return mant
	}
	sign, digits := exp[:1], exp[1:]
	if len(digits) < 2 {
		digits = "0" + digits
	}
	return mant + "e" + sign + digits
}

// TicksSeconds formats a time given in clock ticks (USER_HZ, 1/100 s) in seconds as ip prints it (print_tv
// after __jiffies_to_tv, C's "%g"): "1.5", "120".
func TicksSeconds(ticks uint64) string {
	return cFloatG(float64(ticks/userHZ) + float64(ticks%userHZ)/userHZ)
}

// arphrdNames are iproute2's ll_type_n2a names of link types (ARPHRD_*).
var arphrdNames = []named[uint16]{
	{0, "netrom"}, {1, "ether"}, {2, "eether"}, {3, "ax25"}, {4, "pronet"}, {5, "chaos"}, {6, "ieee802"},
	{7, "arcnet"}, {8, "atalk"}, {15, "dlci"}, {19, "atm"}, {23, "metricom"}, {24, "ieee1394"}, {27, "eui64"},
	{32, "infiniband"}, {256, "slip"}, {257, "cslip"}, {258, "slip6"}, {259, "cslip6"}, {260, "rsrvd"},
	{264, "adapt"}, {270, "rose"}, {271, "x25"}, {272, "hwx25"}, {280, "can"}, {512, "ppp"}, {513, "hdlc"},
	{516, "lapb"}, {517, "ddcmp"}, {518, "rawhdlc"}, {519, "rawip"}, {768, "ipip"}, {769, "tunnel6"},
	{770, "frad"}, {771, "skip"}, {772, "loopback"}, {773, "ltalk"}, {774, "fddi"}, {775, "bif"}, {776, "sit"},
	{777, "ip/ddp"}, {778, "gre"}, {779, "pimreg"}, {780, "hippi"}, {781, "ash"}, {782, "econet"}, {783, "irda"},
	{784, "fcpp"}, {785, "fcal"}, {786, "fcpl"}, {787, "fcfb0"}, {800, "tr"}, {801, "ieee802.11"},
	{802, "ieee802.11/prism"}, {803, "ieee802.11/radiotap"}, {804, "ieee802.15.4"}, {805, "ieee802.15.4/monitor"},
	{820, "phonet"}, {821, "phonet_pipe"}, {822, "caif"}, {823, "gre6"}, {824, "netlink"}, {825, "6lowpan"},
	{827, "mctp"}, {0xfffe, "none"}, {0xffff, "void"},
}

// LinkTypeName is the name ip gives an ARPHRD_* link type (ll_type_n2a): "ether", "loopback", "none"...,
// or "[N]" for a type it does not know.
func LinkTypeName(t uint16) string {
	for _, n := range arphrdNames {
		if n.v == t {
			return n.name
		}
	}
	return "[" + strconv.Itoa(int(t)) + "]"
}

// Format is the address as ip prints a link-layer address of a link of type linkType (ll_addr_n2a): tunnels
// (ARPHRD_TUNNEL, ARPHRD_SIT, ARPHRD_IPGRE, ARPHRD_TUNNEL6, ARPHRD_IP6GRE) carry IP addresses and print
// them so; others print as String does.
func (a HWAddr) Format(linkType uint16) string {
	b := a.AppendTo(nil)
	switch {
	case len(b) == 4 && (linkType == unix.ARPHRD_TUNNEL || linkType == unix.ARPHRD_SIT || linkType == unix.ARPHRD_IPGRE):
		return netip.AddrFrom4([4]byte(b)).String()
	case len(b) == 16 && (linkType == unix.ARPHRD_TUNNEL6 || linkType == unix.ARPHRD_IP6GRE):
		return netip.AddrFrom16([16]byte(b)).String()
	}
	return a.String()
}

// appendf is fmt.Appendf, for the few fields whose format is more than a name.
func appendf(b []byte, format string, args ...any) []byte { return fmt.Appendf(b, format, args...) }

// appendUint appends the decimal v.
func appendUint[N ~uint8 | ~uint16 | ~uint32 | ~uint64](b []byte, v N) []byte {
	return strconv.AppendUint(b, uint64(v), 10)
}

// appendInt appends the decimal v.
func appendInt[N ~int8 | ~int16 | ~int32 | ~int64 | ~int](b []byte, v N) []byte {
	return strconv.AppendInt(b, int64(v), 10)
}

// appendWords appends the words, each followed by a space.
func appendWords(b []byte, words ...string) []byte {
	for _, w := range words {
		b = append(b, w...)
		b = append(b, ' ')
	}
	return b
}
