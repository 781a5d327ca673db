/*
 * ics.c — one RFC 5545 VCALENDAR from plain event records (see ics.h).
 *
 * What libical does here and what koyomi does itself, and why:
 *
 * - Date, date-time and duration values are formatted by libical
 *   (icaltime_as_ical_string_r, icaldurationtype_as_ical_string_r), so the
 *   value grammar is the library's.
 * - Property lines are written here, not by icalproperty_as_ical_string:
 *   libical's folder backs up to the last ';', ':' or space before the
 *   75th octet, so with 3.0.16 "SUMMARY:" stands alone on its first line
 *   and where a Japanese title breaks depends on its spaces; the folding
 *   code has also differed between releases (some split UTF-8 sequences).
 *   koyomi's bytes, and so its ETags, must not depend on the library
 *   build, so escaping (ics_escape_text) and folding (ics_fold_line) are
 *   ours, a few lines each, and tested at every boundary.
 * - The Asia/Tokyo VTIMEZONE is written here: libical 3.0.16's built-in
 *   zones carry a "/freeassociation.sourceforge.net/" TZID prefix that
 *   Thunderbird rejects, and an empty prefix is only honoured from 4.0.
 *   Japan has had no daylight saving since 1951, so one STANDARD block at
 *   +0900 is the whole zone.
 *
 * No clock is read: DTSTAMP comes from the caller, so identical input
 * gives identical bytes (and identical ETags).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "calendars/ics.h"

#ifndef KOYOMI_VERSION
#define KOYOMI_VERSION "0"
#endif

#define ICS_LINE_MAX	75	/* octets per physical line, RFC 5545 3.1 */
#define ICS_TZID	"Asia/Tokyo"

/*
 * Appends one content line folded at 75 octets, then CRLF. A fold goes
 * before the character that would cross the limit, never inside a UTF-8
 * sequence; a continuation line's leading space counts towards its 75.
 */
void
ics_fold_line(struct buf *b, const char *line, size_t len)
{
	const unsigned char	*s = (const unsigned char *)line;
	size_t			 i = 0, used = 0, n, limit = ICS_LINE_MAX;

	while (i < len) {
		n = utf8_seqlen(s + i);
		if (n > len - i)
			n = len - i;
		if (used + n > limit) {
			buf_append(b, "\r\n ", 3);
			used = 1;
		}
		buf_append(b, s + i, n);
		used += n;
		i += n;
	}
	buf_append(b, "\r\n", 2);
}

/*
 * TEXT escaping (RFC 5545 3.3.11): backslash first, then ';' ',' and line
 * breaks as "\n" (CRLF and a lone CR count as one break). ':' and '"' are
 * left alone: escaping them is the rem2ics mistake. Other control
 * characters are not allowed in TEXT and are dropped; HTAB is kept.
 */
void
ics_escape_text(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '\\':
			buf_append(b, "\\\\", 2);
			break;
		case ';':
			buf_append(b, "\\;", 2);
			break;
		case ',':
			buf_append(b, "\\,", 2);
			break;
		case '\r':
			if (s[1] == '\n')
				s++;
			/* FALLTHROUGH */
		case '\n':
			buf_append(b, "\\n", 2);
			break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\t')
				break;
			if (*s == 0x7f)
				break;
			buf_putc(b, *s);
		}
	}
}

/* Writes "NAME:VALUE" with VALUE escaped as TEXT, folded. */
static void
ics_text_prop(struct buf *b, struct buf *line, const char *name,
    const char *value)
{
	buf_reset(line);
	buf_puts(line, name);
	buf_putc(line, ':');
	ics_escape_text(line, value);
	ics_fold_line(b, line->data, line->len);
}

