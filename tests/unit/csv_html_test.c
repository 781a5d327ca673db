/*
 * csv_html_test.c — CSV quoting (BOM, RFC 4180, formula guard) and HTML
 * escaping / URL checks for the dashboard; the meetings page's CSV holds
 * the rows the page lists, each with its certainty (an assumed date never
 * reads 確定) and the closed day it moved off; the task pages show a
 * task's case, certainty and closed-day move.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "calendars/cal.h"
#include "daemon/codec/csv.h"
#include "daemon/http/dash_pages.h"
#include "daemon/http/dash_view.h"
#include "daemon/codec/html.h"

static void
test_csv(void **state)
{
	struct buf	 b;
	struct csv	 c;
	const char	*row[] = { "東京都", "a,b", "say \"hi\"", "=1+2",
		"line\nbreak", NULL, " pad" };

	(void)state;
	buf_init(&b);
	csv_begin(&c, &b);
	csv_row(&c, row, 7);
	csv_num(&c, -5);
	csv_cell(&c, "-5");
	csv_end_row(&c);
	assert_string_equal(b.data, "\xef\xbb\xbf" "東京都,\"a,b\","
	    "\"say \"\"hi\"\"\",\"'=1+2\",\"line\nbreak\",,\" pad\"\r\n"
	    "-5,\"'-5\"\r\n");
	buf_free(&b);
}

static void
test_html(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b);
	html_text(&b, "<script>alert('x')</script> & \"q\"");
	assert_string_equal(b.data, "&lt;script&gt;alert(&#39;x&#39;)"
	    "&lt;/script&gt; &amp; &quot;q&quot;");
	buf_reset(&b);
	html_textf(&b, "%d<%s", 3, "b");
	assert_string_equal(b.data, "3&lt;b");
	buf_reset(&b);
	html_urlencode(&b, "a b/東");
	assert_string_equal(b.data, "a%20b%2F%E6%9D%B1");
	buf_free(&b);
}

static void
meeting(struct occ *o, const char *uid, const char *title, cal_day day)
{
	memset(o, 0, sizeof(*o));
	o->uid = (char *)uid;
	o->title = (char *)title;
	o->kind = RK_MEETING;
	o->start = o->end = day;
	o->start_secs = o->end_secs = -1;
}

/* Login's next: local paths only, whatever the encoding. */
static void
test_local_path(void **state)
{
	static const char *const good[] = { "/", "/occurrences/a.b%40koyomi",
		"/?fy=2025&view=all", "/tasks/12", "/org?id=pref-04",
		"/annual?cycle=x%2Fy" };
	static const char *const bad[] = { "", "//evil.example",
		"/\\evil.example", "https://evil.example/", "http:/evil",
		"javascript:alert(1)", "evil", "/%2F%2Fevil.example",
		"/%2f/evil", "/%5Cevil", "/%5cevil", "%2F%2Fevil", "/ /x",
		"/\t/evil", "/a\\b", "/%09/evil", "/%00", "/\x7f",
		"/\xe6\x9a\xa6", "\\\\evil", "//", "/%2F" };
	char		 big[1200];
	struct buf	 b;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(html_local_path_ok(good[i]));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(html_local_path_ok(bad[i]));
	assert_false(html_local_path_ok(NULL));
	memset(big, 'a', sizeof big);
	big[0] = '/';
	big[sizeof big - 1] = '\0';
	assert_false(html_local_path_ok(big));
	buf_init(&b);
	html_pathencode(&b, "/occurrences/a b@c/d");
	assert_string_equal(b.data, "/occurrences/a%20b%40c/d");
	buf_free(&b);
}

