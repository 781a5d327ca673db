/*
 * parse_cycle.c — a `cycles` entry, and the small mappings items use
 * (window, repeat, frequency, relative, response, case, overrides). The
 * item's own key table is in parse_item.c.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/parse.h"

/* "7月", "７月" or 7: a month number for `window`. */
static int
rules_get_month(struct rules_pctx *p, const struct ynode *v, const char *key,
    int *out)
{
	char	*s;
	size_t	 n;
	int	 rc;

	if (rules_want(p, v, YN_SCALAR, key) == -1)
		return -1;
	s = xstrdup(v->str);
	n = strlen(s);
	if (n > 3 && strcmp(s + n - 3, "月") == 0)
		s[n - 3] = '\0';
	{
		struct ynode	tmp = *v;

		tmp.str = s;
		rc = rules_get_int(p, &tmp, key, 1, 12, out);
	}
	free(s);
	return rc;
}

enum { WK_BUSINESS, WK_CONSECUTIVE, WK_FROM, WK_TO };
static const struct rules_kw window_kw[] = {	/* keep sorted */
	{ "business", WK_BUSINESS },
	{ "consecutive", WK_CONSECUTIVE },
	{ "from", WK_FROM },
	{ "to", WK_TO },
};

void
rules_parse_window(struct rules_pctx *p, struct rules_item *it,
    const struct ynode *v)
{
	const struct ynode	*k;
	size_t			 i;

	if (rules_want(p, v, YN_MAP, "window") == -1)
		return;
	it->has_window = 1;
	it->window.consecutive = 1;
	for (i = 0; i + 1 < v->n; i += 2) {
		k = v->kids[i];
		switch (rules_kw_lookup(p, window_kw, nitems(window_kw), k,
		    "window")) {
		case WK_BUSINESS:
			rules_get_bool(p, v->kids[i + 1], k->str,
			    &it->window.business);
			break;
		case WK_CONSECUTIVE:
			rules_get_int(p, v->kids[i + 1], k->str, 1, 31,
			    &it->window.consecutive);
			break;
		case WK_FROM:
			rules_get_month(p, v->kids[i + 1], k->str,
			    &it->window.from_month);
			break;
		case WK_TO:
			rules_get_month(p, v->kids[i + 1], k->str,
			    &it->window.to_month);
			break;
		}
	}
	if ((it->window.from_month == 0) != (it->window.to_month == 0))
		rules_perr(p, p->file, v->mark, "'window' needs both 'from' "
		    "and 'to' (or neither, with the span in 'date')");
}

/* 日…土 (also 日曜, 日曜日) or sun…sat. */
static int
rules_get_weekday(struct rules_pctx *p, const struct ynode *v, int *out)
{
	static const char *const ja[] = { "日", "月", "火", "水", "木",
	    "金", "土" };
	static const char *const en[] = { "sun", "mon", "tue", "wed", "thu",
	    "fri", "sat" };
	size_t	i, n;

	if (rules_want(p, v, YN_SCALAR, "weekday") == -1)
		return -1;
	for (i = 0; i < 7; i++) {
		n = strlen(ja[i]);
		if (strncmp(v->str, ja[i], n) == 0 && (v->str[n] == '\0' ||
		    strcmp(v->str + n, "曜") == 0 ||
		    strcmp(v->str + n, "曜日") == 0))
			break;
		if (strncasecmp(v->str, en[i], 3) == 0 && strlen(v->str) == 3)
			break;
	}
	if (i == 7) {
		rules_perr(p, p->file, v->mark, "'weekday' must be one of 日 "
		    "月 火 水 木 金 土, not '%s'", v->str);
		return -1;
	}
	*out = (int)i;
	return 0;
}

enum { RK2_DAY, RK2_FREQ, RK2_NTH, RK2_WEEKDAY };
static const struct rules_kw repeat_kw[] = {	/* keep sorted */
	{ "day", RK2_DAY },
	{ "freq", RK2_FREQ },
	{ "nth", RK2_NTH },
	{ "weekday", RK2_WEEKDAY },
};

static void
rules_check_repeat(struct rules_pctx *p, const struct rules_repeat *rp,
    const struct ynode *v)
{
	switch (rp->freq) {
	case RF_WEEKLY:
		if (rp->weekday == -1 || rp->day != 0 || rp->nth != 0)
			rules_perr(p, p->file, v->mark, "a weekly 'repeat' "
			    "needs 'weekday' (and no 'day' or 'nth')");
		break;
	case RF_MONTHLY:
	case RF_QUARTERLY:
		if ((rp->day != 0) == (rp->nth != 0 || rp->weekday != -1) ||
		    (rp->nth != 0) != (rp->weekday != -1))
			rules_perr(p, p->file, v->mark, "a monthly or "
			    "quarterly 'repeat' needs either 'day' or both "
			    "'nth' and 'weekday'");
		break;
	case RF_YEARLY:
		if (rp->day != 0 || rp->nth != 0 || rp->weekday != -1)
			rules_perr(p, p->file, v->mark, "a yearly 'repeat' "
			    "takes its day from 'date'; remove 'day', 'nth' "
			    "and 'weekday'");
		break;
	case RF_NONE:
		rules_perr(p, p->file, v->mark, "'repeat' needs 'freq' "
		    "(weekly, monthly, quarterly or yearly)");
		break;
	}
}

