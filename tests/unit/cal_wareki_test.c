/*
 * cal_wareki_test.c — 和暦 formatting and parsing, full-width input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "calendars/cal.h"

static void
test_format(void **state)
{
	char	 b[64];

	(void)state;
	cal_wareki_format(b, sizeof b, cal_from_ymd(2026, 2, 20),
	    CAL_WF_WEEKDAY);
	assert_string_equal(b, "令和8年2月20日（金）");
	cal_wareki_format(b, sizeof b, cal_from_ymd(2019, 5, 1), 0);
	assert_string_equal(b, "令和元年5月1日");
	cal_wareki_format(b, sizeof b, cal_from_ymd(2019, 4, 30), 0);
	assert_string_equal(b, "平成31年4月30日");
	cal_wareki_format(b, sizeof b, cal_from_ymd(1989, 1, 7), 0);
	assert_string_equal(b, "昭和64年1月7日");
	cal_wareki_format(b, sizeof b, cal_from_ymd(1989, 1, 8),
	    CAL_WF_NOGANNEN);
	assert_string_equal(b, "平成1年1月8日");
	cal_wareki_format(b, sizeof b, cal_from_ymd(2019, 5, 1),
	    CAL_WF_WEEKDAY | CAL_WF_NOGANNEN);
	assert_string_equal(b, "令和1年5月1日（水）");
	cal_wareki_format(b, sizeof b, cal_from_ymd(1989, 1, 8), 0);
	assert_string_equal(b, "平成元年1月8日");
	cal_wareki_format(b, sizeof b, cal_from_ymd(1926, 12, 24), 0);
	assert_string_equal(b, "大正15年12月24日");
	cal_wareki_format(b, sizeof b, cal_from_ymd(1926, 12, 25), 0);
	assert_string_equal(b, "昭和元年12月25日");
	cal_wareki_format(b, sizeof b, cal_from_ymd(1912, 7, 29), 0);
	assert_string_equal(b, "明治45年7月29日");
	cal_wareki_format(b, sizeof b, cal_from_ymd(1912, 7, 30), 0);
	assert_string_equal(b, "大正元年7月30日");
	cal_wareki_format(b, sizeof b, cal_from_ymd(2025, 12, 31),
	    CAL_WF_WEEKDAY);
	assert_string_equal(b, "令和7年12月31日（水）");
	/* snprintf semantics: the full length, a terminated prefix. */
	assert_int_equal(cal_wareki_format(b, 8, cal_from_ymd(2026, 2, 20),
	    0), (int)strlen("令和8年2月20日"));
	assert_int_equal(strlen(b), 7);
	cal_wareki_fy_format(b, sizeof b, 1989);
	assert_string_equal(b, "平成元年度");
	cal_wareki_fy_format(b, sizeof b, 2018);
	assert_string_equal(b, "平成30年度");
	cal_wareki_fy_format(b, sizeof b, 2026);
	assert_string_equal(b, "令和8年度");
	cal_wareki_fy_format(b, sizeof b, 2019);
	assert_string_equal(b, "令和元年度");
	cal_wareki_fy_format(b, sizeof b, 1988);
	assert_string_equal(b, "昭和63年度");
}

static void
era(const char *s, int year, int fy)
{
	int	 y, isfy;
	size_t	 n;

	assert_int_equal(cal_era_year(s, &y, &n, &isfy), 0);
	assert_int_equal(y, year);
	assert_int_equal(isfy, fy);
}

static void
test_era_year(void **state)
{
	int	 y, isfy;
	size_t	 n;

	(void)state;
	era("令和7年", 2025, 0);
	era("令和元年度", 2019, 1);
	era("R7", 2025, 0);
	era("R元", 2019, 0);
	era("H30", 2018, 0);
	era("平成31年", 2019, 0);
	era("昭和64年", 1989, 0);
	era("令和２年度", 2020, 1);
	era("Ｒ７", 2025, 0);
	era("r7", 2025, 0);
	era("R元年度", 2019, 1);
	era("令和 7 年", 2025, 0);
	era("S64", 1989, 0);
	era("T15", 1926, 0);
	era("M45", 1912, 0);
	assert_int_equal(cal_era_year("S65", &y, &n, &isfy), -1);
	assert_int_equal(cal_era_year("H0", &y, &n, &isfy), -1);
	assert_int_equal(cal_era_year("R", &y, &n, &isfy), -1);
	assert_int_equal(cal_era_year("令和7", &y, &n, &isfy), -1);
	assert_int_equal(cal_era_year("R7.5.15", &y, &n, &isfy), 0);
	assert_int_equal(n, 2);
	assert_int_equal(cal_era_year("令和7年度", &y, &n, &isfy), 0);
	assert_int_equal(n, strlen("令和7年"));
	assert_int_equal(cal_era_year("令和0年", &y, &n, &isfy), -1);
	assert_int_equal(cal_era_year("平成32年", &y, &n, &isfy), -1);
	assert_int_equal(cal_era_year("令和", &y, &n, &isfy), -1);
	assert_int_equal(cal_era_year("X7", &y, &n, &isfy), -1);
	/* Consumed bytes cover "令和７年" in the source (full-width 7). */
	assert_int_equal(cal_era_year("令和７年度", &y, &n, &isfy), 0);
	assert_int_equal(n, strlen("令和７年"));
}

