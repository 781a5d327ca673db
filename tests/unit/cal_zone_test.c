/*
 * cal_zone_test.c — fixed-offset zones (Asia/Tokyo, UTC, ±HH:MM) and IANA
 * zones with daylight saving time through libical (needs tzdata).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "calendars/cal.h"

#define D(y, m, d)	cal_from_ymd(y, m, d)
#define UTC(y, m, d, h, mi)	((time_t)D(y, m, d) * 86400 + (h) * 3600 + \
				    (mi) * 60)

static struct cal_zone *
zone(const char *name)
{
	struct cal_zone	*z;
	char		*cause = NULL;

	z = cal_zone_new(name, &cause);
	if (z == NULL)
		fail_msg("%s: %s", name, cause);
	assert_string_equal(cal_zone_name(z), name);
	return z;
}

/* Local y-m-d h:mi in z is UTC u, both ways. */
static void
same(struct cal_zone *z, int y, int m, int d, int h, int mi, time_t u)
{
	cal_day	 day;
	int	 secs;

	assert_int_equal(cal_local_to_utc(z, D(y, m, d), h * 3600 + mi * 60),
	    u);
	cal_utc_to_local(z, u, &day, &secs);
	assert_int_equal(day, D(y, m, d));
	assert_int_equal(secs, h * 3600 + mi * 60);
}

static void
test_tokyo(void **state)
{
	struct cal_zone	*z = zone("Asia/Tokyo");
	cal_day		 day;
	int		 secs;

	(void)state;
	same(z, 2026, 2, 20, 9, 0, UTC(2026, 2, 20, 0, 0));
	same(z, 2026, 2, 20, 8, 0, UTC(2026, 2, 19, 23, 0));
	same(z, 2026, 1, 1, 0, 0, UTC(2025, 12, 31, 15, 0));
	same(z, 1960, 7, 1, 12, 0, UTC(1960, 7, 1, 3, 0));
	cal_utc_to_local(z, UTC(2026, 2, 19, 15, 0) + 1, &day, &secs);
	assert_int_equal(day, D(2026, 2, 20));
	assert_int_equal(secs, 1);
	/* Seconds past midnight may run over into the next day. */
	assert_int_equal(cal_local_to_utc(z, D(2026, 2, 19), 33 * 3600),
	    UTC(2026, 2, 20, 0, 0));
	cal_zone_free(z);
}

static void
test_fixed(void **state)
{
	struct cal_zone	*z;

	(void)state;
	z = zone("UTC");
	same(z, 2026, 6, 1, 0, 0, UTC(2026, 6, 1, 0, 0));
	cal_zone_free(z);
	z = zone("+05:30");
	same(z, 2026, 6, 1, 5, 30, UTC(2026, 6, 1, 0, 0));
	cal_zone_free(z);
	z = zone("-03:00");
	same(z, 2026, 6, 1, 21, 0, UTC(2026, 6, 2, 0, 0));
	cal_zone_free(z);
	cal_zone_free(NULL);
}

static void
test_dst(void **state)
{
	struct cal_zone	*z;

	(void)state;
	z = zone("Europe/Berlin");
	same(z, 2026, 1, 15, 12, 0, UTC(2026, 1, 15, 11, 0));
	same(z, 2026, 7, 1, 12, 0, UTC(2026, 7, 1, 10, 0));
	/* The morning after each change (3/29 and 10/25 in 2026). */
	same(z, 2026, 3, 29, 9, 0, UTC(2026, 3, 29, 7, 0));
	same(z, 2026, 10, 25, 9, 0, UTC(2026, 10, 25, 8, 0));
	same(z, 2026, 3, 28, 23, 30, UTC(2026, 3, 28, 22, 30));
	assert_int_equal(cal_local_to_utc(z, D(2026, 7, 1), 36 * 3600),
	    UTC(2026, 7, 2, 10, 0));
	cal_zone_free(z);
	z = zone("America/New_York");
	same(z, 2026, 6, 1, 12, 0, UTC(2026, 6, 1, 16, 0));
	same(z, 2026, 11, 2, 12, 0, UTC(2026, 11, 2, 17, 0));
	same(z, 2026, 12, 31, 20, 0, UTC(2027, 1, 1, 1, 0));
	cal_zone_free(z);
}

static void
test_bad(void **state)
{
	static const char *const bad[] = { "Mars/Olympus", "Tokyo", "",
	    "/etc/passwd", "../../etc/passwd", "Asia/../Tokyo", "+15:00",
	    "+09:60", "+9", "09:00", "+09:00x" };
	char	*cause;
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		if (cal_zone_new(bad[i], &cause) != NULL)
			fail_msg("accepted zone '%s'", bad[i]);
		assert_non_null(cause);
		assert_non_null(strstr(cause, "time zone"));
		free(cause);
	}
	assert_null(cal_zone_new("Mars/Olympus", NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokyo),
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_dst),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
