/*
 * dash_annual.c — 年間スケジュール (dash_pages.h): one fiscal year on one
 * page, as the ministries' own annual charts draw it. Months run across
 * (April to March, each column as wide as its days), items run down,
 * one row per cycle item (and group member); a period (6月頃, a window,
 * a multi-day event) is a bar, a fixed date a mark, and each says how
 * sure its date is: confirmed solid, tentative hatched, assumed dashed,
 * in words too for print and screen readers. Print CSS lays it on A4
 * landscape; the same page without navigation is the static export.
 *
 * Positions are fractions of the fiscal year in days, so a mark lands
 * inside its month's column. Pure: the expanded occurrences in, escaped
 * HTML out.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/codec/html.h"
#include "daemon/http/dash_pages.h"
#include "daemon/http/dash_view.h"
#include "rules/rules.h"

/* Share of the width for the item column; the months split the rest. */
#define LABEL_PCT	22.0

/* The print and chart rules of this page (the shared sheet is dash_css). */
static const char annual_css[] =
    "table.annual{width:100%;table-layout:fixed;border-collapse:collapse;"
    "font-size:.85em}table.annual th,table.annual td{border:1px solid #bbb;"
    "padding:1px 3px}table.annual thead th{text-align:center;"
    "background:#f2f2f2}tr.cycle th{background:#e6eef8;text-align:left}"
    "table.annual td.track{padding:0;position:relative}"
    ".lane{position:relative;min-height:1.7em}"
    ".occ{position:absolute;top:.2em;height:1.3em;line-height:1.3em;"
    "white-space:nowrap;font-size:.8em}"
    ".bar{background:#2a6cb0;color:#fff;border:1px solid #2a6cb0;"
    "border-radius:2px;overflow:hidden;padding:0 2px;box-sizing:border-box}"
    ".mark{transform:translateX(-.45em);color:#2a6cb0}"
    ".mark small{color:#333;margin-left:1px}"
    ".bar.cert-tentative{background:repeating-linear-gradient(45deg,#8fb6dd,"
    "#8fb6dd 4px,#cfe0f1 4px,#cfe0f1 8px);color:#000}"
    ".bar.cert-assumed{background:#fff;color:#000;border-style:dashed}"
    ".mark.cert-tentative{color:#5b8fc7}.mark.cert-assumed{color:#888}"
    ".kind-deadline.mark{color:#b00}.kind-deadline.mark.cert-assumed"
    "{color:#c77}th .cert{font-weight:normal;font-size:.8em;color:#555}"
    ".legend span{margin-right:1.2em}.sr{position:absolute;left:-999em}"
    "@page{size:A4 landscape;margin:8mm}"
    "@media print{body{font-size:9pt}table.annual{font-size:8pt}"
    "tr{break-inside:avoid}thead{display:table-header-group}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    ".lane{min-height:1.5em}}";

static const char *const month_ja[] = { "4月", "5月", "6月", "7月", "8月",
	"9月", "10月", "11月", "12月", "1月", "2月", "3月" };

/* A row: a run of sel[first .. first + n) with one (cycle, item, member). */
struct arow {
	size_t	 first, n;
	size_t	 cycle;		/* index in the rules, for the order */
	cal_day	 start;		/* the row's first day */
};

struct annual {
	const struct rules	 *r;
	const struct occ	**sel;
	size_t			  nsel;
	struct arow		 *rows;
	size_t			  nrows;
	cal_day			  first, last;	/* the fiscal year */
};

static size_t
cycle_index(const struct rules *r, const char *id)
{
	const struct rules_cycle	*c;

	if (r == NULL || (c = rules_find_cycle(r, id)) == NULL)
		return SIZE_MAX;
	return (size_t)(c - r->cycles);
}

static int
strcmp_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == NULL ? (b == NULL ? 0 : -1) : 1;
	return strcmp(a, b);
}

/* Same row: same cycle, item and member. */
static int
same_row(const struct occ *a, const struct occ *b)
{
	return strcmp(a->cycle_id, b->cycle_id) == 0 &&
	    strcmp(a->item_id, b->item_id) == 0 &&
	    strcmp_null(a->member, b->member) == 0;
}

