/*
 * holiday.c — Japanese national holidays from the law, 1948–2099.
 *
 * 国民の祝日に関する法律 (1948-07-20) and its amendments: 1966 (建国記念の日,
 * 敬老の日, 体育の日), 1973 (振替休日), 1985 (国民の休日), 1989 (みどりの日,
 * 天皇誕生日 12/23), 1995 (海の日 from 1996), 1998 and 2001 (ハッピーマンデー
 * from 2000 and 2003), 2005 (昭和の日, みどりの日 5/4, the 2007 振替休日
 * rule), 2014 (山の日 from 2016), 2017–18 (天皇誕生日 2/23 from 2020,
 * スポーツの日), the special laws for the one-off days, and the Olympic
 * moves of 2020 and 2021.
 *
 * A 祝日 (statutory holiday) is decided by its own date; 振替休日 and
 * 国民の休日 are derived from the neighbouring 祝日. Each query computes
 * from scratch: a handful of comparisons and no mutable state. The hot
 * path, cal_is_closed() in business.c, memoizes the result per day.
 */
#include <stddef.h>

#include "calendars/cal.h"

/* The n-th (1-based) weekday wd of a month, as a day of the month. */
static int
nth_weekday(int y, int m, int n, int wd)
{
	int	 first = cal_weekday(cal_from_ymd(y, m, 1));

	return 1 + (wd - first + 7) % 7 + 7 * (n - 1);
}

/*
 * Equinox day of the month by the standard approximation. The formula's
 * inner term is written int((Y-1983)/4): it truncates toward zero, which
 * is what C integer division does (floor would be a day off before 1980).
 */
static int
equinox(int y, int spring)
{
	double	 base;
	int	 corr;

	if (y < 1980) {
		base = spring ? 20.8357 : 23.2588;
		corr = (y - 1983) / 4;
	} else {
		base = spring ? 20.8431 : 23.2488;
		corr = (y - 1980) / 4;
	}
	return (int)(base + 0.242194 * (y - 1980) - corr);
}

/*
 * Days made holidays by their own special laws, named as the Cabinet
 * Office list names them. The 2019 law makes its two days count as 祝日
 * for 振替休日 and 国民の休日, which is what makes 4/30 and 5/2 holidays.
 */
static const struct {
	int		 y, m, d;
	const char	*name;
} oneoff[] = {
	{ 1959, 4, 10, "結婚の儀" },
	{ 1989, 2, 24, "大喪の礼" },
	{ 1990, 11, 12, "即位礼正殿の儀" },
	{ 1993, 6, 9, "結婚の儀" },
	{ 2019, 5, 1, "休日（祝日扱い）" },	/* 天皇の即位の日 */
	{ 2019, 10, 22, "休日（祝日扱い）" },	/* 即位礼正殿の儀 */
};

static const char *
statutory_jan_jun(int y, int m, int d)
{
	switch (m) {
	case 1:
		if (d == 1)
			return "元日";
		if (d == (y < 2000 ? 15 : nth_weekday(y, 1, 2, 1)))
			return "成人の日";
		break;
	case 2:
		if (d == 11 && y >= 1967)
			return "建国記念の日";
		if (d == 23 && y >= 2020)
			return "天皇誕生日";
		break;
	case 3:
		if (d == equinox(y, 1))
			return "春分の日";
		break;
	case 4:
		if (d == 29)
			return y <= 1988 ? "天皇誕生日" :
			    y <= 2006 ? "みどりの日" : "昭和の日";
		break;
	case 5:
		if (d == 3)
			return "憲法記念日";
		if (d == 4 && y >= 2007)
			return "みどりの日";
		if (d == 5)
			return "こどもの日";
		break;
	default:
		break;
	}
	return NULL;
}

