/*
 * sched_test.c — the wall-clock scheduler on a real libev loop: jobs run
 * in time order, a past time runs on the next turn, re-arming moves a
 * job, cancel removes it, a job may re-arm itself and others from its
 * callback, and nothing runs twice.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <ev.h>

#include "daemon/core/koyomi.h"
#include "daemon/core/sched.h"

static char	 ids[] = "abcd";

struct fx {
	struct koyomi		 k;
	struct sched_job	 a, b, c, d;
	char			 order[32];
	int			 again;
	ev_timer		 stop;
};

static void
note(struct koyomi *k, struct sched_job *j)
{
	struct fx	*f = (struct fx *)(void *)k;	/* k is f's first member */
	size_t		 n = strlen(f->order);

	if (n + 1 < sizeof f->order)
		f->order[n] = *(char *)j->arg;
}

/* Runs twice: re-arms itself one second later the first time. */
static void
self_rearm(struct koyomi *k, struct sched_job *j)
{
	struct fx	*f = (struct fx *)(void *)k;

	note(k, j);
	if (f->again++ == 0)
		sched_at(k, j, (time_t)ev_now(k->loop) + 1, self_rearm, j->arg);
}

static void
stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static void
test_order_cancel_rearm(void **state)
{
	struct fx	*f = calloc(1, sizeof *f);
	time_t		 now;

	(void)state;
	f->k.loop = ev_loop_new(EVFLAG_AUTO);
	f->k.sched = sched_start(&f->k);
	now = (time_t)ev_now(f->k.loop);
	sched_at(&f->k, &f->a, now + 2, note, &ids[0]);
	sched_at(&f->k, &f->b, now - 100, note, &ids[1]);	/* past: at once */
	sched_at(&f->k, &f->c, now + 1, self_rearm, &ids[2]);
	sched_at(&f->k, &f->d, now + 1, note, &ids[3]);
	sched_cancel(&f->k, &f->d);
	/* Re-arming moves a job rather than adding it twice. */
	sched_at(&f->k, &f->a, now + 3, note, &ids[0]);
	ev_timer_init(&f->stop, stop_cb, 3.8, 0.);
	ev_timer_start(f->k.loop, &f->stop);
	ev_run(f->k.loop, 0);
	/* b at once, c at +1, c again at +2, a at +3; d never. */
	assert_string_equal(f->order, "bcca");
	assert_int_equal(f->a.armed, 0);
	assert_int_equal(f->d.armed, 0);
	sched_stop(f->k.sched);
	ev_loop_destroy(f->k.loop);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_cancel_rearm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
