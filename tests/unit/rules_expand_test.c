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

#define RULES_FIXTURE_FILE	"t.yaml"
#include "tests/unit/rules_fixture.h"

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
	struct rules		*r = must_load_warned(RULES);
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
	struct rules		*r = must_load_warned(RULES);
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
	/* Started on a Saturday: the report at its start cannot be due
	 * before it, so it moves to Monday (and says so). */
	o = find(&l, "cs.start.fy2025.case-A-001@koyomi");
	assert_non_null(o);
	assert_int_equal(o->start, cal_from_ymd(2025, 5, 12));
	assert_true(o->moved);
	assert_int_equal(o->moved_from, cal_from_ymd(2025, 5, 10));
	assert_string_equal(o->closed_name, "土曜日");
	assert_non_null(strstr(o->description, "令和7年5月10日（土）は閉庁日"));
	/* +3mo is Sunday 8/10 and 8/11 is 山の日: a meeting moves on. */
	o = find(&l, "cs.mid.fy2025.case-A-001@koyomi");
	assert_non_null(o);
	assert_int_equal(o->start, cal_from_ymd(2025, 8, 12));
	assert_int_equal(o->moved_from, cal_from_ymd(2025, 8, 10));
	assert_int_equal(o->status, OCC_TENTATIVE);
	assert_non_null(strstr(o->title, "約3か月"));
	/* Monthly while open; the closed case stops at its close. */
	/* n2 is due Sunday 6/1: a deadline moves back to Friday. */
	o = find(&l, "cs.rep.fy2025.n2.case-A-002@koyomi");
	assert_non_null(o);
	assert_int_equal(o->start, cal_from_ymd(2025, 5, 30));
	assert_null(find(&l, "cs.rep.fy2025.n3.case-A-002@koyomi"));
	/* Closed on Sunday 6/15: the end report is due the Monday after. */
	o = find(&l, "cs.end.fy2025.case-A-002@koyomi");
	assert_non_null(o);
	assert_int_equal(o->start, cal_from_ymd(2025, 6, 16));
	assert_int_equal(o->moved_from, cal_from_ymd(2025, 6, 15));
	assert_null(find(&l, "cs.end.fy2025.case-A-001@koyomi"));
	occ_list_free(&l);
	rules_free(r);
}

