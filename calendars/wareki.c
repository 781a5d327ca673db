/*
 * wareki.c — 和暦 (Japanese era dates): formatting, era-year parsing and
 * whole-date parsing, plus full-width normalisation of the digits and
 * punctuation Japanese documents use ("令和２年度", "R7.5.15", "（木）").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/cal.h"
#include "calendars/util.h"

static const struct era {
	const char	*name;		/* 令和 */
	char		 letter;	/* R */
	int		 y, m, d;	/* first day */
	int		 maxyear;	/* last year number that existed */
} eras[] = {
	/* Newest first: formatting takes the first era begun by the day. */
	{ "令和", 'R', 2019, 5, 1, CAL_MAX_YEAR - 2018 },
	{ "平成", 'H', 1989, 1, 8, 31 },
	{ "昭和", 'S', 1926, 12, 25, 64 },
	{ "大正", 'T', 1912, 7, 30, 15 },
	/* 明治 counted from the 1868-10-23 proclamation. */
	{ "明治", 'M', 1868, 10, 23, 45 },
};
#define NERAS	(sizeof eras / sizeof eras[0])

static const struct era *
era_of(cal_day z)
{
	size_t	 i;

	for (i = 0; i < NERAS; i++)
		if (z >= cal_from_ymd(eras[i].y, eras[i].m, eras[i].d))
			return &eras[i];
	return NULL;
}

static int
era_year_str(char *out, size_t len, const struct era *e, int y, int flags)
{
	int	 n = y - e->y + 1;

	if (n == 1 && !(flags & CAL_WF_NOGANNEN))
		return snprintf(out, len, "%s元", e->name);
	return snprintf(out, len, "%s%d", e->name, n);
}

int
cal_wareki_format(char *out, size_t len, cal_day z, int flags)
{
	const struct era	*e;
	char			 ey[32];
	int			 y, m, d;

	cal_to_ymd(z, &y, &m, &d);
	if ((e = era_of(z)) == NULL)
		return snprintf(out, len, "%d年%d月%d日", y, m, d);
	era_year_str(ey, sizeof ey, e, y, flags);
	if (flags & CAL_WF_WEEKDAY)
		return snprintf(out, len, "%s年%d月%d日（%s）", ey, m, d,
		    cal_weekday_ja(cal_weekday(z)));
	return snprintf(out, len, "%s年%d月%d日", ey, m, d);
}

/*
 * A fiscal year takes the era in force on its last day when that era's
 * year count is already at least 1 in the FY's first calendar year (FY2019
 * is 令和元年度, as the government wrote it), else the era of its first day
 * (FY1988 is 昭和63年度: 平成 began in 1989, the FY's second calendar year).
 */
int
cal_wareki_fy_format(char *out, size_t len, int fy)
{
	const struct era	*e;
	char			 ey[32];

	e = era_of(cal_fy_last(fy, 4));
	if (e == NULL || fy - e->y + 1 < 1)
		e = era_of(cal_fy_first(fy, 4));
	if (e == NULL)
		return snprintf(out, len, "%d年度", fy);
	era_year_str(ey, sizeof ey, e, fy, 0);
	return snprintf(out, len, "%s年度", ey);
}

char *
cal_normalize(const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	struct buf		 b;

	buf_init(&b);
	while (*p != '\0') {
		if (p[0] == 0xef && p[1] == 0xbc && p[2] >= 0x81 &&
		    p[2] <= 0xbf) {		/* U+FF01..FF3F */
			buf_putc(&b, (char)(0x21 + (p[2] - 0x81)));
			p += 3;
		} else if (p[0] == 0xef && p[1] == 0xbd && p[2] >= 0x80 &&
		    p[2] <= 0x9e) {		/* U+FF40..FF5E (～ → ~) */
			buf_putc(&b, (char)(0x60 + (p[2] - 0x80)));
			p += 3;
		} else if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80) {
			buf_putc(&b, ' ');	/* ideographic space */
			p += 3;
		} else if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x9c) {
			buf_putc(&b, '~');	/* 〜 wave dash */
			p += 3;
		} else if (p[0] == 0xe2 && p[1] == 0x88 && p[2] == 0x92) {
			buf_putc(&b, '-');	/* − minus sign */
			p += 3;
		} else
			buf_putc(&b, (char)*p++);
	}
	return buf_steal(&b);
}

/* Reads 1–4 ASCII digits or 元 (= 1). Returns bytes read, 0 if none. */
static size_t
read_num(const char *s, int *val, int allow_gannen)
{
	size_t	 i = 0;
	int	 v = 0;

	if (allow_gannen && strncmp(s, "元", strlen("元")) == 0) {
		*val = 1;
		return strlen("元");
	}
	while (i < 4 && s[i] >= '0' && s[i] <= '9')
		v = v * 10 + (s[i++] - '0');
	*val = v;
	return i;
}

