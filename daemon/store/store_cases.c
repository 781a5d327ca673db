/*
 * store_cases.c — the cases table (store_cases.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/store/store_cases.h"
#include "daemon/store/store.h"
#include "daemon/store/store_int.h"
#include "daemon/store/store_util.h"

int
store_case_add(struct store *s, const char *cycle, const char *code,
    const char *org, const char *start_day, time_t now)
{
	static const char q[] = "INSERT INTO cases (cycle, code, org, "
	    "start_day, created) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if ((st = store_stmt(s, q)) == NULL) {
		return -1;
	}
	sqlite3_bind_text(st, 1, cycle, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, code, -1, SQLITE_TRANSIENT);
	if (org != NULL)
		sqlite3_bind_text(st, 3, org, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, start_day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, now);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT)
		return 1;
	if (rc != SQLITE_DONE) {
		store_fail(s, "case add");
		return -1;
	}
	return 0;
}

int
store_cases_mark(struct store *s, char *mark, size_t len)
{
	static const char q[] = "SELECT count(*), coalesce(max(id), 0), "
	    "count(closed_day), coalesce(max(closed_day), '') FROM cases";
	sqlite3_stmt	*st;
	int		 rc;

	if ((st = store_stmt(s, q)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(mark, len, "%lld:%lld:%lld:%s",
		    (long long)sqlite3_column_int64(st, 0),
		    (long long)sqlite3_column_int64(st, 1),
		    (long long)sqlite3_column_int64(st, 2),
		    (const char *)sqlite3_column_text(st, 3));
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		store_fail(s, "cases mark");
		return -1;
	}
	return 0;
}

int
store_case_close(struct store *s, const char *cycle, const char *code,
    const char *day)
{
	static const char q[] = "SELECT id, closed_day FROM cases WHERE "
	    "code = ?1 AND (?2 IS NULL OR cycle = ?2)";
	static const char u[] = "UPDATE cases SET closed_day = ? WHERE id = ?";
	sqlite3_stmt	*st = NULL;
	int64_t		 id = 0;
	int		 rc, n = 0, closed = 0;

	if ((st = store_stmt(s, q)) == NULL) {
		return -1;
	}
	sqlite3_bind_text(st, 1, code, -1, SQLITE_TRANSIENT);
	if (cycle != NULL)
		sqlite3_bind_text(st, 2, cycle, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		closed = sqlite3_column_type(st, 1) != SQLITE_NULL;
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "case close");
		return -1;
	}
	if (n == 0)
		return 1;
	if (n > 1)
		return 2;
	if (closed)
		return 3;
	if ((st = store_stmt(s, u)) == NULL) {
		return -1;
	}
	sqlite3_bind_text(st, 1, day, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	if (store_step_done(s, st, "case close") == -1)
		return -1;
	return 0;
}

int
store_cases_list(struct store *s, struct case_row **out, size_t *nout)
{
	static const char q[] = "SELECT id, cycle, code, org, start_day, "
	    "closed_day, created FROM cases ORDER BY cycle, start_day, code";
	sqlite3_stmt	*st = NULL;
	struct case_row	*v = NULL;
	size_t		 n = 0;
	int		 rc;

	*out = NULL;
	*nout = 0;
	if ((st = store_stmt(s, q)) == NULL) {
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].id = sqlite3_column_int64(st, 0);
		v[n].cycle = store_col_dup(st, 1);
		v[n].code = store_col_dup(st, 2);
		v[n].org = store_col_dup(st, 3);
		v[n].start_day = store_col_dup(st, 4);
		v[n].closed_day = store_col_dup(st, 5);
		v[n].created = (time_t)sqlite3_column_int64(st, 6);
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "cases");
		case_rows_free(v, n);
		return -1;
	}
	*out = v;
	*nout = n;
	return 0;
}

void
case_rows_free(struct case_row *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		free(v[i].cycle);
		free(v[i].code);
		free(v[i].org);
		free(v[i].start_day);
		free(v[i].closed_day);
	}
	free(v);
}
