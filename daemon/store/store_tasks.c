/*
 * store_tasks.c — the SQL behind store_tasks.h: tasks, task_events,
 * reminder_steps and recorded answers. Only store files see sqlite3.
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/store/store.h"
#include "daemon/store/store_int.h"
#include "daemon/store/store_util.h"
#include "daemon/store/store_tasks.h"

/*
 * The case a task belongs to: a case occurrence's UID ends in
 * ".case-CODE@koyomi" (rules/expand_occ.c make_uid), and the case is
 * one of the cycle's in the cases table; the longest code wins should
 * one code end another. 13 = strlen(".case-") + strlen("@koyomi").
 * Only such uids run the lookup, whose ORDER BY opens a sorter each time.
 */
#define TASK_CASE \
	"CASE WHEN instr(t.uid, '.case-') > 0 THEN " \
	"(SELECT c.code FROM cases c WHERE c.cycle = t.cycle AND " \
	"substr(t.uid, -(length(c.code) + 13)) = " \
	"'.case-' || c.code || '@koyomi' " \
	"ORDER BY length(c.code) DESC LIMIT 1) END"

/*
 * The events that finish a task. Not "IN (...)": SQLite builds a
 * temporary b-tree for an IN list of three or more constants each time a
 * statement runs, and this one runs for every task read.
 */
#define TASK_FINAL \
	"(e.action = 'done' OR e.action = 'waived' OR e.action = 'answered')"

#define TASK_COLS \
	"t.id, t.uid, t.assignee, t.cycle, t.item, t.fy, t.title, t.due, " \
	"t.due_day, t.state, t.answer, t.answer_text, t.cancelled, " \
	"t.created, t.updated, t.past, " \
	"(SELECT at FROM task_events e WHERE e.task = t.id AND " TASK_FINAL \
	" ORDER BY e.id DESC LIMIT 1), " \
	"(SELECT who FROM task_events e WHERE e.task = t.id AND " TASK_FINAL \
	" ORDER BY e.id DESC LIMIT 1), " \
	"(SELECT via FROM task_events e WHERE e.task = t.id AND " TASK_FINAL \
	" ORDER BY e.id DESC LIMIT 1), " \
	TASK_CASE

static void
task_from_row(sqlite3_stmt *st, struct task *t)
{
	memset(t, 0, sizeof *t);
	t->id = sqlite3_column_int64(st, 0);
	t->uid = store_col_dup(st, 1);
	t->assignee = store_col_dup(st, 2);
	t->cycle = store_col_dup(st, 3);
	t->item = store_col_dup(st, 4);
	t->fy = sqlite3_column_int(st, 5);
	t->title = store_col_dup(st, 6);
	t->due = (time_t)sqlite3_column_int64(st, 7);
	t->due_day = store_col_dup(st, 8);
	t->state = store_col_dup(st, 9);
	t->answer = store_col_dup(st, 10);
	t->answer_text = store_col_dup(st, 11);
	t->cancelled = sqlite3_column_int(st, 12);
	t->created = (time_t)sqlite3_column_int64(st, 13);
	t->updated = (time_t)sqlite3_column_int64(st, 14);
	t->past = sqlite3_column_int(st, 15);
	if (strcmp(t->state, "open") != 0) {
		t->done_at = (time_t)sqlite3_column_int64(st, 16);
		t->done_by = store_col_dup(st, 17);
		t->done_via = store_col_dup(st, 18);
	}
	t->case_code = store_col_dup(st, 19);
}

/*
 * SELECT cols FROM tasks t WHERE … for a filter; a coordinator's scope
 * becomes " AND cycle IN (?100, …)".
 */
