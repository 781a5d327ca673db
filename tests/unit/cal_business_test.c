/*
 * cal_business_test.c — day numbers, ISO dates, closure days, business-day
 * arithmetic across the year end and Golden Week, and fiscal-year edges.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "calendars/cal.h"

#define D(y, m, d)	cal_from_ymd(y, m, d)
#define nitems_(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_dates(void **state)
{
	int	 y, m, d;
	cal_day	 z;

	(void)state;
	assert_int_equal(D(1970, 1, 1), 0);
	assert_int_equal(D(1969, 12, 31), -1);
	assert_int_equal(D(2000, 3, 1) - D(2000, 2, 28), 2);
	assert_int_equal(D(1900, 3, 1) - D(1900, 2, 28), 1);
	assert_int_equal(cal_weekday(D(1969, 12, 31)), 3);
	assert_int_equal(cal_weekday(D(1900, 1, 1)), 1);
	assert_int_equal(cal_weekday(D(2026, 2, 20)), 5);
	assert_int_equal(cal_weekday(D(1873, 1, 1)), 3);
	for (z = D(1800, 1, 1); z < D(2300, 1, 1); z += 13) {
		cal_to_ymd(z, &y, &m, &d);
		assert_int_equal(D(y, m, d), z);
		assert_int_equal(cal_weekday(z + 1), (cal_weekday(z) + 1) % 7);
	}
	assert_string_equal(cal_weekday_ja(0), "日");
	assert_string_equal(cal_weekday_ja(5), "金");
	assert_string_equal(cal_weekday_ja(6), "土");
	assert_int_equal(cal_days_in_month(2024, 2), 29);
	assert_int_equal(cal_days_in_month(1900, 2), 28);
	assert_int_equal(cal_days_in_month(2000, 2), 29);
	assert_int_equal(cal_days_in_month(2025, 4), 30);
	assert_int_equal(cal_days_in_month(2025, 13), 0);
	assert_false(cal_valid(2025, 2, 29));
	assert_true(cal_valid(2024, 2, 29));
	assert_false(cal_valid(2025, 2, 30));
	assert_false(cal_valid(2025, 4, 31));
	assert_false(cal_valid(2025, 13, 1));
	assert_false(cal_valid(2025, 0, 1));
	assert_false(cal_valid(2025, 1, 0));
	assert_false(cal_valid(1872, 12, 31));
	assert_true(cal_valid(1873, 1, 1));
	assert_true(cal_valid(2199, 12, 31));
	assert_false(cal_valid(2200, 1, 1));
}

static void
test_iso(void **state)
{
	static const char *const bad[] = { "2025-02-30", "2025-2-20",
	    "2025-02-2", "2025-02-20x", " 2025-02-20", "2025-+2-20",
	    "2025- 2-20", "+025-02-20", "2025/02/20", "20250220", "",
	    "1872-12-31", "2025-00-10", "2025-13-01" };
	char	 b[11];
	cal_day	 z;
	size_t	 i;

	(void)state;
	assert_int_equal(cal_parse_iso("2025-02-20", &z), 0);
	assert_int_equal(z, D(2025, 2, 20));
	assert_int_equal(cal_parse_iso("2024-02-29", &z), 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(cal_parse_iso(bad[i], &z), -1);
	cal_format_iso(b, D(1873, 1, 1));
	assert_string_equal(b, "1873-01-01");
	cal_format_iso(b, D(2026, 12, 9));
	assert_string_equal(b, "2026-12-09");
	for (z = D(1900, 1, 1); z < D(2200, 1, 1); z += 101) {
		cal_day	 back;

		cal_format_iso(b, z);
		assert_int_equal(cal_parse_iso(b, &back), 0);
		assert_int_equal(back, z);
	}
}

static void
test_closed(void **state)
{
	(void)state;
	assert_false(cal_is_yearend(D(2025, 12, 28)));
	assert_true(cal_is_yearend(D(2025, 12, 29)));
	assert_true(cal_is_yearend(D(2025, 12, 31)));
	assert_true(cal_is_yearend(D(2026, 1, 1)));
	assert_true(cal_is_yearend(D(2026, 1, 3)));
	assert_false(cal_is_yearend(D(2026, 1, 4)));
	/* 2025-12-29 is a Monday, closed only as a 年末 day. */
	assert_true(cal_is_closed(D(2025, 12, 29)));
	assert_false(cal_holiday(D(2025, 12, 29), NULL));
	assert_true(cal_is_closed(D(2026, 1, 2)));
	assert_true(cal_is_business(D(2026, 1, 5)));
	assert_true(cal_is_closed(D(2026, 2, 21)));	/* Saturday */
	assert_true(cal_is_closed(D(2026, 2, 22)));	/* Sunday */
	assert_true(cal_is_closed(D(2026, 2, 23)));	/* 天皇誕生日 */
	assert_true(cal_is_business(D(2026, 2, 24)));
	assert_true(cal_is_closed(D(2026, 9, 22)));	/* 国民の休日 */
}

