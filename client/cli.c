#include "config.h"

#include "cli.h"

#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "clock.h"
#include "connect.h"
#include "contacts.h"
#include "decrypt_cache.h"
#include "digest_set.h"
#include "errors.h"
#include "paths.h"
#include "fingerprint.h"
#include "keyfile.h"
#include "login.h"
#include "protocol.h"
#include "safety.h"
#include "seen_state.h"
#include "timefmt.h"
#include "wtext.h"

struct cli {
	const struct client_options *o;
	struct rsa_private key;
	char key_fp[FINGERPRINT_MAX];
	char *me;           /* our login, learnt by cli_me */
	struct session s;
	struct decrypt_cache cache;
	enum api_sync sync; /* what the server showed of the sync extension */
	struct contacts contacts; /* this server's, loaded by cli_contacts_ready */
	int contacts_loaded;
	char err[512];
};

/* Messages per page when walking a conversation from its newest end. */
#define CLI_PAGE_MESSAGES API_PAGE_MAX
/* How long tail's wait_messages may be parked at the server. */
#define CLI_WAIT_MS 25000
/* Without the extension, tail's pause doubles while nothing comes, up to this. */
#define CLI_POLL_MAX_MS 30000

/* Put before the further lines of a message text in plain output. */
#define CLI_CONTINUATION "  "

static volatile sig_atomic_t cli_stop;
/* The socket of a parked wait_messages, which a signal cuts so that Ctrl-C
 * need not wait for the server's answer (the request retries on EINTR). */
static volatile sig_atomic_t cli_waiting_fd = -1;

static void cli_on_signal(int sig)
{
	(void)sig;
	cli_stop = 1;
	if (cli_waiting_fd >= 0)
		shutdown(cli_waiting_fd, SHUT_RDWR);
}

static int cli_exit_for(int rc)
{
	switch (rc) {
	case RC_OK:
		return CLIENT_EXIT_OK;
	case RC_ERR_SERVER:
		return CLIENT_EXIT_SERVER;
	case RC_ERR_IO:
	case RC_ERR_EOF:
	case RC_ERR_TIMEOUT:
	/* A server whose answers are not the protocol (too large, not
	 * decrypting to text, JSON of the wrong shape) is as unusable as
	 * an unreachable one. */
	case RC_ERR_PROTOCOL:
	case RC_ERR_TOO_LARGE:
		return CLIENT_EXIT_NETWORK;
	case RC_ERR_KEY:
		return CLIENT_EXIT_KEY_CHANGED;
	default:
		return CLIENT_EXIT_OTHER;
	}
}

/* Reports a failed call and returns its exit status. */

/* Prints a message text from a peer: control characters (C1 too) but tab,
 * bidi controls and bytes that are not UTF-8 as '?', so it cannot drive the
 * terminal; each newline is followed by CLI_CONTINUATION, so no line of a
 * text can pass for the start of another message (those start with '['). */
static void cli_print_text(FILE *out, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		int safe;
		size_t used = wtext_next_safe(s, len, "\n\t", &safe);
		if (!safe)
			fputc('?', out);
		else if (*s == '\n')
			fputs("\n" CLI_CONTINUATION, out);
		else
			fwrite(s, 1, used, out);
		s += used;
		len -= used;
	}
}

/* Prints a login as every login is shown (wtext_login_display), after the
 * look-alike mark when it looks like another one. */
static void cli_print_login(FILE *out, const char *login, int lookalike)
{
	char *shown = NULL;

	if (lookalike)
		fputs(WTEXT_LOOKALIKE_MARK, out);
	if (wtext_login_display(login, &shown) == RC_OK)
		fputs(shown, out);
	else
		fputc('?', out);
	free(shown);
}

/* Code points that JSON lets through raw but a terminal or a text view
 * obeys or reorders: DEL, C1 (U+0080..U+009F, e.g. CSI), bidi controls, and
 * the line and paragraph separators. */
static int cli_json_must_escape(unsigned long c)
{
	return c == 0x7F || (c >= 0x80 && c <= 0x9F) || wtext_is_bidi_control((wchar_t)c) || c == 0x2028 || c == 0x2029;
}

/* Prints obj to out as one line (escaping what cli_json_must_escape names
 * as \uXXXX: they only occur inside strings) and puts it. */
static void cli_print_json_to(FILE *out, struct json_object *obj)
{
	const char *s;
	size_t len;

	if (obj == NULL)
		return;
	s = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	for (len = strlen(s); len > 0;) {
		size_t used;
		unsigned long c = wtext_next_char(s, len, &used);
		if (cli_json_must_escape(c))
			fprintf(out, "\\u%04lX", c);
		else
			fwrite(s, 1, used, out);
		s += used;
		len -= used;
	}
	fputc('\n', out);
	json_object_put(obj);
}

static void cli_print_json(struct json_object *obj)
{
	cli_print_json_to(stdout, obj);
}

static void cli_json_add(struct json_object *obj, const char *key, struct json_object *v)
{
	if (obj != NULL)
		json_object_object_add(obj, key, v);
}

/* Tells the user something on stderr: "rsa-chat: TEXT" (kind "warning"
 * puts "warning: " before it), or with --json one object a line,
 * {"error": TEXT, "exit": STATUS} (exit_status >= 0), {"warning": TEXT} or
 * {"note": TEXT}, so a script reads every line of both streams as JSON. */