static void
filter_sql(const struct task_filter *f, const char *cols, struct buf *q)
{
	size_t	 i;

	buf_printf(q, "SELECT %s FROM tasks t WHERE 1", cols);
	if (!f->cancelled)
		buf_puts(q, " AND t.cancelled = 0");
	if (f->fy != 0)
		buf_puts(q, " AND t.fy = :fy");
	if (f->assignee != NULL)
		buf_puts(q, " AND t.assignee = :assignee");
	if (f->cycle != NULL)
		buf_puts(q, " AND t.cycle = :cycle");
	if (f->uid != NULL)
		buf_puts(q, " AND t.uid = :uid");
	if (f->unfinished)
		buf_puts(q, " AND t.state = 'open' AND t.past = 0");
	if (f->due_after != 0)
		buf_puts(q, " AND t.due > :after");
	/* A past task is open in the table and "past" to everyone else. */
	if (f->state != NULL) {
		if (strcmp(f->state, "overdue") == 0)
			buf_puts(q, " AND t.state = 'open' AND t.past = 0"
			    " AND t.due < :now");
		else if (strcmp(f->state, "past") == 0)
			buf_puts(q, " AND t.state = 'open' AND t.past = 1");
		else if (strcmp(f->state, "open") == 0)
			buf_puts(q, " AND t.state = 'open' AND t.past = 0");
		else
			buf_puts(q, " AND t.state = :state");
	}
	if (f->ncycles > 0) {
		buf_puts(q, " AND t.cycle IN (");
		for (i = 0; i < f->ncycles; i++)
			buf_printf(q, "%s?%zu", i > 0 ? ", " : "", 100 + i);
		buf_puts(q, ")");
	}
	/*
	 * Fiscal year first: the rows then come in the order of tasks_fy
	 * (fy, due), sorted only within one due time (2,000 rows at 2,000
	 * organisations), so the first row is ready at once. By due alone,
	 * every year at once was sorted whole before the first row: a
	 * second of the loop at 240,000 tasks. Within a year nothing
	 * changes.
	 */
	buf_puts(q, " ORDER BY t.fy, t.due, t.uid, t.assignee");
}

static void
bind_name(sqlite3_stmt *st, const char *name, const char *v)
{
	int	 i = sqlite3_bind_parameter_index(st, name);

	if (i > 0)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* The filter's statement on db, prepared and bound; NULL on an error. */
static sqlite3_stmt *
filter_prepare_db(sqlite3 *db, const struct task_filter *f, const char *cols)
{
	sqlite3_stmt	*st = NULL;
	struct buf	 q;
	size_t		 i;
	int		 ix;

	buf_init(&q);
	filter_sql(f, cols, &q);
	/* Dynamic text: prepared per call, never cached by pointer. */
	if (sqlite3_prepare_v2(db, q.data, -1, &st, NULL) != SQLITE_OK) {
		buf_free(&q);
		return NULL;
	}
	buf_free(&q);
	if ((ix = sqlite3_bind_parameter_index(st, ":fy")) > 0)
		sqlite3_bind_int(st, ix, f->fy);
	if ((ix = sqlite3_bind_parameter_index(st, ":now")) > 0)
		sqlite3_bind_int64(st, ix, f->now);
	if ((ix = sqlite3_bind_parameter_index(st, ":after")) > 0)
		sqlite3_bind_int64(st, ix, f->due_after);
	bind_name(st, ":assignee", f->assignee);
	bind_name(st, ":cycle", f->cycle);
	bind_name(st, ":uid", f->uid);
	bind_name(st, ":state", f->state);
	for (i = 0; i < f->ncycles; i++)
		sqlite3_bind_text(st, (int)(100 + i), f->cycles[i], -1,
		    SQLITE_TRANSIENT);
	return st;
}

/* The same on the store's connection; a failure is logged. */
static sqlite3_stmt *
filter_prepare(struct store *s, const struct task_filter *f,
    const char *cols)
{
	sqlite3_stmt	*st;

	if ((st = filter_prepare_db(store_db(s), f, cols)) == NULL)
		store_fail(s, "tasks list");
	return st;
}

int
store_tasks_list(struct store *s, const struct task_filter *f,
    struct task **out, size_t *nout)
{
	sqlite3_stmt	*st;
	struct task	*v = NULL;
	size_t		 n = 0, cap = 0;
	int		 rc;

	*out = NULL;
	*nout = 0;
	if ((st = filter_prepare(s, f, TASK_COLS)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == cap) {
			cap = cap == 0 ? 64 : cap * 2;
			v = xreallocarray(v, cap, sizeof *v);
		}
		task_from_row(st, &v[n++]);
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, "tasks list");
		sqlite3_finalize(st);
		tasks_free(v, n);
		return -1;
	}
	sqlite3_finalize(st);
	*out = v;
	*nout = n;
	return 0;
}

/*
 * A cursor reads on a connection of its own, inside a read transaction
 * that its first step opens: SQLite's WAL keeps that snapshot for it
 * while the daemon's connection goes on writing, so every page comes
 * from the same moment. The transaction also holds back checkpoints
 * past that moment: hence few cursors (STORE_MAX_CURSORS), and the
 * callers bound how long one lives.
 */
