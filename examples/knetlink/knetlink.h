/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * knetlink.h - the wire contract of the knetlink example module.
 *
 * This header is usable from both the kernel module and user space (it only
 * defines constants). The Go side of nlkit mirrors these values; keep the two
 * in step (see README.md in this directory).
 */
#ifndef _KNETLINK_H
#define _KNETLINK_H

/* ---- Custom netlink unit ------------------------------------------------ */

/* socket(AF_NETLINK, SOCK_RAW, KNETLINK_UNIT) once the module is loaded. */
#define KNETLINK_UNIT		17

/* Multicast group (1-based, as in NETLINK_ADD_MEMBERSHIP / nl_groups bit 0). */
#define KNETLINK_GROUP		1
#define KNETLINK_GROUPS		1	/* number of groups the unit declares */

/* Message types (nlmsg_type). Anything except BROADCAST is echoed. */
#define KNETLINK_MSG_ECHO	0x10	/* == NLMSG_MIN_TYPE */
#define KNETLINK_MSG_BROADCAST	0x11

/* ---- Generic Netlink family --------------------------------------------- */

#define KNETLINK_GENL_NAME	"KNETLINK"
#define KNETLINK_GENL_VERSION	1
#define KNETLINK_GENL_MCGRP	"events"

/* Commands (genlmsghdr.cmd). */
enum knetlink_genl_cmd {
	KNETLINK_C_UNSPEC,
	KNETLINK_C_ECHO,	/* request: KNETLINK_A_MSG; reply: same attribute */
	__KNETLINK_C_MAX,
};
#define KNETLINK_C_MAX (__KNETLINK_C_MAX - 1)

/* Attributes. */
enum knetlink_genl_attr {
	KNETLINK_A_UNSPEC,
	KNETLINK_A_MSG,		/* NLA_BINARY: opaque bytes, echoed verbatim */
	__KNETLINK_A_MAX,
};
#define KNETLINK_A_MAX (__KNETLINK_A_MAX - 1)

#endif /* _KNETLINK_H */
