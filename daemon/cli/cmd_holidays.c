/*
 * cmd_holidays.c — `koyomi holidays [--detail] FROM [TO]`: one line per
 * national holiday (祝日, 振替休日, 国民の休日) in the years FROM..TO.
 *
 * Names are those of the Cabinet Office list (内閣府「国民の祝日について」,
 * syukujitsu.csv), so its rows and these lines compare equal: that list
 * calls both 振替休日 and 国民の休日 just 休日, and names 2019-10-14
 * 「体育の日（スポーツの日）」 (the new name was already enacted). With
 * --detail the law's own terms are printed instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/cli/cmd.h"

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

static const char *
official_name(cal_day day, const char *name)
{
	int	y, m, d;

	if (strcmp(name, "振替休日") == 0 || strcmp(name, "国民の休日") == 0)
		return "休日";
	cal_to_ymd(day, &y, &m, &d);
	if (y == 2019 && strcmp(name, "体育の日") == 0)
		return "体育の日（スポーツの日）";
	return name;
}

int
cmd_holidays(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct cal_holiday_entry	*v;
	size_t				 n, i;
	int				 y0, y1, detail = 0;
	char				 iso[11];

	(void)ctx;
	if (argc > 1 && strcmp(argv[1], "--detail") == 0) {
		detail = 1;
		argc--;
		argv++;
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: koyomi holidays [--detail] FROM [TO]\n");
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
		printf("%s\t%s\n", iso, detail ? v[i].name :
		    official_name(v[i].day, v[i].name));
	}
	free(v);
	return 0;
}
