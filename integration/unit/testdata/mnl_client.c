/* A netlink-cs client on libmnl: sends TEXT with NLM_F_REQUEST|NLM_F_ACK to PORTID, reads the answers with
 * mnl_cb_run (which checks nlmsg_seq and nlmsg_pid against its own portid, as for the kernel), prints
 * "reply: TEXT" and "ack", or "error: STRERROR" and exits 1. Usage: mnl_client PORTID TEXT */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static int on_reply(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	printf("reply: %.*s\n", (int)mnl_nlmsg_get_payload_len(nlh), (const char *)mnl_nlmsg_get_payload(nlh));
	return MNL_CB_OK;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_USERSOCK);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) { perror("mnl_socket"); return 1; }
	unsigned portid = mnl_socket_get_portid(nl);
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_MIN_TYPE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	unsigned seq = nlh->nlmsg_seq = (unsigned)time(NULL);
	size_t n = strlen(argv[2]);
	memcpy(mnl_nlmsg_put_extra_header(nlh, n), argv[2], n);
	/* mnl_socket_sendto addresses the kernel; the server is a user socket. */
	struct sockaddr_nl peer = { .nl_family = AF_NETLINK, .nl_pid = (unsigned)strtoul(argv[1], 0, 10) };
	if (sendto(mnl_socket_get_fd(nl), nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&peer, sizeof(peer)) < 0) {
		perror("sendto");
		return 1;
	}
	int ret;
	do {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret <= 0)
			break;
		ret = mnl_cb_run(buf, ret, seq, portid, on_reply, NULL);
	} while (ret > MNL_CB_STOP);
	if (ret < 0) {
		printf("error: %s\n", strerror(errno));
		return 1;
	}
	printf("ack\n");
	mnl_socket_close(nl);
	return 0;
}
