/*
 * target.c — minimum-frequency targets (`frequency: {min, per, counts}`)
 * checked by count. A target's periods (each fiscal year, quarter or
 * month of its cycle) are listed with how many occurrences of the items
 * it `counts` the rules schedule in each (cancelled and undated ones do
 * not count; a per-member target counts its member's). `koyomi plan`
 * prints them; `koyomi check` warns at the target's `frequency` when a
 * period holds fewer than `min`. A target without `counts` is counted by
 * completing its own tasks, which only the daemon's store knows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "rules/expand.h"
#include "rules/json.h"

static int
cycle_fs(const struct rules_cycle *c)
{
	return c->fy_start >= 1 && c->fy_start <= 12 ? c->fy_start : 4;
}

/* Adds n months to the 1st of a month. */
static cal_day
month_add(cal_day first, int n)
{
	int	 y, m, d, t;

	cal_to_ymd(first, &y, &m, &d);
	t = y * 12 + (m - 1) + n;
	return cal_from_ymd(t / 12, t % 12 + 1, 1);
}

static void
target_push(struct rules_target_list *l, const struct rules_target *t)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
	l->v[l->n++] = *t;
}

/* The periods of target item ix in fiscal year fy, one per member. */
static void
target_periods(const struct rules *r, size_t ix, int fy,
    const struct rules_expand_ctx *ctx, cal_day from, cal_day to,
    struct rules_target_list *l)
{
	const struct rules_item		*it = &r->items[ix];
	const struct rules_cycle	*c = &r->cycles[it->cycle];
	const struct rules_group	*g;
	const char			**mem = NULL;
	struct rules_target		 t;
	size_t				 n = 0, k, i;
	int				 step, p;

	if ((c->from_fy && fy < c->from_fy) || (c->until_fy && fy > c->until_fy))
		return;
	if (it->per != NULL && it->per_ix < r->ngroups) {
		g = &r->groups[it->per_ix];
		if (it->per_groups) {
			n = g->nsubgroups;
			mem = xcalloc(n + 1, sizeof *mem);
			for (i = 0; i < n; i++)
				mem[i] = r->groups[g->subgroups[i]].id;
		} else
			n = expand_group_members(r, it->per_ix, fy, ctx, &mem);
	} else {
		mem = xcalloc(2, sizeof *mem);	/* one period, no member */
		n = 1;
	}
	step = it->frequency.per == RP_FY ? 12 :
	    it->frequency.per == RP_QUARTER ? 3 : 1;
	for (p = 0; p < 12 / step; p++) {
		memset(&t, 0, sizeof t);
		t.cycle_id = c->id;
		t.item_id = it->id;
		t.fy = fy;
		t.number = 12 / step > 1 ? p + 1 : 0;
		t.per = it->frequency.per == RP_FY ? "fy" :
		    it->frequency.per == RP_QUARTER ? "quarter" : "month";
		t.start = month_add(cal_fy_first(fy, cycle_fs(c)), p * step);
		t.end = month_add(t.start, step) - 1;
		t.min = it->frequency.min;
		t.counted = it->frequency.ncounts > 0 ? 0 : -1;
		t.item = ix;
		if (t.end < from || t.start > to)
			continue;
		for (k = 0; k < n; k++) {
			t.member = mem[k];
			target_push(l, &t);
		}
	}
	free(mem);
}

static int
counted_by(const struct rules *r, const struct rules_item *it,
    const struct occ *o)
{
	const struct rules_item	*ci;
	size_t			 k;

	for (k = 0; k < it->frequency.ncounts; k++) {
		if (it->frequency.counts[k].ix >= r->nitems)
			continue;
		ci = &r->items[it->frequency.counts[k].ix];
		if (strcmp(ci->id, o->item_id) == 0 &&
		    strcmp(r->cycles[ci->cycle].id, o->cycle_id) == 0)
			return 1;
	}
	return 0;
}

int
rules_targets(const struct rules *r, cal_day from, cal_day to,
    const struct rules_expand_ctx *ctx, struct rules_target_list *out,
    struct rules_diag *diag)
{
	struct occ_list		 occ = { NULL, 0 };
	struct rules_target	*t;
	const struct occ	*o;
	size_t			 i, k;
	cal_day			 lo = to, hi = from;
	int			 fy, rc = 0;

