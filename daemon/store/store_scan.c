/*
 * store_scan.c — bulk reads of tasks for the reminder scan and the
 * reconciliation, and the next_step column the scan keeps
 * (store_scan.h). Only store files see sqlite3.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "calendars/util.h"
#include "daemon/store/store.h"
#include "daemon/store/store_int.h"
#include "daemon/store/store_scan.h"
#include "daemon/store/store_util.h"

/* A bound on one page's rows: a task has at most a few dozen steps. */
#define SCAN_MAX_ROWS	1000000

/*
 * One page of open tasks (not past: history is not chased) and, joined, the steps each has taken: one row
 * per step (or one with a NULL step), grouped by task in page order. The
 * range on due lets the (state, due) index find the start at once.
 */
static const char scan_sql[] =
    "WITH page AS (SELECT id, due, uid, next_step FROM tasks"
    " WHERE state = 'open' AND cancelled = 0 AND past = 0 AND due >= ?1"
    " AND (due, id) > (?1, ?2) ORDER BY due, id LIMIT ?3)"
    " SELECT p.id, p.due, p.uid, p.next_step, r.step, p.due FROM page p"
    " LEFT JOIN reminder_steps r ON r.task = p.id ORDER BY p.due, p.id";

/*
 * The tasks whose next step has come, through tasks_next (INDEXED BY:
 * the planner must not walk every open task by the (state, due) index).
 * The last column is the page's order, for the cursor.
 */
static const char due_sql[] =
    "WITH page AS (SELECT id, due, uid, next_step FROM tasks"
    " INDEXED BY tasks_next"
    " WHERE state = 'open' AND cancelled = 0 AND past = 0"
    " AND next_step <= ?4"
    " AND (next_step, id) > (?1, ?2) ORDER BY next_step, id LIMIT ?3)"
    " SELECT p.id, p.due, p.uid, p.next_step, r.step, p.next_step FROM page p"
    " LEFT JOIN reminder_steps r ON r.task = p.id"
    " ORDER BY p.next_step, p.id";

void
store_scan_begin(struct scan_cursor *c, time_t due_after)
{
	c->due = due_after;
	c->id = INT64_MAX;	/* so (due, id) > cursor means due > due_after */
}

void
store_scan_due_begin(struct scan_cursor *c)
{
	c->due = -1;		/* next_step is 0 (not known) or a time */
	c->id = 0;
}

static void
scan_add_step(struct scan_task *t, sqlite3_stmt *st)
{
	if (sqlite3_column_type(st, 4) == SQLITE_NULL)
		return;
	t->steps = xreallocarray(t->steps, t->nsteps + 1, sizeof *t->steps);
	t->steps[t->nsteps++] = store_col_dup(st, 4);
}

/*
 * Runs one page statement (scan_sql or due_sql, bound but for the
 * cursor and max) and fills *out; the cursor moves to the last task's
 * order key (the last column).
 */
static int
scan_run(struct store *s, sqlite3_stmt *st, struct scan_cursor *c,
    size_t max, struct scan_task **out, size_t *n)
{
	struct scan_task	*v, *t = NULL;
	time_t			 key = 0;
	size_t			 rows = 0;
	int			 rc;

	v = xcalloc(max, sizeof *v);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)c->due);
	sqlite3_bind_int64(st, 2, c->id);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    ++rows <= SCAN_MAX_ROWS) {
		if (t == NULL || t->id != sqlite3_column_int64(st, 0)) {
			if (*n == max)
				break;	/* impossible: LIMIT max */
			t = &v[(*n)++];
			t->id = sqlite3_column_int64(st, 0);
			t->due = (time_t)sqlite3_column_int64(st, 1);
			t->uid = store_col_dup(st, 2);
			t->next = sqlite3_column_type(st, 3) == SQLITE_NULL ?
			    -1 : (time_t)sqlite3_column_int64(st, 3);
			key = (time_t)sqlite3_column_int64(st, 5);
		}
		scan_add_step(t, st);
	}
	/* Reset at once: a cached statement left active pins a snapshot. */
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(s, "reminder scan");
		store_scan_free(v, *n);
		*n = 0;
		return -1;
	}
	if (*n > 0) {
		c->due = key;
		c->id = v[*n - 1].id;
	}
	*out = v;
	return 0;
}

