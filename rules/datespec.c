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
			/* A window across the year's end: "11～2月". */
			if (y2 == y && ds->month2 < ds->month)
				y2++;
			*last = cal_from_ymd(y2, ds->month2,
			    cal_days_in_month(y2, ds->month2));
		} else if (ds->kind == DS_FROM)
			*last = cal_fy_last(cal_fy_of(*first, fy_start),
			    fy_start);
	}
	return cal_fy_of(*first, fy_start) == fy;
}

/* "HH:MM" at *s; max_h 24 allows the end of a range to be 24:00. */
static int
clock_time(const char **s, int max_h, int *secs)
{
	int	 h, m;
	const char *p = *s;

	if (!num(&p, &h) || p - *s > 2 || *p != ':')
		return -1;
	p++;
	if (!(p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9'))
		return -1;
	m = (p[0] - '0') * 10 + (p[1] - '0');
	p += 2;
	if (h > max_h || m > 59 || (h == 24 && m != 0))
		return -1;
	*secs = h * 3600 + m * 60;
	*s = p;
	return 0;
}

/* Normalised copy without surrounding spaces; the caller frees it. */
static char *
trimmed(const char *src)
{
	char	*s = cal_normalize(src), *p;
	size_t	 n;

	for (p = s; *p == ' '; p++)
		;
	n = strlen(p);
	while (n > 0 && p[n - 1] == ' ')
		n--;
	memmove(s, p, n);
	s[n] = '\0';
	return s;
}

int
datespec_parse_time(const char *src, int *secs, char *err, size_t len)
{
	char		*s = trimmed(src);
	const char	*p = s;
	int		 rc = 0;

	if (clock_time(&p, 23, secs) == -1 || *p != '\0') {
		snprintf(err, len, "expected a time of day like 12:45");
		rc = -1;
	}
	free(s);
	return rc;
}

int
datespec_parse_timerange(const char *src, int *start, int *end, char *err,
    size_t len)
{
	char		*s = trimmed(src);
	const char	*p = s;
	int		 rc = -1;

	if (clock_time(&p, 23, start) == -1) {
		snprintf(err, len, "expected a time like 10:00 or a range "
		    "like 10:00-16:30");
		goto out;
	}
	while (*p == ' ')
		p++;
	if (*p == '\0') {
		*end = -1;
		rc = 0;
		goto out;
	}
	if (*p != '-' && *p != '~') {
		snprintf(err, len, "expected - or ～ between the two times");
		goto out;
	}
	for (p++; *p == ' '; p++)
		;
	if (clock_time(&p, 24, end) == -1 || *p != '\0') {
		snprintf(err, len, "expected an end time like 16:30");
		goto out;
	}
	if (*end <= *start) {
		snprintf(err, len, "the end of a time range must be after "
		    "its start");
		goto out;
	}
	rc = 0;
out:
	free(s);
	return rc;
}

/* Unit names, longest first so "min" is not read as "mo" + garbage. */
static const struct {
	const char	*name;
	enum rules_unit	 unit;
} ds_units[] = {
	{ "min", RU_MIN }, { "bd", RU_BDAY }, { "mo", RU_MONTH },
	{ "d", RU_DAY }, { "w", RU_WEEK }, { "h", RU_HOUR }, { "s", RU_SEC },
};

int
datespec_parse_offset(const char *src, struct rules_offset *o, char *err,
    size_t len)
{
	char		*s = trimmed(src);
	const char	*p = s;
	size_t		 i, digits;
	int		 sign = 1, rc = -1;

	o->n = 0;
	o->unit = RU_DAY;
	o->at_secs = -1;
	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	for (digits = 0; *p >= '0' && *p <= '9'; p++, digits++)
		if (digits < 6)
			o->n = o->n * 10 + (*p - '0');
	if (digits == 0 || digits > 6) {
		snprintf(err, len, digits ? "an offset has at most 6 digits" :
		    "expected an offset like -10bd, +3mo or \"0d 09:00\"");
		goto out;
	}
	o->n *= sign;
	for (i = 0; i < nitems(ds_units); i++)
		if (eat(&p, ds_units[i].name))
			break;
	if (i == nitems(ds_units)) {
		snprintf(err, len, "expected a unit: d, bd, w, mo, h, min or s");
		goto out;
	}
	o->unit = ds_units[i].unit;
	if (*p == ' ') {
		while (*p == ' ')
			p++;
		if (o->unit >= RU_HOUR) {
			snprintf(err, len, "a time of day only follows d, bd, "
			    "w or mo");
			goto out;
		}
		if (clock_time(&p, 23, &o->at_secs) == -1) {
			snprintf(err, len, "expected a time like 09:00 after "
			    "the offset");
			goto out;
		}
	}
	if (*p != '\0') {
		snprintf(err, len, "unexpected text after the offset");
		goto out;
	}
	rc = 0;
out:
	free(s);
	return rc;
}
