/* chat_model: history merge without duplicates, order, unread counts and the outbox. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "client/chat_model.h"
#include "errors.h"

static unsigned char digests[8][CHAT_DIGEST_BYTES];

static const unsigned char *digest(int i)
{
	memset(digests[i], 'a' + i, CHAT_DIGEST_BYTES);
	return digests[i];
}

static struct chat_incoming msg(const char *sender, const char *at, int d, const char *text)
{
	struct chat_incoming in = { sender, at, digest(d), text, text != NULL ? CHAT_READABLE : CHAT_UNREADABLE_KEY };
	return in;
}

static void setup_model(struct chat_model *m)
{
	const char *logins[] = { "bob", "carol" };

	chat_model_init(m);
	assert_int_equal(chat_model_set_me(m, "alice"), 0);
	assert_int_equal(chat_model_set_contacts(m, logins, 2), 0);
}

static struct chat_contact *contact(struct chat_model *m, const char *login)
{
	long at = chat_model_find(m, login);
	assert_true(at >= 0);
	return &m->contacts[at];
}

static void test_merge_dedup(void **state)
{
	struct chat_model m;
	struct chat_incoming h[3];
	size_t fresh;

	(void)state;
	setup_model(&m);
	h[0] = msg("bob", "2026-11-24T10:00:00.000001", 0, "hello");
	h[1] = msg("alice", "2026-11-24T10:00:01.000001", 1, "hi bob");
	h[2] = msg("bob", "2026-11-24T10:00:02.000001", 2, "how are you");
	assert_int_equal(chat_model_merge_history(&m, "bob", h, 3, &fresh), 0);
	assert_int_equal(fresh, 2);
	assert_int_equal(contact(&m, "bob")->count, 3);
	/* The same answer again adds nothing. */
	assert_int_equal(chat_model_merge_history(&m, "bob", h, 3, &fresh), 0);
	assert_int_equal(fresh, 0);
	assert_int_equal(contact(&m, "bob")->count, 3);
	/* A repeat inside one answer is dropped; equal text with another digest is not. */
	h[1] = h[0];
	h[2] = msg("bob", "2026-11-24T10:00:00.000001", 3, "hello");
	assert_int_equal(chat_model_merge_history(&m, "carol", h, 3, &fresh), 0);
	assert_int_equal(contact(&m, "carol")->count, 2);
	assert_int_equal(fresh, 2);
	chat_model_free(&m);
}

/* A known message takes a new verdict (its sender's key became known), but
 * a flagged one is never shown as text again. */
static void test_merge_rejudged(void **state)
{
	struct chat_model m;
	struct chat_incoming h[2];
	struct chat_contact *c;
	size_t fresh;

	(void)state;
	setup_model(&m);
	h[0] = msg("bob", "2026-11-24T10:00:00.000001", 0, NULL);
	h[0].unreadable = CHAT_UNCHECKED;
	h[1] = msg("bob", "2026-11-24T10:00:01.000001", 1, NULL);
	h[1].unreadable = CHAT_SUSPECT_V1;
	assert_int_equal(chat_model_merge_history(&m, "bob", h, 2, &fresh), 0);
	h[0] = msg("bob", "2026-11-24T10:00:00.000001", 0, "signed");
	h[1] = msg("bob", "2026-11-24T10:00:01.000001", 1, "downgraded");
	assert_int_equal(chat_model_merge_history(&m, "bob", h, 2, &fresh), 0);
	assert_int_equal(fresh, 0);
	c = contact(&m, "bob");
	assert_int_equal(c->count, 2);
	assert_string_equal(c->msgs[0].text, "signed");
	assert_int_equal(c->msgs[0].unreadable, CHAT_READABLE);
	assert_null(c->msgs[1].text);
	assert_int_equal(c->msgs[1].unreadable, CHAT_SUSPECT_V1);
	/* Readable, then flagged: flagged. */
	h[0].text = NULL;
	h[0].unreadable = CHAT_FORGED;
	assert_int_equal(chat_model_merge_history(&m, "bob", h, 1, &fresh), 0);
	assert_null(c->msgs[0].text);
	assert_int_equal(c->msgs[0].unreadable, CHAT_FORGED);
	chat_model_free(&m);
}

