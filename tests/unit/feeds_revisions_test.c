/*
 * feeds_revisions_test.c — event_revisions in a real database: a new UID
 * starts at SEQUENCE 0; an unchanged reconcile writes nothing; a change
 * bumps SEQUENCE and DTSTAMP; a vanished UID inside the window is
 * cancelled (one step up), outside it is left alone; a returning UID is
 * un-cancelled one step higher, never reset. Feed tokens: add, lookup by
 * hash, rotate, revoke.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "daemon/feeds/feedtoken.h"
#include "daemon/store/revisions.h"
#include "daemon/store/store.h"

#define STORE_FIXTURE_NAME	"koyomi-rev"
#include "tests/unit/revisions_fixture.h"

static const struct revision *
rev(struct store *s, struct revisions *rs, const char *uid)
{
	revisions_free(rs);
	assert_int_equal(store_revisions_load(s, rs), 0);
	return revisions_find(rs, uid);
}

static void
test_reconcile(void **state)
{
	struct store		*s = ((struct store_fx *)*state)->s;
	struct occ		 o[3];
	struct occ_list		 l = { o, 3 };
	struct revisions	 rs = { NULL, 0 };
	const struct revision	*r;

	occ_set(&o[0], "a", "1111", 100);
	occ_set(&o[1], "b", "2222", 110);
	occ_set(&o[2], "z", "3333", 5000);	/* later outside the window */
	assert_int_equal(store_revisions_reconcile(s, &l, 0, 9999, 1000), 3);
	r = rev(s, &rs, "a");
	assert_non_null(r);
	assert_int_equal(r->sequence, 0);
	assert_int_equal(r->dtstamp, 1000);
	assert_int_equal(r->cancelled_at, 0);
	/* A live row's snapshot stays on disk until asked for. */
	assert_null(r->snapshot);
	assert_int_equal(store_revisions_snapshot(s, &rs.v[r - rs.v]), 0);
	assert_non_null(strstr(r->snapshot, "\"title\":\"会議\""));

	/* Same content: nothing written, DTSTAMP stays. */
	assert_int_equal(store_revisions_reconcile(s, &l, 0, 9999, 2000), 0);
	assert_int_equal(rev(s, &rs, "a")->dtstamp, 1000);

	/* a changes; b disappears; z leaves the window (not a removal). */
	snprintf(o[0].hash, sizeof(o[0].hash), "1112");
	l.n = 1;
	assert_int_equal(store_revisions_reconcile(s, &l, 0, 1000, 3000), 2);
	r = rev(s, &rs, "a");
	assert_int_equal(r->sequence, 1);
	assert_int_equal(r->dtstamp, 3000);
	r = rev(s, &rs, "b");
	assert_int_equal(r->sequence, 1);
	assert_int_equal(r->cancelled_at, 3000);
	/* Feeds render a cancelled row from its snapshot: read at load. */
	assert_non_null(r->snapshot);
	r = rev(s, &rs, "z");
	assert_int_equal(r->sequence, 0);
	assert_int_equal(r->cancelled_at, 0);

	/* Still gone: the cancellation is not repeated. */
	assert_int_equal(store_revisions_reconcile(s, &l, 0, 1000, 3500), 0);
	assert_int_equal(rev(s, &rs, "b")->sequence, 1);

	/* b comes back unchanged: un-cancelled, one step higher. */
	l.n = 2;
	assert_int_equal(store_revisions_reconcile(s, &l, 0, 1000, 4000), 1);
	r = rev(s, &rs, "b");
	assert_int_equal(r->sequence, 2);
	assert_int_equal(r->cancelled_at, 0);
	assert_int_equal(r->dtstamp, 4000);

	revisions_free(&rs);
}

static void
test_tokens(void **state)
{
	struct store	*s = ((struct store_fx *)*state)->s;
	char		 tok[FEEDTOKEN_LEN + 1], tok2[FEEDTOKEN_LEN + 1];
	char		 hash[FEEDTOKEN_HASH + 1], hash2[FEEDTOKEN_HASH + 1];
	char		 h[FEEDTOKEN_HASH + 1], *owner = NULL;

	assert_int_equal(feedtoken_new(tok, hash), 0);
	assert_int_equal(strlen(tok), FEEDTOKEN_LEN);
	assert_true(feedtoken_syntax(tok));
	assert_false(feedtoken_syntax("short"));
	feedtoken_hash(tok, h);
	assert_string_equal(h, hash);
	assert_int_equal(feedtoken_new(tok2, hash2), 0);
	assert_string_not_equal(tok, tok2);

	assert_int_equal(store_feedtoken_add(s, "pref-a", hash, 1), 0);
	assert_int_equal(store_feedtoken_add(s, "pref-a", hash2, 1), 1);
	assert_int_equal(store_feedtoken_owner(s, hash, &owner), 0);
	assert_string_equal(owner, "pref-a");
	free(owner);
	assert_int_equal(store_feedtoken_owner(s, hash2, &owner), 1);
	assert_null(owner);
	assert_int_equal(store_feedtoken_rotate(s, "pref-a", hash2, 2), 0);
	assert_int_equal(store_feedtoken_owner(s, hash, &owner), 1);
	assert_int_equal(store_feedtoken_owner(s, hash2, &owner), 0);
	free(owner);
	assert_int_equal(store_feedtoken_rotate(s, "pref-b", hash, 2), 1);
	assert_int_equal(store_feedtoken_revoke(s, "pref-a"), 0);
	assert_int_equal(store_feedtoken_revoke(s, "pref-a"), 1);
	assert_int_equal(store_feedtoken_owner(s, hash2, &owner), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reconcile, store_fx_setup,
		    store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_tokens, store_fx_setup,
		    store_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
