/*
 * parse_item.c — a `cycles` entry with its items. Items are appended to
 * rules->items, so a cycle's items are contiguous and in file order; the
 * cycle keys are read before its items whatever their order in the file,
 * because `case: true` changes what an item may say.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/parse.h"

const char *const rules_kind_names[] = {
	"meeting", "training", "hearing", "visit", "survey", "deadline",
	"milestone", "goal",
};

static const struct rules_kw item_kw[] = {	/* keep sorted */
	{ "address", RIK_ADDRESS },	{ "adhoc", RIK_ADHOC },
	{ "adjust", RIK_ADJUST },	{ "after", RIK_AFTER },
	{ "assignees", RIK_ASSIGNEES },	{ "assumed", RIK_ASSUMED },
	{ "attendees", RIK_ATTENDEES },
	{ "audience", RIK_AUDIENCE },	{ "before", RIK_BEFORE },
	{ "case", RIK_CASE },		{ "date", RIK_DATE },
	{ "dates", RIK_DATES },		{ "days", RIK_DAYS },
	{ "description", RIK_DESCRIPTION }, { "door", RIK_DOOR },
	{ "due", RIK_DUE },		{ "frequency", RIK_FREQUENCY },
	{ "fy", RIK_FY },		{ "fy_shift", RIK_FY_SHIFT },
	{ "id", RIK_ID },		{ "kind", RIK_KIND },
	{ "location", RIK_LOCATION },	{ "members", RIK_MEMBERS },
	{ "online", RIK_ONLINE },	{ "organiser", RIK_ORGANISER },
	{ "per", RIK_PER },		{ "policy", RIK_POLICY },
	{ "relative", RIK_RELATIVE },	{ "repeat", RIK_REPEAT },
	{ "response", RIK_RESPONSE },	{ "same_day", RIK_SAME_DAY },
	{ "source", RIK_SOURCE },	{ "tentative", RIK_TENTATIVE },
	{ "time", RIK_TIME },		{ "title", RIK_TITLE },
	{ "url", RIK_URL },		{ "window", RIK_WINDOW },
};

const char *
rules_item_key_name(enum rules_item_key k)
{
	if ((size_t)k >= nitems(item_kw))
		return "?";
	return item_kw[k].name;
}

/* Keys an override (`members: {ID: …}`, `fy: {2025: …}`) may change. */
enum { OV_ADDRESS, OV_CANCEL, OV_DATE, OV_LOCATION, OV_STATUS, OV_TIME,
	OV_TITLE };
static const struct rules_kw ovr_kw[] = {	/* keep sorted */
	{ "address", OV_ADDRESS },
	{ "cancel", OV_CANCEL },
	{ "date", OV_DATE },
	{ "location", OV_LOCATION },
	{ "status", OV_STATUS },
	{ "time", OV_TIME },
	{ "title", OV_TITLE },
};

static void
rules_parse_ovr_key(struct rules_pctx *p, struct rules_override *o,
    const struct ynode *k, const struct ynode *v, int isfy)
{
	static const char *const st[] = { "confirmed", "tentative",
	    "cancelled" };
	int	s, which;

	which = rules_kw_lookup(p, ovr_kw, nitems(ovr_kw), k,
	    isfy ? "an 'fy' override" : "a 'members' override");
	if (!isfy && (which == OV_STATUS || which == OV_CANCEL)) {
		rules_perr(p, p->file, k->mark, "'%s' can only be overridden "
		    "per fiscal year (under 'fy')", k->str);
		return;
	}
	switch (which) {
	case OV_ADDRESS:
		rules_get_text(p, v, k->str, 1, &o->address);
		break;
	case OV_CANCEL:
		rules_get_bool(p, v, k->str, &o->cancel);
		break;
	case OV_DATE:
		if (o->date == NULL)
			o->date = xcalloc(1, sizeof *o->date);
		if (rules_get_date(p, v, k->str, o->date) == -1) {
			rules_date_clear(o->date);
			free(o->date);
			o->date = NULL;
		}
		break;
	case OV_LOCATION:
		rules_get_text(p, v, k->str, 1, &o->location);
		break;
	case OV_STATUS:
		if (rules_get_enum(p, v, k->str, st, nitems(st), &s) == 0)
			o->status = (enum rules_ovr_status)(s + 1);
		break;
	case OV_TIME:
		if (rules_get_timespan(p, v, k->str, &o->time) == 0)
			o->has_time = 1;
		break;
	case OV_TITLE:
		rules_get_text(p, v, k->str, 1, &o->title);
		break;
	}
}

