/*
 * plan.c — `koyomi plan` output: one readable line per occurrence, or
 * one JSON document with stable keys.
 */
#include <stdio.h>

#include "calendars/util.h"
#include "rules/json.h"
#include "rules/rules.h"

static const char *const status_names[] = { "confirmed", "tentative",
	"cancelled" };

static void
secs_str(char *b, size_t n, int secs)
{
	if (secs < 0)
		snprintf(b, n, "%s", "");
	else
		snprintf(b, n, "%02d:%02d", secs / 3600 % 100, secs / 60 % 60);
}

/* 「2026-02-12（木）」 or 「令和8年2月12日（木）」. */
static void
day_str(char *b, size_t n, cal_day d, int flags)
{
	char	 iso[11];

	if (flags & RULES_PLAN_WAREKI) {
		cal_wareki_format(b, n, d, CAL_WF_WEEKDAY);
		return;
	}
	cal_format_iso(iso, d);
	snprintf(b, n, "%s（%s）", iso, cal_weekday_ja(cal_weekday(d)));
}

/* 「提出：北海道、東京都ほか155団体」: who must submit, by name. */
static void
plan_assignees(struct buf *b, const struct occ *o)
{
	const struct rules_org		*g;
	const struct rules_contact	*c;
	const char			*name;
	size_t				 k, shown = 3;

	if (o->nassignees == 0) {
		buf_puts(b, "  提出：（なし）");
		return;
	}
	buf_puts(b, "  提出：");
	for (k = 0; k < o->nassignees && k < shown; k++) {
		name = o->assignees[k];
		if (o->rules != NULL && (g = rules_find_org(o->rules,
		    name)) != NULL)
			name = g->name;
		else if (o->rules != NULL && (c = rules_find_contact(o->rules,
		    name)) != NULL)
			name = c->name;
		buf_printf(b, "%s%s", k ? "、" : "", name);
	}
	if (o->nassignees > shown)
		buf_printf(b, "ほか%zu件", o->nassignees - shown);
}

void
rules_plan_text(const struct occ_list *l, struct buf *b)
{
	rules_plan_text_opts(NULL, l, 0, b);
}

/*
 * One line per occurrence, in Japanese: the day with its weekday (or a
 * span), the time or 終日 or 締切, the certainty (確定, 予定, 想定, 中止,
 * 随時), the kind, the title, the place, a closed day it moved off, who
 * must submit, and the UID in <> for reference.
 */
void
rules_plan_text_opts(const struct rules *r, const struct occ_list *l,
    int flags, struct buf *b)
{
	const struct occ	*o;
	char			 s[64], e[64], t0[8], t1[8];
	size_t			 i;

	(void)r;
	for (i = 0; i < l->n; i++) {
		o = &l->v[i];
		if (o->adhoc)
			buf_puts(b, "日付なし（随時）");
		else {
			day_str(s, sizeof s, o->start, flags);
			day_str(e, sizeof e, o->end, flags);
			if (o->start == o->end)
				buf_puts(b, s);
			else
				buf_printf(b, "%s～%s", s, e);
		}
		secs_str(t0, sizeof t0, o->start_secs);
		secs_str(t1, sizeof t1, o->end_secs);
		if (o->adhoc)
			buf_puts(b, "  -");
		else if (o->start_secs >= 0 && o->end_secs >= 0)
			buf_printf(b, "  %s～%s", t0, t1);
		else if (o->start_secs >= 0)
			buf_printf(b, "  %s～", t0);
		else if (o->is_deadline) {
			secs_str(t0, sizeof t0, o->due_secs);
			buf_printf(b, "  %s締切", t0);
		} else
			buf_puts(b, "  終日");
		buf_printf(b, "  %s  %s  %s", o->status == OCC_CANCELLED ?
		    "中止" : rules_certainty_ja(o->certainty),
		    rules_kind_ja(o->kind), o->title);
		if (o->location != NULL)
			buf_printf(b, "  ＠%s", o->location);
		if (o->moved) {
			day_str(s, sizeof s, o->moved_from, flags);
			buf_printf(b, "  ※%sは閉庁日（%s）", s,
			    o->closed_name != NULL ? o->closed_name : "休日");
		} else if (o->kept)
			buf_printf(b, "  ※閉庁日（%s）のまま",
			    o->closed_name != NULL ? o->closed_name : "休日");
		if (o->is_deadline)
			plan_assignees(b, o);
		buf_printf(b, "  <%s>\n", o->uid);
	}
}

