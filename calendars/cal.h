/*
 * cal.h — the Japanese business calendar: civil dates as day numbers,
 * national holidays from the law (祝日法 and its amendments), closure days,
 * business-day arithmetic, fiscal years (年度) and 和暦.
 *
 * Everything here is pure: no I/O, no clock, no allocation except where a
 * function says so. Dates are "day numbers": days since 1970-01-01 in the
 * proleptic Gregorian calendar (negative before), so comparison and
 * subtraction are plain integer operations.
 */
#ifndef KOYOMI_CAL_H
#define KOYOMI_CAL_H

#include <stddef.h>
#include <stdint.h>

typedef int32_t	cal_day;		/* days since 1970-01-01 */

#define CAL_MIN_YEAR	1873		/* parse range for dates */
#define CAL_MAX_YEAR	2199
#define CAL_HOLIDAY_MIN	1948		/* the holiday law's first year */
#define CAL_HOLIDAY_MAX	2099		/* computed range of holidays */

/* Civil <-> day number. cal_valid: 1 if y-m-d is a real date. */
cal_day	 cal_from_ymd(int y, int m, int d);
void	 cal_to_ymd(cal_day, int *y, int *m, int *d);
int	 cal_valid(int y, int m, int d);
int	 cal_days_in_month(int y, int m);
int	 cal_weekday(cal_day);		/* 0 = Sunday … 6 = Saturday */
const char *cal_weekday_ja(int wd);	/* "日" … "土" */

/*
 * Holidays. cal_holiday returns 1 and sets *name (a static UTF-8 string
 * such as "春分の日", "振替休日", "国民の休日") when the day is a national
 * holiday, else 0. Outside CAL_HOLIDAY_MIN..MAX it returns 0.
 */
int	 cal_holiday(cal_day, const char **name);

/* One holiday, for listing. */
struct cal_holiday_entry {
	cal_day		 day;
	const char	*name;		/* static */
};
/*
 * Fills out[] with the holidays of years y0..y1 in date order; returns how
 * many there are (may exceed n: call again with a larger array).
 */
size_t	 cal_holidays(int y0, int y1, struct cal_holiday_entry *out,
	    size_t n);

/* 年末年始 closure days 12/29–1/3 (地方自治法 第4条の2). */
int	 cal_is_yearend(cal_day);
/* Closed = Saturday, Sunday, national holiday, or 12/29–1/3. */
int	 cal_is_closed(cal_day);
int	 cal_is_business(cal_day);
/*
 * Why a day is closed: the holiday's name ("建国記念の日"), "年末年始",
 * "土曜日" or "日曜日" (static strings); NULL on a business day.
 */
const char *cal_closed_name(cal_day);

/*
 * Business-day arithmetic. cal_add_business(d, n): the n-th business day
 * after d (n > 0) or before d (n < 0), d itself not counted; n == 0
 * returns d. Bounded: gives up (returns d) past 10 years of closed days.
 */
cal_day	 cal_add_business(cal_day, int n);
cal_day	 cal_business_on_or_after(cal_day);	/* next business day */
cal_day	 cal_business_on_or_before(cal_day);	/* previous business day */

/*
 * The days an office closes beyond the law's (koyomi.conf closed_days: a
 * 一斉休業, a move of the 庁舎), named CAL_EXTRA_CLOSED_NAME. The caller
 * owns the array; cal_closed_sort puts it in the order the lookups need.
 * The *_in functions are the ones above with such a list added to the
 * law's days (NULL or an empty list: the law's days only).
 */
struct cal_closed {
	cal_day		*days;		/* ascending, no repeats */
	size_t		 n;
};
#define CAL_EXTRA_CLOSED_NAME	"臨時閉庁日"
/* Sorts days and drops repeats; returns how many are left. */
size_t	 cal_closed_sort(cal_day *days, size_t n);
int	 cal_is_closed_in(const struct cal_closed *, cal_day);
int	 cal_is_business_in(const struct cal_closed *, cal_day);
const char *cal_closed_name_in(const struct cal_closed *, cal_day);
cal_day	 cal_add_business_in(const struct cal_closed *, cal_day, int n);
cal_day	 cal_business_on_or_after_in(const struct cal_closed *, cal_day);
cal_day	 cal_business_on_or_before_in(const struct cal_closed *, cal_day);
/* Business days in [a, b), negative if b < a. */
int	 cal_business_between(cal_day a, cal_day b);

