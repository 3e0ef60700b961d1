#include "config.h"

#include "stresslib.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *stress_prog = "stress";

void stress_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", stress_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}
