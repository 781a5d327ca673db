/*
 * store_outbox.c — SQL for the outbox and endpoints tables (see
 * store_outbox.h). Each statement is short and reads through an index
 * (schema.h migration 5): the mail due query takes the heads of the
 * recipients' lines, so delivery order per recipient is the insertion
 * order whatever the retry timers say; a webhook endpoint's line is
 * read in id order.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/store/store_int.h"
#include "daemon/store/store_util.h"
#include "daemon/store/store_outbox.h"

/* A row and its body (schema migration 9): FROM outbox AS o OB_BODY. */
#define OB_COLS	"o.id, o.msgid, o.channel, o.destination, o.kind, " \
		"o.subject, b.body, o.state, o.attempts, o.next_attempt, " \
		"o.last_error, o.created, o.sent_at"
#define OB_BODY	" LEFT JOIN outbox_bodies AS b ON b.id = o.id"

/* The store's statement for sql, prepared once; NULL on error (logged). */
static sqlite3_stmt *
ob_stmt(struct store *s, const char *sql)
{
	return store_stmt(s, sql);
}

static void
ob_fail(struct store *s, sqlite3_stmt *st)
{
	char	what[160];

	snprintf(what, sizeof what, "outbox: %.140s", sqlite3_sql(st));
	store_fail(s, what);
}

/* Runs a statement that returns no rows; -1 on error (logged). */
static int
ob_done(struct store *s, sqlite3_stmt *st)
{
	int	rc;

	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		ob_fail(s, st);
		return -1;
	}
	return 0;
}

void
outbox_row_free(struct outbox_row *r)
{
	free(r->msgid);
	free(r->channel);
	free(r->destination);
	free(r->kind);
	free(r->subject);
	free(r->body);
	free(r->state);
	free(r->last_error);
	memset(r, 0, sizeof *r);
}

void
outbox_rows_free(struct outbox_row *rows, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		outbox_row_free(&rows[i]);
	free(rows);
}

static void
ob_read_row(sqlite3_stmt *st, struct outbox_row *r)
{
	const void	*blob;
	int		 n;

	r->id = sqlite3_column_int64(st, 0);
	r->msgid = store_col_dup(st, 1);
	r->channel = store_col_dup(st, 2);
	r->destination = store_col_dup(st, 3);
	r->kind = store_col_dup(st, 4);
	r->subject = store_col_dup(st, 5);
	blob = sqlite3_column_blob(st, 6);
	n = sqlite3_column_bytes(st, 6);
	r->body = xmalloc((size_t)n + 1);
	if (n > 0)
		memcpy(r->body, blob, (size_t)n);
	r->body[n] = '\0';
	r->len = (size_t)n;
	r->state = store_col_dup(st, 7);
	r->attempts = sqlite3_column_int(st, 8);
	r->next_attempt = (time_t)sqlite3_column_int64(st, 9);
	r->last_error = store_col_dup(st, 10);
	r->created = (time_t)sqlite3_column_int64(st, 11);
	r->sent_at = (time_t)sqlite3_column_int64(st, 12);
}

/* Steps st to the end, collecting at most max rows (0 = all). */
static int
ob_collect(struct store *s, sqlite3_stmt *st, size_t max,
    struct outbox_row **rows, size_t *nrows)
{
	size_t	cap = 0;
	int	rc;

	*rows = NULL;
	*nrows = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*nrows == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			*rows = xreallocarray(*rows, cap, sizeof **rows);
		}
		memset(&(*rows)[*nrows], 0, sizeof **rows);
		ob_read_row(st, &(*rows)[(*nrows)++]);
		if (max > 0 && *nrows == max)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ob_fail(s, st);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		outbox_rows_free(*rows, *nrows);
		*rows = NULL;
		*nrows = 0;
		return -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
}

