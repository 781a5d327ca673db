/*
 * export.h — the task exports (export.c): GET /api/v1/tasks as JSON or
 * CSV and the dashboard's ?format=csv, read a page at a time from one
 * snapshot of the database and sent while they are read.
 */
#ifndef KOYOMI_EXPORT_H
#define KOYOMI_EXPORT_H

#include <stdint.h>
#include <time.h>

struct http_req;
struct koyomi;
struct task;
struct task_filter;

enum export_format { EXPORT_JSON, EXPORT_CSV };

/* Exports one token may have in progress (the daemon: STORE_MAX_CURSORS). */
#define EXPORT_PER_TOKEN	2
/* Tasks read per page: one page per piece sent. */
#define EXPORT_PAGE		500
/* An export still unsent after this long is cut (its snapshot held back
 * the database's checkpoints all along). */
#define EXPORT_MAX_SECONDS	900.

/*
 * keep(k, arg, t): 1 to send t, 0 to leave it out (a filter the store
 * cannot apply); NULL keeps every task. arg_free(arg) when the export
 * ends, however it ends (NULL: nothing to free).
 */
struct export_keep {
	int	 (*keep)(struct koyomi *, void *, const struct task *);
	void	 (*arg_free)(void *);
	void	  *arg;
};

/*
 * Answers req with the filter's tasks (f->now is the "now" of every
 * row) for the token owner (its id). Refused with 429 when that token
 * has EXPORT_PER_TOKEN in progress, 503 when the daemon has
 * STORE_MAX_CURSORS (both with Retry-After), 500 on a database error:
 * as JSON when json_errors, else as text. A CSV is an attachment named
 * filename.
 */
void	task_export(struct http_req *, struct koyomi *, int64_t owner,
	    const struct task_filter *, enum export_format,
	    const struct export_keep *, const char *filename, int json_errors);

#endif