static void cli_say(const struct cli *c, const char *kind, int exit_status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void cli_say(const struct cli *c, const char *kind, int exit_status, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (c->o->json) {
		struct json_object *o = json_object_new_object();
		cli_json_add(o, kind, json_object_new_string(text));
		if (exit_status >= 0)
			cli_json_add(o, "exit", json_object_new_int(exit_status));
		cli_print_json_to(stderr, o);
	} else {
		fprintf(stderr, "rsa-chat: %s%s\n", strcmp(kind, "warning") == 0 ? "warning: " : "", text);
	}
}

static int cli_fail(struct cli *c, int rc, const char *what)
{
	int status = cli_exit_for(rc);

	cli_say(c, "error", status, "%s%s%s", what ? what : "", what ? ": " : "", c->err[0] ? c->err : rc_strerror(rc));
	return status;
}

static int cli_load_key(struct cli *c)
{
	int r = keyfile_load_private(c->o->key_path, &c->key, c->err, sizeof(c->err));

	if (r == RC_ERR_NOTFOUND) {
		char generate_keys[PATHS_MAX];

		paths_generate_keys(generate_keys, sizeof(generate_keys));
		cli_say(c, "error", CLIENT_EXIT_OTHER, "no key at %s; make one with: %s%s%s", c->o->key_path, generate_keys,
		        c->o->key_path[0] ? " -o " : "", c->o->key_path);
		return CLIENT_EXIT_OTHER;
	}
	if (r != RC_OK) {
		cli_say(c, "error", CLIENT_EXIT_OTHER, "cannot load the key %s: %s", c->o->key_path,
		        c->err[0] ? c->err : rc_strerror(r));
		return CLIENT_EXIT_OTHER;
	}
	if ((r = fingerprint_public(&c->key.pub, c->key_fp)) != RC_OK)
		return cli_fail(c, r, "fingerprint");
	return CLIENT_EXIT_OK;
}

static int cli_open_session(struct cli *c)
{
	struct connect_params p = {
		.host = c->o->host,
		.port = c->o->port,
		.server_name = c->o->server_name,
		.known_servers = c->o->known_servers,
		.accept_new_server_key = c->o->accept_new_server_key,
		.timeout_ms = OPTIONS_REQUEST_TIMEOUT_MS,
	};
	struct connect_result res;
	int r = connect_server(&c->s, &p, &c->key, &res, c->err, sizeof(c->err));

	if (r != RC_OK)
		return cli_fail(c, r, NULL);
	if (res.trust == KNOWN_SERVER_NEW)
		cli_say(c, "note", -1, "pinned the key of new server %s: %s", c->o->server_name, res.server_fp);
	else if (res.trust == KNOWN_SERVER_CHANGED)
		cli_say(c, "note", -1, "replaced the pinned key of %s (%s) with %s", c->o->server_name, res.pinned_fp,
		        res.server_fp);
	return CLIENT_EXIT_OK;
}

/* With --login, a key that is not registered yet gets registered first, so
 * one command line works from a fresh key. */
static int cli_ensure_registered(struct cli *c)
{
	char *login = NULL;
	int already, r;

	/* A registered key is answered "already registered" and nothing changes:
	 * one small request, whatever the number of users. */
	if ((r = api_register(&c->s, c->o->login, &login, &already, c->err, sizeof(c->err))) != RC_OK)
		return cli_fail(c, r, "register");
	if (!already) {
		fputs("rsa-chat: registered as ", stderr);
		cli_print_login(stderr, login, 0);
		fputc('\n', stderr);
	}
	free(login);
	return CLIENT_EXIT_OK;
}

static int cli_cmd_fingerprint(struct cli *c, char **args)
{
	struct json_object *o;

	(void)args;
	if (!c->o->json) {
		printf("%s\n", c->key_fp);
		return CLIENT_EXIT_OK;
	}
	o = json_object_new_object();
	cli_json_add(o, "fingerprint", json_object_new_string(c->key_fp));
	cli_json_add(o, "key", json_object_new_string(c->o->key_path));
	cli_print_json(o);
	return CLIENT_EXIT_OK;
}

static int cli_cmd_register(struct cli *c, char **args)
{
	char *login = NULL;
	int already = 0, r, status = CLIENT_EXIT_OK;
	struct json_object *o;

	if ((r = api_register(&c->s, args[0], &login, &already, c->err, sizeof(c->err))) != RC_OK)
		return cli_fail(c, r, "register");
	/* Known under another name: the requested login was not given to us. */
	if (already && strcmp(login, args[0]) != 0)
		status = CLIENT_EXIT_SERVER;
	if (c->o->json) {
		o = json_object_new_object();
		cli_json_add(o, "login", json_object_new_string(login));
		cli_json_add(o, "status", json_object_new_string(already ? "already registered" : "registered"));
		cli_json_add(o, "fingerprint", json_object_new_string(c->key_fp));
		cli_print_json(o);
	} else if (status != CLIENT_EXIT_OK) {
		fputs("rsa-chat: register: already registered (as ", stderr);
		cli_print_login(stderr, login, 0);
		fputs(")\n", stderr);
	} else {
		printf("%s as ", already ? "already registered" : "registered");
		cli_print_login(stdout, login, 0);
		putchar('\n');
	}
	free(login);
	return status;
}

/* The other users, and in *lookalike (calloc'd, caller frees) which of them
 * look like another one. */
static int cli_get_users(struct cli *c, struct api_users *users, int **lookalike)
{
	const char **logins = NULL;
	int r;

	*lookalike = NULL;
	if ((r = api_get_user_listing(&c->s, users, c->err, sizeof(c->err))) != RC_OK)
		return r;
	*lookalike = calloc(users->count + 1, sizeof(**lookalike));
	logins = calloc(users->count + 1, sizeof(*logins));
	if (*lookalike == NULL || logins == NULL) {
		r = RC_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < users->count; i++)
		logins[i] = users->v[i].login;
	r = wtext_mark_lookalikes(logins, users->count, *lookalike);
out:
	free(logins);
	if (r != RC_OK) {
		api_users_free(users);
		free(*lookalike);
		*lookalike = NULL;
	}
	return r;
}

/* The contacts file, loaded on first use. */
static int cli_contacts_ready(struct cli *c)
{
	int r;

	if (c->contacts_loaded)
		return RC_OK;
	if ((r = contacts_load(&c->contacts, c->o->contacts_path, c->o->server_name, c->err, sizeof(c->err))) == RC_OK)
		c->contacts_loaded = 1;
	return r;
}

/* Only a lost connection (or memory) stops a command that asks for what
 * merely refines its output (our login, a key to check signatures with). */
static int cli_is_fatal(int rc)
{
	return rc == RC_ERR_IO || rc == RC_ERR_EOF || rc == RC_ERR_TIMEOUT || rc == RC_ERR_NOMEM;
}

/* Our login, which v2 signs and which tells our own messages from foreign
 * ones: asking to register our (registered) key again names it ("already
 * registered") and registers nothing. Call once a request needing
 * registration has succeeded. A server that answers otherwise leaves it
 * unknown (NULL): then v1 only, and no foreign sender is told. */
static int cli_me(struct cli *c)
{
	int already = 0, r;

	if (c->me != NULL)
		return RC_OK;
	if ((r = api_register(&c->s, "?", &c->me, &already, c->err, sizeof(c->err))) == RC_OK || cli_is_fatal(r))
		return r;
	c->me = NULL;
	c->err[0] = '\0';
	return RC_OK;
}

/* The contacts store, or NULL (warned) when it cannot be read. */
static struct contacts *cli_contacts(struct cli *c)
{
	if (cli_contacts_ready(c) == RC_OK)
		return &c->contacts;
	cli_say(c, "warning", -1, "contacts: %s; using the keys the server gives", c->err);
	return NULL;
}

/* Reports a failure of the contacts file (local: CLIENT_EXIT_OTHER). */
static int cli_fail_contacts(struct cli *c, int rc)
{
	cli_say(c, "error", CLIENT_EXIT_OTHER, "contacts: %s", c->err[0] ? c->err : rc_strerror(rc));
	return CLIENT_EXIT_OTHER;
}

/* What we know of a contact's key: the server's current one against the pin. */
struct cli_trust {
	char *shown;                       /* the login as displayed */
	enum contact_key_verdict verdict;
	int verified;                      /* of the pin */
	int damaged;                       /* the pinned entry is unreadable */
	char our_fp[FINGERPRINT_MAX];
	char pinned_fp[FINGERPRINT_MAX];   /* "" when damaged */
	char server_fp[FINGERPRINT_MAX];
	char safety_pinned[SAFETY_NUMBER_MAX]; /* "" when damaged */
	char safety_server[SAFETY_NUMBER_MAX];
};

static void cli_trust_free(struct cli_trust *t)
{
	free(t->shown);
	t->shown = NULL;
}

/* Checks key, which the server gives for login, against the pin (pinning it
 * on first sight) and fills t for the messages about it. */
static int cli_trust_check(struct cli *c, const char *login, const struct rsa_public *key, struct cli_trust *t)
{
	const struct contact *ct;
	int r;

	memset(t, 0, sizeof(*t));
	if ((r = cli_contacts_ready(c)) != RC_OK ||
	    (r = contacts_check_key(&c->contacts, login, key, &t->verdict, c->err, sizeof(c->err))) != RC_OK)
		return r;
	if ((ct = contacts_find(&c->contacts, login)) == NULL)
		return RC_ERR_NOTFOUND;
	t->verified = ct->verified;
	t->damaged = ct->damaged;
	if ((r = wtext_login_display(login, &t->shown)) != RC_OK || (r = fingerprint_public(&c->key.pub, t->our_fp)) != RC_OK ||
	    (r = fingerprint_public(key, t->server_fp)) != RC_OK ||
	    (r = safety_number(&c->key.pub, key, t->safety_server)) != RC_OK)
		goto fail;
	if (!ct->damaged && ((r = fingerprint_public(&ct->key, t->pinned_fp)) != RC_OK ||
	                     (r = safety_number(&c->key.pub, &ct->key, t->safety_pinned)) != RC_OK))
		goto fail;
	return RC_OK;
fail:
	cli_trust_free(t);
	return r;
}

/* Prints a safety number in two rows of groups, each row after indent. */
static void cli_print_safety_rows(FILE *out, const char *indent, const char *number)
{
	fprintf(out, "%s%.*s\n%s%s\n", indent, (int)SAFETY_NUMBER_ROW_CHARS - 1, number, indent,
	        number + SAFETY_NUMBER_ROW_CHARS);
}

/* word as one shell word: as it is when only safe characters, else in
 * single quotes (a quote inside as '\''); cut to fit outlen (at least 8). */
static void cli_shell_word(const char *word, char *out, size_t outlen)
{
	static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.,:=+@%/-";
	size_t j = 0;

	if (word[0] != '\0' && strspn(word, safe) == strlen(word)) {
		snprintf(out, outlen, "%s", word);
		return;
	}
	out[j++] = '\'';
	for (const char *p = word; *p != '\0' && j + 6 < outlen; p++) {
		if (*p == '\'') {
			memcpy(out + j, "'\\''", 4);
			j += 4;
		} else {
			out[j++] = *p;
		}
	}
	out[j++] = '\'';
	out[j] = '\0';
}

/* The command line that accepts login's new key, for hints a user pastes
 * into a shell (the login in its escaped form, which commands read). */
static void cli_accept_hint(const struct cli *c, const char *shown, char *hint, size_t hintlen)
{
	int defaults = strcmp(c->o->host, PROTO_DEFAULT_HOST) == 0 && strcmp(c->o->port, PROTO_DEFAULT_PORT) == 0;
	char word[1200];

	cli_shell_word(shown, word, sizeof(word));
	if (defaults)
		snprintf(hint, hintlen, "rsa-chat accept-key %s", word);
	else
		snprintf(hint, hintlen, "rsa-chat --host %s --port %s accept-key %s", c->o->host, c->o->port, word);
}

/* Says loudly that login's key changed, what was not done (refused), and how
 * to check and accept the new key; returns CLIENT_EXIT_CONTACT_KEY_CHANGED. */
static int cli_say_key_changed(struct cli *c, const char *login, const struct cli_trust *t, const char *refused)
{
	char hint[PATHS_MAX];

	cli_accept_hint(c, t->shown, hint, sizeof(hint));
	if (c->o->json) {
		struct json_object *o = json_object_new_object();
		char text[512];

		snprintf(text, sizeof(text), "the key of %s changed: %s", t->shown, refused);
		cli_json_add(o, "error", json_object_new_string(text));
		cli_json_add(o, "exit", json_object_new_int(CLIENT_EXIT_CONTACT_KEY_CHANGED));
		cli_json_add(o, "contact", json_object_new_string(login));
		cli_json_add(o, "pinned_fingerprint", t->damaged ? NULL : json_object_new_string(t->pinned_fp));
		cli_json_add(o, "fingerprint", json_object_new_string(t->server_fp));
		cli_json_add(o, "safety_number", json_object_new_string(t->safety_server));
		cli_json_add(o, "accept", json_object_new_string(hint));
		cli_print_json_to(stderr, o);
		return CLIENT_EXIT_CONTACT_KEY_CHANGED;
	}
	fprintf(stderr,
	        "rsa-chat: THE KEY OF %s CHANGED: %s.\n"
	        "  pinned key:       %s\n"
	        "  the server gives: %s\n"
	        "  The server (or someone in its place) may be reading what you send to %s.\n"
	        "  If %s really has a new key, compare this safety number with them\n"
	        "  (in person or by a call you trust):\n",
	        t->shown, refused, t->damaged ? "(its entry in the contacts file is unreadable)" : t->pinned_fp,
	        t->server_fp, t->shown, t->shown);
	cli_print_safety_rows(stderr, "    ", t->safety_server);
	fprintf(stderr, "  and only then accept the new key: %s\n", hint);
	return CLIENT_EXIT_CONTACT_KEY_CHANGED;
}

static void cli_say_pinned(const struct cli *c, const struct cli_trust *t)
{
	cli_say(c, "note", -1, "pinned the key of %s: %s (to compare safety numbers: rsa-chat safety %s)", t->shown,
	        t->server_fp, t->shown);
}

/* Gets login's key from the server and checks it against the pin: RC_OK
 * with *status CLIENT_EXIT_OK when the key is the pinned one or pinned now
 * (said in a note), else *status is what the command exits with. */
static int cli_contact_key(struct cli *c, const char *login, const char *refused, struct api_user *to,
                           struct cli_trust *t, int *status)
{
	int r;

	memset(t, 0, sizeof(*t));
	if ((r = api_get_user(&c->s, login, to, c->err, sizeof(c->err))) != RC_OK) {
		*status = cli_fail(c, r, NULL);
		return r;
	}
	if ((r = cli_trust_check(c, to->login, &to->key, t)) != RC_OK) {
		*status = cli_fail_contacts(c, r);
		return r;
	}
	*status = CLIENT_EXIT_OK;
	if (t->verdict == CONTACT_KEY_CHANGED)
		*status = cli_say_key_changed(c, to->login, t, refused);
	else if (t->verdict == CONTACT_KEY_NEW)
		cli_say_pinned(c, t);
	return RC_OK;
}

/* Prints the pinned key of a contact beside our own, the safety number to
 * compare and whether it is verified; accepted: the key was pinned by
 * accept-key just now; verified: marked verified just now. */
static void cli_print_trust(const struct cli *c, const struct api_user *to, const struct cli_trust *t, int accepted,
                            int verified)
{
	verified = verified || t->verified;
	if (c->o->json) {
		struct json_object *o = json_object_new_object();

		cli_json_add(o, "contact", json_object_new_string(to->login));
		cli_json_add(o, "our_fingerprint", json_object_new_string(t->our_fp));
		cli_json_add(o, "fingerprint", json_object_new_string(t->pinned_fp));
		cli_json_add(o, "safety_number", json_object_new_string(t->safety_pinned));
		cli_json_add(o, "verified", json_object_new_boolean(verified));
		cli_json_add(o, "key_changed", json_object_new_boolean(t->verdict == CONTACT_KEY_CHANGED));
		cli_print_json(o);
		return;
	}
	if (accepted)
		printf("pinned the key the server gives for %s; it is not verified.\n", t->shown);
	printf("you:  %s\n%s: %s (pinned)\nsafety number:\n", t->our_fp, t->shown, t->pinned_fp);
	cli_print_safety_rows(stdout, "  ", t->safety_pinned);
	if (verified)
		printf("%s is verified\n", t->shown);
	else
		printf("not verified: compare the number with %s, then: rsa-chat verify %s\n", t->shown, t->shown);
}

/* safety (verify == 0) and verify: the pinned key and the safety number,
 * after marking the contact verified for verify; neither while the server
 * gives another key than the pinned one. */
static int cli_show_trust(struct cli *c, const char *login, int verify)
{
	struct api_user to;
	struct cli_trust t;
	int status, r;

	api_user_init(&to);
	if (cli_contact_key(c, login, verify ? "not marked verified" : "it is not the key you pinned", &to, &t, &status) !=
	    RC_OK)
		goto out;
	if (status == CLIENT_EXIT_OK && verify &&
	    (r = contacts_set_verified(&c->contacts, to.login, 1, c->err, sizeof(c->err))) != RC_OK)
		status = cli_fail_contacts(c, r);
	else if (!t.damaged && (status == CLIENT_EXIT_OK || !verify))
		cli_print_trust(c, &to, &t, 0, verify);
	cli_trust_free(&t);
out:
	api_user_free(&to);
	return status;
}

static int cli_cmd_safety(struct cli *c, char **args)
{
	return cli_show_trust(c, args[0], 0);
}

static int cli_cmd_verify(struct cli *c, char **args)
{
	return cli_show_trust(c, args[0], 1);
}

static int cli_cmd_accept_key(struct cli *c, char **args)
{
	struct api_user to;
	struct cli_trust t;
	int status, r;

	api_user_init(&to);
	memset(&t, 0, sizeof(t));
	if ((r = api_get_user(&c->s, args[0], &to, c->err, sizeof(c->err))) != RC_OK) {
		status = cli_fail(c, r, "accept-key");
		goto out;
	}
	if ((r = cli_contacts_ready(c)) != RC_OK ||
	    (r = contacts_accept_key(&c->contacts, to.login, &to.key, c->err, sizeof(c->err))) != RC_OK ||
	    (r = cli_trust_check(c, to.login, &to.key, &t)) != RC_OK) {
		status = cli_fail_contacts(c, r);
		goto out;
	}
	cli_print_trust(c, &to, &t, 1, 0);
	status = CLIENT_EXIT_OK;
out:
	cli_trust_free(&t);
	api_user_free(&to);
	return status;
}

/* How a listed user's key stands against the pin: "unpinned", "pinned",
 * "verified" or "changed". Compared by fingerprint, as a listing from our
 * server holds no keys; nothing is pinned from a listing. */
static const char *cli_listed_key_state(const struct cli *c, const struct api_user *u)
{
	const struct contact *ct = c->contacts_loaded ? contacts_find(&c->contacts, u->login) : NULL;
	char fp[FINGERPRINT_MAX];

	if (ct == NULL)
		return "unpinned";
	if (ct->damaged || fingerprint_public(&ct->key, fp) != RC_OK || strcmp(fp, u->fingerprint) != 0)
		return "changed";
	return ct->verified ? "verified" : "pinned";
}

static int cli_cmd_users(struct cli *c, char **args)
{
	struct api_users users;
	int *lookalike;
	int r;

	(void)args;
	if ((r = cli_get_users(c, &users, &lookalike)) != RC_OK)
		return cli_fail(c, r, "users");
	if (cli_contacts_ready(c) != RC_OK)
		cli_say(c, "warning", -1, "no key marks: %s", c->err);
	for (size_t i = 0; i < users.count; i++) {
		const char *fp = users.v[i].fingerprint, *state = cli_listed_key_state(c, &users.v[i]);

		if (c->o->json) {
			struct json_object *o = json_object_new_object();
			cli_json_add(o, "login", json_object_new_string(users.v[i].login));
			cli_json_add(o, "fingerprint", json_object_new_string(fp));
			cli_json_add(o, "lookalike", json_object_new_boolean(lookalike[i]));
			cli_json_add(o, "key", json_object_new_string(state));
			cli_print_json(o);
		} else {
			/* Marked only when it matters, so unmarked lines stay "LOGIN FINGERPRINT". */
			cli_print_login(stdout, users.v[i].login, lookalike[i]);
			printf(" %s%s\n", fp,
			       strcmp(state, "changed") == 0 ? " !key-changed" : strcmp(state, "verified") == 0 ? " verified" : "");
		}
	}
	free(lookalike);
	api_users_free(&users);
	return CLIENT_EXIT_OK;
}

/* Reads the message text from stdin, keeping at most one byte over the
 * limit but counting every byte, so api_check_text can say how long a text
 * that is too long really is; one final newline is dropped. */
static int cli_read_stdin_text(char **text, size_t *len)
{
	size_t cap = API_MAX_TEXT_BYTES + 2, n = 0, total = 0;
	char *buf = malloc(cap + 1), last = '\0', spill[4096];

	*text = NULL;
	*len = 0;
	if (buf == NULL)
		return RC_ERR_NOMEM;
	for (;;) {
		char *into = n < cap ? buf + n : spill;
		size_t room = n < cap ? cap - n : sizeof(spill), got = fread(into, 1, room, stdin);

		if (got == 0)
			break;
		if (n < cap)
			n += got;
		total += got;
		last = into[got - 1];
	}
	if (ferror(stdin)) {
		free(buf);
		return RC_ERR_IO;
	}
	if (last == '\n' && total <= API_MAX_TEXT_BYTES + 1) {
		n--;
		total--;
	}
	buf[n] = '\0';
	*text = buf;
	*len = total;
	return RC_OK;
}

/* Seals text for `to` in the format its client reads (envelope_seal, by
 * the v2 flags pinned with its key) and sends it; *v2 says which format. */
static int cli_seal_and_send(struct cli *c, const struct api_user *to, const char *text, size_t len,
                             const char *msg_id, int *v2)
{
	struct contacts *store = cli_contacts(c);
	const struct contact *ct = store != NULL ? contacts_find(store, to->login) : NULL;
	struct api_sealed sealed;
	int acked = 0, r;

	/* Our login is signed in v2; v1 (and a login left unknown) needs none. */
	if (ct != NULL && ct->v2_capable && (r = cli_me(c)) != RC_OK)
		return r;
	r = envelope_seal_for_contact(store, &c->key, c->me, to->login, &to->key, c->o->self_copy, text, len,
	                              &sealed, v2, c->err, sizeof(c->err));
	if (r == RC_OK)
		r = api_send_sealed_resume(&c->s, to->login, &sealed, msg_id, &acked, c->err, sizeof(c->err));
	api_sealed_free(&sealed);
	return r;
}

static int cli_cmd_send(struct cli *c, char **args)
{
	struct api_user to;
	struct cli_trust t = { 0 };
	char *text = NULL, fresh[2 * API_MSG_ID_RANDOM_BYTES + 1];
	const char *msg_id = c->o->msg_id;
	size_t len;
	int r, status, v2 = 0;

	api_user_init(&to);
	if (msg_id == NULL) {
		api_msg_id_new(fresh, sizeof fresh);
		msg_id = fresh;
	}

	if (strcmp(args[1], "-") == 0) {
		if ((r = cli_read_stdin_text(&text, &len)) != RC_OK) {
			cli_say(c, "error", CLIENT_EXIT_OTHER, "cannot read the message from stdin: %s", rc_strerror(r));
			return CLIENT_EXIT_OTHER;
		}
	} else if ((text = strdup(args[1])) == NULL) {
		return CLIENT_EXIT_OTHER;
	} else {
		len = strlen(text);
	}
	if ((r = api_check_text(text, len, c->err, sizeof(c->err))) != RC_OK ||
	    (r = api_msg_id_check(msg_id, c->err, sizeof(c->err))) != RC_OK) {
		status = CLIENT_EXIT_USAGE;
		cli_say(c, "error", status, "%s", c->err);
		goto out;
	}
	/* The server's "no such user" is reported in its own words, so scripts match one text. */
	if ((r = api_get_user(&c->s, args[0], &to, c->err, sizeof(c->err))) != RC_OK) {
		status = cli_fail(c, r, "send");
		goto out;
	}
	if (rsa_public_equal(&to.key, &c->key.pub)) {
		status = CLIENT_EXIT_USAGE;
		cli_say(c, "error", status, "send: %s is you (the login of this key); a message to yourself is shown nowhere",
		        args[0]);
		goto out;
	}
	/* Nothing is encrypted for a key that is not the one pinned for to. */
	if ((r = cli_trust_check(c, to.login, &to.key, &t)) != RC_OK) {
		status = cli_fail_contacts(c, r);
		goto out;
	}
	if (t.verdict == CONTACT_KEY_CHANGED) {
		status = cli_say_key_changed(c, to.login, &t, "nothing was sent");
		goto out;
	}
	if (t.verdict == CONTACT_KEY_NEW)
		cli_say_pinned(c, &t);
	if ((r = cli_seal_and_send(c, &to, text, len, msg_id, &v2)) != RC_OK) {
		status = cli_fail(c, r, "send");
		goto out;
	}
	if (c->o->json) {
		struct json_object *o = json_object_new_object();
		cli_json_add(o, "sent", json_object_new_boolean(1));
		cli_json_add(o, "to", json_object_new_string(to.login));
		cli_json_add(o, "self_copy", json_object_new_boolean(c->o->self_copy));
		cli_json_add(o, "msg_id", json_object_new_string(msg_id));
		cli_json_add(o, "format", json_object_new_string(v2 ? "v2" : "v1"));
		cli_print_json(o);
	} else {
		puts("sent");
	}
	status = CLIENT_EXIT_OK;
out:
	cli_trust_free(&t);
	api_user_free(&to);
	free(text);
	return status;
}

/* One conversation being read: its parties as we know them. */
struct cli_conv {
	struct envelope_conv conv;
	struct envelope_contact contact;
};

static void cli_conv_free(struct cli_conv *cv)
{
	envelope_contact_free(&cv->contact);
}

/* The key for contact from the server, pinned now when none is
 * (envelope_contact_lookup); a deleted user or an odd answer leaves none,
 * and its v2 messages unchecked. */
static int cli_conv_fetch_key(struct cli *c, struct cli_conv *cv)
{
	struct api_user asked;
	int r;

	api_user_init(&asked);
	if ((r = api_get_user(&c->s, cv->conv.contact, &asked, c->err, sizeof(c->err))) == RC_OK)
		r = envelope_contact_lookup(c->contacts_loaded ? &c->contacts : NULL, cv->conv.contact, &asked.key,
		                            &cv->contact, c->err, sizeof(c->err));
	if (r == RC_OK && cv->contact.has_key)
		r = envelope_conv_init(&cv->conv, cv->conv.me_key, cv->conv.me, cv->conv.contact, &cv->contact.key);
	api_user_free(&asked);
	if (!cli_is_fatal(r))
		r = RC_OK;
	return r;
}

/* The conversation with contact, for reading msgs[0..n): the key pinned
 * for contact; asked from the server only when none is pinned and a
 * message needs it (format v2), and our login only when a message is not
 * the contact's or is v2: plain v1 from the contact needs neither. */
static int cli_conv_open(struct cli *c, const char *contact, const struct api_message *const *msgs, size_t n,
                         struct cli_conv *cv)
{
	int need_me = 0, need_key = 0, r;

	memset(cv, 0, sizeof(*cv));
	envelope_contact_init(&cv->contact);
	for (size_t i = 0; i < n; i++) {
		need_key |= envelope_looks_v2(msgs[i]->content);
		need_me |= strcmp(msgs[i]->sender, contact) != 0;
	}
	if ((need_me || need_key) && (r = cli_me(c)) != RC_OK)
		goto out;
	if ((r = envelope_contact_lookup(cli_contacts(c), contact, NULL, &cv->contact, c->err, sizeof(c->err))) != RC_OK ||
	    (r = envelope_conv_init(&cv->conv, &c->key, c->me, contact, cv->contact.has_key ? &cv->contact.key : NULL)) !=
	        RC_OK)
		goto out;
	if (need_key && !cv->contact.has_key)
		r = cli_conv_fetch_key(c, cv);
out:
	if (r != RC_OK)
		cli_conv_free(cv);
	return r;
}

/* Opens msgs[0..n) (oldest first) of cv's conversation and judges them as
 * a listing of that kind into v; what they showed of the contact's client
 * is stored with its pin. */
static int cli_judge(struct cli *c, struct cli_conv *cv, const struct api_message *const *msgs, size_t n,
                     enum envelope_listing listing, struct envelope_judged *v)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		const struct envelope_opened *o;
		unsigned char digest[CHAT_DIGEST_BYTES];

		decrypt_cache_digest(msgs[i]->content, msgs[i]->content_len, digest);
		if ((r = decrypt_cache_open(&c->cache, &cv->conv, msgs[i]->sender, msgs[i]->content, msgs[i]->content_len,
		                            digest, &o)) != RC_OK)
			return r;
		v[i] = (struct envelope_judged){ msgs[i]->sender, o->why, o->v2, o->marker };
	}
	/* A marker from a contact not pinned yet: its key is pinned now, so
	 * that the flag has a key to belong to. */
	if (!cv->contact.pinned && c->contacts_loaded) {
		for (size_t i = 0; i < n && !cv->contact.has_key; i++)
			if (v[i].marker && strcmp(v[i].sender, cv->conv.contact) == 0 && (r = cli_conv_fetch_key(c, cv)) != RC_OK)
				return r;
	}
	if (envelope_contact_judge(c->contacts_loaded ? &c->contacts : NULL, cv->conv.contact, &cv->contact, listing, v,
	                           n, c->err, sizeof(c->err)) != RC_OK)
		cli_say(c, "warning", -1, "contacts: %s", c->err);
	return RC_OK;
}