static void test_merge_order(void **state)
{
	struct chat_model m;
	struct chat_incoming h[3];
	struct chat_contact *c;
	size_t fresh;
	uint64_t id;

	(void)state;
	setup_model(&m);
	h[0] = msg("bob", "2026-11-24T10:00:00.000001", 0, "one");
	h[1] = msg("bob", "2026-11-24T10:00:02.000001", 2, "three");
	assert_int_equal(chat_model_merge_history(&m, "bob", h, 2, &fresh), 0);
	assert_int_equal(chat_model_outbox_add(&m, "bob", "typed", &id), 0);
	/* The server lists a message between the known ones: it goes there, the
	 * local message stays last. */
	h[2] = h[1];
	h[1] = msg("bob", "2026-11-24T10:00:01.000001", 1, "two");
	assert_int_equal(chat_model_merge_history(&m, "bob", h, 3, &fresh), 0);
	assert_int_equal(fresh, 1);
	c = contact(&m, "bob");
	assert_int_equal(c->count, 4);
	assert_string_equal(c->msgs[0].text, "one");
	assert_string_equal(c->msgs[1].text, "two");
	assert_string_equal(c->msgs[2].text, "three");
	assert_string_equal(c->msgs[3].text, "typed");
	assert_null(c->msgs[3].created_at);
	/* An answer that leaves a known message out does not lose it. */
	assert_int_equal(chat_model_merge_history(&m, "bob", h, 1, &fresh), 0);
	assert_int_equal(c->count, 4);
	assert_string_equal(c->msgs[1].text, "two");
	assert_string_equal(c->msgs[2].text, "three");
	chat_model_free(&m);
}

/* The sync extension's answers: the newest page, then what a wait brings,
 * then older pages (the last one overlapping what is loaded), each merged
 * in place by time. */
static void test_merge_pages(void **state)
{
	static const char *const texts[] = { "one", "two", "three", "four", "five", "six" };
	static const struct { size_t from, n, fresh; } answers[] = { { 3, 2, 1 }, { 5, 1, 1 }, { 1, 2, 1 }, { 0, 2, 1 } };
	struct chat_incoming all[6];
	char at[6][32];
	struct chat_model m;
	struct chat_contact *c;

	(void)state;
	setup_model(&m);
	for (size_t i = 0; i < 6; i++) {
		snprintf(at[i], sizeof(at[i]), "2026-11-24T10:00:0%zu.000001", i);
		/* "three" and "five" are ours. */
		all[i] = msg(i == 2 || i == 4 ? "alice" : "bob", at[i], (int)i, texts[i]);
	}
	for (size_t k = 0; k < sizeof(answers) / sizeof(answers[0]); k++) {
		size_t fresh;
		assert_int_equal(chat_model_merge_history(&m, "bob", all + answers[k].from, answers[k].n, &fresh), 0);
		assert_int_equal(fresh, answers[k].fresh);
	}
	c = contact(&m, "bob");
	assert_int_equal(c->count, 6);
	for (size_t i = 0; i < c->count; i++)
		assert_string_equal(c->msgs[i].text, texts[i]);
	assert_int_equal(c->unread, 4);
	chat_model_free(&m);
}