struct task_cursor {
	struct store	*s;
	sqlite3		*db;
	sqlite3_stmt	*st;
	int		 rc;		/* of the last step: a row pending? */
};

static void
cursor_free(struct task_cursor *c)
{
	sqlite3_finalize(c->st);
	if (c->db != NULL && !sqlite3_get_autocommit(c->db))
		(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(c->db);
	store_cursor_count(c->s, -1);
	free(c);
}

int
store_tasks_busy(struct store *s)
{
	return store_cursor_count(s, 0) >= STORE_MAX_CURSORS;
}

struct task_cursor *
store_tasks_open(struct store *s, const struct task_filter *f, char **cause)
{
	struct task_cursor	*c;
	const char		*path;

	path = sqlite3_db_filename(store_db(s), "main");
	if (store_tasks_busy(s)) {
		*cause = xstrdup("too many reads in progress");
		return NULL;
	}
	if (path == NULL || *path == '\0') {
		*cause = xstrdup("the database has no file");
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->s = s;
	store_cursor_count(s, 1);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_busy_timeout(c->db, STORE_BUSY_MS);
	if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    (c->st = filter_prepare_db(c->db, f, TASK_COLS)) == NULL)
		goto fail;
	/* The first step takes the snapshot: now, not at the first page. */
	c->rc = sqlite3_step(c->st);
	if (c->rc != SQLITE_ROW && c->rc != SQLITE_DONE)
		goto fail;
	return c;
fail:
	xasprintf(cause, "database: %s", c->db != NULL ?
	    sqlite3_errmsg(c->db) : "cannot open");
	log_warnx("store: tasks read: %s", *cause);
	cursor_free(c);
	return NULL;
}

int
store_tasks_read(struct task_cursor *c, struct task *v, size_t max,
    size_t *n)
{
	*n = 0;
	while (*n < max && c->rc == SQLITE_ROW) {
		task_from_row(c->st, &v[(*n)++]);
		c->rc = sqlite3_step(c->st);
	}
	if (c->rc != SQLITE_ROW && c->rc != SQLITE_DONE) {
		log_warnx("store: tasks read: %s", sqlite3_errmsg(c->db));
		while (*n > 0)
			task_free(&v[--(*n)]);
		return -1;
	}
	return 0;
}

void
store_tasks_close(struct task_cursor *c)
{
	if (c != NULL)
		cursor_free(c);
}

/* The narrow columns of struct task_row, in its order. */
#define ROW_COLS \
	"t.id, t.uid, t.assignee, t.cycle, t.fy, t.title, t.due, " \
	"t.due_day, t.state, t.answer, t.answer_text, t.cancelled, t.past"
/* …and the latest note written on the task, for one deadline's page. */
#define ROW_NOTE \
	", (SELECT note FROM task_events e WHERE e.task = t.id AND " \
	"e.note IS NOT NULL AND e.action <> 'nudged' " \
	"ORDER BY e.id DESC LIMIT 1)"

static const char *
row_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int
store_task_rows(struct store *s, const struct task_filter *f, int notes,
    task_row_fn fn, void *arg)
{
	sqlite3_stmt	*st;
	struct task_row	 r;
	int		 rc, stopped = 0;

	if ((st = filter_prepare(s, f, notes ? ROW_COLS ROW_NOTE :
	    ROW_COLS)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.id = sqlite3_column_int64(st, 0);
		r.uid = row_text(st, 1);
		r.assignee = row_text(st, 2);
		r.cycle = row_text(st, 3);
		r.fy = sqlite3_column_int(st, 4);
		r.title = row_text(st, 5);
		r.due = (time_t)sqlite3_column_int64(st, 6);
		r.due_day = row_text(st, 7);
		r.state = row_text(st, 8);
		r.answer = row_text(st, 9);
		r.answer_text = row_text(st, 10);
		r.cancelled = sqlite3_column_int(st, 11);
		r.past = sqlite3_column_int(st, 12);
		r.note = notes ? row_text(st, 13) : NULL;
		if (r.uid == NULL || r.assignee == NULL || r.cycle == NULL ||
		    r.title == NULL || r.due_day == NULL || r.state == NULL)
			continue;	/* NOT NULL columns: never */
		if (fn(&r, arg) == -1) {
			stopped = 1;
			break;
		}
	}
	if (!stopped && rc != SQLITE_DONE) {
		store_fail(s, "task rows");
		stopped = 1;
	}
	sqlite3_finalize(st);
	return stopped ? -1 : 0;
}

static const char task_by_id[] = "SELECT " TASK_COLS
    " FROM tasks t WHERE t.id = ?1";
static const char task_by_key[] = "SELECT " TASK_COLS
    " FROM tasks t WHERE t.uid = ?1 AND t.assignee = ?2";

/* One task by id (a == NULL) or by (uid, assignee). 0, 1 none, -1. */
static int
task_one(struct store *s, int64_t id, const char *a, const char *b,
    struct task *t)
{
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, a == NULL ? task_by_id : task_by_key)) == NULL)
		return -1;
	if (a == NULL)
		sqlite3_bind_int64(st, 1, id);
	else {
		sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		task_from_row(st, t);
	/* Reset at once: a cached statement left active pins a snapshot. */
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, "task get");
		return -1;
	}
	return rc == SQLITE_ROW ? 0 : 1;
}