static void
test_deterministic_and_stable(void **state)
{
	struct rules		*r = must_load_warned(RULES);
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

static const char MORE[] =
"organisations:\n"
"  - {id: o1, name: 甲県, type: prefecture}\n"
"  - {id: o2, name: 乙県, type: prefecture}\n"
"  - {id: o3, name: 丙市, type: municipality}\n"
"groups:\n"
"  - {id: kanto, name: 関東ブロック, members: [o1, o2], attrs: {host: 甲市}}\n"
"  - {id: all, name: 全自治体, members: [kanto, o3]}\n"
"  - id: part\n"
"    name: 参加自治体\n"
"    from_responses: {item: a/intent, fy_offset: 0, answers: [参加]}\n"
"policies:\n"
"  - {id: std, steps: [-7d, -1bd]}\n"
"  - {id: fast, steps: [-1d]}\n"
"cycles:\n"
"  - id: a\n"
"    title: 甲\n"
"    from_fy: 2025\n"
"    policy: std\n"
"    items:\n"
"      - id: intent\n"
"        kind: deadline\n"
"        title: 参加意向\n"
"        date: 2025-02-20\n"
"        fy_shift: -1\n"
"        assignees: all\n"
"        response: {options: [参加, 不参加]}\n"
"      - {id: later, kind: milestone, title: 準備, date: 9月以降}\n"
"      - {id: fyend, kind: deadline, title: 実績報告, date: 年度末,\n"
"         assignees: [o3], policy: fast}\n"
"      - {id: early, kind: meeting, title: 打合せ, date: 1月上旬}\n"
"      - {id: era, kind: training, title: 研修, date: 令和8年1月頃}\n"
"      - {id: win, kind: meeting, title: 検討会,\n"
"         window: {from: 7月, to: 9月, consecutive: 3, business: true}}\n"
"      - {id: win2, kind: meeting, title: ブロック会議, date: 7～10月,\n"
"         window: {consecutive: 2}}\n"
"      - id: joint\n"
"        kind: meeting\n"
"        title: 合同会議\n"
"        date: 2025-06-20\n"
"        time: \"13:00-17:00\"\n"
"        door: \"12:45\"\n"
"        location: 都内\n"
"        online: hybrid\n"
"        audience: part\n"
"        before: [sheet]\n"
"        after: [survey]\n"
"      - {id: sheet, kind: deadline, title: 情報共有シート, assignees: [o1],\n"
"         relative: {to: joint, offset: -10bd}}\n"
"      - {id: survey, kind: survey, title: 事後アンケート, relative: {to: joint, offset: +2w}}\n"
"      - {id: remind, kind: milestone, title: 直前確認, relative: {to: joint, offset: -2h}}\n"
"      - {id: web, kind: training, title: オンライン研修, date: 2025-09-05,\n"
"         online: true}\n"
"      - id: perpart\n"
"        kind: hearing\n"
"        title: ヒアリング（{member.name}・{group.host}）\n"
"        per: part\n"
"        date: 4月中\n"
"      - {id: closed, kind: deadline, title: 提出, date: 2月11日, adjust: previous,\n"
"         due: \"12:00\", assignees: [o1]}\n"
"      - {id: closed2, kind: deadline, title: 提出2, date: 2月11日, adjust: next,\n"
"         assignees: [o1]}\n"
"      - {id: quarter, kind: goal, title: 訪問, frequency: {min: 1, per: quarter}}\n"
"      - {id: weekly, kind: meeting, title: 朝会, repeat: {freq: weekly, weekday: 月}}\n"
"      - {id: lastfri, kind: meeting, title: 月末会議,\n"
"         repeat: {freq: monthly, nth: -1, weekday: 金}}\n"
"      - {id: qtr, kind: meeting, title: 四半期会議, repeat: {freq: quarterly, day: 15}}\n"
"      - {id: fromoct, kind: meeting, title: 定例会, date: 10月1日,\n"
"         repeat: {freq: monthly, day: 1}}\n"
"      - {id: anytime, kind: visit, title: 現地支援, adhoc: true}\n"
"      - id: moved\n"
"        kind: meeting\n"
"        title: 報告会\n"
"        date: 3月頃\n"
"        fy: {2025: {date: 2026-04-03}}\n"
"  - id: b\n"
"    title: 乙\n"
"    from_fy: 2025\n"
"    items:\n"
"      - {id: follow, kind: meeting, title: 振り返り, relative: {to: a/joint, offset: +1mo}}\n";

static void
span_is(const struct occ *o, int y0, int m0, int d0, int y1, int m1, int d1)
{
	assert_int_equal(o->start, cal_from_ymd(y0, m0, d0));
	assert_int_equal(o->end, cal_from_ymd(y1, m1, d1));
}

static void
test_more_forms(void **state)
{
	struct rules		*r = must_load_warned(MORE);
	struct rules_expand_ctx	 x = { 0 };
	struct occ_list		 l;
	const struct occ	*o;

	(void)state;
	expand(r, 2025, &x, &l);
	/* An exact date with fy_shift: dated in FY2024, belongs to FY2025. */
	assert_null(find(&l, "a.intent.fy2025@koyomi"));
	occ_list_free(&l);
	expand(r, 2024, &x, &l);
	o = must(&l, "a.intent.fy2025@koyomi");
	assert_int_equal(o->fy, 2025);
	span_is(o, 2025, 2, 20, 2025, 2, 20);
	assert_int_equal(o->nassignees, 3);	/* groups flattened */
	assert_string_equal(o->assignees[2], "o3");
	assert_string_equal(o->policy->id, "std");	/* the cycle's */
	assert_null(find(&l, "a.later.fy2024@koyomi"));	/* before from_fy */
	occ_list_free(&l);

	expand(r, 2025, &x, &l);
	o = must(&l, "a.later.fy2025@koyomi");
	span_is(o, 2025, 9, 1, 2026, 3, 31);
	assert_string_equal(o->title, "準備（9月以降・日程調整中）");
	o = must(&l, "a.fyend.fy2025@koyomi");
	span_is(o, 2026, 3, 31, 2026, 3, 31);
	assert_int_equal(o->status, OCC_CONFIRMED);
	assert_string_equal(o->policy->id, "fast");
	o = must(&l, "a.early.fy2025@koyomi");
	span_is(o, 2026, 1, 1, 2026, 1, 10);
	o = must(&l, "a.era.fy2025@koyomi");
	span_is(o, 2026, 1, 1, 2026, 1, 31);
	assert_string_equal(o->approx, "1月頃");
	o = must(&l, "a.win.fy2025@koyomi");
	span_is(o, 2025, 7, 1, 2025, 9, 30);
	assert_string_equal(o->approx, "7～9月のうち連続した3営業日");
	assert_int_equal(o->status, OCC_TENTATIVE);
	o = must(&l, "a.win2.fy2025@koyomi");
	span_is(o, 2025, 7, 1, 2025, 10, 31);
	assert_string_equal(o->title,
	    "ブロック会議（7～10月のうち連続した2日間・日程調整中）");
	/* A dated fy override may leave its fiscal year (check warns)... */
	assert_null(find(&l, "a.moved.fy2025@koyomi"));
	occ_list_free(&l);
	/* The year-qualified form exists only in its own fiscal year. */
	expand(r, 2026, &x, &l);
	assert_null(find(&l, "a.era.fy2026@koyomi"));
	assert_non_null(find(&l, "a.early.fy2026@koyomi"));
	/* ...and then shows in FY2026's days, keeping its FY2025 UID. */
	o = must(&l, "a.moved.fy2025@koyomi");
	assert_int_equal(o->fy, 2025);
	span_is(o, 2026, 4, 3, 2026, 4, 3);
	/* A day replaces the 頃: no label, no longer approximate. */
	assert_int_equal(o->status, OCC_CONFIRMED);
	assert_string_equal(o->title, "報告会");
	occ_list_free(&l);
	rules_free(r);
}

static void
test_relative_and_text(void **state)
{
	struct rules		*r = must_load_warned(MORE);
	struct rules_answer	 ans[] = {
		{ "a", "intent", 2025, "o2", "参加" },
		{ "a", "intent", 2025, "o3", "不参加" },
		{ "a", "intent", 2026, "o1", "参加" },
	};
	struct rules_expand_ctx	 x = { 0 };
	struct occ_list		 l;
	const struct occ	*o;

	(void)state;
	x.answers = ans;
	x.nanswers = nitems(ans);
	expand(r, 2025, &x, &l);
	o = must(&l, "a.joint.fy2025@koyomi");
	assert_string_equal(o->location, "都内（オンライン併用）");
	assert_non_null(strstr(o->description, "入室 12:45～"));
	assert_non_null(strstr(o->description, "対象：参加自治体"));
	/* 2025-06-20 minus 10 business days = 2025-06-06 (金). */
	assert_non_null(strstr(o->description,
	    "事前提出：情報共有シート（期限 令和7年6月6日（金））"));
	assert_non_null(strstr(o->description,
	    "事後提出：事後アンケート（令和7年7月4日（金））"));
	o = must(&l, "a.sheet.fy2025@koyomi");
	span_is(o, 2025, 6, 6, 2025, 6, 6);
	assert_true(o->is_deadline);
	assert_int_equal(o->start_secs, -1);
	o = must(&l, "a.remind.fy2025@koyomi");
	span_is(o, 2025, 6, 20, 2025, 6, 20);
	assert_int_equal(o->start_secs, 11 * 3600);
	/* Across cycles: b/follow a month after a/joint. */
	o = must(&l, "b.follow.fy2025@koyomi");
	/* 7/20 is a Sunday and 7/21 海の日: the meeting moves to 7/22. */
	span_is(o, 2025, 7, 22, 2025, 7, 22);
	assert_int_equal(o->moved_from, cal_from_ymd(2025, 7, 20));
	o = must(&l, "a.web.fy2025@koyomi");
	assert_string_equal(o->location, "オンライン");
	/* A dynamic group from FY2025's answers, with the block's host. */
	o = must(&l, "a.perpart.fy2025.o2@koyomi");
	assert_string_equal(o->title,
	    "ヒアリング（乙県・甲市）（4月中・日程調整中）");
	assert_string_equal(o->member, "o2");
	assert_null(find(&l, "a.perpart.fy2025.o1@koyomi"));
	assert_null(find(&l, "a.perpart.fy2025.o3@koyomi"));
	/* 2026-02-11 is 建国記念の日: previous → 2/10, next → 2/12. */
	o = must(&l, "a.closed.fy2025@koyomi");
	span_is(o, 2026, 2, 10, 2026, 2, 10);
	assert_int_equal(o->due_secs, 12 * 3600);
	o = must(&l, "a.closed2.fy2025@koyomi");
	span_is(o, 2026, 2, 12, 2026, 2, 12);
	assert_int_equal(o->due_secs, 17 * 3600);
	/* The adhoc item is listed, undated, last. */
	o = &l.v[l.n - 1];
	assert_true(o->adhoc);
	assert_string_equal(o->uid, "a.anytime.fy2025@koyomi");
	occ_list_free(&l);
	expand(r, 2026, &x, &l);
	assert_non_null(find(&l, "a.perpart.fy2026.o1@koyomi"));
	assert_null(find(&l, "a.perpart.fy2026.o2@koyomi"));
	occ_list_free(&l);
	rules_free(r);
}

static void
test_repeat_and_frequency(void **state)
{
	struct rules		*r = must_load_warned(MORE);
	struct rules_expand_ctx	 x = { 0 };
	struct occ_list		 l;
	const struct occ	*o;
	size_t			 i, weeks = 0;

	(void)state;
	expand(r, 2025, &x, &l);
	/* One check at the end of each quarter, counted as a deadline. */
	o = must(&l, "a.quarter.fy2025.n1@koyomi");
	span_is(o, 2025, 6, 30, 2025, 6, 30);
	assert_true(o->is_deadline);
	/* The period's end is koyomi's choice: assumed, never confirmed. */
	assert_string_equal(o->title, "訪問（3か月に1回以上）（想定）");
	assert_int_equal(o->certainty, OCC_CERT_ASSUMED);
	assert_int_equal(o->status, OCC_TENTATIVE);
	o = must(&l, "a.quarter.fy2025.n4@koyomi");
	span_is(o, 2026, 3, 31, 2026, 3, 31);
	assert_null(find(&l, "a.quarter.fy2025.n5@koyomi"));
	/*
	 * Mondays of FY2025: 2025-04-07 … 2026-03-30, 52 of them. One on a
	 * holiday moves to the next business day (5/5 こどもの日 → 5/7, as
	 * 5/6 is a 振替休日); 12/29 (年末年始) would land on 1/5, the next
	 * one's day, so it is cancelled on its own day instead.
	 */
	for (i = 0; i < l.n; i++)
		if (strcmp(l.v[i].item_id, "weekly") == 0) {
			o = &l.v[i];
			assert_int_equal(cal_weekday(o->moved ? o->moved_from :
			    o->start), 1);
			if (o->status != OCC_CANCELLED)
				assert_true(cal_is_business(o->start));
			weeks++;
		}
	assert_int_equal(weeks, 52);
	o = must(&l, "a.weekly.fy2025.n5@koyomi");
	span_is(o, 2025, 5, 7, 2025, 5, 7);
	assert_string_equal(o->closed_name, "こどもの日");
	o = must(&l, "a.weekly.fy2025.n39@koyomi");
	span_is(o, 2025, 12, 29, 2025, 12, 29);
	assert_int_equal(o->status, OCC_CANCELLED);
	assert_non_null(strstr(o->description, "休み"));
	assert_int_equal(must(&l, "a.weekly.fy2025.n40@koyomi")->start,
	    cal_from_ymd(2026, 1, 5));
	span_is(must(&l, "a.weekly.fy2025.n1@koyomi"), 2025, 4, 7, 2025, 4, 7);
	/* Last Friday: 2025-04-25, 2026-03-27. */
	span_is(must(&l, "a.lastfri.fy2025.n1@koyomi"), 2025, 4, 25,
	    2025, 4, 25);
	span_is(must(&l, "a.lastfri.fy2025.n12@koyomi"), 2026, 3, 27,
	    2026, 3, 27);
	span_is(must(&l, "a.qtr.fy2025.n2@koyomi"), 2025, 7, 15, 2025, 7, 15);
	span_is(must(&l, "a.qtr.fy2025.n4@koyomi"), 2026, 1, 15, 2026, 1, 15);
	assert_null(find(&l, "a.qtr.fy2025.n5@koyomi"));
	/* A date beside the repeat is where it begins (October = n7). */
	assert_null(find(&l, "a.fromoct.fy2025.n6@koyomi"));
	span_is(must(&l, "a.fromoct.fy2025.n7@koyomi"), 2025, 10, 1,
	    2025, 10, 1);
	assert_non_null(find(&l, "a.fromoct.fy2025.n12@koyomi"));
	occ_list_free(&l);
	rules_free(r);
}

/* MORE with one text replaced (it must occur). */
static char *
variant(const char *from, const char *to)
{
	const char	*p = strstr(MORE, from);
	char		*s;

	assert_non_null(p);
	s = xcalloc(1, sizeof MORE + strlen(to));
	memcpy(s, MORE, (size_t)(p - MORE));
	strcat(s, to);
	strcat(s, p + strlen(from));
	return s;
}

static void
test_uid_stable_when_a_date_moves(void **state)
{
	struct rules		*r1 = must_load_warned(MORE), *r2;
	char			*text = variant("date: 2025-06-20", "date: 2025-06-27");
	struct rules_expand_ctx	 x = { 0 };
	struct occ_list		 a, b;
	const struct occ	*o1, *o2;
	size_t			 i;

	(void)state;
	r2 = must_load_warned(text);
	expand(r1, 2025, &x, &a);
	expand(r2, 2025, &x, &b);
	assert_int_equal(a.n, b.n);
	o1 = must(&a, "a.joint.fy2025@koyomi");
	o2 = must(&b, "a.joint.fy2025@koyomi");
	assert_int_not_equal(o1->start, o2->start);
	assert_string_not_equal(o1->hash, o2->hash);
	/* What follows the meeting moves with it, under the same UIDs. */
	o1 = must(&a, "a.sheet.fy2025@koyomi");
	o2 = must(&b, "a.sheet.fy2025@koyomi");
	assert_int_equal(o2->start, o1->start + 7);
	/* Unrelated occurrences keep their hash. */
	for (i = 0; i < a.n; i++) {
		if (strcmp(a.v[i].item_id, "weekly") != 0)
			continue;
		o2 = must(&b, a.v[i].uid);
		assert_string_equal(a.v[i].hash, o2->hash);
	}
	/* Every UID is unique. */
	for (i = 1; i < a.n; i++)
		assert_true(find(&a, a.v[i].uid) == &a.v[i]);
	occ_list_free(&a);
	occ_list_free(&b);
	rules_free(r1);
	rules_free(r2);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_answers_and_cases),
		cmocka_unit_test(test_deterministic_and_stable),
		cmocka_unit_test(test_more_forms),
		cmocka_unit_test(test_relative_and_text),
		cmocka_unit_test(test_repeat_and_frequency),
		cmocka_unit_test(test_uid_stable_when_a_date_moves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
