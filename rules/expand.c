/*
 * expand.c — rule set → dated occurrences, fiscal year by fiscal year.
 *
 * Each item yields instances for a fiscal year: from its date form, its
 * `dates` list, its repetition, its frequency target, its window, or from
 * the item it is relative to (resolved first, memoised per year; the
 * validator rejected cycles and depth is bounded anyway). Instances are
 * multiplied per group member, overridden per member and per year, then
 * rendered by expand_occ.c. Deterministic: no clock, no hash-order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "rules/datespec.h"
#include "rules/expand.h"

#define EXPAND_MAX_DEPTH	256	/* stack guard; loops are caught by state */
#define EXPAND_MAX_INST		2000	/* per item and year */

struct xctx {
	const struct rules		*r;
	const struct rules_expand_ctx	*ctx;
	int				 fy;
	struct inst_list		*memo;		/* one per item */
	unsigned char			*state;		/* 0 new, 1 busy, 2 done */
	struct rules_diag		*diag;
	int				 failed;
};

void
inst_push(struct inst_list *l, const struct inst *in)
{
	if (l == NULL || l->n >= EXPAND_MAX_INST)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	l->v[l->n++] = *in;
}

static void
inst_init(struct inst *in)
{
	memset(in, 0, sizeof *in);
	in->start_secs = in->end_secs = -1;
	in->due_secs = -1;
}

static int
item_fy_start(const struct rules *r, const struct rules_item *it)
{
	int	 s = r->cycles[it->cycle].fy_start;

	return s >= 1 && s <= 12 ? s : 4;
}

/* Adds n months, clamping the day to the target month's length. */
static cal_day
add_months(cal_day z, int n)
{
	int	 y, m, d, t;

	cal_to_ymd(z, &y, &m, &d);
	t = y * 12 + (m - 1) + n;
	y = t / 12;
	m = t % 12 + 1;
	if (d > cal_days_in_month(y, m))
		d = cal_days_in_month(y, m);
	return cal_from_ymd(y, m, d);
}

/*
 * Applies an offset to a day + time; secs -1 stays all-day for day units.
 * Business days are counted on the office's calendar (closed).
 */
static void
apply_offset(const struct cal_closed *closed, const struct rules_offset *o,
    cal_day *day, int *secs)
{
	long long	 t;

	switch (o->unit) {
	case RU_DAY:
		*day += o->n;
		break;
	case RU_BDAY:
		*day = cal_add_business_in(closed, *day, o->n);
		break;
	case RU_WEEK:
		*day += 7 * o->n;
		break;
	case RU_MONTH:
		*day = add_months(*day, o->n);
		break;
	case RU_HOUR:
	case RU_MIN:
	case RU_SEC:
		t = (long long)(*secs < 0 ? 0 : *secs) + (long long)o->n *
		    (o->unit == RU_HOUR ? 3600 : o->unit == RU_MIN ? 60 : 1);
		*day += (cal_day)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400));
		t -= (long long)(t >= 0 ? t / 86400 : -((-t + 86399) / 86400)) *
		    86400;
		*secs = (int)t;
		break;
	}
	if (o->at_secs >= 0)
		*secs = o->at_secs;
}

/* "7～10月のうち連続した2日間" (or 2営業日 when only business days count). */
static void
window_label(const struct rules_item *it, const char *span, char *out,
    size_t len)
{
	int	 n = it->has_window && it->window.consecutive > 0 ?
		    it->window.consecutive : it->days;

	if (n < 1)
		n = 1;
	snprintf(out, len, "%sのうち連続した%d%s", span, n,
	    it->has_window && it->window.business ? "営業日" : "日間");
}

/*
 * A date form resolved in fiscal year fy (already shifted) → an
 * instance; 0 when the form has no day in that year.
 */
