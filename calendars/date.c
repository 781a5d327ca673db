/*
 * date.c — civil dates as day numbers, weekdays and fiscal years.
 * The conversions are Howard Hinnant's well-known days-from-civil
 * arithmetic on the proleptic Gregorian calendar: exact for any year an
 * int holds, no tables, no loops.
 */
#include "calendars/cal.h"

cal_day
cal_from_ymd(int y, int m, int d)
{
	int		 era;
	unsigned	 yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (cal_day)(era * 146097 + (int)doe - 719468);
}

void
cal_to_ymd(cal_day z, int *y, int *m, int *d)
{
	int		 era, yy, mm;
	unsigned	 doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	mm = (int)(mp < 10 ? mp + 3 : mp - 9);
	*m = mm;
	*y = yy + (mm <= 2);
}

int
cal_days_in_month(int y, int m)
{
	static const int	 dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
				    31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dim[m - 1];
}

int
cal_valid(int y, int m, int d)
{
	if (y < CAL_MIN_YEAR || y > CAL_MAX_YEAR)
		return 0;
	return m >= 1 && m <= 12 && d >= 1 && d <= cal_days_in_month(y, m);
}

int
cal_weekday(cal_day z)
{
	/* 1970-01-01 was a Thursday (4). */
	int	 w = (int)((z % 7 + 7) % 7);

	return (w + 4) % 7;
}

const char *
cal_weekday_ja(int wd)
{
	static const char *const names[] = {
		"日", "月", "火", "水", "木", "金", "土",
	};

	if (wd < 0 || wd > 6)
		return "?";
	return names[wd];
}

int
cal_fy_of(cal_day z, int start_month)
{
	int	 y, m, d;

	cal_to_ymd(z, &y, &m, &d);
	return m >= start_month ? y : y - 1;
}

cal_day
cal_fy_first(int fy, int start_month)
{
	return cal_from_ymd(fy, start_month, 1);
}

cal_day
cal_fy_last(int fy, int start_month)
{
	return cal_from_ymd(fy + 1, start_month, 1) - 1;
}

int
cal_fy_month_year(int fy, int m, int start_month)
{
	return m >= start_month ? fy : fy + 1;
}

/* Exactly "YYYY-MM-DD": digits where digits belong, no signs or spaces. */
int
cal_parse_iso(const char *s, cal_day *day)
{
	static const char	 pat[] = "dddd-dd-dd";
	int			 i, y, m, d;

	for (i = 0; pat[i] != '\0'; i++) {
		if (pat[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != pat[i])
			return -1;
	}
	if (s[i] != '\0')
		return -1;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (!cal_valid(y, m, d))
		return -1;
	*day = cal_from_ymd(y, m, d);
	return 0;
}

void
cal_format_iso(char *out, cal_day z)
{
	int	 y, m, d;

	cal_to_ymd(z, &y, &m, &d);
	/* Years are within 0..9999 for any date koyomi handles. */
	y = y < 0 ? 0 : y > 9999 ? 9999 : y;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}