/* `members:` (keys are member ids) or `fy:` (keys are years). */
static void
rules_parse_overrides(struct rules_pctx *p, const struct ynode *v,
    const char *key, struct rules_override **out, size_t *nout)
{
	struct rules_override	*o;
	const struct ynode	*k, *m;
	size_t			 i, j;
	int			 isfy = strcmp(key, "fy") == 0, fy = 0;
	char			*id;

	if (rules_want(p, v, YN_MAP, key) == -1)
		return;
	for (i = 0; i + 1 < v->n; i += 2) {
		k = v->kids[i];
		m = v->kids[i + 1];
		id = NULL;
		if (isfy ? rules_get_int(p, k, key, 1990, 2200, &fy) :
		    rules_get_id(p, k, key, &id))
			continue;
		if (rules_want(p, m, YN_MAP, k->str) == -1) {
			free(id);
			continue;
		}
		*out = xreallocarray(*out, *nout + 1, sizeof **out);
		o = &(*out)[(*nout)++];
		memset(o, 0, sizeof *o);
		o->key = isfy ? NULL : id;
		if (isfy)
			xasprintf(&o->key, "%d", fy);
		o->fy = isfy ? fy : 0;
		o->mark = k->mark;
		for (j = 0; j + 1 < m->n; j += 2)
			rules_parse_ovr_key(p, o, m->kids[j], m->kids[j + 1],
			    isfy);
		if (isfy && o->cancel && (o->date != NULL || o->has_time))
			rules_perr(p, p->file, m->mark, "a cancelled fiscal "
			    "year needs no 'date' or 'time'");
	}
}

/* `assignees`: a group id, or a list of org/contact ids. */
static void
rules_parse_assignees(struct rules_pctx *p, struct rules_item *it,
    const struct ynode *v)
{
	if (v->type == YN_SCALAR && !ynode_is_null(v)) {
		rules_get_id(p, v, "assignees", &it->assignee_group);
		return;
	}
	rules_get_list(p, v, "assignees", 1, 1, &it->assignees,
	    &it->nassignees);
}

/* `before`/`after`: one item reference or a list of them. */
static void
rules_parse_refs(struct rules_pctx *p, const struct ynode *v,
    const char *key, struct rules_ref **out, size_t *nout)
{
	const struct ynode	*e;
	size_t			 i, n;

	if (v->type == YN_SCALAR && !ynode_is_null(v))
		n = 1;
	else if (rules_want(p, v, YN_SEQ, key) == -1)
		return;
	else
		n = v->n;
	for (i = 0; i < n; i++) {
		e = v->type == YN_SEQ ? v->kids[i] : v;
		*out = xreallocarray(*out, *nout + 1, sizeof **out);
		memset(&(*out)[*nout], 0, sizeof **out);
		if (rules_get_ref(p, e, key, &(*out)[*nout]) == 0)
			(*nout)++;
	}
}