static int
date_inst_in(const struct rules_item *it, const struct rules_date *rd,
    int fy, int fs, struct inst *in)
{
	struct datespec	 ds;
	char		 err[128];

	if (rd->spec != NULL)
		ds = *rd->spec;
	else if (datespec_parse(rd->raw, &ds, err, sizeof err) == -1)
		return 0;	/* the parser reported it where it was written */
	if (datespec_resolve(&ds, fy, fs, &in->start, &in->end) != 1)
		return 0;
	if (ds.kind == DS_EXACT && it->days > 1)
		in->end = in->start + it->days - 1;
	if (datespec_tentative(&ds)) {
		in->tentative = 1;
		if (ds.kind == DS_WINDOW && (it->has_window || it->days > 1))
			window_label(it, ds.label, in->approx,
			    sizeof in->approx);
		else
			snprintf(in->approx, sizeof in->approx, "%s", ds.label);
	} else if (it->time.start_secs >= 0) {
		in->start_secs = it->time.start_secs;
		in->end_secs = it->time.end_secs;
	}
	return 1;
}

static int
date_inst(struct xctx *x, const struct rules_item *it,
    const struct rules_date *rd, struct inst *in)
{
	return date_inst_in(it, rd, x->fy + it->fy_shift,
	    item_fy_start(x->r, it), in);
}

static void
window_inst(struct xctx *x, const struct rules_item *it, struct inst *in)
{
	const struct rules_window	*w = &it->window;
	int				 fs = item_fy_start(x->r, it);
	int				 fy = x->fy + it->fy_shift, m2, y1, y2;
	char				 span[32];

	m2 = w->to_month ? w->to_month : w->from_month;
	y1 = cal_fy_month_year(fy, w->from_month, fs);
	y2 = cal_fy_month_year(fy, m2, fs);
	in->start = cal_from_ymd(y1, w->from_month, 1);
	in->end = cal_from_ymd(y2, m2, cal_days_in_month(y2, m2));
	in->tentative = 1;
	if (m2 != w->from_month)
		snprintf(span, sizeof span, "%d～%d月", w->from_month, m2);
	else
		snprintf(span, sizeof span, "%d月", m2);
	window_label(it, span, in->approx, sizeof in->approx);
}

static void
frequency_insts(struct xctx *x, const struct rules_item *it,
    struct inst_list *out)
{
	static const char *const per[] = { "年", "3か月に", "月" };
	int	 fs = item_fy_start(x->r, it), step, k, n, j, m;
	cal_day	 first = cal_fy_first(x->fy, fs);
	struct inst in;

	step = it->frequency.per == RP_FY ? 12 :
	    it->frequency.per == RP_QUARTER ? 3 : 1;
	n = 12 / step;
	/*
	 * Counted by its own task (no `counts`): one task per required
	 * occurrence, each done when one is held; else one per period.
	 */
	m = it->frequency.ncounts == 0 ? it->frequency.min : 1;
	for (k = 1; k <= n; k++) {
		for (j = 1; j <= m; j++) {
			inst_init(&in);
			/* The period's last day is koyomi's choice. */
			in.assumed = 1;
			in.start = in.end = add_months(first, k * step) - 1;
			in.number = n > 1 || m > 1 ? (k - 1) * m + j : 0;
			if (m > 1)
				snprintf(in.suffix, sizeof in.suffix,
				    "%s%d回以上・%d回目", per[it->frequency.per],
				    it->frequency.min, j);
			else
				snprintf(in.suffix, sizeof in.suffix,
				    "%s%d回以上", per[it->frequency.per],
				    it->frequency.min);
			inst_push(out, &in);
		}
	}
}

/* Day of the month of a `repeat` in month m of year y; 0 when none. */
static int
repeat_day(const struct rules_repeat *rp, int y, int m)
{
	int	 dim = cal_days_in_month(y, m), wd, d;

	if (rp->nth == 0)
		return rp->day <= 0 ? 1 : rp->day > dim ? dim : rp->day;
	wd = rp->weekday < 0 ? 1 : rp->weekday;
	if (rp->nth < 0) {	/* the last such weekday */
		d = dim - (cal_weekday(cal_from_ymd(y, m, dim)) - wd + 7) % 7;
		return d;
	}
	d = 1 + (wd - cal_weekday(cal_from_ymd(y, m, 1)) + 7) % 7 +
	    7 * (rp->nth - 1);
	return d <= dim ? d : 0;
}

