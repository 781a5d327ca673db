/*
 * csv_html_test.c — CSV quoting (BOM, RFC 4180, formula guard) and HTML
 * escaping / URL checks for the dashboard.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "daemon/csv.h"
#include "daemon/html.h"

static void
test_csv(void **state)
{
	struct buf	 b;
	struct csv	 c;
	const char	*row[] = { "東京都", "a,b", "say \"hi\"", "=1+2",
		"line\nbreak", NULL, " pad" };

	(void)state;
	buf_init(&b);
	csv_begin(&c, &b);
	csv_row(&c, row, 7);
	csv_num(&c, -5);
	csv_cell(&c, "-5");
	csv_end_row(&c);
	assert_string_equal(b.data, "\xef\xbb\xbf" "東京都,\"a,b\","
	    "\"say \"\"hi\"\"\",\"'=1+2\",\"line\nbreak\",,\" pad\"\r\n"
	    "-5,\"'-5\"\r\n");
	buf_free(&b);
}

static void
test_html(void **state)
{
	struct buf	 b;

	(void)state;
	buf_init(&b);
	html_text(&b, "<script>alert('x')</script> & \"q\"");
	assert_string_equal(b.data, "&lt;script&gt;alert(&#39;x&#39;)"
	    "&lt;/script&gt; &amp; &quot;q&quot;");
	buf_reset(&b);
	html_textf(&b, "%d<%s", 3, "b");
	assert_string_equal(b.data, "3&lt;b");
	buf_reset(&b);
	html_urlencode(&b, "a b/東");
	assert_string_equal(b.data, "a%20b%2F%E6%9D%B1");
	buf_free(&b);

	assert_true(html_url_ok("https://www.mhlw.go.jp/x?a=1"));
	assert_true(html_url_ok("http://example.jp"));
	assert_true(html_url_ok("mailto:a@example.jp"));
	assert_true(html_url_ok("/tasks?fy=2025"));
	assert_true(html_url_ok("page.html#a:b"));
	assert_false(html_url_ok("javascript:alert(1)"));
	assert_false(html_url_ok(" JavaScript:alert(1)"));
	assert_false(html_url_ok("java\tscript:alert(1)"));
	assert_false(html_url_ok("\x01javascript:alert(1)"));
	assert_false(html_url_ok("data:text/html,<script>"));
	assert_false(html_url_ok("vbscript:msgbox"));
	assert_false(html_url_ok("averyveryverylongscheme:x"));
	assert_false(html_url_ok(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_html),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
