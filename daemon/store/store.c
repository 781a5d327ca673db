/*
 * store.c — the SQLite connection, migrations, prepared statements,
 * transactions and online backup (store.h, store_int.h).
 *
 * synchronous=FULL in WAL mode: NORMAL can lose the last transactions on
 * a power cut (they are in the WAL but not yet synced), and koyomi
 * promises that a completion it acknowledged survives a machine crash.
 * The cost is one fsync per commit; commits are few and small, except
 * the outbox's delivery results, one commit per loop turn while it
 * delivers: those may be lazy (store_lazy), since losing them re-sends a
 * message (same id), never loses one, and the outbox makes them durable
 * within OUTBOX_SYNC_AFTER.
 */
#include <sys/statvfs.h>

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/store/schema.h"
#include "daemon/store/store_int.h"

/*
 * Below this much free space a commit (WAL frames, then a checkpoint)
 * may fail: report the store unwritable before a completion is refused.
 */
#define STORE_MIN_FREE	(256ULL * 1024)

struct stmt_cache {
	const char	*sql;		/* borrowed: callers pass literals */
	char		*copy;		/* fallback key when not a literal */
	sqlite3_stmt	*stmt;
};

struct store {
	sqlite3			*db;
	char			*dir;		/* folder of the file, statvfs */
	int			 full;		/* last check found no space */
	struct stmt_cache	*cache;
	size_t			 ncache;
	unsigned long		 errors;
	int			 lazy;		/* synchronous=NORMAL now */
	int			 cursors;	/* store_tasks_open's, open */
};

sqlite3 *
store_db(struct store *s)
{
	return s->db;
}

int
store_cursor_count(struct store *s, int delta)
{
	return s->cursors += delta;
}

int
store_step_done(struct store *s, sqlite3_stmt *st, const char *what)
{
	int	rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, what);
		return -1;
	}
	return 0;
}

void
store_fail(struct store *s, const char *what)
{
	s->errors++;
	log_warnx("store: %s: %s (%d)", what, sqlite3_errmsg(s->db),
	    sqlite3_extended_errcode(s->db));
}

int
store_exec(struct store *s, const char *sql)
{
	char	*err = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		s->errors++;
		log_warnx("store: %.60s…: %s", sql, err ? err : "?");
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

sqlite3_stmt *
store_stmt(struct store *s, const char *sql)
{
	struct stmt_cache	*c;
	sqlite3_stmt		*st;
	size_t			 i;

	/* Pointer equality first (literals), then text. */
	for (i = 0; i < s->ncache; i++)
		if (s->cache[i].sql == sql)
			goto found;
	for (i = 0; i < s->ncache; i++)
		if (strcmp(s->cache[i].copy, sql) == 0)
			goto found;
	if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
	    NULL) != SQLITE_OK) {
		store_fail(s, sql);
		return NULL;
	}
	s->cache = xreallocarray(s->cache, s->ncache + 1, sizeof *s->cache);
	c = &s->cache[s->ncache++];
	c->sql = sql;
	c->copy = xstrdup(sql);
	c->stmt = st;
	return st;
found:
	st = s->cache[i].stmt;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return st;
}

static int
store_version(struct store *s)
{
	sqlite3_stmt	*st;
	int		 v = -1;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* One migration and its version bump in one transaction. */
static int
store_migrate(struct store *s, const char *sql, int to)
{
	char	 bump[64];

	if (store_begin(s) == -1)
		return -1;
	snprintf(bump, sizeof bump, "PRAGMA user_version = %d", to);
	if (store_exec(s, sql) == -1 || store_exec(s, bump) == -1) {
		store_rollback(s);
		return -1;
	}
	return store_commit(s);
}

struct store *
store_open(const char *path, char **cause)
{
	struct store	*s;
	char		*tmp;
	int		 v, n = (int)nitems(schema_migrations);

	s = xcalloc(1, sizeof *s);
	tmp = xstrdup(path);
	s->dir = xstrdup(dirname(tmp));
	free(tmp);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	if (store_exec(s, "PRAGMA foreign_keys = ON") == -1 ||
	    store_exec(s, "PRAGMA journal_mode = WAL") == -1 ||
	    store_exec(s, "PRAGMA synchronous = FULL") == -1) {
		xasprintf(cause, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if ((v = store_version(s)) < 0 || v > n) {
		xasprintf(cause, "%s: schema version %d is newer than this "
		    "koyomi (%d)", path, v, n);
		goto fail;
	}
	for (; v < n; v++)
		if (store_migrate(s, schema_migrations[v], v + 1) == -1) {
			xasprintf(cause, "%s: migration %d failed", path, v + 1);
			goto fail;
		}
	return s;
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	size_t	 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->ncache; i++) {
		sqlite3_finalize(s->cache[i].stmt);
		free(s->cache[i].copy);
	}
	free(s->cache);
	if (s->db != NULL)
		sqlite3_close(s->db);
	free(s->dir);
	free(s);
}

/* IMMEDIATE: a deferred BEGIN that upgrades can hit SQLITE_BUSY halfway. */
/* A statement without rows, prepared once: the outbox runs these per turn. */
static int
store_run(struct store *s, const char *sql)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	return store_step_done(s, st, sql);
}

int
store_begin(struct store *s)
{
	return store_run(s, "BEGIN IMMEDIATE");
}

int
store_commit(struct store *s)
{
	if (store_run(s, "COMMIT") == -1) {
		store_rollback(s);
		return -1;
	}
	return 0;
}

int
store_lazy(struct store *s, int lazy)
{
	lazy = lazy != 0;
	if (s->lazy == lazy)
		return 0;
	if (store_run(s, lazy ? "PRAGMA synchronous = NORMAL" :
	    "PRAGMA synchronous = FULL") == -1)
		return -1;
	s->lazy = lazy;
	return 0;
}

/*
 * With synchronous=NORMAL SQLite syncs the WAL before a checkpoint copies
 * its frames into the database, so a passive checkpoint (it never waits
 * for readers) that copied every frame made every commit durable. 0 when
 * it did, 1 when a reader kept some frames (try again later), -1.
 */
int
store_sync(struct store *s)
{
	int	rc, nlog = 0, nckpt = 0;

	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &nlog, &nckpt);
	if (rc == SQLITE_BUSY)
		return 1;
	if (rc != SQLITE_OK) {
		store_fail(s, "checkpoint");
		return -1;
	}
	return nckpt < nlog ? 1 : 0;
}

