/*
 * parse_feed.c — `policies` (reminder schedules) and `feeds` (published
 * calendars). Durations in feeds end up verbatim in ICS properties, so
 * they are checked against RFC 5545's grammar here, not by the reader.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rules/parse.h"

static void
rules_src_add(struct rules_src **v, size_t n, size_t file,
    const struct ynode *node)
{
	*v = xreallocarray(*v, n + 1, sizeof **v);
	(*v)[n].file = file;
	(*v)[n].node = node;
}

static void
rules_parse_steps(struct rules_pctx *p, struct rules_policy *pol,
    const struct ynode *v)
{
	struct rules_offset	off;
	size_t			i;

	if (rules_want(p, v, YN_SEQ, "steps") == -1)
		return;
	if (v->n == 0)
		rules_perr(p, p->file, v->mark, "'steps' is empty: a policy "
		    "needs at least one reminder");
	for (i = 0; i < v->n; i++) {
		if (rules_get_offset(p, v->kids[i], "steps", &off) == -1)
			continue;
		pol->steps = xreallocarray(pol->steps, pol->nsteps + 1,
		    sizeof *pol->steps);
		pol->steps[pol->nsteps++] = off;
	}
}

/* A positive period: repeat_overdue and escalate.after. */
static int
rules_get_period(struct rules_pctx *p, const struct ynode *v,
    const char *key, struct rules_offset *off)
{
	if (rules_get_offset(p, v, key, off) == -1)
		return -1;
	if (off->n <= 0) {
		rules_perr(p, p->file, v->mark, "'%s' must be a positive "
		    "period like 3bd, not '%s'", key, v->str);
		return -1;
	}
	return 0;
}

enum { EK_AFTER, EK_TO };
static const struct rules_kw escalate_kw[] = {	/* keep sorted */
	{ "after", EK_AFTER },
	{ "to", EK_TO },
};

static void
rules_parse_escalate(struct rules_pctx *p, struct rules_policy *pol,
    const struct ynode *v)
{
	const struct ynode	*k;
	size_t			 i;

	if (rules_want(p, v, YN_MAP, "escalate") == -1)
		return;
	if (ynode_get(v, "after", NULL) == NULL ||
	    ynode_get(v, "to", NULL) == NULL)
		rules_perr(p, p->file, v->mark, "'escalate' needs 'after' and "
		    "'to'");
	for (i = 0; i + 1 < v->n; i += 2) {
		k = v->kids[i];
		switch (rules_kw_lookup(p, escalate_kw, nitems(escalate_kw), k,
		    "escalate")) {
		case EK_AFTER:
			if (rules_get_period(p, v->kids[i + 1], k->str,
			    &pol->escalate_after) == 0)
				pol->has_escalate = 1;
			break;
		case EK_TO:
			rules_get_id(p, v->kids[i + 1], k->str,
			    &pol->escalate_to);
			break;
		}
	}
}

static void
rules_parse_channels(struct rules_pctx *p, struct rules_policy *pol,
    const struct ynode *v)
{
	static const char *const names[] = { "mail", "webhook" };
	const struct ynode	*e;
	size_t			 i;
	int			 c;

	if (rules_want(p, v, YN_SEQ, "channels") == -1)
		return;
	pol->channels = 0;
	for (i = 0; i < v->n; i++) {
		e = v->kids[i];
		if (rules_get_enum(p, e, "channels", names, nitems(names),
		    &c) == 0)
			pol->channels |= c == 0 ? RCH_MAIL : RCH_WEBHOOK;
	}
	if (v->n == 0)
		rules_perr(p, p->file, v->mark, "'channels' is empty: "
		    "reminders would go nowhere");
}

enum { PK_CHANNELS, PK_DIGEST, PK_ESCALATE, PK_ID, PK_REPEAT_OVERDUE,
	PK_STEPS };
static const struct rules_kw policy_kw[] = {	/* keep sorted */
	{ "channels", PK_CHANNELS },
	{ "digest", PK_DIGEST },
	{ "escalate", PK_ESCALATE },
	{ "id", PK_ID },
	{ "repeat_overdue", PK_REPEAT_OVERDUE },
	{ "steps", PK_STEPS },
};

