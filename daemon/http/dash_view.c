/*
 * dash_view.c — dashboard HTML (dash_view.h). Plain forms and tables so
 * it works without JavaScript and in a text browser; <progress> draws the
 * bars, so no inline styles are needed either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/codec/csv.h"
#include "daemon/http/dash_view.h"
#include "daemon/codec/html.h"
#include "daemon/store/store_outbox.h"

const char *
dash_name(const struct rules *r, const char *id)
{
	const struct rules_org		*o;
	const struct rules_contact	*c;

	if (r == NULL || id == NULL)
		return id;
	if ((o = rules_find_org(r, id)) != NULL && o->name != NULL)
		return o->name;
	if ((c = rules_find_contact(r, id)) != NULL && c->name != NULL)
		return c->name;
	return id;
}

const char *
dash_occ_status(const struct occ *o)
{
	if (o->status == OCC_CANCELLED)
		return "中止";
	if (o->status == OCC_TENTATIVE && o->certainty == OCC_CERT_CONFIRMED)
		return rules_certainty_ja(OCC_CERT_TENTATIVE);
	return rules_certainty_ja(o->certainty);
}

void
dash_task_due(const struct task *t, char *s, size_t len)
{
	char	 note[128];
	int	 n;

	n = snprintf(s, len, "%s", t->due_day);
	if (n < 0 || (size_t)n >= len)
		return;
	if (t->has_occ && t->certainty != OCC_CERT_CONFIRMED)
		n += snprintf(s + n, len - (size_t)n, "（%s）",
		    rules_certainty_ja(t->certainty));
	if (n < 0 || (size_t)n >= len)
		return;
	task_closed_note(t, note, sizeof note);
	if (*note != '\0')
		snprintf(s + n, len - (size_t)n, " %s", note);
}

void
dash_day(struct buf *b, const char *iso)
{
	cal_day	 day;

	html_text(b, iso);
	if (cal_parse_iso(iso, &day) == 0)
		buf_printf(b, "（%s）", cal_weekday_ja(cal_weekday(day)));
}

void
dash_occ_closed(const struct occ *o, char *s, size_t len)
{
	struct task	 t;

	memset(&t, 0, sizeof t);
	task_note_occ(&t, o);
	task_closed_note(&t, s, len);
}

void
dash_page_begin(struct buf *b, const struct dash_ctx *d, const char *title)
{
	buf_puts(b, "<!DOCTYPE html>\n<html lang=\"ja\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\"><title>");
	html_text(b, title);
	buf_printf(b, " — koyomi</title><style>%s</style></head><body>\n",
	    dash_css);
	if (d == NULL) {
		buf_puts(b, "<main id=\"main\"><h1>");
		html_text(b, title);
		buf_puts(b, "</h1>\n");
		return;
	}
	dash_nav(b, d);
	buf_puts(b, "<main id=\"main\"><h1>");
	html_text(b, title);
	buf_puts(b, "</h1>\n");
}

void
dash_page_end(struct buf *b)
{
	buf_puts(b, "</main></body></html>\n");
}

void
dash_render_login(struct buf *b, const char *login_csrf, const char *error,
    const char *next)
{
	dash_page_begin(b, NULL, "ログイン");
	if (error != NULL) {
		buf_puts(b, "<p class=\"overdue\" id=\"error\">");
		html_text(b, error);
		buf_puts(b, "</p>\n");
	}
	buf_puts(b, "<form method=\"post\" action=\"/login\">"
	    "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_attr(b, login_csrf);
	if (next != NULL) {
		buf_puts(b, "\"><input type=\"hidden\" name=\"next\" value=\"");
		html_attr(b, next);
	}
	buf_puts(b, "\"><label>APIトークン <input type=\"password\" "
	    "name=\"token\" autocomplete=\"off\" required autofocus></label> "
	    "<button>ログイン</button></form>\n");
	dash_page_end(b);
}

static int
group_has(const struct rules_group *g, const char *id)
{
	size_t	 i;

	for (i = 0; i < g->nmembers; i++)
		if (strcmp(g->members[i], id) == 0)
			return 1;
	return 0;
}

/* The organisation a task's assignee belongs to (itself if an org). */
static const char *
assignee_org(const struct rules *r, const char *id)
{
	const struct rules_contact	*c;

	if (r != NULL && (c = rules_find_contact(r, id)) != NULL &&
	    c->org != NULL)
		return c->org;
	return id;
}