static void
repeat_push(const struct rules_item *it, cal_day z, int number,
    struct inst_list *out)
{
	struct inst	 in;

	inst_init(&in);
	in.start = in.end = z;
	if (it->days > 1)
		in.end = z + it->days - 1;
	in.start_secs = it->time.start_secs;
	in.end_secs = it->time.end_secs;
	in.number = number;
	inst_push(out, &in);
}

/*
 * A `repeat` inside the fiscal year. Numbers count periods from the
 * year's start, so a UID names the same week or month every year; a
 * `date` beside the repeat is where the repetition begins.
 */
static void
repeat_insts(struct xctx *x, const struct rules_item *it,
    struct inst_list *out)
{
	const struct rules_repeat	*rp = &it->repeat;
	int				 fs = item_fy_start(x->r, it), k, y, m, d;
	int				 step;
	cal_day				 first, last, z, from;
	struct inst			 anchor;

	first = from = cal_fy_first(x->fy, fs);
	last = cal_fy_last(x->fy, fs);
	inst_init(&anchor);
	if (it->date != NULL && date_inst(x, it, it->date, &anchor))
		from = anchor.start;
	else if (it->date != NULL && it->date->spec != NULL &&
	    it->date->spec->year != 0 &&
	    cal_from_ymd(it->date->spec->year, it->date->spec->month, 1) > last)
		return;	/* starts in a later fiscal year */
	if (rp->freq == RF_WEEKLY) {
		z = first + ((rp->weekday < 0 ? 1 : rp->weekday) -
		    cal_weekday(first) + 7) % 7;
		for (k = 1; z <= last && k <= 54; z += 7, k++)
			if (z >= from)
				repeat_push(it, z, k, out);
		return;
	}
	step = rp->freq == RF_QUARTERLY ? 3 : rp->freq == RF_YEARLY ? 12 : 1;
	for (k = 0; k < 12; k += step) {
		cal_to_ymd(add_months(first, k), &y, &m, &d);
		if ((d = repeat_day(rp, y, m)) == 0 ||
		    cal_from_ymd(y, m, d) < from)
			continue;
		repeat_push(it, cal_from_ymd(y, m, d),
		    rp->freq == RF_YEARLY ? 0 : k / step + 1, out);
	}
}

static const struct inst_list *item_insts(struct xctx *, size_t, int);
static void own_insts(struct xctx *, const struct rules_item *,
    struct inst_list *);

/* Instances that follow another item (relative / same_day). */
static void
follow_insts(struct xctx *x, const struct rules_item *it, int depth,
    struct inst_list *out)
{
	const struct rules_ref	*ref = it->has_relative ? &it->relative_to :
				    &it->same_day;
	const struct inst_list	*tl;
	struct inst		 in;
	size_t			 i;

