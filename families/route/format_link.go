//go:build linux

package route

import (
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// String is the link as `ip link show` prints it (print_linkinfo), its two lines (and any alias and altname
// lines) joined by newlines, without the final newline:
//
//	2: v0@if3: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default qlen 1000
//	    link/ether 02:00:00:00:00:01 brd ff:ff:ff:ff:ff:ff
//
// The master and parent links are named "if<index>" (see Format to name them).
func (l Link) String() string { return l.Format(nil) }

// Format is the link as ip prints it in o.LinkView, with the link names of o (nil: as String).
func (l *Link) Format(o *FormatOptions) string { return string(l.AppendFormat(nil, o)) }

// AppendFormat appends the link's Format text to b and returns the extended slice.
func (l *Link) AppendFormat(b []byte, o *FormatOptions) []byte {
	o = noOptions(o)
	b = append(appendInt(b, l.Index), ": "...)
	b = append(b, l.Name...)
	mdown := false
	switch {
	case l.HasParentIndex && l.ParentIndex == 0: // a tunnel bound to no device
		b = append(b, "@NONE"...)
	case l.ParentIndex != 0:
		b = append(b, '@')
		if l.HasLinkNetNSID {
			b = appendInt(append(b, "if"...), l.ParentIndex)
		} else {
			b = append(b, o.linkName(l.ParentIndex)...)
			if o.Link != nil {
				pl, ok := o.Link(l.ParentIndex)
				mdown = !ok || pl == nil || !pl.IsUp()
			}
		}
	}
	b = append(b, ": <"...)
	for i, n := range l.Flags.ipNames(mdown) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, n...)
	}
	b = append(appendUint(append(b, "> mtu "...), l.MTU), ' ')
	if l.Qdisc != "" {
		b = appendWords(b, "qdisc", l.Qdisc)
	}
	if l.Master != 0 {
		b = appendWords(b, "master", o.linkName(l.Master))
	}
	if int(l.OperState) < len(operNames) {
		b = appendWords(b, "state", l.OperState.String())
	} else {
		b = appendf(b, "state %#x ", uint8(l.OperState))
	}
	if o.LinkView == LinkViewLink {
		if l.LinkMode < 2 {
			b = appendWords(b, "mode", linkModeNames[l.LinkMode])
		} else {
			b = appendf(b, "mode %d ", l.LinkMode)
		}
	}
	if l.Family != unix.AF_INET6 { // the IPv6 view of a link (inet6_fill_ifinfo) has no IFLA_GROUP
		b = appendWords(b, "group", GroupName(l.Group))
	}
	if o.LinkView != LinkViewMonitor && l.TxQLen != 0 {
		b = appendUint(append(b, "qlen "...), l.TxQLen)
	}
	if !o.OmitLinkLayer {
		b = append(b, "\n    link/"...)
		b = append(b, LinkTypeName(l.Type)...)
		b = append(b, ' ')
		if l.Address.IsValid() {
			b = append(b, l.Address.Format(l.Type)...)
		}
		if l.Broadcast.IsValid() {
			if l.Flags&unix.IFF_POINTOPOINT != 0 {
				b = append(b, " peer "...)
			} else {
				b = append(b, " brd "...)
			}
			b = append(b, l.Broadcast.Format(l.Type)...)
		}
		if l.PermAddress.IsValid() && l.PermAddress != l.Address {
			b = append(append(b, " permaddr "...), l.PermAddress.Format(l.Type)...)
		}
	}
	if l.HasLinkNetNSID {
		b = appendInt(append(b, " link-netnsid "...), l.LinkNetNSID)
	}
	if l.ProtoDown {
		b = append(b, " protodown on "...)
	}
	if o.LinkView == LinkViewLink && l.Alias != "" {
		b = append(append(b, "\n    alias "...), l.Alias...)
	}
	for _, n := range l.AltNames {
		b = append(append(b, "\n    altname "...), n...)
	}
	return b
}

// linkModeNames are ip's names of IFLA_LINKMODE values (IF_LINK_MODE_DEFAULT, IF_LINK_MODE_DORMANT).
var linkModeNames = [...]string{"DEFAULT", "DORMANT"}

// knownLinkFlags are the ifi_flags bits ip names (plus IFF_RUNNING, which it never prints).
const knownLinkFlags = unix.IFF_LOOPBACK | unix.IFF_BROADCAST | unix.IFF_POINTOPOINT | unix.IFF_MULTICAST |
	unix.IFF_NOARP | unix.IFF_ALLMULTI | unix.IFF_PROMISC | unix.IFF_MASTER | unix.IFF_SLAVE | unix.IFF_DEBUG |
	unix.IFF_DYNAMIC | unix.IFF_AUTOMEDIA | unix.IFF_PORTSEL | unix.IFF_NOTRAILERS | unix.IFF_UP |
	unix.IFF_RUNNING | iffLowerUp | iffDormant | iffEcho

// ipNames is print_link_flags' list: Names, then the bits ip does not name as one hex number, then
// "M-DOWN" when the parent link is down.
func (f LinkFlags) ipNames(mdown bool) []string {
	names := f.Names()
	if rest := uint32(f) &^ knownLinkFlags; rest != 0 {
		names = append(names, strconv.FormatUint(uint64(rest), 16))
	}
	if mdown {
		names = append(names, "M-DOWN")
	}
	return names
}

