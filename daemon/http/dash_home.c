/*
 * dash_home.c — the first page (dash_pages.h): the morning question,
 * "who still owes what", for one fiscal year. Deadlines overdue with
 * something outstanding come first, then those due within a few weeks,
 * each with 提出済 x / y and the names of who has not submitted; the
 * rest of the year is one line per deadline, and every deadline of the
 * year (finished ones too) is one click away (view=all). Everything the
 * page shows is in its URL, so a view can be bookmarked and sent.
 *
 * The page is built from narrow rows aggregated per deadline, never from
 * every task: at 2,000 organisations a year holds 60,000 tasks, and the
 * page still names at most DASH_PEND_MAX of them per deadline.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/chase/tasks.h"
#include "daemon/codec/html.h"
#include "daemon/http/dash_pages.h"
#include "daemon/http/dash_view.h"

#define WEEK_SECS	((time_t)7 * 86400)
/* Lines of "その後の締切" on the first page; view=all lists the year. */
#define HOME_LATER_MAX	15

static int
has(const char *s)
{
	return s != NULL && *s != '\0';
}

void
dash_dls_add(struct dash_dls *l, const struct dash_ctx *d,
    const struct dash_filter *f, const struct task_row *r)
{
	struct task	 t;
	struct dash_dl	*dl;

	if (r->cancelled)
		return;
	if (has(f->block) || has(f->pref) || has(f->org)) {
		/* dash_filter_match reads only these fields. */
		memset(&t, 0, sizeof t);
		t.fy = r->fy;
		t.cycle = (char *)(uintptr_t)r->cycle;
		t.assignee = (char *)(uintptr_t)r->assignee;
		if (!dash_filter_match(d, f, &t))
			return;
	}
	dl = l->n > 0 && l->v != NULL ? &l->v[l->n - 1] : NULL;
	if (dl == NULL || strcmp(dl->uid, r->uid) != 0) {
		if (l->n == l->cap || l->v == NULL) {
			l->cap = l->cap == 0 ? 64 : l->cap * 2;
			l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
		}
		dl = &l->v[l->n++];
		memset(dl, 0, sizeof *dl);
		dl->uid = xstrdup(r->uid);
		dl->title = xstrdup(r->title);
		dl->cycle = xstrdup(r->cycle);
		dl->due_day = xstrdup(r->due_day);
		dl->fy = r->fy;
		dl->due = r->due;
	}
	if (strcmp(r->state, "open") == 0 && r->past) {
		dl->past++;
		return;
	}
	dl->total++;
	if (strcmp(r->state, "done") == 0)
		dl->done++;
	else if (strcmp(r->state, "waived") == 0)
		dl->waived++;
	else {
		if (r->due < d->now)
			dl->overdue++;
		else
			dl->open++;
		if (dl->npend < DASH_PEND_MAX)
			dl->pend[dl->npend++] = xstrdup(r->assignee);
	}
}

void
dash_dls_free(struct dash_dls *l)
{
	size_t	 i, j;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].uid);
		free(l->v[i].title);
		free(l->v[i].cycle);
		free(l->v[i].due_day);
		for (j = 0; j < l->v[i].npend; j++)
			free(l->v[i].pend[j]);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

static void
query_add(struct buf *b, int *first, const char *key, const char *val)
{
	if (!has(val))
		return;
	buf_puts(b, *first ? "?" : "&amp;");
	*first = 0;
	buf_printf(b, "%s=", key);
	html_urlencode(b, val);
}

void
dash_home_query(struct buf *b, const struct dash_filter *f,
    const struct dash_home *h, int all, const char *extra)
{
	char	 n[16];
	int	 first = 1;

	snprintf(n, sizeof n, "%d", h->fy);
	query_add(b, &first, "fy", n);
	query_add(b, &first, "cycle", f->cycle);
	query_add(b, &first, "block", f->block);
	query_add(b, &first, "pref", f->pref);
	if (all)
		query_add(b, &first, "view", "all");
	if (h->weeks != 4) {
		snprintf(n, sizeof n, "%d", h->weeks);
		query_add(b, &first, "weeks", n);
	}
	if (has(extra)) {
		buf_puts(b, first ? "?" : "&amp;");
		buf_puts(b, extra);
	}
}

static const char *
cycle_name(const struct dash_ctx *d, const char *id)
{
	const struct rules_cycle	*c;

	if (d->rules == NULL || (c = rules_find_cycle(d->rules, id)) == NULL ||
	    c->title == NULL)
		return id;
	return c->title;
}

void
dash_due_text(struct buf *b, const char *due_day, const struct occ *o)
{
	struct task	 t;
	char		 s[192];

	memset(&t, 0, sizeof t);
	t.due_day = (char *)(uintptr_t)due_day;	/* read only */
	if (o != NULL)
		task_note_occ(&t, o);
	dash_task_due(&t, s, sizeof s);
	html_text(b, s);
}