static void test_outbox_states(void **state)
{
	struct chat_model m;
	struct chat_incoming h[2];
	struct chat_contact *c;
	size_t fresh;
	uint64_t id1, id2, id3;

	(void)state;
	setup_model(&m);
	assert_int_equal(chat_model_outbox_add(&m, "bob", "first", &id1), 0);
	assert_int_equal(chat_model_outbox_add(&m, "bob", "second", &id2), 0);
	assert_int_equal(chat_model_outbox_add(&m, "carol", "third", &id3), 0);
	assert_true(id1 != id2 && id2 != id3 && id1 != 0);
	assert_int_equal(chat_model_outbox_pending(&m), 3);
	c = contact(&m, "bob");
	assert_int_equal(c->msgs[0].state, CHAT_MSG_QUEUED);
	assert_true(c->msgs[0].mine);
	assert_int_equal(chat_model_outbox_done(&m, id1, NULL), 0);
	assert_int_equal(c->msgs[0].state, CHAT_MSG_SENT);
	assert_int_equal(chat_model_outbox_done(&m, id3, "no such user"), 0);
	assert_int_equal(contact(&m, "carol")->msgs[0].state, CHAT_MSG_FAILED);
	assert_string_equal(contact(&m, "carol")->msgs[0].error, "no such user");
	assert_int_equal(chat_model_outbox_pending(&m), 1);
	assert_int_equal(chat_model_outbox_done(&m, 999, NULL), RC_ERR_NOTFOUND);
	/* The self copies come back from the server: they replace the local
	 * messages instead of doubling them, even one still queued. */
	h[0] = msg("alice", "2026-11-24T10:00:00.000001", 0, "first");
	h[1] = msg("alice", "2026-11-24T10:00:01.000001", 1, "second");
	assert_int_equal(chat_model_merge_history(&m, "bob", h, 2, &fresh), 0);
	assert_int_equal(fresh, 0);
	c = contact(&m, "bob");
	assert_int_equal(c->count, 2);
	assert_string_equal(c->msgs[0].created_at, "2026-11-24T10:00:00.000001");
	assert_string_equal(c->msgs[1].created_at, "2026-11-24T10:00:01.000001");
	assert_int_equal(c->msgs[1].state, CHAT_MSG_SENT);
	assert_int_equal(c->msgs[1].outbox_id, id2);
	assert_int_equal(chat_model_outbox_pending(&m), 0);
	/* The late acknowledgement keeps it sent. */
	assert_int_equal(chat_model_outbox_done(&m, id2, NULL), 0);
	assert_int_equal(c->msgs[1].state, CHAT_MSG_SENT);
	assert_int_equal(chat_model_merge_history(&m, "bob", h, 2, &fresh), 0);
	assert_int_equal(c->count, 2);
	chat_model_free(&m);
}

static void test_unread(void **state)
{
	struct chat_model m;
	struct chat_incoming h[4];
	const char *newest;
	size_t fresh;

	(void)state;
	setup_model(&m);
	h[0] = msg("bob", "2026-11-24T10:00:00.000001", 0, "a");
	h[1] = msg("alice", "2026-11-24T10:00:01.000001", 1, "b");
	h[2] = msg("bob", "2026-11-24T10:00:02.000001", 2, NULL); /* undecryptable counts too */
	assert_int_equal(chat_model_merge_history(&m, "bob", h, 3, &fresh), 0);
	assert_int_equal(contact(&m, "bob")->unread, 2);
	assert_null(contact(&m, "bob")->msgs[2].text);
	assert_int_equal(chat_model_total_unread(&m), 2);
	assert_int_equal(chat_model_mark_read(&m, "bob", &newest), 0);
	assert_non_null(newest);
	assert_string_equal(newest, "2026-11-24T10:00:02.000001");
	assert_int_equal(contact(&m, "bob")->unread, 0);
	/* Nothing new: nothing to persist. */
	assert_int_equal(chat_model_mark_read(&m, "bob", &newest), 0);
	assert_null(newest);
	h[3] = msg("bob", "2026-11-24T10:00:03.000001", 3, "d");
	assert_int_equal(chat_model_merge_history(&m, "bob", h, 4, &fresh), 0);
	assert_int_equal(fresh, 1);
	assert_int_equal(contact(&m, "bob")->unread, 1);
	/* A remembered position from an earlier run. */
	assert_int_equal(chat_model_set_last_seen(&m, "bob", "2026-11-24T10:00:00.000001"), 0);
	assert_int_equal(contact(&m, "bob")->unread, 2);
	assert_int_equal(chat_model_set_last_seen(&m, "bob", NULL), 0);
	assert_int_equal(contact(&m, "bob")->unread, 3);
	assert_int_equal(chat_model_set_last_seen(&m, "zed", NULL), RC_ERR_NOTFOUND);
	/* Where the "new messages" line goes: the contact's first message after
	 * a read position (our own ones never start it). */
	assert_int_equal(chat_model_first_unread(contact(&m, "bob"), NULL), 0);
	assert_int_equal(chat_model_first_unread(contact(&m, "bob"), "2026-11-24T10:00:00.000001"), 2);
	assert_int_equal(chat_model_first_unread(contact(&m, "bob"), "2026-11-24T10:00:02.000001"), 3);
	assert_int_equal(chat_model_first_unread(contact(&m, "bob"), "2026-11-24T10:00:03.000001"), -1);
	chat_model_free(&m);
}

