/*
 * datespec.h — the meaning of a date form (docs/rules-syntax.md, "Date
 * forms") and its resolution inside a fiscal year. The parser (parse_date.c)
 * checks the text where it is written; the expander parses it into a
 * struct datespec and resolves it per fiscal year. Pure.
 */
#ifndef KOYOMI_RULES_DATESPEC_H
#define KOYOMI_RULES_DATESPEC_H

#include <stddef.h>

#include "calendars/cal.h"
#include "rules/rules.h"

enum ds_kind {
	DS_EXACT,	/* 2025-01-16, 令和7年1月16日, 1月16日 (year 0) */
	DS_APPROX,	/* 6月頃 */
	DS_WITHIN,	/* 4月中 */
	DS_PART,	/* 1月上旬 / 中旬 / 下旬 */
	DS_WINDOW,	/* 7～10月 */
	DS_FROM,	/* 9月以降 */
	DS_FYEND,	/* 年度末 */
};

struct datespec {
	enum ds_kind	 kind;
	int		 year;		/* calendar year, 0 = FY-relative */
	int		 month, day;	/* day 0 for month forms */
	int		 month2;	/* DS_WINDOW: last month */
	int		 part;		/* DS_PART: 1 上旬, 2 中旬, 3 下旬 */
	int		 wd;		/* written weekday, -1 none */
	char		 label[48];	/* "6月頃", "7～10月", "" for exact */
};

/* 0 on success; -1 with a short message in err. */
int	datespec_parse(const char *, struct datespec *, char *err, size_t);

/*
 * Resolves a date form for fiscal year fy (with start month fy_start):
 * sets the first and last day of its span and returns 1 when it lies in
 * that fiscal year, 0 when it does not (an exact date of another year),
 * -1 when it names a day that does not exist.
 */
int	datespec_resolve(const struct datespec *, int fy, int fy_start,
	    cal_day *first, cal_day *last);

/* 1 if the form is approximate (a span, tentative). */
int	datespec_tentative(const struct datespec *);

/*
 * Offsets: a sign (default +), at most 6 digits and a unit d, bd, w, mo,
 * h, min or s ("-10bd", "+3mo", "-30min"); after d, bd, w or mo an
 * optional " HH:MM" sets at_secs (else -1). Full-width digits accepted.
 * 0, or -1 with a short message in err.
 */
int	datespec_parse_offset(const char *, struct rules_offset *, char *err,
	    size_t);
/*
 * Times of day as local seconds since midnight. A single time "12:45"
 * (H or HH, 00-23, MM 00-59); a range "10:00-16:30" (also ～, 〜, ~,
 * full-width digits and colons) whose end is after its start; a range's
 * end may be 24:00. 0, or -1 with a message in err.
 */
int	datespec_parse_time(const char *, int *secs, char *err, size_t);
int	datespec_parse_timerange(const char *, int *start, int *end,
	    char *err, size_t);

#endif
