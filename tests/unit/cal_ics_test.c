/*
 * cal_ics_test.c — the iCalendar renderer: folding at every alignment of
 * 3- and 4-byte characters, TEXT escaping, all-day and multi-day events
 * with an exclusive DTEND, timed events with TZID, cancellation, the
 * VTIMEZONE, byte-identical renders, and a 200-character Japanese title
 * that libical's own parser reads back exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libical/ical.h>

#include "calendars/ics.h"

/* Every physical line ends in CRLF, has at most 75 octets, is UTF-8. */
static void
check_lines(const char *s, size_t len)
{
	const char	*p = s, *e, *end = s + len;

	assert_true(len >= 2);
	assert_memory_equal(end - 2, "\r\n", 2);
	while (p < end) {
		e = memchr(p, '\r', (size_t)(end - p));
		assert_non_null(e);
		assert_true(e + 1 < end && e[1] == '\n');
		assert_true(e - p <= 75);
		assert_true(utf8_valid(p, (size_t)(e - p)));
		assert_null(memchr(p, '\n', (size_t)(e - p)));
		p = e + 2;
	}
}

/* RFC 5545 3.1 unfolding: drop every CRLF followed by one blank. */
static char *
unfold(const char *s)
{
	struct buf	b;

	buf_init(&b);
	for (; *s != '\0'; s++) {
		if (s[0] == '\r' && s[1] == '\n' && (s[2] == ' ' ||
		    s[2] == '\t')) {
			s += 2;
			continue;
		}
		buf_putc(&b, *s);
	}
	return buf_steal(&b);
}

/* The unfolded line starting with prefix, or NULL. Caller frees. */
static char *
find_line(const char *ics, const char *prefix)
{
	char		*u = unfold(ics), *p, *e, *r = NULL;
	size_t		 n = strlen(prefix);

	for (p = u; p != NULL && *p != '\0'; p = e + 2) {
		e = strstr(p, "\r\n");
		if (e == NULL)
			break;
		if ((size_t)(e - p) >= n && memcmp(p, prefix, n) == 0) {
			r = strndup(p, (size_t)(e - p));
			break;
		}
	}
	free(u);
	return r;
}

static void
fold_one(const char *line, size_t *nlines)
{
	struct buf	 b;
	char		*u;

	buf_init(&b);
	ics_fold_line(&b, line, strlen(line));
	check_lines(b.data, b.len);
	u = unfold(b.data);
	assert_int_equal(strlen(u), strlen(line) + 2);
	assert_memory_equal(u, line, strlen(line));
	if (nlines != NULL) {
		*nlines = 0;
		for (char *p = b.data; (p = strstr(p, "\r\n")) != NULL; p += 2)
			(*nlines)++;
	}
	free(u);
	buf_free(&b);
}

static void
test_fold_ascii(void **state)
{
	struct buf	b;
	char		line[200];
	size_t		n;

	(void)state;
	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	buf_init(&b);
	/* 75 octets fit one line; 76 need a second. */
	ics_fold_line(&b, line, 75);
	assert_int_equal(b.len, 77);
	buf_reset(&b);
	ics_fold_line(&b, line, 76);
	assert_int_equal(b.len, 75 + 2 + 1 + 1 + 2);
	assert_memory_equal(b.data + 75, "\r\n a\r\n", 6);
	buf_free(&b);
	fold_one(line, &n);
	/* 199 = 75 + 74 + 50: three lines. */
	assert_int_equal(n, 3);
}

/* 3-byte characters after 0..3 ASCII bytes: every split position. */
static void
test_fold_utf8_boundaries(void **state)
{
	char	line[600];
	size_t	k, i, n;

	(void)state;
	for (k = 0; k < 4; k++) {
		memset(line, 'S', k);
		line[k] = '\0';
		for (i = 0; i < 100; i++)
			strcat(line, "暦");
		fold_one(line, &n);
		assert_true(n >= 4);
	}
	/* 4-byte characters (emoji) too. */
	for (k = 0; k < 5; k++) {
		memset(line, 'x', k);
		line[k] = '\0';
		for (i = 0; i < 60; i++)
			strcat(line, "😀");
		fold_one(line, NULL);
	}
	/* A fold landing right after an escaped "\n" before a kanji. */
	strcpy(line, "DESCRIPTION:");
	for (i = 0; i < 61; i++)
		strcat(line, "a");
	strcat(line, "\\n会議\\n議題");
	fold_one(line, NULL);
}

