/* What the client knows about its conversations: contacts, each one's
 * history (merged from repeated get_messages answers, without duplicates),
 * unread counts and the outbox of own messages with their state. Pure data:
 * no curses, no network, so it is tested on its own. */
#ifndef RC_CLIENT_CHAT_MODEL_H
#define RC_CLIENT_CHAT_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* Messages are told apart by (sender, created_at, content); the content is
 * kept as a digest of its string. */
#define CHAT_DIGEST_BYTES 16

/* Why a message has no text. */
enum chat_unreadable {
	CHAT_READABLE,                /* decrypted: the text is there */
	CHAT_UNREADABLE_KEY,          /* not for our key, or corrupted */
	CHAT_UNREADABLE_TOO_MANY_BLOCKS, /* refused unread: more blocks than its length or the
	                                  * message limit can need (a decryption bomb) */
	CHAT_UNREADABLE_VERSION,      /* a newer message format than ours */
	CHAT_UNCHECKED,               /* format v2, but the contact's key or our login is
	                               * unknown, so its signature cannot be checked */
	/* Flagged (chat_flagged): shown as a warning, never as the sender's text. */
	CHAT_FORGED,                  /* format v2 not signed by the sender's pinned key */
	CHAT_WRONG_RECIPIENT,         /* format v2 signed for someone else: passed on */
	CHAT_SUSPECT_V1,              /* format v1 from a contact after its v2 messages: a
	                               * downgrade (the server can write v1 in anyone's name) */
	CHAT_FOREIGN_SENDER,          /* its sender is neither party of the conversation */
};

/* 1 when why is a warning about the message rather than a reason it cannot
 * be read: the UI shows it in its alert style. */
int chat_flagged(enum chat_unreadable why);

enum chat_msg_state {
	CHAT_MSG_RECEIVED, /* from the contact, listed by the server */
	CHAT_MSG_QUEUED,   /* own, waiting in the outbox */
	CHAT_MSG_SENT,     /* own, accepted by the server or seen in its history */
	CHAT_MSG_FAILED,   /* own, refused by the server (error says why) */
};

struct chat_msg {
	char *sender;
	char *created_at;  /* server time; NULL until the server's history lists it */
	unsigned char digest[CHAT_DIGEST_BYTES]; /* of the content (valid with created_at) */
	char *text;        /* NULL when the content could not be decrypted */
	enum chat_unreadable unreadable; /* why text is NULL */
	char *error;       /* why a FAILED message was refused */
	int mine;
	enum chat_msg_state state;
	uint64_t outbox_id; /* 0 unless typed here */
};

/* A contact's key against the one pinned for it (contacts.h), as the TUI shows it. */
enum chat_key_state {
	CHAT_KEY_UNPINNED, /* not checked or pinned yet */
	CHAT_KEY_PINNED,
	CHAT_KEY_VERIFIED, /* pinned, and the user compared the safety number */
	CHAT_KEY_CHANGED,  /* the server gives another key: nothing is sent */
};

struct chat_contact {
	char *login;
	struct chat_msg *msgs; /* in conversation order */
	size_t count;
	size_t cap;
	char *last_seen;   /* created_at of the newest message read; NULL: none */
	size_t unread;     /* messages from the contact newer than last_seen */
	int listed;        /* in the latest get_users answer */
	int lookalike;     /* its login looks like another one (set by the UI) */
	int loaded;        /* its history was merged at least once */
	enum chat_key_state key_state; /* set by the UI from the network worker's checks */
};

/* One message of a get_messages answer, decrypted by the caller. */
struct chat_incoming {
	const char *sender;
	const char *created_at;
	const unsigned char *digest; /* CHAT_DIGEST_BYTES */
	const char *text;            /* NULL: could not be decrypted */
	enum chat_unreadable unreadable; /* why text is NULL */
};

struct chat_model {
	char *me;          /* own login, NULL until known */
	struct chat_contact *contacts;
	size_t count;
	size_t cap;
	uint64_t last_outbox_id;
};

void chat_model_init(struct chat_model *m);
void chat_model_free(struct chat_model *m);
/* Sets our login, also as the sender of own messages queued before it was known. */
int chat_model_set_me(struct chat_model *m, const char *login);

/* Marks exactly these logins as listed, adding the new ones at the end;
 * contacts no longer listed keep their history. */
int chat_model_set_contacts(struct chat_model *m, const char *const *logins, size_t n);
/* The contact's index, or -1. */
long chat_model_find(const struct chat_model *m, const char *login);

/* Merges a get_messages answer (oldest first) into the contact's history:
 * known messages stay (taking the answer's verdict and text when they
 * changed, but a flagged one stays flagged), new ones take the server's
 * order, own messages still waiting locally are matched with their copies
 * from the server. *fresh gets the number of messages from the contact that
 * were not there before. */
int chat_model_merge_history(struct chat_model *m, const char *login, const struct chat_incoming *in, size_t n,
                             size_t *fresh);

/* Appends an own message to the conversation in state QUEUED (adding the
 * contact, unlisted, when unknown: the outbox of an earlier run comes back
 * before the user list); *id names it for chat_model_outbox_done. */
int chat_model_outbox_add(struct chat_model *m, const char *login, const char *text, uint64_t *id);
/* The server accepted (error NULL) or refused the message id. */
int chat_model_outbox_done(struct chat_model *m, uint64_t id, const char *error);
/* Own messages still QUEUED anywhere. */
size_t chat_model_outbox_pending(const struct chat_model *m);

/* Restores a remembered last_seen (e.g. from the seen state file). */
int chat_model_set_last_seen(struct chat_model *m, const char *login, const char *created_at);
/* Everything in the conversation is now read. *newest (borrowed, may be NULL)
 * gets the new last_seen when it changed, for the caller to persist. */
int chat_model_mark_read(struct chat_model *m, const char *login, const char **newest);
size_t chat_model_total_unread(const struct chat_model *m);
/* The first message from the contact that would be unread had seen been
 * its last_seen (NULL: nothing read), or -1. */
long chat_model_first_unread(const struct chat_contact *c, const char *seen);

#endif