static int
occ_cmp(const void *a, const void *b)
{
	const struct occ	*x = *(const struct occ *const *)a;
	const struct occ	*y = *(const struct occ *const *)b;
	int			 c;

	if ((c = strcmp(x->cycle_id, y->cycle_id)) != 0 ||
	    (c = strcmp(x->item_id, y->item_id)) != 0 ||
	    (c = strcmp_null(x->member, y->member)) != 0)
		return c;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return strcmp(x->uid, y->uid);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct arow	*x = a, *y = b;

	if (x->cycle != y->cycle)
		return x->cycle < y->cycle ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->first < y->first ? -1 : x->first > y->first;
}

static int
in_scope(const char *const *scope, size_t nscope, const char *cycle)
{
	size_t	 i;

	if (nscope == 0)
		return 1;
	for (i = 0; i < nscope; i++)
		if (strcmp(scope[i], cycle) == 0)
			return 1;
	return 0;
}

/* The occurrences drawn: dated, live, in the year, the cycle or feed. */
static void
annual_select(struct annual *a, const struct dash_annual *opt,
    const struct occ_list *l, const char *const *scope, size_t nscope)
{
	const struct rules_feed	*feed = NULL;
	const struct occ	*o;
	size_t			 i, j;

	if (opt->feed != NULL && a->r != NULL)
		feed = rules_find_feed(a->r, opt->feed);
	a->sel = xreallocarray(NULL, l->n + 1, sizeof *a->sel);	/* NOLINT(bugprone-sizeof-expression) */
	for (i = 0; i < l->n; i++) {
		o = &l->v[i];
		if (o->adhoc || o->status == OCC_CANCELLED ||
		    o->end < a->first || o->start > a->last)
			continue;
		if (opt->cycle != NULL && strcmp(opt->cycle, o->cycle_id) != 0)
			continue;
		if (opt->feed != NULL && (feed == NULL ||
		    !rules_feed_select(a->r, feed, o)))
			continue;
		if (!in_scope(scope, nscope, o->cycle_id))
			continue;
		a->sel[a->nsel++] = o;
	}
	if (a->nsel > 1)
		xqsort(a->sel, a->nsel, sizeof *a->sel,	/* NOLINT(bugprone-sizeof-expression): pointers */
		    occ_cmp);
	a->rows = xcalloc(a->nsel + 1, sizeof *a->rows);
	for (i = 0; i < a->nsel; i = j) {
		for (j = i + 1; j < a->nsel && same_row(a->sel[i], a->sel[j]);
		    j++)
			;
		a->rows[a->nrows].first = i;
		a->rows[a->nrows].n = j - i;
		a->rows[a->nrows].cycle = cycle_index(a->r, a->sel[i]->cycle_id);
		a->rows[a->nrows++].start = a->sel[i]->start;
	}
	if (a->nrows > 1)
		xqsort(a->rows, a->nrows, sizeof *a->rows, row_cmp);
}

/* Percent of the year's width at the start of day d (clamped). */
static double
pos(const struct annual *a, cal_day d)
{
	double	 days = (double)(a->last - a->first + 1);

	if (d < a->first)
		d = a->first;
	if (d > a->last + 1)
		d = a->last + 1;
	return 100.0 * (double)(d - a->first) / days;
}

static cal_day
month_first(int fy, int i)
{
	int	 m = (i + 3) % 12 + 1;

	return cal_from_ymd(cal_fy_month_year(fy, m, 4), m, 1);
}

/* The month columns, as wide as their days, and the lane's month lines. */
static void
annual_style(struct buf *b, const struct annual *a, int fy)
{
	int	 i;

	buf_printf(b, "<style>%s.lane{background:", annual_css);
	for (i = 1; i < 12; i++)
		buf_printf(b, "%slinear-gradient(#ccc,#ccc) %.3f%% 0/1px 100%% "
		    "no-repeat", i > 1 ? "," : "", pos(a, month_first(fy, i)));
	buf_puts(b, "}</style>\n");
}

