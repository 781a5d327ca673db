/*
 * clink.c — completion links from reminder mail: GET /c/LINK shows a
 * Japanese confirmation page and changes nothing (mail scanners and link
 * previews fetch every URL in a mail); POST /c/LINK marks the task done
 * (a repeat is harmless), which queues the receipt mail and the
 * task.completed webhook. A task that needs a survey answer shows its
 * options on the page and takes the answer in the POST.
 *
 * The token is a bearer credential: never logged, and the pages ask
 * browsers not to send it on as a Referer or keep them in caches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/chase/chase.h"
#include "daemon/http/dash_view.h"
#include "daemon/codec/html.h"
#include "daemon/http/http.h"
#include "daemon/http/routes.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/links.h"
#include "daemon/chase/tasks.h"
#include "daemon/chase/tasks_ops.h"

#define HTML_TYPE	"text/html; charset=utf-8"

static void
clink_reply(struct http_req *req, unsigned status, struct buf *b)
{
	size_t	 len = b->len;

	http_add_header(req, "Cache-Control", "no-store");
	http_add_header(req, "Referrer-Policy", "no-referrer");
	http_add_header(req, "X-Robots-Tag", "noindex, nofollow");
	http_add_header(req, "Content-Security-Policy", "default-src 'none'; "
	    "style-src 'unsafe-inline'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'");
	http_reply(req, status, HTML_TYPE, buf_steal(b), len, HTTP_MEM_FREE);
}

static void
clink_message(struct http_req *req, unsigned status, const char *title,
    const char *text)
{
	struct buf	 b;

	buf_init(&b);
	dash_page_begin(&b, NULL, title);
	buf_puts(&b, "<p id=\"message\">");
	html_text(&b, text);
	buf_puts(&b, "</p>\n");
	dash_page_end(&b);
	clink_reply(req, status, &b);
}

/* The task behind a token; 0, or -1 after answering with an error page. */
static int
clink_task(struct http_req *req, struct koyomi *k, struct task *t)
{
	const unsigned char	*key = k->has_link_key ? k->link_key : NULL;
	char			 who[LINKS_ASSIGNEE_MAX + 1];
	enum links_verdict	 v;
	int64_t			 id = 0;

	v = key == NULL ? LINKS_BAD :
	    links_verify(key, http_suffix(req), koyomi_now(k), &id, who);
	if (v == LINKS_EXPIRED) {
		clink_message(req, 410, "リンクの有効期限切れ",
		    "このリンクは有効期限が切れています。担当窓口にお問い合わせください。");
		return -1;
	}
	if (v != LINKS_OK || store_task_get(k->store, id, t) != 0) {
		clink_message(req, 403, "無効なリンク",
		    "このリンクは無効です。メールに記載されたリンクをそのままお使いください。");
		return -1;
	}
	if (strcmp(t->assignee, who) != 0) {
		task_free(t);
		clink_message(req, 403, "無効なリンク", "このリンクは無効です。");
		return -1;
	}
	return 0;
}

static void
clink_details(struct buf *b, struct koyomi *k, const struct task *t)
{
	char	 due[64];
	cal_day	 d;
	int	 secs;

	cal_utc_to_local(k->zone, t->due, &d, &secs);
	cal_wareki_format(due, sizeof due, d, CAL_WF_WEEKDAY);
	buf_puts(b, "<table><tr><th>件名</th><td id=\"title\">");
	html_text(b, t->title);
	buf_puts(b, "</td></tr><tr><th>提出者</th><td>");
	html_text(b, dash_name(k->rules, t->assignee));
	buf_puts(b, "</td></tr><tr><th>提出期限</th><td>");
	html_text(b, due);
	buf_printf(b, "</td></tr><tr><th>状態</th><td id=\"state\" "
	    "data-state=\"%s\">%s</td></tr></table>\n", t->state,
	    strcmp(t->state, "done") == 0 ? "提出済" :
	    strcmp(t->state, "waived") == 0 ? "対象外" : "未提出");
}

/* The answer options of a survey task, as radio buttons. */
static void
clink_options(struct buf *b, const struct rules_response *r)
{
	size_t	 i;

	buf_puts(b, "<fieldset><legend>回答</legend>");
	for (i = 0; i < r->noptions; i++) {
		buf_puts(b, "<label><input type=\"radio\" name=\"answer\" "
		    "required value=\"");
		html_attr(b, r->options[i]);
		buf_puts(b, "\"> ");
		html_text(b, r->options[i]);
		buf_puts(b, "</label><br>");
	}
	if (r->text || r->year_count)
		buf_printf(b, "<label>%s <input name=\"text\" size=\"40\">"
		    "</label>", r->year_count ? "補足（累計N年目など）" : "補足");
	buf_puts(b, "</fieldset>");
}

static void
clink_get(struct http_req *req, struct koyomi *k)
{
	const struct rules_response	*r;
	struct task			 t;
	struct buf			 b;

	if (clink_task(req, k, &t) == -1)
		return;
	buf_init(&b);
	dash_page_begin(&b, NULL, "提出の確認");
	clink_details(&b, k, &t);
	if (strcmp(t.state, "open") == 0 && !t.cancelled) {
		r = tasks_response(k, &t);
		buf_puts(&b, "<form method=\"post\">");
		if (r != NULL)
			clink_options(&b, r);
		buf_puts(&b, "<p>提出が済んでいる場合は、下のボタンを押してください。"
		    "</p><button type=\"submit\">提出済みにする</button></form>\n");
	} else
		buf_puts(&b, "<p>この件は登録済みです。操作は不要です。</p>\n");
	dash_page_end(&b);
	task_free(&t);
	clink_reply(req, 200, &b);
}

static void
clink_post(struct http_req *req, struct koyomi *k)
{
	struct task_change	 c = { TASK_DONE, { NULL, VIA_LINK, NULL },
		NULL, NULL };
	struct task		 t;
	enum task_result	 r;
	char			*cause = NULL;
	int			 answered;

	if (clink_task(req, k, &t) == -1)
		return;
	c.actor.who = dash_name(k->rules, t.assignee);
	c.answer = http_form(req, "answer");
	c.text = http_form(req, "text");
	if (c.text != NULL && *c.text == '\0')
		c.text = NULL;
	r = tasks_change(k, t.id, &c, koyomi_now(k), &answered, &cause);
	task_free(&t);
	if (r == TASK_CHANGED || r == TASK_UNCHANGED)
		clink_message(req, 200, "提出済みとして登録しました",
		    r == TASK_CHANGED ? "提出済みとして登録しました。"
		    "ありがとうございました。受付の確認メールをお送りします。" :
		    "この件はすでに登録済みです。操作は不要です。");
	else if (r == TASK_INVALID)
		clink_message(req, 422, "登録できませんでした",
		    "回答が選ばれていないか、この件は取り消されています。"
		    "前のページに戻って選択してください。");
	else
		clink_message(req, 500, "エラー",
		    "登録できませんでした。時間をおいてもう一度お試しください。");
	free(cause);
}

void
clink_handler(struct http_req *req, void *arg)
{
	if (http_method_bit(req) == HTTP_POST)
		clink_post(req, arg);
	else
		clink_get(req, arg);
}
