/*
 * cal_holiday_test.c — every rule of the holiday law at its first and last
 * year, whole-year lists written from the law (names included), equinoxes
 * against astronomical dates, and invariants over 1948–2099.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
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
test_law_start(void **state)
{
	(void)state;
	/* The law took effect 1948-07-20: nothing before it counts. */
	NOT(1948, 1, 1);
	NOT(1948, 1, 15);
	NOT(1948, 4, 29);
	NOT(1948, 5, 3);
	NOT(1948, 5, 5);
	IS(1948, 9, 23, "秋分の日");
	IS(1948, 11, 3, "文化の日");
	IS(1948, 11, 23, "勤労感謝の日");
	IS(1949, 1, 1, "元日");
	IS(1949, 1, 15, "成人の日");
	IS(1949, 3, 21, "春分の日");
	IS(1949, 4, 29, "天皇誕生日");
	IS(1949, 5, 3, "憲法記念日");
	IS(1949, 5, 5, "こどもの日");
	NOT(1947, 11, 3);
	NOT(2100, 1, 1);
}

static void
test_1966_amendment(void **state)
{
	(void)state;
	NOT(1966, 2, 11);		/* 建国記念の日 first in 1967 */
	IS(1967, 2, 11, "建国記念の日");
	NOT(1965, 9, 15);
	NOT(1965, 10, 10);
	IS(1966, 9, 15, "敬老の日");
	IS(1966, 10, 10, "体育の日");
	IS(1999, 10, 10, "体育の日");
	IS(2002, 9, 15, "敬老の日");
}

static void
test_substitute(void **state)
{
	(void)state;
	/* Before 1973-04-12 a Sunday 祝日 gave nothing. */
	NOT(1973, 2, 12);		/* 2/11 Sunday */
	NOT(1967, 1, 16);		/* 1/15 Sunday */
	IS(1973, 4, 30, "振替休日");	/* the first one */
	IS(1973, 9, 24, "振替休日");
	IS(1974, 5, 6, "振替休日");	/* こどもの日 Sunday */
	IS(1987, 5, 4, "振替休日");	/* 5/3 Sunday */
	IS(1989, 1, 2, "振替休日");
	IS(1989, 1, 16, "振替休日");
	IS(2006, 1, 2, "振替休日");
	/* The 2007 rule: the first following day that is not a 祝日. */
	IS(2008, 5, 6, "振替休日");	/* 5/4 Sunday */
	IS(2009, 5, 6, "振替休日");	/* 5/3 Sunday */
	IS(2014, 5, 6, "振替休日");
	IS(2015, 5, 6, "振替休日");
	IS(2019, 5, 6, "振替休日");
	IS(2019, 8, 12, "振替休日");
	IS(2020, 2, 24, "振替休日");
	IS(2020, 5, 6, "振替休日");	/* 5/3 Sunday, a Wednesday */
	IS(2021, 8, 9, "振替休日");	/* moved 山の日 8/8 Sunday */
	IS(2025, 2, 24, "振替休日");
	IS(2025, 11, 24, "振替休日");
	NOT(2025, 5, 7);
	NOT(2026, 5, 7);
}

static void
test_citizens(void **state)
{
	(void)state;
	NOT(1985, 5, 4);		/* amendment of 1985-12-27 */
	NOT(1986, 5, 4);		/* a Sunday: excluded until 2006 */
	IS(1987, 5, 4, "振替休日");	/* 振替 wins */
	IS(1988, 5, 4, "国民の休日");	/* the first one */
	IS(1990, 5, 4, "国民の休日");
	NOT(1997, 5, 4);		/* Sunday */
	IS(1998, 5, 4, "振替休日");	/* 5/3 Sunday */
	IS(1999, 5, 4, "国民の休日");
	IS(2006, 5, 4, "国民の休日");
	IS(2007, 5, 4, "みどりの日");
	/* Silver weeks: 敬老の日 and 秋分の日 two days apart. */
	NOT(2003, 9, 22);
	IS(2009, 9, 22, "国民の休日");
	IS(2015, 9, 22, "国民の休日");
	NOT(2020, 9, 23);
	IS(2026, 9, 22, "国民の休日");
	IS(2032, 9, 21, "国民の休日");
	IS(2037, 9, 22, "国民の休日");
	IS(2043, 9, 22, "国民の休日");
	IS(2049, 9, 21, "国民の休日");
	/* Between the 2019 accession days and the statutory ones. */
	IS(2019, 4, 30, "国民の休日");
	IS(2019, 5, 2, "国民の休日");
}