/* ,"response":{"options":[…],"text":false,"year_count":true} */
static void
plan_json_response(struct buf *b, const struct rules_response *rp)
{
	size_t	 k;

	buf_puts(b, ",\"response\":{\"options\":[");
	for (k = 0; k < rp->noptions; k++) {
		if (k)
			buf_putc(b, ',');
		buf_json_string(b, rp->options[k]);
	}
	buf_putc(b, ']');
	json_kv_bool(b, "text", rp->text);
	json_kv_bool(b, "year_count", rp->year_count);
	buf_putc(b, '}');
}

void
rules_plan_json(const struct occ_list *l, struct buf *b)
{
	rules_plan_json_targets(l, NULL, b);
}

/* The same with the minimum-frequency targets, when there are any. */
void
rules_plan_json_targets(const struct occ_list *l,
    const struct rules_target_list *tl, struct buf *b)
{
	const struct occ	*o;
	char			 d[11], t[8];
	size_t			 i, k;

	buf_puts(b, "{\"occurrences\":[");
	for (i = 0; i < l->n; i++) {
		o = &l->v[i];
		buf_puts(b, i ? ",\n{" : "\n{");
		buf_puts(b, "\"uid\":");
		buf_json_string(b, o->uid);
		json_kv_str(b, "cycle", o->cycle_id);
		json_kv_str(b, "item", o->item_id);
		json_kv_int(b, "fy", o->fy);
		json_kv_str(b, "member", o->member);
		json_kv_str(b, "case", o->case_code);
		json_kv_int(b, "number", o->number);
		json_kv_str(b, "kind", rules_kind_name(o->kind));
		json_kv_str(b, "title", o->title);
		json_kv_str(b, "status", status_names[o->status]);
		json_kv_bool(b, "tentative", o->status == OCC_TENTATIVE);
		json_kv_str(b, "certainty", rules_certainty_name(o->certainty));
		json_kv_str(b, "approx", o->approx);
		json_kv_bool(b, "adhoc", o->adhoc);
		cal_format_iso(d, o->start);
		json_kv_str(b, "start", o->adhoc ? NULL : d);
		cal_format_iso(d, o->end);
		json_kv_str(b, "end", o->adhoc ? NULL : d);
		secs_str(t, sizeof t, o->start_secs);
		json_kv_str(b, "start_time", o->start_secs >= 0 ? t : NULL);
		secs_str(t, sizeof t, o->end_secs);
		json_kv_str(b, "end_time", o->end_secs >= 0 ? t : NULL);
		/* A day moved off a closed day: from where and why. */
		cal_format_iso(d, o->moved_from);
		json_kv_str(b, "moved_from", o->moved ? d : NULL);
		json_kv_str(b, "closed", o->closed_name);
		json_kv_str(b, "location", o->location);
		json_kv_str(b, "description", o->description);
		json_kv_str(b, "source", o->source);
		json_kv_str(b, "audience", o->audience);
		json_kv_bool(b, "deadline", o->is_deadline);
		if (o->is_deadline) {
			secs_str(t, sizeof t, o->due_secs);
			json_kv_str(b, "due_time", t);
			json_kv_str(b, "policy", o->policy ? o->policy->id : NULL);
			buf_puts(b, ",\"assignees\":[");
			for (k = 0; k < o->nassignees; k++) {
				if (k)
					buf_putc(b, ',');
				buf_json_string(b, o->assignees[k]);
			}
			buf_putc(b, ']');
			if (o->response != NULL)
				plan_json_response(b, o->response);
		}
		json_kv_str(b, "hash", o->hash);
		buf_putc(b, '}');
	}
	buf_puts(b, "\n]");
	if (tl != NULL && tl->n > 0) {
		buf_putc(b, ',');
		rules_targets_json(tl, b);
	}
	buf_puts(b, "}\n");
}
