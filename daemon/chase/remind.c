/*
 * remind.c — reminder step instants and the catch-up rule (remind.h).
 * Pure arithmetic on the business calendar; see the header for the rules.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/chase/remind.h"

#define DAY_SECS	86400
/* A closed stretch longer than this is a calendar bug, not a holiday. */
#define WINDOW_SCAN_DAYS 400
/* Missed steps older than this are not worth sending after downtime. */
#define CATCHUP_MAX	((time_t)14 * DAY_SECS)

/* A point a step is measured from: a local day and time, and its instant. */
struct remind_base {
	cal_day	 day;
	int	 secs;
	time_t	 at;
};

static int
window_start(const struct remind_ctx *rc)
{
	if (rc->window_start < 0 || rc->window_end <= rc->window_start)
		return 0;
	return rc->window_start;
}

static int
window_end(const struct remind_ctx *rc)
{
	if (rc->window_start < 0 || rc->window_end <= rc->window_start ||
	    rc->window_end > DAY_SECS)
		return DAY_SECS;
	return rc->window_end;
}

/* The first window opening at or after local (day, secs). */
static time_t
window_adjust(const struct remind_ctx *rc, cal_day day, int secs)
{
	int	 i, ws = window_start(rc), we = window_end(rc);

	for (i = 0; i < WINDOW_SCAN_DAYS; i++) {
		if (cal_is_business_in(rc->closed, day) && secs < we)
			return cal_local_to_utc(rc->zone, day,
			    secs < ws ? ws : secs);
		day++;
		secs = 0;
	}
	/* Unreachable on a sane calendar: send at the asked time. */
	return cal_local_to_utc(rc->zone, day - WINDOW_SCAN_DAYS, secs);
}

time_t
remind_window_open(const struct remind_ctx *rc, time_t t)
{
	cal_day	 day;
	int	 secs;
	time_t	 w;

	cal_utc_to_local(rc->zone, t, &day, &secs);
	w = window_adjust(rc, day, secs);
	return w < t ? t : w;
}

static int
unit_is_exact(enum rules_unit u)
{
	return u == RU_HOUR || u == RU_MIN || u == RU_SEC;
}

static long long
unit_secs(enum rules_unit u)
{
	switch (u) {
	case RU_HOUR:
		return 3600;
	case RU_MIN:
		return 60;
	default:
		return 1;
	}
}

static cal_day
add_months(cal_day d, int n)
{
	int	 y, m, dd, mi, dim;

	cal_to_ymd(d, &y, &m, &dd);
	mi = (y * 12 + (m - 1)) + n;
	y = mi / 12;
	m = mi % 12 + 1;
	dim = cal_days_in_month(y, m);
	return cal_from_ymd(y, m, dd > dim ? dim : dd);
}

/*
 * Applies k times offset o to base. Day-level results are moved into
 * the window; *exact tells which kind it was. tod: the default time of
 * day for a day-level result when o gives none.
 */
static time_t
offset_apply(const struct remind_ctx *rc, const struct remind_base *b,
    const struct rules_offset *o, int k, int tod, int *exact,
    struct remind_base *out)
{
	long long	 n = (long long)o->n * k;
	cal_day		 day = b->day;

	if (unit_is_exact(o->unit)) {
		*exact = 1;
		out->at = b->at + (time_t)(n * unit_secs(o->unit));
		cal_utc_to_local(rc->zone, out->at, &out->day, &out->secs);
		return out->at;
	}
	*exact = 0;
	switch (o->unit) {
	case RU_DAY:
		day += (cal_day)n;
		break;
	case RU_WEEK:
		day += (cal_day)(7 * n);
		break;
	case RU_MONTH:
		day = add_months(day, (int)n);
		break;
	default:	/* RU_BDAY */
		day = n == 0 ? day : cal_add_business_in(rc->closed, day,
		    (int)n);
		break;
	}
	out->day = day;
	out->secs = o->at_secs >= 0 ? o->at_secs : tod;
	out->at = window_adjust(rc, out->day, out->secs);
	return out->at;
}

void
remind_offset_name(const struct rules_offset *o, char *s, size_t len)
{
	static const char *const units[] = {
		[RU_DAY] = "d", [RU_BDAY] = "bd", [RU_WEEK] = "w",
		[RU_MONTH] = "mo", [RU_HOUR] = "h", [RU_MIN] = "min",
		[RU_SEC] = "s",
	};
	const char	*u = (unsigned)o->unit < nitems(units) ? units[o->unit] : "?";

	if (o->at_secs >= 0 && !unit_is_exact(o->unit))
		snprintf(s, len, "%s%d%s@%02d:%02d", o->n > 0 ? "+" : "",
		    o->n, u, o->at_secs / 3600, o->at_secs / 60 % 60);
	else
		snprintf(s, len, "%s%d%s", o->n > 0 ? "+" : "", o->n, u);
}

struct remind_sorted {
	struct remind_step	 step;
	size_t			 order;
};

