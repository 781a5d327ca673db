/*
 * rules_target_test.c — minimum-frequency targets checked by count:
 * `counts` items per period (plan's numbers, check's located warnings),
 * per-member targets, targets counted by their own tasks (one per
 * required occurrence), and who tracks a target nobody is named for.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules/rules.h"

#define RULES_FIXTURE_FILE	"f.yaml"
#include "tests/unit/rules_fixture.h"

static const char RULES[] =
"organisations:\n"
"  - {id: ken, name: 県}\n"
"  - {id: a1, name: 甲圏域}\n"
"  - {id: a2, name: 乙圏域}\n"
"groups:\n"
"  - {id: areas, members: [a1, a2]}\n"
"cycles:\n"
"  - id: c\n"
"    title: t\n"
"    organiser: ken\n"
"    from_fy: 2025\n"
"    items:\n"
"      - {id: meet, kind: meeting, title: 委員会, dates: [5月頃, 11月頃]}\n"
"      - {id: gone, kind: meeting, title: 中止, date: 8月頃,\n"
"         fy: {2025: {cancel: true}}}\n"
"      - id: committee\n"
"        kind: meeting\n"
"        title: 委員会（3か月に1回以上）\n"
"        frequency: {min: 1, per: quarter, counts: [meet, gone]}\n"
"      - {id: kenshu, kind: training, title: 研修, per: areas, date: 9月頃,\n"
"         members: {a2: {date: 4月頃}}}\n"
"      - id: area-target\n"
"        kind: training\n"
"        title: 地域研修\n"
"        per: areas\n"
"        frequency: {min: 1, per: fy, counts: kenshu}\n"
"      - {id: peer, kind: meeting, title: ピア, frequency: {min: 2, per: fy}}\n";

static const struct rules_target *
target(const struct rules_target_list *tl, const char *item,
    const char *member, int number)
{
	size_t	 i;

	for (i = 0; i < tl->n; i++)
		if (strcmp(tl->v[i].item_id, item) == 0 &&
		    tl->v[i].number == number &&
		    (member == NULL ? tl->v[i].member == NULL :
		    tl->v[i].member != NULL &&
		    strcmp(tl->v[i].member, member) == 0))
			return &tl->v[i];
	fail_msg("no target %s %s %d", item, member ? member : "-", number);
	return NULL;
}

static void
test_counts(void **state)
{
	struct rules_diag		 d;
	struct rules			*r;
	struct rules_expand_ctx		 x = { 0 };
	struct rules_target_list	 tl;
	const struct rules_target	*t;
	struct buf			 b;

	(void)state;
	r = load(RULES, &d);
	assert_non_null(r);
	assert_int_equal(d.n, 0);
	assert_int_equal(rules_targets(r, cal_fy_first(2025, 4),
	    cal_fy_last(2025, 4), &x, &tl, &d), 0);
	/* 4 quarters + 2 areas + 1 = 7 periods. */
	assert_int_equal(tl.n, 7);
	t = target(&tl, "committee", NULL, 1);
	assert_int_equal(t->counted, 1);		/* 5月頃 */
	assert_int_equal(t->start, cal_from_ymd(2025, 4, 1));
	assert_int_equal(t->end, cal_from_ymd(2025, 6, 30));
	assert_int_equal(target(&tl, "committee", NULL, 2)->counted, 0);
	assert_int_equal(target(&tl, "committee", NULL, 3)->counted, 1);
	assert_int_equal(target(&tl, "committee", NULL, 4)->counted, 0);
	/* Per member: each area's own training counts for it. */
	assert_int_equal(target(&tl, "area-target", "a1", 0)->counted, 1);
	assert_int_equal(target(&tl, "area-target", "a2", 0)->counted, 1);
	assert_int_equal(target(&tl, "peer", NULL, 0)->counted, -1);
	assert_int_equal(target(&tl, "peer", NULL, 0)->min, 2);
	/* check: the two short quarters, at the target's `frequency`. */
	rules_targets_check(r, &tl, &d);
	assert_int_equal(d.nwarnings, 2);
	assert_string_equal(d.msgs[0], "f.yaml:19:9: warning: 'frequency': "
	    "FY2025 Q2 (2025-07-01..2025-09-30) has 0 scheduled occurrences "
	    "of its 'counts', fewer than min 1");
	assert_non_null(strstr(d.msgs[1], "FY2025 Q4 (2026-01-01..2026-03-31)"));
	buf_init(&b);
	rules_targets_text(&tl, &b);
	assert_non_null(strstr(b.data, "2025-07-01..2025-09-30 FY2025 Q2  "
	    "c/committee: 0 scheduled, min 1  SHORT\n"));
	assert_non_null(strstr(b.data, "c/peer: min 2, counted by completing "
	    "its tasks\n"));
	buf_free(&b);
	buf_init(&b);
	rules_targets_json(&tl, &b);
	assert_non_null(strstr(b.data, "\"item\":\"peer\",\"member\":null,"
	    "\"fy\":2025,\"per\":\"fy\",\"number\":0,\"start\":\"2025-04-01\","
	    "\"end\":\"2026-03-31\",\"min\":2,\"scheduled\":null}"));
	buf_free(&b);
	rules_target_list_free(&tl);
	rules_diag_free(&d);
	rules_free(r);
}

