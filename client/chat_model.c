#include "config.h"

#include "chat_model.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "errors.h"

int chat_flagged(enum chat_unreadable why)
{
	return why == CHAT_FORGED || why == CHAT_WRONG_RECIPIENT || why == CHAT_SUSPECT_V1 || why == CHAT_FOREIGN_SENDER;
}

void chat_model_init(struct chat_model *m)
{
	memset(m, 0, sizeof(*m));
}

static void chat_model_msg_free(struct chat_msg *msg)
{
	free(msg->sender);
	free(msg->created_at);
	free(msg->text);
	free(msg->error);
	memset(msg, 0, sizeof(*msg));
}

static void chat_model_contact_free(struct chat_contact *c)
{
	for (size_t i = 0; i < c->count; i++)
		chat_model_msg_free(&c->msgs[i]);
	free(c->msgs);
	free(c->login);
	free(c->last_seen);
	memset(c, 0, sizeof(*c));
}

void chat_model_free(struct chat_model *m)
{
	for (size_t i = 0; i < m->count; i++)
		chat_model_contact_free(&m->contacts[i]);
	free(m->contacts);
	free(m->me);
	chat_model_init(m);
}

/* Replaces *slot with a copy of s (NULL allowed). */
static int chat_model_set_string(char **slot, const char *s)
{
	char *copy = NULL;

	if (s != NULL && (copy = strdup(s)) == NULL)
		return RC_ERR_NOMEM;
	free(*slot);
	*slot = copy;
	return RC_OK;
}

int chat_model_set_me(struct chat_model *m, const char *login)
{
	int r = chat_model_set_string(&m->me, login);

	/* Own messages queued before the login was known get it now. */
	for (size_t i = 0; i < m->count && r == RC_OK && login != NULL; i++)
		for (size_t j = 0; j < m->contacts[i].count && r == RC_OK; j++)
			if (m->contacts[i].msgs[j].mine && m->contacts[i].msgs[j].sender[0] == '\0')
				r = chat_model_set_string(&m->contacts[i].msgs[j].sender, login);
	return r;
}

long chat_model_find(const struct chat_model *m, const char *login)
{
	for (size_t i = 0; i < m->count; i++)
		if (strcmp(m->contacts[i].login, login) == 0)
			return (long)i;
	return -1;
}

static int chat_model_add_contact(struct chat_model *m, const char *login, struct chat_contact **out)
{
	struct chat_contact *c;

	if ((c = array_grow(m->contacts, &m->cap, m->count, sizeof(*c), 8)) == NULL)
		return RC_ERR_NOMEM;
	m->contacts = c;
	c = &m->contacts[m->count];
	memset(c, 0, sizeof(*c));
	if ((c->login = strdup(login)) == NULL)
		return RC_ERR_NOMEM;
	m->count++;
	*out = c;
	return RC_OK;
}

int chat_model_set_contacts(struct chat_model *m, const char *const *logins, size_t n)
{
	int r;

	for (size_t i = 0; i < m->count; i++)
		m->contacts[i].listed = 0;
	for (size_t i = 0; i < n; i++) {
		long at = chat_model_find(m, logins[i]);
		struct chat_contact *c;
		if (at >= 0) {
			c = &m->contacts[at];
		} else if ((r = chat_model_add_contact(m, logins[i], &c)) != RC_OK) {
			return r;
		}
		c->listed = 1;
	}
	return RC_OK;
}

static int chat_model_is_newer(const char *created_at, const char *last_seen)
{
	return created_at != NULL && (last_seen == NULL || strcmp(created_at, last_seen) > 0);
}

static void chat_model_count_unread(struct chat_contact *c)
{
	c->unread = 0;
	for (size_t i = 0; i < c->count; i++)
		if (!c->msgs[i].mine && chat_model_is_newer(c->msgs[i].created_at, c->last_seen))
			c->unread++;
}

long chat_model_first_unread(const struct chat_contact *c, const char *seen)
{
	for (size_t i = 0; i < c->count; i++)
		if (!c->msgs[i].mine && chat_model_is_newer(c->msgs[i].created_at, seen))
			return (long)i;
	return -1;
}

