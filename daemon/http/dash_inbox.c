/*
 * dash_inbox.c — the HTML of replies by mail (dash_inbox.h). Files are
 * only ever links to /inbox/files/ID, which answers them as downloads;
 * nothing a sender wrote becomes markup or a link of its own.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/codec/html.h"
#include "daemon/http/dash_inbox.h"
#include "daemon/http/dash_pages.h"
#include "daemon/http/dash_view.h"
#include "daemon/store/store_inbox.h"

#define INBOX_SHOWN	200	/* rows of one table */

void
dash_inbox_size(struct buf *b, size_t n)
{
	if (n < 1024)
		buf_printf(b, "%zu B", n);
	else if (n < (size_t)1024 * 1024)
		buf_printf(b, "%.1f KB", (double)n / 1024);
	else
		buf_printf(b, "%.1f MB", (double)n / (1024 * 1024));
}

/* "YYYY-MM-DD HH:MM" in the dashboard's zone. */
static void
when(struct buf *b, const struct dash_ctx *d, time_t t)
{
	cal_day	 day;
	int	 secs;
	char	 iso[16];

	cal_utc_to_local(d->zone, t, &day, &secs);
	cal_format_iso(iso, day);
	buf_printf(b, "%s %02d:%02d", iso, secs / 3600, secs / 60 % 60);
}

static void
file_link(struct buf *b, const struct inbox_file_row *f, int link)
{
	if (link && f->stored) {
		buf_printf(b, "<a href=\"/inbox/files/%lld\" download>",
		    (long long)f->id);
		html_text(b, f->name);
		buf_puts(b, "</a>");
	} else {
		html_text(b, f->name);
		if (!f->stored)
			buf_puts(b, "（上限超過のため保存していません）");
	}
}

void
dash_inbox_section(struct buf *b, const struct dash_ctx *d,
    const struct dash_inbox *in)
{
	size_t	 i, shown = 0;

	buf_printf(b, "<section id=\"submissions\" data-files=\"%zu\">"
	    "<h2>メールで提出されたファイル</h2>\n", in->nfiles);
	if (!in->can_download)
		buf_puts(b, "<p>提出されたファイルは、この事業の事務局と管理者"
		    "だけが見られます。</p>\n");
	else if (in->nfiles == 0)
		buf_puts(b, "<p>まだありません。</p>\n");
	else if (in->can_download) {
		buf_puts(b, "<p><a id=\"zip\" href=\"/inbox/zip/");
		html_urlencode(b, in->uid);
		buf_puts(b, "\">すべてのファイルを ZIP でダウンロード"
		    "（団体コード・団体名つき）</a></p>\n");
	}
	if (in->nfiles > 0) {
		buf_puts(b, "<table id=\"files\"><tr><th>提出者</th>"
		    "<th>ファイル</th><th>種類</th><th>大きさ</th>"
		    "<th>差出人</th><th>受信</th></tr>\n");
		for (i = 0; i < in->nfiles && shown < (size_t)INBOX_SHOWN * 10; i++) {
			buf_printf(b, "<tr class=\"file\" data-id=\"%lld\" "
			    "data-assignee=\"", (long long)in->files[i].id);
			html_attr(b, in->files[i].assignee);
			buf_puts(b, "\" data-name=\"");
			html_attr(b, in->files[i].name);
			buf_puts(b, "\"><td>");
			html_text(b, dash_name(d->rules, in->files[i].assignee));
			buf_puts(b, "</td><td>");
			file_link(b, &in->files[i], in->can_download);
			buf_puts(b, "</td><td>");
			html_text(b, in->files[i].type);
			buf_puts(b, "</td><td>");
			dash_inbox_size(b, in->files[i].size);
			buf_puts(b, "</td><td>");
			html_text(b, in->files[i].sender);
			buf_puts(b, "</td><td>");
			when(b, d, in->files[i].received);
			buf_puts(b, "</td></tr>\n");
			shown++;
		}
		buf_puts(b, "</table>\n");
	}
	if (in->nfailing > 0) {
		buf_puts(b, "<p class=\"overdue\" id=\"failing-note\">"
		    "配信できないアドレスがあります：");
		for (i = 0; i < in->nfailing; i++) {
			if (i > 0)
				buf_puts(b, "、");
			html_text(b, in->failing[i].address);
		}
		buf_puts(b, "</p>\n");
	}
	buf_puts(b, "</section>\n");
}