/* `source: file:line` or `file:line-line` into the seeds. */
static void
rules_parse_source(struct rules_pctx *p, struct rules_item *it,
    const struct ynode *v)
{
	const char	*c;
	long		 a, b = 0;
	char		*end;

	if (rules_get_text(p, v, "source", 1, &it->source) == -1)
		return;
	c = strrchr(it->source, ':');
	if (c == NULL || c == it->source)
		goto bad;
	a = strtol(c + 1, &end, 10);
	if (end == c + 1 || a < 1)
		goto bad;
	if (*end == '-') {
		c = end + 1;
		b = strtol(c, &end, 10);
		if (end == c || b < a)
			goto bad;
	}
	if (*end == '\0')
		return;
bad:
	rules_perr(p, p->file, v->mark, "'source' must be FILE:LINE or "
	    "FILE:FIRST-LAST, not '%s'", it->source);
}

static void
rules_parse_dates(struct rules_pctx *p, struct rules_item *it,
    const struct ynode *v)
{
	size_t	i;

	if (rules_want(p, v, YN_SEQ, "dates") == -1)
		return;
	if (v->n == 0)
		rules_perr(p, p->file, v->mark, "'dates' is empty");
	it->dates = xcalloc(v->n + 1, sizeof *it->dates);
	for (i = 0; i < v->n; i++) {
		if (rules_get_date(p, v->kids[i], "dates",
		    &it->dates[it->ndates]) == 0)
			it->ndates++;
	}
}

static void
rules_parse_online(struct rules_pctx *p, struct rules_item *it,
    const struct ynode *v)
{
	int	b;

	if (v->type == YN_SCALAR && strcmp(v->str, "hybrid") == 0) {
		it->online = RO_HYBRID;
		return;
	}
	if (v->type == YN_SCALAR && (strcasecmp(v->str, "true") == 0 ||
	    strcasecmp(v->str, "false") == 0)) {
		rules_get_bool(p, v, "online", &b);
		it->online = b ? RO_ONLY : RO_NO;
		return;
	}
	rules_perr(p, p->file, v->mark, "'online' must be false, true "
	    "(online only) or hybrid");
}

/* The text-valued keys; 1 when k was one of them. */
static int
rules_item_text(struct rules_pctx *p, struct rules_item *it, int k,
    const struct ynode *key, const struct ynode *v)
{
	switch (k) {
	case RIK_ADDRESS:
		rules_get_text(p, v, key->str, 1, &it->address);
		return 1;
	case RIK_DESCRIPTION:
		rules_get_text(p, v, key->str, 0, &it->description);
		return 1;
	case RIK_LOCATION:
		rules_get_text(p, v, key->str, 1, &it->location);
		return 1;
	case RIK_TITLE:
		rules_get_text(p, v, key->str, 1, &it->title);
		return 1;
	case RIK_URL:
		if (rules_get_text(p, v, key->str, 1, &it->url) == 0 &&
		    strncmp(it->url, "https://", 8) != 0 &&
		    strncmp(it->url, "http://", 7) != 0)
			rules_perr(p, p->file, v->mark, "'url' must start "
			    "with https:// or http://");
		return 1;
	case RIK_ORGANISER:
		rules_get_list(p, v, key->str, 0, 1, &it->organiser,
		    &it->norganiser);
		return 1;
	case RIK_ATTENDEES:
		rules_get_list(p, v, key->str, 0, 1, &it->attendees,
		    &it->nattendees);
		return 1;
	case RIK_SOURCE:
		rules_parse_source(p, it, v);
		return 1;
	}
	return 0;
}

