/*
 * zone.c — the calendar's time zone.
 *
 * Zones without daylight saving time are a fixed offset: Asia/Tokyo
 * (+09:00; Japan has kept no DST since 1951, so the offset is exact for
 * every date koyomi handles), UTC, and explicit "+HH:MM" / "-HH:MM". The
 * conversions are then plain arithmetic, independent of the host.
 *
 * Any other IANA name goes to libical's built-in zones (on Debian these
 * read the system zoneinfo once and keep them for the process): libical is
 * linked already for the feeds, and unlike TZ + mktime it needs no change
 * to the process environment. For a local time that a DST change skips or
 * repeats libical uses the offset in force after the change; koyomi's
 * deadlines and reminders sit at office hours, far from 01:00–03:00.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "calendars/cal.h"
#include "calendars/util.h"

struct cal_zone {
	char		*name;
	int		 offset;	/* seconds east of UTC, if fixed */
	icaltimezone	*tz;		/* libical's, never freed; or NULL */
};

/* A fixed offset for name, in seconds east of UTC; -1 if not fixed. */
static int
zone_fixed(const char *name, int *off)
{
	int	 hh, mm, n = 0;
	char	 sign;

	if (strcmp(name, "Asia/Tokyo") == 0 || strcmp(name, "Japan") == 0)
		*off = 9 * 3600;
	else if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)
		*off = 0;
	else if (sscanf(name, "%c%2d:%2d%n", &sign, &hh, &mm, &n) == 3 &&
	    name[n] == '\0' && (sign == '+' || sign == '-') && hh >= 0 &&
	    hh <= 14 && mm >= 0 && mm < 60)
		*off = (sign == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
	else
		return -1;
	return 0;
}

struct cal_zone *
cal_zone_new(const char *name, char **cause)
{
	struct cal_zone	*z;
	icaltimezone	*tz = NULL;
	int		 off = 0;

	if (zone_fixed(name, &off) == -1) {
		/* Only Area/Location names: "Europe/Berlin", not paths. */
		if (strchr(name, '/') != NULL && name[0] != '/' &&
		    strstr(name, "..") == NULL)
			tz = icaltimezone_get_builtin_timezone(name);
		if (tz == NULL) {
			if (cause != NULL)
				xasprintf(cause, "unknown time zone '%s' (use "
				    "an IANA name such as Asia/Tokyo, UTC or "
				    "a fixed offset like +09:00)", name);
			return NULL;
		}
	}
	z = xcalloc(1, sizeof *z);
	z->name = xstrdup(name);
	z->offset = off;
	z->tz = tz;
	return z;
}

void
cal_zone_free(struct cal_zone *z)
{
	if (z == NULL)
		return;
	free(z->name);
	free(z);
}

const char *
cal_zone_name(const struct cal_zone *z)
{
	return z->name;
}

time_t
cal_local_to_utc(const struct cal_zone *z, cal_day day, int secs)
{
	struct icaltimetype	 tt;
	int			 y, m, d, carry;

	if (z->tz == NULL)
		return (time_t)day * 86400 + secs - z->offset;
	/* Carry whole days so secs outside 0..86399 still work. */
	carry = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	day += carry;
	secs -= carry * 86400;
	cal_to_ymd(day, &y, &m, &d);
	tt = icaltime_null_time();
	tt.year = y;
	tt.month = m;
	tt.day = d;
	tt.hour = secs / 3600;
	tt.minute = secs / 60 % 60;
	tt.second = secs % 60;
	tt.is_date = 0;
	return icaltime_as_timet_with_zone(tt, z->tz);
}

void
cal_utc_to_local(const struct cal_zone *z, time_t t, cal_day *day, int *secs)
{
	struct icaltimetype	 tt;
	long long		 local, d;

	if (z->tz == NULL) {
		local = (long long)t + z->offset;
		d = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
		*day = (cal_day)d;
		*secs = (int)(local - d * 86400);
		return;
	}
	tt = icaltime_from_timet_with_zone(t, 0, z->tz);
	*day = cal_from_ymd(tt.year, tt.month, tt.day);
	*secs = tt.hour * 3600 + tt.minute * 60 + tt.second;
}