static const char *
statutory_jul_dec(int y, int m, int d)
{
	switch (m) {
	case 7:
		if (y == 2020 || y == 2021) {
			if (d == (y == 2020 ? 23 : 22))
				return "海の日";
			if (d == (y == 2020 ? 24 : 23))
				return "スポーツの日";
		} else if (y >= 1996 &&
		    d == (y < 2003 ? 20 : nth_weekday(y, 7, 3, 1)))
			return "海の日";
		break;
	case 8:
		if (y >= 2016 &&
		    d == (y == 2020 ? 10 : y == 2021 ? 8 : 11))
			return "山の日";
		break;
	case 9:
		if (y >= 1966 &&
		    d == (y < 2003 ? 15 : nth_weekday(y, 9, 3, 1)))
			return "敬老の日";
		if (d == equinox(y, 0))
			return "秋分の日";
		break;
	case 10:
		if (y >= 1966 && y != 2020 && y != 2021 &&
		    d == (y < 2000 ? 10 : nth_weekday(y, 10, 2, 1)))
			return y < 2020 ? "体育の日" : "スポーツの日";
		break;
	case 11:
		if (d == 3)
			return "文化の日";
		if (d == 23)
			return "勤労感謝の日";
		break;
	case 12:
		if (d == 23 && y >= 1989 && y <= 2018)
			return "天皇誕生日";
		break;
	default:
		break;
	}
	return NULL;
}

/* A 祝日 by its own date, or NULL. The law took effect 1948-07-20. */
static const char *
statutory(cal_day z)
{
	int	 y, m, d;
	size_t	 i;

	cal_to_ymd(z, &y, &m, &d);
	if (y < CAL_HOLIDAY_MIN || y > CAL_HOLIDAY_MAX ||
	    z < cal_from_ymd(1948, 7, 20))
		return NULL;
	for (i = 0; i < sizeof oneoff / sizeof oneoff[0]; i++)
		if (oneoff[i].y == y && oneoff[i].m == m && oneoff[i].d == d)
			return oneoff[i].name;
	return m <= 6 ? statutory_jan_jun(y, m, d) : statutory_jul_dec(y, m, d);
}

/*
 * 振替休日. 1973-04-12 to 2006: the day after a 祝日 that falls on a
 * Sunday. From 2007: the first day after such a Sunday that is not a 祝日
 * (so a run of 祝日 pushes it on: 2008-05-06, 2009-05-06).
 */
static int
substitute(cal_day z)
{
	int	 y, m, d, k;

	cal_to_ymd(z, &y, &m, &d);
	if (y < 2007) {
		return z - 1 >= cal_from_ymd(1973, 4, 12) &&
		    cal_weekday(z - 1) == 0 && statutory(z - 1) != NULL;
	}
	for (k = 1; k <= 7 && statutory(z - k) != NULL; k++)
		if (cal_weekday(z - k) == 0)
			return 1;
	return 0;
}

/*
 * 国民の休日 (from the 1985-12-27 amendment): a day between two 祝日 that
 * is not itself a holiday; until 2006 the law also excluded Sundays.
 */
static int
citizens(cal_day z)
{
	if (z < cal_from_ymd(1985, 12, 27))
		return 0;
	if (z < cal_from_ymd(2007, 1, 1) && cal_weekday(z) == 0)
		return 0;
	return statutory(z - 1) != NULL && statutory(z + 1) != NULL;
}

int
cal_holiday(cal_day z, const char **name)
{
	const char	*n;

	/* Both derived kinds need a 祝日 the day before: test that first. */
	if ((n = statutory(z)) == NULL && statutory(z - 1) != NULL) {
		if (substitute(z))
			n = "振替休日";
		else if (citizens(z))
			n = "国民の休日";
	}
	if (n != NULL && name != NULL)
		*name = n;
	return n != NULL;
}

size_t
cal_holidays(int y0, int y1, struct cal_holiday_entry *out, size_t n)
{
	cal_day		 z, last;
	size_t		 count = 0;
	const char	*name;

	if (y0 < CAL_HOLIDAY_MIN)
		y0 = CAL_HOLIDAY_MIN;
	if (y1 > CAL_HOLIDAY_MAX)
		y1 = CAL_HOLIDAY_MAX;
	if (y1 < y0)
		return 0;
	last = cal_from_ymd(y1, 12, 31);
	for (z = cal_from_ymd(y0, 1, 1); z <= last; z++) {
		if (!cal_holiday(z, &name))
			continue;
		if (count < n) {
			out[count].day = z;
			out[count].name = name;
		}
		count++;
	}
	return count;
}