static int chat_model_same_message(const struct chat_msg *msg, const struct chat_incoming *in)
{
	return msg->created_at != NULL && strcmp(msg->created_at, in->created_at) == 0 &&
	       strcmp(msg->sender, in->sender) == 0 && memcmp(msg->digest, in->digest, CHAT_DIGEST_BYTES) == 0;
}

/* A local own message still without its server copy, holding this text. */
static int chat_model_is_local_twin(const struct chat_msg *msg, const struct chat_incoming *in)
{
	return msg->created_at == NULL && msg->mine && msg->state != CHAT_MSG_FAILED && msg->text != NULL &&
	       in->text != NULL && strcmp(msg->text, in->text) == 0;
}

/* The verdict just made on a known message replaces the old one: when it
 * differs, except that a flagged message stays flagged (a later listing
 * may lack what made it suspect, e.g. a page without the v2 messages before
 * it). */
static int chat_model_takes_verdict(const struct chat_msg *msg, const struct chat_incoming *in)
{
	if (chat_flagged(msg->unreadable) && in->text != NULL)
		return 0;
	if (msg->text == NULL || in->text == NULL)
		return msg->text != in->text || msg->unreadable != in->unreadable;
	return strcmp(msg->text, in->text) != 0;
}

/* Index of an unused old message matching in (trying `hint` first, as
 * answers mostly repeat the known history in order), or -1. */
static long chat_model_find_old(const struct chat_contact *c, const unsigned char *used, size_t hint,
                                const struct chat_incoming *in, int local)
{
	if (hint < c->count && !used[hint] &&
	    (local ? chat_model_is_local_twin(&c->msgs[hint], in) : chat_model_same_message(&c->msgs[hint], in)))
		return (long)hint;
	for (size_t i = 0; i < c->count; i++)
		if (!used[i] && (local ? chat_model_is_local_twin(&c->msgs[i], in) : chat_model_same_message(&c->msgs[i], in)))
			return (long)i;
	return -1;
}

static int chat_model_msg_from_incoming(struct chat_msg *msg, const struct chat_incoming *in, int mine)
{
	memset(msg, 0, sizeof(*msg));
	msg->mine = mine;
	msg->state = mine ? CHAT_MSG_SENT : CHAT_MSG_RECEIVED;
	msg->unreadable = in->text != NULL ? CHAT_READABLE : in->unreadable;
	memcpy(msg->digest, in->digest, CHAT_DIGEST_BYTES);
	if (chat_model_set_string(&msg->sender, in->sender) != RC_OK || chat_model_set_string(&msg->created_at, in->created_at) != RC_OK ||
	    chat_model_set_string(&msg->text, in->text) != RC_OK) {
		chat_model_msg_free(msg);
		return RC_ERR_NOMEM;
	}
	return RC_OK;
}

/* Puts old server messages the answer no longer lists back by time. */
static void chat_model_insert_by_time(struct chat_msg *v, size_t *count, const struct chat_msg *msg)
{
	size_t at = *count;

	while (at > 0 && v[at - 1].created_at != NULL && strcmp(v[at - 1].created_at, msg->created_at) > 0)
		at--;
	memmove(v + at + 1, v + at, (*count - at) * sizeof(*v));
	v[at] = *msg;
	(*count)++;
}

/* How far back in one answer a repeated message is looked for. */
#define MERGE_DUPLICATE_WINDOW 64u

/* Does slot j of a merge in progress hold the message in? */
static int chat_model_slot_matches(const struct chat_contact *c, const struct chat_msg *v, const long *origin, size_t j,
                                   const struct chat_incoming *in)
{
	const struct chat_msg *old;

	if (origin[j] < 0)
		return chat_model_same_message(&v[j], in);
	old = &c->msgs[origin[j]];
	if (v[j].created_at == NULL)
		return chat_model_same_message(old, in);
	/* An adopted local message: its new identity waits in v[j]. */
	return strcmp(v[j].created_at, in->created_at) == 0 && strcmp(old->sender, in->sender) == 0 &&
	       memcmp(v[j].digest, in->digest, CHAT_DIGEST_BYTES) == 0;
}

