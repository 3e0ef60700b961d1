#include "config.h"

#include "server_config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "kvfile.h"
#include "textfile.h"
#include "protocol.h"
#include "store.h"

static int config_set_string(char **slot, const char *value)
{
	char *copy = strdup(value);

	if (!copy)
		return RC_ERR_NOMEM;
	free(*slot);
	*slot = copy;
	return RC_OK;
}

int config_init(struct server_config *cfg)
{
	const char *home = getenv("RSA_CHAT_HOME");
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	char key[PATH_MAX];

	memset(cfg, 0, sizeof *cfg);
	snprintf(key, sizeof key, "%s/server.key", home && *home ? home : CONFIG_DEFAULT_KEY_DIR);
	if (config_set_string(&cfg->listen, CONFIG_DEFAULT_LISTEN) != RC_OK ||
	    config_set_string(&cfg->port, PROTO_DEFAULT_PORT) != RC_OK ||
	    config_set_string(&cfg->key_path, key) != RC_OK) {
		config_free(cfg);
		return RC_ERR_NOMEM;
	}
	if (cores < 1)
		cores = 1;
	cfg->workers = (unsigned)(cores * 2 > CONFIG_MAX_WORKERS ? CONFIG_MAX_WORKERS : cores * 2);
	cfg->response_chunk_wide = 1;
	cfg->max_frame_bytes = PROTO_DEFAULT_MAX_FRAME_BYTES;
	cfg->max_blocks = PROTO_DEFAULT_MAX_BLOCKS;
	cfg->max_request_bytes = PROTO_DEFAULT_MAX_REQUEST_BYTES;
	cfg->max_connections = CONFIG_DEFAULT_MAX_CONNECTIONS;
	cfg->max_per_address = CONFIG_DEFAULT_MAX_PER_ADDRESS;
	cfg->max_output_bytes = CONFIG_DEFAULT_MAX_OUTPUT_BYTES;
	cfg->max_output_total_bytes = CONFIG_DEFAULT_MAX_OUTPUT_TOTAL_BYTES;
	cfg->write_timeout_ms = CONFIG_DEFAULT_WRITE_TIMEOUT_MS;
	cfg->handshake_timeout_ms = CONFIG_DEFAULT_HANDSHAKE_TIMEOUT_MS;
	cfg->idle_timeout_ms = CONFIG_DEFAULT_IDLE_TIMEOUT_MS;
	cfg->log_level = LOG_LEVEL_INFO;
	cfg->registrations_per_hour = CONFIG_DEFAULT_REGISTRATIONS_PER_HOUR;
	cfg->statement_timeout_ms = CONFIG_DEFAULT_STATEMENT_TIMEOUT_MS;
	return RC_OK;
}

void config_free(struct server_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->listen);
	free(cfg->port);
	free(cfg->key_path);
	free(cfg->database);
	free(cfg->allowed_keys_path);
	memset(cfg, 0, sizeof *cfg);
}

/* A decimal number in [min, max], nothing else. */
static int config_parse_number(const char *value, unsigned long long min, unsigned long long max,
                               unsigned long long *out)
{
	unsigned long long v;
	char *end;

	*out = 0;
	if (*value < '0' || *value > '9')
		return RC_ERR_FORMAT;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno || *end || v < min || v > max)
		return RC_ERR_FORMAT;
	*out = v;
	return RC_OK;
}

enum config_kind {
	CONFIG_STRING,
	CONFIG_NUMBER,
	CONFIG_PORT,   /* a number kept as text for getaddrinfo */
	CONFIG_CHUNK,
	CONFIG_LOG_LEVEL,
	CONFIG_YES_NO,  /* an int flag: "yes" or "no" */
};

struct config_entry {
	const char *name;
	enum config_kind kind;
	size_t offset;                /* of the field in struct server_config */
	size_t size;                  /* of a number field */
	unsigned long long min, max;  /* of a number */
};

#define FIELD(f) offsetof(struct server_config, f), sizeof(((struct server_config *)0)->f)

