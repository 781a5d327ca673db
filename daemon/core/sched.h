/*
 * sched.h — wall-clock timers for the daemon's due actions (reminders,
 * retries, the daily re-expansion). One ev_periodic for the earliest job:
 * libev reschedules periodics on wall-clock jumps, forward and back, so a
 * job runs when the clock says so, never twice and never lost. A job
 * struct is owned by its module and must stay valid while armed.
 */
#ifndef KOYOMI_SCHED_H
#define KOYOMI_SCHED_H

#include <time.h>

struct koyomi;
struct sched_job;

typedef void	(*sched_fn)(struct koyomi *, struct sched_job *);

struct sched_job {
	time_t			 when;		/* UTC seconds */
	sched_fn		 fn;
	void			*arg;
	int			 armed;
	struct sched_job	*next;		/* sched's list */
};

struct sched	*sched_start(struct koyomi *);
void		 sched_stop(struct sched *);
/* (Re)arms job to run fn at when (now or past = next loop turn). */
void		 sched_at(struct koyomi *, struct sched_job *, time_t when,
		    sched_fn, void *arg);
void		 sched_cancel(struct koyomi *, struct sched_job *);

#endif
