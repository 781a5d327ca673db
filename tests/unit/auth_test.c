/*
 * auth_test.c — auth_can_cycle: who may act on which cycle. The empty
 * name once sent the matching loop round forever (strstr finds "" at
 * once and the pointer moved on by its length, 0), so every case runs
 * under an alarm: a loop that does not end fails the test in 5 seconds
 * instead of hanging the suite.
 */
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/core/auth.h"

#define AUTH_TEST_SECONDS	5

static void
on_alarm(int sig)
{
	static const char	 msg[] = "auth_test: auth_can_cycle did not "
	    "return within 5 seconds (endless loop)\n";
	ssize_t			 n;

	(void)sig;
	/* Only async-signal-safe calls here. */
	n = write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(n == -1 ? 2 : 1);
}

static int
arm(void **state)
{
	(void)state;
	signal(SIGALRM, on_alarm);
	alarm(AUTH_TEST_SECONDS);
	return 0;
}

static int
disarm(void **state)
{
	(void)state;
	alarm(0);
	return 0;
}

static struct auth_info
who(enum auth_role role, const char *cycles)
{
	struct auth_info	 ai;

	memset(&ai, 0, sizeof ai);
	ai.role = role;
	snprintf(ai.cycles, sizeof ai.cycles, "%s", cycles);
	return ai;
}

/* The case that looped: the empty name, for every kind of token. */
static void
test_empty_cycle(void **state)
{
	struct auth_info	 ai;

	(void)state;
	ai = who(AUTH_COORDINATOR, "a,ab");
	assert_false(auth_can_cycle(&ai, ""));
	ai = who(AUTH_COORDINATOR, "");
	assert_false(auth_can_cycle(&ai, ""));
	ai = who(AUTH_COORDINATOR, "a,,b");
	assert_false(auth_can_cycle(&ai, ""));
	ai = who(AUTH_COORDINATOR, ",");
	assert_false(auth_can_cycle(&ai, ""));
	ai = who(AUTH_VIEWER, "");
	assert_false(auth_can_cycle(&ai, ""));
	ai = who(AUTH_NONE, "");
	assert_false(auth_can_cycle(&ai, ""));
	/* An admin is not asked about names (the store knows no cycle ""). */
	ai = who(AUTH_ADMIN, "");
	assert_true(auth_can_cycle(&ai, ""));
}

/* Whole names between commas only: no prefix, suffix or inner match. */
static void
test_coordinator(void **state)
{
	struct auth_info	 ai;

	(void)state;
	ai = who(AUTH_COORDINATOR, "a,ab");
	assert_true(auth_can_cycle(&ai, "a"));
	assert_true(auth_can_cycle(&ai, "ab"));
	assert_false(auth_can_cycle(&ai, "b"));
	assert_false(auth_can_cycle(&ai, "a,ab"));
	assert_false(auth_can_cycle(&ai, ","));
	assert_false(auth_can_cycle(&ai, "abc"));
	ai = who(AUTH_COORDINATOR, "ab,a");
	assert_true(auth_can_cycle(&ai, "a"));
	assert_false(auth_can_cycle(&ai, "b"));
	ai = who(AUTH_COORDINATOR, "aaa");
	assert_false(auth_can_cycle(&ai, "a"));
	assert_false(auth_can_cycle(&ai, "aa"));
	assert_true(auth_can_cycle(&ai, "aaa"));
}

static void
test_no_cycles(void **state)
{
	struct auth_info	 ai;

	(void)state;
	ai = who(AUTH_COORDINATOR, "");
	assert_false(auth_can_cycle(&ai, "a"));
	assert_false(auth_can_cycle(&ai, ""));
	assert_false(auth_can_cycle(&ai, ","));
}

/* Admins act on every cycle; viewers on none, whatever the token lists. */
static void
test_roles(void **state)
{
	struct auth_info	 ai;

	(void)state;
	ai = who(AUTH_ADMIN, "");
	assert_true(auth_can_cycle(&ai, "a"));
	assert_true(auth_can_cycle(&ai, "anything"));
	ai = who(AUTH_VIEWER, "a,ab");
	assert_false(auth_can_cycle(&ai, "a"));
	assert_false(auth_can_cycle(&ai, "ab"));
	ai = who(AUTH_NONE, "a");
	assert_false(auth_can_cycle(&ai, "a"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_cycle, arm, disarm),
		cmocka_unit_test_setup_teardown(test_coordinator, arm, disarm),
		cmocka_unit_test_setup_teardown(test_no_cycles, arm, disarm),
		cmocka_unit_test_setup_teardown(test_roles, arm, disarm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
