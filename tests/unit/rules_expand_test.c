/*
 * rules_expand_test.c — date forms and expansion: every form, fiscal-year
 * resolution, fy_shift, overrides, relative dates per member, cases,
 * frequency targets, repetition, determinism and UID stability.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules/datespec.h"
#include "rules/rules.h"

static void
form(const char *s, enum ds_kind k, int y, int m, int d, const char *label)
{
	struct datespec	 ds;
	char		 err[128];

	assert_int_equal(datespec_parse(s, &ds, err, sizeof err), 0);
	assert_int_equal(ds.kind, k);
	assert_int_equal(ds.year, y);
	assert_int_equal(ds.month, m);
	assert_int_equal(ds.day, d);
	assert_string_equal(ds.label, label);
}

static void
test_forms(void **state)
{
	struct datespec	 ds;
	char		 err[128];
	cal_day		 a, b;

	(void)state;
	form("2025-01-16", DS_EXACT, 2025, 1, 16, "");
	form("令和7年1月16日（木）", DS_EXACT, 2025, 1, 16, "");
	form("R7.1.16", DS_EXACT, 2025, 1, 16, "");
	form("1月16日", DS_EXACT, 0, 1, 16, "");
	form("01-16", DS_EXACT, 0, 1, 16, "");
	form("２月２０日（金）", DS_EXACT, 0, 2, 20, "");
	form("6月頃", DS_APPROX, 0, 6, 0, "6月頃");
	form("4月中", DS_WITHIN, 0, 4, 0, "4月中");
	form("1月上旬", DS_PART, 0, 1, 0, "1月上旬");
	form("1月中旬", DS_PART, 0, 1, 0, "1月中旬");
	form("9月以降", DS_FROM, 0, 9, 0, "9月以降");
	form("7～10月", DS_WINDOW, 0, 7, 0, "7～10月");
	form("年度末", DS_FYEND, 0, 0, 0, "年度末");
	form("令和8年1月頃", DS_APPROX, 2026, 1, 0, "1月頃");
	form("R8.1頃", DS_APPROX, 2026, 1, 0, "1月頃");
	assert_int_equal(datespec_parse("2025-02-30", &ds, err, sizeof err), -1);
	assert_int_equal(datespec_parse("13月頃", &ds, err, sizeof err), -1);
	assert_int_equal(datespec_parse("そのうち", &ds, err, sizeof err), -1);
	assert_int_equal(datespec_parse("", &ds, err, sizeof err), -1);

	/* A bare 2月 of FY2025 is February 2026. */
	assert_int_equal(datespec_parse("2月頃", &ds, err, sizeof err), 0);
	assert_int_equal(datespec_resolve(&ds, 2025, 4, &a, &b), 1);
	assert_int_equal(a, cal_from_ymd(2026, 2, 1));
	assert_int_equal(b, cal_from_ymd(2026, 2, 28));
	/* 下旬 runs to the month's end; 以降 to 年度末. */
	assert_int_equal(datespec_parse("2月下旬", &ds, err, sizeof err), 0);
	assert_int_equal(datespec_resolve(&ds, 2027, 4, &a, &b), 1);
	assert_int_equal(a, cal_from_ymd(2028, 2, 21));
	assert_int_equal(b, cal_from_ymd(2028, 2, 29));
	assert_int_equal(datespec_parse("9月以降", &ds, err, sizeof err), 0);
	assert_int_equal(datespec_resolve(&ds, 2025, 4, &a, &b), 1);
	assert_int_equal(b, cal_from_ymd(2026, 3, 31));
	/* An exact date of another fiscal year is not in this one. */
	assert_int_equal(datespec_parse("2025-01-16", &ds, err, sizeof err), 0);
	assert_int_equal(datespec_resolve(&ds, 2025, 4, &a, &b), 0);
	assert_int_equal(datespec_resolve(&ds, 2024, 4, &a, &b), 1);
}