/* The date and timing keys; 1 when k was one of them. */
static int
rules_item_when(struct rules_pctx *p, struct rules_item *it, int k,
    const struct ynode *key, const struct ynode *v)
{
	switch (k) {
	case RIK_DATE:
		it->date = xcalloc(1, sizeof *it->date);
		if (rules_get_date(p, v, key->str, it->date) == -1) {
			rules_date_clear(it->date);
			free(it->date);
			it->date = NULL;
		}
		return 1;
	case RIK_DATES:
		rules_parse_dates(p, it, v);
		return 1;
	case RIK_TIME:
		rules_get_timespan(p, v, key->str, &it->time);
		return 1;
	case RIK_DOOR:
		rules_get_tod(p, v, key->str, &it->door_secs);
		return 1;
	case RIK_DUE:
		rules_get_tod(p, v, key->str, &it->due_secs);
		return 1;
	case RIK_DAYS:
		rules_get_int(p, v, key->str, 1, 366, &it->days);
		return 1;
	case RIK_WINDOW:
		rules_parse_window(p, it, v);
		return 1;
	case RIK_SAME_DAY:
		if (rules_get_ref(p, v, key->str, &it->same_day) == 0)
			it->has_same_day = 1;
		return 1;
	case RIK_RELATIVE:
		rules_parse_relative(p, it, v);
		return 1;
	case RIK_FY_SHIFT:
		rules_get_int(p, v, key->str, -1, 0, &it->fy_shift);
		return 1;
	case RIK_REPEAT:
		rules_parse_repeat(p, it, v);
		return 1;
	case RIK_FREQUENCY:
		rules_parse_frequency(p, it, v);
		return 1;
	case RIK_ADHOC:
		rules_get_bool(p, v, key->str, &it->adhoc);
		return 1;
	case RIK_CASE:
		rules_parse_casespec(p, it, v);
		return 1;
	case RIK_FY:
		rules_parse_overrides(p, v, key->str, &it->fy, &it->nfy);
		return 1;
	}
	return 0;
}

/*
 * `per: G` (one occurrence per organisation of G) or `per: {groups: G}`
 * (one per group that G's `members` name, e.g. one per block).
 */
static void
rules_parse_per(struct rules_pctx *p, struct rules_item *it,
    const struct ynode *v)
{
	static const struct rules_kw kw[] = {	/* keep sorted */
		{ "groups", 0 },
	};
	size_t	i;

	if (v->type != YN_MAP) {
		rules_get_id(p, v, "per", &it->per);
		return;
	}
	for (i = 0; i + 1 < v->n; i += 2)
		if (rules_kw_lookup(p, kw, nitems(kw), v->kids[i], "per") == 0 &&
		    rules_get_id(p, v->kids[i + 1], "groups", &it->per) == 0)
			it->per_groups = 1;
	if (ynode_get(v, "groups", NULL) == NULL && !rules_hinted(p, "groups"))
		rules_perr(p, p->file, v->mark, "'per' is a group id, or "
		    "{groups: G} for one occurrence per group in G");
}

/*
 * `adjust: previous | next` or `adjust: {to: none, reason: …}`: keeping
 * a date that falls on a closed day needs a reason (shown with it).
 */
static void
rules_parse_adjust(struct rules_pctx *p, struct rules_item *it,
    const struct ynode *v)
{
	static const char *const adj[] = { "previous", "next", "none" };
	static const struct rules_kw kw[] = {	/* keep sorted */
		{ "reason", 1 }, { "to", 0 },
	};
	const struct ynode	*k, *e;
	size_t			 i;
	int			 a, to = 0;

	if (v->type == YN_SCALAR) {
		if (rules_get_enum(p, v, "adjust", adj, nitems(adj), &a) != 0)
			return;
		it->adjust = (enum rules_adjust)(a + 1);
		if (it->adjust == RA_NONE)
			rules_perr(p, p->file, v->mark, "'adjust: none' needs a "
			    "reason: write adjust: {to: none, reason: …}");
		return;
	}
	if (rules_want(p, v, YN_MAP, "adjust") == -1)
		return;
	for (i = 0; i + 1 < v->n; i += 2) {
		k = v->kids[i];
		e = v->kids[i + 1];
		switch (rules_kw_lookup(p, kw, nitems(kw), k, "adjust")) {
		case 0:
			if (rules_get_enum(p, e, k->str, adj, nitems(adj),
			    &a) == 0) {
				it->adjust = (enum rules_adjust)(a + 1);
				to = 1;
			}
			break;
		case 1:
			free(it->adjust_reason);
			it->adjust_reason = NULL;
			rules_get_text(p, e, k->str, 1, &it->adjust_reason);
			break;
		}
	}
	if (!to && ynode_get(v, "to", NULL) == NULL)
		rules_perr(p, p->file, v->mark, "'adjust' needs 'to' "
		    "(previous, next or none)");
	else if (it->adjust == RA_NONE && (it->adjust_reason == NULL ||
	    it->adjust_reason[0] == '\0'))
		rules_perr(p, p->file, v->mark, "'adjust: none' needs a "
		    "'reason' (why the date stays on a closed day)");
}

