/* A netlink-cs client written with plain AF_NETLINK sockets: nothing from nlkit. Usage: client PORTID TEXT */
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_USERSOCK);
	if (fd < 0) { perror("socket"); return 1; }
	struct sockaddr_nl local = { .nl_family = AF_NETLINK };
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) { perror("bind"); return 1; }
	size_t n = strlen(argv[2]);
	char buf[8192];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_len = NLMSG_LENGTH(n);
	nlh->nlmsg_type = NLMSG_MIN_TYPE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = 77;
	memcpy(NLMSG_DATA(nlh), argv[2], n);
	struct sockaddr_nl peer = { .nl_family = AF_NETLINK, .nl_pid = (unsigned)strtoul(argv[1], 0, 10) };
	struct iovec iov = { buf, nlh->nlmsg_len };
	struct msghdr msg = { .msg_name = &peer, .msg_namelen = sizeof(peer), .msg_iov = &iov, .msg_iovlen = 1 };
	if (sendmsg(fd, &msg, 0) < 0) { perror("sendmsg"); return 1; }
	struct sockaddr_nl from;
	iov.iov_len = sizeof(buf);
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	ssize_t got = recvmsg(fd, &msg, 0);
	if (got < 0) { perror("recvmsg"); return 1; }
	for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, got); nlh = NLMSG_NEXT(nlh, got)) {
		if (nlh->nlmsg_seq != 77) { fprintf(stderr, "bad seq %u\n", nlh->nlmsg_seq); return 1; }
		printf("reply from portid %u: %.*s\n", from.nl_pid, (int)NLMSG_PAYLOAD(nlh, 0), (char *)NLMSG_DATA(nlh));
	}
	return 0;
}