/*
 * Fiscal years. FY Y runs from Y-start_month-01 to the day before
 * (Y+1)-start_month-01; Japan's 年度 has start_month 4.
 */
int	 cal_fy_of(cal_day, int start_month);
cal_day	 cal_fy_first(int fy, int start_month);
cal_day	 cal_fy_last(int fy, int start_month);	/* 年度末 */
/* Calendar year in which month m (1..12) falls inside fiscal year fy. */
int	 cal_fy_month_year(int fy, int m, int start_month);

/*
 * 和暦. cal_wareki_format writes "令和8年2月20日（金）" (flags below) and
 * returns the length written (snprintf semantics). Year 1 is written 元年.
 */
#define CAL_WF_WEEKDAY	0x1		/* append （金） */
#define CAL_WF_NOGANNEN	0x2		/* write 1年, not 元年 */
int	 cal_wareki_format(char *, size_t, cal_day, int flags);
/*
 * "令和8年度" for a fiscal year: the era in force on its last day when
 * that era's year is already 1 or more in the FY's first calendar year
 * (FY2019 is 令和元年度, as the government wrote it), else the era of its
 * first day (FY1988 is 昭和63年度).
 */
int	 cal_wareki_fy_format(char *, size_t, int fy);

/*
 * Era year parsing. Reads an era-qualified year at the start of s:
 * 令和/平成/昭和/大正/明治 with a number or 元, then 年 or 年度
 * ("令和7年", "令和元年度", "平成31年"), or the letters R/H/S/T/M with
 * a number ("R7", "R元", "H30"), full-width digits allowed. On success
 * sets *year to the Gregorian year, *consumed to bytes read (including
 * 年 but not 度), *is_fy to 1 when 年度 followed, and returns 0; else -1.
 */
int	 cal_era_year(const char *s, int *year, size_t *consumed, int *is_fy);

/*
 * Whole-date parsing of ISO "2025-02-20" and 和暦 dates: "令和7年2月20日",
 * "R7.2.20", "R7年2月20日", "令和元年5月1日", full-width digits, and an
 * optional weekday in ASCII or full-width parentheses, "（木）" / "(木)".
 * Returns 0 and sets *day (and *wd to the written weekday 0..6, or -1 if
 * none was written) when the whole string is one valid date; -1 otherwise.
 * A written weekday is returned, not checked: the caller decides whether
 * a mismatch is an error or a warning.
 */
int	 cal_parse_date(const char *s, cal_day *day, int *wd);
/* ISO YYYY-MM-DD only. */
int	 cal_parse_iso(const char *s, cal_day *day);
/* "YYYY-MM-DD" into a buffer of at least 11 bytes. */
void	 cal_format_iso(char *, cal_day);

/*
 * Normalises full-width ASCII (０-９, Ａ-Ｚ, ．, －, ：, （）, 　) to ASCII
 * and "～"/"〜" to "~". Returns a new string the caller frees.
 */
char	*cal_normalize(const char *);

/*
 * Time zones. Calendar logic runs in one configured zone (default
 * Asia/Tokyo). cal_local_to_utc converts a local day + seconds since
 * local midnight to a UTC time_t; cal_utc_to_local the reverse.
 */
#include <time.h>
struct cal_zone;
struct cal_zone *cal_zone_new(const char *name, char **cause);
void	 cal_zone_free(struct cal_zone *);
const char *cal_zone_name(const struct cal_zone *);
time_t	 cal_local_to_utc(const struct cal_zone *, cal_day, int secs);
void	 cal_utc_to_local(const struct cal_zone *, time_t, cal_day *,
	    int *secs);

#endif
