/*
 * dash_item.c — the dashboard's pages of one item (dash_view.h): a task
 * (/tasks/ID, where a private feed's deadline links) and an occurrence
 * (/occurrences/UID, where every other event of a feed links). Pure like
 * dash_view.c: rows in, HTML out, every string escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/http/dash_inbox.h"
#include "daemon/http/dash_view.h"
#include "daemon/codec/html.h"

static const char *
state_ja(const char *st)
{
	if (strcmp(st, "done") == 0)
		return "提出済";
	if (strcmp(st, "overdue") == 0)
		return "期限超過";
	if (strcmp(st, "waived") == 0)
		return "免除";
	if (strcmp(st, "past") == 0)
		return "対象外・過去分";
	return "未提出";
}

/* "YYYY-MM-DD HH:MM" of an instant in the dashboard's zone. */
static void
local_time(const struct dash_ctx *d, time_t at, char *s, size_t len)
{
	cal_day	 day;
	int	 secs;
	char	 iso[16];

	cal_utc_to_local(d->zone, at, &day, &secs);
	cal_format_iso(iso, day);
	snprintf(s, len, "%s %02d:%02d", iso, secs / 3600, secs / 60 % 60);
}

/* <tr><th>label</th><td>text</td></tr>, nothing when text is NULL. */
static void
row(struct buf *b, const char *label, const char *text)
{
	if (text == NULL)
		return;
	buf_printf(b, "<tr><th>%s</th><td>", label);
	html_text(b, text);
	buf_puts(b, "</td></tr>\n");
}

static const char *
cycle_title(const struct dash_ctx *d, const char *id)
{
	const struct rules_cycle	*c;

	if (d->rules == NULL || (c = rules_find_cycle(d->rules, id)) == NULL)
		return id;
	return c->title != NULL ? c->title : id;
}