void
rules_parse_repeat(struct rules_pctx *p, struct rules_item *it,
    const struct ynode *v)
{
	static const char *const freqs[] = { "weekly", "monthly",
	    "quarterly", "yearly" };
	struct rules_repeat	*rp = &it->repeat;
	const struct ynode	*k, *e;
	size_t			 i;
	int			 f;

	if (rules_want(p, v, YN_MAP, "repeat") == -1)
		return;
	rp->weekday = -1;
	for (i = 0; i + 1 < v->n; i += 2) {
		k = v->kids[i];
		e = v->kids[i + 1];
		switch (rules_kw_lookup(p, repeat_kw, nitems(repeat_kw), k,
		    "repeat")) {
		case RK2_DAY:
			rules_get_int(p, e, k->str, 1, 31, &rp->day);
			break;
		case RK2_FREQ:
			if (rules_get_enum(p, e, k->str, freqs, nitems(freqs),
			    &f) == 0)
				rp->freq = (enum rules_freq)(f + 1);
			break;
		case RK2_NTH:
			if (rules_get_int(p, e, k->str, -1, 5, &rp->nth) == 0 &&
			    rp->nth == 0) {
				rules_perr(p, p->file, e->mark, "'nth' must be "
				    "1 to 5, or -1 for the last");
				rp->nth = 1;
			}
			break;
		case RK2_WEEKDAY:
			rules_get_weekday(p, e, &rp->weekday);
			break;
		}
	}
	rules_check_repeat(p, rp, v);
}

enum { QK_COUNTS, QK_MIN, QK_PER };
static const struct rules_kw freq_kw[] = {	/* keep sorted */
	{ "counts", QK_COUNTS },
	{ "min", QK_MIN },
	{ "per", QK_PER },
};

/* `counts: ITEM` or `counts: [ITEM, CYCLE/ITEM, ...]`. */
static void
rules_parse_counts(struct rules_pctx *p, struct rules_frequency *f,
    const struct ynode *v)
{
	const struct ynode	*e;
	size_t			 i, n;

	if (v->type == YN_SCALAR && !ynode_is_null(v))
		n = 1;
	else if (rules_want(p, v, YN_SEQ, "counts") == -1)
		return;
	else
		n = v->n;
	for (i = 0; i < n; i++) {
		e = v->type == YN_SEQ ? v->kids[i] : v;
		f->counts = xreallocarray(f->counts, f->ncounts + 1,
		    sizeof *f->counts);
		memset(&f->counts[f->ncounts], 0, sizeof *f->counts);
		f->counts[f->ncounts].ix = RULES_NONE;
		if (rules_get_ref(p, e, "counts", &f->counts[f->ncounts]) == 0)
			f->ncounts++;
	}
}

void
rules_parse_frequency(struct rules_pctx *p, struct rules_item *it,
    const struct ynode *v)
{
	static const char *const pers[] = { "fy", "quarter", "month" };
	const struct ynode	*k;
	size_t			 i;
	int			 per;

	if (rules_want(p, v, YN_MAP, "frequency") == -1)
		return;
	it->frequency.min = 1;
	for (i = 0; i + 1 < v->n; i += 2) {
		k = v->kids[i];
		switch (rules_kw_lookup(p, freq_kw, nitems(freq_kw), k,
		    "frequency")) {
		case QK_COUNTS:
			rules_parse_counts(p, &it->frequency, v->kids[i + 1]);
			break;
		case QK_MIN:
			rules_get_int(p, v->kids[i + 1], k->str, 1, 366,
			    &it->frequency.min);
			break;
		case QK_PER:
			if (rules_get_enum(p, v->kids[i + 1], k->str, pers,
			    nitems(pers), &per) == 0)
				it->frequency.per = (enum rules_per)per;
			break;
		}
	}
	if (ynode_get(v, "per", NULL) == NULL)
		rules_perr(p, p->file, v->mark, "'frequency' needs 'per' (fy, "
		    "quarter or month)");
}

enum { LK_OFFSET, LK_TO };
static const struct rules_kw relative_kw[] = {	/* keep sorted */
	{ "offset", LK_OFFSET },
	{ "to", LK_TO },
};

