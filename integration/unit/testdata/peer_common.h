/* What the two C peers share: the netlink-p2p example's payload (TEXT, then its CRC-32 (IEEE) big-endian) and
 * the argument parsing. Usage of a peer: PEER LOCAL REMOTE TYPE TEXT [crc]: binds portid LOCAL, sends TEXT as
 * one message of nlmsg_type TYPE to portid REMOTE (with the checksum when "crc" is given), then waits for one
 * message from REMOTE and prints "from PORTID type TYPE: TEXT", checking and stripping the checksum in crc mode. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc32_ieee(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & -(c & 1));
	}
	return ~c;
}

/* payload builds TEXT (and its checksum) into buf and returns its length. */
static size_t payload(char *buf, const char *text, int crc)
{
	size_t n = strlen(text);
	memcpy(buf, text, n);
	if (crc) {
		uint32_t c = crc32_ieee((const unsigned char *)text, n);
		unsigned char be[4] = { c >> 24, c >> 16, c >> 8, c };
		memcpy(buf + n, be, 4);
		n += 4;
	}
	return n;
}

/* show prints a received message; it returns 0, or 1 for a checksum that does not match. */
static int show(uint32_t from, unsigned type, const unsigned char *p, size_t n, int crc)
{
	if (crc) {
		if (n < 4)
			return printf("from %u type %u: no checksum\n", from, type), 1;
		n -= 4;
		uint32_t c = (uint32_t)p[n] << 24 | (uint32_t)p[n + 1] << 16 | (uint32_t)p[n + 2] << 8 | p[n + 3];
		if (c != crc32_ieee(p, n))
			return printf("from %u type %u: checksum mismatch\n", from, type), 1;
	}
	printf("from %u type %u: %.*s\n", from, type, (int)n, (const char *)p);
	return 0;
}