// String is the address as `ip addr show` prints it inside its link's block (print_addrinfo), without the
// block's indentation before the first line and without the final newline:
//
//	inet 10.0.0.1/24 brd 10.0.0.255 scope global v0
//	       valid_lft forever preferred_lft forever
//
// The second line is there when the address has lifetimes (IFA_CACHEINFO), as every address the kernel
// reports has. ip prints the link itself in the block's head, not on the address's lines. An address's
// IFA_PROTO prints as "proto kernel_ll" after the flags, as iproute2 6.4 and later print it (6.1 does not).
func (a Addr) String() string { return a.Format(nil) }

// Format is the address as String prints it; no option changes it today (the link name ip prints is the
// label the address carries).
func (a *Addr) Format(o *FormatOptions) string { return string(a.AppendFormat(nil, o)) }

// AppendFormat appends the address's Format text to b and returns the extended slice.
func (a *Addr) AppendFormat(b []byte, _ *FormatOptions) []byte {
	if name := FamilyName(a.Family); name != "???" {
		b = appendWords(b, name)
	} else {
		b = appendf(b, "family %d ", a.Family)
	}
	b = append(b, a.Local.String()...)
	if a.Peer.IsValid() {
		b = append(append(b, " peer "...), a.Peer.String()...)
	}
	b = append(appendUint(append(b, '/'), a.PrefixLen), ' ')
	if a.RoutePriority != 0 {
		b = append(appendUint(append(b, "metric "...), a.RoutePriority), ' ')
	}
	for _, x := range [...]struct {
		a     netip.Addr
		label string
	}{{a.Broadcast, "brd"}, {a.Anycast, "any"}, {a.Multicast, "mcast"}} {
		if x.a.IsValid() {
			b = appendWords(b, x.label, x.a.String())
		}
	}
	b = appendWords(b, "scope", a.Scope.String())
	names, rest := a.Flags.ipNames(a.Family)
	b = appendWords(b, names...)
	if rest != 0 {
		b = appendf(b, "flags %02x ", rest)
	}
	if a.Protocol != 0 {
		b = appendWords(b, "proto", AddrProtocolName(a.Protocol))
	}
	b = append(b, a.Label...)
	if ci := a.CacheInfo; ci != (AddrCacheInfo{}) {
		b = append(b, "\n       valid_lft "...)
		b = appendLifetime(b, ci.Valid, false)
		b = append(b, " preferred_lft "...)
		b = appendLifetime(b, ci.Preferred, a.Flags&AddrDeprecated != 0)
	}
	return b
}

// ipNames is Names as print_addrinfo prints them, and the flags it has no name for.
func (f AddrFlags) ipNames(family uint8) ([]string, AddrFlags) {
	var known AddrFlags
	for _, n := range addrFlagNames {
		known |= n.v
	}
	known |= AddrSecondary | AddrPermanent
	return f.Names(family), f &^ known
}

// appendLifetime is an address lifetime as ip prints it: "forever", or seconds ("%dsec"; a deprecated
// address's preferred lifetime is signed).
func appendLifetime(b []byte, v uint32, signed bool) []byte {
	switch {
	case v == Forever:
		return append(b, "forever"...)
	case signed:
		b = appendInt(b, int32(v))
	default:
		b = appendUint(b, v)
	}
	return append(b, "sec"...)
}

// AddrProtocolName is the name ip gives an address's IFA_PROTO (rtnl_addrprot_n2a, IFAPROT_*): "unspec",
// "kernel_lo", "kernel_ra", "kernel_ll", or the number.
func AddrProtocolName(p Protocol) string {
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

// String is the neighbour entry as `ip neigh show` prints it (print_neigh), without the final newline:
// "10.0.0.2 dev if2 lladdr 02:00:00:00:00:02 REACHABLE ". The link is named "if<index>" (see Format).
func (n Neigh) String() string { return n.Format(nil) }

// Format is the entry as ip prints it, with the link names and omissions of o (nil: as String).
func (n *Neigh) Format(o *FormatOptions) string { return string(n.AppendFormat(nil, o)) }

// AppendFormat appends the entry's Format text to b and returns the extended slice.
func (n *Neigh) AppendFormat(b []byte, o *FormatOptions) []byte {
	o = noOptions(o)
	if n.Dst.IsValid() {
		b = appendWords(b, n.Dst.String())
	}
	if !o.OmitDev && n.Index != 0 {
		b = appendWords(b, "dev", o.linkName(n.Index))
	}
	if n.LLAddr.IsValid() {
		typ := uint16(unix.ARPHRD_ETHER)
		if o.Link != nil {
			if l, ok := o.Link(n.Index); ok && l != nil {
				typ = l.Type
			}
		}
		b = appendWords(b, "lladdr", n.LLAddr.Format(typ))
	}
	b = appendWords(b, n.Flags.Names()...)
	if n.State != 0 {
		b = appendWords(b, n.State.Names()...)
	}
	if n.Protocol != 0 {
		b = appendWords(b, "proto", n.Protocol.String())
	}
	return b
}

// neighFlagNames are print_neigh's names of the NTF_* flags, in its order.
var neighFlagNames = []named[NeighFlags]{{NeighRouter, "router"}, {NeighProxy, "proxy"},
	{NeighExtLearned, "extern_learn"}, {NeighOffloaded, "offload"}}

// Names lists the flags ip prints, in its order: "router", "proxy", "extern_learn", "offload".
func (f NeighFlags) Names() []string { return flagNames(nil, f, neighFlagNames) }

// brief is the address in the few words ip takes it in: "10.0.0.1/24", "10.0.0.1 peer 10.0.0.2/32" (for
// error messages and Event.String).
func (a *Addr) brief() string {
	if a.Peer.IsValid() {
		return a.Local.String() + " peer " + prefixOf(a.Peer, a.PrefixLen).String()
	}
	return a.Prefix().String()
}
