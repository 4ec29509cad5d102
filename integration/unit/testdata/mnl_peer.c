/* A netlink-p2p peer on libmnl (see peer_common.h for its usage). The message it receives is not a reply to a
 * request of its own, so mnl_cb_run runs with seq 0 and portid 0 (no checks), as for events; the sender is
 * taken from the datagram's address, and messages from any other portid are skipped. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include "peer_common.h"

struct got {
	uint32_t from;
	int crc, status;
};

static int on_msg(const struct nlmsghdr *nlh, void *data)
{
	struct got *g = data;
	g->status = show(g->from, nlh->nlmsg_type, mnl_nlmsg_get_payload(nlh), mnl_nlmsg_get_payload_len(nlh), g->crc);
	return MNL_CB_STOP;
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6)
		return 2;
	uint32_t local = strtoul(argv[1], 0, 10), remote = strtoul(argv[2], 0, 10);
	struct got g = { .crc = argc == 6 && !strcmp(argv[5], "crc") };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_USERSOCK);
	if (!nl || mnl_socket_bind(nl, 0, local) < 0) { perror("mnl_socket"); return 1; }
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (uint16_t)strtoul(argv[3], 0, 0);
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 1;
	nlh->nlmsg_pid = local;
	char *p = mnl_nlmsg_put_extra_header(nlh, strlen(argv[4]) + 4);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + payload(p, argv[4], g.crc);
	struct sockaddr_nl peer = { .nl_family = AF_NETLINK, .nl_pid = remote };
	if (sendto(mnl_socket_get_fd(nl), nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&peer, sizeof(peer)) < 0) {
		perror("sendto");
		return 1;
	}
	for (;;) {
		struct sockaddr_nl from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(mnl_socket_get_fd(nl), buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0) { perror("recvfrom"); return 1; }
		if (from.nl_pid != remote)
			continue;
		g.from = from.nl_pid;
		if (mnl_cb_run(buf, n, 0, 0, on_msg, &g) < 0) {
			printf("error: %s\n", strerror(errno));
			return 1;
		}
		break;
	}
	mnl_socket_close(nl);
	return g.status;
}