static void
rules_item_key(struct rules_pctx *p, struct rules_item *it, int k,
    const struct ynode *key, const struct ynode *v)
{
	int	e;

	if (rules_item_text(p, it, k, key, v) ||
	    rules_item_when(p, it, k, key, v))
		return;
	switch (k) {
	case RIK_ID:
		rules_get_id(p, v, key->str, &it->id);
		break;
	case RIK_KIND:
		if (rules_get_enum(p, v, key->str, rules_kind_names,
		    RK_GOAL + 1, &e) == 0)
			it->kind = (enum rules_kind)e;
		break;
	case RIK_ONLINE:
		rules_parse_online(p, it, v);
		break;
	case RIK_AUDIENCE:
		rules_get_id(p, v, key->str, &it->audience);
		break;
	case RIK_TENTATIVE:
		rules_get_bool(p, v, key->str, &it->tentative);
		break;
	case RIK_PER:
		rules_parse_per(p, it, v);
		break;
	case RIK_MEMBERS:
		rules_parse_overrides(p, v, key->str, &it->members,
		    &it->nmembers);
		break;
	case RIK_ASSIGNEES:
		rules_parse_assignees(p, it, v);
		break;
	case RIK_ADJUST:
		rules_parse_adjust(p, it, v);
		break;
	case RIK_ASSUMED:
		rules_get_bool(p, v, key->str, &it->assumed);
		break;
	case RIK_POLICY:
		rules_get_id(p, v, key->str, &it->policy);
		break;
	case RIK_RESPONSE:
		rules_parse_response(p, it, v);
		break;
	case RIK_BEFORE:
		rules_parse_refs(p, v, key->str, &it->before, &it->nbefore);
		break;
	case RIK_AFTER:
		rules_parse_refs(p, v, key->str, &it->after, &it->nafter);
		break;
	}
}

static int
rules_has(const struct rules_item *it, enum rules_item_key k)
{
	return it->marks[k].line != 0;
}

/* Two keys that exclude each other: report at the second one. */
static void
rules_exclusive(struct rules_pctx *p, const struct rules_item *it,
    enum rules_item_key a, enum rules_item_key b)
{
	enum rules_item_key	later = a;

	if (!rules_has(it, a) || !rules_has(it, b))
		return;
	if (it->marks[b].line > it->marks[a].line ||
	    (it->marks[b].line == it->marks[a].line &&
	    it->marks[b].col > it->marks[a].col))
		later = b;
	rules_perr(p, p->file, it->marks[later], "'%s' and '%s' cannot both "
	    "be given", rules_item_key_name(a), rules_item_key_name(b));
}

/*
 * The keys that date an item: date, dates, same_day and relative exclude
 * each other (repeat and window combine with one), and an adhoc item
 * takes none. Returns 1 when the item has any of them or 'frequency'.
 */
