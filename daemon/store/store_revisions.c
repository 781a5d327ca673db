/*
 * store_revisions.c — event_revisions: SEQUENCE, DTSTAMP and cancellation
 * of every occurrence UID ever published (see revisions.h).
 *
 * Reconcile runs once per rules swap, in one IMMEDIATE transaction, and
 * writes only the rows that change: an unchanged reload writes nothing,
 * so every feed keeps its bytes (and its ETag).
 */
#include <stdlib.h>
#include <string.h>

#include "calendars/log.h"
#include "daemon/codec/json_in.h"
#include "daemon/store/revisions.h"
#include "daemon/store/store_int.h"
#include "daemon/store/store_util.h"

/* Live rows' snapshots stay on disk: megabytes at thousands of assignees. */
static const char sql_load[] =
    "SELECT uid, hash, sequence, dtstamp, cancelled_at,"
    " CASE WHEN cancelled_at IS NOT NULL THEN snapshot END"
    " FROM event_revisions ORDER BY uid";
static const char sql_snapshot[] =
    "SELECT snapshot FROM event_revisions WHERE uid = ?1";
static const char sql_insert[] =
    "INSERT OR IGNORE INTO event_revisions"
    " (uid, hash, sequence, dtstamp, cancelled_at, snapshot)"
    " VALUES (?1, ?2, 0, ?3, NULL, ?4)";
/* A change, or a return from cancellation: one step up, never a reset. */
static const char sql_change[] =
    "UPDATE event_revisions SET hash = ?2, sequence = sequence + 1,"
    " dtstamp = ?3, cancelled_at = NULL, snapshot = ?4 WHERE uid = ?1";
static const char sql_cancel[] =
    "UPDATE event_revisions SET sequence = sequence + 1, dtstamp = ?2,"
    " cancelled_at = ?2 WHERE uid = ?1";

int
store_revisions_load(struct store *s, struct revisions *rs)
{
	sqlite3_stmt	*st;
	struct revision	*r;
	int		 rc;

	memset(rs, 0, sizeof(*rs));
	if ((st = store_stmt(s, sql_load)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rs->v = xreallocarray(rs->v, rs->n + 1, sizeof(*rs->v));
		r = &rs->v[rs->n++];
		r->uid = store_col_dup(st, 0);
		r->hash = store_col_dup(st, 1);
		r->sequence = sqlite3_column_int(st, 2);
		r->dtstamp = (time_t)sqlite3_column_int64(st, 3);
		r->cancelled_at = (time_t)sqlite3_column_int64(st, 4);
		r->snapshot = store_col_dup(st, 5);
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, "load event_revisions");
		sqlite3_reset(st);
		revisions_free(rs);
		return -1;
	}
	sqlite3_reset(st);
	return 0;
}

int
store_revisions_snapshot(struct store *s, struct revision *r)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (r->snapshot != NULL)
		return 0;
	if ((st = store_stmt(s, sql_snapshot)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, r->uid, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		r->snapshot = store_col_dup(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, "read event_revisions.snapshot");
		return -1;
	}
	return 0;
}

/* INSERT or UPDATE one live occurrence's row. */
static int
rev_write(struct store *s, const char *sql, const struct occ *o, time_t now)
{
	sqlite3_stmt	*st;
	struct buf	 snap;
	int		 rc;

	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	buf_init(&snap);
	revisions_snapshot(o, &snap);
	sqlite3_bind_text(st, 1, o->uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	sqlite3_bind_text(st, 4, snap.data, (int)snap.len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	buf_free(&snap);
	if (rc != SQLITE_DONE) {
		store_fail(s, "write event_revisions");
		return -1;
	}
	return 0;
}

static int
rev_cancel(struct store *s, const char *uid, time_t now)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql_cancel)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
	if (store_step_done(s, st, "cancel event_revisions") == -1)
		return -1;
	return 0;
}

/*
 * 1 when a vanished row's last known start lies in [from, to]: only then
 * is its absence from the expansion a removal, not the window moving on.
 */
static int
rev_in_window(struct store *s, struct revision *r, cal_day from, cal_day to)
{
	struct revisions_occ	ro;
	int			in;

	if (store_revisions_snapshot(s, r) == -1)
		return -1;
	if (revisions_occ_load(&ro, r->uid, r->snapshot) == -1)
		return 1;	/* unknown: cancel rather than keep forever */
	in = ro.occ.start >= from && ro.occ.start <= to;
	revisions_occ_free(&ro);
	return in;
}

/* The live occurrences: new rows, changed rows, returning rows. */
static int
rev_reconcile_live(struct store *s, const struct occ_list *l,
    struct revisions *rs, unsigned char *seen, time_t now,
    const struct revisions_watch *w)
{
	const struct revision	*f;
	struct revision		*r;
	const struct occ	*o;
	size_t			 i;
	int			 n = 0;

	for (i = 0; i < l->n; i++) {
		o = &l->v[i];
		if (o->adhoc)
			continue;
		if ((f = revisions_find(rs, o->uid)) == NULL) {
			if (rev_write(s, sql_insert, o, now) == -1)
				return -1;
			n++;
			continue;
		}
		r = &rs->v[f - rs->v];
		if (seen[r - rs->v])
			continue;	/* the same UID twice: first wins */
		seen[r - rs->v] = 1;
		if (r->cancelled_at == 0 && strcmp(r->hash, o->hash) == 0)
			continue;
		/* The watcher reads the old content: before it is replaced. */
		if (w != NULL && w->change != NULL &&
		    store_revisions_snapshot(s, r) == -1)
			return -1;
		if (rev_write(s, sql_change, o, now) == -1)
			return -1;
		if (w != NULL && w->change != NULL &&
		    w->change(w->arg, r, o, r->sequence + 1, now) == -1)
			return -1;
		n++;
	}
	return n;
}

int
store_revisions_reconcile(struct store *s, const struct occ_list *l,
    cal_day from, cal_day to, time_t now)
{
	return store_revisions_reconcile_watch(s, l, from, to, now, NULL);
}

int
store_revisions_reconcile_watch(struct store *s, const struct occ_list *l,
    cal_day from, cal_day to, time_t now, const struct revisions_watch *w)
{
	struct revisions	 rs;
	unsigned char		*seen = NULL;
	size_t			 i;
	int			 n, in, total = -1;

	if (store_revisions_load(s, &rs) == -1)
		return -1;
	seen = xcalloc(rs.n + 1, 1);
	if (store_begin(s) == -1)
		goto out;
	if ((n = rev_reconcile_live(s, l, &rs, seen, now, w)) == -1)
		goto fail;
	for (i = 0; i < rs.n; i++) {
		if (seen[i] || rs.v[i].cancelled_at != 0)
			continue;
		if ((in = rev_in_window(s, &rs.v[i], from, to)) == -1)
			goto fail;
		if (!in)
			continue;
		if (rev_cancel(s, rs.v[i].uid, now) == -1)
			goto fail;
		if (w != NULL && w->change != NULL && w->change(w->arg,
		    &rs.v[i], NULL, rs.v[i].sequence + 1, now) == -1)
			goto fail;
		n++;
	}
	if (w != NULL && w->flush != NULL && w->flush(w->arg) == -1)
		goto fail;
	if (store_commit(s) == -1)
		goto out;
	total = n;
	if (n > 0)
		log_info("feeds: %d event revision(s) changed", n);
	goto out;
fail:
	store_rollback(s);
out:
	free(seen);
	revisions_free(&rs);
	return total;
}
