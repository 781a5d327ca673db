/*
 * store_tasks.h — tasks as stored (store_tasks.c): the rows of tasks,
 * task_events and task_steps, and the reads and writes on them. What
 * tasks mean (states, rendering, the set the rules want) is
 * chase/tasks.h.
 */
#ifndef KOYOMI_STORE_TASKS_H
#define KOYOMI_STORE_TASKS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "calendars/cal.h"
#include "rules/rules.h"

struct store;

enum task_via { VIA_CLI, VIA_API, VIA_LINK, VIA_DASHBOARD, VIA_RULES,
	VIA_MAIL, VIA_NVIAS };
const char	*task_via_name(enum task_via);

/* One task row. Strings owned by the row. */
struct task {
	int64_t		 id;
	char		*uid;
	char		*assignee;
	char		*cycle;
	char		*item;
	int		 fy;
	char		*title;
	time_t		 due;		/* UTC */
	char		*due_day;	/* local ISO day */
	char		*state;		/* "open" | "done" | "waived" */
	int		 past;		/* due before koyomi knew of it */
	char		*answer;	/* NULL unless answered */
	char		*answer_text;
	int		 cancelled;
	time_t		 created;
	time_t		 updated;
	time_t		 done_at;	/* last done/waived event, 0 if none */
	char		*done_by;	/* its who, may be NULL */
	char		*done_via;
	char		*case_code;	/* the case it belongs to, or NULL */
	/*
	 * Not stored: what the current occurrence says of the date, set by
	 * task_note_occ (chase/tasks.h); has_occ 0 when nobody did or the
	 * rules no longer have it.
	 */
	int		 has_occ;
	enum occ_certainty certainty;
	int		 moved, kept;	/* off a closed day / kept on one */
	cal_day		 moved_from;
	const char	*closed_name;	/* static: "土曜日", "臨時閉庁日" */
};
void	task_free(struct task *);		/* the strings */
void	tasks_free(struct task *, size_t);	/* strings and array */
struct task_filter {
	int			 fy;		/* 0 = every year */
	const char		*state;		/* open (overdue included), done,
						   waived, overdue, past, or
						   NULL; open and overdue
						   leave past tasks out */
	const char		*assignee;	/* NULL = all */
	const char		*cycle;		/* NULL = all */
	const char		*uid;		/* NULL = all */
	const char *const	*cycles;	/* scope of a coordinator; */
	size_t			 ncycles;	/* 0 = no restriction */
	int			 cancelled;	/* 1: include cancelled tasks */
	int			 unfinished;	/* 1: open and not past */
	time_t			 due_after;	/* 0, or only tasks due after it */
	time_t			 now;		/* for overdue */
};
/* One task the rules want: borrowed from the occ list it came from. */
struct task_want {
	const struct occ	*occ;
	const char		*assignee;
	time_t			 due;
	char			 due_day[11];
};
/* An actor: who did it and through what. Strings borrowed. */
struct task_actor {
	const char	*who;		/* may be NULL */
	enum task_via	 via;
	const char	*note;		/* may be NULL */
};

/*
 * All return 0 on success, -1 on a database error (logged once);
 * lookups return 1 when nothing was found. Lists are in (fy, due, uid,
 * assignee) order.
 */
int	store_tasks_list(struct store *, const struct task_filter *,
	    struct task **, size_t *);
int	store_task_get(struct store *, int64_t id, struct task *);
/*
 * The filter's tasks a page at a time, as store_tasks_list has them, all
 * from one snapshot taken at open (a read transaction on a connection of
 * its own): for answers sent over many loop turns. NULL and *cause when
 * the database fails or STORE_MAX_CURSORS are open. store_tasks_read
 * fills v with up to max tasks (*n; 0 at the end); -1 on an error.
 */
#define STORE_MAX_CURSORS	4
struct task_cursor;
struct task_cursor *store_tasks_open(struct store *,
	    const struct task_filter *, char **cause);
