#include "config.h"

#include "config_file.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "textfile.h"

#define CONFIG_FILE_POLL_MAX_S 3600
#define CONFIG_FILE_POLL_MIN_MS 100
#define CONFIG_FILE_DEFAULT_PROFILE "default-profile"

enum config_file_kind {
	CONFIG_FILE_TEXT,      /* a const char * pointing into the file */
	CONFIG_FILE_OPTIONAL,  /* the same, and empty unsets it */
	CONFIG_FILE_PORT,      /* text holding 1..65535 */
	CONFIG_FILE_PATH,      /* a char[PATHS_MAX], "~" expanded */
	CONFIG_FILE_YES_NO,    /* an int flag */
	CONFIG_FILE_SECONDS,   /* the poll interval in ms */
};

struct config_file_key {
	const char *name;
	enum config_file_kind kind;
	size_t offset;  /* in struct client_options */
};

static const struct config_file_key config_file_keys[] = {
	{ "host", CONFIG_FILE_TEXT, offsetof(struct client_options, host) },
	{ "port", CONFIG_FILE_PORT, offsetof(struct client_options, port) },
	{ "key", CONFIG_FILE_PATH, offsetof(struct client_options, key_path) },
	{ "login", CONFIG_FILE_OPTIONAL, offsetof(struct client_options, login) },
	{ "known-servers", CONFIG_FILE_PATH, offsetof(struct client_options, known_servers) },
	{ "notify-cmd", CONFIG_FILE_OPTIONAL, offsetof(struct client_options, notify_cmd) },
	{ "bell", CONFIG_FILE_YES_NO, offsetof(struct client_options, bell) },
	{ "poll-interval", CONFIG_FILE_SECONDS, offsetof(struct client_options, poll_interval_ms) },
	{ "self-copy", CONFIG_FILE_YES_NO, offsetof(struct client_options, self_copy) },
};

#define CONFIG_FILE_NKEYS (sizeof(config_file_keys) / sizeof(config_file_keys[0]))

int config_file_poll_ms(const char *seconds, int *ms)
{
	char *end;
	double v = strtod(seconds, &end);

	if (end == seconds || *end != '\0' || !(v > 0) || v > CONFIG_FILE_POLL_MAX_S)
		return RC_ERR_FORMAT;
	*ms = v * 1000 < CONFIG_FILE_POLL_MIN_MS ? CONFIG_FILE_POLL_MIN_MS : (int)(v * 1000);
	return RC_OK;
}

static int config_file_port_ok(const char *s)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return 0;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 1 && v <= 65535;
}

/* Sets the field of one `key = value` line in o; why gets the problem. */
static int config_file_set(struct client_options *o, const char *key, const char *value, char *why, size_t whylen)
{
	const struct config_file_key *k = NULL;
	char *field;

	for (size_t i = 0; i < CONFIG_FILE_NKEYS; i++)
		if (strcmp(config_file_keys[i].name, key) == 0)
			k = &config_file_keys[i];
	if (k == NULL) {
		int n = snprintf(why, whylen, "unknown key '%s' (the keys: %s", key, CONFIG_FILE_DEFAULT_PROFILE);
		for (size_t i = 0; i < CONFIG_FILE_NKEYS && n >= 0 && (size_t)n < whylen; i++)
			n += snprintf(why + n, whylen - (size_t)n, ", %s", config_file_keys[i].name);
		if (n >= 0 && (size_t)n < whylen)
			snprintf(why + n, whylen - (size_t)n, ")");
		return RC_ERR_FORMAT;
	}
	field = (char *)o + k->offset;
	switch (k->kind) {
	case CONFIG_FILE_TEXT:
	case CONFIG_FILE_OPTIONAL:
		if (*value == '\0' && k->kind == CONFIG_FILE_TEXT) {
			snprintf(why, whylen, "%s: wants a value", key);
			return RC_ERR_FORMAT;
		}
		*(const char **)(void *)field = *value != '\0' ? value : NULL;
		return RC_OK;
	case CONFIG_FILE_PORT:
		if (!config_file_port_ok(value)) {
			snprintf(why, whylen, "%s: want a port from 1 to 65535, got '%s'", key, value);
			return RC_ERR_FORMAT;
		}
		*(const char **)(void *)field = value;
		return RC_OK;
	case CONFIG_FILE_PATH:
		if (*value == '\0' || paths_expand_home(field, PATHS_MAX, value) != RC_OK) {
			snprintf(why, whylen, "%s: want a path (at most %d bytes; '~' needs HOME), got '%s'", key,
			         PATHS_MAX - 1, value);
			return RC_ERR_FORMAT;
		}
		return RC_OK;
	case CONFIG_FILE_YES_NO:
		return kvfile_yes_no(key, value, (int *)(void *)field, why, whylen);
	case CONFIG_FILE_SECONDS:
		if (config_file_poll_ms(value, (int *)(void *)field) != RC_OK) {
			snprintf(why, whylen, "%s: want seconds between 0 and %d, got '%s'", key, CONFIG_FILE_POLL_MAX_S,
			         value);
			return RC_ERR_FORMAT;
		}
		return RC_OK;
	}
	return RC_ERR_INVAL;
}

