/*
 * rules_groups_test.c — groups at expansion time: answer groups filtered
 * by the year count given with the answer (`years`), static groups that
 * hold answer groups, and `per` over a group of groups (one occurrence
 * per member group).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules/rules.h"

#define RULES_FIXTURE_FILE	"g.yaml"
#include "tests/unit/rules_fixture.h"

static void
expand(const struct rules *r, int fy, const struct rules_expand_ctx *x,
    struct occ_list *l)
{
	struct rules_diag	 d;
	size_t			 i;

	rules_diag_init(&d);
	assert_int_equal(rules_expand(r, cal_fy_first(fy, 4),
	    cal_fy_last(fy, 4), x, l, &d), 0);
	for (i = 0; i < d.n; i++)
		print_message("%s\n", d.msgs[i]);
	rules_diag_free(&d);
}

static void
test_answer_years(void **state)
{
	(void)state;
	assert_int_equal(rules_answer_years("累計3年目"), 3);
	assert_int_equal(rules_answer_years("３年目"), 3);
	assert_int_equal(rules_answer_years("令和7年度に参加すると累計2年目"), 2);
	assert_int_equal(rules_answer_years("3"), 3);
	assert_int_equal(rules_answer_years(" 12 "), 12);
	assert_int_equal(rules_answer_years("継続"), 0);
	assert_int_equal(rules_answer_years("年目"), 0);
	assert_int_equal(rules_answer_years("2025年目"), 0);
	assert_int_equal(rules_answer_years("0"), 0);
	assert_int_equal(rules_answer_years(""), 0);
	assert_int_equal(rules_answer_years(NULL), 0);
}

static const char HEARING[] =
"organisations:\n"
"  - {id: o1, name: 甲県}\n"
"  - {id: o2, name: 乙県}\n"
"  - {id: o3, name: 丙県}\n"
"  - {id: o4, name: 丁県}\n"
"  - {id: o5, name: 戊県}\n"
"groups:\n"
"  - {id: all, members: [o1, o2, o3, o4, o5]}\n"
"  - id: new\n"
"    from_responses: {item: c/due, answers: [新規]}\n"
"  - id: final\n"
"    from_responses: {item: c/due, answers: [継続], years: {min: 3}}\n"
"  - id: second\n"
"    from_responses: {item: c/due, years: 2}\n"
"  - {id: hearing, name: 新規・最終年度, members: [new, final]}\n"
"  - {id: outer, members: [hearing, o5]}\n"
"cycles:\n"
"  - id: c\n"
"    title: t\n"
"    items:\n"
"      - id: due\n"
"        kind: deadline\n"
"        title: 意向調査\n"
"        date: 2月20日\n"
"        fy_shift: -1\n"
"        assignees: all\n"
"        response: {options: [新規, 継続, 不参加], year_count: true}\n"
"      - {id: h, kind: deadline, title: ヒアリング, date: 4月20日,\n"
"         assignees: hearing}\n"
"      - {id: o, kind: deadline, title: 外, date: 4月21日, assignees: outer}\n"
"      - {id: s, kind: deadline, title: 二年目, date: 4月22日,\n"
"         assignees: second}\n"
"      - {id: p, kind: meeting, title: \"面談（{member.name}）\",\n"
"         date: 5月頃, per: hearing}\n";

static int
has(const struct occ *o, const char *id)
{
	size_t	 i;

	for (i = 0; i < o->nassignees; i++)
		if (strcmp(o->assignees[i], id) == 0)
			return 1;
	return 0;
}

static void
test_years_filter(void **state)
{
	struct rules_answer	 ans[] = {
		{ "c", "due", 2025, "o1", "新規", NULL },
		{ "c", "due", 2025, "o2", "継続", "累計3年目" },
		{ "c", "due", 2025, "o3", "継続", "累計2年目" },
		{ "c", "due", 2025, "o4", "継続", NULL },
		{ "c", "due", 2024, "o5", "継続", "3年目" },	/* other FY */
	};
	struct rules		*r = must_load(HEARING);
	struct rules_expand_ctx	 x = { 0 };
	struct occ_list		 l;
	const struct occ	*o;

	(void)state;
	x.answers = ans;
	x.nanswers = sizeof ans / sizeof ans[0];
	expand(r, 2025, &x, &l);
	/* 新規 and 継続 in the 3rd year; not the 2nd, not without a count. */
	o = must(&l, "c.h.fy2025@koyomi");
	assert_int_equal(o->nassignees, 2);
	assert_true(has(o, "o1") && has(o, "o2"));
	/* A static group holding it: its own members plus the year's. */
	o = must(&l, "c.o.fy2025@koyomi");
	assert_int_equal(o->nassignees, 3);
	assert_true(has(o, "o1") && has(o, "o2") && has(o, "o5"));
	/* `years: 2` with any answer. */
	o = must(&l, "c.s.fy2025@koyomi");
	assert_int_equal(o->nassignees, 1);
	assert_true(has(o, "o3"));
	/* per over a static group of answer groups: one per member org. */
	assert_non_null(must(&l, "c.p.fy2025.o1@koyomi"));
	assert_non_null(must(&l, "c.p.fy2025.o2@koyomi"));
	assert_null(find(&l, "c.p.fy2025.o3@koyomi"));
	occ_list_free(&l);
	rules_free(r);
}