void
store_rollback(struct store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/*
 * A write that changes nothing never reaches the disk, so a full file
 * system is checked for directly. Logged once per change of state.
 */
int
store_space_ok(struct store *s)
{
	struct statvfs	 sv;
	unsigned long long free_bytes;

	if (statvfs(s->dir, &sv) == -1)
		return 1;	/* cannot tell: let the write say */
	free_bytes = (unsigned long long)sv.f_bavail * sv.f_frsize;
	if (free_bytes < STORE_MIN_FREE) {
		if (!s->full)
			log_warnx("store: the file system of %s is full (%llu "
			    "bytes free); writes will fail", s->dir,
			    free_bytes);
		s->full = 1;
		return 0;
	}
	if (s->full)
		log_info("store: space is back in %s (%llu bytes free)",
		    s->dir, free_bytes);
	s->full = 0;
	return 1;
}

int
store_writable(struct store *s)
{
	sqlite3_stmt	*st;
	int		 ok;

	if (!store_space_ok(s))
		return 0;

	if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return 0;
	/* A write that changes nothing still needs the write lock + disk. */
	ok = sqlite3_prepare_v2(s->db, "UPDATE settings SET value = value "
	    "WHERE key = ''", -1, &st, NULL) == SQLITE_OK;
	if (ok) {
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
	}
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return ok;
}

int
store_integrity_ok(struct store *s)
{
	sqlite3_stmt	*st;
	int		 ok = 0;

	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &st,
	    NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW)
		ok = strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
	sqlite3_finalize(st);
	return ok;
}

int
store_backup(struct store *s, const char *dest, char **cause)
{
	sqlite3		*d = NULL;
	sqlite3_backup	*b;
	int		 rc, tries = 0;

	if (sqlite3_open_v2(dest, &d, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		xasprintf(cause, "%s: %s", dest, d ? sqlite3_errmsg(d) : "open");
		sqlite3_close(d);
		return -1;
	}
	if ((b = sqlite3_backup_init(d, "main", s->db, "main")) == NULL) {
		xasprintf(cause, "%s: %s", dest, sqlite3_errmsg(d));
		sqlite3_close(d);
		return -1;
	}
	/* Small steps let writers in between; bounded retries on BUSY. */
	do {
		rc = sqlite3_backup_step(b, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while ((rc == SQLITE_OK || rc == SQLITE_BUSY ||
	    rc == SQLITE_LOCKED) && ++tries < 100000);
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		xasprintf(cause, "%s: backup failed: %s", dest, sqlite3_errmsg(d));
		sqlite3_close(d);
		return -1;
	}
	sqlite3_close(d);
	return 0;
}

unsigned long
store_errors(struct store *s)
{
	return s->errors;
}

int
store_data_version(struct store *s)
{
	sqlite3_stmt	*st;
	int		 v = -1;

	if ((st = store_stmt(s, "PRAGMA data_version")) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return v;
}

char *
store_setting_get(struct store *s, const char *key)
{
	sqlite3_stmt	*st;
	char		*v = NULL;

	if ((st = store_stmt(s, "SELECT value FROM settings WHERE key = ?"))
	    == NULL)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_reset(st);
	return v;
}

int
store_setting_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, "INSERT INTO settings (key, value) VALUES "
	    "(?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"))
	    == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (store_step_done(s, st, "setting") == -1)
		return -1;
	return 0;
}
