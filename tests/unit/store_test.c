/*
 * store_test.c — the SQLite store: pragmas after open (WAL, FULL,
 * foreign keys), migrations to the latest version and refusal of a newer
 * one, the statement cache (same statement back, reset and unbound),
 * BEGIN IMMEDIATE against a second writer, rollback, settings, backup,
 * integrity and writability, error counting, lazy commits and the
 * checkpoint that makes them durable; an outbox row and its body
 * (outbox_bodies) written and dropped together, and the outbox's writes
 * free of temporary b-trees.
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

#include "daemon/store/schema.h"
#include "daemon/store/store_int.h"
#include "daemon/store/store_outbox.h"

#define STORE_FIXTURE_NAME	"store_test"
#include "tests/unit/store_fixture.h"

/* The first column of the first row of sql (?1 bound to id, if any). */
static int
int_of(struct store *s, const char *sql, int64_t id)
{
	sqlite3_stmt	*st;
	int		 v = -1;

	assert_int_equal(sqlite3_prepare_v2(store_db(s), sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void
test_pragmas(void **state)
{
	struct store_fx	*f = *state;
	sqlite3_stmt	*st;

	assert_int_equal(int_of(f->s, "PRAGMA foreign_keys", 0), 1);
	assert_int_equal(int_of(f->s, "PRAGMA synchronous", 0), 2); /* FULL */
	assert_int_equal(int_of(f->s, "PRAGMA user_version", 0),
	    (int)(sizeof schema_migrations / sizeof schema_migrations[0]));
	assert_int_equal(sqlite3_prepare_v2(store_db(f->s),
	    "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	/* foreign_keys is enforced: an audit row for no task is refused. */
	assert_int_equal(store_exec(f->s, "INSERT INTO task_events (task, at, "
	    "action, via) VALUES (999, 0, 'x', 'cli')"), -1);
	assert_int_equal(store_errors(f->s), 1);
}

static void
test_reopen_and_newer_schema(void **state)
{
	struct store_fx	*f = *state;
	struct store	*s2;
	char		*cause = NULL;

	/* Reopening migrates nothing and keeps data. */
	assert_int_equal(store_setting_set(f->s, "k", "v1"), 0);
	store_close(f->s);
	f->s = store_open(f->path, &cause);
	assert_non_null(f->s);
	free(store_setting_get(f->s, "missing"));
	assert_null(store_setting_get(f->s, "missing"));
	{
		char	*v = store_setting_get(f->s, "k");

		assert_string_equal(v, "v1");
		free(v);
	}
	/* A database from a newer koyomi is refused, not "migrated". */
	assert_int_equal(store_exec(f->s, "PRAGMA user_version = 999"), 0);
	s2 = store_open(f->path, &cause);
	assert_null(s2);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "newer"));
	free(cause);
}

static void
test_stmt_cache(void **state)
{
	struct store_fx	*f = *state;
	sqlite3_stmt	*a, *b;
	char		 sql[64];

	a = store_stmt(f->s, "SELECT ?1 + 1");
	assert_non_null(a);
	sqlite3_bind_int(a, 1, 41);
	assert_int_equal(sqlite3_step(a), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(a, 0), 42);
	/* Same text from another buffer: the same statement, reset, unbound. */
	snprintf(sql, sizeof sql, "SELECT ?1 + 1");
	b = store_stmt(f->s, sql);
	assert_ptr_equal(a, b);
	assert_int_equal(sqlite3_step(b), SQLITE_ROW);
	assert_int_equal(sqlite3_column_type(b, 0), SQLITE_NULL);
	sqlite3_reset(b);
	/* A bad statement: NULL, counted. */
	assert_null(store_stmt(f->s, "SELEKT 1"));
	assert_int_equal(store_errors(f->s), 1);
}

static void
test_transactions(void **state)
{
	struct store_fx	*f = *state;
	sqlite3		*other;
	char		*v;

	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_setting_set(f->s, "t", "rolled back"), 0);
	store_rollback(f->s);
	assert_null(store_setting_get(f->s, "t"));

	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_setting_set(f->s, "t", "kept"), 0);
	/* IMMEDIATE took the write lock: a second writer waits, then fails. */
	assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
	sqlite3_busy_timeout(other, 10);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_BUSY);
	assert_int_equal(store_writable(f->s), 0);	/* inside a txn */
	assert_int_equal(store_commit(f->s), 0);
	v = store_setting_get(f->s, "t");
	assert_string_equal(v, "kept");
	free(v);

	/* While another connection holds the write lock: not writable. */
	assert_int_equal(store_writable(f->s), 1);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
	assert_int_equal(store_writable(f->s), 0);
	assert_int_equal(store_begin(f->s), -1);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	assert_int_equal(store_writable(f->s), 1);

	/* data_version moves when another connection commits. */
	{
		int	 v0 = store_data_version(f->s);

		assert_int_equal(sqlite3_exec(other, "INSERT INTO settings "
		    "VALUES ('o', 'x')", NULL, NULL, NULL), SQLITE_OK);
		assert_int_not_equal(store_data_version(f->s), v0);
	}
	sqlite3_close(other);
}