/* The NAME of a `[profile NAME]` header, or NULL. */
static const char *config_file_profile_name(const char *section)
{
	static const char prefix[] = "profile";
	const char *name;

	if (strncmp(section, prefix, sizeof(prefix) - 1) != 0)
		return NULL;
	name = section + sizeof(prefix) - 1;
	if (*name != ' ' && *name != '\t')
		return NULL;
	name += strspn(name, " \t");
	if (*name == '\0' || name[strcspn(name, " \t")] != '\0')
		return NULL;
	return name;
}

/* The header of profile name, or NULL. */
static const struct kvfile_entry *config_file_find_profile(const struct config_file *cf, const char *name)
{
	for (size_t i = 0; i < cf->kv.count; i++) {
		const struct kvfile_entry *e = &cf->kv.entries[i];
		const char *each = e->key == NULL ? config_file_profile_name(e->section) : NULL;
		if (each != NULL && strcmp(each, name) == 0)
			return e;
	}
	return NULL;
}

/* why gets "the profiles: a, b" or that there are none. */
static void config_file_known_profiles(const struct config_file *cf, char *why, size_t whylen)
{
	int n = snprintf(why, whylen, "the profiles:");
	int none = 1;

	for (size_t i = 0; i < cf->kv.count && n >= 0 && (size_t)n < whylen; i++) {
		if (cf->kv.entries[i].key != NULL)
			continue;
		n += snprintf(why + n, whylen - (size_t)n, "%s %s", none ? "" : ",",
		              config_file_profile_name(cf->kv.entries[i].section));
		none = 0;
	}
	if (none)
		snprintf(why, whylen, "%s has no [profile NAME] sections", cf->kv.count > 0 ? "it" : "there is no file, so it");
}

/* Every line makes sense, whichever profile is chosen later. */
static int config_file_check(struct config_file *cf, char *err, size_t errlen)
{
	struct client_options scratch;
	const struct kvfile_entry *default_line = NULL;
	char why[512];

	memset(&scratch, 0, sizeof(scratch));
	for (size_t i = 0; i < cf->kv.count; i++) {
		const struct kvfile_entry *e = &cf->kv.entries[i];
		const char *name;
		if (e->key == NULL) {
			const struct kvfile_entry *first;
			if ((name = config_file_profile_name(e->section)) == NULL) {
				snprintf(err, errlen, "%s:%u: unknown section '[%s]'; want '[profile NAME]'", cf->path, e->line,
				         e->section);
				return RC_ERR_FORMAT;
			}
			if ((first = config_file_find_profile(cf, name)) != e) {
				snprintf(err, errlen, "%s:%u: profile '%s' again (first at line %u)", cf->path, e->line, name,
				         first->line);
				return RC_ERR_FORMAT;
			}
		} else if (strcmp(e->key, CONFIG_FILE_DEFAULT_PROFILE) == 0) {
			if (e->section != NULL) {
				snprintf(err, errlen, "%s:%u: %s belongs at the top of the file, before any profile", cf->path,
				         e->line, e->key);
				return RC_ERR_FORMAT;
			}
			default_line = e;
		} else if (config_file_set(&scratch, e->key, e->value, why, sizeof(why)) != RC_OK) {
			snprintf(err, errlen, "%s:%u: %s", cf->path, e->line, why);
			return RC_ERR_FORMAT;
		}
	}
	if (default_line != NULL) {
		if (config_file_find_profile(cf, default_line->value) == NULL) {
			config_file_known_profiles(cf, why, sizeof(why));
			snprintf(err, errlen, "%s:%u: %s: no profile '%s'; %s", cf->path, default_line->line,
			         default_line->key, default_line->value, why);
			return RC_ERR_FORMAT;
		}
		cf->default_profile = default_line->value;
	}
	return RC_OK;
}