	if (ref->ix == RULES_NONE || ref->ix >= x->r->nitems)
		return;
	tl = item_insts(x, ref->ix, depth + 1);
	for (i = 0; tl != NULL && i < tl->n; i++) {
		in = tl->v[i];
		in.ovr_member = in.ovr_fy = NULL;
		in.suffix[0] = '\0';
		in.cancelled = 0;
		/* As certain as what it follows, and no more. */
		in.assumed |= it->assumed;
		if (it->has_relative) {
			/* Its own day: checked for closure on its own. */
			in.moved = in.kept = 0;
			in.moved_from = 0;
			in.closed_name = NULL;
			apply_offset(x->ctx->closed, &it->relative_offset,
			    &in.start, &in.start_secs);
			in.end = in.start + (in.end - tl->v[i].start);
			if (it->relative_offset.unit >= RU_HOUR)
				in.end_secs = in.start_secs;
			if (!in.tentative || it->days <= 1)
				in.end = in.start + (it->days > 1 ?
				    it->days - 1 : 0);
			if (in.tentative)
				in.end = tl->v[i].end + (in.start -
				    tl->v[i].start);
			if (it->relative_offset.unit < RU_HOUR) {
				in.start_secs = it->time.start_secs;
				in.end_secs = it->time.end_secs;
				if (it->relative_offset.at_secs >= 0)
					in.start_secs =
					    it->relative_offset.at_secs;
			}
			if (it->relative_offset.unit >= RU_HOUR ||
			    it->relative_offset.at_secs >= 0)
				in.due_secs = in.start_secs;
		} else if (it->time.start_secs >= 0 && !in.tentative) {
			in.start_secs = it->time.start_secs;
			in.end_secs = it->time.end_secs;
		}
		if (in.tentative)
			in.start_secs = in.end_secs = -1;
		inst_push(out, &in);
	}
}

/* The base instances of an item, before members and overrides. */
static void
base_insts(struct xctx *x, const struct rules_item *it, int depth,
    struct inst_list *out)
{
	size_t	 k, n0 = out->n;

	if (it->has_relative || it->has_same_day) {
		follow_insts(x, it, depth, out);
		return;
	}
	own_insts(x, it, out);
	for (k = n0; it->assumed && k < out->n; k++)
		out->v[k].assumed = !out->v[k].adhoc;
}

/* The instances an item's own date keys give. */
static void
own_insts(struct xctx *x, const struct rules_item *it,
    struct inst_list *out)
{
	struct inst	 in;
	size_t		 k;

	inst_init(&in);
	if (!it->adhoc) {
		if (it->frequency.min > 0) {
			frequency_insts(x, it, out);
			return;
		}
		if (it->ndates > 0) {
			for (k = 0; k < it->ndates; k++) {
				inst_init(&in);
				if (date_inst(x, it, &it->dates[k], &in)) {
					in.number = (int)k + 1;
					inst_push(out, &in);
				}
			}
			return;
		}
		if (it->repeat.freq != RF_NONE &&
		    it->repeat.freq != RF_YEARLY) {
			repeat_insts(x, it, out);
			return;
		}
		if (it->date != NULL) {
			if (date_inst(x, it, it->date, &in))
				inst_push(out, &in);
			return;
		}
		if (it->has_window) {
			window_inst(x, it, &in);
			inst_push(out, &in);
			return;
		}
	}
	/* 適宜 / 随時, or nothing that dates it: listed, not dated. */
	in.adhoc = 1;
	inst_push(out, &in);
}

/*
 * An override's date in this fiscal year. A dated `fy:` override moves
 * that year's occurrence even to a day of another fiscal year (check
 * warns about it), so a written year is resolved where it lies.
 */
static int
override_date(struct xctx *x, const struct rules_item *it,
    const struct rules_override *o, struct inst *tmp)
{
	const struct datespec	*ds = o->date->spec;
	int			 fs = item_fy_start(x->r, it);

	if (date_inst(x, it, o->date, tmp))
		return 1;
	if (o->fy == 0 || ds == NULL || ds->year == 0)
		return 0;
	return date_inst_in(it, o->date, cal_fy_of(cal_from_ymd(ds->year,
	    ds->month > 0 ? ds->month : 1, 1), fs), fs, tmp);
}