int
store_task_get(struct store *s, int64_t id, struct task *t)
{
	return task_one(s, id, NULL, NULL, t);
}

int
store_task_find(struct store *s, const char *uid, const char *assignee,
    struct task *t)
{
	return task_one(s, 0, uid, assignee, t);
}

/* One bound value: text (NULL binds SQL NULL) or an integer. */
struct bind {
	int		 text;
	const char	*s;
	int64_t		 i;
};
#define BT(v)	{ 1, (v), 0 }
#define BI(v)	{ 0, NULL, (int64_t)(v) }

/* Runs one write statement with the values bound in order. */
static int
exec_binds(struct store *s, const char *sql, const struct bind *b, int n)
{
	sqlite3_stmt	*st;
	int		 i;

	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		if (!b[i].text)
			sqlite3_bind_int64(st, i + 1, b[i].i);
		else if (b[i].s == NULL)
			sqlite3_bind_null(st, i + 1);
		else
			sqlite3_bind_text(st, i + 1, b[i].s, -1,
			    SQLITE_TRANSIENT);
	}
	if (store_step_done(s, st, "tasks") == -1)
		return -1;
	return 0;
}

int
store_task_insert(struct store *s, const struct task_want *w, time_t now,
    int past, int64_t *id)
{
	const struct occ	*o = w->occ;
	const struct bind	 b[] = { BT(o->uid), BT(w->assignee),
		BT(o->cycle_id), BT(o->item_id), BI(o->fy), BT(o->title),
		BI(w->due), BT(w->due_day), BI(now), BI(now), BI(past != 0) };

	if (exec_binds(s, "INSERT INTO tasks (uid, assignee, cycle, item, fy,"
	    " title, due, due_day, created, updated, past) VALUES (?, ?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?)", b, (int)nitems(b)) == -1)
		return -1;
	*id = sqlite3_last_insert_rowid(store_db(s));
	return 0;
}

int
store_task_update_due(struct store *s, int64_t id, time_t due,
    const char *due_day, const char *title, time_t now)
{
	const struct bind	 b[] = { BI(due), BT(due_day), BT(title),
		BI(now), BI(id) };

	return exec_binds(s, "UPDATE tasks SET due = ?, due_day = ?, title = ?,"
	    " updated = ? WHERE id = ?", b, (int)nitems(b));
}

int
store_task_set_cancelled(struct store *s, int64_t id, int cancelled,
    time_t now)
{
	const struct bind	 b[] = { BI(cancelled), BI(now), BI(id) };

	return exec_binds(s, "UPDATE tasks SET cancelled = ?, updated = ? "
	    "WHERE id = ?", b, (int)nitems(b));
}

int
store_task_set_past(struct store *s, int64_t id, int past, time_t now)
{
	const struct bind	 b[] = { BI(past), BI(now), BI(id) };

	return exec_binds(s, "UPDATE tasks SET past = ?, updated = ? "
	    "WHERE id = ?", b, (int)nitems(b));
}

int
store_task_set_state(struct store *s, int64_t id, const char *state,
    time_t now)
{
	const struct bind	 b[] = { BT(state), BI(now), BI(id) };

	return exec_binds(s, "UPDATE tasks SET state = ?, updated = ? "
	    "WHERE id = ?", b, (int)nitems(b));
}

