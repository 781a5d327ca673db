/*
 * dash_deadline.c — the pages a coordinator sends a link to
 * (dash_pages.h): one deadline with the matrix of who answered what,
 * the bulk form and the nudge; the nudge's confirmation; and one
 * organisation with its contacts, open items and history. Pure: rows
 * and rules in, escaped HTML out. No scripts: "select every open one"
 * is a checkbox the handler reads, not JavaScript.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/chase/chase_msg.h"
#include "daemon/codec/html.h"
#include "daemon/http/dash_pages.h"
#include "daemon/http/dash_inbox.h"
#include "daemon/http/dash_view.h"

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

void
dash_trows_add(struct dash_trows *l, const struct task_row *r, time_t now)
{
	struct dash_trow	*t;

	if (r->cancelled)
		return;
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof *l->v);
	}
	t = &l->v[l->n++];
	memset(t, 0, sizeof *t);
	t->id = r->id;
	t->uid = xstrdup(r->uid);
	t->title = xstrdup(r->title);
	t->cycle = xstrdup(r->cycle);
	t->due_day = xstrdup(r->due_day);
	t->assignee = xstrdup(r->assignee);
	t->answer = dup_or_null(r->answer);
	t->answer_text = dup_or_null(r->answer_text);
	t->note = dup_or_null(r->note);
	t->due = r->due;
	t->fy = r->fy;
	if (strcmp(r->state, "done") == 0)
		t->state = "done";
	else if (strcmp(r->state, "waived") == 0)
		t->state = "waived";
	else if (r->past)
		t->state = "past";
	else
		t->state = r->due < now ? "overdue" : "open";
}

void
dash_trows_free(struct dash_trows *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].uid);
		free(l->v[i].title);
		free(l->v[i].cycle);
		free(l->v[i].due_day);
		free(l->v[i].assignee);
		free(l->v[i].answer);
		free(l->v[i].answer_text);
		free(l->v[i].note);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

const char *
dash_state_ja(const char *st)
{
	if (strcmp(st, "done") == 0)
		return "提出済";
	if (strcmp(st, "waived") == 0)
		return "免除";
	if (strcmp(st, "overdue") == 0)
		return "期限超過";
	if (strcmp(st, "past") == 0)
		return "対象外・過去分";
	return "未提出";
}

static int
is_open(const char *st)
{
	return strcmp(st, "open") == 0 || strcmp(st, "overdue") == 0;
}

/* The row passes the page's state filter. */
static int
state_shown(const char *want, const char *st)
{
	if (want == NULL || *want == '\0')
		return 1;
	if (strcmp(want, "open") == 0)
		return is_open(st);
	if (strcmp(want, "done") == 0)
		return strcmp(st, "done") == 0 || strcmp(st, "waived") == 0;
	return strcmp(want, st) == 0;
}

/* The organisation an assignee belongs to (itself if an org). */
static const char *
org_of(const struct rules *r, const char *id)
{
	const struct rules_contact	*c;

	if (r != NULL && (c = rules_find_contact(r, id)) != NULL &&
	    c->org != NULL)
		return c->org;
	return id;
}

struct counts {
	size_t	 total, done, waived, open, overdue, past;
};

static void
count(const struct dash_trows *l, struct counts *c)
{
	size_t		 i;
	const char	*st;

	memset(c, 0, sizeof *c);
	for (i = 0; i < l->n; i++) {
		st = l->v[i].state;
		if (strcmp(st, "past") == 0) {
			c->past++;
			continue;
		}
		c->total++;
		if (strcmp(st, "done") == 0)
			c->done++;
		else if (strcmp(st, "waived") == 0)
			c->waived++;
		else if (strcmp(st, "overdue") == 0)
			c->overdue++;
		else
			c->open++;
	}
}