	memset(out, 0, sizeof *out);
	for (i = 0; i < r->nitems; i++) {
		if (r->items[i].frequency.min == 0 ||
		    r->cycles[r->items[i].cycle].is_case)
			continue;
		fy = cal_fy_of(from, cycle_fs(&r->cycles[r->items[i].cycle]));
		for (; fy <= cal_fy_of(to,
		    cycle_fs(&r->cycles[r->items[i].cycle])); fy++)
			target_periods(r, i, fy, ctx, from, to, out);
	}
	for (k = 0; k < out->n; k++) {
		if (out->v[k].counted < 0)
			continue;
		if (out->v[k].start < lo)
			lo = out->v[k].start;
		if (out->v[k].end > hi)
			hi = out->v[k].end;
	}
	if (lo > hi)
		return 0;
	/* Whole periods, even where they reach past [from, to]. */
	if ((rc = rules_expand(r, lo, hi, ctx, &occ, diag)) == -1)
		goto done;
	for (k = 0; k < out->n; k++) {
		t = &out->v[k];
		if (t->counted < 0)
			continue;
		for (i = 0; i < occ.n; i++) {
			o = &occ.v[i];
			if (o->adhoc || o->status == OCC_CANCELLED ||
			    o->start < t->start || o->start > t->end ||
			    (t->member != NULL && (o->member == NULL ||
			    strcmp(o->member, t->member) != 0)) ||
			    !counted_by(r, &r->items[t->item], o))
				continue;
			t->counted++;
		}
	}
done:
	occ_list_free(&occ);
	return rc;
}

void
rules_target_list_free(struct rules_target_list *l)
{
	if (l == NULL)
		return;
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* "FY2025", "FY2025 Q2" or "FY2025 M7" (7th month of the year). */
static void
period_name(const struct rules_target *t, char *b, size_t n)
{
	if (t->number == 0)
		snprintf(b, n, "FY%d", t->fy);
	else
		snprintf(b, n, "FY%d %c%d", t->fy,
		    strcmp(t->per, "quarter") == 0 ? 'Q' : 'M', t->number);
}

void
rules_targets_text(const struct rules_target_list *l, struct buf *b)
{
	const struct rules_target	*t;
	char				 s[11], e[11], p[32];
	size_t				 i;

	if (l == NULL || l->n == 0)
		return;
	buf_puts(b, "\ntargets (minimum frequency):\n");
	for (i = 0; i < l->n; i++) {
		t = &l->v[i];
		cal_format_iso(s, t->start);
		cal_format_iso(e, t->end);
		period_name(t, p, sizeof p);
		buf_printf(b, "%s..%s %-10s %s/%s%s%s: ", s, e, p, t->cycle_id,
		    t->item_id, t->member ? " " : "", t->member ? t->member : "");
		if (t->counted < 0)
			buf_printf(b, "min %d, counted by completing its "
			    "tasks\n", t->min);
		else
			buf_printf(b, "%d scheduled, min %d%s\n", t->counted,
			    t->min, t->counted < t->min ? "  SHORT" : "");
	}
}

void
rules_targets_json(const struct rules_target_list *l, struct buf *b)
{
	const struct rules_target	*t;
	char				 d[11];
	size_t				 i;

	buf_puts(b, "\"targets\":[");
	for (i = 0; l != NULL && i < l->n; i++) {
		t = &l->v[i];
		buf_puts(b, i ? ",\n{" : "\n{");
		buf_puts(b, "\"cycle\":");
		buf_json_string(b, t->cycle_id);
		json_kv_str(b, "item", t->item_id);
		json_kv_str(b, "member", t->member);
		json_kv_int(b, "fy", t->fy);
		json_kv_str(b, "per", t->per);
		json_kv_int(b, "number", t->number);
		cal_format_iso(d, t->start);
		json_kv_str(b, "start", d);
		cal_format_iso(d, t->end);
		json_kv_str(b, "end", d);
		json_kv_int(b, "min", t->min);
		/* null: counted by completing its tasks, not by the rules */
		if (t->counted < 0)
			buf_puts(b, ",\"scheduled\":null");
		else
			json_kv_int(b, "scheduled", t->counted);
		buf_putc(b, '}');
	}
	buf_puts(b, "\n]");
}

void
rules_targets_check(const struct rules *r,
    const struct rules_target_list *l, struct rules_diag *diag)
{
	const struct rules_target	*t;
	const struct rules_item		*it;
	char				 s[11], e[11], p[32];
	size_t				 i;

	for (i = 0; l != NULL && i < l->n; i++) {
		t = &l->v[i];
		if (t->counted < 0 || t->counted >= t->min)
			continue;
		it = &r->items[t->item];
		cal_format_iso(s, t->start);
		cal_format_iso(e, t->end);
		period_name(t, p, sizeof p);
		rules_diag_add(diag, "warning", r->cycles[it->cycle].path,
		    it->marks[RIK_FREQUENCY].line, it->marks[RIK_FREQUENCY].col,
		    "'frequency': %s (%s..%s)%s%s has %d scheduled occurrence%s "
		    "of its 'counts', fewer than min %d", p, s, e,
		    t->member ? " for " : "", t->member ? t->member : "",
		    t->counted, t->counted == 1 ? "" : "s", t->min);
	}
}