/* Prints one message of cv's conversation as judged: its text (from the
 * cache) only when readable, else what is wrong with it. */
static int cli_print_message(struct cli *c, struct cli_conv *cv, const struct api_message *m,
                             const struct envelope_judged *j)
{
	const struct envelope_opened *opened;
	unsigned char digest[CHAT_DIGEST_BYTES];
	char when[TIMEFMT_MAX];
	const char *text = NULL;
	int r;

	decrypt_cache_digest(m->content, m->content_len, digest);
	if ((r = decrypt_cache_open(&c->cache, &cv->conv, m->sender, m->content, m->content_len, digest, &opened)) != RC_OK)
		return r;
	if (j->why == CHAT_READABLE)
		text = opened->text;
	if (c->o->json) {
		struct json_object *o = json_object_new_object();
		cli_json_add(o, "from", json_object_new_string(m->sender));
		cli_json_add(o, "created_at", json_object_new_string(m->created_at));
		cli_json_add(o, "text", text != NULL ? json_object_new_string(text) : NULL);
		cli_json_add(o, "decrypted", json_object_new_boolean(text != NULL));
		cli_json_add(o, "verdict", json_object_new_string(envelope_verdict_name(j->why, j->v2)));
		if (text == NULL)
			cli_json_add(o, "unreadable", json_object_new_string(decrypt_cache_placeholder(j->why)));
		cli_print_json(o);
		return RC_OK;
	}
	timefmt_long(m->created_at, when);
	printf("[%s] ", when);
	cli_print_login(stdout, m->sender, 0);
	fputs(": ", stdout);
	cli_print_text(stdout, text != NULL ? text : decrypt_cache_placeholder(j->why));
	putchar('\n');
	return RC_OK;
}