/* "2025-05-15（木）" and what dash_due_text adds. */
static void
day_text(struct buf *b, const char *iso, const struct occ *o)
{
	dash_day(b, iso);
	dash_due_text(b, "", o);
}

static void
fy_label(struct buf *b, int fy)
{
	char	 s[32];

	cal_wareki_fy_format(s, sizeof s, fy);
	html_textf(b, "%s（%d年度）", s, fy);
}

/* "ケース T-001　" for a deadline of a case, as the task pages write it. */
static void
case_text(struct buf *b, const char *code)
{
	if (code == NULL)
		return;
	buf_puts(b, "ケース <span class=\"case\">");
	html_text(b, code);
	buf_puts(b, "</span>　");
}

static void
deadline_link(struct buf *b, const struct dash_dl *dl)
{
	buf_puts(b, "<a href=\"/occurrences/");
	html_urlencode(b, dl->uid);
	buf_puts(b, "\">");
	html_text(b, dl->title);
	buf_puts(b, "</a>");
}

/* 提出済 x / y with a bar; done and waived both count as settled. */
static void
progress(struct buf *b, const struct dash_dl *dl)
{
	buf_printf(b, "<span class=\"progress\">提出済 <strong class=\"n-done\">%zu"
	    "</strong> / <span class=\"n-total\">%zu</span>", dl->done, dl->total);
	if (dl->waived > 0)
		buf_printf(b, "（免除 %zu）", dl->waived);
	buf_printf(b, " <progress max=\"%zu\" value=\"%zu\" aria-hidden=\"true\">"
	    "</progress></span>", dl->total > 0 ? dl->total : 1,
	    dl->done + dl->waived);
}

static void
pending(struct buf *b, const struct dash_ctx *d, const struct dash_dl *dl)
{
	size_t	 i, left = dl->open + dl->overdue;

	if (left == 0) {
		buf_puts(b, "<p class=\"settled\">全件提出済み</p>");
		return;
	}
	buf_printf(b, "<p class=\"pending\"><span class=\"label\">未提出 %zu"
	    "</span> ", left);
	for (i = 0; i < dl->npend; i++) {
		buf_puts(b, i > 0 ? "、<a class=\"pending\" href=\"/org?id=" :
		    "<a class=\"pending\" href=\"/org?id=");
		html_urlencode(b, dl->pend[i]);
		buf_puts(b, "\">");
		html_text(b, dash_name(d->rules, dl->pend[i]));
		buf_puts(b, "</a>");
	}
	if (left > dl->npend) {
		buf_printf(b, " <a href=\"/occurrences/");
		html_urlencode(b, dl->uid);
		buf_printf(b, "?state=open\">ほか %zu 件</a>", left - dl->npend);
	}
	buf_puts(b, "</p>");
}

static void
card(struct buf *b, const struct dash_ctx *d, const struct dash_dl *dl)
{
	buf_puts(b, "<section class=\"deadline\" data-uid=\"");
	html_attr(b, dl->uid);
	buf_printf(b, "\" data-done=\"%zu\" data-open=\"%zu\" "
	    "data-overdue=\"%zu\" data-waived=\"%zu\" data-past=\"%zu\" "
	    "data-total=\"%zu\"><h3>", dl->done, dl->open, dl->overdue,
	    dl->waived, dl->past, dl->total);
	deadline_link(b, dl);
	buf_puts(b, "</h3><p class=\"meta\">");
	case_text(b, dl->occ != NULL ? dl->occ->case_code : NULL);
	buf_puts(b, "期限 ");
	day_text(b, dl->due_day, dl->occ);
	if (dl->overdue > 0)
		buf_puts(b, " <span class=\"badge overdue\">期限超過</span>");
	buf_puts(b, " <span class=\"cycle\">");
	html_text(b, cycle_name(d, dl->cycle));
	buf_puts(b, "</span></p><p>");
	progress(b, dl);
	buf_puts(b, "</p>");
	pending(b, d, dl);
	buf_puts(b, "</section>\n");
}

