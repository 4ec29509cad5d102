//go:build linux

package route

import (
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Scope is rtm_scope / ifa_scope (enum rt_scope_t: RT_SCOPE_UNIVERSE ... RT_SCOPE_NOWHERE).
type Scope uint8

// Scopes, by their kernel names.
const (
	ScopeUniverse Scope = unix.RT_SCOPE_UNIVERSE // RT_SCOPE_UNIVERSE, "global"
	ScopeSite     Scope = unix.RT_SCOPE_SITE     // RT_SCOPE_SITE
	ScopeLink     Scope = unix.RT_SCOPE_LINK     // RT_SCOPE_LINK
	ScopeHost     Scope = unix.RT_SCOPE_HOST     // RT_SCOPE_HOST
	ScopeNowhere  Scope = unix.RT_SCOPE_NOWHERE  // RT_SCOPE_NOWHERE
)

var scopeNames = []named[Scope]{{ScopeUniverse, "global"}, {ScopeSite, "site"}, {ScopeLink, "link"},
	{ScopeHost, "host"}, {ScopeNowhere, "nowhere"}}

// String is the name ip uses ("global", "link", "host"...), or the number.
func (s Scope) String() string { return nameOf(scopeNames, s) }

// ParseScope reads a scope name as ip prints it ("global", "site", "link", "host", "nowhere") or number.
func ParseScope(s string) (Scope, bool) { return parseNamed(scopeNames, s, 8) }

// Protocol is rtm_protocol / IFA_PROTO / FRA_PROTOCOL / nhm_protocol: who installed the object (RTPROT_*).
type Protocol uint8

// Route protocols, by their kernel names.
const (
	ProtocolUnspec   Protocol = unix.RTPROT_UNSPEC   // RTPROT_UNSPEC
	ProtocolRedirect Protocol = unix.RTPROT_REDIRECT // RTPROT_REDIRECT
	ProtocolKernel   Protocol = unix.RTPROT_KERNEL   // RTPROT_KERNEL
	ProtocolBoot     Protocol = unix.RTPROT_BOOT     // RTPROT_BOOT: ip's default
	ProtocolStatic   Protocol = unix.RTPROT_STATIC   // RTPROT_STATIC
	ProtocolRA       Protocol = unix.RTPROT_RA       // RTPROT_RA
	ProtocolDHCP     Protocol = unix.RTPROT_DHCP     // RTPROT_DHCP
	ProtocolBGP      Protocol = unix.RTPROT_BGP      // RTPROT_BGP
	ProtocolOSPF     Protocol = unix.RTPROT_OSPF     // RTPROT_OSPF
)

var protocolNames = []named[Protocol]{
	{0, "unspec"}, {1, "redirect"}, {2, "kernel"}, {3, "boot"}, {4, "static"}, {8, "gated"}, {9, "ra"},
	{10, "mrt"}, {11, "zebra"}, {12, "bird"}, {13, "dnrouted"}, {14, "xorp"}, {15, "ntk"}, {16, "dhcp"},
	{17, "mrouted"}, {18, "keepalived"}, {42, "babel"}, {99, "openr"}, {186, "bgp"}, {187, "isis"}, {188, "ospf"},
	{189, "rip"}, {192, "eigrp"},
}

// String is the name ip uses ("kernel", "boot", "static"...), or the number.
func (p Protocol) String() string { return nameOf(protocolNames, p) }

// ParseProtocol reads a protocol name or number.
func ParseProtocol(s string) (Protocol, bool) { return parseNamed(protocolNames, s, 8) }

// RouteType is rtm_type (RTN_*).
type RouteType uint8

// Route types, by their kernel names.
const (
	TypeUnspec      RouteType = unix.RTN_UNSPEC      // RTN_UNSPEC
	TypeUnicast     RouteType = unix.RTN_UNICAST     // RTN_UNICAST
	TypeLocal       RouteType = unix.RTN_LOCAL       // RTN_LOCAL
	TypeBroadcast   RouteType = unix.RTN_BROADCAST   // RTN_BROADCAST
	TypeAnycast     RouteType = unix.RTN_ANYCAST     // RTN_ANYCAST
	TypeMulticast   RouteType = unix.RTN_MULTICAST   // RTN_MULTICAST
	TypeBlackhole   RouteType = unix.RTN_BLACKHOLE   // RTN_BLACKHOLE
	TypeUnreachable RouteType = unix.RTN_UNREACHABLE // RTN_UNREACHABLE
	TypeProhibit    RouteType = unix.RTN_PROHIBIT    // RTN_PROHIBIT
	TypeThrow       RouteType = unix.RTN_THROW       // RTN_THROW
	TypeNAT         RouteType = unix.RTN_NAT         // RTN_NAT
	TypeXResolve    RouteType = unix.RTN_XRESOLVE    // RTN_XRESOLVE
)

var routeTypeNames = [...]string{"unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole",
	"unreachable", "prohibit", "throw", "nat", "xresolve"}

// String is the name ip uses ("unicast", "local", "blackhole"...), or the number.
func (t RouteType) String() string { return indexName(routeTypeNames[:], t) }

// ParseRouteType reads a route type name (not a number: ip takes a number in its place as a prefix).
func ParseRouteType(s string) (RouteType, bool) {
	i := slices.Index(routeTypeNames[:], s)
	return RouteType(max(i, 0)), i >= 0
}

// Routing table numbers (RT_TABLE_*).
const (
	TableUnspec  = unix.RT_TABLE_UNSPEC  // RT_TABLE_UNSPEC
	TableDefault = unix.RT_TABLE_DEFAULT // RT_TABLE_DEFAULT (253)
	TableMain    = unix.RT_TABLE_MAIN    // RT_TABLE_MAIN (254)
	TableLocal   = unix.RT_TABLE_LOCAL   // RT_TABLE_LOCAL (255)
)

var tableNames = []named[uint32]{{TableMain, "main"}, {TableLocal, "local"}, {TableDefault, "default"},
	{TableUnspec, "unspec"}}

// TableName is the name ip gives a routing table: "main", "local", "default", or the number.
func TableName(t uint32) string { return nameOf(tableNames, t) }

// ParseTable reads a table name ("main", "local", "default", "all" = 0) or number.
func ParseTable(s string) (uint32, bool) {
	if s == "all" {
		return TableUnspec, true
	}
	return parseNamed(tableNames, s, 32)
}

// OperState is IFLA_OPERSTATE (IF_OPER_*, RFC 2863).
type OperState uint8

// Operational states, by their kernel names.
const (
	OperUnknown        OperState = 0 // IF_OPER_UNKNOWN
	OperNotPresent     OperState = 1 // IF_OPER_NOTPRESENT
	OperDown           OperState = 2 // IF_OPER_DOWN
	OperLowerLayerDown OperState = 3 // IF_OPER_LOWERLAYERDOWN
	OperTesting        OperState = 4 // IF_OPER_TESTING
	OperDormant        OperState = 5 // IF_OPER_DORMANT
	OperUp             OperState = 6 // IF_OPER_UP
)

var operNames = [...]string{"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"}

// String is the name ip prints ("UP", "DOWN", "UNKNOWN"...).
func (o OperState) String() string { return indexName(operNames[:], o) }

// LinkFlags is ifi_flags (IFF_*).
type LinkFlags uint32

// Link flags, by their kernel names.
const (
	LinkUp      LinkFlags = unix.IFF_UP       // IFF_UP
	LinkRunning LinkFlags = unix.IFF_RUNNING  // IFF_RUNNING
	LinkLowerUp LinkFlags = iffLowerUp        // IFF_LOWER_UP
	LinkNoARP   LinkFlags = unix.IFF_NOARP    // IFF_NOARP
	LinkPromisc LinkFlags = unix.IFF_PROMISC  // IFF_PROMISC
	LinkMaster  LinkFlags = unix.IFF_MASTER   // IFF_MASTER
	LinkSlave   LinkFlags = unix.IFF_SLAVE    // IFF_SLAVE
	LinkLoop    LinkFlags = unix.IFF_LOOPBACK // IFF_LOOPBACK
)

var linkFlagNames = []named[LinkFlags]{
	{unix.IFF_LOOPBACK, "LOOPBACK"}, {unix.IFF_BROADCAST, "BROADCAST"}, {unix.IFF_POINTOPOINT, "POINTOPOINT"},
	{unix.IFF_MULTICAST, "MULTICAST"}, {unix.IFF_NOARP, "NOARP"}, {unix.IFF_ALLMULTI, "ALLMULTI"},
	{unix.IFF_PROMISC, "PROMISC"}, {unix.IFF_MASTER, "MASTER"}, {unix.IFF_SLAVE, "SLAVE"}, {unix.IFF_DEBUG, "DEBUG"},
	{unix.IFF_DYNAMIC, "DYNAMIC"}, {unix.IFF_AUTOMEDIA, "AUTOMEDIA"}, {unix.IFF_PORTSEL, "PORTSEL"},
	{unix.IFF_NOTRAILERS, "NOTRAILERS"}, {unix.IFF_UP, "UP"}, {iffLowerUp, "LOWER_UP"}, {iffDormant, "DORMANT"},
	{iffEcho, "ECHO"},
}

// Names lists the flags the way ip prints them, in ip's order: "NO-CARRIER" first when the link is up but not
// running, then LOOPBACK, BROADCAST, ... UP, LOWER_UP. (ip's "M-DOWN" describes the IFLA_LINK device, not
// these flags.)
func (f LinkFlags) Names() []string {
	var out []string
	if f&unix.IFF_UP != 0 && f&unix.IFF_RUNNING == 0 {
		out = append(out, "NO-CARRIER")
	}
	return flagNames(out, f, linkFlagNames)
}

// String joins Names with commas, as ip prints them between angle brackets.
func (f LinkFlags) String() string { return strings.Join(f.Names(), ",") }

// AddrFlags is ifa_flags extended by IFA_FLAGS (IFA_F_*).
type AddrFlags uint32

// Address flags, by their kernel names.
const (
	AddrSecondary     AddrFlags = unix.IFA_F_SECONDARY      // IFA_F_SECONDARY (IFA_F_TEMPORARY for IPv6)
	AddrNoDAD         AddrFlags = unix.IFA_F_NODAD          // IFA_F_NODAD
	AddrOptimistic    AddrFlags = unix.IFA_F_OPTIMISTIC     // IFA_F_OPTIMISTIC
	AddrDADFailed     AddrFlags = unix.IFA_F_DADFAILED      // IFA_F_DADFAILED
	AddrHomeAddress   AddrFlags = unix.IFA_F_HOMEADDRESS    // IFA_F_HOMEADDRESS
	AddrDeprecated    AddrFlags = unix.IFA_F_DEPRECATED     // IFA_F_DEPRECATED
	AddrTentative     AddrFlags = unix.IFA_F_TENTATIVE      // IFA_F_TENTATIVE
	AddrPermanent     AddrFlags = unix.IFA_F_PERMANENT      // IFA_F_PERMANENT
	AddrManageTemp    AddrFlags = unix.IFA_F_MANAGETEMPADDR // IFA_F_MANAGETEMPADDR
	AddrNoPrefixRoute AddrFlags = unix.IFA_F_NOPREFIXROUTE  // IFA_F_NOPREFIXROUTE
	AddrMcAutoJoin    AddrFlags = unix.IFA_F_MCAUTOJOIN     // IFA_F_MCAUTOJOIN
	AddrStablePrivacy AddrFlags = unix.IFA_F_STABLE_PRIVACY // IFA_F_STABLE_PRIVACY
)

// Names lists the flags as ip -j names them ("secondary"/"temporary", "nodad", "dynamic" for a
// non-permanent address, "noprefixroute", ...); family decides between "secondary" and "temporary".
func (f AddrFlags) Names(family uint8) []string {
	var out []string
	if f&AddrSecondary != 0 {
		if family == unix.AF_INET6 {
			out = append(out, "temporary")
		} else {
			out = append(out, "secondary")
		}
	}
	out = flagNames(out, f, addrFlagNames[:6])
	if f&AddrPermanent == 0 {
		out = append(out, "dynamic")
	}
	return flagNames(out, f, addrFlagNames[6:])
}

// addrFlagNames are ip's names of the address flags in its order; "dynamic" (no IFA_F_PERMANENT) goes
// between the first six and the rest.
var addrFlagNames = []named[AddrFlags]{{AddrNoDAD, "nodad"}, {AddrOptimistic, "optimistic"},
	{AddrDADFailed, "dadfailed"}, {AddrHomeAddress, "home"}, {AddrDeprecated, "deprecated"},
	{AddrTentative, "tentative"}, {AddrManageTemp, "mngtmpaddr"}, {AddrNoPrefixRoute, "noprefixroute"},
	{AddrMcAutoJoin, "autojoin"}, {AddrStablePrivacy, "stable-privacy"}}

// NeighState is ndm_state (NUD_*).
type NeighState uint16

// Neighbour states, by their kernel names.
const (
	NeighNone       NeighState = unix.NUD_NONE       // NUD_NONE
	NeighIncomplete NeighState = unix.NUD_INCOMPLETE // NUD_INCOMPLETE
	NeighReachable  NeighState = unix.NUD_REACHABLE  // NUD_REACHABLE
	NeighStale      NeighState = unix.NUD_STALE      // NUD_STALE
	NeighDelay      NeighState = unix.NUD_DELAY      // NUD_DELAY
	NeighProbe      NeighState = unix.NUD_PROBE      // NUD_PROBE
	NeighFailed     NeighState = unix.NUD_FAILED     // NUD_FAILED
	NeighNoARP      NeighState = unix.NUD_NOARP      // NUD_NOARP
	NeighPermanent  NeighState = unix.NUD_PERMANENT  // NUD_PERMANENT
)

var neighStateNames = []string{"INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED", "NOARP", "PERMANENT"}

// Names lists the states as ip prints them ("REACHABLE", "PERMANENT"...); NUD_NONE is "NONE".
func (s NeighState) Names() []string {
	if s == 0 {
		return []string{"NONE"}
	}
	var out []string
	for i, n := range neighStateNames {
		if s&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// String joins Names with commas.
func (s NeighState) String() string { return strings.Join(s.Names(), ",") }

// ParseNeighState reads a state name as ip accepts it ("permanent", "reachable", "noarp", "stale", "none"...).
func ParseNeighState(s string) (NeighState, bool) {
	u := strings.ToUpper(s)
	if u == "NONE" {
		return NeighNone, true
	}
	for i, n := range neighStateNames {
		if n == u {
			return NeighState(1 << i), true
		}
	}
	return 0, false
}

// NeighFlags is ndm_flags (NTF_*).
type NeighFlags uint8

// Neighbour flags, by their kernel names.
const (
	NeighUse        NeighFlags = unix.NTF_USE         // NTF_USE
	NeighSelf       NeighFlags = unix.NTF_SELF        // NTF_SELF
	NeighMaster     NeighFlags = unix.NTF_MASTER      // NTF_MASTER
	NeighProxy      NeighFlags = unix.NTF_PROXY       // NTF_PROXY
	NeighExtLearned NeighFlags = unix.NTF_EXT_LEARNED // NTF_EXT_LEARNED
	NeighOffloaded  NeighFlags = unix.NTF_OFFLOADED   // NTF_OFFLOADED
	NeighSticky     NeighFlags = 0x40                 // NTF_STICKY
	NeighRouter     NeighFlags = unix.NTF_ROUTER      // NTF_ROUTER
)

// RuleAction is fib_rule_hdr.action (FR_ACT_*).
type RuleAction uint8

// Rule actions, by their kernel names.
const (
	RuleToTable     RuleAction = unix.FR_ACT_TO_TBL      // FR_ACT_TO_TBL
	RuleGoto        RuleAction = unix.FR_ACT_GOTO        // FR_ACT_GOTO
	RuleNop         RuleAction = unix.FR_ACT_NOP         // FR_ACT_NOP
	RuleBlackhole   RuleAction = unix.FR_ACT_BLACKHOLE   // FR_ACT_BLACKHOLE
	RuleUnreachable RuleAction = unix.FR_ACT_UNREACHABLE // FR_ACT_UNREACHABLE
	RuleProhibit    RuleAction = unix.FR_ACT_PROHIBIT    // FR_ACT_PROHIBIT
)

var ruleActionNames = []named[RuleAction]{{RuleToTable, "unicast"}, {RuleGoto, "goto"}, {RuleNop, "nop"},
	{RuleBlackhole, "blackhole"}, {RuleUnreachable, "unreachable"}, {RuleProhibit, "prohibit"}}

// String is the name ip -j uses for the action ("unicast" for FR_ACT_TO_TBL, "goto", "nop", "blackhole"...).
func (a RuleAction) String() string { return nameOf(ruleActionNames, a) }

// AddrGenMode is IFLA_INET6_ADDR_GEN_MODE (IN6_ADDR_GEN_MODE_*).
type AddrGenMode uint8

var addrGenNames = [...]string{"eui64", "none", "stable_secret", "random"}

// String is the name ip prints ("eui64", "none", "stable_secret", "random").
func (m AddrGenMode) String() string { return indexName(addrGenNames[:], m) }

// named is one value of an enum or flag set with ip's name for it.
type named[E ~uint8 | ~uint16 | ~uint32] struct {
	v    E
	name string
}

// nameOf is the name of v in names, or its number.
func nameOf[E ~uint8 | ~uint16 | ~uint32](names []named[E], v E) string {
	for _, n := range names {
		if n.v == v {
			return n.name
		}
	}
	return strconv.FormatUint(uint64(v), 10)
}

// parseNamed reads a name of names or a number of bits bits.
func parseNamed[E ~uint8 | ~uint16 | ~uint32](names []named[E], s string, bits int) (E, bool) {
	for _, n := range names {
		if n.name == s {
			return n.v, true
		}
	}
	v, err := strconv.ParseUint(s, 0, bits)
	return E(v), err == nil
}

// indexName is names[v] for an enum numbered from 0, or the number.
func indexName[E ~uint8 | ~uint16](names []string, v E) string {
	if int(v) < len(names) {
		return names[v]
	}
	return strconv.Itoa(int(v))
}

// flagNames appends to out the names of the flags of table that f has, in the table's order.
func flagNames[F ~uint8 | ~uint16 | ~uint32](out []string, f F, table []named[F]) []string {
	for _, n := range table {
		if f&n.v != 0 {
			out = append(out, n.name)
		}
	}
	return out
}