void
rules_parse_policy(struct rules_pctx *p, const struct ynode *m)
{
	struct rules		*r = p->r;
	struct rules_policy	*pol;
	const struct ynode	*k, *v;
	size_t			 i;

	r->policies = xreallocarray(r->policies, r->npolicies + 1,
	    sizeof *r->policies);
	pol = &r->policies[r->npolicies];
	memset(pol, 0, sizeof *pol);
	pol->channels = RCH_MAIL;
	rules_src_add(&p->policy_src, r->npolicies++, p->file, m);
	if (ynode_get(m, "id", NULL) == NULL)
		rules_perr(p, p->file, m->mark, "policy needs 'id'");
	if (ynode_get(m, "steps", NULL) == NULL)
		rules_perr(p, p->file, m->mark, "policy needs 'steps'");
	for (i = 0; i + 1 < m->n; i += 2) {
		k = m->kids[i];
		v = m->kids[i + 1];
		switch (rules_kw_lookup(p, policy_kw, nitems(policy_kw), k,
		    "policy")) {
		case PK_CHANNELS:
			rules_parse_channels(p, pol, v);
			break;
		case PK_DIGEST:
			rules_get_bool(p, v, k->str, &pol->digest);
			break;
		case PK_ESCALATE:
			rules_parse_escalate(p, pol, v);
			break;
		case PK_ID:
			rules_get_id(p, v, k->str, &pol->id);
			break;
		case PK_REPEAT_OVERDUE:
			if (rules_get_period(p, v, k->str,
			    &pol->repeat_overdue) == 0)
				pol->has_repeat = 1;
			break;
		case PK_STEPS:
			rules_parse_steps(p, pol, v);
			break;
		}
	}
}

/* RFC 5545 dur-value: [+/-]P(nW | nD[T…] | T(nH)(nM)(nS)). */
static int
rules_ics_duration_ok(const char *s)
{
	const char	*q;
	int		 any = 0, time = 0;
	char		 last = 0;

	if (*s == '+' || *s == '-')
		s++;
	if (*s++ != 'P')
		return 0;
	while (*s != '\0') {
		if (*s == 'T') {
			if (time)
				return 0;
			time = 1;
			last = 'T';
			s++;
			continue;
		}
		for (q = s; isdigit((unsigned char)*q); q++)
			;
		if (q == s || q - s > 6 || *q == '\0')
			return 0;
		if (!time && (*q == 'W' ? last != 0 : *q != 'D' || last != 0))
			return 0;
		if (time && strchr("HMS", *q) == NULL)
			return 0;
		if (time && last != 'T' && strchr("HMS", last) >= strchr(
		    "HMS", *q))
			return 0;
		last = *q;
		any = 1;
		s = q + 1;
	}
	return any && last != 'T';
}

/*
 * An ICS duration for `alarm`/`refresh`: either RFC 5545 text ("PT12H")
 * or an offset in the rule language ("-1d"), which is converted.
 */
static int
rules_get_duration(struct rules_pctx *p, const struct ynode *v,
    const char *key, char **out)
{
	struct rules_offset	 off;
	const char		*sign;
	char			*s = NULL;
	unsigned		 n;

	if (rules_want(p, v, YN_SCALAR, key) == -1)
		return -1;
	if (strchr(v->str, 'P') != NULL) {
		if (!rules_ics_duration_ok(v->str)) {
			rules_perr(p, p->file, v->mark, "'%s': '%s' is not an "
			    "iCalendar duration like PT12H or -P1D", key,
			    v->str);
			return -1;
		}
		free(*out);
		*out = xstrdup(v->str);
		return 0;
	}
	if (rules_get_offset(p, v, key, &off) == -1)
		return -1;
	sign = off.n < 0 ? "-" : "";
	n = off.n < 0 ? (unsigned)-off.n : (unsigned)off.n;
	switch (off.unit) {
	case RU_DAY:
		xasprintf(&s, "%sP%uD", sign, n);
		break;
	case RU_WEEK:
		xasprintf(&s, "%sP%uW", sign, n);
		break;
	case RU_HOUR:
		xasprintf(&s, "%sPT%uH", sign, n);
		break;
	case RU_MIN:
		xasprintf(&s, "%sPT%uM", sign, n);
		break;
	case RU_SEC:
		xasprintf(&s, "%sPT%uS", sign, n);
		break;
	default:
		rules_perr(p, p->file, v->mark, "'%s': business days and "
		    "months cannot be used here; use d, w, h, min or s", key);
		return -1;
	}
	free(*out);
	*out = s;
	return 0;
}