int
store_scan_page(struct store *s, struct scan_cursor *c, size_t max,
    struct scan_task **out, size_t *n)
{
	sqlite3_stmt	*st;

	*out = NULL;
	*n = 0;
	if (max == 0)
		return 0;
	if ((st = store_stmt(s, scan_sql)) == NULL)
		return -1;
	return scan_run(s, st, c, max, out, n);
}

int
store_scan_due(struct store *s, struct scan_cursor *c, time_t now,
    size_t max, struct scan_task **out, size_t *n)
{
	sqlite3_stmt	*st;

	*out = NULL;
	*n = 0;
	if (max == 0)
		return 0;
	if ((st = store_stmt(s, due_sql)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	return scan_run(s, st, c, max, out, n);
}

int
store_task_set_next(struct store *s, int64_t id, time_t next)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, "UPDATE tasks SET next_step = ?"
	    " WHERE id = ?")) == NULL)
		return -1;
	if (next >= 0)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)next);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "task next step");
		return -1;
	}
	return 0;
}

int
store_next_step(struct store *s, time_t *when)
{
	sqlite3_stmt	*st;
	int		 rc;

	*when = -1;
	if ((st = store_stmt(s, "SELECT next_step FROM tasks"
	    " INDEXED BY tasks_next WHERE state = 'open' AND cancelled = 0"
	    " AND next_step IS NOT NULL ORDER BY next_step LIMIT 1")) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*when = (time_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, "next reminder");
		return -1;
	}
	return 0;
}

void
store_scan_free(struct scan_task *v, size_t n)
{
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		free(v[i].uid);
		for (j = 0; j < v[i].nsteps; j++)
			free(v[i].steps[j]);
		free(v[i].steps);
	}
	free(v);
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	const char	*s = (const char *)sqlite3_column_text(st, i);

	return s != NULL ? s : "";
}

/* Steps st (bound) through fn; *n counts the rows, *last the last id. */
static int
sync_rows(struct store *s, sqlite3_stmt *st, sync_row_fn fn, void *arg,
    int64_t *last, size_t *n)
{
	struct sync_row	 r;
	int		 rc, stopped = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.due = (time_t)sqlite3_column_int64(st, 1);
		r.cancelled = sqlite3_column_int(st, 2);
		r.due_day = col_text(st, 3);
		r.uid = col_text(st, 4);
		r.assignee = col_text(st, 5);
		r.title = col_text(st, 6);
		(*n)++;
		*last = r.id;
		if (fn(&r, arg) == -1) {
			stopped = 1;
			break;
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (stopped)
		return -1;
	if (rc != SQLITE_DONE) {
		store_fail(s, "tasks sync rows");
		return -1;
	}
	return 0;
}

int
store_sync_each(struct store *s, sync_row_fn fn, void *arg)
{
	static const char q[] = "SELECT id, due, cancelled, due_day, uid,"
	    " assignee, title FROM tasks";
	sqlite3_stmt	*st;
	int64_t		 last;
	size_t		 n = 0;

	if ((st = store_stmt(s, q)) == NULL)
		return -1;
	return sync_rows(s, st, fn, arg, &last, &n);
}

int
store_sync_page(struct store *s, int64_t *after, size_t max, sync_row_fn fn,
    void *arg, size_t *n)
{
	static const char q[] = "SELECT id, due, cancelled, due_day, uid,"
	    " assignee, title FROM tasks WHERE id > ? ORDER BY id LIMIT ?";
	sqlite3_stmt	*st;

	*n = 0;
	if ((st = store_stmt(s, q)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, *after);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	return sync_rows(s, st, fn, arg, after, n);
}