static void
test_renames_and_moves(void **state)
{
	(void)state;
	IS(1988, 4, 29, "天皇誕生日");
	IS(1989, 4, 29, "みどりの日");
	IS(2006, 4, 29, "みどりの日");
	IS(2007, 4, 29, "昭和の日");
	NOT(1988, 12, 23);
	IS(1989, 12, 23, "天皇誕生日");
	IS(2018, 12, 23, "天皇誕生日");
	NOT(2019, 12, 23);
	NOT(2019, 2, 23);
	IS(2020, 2, 23, "天皇誕生日");
	NOT(1995, 7, 20);
	IS(1996, 7, 20, "海の日");
	IS(2002, 7, 20, "海の日");
	IS(2003, 7, 21, "海の日");	/* third Monday */
	NOT(2003, 7, 20);
	IS(1999, 1, 15, "成人の日");
	IS(2000, 1, 10, "成人の日");	/* second Monday */
	NOT(2000, 1, 15);
	IS(1999, 10, 11, "振替休日");	/* 10/10 Sunday */
	IS(2000, 10, 9, "体育の日");
	NOT(2000, 10, 10);
	IS(2003, 9, 15, "敬老の日");	/* third Monday = the 15th */
	IS(2004, 9, 20, "敬老の日");
	NOT(2004, 9, 15);
	NOT(2015, 8, 11);
	IS(2016, 8, 11, "山の日");
	IS(2019, 10, 14, "体育の日");
	IS(2022, 10, 10, "スポーツの日");
}

static void
test_oneoffs_and_olympics(void **state)
{
	(void)state;
	IS(1959, 4, 10, "結婚の儀");
	IS(1989, 2, 24, "大喪の礼");
	IS(1990, 11, 12, "即位礼正殿の儀");
	IS(1993, 6, 9, "結婚の儀");
	IS(2019, 5, 1, "休日（祝日扱い）");
	IS(2019, 10, 22, "休日（祝日扱い）");
	NOT(1960, 4, 10);
	NOT(1994, 6, 9);
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
	NOT(2021, 8, 11);
	NOT(2021, 10, 11);
	IS(2022, 7, 18, "海の日");
	IS(2022, 8, 11, "山の日");
}

/* Equinox days from an ephemeris (JST), not from the formula under test. */
static void
test_equinoxes(void **state)
{
	static const struct { int y, spring, autumn; } eq[] = {
		{ 1949, 21, 23 }, { 1955, 21, 24 }, { 1960, 20, 23 },
		{ 1967, 21, 24 }, { 1971, 21, 24 }, { 1975, 21, 24 },
		{ 1978, 21, 23 }, { 1979, 21, 24 }, { 1980, 20, 23 },
		{ 1984, 20, 23 }, { 1988, 20, 23 }, { 1992, 20, 23 },
		{ 2000, 20, 23 }, { 2012, 20, 22 }, { 2016, 20, 22 },
		{ 2024, 20, 22 }, { 2025, 20, 23 }, { 2026, 20, 23 },
		{ 2027, 21, 23 }, { 2044, 20, 22 }, { 2055, 21, 23 },
		{ 2092, 19, 22 }, { 2099, 20, 23 },
	};
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof eq / sizeof eq[0]; i++) {
		IS(eq[i].y, 3, eq[i].spring, "春分の日");
		IS(eq[i].y, 9, eq[i].autumn, "秋分の日");
	}
}

/* One whole year: "MM-DD 名称" strings in date order. */
static void
check_year(int y, const char *const *expect, size_t n)
{
	struct cal_holiday_entry	 v[40];
	size_t				 got, i;
	char				 iso[11], line[128], want[128];

	got = cal_holidays(y, y, v, 40);
	for (i = 0; i < n && i < got; i++) {
		cal_format_iso(iso, v[i].day);
		snprintf(line, sizeof line, "%s %s", iso + 5, v[i].name);
		snprintf(want, sizeof want, "%s", expect[i]);
		assert_string_equal(line, want);
	}
	assert_int_equal(got, n);
}

#define YEAR(y, v)	check_year(y, v, sizeof v / sizeof v[0])