static int
rules_item_dated(struct rules_pctx *p, const struct rules_item *it)
{
	static const enum rules_item_key dated[] = { RIK_DATE, RIK_DATES,
	    RIK_SAME_DAY, RIK_RELATIVE, RIK_REPEAT, RIK_WINDOW };
	size_t	i, j;
	int	when = 0;

	for (i = 0; i < nitems(dated); i++) {
		for (j = i + 1; j < nitems(dated); j++) {
			if (dated[i] == RIK_REPEAT || dated[j] == RIK_REPEAT ||
			    dated[i] == RIK_WINDOW || dated[j] == RIK_WINDOW)
				continue;	/* these combine with a date */
			rules_exclusive(p, it, dated[i], dated[j]);
		}
		when |= rules_has(it, dated[i]);
	}
	when |= rules_has(it, RIK_FREQUENCY);
	if (it->adhoc && when) {
		for (i = 0; i < nitems(dated); i++)
			if (rules_has(it, dated[i]))
				break;
		rules_perr(p, p->file, it->marks[i < nitems(dated) ? dated[i] :
		    RIK_FREQUENCY], "an 'adhoc: true' item has no date; "
		    "remove '%s'", rules_item_key_name(i < nitems(dated) ?
		    dated[i] : RIK_FREQUENCY));
	}
	return when;
}

/* Items of a case cycle are dated by 'case:'; the others need a date. */
static void
rules_item_case(struct rules_pctx *p, const struct rules_item *it,
    int is_case, int when, const struct ynode *m)
{
	if (is_case) {
		if (when)
			rules_perr(p, p->file, it->marks[RIK_DATE].line ?
			    it->marks[RIK_DATE] : m->mark, "items of a case "
			    "cycle are dated by 'case:', not by a date");
		else if (!it->casespec.present && !it->adhoc)
			rules_perr(p, p->file, m->mark, "item%s%s of a case "
			    "cycle needs 'case:' (or 'adhoc: true')",
			    it->id ? " " : "", it->id ? it->id : "");
	} else if (rules_has(it, RIK_CASE))
		rules_perr(p, p->file, it->marks[RIK_CASE], "'case' needs the "
		    "cycle to say 'case: true'");
	else if (!when && !it->adhoc)
		rules_perr(p, p->file, m->mark, "item%s%s has no date: give "
		    "'date', 'dates', 'same_day', 'relative', 'repeat', "
		    "'frequency' or 'adhoc: true'", it->id ? " " : "",
		    it->id ? it->id : "");
}

/* Checks that need the whole item (and its cycle) but no other file. */
static void
rules_item_check(struct rules_pctx *p, struct rules_item *it, int is_case,
    const struct ynode *m)
{
	if (!rules_has(it, RIK_ID) && !rules_hinted(p, "id"))
		rules_perr(p, p->file, m->mark, "item needs 'id'");
	if (!rules_has(it, RIK_KIND) && !rules_hinted(p, "kind"))
		rules_perr(p, p->file, m->mark, "item%s%s needs 'kind'",
		    it->id ? " " : "", it->id ? it->id : "");
	if (!rules_has(it, RIK_TITLE) && !rules_hinted(p, "title"))
		rules_perr(p, p->file, m->mark, "item%s%s needs 'title'",
		    it->id ? " " : "", it->id ? it->id : "");
	rules_item_case(p, it, is_case, rules_item_dated(p, it), m);
	if (it->repeat.freq == RF_YEARLY && it->date == NULL &&
	    rules_has(it, RIK_REPEAT) && !rules_has(it, RIK_DATE))
		rules_perr(p, p->file, it->marks[RIK_REPEAT], "a yearly "
		    "'repeat' needs a 'date'");
	if (it->has_window && it->window.from_month == 0 &&
	    !rules_has(it, RIK_DATE))
		rules_perr(p, p->file, it->marks[RIK_WINDOW], "'window' needs "
		    "'from' and 'to', or a span like 7～10月 in 'date'");
	if (rules_has(it, RIK_MEMBERS) && !rules_has(it, RIK_PER))
		rules_perr(p, p->file, it->marks[RIK_MEMBERS], "'members' "
		    "overrides need 'per' (the group whose members they "
		    "are)");
	if (it->title != NULL && strstr(it->title, "{n}") != NULL &&
	    !rules_has(it, RIK_DATES))
		rules_pwarn(p, p->file, it->marks[RIK_TITLE], "'{n}' in the "
		    "title is only replaced for items with 'dates'");
	if (rules_has(it, RIK_DOOR) && it->time.start_secs == -1 &&
	    rules_has(it, RIK_TIME) == 0)
		rules_pwarn(p, p->file, it->marks[RIK_DOOR], "'door' without "
		    "'time': the event is all-day");
}