static int
step_cmp(const void *a, const void *b)
{
	const struct remind_sorted	*x = a, *y = b;

	if (x->step.at != y->step.at)
		return x->step.at < y->step.at ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static void
push(struct remind_sorted *v, size_t *n, const char *name,
    enum remind_kind kind, time_t at, int exact)
{
	struct remind_sorted	*s = &v[*n];

	snprintf(s->step.name, sizeof s->step.name, "%s", name);
	s->step.kind = kind;
	s->step.at = at;
	s->step.exact = exact;
	s->order = (*n)++;
}

/* The repeats after the last positive step (or the due time). */
static void
add_repeats(const struct remind_ctx *rc, const struct rules_policy *p,
    const struct remind_base *due, struct remind_sorted *v, size_t *n)
{
	const struct rules_offset	*last = NULL;
	struct remind_base		 base = *due, r, prev;
	char				 name[REMIND_NAME_MAX];
	size_t				 i;
	int				 k, exact, step;

	if (!p->has_repeat || p->repeat_overdue.n <= 0)
		return;
	for (i = 0; i < p->nsteps; i++)
		if (p->steps[i].n > 0)
			last = &p->steps[i];
	if (last != NULL)
		offset_apply(rc, due, last, 1, window_start(rc), &exact, &base);
	/*
	 * Business days (and exact units) compose: add(add(d, a), b) =
	 * add(d, a + b), and the result is always a business day, so repeat
	 * k steps on from repeat k-1. Walking k·n business days from the base
	 * each time was quadratic in the repeats and dominated a restart at
	 * 2,000 organisations (bench/README.md, Scale). Calendar days and
	 * months may land on a closed day or clamp, so they keep the base.
	 */
	step = p->repeat_overdue.unit == RU_BDAY ||
	    unit_is_exact(p->repeat_overdue.unit);
	prev = base;
	for (k = 1; k <= REMIND_MAX_REPEATS; k++) {
		offset_apply(rc, step ? &prev : &base, &p->repeat_overdue,
		    step ? 1 : k, last == NULL ? window_start(rc) : base.secs,
		    &exact, &r);
		prev = r;
		snprintf(name, sizeof name, "overdue#%d", k);
		push(v, n, name, REMIND_OVERDUE, r.at, exact);
	}
}

/* Builds the sorted schedule into a fresh array; *n its length. */
static struct remind_sorted *
schedule(const struct remind_ctx *rc, const struct rules_policy *p,
    time_t due_at, size_t *n)
{
	struct remind_sorted	*v;
	struct remind_base	 due, r;
	char			 name[REMIND_NAME_MAX];
	size_t			 i;
	int			 exact;

	v = xreallocarray(NULL, p->nsteps + REMIND_MAX_REPEATS + 2,
	    sizeof *v);
	*n = 0;
	due.at = due_at;
	cal_utc_to_local(rc->zone, due_at, &due.day, &due.secs);
	for (i = 0; i < p->nsteps; i++) {
		offset_apply(rc, &due, &p->steps[i], 1, window_start(rc),
		    &exact, &r);
		remind_offset_name(&p->steps[i], name, sizeof name);
		push(v, n, name, r.at > due_at ? REMIND_OVERDUE :
		    REMIND_BEFORE, r.at, exact);
	}
	add_repeats(rc, p, &due, v, n);
	if (p->has_escalate) {
		offset_apply(rc, &due, &p->escalate_after, 1, window_start(rc),
		    &exact, &r);
		push(v, n, REMIND_ESCALATE, REMIND_ESCALATE_KIND, r.at, exact);
	}
	xqsort(v, *n, sizeof *v, step_cmp);
	return v;
}

size_t
remind_schedule(const struct remind_ctx *rc, const struct rules_policy *p,
    time_t due, struct remind_step *out, size_t n)
{
	struct remind_sorted	*v;
	size_t			 i, nv;

	if (p == NULL)
		return 0;
	v = schedule(rc, p, due, &nv);
	for (i = 0; i < nv && i < n; i++)
		out[i] = v[i].step;
	free(v);
	return nv;
}

static int
is_taken(const char *name, const char *const *taken, size_t ntaken)
{
	size_t	 i;

	for (i = 0; i < ntaken; i++)
		if (strcmp(taken[i], name) == 0)
			return 1;
	return 0;
}

/*
 * The assignee's next step: the latest one missed (within CATCHUP_MAX)
 * after the last one taken, else the earliest still ahead. NULL if none.
 */
static const struct remind_sorted *
next_assignee(const struct remind_sorted *v, size_t nv, time_t now,
    const char *const *taken, size_t ntaken)
{
	const struct remind_sorted	*missed = NULL, *ahead = NULL;
	size_t				 i, first = 0;

	for (i = 0; i < nv; i++)
		if (v[i].step.kind != REMIND_ESCALATE_KIND &&
		    is_taken(v[i].step.name, taken, ntaken))
			first = i + 1;
	for (i = first; i < nv; i++) {
		if (v[i].step.kind == REMIND_ESCALATE_KIND)
			continue;
		if (v[i].step.at <= now) {
			if (now - v[i].step.at <= CATCHUP_MAX)
				missed = &v[i];
		} else if (ahead == NULL)
			ahead = &v[i];
	}
	return missed != NULL ? missed : ahead;
}

int
remind_next(const struct remind_ctx *rc, const struct rules_policy *p,
    time_t due, time_t now, const char *const *taken, size_t ntaken,
    struct remind_step *step, time_t *send_at)
{
	struct remind_sorted		*v;
	const struct remind_sorted	*a, *e = NULL, *pick;
	size_t				 i, nv;

	if (p == NULL)
		return 0;
	v = schedule(rc, p, due, &nv);
	a = next_assignee(v, nv, now, taken, ntaken);
	for (i = 0; i < nv; i++)
		if (v[i].step.kind == REMIND_ESCALATE_KIND &&
		    !is_taken(REMIND_ESCALATE, taken, ntaken) &&
		    (v[i].step.at > now || now - v[i].step.at <= CATCHUP_MAX))
			e = &v[i];
	if (a == NULL || (e != NULL && e->step.at < a->step.at))
		pick = e;
	else
		pick = a;
	if (pick == NULL) {
		free(v);
		return 0;
	}
	*step = pick->step;
	if (step->at > now)
		*send_at = step->at;
	else if (step->exact)
		*send_at = now;
	else
		*send_at = remind_window_open(rc, now);
	free(v);
	return 1;
}
