/*
 * rules_datespec_test.c — every date form of docs/rules-syntax.md and of
 * seeds-inventory §4 (eras, 元年, dotted forms, spaces, full-width digits,
 * weekdays), their resolution inside fiscal years, offsets and times,
 * and the inputs that must be refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules/datespec.h"

static void
form(const char *s, enum ds_kind k, int y, int m, int d, int wd,
    const char *label)
{
	struct datespec	 ds;
	char		 err[128] = "";

	if (datespec_parse(s, &ds, err, sizeof err) != 0)
		fail_msg("'%s' refused: %s", s, err);
	assert_int_equal(ds.kind, k);
	assert_int_equal(ds.year, y);
	assert_int_equal(ds.month, m);
	assert_int_equal(ds.day, d);
	assert_int_equal(ds.wd, wd);
	assert_string_equal(ds.label, label);
}

static void
bad(const char *s)
{
	struct datespec	 ds;
	char		 err[128] = "";

	if (datespec_parse(s, &ds, err, sizeof err) != -1)
		fail_msg("'%s' accepted", s);
	assert_true(err[0] != '\0');
}

static void
test_exact(void **state)
{
	(void)state;
	form("2025-01-16", DS_EXACT, 2025, 1, 16, -1, "");
	form("令和7年1月16日（木）", DS_EXACT, 2025, 1, 16, 4, "");
	form("令和7年2月20日(木)", DS_EXACT, 2025, 2, 20, 4, "");
	form("R7.1.16", DS_EXACT, 2025, 1, 16, -1, "");
	form("R7.5.15", DS_EXACT, 2025, 5, 15, -1, "");
	form("R7年1月16日", DS_EXACT, 2025, 1, 16, -1, "");
	form("R6年5月20日", DS_EXACT, 2024, 5, 20, -1, "");
	form("令和元年5月1日", DS_EXACT, 2019, 5, 1, -1, "");
	form("平成 31 年 2 月 28 日", DS_EXACT, 2019, 2, 28, -1, "");
	form("令和７年２月２０日（木）", DS_EXACT, 2025, 2, 20, 4, "");
	form("２０２５－０３－１８", DS_EXACT, 2025, 3, 18, -1, "");
	/* Without a year: month-day in each fiscal year, weekday carried. */
	form("1月16日", DS_EXACT, 0, 1, 16, -1, "");
	form("1月16日（木）", DS_EXACT, 0, 1, 16, 4, "");
	form("12月20日(金)", DS_EXACT, 0, 12, 20, 5, "");
	form("1月24日(金)", DS_EXACT, 0, 1, 24, 5, "");
	form("01-16", DS_EXACT, 0, 1, 16, -1, "");
	form("2月29日", DS_EXACT, 0, 2, 29, -1, "");
	form("２月２０日（金）", DS_EXACT, 0, 2, 20, 5, "");
}

static void
test_approximate(void **state)
{
	(void)state;
	form("6月頃", DS_APPROX, 0, 6, 0, -1, "6月頃");
	form("６月頃", DS_APPROX, 0, 6, 0, -1, "6月頃");
	form("4月中", DS_WITHIN, 0, 4, 0, -1, "4月中");
	form("令和7年4月中", DS_WITHIN, 2025, 4, 0, -1, "4月中");
	form("1月上旬", DS_PART, 0, 1, 0, -1, "1月上旬");
	form("1月中旬", DS_PART, 0, 1, 0, -1, "1月中旬");
	form("1月下旬", DS_PART, 0, 1, 0, -1, "1月下旬");
	form("7～10月", DS_WINDOW, 0, 7, 0, -1, "7～10月");
	form("7〜10月", DS_WINDOW, 0, 7, 0, -1, "7～10月");
	form("7-10月", DS_WINDOW, 0, 7, 0, -1, "7～10月");
	form("７～１０月", DS_WINDOW, 0, 7, 0, -1, "7～10月");
	form("9月以降", DS_FROM, 0, 9, 0, -1, "9月以降");
	form("令和7年9月以降", DS_FROM, 2025, 9, 0, -1, "9月以降");
	form("令和7年4月以降", DS_FROM, 2025, 4, 0, -1, "4月以降");
	form("年度末", DS_FYEND, 0, 0, 0, -1, "年度末");
	form("令和8年1月頃", DS_APPROX, 2026, 1, 0, -1, "1月頃");
	form("R8.1頃", DS_APPROX, 2026, 1, 0, -1, "1月頃");
	form("2026年1月頃", DS_APPROX, 2026, 1, 0, -1, "1月頃");
}

