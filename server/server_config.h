/* The server's settings: defaults, `key = value` config files and command
 * line options share one table of names (the long option names). */
#ifndef RC_SERVER_SERVER_CONFIG_H
#define RC_SERVER_SERVER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "kvfile.h"
#include "log.h"

#define CONFIG_DEFAULT_PATH RC_SYSCONFDIR "/rsa-chat/server.conf"
#define CONFIG_DEFAULT_KEY_DIR "/var/lib/rsa-chat"
#define CONFIG_DEFAULT_LISTEN "127.0.0.1"
#define CONFIG_DEFAULT_HANDSHAKE_TIMEOUT_MS 10000
#define CONFIG_DEFAULT_IDLE_TIMEOUT_MS 300000
#define CONFIG_DEFAULT_MAX_CONNECTIONS 1000u
#define CONFIG_DEFAULT_MAX_PER_ADDRESS 64u
#define CONFIG_DEFAULT_MAX_OUTPUT_BYTES (64u * 1024u * 1024u)
#define CONFIG_DEFAULT_MAX_OUTPUT_TOTAL_BYTES (96u * 1024u * 1024u)
#define CONFIG_DEFAULT_WRITE_TIMEOUT_MS 30000
#define CONFIG_MAX_WORKERS 256u
#define CONFIG_MAX_LINE_BYTES KVFILE_MAX_LINE_BYTES
#define CONFIG_MAX_FILE_BYTES (1024u * 1024u)
#define CONFIG_DEFAULT_REGISTRATIONS_PER_HOUR 20u
#define CONFIG_DEFAULT_STATEMENT_TIMEOUT_MS 5000

struct server_config {
	char *listen;                 /* address to bind */
	char *port;                   /* decimal port, "0" picks a free one */
	char *key_path;               /* server private key file */
	char *database;               /* libpq conninfo; NULL: $DATABASE_URL or PG* */
	unsigned workers;             /* worker threads (each with its own DB connection) */
	int response_chunk_wide;      /* 1: len(n)-1 chunks, 0: the original's */
	uint32_t max_frame_bytes;     /* one bytes frame of a request */
	uint32_t max_blocks;          /* blocks in one request */
	size_t max_request_bytes;     /* sum of one request's blocks */
	unsigned max_connections;     /* beyond: accepted and closed at once */
	unsigned max_per_address;     /* the same, from one client address */
	size_t max_output_bytes;      /* one response */
	size_t max_output_total_bytes; /* every unsent response together */
	int write_timeout_ms;         /* a client that takes no bytes of its response for this long is dropped */
	int handshake_timeout_ms;     /* from accept to a complete client key */
	int idle_timeout_ms;          /* between requests, and inside a stalled frame */
	int require_key_proof;        /* user commands only after a key proof (dispatch.c) */
	unsigned registrations_per_hour; /* per source address; 0: no limit */
	char *allowed_keys_path;      /* keys that may register; NULL: anyone */
	int statement_timeout_ms;     /* of each database statement; 0: none */
	enum log_level log_level;
};

/* Fills cfg with the defaults (key path from $RSA_CHAT_HOME). */
int config_init(struct server_config *cfg);
void config_free(struct server_config *cfg);
/* Sets one setting by its long option name; err gets the reason on failure
 * (RC_ERR_NOTFOUND for an unknown name, RC_ERR_FORMAT for a bad value). */
int config_set(struct server_config *cfg, const char *name, const char *value, char *err, size_t errlen);
/* Applies a `key = value` file ('#' comments, blank lines); err names the
 * line of the first problem. RC_ERR_NOTFOUND when the file does not exist. */
int config_load_file(struct server_config *cfg, const char *path, char *err, size_t errlen);

#endif
