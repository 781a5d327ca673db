/*
 * sdnotify.c — systemd notifications (sdnotify.h). The watchdog pings
 * come from an ev_timer, so a stuck loop stops them and systemd restarts
 * the service: the ping proves the loop runs, which is the point.
 */
#include <ev.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "daemon/core/koyomi.h"
#include "daemon/core/sdnotify.h"

/* One watchdog per process; it lives as long as the loop. */
struct sdn_watchdog {
	ev_timer	 timer;
	int		 on;
};

static struct sdn_watchdog *
wd(void)
{
	/*
	 * File-scope state, as the log settings in calendars/log.c: a
	 * process has one service manager and one watchdog.
	 */
	static struct sdn_watchdog	 w;

	return &w;
}

void
sdn_ready(void)
{
	sd_notify(0, "READY=1\nSTATUS=running");
}

void
sdn_reloading(void)
{
	struct timespec	 ts;
	char		 msg[96];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	sd_notify(0, msg);
}

void
sdn_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void
sdn_status(const char *s)
{
	sd_notifyf(0, "STATUS=%s", s);
}

static void
watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	sd_notify(0, "WATCHDOG=1");
}

void
sdn_watchdog_start(struct koyomi *k)
{
	struct sdn_watchdog	*w = wd();
	uint64_t		 usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return;
	ev_timer_init(&w->timer, watchdog_cb, 0., usec / 2e6);
	ev_timer_again(k->loop, &w->timer);
	w->on = 1;
	sd_notify(0, "WATCHDOG=1");
}

void
sdn_watchdog_stop(struct koyomi *k)
{
	struct sdn_watchdog	*w = wd();

	if (w->on)
		ev_timer_stop(k->loop, &w->timer);
	w->on = 0;
}