/* The definition business.c memoizes: weekend, 年末年始 or a 祝日. */
static int
closed_reference(cal_day z)
{
	int	 wd = cal_weekday(z);

	return wd == 0 || wd == 6 || cal_is_yearend(z) || cal_holiday(z, NULL);
}

/*
 * The closed-day bitmap against the law for every day 1940–2110 (the
 * table covers 1948–2099; outside it cal_is_closed computes). Walked
 * backward from the middle first, then forward, so blocks are built out
 * of order and from both ends.
 */
static void
test_closed_table(void **state)
{
	cal_day	 z, lo = D(1940, 1, 1), hi = D(2111, 1, 1), mid = D(2026, 1, 1);
	long	 n = 0;

	(void)state;
	for (z = mid; z >= lo; z--)
		if (cal_is_closed(z) != closed_reference(z))
			fail_msg("day %d differs", (int)z);
	for (z = lo; z < hi; z++) {
		if (cal_is_closed(z) != closed_reference(z))
			fail_msg("day %d differs", (int)z);
		n += cal_is_business(z) == !closed_reference(z);
	}
	assert_int_equal(n, hi - lo);
	/* The edges of the table and just outside them. */
	assert_true(cal_is_closed(D(1948, 1, 1)));	/* 元日 (年始) */
	assert_true(cal_is_closed(D(2099, 12, 31)));
	assert_true(cal_is_closed(D(2100, 1, 1)));
	assert_true(cal_is_closed(D(1947, 12, 31)));
	assert_false(cal_is_closed(D(2100, 1, 4)));	/* a Monday */
	assert_false(cal_is_closed(D(1948, 1, 5)));	/* a Monday */
	assert_true(cal_is_closed(D(1948, 11, 3)));	/* 文化の日 */
	assert_true(cal_is_closed(D(2099, 11, 3)));	/* 文化の日, Tuesday */
}

static void
test_add_business(void **state)
{
	(void)state;
	/* Year end: Friday 2025-12-26, then 12/29–1/3 and a weekend. */
	assert_int_equal(cal_add_business(D(2025, 12, 26), 1), D(2026, 1, 5));
	assert_int_equal(cal_add_business(D(2026, 1, 5), -1), D(2025, 12, 26));
	assert_int_equal(cal_add_business(D(2025, 12, 30), 1), D(2026, 1, 5));
	assert_int_equal(cal_add_business(D(2025, 12, 30), -1),
	    D(2025, 12, 26));
	assert_int_equal(cal_add_business(D(2020, 12, 28), 1), D(2021, 1, 4));
	/* Golden Week 2019: ten days off, 4/27–5/6. */
	assert_int_equal(cal_add_business(D(2019, 4, 26), 1), D(2019, 5, 7));
	assert_int_equal(cal_add_business(D(2019, 5, 7), -1), D(2019, 4, 26));
	assert_int_equal(cal_add_business(D(2019, 4, 25), 2), D(2019, 5, 7));
	/* Golden Week 2026: 4/29 (Wed), 5/2–5/6. */
	assert_int_equal(cal_add_business(D(2026, 4, 28), 1), D(2026, 4, 30));
	assert_int_equal(cal_add_business(D(2026, 5, 1), 1), D(2026, 5, 7));
	assert_int_equal(cal_add_business(D(2026, 5, 7), -2), D(2026, 4, 30));
	/* 10 before 2026-02-20 skips 2/11; 5 after skips 2/23. */
	assert_int_equal(cal_add_business(D(2026, 2, 20), -10), D(2026, 2, 5));
	assert_int_equal(cal_add_business(D(2026, 2, 20), 5), D(2026, 3, 2));
	assert_int_equal(cal_add_business(D(2026, 2, 20), 0), D(2026, 2, 20));
	/* From a closed day: counting starts the next day all the same. */
	assert_int_equal(cal_add_business(D(2026, 5, 3), 1), D(2026, 5, 7));
	assert_int_equal(cal_add_business(D(2026, 5, 3), -1), D(2026, 5, 1));
}