/* Applies a `members` or `fy` override to an instance. */
static void
apply_override(struct xctx *x, const struct rules_item *it,
    const struct rules_override *o, struct inst *in)
{
	struct inst	 tmp;

	if (o->date != NULL) {
		inst_init(&tmp);
		if (override_date(x, it, o, &tmp)) {
			in->start = tmp.start;
			in->end = tmp.end;
			in->tentative = tmp.tentative;
			memcpy(in->approx, tmp.approx, sizeof in->approx);
			in->start_secs = tmp.start_secs;
			in->end_secs = tmp.end_secs;
			in->adhoc = 0;
			/* A date written for the year is the document's,
			   not a guess (a member's may be either: the
			   item says). */
			if (o->fy != 0)
				in->assumed = 0;
			in->moved = in->kept = 0;
			in->closed_name = NULL;
		}
	}
	if (o->has_time && !in->tentative) {
		in->start_secs = o->time.start_secs;
		in->end_secs = o->time.end_secs;
	}
	if (o->status == ROS_CONFIRMED) {
		in->tentative = 0;
		in->assumed = 0;
		in->confirmed = 1;
		in->approx[0] = '\0';
	} else if (o->status == ROS_TENTATIVE) {
		/* The document gives that year's period: no longer a
		   guess, not yet a day. */
		in->tentative = 1;
		in->assumed = 0;
	}
	if (o->cancel || o->status == ROS_CANCELLED)
		in->cancelled = 1;
}

/* The ids of the groups that group gix names in its `members`. */
static size_t
per_groups_of(const struct rules *r, size_t gix, const char ***out)
{
	const struct rules_group	*g = &r->groups[gix];
	const char			**v;
	size_t				 i;

	v = xcalloc(g->nsubgroups + 1, sizeof *v);
	for (i = 0; i < g->nsubgroups; i++)
		v[i] = r->groups[g->subgroups[i]].id;
	*out = v;
	return g->nsubgroups;
}

static void
per_members(struct xctx *x, const struct rules_item *it,
    struct inst_list *l)
{
	struct inst_list	 out = { 0 };
	const char		**mem;
	size_t			 n, i, k, j;
	struct inst		 in;

	if (it->per_groups)
		n = per_groups_of(x->r, it->per_ix, &mem);
	else
		n = expand_group_members(x->r, it->per_ix, x->fy, x->ctx, &mem);
	for (i = 0; i < l->n; i++) {
		if (l->v[i].member != NULL) {	/* inherited from a target */
			inst_push(&out, &l->v[i]);
			continue;
		}
		for (k = 0; k < n; k++) {
			in = l->v[i];
			in.member = mem[k];
			for (j = 0; j < it->nmembers; j++)
				if (strcmp(it->members[j].key, mem[k]) == 0) {
					in.ovr_member = &it->members[j];
					apply_override(x, it, &it->members[j],
					    &in);
				}
			inst_push(&out, &in);
		}
	}
	free(mem);
	free(l->v);
	*l = out;
}


/*
 * A day on a closed day (weekend, 祝日・休日, 年末年始) moves: a deadline
 * to the previous business day (期限が閉庁日なら直前の開庁日), anything
 * else to the next, unless the item's `adjust` says otherwise; `next`
 * also for a deadline at a case's start or close (due before the event
 * it reports on would make no sense). Spans (6月頃, a window) are not
 * days and stay; a multi-day event moves whole. `adjust: none` keeps the
 * day and marks it kept. Tentative and assumed days move too.
 */
static void
closed_adjust(const struct cal_closed *closed, const struct rules_item *it,
    struct inst *in)
{
	cal_day	 d;
	int	 prev;

	if (in->adhoc || in->cancelled || !cal_is_closed_in(closed, in->start) ||
	    (in->start != in->end && in->approx[0] != '\0'))
		return;
	if (it->adjust == RA_NONE) {
		in->kept = 1;
		in->closed_name = cal_closed_name_in(closed, in->start);
		return;
	}
	prev = it->adjust == RA_PREVIOUS || (it->adjust == RA_DEFAULT &&
	    rules_item_is_deadline(it) && !(it->casespec.present &&
	    it->casespec.at != RCA_NONE && !it->casespec.has_offset));
	d = prev ? cal_business_on_or_before_in(closed, in->start) :
	    cal_business_on_or_after_in(closed, in->start);
	if (d == in->start)
		return;
	if (!in->moved) {
		in->moved_from = in->start;
		in->closed_name = cal_closed_name_in(closed, in->start);
	}
	in->moved = 1;
	in->end += d - in->start;
	in->start = d;
}

