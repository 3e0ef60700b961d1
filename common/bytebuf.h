/* A growable byte buffer with a hard maximum size. Every operation checks
 * bounds and returns RC_OK or an rc_status; nothing is ever truncated. */
#ifndef RC_BYTEBUF_H
#define RC_BYTEBUF_H

#include <stddef.h>
#include <stdint.h>

struct bytebuf {
	uint8_t *data;  /* len bytes of content (NULL while empty and unallocated) */
	size_t len;
	size_t cap;
	size_t max;     /* appends that would exceed max fail with RC_ERR_TOO_LARGE */
	int wipe;       /* set by bytebuf_init_secret */
};

/* The max of a buffer bounded only by memory: what a program builds itself
 * (never what a peer sends, which always has a real bound). */
#define BYTEBUF_UNBOUNDED (SIZE_MAX / 2)

/* An empty buffer limited to max bytes. */
void bytebuf_init(struct bytebuf *b, size_t max);
/* The same for secrets (private keys, decrypted text): the contents are wiped
 * whenever memory is freed, reset or moved by growth. */
void bytebuf_init_secret(struct bytebuf *b, size_t max);
/* Makes room for extra more bytes without changing len. */
int bytebuf_reserve(struct bytebuf *b, size_t extra);
int bytebuf_append(struct bytebuf *b, const void *p, size_t n);
int bytebuf_append_str(struct bytebuf *b, const char *s);
int bytebuf_put_u8(struct bytebuf *b, uint8_t v);
int bytebuf_put_u32le(struct bytebuf *b, uint32_t v);
/* Drops the first n bytes (n <= len). */
void bytebuf_consume(struct bytebuf *b, size_t n);
/* Empties the buffer, keeping its memory. */
void bytebuf_reset(struct bytebuf *b);
/* Hands the contents to the caller (who frees them) and empties the buffer.
 * The data is NUL-terminated (not counted in *len), so text can be used as a string. */
int bytebuf_take(struct bytebuf *b, uint8_t **data, size_t *len);
/* Frees the memory (wiping it first when b->wipe). Safe on a zeroed buffer. */
void bytebuf_free(struct bytebuf *b);

uint32_t bytes_get_u32le(const uint8_t p[4]);

#endif