int config_file_load(struct config_file *cf, const char *path, char *err, size_t errlen)
{
	int r;

	memset(cf, 0, sizeof(*cf));
	if (path == NULL) {
		r = paths_config_file(cf->path, sizeof(cf->path));
		/* Without HOME there is no default file, as when it is missing. */
		if (r == RC_ERR_NOTFOUND) {
			snprintf(cf->path, sizeof(cf->path), "~/.config/rsa-chat/%s (HOME is not set)", PATHS_CONFIG_NAME);
			return RC_OK;
		}
		if (r != RC_OK) {
			snprintf(err, errlen, "cannot find the settings file: %s", rc_strerror(r));
			return r;
		}
	} else if (strlen(path) >= sizeof(cf->path)) {
		snprintf(err, errlen, "config path too long: %s", path);
		return RC_ERR_TOO_LARGE;
	} else {
		strcpy(cf->path, path);
	}
	/* notify-cmd runs commands: a file others may change would run theirs. */
	r = kvfile_load(cf->path, CONFIG_FILE_MAX_BYTES, KVFILE_SECTIONS, TEXTFILE_OWNER_WRITES, &cf->kv, err, errlen);
	if (r == RC_ERR_NOTFOUND && path == NULL)
		return RC_OK;
	if (r == RC_OK && (r = config_file_check(cf, err, errlen)) != RC_OK)
		config_file_free(cf);
	return r;
}

int config_file_apply(const struct config_file *cf, const char *profile, struct client_options *o, char *err,
                      size_t errlen)
{
	const struct kvfile_entry *header = NULL;
	char why[512];

	if (profile == NULL)
		profile = cf->default_profile;
	if (profile != NULL && (header = config_file_find_profile(cf, profile)) == NULL) {
		config_file_known_profiles(cf, why, sizeof(why));
		snprintf(err, errlen, "%s: no profile '%s'; %s", cf->path, profile, why);
		return RC_ERR_NOTFOUND;
	}
	/* Checked at load: setting cannot fail here. */
	for (size_t i = 0; i < cf->kv.count; i++) {
		const struct kvfile_entry *e = &cf->kv.entries[i];
		if (e->section == NULL && strcmp(e->key, CONFIG_FILE_DEFAULT_PROFILE) != 0)
			config_file_set(o, e->key, e->value, why, sizeof(why));
	}
	for (size_t i = 0; header != NULL && i < cf->kv.count; i++) {
		const struct kvfile_entry *e = &cf->kv.entries[i];
		if (e->key != NULL && e->section == header->section)
			config_file_set(o, e->key, e->value, why, sizeof(why));
	}
	return RC_OK;
}

int config_file_list_profiles(const struct config_file *cf, const struct client_options *o, FILE *out,
                              size_t *listed)
{
	char err[1024];

	*listed = 0;
	for (size_t i = 0; i < cf->kv.count; i++) {
		const char *name;
		struct client_options each;
		if (cf->kv.entries[i].key != NULL)
			continue;
		name = config_file_profile_name(cf->kv.entries[i].section);
		each = *o;
		if (config_file_apply(cf, name, &each, err, sizeof(err)) != RC_OK)
			return RC_ERR_INVAL;
		if (fprintf(out, "%s\t%s:%s\t%s%s\n", name, each.host, each.port, each.key_path[0] ? each.key_path : "-",
		            cf->default_profile != NULL && strcmp(cf->default_profile, name) == 0 ? "\t(default)" : "") < 0)
			return RC_ERR_IO;
		++*listed;
	}
	return RC_OK;
}

void config_file_free(struct config_file *cf)
{
	if (cf == NULL)
		return;
	kvfile_free(&cf->kv);
	cf->default_profile = NULL;
}
