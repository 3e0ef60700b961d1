#include "config.h"

#include "kvfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "bytebuf.h"
#include "errors.h"
#include "textfile.h"

static char *kvfile_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

/* Turns one line (NUL-terminated, trimmed in place) into *entry; a blank or
 * comment line leaves its section and key NULL. why gets the problem. */
static int kvfile_parse_line(char *line, unsigned flags, const char **section, struct kvfile_entry *entry,
                             char *why, size_t whylen)
{
	char *s = kvfile_trim(line), *eq;
	size_t len = strlen(s);

	if (*s == '\0' || *s == '#')
		return RC_OK;
	if ((flags & KVFILE_SECTIONS) && *s == '[') {
		if (s[len - 1] != ']') {
			snprintf(why, whylen, "expected '[name]'");
			return RC_ERR_FORMAT;
		}
		s[len - 1] = '\0';
		*section = kvfile_trim(s + 1);
		if (**section == '\0') {
			snprintf(why, whylen, "a section without a name");
			return RC_ERR_FORMAT;
		}
		entry->section = *section;
		return RC_OK;
	}
	if ((eq = strchr(s, '=')) == NULL) {
		snprintf(why, whylen, "expected 'name = value'");
		return RC_ERR_FORMAT;
	}
	*eq = '\0';
	entry->section = *section;
	entry->key = kvfile_trim(s);
	entry->value = kvfile_trim(eq + 1);
	if (*entry->key == '\0') {
		snprintf(why, whylen, "a value without a name");
		return RC_ERR_FORMAT;
	}
	return RC_OK;
}

static int kvfile_parse(struct kvfile *kv, size_t len, unsigned flags, char *why, size_t whylen, unsigned *lineno)
{
	struct kvfile_entry *entries = NULL, *grown;
	size_t count = 0, cap = 0;
	const char *section = NULL, *line;
	size_t pos = 0, line_len;
	int r = RC_OK;

	*lineno = 0;
	while (textfile_next_line(kv->text, len, &pos, &line, &line_len)) {
		struct kvfile_entry entry = { NULL, NULL, NULL, 0 };
		char *text = (char *)line;

		++*lineno;
		if (line_len >= KVFILE_MAX_LINE_BYTES) {
			snprintf(why, whylen, "line too long (at most %u bytes)", KVFILE_MAX_LINE_BYTES - 1);
			r = RC_ERR_FORMAT;
			break;
		}
		if (memchr(text, '\0', line_len) != NULL) {
			snprintf(why, whylen, "a NUL byte");
			r = RC_ERR_FORMAT;
			break;
		}
		/* The newline (or the text's final NUL) ends the line in place. */
		text[line_len] = '\0';
		if ((r = kvfile_parse_line(text, flags, &section, &entry, why, whylen)) != RC_OK)
			break;
		if (entry.section == NULL && entry.key == NULL)
			continue;
		entry.line = *lineno;
		if ((grown = array_grow(entries, &cap, count, sizeof *entries, 16)) == NULL) {
			snprintf(why, whylen, "out of memory");
			r = RC_ERR_NOMEM;
			break;
		}
		entries = grown;
		entries[count++] = entry;
	}
	if (r != RC_OK) {
		free(entries);
		return r;
	}
	kv->entries = entries;
	kv->count = count;
	return RC_OK;
}

int kvfile_load(const char *path, size_t max_bytes, unsigned flags, unsigned checks, struct kvfile *kv, char *err,
                size_t errlen)
{
	struct bytebuf buf;
	uint8_t *data;
	char why[256];
	size_t len;
	unsigned lineno;
	int r;

	memset(kv, 0, sizeof *kv);
	bytebuf_init(&buf, max_bytes);
	r = textfile_read_into(path, max_bytes, checks, &buf, err, errlen);
	if (r == RC_OK && (r = bytebuf_take(&buf, &data, &len)) != RC_OK)
		snprintf(err, errlen, "%s: %s", path, rc_strerror(r));
	bytebuf_free(&buf);
	if (r != RC_OK)
		return r;
	kv->text = (char *)data;
	if ((r = kvfile_parse(kv, len, flags, why, sizeof why, &lineno)) != RC_OK) {
		snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
		kvfile_free(kv);
	}
	return r;
}

void kvfile_free(struct kvfile *kv)
{
	if (kv == NULL)
		return;
	free(kv->text);
	free(kv->entries);
	memset(kv, 0, sizeof *kv);
}

int kvfile_yes_no(const char *key, const char *value, int *flag, char *why, size_t whylen)
{
	if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
		snprintf(why, whylen, "%s: want 'yes' or 'no', got '%s'", key, value);
		return RC_ERR_FORMAT;
	}
	*flag = strcmp(value, "yes") == 0;
	return RC_OK;
}