/* The pages of a conversation, walked from its newest end (sync
 * extension). From a v1 server the first "page" is the whole conversation,
 * and the walk ends there. */
struct cli_pages {
	struct api_messages *v; /* v[0] the newest page; each page oldest first */
	size_t count;
};

static void cli_pages_free(struct cli_pages *p)
{
	for (size_t i = 0; i < p->count; i++)
		api_messages_free(&p->v[i]);
	free(p->v);
	p->v = NULL;
	p->count = 0;
}

/* Fetches the page before the oldest one held into p (the newest when p is
 * empty); *more is 0 once the conversation's start is reached. */
static int cli_pages_fetch_older(struct cli *c, const char *user, struct cli_pages *p, int *more)
{
	struct api_page page = { .limit = CLI_PAGE_MESSAGES };
	struct api_messages *grown;
	int r;

	*more = 0;
	if (p->count > 0)
		page.before_id = p->v[p->count - 1].v[0].id;
	if ((grown = realloc(p->v, (p->count + 1) * sizeof(*p->v))) == NULL)
		return RC_ERR_NOMEM;
	p->v = grown;
	/* A v1 server gets the request of v1 clients. */
	if (c->sync == API_SYNC_NO)
		r = api_get_messages(&c->s, user, &p->v[p->count], c->err, sizeof(c->err));
	else
		r = api_get_messages_page(&c->s, &c->sync, user, &page, &p->v[p->count], c->err, sizeof(c->err));
	if (r != RC_OK)
		return r;
	p->count++;
	*more = c->sync != API_SYNC_NO && p->v[p->count - 1].count == CLI_PAGE_MESSAGES;
	return RC_OK;
}