/* The files of message id among fs, as links. */
static void
message_files(struct buf *b, const struct dash_inbox_page *p, int64_t id)
{
	size_t	 i;
	int	 any = 0;

	for (i = 0; i < p->nfiles; i++) {
		if (p->files[i].message != id)
			continue;
		buf_puts(b, any ? "<br>" : "");
		file_link(b, &p->files[i], 1);
		buf_puts(b, " (");
		dash_inbox_size(b, p->files[i].size);
		buf_puts(b, ")");
		any = 1;
	}
}

static const char *
state_ja(const char *s)
{
	static const char *const names[][2] = {
		{ "applied", "提出として受付" }, { "received", "受信（回答待ち）" },
		{ "unmatched", "未照合" }, { "auto", "自動送信" },
		{ "bounce", "配信エラー" }, { "duplicate", "重複" },
		{ "assigned", "割り当て済み" }, { "dismissed", "確認済み" },
	};
	size_t	 i;

	for (i = 0; i < nitems(names); i++)
		if (strcmp(names[i][0], s) == 0)
			return names[i][1];
	return s;
}

/*
 * A reply to a digest: one button per task the digest named, with what
 * the coordinator needs to choose (title, whose, due day with 曜日).
 */
static void
message_candidates(struct buf *b, const struct dash_ctx *d,
    const struct dash_inbox_page *p, const struct inbox_row *m)
{
	const struct task	*t;
	size_t			 i;

	for (i = 0; i < p->ncands; i++) {
		if (p->cands[i].message != m->id)
			continue;
		t = &p->cands[i].task;
		buf_printf(b, "<form class=\"candidate\" data-task=\"%lld\" "
		    "method=\"post\" action=\"/inbox/messages/%lld/assign\">"
		    "<input type=\"hidden\" name=\"csrf\" value=\"",
		    (long long)t->id, (long long)m->id);
		html_attr(b, d->csrf);
		buf_printf(b, "\"><input type=\"hidden\" name=\"task\" "
		    "value=\"%lld\"><button>「", (long long)t->id);
		html_text(b, t->title);
		buf_puts(b, "」");
		html_text(b, dash_name(d->rules, t->assignee));
		buf_puts(b, " 期限 ");
		dash_day(b, t->due_day);
		/* Open says nothing; 提出済 and 免除 as the deadline page says. */
		if (strcmp(t->state, "open") != 0)
			buf_printf(b, "・%s", dash_state_ja(t->state));
		buf_puts(b, " に割り当て</button></form>");
	}
}

/* The forms of an unmatched message: assign to a task, dismiss. */
static void
message_forms(struct buf *b, const struct dash_ctx *d,
    const struct inbox_row *m)
{
	buf_printf(b, "<form class=\"inline\" method=\"post\" "
	    "action=\"/inbox/messages/%lld/assign\"><input type=\"hidden\" "
	    "name=\"csrf\" value=\"", (long long)m->id);
	html_attr(b, d->csrf);
	buf_puts(b, "\"><label>提出物番号 <input name=\"task\" size=\"6\" "
	    "value=\"");
	if (m->task != 0)
		buf_printf(b, "%lld", (long long)m->task);
	buf_puts(b, "\"></label> <button>この提出物に割り当て</button>");
	if (d->is_admin)
		buf_puts(b, " <label><input type=\"checkbox\" name=\"allow\" "
		    "value=\"1\">差出人を今後も受け付ける</label>");
	buf_printf(b, "</form> <form class=\"inline\" method=\"post\" "
	    "action=\"/inbox/messages/%lld/dismiss\"><input type=\"hidden\" "
	    "name=\"csrf\" value=\"", (long long)m->id);
	html_attr(b, d->csrf);
	buf_puts(b, "\"><button>確認済みにする</button></form>");
}

