/*
 * links_test.c — completion link tokens: round trip, every one-character
 * alteration refused, foreign key refused, expiry, malformed input, and
 * the key file's creation and mode check.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/core/links.h"

static const unsigned char key1[LINKS_KEY_LEN] = "0123456789abcdef0123456789abcdef";
static const unsigned char key2[LINKS_KEY_LEN] = "0123456789abcdef0123456789abcdeX";

static void
test_round_trip(void **state)
{
	char		*t, who[LINKS_ASSIGNEE_MAX + 1];
	int64_t		 task = 0;

	(void)state;
	t = links_make(key1, 4242, "pref-13", 2000000000);
	assert_non_null(t);
	assert_null(strpbrk(t, "+/=\n"));
	assert_int_equal(links_verify(key1, t, 1800000000, &task, who),
	    LINKS_OK);
	assert_int_equal(task, 4242);
	assert_string_equal(who, "pref-13");
	assert_int_equal(links_verify(key1, t, 2000000001, &task, who),
	    LINKS_EXPIRED);
	assert_int_equal(links_verify(key2, t, 1800000000, &task, who),
	    LINKS_BAD);
	free(t);
	assert_null(links_make(key1, 1, "", 1));
	assert_null(links_make(key1, 1, "x123456789x123456789x123456789"
	    "x123456789x123456789x123456789x12345", 1));
}

/* Changing any single character of a token must break it. */
static void
test_altered(void **state)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char		*t, who[LINKS_ASSIGNEE_MAX + 1];
	size_t		 i, j, len;
	int64_t		 task;
	char		 saved;

	(void)state;
	t = links_make(key1, 7, "c-tokyo", 2000000000);
	len = strlen(t);
	for (i = 0; i < len; i++) {
		saved = t[i];
		for (j = 0; j < sizeof alphabet - 1; j += 7) {
			if (alphabet[j] == saved)
				continue;
			t[i] = alphabet[j];
			assert_int_equal(links_verify(key1, t, 1, &task, who),
			    LINKS_BAD);
		}
		t[i] = saved;
	}
	/* Truncated, extended, padded, foreign characters, empty. */
	t[len - 1] = '\0';
	assert_int_equal(links_verify(key1, t, 1, &task, who), LINKS_BAD);
	free(t);
	t = links_make(key1, 7, "c-tokyo", 2000000000);
	assert_int_equal(links_verify(key1, t, 1, &task, who), LINKS_OK);
	free(t);
	assert_int_equal(links_verify(key1, "", 1, &task, who), LINKS_BAD);
	assert_int_equal(links_verify(key1, NULL, 1, &task, who), LINKS_BAD);
	assert_int_equal(links_verify(key1, "AAAA====", 1, &task, who),
	    LINKS_BAD);
	assert_int_equal(links_verify(key1, "../../etc/passwd", 1, &task,
	    who), LINKS_BAD);
}

/* A forged token built with the right layout but a guessed MAC. */
static void
test_forged(void **state)
{
	char		*t, *u, who[LINKS_ASSIGNEE_MAX + 1];
	int64_t		 task;

	(void)state;
	t = links_make(key1, 1, "pref-01", 2000000000);
	u = links_make(key2, 1, "pref-01", 2000000000);
	assert_string_not_equal(t, u);
	assert_int_equal(links_verify(key1, u, 1, &task, who), LINKS_BAD);
	free(t);
	free(u);
}

static void
test_key_file(void **state)
{
	char		 dir[] = "/tmp/links_test.XXXXXX", path[256];
	unsigned char	 k[LINKS_KEY_LEN], k2[LINKS_KEY_LEN];
	char		*cause = NULL;
	struct stat	 st;
	FILE		*f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/secret.key", dir);
	assert_int_equal(links_key_load(path, k, &cause), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, LINKS_KEY_LEN);
	assert_int_equal(links_key_load(path, k2, &cause), 0);
	assert_memory_equal(k, k2, LINKS_KEY_LEN);
	/* Group-readable: refused. */
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(links_key_load(path, k2, &cause), -1);
	assert_non_null(strstr(cause, "group"));
	free(cause);
	cause = NULL;
	/* Wrong size: refused. */
	assert_int_equal(chmod(path, 0600), 0);
	f = fopen(path, "a");
	fputs("x", f);
	fclose(f);
	assert_int_equal(links_key_load(path, k2, &cause), -1);
	free(cause);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_altered),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_key_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