static const char RULES[] =
"organisations:\n"
"  - {id: o1, name: 甲県, type: prefecture}\n"
"  - {id: o2, name: 乙県, type: prefecture}\n"
"groups:\n"
"  - {id: g, name: 両県, members: [o1, o2]}\n"
"  - id: part\n"
"    name: 参加\n"
"    from_responses: {item: c/due, fy_offset: 1, answers: [参加]}\n"
"cycles:\n"
"  - id: c\n"
"    title: テスト\n"
"    from_fy: 2025\n"
"    note: 今後変更となる可能性があります。\n"
"    items:\n"
"      - {id: survey, kind: survey, title: 調査, date: 1月16日, fy_shift: -1}\n"
"      - id: due\n"
"        kind: deadline\n"
"        title: 調査の締切\n"
"        date: 2月20日（木）\n"
"        fy_shift: -1\n"
"        assignees: g\n"
"        response: {options: [参加, 不参加]}\n"
"      - {id: joint, kind: meeting, title: 合同会議, date: 6月頃}\n"
"      - {id: jointp, kind: meeting, title: 参加者会議, same_day: joint,\n"
"         audience: part}\n"
"      - id: block\n"
"        kind: meeting\n"
"        title: ブロック会議（{member.name}）\n"
"        per: g\n"
"        date: 2025-07-10\n"
"        time: \"10:00-16:30\"\n"
"        members:\n"
"          o2: {date: 2025-07-17}\n"
"      - id: pre\n"
"        kind: deadline\n"
"        title: 事前提出\n"
"        relative: {to: block, offset: -10bd}\n"
"      - {id: sansha, kind: meeting, title: \"三者会議{n}\", dates: [6月中, 9月頃]}\n"
"      - {id: monthly, kind: meeting, title: 実務者会議, time: \"14:00-16:00\",\n"
"         repeat: {freq: monthly, nth: 2, weekday: 水}}\n"
"      - {id: target, kind: goal, title: 研修, frequency: {min: 1, per: fy}}\n"
"      - id: moved\n"
"        kind: meeting\n"
"        title: 研修会\n"
"        date: 1月頃\n"
"        fy:\n"
"          2025: {date: 2026-01-23, time: \"13:00-16:00\", status: confirmed}\n"
"          2026: {cancel: true}\n"
"  - id: cs\n"
"    title: ケース\n"
"    case: true\n"
"    items:\n"
"      - {id: start, kind: deadline, title: 開始報告, case: {at: start}}\n"
"      - {id: mid, kind: meeting, title: 中間評価, case: {offset: +3mo, approx: true}}\n"
"      - {id: rep, kind: deadline, title: 月次報告, case: {monthly: true}}\n"
"      - {id: end, kind: deadline, title: 終了報告, case: {at: close}}\n";

static struct rules *
load(void)
{
	struct rules_diag	 d;
	struct rules		*r;
	size_t			 i;

	rules_diag_init(&d);
	r = rules_load_buf("t.yaml", RULES, sizeof RULES - 1, &d);
	for (i = 0; i < d.n; i++)
		print_message("%s\n", d.msgs[i]);
	assert_non_null(r);
	rules_diag_free(&d);
	return r;
}

static const struct occ *
find(const struct occ_list *l, const char *uid)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].uid, uid) == 0)
			return &l->v[i];
	return NULL;
}

static void
expand(const struct rules *r, int fy, const struct rules_expand_ctx *x,
    struct occ_list *l)
{
	struct rules_diag	 d;

	rules_diag_init(&d);
	assert_int_equal(rules_expand(r, cal_fy_first(fy, 4),
	    cal_fy_last(fy, 4), x, l, &d), 0);
	rules_diag_free(&d);
}