/* The setting k as the database file alone has it (the WAL ignored). */
static char *
file_setting(const char *path, const char *k)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		 uri[300], *v = NULL;

	snprintf(uri, sizeof uri, "file:%s?immutable=1", path);
	assert_int_equal(sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_URI, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT value FROM settings "
	    "WHERE key = ?1", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
test_lazy(void **state)
{
	struct store_fx	*f = *state;
	sqlite3		*reader;
	char		*v;

	assert_int_equal(store_sync(f->s), 0);
	/* A lazy commit: synchronous NORMAL for it, FULL again after. */
	assert_int_equal(store_lazy(f->s, 1), 0);
	assert_int_equal(int_of(f->s, "PRAGMA synchronous", 0), 1);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_setting_set(f->s, "lazy", "one"), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_lazy(f->s, 0), 0);
	assert_int_equal(int_of(f->s, "PRAGMA synchronous", 0), 2);
	/* Committed for every reader, but only in the WAL so far. */
	v = store_setting_get(f->s, "lazy");
	assert_string_equal(v, "one");
	free(v);
	assert_null(file_setting(f->path, "lazy"));
	/* store_sync: synced and copied into the database file. */
	assert_int_equal(store_sync(f->s), 0);
	v = file_setting(f->path, "lazy");
	assert_non_null(v);
	assert_string_equal(v, "one");
	free(v);

	/* A reader on an older snapshot holds frames back: 1, then 0. */
	assert_int_equal(sqlite3_open(f->path, &reader), SQLITE_OK);
	assert_int_equal(sqlite3_exec(reader, "BEGIN; SELECT COUNT(*) FROM "
	    "settings", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(store_lazy(f->s, 1), 0);
	assert_int_equal(store_setting_set(f->s, "lazy", "two"), 0);
	assert_int_equal(store_lazy(f->s, 0), 0);
	assert_int_equal(store_sync(f->s), 1);
	v = file_setting(f->path, "lazy");
	assert_string_equal(v, "one");
	free(v);
	assert_int_equal(sqlite3_exec(reader, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(reader);
	assert_int_equal(store_sync(f->s), 0);
	v = file_setting(f->path, "lazy");
	assert_string_equal(v, "two");
	free(v);
	assert_int_equal(store_errors(f->s), 0);
}

static void
test_backup(void **state)
{
	struct store_fx	*f = *state;
	struct store	*copy;
	char		 dest[160], *cause = NULL, *v;
	int		 i;

	for (i = 0; i < 2000; i++) {
		char	 k[16];

		snprintf(k, sizeof k, "k%d", i);
		assert_int_equal(store_setting_set(f->s, k, "some value"), 0);
	}
	snprintf(dest, sizeof dest, "%s/copy.db", f->dir);
	assert_int_equal(store_backup(f->s, dest, &cause), 0);
	copy = store_open(dest, &cause);
	assert_non_null(copy);
	assert_int_equal(store_integrity_ok(copy), 1);
	v = store_setting_get(copy, "k1999");
	assert_string_equal(v, "some value");
	free(v);
	store_close(copy);
	/* An unwritable destination fails with a cause. */
	assert_int_equal(store_backup(f->s, "/nonexistent/dir/x.db", &cause),
	    -1);
	assert_non_null(cause);
	free(cause);
	assert_int_equal(store_integrity_ok(f->s), 1);
}

static void
test_open_fails(void **state)
{
	char	*cause = NULL;

	(void)state;
	assert_null(store_open("/nonexistent/dir/k.db", &cause));
	assert_non_null(cause);
	free(cause);
}

static void
test_outbox_bodies(void **state)
{
	struct store_fx		*f = *state;
	struct outbox_row	*rows;
	size_t			 n;
	int64_t			 id, gone;
	static const char	 body[] = "Subject: x\r\n\r\n本文\r\n";

	/* Outside a transaction: the row and its body, in one of its own. */
	id = store_outbox_insert(f->s, "<a@t>", "mail", "a@example.jp",
	    "reminder", "件名", body, sizeof body - 1, 100);
	assert_true(id > 0);
	assert_int_equal(int_of(f->s, "SELECT COUNT(*) FROM outbox_bodies"
	    " WHERE id = ?1", id), 1);
	assert_int_equal(store_outbox_list(f->s, NULL, 0, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, id);
	assert_int_equal(rows[0].len, sizeof body - 1);
	assert_memory_equal(rows[0].body, body, sizeof body - 1);
	outbox_rows_free(rows, n);

	/* Inside one: a rollback keeps neither. */
	assert_int_equal(store_begin(f->s), 0);
	gone = store_outbox_insert(f->s, "<b@t>", "mail", "b@example.jp",
	    "reminder", NULL, body, sizeof body - 1, 100);
	assert_true(gone > id);
	store_rollback(f->s);
	assert_int_equal(int_of(f->s, "SELECT COUNT(*) FROM outbox"
	    " WHERE id >= ?1", gone), 0);
	assert_int_equal(int_of(f->s, "SELECT COUNT(*) FROM outbox_bodies"
	    " WHERE id >= ?1", gone), 0);

	/* A row dropped takes its body with it. */
	assert_int_equal(store_exec(f->s, "DELETE FROM outbox"), 0);
	assert_int_equal(int_of(f->s, "SELECT COUNT(*) FROM outbox_bodies"
	    " WHERE id >= ?1", 0), 0);
}

/*
 * SQLite opens a temporary b-tree for an IN list of three or more
 * constants each time a statement runs it (schema migration 9): none in
 * what delivery runs per message, triggers and CHECKs included.
 */
static void
test_outbox_no_ephemeral(void **state)
{
	struct store_fx		*f = *state;
	static const char *const sql[] = {
		"UPDATE outbox SET state = 'sending' WHERE id = 1"
		    " AND state IN ('pending','failed')",
		"UPDATE outbox SET state = 'sent', sent_at = 1,"
		    " attempts = attempts + 1, last_error = NULL WHERE id = 1",
		"UPDATE outbox SET state = 'failed', attempts = 1,"
		    " next_attempt = 2, last_error = 'x' WHERE id = 1",
		"UPDATE outbox SET state = 'pending' WHERE id = 1",
		"INSERT INTO outbox (msgid, channel, destination, kind, state,"
		    " next_attempt, created) VALUES ('m', 'mail', 'd', 'k',"
		    " 'pending', 1, 1)",
		"INSERT INTO outbox_bodies (id, body) VALUES (1, x'00')",
	};
	sqlite3_stmt		*st;
	char			 q[512];
	size_t			 i;
	int			 ephemeral;

	for (i = 0; i < sizeof sql / sizeof sql[0]; i++) {
		/* EXPLAIN lists the trigger programs too. */
		snprintf(q, sizeof q, "EXPLAIN %s", sql[i]);
		assert_int_equal(sqlite3_prepare_v2(store_db(f->s), q, -1,
		    &st, NULL), SQLITE_OK);
		ephemeral = 0;
		while (sqlite3_step(st) == SQLITE_ROW)
			if (strcmp((const char *)sqlite3_column_text(st, 1),
			    "OpenEphemeral") == 0)
				ephemeral++;
		sqlite3_finalize(st);
		if (ephemeral != 0)
			fail_msg("%d temporary b-tree(s) in: %s", ephemeral,
			    sql[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pragmas, store_fx_setup,
		    store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_reopen_and_newer_schema,
		    store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_stmt_cache,
		    store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_transactions,
		    store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_lazy, store_fx_setup,
		    store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_backup, store_fx_setup,
		    store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_outbox_bodies,
		    store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_outbox_no_ephemeral,
		    store_fx_setup, store_fx_teardown),
		cmocka_unit_test(test_open_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
