/*
 * zone.c — the calendar's time zone. koyomi supports fixed-offset zones:
 * Asia/Tokyo (+09:00; Japan has kept no daylight saving time since 1951,
 * so the offset is exact for every date koyomi handles), UTC, and explicit
 * "+HH:MM" / "-HH:MM". A fixed offset keeps the conversions pure: no TZ
 * environment juggling and no dependence on the host's zone database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/cal.h"
#include "calendars/util.h"

struct cal_zone {
	char	*name;
	int	 offset;	/* seconds east of UTC */
};

struct cal_zone *
cal_zone_new(const char *name, char **cause)
{
	struct cal_zone	*z;
	int		 off, hh, mm, n = 0;
	char		 sign;

	if (strcmp(name, "Asia/Tokyo") == 0 || strcmp(name, "Japan") == 0)
		off = 9 * 3600;
	else if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0)
		off = 0;
	else if (sscanf(name, "%c%2d:%2d%n", &sign, &hh, &mm, &n) == 3 &&
	    name[n] == '\0' && (sign == '+' || sign == '-') && hh <= 14 &&
	    mm < 60)
		off = (sign == '-' ? -1 : 1) * (hh * 3600 + mm * 60);
	else {
		if (cause != NULL)
			xasprintf(cause, "unsupported time zone '%s' (use "
			    "Asia/Tokyo, UTC or a fixed offset like +09:00)",
			    name);
		return NULL;
	}
	z = xcalloc(1, sizeof *z);
	z->name = xstrdup(name);
	z->offset = off;
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
	return (time_t)day * 86400 + secs - z->offset;
}

void
cal_utc_to_local(const struct cal_zone *z, time_t t, cal_day *day, int *secs)
{
	long long	 local = (long long)t + z->offset;
	long long	 d = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);

	*day = (cal_day)d;
	*secs = (int)(local - d * 86400);
}