static void
test_expand(void **state)
{
	struct rules		*r = load();
	struct rules_expand_ctx	 x = { 0 };
	struct occ_list		 l;
	const struct occ	*o;

	(void)state;
	expand(r, 2025, &x, &l);
	/* FY2026's survey is dated in FY2025 (fy_shift: -1). */
	o = find(&l, "c.survey.fy2026@koyomi");
	assert_non_null(o);
	assert_int_equal(o->start, cal_from_ymd(2026, 1, 16));
	assert_null(find(&l, "c.survey.fy2025@koyomi"));	/* in FY2024 */
	o = find(&l, "c.due.fy2026@koyomi");
	assert_non_null(o);
	assert_true(o->is_deadline);
	assert_int_equal(o->nassignees, 2);
	assert_int_equal(o->due_secs, 17 * 3600);
	/* 6月頃: a tentative June span with the label in the title. */
	o = find(&l, "c.joint.fy2025@koyomi");
	assert_non_null(o);
	assert_int_equal(o->status, OCC_TENTATIVE);
	assert_int_equal(o->start, cal_from_ymd(2025, 6, 1));
	assert_int_equal(o->end, cal_from_ymd(2025, 6, 30));
	assert_string_equal(o->title, "合同会議（6月頃・日程調整中）");
	assert_non_null(strstr(o->description, "今後変更となる可能性"));
	o = find(&l, "c.jointp.fy2025@koyomi");
	assert_non_null(o);
	assert_int_equal(o->start, cal_from_ymd(2025, 6, 1));
	/* Per member, with a member override. */
	o = find(&l, "c.block.fy2025.o1@koyomi");
	assert_non_null(o);
	assert_string_equal(o->title, "ブロック会議（甲県）");
	assert_int_equal(o->start_secs, 10 * 3600);
	assert_int_equal(o->end_secs, 16 * 3600 + 1800);
	o = find(&l, "c.block.fy2025.o2@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 7, 17));
	/* 10 business days before each member's meeting (海の日 7/21). */
	o = find(&l, "c.pre.fy2025.o1@koyomi");
	assert_non_null(o);
	assert_int_equal(o->start, cal_from_ymd(2025, 6, 26));
	o = find(&l, "c.pre.fy2025.o2@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 7, 3));
	/* Numbered dates. */
	o = find(&l, "c.sansha.fy2025.n2@koyomi");
	assert_non_null(o);
	assert_string_equal(o->title, "三者会議②（9月頃・日程調整中）");
	/* Second Wednesday of each month: 12 in a year. */
	o = find(&l, "c.monthly.fy2025.n1@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 4, 9));
	assert_int_equal(o->start_secs, 14 * 3600);
	assert_int_equal(o->end_secs, 16 * 3600);
	assert_non_null(find(&l, "c.monthly.fy2025.n12@koyomi"));
	assert_null(find(&l, "c.monthly.fy2025.n13@koyomi"));
	/* A minimum-frequency target is checked at 年度末. */
	o = find(&l, "c.target.fy2025@koyomi");
	assert_non_null(o);
	assert_int_equal(o->start, cal_from_ymd(2026, 3, 31));
	assert_non_null(strstr(o->title, "年1回以上"));
	/* A per-year override confirms and moves, keeping the UID. */
	o = find(&l, "c.moved.fy2025@koyomi");
	assert_non_null(o);
	assert_int_equal(o->status, OCC_CONFIRMED);
	assert_int_equal(o->start, cal_from_ymd(2026, 1, 23));
	assert_string_equal(o->title, "研修会");
	occ_list_free(&l);
	expand(r, 2026, &x, &l);
	o = find(&l, "c.moved.fy2026@koyomi");
	assert_non_null(o);
	assert_int_equal(o->status, OCC_CANCELLED);
	occ_list_free(&l);
	rules_free(r);
}

static void
test_answers_and_cases(void **state)
{
	struct rules		*r = load();
	struct rules_answer	 ans[] = {
		{ "c", "due", 2026, "o2", "参加" },
		{ "c", "due", 2026, "o1", "不参加" },
	};
	struct rules_case	 cases[] = {
		{ "cs", "A-001", NULL, 0, CAL_OPEN },
		{ "cs", "A-002", NULL, 0, 0 },
	};
	struct rules_expand_ctx	 x = { 0 };
	struct occ_list		 l;
	const struct occ	*o;

	(void)state;
	cases[0].start = cal_from_ymd(2025, 5, 10);
	cases[1].start = cal_from_ymd(2025, 4, 1);
	cases[1].closed = cal_from_ymd(2025, 6, 15);
	x.answers = ans;
	x.nanswers = 2;
	x.cases = cases;
	x.ncases = 2;
	x.today = cal_from_ymd(2025, 8, 1);
	expand(r, 2025, &x, &l);
	o = find(&l, "cs.start.fy2025.case-A-001@koyomi");
	assert_non_null(o);
	assert_int_equal(o->start, cal_from_ymd(2025, 5, 10));
	o = find(&l, "cs.mid.fy2025.case-A-001@koyomi");
	assert_non_null(o);
	assert_int_equal(o->start, cal_from_ymd(2025, 8, 10));
	assert_int_equal(o->status, OCC_TENTATIVE);
	assert_non_null(strstr(o->title, "約3か月"));
	/* Monthly while open; the closed case stops at its close. */
	assert_non_null(find(&l, "cs.rep.fy2025.n2.case-A-002@koyomi"));
	assert_null(find(&l, "cs.rep.fy2025.n3.case-A-002@koyomi"));
	o = find(&l, "cs.end.fy2025.case-A-002@koyomi");
	assert_non_null(o);
	assert_int_equal(o->start, cal_from_ymd(2025, 6, 15));
	assert_null(find(&l, "cs.end.fy2025.case-A-001@koyomi"));
	occ_list_free(&l);
	rules_free(r);
}

static void
test_deterministic_and_stable(void **state)
{
	struct rules		*r = load();
	struct rules_expand_ctx	 x = { 0 };
	struct occ_list		 a, b;
	struct buf		 ja, jb;
	size_t			 i;

	(void)state;
	expand(r, 2025, &x, &a);
	expand(r, 2025, &x, &b);
	buf_init(&ja);
	buf_init(&jb);
	rules_plan_json(&a, &ja);
	rules_plan_json(&b, &jb);
	assert_int_equal(ja.len, jb.len);
	assert_memory_equal(ja.data, jb.data, ja.len);
	for (i = 1; i < a.n; i++)
		assert_true(a.v[i - 1].adhoc <= a.v[i].adhoc);
	buf_free(&ja);
	buf_free(&jb);
	occ_list_free(&a);
	occ_list_free(&b);
	rules_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_answers_and_cases),
		cmocka_unit_test(test_deterministic_and_stable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