static void
standing(struct buf *b, const struct counts *c)
{
	buf_printf(b, "<section id=\"standing\" aria-label=\"提出状況\" "
	    "data-done=\"%zu\" data-total=\"%zu\" data-open=\"%zu\" "
	    "data-overdue=\"%zu\" data-waived=\"%zu\" data-past=\"%zu\"><p>"
	    "提出済 <strong>%zu</strong> / %zu　未提出 %zu（うち期限超過 %zu）"
	    "　免除 %zu", c->done, c->total, c->open, c->overdue, c->waived,
	    c->past, c->done, c->total, c->open + c->overdue, c->overdue,
	    c->waived);
	if (c->past > 0)
		buf_printf(b, "　対象外・過去分 %zu", c->past);
	buf_printf(b, " <progress max=\"%zu\" value=\"%zu\" aria-hidden=\"true\">"
	    "</progress></p></section>\n", c->total > 0 ? c->total : 1,
	    c->done + c->waived);
}

static void
state_links(struct buf *b, const struct occ *o, const char *cur)
{
	static const char *const st[] = { "", "open", "done", "past" };
	static const char *const ja[] = { "すべて", "未提出", "提出済・免除",
		"対象外・過去分" };
	size_t	 i;

	buf_puts(b, "<nav class=\"views\" aria-label=\"状態で絞り込み\">");
	for (i = 0; i < nitems(st); i++) {
		buf_puts(b, "<a href=\"/occurrences/");
		html_urlencode(b, o->uid);
		if (*st[i] != '\0')
			buf_printf(b, "?state=%s", st[i]);
		buf_printf(b, "\"%s>%s</a>", strcmp(cur != NULL ? cur : "",
		    st[i]) == 0 ? " aria-current=\"page\"" : "", ja[i]);
	}
	buf_puts(b, "<a class=\"csv\" href=\"/occurrences/");
	html_urlencode(b, o->uid);
	buf_puts(b, "?format=csv\">CSVで保存（Excel）</a></nav>\n");
}

static void
matrix_row(struct buf *b, const struct dash_ctx *d, const struct dash_trow *t,
    int can_write)
{
	const char	*name = dash_name(d->rules, t->assignee);

	buf_printf(b, "<tr class=\"assignee state-%s\" data-id=\"%lld\" "
	    "data-assignee=\"", t->state, (long long)t->id);
	html_attr(b, t->assignee);
	buf_printf(b, "\" data-state=\"%s\">", t->state);
	if (can_write) {
		buf_printf(b, "<td><input type=\"checkbox\" name=\"id\" "
		    "value=\"%lld\" aria-label=\"", (long long)t->id);
		html_attr(b, name);
		buf_puts(b, "を選択\"></td>");
	}
	buf_puts(b, "<th scope=\"row\"><a href=\"/org?id=");
	html_urlencode(b, org_of(d->rules, t->assignee));
	buf_puts(b, "\">");
	html_text(b, name);
	buf_printf(b, "</a></th><td>%s</td><td>", dash_state_ja(t->state));
	html_text(b, t->answer);
	if (t->answer_text != NULL) {
		buf_puts(b, "（");
		html_text(b, t->answer_text);
		buf_puts(b, "）");
	}
	buf_puts(b, "</td><td>");
	html_text(b, t->note);
	buf_printf(b, "</td><td><a href=\"/tasks/%lld\">履歴</a></td></tr>\n",
	    (long long)t->id);
}

