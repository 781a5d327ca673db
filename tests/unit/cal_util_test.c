/*
 * cal_util_test.c — buf_json_string, the one JSON string writer: escapes,
 * U+2028/U+2029 and DEL, invalid UTF-8 replaced by U+FFFD, NULL as null.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "calendars/log.h"
#include "calendars/util.h"

/* s as buf_json_string writes it, compared with want. */
static void
check(const char *s, const char *want)
{
	struct buf	 b;
	char		*got;

	buf_init(&b);
	buf_json_string(&b, s);
	got = buf_steal(&b);
	assert_string_equal(got, want);
	free(got);
}

static void
test_plain(void **state)
{
	(void)state;
	check("", "\"\"");
	check("abc", "\"abc\"");
	check(NULL, "null");
	check("令和8年（金）", "\"令和8年（金）\"");
	check("\xf0\x9f\x93\x85", "\"\xf0\x9f\x93\x85\"");	/* U+1F4C5 */
}

static void
test_escapes(void **state)
{
	(void)state;
	check("a\"b\\c", "\"a\\\"b\\\\c\"");
	check("1\n2\r3\t4", "\"1\\n2\\r3\\t4\"");
	check("\x01\x1f", "\"\\u0001\\u001f\"");
	check("a\x7f" "b", "\"a\\u007fb\"");
	check("/<>'", "\"/<>'\"");
}

/* Line and paragraph separators end a JavaScript string literal. */
static void
test_separators(void **state)
{
	(void)state;
	check("a\xe2\x80\xa8" "b", "\"a\\u2028b\"");
	check("\xe2\x80\xa9", "\"\\u2029\"");
	check("\xe2\x80\xa7", "\"\xe2\x80\xa7\"");	/* U+2027 passes */
}

static void
test_invalid_utf8(void **state)
{
	(void)state;
	check("a\xff" "b", "\"a\\ufffdb\"");
	check("\x80", "\"\\ufffd\"");
	check("\xc0\xaf", "\"\\ufffd\\ufffd\"");	/* overlong '/' */
	check("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* surrogate */
	check("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	check("x\xe3\x81", "\"x\\ufffd\\ufffd\"");	/* cut at the end */
	check("\xe3" "a", "\"\\ufffda\"");
}

static int
int_cmp(const void *a, const void *b)
{
	int	x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* An empty array may be NULL (UBSan flags qsort(NULL, 0, ...)); else sorts. */
static void
test_xqsort(void **state)
{
	int	v[] = { 3, -1, 2, 2, 0 };
	int	one[] = { 7 };

	(void)state;
	xqsort(NULL, 0, sizeof(int), int_cmp);
	xqsort(one, 1, sizeof one[0], int_cmp);
	assert_int_equal(one[0], 7);
	xqsort(v, nitems(v), sizeof v[0], int_cmp);
	assert_int_equal(v[0], -1);
	assert_int_equal(v[1], 0);
	assert_int_equal(v[2], 2);
	assert_int_equal(v[3], 2);
	assert_int_equal(v[4], 3);
}

/* Values in log lines cannot start a line of their own. */
static void
test_log_escapes(void **state)
{
	char	 out[256];
	FILE	*f = tmpfile();
	int	 saved = dup(STDERR_FILENO);
	size_t	 n;

	(void)state;
	assert_non_null(f);
	fflush(stderr);
	assert_int_not_equal(dup2(fileno(f), STDERR_FILENO), -1);
	unsetenv("JOURNAL_STREAM");
	log_init(0);
	log_warnx("x=%s", "a\nkoyomi: error: forged\r\\\x01\x7f\t暦");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(out, 1, sizeof out - 1, f);
	out[n] = '\0';
	fclose(f);
	assert_string_equal(out, "koyomi: warning: x=a\\nkoyomi: error: "
	    "forged\\r\\\\\\x01\\x7f\\t暦\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xqsort),
		cmocka_unit_test(test_log_escapes),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_invalid_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