static void
date(const char *s, int y, int m, int d, int wd)
{
	cal_day	 z;
	int	 w;

	assert_int_equal(cal_parse_date(s, &z, &w), 0);
	assert_int_equal(z, cal_from_ymd(y, m, d));
	assert_int_equal(w, wd);
}

static void
test_parse_date(void **state)
{
	cal_day	 z;
	int	 w;

	(void)state;
	date("2025-02-20", 2025, 2, 20, -1);
	date("令和7年2月20日（木）", 2025, 2, 20, 4);
	date("R7.5.15", 2025, 5, 15, -1);
	date("R7年1月16日(木)", 2025, 1, 16, 4);
	date("令和元年5月1日", 2019, 5, 1, -1);
	date("平成 31 年 2 月 28 日", 2019, 2, 28, -1);
	date("令和７年３月１８日（火）", 2025, 3, 18, 2);
	date("2025年1月8日(水曜日)", 2025, 1, 8, 3);
	/* A wrong weekday is returned, not judged. */
	date("2025-02-20(金)", 2025, 2, 20, 5);
	date("Ｒ７．５．１５", 2025, 5, 15, -1);
	date("H31.4.30", 2019, 4, 30, -1);
	date("平成31年5月1日", 2019, 5, 1, -1);	/* era + year, mapped */
	date("令和6年2月29日", 2024, 2, 29, -1);
	date("２０２５－０２－２０（木）", 2025, 2, 20, 4);
	date("2025年2月20日", 2025, 2, 20, -1);
	date("昭和64年1月7日(土)", 1989, 1, 7, 6);
	assert_int_equal(cal_parse_date("2025-02-30", &z, &w), -1);
	assert_int_equal(cal_parse_date("令和7年2月29日", &z, &w), -1);
	assert_int_equal(cal_parse_date("R7.2.30", &z, &w), -1);
	assert_int_equal(cal_parse_date("R7.13.1", &z, &w), -1);
	assert_int_equal(cal_parse_date("令和7年度", &z, &w), -1);
	assert_int_equal(cal_parse_date("令和7年2月20日（木）x", &z, &w), -1);
	assert_int_equal(cal_parse_date("令和7年2月20日（木", &z, &w), -1);
	assert_int_equal(cal_parse_date("R7.5", &z, &w), -1);
	assert_int_equal(cal_parse_date("2025-02-20x", &z, &w), -1);
	assert_int_equal(cal_parse_date("令和7年2月30日", &z, &w), -1);
	assert_int_equal(cal_parse_date("令和0年1月1日", &z, &w), -1);
	assert_int_equal(cal_parse_date("2月20日", &z, &w), -1);
	assert_int_equal(cal_parse_date("2025-02-20(X)", &z, &w), -1);
	assert_int_equal(cal_parse_date("", &z, &w), -1);
	assert_int_equal(cal_parse_iso("2025-2-20", &z), -1);
}

static void
test_normalize(void **state)
{
	char	*s;

	(void)state;
	s = cal_normalize("７～１０月　（金）：Ｒ．");
	assert_string_equal(s, "7~10月 (金):R.");
	free(s);
	s = cal_normalize("ＡＢＣｘｙｚ－１２：３０");
	assert_string_equal(s, "ABCxyz-12:30");
	free(s);
	s = cal_normalize("令和７年");
	assert_string_equal(s, "令和7年");
	free(s);
	s = cal_normalize("9:00〜13:00");
	assert_string_equal(s, "9:00~13:00");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_era_year),
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_normalize),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
