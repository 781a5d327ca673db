/*
 * parse_when.c — values that say when: offsets (-10bd, "0d 09:00"),
 * times of day (17:00) and time spans (10:00-16:30). Full-width digits,
 * colons and wave dashes are accepted, as everywhere in rule files,
 * because administrators paste them from Japanese documents.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/parse.h"

/* Copies s with full-width ASCII folded to ASCII and ～/〜 to '~'. */
char *
rules_fold(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;
	struct buf		 b;

	buf_init(&b);
	while (*u != '\0') {
		if (u[0] == 0xef && u[1] == 0xbc && u[2] >= 0x81 &&
		    u[2] <= 0xbf) {		/* U+FF01..U+FF3F */
			buf_putc(&b, (char)(u[2] - 0x80 + 0x20));
			u += 3;
		} else if (u[0] == 0xef && u[1] == 0xbd && u[2] >= 0x80 &&
		    u[2] <= 0x9e) {		/* U+FF40..U+FF5E */
			buf_putc(&b, (char)(u[2] - 0x80 + 0x60));
			u += 3;
		} else if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x9c) {
			buf_putc(&b, '~');	/* 〜 */
			u += 3;
		} else if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80) {
			buf_putc(&b, ' ');	/* ideographic space */
			u += 3;
		} else
			buf_putc(&b, (char)*u++);
	}
	buf_putc(&b, '\0');
	return buf_steal(&b);
}

/* HH:MM at *sp; advances it. -1 when it is not a time of day. */
static int
rules_scan_tod(const char **sp)
{
	const char	*s = *sp;
	int		 h = 0, m = 0, nd = 0;

	while (*s >= '0' && *s <= '9' && nd < 3) {
		h = h * 10 + (*s++ - '0');
		nd++;
	}
	if (nd == 0 || nd > 2 || *s++ != ':')
		return -1;
	if (!(s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	m = (s[0] - '0') * 10 + (s[1] - '0');
	s += 2;
	if (h > 23 || m > 59)
		return -1;
	*sp = s;
	return h * 3600 + m * 60;
}

int
rules_get_tod(struct rules_pctx *p, const struct ynode *v, const char *key,
    int *secs)
{
	char		*f;
	const char	*s;
	int		 t;

	if (rules_want(p, v, YN_SCALAR, key) == -1)
		return -1;
	f = rules_fold(v->str);
	s = f;
	t = rules_scan_tod(&s);
	if (t == -1 || *s != '\0') {
		rules_perr(p, p->file, v->mark, "'%s' must be a time of day "
		    "like 17:00, not '%s'", key, v->str);
		free(f);
		return -1;
	}
	free(f);
	*secs = t;
	return 0;
}

static const char *
rules_skip_sp(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

int
rules_get_timespan(struct rules_pctx *p, const struct ynode *v,
    const char *key, struct rules_time *tm)
{
	char		*f;
	const char	*s;
	int		 a, b = -1;

	if (rules_want(p, v, YN_SCALAR, key) == -1)
		return -1;
	f = rules_fold(v->str);
	s = rules_skip_sp(f);
	if ((a = rules_scan_tod(&s)) == -1)
		goto bad;
	s = rules_skip_sp(s);
	if (*s == '-' || *s == '~') {
		s = rules_skip_sp(s + 1);
		if ((b = rules_scan_tod(&s)) == -1)
			goto bad;
		s = rules_skip_sp(s);
	}
	if (*s != '\0')
		goto bad;
	free(f);
	if (b != -1 && b <= a) {
		rules_perr(p, p->file, v->mark, "'%s': the end %s is not after "
		    "the start", key, v->str);
		return -1;
	}
	tm->start_secs = a;
	tm->end_secs = b;
	return 0;
bad:
	free(f);
	rules_perr(p, p->file, v->mark, "'%s' must be a time like 10:00 or a "
	    "span like 10:00-16:30, not '%s'", key, v->str);
	return -1;
}

/* Longest unit names first so "min" is not read as "m…". */
static const struct {
	const char	*name;
	enum rules_unit	 unit;
} rules_units[] = {
	{ "min", RU_MIN }, { "bd", RU_BDAY }, { "mo", RU_MONTH },
	{ "d", RU_DAY }, { "w", RU_WEEK }, { "h", RU_HOUR }, { "s", RU_SEC },
};

int
rules_get_offset(struct rules_pctx *p, const struct ynode *v,
    const char *key, struct rules_offset *off)
{
	char		*f;
	const char	*s;
	size_t		 i, n;
	long		 amount = 0;
	int		 neg = 0, nd = 0;

	if (rules_want(p, v, YN_SCALAR, key) == -1)
		return -1;
	f = rules_fold(v->str);
	s = rules_skip_sp(f);
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9' && nd < 6) {
		amount = amount * 10 + (*s++ - '0');
		nd++;
	}
	if (nd == 0 || (*s >= '0' && *s <= '9'))
		goto bad;
	for (i = 0; i < nitems(rules_units); i++) {
		n = strlen(rules_units[i].name);
		if (strncmp(s, rules_units[i].name, n) == 0)
			break;
	}
	if (i == nitems(rules_units))
		goto bad;
	s += n;
	off->n = neg ? -(int)amount : (int)amount;
	off->unit = rules_units[i].unit;
	off->at_secs = -1;
	if (*s == ' ') {
		s = rules_skip_sp(s);
		if (off->unit != RU_DAY && off->unit != RU_BDAY &&
		    off->unit != RU_WEEK && off->unit != RU_MONTH)
			goto bad;
		if ((off->at_secs = rules_scan_tod(&s)) == -1)
			goto bad;
	}
	if (*rules_skip_sp(s) != '\0')
		goto bad;
	free(f);
	return 0;
bad:
	free(f);
	rules_perr(p, p->file, v->mark, "'%s' must be an offset like -10bd, "
	    "+3mo or \"0d 09:00\" (units d, bd, w, mo, h, min, s), not '%s'",
	    key, v->str);
	return -1;
}