static void
test_years_errors(void **state)
{
	static const char no_count[] =
	    "organisations: [{id: o1, name: a}]\n"
	    "groups:\n"
	    "  - id: g\n"
	    "    from_responses: {item: c/due, years: {min: 3}}\n"
	    "cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    items:\n"
	    "      - {id: due, kind: deadline, title: d, date: 2月20日,\n"
	    "         assignees: [o1], response: {options: [a, b]}}\n";
	static const char bad[] =
	    "groups:\n"
	    "  - id: g\n"
	    "    from_responses: {item: c/due, years: {min: 3, max: 2}}\n"
	    "  - id: h\n"
	    "    from_responses: {item: c/due, years: {}}\n"
	    "  - id: k\n"
	    "    from_responses: {item: c/due, years: {mni: 1}}\n"
	    "cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    items:\n"
	    "      - {id: due, kind: deadline, title: d, date: 2月20日,\n"
	    "         response: {year_count: true}}\n";
	struct rules_diag	 d;

	(void)state;
	assert_null(load(no_count, &d));
	assert_int_equal(d.nerrors, 1);
	assert_non_null(strstr(d.msgs[0], "g.yaml:4:42: error: 'years': "
	    "'c/due' asks for no year count"));
	rules_diag_free(&d);
	assert_null(load(bad, &d));
	assert_int_equal(d.nerrors, 3);
	assert_non_null(strstr(d.msgs[0], "g.yaml:3:42: error: 'years': "
	    "'min' 3 is more than 'max' 2"));
	assert_non_null(strstr(d.msgs[1], "g.yaml:5:42: error: 'years' needs"));
	assert_non_null(strstr(d.msgs[2], "did you mean 'min'?"));
	rules_diag_free(&d);
}

static const char BLOCKS[] =
"organisations:\n"
"  - {id: p1, name: 一県}\n"
"  - {id: p2, name: 二県}\n"
"  - {id: p3, name: 三県}\n"
"  - {id: p4, name: 四県}\n"
"groups:\n"
"  - {id: east, name: 東ブロック, attrs: {block: 東, host: 東京}, members: [p1, p2]}\n"
"  - {id: west, name: 西ブロック, attrs: {block: 西, host: 大阪}, members: [p3, p4]}\n"
"  - {id: blocks, members: [east, west]}\n"
"cycles:\n"
"  - id: c\n"
"    title: t\n"
"    from_fy: 2025\n"
"    items:\n"
"      - id: meet\n"
"        kind: meeting\n"
"        title: ブロック会議（{member.name}・{group.host}）\n"
"        per: {groups: blocks}\n"
"        date: 2025-07-10\n"
"        location: \"{group.block}の会場\"\n"
"        members:\n"
"          west: {date: 2025-07-17}\n"
"      - {id: pre, kind: deadline, title: 事前提出,\n"
"         relative: {to: meet, offset: -10bd}}\n"
"      - {id: pre2, kind: deadline, title: 名簿,\n"
"         relative: {to: meet, offset: -5bd}, assignees: [p1, p3, p4]}\n"
"      - {id: sub, kind: deadline, title: 報告, per: {groups: blocks},\n"
"         date: 2025-08-01}\n"
"      - {id: m, kind: meeting, title: 会議, per: east, date: 2025-06-02}\n"
"      - {id: s, kind: deadline, title: シート,\n"
"         relative: {to: m, offset: -1d}, assignees: east}\n";

static void
assignees_are(const struct occ *o, const char *a, const char *b)
{
	assert_int_equal(o->nassignees, b != NULL ? 2 : 1);
	assert_true(has(o, a));
	if (b != NULL)
		assert_true(has(o, b));
}