/* The bulk form's controls, under the matrix. */
static void
bulk_controls(struct buf *b, const struct dash_ctx *d, const struct counts *c)
{
	buf_puts(b, "<fieldset id=\"bulk-actions\"><legend>選択した提出先を"
	    "まとめて</legend><label>操作 <select name=\"op\">"
	    "<option value=\"done\">提出済にする</option>"
	    "<option value=\"waive\">免除にする（理由が必要）</option>"
	    "<option value=\"reopen\">未提出に戻す</option>");
	if (d->is_admin)
		buf_puts(b, "<option value=\"track\">対象外・過去分を追跡対象に"
		    "する</option>");
	buf_puts(b, "</select></label> <label>メモ・理由 <input name=\"note\" "
	    "size=\"30\" maxlength=\"200\"></label> ");
	if (c->open + c->overdue > 0)
		buf_printf(b, "<label><input type=\"checkbox\" name=\"all_open\" "
		    "value=\"1\"> 未提出のすべて（%zu件）</label> ",
		    c->open + c->overdue);
	buf_puts(b, "<button id=\"bulk-apply\">適用する</button></fieldset>\n");
}

void
dash_render_deadline(struct buf *b, const struct dash_ctx *d,
    const struct occ *o, const struct dash_trows *l,
    const struct dash_dlpage *p)
{
	struct counts	 c;
	size_t		 i, shown = 0;

	count(l, &c);
	dash_page_begin(b, d, o->title);
	if (p->notice != NULL) {
		buf_puts(b, "<p class=\"notice\" id=\"notice\" role=\"status\">");
		html_text(b, p->notice);
		buf_puts(b, "</p>\n");
	}
	buf_puts(b, "<article id=\"occurrence\" data-uid=\"");
	html_attr(b, o->uid);
	buf_printf(b, "\" data-status=\"%s\">\n", o->status == OCC_CANCELLED ?
	    "cancelled" : o->status == OCC_TENTATIVE ? "tentative" :
	    "confirmed");
	dash_occ_details(b, d, o);
	standing(b, &c);
	if (p->can_write && c.open + c.overdue > 0) {
		buf_puts(b, "<p><a id=\"nudge\" class=\"button\" "
		    "href=\"/dash/nudge/");
		html_urlencode(b, o->uid);
		buf_printf(b, "\">未提出の %zu 件に今すぐ催促メールを送る…</a></p>\n",
		    c.open + c.overdue);
	}
	buf_puts(b, "<h2>提出先ごとの状況</h2>\n");
	state_links(b, o, p->state);
	if (p->can_write) {
		buf_puts(b, "<form method=\"post\" action=\"/dash/bulk\" "
		    "id=\"bulk\"><input type=\"hidden\" name=\"csrf\" value=\"");
		html_attr(b, d->csrf);
		buf_puts(b, "\"><input type=\"hidden\" name=\"uid\" value=\"");
		html_attr(b, o->uid);
		buf_puts(b, "\">");
	}
	buf_printf(b, "<div class=\"scroll\"><table id=\"matrix\"><caption>"
	    "提出先 %zu 件</caption><thead><tr>%s<th scope=\"col\">提出先</th>"
	    "<th scope=\"col\">状態</th><th scope=\"col\">回答</th>"
	    "<th scope=\"col\">メモ</th><th scope=\"col\">詳細</th></tr>"
	    "</thead><tbody>\n", l->n, p->can_write ?
	    "<th scope=\"col\">選択</th>" : "");
	for (i = 0; i < l->n; i++)
		if (state_shown(p->state, l->v[i].state)) {
			matrix_row(b, d, &l->v[i], p->can_write);
			shown++;
		}
	buf_puts(b, "</tbody></table></div>\n");
	if (shown == 0)
		buf_puts(b, "<p id=\"empty\">該当する提出先はありません。</p>\n");
	if (p->can_write) {
		bulk_controls(b, d, &c);
		buf_puts(b, "</form>\n");
	}
	buf_puts(b, "</article>\n");
	/* The files sent by mail, and the zip (daemon/inbox). */
	if (d->inbox != NULL)
		dash_inbox_section(b, d, d->inbox);
	dash_page_end(b);
}

