/*
 * store_int.h — for the store_*.c files only: the raw connection and the
 * prepared-statement cache. No other module includes sqlite3.h.
 */
#ifndef KOYOMI_STORE_INT_H
#define KOYOMI_STORE_INT_H

#include <sqlite3.h>

#include "daemon/store/store.h"

/* How long SQLite waits on a lock: the busy handler sleeps the loop. */
#define STORE_BUSY_MS	50

sqlite3		*store_db(struct store *);
/* The read cursors open (store_tasks_open), after adding delta. */
int		 store_cursor_count(struct store *, int delta);
/*
 * The prepared statement for sql, prepared once (SQLITE_PREPARE_PERSISTENT)
 * and cached by its text; returned reset with bindings cleared. NULL on a
 * prepare error (logged). Never finalize it: store_close does.
 */
sqlite3_stmt	*store_stmt(struct store *, const char *sql);
/*
 * Steps a statement that returns no rows and resets it: 0, or -1 with
 * what failed logged and counted (store_fail).
 */
int		 store_step_done(struct store *, sqlite3_stmt *, const char *what);
/* Logs sqlite3_errmsg with what failed and counts the error. */
void		 store_fail(struct store *, const char *what);
/* Runs SQL without results (DDL, pragmas). */
int		 store_exec(struct store *, const char *sql);

#endif