/* The row and its body (outbox_bodies); -1 on error. */
static int64_t
ob_insert_both(struct store *s, const char *msgid, const char *channel,
    const char *destination, const char *kind, const char *subject,
    const char *body, size_t len, time_t now, const char *error)
{
	sqlite3_stmt	*st;
	int64_t		 id;

	st = ob_stmt(s, "INSERT INTO outbox (msgid, channel, destination, "
	    "kind, subject, state, attempts, next_attempt, created, "
	    "last_error) VALUES (?1, ?2, ?3, ?4, ?5,"
	    " CASE WHEN ?8 IS NULL THEN 'pending' ELSE 'dead' END,"
	    " 0, ?6, ?7, ?8)");
	if (st == NULL)
		return -1;
	if (error != NULL)
		sqlite3_bind_text(st, 8, error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 1, msgid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, destination, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
	if (subject != NULL)
		sqlite3_bind_text(st, 5, subject, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)now);
	if (ob_done(s, st) == -1)
		return -1;
	id = sqlite3_last_insert_rowid(store_db(s));
	st = ob_stmt(s, "INSERT INTO outbox_bodies (id, body) VALUES (?1, ?2)");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_blob(st, 2, body, (int)len, SQLITE_STATIC);
	if (ob_done(s, st) == -1)
		return -1;
	return id;
}

/*
 * INSERT of a pending row, or (error not NULL) of a dead one, with its
 * body: in the caller's transaction, or in one of its own outside one,
 * so that no row is ever seen without its body.
 */
static int64_t
ob_insert(struct store *s, const char *msgid, const char *channel,
    const char *destination, const char *kind, const char *subject,
    const char *body, size_t len, time_t now, const char *error)
{
	int64_t	id;
	int	own = sqlite3_get_autocommit(store_db(s));

	if (own && store_begin(s) == -1)
		return -1;
	id = ob_insert_both(s, msgid, channel, destination, kind, subject,
	    body, len, now, error);
	if (own) {
		if (id == -1)
			store_rollback(s);
		else if (store_commit(s) == -1)
			id = -1;
	}
	return id;
}

int64_t
store_outbox_insert(struct store *s, const char *msgid, const char *channel,
    const char *destination, const char *kind, const char *subject,
    const char *body, size_t len, time_t now)
{
	return ob_insert(s, msgid, channel, destination, kind, subject, body,
	    len, now, NULL);
}

int64_t
store_outbox_insert_dead(struct store *s, const char *msgid,
    const char *channel, const char *destination, const char *kind,
    const char *subject, const char *body, size_t len, time_t now,
    const char *error)
{
	return ob_insert(s, msgid, channel, destination, kind, subject, body,
	    len, now, error);
}

int
store_outbox_due_mail(struct store *s, time_t now, size_t max,
    struct outbox_row **rows, size_t *nrows)
{
	sqlite3_stmt	*st;

	/*
	 * INDEXED BY: without statistics the planner would take outbox_due
	 * and sort every waiting row, a cost that grows with the queue.
	 */
	st = ob_stmt(s, "SELECT " OB_COLS " FROM outbox AS o"
	    " INDEXED BY outbox_ready" OB_BODY
	    " WHERE o.head = 1 AND o.state IN ('pending','failed')"
	    " AND o.next_attempt <= ?1 ORDER BY o.next_attempt, o.id"
	    " LIMIT ?2");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	return ob_collect(s, st, 0, rows, nrows);
}

int
store_outbox_next_mail(struct store *s, time_t *when)
{
	sqlite3_stmt	*st;
	int		 rc;

	st = ob_stmt(s, "SELECT next_attempt FROM outbox INDEXED BY outbox_ready"
	    " WHERE head = 1 AND state IN ('pending','failed')"
	    " ORDER BY next_attempt LIMIT 1");
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	*when = rc == SQLITE_ROW ? (time_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ob_fail(s, st);
		return -1;
	}
	return 0;
}

int
store_outbox_line(struct store *s, const char *channel,
    const char *destination, size_t max, struct outbox_row **rows,
    size_t *nrows)
{
	sqlite3_stmt	*st;

	/* A range of outbox_line, in id order. */
	st = ob_stmt(s, "SELECT " OB_COLS " FROM outbox AS o"
	    " INDEXED BY outbox_line" OB_BODY
	    " WHERE o.channel = ?1 AND o.destination = ?2"
	    " AND o.state NOT IN ('sent','dead') ORDER BY o.id LIMIT ?3");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, destination, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	return ob_collect(s, st, 0, rows, nrows);
}

