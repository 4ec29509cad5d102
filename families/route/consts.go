//go:build linux

package route

// Kernel constants that golang.org/x/sys/unix does not (yet) define, by their kernel names.
const (
	// VETH_INFO_PEER: the peer's ifinfomsg and attributes inside IFLA_INFO_DATA of a veth.
	vethInfoPeer = 1

	// IFA_PROTO: the address's protocol (who added it).
	ifaProto = 11

	// RTA_NH_ID: the nexthop object a route uses.
	rtaNHID = 30

	// NDA_PROTOCOL, NDA_NH_ID, NDA_FLAGS_EXT.
	ndaProtocol = 12
	ndaNHID     = 13
	ndaFlagsExt = 15

	// FRA_DSCP.
	fraDSCP = 25

	// NHA_FDB, NHA_RES_GROUP: nexthop attributes after NHA_GROUPS.
	nhaFDB      = 11
	nhaResGroup = 12

	// IFLA_GSO_IPV4_MAX_SIZE, IFLA_GRO_IPV4_MAX_SIZE (also in unix, kept here for older x/sys).
	iflaGSOIPv4MaxSize = 63
	iflaGROIPv4MaxSize = 64

	// IFLA_BR_MULTI_BOOLOPT bits (enum br_boolopt_id).
	brBooloptNoLLLearn         = 0
	brBooloptMcastVlanSnooping = 1

	// IFF_LOWER_UP, IFF_DORMANT, IFF_ECHO: the high ifi_flags bits.
	iffLowerUp = 1 << 16
	iffDormant = 1 << 17
	iffEcho    = 1 << 18
)