int
store_task_set_answer(struct store *s, int64_t id, const char *answer,
    const char *text, time_t now)
{
	const struct bind	 b[] = { BT(answer), BT(text), BI(now), BI(id) };

	return exec_binds(s, "UPDATE tasks SET answer = ?, answer_text = ?, "
	    "updated = ? WHERE id = ?", b, (int)nitems(b));
}

int
store_task_event(struct store *s, int64_t id, time_t at, const char *action,
    const struct task_actor *a)
{
	const struct bind	 b[] = { BI(id), BI(at), BT(action), BT(a->who),
		BT(task_via_name(a->via)), BT(a->note) };

	return exec_binds(s, "INSERT INTO task_events (task, at, action, who,"
	    " via, note) VALUES (?, ?, ?, ?, ?, ?)", b, (int)nitems(b));
}

int
store_task_step_add(struct store *s, int64_t id, const char *step,
    time_t at, int64_t outbox)
{
	const struct bind	 b[] = { BI(id), BT(step), BI(at), BI(outbox) };

	return exec_binds(s, "INSERT OR IGNORE INTO reminder_steps (task, step,"
	    " at, outbox) VALUES (?, ?, ?, NULLIF(?, 0))", b, (int)nitems(b));
}

int
store_task_steps(struct store *s, int64_t id, char ***names, size_t *n)
{
	sqlite3_stmt	*st = NULL;
	static const char q[] = "SELECT step FROM reminder_steps WHERE task = ?";
	int		 rc;

	*names = NULL;
	*n = 0;
	if ((st = store_stmt(s, q)) == NULL) {
		return -1;
	}
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*names = xreallocarray(*names, *n + 1, sizeof **names);
		(*names)[(*n)++] = store_col_dup(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "reminder steps");
		return -1;
	}
	return 0;
}

static const char *
keep(struct store_answers *a, sqlite3_stmt *st, int i)
{
	char	*s = store_col_dup(st, i);

	a->strs = xreallocarray(a->strs, a->nstrs + 1, sizeof *a->strs);
	a->strs[a->nstrs++] = s;
	return s;
}

int
store_answers_load(struct store *s, struct store_answers *a)
{
	static const char q[] = "SELECT cycle, item, fy, assignee, answer "
	    "FROM tasks WHERE answer IS NOT NULL AND cancelled = 0 "
	    "ORDER BY id";
	sqlite3_stmt		*st = NULL;
	struct rules_answer	*r;
	int			 rc;

	memset(a, 0, sizeof *a);
	if ((st = store_stmt(s, q)) == NULL) {
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		a->v = xreallocarray(a->v, a->n + 1, sizeof *a->v);
		r = &a->v[a->n++];
		r->cycle = keep(a, st, 0);
		r->item = keep(a, st, 1);
		r->fy = sqlite3_column_int(st, 2);
		r->assignee = keep(a, st, 3);
		r->answer = keep(a, st, 4);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "answers");
		store_answers_free(a);
		return -1;
	}
	return 0;
}

void
store_answers_free(struct store_answers *a)
{
	size_t	 i;

	for (i = 0; i < a->nstrs; i++)
		free(a->strs[i]);
	free(a->strs);
	free(a->v);
	memset(a, 0, sizeof *a);
}

int
store_answers_mark(struct store *s, int64_t *mark)
{
	static const char q[] = "SELECT coalesce(max(id), 0) FROM task_events "
	    "WHERE action = 'answered'";
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, q)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*mark = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		store_fail(s, "answers mark");
		return -1;
	}
	return 0;
}

/* Runs a two-column (label, count) query into counts by label index. */
static int
count_by(struct store *s, const char *q, int64_t now,
    const char *const *labels, size_t n, long long *out)
{
	sqlite3_stmt		*st;
	const unsigned char	*l;
	size_t			 i;
	int			 rc;

	memset(out, 0, n * sizeof *out);
	if ((st = store_stmt(s, q)) == NULL)
		return -1;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, now);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		l = sqlite3_column_text(st, 0);
		for (i = 0; l != NULL && i < n; i++)
			if (strcmp((const char *)l, labels[i]) == 0)
				out[i] += sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "task metrics");
		return -1;
	}
	return 0;
}

