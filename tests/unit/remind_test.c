/*
 * remind_test.c — reminder step instants: the delivery window, business
 * days (祝日, GW, 年末年始), overdue repeats, escalation, second-level
 * steps and the catch-up rule after downtime.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/chase/remind.h"

struct fx {
	struct cal_zone		*zone;
	struct remind_ctx	 rc;
};

static int
setup(void **state)
{
	struct fx	*f = test_calloc(1, sizeof *f);
	char		*cause = NULL;

	f->zone = cal_zone_new("Asia/Tokyo", &cause);
	assert_non_null(f->zone);
	f->rc.zone = f->zone;
	f->rc.window_start = 9 * 3600;
	f->rc.window_end = 17 * 3600;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	cal_zone_free(f->zone);
	test_free(f);
	return 0;
}

static time_t
jst(const struct fx *f, int y, int m, int d, int h, int mi)
{
	return cal_local_to_utc(f->zone, cal_from_ymd(y, m, d),
	    h * 3600 + mi * 60);
}

static struct rules_offset
off(int n, enum rules_unit u, int at_secs)
{
	struct rules_offset	 o = { n, u, at_secs };

	return o;
}

/* The schedule entry called name; fails the test when absent. */
static struct remind_step
find(const struct fx *f, const struct rules_policy *p, time_t due,
    const char *name)
{
	struct remind_step	 v[64];
	size_t			 i, n;

	n = remind_schedule(&f->rc, p, due, v, 64);
	assert_true(n <= 64);
	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return v[i];
	fail_msg("no step %s", name);
	return v[0];
}

static void
test_names(void **state)
{
	struct rules_offset	 o;
	char			 s[REMIND_NAME_MAX];

	(void)state;
	o = off(-14, RU_DAY, -1);
	remind_offset_name(&o, s, sizeof s);
	assert_string_equal(s, "-14d");
	o = off(1, RU_BDAY, -1);
	remind_offset_name(&o, s, sizeof s);
	assert_string_equal(s, "+1bd");
	o = off(0, RU_DAY, 9 * 3600);
	remind_offset_name(&o, s, sizeof s);
	assert_string_equal(s, "0d@09:00");
	o = off(-20, RU_SEC, -1);
	remind_offset_name(&o, s, sizeof s);
	assert_string_equal(s, "-20s");
	o = off(2, RU_MONTH, -1);
	remind_offset_name(&o, s, sizeof s);
	assert_string_equal(s, "+2mo");
}

/* Due Fri 2026-02-20 17:00; 2/23 (Mon) is 天皇誕生日. */
static void
test_window(void **state)
{
	struct fx		*f = *state;
	struct rules_offset	 steps[] = {
		off(-1, RU_DAY, -1), off(0, RU_DAY, 8 * 3600),
		off(0, RU_DAY, 18 * 3600), off(-6, RU_DAY, 13 * 3600),
	};
	struct rules_policy	 p = { .steps = steps, .nsteps = 4 };
	time_t			 due = jst(f, 2026, 2, 20, 17, 0);

	assert_int_equal(find(f, &p, due, "-1d").at, jst(f, 2026, 2, 19, 9, 0));
	/* Before the window: its opening, same day. */
	assert_int_equal(find(f, &p, due, "0d@08:00").at,
	    jst(f, 2026, 2, 20, 9, 0));
	/* After it: next business day, skipping the weekend and 2/23. */
	assert_int_equal(find(f, &p, due, "0d@18:00").at,
	    jst(f, 2026, 2, 24, 9, 0));
	/* -6d is Saturday 2/14: Monday 2/16 at the window's opening. */
	assert_int_equal(find(f, &p, due, "-6d@13:00").at,
	    jst(f, 2026, 2, 16, 9, 0));
	assert_int_equal(find(f, &p, due, "-1d").kind, REMIND_BEFORE);
	assert_int_equal(find(f, &p, due, "0d@18:00").kind, REMIND_OVERDUE);
}

static void
test_business_days(void **state)
{
	struct fx		*f = *state;
	struct rules_offset	 steps[] = {
		off(-3, RU_BDAY, -1), off(-1, RU_BDAY, -1), off(1, RU_BDAY, -1),
		off(-1, RU_WEEK, -1), off(-1, RU_MONTH, -1),
	};
	struct rules_policy	 p = { .steps = steps, .nsteps = 5 };
	time_t			 due = jst(f, 2026, 2, 20, 17, 0);

	assert_int_equal(find(f, &p, due, "-3bd").at, jst(f, 2026, 2, 17, 9, 0));
	assert_int_equal(find(f, &p, due, "-1bd").at, jst(f, 2026, 2, 19, 9, 0));
	assert_int_equal(find(f, &p, due, "+1bd").at, jst(f, 2026, 2, 24, 9, 0));
	assert_int_equal(find(f, &p, due, "-1w").at, jst(f, 2026, 2, 13, 9, 0));
	assert_int_equal(find(f, &p, due, "-1mo").at, jst(f, 2026, 1, 20, 9, 0));
}

