// Package genl is Generic Netlink (NETLINK_GENERIC) on nlkit's core: resolving families by name through the
// controller family nlctrl, listing them, requests and dumps to any family, joining a family's multicast groups by
// name, and the policy dump (CTRL_CMD_GETPOLICY) that tells which attributes each command accepts.
//
// A Generic Netlink message is a struct nlmsghdr whose nlmsg_type is the family's id (assigned by the kernel when
// the family registers, so it must be looked up by name), then a struct genlmsghdr (Header: command and version),
// then the family's fixed header if it has one (Family.HeaderSize, rare), then attributes.
//
//	c, err := genl.Dial(nil)
//	f, err := c.Family(ctx, "ethtool")             // CTRL_CMD_GETFAMILY
//	for m, err := range c.Dump(ctx, f.ID, cmd, uint8(f.Version), attrs) { ... }
//	g, err := c.JoinGroup(ctx, "ethtool", "monitor") // resolve, then NETLINK_ADD_MEMBERSHIP
//
// The package speaks the controller directly rather than through mdlayher/genetlink: its Conn is nlkit's, so the
// requests get nlkit's extended acks, NLM_F_DUMP_INTR handling and allocation-free dumps, and tests can run on
// nltest. Package knetlink, below this one, is a typed client for the KNETLINK family of the example kernel
// module (examples/knetlink).
//
// From C (libnl-genl / libmnl / the kernel's own names):
//
//	struct genlmsghdr, GENL_HDRLEN            Header, HeaderLen
//	genl_ctrl_resolve, CTRL_CMD_GETFAMILY     Conn.Family, Conn.FamilyByID
//	genl ctrl list (dump of GETFAMILY)        Conn.Families, FormatFamilies
//	genl_ctrl_resolve_grp + add_membership    Conn.JoinGroup
//	genl ctrl policy, CTRL_CMD_GETPOLICY      Conn.Policy, Conn.OpPolicy, FormatPolicy
//	genlmsg_put + nla_put*                    Message, proto.AttrEncoder, Conn.Request
package genl