int
store_tasks_metrics(struct store *s, time_t now, struct tasks_metrics *m)
{
	static const char *const states[] = { "open", "done", "waived",
		"overdue", "past" };
	static const char *const kinds[] = { "before", "overdue", "escalate" };
	static const char *const vias[VIA_NVIAS] = { "cli", "api", "link",
		"dashboard", "rules", "mail" };
	/* Each a range of tasks_count (schema migration 11), index only. */
	static const char qs[] = "SELECT 'open', count(*) FROM tasks WHERE "
	    "cancelled = 0 AND state = 'open' AND past = 0 AND due >= ?1 "
	    "UNION ALL SELECT 'done', count(*) FROM tasks WHERE "
	    "cancelled = 0 AND state = 'done' "
	    "UNION ALL SELECT 'waived', count(*) FROM tasks WHERE "
	    "cancelled = 0 AND state = 'waived' "
	    "UNION ALL SELECT 'overdue', count(*) FROM tasks WHERE "
	    "cancelled = 0 AND state = 'open' AND past = 0 AND due < ?1 "
	    "UNION ALL SELECT 'past', count(*) FROM tasks WHERE "
	    "cancelled = 0 AND state = 'open' AND past = 1";
	static const char qr[] = "SELECT CASE WHEN step = 'escalate' THEN "
	    "'escalate' WHEN step LIKE 'overdue#%' OR step LIKE '+%' THEN "
	    "'overdue' ELSE 'before' END, count(*) FROM reminder_steps GROUP BY 1";
	static const char qc[] = "SELECT via, count(*) FROM task_events WHERE "
	    "action IN ('done', 'answered') GROUP BY via";

	if (count_by(s, qs, now, states, 5, m->by_state) == -1 ||
	    count_by(s, qr, now, kinds, 3, m->reminders) == -1 ||
	    count_by(s, qc, now, vias, VIA_NVIAS, m->completions) == -1)
		return -1;
	return 0;
}

int
store_task_events(struct store *s, int64_t id, struct task_event **out,
    size_t *nout)
{
	static const char q[] = "SELECT at, action, who, via, note FROM "
	    "task_events WHERE task = ? ORDER BY id";
	sqlite3_stmt		*st;
	struct task_event	*v = NULL;
	size_t			 n = 0;
	int			 rc;

	*out = NULL;
	*nout = 0;
	if ((st = store_stmt(s, q)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 100000) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].at = (time_t)sqlite3_column_int64(st, 0);
		v[n].action = store_col_dup(st, 1);
		v[n].who = store_col_dup(st, 2);
		v[n].via = store_col_dup(st, 3);
		v[n].note = store_col_dup(st, 4);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		store_fail(s, "task events");
		task_events_free(v, n);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

int
store_task_stamps(struct store *s, const char *assignee,
    struct task_stamp **out, size_t *nout)
{
	static const char q[] = "SELECT e.task, count(*), max(e.at) FROM "
	    "task_events e JOIN tasks t ON t.id = e.task WHERE t.assignee = ?"
	    " AND e.action IN ('done', 'reopened', 'waived', 'answered')"
	    " GROUP BY e.task ORDER BY e.task";
	sqlite3_stmt		*st;
	struct task_stamp	*v = NULL;
	size_t			 n = 0;
	int			 rc;

	*out = NULL;
	*nout = 0;
	if ((st = store_stmt(s, q)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, assignee, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].id = sqlite3_column_int64(st, 0);
		v[n].changes = sqlite3_column_int(st, 1);
		v[n].at = (time_t)sqlite3_column_int64(st, 2);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "task stamps");
		free(v);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

static const char *const task_vias[VIA_NVIAS] = {
	"cli", "api", "link", "dashboard", "rules", "mail",
};

const char *
task_via_name(enum task_via v)
{
	return (unsigned)v < VIA_NVIAS ? task_vias[v] : "?";
}

void
task_free(struct task *t)
{
	if (t == NULL)
		return;
	free(t->uid);
	free(t->assignee);
	free(t->cycle);
	free(t->item);
	free(t->title);
	free(t->due_day);
	free(t->state);
	free(t->answer);
	free(t->answer_text);
	free(t->done_by);
	free(t->done_via);
	free(t->case_code);
	memset(t, 0, sizeof *t);
}

void
tasks_free(struct task *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		task_free(&v[i]);
	free(v);
}

void
task_events_free(struct task_event *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].action);
		free(v[i].who);
		free(v[i].via);
		free(v[i].note);
	}
	free(v);
}