int
dash_filter_match(const struct dash_ctx *d, const struct dash_filter *f,
    const struct task *t)
{
	const struct rules_group	*g;
	const struct rules_org		*o;
	const char			*org = assignee_org(d->rules, t->assignee);

	if (f->fy != 0 && t->fy != f->fy)
		return 0;
	if (f->cycle != NULL && *f->cycle != '\0' &&
	    strcmp(f->cycle, t->cycle) != 0)
		return 0;
	if (f->org != NULL && *f->org != '\0' &&
	    strcmp(f->org, org) != 0 && strcmp(f->org, t->assignee) != 0)
		return 0;
	if (f->block != NULL && *f->block != '\0') {
		if (d->rules == NULL ||
		    (g = rules_find_group(d->rules, f->block)) == NULL ||
		    (!group_has(g, org) && !group_has(g, t->assignee)))
			return 0;
	}
	if (f->pref != NULL && *f->pref != '\0' && strcmp(org, f->pref) != 0) {
		if (d->rules == NULL ||
		    (o = rules_find_org(d->rules, org)) == NULL ||
		    o->prefecture == NULL || strcmp(o->prefecture, f->pref) != 0)
			return 0;
	}
	return 1;
}

/* The CSV link for the current view: same query plus format=csv. */
static void
csv_link(struct buf *b, const char *path, const struct dash_filter *f)
{
	buf_printf(b, "<p><a class=\"csv\" href=\"%s?format=csv", path);
	if (f != NULL && f->fy != 0)
		buf_printf(b, "&amp;fy=%d", f->fy);
	if (f != NULL && f->cycle != NULL && *f->cycle != '\0') {
		buf_puts(b, "&amp;cycle=");
		html_urlencode(b, f->cycle);
	}
	if (f != NULL && f->block != NULL && *f->block != '\0') {
		buf_puts(b, "&amp;block=");
		html_urlencode(b, f->block);
	}
	if (f != NULL && f->pref != NULL && *f->pref != '\0') {
		buf_puts(b, "&amp;pref=");
		html_urlencode(b, f->pref);
	}
	buf_puts(b, "\">CSVで保存（Excel）</a></p>\n");
}

void
dash_task_buttons(struct buf *b, const struct dash_ctx *d,
    const struct task *t)
{
	if (!d->can_write || t->cancelled)
		return;
	buf_printf(b, "<form class=\"inline\" method=\"post\" "
	    "action=\"/dash/tasks/%lld/%s\"><input type=\"hidden\" "
	    "name=\"csrf\" value=\"", (long long)t->id,
	    strcmp(t->state, "open") == 0 ? "done" : "reopen");
	html_attr(b, d->csrf);
	buf_printf(b, "\"><button>%s</button></form>",
	    strcmp(t->state, "open") == 0 ? "提出済にする" : "未提出に戻す");
}

/* 1 when the meetings page lists o: dated, no deadline, not over. */
static int
meeting_listed(const struct occ *o, cal_day today)
{
	return !o->is_deadline && !o->adhoc && o->end >= today;
}

void
dash_meetings_csv(struct buf *b, const struct dash_ctx *d,
    const struct occ_list *l, size_t max)
{
	static const char *const head[] = { "date", "end", "time", "title",
		"location", "status", "uid", "moved_from", "closed" };
	struct csv	 c;
	cal_day		 today;
	int		 secs;
	size_t		 i, shown = 0;
	char		 day[16], hm[8];

	cal_utc_to_local(d->zone, d->now, &today, &secs);
	csv_begin(&c, b);
	csv_row(&c, head, (int)nitems(head));
	for (i = 0; l != NULL && i < l->n && shown < max; i++) {
		if (!meeting_listed(&l->v[i], today))
			continue;
		cal_format_iso(day, l->v[i].start);
		csv_cell(&c, day);
		cal_format_iso(day, l->v[i].end);
		csv_cell(&c, day);
		hm[0] = '\0';
		if (l->v[i].start_secs >= 0)
			snprintf(hm, sizeof hm, "%02d:%02d",
			    l->v[i].start_secs / 3600 % 100,
			    l->v[i].start_secs / 60 % 60);
		csv_cell(&c, hm);
		csv_cell(&c, l->v[i].title);
		csv_cell(&c, l->v[i].location);
		csv_cell(&c, dash_occ_status(&l->v[i]));
		csv_cell(&c, l->v[i].uid);
		cal_format_iso(day, l->v[i].moved_from);
		csv_cell(&c, l->v[i].moved ? day : NULL);
		csv_cell(&c, l->v[i].closed_name);
		csv_end_row(&c);
		shown++;
	}
}