int
cal_era_year(const char *src, int *year, size_t *consumed, int *is_fy)
{
	const struct era	*e = NULL;
	char			*s;
	size_t			 i, off = 0, n;
	int			 num, kanji = 0, rc = -1;

	/* Work on ASCII digits; map the offset back by re-normalising. */
	s = cal_normalize(src);
	for (i = 0; i < NERAS && e == NULL; i++) {
		if (strncmp(s, eras[i].name, strlen(eras[i].name)) == 0) {
			e = &eras[i];
			off = strlen(eras[i].name);
			kanji = 1;
		} else if (s[0] == eras[i].letter ||
		    s[0] == eras[i].letter + ('a' - 'A')) {
			e = &eras[i];
			off = 1;
		}
	}
	if (e == NULL)
		goto out;
	while (s[off] == ' ')
		off++;
	if ((n = read_num(s + off, &num, 1)) == 0 || num < 1 ||
	    num > e->maxyear)
		goto out;
	off += n;
	while (s[off] == ' ')
		off++;
	*is_fy = 0;
	if (strncmp(s + off, "年", strlen("年")) == 0) {
		off += strlen("年");
		if (strncmp(s + off, "度", strlen("度")) == 0)
			*is_fy = 1;
	} else if (kanji)
		goto out;
	*year = e->y + num - 1;
	/* Normalisation only shrinks runs of bytes: find the source length. */
	for (n = 0; src[n] != '\0'; n++) {
		char	*pre = xstrndup(src, n);
		char	*norm = cal_normalize(pre);
		size_t	 nl = strlen(norm);

		free(pre);
		free(norm);
		if (nl >= off)
			break;
	}
	*consumed = n;
	rc = 0;
out:
	free(s);
	return rc;
}

/* "(木)" or "(木曜日)" / "(木曜)"; returns 0..6, -1 if none, -2 if bad. */
static int
read_weekday(const char *s, size_t *len)
{
	static const char *const ja[] = { "日", "月", "火", "水", "木", "金",
	    "土" };
	size_t	 off;
	int	 i;

	if (*s != '(')
		return -1;
	for (i = 0; i < 7; i++) {
		off = 1 + strlen(ja[i]);
		if (strncmp(s + 1, ja[i], strlen(ja[i])) != 0)
			continue;
		if (strncmp(s + off, "曜", strlen("曜")) == 0) {
			off += strlen("曜");
			if (strncmp(s + off, "日", strlen("日")) == 0)
				off += strlen("日");
		}
		if (s[off] != ')')
			return -2;
		*len = off + 1;
		return i;
	}
	return -2;
}

/* "M月D日" or "M.D" (dotted) after a year; returns bytes read or 0. */
static size_t
read_month_day(const char *s, int dotted, int *m, int *d)
{
	size_t	 off, n;

	if ((n = read_num(s, m, 0)) == 0)
		return 0;
	off = n;
	if (dotted) {
		if (s[off] != '.' && s[off] != '/')
			return 0;
		off++;
	} else {
		if (strncmp(s + off, "月", strlen("月")) != 0)
			return 0;
		off += strlen("月");
	}
	if ((n = read_num(s + off, d, 0)) == 0)
		return 0;
	off += n;
	if (!dotted) {
		if (strncmp(s + off, "日", strlen("日")) != 0)
			return 0;
		off += strlen("日");
	}
	return off;
}

int
cal_parse_date(const char *src, cal_day *day, int *wd)
{
	char	*s, *p, *q;
	size_t	 off = 0, n;
	int	 y, m, d, isfy, rc = -1, dotted = 0, w;

	s = cal_normalize(src);
	/* Spaces carry no meaning in dates ("平成 31 年 2 月 28 日"). */
	for (p = q = s; *p != '\0'; p++)
		if (*p != ' ')
			*q++ = *p;
	*q = '\0';
	if (strlen(s) >= 10 && s[4] == '-' && s[7] == '-') {
		char	 iso[11];

		memcpy(iso, s, 10);
		iso[10] = '\0';
		if (cal_parse_iso(iso, day) == -1)
			goto out;
		cal_to_ymd(*day, &y, &m, &d);
		off = 10;
	} else {
		if (cal_era_year(s, &y, &n, &isfy) == 0) {
			if (isfy)
				goto out;
			dotted = n < strlen("年") || strncmp(s + n -
			    strlen("年"), "年", strlen("年")) != 0;
			if (dotted && s[n] == '.')
				n++;
		} else if ((n = read_num(s, &y, 0)) == 4 &&
		    strncmp(s + 4, "年", strlen("年")) == 0)
			n += strlen("年");
		else
			goto out;
		off = n;
		if ((n = read_month_day(s + off, dotted, &m, &d)) == 0)
			goto out;
		off += n;
		if (!cal_valid(y, m, d))
			goto out;
		*day = cal_from_ymd(y, m, d);
	}
	*wd = -1;
	if (s[off] != '\0') {
		if ((w = read_weekday(s + off, &n)) < 0 || s[off + n] != '\0')
			goto out;
		*wd = w;
	}
	rc = 0;
out:
	free(s);
	return rc;
}
