/*
 * feeds_cache_test.c — feed entries: unchanged bytes keep their entry and
 * Last-Modified, gzip inflates back to the bytes, references keep
 * replaced bytes alive, a known stamp keeps Last-Modified across a
 * restart; conditional requests, Accept-Encoding, names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "daemon/feeds/feeds_cache.h"

static void
put(struct feeds_cache *c, const char *key, const char *text, time_t now,
    int want)
{
	struct buf	b;

	buf_init(&b);
	buf_puts(&b, text);
	assert_int_equal(feeds_cache_put(c, 0, key, &b, now), want);
}

static void
test_cache(void **state)
{
	struct feeds_cache	*c = feeds_cache_new();
	struct feed_entry	*e, *e2;
	char			 out[256];
	uLongf			 n = sizeof(out);
	z_stream		 z;

	(void)state;
	put(c, "b", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", 1000, 1);
	put(c, "a", "other", 1000, 1);
	e = feeds_cache_get(c, 0, "b");
	assert_non_null(e);
	assert_null(feeds_cache_get(c, 1, "b"));	/* private apart */
	assert_string_equal(e->lastmod, "Thu, 01 Jan 1970 00:16:40 GMT");
	assert_int_equal(strlen(e->etag), 34);
	assert_true(e->etag[0] == '"' && e->etag[33] == '"');

	/* gzip inflates back to the bytes. */
	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = (Bytef *)e->gz;
	z.avail_in = (uInt)e->gzlen;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)n;
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, e->len);
	assert_memory_equal(out, e->body, e->len);
	inflateEnd(&z);

	/* Same bytes later: same entry, same Last-Modified. */
	put(c, "b", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", 5000, 0);
	assert_ptr_equal(feeds_cache_get(c, 0, "b"), e);
	/* A response still holds e: new bytes replace it, e stays valid. */
	feed_entry_ref(e);
	put(c, "b", "changed", 5000, 1);
	e2 = feeds_cache_get(c, 0, "b");
	assert_ptr_not_equal(e2, e);
	assert_string_not_equal(e2->etag, e->etag);
	assert_int_equal(e2->mtime, 5000);
	assert_string_equal(e->body, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n");
	feed_entry_unref(e);
	/* A change in the same second still moves Last-Modified on. */
	put(c, "b", "again", 5000, 1);
	assert_int_equal(feeds_cache_get(c, 0, "b")->mtime, 5001);

	feeds_cache_prune(c, 0, (const char *[]){ "b" }, 1);
	assert_null(feeds_cache_get(c, 0, "a"));
	assert_non_null(feeds_cache_get(c, 0, "b"));
	feeds_cache_free(c);
}

/* Last-Modified across a restart: an empty cache told what was before. */
static void
test_known(void **state)
{
	struct feeds_cache	*c = feeds_cache_new();
	struct feed_stamp	 known;
	struct feed_entry	*e;
	struct buf		 b;

	(void)state;
	put(c, "f", "bytes", 1000, 1);
	e = feeds_cache_get(c, 0, "f");
	memcpy(known.etag, e->etag, sizeof(known.etag));
	known.mtime = e->mtime;
	feeds_cache_free(c);

	/* Same bytes after the restart: the old date, so IMS gives 304. */
	c = feeds_cache_new();
	buf_init(&b);
	buf_puts(&b, "bytes");
	assert_int_equal(feeds_cache_put_known(c, 0, "f", &b, 9000, &known), 1);
	e = feeds_cache_get(c, 0, "f");
	assert_int_equal(e->mtime, 1000);
	assert_string_equal(e->lastmod, "Thu, 01 Jan 1970 00:16:40 GMT");
	assert_string_equal(e->etag, known.etag);
	assert_true(feeds_not_modified(e, NULL, "Thu, 01 Jan 1970 00:16:40 GMT"));
	/* known only speaks for the first build: the cache knows after. */
	buf_init(&b);
	buf_puts(&b, "bytes");
	assert_int_equal(feeds_cache_put_known(c, 0, "f", &b, 9500, &known), 0);
	assert_int_equal(feeds_cache_get(c, 0, "f")->mtime, 1000);
	feeds_cache_free(c);

	/* Other bytes: now, or later than the old date if the clock is behind. */
	c = feeds_cache_new();
	buf_init(&b);
	buf_puts(&b, "changed");
	assert_int_equal(feeds_cache_put_known(c, 0, "f", &b, 9000, &known), 1);
	assert_int_equal(feeds_cache_get(c, 0, "f")->mtime, 9000);
	buf_init(&b);
	buf_puts(&b, "changed");
	assert_int_equal(feeds_cache_put_known(c, 1, "f", &b, 500, &known), 1);
	assert_int_equal(feeds_cache_get(c, 1, "f")->mtime, 1001);
	/* Nothing known: now. */
	buf_init(&b);
	buf_puts(&b, "bytes");
	assert_int_equal(feeds_cache_put_known(c, 0, "g", &b, 700, NULL), 1);
	assert_int_equal(feeds_cache_get(c, 0, "g")->mtime, 700);
	feeds_cache_free(c);
}

static void
test_conditional(void **state)
{
	struct feeds_cache	*c = feeds_cache_new();
	struct feed_entry	*e;
	char			 list[128];

	(void)state;
	put(c, "f", "x", 1700000000, 1);
	e = feeds_cache_get(c, 0, "f");
	assert_false(feeds_not_modified(e, NULL, NULL));
	assert_true(feeds_not_modified(e, e->etag, NULL));
	assert_true(feeds_not_modified(e, e->etag_gz, NULL));
	snprintf(list, sizeof(list), "\"zz\", W/%s", e->etag);
	assert_true(feeds_not_modified(e, list, NULL));
	assert_true(feeds_not_modified(e, "*", NULL));
	assert_false(feeds_not_modified(e, "\"zz\"", NULL));
	/* If-None-Match decides alone, even with a later date. */
	assert_false(feeds_not_modified(e, "\"zz\"",
	    "Tue, 14 Nov 2023 22:13:20 GMT"));
	assert_true(feeds_not_modified(e, NULL, e->lastmod));
	assert_true(feeds_not_modified(e, NULL,
	    "Wed, 15 Nov 2023 00:00:00 GMT"));
	assert_false(feeds_not_modified(e, NULL,
	    "Tue, 14 Nov 2023 22:13:19 GMT"));
	assert_false(feeds_not_modified(e, NULL, "yesterday"));
	assert_false(feeds_not_modified(e, NULL, ""));
	/* The obsolete forms of RFC 9110 5.6.7: RFC 850 and asctime. */
	assert_true(feeds_not_modified(e, NULL,
	    "Wednesday, 15-Nov-23 00:00:00 GMT"));
	assert_false(feeds_not_modified(e, NULL,
	    "Tuesday, 14-Nov-23 22:13:19 GMT"));
	assert_true(feeds_not_modified(e, NULL, "Wed Nov 15 00:00:00 2023"));
	assert_false(feeds_not_modified(e, NULL, "Tue Nov 14 22:13:19 2023"));
	feeds_cache_free(c);
}

static void
test_gzip_and_names(void **state)
{
	(void)state;
	assert_int_equal(feeds_choose_coding("gzip"), FEEDS_GZIP);
	assert_int_equal(feeds_choose_coding("deflate, gzip;q=0.5, br"),
	    FEEDS_GZIP);
	assert_int_equal(feeds_choose_coding("*"), FEEDS_GZIP);
	assert_int_equal(feeds_choose_coding("GZIP"), FEEDS_GZIP);
	assert_int_equal(feeds_choose_coding("x-gzip ; Q=1.0"), FEEDS_GZIP);
	assert_int_equal(feeds_choose_coding("gzip;q=0"), FEEDS_IDENTITY);
	assert_int_equal(feeds_choose_coding("gzip;q=0.000"), FEEDS_IDENTITY);
	assert_int_equal(feeds_choose_coding("deflate, br"), FEEDS_IDENTITY);
	assert_int_equal(feeds_choose_coding("gzipx"), FEEDS_IDENTITY);
	assert_int_equal(feeds_choose_coding(""), FEEDS_IDENTITY);
	assert_int_equal(feeds_choose_coding(NULL), FEEDS_IDENTITY);
	/* q=0 refuses even beside a star (the star is for other codings). */
	assert_int_equal(feeds_choose_coding("gzip;q=0, *"), FEEDS_IDENTITY);
	assert_int_equal(feeds_choose_coding("*, gzip;q=0"), FEEDS_IDENTITY);
	/* identity refused: gzip if it is acceptable at all. */
	assert_int_equal(feeds_choose_coding("identity;q=0"), FEEDS_NONE);
	assert_int_equal(feeds_choose_coding("identity;q=0, gzip;q=0.1"),
	    FEEDS_GZIP);
	assert_int_equal(feeds_choose_coding("*;q=0"), FEEDS_NONE);
	assert_int_equal(feeds_choose_coding("*;q=0, identity"),
	    FEEDS_IDENTITY);
	assert_int_equal(feeds_choose_coding("gzip;q=0, identity;q=0"),
	    FEEDS_NONE);
	/* The client prefers identity: it gets identity. */
	assert_int_equal(feeds_choose_coding("gzip;q=0.5, identity"),
	    FEEDS_IDENTITY);
	/* Malformed weights make the element absent, not "accepted". */
	assert_int_equal(feeds_choose_coding("gzip;q=2"), FEEDS_IDENTITY);
	assert_int_equal(feeds_choose_coding("gzip;q=0.1234"),
	    FEEDS_IDENTITY);
	assert_int_equal(feeds_choose_coding("gzip;q=-1"), FEEDS_IDENTITY);
	assert_int_equal(feeds_choose_coding("gzip;q="), FEEDS_IDENTITY);
	assert_true(feeds_name_ok("block-kanto", 11));
	assert_true(feeds_name_ok("a.b_C-9", 7));
	assert_false(feeds_name_ok("..", 2));
	assert_false(feeds_name_ok(".hidden", 7));
	assert_false(feeds_name_ok("a/b", 3));
	assert_false(feeds_name_ok("%2e", 3));
	assert_false(feeds_name_ok("", 0));
	assert_false(feeds_name_ok("会議", strlen("会議")));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_conditional),
		cmocka_unit_test(test_gzip_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
