/*
 * business.c — closure days and business-day arithmetic. A business day
 * is not a Saturday or Sunday, not a national holiday and not one of the
 * 年末年始 days 12/29–1/3 that 地方自治法 第4条の2 lets local bodies close.
 */
#include "calendars/cal.h"

/* Ten years of consecutive closed days cannot happen: a safe bound. */
#define BUSINESS_SCAN_MAX	3660

int
cal_is_yearend(cal_day z)
{
	int	 y, m, d;

	cal_to_ymd(z, &y, &m, &d);
	return (m == 12 && d >= 29) || (m == 1 && d <= 3);
}

int
cal_is_closed(cal_day z)
{
	int	 wd = cal_weekday(z);

	return wd == 0 || wd == 6 || cal_is_yearend(z) || cal_holiday(z, NULL);
}

int
cal_is_business(cal_day z)
{
	return !cal_is_closed(z);
}

cal_day
cal_add_business(cal_day z, int n)
{
	int	 step = n > 0 ? 1 : -1, left = n > 0 ? n : -n, scanned = 0;
	cal_day	 cur = z;

	while (left > 0) {
		if (++scanned > BUSINESS_SCAN_MAX + (n > 0 ? n : -n) * 7)
			return z;
		cur += step;
		if (cal_is_business(cur))
			left--;
	}
	return cur;
}

cal_day
cal_business_on_or_after(cal_day z)
{
	int	 i;

	for (i = 0; i < BUSINESS_SCAN_MAX; i++)
		if (cal_is_business(z + i))
			return z + i;
	return z;
}

cal_day
cal_business_on_or_before(cal_day z)
{
	int	 i;

	for (i = 0; i < BUSINESS_SCAN_MAX; i++)
		if (cal_is_business(z - i))
			return z - i;
	return z;
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
