/*
 * dash_style.c — the dashboard's one style sheet and navigation bar
 * (dash_view.h), shared by every page. No external resources: the CSP
 * allows inline styles only. Narrow screens get one column and tables
 * that scroll sideways; print drops the navigation and forms; every
 * focusable element shows where the keyboard is.
 */
#include "calendars/util.h"
#include "daemon/codec/html.h"
#include "daemon/http/dash_view.h"

const char dash_css[] =
    "body{font-family:\"IPAGothic\",\"Noto Sans CJK JP\",sans-serif;"
    "margin:0 auto;padding:0 1.5em 2em;max-width:78em;color:#1a1a1a;"
    "line-height:1.5}"
    "a{color:#0645ad}a:focus,button:focus,input:focus,select:focus,"
    "summary:focus{outline:3px solid #f90;outline-offset:2px}"
    ".skip{position:absolute;left:-999em}.skip:focus{left:1em;top:1em;"
    "background:#fff;padding:.3em}"
    "header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.3em 1em;"
    "border-bottom:1px solid #ccc;padding:.5em 0}"
    "header.top nav a{margin-right:1em}header.top .who{margin-left:auto}"
    "h1{font-size:1.5em;margin:.6em 0 .2em}h2{font-size:1.2em;"
    "margin:1.2em 0 .4em;border-bottom:2px solid #888}"
    "h3{font-size:1.05em;margin:0 0 .2em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;"
    "vertical-align:top}caption{text-align:left;font-weight:bold}"
    "td.mark{text-align:center}.overdue{color:#b00}"
    ".badge{display:inline-block;padding:0 .4em;border-radius:.3em;"
    "font-size:.85em}.badge.overdue{background:#b00;color:#fff}"
    "section.deadline{margin:.6em 0;padding:.5em .8em;border:1px solid #bbb;"
    "border-left:6px solid #888;border-radius:4px}"
    "#overdue section.deadline{border-left-color:#b00}"
    "#upcoming section.deadline{border-left-color:#06c}"
    "section.deadline p{margin:.2em 0}.meta .cycle{color:#555}"
    "progress{width:12em;vertical-align:middle}"
    "form.inline{display:inline}#filters{display:flex;flex-wrap:wrap;"
    "gap:.4em 1em;align-items:flex-end;margin:.5em 0}"
    "nav.views a{margin-right:1.2em}.scroll{overflow-x:auto}"
    "tr.state-overdue td{background:#fde8e8}tr.state-past td{color:#777}"
    "tr.state-done td,tr.state-waived td{background:#eef6ee}"
    "button{font:inherit;padding:.2em .8em}select,input{max-width:100%}"
    ".notice{background:#eef4ff;border:1px solid #9bd;padding:.4em .8em}"
    "@media (max-width:40em){body{padding:0 .6em 2em}"
    "main,header.top{overflow-wrap:anywhere}"
    "header.top .who{margin-left:0}#filters{display:block}"
    "#filters label{display:block;margin:.3em 0}progress{width:8em}"
    "th,td{padding:2px 4px}}"
    "@media print{header.top,#filters,nav.views,form,.no-print"
    "{display:none}a{color:inherit;text-decoration:none}"
    "body{max-width:none;padding:0}}";

void
dash_nav(struct buf *b, const struct dash_ctx *d)
{
	buf_puts(b, "<a class=\"skip\" href=\"#main\">本文へ移動</a>"
	    "<header class=\"top\"><nav aria-label=\"メニュー\">"
	    "<a href=\"/\">締切と提出状況</a>"
	    "<a href=\"/annual\">年間スケジュール</a>"
	    "<a href=\"/meetings\">会議予定</a>");
	/* Outbox rows name every cycle's addresses: admins only. */
	if (d->is_admin)
		buf_puts(b, "<a href=\"/outbox\">送信状況</a>");
	/* Replies by mail: coordinators and admins (daemon/inbox). */
	if (d->can_write)
		buf_puts(b, "<a href=\"/inbox\">受信メール</a>");
	buf_puts(b, "<a href=\"/reload\">ルール読込</a></nav>"
	    "<span class=\"who\"><small>");
	html_text(b, d->who);
	buf_puts(b, "</small> <form class=\"inline\" method=\"post\" "
	    "action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"");
	html_attr(b, d->csrf);
	buf_puts(b, "\"><button>ログアウト</button></form></span></header>\n");
}