int
store_outbox_destinations(struct store *s, const char *channel,
    char ***names, size_t *n)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	int		 rc;

	*names = NULL;
	*n = 0;
	st = ob_stmt(s, "SELECT DISTINCT destination FROM outbox"
	    " INDEXED BY outbox_line WHERE channel = ? AND state NOT IN ('sent','dead')");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			*names = xreallocarray(*names, cap, sizeof **names);
		}
		(*names)[(*n)++] = store_col_dup(st, 0);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		ob_fail(s, st);
		while (*n > 0)
			free((*names)[--*n]);
		free(*names);
		*names = NULL;
		return -1;
	}
	return 0;
}

static int
ob_by_id(struct store *s, const char *sql, int64_t id)
{
	sqlite3_stmt	*st;

	if ((st = ob_stmt(s, sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return ob_done(s, st);
}

int
store_outbox_set_sending(struct store *s, int64_t id)
{
	if (ob_by_id(s, "UPDATE outbox SET state = 'sending'"
	    " WHERE id = ? AND state IN ('pending','failed')", id) == -1)
		return -1;
	return sqlite3_changes(store_db(s)) == 1 ? 0 : 1;
}

int
store_outbox_set_sent(struct store *s, int64_t id, time_t now)
{
	sqlite3_stmt	*st;

	st = ob_stmt(s, "UPDATE outbox SET state = 'sent', sent_at = ?,"
	    " attempts = attempts + 1, last_error = NULL WHERE id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_int64(st, 2, id);
	return ob_done(s, st);
}

int
store_outbox_set_failed(struct store *s, int64_t id, int attempts,
    time_t next, const char *error)
{
	sqlite3_stmt	*st;

	st = ob_stmt(s, "UPDATE outbox SET state = 'failed', attempts = ?,"
	    " next_attempt = ?, last_error = ? WHERE id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, attempts);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)next);
	sqlite3_bind_text(st, 3, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, id);
	return ob_done(s, st);
}

int
store_outbox_set_dead(struct store *s, int64_t id, int attempts,
    const char *error)
{
	sqlite3_stmt	*st;

	st = ob_stmt(s, "UPDATE outbox SET state = 'dead', attempts = ?,"
	    " last_error = ? WHERE id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_int(st, 1, attempts);
	sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, id);
	return ob_done(s, st);
}

int
store_outbox_recover(struct store *s)
{
	sqlite3_stmt	*st;

	st = ob_stmt(s, "UPDATE outbox SET state = 'pending'"
	    " WHERE state = 'sending'");
	if (st == NULL || ob_done(s, st) == -1)
		return -1;
	return sqlite3_changes(store_db(s));
}

int
store_outbox_kill_destination(struct store *s, const char *channel,
    const char *destination, const char *error)
{
	sqlite3_stmt	*st;

	st = ob_stmt(s, "UPDATE outbox SET state = 'dead', last_error = ?"
	    " WHERE channel = ? AND destination = ?"
	    " AND state IN ('pending','failed')");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, destination, -1, SQLITE_STATIC);
	return ob_done(s, st);
}

int
store_outbox_last_sent(struct store *s, const char *channel,
    const char *destination, int64_t *id)
{
	sqlite3_stmt	*st;
	int		 rc;

	*id = 0;
	st = ob_stmt(s, "SELECT COALESCE(MAX(id), 0) FROM outbox"
	    " WHERE channel = ? AND destination = ? AND state = 'sent'");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, destination, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW) {
		ob_fail(s, st);
		return -1;
	}
	return 0;
}

int
store_outbox_requeue(struct store *s, const char *channel,
    const char *destination, int64_t after, time_t since, time_t now)
{
	sqlite3_stmt	*st;

	st = ob_stmt(s, "UPDATE outbox SET state = 'pending', attempts = 0,"
	    " next_attempt = ?1, last_error = NULL"
	    " WHERE channel = ?2 AND destination = ?3"
	    " AND state IN ('dead','failed') AND id > ?4 AND created >= ?5");
	if (st == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
	sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, destination, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, after);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)since);
	if (ob_done(s, st) == -1)
		return -1;
	return sqlite3_changes(store_db(s));
}

int
store_outbox_counts(struct store *s, long long counts[5])
{
	static const char *const names[] = { "pending", "sending", "sent",
	    "failed", "dead" };
	sqlite3_stmt	*st;
	const char	*state;
	size_t		 i;
	int		 rc;

	memset(counts, 0, 5 * sizeof counts[0]);
	st = ob_stmt(s, "SELECT state, COUNT(*) FROM outbox GROUP BY state");
	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		state = (const char *)sqlite3_column_text(st, 0);
		for (i = 0; i < nitems(names); i++)
			if (state != NULL && strcmp(state, names[i]) == 0)
				counts[i] = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		ob_fail(s, st);
		return -1;
	}
	return 0;
}

