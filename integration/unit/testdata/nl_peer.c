/* A netlink-p2p peer on libnl-3 (see peer_common.h for its usage): a fixed local port, the remote as the
 * socket's peer port, no automatic NLM_F_ACK and no sequence check (the answer is not a reply to a request of
 * its own); the sender is the datagram's address (nlmsg_get_src), and messages from any other portid are skipped. */
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include "peer_common.h"

struct got {
	uint32_t remote;
	int crc, status, done;
};

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct got *g = arg;
	uint32_t from = nlmsg_get_src(msg)->nl_pid;
	if (from != g->remote)
		return NL_SKIP;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	g->status = show(from, nlh->nlmsg_type, nlmsg_data(nlh), nlmsg_datalen(nlh), g->crc);
	g->done = 1;
	return NL_STOP;
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6)
		return 2;
	struct got g = { .remote = strtoul(argv[2], 0, 10), .crc = argc == 6 && !strcmp(argv[5], "crc") };
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk)
		return 1;
	nl_socket_set_local_port(sk, strtoul(argv[1], 0, 10));
	int err = nl_connect(sk, NETLINK_USERSOCK);
	if (err < 0) { printf("error: %s\n", nl_geterror(err)); return 1; }
	nl_socket_set_peer_port(sk, g.remote);
	nl_socket_disable_auto_ack(sk);
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, &g);
	char buf[4096];
	size_t n = payload(buf, argv[4], g.crc);
	/* nl_send_simple pads the payload to 4 bytes inside nlmsg_len; appended without padding, the message
	 * carries exactly the payload (the checksum must be its last 4 bytes). */
	struct nl_msg *msg = nlmsg_alloc_simple((int)strtoul(argv[3], 0, 0), 0);
	if (!msg || nlmsg_append(msg, buf, n, 0) < 0)
		return 1;
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	while (err >= 0 && !g.done)
		err = nl_recvmsgs_default(sk);
	if (err < 0) {
		printf("error: %s\n", nl_geterror(err));
		return 1;
	}
	nl_socket_free(sk);
	return g.status;
}
