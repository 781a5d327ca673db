/*
 * rules_closed_test.c — closed days and certainty in the expansion:
 * the default direction per kind, `adjust` (and a kept day with its
 * reason), relative items counting from the moved day, certainty levels
 * (assumed items, frequency tasks, what a relative item inherits, an fy
 * date confirming a year), the case steps `every` and `{at: close,
 * offset}`, cal_closed_name, and an office's own closed days (koyomi.conf
 * closed_days) in moves, business-day offsets, case steps and the
 * warning about a written date.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "rules/rules.h"

#define RULES_FIXTURE_FILE	"c.yaml"
#include "tests/unit/rules_fixture.h"

static const char RULES[] =
"organisations:\n"
"  - {id: o1, name: 甲県}\n"
"cycles:\n"
"  - id: c\n"
"    title: 閉庁日\n"
"    organiser: o1\n"
"    from_fy: 2025\n"
"    items:\n"
/* Saturday 2025-05-10 in FY2025. */
"      - {id: due, kind: deadline, title: 名簿, date: 5月10日,\n"
"         assignees: [o1]}\n"
"      - {id: meet, kind: meeting, title: 会議, date: 5月10日}\n"
"      - {id: back, kind: meeting, title: 前倒し, date: 5月10日,\n"
"         adjust: previous}\n"
"      - {id: fwd, kind: deadline, title: 後ろ倒し, date: 5月10日,\n"
"         adjust: next, assignees: [o1]}\n"
"      - id: day\n"
"        kind: milestone\n"
"        title: 記念日\n"
"        date: 10月10日\n"
"        adjust: {to: none, reason: 曜日に関わらず10月10日}\n"
/* 10 business days before the Monday the meeting moved to. */
"      - {id: pre, kind: deadline, title: 事前提出, assignees: [o1],\n"
"         relative: {to: meet, offset: -10bd}, assumed: true}\n"
"      - {id: guess, kind: meeting, title: 定例会, assumed: true,\n"
"         repeat: {freq: monthly, nth: 2, weekday: 水}}\n"
"      - id: carried\n"
"        kind: survey\n"
"        title: 調査\n"
"        date: 1月16日\n"
"        assumed: true\n"
"        fy: {2025: {date: 2026-01-16, status: confirmed}}\n"
"      - {id: vague, kind: meeting, title: 合同会議, date: 6月頃}\n"
"      - {id: sheet, kind: deadline, title: シート, assignees: [o1],\n"
"         relative: {to: vague, offset: -10bd}}\n"
"      - {id: target, kind: meeting, title: 委員会,\n"
"         frequency: {min: 1, per: quarter}}\n"
"  - id: k\n"
"    title: ケース\n"
"    case: true\n"
"    items:\n"
"      - {id: re, kind: meeting, title: 再評価, case: {every: +6mo}}\n"
"      - {id: conf, kind: meeting, title: ケース会議, case: {every: 1w}}\n"
"      - {id: follow, kind: visit, title: 終了後の状況把握,\n"
"         case: {at: close, offset: +3mo}, assumed: true}\n";

static void
expand_fy(const struct rules *r, int fy, const struct rules_expand_ctx *x,
    struct occ_list *l)
{
	struct rules_diag	 d;

	rules_diag_init(&d);
	assert_int_equal(rules_expand(r, cal_fy_first(fy, 4), cal_fy_last(fy, 4),
	    x, l, &d), 0);
	rules_diag_free(&d);
}