/*
 * A repetition moved off a closed day onto the day of its own next (or
 * previous) one — the Monday meeting of 12/29 onto 1/5 — is not held
 * twice: the moved one is cancelled (its description says why).
 */
static void
closed_collisions(struct inst_list *l)
{
	size_t	 i, k;

	for (i = 0; i < l->n; i++) {
		if (!l->v[i].moved || l->v[i].cancelled)
			continue;
		for (k = 0; k < l->n; k++)
			if (k != i && !l->v[k].moved && !l->v[k].adhoc &&
			    l->v[k].start == l->v[i].start &&
			    l->v[k].member == l->v[i].member &&
			    l->v[k].case_code == l->v[i].case_code) {
				/* Shown as cancelled on its own day. */
				l->v[i].end -= l->v[i].start -
				    l->v[i].moved_from;
				l->v[i].start = l->v[i].moved_from;
				l->v[i].cancelled = 1;
				l->v[i].collided = 1;
				break;
			}
	}
}

static const struct inst_list *
item_insts(struct xctx *x, size_t ix, int depth)
{
	const struct rules_item	*it = &x->r->items[ix];
	struct inst_list	*l;
	size_t			 i, k;
	char			 fy[16];

	if (x->memo == NULL || x->state == NULL)
		return NULL;	/* never: rules_expand sets both up */
	l = &x->memo[ix];
	if (x->state[ix] == 2)
		return l;
	if (x->state[ix] == 1 || depth > EXPAND_MAX_DEPTH) {
		/* The validator rejects loops; this guards a bug in it. */
		if (x->diag != NULL && !x->failed)
			rules_diag_add(x->diag, "error",
			    x->r->cycles[it->cycle].path, it->mark.line,
			    it->mark.col, "the date of '%s' depends on itself "
			    "(relative/same_day loop or chain deeper than %d)",
			    it->id, EXPAND_MAX_DEPTH);
		x->failed = 1;
		return NULL;
	}
	x->state[ix] = 1;
	if (!it->casespec.present)
		base_insts(x, it, depth, l);
	if (it->per != NULL && it->per_ix != RULES_NONE)
		per_members(x, it, l);
	snprintf(fy, sizeof fy, "%d", x->fy);
	for (k = 0; k < it->nfy; k++) {
		if (it->fy[k].fy != x->fy && strcmp(it->fy[k].key, fy) != 0)
			continue;
		for (i = 0; i < l->n; i++) {
			l->v[i].ovr_fy = &it->fy[k];
			apply_override(x, it, &it->fy[k], &l->v[i]);
		}
	}
	for (i = 0; i < l->n; i++)
		closed_adjust(x->ctx->closed, it, &l->v[i]);
	closed_collisions(l);
	x->state[ix] = 2;
	return l;
}

