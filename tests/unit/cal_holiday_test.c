/*
 * cal_holiday_test.c — every holiday rule at its edges, whole-year lists,
 * business-day arithmetic and fiscal years.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "calendars/cal.h"

static const char *
hol(int y, int m, int d)
{
	const char	*name = NULL;

	return cal_holiday(cal_from_ymd(y, m, d), &name) ? name : NULL;
}

#define IS(y, m, d, n)	assert_string_equal(hol(y, m, d), n)
#define NOT(y, m, d)	assert_null(hol(y, m, d))

static void
test_dates(void **state)
{
	int	 y, m, d;
	cal_day	 z;

	(void)state;
	assert_int_equal(cal_from_ymd(1970, 1, 1), 0);
	assert_int_equal(cal_weekday(cal_from_ymd(2026, 2, 20)), 5);
	for (z = cal_from_ymd(1900, 1, 1); z < cal_from_ymd(2100, 1, 1);
	    z += 17) {
		cal_to_ymd(z, &y, &m, &d);
		assert_int_equal(cal_from_ymd(y, m, d), z);
	}
	assert_false(cal_valid(2025, 2, 29));
	assert_true(cal_valid(2024, 2, 29));
	assert_false(cal_valid(2025, 2, 30));
	assert_false(cal_valid(2025, 13, 1));
}

static void
test_law_start(void **state)
{
	(void)state;
	NOT(1948, 1, 1);
	NOT(1948, 5, 3);
	IS(1948, 9, 23, "秋分の日");
	IS(1948, 11, 3, "文化の日");
	IS(1949, 1, 15, "成人の日");
	IS(1949, 4, 29, "天皇誕生日");
}

static void
test_1966_amendment(void **state)
{
	(void)state;
	NOT(1966, 2, 11);
	IS(1967, 2, 11, "建国記念の日");
	IS(1966, 9, 15, "敬老の日");
	IS(1966, 10, 10, "体育の日");
	NOT(1965, 9, 15);
}

static void
test_substitute(void **state)
{
	(void)state;
	/* 1973-04-29 was a Sunday; the law took effect 04-12. */
	IS(1973, 4, 30, "振替休日");
	/* 1973-02-11 was a Sunday, before the amendment. */
	NOT(1973, 2, 12);
	IS(1987, 5, 4, "振替休日");	/* 5/3 Sunday */
	IS(2006, 1, 2, "振替休日");	/* 1/1 Sunday */
	/* 2007 rule: the next day that is not a holiday. */
	IS(2008, 5, 6, "振替休日");	/* 5/4 Sunday */
	IS(2009, 5, 6, "振替休日");	/* 5/3 Sunday */
	IS(2019, 5, 6, "振替休日");
	IS(2020, 2, 24, "振替休日");
	IS(2021, 8, 9, "振替休日");	/* 山の日 8/8 Sunday */
	IS(2025, 11, 24, "振替休日");
}

static void
test_citizens(void **state)
{
	(void)state;
	NOT(1986, 5, 4);		/* a Sunday */
	IS(1988, 5, 4, "国民の休日");
	IS(2006, 5, 4, "国民の休日");
	IS(2007, 5, 4, "みどりの日");
	IS(2009, 9, 22, "国民の休日");
	IS(2015, 9, 22, "国民の休日");
	IS(2026, 9, 22, "国民の休日");
	IS(2032, 9, 21, "国民の休日");
	IS(2019, 4, 30, "国民の休日");
	IS(2019, 5, 2, "国民の休日");
	NOT(2020, 9, 23);
}

static void
test_renames_and_moves(void **state)
{
	(void)state;
	IS(1988, 4, 29, "天皇誕生日");
	IS(1989, 4, 29, "みどりの日");
	IS(2007, 4, 29, "昭和の日");
	IS(1989, 12, 23, "天皇誕生日");
	IS(2018, 12, 23, "天皇誕生日");
	NOT(2019, 12, 23);
	NOT(2019, 2, 23);
	IS(2020, 2, 23, "天皇誕生日");
	NOT(1995, 7, 20);
	IS(1996, 7, 20, "海の日");
	IS(2003, 7, 21, "海の日");
	IS(1999, 1, 15, "成人の日");
	IS(2000, 1, 10, "成人の日");
	IS(2000, 10, 9, "体育の日");
	IS(2003, 9, 15, "敬老の日");
	IS(2004, 9, 20, "敬老の日");
	NOT(2015, 8, 11);
	IS(2016, 8, 11, "山の日");
	IS(2019, 10, 14, "体育の日");
	IS(2022, 10, 10, "スポーツの日");
}

static void
test_oneoffs_and_olympics(void **state)
{
	(void)state;
	IS(1959, 4, 10, "皇太子・明仁親王の結婚の儀");
	IS(1989, 2, 24, "昭和天皇の大喪の礼");
	IS(1990, 11, 12, "即位礼正殿の儀");
	IS(1993, 6, 9, "皇太子・徳仁親王の結婚の儀");
	IS(2019, 5, 1, "天皇の即位の日");
	IS(2019, 10, 22, "即位礼正殿の儀の行われる日");
	IS(2020, 7, 23, "海の日");
	IS(2020, 7, 24, "スポーツの日");
	IS(2020, 8, 10, "山の日");
	NOT(2020, 7, 20);
	NOT(2020, 8, 11);
	NOT(2020, 10, 12);
	IS(2021, 7, 22, "海の日");
	IS(2021, 7, 23, "スポーツの日");
	IS(2021, 8, 8, "山の日");
	NOT(2021, 7, 19);
	NOT(2021, 10, 11);
}