/* The newest created_at of messages from contact (borrowed), or NULL. */
static const char *cli_newest_from(const struct cli_pages *p, const char *contact)
{
	const char *newest = NULL;

	for (size_t k = 0; k < p->count; k++)
		for (size_t i = 0; i < p->v[k].count; i++) {
			const struct api_message *m = &p->v[k].v[i];
			if (strcmp(m->sender, contact) == 0 && (newest == NULL || strcmp(m->created_at, newest) > 0))
				newest = m->created_at;
		}
	return newest;
}

/* Prints a conversation's messages msgs[0..n) (oldest first), judged as a
 * listing of that kind: all, or with news those marked in it; with
 * printed (tail: how many it printed so far), up to --count. */
static int cli_print_listing(struct cli *c, const char *contact, const struct api_message *const *msgs, size_t n,
                             enum envelope_listing listing, const unsigned char *news, long *printed)
{
	struct envelope_judged *v = calloc(n + 1, sizeof(*v));
	struct cli_conv cv;
	int r;

	if (v == NULL)
		return RC_ERR_NOMEM;
	if ((r = cli_conv_open(c, contact, msgs, n, &cv)) != RC_OK) {
		free(v);
		return r;
	}
	r = cli_judge(c, &cv, msgs, n, listing, v);
	for (size_t i = 0; i < n && r == RC_OK; i++) {
		if (news != NULL && !news[i])
			continue;
		if (printed != NULL && c->o->count > 0 && *printed >= c->o->count)
			break;
		if ((r = cli_print_message(c, &cv, msgs[i], &v[i])) == RC_OK && printed != NULL) {
			fflush(stdout);
			(*printed)++;
		}
	}
	cli_conv_free(&cv);
	free(v);
	return r;
}