/* Case-relative items of cycle c for one case. */
static void
case_insts(const struct rules *r, const struct rules_item *it,
    const struct rules_case *cs, cal_day horizon,
    const struct cal_closed *closed, struct inst_list *out)
{
	const struct rules_casespec	*c = &it->casespec;
	cal_day				 end = cs->closed != CAL_OPEN ?
					    cs->closed : horizon;
	struct inst			 in;
	int				 k, step;

	inst_init(&in);
	in.assumed = it->assumed;
	in.case_code = cs->code;
	in.case_org = cs->org != NULL ? expand_own_id(r, cs->org) : NULL;
	/* UIDs name the FY the case began: its later dates never move it. */
	in.uid_fy = cal_fy_of(cs->start, item_fy_start(r, it));
	if (c->at == RCA_START || (c->at == RCA_NONE && !c->has_offset &&
	    !c->has_every && !c->monthly && !c->quarterly)) {
		in.start = in.end = cs->start;
		inst_push(out, &in);
	} else if (c->at == RCA_CLOSE) {
		/* `{at: close, offset: +3mo}`: that long after the close. */
		if (cs->closed != CAL_OPEN) {
			in.start = in.end = cs->closed;
			if (c->has_offset) {
				apply_offset(closed, &c->offset, &in.start,
				    &in.start_secs);
				in.start_secs = -1;
				in.end = in.start;
			}
			inst_push(out, &in);
		}
	} else if (c->has_every) {
		/* Every N while the case is open (a re-evaluation every 6
		   months, a weekly conference), numbered from 1. */
		in.start = cs->start;
		for (k = 1; k <= 1000; k++) {
			apply_offset(closed, &c->every, &in.start,
			    &in.start_secs);
			in.start_secs = -1;
			if (in.start > end)
				break;
			in.end = in.start;
			in.number = k;
			inst_push(out, &in);
		}
	} else if (c->has_offset) {
		in.start = cs->start;
		apply_offset(closed, &c->offset, &in.start,
		    &in.start_secs);
		in.start_secs = -1;
		in.end = in.start;
		if (c->approx) {
			in.tentative = 1;
			snprintf(in.approx, sizeof in.approx, "約%d%s",
			    c->offset.n < 0 ? -c->offset.n : c->offset.n,
			    c->offset.unit == RU_MONTH ? "か月" :
			    c->offset.unit == RU_WEEK ? "週間" : "日");
		}
		if (in.start <= end || cs->closed == CAL_OPEN)
			inst_push(out, &in);
	} else {
		step = c->monthly ? 1 : 3;
		for (k = 1; k <= 240; k++) {
			in.start = in.end = add_months(cs->start, k * step);
			if (in.start > end)
				break;
			in.number = k;
			inst_push(out, &in);
		}
	}
}

/* Resolves an item's before/after submissions so its description can
 * name their deadlines. */
static void
submission_insts(struct xctx *x, const struct rules_item *it)
{
	size_t	 k;

	for (k = 0; k < it->nbefore; k++)
		if (it->before[k].ix < x->r->nitems)
			(void)item_insts(x, it->before[k].ix, 0);
	for (k = 0; k < it->nafter; k++)
		if (it->after[k].ix < x->r->nitems)
			(void)item_insts(x, it->after[k].ix, 0);
}

static int
occ_cmp(const void *a, const void *b)
{
	const struct occ	*x = a, *y = b;

	if (x->adhoc != y->adhoc)
		return x->adhoc - y->adhoc;
	if (!x->adhoc && x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->start_secs != y->start_secs)
		return x->start_secs < y->start_secs ? -1 : 1;
	return strcmp(x->uid, y->uid);
}

static void
expand_fy(struct xctx *x, size_t c, cal_day from, cal_day to,
    struct occ_list *out)
{
	const struct inst_list	*l;
	size_t			 first, n, i, k;

	rules_cycle_items(x->r, c, &first, &n);
	for (i = first; i < first + n; i++) {
		if ((l = item_insts(x, i, 0)) == NULL)
			continue;
		submission_insts(x, &x->r->items[i]);
		for (k = 0; k < l->n; k++) {
			if (!l->v[k].adhoc && (l->v[k].start > to ||
			    l->v[k].end < from))
				continue;
			expand_emit(x->r, i, x->fy, &l->v[k], x->ctx, x->memo,
			    out);
		}
	}
}