/* One line per deadline: the year's overview and the rest of it. */
static void
table(struct buf *b, const struct dash_ctx *d, const char *id,
    const char *caption, const struct dash_dl *const *v, size_t n)
{
	size_t	 i;

	buf_printf(b, "<div class=\"scroll\"><table id=\"%s\"><caption>%s"
	    "</caption><thead><tr><th scope=\"col\">期限</th>"
	    "<th scope=\"col\">締切</th><th scope=\"col\">事業</th>"
	    "<th scope=\"col\">提出済</th><th scope=\"col\">未提出</th>"
	    "<th scope=\"col\">対象外</th></tr></thead><tbody>\n", id,
	    caption);
	for (i = 0; i < n; i++) {
		buf_puts(b, "<tr class=\"deadline-row\" data-uid=\"");
		html_attr(b, v[i]->uid);
		buf_puts(b, "\"><td>");
		day_text(b, v[i]->due_day, v[i]->occ);
		buf_puts(b, "</td><td>");
		case_text(b, v[i]->occ != NULL ? v[i]->occ->case_code : NULL);
		deadline_link(b, v[i]);
		buf_puts(b, "</td><td>");
		html_text(b, cycle_name(d, v[i]->cycle));
		buf_printf(b, "</td><td>%zu / %zu</td><td%s>%zu</td><td>%zu"
		    "</td></tr>\n", v[i]->done, v[i]->total,
		    v[i]->overdue > 0 ? " class=\"overdue\"" : "",
		    v[i]->open + v[i]->overdue, v[i]->past);
	}
	buf_puts(b, "</tbody></table></div>\n");
}

static void
select_fy(struct buf *b, const struct dash_home *h)
{
	int	 y;

	buf_puts(b, "<label>年度 <select name=\"fy\">");
	for (y = h->this_fy + 1; y >= h->this_fy - 3; y--) {
		buf_printf(b, "<option value=\"%d\"%s>", y,
		    y == h->fy ? " selected" : "");
		fy_label(b, y);
		buf_puts(b, "</option>");
	}
	if (h->fy > h->this_fy + 1 || h->fy < h->this_fy - 3) {
		buf_printf(b, "<option value=\"%d\" selected>", h->fy);
		fy_label(b, h->fy);
		buf_puts(b, "</option>");
	}
	buf_puts(b, "</select></label> ");
}

static void
opt(struct buf *b, const char *value, const char *text, const char *cur)
{
	buf_puts(b, "<option value=\"");
	html_attr(b, value);
	buf_puts(b, has(cur) && strcmp(cur, value) == 0 ? "\" selected>" :
	    "\">");
	html_text(b, text);
	buf_puts(b, "</option>");
}

static void
filters(struct buf *b, const struct dash_ctx *d, const struct dash_filter *f,
    const struct dash_home *h)
{
	const struct rules	*r = d->rules;
	size_t			 i;

	buf_puts(b, "<form method=\"get\" action=\"/\" id=\"filters\" "
	    "role=\"search\" aria-label=\"絞り込み\">");
	select_fy(b, h);
	buf_puts(b, "<label>事業 <select name=\"cycle\"><option value=\"\">"
	    "すべて</option>");
	for (i = 0; r != NULL && i < r->ncycles; i++)
		opt(b, r->cycles[i].id, r->cycles[i].title != NULL ?
		    r->cycles[i].title : r->cycles[i].id, f->cycle);
	buf_puts(b, "</select></label> <label>ブロック等 <select name=\"block\">"
	    "<option value=\"\">すべて</option>");
	for (i = 0; r != NULL && i < r->ngroups; i++)
		if (!r->groups[i].dynamic)
			opt(b, r->groups[i].id, r->groups[i].name != NULL ?
			    r->groups[i].name : r->groups[i].id, f->block);
	buf_puts(b, "</select></label> <label>都道府県 <select name=\"pref\">"
	    "<option value=\"\">すべて</option>");
	for (i = 0; r != NULL && i < r->norgs; i++)
		if (r->orgs[i].type != NULL &&
		    strcmp(r->orgs[i].type, "prefecture") == 0)
			opt(b, r->orgs[i].id, r->orgs[i].name, f->pref);
	buf_printf(b, "</select></label> <label>近日の範囲 <select name=\"weeks\">"
	    "<option value=\"2\"%s>2週間</option><option value=\"4\"%s>4週間"
	    "</option><option value=\"8\"%s>8週間</option></select></label> "
	    "<label>表示 <select name=\"view\"><option value=\"\"%s>要対応"
	    "</option><option value=\"all\"%s>この年度のすべて</option>"
	    "</select></label> <button>絞り込む</button></form>\n",
	    h->weeks == 2 ? " selected" : "", h->weeks == 4 ? " selected" : "",
	    h->weeks == 8 ? " selected" : "", h->all ? "" : " selected",
	    h->all ? " selected" : "");
}