static void
test_escape(void **state)
{
	struct buf	b;

	(void)state;
	buf_init(&b);
	ics_escape_text(&b, "a\\b;c,d\ne:f\r\ng\rh\"i\tj\001k");
	assert_string_equal(b.data,
	    "a\\\\b\\;c\\,d\\ne:f\\ng\\nh\"i\tjk");
	buf_free(&b);
}

/* Civil date to day number through libical (cal.c is not linked). */
static cal_day
day_of(int y, int m, int d)
{
	struct icaltimetype	t = icaltime_null_date();

	t.year = y;
	t.month = m;
	t.day = d;
	return (cal_day)(icaltime_as_timet(t) / 86400);
}

static struct ics_event
event(const char *uid, const char *summary)
{
	struct ics_event	e;

	memset(&e, 0, sizeof(e));
	e.uid = uid;
	e.summary = summary;
	e.dtstamp = 1767225600;	/* 2026-01-01T00:00:00Z */
	e.allday = 1;
	e.start = e.end = day_of(2026, 9, 15);
	e.start_secs = e.end_secs = -1;
	return e;
}

static char *
render(const struct ics_calendar *cal, const struct ics_event *ev,
    size_t n)
{
	struct buf	 b;
	char		*cause = NULL;

	buf_init(&b);
	assert_int_equal(ics_render(cal, ev, n, &b, &cause), 0);
	assert_null(cause);
	check_lines(b.data, b.len);
	return buf_steal(&b);
}

static const struct ics_calendar cal = {
	"にも包括 全国会議", "Asia/Tokyo", "PT6H", NULL
};

static void
expect_line(const char *ics, const char *prefix, const char *want)
{
	const char	*ev = strstr(ics, "BEGIN:VEVENT");
	char		*l;

	/* Event properties are looked up from the first VEVENT on. */
	l = find_line(ev != NULL && strcmp(prefix, "DTSTART") == 0 ? ev : ics,
	    prefix);

	if (l == NULL)
		fail_msg("no line %s", prefix);
	assert_string_equal(l, want);
	free(l);
}

static void
test_head_and_zone(void **state)
{
	char	*s;

	(void)state;
	s = render(&cal, NULL, 0);
	assert_true(strncmp(s, "BEGIN:VCALENDAR\r\nPRODID:-//koyomi//koyomi ",
	    41) == 0);
	expect_line(s, "VERSION", "VERSION:2.0");
	expect_line(s, "CALSCALE", "CALSCALE:GREGORIAN");
	expect_line(s, "METHOD", "METHOD:PUBLISH");
	expect_line(s, "X-WR-CALNAME", "X-WR-CALNAME:にも包括 全国会議");
	expect_line(s, "X-WR-TIMEZONE", "X-WR-TIMEZONE:Asia/Tokyo");
	expect_line(s, "REFRESH-INTERVAL",
	    "REFRESH-INTERVAL;VALUE=DURATION:PT6H");
	expect_line(s, "X-PUBLISHED-TTL", "X-PUBLISHED-TTL:PT6H");
	assert_non_null(strstr(s, "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\n"
	    "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
	    "TZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nTZNAME:JST\r\n"
	    "END:STANDARD\r\nEND:VTIMEZONE\r\n"));
	assert_null(strstr(s, "freeassociation"));
	assert_true(strcmp(s + strlen(s) - 15, "END:VCALENDAR\r\n") == 0);
	free(s);
}

static void
test_allday_and_multiday(void **state)
{
	struct ics_event	ev[2];
	char			*s;

	(void)state;
	ev[0] = event("a@koyomi", "締切");
	ev[1] = event("b@koyomi", "研修");
	ev[1].start = day_of(2026, 12, 30);
	ev[1].end = day_of(2027, 1, 2);
	ev[1].status = ICS_TENTATIVE;
	s = render(&cal, ev, 2);
	expect_line(s, "DTSTART", "DTSTART;VALUE=DATE:20260915");
	expect_line(s, "DTEND", "DTEND;VALUE=DATE:20260916");
	expect_line(s, "TRANSP", "TRANSP:OPAQUE");
	expect_line(strstr(s, "UID:b@koyomi"), "DTSTART",
	    "DTSTART;VALUE=DATE:20261230");
	expect_line(strstr(s, "UID:b@koyomi"), "DTEND",
	    "DTEND;VALUE=DATE:20270103");
	expect_line(strstr(s, "UID:b@koyomi"), "STATUS", "STATUS:TENTATIVE");
	expect_line(strstr(s, "UID:b@koyomi"), "TRANSP",
	    "TRANSP:TRANSPARENT");
	free(s);
}