/*
 * The office also closes Wed 2/18 and Tue 2/24 (koyomi.conf closed_days):
 * business-day steps skip them and a day step on one waits.
 */
static void
test_extra_closed(void **state)
{
	struct fx		*f = *state;
	struct rules_offset	 steps[] = {
		off(-3, RU_BDAY, -1), off(1, RU_BDAY, -1),
		off(-2, RU_DAY, -1),
	};
	struct rules_policy	 p = { .steps = steps, .nsteps = 3 };
	cal_day			 days[] = { cal_from_ymd(2026, 2, 18),
				    cal_from_ymd(2026, 2, 24) };
	struct cal_closed	 closed = { days, 2 };
	time_t			 due = jst(f, 2026, 2, 20, 17, 0);

	f->rc.closed = &closed;
	assert_int_equal(find(f, &p, due, "-3bd").at, jst(f, 2026, 2, 16, 9, 0));
	assert_int_equal(find(f, &p, due, "+1bd").at, jst(f, 2026, 2, 25, 9, 0));
	assert_int_equal(find(f, &p, due, "-2d").at, jst(f, 2026, 2, 19, 9, 0));
	assert_int_equal(remind_window_open(&f->rc, jst(f, 2026, 2, 18, 10, 0)),
	    jst(f, 2026, 2, 19, 9, 0));
	f->rc.closed = NULL;
	assert_int_equal(find(f, &p, due, "-3bd").at, jst(f, 2026, 2, 17, 9, 0));
	assert_int_equal(find(f, &p, due, "-2d").at, jst(f, 2026, 2, 18, 9, 0));
}

/* GW 2026: 4/29, 5/3 (Sun), 5/4, 5/5, 5/6 振替; year-end 12/29–1/3. */
static void
test_gw_yearend(void **state)
{
	struct fx		*f = *state;
	struct rules_offset	 steps[] = {
		off(1, RU_BDAY, -1), off(3, RU_DAY, 10 * 3600),
	};
	struct rules_policy	 p = { .steps = steps, .nsteps = 2 };
	time_t			 due;

	due = jst(f, 2026, 5, 1, 17, 0);
	assert_int_equal(find(f, &p, due, "+1bd").at, jst(f, 2026, 5, 7, 9, 0));
	/* Moved days start at the window's opening, not at 10:00. */
	assert_int_equal(find(f, &p, due, "+3d@10:00").at,
	    jst(f, 2026, 5, 7, 9, 0));
	due = jst(f, 2026, 12, 28, 17, 0);
	assert_int_equal(find(f, &p, due, "+1bd").at, jst(f, 2027, 1, 4, 9, 0));
	assert_int_equal(find(f, &p, due, "+3d@10:00").at,
	    jst(f, 2027, 1, 4, 9, 0));
}

/* -20s … +5s: exact, at night on a Sunday, the window ignored. */
static void
test_seconds(void **state)
{
	struct fx		*f = *state;
	struct rules_offset	 steps[] = {
		off(-20, RU_SEC, -1), off(-10, RU_SEC, -1), off(0, RU_SEC, -1),
		off(5, RU_SEC, -1),
	};
	struct rules_policy	 p = { .steps = steps, .nsteps = 4,
		.has_escalate = 1, .escalate_after = { 8, RU_SEC, -1 } };
	time_t			 due = jst(f, 2026, 2, 22, 23, 30), at;
	struct remind_step	 st;
	const char		*taken[8];
	size_t			 nt = 0;

	assert_int_equal(find(f, &p, due, "-20s").at, due - 20);
	assert_int_equal(find(f, &p, due, "+5s").at, due + 5);
	assert_int_equal(find(f, &p, due, "+5s").kind, REMIND_OVERDUE);
	assert_int_equal(find(f, &p, due, "0s").kind, REMIND_BEFORE);
	/* Walk through them as the daemon would, one by one. */
	assert_int_equal(remind_next(&f->rc, &p, due, due - 30, taken, nt,
	    &st, &at), 1);
	assert_string_equal(st.name, "-20s");
	assert_int_equal(at, due - 20);
	taken[nt++] = "-20s";
	assert_int_equal(remind_next(&f->rc, &p, due, due - 20, taken, nt,
	    &st, &at), 1);
	assert_string_equal(st.name, "-10s");
	taken[nt++] = "-10s";
	taken[nt++] = "0s";
	taken[nt++] = "+5s";
	assert_int_equal(remind_next(&f->rc, &p, due, due + 6, taken, nt,
	    &st, &at), 1);
	assert_string_equal(st.name, "escalate");
	assert_int_equal(st.kind, REMIND_ESCALATE_KIND);
	assert_int_equal(at, due + 8);
	taken[nt++] = "escalate";
	assert_int_equal(remind_next(&f->rc, &p, due, due + 100, taken, nt,
	    &st, &at), 0);
}