static void
task_history(struct buf *b, const struct dash_ctx *d,
    const struct task_event *ev, size_t nev)
{
	size_t	 i;
	char	 at[32];

	buf_puts(b, "<h2>履歴</h2>\n<table id=\"history\"><tr><th>日時</th>"
	    "<th>操作</th><th>実施者</th><th>経路</th><th>メモ</th></tr>\n");
	for (i = 0; i < nev; i++) {
		local_time(d, ev[i].at, at, sizeof at);
		buf_printf(b, "<tr class=\"event\"><td>%s</td><td>", at);
		html_text(b, ev[i].action);
		buf_puts(b, "</td><td>");
		html_text(b, ev[i].who);
		buf_puts(b, "</td><td>");
		html_text(b, ev[i].via);
		buf_puts(b, "</td><td>");
		html_text(b, ev[i].note);
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</table>\n");
}

void
dash_render_task(struct buf *b, const struct dash_ctx *d,
    const struct task *t, const struct task_event *ev, size_t nev)
{
	const char	*st = task_display_state(t, d->now);
	char		 fy[16], due[192];

	dash_page_begin(b, d, t->title);
	buf_printf(b, "<table id=\"task\" data-id=\"%lld\" data-state=\"%s\" "
	    "data-cancelled=\"%d\">\n", (long long)t->id, st, t->cancelled);
	row(b, "締切", t->title);
	row(b, "事業", cycle_title(d, t->cycle));
	snprintf(fy, sizeof fy, "%d年度", t->fy);
	row(b, "年度", fy);
	row(b, "ケース", t->case_code);
	row(b, "提出者", dash_name(d->rules, t->assignee));
	dash_task_due(t, due, sizeof due);
	row(b, "期限", due);
	row(b, "状態", t->cancelled ? "中止（ルールから削除）" : state_ja(st));
	row(b, "回答", t->answer);
	row(b, "回答（自由記述）", t->answer_text);
	buf_puts(b, "<tr><th>予定</th><td><a href=\"/occurrences/");
	html_urlencode(b, t->uid);
	buf_puts(b, "\">この締切の予定</a></td></tr>\n</table>\n<p>");
	dash_task_buttons(b, d, t);
	buf_puts(b, "</p>\n");
	task_history(b, d, ev, nev);
	dash_page_end(b);
}

/* Date span and time of day, as the meetings page writes them. */
static void
occ_when(struct buf *b, const struct occ *o)
{
	char	 s[16], e[16];

	if (o->adhoc) {
		buf_puts(b, "随時");
		return;
	}
	cal_format_iso(s, o->start);
	cal_format_iso(e, o->end);
	buf_puts(b, s);
	if (o->end != o->start)
		buf_printf(b, "～%s", e);
	if (o->start_secs >= 0)
		buf_printf(b, " %02d:%02d", o->start_secs / 3600,
		    o->start_secs / 60 % 60);
	if (o->start_secs >= 0 && o->end_secs >= 0)
		buf_printf(b, "～%02d:%02d", o->end_secs / 3600,
		    o->end_secs / 60 % 60);
}

/* The description, one paragraph per line. */
static void
occ_description(struct buf *b, const char *s)
{
	const char	*nl;

	while (s != NULL && *s != '\0') {
		nl = strchr(s, '\n');
		buf_puts(b, "<p class=\"description\">");
		html_textf(b, "%.*s", (int)(nl != NULL ? (size_t)(nl - s) :
		    strlen(s)), s);
		buf_puts(b, "</p>\n");
		s = nl != NULL ? nl + 1 : NULL;
	}
}

static void
occ_tasks(struct buf *b, const struct dash_ctx *d, const struct task *v,
    size_t n)
{
	size_t		 i;
	const char	*st;

	buf_puts(b, "<h2>提出状況</h2>\n<table id=\"occ-tasks\"><tr>"
	    "<th>提出者</th><th>状態</th><th>回答</th></tr>\n");
	for (i = 0; i < n; i++) {
		if (v[i].cancelled)
			continue;
		st = task_display_state(&v[i], d->now);
		buf_printf(b, "<tr class=\"task\" data-state=\"%s\"><td>"
		    "<a href=\"/tasks/%lld\">", st, (long long)v[i].id);
		html_text(b, dash_name(d->rules, v[i].assignee));
		buf_printf(b, "</a></td><td>%s</td><td>", state_ja(st));
		html_text(b, v[i].answer);
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</table>\n");
}

void
dash_occ_details(struct buf *b, const struct dash_ctx *d, const struct occ *o)
{
	char	 note[128];

	buf_puts(b, "<table class=\"details\">\n");
	row(b, "名称", o->title);
	row(b, "種類", rules_kind_ja(o->kind));
	row(b, "事業", cycle_title(d, o->cycle_id));
	row(b, "ケース", o->case_code);
	buf_puts(b, "<tr><th>日時</th><td>");
	occ_when(b, o);
	dash_occ_closed(o, note, sizeof note);
	if (*note != '\0') {
		buf_puts(b, " <small class=\"closed\">");
		html_text(b, note);
		buf_puts(b, "</small>");
	}
	buf_puts(b, "</td></tr>\n");
	row(b, "場所", o->location);
	row(b, "状態", dash_occ_status(o));
	buf_puts(b, "</table>\n");
	occ_description(b, o->description);
}

void
dash_render_occ(struct buf *b, const struct dash_ctx *d, const struct occ *o,
    const struct task *tasks, size_t ntasks)
{
	dash_page_begin(b, d, o->title);
	buf_puts(b, "<article id=\"occurrence\" data-uid=\"");
	html_attr(b, o->uid);
	buf_printf(b, "\" data-status=\"%s\">\n", o->status ==
	    OCC_CANCELLED ? "cancelled" : o->status == OCC_TENTATIVE ?
	    "tentative" : "confirmed");
	dash_occ_details(b, d, o);
	if (o->is_deadline)
		occ_tasks(b, d, tasks, ntasks);
	if (o->is_deadline && d->inbox != NULL)
		dash_inbox_section(b, d, d->inbox);
	buf_puts(b, "</article>\n");
	dash_page_end(b);
}