static void
expand_cases(const struct rules *r, size_t c, cal_day from, cal_day to,
    const struct rules_expand_ctx *ctx, struct occ_list *out)
{
	struct inst_list	 l;
	size_t			 first, n, i, j, k;
	const char		*cid = r->cycles[c].id;

	rules_cycle_items(r, c, &first, &n);
	for (j = 0; ctx != NULL && j < ctx->ncases; j++) {
		if (strcmp(ctx->cases[j].cycle, cid) != 0)
			continue;
		for (i = first; i < first + n; i++) {
			if (!r->items[i].casespec.present)
				continue;
			memset(&l, 0, sizeof l);
			case_insts(r, &r->items[i], &ctx->cases[j],
			    ctx->today + 366, ctx->closed, &l);
			for (k = 0; k < l.n; k++)
				closed_adjust(ctx->closed, &r->items[i],
				    &l.v[k]);
			closed_collisions(&l);
			for (k = 0; k < l.n; k++)
				if (l.v[k].start <= to && l.v[k].end >= from)
					expand_emit(r, i, cal_fy_of(l.v[k].start,
					    r->cycles[c].fy_start > 0 ?
					    r->cycles[c].fy_start : 4),
					    &l.v[k], ctx, NULL, out);
			free(l.v);
		}
	}
}

/* The fiscal-year start month of the cycle named id (4 if unknown). */
static int
cycle_fy_start(const struct rules *r, const char *id)
{
	const struct rules_cycle	*c = rules_find_cycle(r, id);

	return c != NULL && c->fy_start >= 1 && c->fy_start <= 12 ?
	    c->fy_start : 4;
}

int
rules_expand(const struct rules *r, cal_day from, cal_day to,
    const struct rules_expand_ctx *ctx, struct occ_list *out,
    struct rules_diag *diag)
{
	struct xctx		 x;
	struct rules_expand_ctx	 lctx;
	struct cal_zone		*tokyo = NULL;
	size_t			 c, i;
	int			 fy, fy0, fy1, fs;

	memset(out, 0, sizeof *out);
	memset(&x, 0, sizeof x);
	/* Cycles in their own zone convert to the calendar's (Asia/Tokyo
	 * when the caller names none). */
	memset(&lctx, 0, sizeof lctx);
	if (ctx != NULL)
		lctx = *ctx;
	if (lctx.zone == NULL)
		lctx.zone = tokyo = cal_zone_new("Asia/Tokyo", NULL);
	ctx = &lctx;
	x.r = r;
	x.ctx = ctx;
	x.diag = diag;
	x.memo = xcalloc(r->nitems + 1, sizeof *x.memo);
	x.state = xcalloc(r->nitems + 1, 1);
	/*
	 * Occurrences may lie outside their own fiscal year (fy_shift), so
	 * scan one year beyond each end and filter by date.
	 */
	fy0 = cal_fy_of(from, 4) - 1;
	fy1 = cal_fy_of(to, 4) + 1;
	for (fy = fy0; fy <= fy1; fy++) {
		x.fy = fy;
		for (i = 0; i < r->nitems; i++) {
			free(x.memo[i].v);
			memset(&x.memo[i], 0, sizeof x.memo[i]);
			x.state[i] = 0;
		}
		for (c = 0; c < r->ncycles; c++) {
			if ((r->cycles[c].from_fy && fy < r->cycles[c].from_fy) ||
			    (r->cycles[c].until_fy && fy > r->cycles[c].until_fy))
				continue;
			/* Adhoc items belong to the FYs the range covers. */
			expand_fy(&x, c, from, to, out);
		}
	}
	for (c = 0; c < r->ncycles; c++)
		if (r->cycles[c].is_case)
			expand_cases(r, c, from, to, ctx, out);
	for (i = 0; i < r->nitems; i++)
		free(x.memo[i].v);
	free(x.memo);
	free(x.state);
	cal_zone_free(tokyo);
	/* Adhoc occurrences only for the fiscal years the range names. */
	for (i = 0, c = 0; i < out->n; i++) {
		fs = cycle_fy_start(r, out->v[i].cycle_id);
		if (out->v[i].adhoc && (out->v[i].fy < cal_fy_of(from, fs) ||
		    out->v[i].fy > cal_fy_of(to, fs))) {
			occ_free_one(&out->v[i]);
			continue;
		}
		out->v[c++] = out->v[i];
	}
	out->n = c;
	xqsort(out->v, out->n, sizeof *out->v, occ_cmp);
	return x.failed ? -1 : 0;
}