static void
colgroup(struct buf *b, const struct annual *a, int fy)
{
	int	 i;
	double	 w, days = (double)(a->last - a->first + 1);
	cal_day	 s, e;

	buf_printf(b, "<colgroup><col style=\"width:%.1f%%\">", LABEL_PCT);
	for (i = 0; i < 12; i++) {
		s = month_first(fy, i);
		e = i < 11 ? month_first(fy, i + 1) : a->last + 1;
		w = (100.0 - LABEL_PCT) * (double)(e - s) / days;
		buf_printf(b, "<col style=\"width:%.3f%%\">", w);
	}
	buf_puts(b, "</colgroup>");
}

static const char *
cert_class(enum occ_certainty c)
{
	return c == OCC_CERT_ASSUMED ? "assumed" : c == OCC_CERT_TENTATIVE ?
	    "tentative" : "confirmed";
}

/* "5/15", "7/1–7/31" */
static void
span_text(struct buf *b, cal_day s, cal_day e)
{
	int	 y, m, d, y2, m2, d2;

	cal_to_ymd(s, &y, &m, &d);
	buf_printf(b, "%d/%d", m, d);
	if (e != s) {
		cal_to_ymd(e, &y2, &m2, &d2);
		buf_printf(b, "–%d/%d", m2, d2);
	}
}

static void
occ_mark(struct buf *b, const struct annual *a, const struct occ *o)
{
	char	 s[16], e[16];
	int	 bar = o->end > o->start || o->approx != NULL;
	double	 l = pos(a, o->start), w = pos(a, o->end + 1) - l;

	cal_format_iso(s, o->start);
	cal_format_iso(e, o->end);
	buf_printf(b, "<span class=\"occ %s cert-%s kind-%s\" data-uid=\"",
	    bar ? "bar" : "mark", cert_class(o->certainty),
	    rules_kind_name(o->kind));
	html_attr(b, o->uid);
	buf_printf(b, "\" data-start=\"%s\" data-end=\"%s\" data-certainty=\""
	    "%s\" style=\"left:%.3f%%", s, e, cert_class(o->certainty), l);
	if (bar)
		buf_printf(b, ";width:%.3f%%", w < 0.3 ? 0.3 : w);
	buf_puts(b, "\" title=\"");
	html_attr(b, o->approx != NULL ? o->approx : s);
	buf_printf(b, " %s（%s）\">", rules_kind_ja(o->kind),
	    rules_certainty_ja(o->certainty));
	if (bar) {
		if (o->approx != NULL)
			html_text(b, o->approx);
		else
			span_text(b, o->start, o->end);
	} else {
		buf_puts(b, o->kind == RK_DEADLINE ? "◆" : o->kind ==
		    RK_MILESTONE || o->kind == RK_GOAL ? "▲" : "●");
		buf_puts(b, "<small>");
		span_text(b, o->start, o->end);
		buf_puts(b, "</small>");
	}
	buf_printf(b, "<span class=\"sr\">（%s）</span></span>",
	    rules_certainty_ja(o->certainty));
}

/* The least sure date of a row: what its label says. */
static enum occ_certainty
row_cert(const struct annual *a, const struct arow *r)
{
	enum occ_certainty	 c = OCC_CERT_CONFIRMED;
	size_t			 i;

	for (i = 0; i < r->n; i++)
		if (a->sel[r->first + i]->certainty > c &&
		    a->sel[r->first + i]->certainty != OCC_CERT_UNDATED)
			c = a->sel[r->first + i]->certainty;
	return c;
}

static const char *
cycle_title(const struct rules *r, const char *id)
{
	const struct rules_cycle	*c;

	if (r == NULL || (c = rules_find_cycle(r, id)) == NULL ||
	    c->title == NULL)
		return id;
	return c->title;
}

