#include "config.h"

#include "stresslib.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "bigint.h"
#include "errors.h"
#include "frame.h"

const char *stress_prog = "stress";

void stress_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", stress_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

int stress_send_all(int fd, const void *p, size_t n)
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

void stress_frame_number(struct bytebuf *out, const mpz_t v)
{
	struct bytebuf b;

	bytebuf_init(&b, 0);
	if (bigint_append(&b, v) != RC_OK || frame_write_bytes(out, b.data, b.len) != RC_OK)
		stress_die("out of memory");
	bytebuf_free(&b);
}