static void
rules_parse_kinds(struct rules_pctx *p, struct rules_feed *f,
    const struct ynode *v)
{
	const struct ynode	*e;
	size_t			 i, n;
	int			 k;

	if (v->type == YN_SCALAR && !ynode_is_null(v))
		n = 1;
	else if (rules_want(p, v, YN_SEQ, "kinds") == -1)
		return;
	else
		n = v->n;
	for (i = 0; i < n; i++) {
		e = v->type == YN_SEQ ? v->kids[i] : v;
		if (rules_get_enum(p, e, "kinds", rules_kind_names,
		    RK_GOAL + 1, &k) == 0)
			f->kinds |= 1 << k;
	}
}

enum { FK_ALARM, FK_AUDIENCE, FK_CYCLES, FK_DEADLINES, FK_ID, FK_KINDS,
	FK_MEMBERS, FK_MEMBERS_ONLY, FK_REFRESH, FK_TITLE };
static const struct rules_kw feed_kw[] = {	/* keep sorted */
	{ "alarm", FK_ALARM },
	{ "audience", FK_AUDIENCE },
	{ "cycles", FK_CYCLES },
	{ "deadlines", FK_DEADLINES },
	{ "id", FK_ID },
	{ "kinds", FK_KINDS },
	{ "members", FK_MEMBERS },
	{ "members_only", FK_MEMBERS_ONLY },
	{ "refresh", FK_REFRESH },
	{ "title", FK_TITLE },
};

void
rules_parse_feed(struct rules_pctx *p, const struct ynode *m)
{
	struct rules		*r = p->r;
	struct rules_feed	*f;
	const struct ynode	*k, *v;
	size_t			 i;

	r->feeds = xreallocarray(r->feeds, r->nfeeds + 1, sizeof *r->feeds);
	f = &r->feeds[r->nfeeds];
	memset(f, 0, sizeof *f);
	rules_src_add(&p->feed_src, r->nfeeds++, p->file, m);
	if (ynode_get(m, "id", NULL) == NULL)
		rules_perr(p, p->file, m->mark, "feed needs 'id'");
	for (i = 0; i + 1 < m->n; i += 2) {
		k = m->kids[i];
		v = m->kids[i + 1];
		switch (rules_kw_lookup(p, feed_kw, nitems(feed_kw), k,
		    "feed")) {
		case FK_ALARM:
			if (!ynode_is_null(v))
				rules_get_duration(p, v, k->str, &f->alarm);
			break;
		case FK_AUDIENCE:
			rules_get_list(p, v, k->str, 1, 1, &f->audience,
			    &f->naudience);
			break;
		case FK_CYCLES:
			rules_get_list(p, v, k->str, 1, 1, &f->cycles,
			    &f->ncycles);
			break;
		case FK_DEADLINES:
			rules_get_bool(p, v, k->str, &f->deadlines);
			break;
		case FK_ID:
			rules_get_id(p, v, k->str, &f->id);
			break;
		case FK_KINDS:
			rules_parse_kinds(p, f, v);
			break;
		case FK_MEMBERS:
			rules_get_list(p, v, k->str, 1, 1, &f->members,
			    &f->nmembers);
			break;
		case FK_MEMBERS_ONLY:
			rules_get_bool(p, v, k->str, &f->members_only);
			break;
		case FK_REFRESH:
			rules_get_duration(p, v, k->str, &f->refresh);
			break;
		case FK_TITLE:
			rules_get_text(p, v, k->str, 1, &f->title);
			break;
		}
	}
	if (f->members_only && f->nmembers == 0)
		rules_perr(p, p->file, m->mark, "'members_only' needs "
		    "'members'");
	if (f->refresh == NULL)
		f->refresh = xstrdup("PT6H");
	if (f->title == NULL && f->id != NULL)
		f->title = xstrdup(f->id);
}