static void
test_repeats_escalation(void **state)
{
	struct fx		*f = *state;
	struct rules_offset	 steps[] = {
		off(-1, RU_BDAY, -1), off(0, RU_DAY, 9 * 3600),
		off(1, RU_BDAY, -1),
	};
	struct rules_policy	 p = { .steps = steps, .nsteps = 3,
		.has_repeat = 1, .repeat_overdue = { 3, RU_BDAY, -1 },
		.has_escalate = 1, .escalate_after = { 3, RU_BDAY, -1 } };
	struct remind_step	 v[64];
	time_t			 due = jst(f, 2026, 2, 20, 17, 0);
	size_t			 n, i;

	/* +1bd = 2/24; then every 3 business days: 2/27, 3/4, 3/9 … */
	assert_int_equal(find(f, &p, due, "overdue#1").at,
	    jst(f, 2026, 2, 27, 9, 0));
	assert_int_equal(find(f, &p, due, "overdue#2").at,
	    jst(f, 2026, 3, 4, 9, 0));
	assert_int_equal(find(f, &p, due, "escalate").at,
	    jst(f, 2026, 2, 26, 9, 0));
	n = remind_schedule(&f->rc, &p, due, v, 64);
	assert_int_equal(n, 3 + REMIND_MAX_REPEATS + 1);
	for (i = 1; i < n; i++)
		assert_true(v[i - 1].at <= v[i].at);
	/* No policy, no reminders. */
	assert_int_equal(remind_schedule(&f->rc, NULL, due, v, 64), 0);
}

/*
 * Down from 2/18 to Tuesday 2/24 10:00: -1bd, 0d and +1bd were missed;
 * only +1bd is sent, once, and the earlier ones are never sent after.
 */
static void
test_catch_up(void **state)
{
	struct fx		*f = *state;
	struct rules_offset	 steps[] = {
		off(-7, RU_DAY, -1), off(-1, RU_BDAY, -1),
		off(0, RU_DAY, 9 * 3600), off(1, RU_BDAY, -1),
		off(5, RU_BDAY, -1),
	};
	struct rules_policy	 p = { .steps = steps, .nsteps = 5 };
	time_t			 due = jst(f, 2026, 2, 20, 17, 0), at, now;
	struct remind_step	 st;
	const char		*taken[] = { "-7d", "+1bd" };

	now = jst(f, 2026, 2, 24, 10, 0);
	assert_int_equal(remind_next(&f->rc, &p, due, now, taken, 1, &st,
	    &at), 1);
	assert_string_equal(st.name, "+1bd");
	assert_int_equal(at, now);
	assert_int_equal(remind_next(&f->rc, &p, due, now, taken, 2, &st,
	    &at), 1);
	assert_string_equal(st.name, "+5bd");
	assert_int_equal(at, jst(f, 2026, 3, 2, 9, 0));
	/* Caught up on Saturday night: held for Monday's window. */
	now = jst(f, 2026, 2, 28, 3, 0);
	assert_int_equal(remind_next(&f->rc, &p, due, now, taken, 1, &st,
	    &at), 1);
	assert_string_equal(st.name, "+1bd");
	assert_int_equal(at, jst(f, 2026, 3, 2, 9, 0));
	/* Long-stale steps are dropped, not sent months late. */
	now = jst(f, 2026, 6, 1, 10, 0);
	assert_int_equal(remind_next(&f->rc, &p, due, now, taken, 1, &st,
	    &at), 0);
	assert_int_equal(remind_window_open(&f->rc, jst(f, 2026, 2, 20, 12, 0)),
	    jst(f, 2026, 2, 20, 12, 0));
	assert_int_equal(remind_window_open(&f->rc, jst(f, 2026, 12, 28, 17, 0)),
	    jst(f, 2027, 1, 4, 9, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_business_days, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_extra_closed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_gw_yearend, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_seconds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeats_escalation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_catch_up, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
