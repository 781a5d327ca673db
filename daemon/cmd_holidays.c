/*
 * cmd_holidays.c — `koyomi holidays FROM [TO]`: one line per national
 * holiday (祝日, 振替休日, 国民の休日) in the years FROM..TO.
 */
#include <stdio.h>
#include <stdlib.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/cmd.h"

static int
parse_year(const char *s, int *y)
{
	char	*end;
	long	 v;

	v = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v < CAL_HOLIDAY_MIN ||
	    v > CAL_HOLIDAY_MAX)
		return -1;
	*y = (int)v;
	return 0;
}

int
cmd_holidays(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct cal_holiday_entry	*v;
	size_t				 n, i;
	int				 y0, y1;
	char				 iso[11];

	(void)ctx;
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: koyomi holidays FROM [TO]\n");
		return 2;
	}
	for (i = 1; i < (size_t)argc; i++) {
		if (parse_year(argv[i], i == 1 ? &y0 : &y1) == -1) {
			fprintf(stderr, "koyomi: holidays: bad year '%s': "
			    "holidays are computed for %d..%d\n", argv[i],
			    CAL_HOLIDAY_MIN, CAL_HOLIDAY_MAX);
			return 2;
		}
	}
	if (argc == 2)
		y1 = y0;
	if (y1 < y0) {
		fprintf(stderr, "koyomi: holidays: TO (%d) is before FROM "
		    "(%d)\n", y1, y0);
		return 2;
	}
	n = cal_holidays(y0, y1, NULL, 0);
	v = xcalloc(n + 1, sizeof *v);
	cal_holidays(y0, y1, v, n);
	for (i = 0; i < n; i++) {
		cal_format_iso(iso, v[i].day);
		printf("%s\t%s\n", iso, v[i].name);
	}
	free(v);
	return 0;
}