int chat_model_merge_history(struct chat_model *m, const char *login, const struct chat_incoming *in, size_t n,
                             size_t *fresh)
{
	long at = chat_model_find(m, login);
	struct chat_contact *c;
	struct chat_msg *v = NULL;
	long *origin = NULL;   /* per slot of v: the old message it takes, or -1 for a new one */
	unsigned char *used = NULL;
	unsigned char *rejudged = NULL; /* per slot of v: an old message whose verdict changed */
	size_t count = 0, hint = 0, cap, new_from_contact = 0;
	int r = RC_OK;

	*fresh = 0;
	if (at < 0) {
		if ((r = chat_model_add_contact(m, login, &c)) != RC_OK)
			return r;
	} else {
		c = &m->contacts[at];
	}
	cap = c->count + n + 1;
	v = calloc(cap, sizeof(*v));
	origin = calloc(cap, sizeof(*origin));
	used = calloc(c->count + 1, 1);
	rejudged = calloc(cap, 1);
	if (v == NULL || origin == NULL || used == NULL || rejudged == NULL) {
		r = RC_ERR_NOMEM;
		goto out;
	}
	/* First everything that can fail, without touching c. */
	for (size_t i = 0; i < n; i++) {
		int mine = m->me != NULL && strcmp(in[i].sender, m->me) == 0;
		int duplicate = 0;
		long old;
		/* Repeats in one answer sit next to each other: look a short way back. */
		for (size_t j = count; j > 0 && count - j < MERGE_DUPLICATE_WINDOW && !duplicate; j--)
			duplicate = chat_model_slot_matches(c, v, origin, j - 1, &in[i]);
		if (duplicate)
			continue;
		if ((old = chat_model_find_old(c, used, hint, &in[i], 0)) < 0 && mine)
			old = chat_model_find_old(c, used, hint, &in[i], 1);
		origin[count] = old;
		if (old >= 0) {
			used[old] = 1;
			hint = (size_t)old + 1;
			/* A server message judged anew (e.g. its sender's key became
			 * known): the latest verdict and text replace the old ones. */
			if (c->msgs[old].created_at != NULL && chat_model_takes_verdict(&c->msgs[old], &in[i])) {
				v[count].unreadable = in[i].text != NULL ? CHAT_READABLE : in[i].unreadable;
				if (in[i].text != NULL && (v[count].text = strdup(in[i].text)) == NULL) {
					r = RC_ERR_NOMEM;
					goto out;
				}
				rejudged[count] = 1;
			}
			/* A local message adopts its server copy's identity (in phase two). */
			if (c->msgs[old].created_at == NULL) {
				if ((v[count].created_at = strdup(in[i].created_at)) == NULL) {
					r = RC_ERR_NOMEM;
					goto out;
				}
				memcpy(v[count].digest, in[i].digest, CHAT_DIGEST_BYTES);
			}
			count++;
			continue;
		}
		if ((r = chat_model_msg_from_incoming(&v[count], &in[i], mine)) != RC_OK)
			goto out;
		count++;
		if (!mine)
			new_from_contact++;
	}
	/* Then move the old messages over; nothing fails from here on. */
	for (size_t k = 0; k < count; k++) {
		struct chat_msg *msg;
		if (origin[k] < 0)
			continue;
		msg = &c->msgs[origin[k]];
		if (rejudged[k]) {
			free(msg->text);
			msg->text = v[k].text;
			msg->unreadable = v[k].unreadable;
		}
		if (v[k].created_at != NULL) {
			msg->created_at = v[k].created_at;
			memcpy(msg->digest, v[k].digest, CHAT_DIGEST_BYTES);
			msg->state = CHAT_MSG_SENT;
		}
		v[k] = *msg;
	}
	for (size_t i = 0; i < c->count; i++)
		if (!used[i] && c->msgs[i].created_at != NULL)
			chat_model_insert_by_time(v, &count, &c->msgs[i]);
	for (size_t i = 0; i < c->count; i++)
		if (!used[i] && c->msgs[i].created_at == NULL)
			v[count++] = c->msgs[i];
	free(c->msgs);
	c->msgs = v;
	c->count = count;
	c->cap = cap;
	c->loaded = 1;
	chat_model_count_unread(c);
	*fresh = new_from_contact;
	v = NULL;
out:
	if (v != NULL) {
		for (size_t k = 0; k < count; k++) {
			if (origin[k] < 0) {
				chat_model_msg_free(&v[k]);
			} else {
				free(v[k].created_at);
				free(v[k].text);
			}
		}
	}
	free(v);
	free(origin);
	free(used);
	free(rejudged);
	return r;
}

