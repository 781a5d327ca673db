/*
 * sched.c — wall-clock jobs on one ev_periodic (sched.h). The list is
 * short (one job per module: reminders, outbox, daily re-expansion), so a
 * linear scan for the earliest is the simple, right choice.
 */
#include <ev.h>
#include <stdlib.h>

#include "calendars/util.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/sched.h"

struct sched {
	struct koyomi		*k;
	ev_periodic		 periodic;
	struct sched_job	*jobs;
	int			 running;
};

static void
sched_arm(struct sched *s)
{
	struct sched_job	*j;
	time_t			 first = 0;

	ev_periodic_stop(s->k->loop, &s->periodic);
	for (j = s->jobs; j != NULL; j = j->next)
		if (j->armed && (first == 0 || j->when < first))
			first = j->when;
	if (first == 0)
		return;
	/* Absolute wall-clock time: libev recomputes it after clock jumps. */
	ev_periodic_set(&s->periodic, (ev_tstamp)first, 0., NULL);
	ev_periodic_start(s->k->loop, &s->periodic);
}

static void
sched_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
	struct sched		*s = w->data;
	struct sched_job	*j;
	time_t			 now = (time_t)ev_now(loop);
	int			 ran, guard;

	(void)revents;
	s->running = 1;
	/* Jobs may re-arm themselves or others: rescan until none is due. */
	for (guard = 0, ran = 1; ran && guard < 1000; guard++) {
		ran = 0;
		for (j = s->jobs; j != NULL; j = j->next) {
			if (!j->armed || j->when > now)
				continue;
			j->armed = 0;
			j->fn(s->k, j);
			ran = 1;
			break;
		}
	}
	s->running = 0;
	sched_arm(s);
}

struct sched *
sched_start(struct koyomi *k)
{
	struct sched	*s;

	s = xcalloc(1, sizeof *s);
	s->k = k;
	ev_periodic_init(&s->periodic, sched_cb, 0., 0., NULL);
	s->periodic.data = s;
	return s;
}

void
sched_stop(struct sched *s)
{
	if (s == NULL)
		return;
	ev_periodic_stop(s->k->loop, &s->periodic);
	free(s);
}

void
sched_at(struct koyomi *k, struct sched_job *j, time_t when, sched_fn fn,
    void *arg)
{
	struct sched		*s = k->sched;
	struct sched_job	*p;

	for (p = s->jobs; p != NULL && p != j; p = p->next)
		;
	if (p == NULL) {
		j->next = s->jobs;
		s->jobs = j;
	}
	j->when = when;
	j->fn = fn;
	j->arg = arg;
	j->armed = 1;
	if (!s->running)
		sched_arm(s);
}

void
sched_cancel(struct koyomi *k, struct sched_job *j)
{
	struct sched		*s = k->sched;
	struct sched_job	**pp;

	j->armed = 0;
	for (pp = &s->jobs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	if (!s->running)
		sched_arm(s);
}
