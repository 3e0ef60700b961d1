#include "config.h"

#include "timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Does s start with "YYYY-MM-DDTHH:MM:SS" (or a space for the T)? */
static int timefmt_is_iso_stamp(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";

	for (size_t i = 0; shape[i] != '\0'; i++) {
		char c = s[i];
		if (c == '\0')
			return 0;
		if (shape[i] == 'd' ? !isdigit((unsigned char)c) : shape[i] == 'T' ? (c != 'T' && c != ' ') : c != shape[i])
			return 0;
	}
	return 1;
}

/* A printable copy of at most n bytes of s. */
static void timefmt_copy_raw(const char *s, size_t n, char out[TIMEFMT_MAX])
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < n && i + 1 < TIMEFMT_MAX; i++)
		out[i] = isprint((unsigned char)s[i]) ? s[i] : '?';
	out[i] = '\0';
}

void timefmt_short(const char *created_at, const char *today, char out[TIMEFMT_MAX])
{
	if (!timefmt_is_iso_stamp(created_at)) {
		timefmt_copy_raw(created_at, 16, out);
		return;
	}
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int month = (created_at[5] - '0') * 10 + (created_at[6] - '0');

	if (today != NULL && strncmp(created_at, today, 10) == 0)
		snprintf(out, TIMEFMT_MAX, "%.5s", created_at + 11);
	else if (month < 1 || month > 12)
		snprintf(out, TIMEFMT_MAX, "%.10s %.5s", created_at, created_at + 11);
	else if (today != NULL && strncmp(created_at, today, 4) == 0)
		snprintf(out, TIMEFMT_MAX, "%s %.2s %.5s", months[month - 1], created_at + 8, created_at + 11);
	else
		snprintf(out, TIMEFMT_MAX, "%s %.2s %.4s %.5s", months[month - 1], created_at + 8, created_at,
		         created_at + 11);
}

void timefmt_long(const char *created_at, char out[TIMEFMT_MAX])
{
	if (!timefmt_is_iso_stamp(created_at)) {
		timefmt_copy_raw(created_at, 26, out);
		return;
	}
	snprintf(out, TIMEFMT_MAX, "%.10s %.8s", created_at, created_at + 11);
}

void timefmt_today(char out[TIMEFMT_MAX])
{
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL || strftime(out, TIMEFMT_MAX, "%Y-%m-%d", &tm) == 0)
		out[0] = '\0';
}