static int chat_model_push_msg(struct chat_contact *c, struct chat_msg *msg)
{
	struct chat_msg *v = array_grow(c->msgs, &c->cap, c->count, sizeof(*v), 16);

	if (v == NULL)
		return RC_ERR_NOMEM;
	c->msgs = v;
	c->msgs[c->count++] = *msg;
	return RC_OK;
}

int chat_model_outbox_add(struct chat_model *m, const char *login, const char *text, uint64_t *id)
{
	long at = chat_model_find(m, login);
	struct chat_msg msg;
	int r;

	*id = 0;
	/* A message restored from the outbox may come before the user list. */
	if (at < 0) {
		struct chat_contact *c;
		if ((r = chat_model_add_contact(m, login, &c)) != RC_OK)
			return r;
		at = (long)m->count - 1;
	}
	memset(&msg, 0, sizeof(msg));
	msg.mine = 1;
	msg.state = CHAT_MSG_QUEUED;
	msg.outbox_id = ++m->last_outbox_id;
	if ((r = chat_model_set_string(&msg.sender, m->me != NULL ? m->me : "")) != RC_OK ||
	    (r = chat_model_set_string(&msg.text, text)) != RC_OK || (r = chat_model_push_msg(&m->contacts[at], &msg)) != RC_OK) {
		chat_model_msg_free(&msg);
		return r;
	}
	*id = msg.outbox_id;
	return RC_OK;
}

int chat_model_outbox_done(struct chat_model *m, uint64_t id, const char *error)
{
	for (size_t i = 0; i < m->count; i++) {
		struct chat_contact *c = &m->contacts[i];
		for (size_t j = 0; j < c->count; j++) {
			struct chat_msg *msg = &c->msgs[j];
			if (msg->outbox_id != id)
				continue;
			if (error != NULL) {
				msg->state = CHAT_MSG_FAILED;
				return chat_model_set_string(&msg->error, error);
			}
			if (msg->state == CHAT_MSG_QUEUED)
				msg->state = CHAT_MSG_SENT;
			return RC_OK;
		}
	}
	return RC_ERR_NOTFOUND;
}

size_t chat_model_outbox_pending(const struct chat_model *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->count; i++)
		for (size_t j = 0; j < m->contacts[i].count; j++)
			n += m->contacts[i].msgs[j].state == CHAT_MSG_QUEUED;
	return n;
}

int chat_model_set_last_seen(struct chat_model *m, const char *login, const char *created_at)
{
	long at = chat_model_find(m, login);
	int r;

	if (at < 0)
		return RC_ERR_NOTFOUND;
	if ((r = chat_model_set_string(&m->contacts[at].last_seen, created_at)) != RC_OK)
		return r;
	chat_model_count_unread(&m->contacts[at]);
	return RC_OK;
}

int chat_model_mark_read(struct chat_model *m, const char *login, const char **newest)
{
	long at = chat_model_find(m, login);
	struct chat_contact *c;
	const char *latest = NULL;
	int r;

	*newest = NULL;
	if (at < 0)
		return RC_ERR_NOTFOUND;
	c = &m->contacts[at];
	for (size_t i = 0; i < c->count; i++)
		if (!c->msgs[i].mine && c->msgs[i].created_at != NULL && chat_model_is_newer(c->msgs[i].created_at, latest))
			latest = c->msgs[i].created_at;
	if (latest == NULL || !chat_model_is_newer(latest, c->last_seen))
		return RC_OK;
	if ((r = chat_model_set_string(&c->last_seen, latest)) != RC_OK)
		return r;
	c->unread = 0;
	*newest = c->last_seen;
	return RC_OK;
}

size_t chat_model_total_unread(const struct chat_model *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->count; i++)
		n += m->contacts[i].unread;
	return n;
}