static int cli_cmd_history(struct cli *c, char **args)
{
	struct cli_pages pages = { NULL, 0 };
	const struct api_message **all = NULL;
	const char *newest;
	size_t n = 0;
	int more = 1, r = RC_OK;

	while (r == RC_OK && more)
		r = cli_pages_fetch_older(c, args[0], &pages, &more);
	for (size_t k = 0; k < pages.count; k++)
		n += pages.v[k].count;
	if (r == RC_OK && (all = calloc(n + 1, sizeof(*all))) == NULL)
		r = RC_ERR_NOMEM;
	n = 0;
	for (size_t k = pages.count; r == RC_OK && k-- > 0;)
		for (size_t i = 0; i < pages.v[k].count; i++)
			all[n++] = &pages.v[k].v[i];
	/* The whole conversation: judged as its newest end. */
	if (r == RC_OK)
		r = cli_print_listing(c, args[0], all, n, ENVELOPE_LISTING_NEWEST, NULL, NULL);
	free(all);
	if (r != RC_OK) {
		cli_pages_free(&pages);
		return cli_fail(c, r, "history");
	}
	newest = cli_newest_from(&pages, args[0]);
	if (newest != NULL && seen_state_update(c->o->seen_path, c->o->server_name, c->key_fp, args[0], newest) != RC_OK)
		cli_say(c, "warning", -1, "cannot record what was read in %s", c->o->seen_path);
	cli_pages_free(&pages);
	return CLIENT_EXIT_OK;
}

