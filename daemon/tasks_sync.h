/*
 * tasks_sync.h — reconciling tasks with the rules (tasks_sync.c), run on
 * every rules swap. One transaction; audit rows with via = rules.
 */
#ifndef KOYOMI_TASKS_SYNC_H
#define KOYOMI_TASKS_SYNC_H

#include <stddef.h>
#include <time.h>

#include "calendars/cal.h"
#include "rules/rules.h"

struct koyomi;

struct tasks_sync_stats {
	size_t	 created, cancelled, restored, changed;
};

/*
 * occs is the expansion of [from, to]: tasks due outside it are left
 * alone. 0, or -1 on a database/outbox error (logged; nothing changed).
 */
int	tasks_sync(struct koyomi *, const struct occ_list *, cal_day from,
	    cal_day to, time_t now, struct tasks_sync_stats *);

#endif
