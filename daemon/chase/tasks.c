/*
 * tasks.c — task rows, derived state, rendering for the CLI and API, and
 * the set of tasks the rules want (tasks.h). Pure: no SQLite here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendars/util.h"
#include "daemon/codec/csv.h"
#include "daemon/chase/tasks.h"

int
task_is_past(const struct task *t)
{
	return t->past && strcmp(t->state, "open") == 0;
}

int
task_is_overdue(const struct task *t, time_t now)
{
	return !t->cancelled && strcmp(t->state, "open") == 0 && !t->past &&
	    t->due < now;
}

const char *
task_display_state(const struct task *t, time_t now)
{
	if (task_is_past(t))
		return "past";
	return task_is_overdue(t, now) ? "overdue" : t->state;
}

int
task_state_valid(const char *s)
{
	return strcmp(s, "open") == 0 || strcmp(s, "done") == 0 ||
	    strcmp(s, "waived") == 0 || strcmp(s, "overdue") == 0 ||
	    strcmp(s, "past") == 0;
}

void
task_note_occ(struct task *t, const struct occ *o)
{
	t->has_occ = o != NULL;
	t->certainty = o != NULL ? o->certainty : OCC_CERT_CONFIRMED;
	t->moved = o != NULL && o->moved;
	t->kept = o != NULL && o->kept;
	t->moved_from = t->moved ? o->moved_from : 0;
	t->closed_name = o != NULL && (o->moved || o->kept) ?
	    o->closed_name : NULL;
}

void
task_closed_note(const struct task *t, char *s, size_t len)
{
	const char	*why = t->closed_name != NULL ? t->closed_name : "休日";
	char		 iso[11];

	if (t->moved) {
		cal_format_iso(iso, t->moved_from);
		snprintf(s, len, "※%s（%s）は閉庁日（%s）", iso,
		    cal_weekday_ja(cal_weekday(t->moved_from)), why);
	} else if (t->kept)
		snprintf(s, len, "※閉庁日（%s）のまま", why);
	else if (len > 0)
		*s = '\0';
}

static void
iso_utc(time_t t, char *s, size_t len)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(s, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * id, due day, state, assignee, title; then, when there is one, the
 * case (ケース：CODE), a closed-day note, the answer and (cancelled).
 */
void
tasks_render_text(const struct task *v, size_t n, time_t now, struct buf *b)
{
	char	 note[128];
	size_t	 i;

	for (i = 0; i < n; i++) {
		buf_printf(b, "%lld\t%s\t%s\t%s\t%s", (long long)v[i].id,
		    v[i].due_day, task_display_state(&v[i], now),
		    v[i].assignee, v[i].title);
		if (v[i].case_code != NULL)
			buf_printf(b, "\tケース：%s", v[i].case_code);
		task_closed_note(&v[i], note, sizeof note);
		if (*note != '\0')
			buf_printf(b, "\t%s", note);
		if (v[i].answer != NULL)
			buf_printf(b, "\t%s", v[i].answer);
		buf_puts(b, v[i].cancelled ? "\t(cancelled)\n" : "\n");
	}
}

void
task_render_json(const struct task *t, time_t now, struct buf *b)
{
	char	 due[32], at[32], moved[11];

	iso_utc(t->due, due, sizeof due);
	buf_printf(b, "{\"id\":%lld,\"uid\":", (long long)t->id);
	buf_json_string(b, t->uid);
	buf_puts(b, ",\"cycle\":");
	buf_json_string(b, t->cycle);
	buf_puts(b, ",\"item\":");
	buf_json_string(b, t->item);
	buf_printf(b, ",\"fy\":%d,\"title\":", t->fy);
	buf_json_string(b, t->title);
	buf_puts(b, ",\"assignee\":");
	buf_json_string(b, t->assignee);
	buf_puts(b, ",\"case\":");
	buf_json_string(b, t->case_code);
	buf_printf(b, ",\"due\":\"%s\",\"due_day\":", due);
	buf_json_string(b, t->due_day);
	/* The date as the rules give it now (null: not known here). */
	buf_puts(b, ",\"certainty\":");
	buf_json_string(b, t->has_occ ? rules_certainty_name(t->certainty) :
	    NULL);
	cal_format_iso(moved, t->moved_from);
	buf_puts(b, ",\"moved_from\":");
	buf_json_string(b, t->moved ? moved : NULL);
	buf_puts(b, ",\"closed\":");
	buf_json_string(b, t->closed_name);
	buf_printf(b, ",\"state\":\"%s\",\"overdue\":%s,\"past\":%s,"
	    "\"cancelled\":%s", t->state,
	    task_is_overdue(t, now) ? "true" : "false",
	    task_is_past(t) ? "true" : "false",
	    t->cancelled ? "true" : "false");
	buf_puts(b, ",\"answer\":");
	buf_json_string(b, t->answer);
	buf_puts(b, ",\"answer_text\":");
	buf_json_string(b, t->answer_text);
	if (t->done_at != 0) {
		iso_utc(t->done_at, at, sizeof at);
		buf_printf(b, ",\"done_at\":\"%s\",\"done_by\":", at);
		buf_json_string(b, t->done_by);
		buf_puts(b, ",\"done_via\":");
		buf_json_string(b, t->done_via);
	} else
		buf_puts(b, ",\"done_at\":null,\"done_by\":null,"
		    "\"done_via\":null");
	buf_putc(b, '}');
}

