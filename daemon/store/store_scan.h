/*
 * store_scan.h — the two bulk reads of tasks that run on the event loop
 * at every start and reload (store_scan.c): the reminder scan's pages of
 * open tasks with the steps they have taken (chase.c) and the narrow rows
 * the reconciliation compares with the rules (tasks_sync.c).
 *
 * They read only the columns their caller needs, in one statement each,
 * so 100,000s of tasks cost one SQLite read lock and a few small
 * allocations per row instead of a query and eighteen strings per task.
 * Everything returned is owned by the caller (free with the _free
 * function); -1 is a database error, logged once.
 */
#ifndef KOYOMI_STORE_SCAN_H
#define KOYOMI_STORE_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct store;

/* An open task as the reminder scan sees it. */
struct scan_task {
	int64_t		 id;
	time_t		 due;
	time_t		 next;		/* next_step: 0 not known, -1 none */
	char		*uid;
	char		**steps;	/* names in reminder_steps */
	size_t		 nsteps;
};

/*
 * A cursor over open, not cancelled tasks: due after a limit in (due, id)
 * order (every open task: store_scan_page), or whose next_step has come
 * in (next_step, id) order (store_scan_due). Each page is one statement:
 * what changed between pages is read as it is then.
 */
struct scan_cursor {
	time_t		 due;		/* last (due, id) or (next_step, id) */
	int64_t		 id;
};
/* Positions c before the first task due after due_after. */
void	store_scan_begin(struct scan_cursor *, time_t due_after);
/*
 * Up to max tasks after the cursor into *out (*n of them), advancing the
 * cursor; *n < max means the end was reached.
 */
int	store_scan_page(struct store *, struct scan_cursor *, size_t max,
	    struct scan_task **out, size_t *n);
/* Positions c before the first task whose next step is known or not. */
void	store_scan_due_begin(struct scan_cursor *);
/*
 * The same for tasks whose next_step is at or before now (0, not known,
 * included), through the tasks_next index: the cost is the tasks due.
 */
int	store_scan_due(struct store *, struct scan_cursor *, time_t now,
	    size_t max, struct scan_task **out, size_t *n);
/* Sets a task's next_step: a time, or none (-1). */
int	store_task_set_next(struct store *, int64_t id, time_t next);
/* The earliest next_step of an open task (0 when one is not known), -1 none. */
int	store_next_step(struct store *, time_t *when);
void	store_scan_free(struct scan_task *, size_t);

/*
 * A task row as the reconciliation compares it with the rules; the
 * strings are SQLite's, valid only during the callback.
 */
struct sync_row {
	int64_t		 id;
	time_t		 due;
	int		 cancelled;
	const char	*due_day;	/* local ISO day */
	const char	*uid;
	const char	*assignee;
	const char	*title;
};
typedef int	(*sync_row_fn)(const struct sync_row *, void *arg);
/*
 * Calls fn for every task, cancelled ones too, in table order (the
 * cheapest read); fn must not write to the database. -1 on a database
 * error or when fn returned -1.
 */
int	store_sync_each(struct store *, sync_row_fn, void *arg);
/*
 * The same in pages: up to max tasks with an id above *after, in id order
 * (a range of the primary key), *after moved to the last one and *n
 * their count; *n < max means the end was reached.
 */
int	store_sync_page(struct store *, int64_t *after, size_t max,
	    sync_row_fn, void *arg, size_t *n);

#endif
