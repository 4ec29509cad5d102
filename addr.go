package nlkit

// Netlink units (protocols) nlkit knows by name: NETLINK_* of <linux/netlink.h>.
const (
	// NETLINK_ROUTE: rtnetlink.
	UnitRoute = 0
	// NETLINK_USERSOCK: reserved for user-space protocols; user processes message each other on it.
	UnitUsersock = 2
	// NETLINK_SOCK_DIAG.
	UnitSockDiag = 4
	// NETLINK_NETFILTER.
	UnitNetfilter = 12
	// NETLINK_KOBJECT_UEVENT.
	UnitKobjectUevent = 15
	// NETLINK_GENERIC: Generic Netlink.
	UnitGeneric = 16
)

// Sockaddr is struct sockaddr_nl: a port ID and a multicast group bitmask.
type Sockaddr struct {
	// PortID is nl_pid: 0 is the kernel.
	PortID uint32
	// Groups is nl_groups: a bitmask of groups 1-32 (group g is bit g-1).
	Groups uint32
}

// GroupMask returns the nl_groups bit of group g (1-32), or 0 for groups outside that range,
// which can only be joined with NETLINK_ADD_MEMBERSHIP, not addressed in sockaddr_nl.
func GroupMask(g uint32) uint32 {
	if g == 0 || g > 32 {
		return 0
	}
	return 1 << (g - 1)
}

// Cred is struct ucred from an SCM_CREDENTIALS control message: who sent a datagram, as the kernel vouches.
type Cred struct {
	PID int32
	UID uint32
	GID uint32
}

// Sender describes where a received datagram came from.
type Sender struct {
	// Addr is the sender's address from recvmsg's msg_name: PortID is the true sender, whatever nlmsg_pid says;
	// Groups is the bitmask of the group it was multicast to (0 for unicast).
	Addr Sockaddr
	// Group is the multicast group number the datagram came on (NETLINK_PKTINFO or nl_groups), 0 for unicast.
	Group uint32
	// Cred holds the sender's credentials when HasCred (Config.PassCred).
	Cred    Cred
	HasCred bool
	// NSID is the nsid of the network namespace the datagram came from, valid when HasNSID
	// (Config.ListenAllNSID: the NETLINK_LISTEN_ALL_NSID control message). Datagrams from the socket's own
	// namespace carry no nsid.
	NSID    int32
	HasNSID bool
}
