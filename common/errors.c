#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "errors.h"

const char *rc_strerror(int status)
{
	switch ((enum rc_status)status) {
	case RC_OK: return "success";
	case RC_ERR_NOMEM: return "out of memory";
	case RC_ERR_TOO_LARGE: return "size or count over its limit";
	case RC_ERR_FORMAT: return "malformed input";
	case RC_ERR_RANGE: return "number out of range";
	case RC_ERR_IO: return "input/output error";
	case RC_ERR_EOF: return "connection closed by peer";
	case RC_ERR_TIMEOUT: return "timed out";
	case RC_ERR_KEY: return "unusable RSA key";
	case RC_ERR_PERM: return "private key file permissions are too open";
	case RC_ERR_EXISTS: return "file exists";
	case RC_ERR_NUL: return "text contains a NUL byte";
	case RC_ERR_UTF8: return "invalid UTF-8";
	case RC_ERR_INVAL: return "invalid argument";
	case RC_ERR_NOTFOUND: return "not found";
	case RC_ERR_PROTOCOL: return "protocol violation by peer";
	case RC_ERR_SERVER: return "server returned an error";
	case RC_ERR_DB: return "database error";
	}
	return "unknown error";
}

void rc_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