int	store_tasks_read(struct task_cursor *, struct task *, size_t max,
	    size_t *n);
void	store_tasks_close(struct task_cursor *);
/* 1 when STORE_MAX_CURSORS are open: store_tasks_open would refuse. */
int	store_tasks_busy(struct store *);
/*
 * The dashboard's read: the filter's tasks in (fy, due, uid, assignee) order
 * as narrow rows whose strings are SQLite's, valid only during fn (which
 * must not write); with notes, each row's latest event note too (a
 * nudge's stays in the history only). -1 on
 * a database error or when fn returned -1.
 */
struct task_row {
	int64_t		 id;
	const char	*uid, *assignee, *cycle, *title, *due_day, *state;
	const char	*answer, *answer_text, *note;	/* may be NULL */
	int		 fy, cancelled, past;
	time_t		 due;
};
typedef int	(*task_row_fn)(const struct task_row *, void *arg);
int	store_task_rows(struct store *, const struct task_filter *, int notes,
	    task_row_fn, void *arg);
int	store_task_find(struct store *, const char *uid, const char *assignee,
	    struct task *);
/*
 * Inside the caller's transaction. past: the deadline was over before
 * koyomi knew of it (対象外・過去分), history, not a debt.
 */
int	store_task_insert(struct store *, const struct task_want *,
	    time_t now, int past, int64_t *id);
int	store_task_update_due(struct store *, int64_t id, time_t due,
	    const char *due_day, const char *title, time_t now);
int	store_task_set_cancelled(struct store *, int64_t id, int, time_t now);
int	store_task_set_state(struct store *, int64_t id, const char *state,
	    time_t now);
/* past: 1 対象外・過去分 (not chased), 0 tracked like any other task. */
int	store_task_set_past(struct store *, int64_t id, int past, time_t now);
int	store_task_set_answer(struct store *, int64_t id, const char *answer,
	    const char *text, time_t now);
int	store_task_event(struct store *, int64_t id, time_t at,
	    const char *action, const struct task_actor *);
/*
 * How often each task of assignee changed state (done, reopened, waived,
 * answered: the changes its private feed shows) and when it last did,
 * sorted by task id; tasks that never changed are left out. Private
 * feeds add the count to SEQUENCE, which therefore never goes down.
 */
struct task_stamp {
	int64_t	 id;
	int	 changes;
	time_t	 at;
};
int	store_task_stamps(struct store *, const char *assignee,
	    struct task_stamp **, size_t *);
/* The audit trail of a task, oldest first. */
struct task_event {
	time_t	 at;
	char	*action, *who, *via, *note;	/* who, note may be NULL */
};
int	store_task_events(struct store *, int64_t id, struct task_event **,
	    size_t *);
void	task_events_free(struct task_event *, size_t);
/* Names of the reminder steps already taken for a task. */
int	store_task_steps(struct store *, int64_t id, char ***names,
	    size_t *n);
int	store_task_step_add(struct store *, int64_t id, const char *step,
	    time_t at, int64_t outbox);
/* Every recorded answer, for rules_expand's ctx (strings owned by *out). */
struct store_answers {
	struct rules_answer	*v;
	size_t			 n;
	char			**strs;		/* owned copies */
	size_t			 nstrs;
};
int	store_answers_load(struct store *, struct store_answers *);
/* Id of the newest 'answered' event (0 if none): answers changed? */
int	store_answers_mark(struct store *, int64_t *);

/* Counts for /metrics, read from the tables so the CLI's changes count. */
struct tasks_metrics {
	long long	 by_state[5];		/* open, done, waived, overdue,
						   past */
	long long	 reminders[3];		/* before, overdue, escalate */
	long long	 completions[VIA_NVIAS];	/* by via */
};
int	store_tasks_metrics(struct store *, time_t now,
	    struct tasks_metrics *);
void	store_answers_free(struct store_answers *);

#endif
