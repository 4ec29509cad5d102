/* A netlink-cs client on libnl-3: nl_send_simple (which sets NLM_F_REQUEST and NLM_F_ACK) to PORTID, then
 * nl_recvmsgs_default until the ack callback runs, as nl_wait_for_ack does; prints "reply: TEXT" from the
 * valid-message callback and "ack" from the ack callback, or "error: TEXT" and exits 1.
 * Usage: nl_client PORTID TEXT */
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int on_reply(struct nl_msg *msg, void *arg)
{
	(void)arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	printf("reply: %.*s\n", nlmsg_datalen(nlh), (const char *)nlmsg_data(nlh));
	return NL_OK;
}

static int acked;

static int on_ack(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	acked = 1;
	printf("ack\n");
	return NL_STOP;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk)
		return 1;
	int err = nl_connect(sk, NETLINK_USERSOCK);
	if (err < 0) { printf("error: %s\n", nl_geterror(err)); return 1; }
	nl_socket_set_peer_port(sk, (uint32_t)strtoul(argv[1], 0, 10));
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_reply, NULL);
	nl_socket_modify_cb(sk, NL_CB_ACK, NL_CB_CUSTOM, on_ack, NULL);
	err = nl_send_simple(sk, NLMSG_MIN_TYPE, 0, argv[2], strlen(argv[2]));
	while (err >= 0 && !acked)
		err = nl_recvmsgs_default(sk);
	if (err < 0) {
		printf("error: %s\n", nl_geterror(err));
		return 1;
	}
	nl_socket_free(sk);
	return 0;
}
