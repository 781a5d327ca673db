/*
 * tasks_ops.h — changing a task's state (tasks_ops.c): done, reopen,
 * waive, answer. Each change is one IMMEDIATE transaction holding the
 * state update, its audit row (task_events) and the messages it causes
 * (receipt mail to the assignee, webhook task.completed or
 * task.reopened), so either all of it happened or none did.
 *
 * Idempotent: marking a done task done again changes nothing and queues
 * nothing (TASK_UNCHANGED); so does a repeated POST of a mail link.
 * Used by the CLI (opens the database itself), the API, the mail link
 * and the dashboard.
 */
#ifndef KOYOMI_TASKS_OPS_H
#define KOYOMI_TASKS_OPS_H

#include <stdint.h>
#include <time.h>

#include "daemon/chase/tasks.h"

struct koyomi;

/* TASK_TRACK: a past task (対象外・過去分) is chased from now on. */
enum task_op { TASK_DONE, TASK_REOPEN, TASK_WAIVE, TASK_ANSWER,
	TASK_TRACK };

enum task_result {
	TASK_CHANGED,
	TASK_UNCHANGED,		/* already in that state: nothing done */
	TASK_NOTFOUND,
	TASK_INVALID,		/* answer missing/not an option, waive without reason, cancelled task */
	TASK_ERROR,		/* database or outbox error */
};

struct task_change {
	enum task_op		 op;
	struct task_actor	 actor;
	const char		*answer;	/* TASK_ANSWER (or DONE on a response task) */
	const char		*text;		/* free text, when allowed */
};

/*
 * Applies c to task id at time now. On TASK_INVALID / TASK_ERROR *cause
 * says why in Japanese-friendly words (caller frees). *answered is set
 * to 1 when a survey answer was recorded; in the daemon (k->reload set)
 * the rules are then re-expanded so groups built from answers follow.
 * Works without a running daemon: k needs conf, zone, store, rules and
 * occs; outbox, reload and chase may be NULL.
 */
enum task_result tasks_change(struct koyomi *, int64_t id,
		    const struct task_change *, time_t now, int *answered,
		    char **cause);

/*
 * The same inside the caller's open transaction (a reply by mail records
 * its message in it): nothing is committed or rolled back here. After
 * the caller's commit of a TASK_CHANGED, tasks_changed() does what
 * follows a change (outbox woken, private feeds, re-expansion).
 */
enum task_result tasks_change_in(struct koyomi *, int64_t id,
		    const struct task_change *, time_t now, int *answered,
		    char **cause);
void		 tasks_changed(struct koyomi *, int64_t id, int answered);
/*
 * The same change (no answer) to every task of ids[0..n) in one
 * transaction, for the dashboard's bulk actions: a task the change does
 * not fit (a survey needing an answer, a cancelled one) is counted and
 * left as it is; a database error undoes all. 0, or -1 (*cause may say
 * why; caller frees). out->first_invalid says why the first was left
 * (caller frees).
 */
struct task_many {
	size_t	 changed, unchanged, invalid, notfound;
	char	*first_invalid;
};
int	tasks_change_many(struct koyomi *, const int64_t *ids, size_t n,
	    const struct task_change *, time_t now, struct task_many *out,
	    char **cause);

/* The response of a task's occurrence in the current rules, or NULL. */
const struct rules_response *tasks_response(struct koyomi *,
		    const struct task *);

/*
 * task_note_occ for each task from its occurrence in k->occs (none when
 * k has no rules): the rows then show certainty and closed-day moves.
 */
void	tasks_note_occs(struct koyomi *, struct task *, size_t);

#endif