/* Counts the messages from contact newer than last (NULL: all) in msgs;
 * *reached is set when msgs holds one as old as last, so older pages
 * cannot hold unread ones. */
static size_t cli_count_unread(const struct api_messages *msgs, const char *contact, const char *last, int *reached)
{
	size_t n = 0;

	for (size_t j = 0; j < msgs->count; j++) {
		int newer = last == NULL || strcmp(msgs->v[j].created_at, last) > 0;
		n += strcmp(msgs->v[j].sender, contact) == 0 && newer;
		if (!newer)
			*reached = 1;
	}
	return n;
}

/* The unread messages from contact: with the extension, pages from the
 * newest end until the last one read; else the whole conversation. */
static int cli_unread_of(struct cli *c, const char *contact, const char *last, size_t *n)
{
	struct cli_pages pages = { NULL, 0 };
	int more = 1, reached = 0, r = RC_OK;

	*n = 0;
	while (r == RC_OK && more && !reached) {
		if ((r = cli_pages_fetch_older(c, contact, &pages, &more)) == RC_OK)
			*n += cli_count_unread(&pages.v[pages.count - 1], contact, last, &reached);
	}
	cli_pages_free(&pages);
	return r;
}

static int cli_cmd_unread(struct cli *c, char **args)
{
	struct api_users users;
	struct seen_state seen;
	int *lookalike;
	int r, status = CLIENT_EXIT_OK;

	(void)args;
	seen_state_init(&seen);
	if (seen_state_load(c->o->seen_path, &seen) != RC_OK)
		cli_say(c, "warning", -1, "cannot read %s; counting everything", c->o->seen_path);
	if ((r = cli_get_users(c, &users, &lookalike)) != RC_OK) {
		seen_state_free(&seen);
		return cli_fail(c, r, "unread");
	}
	for (size_t i = 0; i < users.count && status == CLIENT_EXIT_OK; i++) {
		char *last = NULL;
		size_t n = 0;
		if ((r = seen_state_get(&seen, c->o->server_name, c->key_fp, users.v[i].login, &last)) != RC_OK ||
		    (r = cli_unread_of(c, users.v[i].login, last, &n)) != RC_OK) {
			status = cli_fail(c, r, "unread");
			free(last);
			break;
		}
		if (c->o->json) {
			struct json_object *o = json_object_new_object();
			cli_json_add(o, "login", json_object_new_string(users.v[i].login));
			cli_json_add(o, "unread", json_object_new_int64((int64_t)n));
			cli_print_json(o);
		} else {
			cli_print_login(stdout, users.v[i].login, lookalike[i]);
			printf(" %zu\n", n);
		}
		free(last);
	}
	free(lookalike);
	api_users_free(&users);
	seen_state_free(&seen);
	return status;
}

/* Sleeps ms milliseconds unless a signal asks to stop. */
static void cli_nap(int ms)
{
	struct timespec step = { 0, 100 * 1000000L };

	for (int left = ms; left > 0 && !cli_stop; left -= 100)
		nanosleep(&step, NULL);
}

/* One round of tail without the extension: prints the messages from each
 * contact that were not seen before (unless baseline, which only records
 * them); *news says whether there were any. */
static int cli_tail_round(struct cli *c, struct digest_set *shown, int baseline, long *printed, int *news)
{
	struct api_users users;
	int r;

	*news = 0;
	if ((r = api_get_user_listing(&c->s, &users, c->err, sizeof(c->err))) != RC_OK)
		return r;
	for (size_t i = 0; i < users.count && !cli_stop && r == RC_OK; i++) {
		const struct api_message **all = NULL;
		unsigned char *fresh = NULL;
		struct api_messages msgs;
		int any = 0;
		if ((r = api_get_messages(&c->s, users.v[i].login, &msgs, c->err, sizeof(c->err))) != RC_OK)
			break;
		if ((all = calloc(msgs.count + 1, sizeof(*all))) == NULL || (fresh = calloc(msgs.count + 1, 1)) == NULL)
			r = RC_ERR_NOMEM;
		for (size_t j = 0; j < msgs.count && r == RC_OK; j++) {
			unsigned char digest[CHAT_DIGEST_BYTES];
			int added;
			all[j] = &msgs.v[j];
			/* Our own self copies are not news. */
			if (strcmp(msgs.v[j].sender, users.v[i].login) != 0)
				continue;
			decrypt_cache_digest(msgs.v[j].content, msgs.v[j].content_len, digest);
			if ((r = digest_set_add(shown, digest, &added)) != RC_OK || !added || baseline)
				continue;
			fresh[j] = 1;
			any = 1;
		}
		/* The whole conversation: the news are judged in their place in it. */
		if (r == RC_OK && any) {
			*news = 1;
			r = cli_print_listing(c, users.v[i].login, all, msgs.count, ENVELOPE_LISTING_NEWEST, fresh, printed);
		}
		free(all);
		free(fresh);
		api_messages_free(&msgs);
	}
	api_users_free(&users);
	return r;
}

/* Prints a wait's answer, each message judged as news in its conversation
 * (grouped by conversation); our own self copies are not news. */
static int cli_tail_print_news(struct cli *c, const struct api_messages *msgs, long *printed)
{
	const struct api_message **group = calloc(msgs->count + 1, sizeof(*group));
	unsigned char *done = calloc(msgs->count + 1, 1);
	int r = group != NULL && done != NULL ? RC_OK : RC_ERR_NOMEM;

	for (size_t i = 0; i < msgs->count && r == RC_OK; i++) {
		const char *peer = msgs->v[i].peer;
		size_t n = 0;
		if (done[i] || strcmp(msgs->v[i].sender, peer) != 0)
			continue;
		for (size_t j = i; j < msgs->count; j++)
			if (!done[j] && strcmp(msgs->v[j].peer, peer) == 0 && strcmp(msgs->v[j].sender, peer) == 0) {
				done[j] = 1;
				group[n++] = &msgs->v[j];
			}
		r = cli_print_listing(c, peer, group, n, ENVELOPE_LISTING_NEW, NULL, printed);
	}
	free(group);
	free(done);
	return r;
}