/* The links under the title: other years, other views, the CSV. */
static void
views(struct buf *b, const struct dash_filter *f, const struct dash_home *h)
{
	struct dash_home	 o = *h;

	buf_puts(b, "<nav class=\"views\" aria-label=\"表示の切り替え\"><a "
	    "id=\"view-toggle\" href=\"/");
	dash_home_query(b, f, h, !h->all, NULL);
	buf_puts(b, h->all ? "\">要対応だけを表示</a>" :
	    "\">完了分も含めこの年度のすべて</a>");
	o.fy = h->fy - 1;
	buf_puts(b, "<a id=\"prev-fy\" href=\"/");
	dash_home_query(b, f, &o, h->all, NULL);
	buf_printf(b, "\">前年度（%d）</a>", o.fy);
	o.fy = h->fy + 1;
	buf_puts(b, "<a id=\"next-fy\" href=\"/");
	dash_home_query(b, f, &o, h->all, NULL);
	buf_printf(b, "\">翌年度（%d）</a>", o.fy);
	buf_puts(b, "<a class=\"csv\" href=\"/");
	dash_home_query(b, f, h, 0, "format=csv");
	buf_puts(b, "\">CSVで保存（Excel）</a><a href=\"/annual");
	dash_home_query(b, f, h, 0, NULL);
	buf_puts(b, "\">年間スケジュール</a></nav>\n");
}

static void
summary(struct buf *b, const struct dash_dls *l, size_t over, size_t soon)
{
	size_t	 i, past = 0, owed = 0;

	for (i = 0; i < l->n; i++) {
		past += l->v[i].past;
		owed += l->v[i].overdue;
	}
	buf_printf(b, "<p id=\"summary\" role=\"status\">期限超過の締切 <strong>%zu"
	    "</strong> 件（未提出 %zu）、近日締切 <strong>%zu</strong> 件。", over, owed, soon);
	if (past > 0)
		buf_printf(b, " 登録時点で期限を過ぎていた %zu 件は"
		    "「対象外・過去分」として数えていません。", past);
	buf_puts(b, "</p>\n");
}

void
dash_render_home(struct buf *b, const struct dash_ctx *d,
    const struct dash_filter *f, const struct dash_home *h,
    const struct dash_dls *l)
{
	const struct dash_dl	**over, **soon, **later;
	size_t			  i, nover = 0, nsoon = 0, nlater = 0;
	time_t			  horizon = d->now + (time_t)h->weeks * WEEK_SECS;

	over = xreallocarray(NULL, l->n + 1, sizeof *over);	/* NOLINT(bugprone-sizeof-expression) */
	soon = xreallocarray(NULL, l->n + 1, sizeof *soon);	/* NOLINT(bugprone-sizeof-expression) */
	later = xreallocarray(NULL, l->n + 1, sizeof *later);	/* NOLINT(bugprone-sizeof-expression) */
	for (i = 0; i < l->n; i++) {
		if (!h->all && l->v[i].overdue > 0)
			over[nover++] = &l->v[i];
		else if (!h->all && l->v[i].due >= d->now &&
		    l->v[i].due <= horizon && l->v[i].total > 0)
			soon[nsoon++] = &l->v[i];
		else if (h->all || (l->v[i].due > horizon &&
		    l->v[i].total > 0 && nlater < HOME_LATER_MAX))
			later[nlater++] = &l->v[i];
	}
	dash_page_begin(b, d, "締切と提出状況");
	buf_puts(b, "<p class=\"fy\">");
	fy_label(b, h->fy);
	buf_puts(b, h->all ? "のすべての締切" : "に対応が必要な締切");
	buf_puts(b, "</p>\n");
	filters(b, d, f, h);
	views(b, f, h);
	if (h->all) {
		table(b, d, "all", "この年度の締切（期限順）", later, nlater);
		if (nlater == 0)
			buf_puts(b, "<p id=\"empty\">該当する締切はありません。"
			    "</p>\n");
	} else {
		summary(b, l, nover, nsoon);
		buf_puts(b, "<h2 id=\"h-overdue\">期限超過（未提出あり）</h2>"
		    "<div id=\"overdue\">\n");
		for (i = 0; i < nover; i++)
			card(b, d, over[i]);
		if (nover == 0)
			buf_puts(b, "<p>期限を過ぎて未提出の締切はありません。</p>");
		buf_printf(b, "</div>\n<h2 id=\"h-upcoming\">今後%d週間の締切"
		    "</h2><div id=\"upcoming\">\n", h->weeks);
		for (i = 0; i < nsoon; i++)
			card(b, d, soon[i]);
		if (nsoon == 0)
			buf_puts(b, "<p>この期間に締切はありません。</p>");
		buf_puts(b, "</div>\n<h2 id=\"h-later\">その後の締切</h2>\n");
		if (nlater > 0) {
			table(b, d, "later", "この年度のその後の締切（近い順）",
			    later, nlater);
			buf_puts(b, "<p><a href=\"/");
			dash_home_query(b, f, h, 1, NULL);
			buf_puts(b, "\">この年度のすべての締切を見る</a></p>\n");
		} else
			buf_puts(b, "<p>この年度にその後の締切はありません。</p>\n");
	}
	free(over);
	free(soon);
	free(later);
	dash_page_end(b);
}
