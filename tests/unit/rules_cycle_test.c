/*
 * rules_cycle_test.c — cycle keys that change how a cycle expands:
 * `timezone` (parsed, an unknown zone is a located error, timed
 * occurrences and due times converted into the calendar's zone) and
 * `fy_start` (a fiscal year that is not April–March).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules/rules.h"

#define RULES_FIXTURE_FILE	"z.yaml"
#include "tests/unit/rules_fixture.h"

static const char ZONED[] =
"organisations:\n"
"  - {id: o1, name: 甲県}\n"
"cycles:\n"
"  - id: utc\n"
"    title: UTC で書いた周期\n"
"    timezone: UTC\n"
"    from_fy: 2025\n"
"    until_fy: 2025\n"
"    items:\n"
"      - {id: call, kind: meeting, title: 電話会議, date: 2025-06-10,\n"
"         time: \"16:00-17:30\"}\n"
"      - {id: late, kind: meeting, title: 夜の会議, date: 2025-06-10,\n"
"         time: \"20:00-21:00\"}\n"
"      - {id: allday, kind: meeting, title: 終日, date: 2025-06-10}\n"
"      - {id: due, kind: deadline, title: 提出, date: 2025-06-10,\n"
"         due: \"17:00\", assignees: [o1]}\n"
"  - id: tokyo\n"
"    title: 東京の周期\n"
"    timezone: Asia/Tokyo\n"
"    from_fy: 2025\n"
"    until_fy: 2025\n"
"    items:\n"
"      - {id: m, kind: meeting, title: 会議, date: 2025-06-10,\n"
"         time: \"10:00-12:00\"}\n";

static void
test_timezone_converts(void **state)
{
	struct rules		*r = must_load(ZONED);
	struct rules_expand_ctx	 x = { 0 };
	struct rules_diag	 d;
	struct occ_list		 l;
	const struct occ	*o;
	struct cal_zone		*utcz;

	(void)state;
	assert_string_equal(rules_find_cycle(r, "utc")->timezone, "UTC");
	rules_diag_init(&d);
	/* No zone given: the calendar's is Asia/Tokyo. */
	assert_int_equal(rules_expand(r, cal_from_ymd(2025, 4, 1),
	    cal_from_ymd(2026, 3, 31), &x, &l, &d), 0);
	o = must(&l, "utc.call.fy2025@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 6, 11));	/* 01:00 JST */
	assert_int_equal(o->start_secs, 1 * 3600);
	assert_int_equal(o->end, cal_from_ymd(2025, 6, 11));
	assert_int_equal(o->end_secs, 2 * 3600 + 1800);
	o = must(&l, "utc.late.fy2025@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 6, 11));
	assert_int_equal(o->start_secs, 5 * 3600);
	/* A date is a date in any zone. */
	o = must(&l, "utc.allday.fy2025@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 6, 10));
	assert_int_equal(o->start_secs, -1);
	/* Due 17:00 UTC is 02:00 the next day in Tokyo. */
	o = must(&l, "utc.due.fy2025@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 6, 11));
	assert_int_equal(o->end, cal_from_ymd(2025, 6, 11));
	assert_int_equal(o->due_secs, 2 * 3600);
	o = must(&l, "tokyo.m.fy2025@koyomi");
	assert_int_equal(o->start_secs, 10 * 3600);
	occ_list_free(&l);
	/* A calendar in UTC: the UTC cycle is as written, Tokyo moves. */
	x.zone = utcz = cal_zone_new("UTC", NULL);
	assert_int_equal(rules_expand(r, cal_from_ymd(2025, 4, 1),
	    cal_from_ymd(2026, 3, 31), &x, &l, &d), 0);
	o = must(&l, "utc.call.fy2025@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 6, 10));
	assert_int_equal(o->start_secs, 16 * 3600);
	o = must(&l, "tokyo.m.fy2025@koyomi");
	assert_int_equal(o->start_secs, 1 * 3600);
	occ_list_free(&l);
	cal_zone_free(utcz);
	rules_diag_free(&d);
	rules_free(r);
}

static void
test_timezone_errors(void **state)
{
	static const char bad[] =
	    "cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    timezone: Asia/Tokio\n"
	    "    items:\n"
	    "      - {id: a, kind: meeting, title: a, date: 6月頃}\n";
	static const char path[] =
	    "cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    timezone: /etc/passwd\n"
	    "    items:\n"
	    "      - {id: a, kind: meeting, title: a, date: 6月頃}\n";
	static const char typo[] =
	    "cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    timezon: UTC\n"
	    "    items:\n"
	    "      - {id: a, kind: meeting, title: a, date: 6月頃}\n";
	struct rules_diag	 d;

	(void)state;
	assert_null(load(bad, &d));
	assert_int_equal(d.nerrors, 1);
	assert_non_null(strstr(d.msgs[0], "z.yaml:4:15: error: 'timezone': "
	    "unknown time zone 'Asia/Tokio'"));
	rules_diag_free(&d);
	assert_null(load(path, &d));
	assert_non_null(strstr(d.msgs[0], "z.yaml:4:15: error: 'timezone'"));
	rules_diag_free(&d);
	assert_null(load(typo, &d));
	assert_non_null(strstr(d.msgs[0], "did you mean 'timezone'?"));
	rules_diag_free(&d);
}

/* A calendar-year cycle: FY Y is January–December Y. */
static void
test_fy_start(void **state)
{
	static const char cal_year[] =
	    "cycles:\n"
	    "  - id: cy\n"
	    "    title: 暦年\n"
	    "    fy_start: 1\n"
	    "    from_fy: 2025\n"
	    "    until_fy: 2025\n"
	    "    items:\n"
	    "      - {id: jan, kind: meeting, title: 一月, date: 1月頃}\n"
	    "      - {id: end, kind: deadline, title: 年末, date: 年度末}\n"
	    "      - {id: any, kind: visit, title: 随時, adhoc: true}\n";
	struct rules		*r = must_load(cal_year);
	struct rules_expand_ctx	 x = { 0 };
	struct rules_diag	 d;
	struct occ_list		 l;
	const struct occ	*o;

	(void)state;
	rules_diag_init(&d);
	assert_int_equal(rules_expand(r, cal_from_ymd(2025, 1, 1),
	    cal_from_ymd(2025, 12, 31), &x, &l, &d), 0);
	o = must(&l, "cy.jan.fy2025@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 1, 1));
	/* 年度末 of a calendar-year cycle is 12/31, a 年末年始 closed day:
	 * the deadline falls due the last business day before it. */
	o = must(&l, "cy.end.fy2025@koyomi");
	assert_int_equal(o->start, cal_from_ymd(2025, 12, 26));
	assert_int_equal(o->moved_from, cal_from_ymd(2025, 12, 31));
	assert_string_equal(o->closed_name, "年末年始");
	assert_true(must(&l, "cy.any.fy2025@koyomi")->adhoc);
	occ_list_free(&l);
	/* January–March 2025 lie in FY2025 of this cycle (in April fiscal
	 * years they would be FY2024): its adhoc item is listed. */
	assert_int_equal(rules_expand(r, cal_from_ymd(2025, 1, 1),
	    cal_from_ymd(2025, 3, 31), &x, &l, &d), 0);
	assert_true(must(&l, "cy.any.fy2025@koyomi")->adhoc);
	occ_list_free(&l);
	rules_diag_free(&d);
	rules_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timezone_converts),
		cmocka_unit_test(test_timezone_errors),
		cmocka_unit_test(test_fy_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