/* Writes a property whose value needs no escaping (dates, numbers). */
static void
ics_raw_prop(struct buf *b, struct buf *line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
ics_raw_prop(struct buf *b, struct buf *line, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = xvasprintf(&s, fmt, ap);
	va_end(ap);
	buf_reset(line);
	buf_append(line, s, (size_t)n);
	free(s);
	ics_fold_line(b, line->data, line->len);
}

/*
 * CATEGORIES is a list: each value is escaped as TEXT, the separating
 * commas are not (escaping them would make one category of the list).
 * Blanks around values are trimmed; empty values are skipped.
 */
static void
ics_categories(struct buf *b, struct buf *line, const char *list)
{
	const char	*p = list, *e, *end;
	char		*one;
	int		 first = 1;

	buf_reset(line);
	buf_puts(line, "CATEGORIES:");
	while (*p != '\0') {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		e = end;
		while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (e > p) {
			if (!first)
				buf_putc(line, ',');
			one = xstrndup(p, (size_t)(e - p));
			ics_escape_text(line, one);
			free(one);
			first = 0;
		}
		p = *end == ',' ? end + 1 : end;
	}
	if (!first)
		ics_fold_line(b, line->data, line->len);
}

/*
 * URL is a URI, not TEXT: no backslash escapes. Bytes a URI may not hold
 * (controls, space, non-ASCII, '"' '<' '>' '\\' '^' '`' '{' '|' '}') are
 * percent-encoded so a bad link cannot break the line structure.
 */
static void
ics_url_prop(struct buf *b, struct buf *line, const char *url)
{
	const unsigned char	*s;
	static const char	 unsafe[] = " \"<>\\^`{|}";

	buf_reset(line);
	buf_puts(line, "URL:");
	for (s = (const unsigned char *)url; *s != '\0'; s++) {
		if (*s < 0x20 || *s >= 0x7f || strchr(unsafe, *s) != NULL)
			buf_printf(line, "%%%02X", *s);
		else
			buf_putc(line, (char)*s);
	}
	ics_fold_line(b, line->data, line->len);
}

/*
 * A DATE (or local DATE-TIME when secs >= 0) formatted by libical. The day
 * number becomes a civil date through libical's UTC arithmetic (day 0 is
 * 1970-01-01 there too), which keeps this file free of cal.c.
 */
static char *
ics_local_time(cal_day day, int secs)
{
	struct icaltimetype	 t;

	if (secs >= 0) {
		day += secs / 86400;	/* 24:00 is the next day's 00:00 */
		secs %= 86400;
	}
	t = icaltime_from_timet_with_zone((time_t)day * 86400, 1,
	    icaltimezone_get_utc_timezone());
	t.zone = NULL;
	if (secs >= 0) {
		t.is_date = 0;
		t.hour = secs / 3600;
		t.minute = secs / 60 % 60;
		t.second = secs % 60;
	}
	return icaltime_as_ical_string_r(t);
}

/* DTSTAMP: a UTC DATE-TIME ("...Z") from a time_t. */
static char *
ics_utc_time(time_t when)
{
	struct icaltimetype	t;

	t = icaltime_from_timet_with_zone(when, 0,
	    icaltimezone_get_utc_timezone());
	return icaltime_as_ical_string_r(t);
}

/*
 * Checks a DURATION ("PT6H", "-P1D", "P1W", "-PT15M") against the RFC 5545
 * 3.3.6 grammar before libical sees it: libical's parser reports errors
 * through a global errno that may be configured to abort.
 */
static int
ics_duration_ok(const char *s)
{
	int	 time = 0, digits, any = 0;

	if (*s == '+' || *s == '-')
		s++;
	if (*s++ != 'P')
		return 0;
	while (*s != '\0') {
		if (*s == 'T' && !time) {
			time = 1;
			s++;
			continue;
		}
		for (digits = 0; isdigit((unsigned char)*s); s++)
			digits++;
		if (digits == 0 || digits > 6)
			return 0;
		if (strchr(time ? "HMS" : "WD", *s) == NULL || *s == '\0')
			return 0;
		s++;
		any = 1;
	}
	return any;
}

/* Canonical form of a checked duration, written by libical. */
static char *
ics_duration(const char *s)
{
	struct icaldurationtype	d;

	d = icaldurationtype_from_string(s);
	return icaldurationtype_as_ical_string_r(d);
}

/* The calendar head: identity, name, zone and refresh hints. */
static void
ics_head(struct buf *b, struct buf *line, const struct ics_calendar *cal,
    const char *refresh)
{
	ics_raw_prop(b, line, "BEGIN:VCALENDAR");
	ics_raw_prop(b, line, "PRODID:-//koyomi//koyomi %s//JA",
	    KOYOMI_VERSION);
	ics_raw_prop(b, line, "VERSION:2.0");
	ics_raw_prop(b, line, "CALSCALE:GREGORIAN");
	ics_raw_prop(b, line, "METHOD:PUBLISH");
	ics_text_prop(b, line, "X-WR-CALNAME",
	    cal->name != NULL ? cal->name : "koyomi");
	ics_raw_prop(b, line, "X-WR-TIMEZONE:%s", ICS_TZID);
	/* RFC 7986 for Apple and others, the legacy TTL for Outlook. */
	ics_raw_prop(b, line, "REFRESH-INTERVAL;VALUE=DURATION:%s", refresh);
	ics_raw_prop(b, line, "X-PUBLISHED-TTL:%s", refresh);
	ics_raw_prop(b, line, "BEGIN:VTIMEZONE");
	ics_raw_prop(b, line, "TZID:%s", ICS_TZID);
	ics_raw_prop(b, line, "BEGIN:STANDARD");
	ics_raw_prop(b, line, "DTSTART:19700101T000000");
	ics_raw_prop(b, line, "TZOFFSETFROM:+0900");
	ics_raw_prop(b, line, "TZOFFSETTO:+0900");
	ics_raw_prop(b, line, "TZNAME:JST");
	ics_raw_prop(b, line, "END:STANDARD");
	ics_raw_prop(b, line, "END:VTIMEZONE");
}

/* DTSTART/DTEND: dates with an exclusive end, or local times in Tokyo. */
static void
ics_times(struct buf *b, struct buf *line, const struct ics_event *ev)
{
	char	*s;

	if (ev->allday) {
		s = ics_local_time(ev->start, -1);
		ics_raw_prop(b, line, "DTSTART;VALUE=DATE:%s", s);
		free(s);
		/* RFC 5545 3.6.1: an all-day DTEND is the day after. */
		s = ics_local_time((ev->end >= ev->start ? ev->end :
		    ev->start) + 1, -1);
		ics_raw_prop(b, line, "DTEND;VALUE=DATE:%s", s);
		free(s);
		return;
	}
	s = ics_local_time(ev->start, ev->start_secs);
	ics_raw_prop(b, line, "DTSTART;TZID=%s:%s", ICS_TZID, s);
	free(s);
	/* No known end: DTSTART alone is a point in time (3.6.1). */
	if (ev->end_secs < 0)
		return;
	s = ics_local_time(ev->end, ev->end_secs);
	ics_raw_prop(b, line, "DTEND;TZID=%s:%s", ICS_TZID, s);
	free(s);
}

static const char *
ics_status_name(enum ics_status st)
{
	switch (st) {
	case ICS_TENTATIVE:
		return "TENTATIVE";
	case ICS_CANCELLED:
		return "CANCELLED";
	default:
		return "CONFIRMED";
	}
}

/* One VEVENT, properties in a fixed order. */
static void
ics_event_write(struct buf *b, struct buf *line, const struct ics_event *ev,
    const char *alarm)
{
	char	*s;
	int	 transparent;

	ics_raw_prop(b, line, "BEGIN:VEVENT");
	ics_text_prop(b, line, "UID", ev->uid);
	ics_raw_prop(b, line, "SEQUENCE:%d", ev->sequence < 0 ? 0 :
	    ev->sequence);
	s = ics_utc_time(ev->dtstamp);
	ics_raw_prop(b, line, "DTSTAMP:%s", s);
	free(s);
	ics_times(b, line, ev);
	ics_text_prop(b, line, "SUMMARY", ev->summary != NULL ?
	    ev->summary : "");
	if (ev->description != NULL && *ev->description != '\0')
		ics_text_prop(b, line, "DESCRIPTION", ev->description);
	if (ev->location != NULL && *ev->location != '\0')
		ics_text_prop(b, line, "LOCATION", ev->location);
	if (ev->url != NULL && *ev->url != '\0')
		ics_url_prop(b, line, ev->url);
	if (ev->categories != NULL && *ev->categories != '\0')
		ics_categories(b, line, ev->categories);
	ics_raw_prop(b, line, "STATUS:%s", ics_status_name(ev->status));
	/* An approximate span ("6月頃") must not make a month look busy. */
	transparent = ev->allday && (ev->status == ICS_TENTATIVE ||
	    ev->transparent);
	ics_raw_prop(b, line, "TRANSP:%s", transparent ? "TRANSPARENT" :
	    "OPAQUE");
	if (alarm != NULL && ev->status != ICS_CANCELLED) {
		ics_raw_prop(b, line, "BEGIN:VALARM");
		ics_raw_prop(b, line, "ACTION:DISPLAY");
		ics_text_prop(b, line, "DESCRIPTION", ev->summary != NULL ?
		    ev->summary : "");
		ics_raw_prop(b, line, "TRIGGER:%s", alarm);
		ics_raw_prop(b, line, "END:VALARM");
	}
	ics_raw_prop(b, line, "END:VEVENT");
}

/* Every string must be UTF-8: a feed with one bad byte fails to parse. */
static int
ics_event_check(const struct ics_event *ev, char **cause)
{
	const char	*f[] = { ev->uid, ev->summary, ev->description,
			    ev->location, ev->url, ev->categories };
	size_t		 i;

	if (ev->uid == NULL || *ev->uid == '\0') {
		xasprintf(cause, "event without UID");
		return -1;
	}
	for (i = 0; i < nitems(f); i++) {
		if (f[i] != NULL && !utf8_valid(f[i], strlen(f[i]))) {
			xasprintf(cause, "event %s: invalid UTF-8", ev->uid);
			return -1;
		}
	}
	if (!ev->allday && (ev->start_secs < 0 ||
	    ev->start_secs >= 86400 || ev->end_secs >= 2 * 86400)) {
		xasprintf(cause, "event %s: bad time of day", ev->uid);
		return -1;
	}
	return 0;
}

int
ics_render(const struct ics_calendar *cal, const struct ics_event *ev,
    size_t n, struct buf *out, char **cause)
{
	struct buf	 line;
	char		*refresh = NULL, *alarm = NULL;
	size_t		 i, mark = out->len;

	buf_init(&line);
	if (cal->tzid != NULL && strcmp(cal->tzid, ICS_TZID) != 0) {
		xasprintf(cause, "time zone %s: only %s is written",
		    cal->tzid, ICS_TZID);
		goto fail;
	}
	if (cal->name != NULL && !utf8_valid(cal->name, strlen(cal->name))) {
		xasprintf(cause, "calendar name: invalid UTF-8");
		goto fail;
	}
	if (cal->refresh != NULL && !ics_duration_ok(cal->refresh)) {
		xasprintf(cause, "refresh: bad duration %s", cal->refresh);
		goto fail;
	}
	if (cal->alarm != NULL && !ics_duration_ok(cal->alarm)) {
		xasprintf(cause, "alarm: bad duration %s", cal->alarm);
		goto fail;
	}
	for (i = 0; i < n; i++)
		if (ics_event_check(&ev[i], cause) == -1)
			goto fail;
	refresh = ics_duration(cal->refresh != NULL ? cal->refresh : "PT6H");
	if (cal->alarm != NULL)
		alarm = ics_duration(cal->alarm);

	ics_head(out, &line, cal, refresh);
	for (i = 0; i < n; i++)
		ics_event_write(out, &line, &ev[i], alarm);
	ics_raw_prop(out, &line, "END:VCALENDAR");
	free(refresh);
	free(alarm);
	buf_free(&line);
	return 0;
fail:
	/* Leave out as it was: no half calendar. */
	out->len = mark;
	if (out->data != NULL)
		out->data[mark] = '\0';
	free(refresh);
	free(alarm);
	buf_free(&line);
	return -1;
}