static void test_contacts(void **state)
{
	struct chat_model m;
	const char *later[] = { "carol", "dave" };
	struct chat_incoming h = msg("bob", "2026-11-24T10:00:00.000001", 0, "a");
	size_t fresh;

	(void)state;
	setup_model(&m);
	assert_int_equal(chat_model_merge_history(&m, "bob", &h, 1, &fresh), 0);
	assert_int_equal(chat_model_set_contacts(&m, later, 2), 0);
	assert_int_equal(m.count, 3);
	assert_false(contact(&m, "bob")->listed);
	assert_int_equal(contact(&m, "bob")->count, 1);
	assert_true(contact(&m, "dave")->listed);
	assert_int_equal(chat_model_find(&m, "eve"), -1);
	chat_model_free(&m);
	/* Freeing twice and freeing an empty model are harmless. */
	chat_model_free(&m);
}

/* The outbox of an earlier run comes back before the user list and before
 * our login is known: the contact is added unlisted, the message queued,
 * and both get their identity when it arrives. */
static void test_outbox_restored(void **state)
{
	const char *logins[] = { "carol", "bob" };
	struct chat_incoming h[1];
	struct chat_model m;
	struct chat_contact *c;
	size_t fresh;
	uint64_t id1, id2;

	(void)state;
	chat_model_init(&m);
	assert_int_equal(chat_model_outbox_add(&m, "bob", "saved one", &id1), 0);
	assert_int_equal(chat_model_outbox_add(&m, "bob", "saved two", &id2), 0);
	c = contact(&m, "bob");
	assert_false(c->listed);
	assert_int_equal(c->count, 2);
	assert_string_equal(c->msgs[0].text, "saved one");
	assert_string_equal(c->msgs[1].text, "saved two");
	assert_string_equal(c->msgs[0].sender, "");
	assert_int_equal(chat_model_outbox_pending(&m), 2);
	assert_int_equal(chat_model_set_me(&m, "alice"), 0);
	assert_string_equal(c->msgs[0].sender, "alice");
	assert_string_equal(c->msgs[1].sender, "alice");
	assert_int_equal(chat_model_set_contacts(&m, logins, 2), 0);
	assert_int_equal(m.count, 2);
	c = contact(&m, "bob");
	assert_true(c->listed);
	/* A copy the server stored before its answer was lost: the queued
	 * message takes its identity instead of showing twice. */
	h[0] = msg("alice", "2026-11-24T10:00:00.000001", 0, "saved one");
	assert_int_equal(chat_model_merge_history(&m, "bob", h, 1, &fresh), 0);
	assert_int_equal(c->count, 2);
	assert_int_equal(c->msgs[0].state, CHAT_MSG_SENT);
	assert_int_equal(c->msgs[0].outbox_id, id1);
	assert_int_equal(c->msgs[1].state, CHAT_MSG_QUEUED);
	assert_int_equal(chat_model_outbox_done(&m, id2, "no such user"), 0);
	assert_int_equal(c->msgs[1].state, CHAT_MSG_FAILED);
	assert_int_equal(chat_model_outbox_pending(&m), 0);
	chat_model_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_dedup),
		cmocka_unit_test(test_merge_rejudged),
		cmocka_unit_test(test_merge_order),
		cmocka_unit_test(test_merge_pages),
		cmocka_unit_test(test_outbox_states),
		cmocka_unit_test(test_outbox_restored),
		cmocka_unit_test(test_unread),
		cmocka_unit_test(test_contacts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