static void
test_per_groups(void **state)
{
	struct rules		*r = must_load(BLOCKS);
	struct rules_expand_ctx	 x = { 0 };
	struct occ_list		 l;
	const struct occ	*o;

	(void)state;
	expand(r, 2025, &x, &l);
	/* One per block group, named by it, for it. */
	o = must(&l, "c.meet.fy2025.east@koyomi");
	assert_string_equal(o->title, "ブロック会議（東ブロック・東京）");
	assert_string_equal(o->location, "東の会場");
	assert_string_equal(o->audience, "east");
	assert_string_equal(o->member, "east");
	assert_non_null(strstr(o->description, "対象：東ブロック"));
	/* Its group's organisations take part (private feeds). */
	assert_int_equal(o->nparties, 2);
	assert_true(strcmp(o->parties[0], "p1") == 0 ||
	    strcmp(o->parties[1], "p1") == 0);
	assert_int_equal(o->start, cal_from_ymd(2025, 7, 10));
	o = must(&l, "c.meet.fy2025.west@koyomi");
	assert_string_equal(o->title, "ブロック会議（西ブロック・大阪）");
	assert_int_equal(o->start, cal_from_ymd(2025, 7, 17));
	assert_null(find(&l, "c.meet.fy2025.p1@koyomi"));
	assert_null(find(&l, "c.meet.fy2025@koyomi"));
	/* What follows a block's meeting is that block's. */
	o = must(&l, "c.pre.fy2025.east@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 6, 26));
	assignees_are(o, "p1", "p2");
	o = must(&l, "c.pre.fy2025.west@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 7, 3));
	assignees_are(o, "p3", "p4");
	/* Listed assignees narrowed to the block's. */
	assignees_are(must(&l, "c.pre2.fy2025.east@koyomi"), "p1", NULL);
	assignees_are(must(&l, "c.pre2.fy2025.west@koyomi"), "p3", "p4");
	/* A per-group deadline: the group's organisations. */
	assignees_are(must(&l, "c.sub.fy2025.east@koyomi"), "p1", "p2");
	/* Per organisation: a relative deadline with a group of assignees is
	 * each copy's own organisation, not the whole group every time. */
	assignees_are(must(&l, "c.s.fy2025.p1@koyomi"), "p1", NULL);
	assignees_are(must(&l, "c.s.fy2025.p2@koyomi"), "p2", NULL);
	occ_list_free(&l);
	rules_free(r);
}

static void
test_per_groups_errors(void **state)
{
	static const char bad[] =
	    "organisations: [{id: p1, name: a}]\n"
	    "groups:\n"
	    "  - {id: east, members: [p1]}\n"
	    "  - {id: blocks, members: [east]}\n"
	    "cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    items:\n"
	    "      - id: a\n"
	    "        kind: meeting\n"
	    "        title: a\n"
	    "        date: 6月頃\n"
	    "        per: {groups: blocks}\n"
	    "        members: {p1: {date: 7月頃}}\n"
	    "      - {id: b, kind: meeting, title: b, date: 6月頃,\n"
	    "         per: {grups: blocks}}\n";
	static const char flat[] =
	    "organisations: [{id: p1, name: a}]\n"
	    "groups:\n"
	    "  - {id: east, members: [p1]}\n"
	    "cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    items:\n"
	    "      - {id: a, kind: meeting, title: a, date: 6月頃,\n"
	    "         per: {groups: east}}\n";
	struct rules_diag	 d;
	struct rules		*r;

	(void)state;
	assert_null(load(bad, &d));
	assert_int_equal(d.nerrors, 2);
	assert_non_null(strstr(d.msgs[0], "g.yaml:14:19: error: 'members': "
	    "'p1' is not a group in 'blocks'"));
	assert_non_null(strstr(d.msgs[1], "g.yaml:16:16: error: unknown key "
	    "'grups' in per (did you mean 'groups'?)"));
	rules_diag_free(&d);
	r = load(flat, &d);
	assert_non_null(r);
	assert_int_equal(d.nwarnings, 1);
	assert_non_null(strstr(d.msgs[0], "g.yaml:9:15: warning: 'per': group "
	    "'east' names no groups"));
	rules_diag_free(&d);
	rules_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_years),
		cmocka_unit_test(test_years_filter),
		cmocka_unit_test(test_years_errors),
		cmocka_unit_test(test_per_groups),
		cmocka_unit_test(test_per_groups_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
