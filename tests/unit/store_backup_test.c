/*
 * store_backup_test.c — what store_test.c leaves out: a migration that
 * fails leaves the file exactly as it was (one transaction per step),
 * and an online backup of a database larger than one backup step, taken
 * while another connection (the daemon) holds the write lock, is a
 * consistent snapshot that a plain sqlite3 connection finds intact.
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

#include "calendars/util.h"
#include "daemon/store/schema.h"
#include "daemon/store/store_int.h"

#define STORE_FIXTURE_NAME	"store_backup"
#include "tests/unit/store_fixture.h"

/* A fresh folder, no store yet: the tests make k.db themselves. */
static int
setup(void **state)
{
	*state = store_fx_new(0);
	return 0;
}

/* One integer from SQL, on a plain connection of its own. */
static int
raw_int(const char *path, const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
test_migration_atomic(void **state)
{
	struct store_fx	*f = *state;
	sqlite3		*db;
	char		*cause = NULL;

	/* A table in the way of the first migration, at version 0. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE tasks (x); "
	    "INSERT INTO tasks VALUES (7)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_null(store_open(f->path, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "migration 1 failed"));
	free(cause);
	/* Nothing of the failed step stayed. */
	assert_int_equal(raw_int(f->path, "PRAGMA user_version"), 0);
	assert_int_equal(raw_int(f->path, "SELECT count(*) FROM sqlite_master "
	    "WHERE name = 'settings'"), 0);
	assert_int_equal(raw_int(f->path, "SELECT x FROM tasks"), 7);
}

/* The copy passes integrity_check and holds k = want, n settings. */
static void
assert_good_copy(const char *path, const char *want, int n)
{
	sqlite3		*db;
	sqlite3_stmt	*st;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1,
	    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT value FROM settings "
	    "WHERE key = 'k'", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), want);
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_int_equal(raw_int(path, "SELECT count(*) FROM settings"), n);
	assert_int_equal(raw_int(path, "PRAGMA user_version"),
	    (int)nitems(schema_migrations));
}

static void
test_backup_under_writer(void **state)
{
	struct store_fx	*f = *state;
	struct store	*s, *daemon;
	char		*cause = NULL, dest[160], key[32], val[200];
	int		 i;

	s = store_open(f->path, &cause);
	assert_non_null(s);
	/* ~8,000 rows of 180 bytes: several steps of 256 pages. */
	memset(val, 'x', 180);
	val[180] = '\0';
	assert_int_equal(store_begin(s), 0);
	for (i = 0; i < 8000; i++) {
		snprintf(key, sizeof key, "row%d", i);
		assert_int_equal(store_setting_set(s, key, val), 0);
	}
	assert_int_equal(store_setting_set(s, "k", "committed"), 0);
	assert_int_equal(store_commit(s), 0);
	assert_true(raw_int(f->path, "PRAGMA page_count") > 256);

	/* The daemon's connection is inside a write transaction. */
	daemon = store_open(f->path, &cause);
	assert_non_null(daemon);
	assert_int_equal(store_begin(daemon), 0);
	assert_int_equal(store_setting_set(daemon, "k", "uncommitted"), 0);
	assert_int_equal(store_setting_set(daemon, "extra", "1"), 0);
	snprintf(dest, sizeof dest, "%s/backup.db", f->dir);
	assert_int_equal(store_backup(s, dest, &cause), 0);
	assert_int_equal(store_commit(daemon), 0);
	assert_good_copy(dest, "committed", 8001);

	/* After the commit a second backup has the new state. */
	assert_int_equal(unlink(dest), 0);
	assert_int_equal(store_backup(s, dest, &cause), 0);
	assert_good_copy(dest, "uncommitted", 8002);
	store_close(daemon);
	store_close(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migration_atomic, setup,
		    store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_backup_under_writer, setup,
		    store_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