static void
test_directions(void **state)
{
	struct rules		*r = must_load(RULES);
	struct rules_expand_ctx	 x = { 0 };
	struct occ_list		 l;
	const struct occ	*o;
	cal_day			 sat = cal_from_ymd(2025, 5, 10);

	(void)state;
	expand_fy(r, 2025, &x, &l);
	/* A deadline on Saturday: Friday. A meeting: Monday. */
	o = must(&l, "c.due.fy2025@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 5, 9));
	assert_true(o->moved);
	assert_int_equal(o->moved_from, sat);
	assert_string_equal(o->closed_name, "土曜日");
	assert_non_null(strstr(o->description, "令和7年5月10日（土）は閉庁日"
	    "（土曜日）のため、前の開庁日に変更"));
	o = must(&l, "c.meet.fy2025@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 5, 12));
	assert_non_null(strstr(o->description, "次の開庁日に変更"));
	/* adjust turns either way round. */
	assert_int_equal(must(&l, "c.back.fy2025@koyomi")->start,
	    cal_from_ymd(2025, 5, 9));
	assert_int_equal(must(&l, "c.fwd.fy2025@koyomi")->start,
	    cal_from_ymd(2025, 5, 12));
	/* Kept on Friday 10/10? 2025-10-10 is a Friday: not closed. */
	o = must(&l, "c.day.fy2025@koyomi");
	assert_false(o->moved);
	assert_false(o->kept);
	/* The pre-submission counts from the moved Monday, not Saturday. */
	o = must(&l, "c.pre.fy2025@koyomi");
	assert_int_equal(o->start, cal_add_business(cal_from_ymd(2025, 5, 12),
	    -10));
	assert_false(o->moved);
	occ_list_free(&l);
	/* 2026-10-10 is a Saturday: kept, with the reason. */
	expand_fy(r, 2026, &x, &l);
	o = must(&l, "c.day.fy2026@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2026, 10, 10));
	assert_true(o->kept);
	assert_false(o->moved);
	assert_non_null(strstr(o->description, "曜日に関わらず10月10日"));
	/* 2026-05-10 is a Sunday: the deadline goes back to Friday 5/8. */
	assert_int_equal(must(&l, "c.due.fy2026@koyomi")->start,
	    cal_from_ymd(2026, 5, 8));
	occ_list_free(&l);
	rules_free(r);
}

static void
test_certainty(void **state)
{
	struct rules		*r = must_load(RULES);
	struct rules_expand_ctx	 x = { 0 };
	struct occ_list		 l;
	const struct occ	*o;
	size_t			 i, n = 0;

	(void)state;
	expand_fy(r, 2025, &x, &l);
	o = must(&l, "c.due.fy2025@koyomi");
	assert_int_equal(o->certainty, OCC_CERT_CONFIRMED);
	assert_int_equal(o->status, OCC_CONFIRMED);
	/* The 2nd Wednesday is a guess: assumed, TENTATIVE, （想定）. */
	o = must(&l, "c.guess.fy2025.n1@koyomi");
	assert_int_equal(o->certainty, OCC_CERT_ASSUMED);
	assert_int_equal(o->status, OCC_TENTATIVE);
	assert_string_equal(o->title, "定例会（想定）");
	assert_non_null(strstr(o->description, "想定"));
	/* 2026-02-11 (2nd Wednesday) is 建国記念の日: moved to 2/12. */
	o = must(&l, "c.guess.fy2025.n11@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2026, 2, 12));
	assert_string_equal(o->closed_name, "建国記念の日");
	/* The year the document gives is confirmed; the next is assumed. */
	o = must(&l, "c.carried.fy2025@koyomi");
	assert_int_equal(o->certainty, OCC_CERT_CONFIRMED);
	assert_string_equal(o->title, "調査");
	/* A pre-submission of a tentative meeting is tentative. */
	o = must(&l, "c.sheet.fy2025@koyomi");
	assert_int_equal(o->certainty, OCC_CERT_TENTATIVE);
	/* Assumed lead time: assumed whatever the meeting. */
	assert_int_equal(must(&l, "c.pre.fy2025@koyomi")->certainty,
	    OCC_CERT_ASSUMED);
	/* Frequency tasks: assumed, each quarter. */
	for (i = 0; i < l.n; i++)
		if (strcmp(l.v[i].item_id, "target") == 0) {
			assert_int_equal(l.v[i].certainty, OCC_CERT_ASSUMED);
			n++;
		}
	assert_int_equal(n, 4);
	assert_string_equal(rules_certainty_name(OCC_CERT_ASSUMED), "assumed");
	assert_string_equal(rules_certainty_ja(OCC_CERT_TENTATIVE), "予定");
	occ_list_free(&l);
	expand_fy(r, 2026, &x, &l);
	o = must(&l, "c.carried.fy2026@koyomi");
	assert_int_equal(o->certainty, OCC_CERT_ASSUMED);
	assert_int_equal(o->status, OCC_TENTATIVE);
	assert_string_equal(o->title, "調査（想定）");
	occ_list_free(&l);
	rules_free(r);
}

static void
test_case_steps(void **state)
{
	struct rules		*r = must_load(RULES);
	struct rules_case	 cs[] = {
		{ "k", "A", "o1", 0, CAL_OPEN },
		{ "k", "B", "o1", 0, 0 },
	};
	struct rules_expand_ctx	 x = { 0 };
	struct rules_diag	 d;
	struct occ_list		 l;
	const struct occ	*o;
	size_t			 i, weeks = 0;

	(void)state;
	cs[0].start = cal_from_ymd(2025, 4, 7);		/* a Monday */
	cs[1].start = cal_from_ymd(2025, 4, 7);
	cs[1].closed = cal_from_ymd(2025, 7, 4);	/* a Friday */
	x.cases = cs;
	x.ncases = 2;
	x.today = cal_from_ymd(2025, 4, 7);
	rules_diag_init(&d);
	assert_int_equal(rules_expand(r, cal_from_ymd(2025, 4, 1),
	    cal_from_ymd(2026, 12, 31), &x, &l, &d), 0);
	rules_diag_free(&d);
	/* Every 6 months while open: 10/7, 4/7 of the next year … */
	o = must(&l, "k.re.fy2025.n1.case-A@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 10, 7));
	o = must(&l, "k.re.fy2025.n2.case-A@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2026, 4, 7));
	/* … and none for the case closed after 3 months. */
	assert_null(find(&l, "k.re.fy2025.n1.case-B@koyomi"));
	/* Weekly while open: the closed case has 12 (4/14 … 6/30). */
	for (i = 0; i < l.n; i++)
		if (strcmp(l.v[i].item_id, "conf") == 0 &&
		    strcmp(l.v[i].case_code, "B") == 0) {
			assert_true(cal_is_business(l.v[i].start) ||
			    l.v[i].status == OCC_CANCELLED);
			weeks++;
		}
	assert_int_equal(weeks, 12);
	/* Three months after the close: 10/4 is a Saturday → Monday 10/6;
	 * an assumed step. */
	o = must(&l, "k.follow.fy2025.case-B@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 10, 6));
	assert_int_equal(o->certainty, OCC_CERT_ASSUMED);
	assert_null(find(&l, "k.follow.fy2025.case-A@koyomi"));
	occ_list_free(&l);
	rules_free(r);
}

static void
test_closed_names(void **state)
{
	(void)state;
	assert_string_equal(cal_closed_name(cal_from_ymd(2026, 2, 11)),
	    "建国記念の日");
	assert_string_equal(cal_closed_name(cal_from_ymd(2025, 12, 30)),
	    "年末年始");
	assert_string_equal(cal_closed_name(cal_from_ymd(2025, 5, 11)),
	    "日曜日");
	assert_string_equal(cal_closed_name(cal_from_ymd(2025, 5, 10)),
	    "土曜日");
	assert_null(cal_closed_name(cal_from_ymd(2025, 5, 12)));
}

/*
 * The office also closes Friday 2025-05-09 and Monday 5/12, around the
 * Saturday of the fixture's dates, and Wednesday 2025-08-13.
 */
static void
test_extra_closed(void **state)
{
	struct rules		*r = must_load(RULES);
	cal_day			 days[] = { cal_from_ymd(2025, 5, 9),
				    cal_from_ymd(2025, 5, 12),
				    cal_from_ymd(2025, 8, 13) };
	struct cal_closed	 closed = { days, 3 };
	struct rules_case	 cs[] = { { "k", "A", "o1", 0, CAL_OPEN } };
	struct rules_expand_ctx	 x = { 0 };
	struct occ_list		 l;
	const struct occ	*o;

	(void)state;
	cs[0].start = cal_from_ymd(2025, 4, 7);		/* a Monday */
	x.cases = cs;
	x.ncases = 1;
	x.today = cs[0].start;
	x.closed = &closed;
	expand_fy(r, 2025, &x, &l);
	/* Saturday's deadline skips the closed Friday: Thursday 5/8. */
	o = must(&l, "c.due.fy2025@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 5, 8));
	assert_int_equal(o->moved_from, cal_from_ymd(2025, 5, 10));
	assert_string_equal(o->closed_name, "土曜日");
	/* The meeting skips the closed Monday: Tuesday 5/13. */
	o = must(&l, "c.meet.fy2025@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 5, 13));
	/* Ten business days before it, on the office's calendar. */
	o = must(&l, "c.pre.fy2025@koyomi");
	assert_int_equal(o->start, cal_add_business_in(&closed,
	    cal_from_ymd(2025, 5, 13), -10));
	assert_true(o->start != cal_add_business(cal_from_ymd(2025, 5, 13),
	    -10));
	/* The weekly case conference of Monday 5/12 moves to 5/13 and
	 * says why. */
	o = must(&l, "k.conf.fy2025.n5.case-A@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 5, 13));
	assert_int_equal(o->moved_from, cal_from_ymd(2025, 5, 12));
	assert_string_equal(o->closed_name, CAL_EXTRA_CLOSED_NAME);
	assert_non_null(strstr(o->description, "閉庁日（臨時閉庁日）"));
	occ_list_free(&l);
	/* Without the list, the law's days only. */
	memset(&x, 0, sizeof x);
	expand_fy(r, 2025, &x, &l);
	assert_int_equal(must(&l, "c.due.fy2025@koyomi")->start,
	    cal_from_ymd(2025, 5, 9));
	occ_list_free(&l);
	rules_free(r);
}

/* `koyomi check` knows the office's days: rules_load gets the list. */
static void
test_extra_closed_check(void **state)
{
	static const char text[] =
	    "organisations:\n  - {id: o1, name: 甲県}\n"
	    "cycles:\n  - id: c\n    title: t\n    organiser: o1\n"
	    "    items:\n"
	    "      - {id: d, kind: deadline, title: 名簿, date: 2025-08-13,\n"
	    "         assignees: [o1]}\n";
	cal_day			 days[] = { cal_from_ymd(2025, 8, 13) };
	struct cal_closed	 closed = { days, 1 };
	struct rules_diag	 d;
	struct rules		*r;
	char			 dir[] = "/tmp/rules_closed.XXXXXX", path[64];
	const char		*p = path;
	FILE			*fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/c.yaml", dir);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
	rules_diag_init(&d);
	r = rules_load(&p, 1, NULL, &d);
	assert_non_null(r);
	assert_int_equal(d.nwarnings, 0);	/* a Wednesday by law */
	rules_free(r);
	rules_diag_free(&d);
	rules_diag_init(&d);
	r = rules_load(&p, 1, &closed, &d);
	assert_non_null(r);
	assert_int_equal(d.nwarnings, 1);
	assert_non_null(strstr(d.msgs[0], ":8:"));
	assert_non_null(strstr(d.msgs[0], "2025-08-13（水） is a closed day "
	    "(臨時閉庁日): the deadline moves to the previous business day "
	    "2025-08-12（火）"));
	rules_free(r);
	rules_diag_free(&d);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_adjust_errors(void **state)
{
	static const char *const bad[] = {
	    "      - {id: a, kind: milestone, title: t, date: 10月10日,\n"
	    "         adjust: none}\n",
	    "      - {id: a, kind: milestone, title: t, date: 10月10日,\n"
	    "         adjust: {to: none}}\n",
	    "      - {id: a, kind: milestone, title: t, date: 10月10日,\n"
	    "         adjust: {reason: x}}\n",
	    "      - {id: a, kind: milestone, title: t, date: 10月10日,\n"
	    "         adjust: sideways}\n",
	    "      - {id: a, kind: meeting, title: t, case: {every: -1w}}\n",
	};
	struct rules_diag	 d;
	struct rules		*r;
	char			 text[512];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "cycles:\n  - id: c\n    title: t\n"
		    "%s    items:\n%s", i == 4 ? "    case: true\n" : "",
		    bad[i]);
		r = load(text, &d);
		assert_null(r);
		assert_true(d.nerrors >= 1);
		assert_non_null(strstr(d.msgs[0], "c.yaml:"));
		rules_diag_free(&d);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directions),
		cmocka_unit_test(test_certainty),
		cmocka_unit_test(test_case_steps),
		cmocka_unit_test(test_closed_names),
		cmocka_unit_test(test_extra_closed),
		cmocka_unit_test(test_extra_closed_check),
		cmocka_unit_test(test_adjust_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