void
dash_render_nudge(struct buf *b, const struct dash_ctx *d,
    const struct occ *o, const struct dash_trows *l)
{
	struct chase_rcpt	 rc[CHASE_MAX_RCPTS];
	size_t			 i, j, n, nmail = 0, none = 0;

	dash_page_begin(b, d, "催促メールの確認");
	buf_puts(b, "<p>締切「");
	html_text(b, o->title);
	buf_puts(b, "」（期限 ");
	html_text(b, l->n > 0 ? l->v[0].due_day : "");
	buf_puts(b, "）について、まだ提出していない次の提出先に、完了リンク付きの"
	    "催促メールを今すぐ1通ずつ送ります。通常のリマインドの予定は"
	    "変わりません。</p>\n<ul id=\"nudge-rcpts\">");
	for (i = 0; i < l->n; i++) {
		if (!is_open(l->v[i].state))
			continue;
		n = chase_assignee_rcpts(d->rules, l->v[i].assignee, rc,
		    CHASE_MAX_RCPTS);
		buf_printf(b, "<li class=\"rcpt\" data-assignee=\"");
		html_attr(b, l->v[i].assignee);
		buf_printf(b, "\" data-mails=\"%zu\">", n);
		html_text(b, dash_name(d->rules, l->v[i].assignee));
		buf_puts(b, "：");
		for (j = 0; j < n; j++) {
			buf_puts(b, j > 0 ? "、" : "");
			html_text(b, rc[j].mail);
		}
		if (n == 0) {
			buf_puts(b, "<span class=\"overdue\">メールアドレスが"
			    "ありません（送られません）</span>");
			none++;
		} else
			nmail++;
		buf_puts(b, "</li>");
	}
	buf_puts(b, "</ul>\n");
	if (nmail == 0) {
		buf_puts(b, "<p id=\"nudge-none\">送信できる相手がいません。</p>"
		    "<p><a href=\"/occurrences/");
		html_urlencode(b, o->uid);
		buf_puts(b, "\">締切のページに戻る</a></p>\n");
		dash_page_end(b);
		return;
	}
	buf_puts(b, "<form method=\"post\" id=\"nudge-confirm\" action=\""
	    "/dash/nudge/");
	html_urlencode(b, o->uid);
	buf_puts(b, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
	html_attr(b, d->csrf);
	buf_printf(b, "\"><label>記録するメモ（任意） <input name=\"note\" "
	    "size=\"40\" maxlength=\"200\"></label> <button id=\"nudge-send\">"
	    "%zu 件に送信する</button> <a href=\"/occurrences/", nmail);
	html_urlencode(b, o->uid);
	buf_puts(b, "\">やめる</a></form>\n");
	if (none > 0)
		buf_printf(b, "<p>アドレスのない %zu 件には送られません。</p>\n",
		    none);
	dash_page_end(b);
}

static void
org_contacts(struct buf *b, const struct rules *r, const char *org)
{
	size_t	 i, j, n = 0;

	buf_puts(b, "<h2>連絡先</h2>\n<div class=\"scroll\"><table "
	    "id=\"org-contacts\"><thead><tr><th scope=\"col\">担当</th>"
	    "<th scope=\"col\">メール</th><th scope=\"col\">役割</th></tr>"
	    "</thead><tbody>\n");
	for (i = 0; r != NULL && i < r->ncontacts; i++) {
		if (r->contacts[i].org == NULL ||
		    strcmp(r->contacts[i].org, org) != 0)
			continue;
		buf_puts(b, "<tr><td>");
		html_text(b, r->contacts[i].name);
		buf_puts(b, "</td><td>");
		html_text(b, r->contacts[i].mail);
		buf_puts(b, "</td><td>");
		for (j = 0; j < r->contacts[i].nroles; j++) {
			buf_puts(b, j > 0 ? "、" : "");
			html_text(b, r->contacts[i].roles[j]);
		}
		buf_puts(b, "</td></tr>\n");
		n++;
	}
	buf_puts(b, "</tbody></table></div>\n");
	if (n == 0)
		buf_puts(b, "<p>連絡先が登録されていません。</p>\n");
}

static void
org_row(struct buf *b, const struct dash_ctx *d, const struct dash_trow *t)
{
	buf_printf(b, "<tr class=\"task state-%s\" data-id=\"%lld\" "
	    "data-state=\"%s\"><td>", t->state, (long long)t->id, t->state);
	dash_due_text(b, t->due_day, t->occ);
	buf_puts(b, "</td><td><a href=\"/occurrences/");
	html_urlencode(b, t->uid);
	buf_puts(b, "\">");
	html_text(b, t->title);
	buf_puts(b, "</a></td><td class=\"case\">");
	html_text(b, t->occ != NULL ? t->occ->case_code : NULL);
	buf_puts(b, "</td><td>");
	html_text(b, dash_name(d->rules, t->assignee));
	buf_printf(b, "</td><td>%s</td><td>", dash_state_ja(t->state));
	html_text(b, t->answer);
	buf_puts(b, "</td><td>");
	html_text(b, t->note);
	buf_printf(b, "</td><td><a href=\"/tasks/%lld\">詳細</a></td></tr>\n",
	    (long long)t->id);
}

static void
org_table(struct buf *b, const struct dash_ctx *d, const char *id,
    const char *caption, const struct dash_trows *l, int open, size_t max)
{
	size_t	 i, n = 0;

	buf_printf(b, "<div class=\"scroll\"><table id=\"%s\"><caption>%s"
	    "</caption><thead><tr><th scope=\"col\">期限</th>"
	    "<th scope=\"col\">締切</th><th scope=\"col\">ケース</th>"
	    "<th scope=\"col\">提出者</th>"
	    "<th scope=\"col\">状態</th><th scope=\"col\">回答</th>"
	    "<th scope=\"col\">メモ</th><th scope=\"col\">詳細</th></tr>"
	    "</thead><tbody>\n", id, caption);
	/* Open items oldest first; the history newest first. */
	for (i = 0; i < l->n && n < max; i++) {
		const struct dash_trow	*t = open ? &l->v[i] :
		    &l->v[l->n - 1 - i];

		if (open ? !is_open(t->state) : is_open(t->state))
			continue;
		org_row(b, d, t);
		n++;
	}
	buf_puts(b, "</tbody></table></div>\n");
	if (n == 0)
		buf_puts(b, open ? "<p>未提出の締切はありません。</p>\n" :
		    "<p>まだ履歴はありません。</p>\n");
}

void
dash_render_org_page(struct buf *b, const struct dash_ctx *d, const char *org,
    const struct dash_trows *l)
{
	const struct rules_org	*o = d->rules != NULL ?
	    rules_find_org(d->rules, org) : NULL;

	dash_page_begin(b, d, dash_name(d->rules, org));
	if (o != NULL) {
		buf_puts(b, "<table class=\"details\"><tr><th>種別</th><td>");
		html_text(b, o->type);
		buf_puts(b, "</td></tr>");
		if (o->prefecture != NULL) {
			buf_puts(b, "<tr><th>都道府県</th><td>");
			html_text(b, dash_name(d->rules, o->prefecture));
			buf_puts(b, "</td></tr>");
		}
		buf_puts(b, "</table>\n");
	}
	buf_puts(b, "<nav class=\"views\" aria-label=\"書き出し\"><a class=\"csv\" "
	    "href=\"/org?format=csv&amp;id=");
	html_urlencode(b, org);
	buf_puts(b, "\">CSVで保存（Excel）</a></nav>\n");
	org_contacts(b, d->rules, org);
	buf_puts(b, "<h2>未提出の締切</h2>\n");
	org_table(b, d, "org-tasks", "未提出（期限順）", l, 1, SIZE_MAX);
	buf_puts(b, "<h2>履歴</h2>\n");
	org_table(b, d, "org-history", "提出済・免除・対象外・過去分（新しい順、"
	    "100件まで）", l, 0, 100);
	dash_page_end(b);
}