void
tasks_render_json(const struct task *v, size_t n, time_t now, struct buf *b)
{
	size_t	 i;

	buf_puts(b, "{\"tasks\":[");
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		task_render_json(&v[i], now, b);
	}
	buf_printf(b, "],\"count\":%zu}\n", n);
}

void
tasks_csv_head(struct csv *c, struct buf *b)
{
	static const char *const head[] = { "id", "fy", "cycle", "item",
		"title", "assignee", "due_day", "state", "answer",
		"answer_text", "done_by", "done_via", "cancelled", "case",
		"certainty", "moved_from", "closed" };

	csv_begin(c, b);
	csv_row(c, head, (int)nitems(head));
}

void
task_csv_row(struct csv *c, const struct task *t, time_t now)
{
	char	 iso[11];

	csv_num(c, t->id);
	csv_num(c, t->fy);
	csv_cell(c, t->cycle);
	csv_cell(c, t->item);
	csv_cell(c, t->title);
	csv_cell(c, t->assignee);
	csv_cell(c, t->due_day);
	csv_cell(c, task_display_state(t, now));
	csv_cell(c, t->answer);
	csv_cell(c, t->answer_text);
	csv_cell(c, t->done_by);
	csv_cell(c, t->done_via);
	csv_num(c, t->cancelled);
	csv_cell(c, t->case_code);
	csv_cell(c, t->has_occ ? rules_certainty_name(t->certainty) : NULL);
	cal_format_iso(iso, t->moved_from);
	csv_cell(c, t->moved ? iso : NULL);
	csv_cell(c, t->closed_name);
	csv_end_row(c);
}

void
tasks_render_csv(const struct task *v, size_t n, time_t now, struct buf *b)
{
	struct csv	 c;
	size_t		 i;

	tasks_csv_head(&c, b);
	for (i = 0; i < n; i++)
		task_csv_row(&c, &v[i], now);
}

size_t
tasks_wanted(const struct occ_list *l, const struct cal_zone *zone,
    struct task_want **out)
{
	struct task_want	*v = NULL;
	const struct occ	*o;
	size_t			 i, j, n = 0, cap = 0;

	for (i = 0; i < l->n; i++) {
		o = &l->v[i];
		if (!o->is_deadline || o->adhoc || o->status == OCC_CANCELLED)
			continue;
		for (j = 0; j < o->nassignees; j++) {
			if (n == cap) {
				cap = cap == 0 ? 64 : cap * 2;
				v = xreallocarray(v, cap, sizeof *v);
			}
			v[n].occ = o;
			v[n].assignee = o->assignees[j];
			/* The deadline is the occurrence's last day. */
			v[n].due = cal_local_to_utc(zone, o->end,
			    o->due_secs >= 0 ? o->due_secs : 17 * 3600);
			cal_format_iso(v[n].due_day, o->end);
			n++;
		}
	}
	*out = v;
	return n;
}


void
task_events_json(const struct task_event *v, size_t n, struct buf *b)
{
	char	 at[32];
	size_t	 i;

	buf_puts(b, ",\"events\":[");
	for (i = 0; i < n; i++) {
		iso_utc(v[i].at, at, sizeof at);
		buf_printf(b, "%s{\"at\":\"%s\",\"action\":", i > 0 ? "," : "",
		    at);
		buf_json_string(b, v[i].action);
		buf_puts(b, ",\"who\":");
		buf_json_string(b, v[i].who);
		buf_puts(b, ",\"via\":");
		buf_json_string(b, v[i].via);
		buf_puts(b, ",\"note\":");
		buf_json_string(b, v[i].note);
		buf_putc(b, '}');
	}
	buf_putc(b, ']');
}
