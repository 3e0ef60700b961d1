/* Framing (protocol section 1): bytes frames (u32le length + bytes) and blocks
 * frames (u32le count + that many bytes frames). The reader is incremental:
 * it accepts input split anywhere, even one byte at a time, and checks every
 * announced length and count against its limits before allocating. */
#ifndef RC_FRAME_H
#define RC_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include "blocklist.h"
#include "bytebuf.h"

struct frame_limits {
	uint32_t max_frame_bytes; /* one bytes frame's length (each block of a blocks frame too) */
	uint32_t max_blocks;      /* block count of one blocks frame */
	size_t max_total_bytes;   /* sum of one blocks frame's block lengths; 0: no limit
	                           * beyond the other two (unused for bytes frames) */
};

enum frame_kind {
	FRAME_KIND_BYTES,   /* result: exactly one block */
	FRAME_KIND_BLOCKS,  /* result: count blocks */
};

/* frame_reader_feed's positive results; errors are negative rc_status values
 * (RC_ERR_TOO_LARGE when a limit is exceeded, RC_ERR_NOMEM). */
enum frame_feed_result {
	FRAME_DONE = 0,      /* a whole frame is ready: frame_reader_take it */
	FRAME_NEED_MORE = 1, /* all input consumed, frame incomplete */
};

enum frame_reader_state {
	FRAME_STATE_COUNT,     /* reading the 4-byte block count (blocks frames) */
	FRAME_STATE_LENGTH,    /* reading a 4-byte length */
	FRAME_STATE_PAYLOAD,   /* reading the current block's bytes */
	FRAME_STATE_DONE,      /* a frame is complete and waits to be taken */
};

struct frame_reader {
	enum frame_kind kind;
	enum frame_reader_state state;
	struct frame_limits limits;
	uint8_t header[4];
	size_t header_have;
	uint32_t block_count;    /* announced count (1 for a bytes frame) */
	uint8_t *payload;        /* current block being filled */
	uint32_t payload_len;
	uint32_t payload_have;
	size_t total;            /* payload bytes accepted so far in this frame */
	size_t buffered;         /* bytes of this frame consumed so far, headers included */
	struct blocklist blocks; /* completed blocks of this frame */
};

/* Prepares r to read one frame of the given kind. */
void frame_reader_init(struct frame_reader *r, enum frame_kind kind, const struct frame_limits *limits);
/* Consumes input; *used tells how many bytes of p were taken (input after a
 * complete frame is left for the next frame). Returns FRAME_DONE, FRAME_NEED_MORE
 * or a negative rc_status; after an error the reader must be reset or freed. */
int frame_reader_feed(struct frame_reader *r, const uint8_t *p, size_t n, size_t *used);
/* Moves the completed frame's blocks into out (which the caller frees) and
 * re-arms the reader for the next frame of the same kind. */
int frame_reader_take(struct frame_reader *r, struct blocklist *out);
/* Re-arms the reader for a frame of the given kind, dropping any partial frame. */
void frame_reader_reset(struct frame_reader *r, enum frame_kind kind);
/* True when part of a frame has been consumed but the frame is not complete. */
int frame_reader_in_frame(const struct frame_reader *r);
void frame_reader_free(struct frame_reader *r);

/* Appends a bytes frame / a blocks frame to out. */
int frame_write_bytes(struct bytebuf *out, const uint8_t *p, size_t n);
int frame_write_blocks(struct bytebuf *out, const struct blocklist *blocks);

#endif
