/* Showing created_at stamps. They are the server's local time without a
 * zone ("2021-10-28T19:37:38.463670"), so they are shown as they are, only
 * shortened: no conversion could be right without the server's zone. */
#ifndef RC_CLIENT_TIMEFMT_H
#define RC_CLIENT_TIMEFMT_H

#include <stddef.h>

#define TIMEFMT_MAX 32

/* "HH:MM" when the stamp's date is today ("YYYY-MM-DD"), "Nov 28 14:05"
 * in today's year, else "Nov 28 2025 14:05" (English month names, as the
 * stamps are not localised either); a stamp of another shape is shown cut
 * to fit. today NULL: the year is always shown. */
void timefmt_short(const char *created_at, const char *today, char out[TIMEFMT_MAX]);
/* "YYYY-MM-DD HH:MM:SS", or the stamp cut to fit. */
void timefmt_long(const char *created_at, char out[TIMEFMT_MAX]);
/* Today's local date as "YYYY-MM-DD". */
void timefmt_today(char out[TIMEFMT_MAX]);

#endif
