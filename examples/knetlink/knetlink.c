// SPDX-License-Identifier: GPL-2.0
/*
 * knetlink - the "kernel echo" exercise of the netlink seed tutorial, written
 * against the modern (>= 3.8, tested on 6.1) kernel API.
 *
 * It offers two things:
 *
 *  1. A custom netlink unit (KNETLINK_UNIT = 17) in the initial network
 *     namespace. Every message a user socket sends to portid 0 is echoed back
 *     to the sender's portid byte for byte (same nlmsg_len, type, flags, seq
 *     and payload; nlmsg_pid is 0, the kernel's portid). A message of type
 *     KNETLINK_MSG_BROADCAST is additionally published, unchanged, to
 *     multicast group KNETLINK_GROUP of the unit before it is echoed.
 *
 *  2. A Generic Netlink family "KNETLINK" (version 1) with one command,
 *     KNETLINK_C_ECHO, that replies with the KNETLINK_A_MSG attribute it was
 *     given and publishes the same message to the "events" multicast group.
 *
 * What changed since the 2.6.8 tutorial:
 *  - netlink_kernel_create(net, unit, &cfg) takes a struct netlink_kernel_cfg,
 *    and the input callback receives one skb per sendmsg() instead of
 *    (sk, len) plus a receive queue to drain.
 *  - NETLINK_CB(skb).portid replaced NETLINK_CB(skb).pid.
 *  - netlink_broadcast() takes a group number, not a bitmask.
 *  - netlink_kernel_release() replaces sock_release(sk->sk_socket).
 *  - New kernel interfaces should use Generic Netlink rather than a unit.
 *
 * See README.md for the wire contract.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/skbuff.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "knetlink.h"

static struct sock *knl_sock;

/*
 * knl_copy returns a new skb holding exactly the bytes of @nlh (nlmsg_len of
 * them, no trailing alignment padding) with nlmsg_pid set to 0.
 *
 * Note: building the reply with nlmsg_put() + nlmsg_end() would not do: both
 * round the message up to NLMSG_ALIGNTO, so a 5-byte payload would come back
 * with nlmsg_len 24 instead of 21.
 */
static struct sk_buff *knl_copy(const struct nlmsghdr *nlh, gfp_t gfp)
{
	struct nlmsghdr *rep;
	struct sk_buff *skb;

	skb = alloc_skb(nlh->nlmsg_len, gfp);
	if (!skb)
		return NULL;
	rep = skb_put_data(skb, nlh, nlh->nlmsg_len);
	rep->nlmsg_pid = 0;
	return skb;
}

static void knl_echo(struct sk_buff *in_skb, struct nlmsghdr *nlh)
{
	u32 portid = NETLINK_CB(in_skb).portid;
	struct sk_buff *skb;
	int err;

	skb = knl_copy(nlh, GFP_KERNEL);
	if (!skb) {
		netlink_ack(in_skb, nlh, -ENOMEM, NULL);
		return;
	}
	/*
	 * MSG_DONTWAIT: we run inside the sender's sendmsg(); blocking on its
	 * own full receive queue would only stall it. On overrun the kernel
	 * marks the receiver with ENOBUFS, which is how the sender learns.
	 */
	err = netlink_unicast(knl_sock, skb, portid, MSG_DONTWAIT);
	if (err < 0)
		pr_debug("echo to portid %u failed: %d\n", portid, err);
}

static void knl_broadcast(struct sk_buff *in_skb, struct nlmsghdr *nlh)
{
	struct sk_buff *skb;
	int err;

	skb = knl_copy(nlh, GFP_KERNEL);
	if (!skb) {
		netlink_ack(in_skb, nlh, -ENOMEM, NULL);
		return;
	}
	/*
	 * The receivers' recvmsg() reports NETLINK_CB(skb).dst_group as the
	 * source nl_groups; netlink_broadcast() does not fill it in (the
	 * nlmsg_multicast() helper would), so a kernel sender must.
	 */
	NETLINK_CB(skb).dst_group = KNETLINK_GROUP;
	/* portid 0: deliver to every member of the group, sender included. */
	err = netlink_broadcast(knl_sock, skb, 0, KNETLINK_GROUP, GFP_KERNEL);
	if (err == -ESRCH)	/* nobody is listening: still a successful send */
		err = 0;
	if (err) {
		netlink_ack(in_skb, nlh, err, NULL);
		return;
	}
	/* Tell the sender it went out: echo it like any other message. */
	knl_echo(in_skb, nlh);
}

/* Called in the sender's context, once per sendmsg() to portid 0. */
static void knl_input(struct sk_buff *skb)
{
	struct nlmsghdr *nlh = nlmsg_hdr(skb);
	int rem = skb->len;

	for (; nlmsg_ok(nlh, rem); nlh = nlmsg_next(nlh, &rem)) {
		if (nlh->nlmsg_type == KNETLINK_MSG_BROADCAST)
			knl_broadcast(skb, nlh);
		else
			knl_echo(skb, nlh);
	}
}