static void
test_years_showa_heisei(void **state)
{
	static const char *const y1948[] = { "09-23 秋分の日",
	    "11-03 文化の日", "11-23 勤労感謝の日" };
	static const char *const y1973[] = { "01-01 元日", "01-15 成人の日",
	    "02-11 建国記念の日", "03-21 春分の日", "04-29 天皇誕生日",
	    "04-30 振替休日", "05-03 憲法記念日", "05-05 こどもの日",
	    "09-15 敬老の日", "09-23 秋分の日", "09-24 振替休日",
	    "10-10 体育の日", "11-03 文化の日", "11-23 勤労感謝の日" };
	static const char *const y1989[] = { "01-01 元日", "01-02 振替休日",
	    "01-15 成人の日", "01-16 振替休日", "02-11 建国記念の日",
	    "02-24 大喪の礼", "03-21 春分の日", "04-29 みどりの日",
	    "05-03 憲法記念日", "05-04 国民の休日", "05-05 こどもの日",
	    "09-15 敬老の日", "09-23 秋分の日", "10-10 体育の日",
	    "11-03 文化の日", "11-23 勤労感謝の日", "12-23 天皇誕生日" };
	static const char *const y1990[] = { "01-01 元日", "01-15 成人の日",
	    "02-11 建国記念の日", "02-12 振替休日", "03-21 春分の日",
	    "04-29 みどりの日", "04-30 振替休日", "05-03 憲法記念日",
	    "05-04 国民の休日", "05-05 こどもの日", "09-15 敬老の日",
	    "09-23 秋分の日", "09-24 振替休日", "10-10 体育の日",
	    "11-03 文化の日", "11-12 即位礼正殿の儀", "11-23 勤労感謝の日",
	    "12-23 天皇誕生日", "12-24 振替休日" };
	static const char *const y2005[] = { "01-01 元日", "01-10 成人の日",
	    "02-11 建国記念の日", "03-20 春分の日", "03-21 振替休日",
	    "04-29 みどりの日", "05-03 憲法記念日", "05-04 国民の休日",
	    "05-05 こどもの日", "07-18 海の日", "09-19 敬老の日",
	    "09-23 秋分の日", "10-10 体育の日", "11-03 文化の日",
	    "11-23 勤労感謝の日", "12-23 天皇誕生日" };

	(void)state;
	YEAR(1948, y1948);
	YEAR(1973, y1973);
	YEAR(1989, y1989);
	YEAR(1990, y1990);
	YEAR(2005, y2005);
}

static void
test_years_reiwa(void **state)
{
	static const char *const y2019[] = { "01-01 元日", "01-14 成人の日",
	    "02-11 建国記念の日", "03-21 春分の日", "04-29 昭和の日",
	    "04-30 国民の休日", "05-01 休日（祝日扱い）", "05-02 国民の休日",
	    "05-03 憲法記念日", "05-04 みどりの日", "05-05 こどもの日",
	    "05-06 振替休日", "07-15 海の日", "08-11 山の日",
	    "08-12 振替休日", "09-16 敬老の日", "09-23 秋分の日",
	    "10-14 体育の日", "10-22 休日（祝日扱い）", "11-03 文化の日",
	    "11-04 振替休日", "11-23 勤労感謝の日" };
	static const char *const y2020[] = { "01-01 元日", "01-13 成人の日",
	    "02-11 建国記念の日", "02-23 天皇誕生日", "02-24 振替休日",
	    "03-20 春分の日", "04-29 昭和の日", "05-03 憲法記念日",
	    "05-04 みどりの日", "05-05 こどもの日", "05-06 振替休日",
	    "07-23 海の日", "07-24 スポーツの日", "08-10 山の日",
	    "09-21 敬老の日", "09-22 秋分の日", "11-03 文化の日",
	    "11-23 勤労感謝の日" };
	static const char *const y2021[] = { "01-01 元日", "01-11 成人の日",
	    "02-11 建国記念の日", "02-23 天皇誕生日", "03-20 春分の日",
	    "04-29 昭和の日", "05-03 憲法記念日", "05-04 みどりの日",
	    "05-05 こどもの日", "07-22 海の日", "07-23 スポーツの日",
	    "08-08 山の日", "08-09 振替休日", "09-20 敬老の日",
	    "09-23 秋分の日", "11-03 文化の日", "11-23 勤労感謝の日" };
	static const char *const y2025[] = { "01-01 元日", "01-13 成人の日",
	    "02-11 建国記念の日", "02-23 天皇誕生日", "02-24 振替休日",
	    "03-20 春分の日", "04-29 昭和の日", "05-03 憲法記念日",
	    "05-04 みどりの日", "05-05 こどもの日", "05-06 振替休日",
	    "07-21 海の日", "08-11 山の日", "09-15 敬老の日",
	    "09-23 秋分の日", "10-13 スポーツの日", "11-03 文化の日",
	    "11-23 勤労感謝の日", "11-24 振替休日" };
	static const char *const y2026[] = { "01-01 元日", "01-12 成人の日",
	    "02-11 建国記念の日", "02-23 天皇誕生日", "03-20 春分の日",
	    "04-29 昭和の日", "05-03 憲法記念日", "05-04 みどりの日",
	    "05-05 こどもの日", "05-06 振替休日", "07-20 海の日",
	    "08-11 山の日", "09-21 敬老の日", "09-22 国民の休日",
	    "09-23 秋分の日", "10-12 スポーツの日", "11-03 文化の日",
	    "11-23 勤労感謝の日" };

	(void)state;
	YEAR(2019, y2019);
	YEAR(2020, y2020);
	YEAR(2021, y2021);
	YEAR(2025, y2025);
	YEAR(2026, y2026);
}

