/*
 * tasks_sync.h — reconciling tasks with the rules (tasks_sync.c), run on
 * every rules swap, in steps of bounded transactions; audit rows with
 * via = rules.
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
 * alone. begin compares the rules' digest with the one of the last sync
 * and returns the sync to run, or NULL: nothing to do (*err 0) or a
 * database error (*err 1, logged). compare does the comparison in steps,
 * each bounded, to run one per loop turn: the wanted pairs first, then
 * pages of the table, rows rows per call, the pairs counting as rows in
 * the first (0: all at once; a small sync is done in one call); 1 when
 * more remain, 0 done, -1 on an error. Each step then writes at most max of the noted
 * rows (0: all) in one transaction, the last one with the digest (a
 * comparison not finished is finished first, in one go): 1 when more
 * remain, 0 done, -1 on an error (that step rolled back, the earlier ones
 * kept; free it and sync again later). The occurrences must stay those
 * of begin's rules generation: a step after a swap fails without
 * reading them.
 */
struct tasks_sync;
struct tasks_sync *tasks_sync_begin(struct koyomi *, const struct occ_list *,
	    cal_day from, cal_day to, time_t now, int *err);
int	tasks_sync_compare(struct tasks_sync *, size_t rows);
int	tasks_sync_step(struct tasks_sync *, size_t max);
/* What the committed steps did so far. */
const struct tasks_sync_stats *tasks_sync_stats(const struct tasks_sync *);
void	tasks_sync_free(struct tasks_sync *);

#endif
