/*
 * business.c — closure days and business-day arithmetic. A business day
 * is not a Saturday or Sunday, not a national holiday and not one of the
 * 年末年始 days 12/29–1/3 that 地方自治法 第4条の2 lets local bodies close.
 *
 * cal_is_closed is the inner loop of every business-day walk (reminder
 * schedules of 100,000s of tasks): for 1948–2099 it reads a bitmap of
 * closed days instead of running the holiday law for each day. The
 * bitmap is filled lazily, one block of CLOSED_BLOCK days at a time, from
 * closed_computed(), which stays the definition (cal_business_test
 * compares both for every day of the range).
 *
 * An office's own closed days (struct cal_closed) are the caller's: a
 * sorted list passed to the *_in functions, searched after the bitmap.
 * The law-only functions are the same with no list.
 */
#include <stdint.h>
#include <stdlib.h>

#include "calendars/cal.h"
#include "calendars/util.h"

/* Ten years of consecutive closed days cannot happen: a safe bound. */
#define BUSINESS_SCAN_MAX	3660

/*
 * The bitmap covers [CLOSED_FIRST, CLOSED_END), 1948-01-01..2099-12-31,
 * the years of cal_holiday; outside it cal_is_closed computes. Lookup
 * and build use the same base, so the edges only choose which path runs.
 */
#define CLOSED_FIRST		(-8036)		/* cal_from_ymd(1948, 1, 1) */
#define CLOSED_END		47482		/* cal_from_ymd(2100, 1, 1) */
#define CLOSED_SHIFT		8
#define CLOSED_BLOCK		(1 << CLOSED_SHIFT)	/* days per block */
#define CLOSED_NBLOCKS		((CLOSED_END - CLOSED_FIRST + CLOSED_BLOCK - 1) \
				    / CLOSED_BLOCK)
#define CLOSED_WORDS		(CLOSED_BLOCK / 64)

/*
 * A memo of a pure function, not shared state: style.md §7 asks for no
 * mutable statics, but every caller would otherwise have to carry a
 * calendar object for what is a property of the date alone. koyomi has
 * no threads; a block is written whole before its flag is set. 7 KB.
 */
static struct {
	uint64_t	 bits[CLOSED_NBLOCKS][CLOSED_WORDS];
	unsigned char	 built[CLOSED_NBLOCKS];
} closed_memo;

int
cal_is_yearend(cal_day z)
{
	int	 y, m, d;

	cal_to_ymd(z, &y, &m, &d);
	return (m == 12 && d >= 29) || (m == 1 && d <= 3);
}

/* The definition: weekend, 年末年始 or a national holiday. */
static int
closed_computed(cal_day z)
{
	int	 wd = cal_weekday(z);

	return wd == 0 || wd == 6 || cal_is_yearend(z) || cal_holiday(z, NULL);
}

static void
closed_build(int b)
{
	cal_day	 z = CLOSED_FIRST + (cal_day)b * CLOSED_BLOCK;
	int	 i;

	for (i = 0; i < CLOSED_WORDS; i++)
		closed_memo.bits[b][i] = 0;
	for (i = 0; i < CLOSED_BLOCK; i++)
		if (closed_computed(z + i))
			closed_memo.bits[b][i / 64] |= (uint64_t)1 << (i % 64);
	closed_memo.built[b] = 1;
}

/* The law's closed days, through the memo. */
static int
closed_law(cal_day z)
{
	int	 off, b;

	if (z < CLOSED_FIRST || z >= CLOSED_END)
		return closed_computed(z);
	off = z - CLOSED_FIRST;
	b = off >> CLOSED_SHIFT;
	if (!closed_memo.built[b])
		closed_build(b);
	off &= CLOSED_BLOCK - 1;
	return (int)(closed_memo.bits[b][off / 64] >> (off % 64) & 1);
}

static int
day_cmp(const void *a, const void *b)
{
	cal_day	 x = *(const cal_day *)a, y = *(const cal_day *)b;

	return x < y ? -1 : x > y;
}

size_t
cal_closed_sort(cal_day *days, size_t n)
{
	size_t	 i, k;

	xqsort(days, n, sizeof *days, day_cmp);
	for (i = k = 0; i < n; i++)
		if (k == 0 || days[k - 1] != days[i])
			days[k++] = days[i];
	return k;
}

/* 1 when the office lists z among its own closed days. */
static int
closed_extra(const struct cal_closed *c, cal_day z)
{
	if (c == NULL || c->n == 0)
		return 0;
	return bsearch(&z, c->days, c->n, sizeof *c->days, day_cmp) != NULL;
}

int
cal_is_closed_in(const struct cal_closed *c, cal_day z)
{
	return closed_law(z) || closed_extra(c, z);
}

int
cal_is_closed(cal_day z)
{
	return closed_law(z);
}

int
cal_is_business_in(const struct cal_closed *c, cal_day z)
{
	return !cal_is_closed_in(c, z);
}

int
cal_is_business(cal_day z)
{
	return !closed_law(z);
}

/* The law's reason first: a listed day that is a Sunday is 日曜日. */
const char *
cal_closed_name_in(const struct cal_closed *c, cal_day z)
{
	const char	*name = NULL;
	int		 wd;

	if (!closed_law(z))
		return closed_extra(c, z) ? CAL_EXTRA_CLOSED_NAME : NULL;
	if (cal_holiday(z, &name) && name != NULL)
		return name;
	if (cal_is_yearend(z))
		return "年末年始";
	wd = cal_weekday(z);
	return wd == 0 ? "日曜日" : wd == 6 ? "土曜日" : NULL;
}

const char *
cal_closed_name(cal_day z)
{
	return cal_closed_name_in(NULL, z);
}

cal_day
cal_add_business_in(const struct cal_closed *c, cal_day z, int n)
{
	int	 step = n > 0 ? 1 : -1, left = n > 0 ? n : -n, scanned = 0;
	cal_day	 cur = z;

	while (left > 0) {
		if (++scanned > BUSINESS_SCAN_MAX + (n > 0 ? n : -n) * 7)
			return z;
		cur += step;
		if (cal_is_business_in(c, cur))
			left--;
	}
	return cur;
}

cal_day
cal_add_business(cal_day z, int n)
{
	return cal_add_business_in(NULL, z, n);
}

cal_day
cal_business_on_or_after_in(const struct cal_closed *c, cal_day z)
{
	int	 i;

	for (i = 0; i < BUSINESS_SCAN_MAX; i++)
		if (cal_is_business_in(c, z + i))
			return z + i;
	return z;
}

cal_day
cal_business_on_or_after(cal_day z)
{
	return cal_business_on_or_after_in(NULL, z);
}

cal_day
cal_business_on_or_before_in(const struct cal_closed *c, cal_day z)
{
	int	 i;

	for (i = 0; i < BUSINESS_SCAN_MAX; i++)
		if (cal_is_business_in(c, z - i))
			return z - i;
	return z;
}

cal_day
cal_business_on_or_before(cal_day z)
{
	return cal_business_on_or_before_in(NULL, z);
}

int
cal_business_between(cal_day a, cal_day b)
{
	cal_day	 lo = a < b ? a : b, hi = a < b ? b : a, z;
	int	 n = 0;

	for (z = lo; z < hi; z++)
		n += cal_is_business(z);
	return a <= b ? n : -n;
}