static void
test_meetings_csv(void **state)
{
	struct occ	 o[5];
	struct occ_list	 l = { o, 5 };
	struct dash_ctx	 d = { 0 };
	struct cal_zone	*z = cal_zone_new("Asia/Tokyo", NULL);
	struct buf	 b;
	cal_day		 today = cal_from_ymd(2026, 6, 1);

	(void)state;
	meeting(&o[0], "past@koyomi", "終わった会議", today - 1);
	meeting(&o[1], "m@koyomi", "=合同会議, 第1回", today);
	o[1].start_secs = 13 * 3600 + 30 * 60;
	o[1].location = (char *)"都内（オンライン含む）";
	meeting(&o[2], "d@koyomi", "締切", today + 1);
	o[2].is_deadline = 1;
	meeting(&o[3], "t@koyomi", "研修", today + 30);
	o[3].end = today + 31;
	o[3].status = OCC_TENTATIVE;
	/* Koyomi's guess, moved off 海の日 (7/20, a Monday). */
	meeting(&o[4], "a@koyomi", "ケース会議（想定）",
	    cal_from_ymd(2026, 7, 21));
	o[4].status = OCC_TENTATIVE;
	o[4].certainty = OCC_CERT_ASSUMED;
	o[4].moved = 1;
	o[4].moved_from = cal_from_ymd(2026, 7, 20);
	o[4].closed_name = "海の日";
	d.zone = z;
	d.now = cal_local_to_utc(z, today, 9 * 3600);
	buf_init(&b);
	dash_meetings_csv(&b, &d, &l, 200);
	assert_string_equal(b.data, "\xef\xbb\xbf"
	    "date,end,time,title,location,status,uid,moved_from,closed\r\n"
	    "2026-06-01,2026-06-01,13:30,\"'=合同会議, 第1回\","
	    "都内（オンライン含む）,確定,m@koyomi,,\r\n"
	    "2026-07-01,2026-07-02,,研修,,予定,t@koyomi,,\r\n"
	    "2026-07-21,2026-07-21,,ケース会議（想定）,,想定,a@koyomi,"
	    "2026-07-20,海の日\r\n");
	buf_reset(&b);
	dash_meetings_csv(&b, &d, &l, 1);	/* the page's limit too */
	assert_non_null(strstr(b.data, "m@koyomi"));
	assert_null(strstr(b.data, "t@koyomi"));
	buf_reset(&b);
	/* The page links its CSV and anchors each row by UID. */
	d.csrf = "x";
	d.who = "w";
	dash_render_meetings(&b, &d, &l, 200);
	assert_non_null(strstr(b.data, "href=\"/meetings?format=csv\""));
	assert_non_null(strstr(b.data,
	    "<tr class=\"meeting\" id=\"m@koyomi\">"));
	assert_non_null(strstr(b.data, "href=\"/occurrences/m%40koyomi\""));
	assert_null(strstr(b.data, "past@koyomi"));
	assert_non_null(strstr(b.data, "<td>想定</td>"));
	assert_non_null(strstr(b.data, "<td>2026-07-21 <small class=\"closed\">"
	    "※2026-07-20（月）は閉庁日（海の日）</small></td>"));
	/* Only the fixed meeting reads 確定. */
	assert_non_null(strstr(b.data, "<td>確定</td>"));
	assert_null(strstr(strstr(b.data, "<td>確定</td>") + 1,
	    "<td>確定</td>"));
	buf_free(&b);
	cal_zone_free(z);
}

/* A case's monthly report, koyomi's guess, moved off 振替休日 5/6. */
static void
task_fixture(struct task *t, struct occ *o)
{
	memset(t, 0, sizeof *t);
	memset(o, 0, sizeof *o);
	t->id = 7;
	t->uid = (char *)"outreach.monthly-report.fy2026.n1.case-T-1@koyomi";
	t->assignee = (char *)"pref-13";
	t->cycle = (char *)"outreach";
	t->item = (char *)"monthly-report";
	t->fy = 2026;
	t->title = (char *)"支援内容の報告（月毎）（想定）";
	t->due_day = (char *)"2026-05-01";
	t->state = (char *)"open";
	t->case_code = (char *)"T-1";
	o->uid = t->uid;
	o->title = t->title;
	o->case_code = t->case_code;
	o->kind = RK_DEADLINE;
	o->is_deadline = 1;
	o->start = o->end = cal_from_ymd(2026, 5, 1);
	o->start_secs = o->end_secs = -1;
	o->status = OCC_TENTATIVE;
	o->certainty = OCC_CERT_ASSUMED;
	o->moved = 1;
	o->moved_from = cal_from_ymd(2026, 5, 6);
	o->closed_name = "振替休日";
	task_note_occ(t, o);
}