/* Golden Week 2019: ten closed days in a row, 4/29–5/6 all holidays. */
static void
test_golden_week_2019(void **state)
{
	cal_day	 z, first = cal_from_ymd(2019, 4, 27);

	(void)state;
	for (z = first; z < first + 10; z++)
		assert_true(cal_is_closed(z));
	for (z = first + 2; z < first + 10; z++)
		assert_true(cal_holiday(z, NULL));
	assert_false(cal_holiday(first, NULL));		/* Saturday */
	assert_false(cal_holiday(first + 1, NULL));	/* Sunday */
	assert_true(cal_is_business(first - 1));
	assert_true(cal_is_business(first + 10));
}

/*
 * Invariants of the law over every day in range: one equinox day each,
 * no derived holiday without a 祝日 the day before, every Sunday 祝日
 * since 1973-04-12 followed by a 振替休日 within its run, listing order.
 */
static void
test_invariants(void **state)
{
	struct cal_holiday_entry	 v[32];
	size_t				 n, i, spring, autumn;
	const char			*name, *prev;
	cal_day				 z, k;
	int				 y;

	(void)state;
	for (y = CAL_HOLIDAY_MIN; y <= CAL_HOLIDAY_MAX; y++) {
		n = cal_holidays(y, y, v, 32);
		assert_in_range(n, y == 1948 ? 3 : 9, 24);
		for (i = spring = autumn = 0; i < n; i++) {
			spring += strcmp(v[i].name, "春分の日") == 0;
			autumn += strcmp(v[i].name, "秋分の日") == 0;
			if (i > 0)
				assert_true(v[i].day > v[i - 1].day);
		}
		assert_int_equal(spring, y == 1948 ? 0 : 1);
		assert_int_equal(autumn, 1);
	}
	for (z = cal_from_ymd(1948, 7, 20); z <= cal_from_ymd(2099, 12, 31);
	    z++) {
		if (!cal_holiday(z, &name))
			continue;
		if (strcmp(name, "振替休日") == 0 ||
		    strcmp(name, "国民の休日") == 0) {
			assert_true(cal_holiday(z - 1, &prev));
			assert_string_not_equal(prev, "国民の休日");
			assert_string_not_equal(prev, "振替休日");
		}
		if (cal_weekday(z) != 0 || z < cal_from_ymd(1973, 4, 12) ||
		    strcmp(name, "振替休日") == 0 ||
		    strcmp(name, "国民の休日") == 0)
			continue;
		for (k = z + 1; k < z + 8 && cal_holiday(k, &name) &&
		    strcmp(name, "振替休日") != 0; k++)
			;
		assert_true(cal_holiday(k, &name));
		assert_string_equal(name, "振替休日");
	}
}

static void
test_listing(void **state)
{
	struct cal_holiday_entry	 v[4];

	(void)state;
	/* The Cabinet Office list has 1067 rows for 1955–2027. */
	assert_int_equal(cal_holidays(1955, 2027, NULL, 0), 1067);
	/* A short array: the count is still the full one. */
	assert_int_equal(cal_holidays(2026, 2026, v, 4), 18);
	assert_int_equal(v[3].day, cal_from_ymd(2026, 2, 23));
	assert_int_equal(cal_holidays(2027, 2026, v, 4), 0);
	/* Clamped to the law's range. */
	assert_int_equal(cal_holidays(1900, 1948, v, 4), 3);
	assert_int_equal(cal_holidays(2100, 2200, v, 4), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_law_start),
		cmocka_unit_test(test_1966_amendment),
		cmocka_unit_test(test_substitute),
		cmocka_unit_test(test_citizens),
		cmocka_unit_test(test_renames_and_moves),
		cmocka_unit_test(test_oneoffs_and_olympics),
		cmocka_unit_test(test_equinoxes),
		cmocka_unit_test(test_years_showa_heisei),
		cmocka_unit_test(test_years_reiwa),
		cmocka_unit_test(test_golden_week_2019),
		cmocka_unit_test(test_invariants),
		cmocka_unit_test(test_listing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
