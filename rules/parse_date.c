/*
 * parse_date.c — date forms in rule files (docs/rules-syntax.md, "Date
 * forms"). The form is recognised and checked here so `check` reports an
 * impossible date or a wrong weekday at the value's position.
 *
 * The value itself is parsed by B2's datespec_parse (rules/datespec.h)
 * and kept in rules_date.spec for the expander.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/datespec.h"
#include "rules/parse.h"

static const char *const wd_ja[] = { "日", "月", "火", "水", "木", "金",
	"土" };

struct rules_dscan {
	const char	*s;	/* folded text, advancing */
	int		 y;		/* 0 = not given */
	int		 m, d;		/* -1 = not given */
	int		 wd;		/* written weekday or -1 */
};

static int
rules_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
rules_mdays(int y, int m)
{
	static const int	days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;	/* callers check the month; be safe anyway */
	return m == 2 && rules_leap(y) ? 29 : days[m - 1];
}

/* Sakamoto's method: 0 = Sunday. */
static int
rules_weekday(int y, int m, int d)
{
	static const int	t[] = { 0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4 };

	if (m < 3)
		y--;
	return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

static int
rules_num(struct rules_dscan *ds, int maxdigits)
{
	int	v = 0, n = 0;

	while (*ds->s >= '0' && *ds->s <= '9' && n < maxdigits) {
		v = v * 10 + (*ds->s++ - '0');
		n++;
	}
	if (n == 0 || (*ds->s >= '0' && *ds->s <= '9'))
		return -1;
	return v;
}

static int
rules_lit(struct rules_dscan *ds, const char *lit)
{
	size_t	n = strlen(lit);

	if (strncmp(ds->s, lit, n) != 0)
		return 0;
	ds->s += n;
	return 1;
}

/* 令和/平成/昭和 N or 元, or R/H/S N: the Gregorian year, -1 if none. */
static int
rules_era(struct rules_dscan *ds)
{
	static const struct {
		const char	*name;
		int		 base;
	} eras[] = {
		{ "令和", 2018 }, { "平成", 1988 }, { "昭和", 1925 },
		{ "R", 2018 }, { "H", 1988 }, { "S", 1925 },
	};
	size_t	i;
	int	n;

	for (i = 0; i < nitems(eras); i++) {
		if (!rules_lit(ds, eras[i].name))
			continue;
		if (rules_lit(ds, "元"))
			return eras[i].base + 1;
		if ((n = rules_num(ds, 2)) < 1)
			return -1;
		return eras[i].base + n;
	}
	return -1;
}

/* A trailing "(木)": cut off, its weekday kept; -1 if none. */
static int
rules_weekday_suffix(char *text)
{
	size_t	n = strlen(text), i, wl;

	for (i = 0; i < 7; i++) {
		wl = strlen(wd_ja[i]);
		if (n < wl + 2 || text[n - 1] != ')' ||
		    text[n - wl - 2] != '(' ||
		    strncmp(text + n - wl - 1, wd_ja[i], wl) != 0)
			continue;
		n -= wl + 2;
		while (n > 0 && text[n - 1] == ' ')
			n--;
		text[n] = '\0';
		return (int)i;
	}
	return -1;
}

/* Month forms after "M月": 頃, 中, 上旬/中旬/下旬, 以降, 日 with a day. */
static int
rules_month_tail(struct rules_dscan *ds)
{
	static const char *const tails[] = { "頃", "中旬", "中", "上旬",
	    "下旬", "以降" };
	size_t	i;

	for (i = 0; i < nitems(tails); i++)
		if (rules_lit(ds, tails[i]))
			return *ds->s == '\0' ? 0 : -1;
	if ((ds->d = rules_num(ds, 2)) < 0 || !rules_lit(ds, "日"))
		return -1;
	return *ds->s == '\0' ? 0 : -1;
}

/*
 * Recognises one date form; fills y/m/d as far as the form gives them.
 * -1 when the text is no date form at all.
 */
static int
rules_scan_date(struct rules_dscan *ds)
{
	const char	*start = ds->s;
	int		 m2;

	ds->m = ds->d = -1;
	if (strcmp(ds->s, "年度末") == 0)
		return 0;
	if ((ds->y = rules_era(ds)) != -1) {
		if (rules_lit(ds, "年")) {
			if ((ds->m = rules_num(ds, 2)) < 0 ||
			    !rules_lit(ds, "月"))
				return -1;
			return rules_month_tail(ds);
		}
		if (!rules_lit(ds, ".") || (ds->m = rules_num(ds, 2)) < 0)
			return -1;
		if (rules_lit(ds, "頃"))
			return *ds->s == '\0' ? 0 : -1;
		if (!rules_lit(ds, ".") || (ds->d = rules_num(ds, 2)) < 0)
			return -1;
		return *ds->s == '\0' ? 0 : -1;
	}
	ds->s = start;
	ds->m = ds->d = -1;
	if ((ds->y = rules_num(ds, 4)) >= 1000 && rules_lit(ds, "-")) {
		if ((ds->m = rules_num(ds, 2)) < 0 || !rules_lit(ds, "-") ||
		    (ds->d = rules_num(ds, 2)) < 0)
			return -1;
		return *ds->s == '\0' ? 0 : -1;
	}
	ds->s = start;
	ds->y = 0;
	ds->m = ds->d = -1;
	if ((ds->m = rules_num(ds, 2)) < 0)
		return -1;
	if (rules_lit(ds, "-")) {	/* 01-16 */
		if ((ds->d = rules_num(ds, 2)) < 0)
			return -1;
		return *ds->s == '\0' ? 0 : -1;
	}
	if (rules_lit(ds, "~")) {	/* 7~10月 */
		if ((m2 = rules_num(ds, 2)) < 1 || m2 > 12 ||
		    !rules_lit(ds, "月"))
			return -1;
		return *ds->s == '\0' ? 0 : -1;
	}
	if (!rules_lit(ds, "月"))
		return -1;
	return rules_month_tail(ds);
}

/* Range checks of what the form gave; a message for the first failure. */
static int
rules_check_date(struct rules_pctx *p, const struct ynode *v,
    const char *key, const struct rules_dscan *ds)
{
	int	wd;

	if (ds->m != -1 && (ds->m < 1 || ds->m > 12)) {
		rules_perr(p, p->file, v->mark, "'%s': '%s' has no month %d",
		    key, v->str, ds->m);
		return -1;
	}
	if (ds->d != -1 && (ds->m == -1 || ds->d < 1 ||
	    ds->d > rules_mdays(ds->y ? ds->y : 2024, ds->m))) {
		if (ds->y)
			rules_perr(p, p->file, v->mark, "'%s': '%s' is not a "
			    "date: %d-%02d has %d days", key, v->str, ds->y,
			    ds->m, rules_mdays(ds->y, ds->m));
		else
			rules_perr(p, p->file, v->mark, "'%s': '%s' is not a "
			    "date: month %d has %d days", key, v->str, ds->m,
			    rules_mdays(2024, ds->m));
		return -1;
	}
	if (ds->y == 0 && ds->m == 2 && ds->d == 29)
		rules_pwarn(p, p->file, v->mark, "'%s': '%s' exists only in "
		    "leap years; other years have no occurrence", key, v->str);
	if (ds->wd != -1 && ds->y && ds->d > 0 &&
	    (wd = rules_weekday(ds->y, ds->m, ds->d)) != ds->wd)
		rules_pwarn(p, p->file, v->mark, "'%s': '%s' says %s but "
		    "%d-%02d-%02d is a %s曜日", key, v->str, wd_ja[ds->wd],
		    ds->y, ds->m, ds->d, wd_ja[wd]);
	return 0;
}


/*
 * B2's datespec_parse is the authority on which forms exist (the expander
 * resolves what it returns); the scan above adds precise messages for
 * impossible dates and the weekday check. Both must accept a value.
 */
int
rules_get_date(struct rules_pctx *p, const struct ynode *v, const char *key,
    struct rules_date *d)
{
	struct rules_dscan	 ds;
	struct datespec		 spec;
	char			*text, err[128];
	int			 mine, theirs;

	if (rules_want(p, v, YN_SCALAR, key) == -1)
		return -1;
	err[0] = '\0';
	theirs = datespec_parse(v->str, &spec, err, sizeof err);
	memset(&ds, 0, sizeof ds);
	text = rules_fold(v->str);
	ds.wd = rules_weekday_suffix(text);
	ds.s = text;
	mine = rules_scan_date(&ds);
	free(text);
	if (mine == -1 && theirs == 0) {	/* a form only B2 knows */
		ds.y = spec.year;
		ds.m = spec.month > 0 ? spec.month : -1;
		ds.d = spec.day > 0 ? spec.day : -1;
		ds.wd = spec.wd;
		mine = 0;
	}
	if (mine == 0 && rules_check_date(p, v, key, &ds) == -1)
		return -1;
	if (strcmp(err, "not a date form") == 0)
		err[0] = '\0';	/* nothing the sentence below lacks */
	if (mine == -1 || theirs == -1) {
		rules_perr(p, p->file, v->mark, "'%s': '%s' is not a date form%s"
		    "%s (like 2025-06-20, 令和7年6月20日（金）, 6月20日, 6月頃, "
		    "4月中, 1月上旬, 7～10月, 9月以降, 年度末)", key, v->str,
		    err[0] != '\0' ? ": " : "", err);
		return -1;
	}
	rules_date_clear(d);
	d->raw = xstrdup(v->str);
	d->mark = v->mark;
	d->spec = xmalloc(sizeof *d->spec);
	*d->spec = spec;
	d->y = ds.y > 0 && ds.m > 0 ? ds.y : 0;
	d->m = ds.m > 0 ? ds.m : 0;
	d->d = ds.d > 0 ? ds.d : 0;
	return 0;
}