static void
rules_parse_item(struct rules_pctx *p, size_t cycle, int is_case,
    const struct ynode *m)
{
	struct rules		*r = p->r;
	struct rules_item	*it;
	const struct rules_cycle *c = &r->cycles[cycle];
	size_t			 i;
	int			 k;

	r->items = xreallocarray(r->items, r->nitems + 1, sizeof *r->items);
	it = &r->items[r->nitems];
	memset(it, 0, sizeof *it);
	p->item_src = xreallocarray(p->item_src, r->nitems + 1,
	    sizeof *p->item_src);
	p->item_src[r->nitems].file = p->file;
	p->item_src[r->nitems++].node = m;
	it->cycle = cycle;
	it->mark = m->mark;
	it->time.start_secs = it->time.end_secs = -1;
	it->door_secs = -1;
	it->days = 1;
	it->due_secs = 17 * 3600;
	it->audience_ix = it->per_ix = RULES_NONE;
	it->assignee_group_ix = it->policy_ix = RULES_NONE;
	p->nhints = 0;
	for (i = 0; i + 1 < m->n; i += 2) {
		k = rules_kw_lookup(p, item_kw, nitems(item_kw), m->kids[i],
		    "item");
		if (k == -1)
			continue;
		it->marks[k] = m->kids[i]->mark;
		rules_item_key(p, it, k, m->kids[i], m->kids[i + 1]);
	}
	if (it->policy == NULL && c->policy != NULL)
		it->policy = xstrdup(c->policy);
	rules_item_check(p, it, is_case, m);
}

enum { YK_CASE, YK_COORDINATOR, YK_FROM_FY, YK_FY_START, YK_ID, YK_ITEMS,
	YK_NOTE, YK_ORGANISER, YK_POLICY, YK_TIMEZONE, YK_TITLE, YK_UNTIL_FY };
static const struct rules_kw cycle_kw[] = {	/* keep sorted */
	{ "case", YK_CASE },
	{ "coordinator", YK_COORDINATOR },
	{ "from_fy", YK_FROM_FY },
	{ "fy_start", YK_FY_START },
	{ "id", YK_ID },
	{ "items", YK_ITEMS },
	{ "note", YK_NOTE },
	{ "organiser", YK_ORGANISER },
	{ "policy", YK_POLICY },
	{ "timezone", YK_TIMEZONE },
	{ "title", YK_TITLE },
	{ "until_fy", YK_UNTIL_FY },
};

/* `timezone: Asia/Tokyo`: an IANA name, UTC or +HH:MM that calendars/zone.c
 * knows; an unknown one is an error at its value. */
static void
rules_cycle_zone(struct rules_pctx *p, struct rules_cycle *c,
    const struct ynode *v)
{
	char	*cause = NULL;

	if (rules_get_text(p, v, "timezone", 1, &c->timezone) == -1)
		return;
	cal_zone_free(c->zone);
	if ((c->zone = cal_zone_new(c->timezone, &cause)) == NULL) {
		rules_perr(p, p->file, v->mark, "'timezone': %s", cause);
		free(cause);
	}
}

