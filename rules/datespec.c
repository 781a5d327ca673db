/*
 * datespec.c — date forms: parse the written text, resolve per fiscal
 * year. Full-width digits and ～/〜 are normalised first (cal_normalize).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "rules/datespec.h"

static int
eat(const char **s, const char *lit)
{
	size_t	 n = strlen(lit);

	if (strncmp(*s, lit, n) != 0)
		return 0;
	*s += n;
	return 1;
}

static int
num(const char **s, int *v)
{
	int	 n = 0, digits = 0;

	while (**s >= '0' && **s <= '9' && digits < 4) {
		n = n * 10 + (**s - '0');
		(*s)++;
		digits++;
	}
	*v = n;
	return digits > 0;
}

/* "M月..." tails after an optional year: 頃, 中, 上旬…, 以降, ~N月. */
static int
month_form(const char *s, int dotted, struct datespec *ds, char *err,
    size_t len)
{
	int	 m;

	if (!num(&s, &m) || m < 1 || m > 12) {
		snprintf(err, len, "expected a month 1-12");
		return -1;
	}
	ds->month = m;
	if (*s == '~' || *s == '-') {
		s++;
		if (!num(&s, &ds->month2) || ds->month2 < 1 ||
		    ds->month2 > 12 || !eat(&s, "月") || *s != '\0') {
			snprintf(err, len, "expected a month window like 7～10月");
			return -1;
		}
		ds->kind = DS_WINDOW;
		snprintf(ds->label, sizeof ds->label, "%d～%d月", m,
		    ds->month2);
		return 0;
	}
	/* "R8.1頃" writes the month without 月. */
	if (!eat(&s, "月") && !dotted) {
		snprintf(err, len, "expected 月 after the month");
		return -1;
	}
	/* 中旬 before 中: the longer word first. */
	if (eat(&s, "上旬"))
		ds->kind = DS_PART, ds->part = 1;
	else if (eat(&s, "中旬"))
		ds->kind = DS_PART, ds->part = 2;
	else if (eat(&s, "下旬"))
		ds->kind = DS_PART, ds->part = 3;
	else if (eat(&s, "頃"))
		ds->kind = DS_APPROX;
	else if (eat(&s, "中"))
		ds->kind = DS_WITHIN;
	else if (eat(&s, "以降"))
		ds->kind = DS_FROM;
	else {
		snprintf(err, len, "expected a day, 頃, 中, 上旬, 中旬, 下旬 or 以降");
		return -1;
	}
	if (*s != '\0') {
		snprintf(err, len, "unexpected text after the date");
		return -1;
	}
	return 0;
}

/* "M月D日", "MM-DD", with an optional weekday handled by cal_parse_date. */
static int
monthday(const char *s, struct datespec *ds)
{
	char	 buf[96];
	cal_day	 z;
	int	 m, d, wd;

	/* Borrow the full parser with a leap year so 2月29日 is accepted. */
	if (snprintf(buf, sizeof buf, "2024年%s", s) < (int)sizeof buf &&
	    cal_parse_date(buf, &z, &wd) == 0) {
		cal_to_ymd(z, &ds->year, &m, &d);
		ds->year = 0;
		ds->month = m;
		ds->day = d;
		ds->wd = wd;
		return 0;
	}
	if (strlen(s) == 5 && s[2] == '-' && sscanf(s, "%2d-%2d", &m, &d) == 2 &&
	    cal_valid(2024, m, d)) {
		ds->month = m;
		ds->day = d;
		return 0;
	}
	return -1;
}

int
datespec_parse(const char *src, struct datespec *ds, char *err, size_t len)
{
	char		*s, *p, *q;
	const char	*t;
	cal_day		 z;
	size_t		 n;
	int		 y, m, d, isfy, rc = -1, dotted;

	memset(ds, 0, sizeof *ds);
	ds->wd = -1;
	s = cal_normalize(src);
	for (p = q = s; *p != '\0'; p++)
		if (*p != ' ')
			*q++ = *p;
	*q = '\0';
	if (strcmp(s, "年度末") == 0) {
		ds->kind = DS_FYEND;
		snprintf(ds->label, sizeof ds->label, "年度末");
		rc = 0;
	} else if (cal_parse_date(s, &z, &ds->wd) == 0) {
		ds->kind = DS_EXACT;
		cal_to_ymd(z, &ds->year, &ds->month, &ds->day);
		rc = 0;
	} else if (monthday(s, ds) == 0) {
		ds->kind = DS_EXACT;
		rc = 0;
	} else if (cal_era_year(s, &y, &n, &isfy) == 0 && !isfy) {
		t = s + n;
		dotted = *t == '.';	/* R8.1頃 */
		if (dotted)
			t++;
		rc = month_form(t, dotted, ds, err, len);
		ds->year = y;
	} else if (strlen(s) > 5 && sscanf(s, "%4d年", &y) == 1 &&
	    strncmp(s + 4, "年", strlen("年")) == 0) {
		rc = month_form(s + 4 + strlen("年"), 0, ds, err, len);
		ds->year = y;
	} else if (s[0] >= '0' && s[0] <= '9')
		rc = month_form(s, 0, ds, err, len);
	else
		snprintf(err, len, "not a date form");
	if (rc == 0 && ds->kind != DS_EXACT && ds->kind != DS_FYEND &&
	    ds->kind != DS_WINDOW) {
		static const char *const tail[] = { "", "頃", "中", "", "",
		    "以降", "" };
		static const char *const part[] = { "", "上旬", "中旬", "下旬" };

		m = ds->month;
		d = ds->kind == DS_PART ? ds->part : 0;
		snprintf(ds->label, sizeof ds->label, "%d月%s%s", m,
		    ds->kind == DS_PART ? part[d] : "", tail[ds->kind]);
	}
	free(s);
	return rc;
}

int
datespec_tentative(const struct datespec *ds)
{
	return ds->kind != DS_EXACT && ds->kind != DS_FYEND;
}

int
datespec_resolve(const struct datespec *ds, int fy, int fy_start,
    cal_day *first, cal_day *last)
{
	int	 y, y2, dim;

	if (ds->kind == DS_FYEND) {
		*first = *last = cal_fy_last(fy, fy_start);
		return 1;
	}
	y = ds->year != 0 ? ds->year : cal_fy_month_year(fy, ds->month,
	    fy_start);
	if (ds->kind == DS_EXACT) {
		if (!cal_valid(y, ds->month, ds->day))
			return -1;
		*first = *last = cal_from_ymd(y, ds->month, ds->day);
	} else {
		dim = cal_days_in_month(y, ds->month);
		*first = cal_from_ymd(y, ds->month, 1);
		*last = cal_from_ymd(y, ds->month, dim);
		if (ds->kind == DS_PART) {
			*first = cal_from_ymd(y, ds->month,
			    ds->part == 1 ? 1 : ds->part == 2 ? 11 : 21);
			if (ds->part < 3)
				*last = cal_from_ymd(y, ds->month,
				    ds->part == 1 ? 10 : 20);
		} else if (ds->kind == DS_WINDOW) {
			y2 = ds->year != 0 ? (ds->month2 < ds->month ? y + 1 : y) :
			    cal_fy_month_year(fy, ds->month2, fy_start);
			*last = cal_from_ymd(y2, ds->month2,
			    cal_days_in_month(y2, ds->month2));
		} else if (ds->kind == DS_FROM)
			*last = cal_fy_last(cal_fy_of(*first, fy_start),
			    fy_start);
	}
	return cal_fy_of(*first, fy_start) == fy;
}