static const struct config_entry config_entries[] = {
	{ "listen", CONFIG_STRING, FIELD(listen), 0, 0 },
	{ "port", CONFIG_PORT, FIELD(port), 0, 65535 },
	{ "key", CONFIG_STRING, FIELD(key_path), 0, 0 },
	{ "database", CONFIG_STRING, FIELD(database), 0, 0 },
	{ "workers", CONFIG_NUMBER, FIELD(workers), 1, CONFIG_MAX_WORKERS },
	{ "response-chunk", CONFIG_CHUNK, FIELD(response_chunk_wide), 0, 0 },
	{ "max-frame", CONFIG_NUMBER, FIELD(max_frame_bytes), 16, UINT32_MAX },
	{ "max-blocks", CONFIG_NUMBER, FIELD(max_blocks), 1, UINT32_MAX },
	{ "max-request", CONFIG_NUMBER, FIELD(max_request_bytes), 16, SIZE_MAX / 4 },
	{ "max-connections", CONFIG_NUMBER, FIELD(max_connections), 1, 1000000 },
	{ "max-connections-per-address", CONFIG_NUMBER, FIELD(max_per_address), 1, 1000000 },
	{ "max-output", CONFIG_NUMBER, FIELD(max_output_bytes), 65536, SIZE_MAX / 4 },
	{ "max-output-total", CONFIG_NUMBER, FIELD(max_output_total_bytes), 65536, SIZE_MAX / 4 },
	{ "write-timeout", CONFIG_NUMBER, FIELD(write_timeout_ms), 1, INT_MAX },
	{ "handshake-timeout", CONFIG_NUMBER, FIELD(handshake_timeout_ms), 1, INT_MAX },
	{ "idle-timeout", CONFIG_NUMBER, FIELD(idle_timeout_ms), 1, INT_MAX },
	{ "log-level", CONFIG_LOG_LEVEL, FIELD(log_level), 0, 0 },
	{ "require-key-proof", CONFIG_YES_NO, FIELD(require_key_proof), 0, 0 },
	{ "registrations-per-hour", CONFIG_NUMBER, FIELD(registrations_per_hour), 0, 1000000 },
	{ "allowed-keys", CONFIG_STRING, FIELD(allowed_keys_path), 0, 0 },
	{ "statement-timeout", CONFIG_NUMBER, FIELD(statement_timeout_ms), 0, INT_MAX - STORE_TIMEOUT_GRACE_MS },
};

static void config_store_number(void *field, size_t size, unsigned long long v)
{
	if (size == sizeof(uint32_t)) {
		uint32_t x = (uint32_t)v;
		memcpy(field, &x, sizeof x);
	} else {
		uint64_t x = v;
		memcpy(field, &x, sizeof x);
	}
}

int config_set(struct server_config *cfg, const char *name, const char *value, char *err, size_t errlen)
{
	const struct config_entry *e = NULL;
	char *field;
	unsigned long long v;
	enum log_level level;

	for (size_t i = 0; i < sizeof config_entries / sizeof config_entries[0]; i++)
		if (strcmp(config_entries[i].name, name) == 0)
			e = &config_entries[i];
	if (!e) {
		snprintf(err, errlen, "unknown setting '%s'", name);
		return RC_ERR_NOTFOUND;
	}
	field = (char *)cfg + e->offset;
	switch (e->kind) {
	case CONFIG_STRING:
		return config_set_string((char **)(void *)field, value);
	case CONFIG_NUMBER:
	case CONFIG_PORT:
		if (config_parse_number(value, e->min, e->max, &v) != RC_OK) {
			snprintf(err, errlen, "%s: want a whole number from %llu to %llu, got '%s'", name,
			         e->min, e->max, value);
			return RC_ERR_FORMAT;
		}
		if (e->kind == CONFIG_PORT)
			return config_set_string((char **)(void *)field, value);
		config_store_number(field, e->size, v);
		return RC_OK;
	case CONFIG_CHUNK:
		if (strcmp(value, "wide") != 0 && strcmp(value, "original") != 0) {
			snprintf(err, errlen, "%s: want 'original' or 'wide', got '%s'", name, value);
			return RC_ERR_FORMAT;
		}
		cfg->response_chunk_wide = strcmp(value, "wide") == 0;
		return RC_OK;
	case CONFIG_LOG_LEVEL:
		if (log_level_parse(value, &level) != RC_OK) {
			snprintf(err, errlen, "%s: want error, warn, info or debug, got '%s'", name, value);
			return RC_ERR_FORMAT;
		}
		cfg->log_level = level;
		return RC_OK;
	case CONFIG_YES_NO:
		return kvfile_yes_no(name, value, (int *)(void *)field, err, errlen);
	}
	return RC_ERR_INVAL;
}

int config_load_file(struct server_config *cfg, const char *path, char *err, size_t errlen)
{
	struct kvfile kv;
	char why[256];
	int r;

	if ((r = kvfile_load(path, CONFIG_MAX_FILE_BYTES, KVFILE_FLAT, TEXTFILE_ANY, &kv, err, errlen)) != RC_OK)
		return r;
	for (size_t i = 0; i < kv.count; i++) {
		if ((r = config_set(cfg, kv.entries[i].key, kv.entries[i].value, why, sizeof why)) != RC_OK) {
			snprintf(err, errlen, "%s:%u: %s", path, kv.entries[i].line, why);
			break;
		}
	}
	kvfile_free(&kv);
	return r;
}