/* ---- Generic Netlink ---------------------------------------------------- */

static const struct nla_policy knl_genl_policy[KNETLINK_A_MAX + 1] = {
	[KNETLINK_A_MSG] = { .type = NLA_BINARY },
};

static const struct genl_multicast_group knl_genl_mcgrps[] = {
	{ .name = KNETLINK_GENL_MCGRP },
};

static int knl_genl_echo(struct sk_buff *skb, struct genl_info *info);

/*
 * No .validate flags and resv_start_op left at 0: every op gets strict
 * attribute validation against the family policy. (On 6.1 an op that sets
 * .validate at or above resv_start_op makes genl_register_family() fail with
 * -EINVAL, and so insmod.)
 */
static const struct genl_small_ops knl_genl_ops[] = {
	{
		.cmd = KNETLINK_C_ECHO,
		.doit = knl_genl_echo,
	},
};

static struct genl_family knl_genl_family __ro_after_init = {
	.name = KNETLINK_GENL_NAME,
	.version = KNETLINK_GENL_VERSION,
	.maxattr = KNETLINK_A_MAX,
	.policy = knl_genl_policy,
	.netnsok = true,
	.module = THIS_MODULE,
	.small_ops = knl_genl_ops,
	.n_small_ops = ARRAY_SIZE(knl_genl_ops),
	.resv_start_op = 0,
	.mcgrps = knl_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(knl_genl_mcgrps),
};

static struct sk_buff *knl_genl_msg(const struct nlattr *msg, u32 portid,
				    u32 seq, void **hdr)
{
	struct sk_buff *skb;

	skb = genlmsg_new(nla_total_size(nla_len(msg)), GFP_KERNEL);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, portid, seq, &knl_genl_family, 0,
			   KNETLINK_C_ECHO);
	if (!*hdr || nla_put(skb, KNETLINK_A_MSG, nla_len(msg), nla_data(msg))) {
		nlmsg_free(skb);
		return NULL;
	}
	genlmsg_end(skb, *hdr);
	return skb;
}

static int knl_genl_echo(struct sk_buff *skb, struct genl_info *info)
{
	const struct nlattr *msg;
	struct sk_buff *rep, *ev;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, KNETLINK_A_MSG))
		return -EINVAL;
	msg = info->attrs[KNETLINK_A_MSG];

	rep = knl_genl_msg(msg, info->snd_portid, info->snd_seq, &hdr);
	if (!rep)
		return -ENOMEM;
	err = genlmsg_reply(rep, info);
	if (err)
		return err;

	/* Publish to "events" (group index 0 of this family); best effort. */
	ev = knl_genl_msg(msg, 0, 0, &hdr);
	if (ev)
		genlmsg_multicast_netns(&knl_genl_family, genl_info_net(info),
					ev, 0, 0, GFP_KERNEL);
	return 0;
}

/* ---- Module ------------------------------------------------------------- */

static int __init knl_init(void)
{
	struct netlink_kernel_cfg cfg = {
		.groups = KNETLINK_GROUPS,
		/* Let unprivileged sockets join group 1 (sending to it still
		 * needs CAP_NET_ADMIN).
		 */
		.flags = NL_CFG_F_NONROOT_RECV,
		.input = knl_input,
	};
	int err;

	knl_sock = netlink_kernel_create(&init_net, KNETLINK_UNIT, &cfg);
	if (!knl_sock) {
		pr_err("cannot create netlink unit %d (in use?)\n",
		       KNETLINK_UNIT);
		return -EBUSY;
	}

	err = genl_register_family(&knl_genl_family);
	if (err) {
		pr_err("cannot register genl family %s: %d\n",
		       KNETLINK_GENL_NAME, err);
		netlink_kernel_release(knl_sock);
		knl_sock = NULL;
		return err;
	}

	pr_info("unit %d and genl family %s ready\n", KNETLINK_UNIT,
		KNETLINK_GENL_NAME);
	return 0;
}

static void __exit knl_exit(void)
{
	genl_unregister_family(&knl_genl_family);
	netlink_kernel_release(knl_sock);
	pr_info("unloaded\n");
}

module_init(knl_init);
module_exit(knl_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("nlkit authors");
MODULE_DESCRIPTION("netlink unit 17 echo/broadcast and KNETLINK genl family");
/* Let socket(AF_NETLINK, SOCK_RAW, 17) and genl family lookup autoload us. */
MODULE_ALIAS_NET_PF_PROTO(PF_NETLINK, KNETLINK_UNIT);
MODULE_ALIAS_GENL_FAMILY(KNETLINK_GENL_NAME);