static void
rules_cycle_key(struct rules_pctx *p, struct rules_cycle *c, int k,
    const struct ynode *key, const struct ynode *v)
{
	switch (k) {
	case YK_CASE:
		rules_get_bool(p, v, key->str, &c->is_case);
		break;
	case YK_COORDINATOR:
		rules_get_id(p, v, key->str, &c->coordinator);
		break;
	case YK_FROM_FY:
		rules_get_int(p, v, key->str, 1990, 2200, &c->from_fy);
		break;
	case YK_FY_START:
		rules_get_int(p, v, key->str, 1, 12, &c->fy_start);
		break;
	case YK_ID:
		rules_get_id(p, v, key->str, &c->id);
		break;
	case YK_NOTE:
		rules_get_text(p, v, key->str, 0, &c->note);
		break;
	case YK_ORGANISER:
		rules_get_id(p, v, key->str, &c->organiser);
		break;
	case YK_POLICY:
		rules_get_id(p, v, key->str, &c->policy);
		break;
	case YK_TIMEZONE:
		rules_cycle_zone(p, c, v);
		break;
	case YK_TITLE:
		rules_get_text(p, v, key->str, 1, &c->title);
		break;
	case YK_UNTIL_FY:
		rules_get_int(p, v, key->str, 1990, 2200, &c->until_fy);
		break;
	}
}

void
rules_parse_cycle(struct rules_pctx *p, const struct ynode *m)
{
	struct rules		*r = p->r;
	struct rules_cycle	*c;
	const struct ynode	*items = NULL, *uk;
	size_t			 i, ci = r->ncycles;
	int			 k;

	r->cycles = xreallocarray(r->cycles, ci + 1, sizeof *r->cycles);
	c = &r->cycles[ci];
	memset(c, 0, sizeof *c);
	c->fy_start = 4;
	c->path = xstrdup(p->paths[p->file]);
	p->cycle_src = xreallocarray(p->cycle_src, ci + 1,
	    sizeof *p->cycle_src);
	p->cycle_src[ci].file = p->file;
	p->cycle_src[ci].node = m;
	p->cycle_first = xreallocarray(p->cycle_first, ci + 1, sizeof(size_t));
	p->cycle_n = xreallocarray(p->cycle_n, ci + 1, sizeof(size_t));
	r->ncycles++;
	p->nhints = 0;
	for (i = 0; i + 1 < m->n; i += 2) {
		k = rules_kw_lookup(p, cycle_kw, nitems(cycle_kw), m->kids[i],
		    "cycle");
		if (k == YK_ITEMS)
			items = m->kids[i + 1];
		else if (k != -1)
			rules_cycle_key(p, c, k, m->kids[i], m->kids[i + 1]);
	}
	if (ynode_get(m, "id", NULL) == NULL && !rules_hinted(p, "id"))
		rules_perr(p, p->file, m->mark, "cycle needs 'id'");
	if (ynode_get(m, "title", NULL) == NULL && !rules_hinted(p, "title"))
		rules_perr(p, p->file, m->mark, "cycle needs 'title'");
	if (c->from_fy && c->until_fy && c->until_fy < c->from_fy) {
		uk = ynode_get(m, "until_fy", NULL);
		rules_perr(p, p->file, uk->mark, "'until_fy' %d is before "
		    "'from_fy' %d", c->until_fy, c->from_fy);
	}
	p->cycle_first[ci] = r->nitems;
	if (items == NULL || ynode_is_null(items))
		rules_pwarn(p, p->file, m->mark, "cycle %s has no items",
		    c->id ? c->id : "");
	else if (rules_want(p, items, YN_SEQ, "items") == 0) {
		for (i = 0; i < items->n; i++) {
			if (items->kids[i]->type != YN_MAP) {
				rules_perr(p, p->file, items->kids[i]->mark,
				    "each item must be a mapping, not %s",
				    ynode_type_name(items->kids[i]));
				continue;
			}
			rules_parse_item(p, ci, r->cycles[ci].is_case,
			    items->kids[i]);
		}
	}
	p->cycle_n[ci] = r->nitems - p->cycle_first[ci];
}
