/*
 * cmd_webhook_test.c — what `koyomi webhook list` shows of an endpoint's
 * URL: scheme://host[:port] only, never user info, path or query, where
 * Slack-style URLs and basic-auth URLs keep their credential.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/cmd.h"

static void
origin(const char *url, const char *want)
{
	char	out[128];

	cmd_webhook_origin(url, out, sizeof out);
	assert_string_equal(out, want);
}

static void
test_origin(void **state)
{
	(void)state;
	origin("https://hooks.slack.com/services/T000/B000/XXXXSECRET",
	    "https://hooks.slack.com…");
	origin("https://example.lg.jp:8443/hook?token=SECRET",
	    "https://example.lg.jp:8443…");
	origin("http://user:pa55@127.0.0.1:8080/x", "http://127.0.0.1:8080…");
	/* The authority ends before the path: an '@' there is not user info. */
	origin("https://h.example/a@b", "https://h.example…");
	origin("https://u@h.example", "https://h.example…");
	origin("http://[::1]:9000/p", "http://[::1]:9000…");
	origin("https://h.example#frag", "https://h.example…");
	/* Nothing left out: no ellipsis. */
	origin("https://h.example", "https://h.example");
	origin("https://h.example:1", "https://h.example:1");
	/* No scheme: nothing of it is shown. */
	origin("hooks.slack.com/services/SECRET", "…");
	origin("", "…");
	origin("://x", "…");
}

static void
test_truncation(void **state)
{
	char	out[12];

	(void)state;
	cmd_webhook_origin("https://a-very-long-host.example/SECRET", out,
	    sizeof out);
	assert_int_equal(strlen(out), sizeof out - 1);
	assert_null(strstr(out, "SECRET"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