static void
test_on_or(void **state)
{
	(void)state;
	assert_int_equal(cal_business_on_or_after(D(2026, 5, 3)),
	    D(2026, 5, 7));
	assert_int_equal(cal_business_on_or_before(D(2026, 5, 3)),
	    D(2026, 5, 1));
	assert_int_equal(cal_business_on_or_after(D(2026, 2, 20)),
	    D(2026, 2, 20));
	assert_int_equal(cal_business_on_or_before(D(2026, 2, 20)),
	    D(2026, 2, 20));
	assert_int_equal(cal_business_on_or_after(D(2025, 12, 27)),
	    D(2026, 1, 5));
	assert_int_equal(cal_business_on_or_before(D(2026, 1, 4)),
	    D(2025, 12, 26));
	assert_int_equal(cal_business_on_or_after(D(2019, 4, 27)),
	    D(2019, 5, 7));
}

static void
test_between(void **state)
{
	cal_day	 z, r;
	int	 n;

	(void)state;
	assert_int_equal(cal_business_between(D(2026, 2, 16), D(2026, 2, 23)),
	    5);
	assert_int_equal(cal_business_between(D(2026, 2, 23), D(2026, 2, 16)),
	    -5);
	assert_int_equal(cal_business_between(D(2019, 4, 26), D(2019, 5, 8)),
	    2);
	assert_int_equal(cal_business_between(D(2026, 1, 1), D(2026, 1, 1)),
	    0);
	/* FY2025 (2025-04-01..2026-03-31) has 242 business days. */
	assert_int_equal(cal_business_between(cal_fy_first(2025, 4),
	    cal_fy_last(2025, 4) + 1), 242);
	/* add and between agree, both ways, over four decades. */
	for (z = D(1990, 1, 1), n = 1; z < D(2030, 1, 1); z += 37, n++) {
		r = cal_add_business(z, n % 40 + 1);
		assert_true(cal_is_business(r));
		assert_int_equal(cal_business_between(z + 1, r + 1),
		    n % 40 + 1);
		r = cal_add_business(z, -(n % 40 + 1));
		assert_true(cal_is_business(r));
		assert_int_equal(cal_business_between(z, r), -(n % 40 + 1));
	}
}

/*
 * An office's own closed days: お盆 2025-08-13 (Wed) and 08-14 (Thu),
 * listed out of order with a repeat and a day the law closes anyway.
 */