/* The fixture's task as the store's narrow row; a title to escape. */
static void
task_row_fixture(struct task_row *r, const struct task *t,
    const struct cal_zone *z)
{
	memset(r, 0, sizeof *r);
	r->id = t->id;
	r->uid = t->uid;
	r->assignee = t->assignee;
	r->cycle = t->cycle;
	r->title = "<b>支援内容の報告</b>";
	r->due_day = t->due_day;
	r->state = t->state;
	r->fy = t->fy;
	r->due = cal_local_to_utc(z, cal_from_ymd(2026, 5, 1), 17 * 3600);
}

static void
test_task_pages(void **state)
{
	static const char due[] = "2026-05-01（想定） "
	    "※2026-05-06（水）は閉庁日（振替休日）";
	struct task		 t;
	struct occ		 o;
	struct task_row		 r;
	struct dash_dls		 l = { 0 };
	struct dash_trows	 tr = { 0 };
	struct dash_home	 h = { 2026, 2026, 4, 0 };
	struct dash_ctx		 d = { 0 };
	struct dash_filter	 f = { 0 };
	struct cal_zone		*z = cal_zone_new("Asia/Tokyo", NULL);
	struct buf		 b;
	char			 want[256];

	(void)state;
	task_fixture(&t, &o);
	d.zone = z;
	d.now = cal_local_to_utc(z, cal_from_ymd(2026, 4, 20), 9 * 3600);
	d.csrf = "x";
	d.who = "w";
	buf_init(&b);
	/* The first page's card and the organisation's row, from a row. */
	task_row_fixture(&r, &t, z);
	dash_dls_add(&l, &d, &f, &r);
	assert_int_equal(l.n, 1);
	l.v[0].occ = &o;
	dash_render_home(&b, &d, &f, &h, &l);
	assert_non_null(strstr(b.data, "ケース <span class=\"case\">T-1"
	    "</span>"));
	snprintf(want, sizeof want, "期限 2026-05-01（金）%s", due + 10);
	assert_non_null(strstr(b.data, want));
	assert_non_null(strstr(b.data, "<a class=\"pending\" "
	    "href=\"/org?id=pref-13\">pref-13</a>"));
	assert_null(strstr(b.data, "<b>"));
	assert_non_null(strstr(b.data, "&lt;b&gt;"));
	dash_dls_free(&l);
	buf_reset(&b);
	dash_trows_add(&tr, &r, d.now);
	tr.v[0].occ = &o;
	r.id = 8;
	r.past = 1;		/* over before koyomi knew of it: history */
	dash_trows_add(&tr, &r, d.now);
	dash_render_org_page(&b, &d, "pref-13", &tr);
	assert_non_null(strstr(b.data, "<th scope=\"col\">ケース</th>"));
	assert_non_null(strstr(b.data, "<td class=\"case\">T-1</td>"));
	snprintf(want, sizeof want, "<td>%s</td>", due);
	assert_non_null(strstr(b.data, want));
	assert_non_null(strstr(b.data, "data-id=\"8\" data-state=\"past\""));
	assert_non_null(strstr(b.data, "<td>対象外・過去分</td>"));
	assert_true(strstr(b.data, "id=\"org-history\"") <
	    strstr(b.data, "data-id=\"8\""));
	dash_trows_free(&tr);
	buf_reset(&b);
	dash_render_task(&b, &d, &t, NULL, 0);
	assert_non_null(strstr(b.data, "<tr><th>ケース</th><td>T-1</td></tr>"));
	snprintf(want, sizeof want, "<tr><th>期限</th><td>%s</td></tr>", due);
	assert_non_null(strstr(b.data, want));
	buf_reset(&b);
	dash_render_occ(&b, &d, &o, &t, 1);
	assert_non_null(strstr(b.data, "<tr><th>状態</th><td>想定</td></tr>"));
	assert_non_null(strstr(b.data, "<tr><th>ケース</th><td>T-1</td></tr>"));
	assert_non_null(strstr(b.data, "<small class=\"closed\">"
	    "※2026-05-06（水）は閉庁日（振替休日）</small>"));
	assert_null(strstr(b.data, "確定"));
	/* Once the rules drop it, a task claims no certainty. */
	task_note_occ(&t, NULL);
	buf_reset(&b);
	dash_render_task(&b, &d, &t, NULL, 0);
	assert_non_null(strstr(b.data, "<tr><th>期限</th><td>2026-05-01"
	    "</td></tr>"));
	buf_free(&b);
	cal_zone_free(z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_meetings_csv),
		cmocka_unit_test(test_task_pages),
		cmocka_unit_test(test_local_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
