/*
 * chase.h — the reminder engine (chase.c): one scheduler job for the
 * earliest reminder step of any open task; due steps are recorded and
 * their mail/webhooks queued in one transaction (design §8).
 */
#ifndef KOYOMI_CHASE_H
#define KOYOMI_CHASE_H

#include <stddef.h>

#include "daemon/chase/chase_msg.h"
#include "daemon/chase/tasks.h"
#include "notifier/template.h"
#include "rules/rules.h"

struct koyomi;
struct chase;

/*
 * After the store, rules and outbox are up: schedules the first scan.
 * NULL with *cause (caller frees).
 */
struct chase	*chase_start(struct koyomi *, char **cause);
/* Something changed (rules swapped, a task reopened): scan again now. */
void		 chase_kick(struct chase *);
void		 chase_stop(struct chase *);

/*
 * A coordinator's nudge: one reminder now (the reminder or overdue
 * template, with its completion link) to every assignee of deadline uid
 * who has not submitted (open, not past), queued in the outbox in one
 * transaction with a 'nudged' audit row per task. Assignees without an
 * address are counted in noaddr. Takes no reminder step: the schedule
 * goes on as before. 0, or -1 (*cause may say why; caller frees).
 */
struct chase_nudged {
	size_t	 sent, noaddr;
};
int		 chase_nudge(struct koyomi *, const char *uid,
		    const struct task_actor *, time_t now,
		    struct chase_nudged *, char **cause);

#endif
