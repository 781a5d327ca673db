/*
 * json_in_test.c — the strict request-body reader: what it accepts and
 * the malformed bodies the API must answer with 400.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/codec/json_in.h"

static void
test_ok(void **state)
{
	const char	*body = " {\"by\": \"東京都 \\u6771\\ud83d\\ude00\", "
	    "\"note\":\"a\\n\\\"b\\\"\", \"n\": -1.5e3, \"x\": true, "
	    "\"z\": null}\n";
	struct json_in	 o;
	const char	*s;
	char		*cause = NULL;

	(void)state;
	assert_int_equal(json_in_parse(body, strlen(body), &o, &cause), 0);
	assert_int_equal(o.n, 5);
	assert_int_equal(json_in_str(&o, "by", &s), 0);
	assert_string_equal(s, "東京都 東\xf0\x9f\x98\x80");
	assert_int_equal(json_in_str(&o, "note", &s), 0);
	assert_string_equal(s, "a\n\"b\"");
	assert_int_equal(json_in_str(&o, "n", &s), -1);
	assert_string_equal(json_in_get(&o, "n")->str, "-1.5e3");
	assert_int_equal(json_in_get(&o, "x")->boolean, 1);
	assert_int_equal(json_in_str(&o, "z", &s), 0);
	assert_null(s);
	assert_int_equal(json_in_str(&o, "absent", &s), 0);
	assert_null(s);
	json_in_free(&o);
	assert_int_equal(json_in_parse("{}", 2, &o, &cause), 0);
	assert_int_equal(o.n, 0);
	json_in_free(&o);
}

static void
test_bad(void **state)
{
	static const char *const bad[] = {
		"", " ", "[]", "\"x\"", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}",
		"{\"a\":1}x", "{\"a\":1}{}", "{\"a\":{\"b\":1}}", "{\"a\":[1]}",
		"{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}",
		"{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\"}",
		"{\"a\":\"\\u0000\"}", "{\"a\":\"\t\"}", "{\"a\":\"\xff\"}",
		"{\"a\":\"\xc0\xaf\"}", "{\"a\":1,\"a\":2}", "{'a':1}",
		"{\"a\":tru}", "{\"a\":nul}", "{a:1}", "{\"a\":\"x}",
		"{\"a\":\"\\u12\"}",
	};
	struct json_in	 o;
	char		*cause;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cause = NULL;
		if (json_in_parse(bad[i], strlen(bad[i]), &o, &cause) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_non_null(cause);
		assert_null(o.v);
		free(cause);
	}
	/* An embedded NUL byte in the body. */
	cause = NULL;
	assert_int_equal(json_in_parse("{\"a\":\"x\0\"}", 10, &o, &cause), -1);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ok),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