static int cli_tail_done(const struct cli *c, long printed)
{
	return cli_stop || (c->o->count > 0 && printed >= c->o->count);
}

/* Tells scripts that tail follows now: they wait for this line before
 * sending what they expect to see. */
static void cli_tail_announce(void)
{
	fputs("rsa-chat: following new messages (Ctrl-C stops)\n", stderr);
}

/* Tail on a v1 server: rounds of get_messages over every contact, the
 * pause doubling from --poll-interval up to CLI_POLL_MAX_MS while rounds
 * bring nothing, back to --poll-interval on news. announce: print the
 * line for scripts once the first round is done. */
static int cli_tail_poll(struct cli *c, long *printed, int announce)
{
	struct digest_set shown;
	int pause = c->o->poll_interval_ms, news, r;

	digest_set_init(&shown);
	r = cli_tail_round(c, &shown, 1, printed, &news);
	if (r == RC_OK && announce)
		cli_tail_announce();
	while (r == RC_OK && !cli_tail_done(c, *printed)) {
		cli_nap(pause);
		if (cli_stop)
			break;
		r = cli_tail_round(c, &shown, 0, printed, &news);
		pause = news ? c->o->poll_interval_ms : clock_backoff_next(pause, CLI_POLL_MAX_MS);
	}
	digest_set_free(&shown);
	return r;
}

/* Tail with the extension: from the newest id, one parked wait_messages
 * for every conversation at a time; each message arrives (and is
 * decrypted) once. Falls back to cli_tail_poll on a v1 server. */
static int cli_tail_wait(struct cli *c, long *printed)
{
	uint64_t after;
	int r;

	if ((r = api_last_message_id(&c->s, &c->sync, &after, c->err, sizeof(c->err))) != RC_OK)
		return r;
	if (c->sync == API_SYNC_NO)
		return cli_tail_poll(c, printed, 1);
	cli_tail_announce();
	while (!cli_tail_done(c, *printed)) {
		struct api_messages msgs;
		cli_waiting_fd = c->s.fd;
		r = api_wait_messages(&c->s, &c->sync, after, CLI_WAIT_MS, API_PAGE_MAX, &msgs, c->err, sizeof(c->err));
		cli_waiting_fd = -1;
		if (r != RC_OK)
			return cli_stop ? RC_OK : r;
		/* last_message_id without wait_messages: poll after all. */
		if (c->sync == API_SYNC_NO)
			return cli_tail_poll(c, printed, 0);
		if (msgs.count > 0)
			after = msgs.v[msgs.count - 1].id;
		r = cli_tail_print_news(c, &msgs, printed);
		api_messages_free(&msgs);
		if (r != RC_OK)
			return r;
	}
	return RC_OK;
}

static int cli_cmd_tail(struct cli *c, char **args)
{
	struct sigaction sa;
	long printed = 0;
	int r;

	(void)args;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cli_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r = cli_tail_wait(c, &printed);
	return r == RC_OK ? CLIENT_EXIT_OK : cli_fail(c, r, "tail");
}

struct cli_command {
	const char *name;
	int nargs;
	int needs_server;
	int names_user;  /* its first argument is an existing user's login (login_from_input) */
	int (*run)(struct cli *c, char **args);
	const char *usage;
};

static const struct cli_command cli_commands[] = {
	{ "register", 1, 1, 0, cli_cmd_register, "register LOGIN" },
	{ "users", 0, 1, 0, cli_cmd_users, "users" },
	{ "send", 2, 1, 1, cli_cmd_send, "send USER TEXT" },
	{ "history", 1, 1, 1, cli_cmd_history, "history USER" },
	{ "unread", 0, 1, 0, cli_cmd_unread, "unread" },
	{ "tail", 0, 1, 0, cli_cmd_tail, "tail [--count N]" },
	{ "fingerprint", 0, 0, 0, cli_cmd_fingerprint, "fingerprint" },
	{ "safety", 1, 1, 1, cli_cmd_safety, "safety USER" },
	{ "verify", 1, 1, 1, cli_cmd_verify, "verify USER" },
	{ "accept-key", 1, 1, 1, cli_cmd_accept_key, "accept-key USER" },
};

int cli_run(const struct client_options *o, int argc, char **argv)
{
	const struct cli_command *cmd = NULL;
	char *args[2] = { NULL, NULL }, *user = NULL;
	struct cli c;
	int status;

	memset(&c, 0, sizeof(c));
	c.o = o;
	for (size_t i = 0; i < sizeof(cli_commands) / sizeof(cli_commands[0]); i++)
		if (strcmp(argv[0], cli_commands[i].name) == 0)
			cmd = &cli_commands[i];
	if (cmd == NULL) {
		cli_say(&c, "error", CLIENT_EXIT_USAGE, "unknown command '%s' (see --help)", argv[0]);
		return CLIENT_EXIT_USAGE;
	}
	if (argc - 1 != cmd->nargs) {
		cli_say(&c, "error", CLIENT_EXIT_USAGE, "usage: rsa-chat [OPTIONS] %s", cmd->usage);
		return CLIENT_EXIT_USAGE;
	}
	c.s.fd = -1;
	rsa_private_init(&c.key);
	decrypt_cache_init(&c.cache);
	for (int i = 0; i < cmd->nargs; i++)
		args[i] = argv[1 + i];
	/* A login as shown (escaped, e.g. pasted from a hint) names that login. */
	if (cmd->names_user && login_from_input(argv[1], &user) != RC_OK) {
		status = cli_fail(&c, RC_ERR_NOMEM, "arguments");
		goto out;
	}
	if (user != NULL)
		args[0] = user;
	if ((status = cli_load_key(&c)) != CLIENT_EXIT_OK)
		goto out;
	if (cmd->needs_server && (status = cli_open_session(&c)) != CLIENT_EXIT_OK)
		goto out;
	if (cmd->needs_server && o->login != NULL && cmd->run != cli_cmd_register &&
	    (status = cli_ensure_registered(&c)) != CLIENT_EXIT_OK)
		goto out;
	status = cmd->run(&c, args);
	if (cmd->needs_server)
		api_goodbye(&c.s);
out:
	free(user);
	session_close(&c.s);
	contacts_free(&c.contacts);
	free(c.me);
	decrypt_cache_free(&c.cache);
	rsa_private_clear(&c.key);
	if (fflush(stdout) != 0 && status == CLIENT_EXIT_OK)
		status = CLIENT_EXIT_OTHER;
	return status;
}