static void
test_equinoxes(void **state)
{
	(void)state;
	IS(1955, 3, 21, "春分の日");
	IS(1960, 9, 23, "秋分の日");
	IS(1978, 3, 21, "春分の日");
	IS(1979, 9, 24, "秋分の日");
	IS(2012, 3, 20, "春分の日");
	IS(2012, 9, 22, "秋分の日");
	IS(2025, 3, 20, "春分の日");
	IS(2025, 9, 23, "秋分の日");
	IS(2026, 3, 20, "春分の日");
	IS(2044, 9, 22, "秋分の日");
}

/* Whole years, written from the law and checked day by day. */
static void
check_year(int y, const char *const *expect, size_t n)
{
	struct cal_holiday_entry	 v[40];
	size_t				 got, i;
	char				 iso[11];

	got = cal_holidays(y, y, v, 40);
	assert_int_equal(got, n);
	for (i = 0; i < n; i++) {
		cal_format_iso(iso, v[i].day);
		assert_string_equal(iso, expect[i]);
	}
}

static void
test_whole_years(void **state)
{
	static const char *const y1990[] = { "1990-01-01", "1990-01-15",
	    "1990-02-11", "1990-02-12", "1990-03-21", "1990-04-29",
	    "1990-04-30", "1990-05-03", "1990-05-04", "1990-05-05",
	    "1990-09-15", "1990-09-23", "1990-09-24", "1990-10-10",
	    "1990-11-03", "1990-11-12", "1990-11-23", "1990-12-23",
	    "1990-12-24" };
	static const char *const y2025[] = { "2025-01-01", "2025-01-13",
	    "2025-02-11", "2025-02-23", "2025-02-24", "2025-03-20",
	    "2025-04-29", "2025-05-03", "2025-05-04", "2025-05-05",
	    "2025-05-06", "2025-07-21", "2025-08-11", "2025-09-15",
	    "2025-09-23", "2025-10-13", "2025-11-03", "2025-11-23",
	    "2025-11-24" };
	static const char *const y2026[] = { "2026-01-01", "2026-01-12",
	    "2026-02-11", "2026-02-23", "2026-03-20", "2026-04-29",
	    "2026-05-03", "2026-05-04", "2026-05-05", "2026-05-06",
	    "2026-07-20", "2026-08-11", "2026-09-21", "2026-09-22",
	    "2026-09-23", "2026-10-12", "2026-11-03", "2026-11-23" };

	(void)state;
	check_year(1990, y1990, sizeof y1990 / sizeof y1990[0]);
	check_year(2025, y2025, sizeof y2025 / sizeof y2025[0]);
	check_year(2026, y2026, sizeof y2026 / sizeof y2026[0]);
	/* The Cabinet Office list has 1067 rows for 1955–2027. */
	assert_int_equal(cal_holidays(1955, 2027, NULL, 0), 1067);
}

static void
test_business(void **state)
{
	(void)state;
	assert_true(cal_is_closed(cal_from_ymd(2025, 12, 29)));
	assert_true(cal_is_closed(cal_from_ymd(2026, 1, 2)));
	assert_true(cal_is_business(cal_from_ymd(2026, 1, 5)));
	/* 1 business day after 2025-12-26 (Fri) is 2026-01-05. */
	assert_int_equal(cal_add_business(cal_from_ymd(2025, 12, 26), 1),
	    cal_from_ymd(2026, 1, 5));
	assert_int_equal(cal_add_business(cal_from_ymd(2026, 1, 5), -1),
	    cal_from_ymd(2025, 12, 26));
	/* Golden Week 2026: 4/29 (Wed) … 5/6 (Wed). */
	assert_int_equal(cal_add_business(cal_from_ymd(2026, 5, 1), 1),
	    cal_from_ymd(2026, 5, 7));
	assert_int_equal(cal_add_business(cal_from_ymd(2026, 2, 20), -10),
	    cal_from_ymd(2026, 2, 5));
	assert_int_equal(cal_add_business(cal_from_ymd(2026, 2, 20), 0),
	    cal_from_ymd(2026, 2, 20));
	assert_int_equal(cal_business_on_or_after(cal_from_ymd(2026, 5, 3)),
	    cal_from_ymd(2026, 5, 7));
	assert_int_equal(cal_business_on_or_before(cal_from_ymd(2026, 5, 3)),
	    cal_from_ymd(2026, 5, 1));
	assert_int_equal(cal_business_between(cal_from_ymd(2026, 2, 16),
	    cal_from_ymd(2026, 2, 23)), 5);
}

static void
test_fiscal(void **state)
{
	(void)state;
	assert_int_equal(cal_fy_of(cal_from_ymd(2026, 3, 31), 4), 2025);
	assert_int_equal(cal_fy_of(cal_from_ymd(2026, 4, 1), 4), 2026);
	assert_int_equal(cal_fy_last(2025, 4), cal_from_ymd(2026, 3, 31));
	assert_int_equal(cal_fy_first(2025, 4), cal_from_ymd(2025, 4, 1));
	assert_int_equal(cal_fy_month_year(2025, 2, 4), 2026);
	assert_int_equal(cal_fy_month_year(2025, 6, 4), 2025);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_law_start),
		cmocka_unit_test(test_1966_amendment),
		cmocka_unit_test(test_substitute),
		cmocka_unit_test(test_citizens),
		cmocka_unit_test(test_renames_and_moves),
		cmocka_unit_test(test_oneoffs_and_olympics),
		cmocka_unit_test(test_equinoxes),
		cmocka_unit_test(test_whole_years),
		cmocka_unit_test(test_business),
		cmocka_unit_test(test_fiscal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