static void
annual_row(struct buf *b, const struct annual *a, const struct arow *r)
{
	const struct occ	*o = a->sel[r->first];
	size_t			 i;

	buf_puts(b, "<tr class=\"item\" data-key=\"");
	html_attr(b, o->cycle_id);
	buf_putc(b, '/');
	html_attr(b, o->item_id);
	if (o->member != NULL) {
		buf_putc(b, '/');
		html_attr(b, o->member);
	}
	buf_printf(b, "\" data-kind=\"%s\"><th scope=\"row\">",
	    rules_kind_name(o->kind));
	html_text(b, o->title);
	buf_printf(b, " <span class=\"cert\">%s・%s</span></th>"
	    "<td colspan=\"12\" class=\"track\"><div class=\"lane\">",
	    rules_kind_ja(o->kind), rules_certainty_ja(row_cert(a, r)));
	for (i = 0; i < r->n; i++)
		occ_mark(b, a, a->sel[r->first + i]);
	buf_puts(b, "</div></td></tr>\n");
}

static void
annual_table(struct buf *b, const struct annual *a, int fy)
{
	size_t		 i;
	size_t		 last_cycle = SIZE_MAX - 1;
	int		 m;
	char		 s[16], e[16];

	cal_format_iso(s, a->first);
	cal_format_iso(e, a->last);
	buf_printf(b, "<table class=\"annual\" id=\"annual\" data-fy=\"%d\" "
	    "data-first=\"%s\" data-last=\"%s\">", fy, s, e);
	buf_puts(b, "<caption class=\"sr\">月ごとの予定（横：4月から3月、"
	    "縦：項目）</caption>");
	colgroup(b, a, fy);
	buf_puts(b, "<thead><tr><th scope=\"col\">項目</th>");
	for (m = 0; m < 12; m++)
		buf_printf(b, "<th scope=\"col\" class=\"month\" "
		    "data-month=\"%d\">%s</th>", (m + 3) % 12 + 1, month_ja[m]);
	buf_puts(b, "</tr></thead><tbody>\n");
	for (i = 0; i < a->nrows; i++) {
		if (a->rows[i].cycle != last_cycle) {
			last_cycle = a->rows[i].cycle;
			buf_puts(b, "<tr class=\"cycle\"><th colspan=\"13\" "
			    "scope=\"colgroup\">");
			html_text(b, cycle_title(a->r,
			    a->sel[a->rows[i].first]->cycle_id));
			buf_puts(b, "</th></tr>\n");
		}
		annual_row(b, a, &a->rows[i]);
	}
	buf_puts(b, "</tbody></table>\n");
	if (a->nrows == 0)
		buf_puts(b, "<p id=\"empty\">この年度に表示する予定はありません。"
		    "</p>\n");
}

static void
legend(struct buf *b)
{
	buf_puts(b, "<p class=\"legend\" id=\"legend\"><span>◆ 締切</span>"
	    "<span>● 会議・研修など</span><span>▲ 目標・節目</span>"
	    "<span>帯：期間（頃・上旬・期間内のいずれか）</span>"
	    "<span>濃い色：確定</span><span>斜線：予定（時期のみ判明）</span>"
	    "<span>点線・灰色：想定（資料に記載なし）</span></p>\n");
}

/* The query of this view for links: fy, cycle or feed. */
static void
annual_query(struct buf *b, const struct dash_annual *opt, int fy,
    const char *extra)
{
	buf_printf(b, "?fy=%d", fy);
	if (opt->cycle != NULL) {
		buf_puts(b, "&amp;cycle=");
		html_urlencode(b, opt->cycle);
	}
	if (opt->feed != NULL) {
		buf_puts(b, "&amp;feed=");
		html_urlencode(b, opt->feed);
	}
	if (extra != NULL)
		buf_printf(b, "&amp;%s", extra);
}