void
dash_render_meetings(struct buf *b, const struct dash_ctx *d,
    const struct occ_list *l, size_t max)
{
	cal_day		 today;
	int		 secs;
	size_t		 i, shown = 0;
	char		 day[16], note[128];

	dash_page_begin(b, d, "会議予定");
	csv_link(b, "/meetings", NULL);
	cal_utc_to_local(d->zone, d->now, &today, &secs);
	buf_puts(b, "<table id=\"meetings\"><tr><th>日付</th><th>時刻</th>"
	    "<th>名称</th><th>場所</th><th>状態</th></tr>\n");
	for (i = 0; l != NULL && i < l->n && shown < max; i++) {
		if (!meeting_listed(&l->v[i], today))
			continue;
		cal_format_iso(day, l->v[i].start);
		/* The row is the anchor /meetings#UID; the title links to
		 * the occurrence's own page, as feeds do. */
		buf_puts(b, "<tr class=\"meeting\" id=\"");
		html_attr(b, l->v[i].uid);
		buf_printf(b, "\"><td>%s", day);
		dash_occ_closed(&l->v[i], note, sizeof note);
		if (*note != '\0') {
			buf_puts(b, " <small class=\"closed\">");
			html_text(b, note);
			buf_puts(b, "</small>");
		}
		buf_puts(b, "</td><td>");
		if (l->v[i].start_secs >= 0)
			buf_printf(b, "%02d:%02d", l->v[i].start_secs / 3600,
			    l->v[i].start_secs / 60 % 60);
		buf_puts(b, "</td><td><a href=\"/occurrences/");
		html_urlencode(b, l->v[i].uid);
		buf_puts(b, "\">");
		html_text(b, l->v[i].title);
		buf_puts(b, "</a></td><td>");
		html_text(b, l->v[i].location);
		buf_printf(b, "</td><td>%s</td></tr>\n",
		    dash_occ_status(&l->v[i]));
		shown++;
	}
	buf_puts(b, "</table>\n");
	dash_page_end(b);
}

void
dash_render_outbox(struct buf *b, const struct dash_ctx *d,
    const struct outbox_row *v, size_t n)
{
	size_t		 i;
	struct tm	 tm;
	char		 at[32];

	dash_page_begin(b, d, "送信状況");
	csv_link(b, "/outbox", NULL);
	buf_puts(b, "<table id=\"outbox\"><tr><th>番号</th><th>作成</th>"
	    "<th>経路</th><th>宛先</th><th>種類</th><th>件名</th><th>状態</th>"
	    "<th>試行</th><th>エラー</th></tr>\n");
	for (i = 0; i < n; i++) {
		gmtime_r(&v[i].created, &tm);
		strftime(at, sizeof at, "%Y-%m-%d %H:%M:%SZ", &tm);
		buf_printf(b, "<tr><td>%lld</td><td>%s</td><td>",
		    (long long)v[i].id, at);
		html_text(b, v[i].channel);
		buf_puts(b, "</td><td>");
		html_text(b, v[i].destination);
		buf_puts(b, "</td><td>");
		html_text(b, v[i].kind);
		buf_puts(b, "</td><td>");
		html_text(b, v[i].subject);
		buf_puts(b, "</td><td>");
		html_text(b, v[i].state);
		buf_printf(b, "</td><td>%d</td><td>", v[i].attempts);
		html_text(b, v[i].last_error);
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</table>\n");
	dash_page_end(b);
}

void
dash_render_reload(struct buf *b, const struct dash_ctx *d, time_t at,
    int ok, const char *summary, const char *const *errors, size_t nerrors)
{
	struct tm	 tm;
	char		 s[32] = "-";
	size_t		 i;

	dash_page_begin(b, d, "ルール読込");
	if (at != 0) {
		gmtime_r(&at, &tm);
		strftime(s, sizeof s, "%Y-%m-%d %H:%M:%SZ", &tm);
	}
	buf_printf(b, "<p id=\"reload\" data-ok=\"%d\">最終読込 %s：%s</p>\n",
	    ok, s, ok ? "成功" : "失敗（以前のルールで運用中）");
	if (summary != NULL) {
		buf_puts(b, "<p>");
		html_text(b, summary);
		buf_puts(b, "</p>\n");
	}
	if (nerrors > 0) {
		buf_puts(b, "<ul id=\"reload-errors\">");
		for (i = 0; i < nerrors; i++) {
			buf_puts(b, "<li>");
			html_text(b, errors[i]);
			buf_puts(b, "</li>");
		}
		buf_puts(b, "</ul>\n");
	}
	dash_page_end(b);
}