static void
test_tasks(void **state)
{
	struct rules_diag	 d;
	struct rules		*r;
	struct rules_expand_ctx	 x = { 0 };
	struct occ_list		 l;
	const struct occ	*o;

	(void)state;
	r = load(RULES, &d);
	assert_non_null(r);
	assert_int_equal(rules_expand(r, cal_fy_first(2025, 4),
	    cal_fy_last(2025, 4), &x, &l, &d), 0);
	/* Nobody named: the cycle's organiser tracks it. */
	o = find(&l, "c.committee.fy2025.n2@koyomi");
	assert_non_null(o);
	assert_true(o->is_deadline);
	assert_int_equal(o->nassignees, 1);
	assert_string_equal(o->assignees[0], "ken");
	/* Per member: the member's. */
	o = find(&l, "c.area-target.fy2025.a2@koyomi");
	assert_non_null(o);
	assert_int_equal(o->nassignees, 1);
	assert_string_equal(o->assignees[0], "a2");
	/* Counted by its tasks: one per required occurrence. */
	o = find(&l, "c.peer.fy2025.n1@koyomi");
	assert_non_null(o);
	assert_string_equal(o->title, "ピア（年2回以上・1回目）（想定）");
	assert_int_equal(o->start, cal_from_ymd(2026, 3, 31));
	o = find(&l, "c.peer.fy2025.n2@koyomi");
	assert_non_null(o);
	assert_string_equal(o->title, "ピア（年2回以上・2回目）（想定）");
	assert_null(find(&l, "c.peer.fy2025.n3@koyomi"));
	assert_null(find(&l, "c.peer.fy2025@koyomi"));
	occ_list_free(&l);
	rules_diag_free(&d);
	rules_free(r);
}

static void
test_errors(void **state)
{
	static const char nobody[] =
	    "cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    items:\n"
	    "      - {id: a, kind: meeting, title: a,\n"
	    "         frequency: {min: 1, per: fy}}\n";
	static const char bad[] =
	    "organisations: [{id: o, name: o}]\n"
	    "cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    organiser: o\n"
	    "    items:\n"
	    "      - {id: a, kind: meeting, title: a,\n"
	    "         frequency: {min: 1, per: fy, counts: [nope]}}\n";
	struct rules_diag	 d;
	struct rules		*r;

	(void)state;
	r = load(nobody, &d);
	assert_non_null(r);
	assert_int_equal(d.nwarnings, 1);
	assert_non_null(strstr(d.msgs[0], "f.yaml:6:10: warning: a "
	    "'frequency' target without 'assignees' in a cycle without "
	    "'organiser'"));
	rules_diag_free(&d);
	rules_free(r);
	assert_null(load(bad, &d));
	assert_non_null(strstr(d.msgs[0], "f.yaml:8:48: error: 'counts': no "
	    "item 'nope' in cycle 'c'"));
	rules_diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_tasks),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
