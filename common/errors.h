/* Error codes shared by every module: functions return RC_OK (0) or one of
 * these negative values, and fill their out-parameters only on success. */
#ifndef RC_ERRORS_H
#define RC_ERRORS_H

#include <stddef.h>

enum rc_status {
	RC_OK = 0,
	RC_ERR_NOMEM = -1,      /* allocation failed */
	RC_ERR_TOO_LARGE = -2,  /* a length, count or size over its limit */
	RC_ERR_FORMAT = -3,     /* malformed input (bytes, JSON, key file, base64) */
	RC_ERR_RANGE = -4,      /* a number out of range, e.g. an RSA block >= n */
	RC_ERR_IO = -5,         /* a system call failed; errno tells more */
	RC_ERR_EOF = -6,        /* the peer closed the connection */
	RC_ERR_TIMEOUT = -7,    /* a deadline passed */
	RC_ERR_KEY = -8,        /* an unusable RSA key (too small, even e, inconsistent) */
	RC_ERR_PERM = -9,       /* a private key file readable by group or others */
	RC_ERR_EXISTS = -10,    /* refusing to overwrite an existing file */
	RC_ERR_NUL = -11,       /* text holding NUL, or a chunk that would start with 0x00 */
	RC_ERR_UTF8 = -12,      /* invalid UTF-8 */
	RC_ERR_INVAL = -13,     /* a caller passed an invalid argument */
	RC_ERR_NOTFOUND = -14,  /* a file or entry does not exist */
	RC_ERR_PROTOCOL = -15,  /* the peer broke the protocol */
	RC_ERR_SERVER = -16,    /* the server answered {"state": "error"} */
	RC_ERR_DB = -17,        /* the database failed or is unreachable */
};

/* A short English description of an rc_status value (static storage). */
const char *rc_strerror(int status);

/* Formats a one-line reason into a caller's error buffer (err may be NULL
 * or errlen 0: then nothing is written). */
void rc_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