int
store_outbox_list(struct store *s, const char *state, size_t max,
    struct outbox_row **rows, size_t *nrows)
{
	sqlite3_stmt	*st;

	st = ob_stmt(s, "SELECT " OB_COLS " FROM outbox AS o" OB_BODY
	    " WHERE ?1 IS NULL OR o.state = ?1 ORDER BY o.id DESC");
	if (st == NULL)
		return -1;
	if (state != NULL)
		sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
	return ob_collect(s, st, max, rows, nrows);
}

int
store_endpoint_get(struct store *s, const char *id, time_t *failing_since,
    time_t *disabled_at)
{
	sqlite3_stmt	*st;
	int		 rc;

	*failing_since = *disabled_at = 0;
	st = ob_stmt(s, "SELECT failing_since, disabled_at FROM endpoints"
	    " WHERE id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*failing_since = (time_t)sqlite3_column_int64(st, 0);
		*disabled_at = (time_t)sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ob_fail(s, st);
		return -1;
	}
	return 0;
}

/* Runs sql with the endpoint id as ?1 and now as ?2. */
static int
ob_endpoint_at(struct store *s, const char *sql, const char *id, time_t now)
{
	sqlite3_stmt	*st;

	if ((st = ob_stmt(s, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	return ob_done(s, st);
}

int
store_endpoint_failed(struct store *s, const char *id, time_t now)
{
	/* Keeps the first failure time: the 5 days count from there. */
	return ob_endpoint_at(s, "INSERT INTO endpoints (id, failing_since)"
	    " VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET"
	    " failing_since = COALESCE(failing_since, ?2)", id, now);
}

int
store_endpoint_ok(struct store *s, const char *id)
{
	sqlite3_stmt	*st;

	st = ob_stmt(s, "UPDATE endpoints SET failing_since = NULL"
	    " WHERE id = ? AND failing_since IS NOT NULL");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	return ob_done(s, st);
}

int
store_endpoint_disable(struct store *s, const char *id, time_t now)
{
	return ob_endpoint_at(s, "INSERT INTO endpoints"
	    " (id, failing_since, disabled_at) VALUES (?1, ?2, ?2)"
	    " ON CONFLICT (id) DO UPDATE SET disabled_at = ?2", id, now);
}

int
store_endpoint_error(struct store *s, const char *id, const char *error)
{
	sqlite3_stmt	*st;

	st = ob_stmt(s, "INSERT INTO endpoints (id, last_error) VALUES (?1, ?2)"
	    " ON CONFLICT (id) DO UPDATE SET last_error = ?2");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, error, -1, SQLITE_STATIC);
	return ob_done(s, st);
}

int
store_endpoint_enable(struct store *s, const char *id)
{
	sqlite3_stmt	*st;

	st = ob_stmt(s, "UPDATE endpoints SET disabled_at = NULL,"
	    " failing_since = NULL WHERE id = ? AND disabled_at IS NOT NULL");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (ob_done(s, st) == -1)
		return -1;
	return sqlite3_changes(store_db(s)) > 0;
}

int
store_endpoint_state(struct store *s, const char *id,
    struct endpoint_state *es)
{
	sqlite3_stmt	*st;
	int		 rc;

	memset(es, 0, sizeof *es);
	st = ob_stmt(s, "SELECT failing_since, disabled_at, last_error"
	    " FROM endpoints WHERE id = ?");
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		es->failing_since = (time_t)sqlite3_column_int64(st, 0);
		es->disabled_at = (time_t)sqlite3_column_int64(st, 1);
		es->last_error = store_col_dup(st, 2);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		ob_fail(s, st);
		return -1;
	}
	return 0;
}