static void
test_timed_and_cancelled(void **state)
{
	struct ics_event	ev;
	struct ics_calendar	c = cal;
	char			*s;

	(void)state;
	ev = event("t@koyomi", "会議; 第1回, 東京");
	ev.allday = 0;
	ev.start_secs = 13 * 3600 + 30 * 60;
	ev.end_secs = 17 * 3600;
	ev.sequence = 3;
	ev.status = ICS_CANCELLED;
	ev.location = "中央合同庁舎第5号館\n専用第22会議室";
	ev.url = "https://koyomi.example/#t@koyomi x";
	ev.categories = "会議, にも包括,,a;b";
	c.alarm = "-P1D";
	s = render(&c, &ev, 1);
	expect_line(s, "DTSTART", "DTSTART;TZID=Asia/Tokyo:20260915T133000");
	expect_line(s, "DTEND", "DTEND;TZID=Asia/Tokyo:20260915T170000");
	expect_line(s, "DTSTAMP", "DTSTAMP:20260101T000000Z");
	expect_line(s, "SEQUENCE", "SEQUENCE:3");
	expect_line(s, "STATUS", "STATUS:CANCELLED");
	expect_line(s, "SUMMARY", "SUMMARY:会議\\; 第1回\\, 東京");
	expect_line(s, "LOCATION",
	    "LOCATION:中央合同庁舎第5号館\\n専用第22会議室");
	expect_line(s, "URL", "URL:https://koyomi.example/#t@koyomi%20x");
	expect_line(s, "CATEGORIES", "CATEGORIES:会議,にも包括,a\\;b");
	/* No alarm on a cancelled event. */
	assert_null(strstr(s, "VALARM"));
	free(s);

	ev.status = ICS_CONFIRMED;
	s = render(&c, &ev, 1);
	assert_non_null(strstr(s, "BEGIN:VALARM\r\nACTION:DISPLAY\r\n"));
	expect_line(s, "TRIGGER", "TRIGGER:-P1D");
	free(s);
}

/* libical reads our bytes back: the title survives, the zone resolves. */
static void
test_long_japanese_round_trip(void **state)
{
	static const char	 ten[] = "精神障害にも対応した";
	struct ics_event	 ev;
	icalcomponent		*c, *e;
	char			 title[1024], *s, *again;
	size_t			 i;

	(void)state;
	title[0] = '\0';
	for (i = 0; i < 20; i++)
		strcat(title, ten);
	assert_int_equal(strlen(title), 600);	/* 200 characters */
	ev = event("long@koyomi", title);
	ev.description = "議題:\n1. 報告, 2. 協議;\\ 以上";
	s = render(&cal, &ev, 1);
	again = render(&cal, &ev, 1);
	assert_string_equal(s, again);		/* byte-identical */
	free(again);

	c = icalparser_parse_string(s);
	assert_non_null(c);
	e = icalcomponent_get_first_component(c, ICAL_VEVENT_COMPONENT);
	assert_non_null(e);
	assert_string_equal(icalcomponent_get_summary(e), title);
	assert_string_equal(icalcomponent_get_description(e), ev.description);
	assert_string_equal(icalcomponent_get_uid(e), "long@koyomi");
	icalcomponent_free(c);
	free(s);
}

static void
test_errors(void **state)
{
	struct ics_event	ev = event("x", "t");
	struct ics_calendar	c = cal;
	struct buf		b;
	char			*cause = NULL;

	(void)state;
	buf_init(&b);
	buf_puts(&b, "keep");
	ev.summary = "bad \xe6\x9a";
	assert_int_equal(ics_render(&c, &ev, 1, &b, &cause), -1);
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	assert_string_equal(b.data, "keep");
	ev.summary = "ok";
	c.refresh = "6 hours";
	assert_int_equal(ics_render(&c, &ev, 1, &b, &cause), -1);
	free(cause);
	cause = NULL;
	c.refresh = "PT6H";
	c.tzid = "Europe/Berlin";
	assert_int_equal(ics_render(&c, &ev, 1, &b, &cause), -1);
	free(cause);
	assert_string_equal(b.data, "keep");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_ascii),
		cmocka_unit_test(test_fold_utf8_boundaries),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_head_and_zone),
		cmocka_unit_test(test_allday_and_multiday),
		cmocka_unit_test(test_timed_and_cancelled),
		cmocka_unit_test(test_long_japanese_round_trip),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