void
rules_parse_relative(struct rules_pctx *p, struct rules_item *it,
    const struct ynode *v)
{
	const struct ynode	*k;
	size_t			 i;
	int			 ok = 0;

	if (rules_want(p, v, YN_MAP, "relative") == -1)
		return;
	for (i = 0; i + 1 < v->n; i += 2) {
		k = v->kids[i];
		switch (rules_kw_lookup(p, relative_kw, nitems(relative_kw), k,
		    "relative")) {
		case LK_OFFSET:
			if (rules_get_offset(p, v->kids[i + 1], k->str,
			    &it->relative_offset) == 0)
				ok |= 1;
			break;
		case LK_TO:
			if (rules_get_ref(p, v->kids[i + 1], k->str,
			    &it->relative_to) == 0)
				ok |= 2;
			break;
		}
	}
	if (ynode_get(v, "to", NULL) == NULL ||
	    ynode_get(v, "offset", NULL) == NULL)
		rules_perr(p, p->file, v->mark, "'relative' needs 'to' (an "
		    "item) and 'offset' (like -10bd)");
	it->has_relative = ok == 3;
}

enum { SK_OPTIONS, SK_TEXT, SK_YEAR_COUNT };
static const struct rules_kw response_kw[] = {	/* keep sorted */
	{ "options", SK_OPTIONS },
	{ "text", SK_TEXT },
	{ "year_count", SK_YEAR_COUNT },
};

void
rules_parse_response(struct rules_pctx *p, struct rules_item *it,
    const struct ynode *v)
{
	struct rules_response	*rs;
	const struct ynode	*k;
	size_t			 i;

	if (rules_want(p, v, YN_MAP, "response") == -1)
		return;
	if (it->response == NULL)
		it->response = xcalloc(1, sizeof *it->response);
	rs = it->response;
	for (i = 0; i + 1 < v->n; i += 2) {
		k = v->kids[i];
		switch (rules_kw_lookup(p, response_kw, nitems(response_kw), k,
		    "response")) {
		case SK_OPTIONS:
			rules_get_list(p, v->kids[i + 1], k->str, 0, 1,
			    &rs->options, &rs->noptions);
			break;
		case SK_TEXT:
			rules_get_bool(p, v->kids[i + 1], k->str, &rs->text);
			break;
		case SK_YEAR_COUNT:
			rules_get_bool(p, v->kids[i + 1], k->str,
			    &rs->year_count);
			break;
		}
	}
	if (rs->noptions == 0 && !rs->text && !rs->year_count)
		rules_perr(p, p->file, v->mark, "'response' asks nothing: give "
		    "'options', 'text: true' or 'year_count: true'");
}

enum { AK_APPROX, AK_AT, AK_EVERY, AK_MONTHLY, AK_OFFSET, AK_QUARTERLY };
static const struct rules_kw case_kw[] = {	/* keep sorted */
	{ "approx", AK_APPROX },
	{ "at", AK_AT },
	{ "every", AK_EVERY },
	{ "monthly", AK_MONTHLY },
	{ "offset", AK_OFFSET },
	{ "quarterly", AK_QUARTERLY },
};

void
rules_parse_casespec(struct rules_pctx *p, struct rules_item *it,
    const struct ynode *v)
{
	static const char *const ats[] = { "start", "close" };
	struct rules_casespec	*cs = &it->casespec;
	const struct ynode	*k, *e;
	size_t			 i;
	int			 at;

	if (rules_want(p, v, YN_MAP, "case") == -1)
		return;
	cs->present = 1;
	for (i = 0; i + 1 < v->n; i += 2) {
		k = v->kids[i];
		e = v->kids[i + 1];
		switch (rules_kw_lookup(p, case_kw, nitems(case_kw), k,
		    "case")) {
		case AK_APPROX:
			rules_get_bool(p, e, k->str, &cs->approx);
			break;
		case AK_AT:
			if (rules_get_enum(p, e, k->str, ats, nitems(ats),
			    &at) == 0)
				cs->at = at == 0 ? RCA_START : RCA_CLOSE;
			break;
		case AK_EVERY:
			if (rules_get_offset(p, e, k->str, &cs->every) == 0)
				cs->has_every = 1;
			break;
		case AK_MONTHLY:
			rules_get_bool(p, e, k->str, &cs->monthly);
			break;
		case AK_OFFSET:
			if (rules_get_offset(p, e, k->str, &cs->offset) == 0)
				cs->has_offset = 1;
			break;
		case AK_QUARTERLY:
			rules_get_bool(p, e, k->str, &cs->quarterly);
			break;
		}
	}
	/* `{at: close, offset: +3mo}`: that long after the close. */
	if (cs->at == RCA_CLOSE && cs->has_offset && !cs->monthly &&
	    !cs->quarterly && !cs->has_every)
		;
	else if ((cs->at != RCA_NONE) + cs->has_offset + (cs->monthly != 0) +
	    (cs->quarterly != 0) + cs->has_every != 1)
		rules_perr(p, p->file, v->mark, "'case' needs exactly one of "
		    "'at', 'offset', 'every', 'monthly: true' or "
		    "'quarterly: true' (or 'at: close' with an 'offset')");
	if (cs->has_every && (cs->every.n <= 0 || cs->every.unit >= RU_HOUR))
		rules_perr(p, p->file, v->mark, "'every' is a positive number "
		    "of days, business days, weeks or months");
	else if (cs->approx && !cs->has_offset)
		rules_perr(p, p->file, v->mark, "'approx' only goes with "
		    "'offset'");
}
