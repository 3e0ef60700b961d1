#include "config.h"

#include "testnet.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bigint.h"
#include "errors.h"

int testnet_listen_loopback(int backlog, unsigned *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	*port = 0;
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, backlog) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

int testnet_send_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int testnet_read_frame(int fd, enum frame_kind kind, const struct frame_limits *limits, struct blocklist *out)
{
	struct frame_reader r;
	int rc = FRAME_NEED_MORE;

	blocklist_init(out);
	frame_reader_init(&r, kind, limits);
	while (rc == FRAME_NEED_MORE) {
		uint8_t byte;
		size_t used;

		if (recv(fd, &byte, 1, 0) != 1) {
			rc = RC_ERR_EOF;
			break;
		}
		rc = frame_reader_feed(&r, &byte, 1, &used);
	}
	if (rc == FRAME_DONE)
		rc = frame_reader_take(&r, out);
	frame_reader_free(&r);
	return rc;
}

int testnet_frame_number(struct bytebuf *out, const mpz_t v)
{
	struct bytebuf b;
	int rc;

	bytebuf_init(&b, BYTEBUF_UNBOUNDED);
	if ((rc = bigint_append(&b, v)) == RC_OK)
		rc = frame_write_bytes(out, b.data, b.len);
	bytebuf_free(&b);
	return rc;
}