static void
messages(struct buf *b, const struct dash_ctx *d,
    const struct dash_inbox_page *p, const char *id,
    const struct inbox_row *v, size_t n, int forms)
{
	size_t	 i;

	buf_printf(b, "<table id=\"%s\"><tr><th>番号</th><th>受信</th>"
	    "<th>差出人</th><th>件名</th><th>状態</th><th>理由</th>"
	    "<th>提出物</th><th>添付</th>%s</tr>\n", id,
	    forms ? "<th></th>" : "");
	for (i = 0; i < n && i < INBOX_SHOWN; i++) {
		buf_printf(b, "<tr class=\"message\" data-id=\"%lld\" "
		    "data-state=\"", (long long)v[i].id);
		html_attr(b, v[i].state);
		buf_printf(b, "\" data-task=\"%lld\"><td>%lld</td><td>",
		    (long long)v[i].task, (long long)v[i].id);
		when(b, d, v[i].received);
		buf_puts(b, "</td><td>");
		html_text(b, v[i].sender);
		buf_puts(b, "</td><td>");
		html_text(b, v[i].subject);
		buf_printf(b, "</td><td>%s</td><td>", state_ja(v[i].state));
		html_text(b, v[i].reason);
		buf_puts(b, "</td><td>");
		if (v[i].task != 0)
			buf_printf(b, "<a href=\"/tasks/%lld\">%lld</a>",
			    (long long)v[i].task, (long long)v[i].task);
		buf_puts(b, "</td><td>");
		if (forms)
			message_files(b, p, v[i].id);
		else if (v[i].nfiles > 0)
			buf_printf(b, "%zu件", v[i].nfiles);
		buf_puts(b, "</td>");
		if (forms) {
			buf_puts(b, "<td>");
			message_candidates(b, d, p, &v[i]);
			message_forms(b, d, &v[i]);
			buf_puts(b, "</td>");
		}
		buf_puts(b, "</tr>\n");
	}
	buf_puts(b, "</table>\n");
}

static void
failing(struct buf *b, const struct dash_ctx *d,
    const struct dash_inbox_page *p)
{
	size_t	 i;

	buf_puts(b, "<h2>配信できないアドレス</h2>\n");
	if (p->nfailing == 0) {
		buf_puts(b, "<p>ありません。</p>\n");
		return;
	}
	buf_puts(b, "<table id=\"failing\"><tr><th>アドレス</th><th>最初</th>"
	    "<th>最後</th><th>回数</th><th>理由</th></tr>\n");
	for (i = 0; i < p->nfailing; i++) {
		buf_puts(b, "<tr class=\"failing\" data-address=\"");
		html_attr(b, p->failing[i].address);
		buf_puts(b, "\"><td>");
		html_text(b, p->failing[i].address);
		buf_puts(b, "</td><td>");
		when(b, d, p->failing[i].since);
		buf_puts(b, "</td><td>");
		when(b, d, p->failing[i].last);
		buf_printf(b, "</td><td>%d</td><td>", p->failing[i].count);
		html_text(b, p->failing[i].error);
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</table>\n<p>連絡先を直したら "
	    "<code>koyomi inbox failing clear アドレス</code> で消せます。</p>\n");
}

void
dash_render_inbox(struct buf *b, const struct dash_ctx *d,
    const struct dash_inbox_page *p)
{
	dash_page_begin(b, d, "受信メール");
	if (!p->configured)
		buf_puts(b, "<p id=\"not-configured\">返信の受信"
		    "（koyomi.conf の inbound）は設定されていません。</p>\n");
	else {
		buf_puts(b, "<p>リマインダーへの返信は ");
		html_text(b, p->address);
		buf_puts(b, " の提出物ごとのアドレスに届きます。</p>\n");
	}
	buf_printf(b, "<h2>未照合のメール（%zu件）</h2>\n<p>提出物に結びつけられ"
	    "なかったメールです。内容を確かめて割り当てるか、確認済みにして"
	    "ください。</p>\n", p->nunmatched);
	messages(b, d, p, "unmatched", p->unmatched, p->nunmatched, 1);
	buf_puts(b, "<h2>自動送信・配信エラー</h2>\n");
	messages(b, d, p, "machine", p->machine, p->nmachine, 0);
	buf_puts(b, "<h2>最近の受付</h2>\n");
	messages(b, d, p, "recent", p->recent, p->nrecent, 0);
	failing(b, d, p);
	dash_page_end(b);
}