static void
test_refused(void **state)
{
	(void)state;
	bad("");
	bad("2025-02-30");
	bad("2025-13-01");
	bad("2月30日");
	bad("13月頃");
	bad("0月頃");
	bad("6月");		/* a bare month says nothing about the day */
	bad("June 1");
	bad("そのうち");
	bad("7～13月");
	bad("6月頃頃");
	bad("令和7年度");
	bad("2025-01-16 extra");
}

static void
span(const char *s, int fy, int rc, cal_day first, cal_day last)
{
	struct datespec	 ds;
	char		 err[128];
	cal_day		 a = 0, b = 0;

	assert_int_equal(datespec_parse(s, &ds, err, sizeof err), 0);
	assert_int_equal(datespec_resolve(&ds, fy, 4, &a, &b), rc);
	if (rc != 1)
		return;
	assert_int_equal(a, first);
	assert_int_equal(b, last);
}

static void
test_resolve(void **state)
{
	struct datespec	 ds;
	char		 err[128];
	cal_day		 a, b;

	(void)state;
	/* 1–3月 of a fiscal year lie in the next calendar year. */
	span("1月16日", 2025, 1, cal_from_ymd(2026, 1, 16),
	    cal_from_ymd(2026, 1, 16));
	span("4月1日", 2025, 1, cal_from_ymd(2025, 4, 1),
	    cal_from_ymd(2025, 4, 1));
	span("6月頃", 2025, 1, cal_from_ymd(2025, 6, 1),
	    cal_from_ymd(2025, 6, 30));
	span("2月頃", 2025, 1, cal_from_ymd(2026, 2, 1),
	    cal_from_ymd(2026, 2, 28));
	span("1月上旬", 2025, 1, cal_from_ymd(2026, 1, 1),
	    cal_from_ymd(2026, 1, 10));
	span("1月中旬", 2025, 1, cal_from_ymd(2026, 1, 11),
	    cal_from_ymd(2026, 1, 20));
	span("2月下旬", 2027, 1, cal_from_ymd(2028, 2, 21),
	    cal_from_ymd(2028, 2, 29));
	span("7～10月", 2025, 1, cal_from_ymd(2025, 7, 1),
	    cal_from_ymd(2025, 10, 31));
	span("11～2月", 2025, 1, cal_from_ymd(2025, 11, 1),
	    cal_from_ymd(2026, 2, 28));
	span("9月以降", 2025, 1, cal_from_ymd(2025, 9, 1),
	    cal_from_ymd(2026, 3, 31));
	span("年度末", 2025, 1, cal_from_ymd(2026, 3, 31),
	    cal_from_ymd(2026, 3, 31));
	/* A year-qualified form belongs to the one fiscal year holding it. */
	span("令和8年1月頃", 2025, 1, cal_from_ymd(2026, 1, 1),
	    cal_from_ymd(2026, 1, 31));
	span("令和8年1月頃", 2026, 0, 0, 0);
	span("2025-01-16", 2024, 1, cal_from_ymd(2025, 1, 16),
	    cal_from_ymd(2025, 1, 16));
	span("2025-01-16", 2025, 0, 0, 0);
	/* 2月29日 exists only in leap years. */
	span("2月29日", 2023, 1, cal_from_ymd(2024, 2, 29),
	    cal_from_ymd(2024, 2, 29));
	span("2月29日", 2024, -1, 0, 0);
	/* Another start month: a calendar fiscal year. */
	assert_int_equal(datespec_parse("2月頃", &ds, err, sizeof err), 0);
	assert_int_equal(datespec_resolve(&ds, 2025, 1, &a, &b), 1);
	assert_int_equal(a, cal_from_ymd(2025, 2, 1));
	assert_true(datespec_tentative(&ds));
	assert_int_equal(datespec_parse("年度末", &ds, err, sizeof err), 0);
	assert_int_equal(datespec_resolve(&ds, 2025, 1, &a, &b), 1);
	assert_int_equal(a, cal_from_ymd(2025, 12, 31));
	assert_false(datespec_tentative(&ds));
}