static void
test_extra_closed(void **state)
{
	cal_day			 days[] = { D(2025, 8, 14), D(2025, 8, 16),
				    D(2025, 8, 13), D(2025, 8, 14) };
	struct cal_closed	 c = { days, 0 }, none = { NULL, 0 };

	(void)state;
	c.n = cal_closed_sort(days, nitems_(days));
	assert_int_equal(c.n, 3);
	assert_int_equal(days[0], D(2025, 8, 13));
	assert_int_equal(days[1], D(2025, 8, 14));
	assert_int_equal(days[2], D(2025, 8, 16));
	assert_int_equal(cal_closed_sort(NULL, 0), 0);

	assert_true(cal_is_closed_in(&c, D(2025, 8, 13)));
	assert_false(cal_is_business_in(&c, D(2025, 8, 14)));
	assert_true(cal_is_business_in(&c, D(2025, 8, 12)));
	assert_true(cal_is_business_in(&c, D(2025, 8, 15)));
	/* The law's days stay closed; the law-only calls ignore the list. */
	assert_true(cal_is_closed_in(&c, D(2025, 8, 11)));	/* 山の日 */
	assert_true(cal_is_business(D(2025, 8, 13)));
	assert_true(cal_is_business_in(NULL, D(2025, 8, 13)));
	assert_true(cal_is_business_in(&none, D(2025, 8, 13)));

	assert_string_equal(cal_closed_name_in(&c, D(2025, 8, 13)),
	    CAL_EXTRA_CLOSED_NAME);
	assert_string_equal(cal_closed_name_in(&c, D(2025, 8, 16)), "土曜日");
	assert_string_equal(cal_closed_name_in(&c, D(2025, 8, 11)), "山の日");
	assert_null(cal_closed_name_in(&c, D(2025, 8, 15)));
	assert_null(cal_closed_name(D(2025, 8, 13)));

	/* 8/8 (Fri), then 8/11 山の日, 8/12, the two listed, 8/15. */
	assert_int_equal(cal_add_business_in(&c, D(2025, 8, 12), 1),
	    D(2025, 8, 15));
	assert_int_equal(cal_add_business_in(&c, D(2025, 8, 15), -1),
	    D(2025, 8, 12));
	assert_int_equal(cal_add_business_in(&c, D(2025, 8, 8), 2),
	    D(2025, 8, 15));
	assert_int_equal(cal_add_business(D(2025, 8, 12), 1), D(2025, 8, 13));
	assert_int_equal(cal_business_on_or_before_in(&c, D(2025, 8, 14)),
	    D(2025, 8, 12));
	assert_int_equal(cal_business_on_or_after_in(&c, D(2025, 8, 13)),
	    D(2025, 8, 15));
	assert_int_equal(cal_business_on_or_after(D(2025, 8, 13)),
	    D(2025, 8, 13));
}

static void
test_fiscal(void **state)
{
	cal_day	 z;
	int	 fy;

	(void)state;
	assert_int_equal(cal_fy_of(D(2026, 3, 31), 4), 2025);
	assert_int_equal(cal_fy_of(D(2026, 4, 1), 4), 2026);
	assert_int_equal(cal_fy_of(D(2026, 1, 1), 4), 2025);
	assert_int_equal(cal_fy_of(D(2025, 12, 31), 1), 2025);
	assert_int_equal(cal_fy_of(D(2025, 9, 30), 10), 2024);
	assert_int_equal(cal_fy_of(D(2025, 10, 1), 10), 2025);
	assert_int_equal(cal_fy_first(2025, 4), D(2025, 4, 1));
	assert_int_equal(cal_fy_last(2025, 4), D(2026, 3, 31));
	assert_int_equal(cal_fy_last(2025, 1), D(2025, 12, 31));
	assert_int_equal(cal_fy_last(2023, 3), D(2024, 2, 29));
	assert_int_equal(cal_fy_month_year(2025, 1, 4), 2026);
	assert_int_equal(cal_fy_month_year(2025, 3, 4), 2026);
	assert_int_equal(cal_fy_month_year(2025, 4, 4), 2025);
	assert_int_equal(cal_fy_month_year(2025, 12, 4), 2025);
	assert_int_equal(cal_fy_month_year(2025, 12, 1), 2025);
	for (z = D(1990, 1, 1); z < D(2040, 1, 1); z += 11) {
		fy = cal_fy_of(z, 4);
		assert_true(cal_fy_first(fy, 4) <= z);
		assert_true(z <= cal_fy_last(fy, 4));
		assert_int_equal(cal_fy_last(fy, 4) + 1, cal_fy_first(fy + 1, 4));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_iso),
		cmocka_unit_test(test_closed),
		cmocka_unit_test(test_closed_table),
		cmocka_unit_test(test_add_business),
		cmocka_unit_test(test_on_or),
		cmocka_unit_test(test_between),
		cmocka_unit_test(test_extra_closed),
		cmocka_unit_test(test_fiscal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