static void
annual_form(struct buf *b, const struct dash_ctx *d,
    const struct dash_annual *opt)
{
	const struct rules	*r = d->rules;
	size_t			 i;

	buf_printf(b, "<form method=\"get\" action=\"/annual\" id=\"filters\" "
	    "aria-label=\"表示する事業\"><label>年度 <input name=\"fy\" "
	    "type=\"number\" min=\"2000\" max=\"2100\" value=\"%d\"></label> "
	    "<label>事業 <select name=\"cycle\"><option value=\"\">すべて"
	    "</option>", opt->fy);
	for (i = 0; r != NULL && i < r->ncycles; i++) {
		buf_puts(b, "<option value=\"");
		html_attr(b, r->cycles[i].id);
		buf_puts(b, opt->cycle != NULL &&
		    strcmp(opt->cycle, r->cycles[i].id) == 0 ? "\" selected>" :
		    "\">");
		html_text(b, cycle_title(r, r->cycles[i].id));
		buf_puts(b, "</option>");
	}
	buf_puts(b, "</select></label> <label>配信 <select name=\"feed\">"
	    "<option value=\"\">指定しない</option>");
	for (i = 0; r != NULL && i < r->nfeeds; i++) {
		buf_puts(b, "<option value=\"");
		html_attr(b, r->feeds[i].id);
		buf_puts(b, opt->feed != NULL &&
		    strcmp(opt->feed, r->feeds[i].id) == 0 ? "\" selected>" :
		    "\">");
		html_text(b, r->feeds[i].title != NULL ? r->feeds[i].title :
		    r->feeds[i].id);
		buf_puts(b, "</option>");
	}
	buf_puts(b, "</select></label> <button>表示</button></form>\n");
}

static void
heading(struct buf *b, const struct dash_ctx *d, const struct dash_annual *opt)
{
	char	 s[32];

	cal_wareki_fy_format(s, sizeof s, opt->fy);
	buf_puts(b, "<p class=\"fy\" id=\"annual-title\">");
	html_textf(b, "%s（%d年度）", s, opt->fy);
	if (opt->cycle != NULL) {
		buf_puts(b, "　");
		html_text(b, cycle_title(d->rules, opt->cycle));
	}
	if (opt->feed != NULL && d->rules != NULL &&
	    rules_find_feed(d->rules, opt->feed) != NULL) {
		buf_puts(b, "　配信：");
		html_text(b, rules_find_feed(d->rules, opt->feed)->title);
	}
	buf_puts(b, "</p>\n");
}

void
dash_render_annual(struct buf *b, const struct dash_ctx *d,
    const struct dash_annual *opt, const struct occ_list *l,
    const char *const *scope, size_t nscope)
{
	struct annual	 a;

	memset(&a, 0, sizeof a);
	a.r = d->rules;
	a.first = cal_fy_first(opt->fy, 4);
	a.last = cal_fy_last(opt->fy, 4);
	annual_select(&a, opt, l, scope, nscope);
	dash_page_begin(b, opt->standalone ? NULL : d, "年間スケジュール");
	annual_style(b, &a, opt->fy);
	heading(b, d, opt);
	if (!opt->standalone) {
		annual_form(b, d, opt);
		buf_puts(b, "<nav class=\"views\" aria-label=\"年度と書き出し\">"
		    "<a id=\"prev-fy\" href=\"/annual");
		annual_query(b, opt, opt->fy - 1, NULL);
		buf_printf(b, "\">前年度（%d）</a><a id=\"next-fy\" "
		    "href=\"/annual", opt->fy - 1);
		annual_query(b, opt, opt->fy + 1, NULL);
		buf_printf(b, "\">翌年度（%d）</a><a id=\"export\" "
		    "href=\"/annual", opt->fy + 1);
		annual_query(b, opt, opt->fy, "format=html");
		buf_puts(b, "\">HTMLファイルで保存（メール添付用）</a>"
		    "<span class=\"no-print\">PDF：ブラウザの印刷で"
		    "「PDFに保存」（A4横）</span></nav>\n");
	}
	legend(b);
	annual_table(b, &a, opt->fy);
	if (opt->standalone)
		buf_puts(b, "<p><small>koyomi の年間スケジュールから書き出し"
		    "ました。日付は予定を含みます。</small></p>\n");
	free(a.sel);
	free(a.rows);
	dash_page_end(b);
}