static void
offset(const char *s, int n, enum rules_unit u, int at)
{
	struct rules_offset	 o;
	char			 err[128] = "";

	if (datespec_parse_offset(s, &o, err, sizeof err) != 0)
		fail_msg("'%s' refused: %s", s, err);
	assert_int_equal(o.n, n);
	assert_int_equal(o.unit, u);
	assert_int_equal(o.at_secs, at);
}

static void
test_offsets(void **state)
{
	struct rules_offset	 o;
	char			 err[128];
	static const char *const refused[] = { "", "10", "bd", "-10x",
	    "1234567d", "+-3d", "2h 09:00", "3mo 25:00", "1d 9", "3d extra",
	    "-1.5d" };
	size_t			 i;

	(void)state;
	offset("-10bd", -10, RU_BDAY, -1);
	offset("+3mo", 3, RU_MONTH, -1);
	offset("-14d", -14, RU_DAY, -1);
	offset("+2w", 2, RU_WEEK, -1);
	offset("-2h", -2, RU_HOUR, -1);
	offset("-30min", -30, RU_MIN, -1);
	offset("-20s", -20, RU_SEC, -1);
	offset("3bd", 3, RU_BDAY, -1);
	offset("0d 09:00", 0, RU_DAY, 9 * 3600);
	offset("-1bd 17:30", -1, RU_BDAY, 17 * 3600 + 1800);
	offset("－１０ｂｄ", -10, RU_BDAY, -1);
	offset("999999d", 999999, RU_DAY, -1);
	for (i = 0; i < nitems(refused); i++) {
		err[0] = '\0';
		if (datespec_parse_offset(refused[i], &o, err, sizeof err) != -1)
			fail_msg("offset '%s' accepted", refused[i]);
		assert_true(err[0] != '\0');
	}
}

static void
test_times(void **state)
{
	static const char *const refused[] = { "", "16:30-10:00",
	    "10:00-10:00", "25:00", "10:60", "10-16", "10:00-", "10:00/16:00",
	    "10:00-24:30", "9:5", "10:00-16:30 x" };
	char	 err[128];
	int	 a, b;
	size_t	 i;

	(void)state;
	assert_int_equal(datespec_parse_timerange("10:00-16:30", &a, &b, err,
	    sizeof err), 0);
	assert_int_equal(a, 36000);
	assert_int_equal(b, 16 * 3600 + 1800);
	assert_int_equal(datespec_parse_timerange("9:00～13:00", &a, &b, err,
	    sizeof err), 0);
	assert_int_equal(a, 9 * 3600);
	assert_int_equal(b, 13 * 3600);
	assert_int_equal(datespec_parse_timerange("１０：００〜１６：３０", &a,
	    &b, err, sizeof err), 0);
	assert_int_equal(b, 16 * 3600 + 1800);
	assert_int_equal(datespec_parse_timerange("10:15 ~ 11:00", &a, &b, err,
	    sizeof err), 0);
	assert_int_equal(a, 10 * 3600 + 900);
	assert_int_equal(datespec_parse_timerange("18:00-24:00", &a, &b, err,
	    sizeof err), 0);
	assert_int_equal(b, 86400);
	assert_int_equal(datespec_parse_timerange("13:00", &a, &b, err,
	    sizeof err), 0);
	assert_int_equal(a, 13 * 3600);
	assert_int_equal(b, -1);
	for (i = 0; i < nitems(refused); i++) {
		err[0] = '\0';
		if (datespec_parse_timerange(refused[i], &a, &b, err,
		    sizeof err) != -1)
			fail_msg("time '%s' accepted", refused[i]);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(datespec_parse_time("12:45", &a, err, sizeof err), 0);
	assert_int_equal(a, 12 * 3600 + 45 * 60);
	assert_int_equal(datespec_parse_time("１２：４５", &a, err, sizeof err),
	    0);
	assert_int_equal(a, 12 * 3600 + 45 * 60);
	assert_int_equal(datespec_parse_time("24:00", &a, err, sizeof err), -1);
	assert_int_equal(datespec_parse_time("12:45-13:00", &a, err,
	    sizeof err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_approximate),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_resolve),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
