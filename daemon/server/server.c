/*
 * server.c — the daemon (server.h), what `koyomi run` starts. The only
 * place that creates, runs and breaks the event loop. Start order:
 * config → zone → store (and migrations) → loop → signals → link key →
 * metrics → HTTP and its route table → scheduler → first load of the
 * rules and mail templates → modules → READY=1 → ev_run; shutdown is the
 * exact reverse.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/core/conf.h"
#include "daemon/core/links.h"
#include "daemon/http/http.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/metrics.h"
#include "daemon/server/modules.h"
#include "daemon/server/server.h"
#include "daemon/core/reload.h"
#include "daemon/core/sched.h"
#include "daemon/core/sdnotify.h"
#include "daemon/store/store.h"
#include "notifier/template.h"

#define RUN_STORE_POLL	1.0	/* seconds between data_version checks */
#define RUN_DRAIN_SECS	5.0	/* in-flight requests get this long at stop */
#define RUN_DRAIN_POLL	0.02

struct run {
	struct koyomi	 k;
	ev_signal	 sigterm, sigint, sighup;
	ev_timer	 poll;
	ev_timer	 drain;
	ev_tstamp	 drain_until;
	int		 data_version;
	unsigned	 started_modules;
};

/* Leaves the loop once no request is in flight, or when time is up. */
static void
drain_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct run	*r = w->data;

	(void)revents;
	if (http_inflight(r->k.http) > 0 && ev_now(loop) < r->drain_until)
		return;
	if (http_inflight(r->k.http) > 0)
		log_warnx("stopping with %u request(s) unfinished",
		    http_inflight(r->k.http));
	ev_timer_stop(loop, w);
	ev_break(loop, EVBREAK_ALL);
}

/*
 * TERM/INT: stop accepting at once, let requests in flight finish while
 * the loop still runs (bounded), then leave; a second signal leaves now.
 * Idle keep-alive connections do not hold the stop up.
 */
static void
stop_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct run	*r = w->data;

	(void)revents;
	if (r->k.stopping) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	log_info("signal %d: stopping", w->signum);
	r->k.stopping = 1;
	sdn_stopping();
	http_quiesce(r->k.http);
	r->drain_until = ev_now(loop) + RUN_DRAIN_SECS;
	ev_timer_init(&r->drain, drain_cb, 0., RUN_DRAIN_POLL);
	r->drain.data = r;
	ev_timer_again(loop, &r->drain);
}

static void
hup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct run	*r = w->data;

	(void)loop;
	(void)revents;
	reload_now(&r->k, "SIGHUP", NULL);
}

/*
 * A CLI command changed the database: let the modules re-read it. Also
 * notices a full disk even when nobody asks /healthz.
 */
static void
poll_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct run	*r = w->data;
	int		 v;

	(void)loop;
	(void)revents;
	(void)store_space_ok(r->k.store);	/* logs a full disk at once */
	v = store_data_version(r->k.store);
	if (v != -1 && v != r->data_version) {
		r->data_version = v;
		koyomi_hook_run(&r->k, KY_STORE_CHANGED);
	}
}

static void
print_urls(struct koyomi *k)
{
	size_t	 i;

	printf("koyomi: listening on %s\n", k->conf->listen);
	for (i = 0; i < k->rules->nfeeds; i++)
		printf("  %s/feeds/%s.ics  %s\n", k->conf->base_url,
		    k->rules->feeds[i].id, k->rules->feeds[i].title);
	printf("  %s/  (dashboard)\n", k->conf->base_url);
	fflush(stdout);
}

/*
 * Each HTTP client is a descriptor and epoll has no FD_SETSIZE limit, so
 * take the hard limit (systemd's advice for such programs); the soft
 * default of 1024 would cap max_connections below its default.
 */
static void
raise_fd_limit(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
run_start(struct run *r, const char *conf_path, char **cause)
{
	struct koyomi		*k = &r->k;
	struct rules_diag	 d;
	size_t			 i;

	rules_diag_init(&d);
	if ((k->conf = conf_load(conf_path, &d)) == NULL) {
		for (i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msgs[i]);
		rules_diag_free(&d);
		xasprintf(cause, "%s: invalid configuration", conf_path);
		return -1;
	}
	rules_diag_free(&d);
	if ((k->zone = cal_zone_new(k->conf->timezone, cause)) == NULL)
		return -1;
	if ((k->store = store_open(k->conf->database, cause)) == NULL)
		return -1;
	raise_fd_limit();
	k->loop = ev_default_loop(EVFLAG_AUTO);
	k->started = koyomi_now(k);
	signal(SIGPIPE, SIG_IGN);
	ev_signal_init(&r->sigterm, stop_cb, SIGTERM);
	ev_signal_init(&r->sigint, stop_cb, SIGINT);
	ev_signal_init(&r->sighup, hup_cb, SIGHUP);
	r->sigterm.data = r->sigint.data = r->sighup.data = r;
	ev_signal_start(k->loop, &r->sigterm);
	ev_signal_start(k->loop, &r->sigint);
	ev_signal_start(k->loop, &r->sighup);
	if (links_key_load(k->conf->secret_key_file, k->link_key, cause) == -1)
		return -1;
	k->has_link_key = 1;
	k->metrics = metrics_start(k);
	if ((k->http = http_start(k, cause)) == NULL)
		return -1;
	http_routes_install(k);
	k->sched = sched_start(k);
	k->reload = reload_start(k);
	if (reload_now(k, "startup", NULL) == -1) {
		if (k->conf->templates != NULL)
			xasprintf(cause, "the rules in %s or the mail templates "
			    "in %s have errors", k->conf->rules,
			    k->conf->templates);
		else
			xasprintf(cause, "the rules in %s have errors",
			    k->conf->rules);
		return -1;
	}
	for (; r->started_modules < koyomi_nmodules; r->started_modules++)
		if (koyomi_modules[r->started_modules].start(k, cause) == -1)
			return -1;
	/* Modules hooked KY_RULES_SWAPPED after the first load: run it. */
	koyomi_hook_run(k, KY_RULES_SWAPPED);
	r->data_version = store_data_version(k->store);
	ev_timer_init(&r->poll, poll_cb, RUN_STORE_POLL, RUN_STORE_POLL);
	r->poll.data = r;
	ev_timer_start(k->loop, &r->poll);
	sdn_watchdog_start(k);
	return 0;
}

static void
run_stop(struct run *r)
{
	struct koyomi	*k = &r->k;

	if (k->loop != NULL) {
		koyomi_hook_run(k, KY_SHUTDOWN);
		sdn_watchdog_stop(k);
		ev_timer_stop(k->loop, &r->poll);
		ev_timer_stop(k->loop, &r->drain);
	}
	while (r->started_modules > 0)
		koyomi_modules[--r->started_modules].stop(k);
	reload_stop(k->reload);
	sched_stop(k->sched);
	http_stop(k->http);
	metrics_stop(k->metrics);
	if (k->loop != NULL) {
		ev_signal_stop(k->loop, &r->sigterm);
		ev_signal_stop(k->loop, &r->sigint);
		ev_signal_stop(k->loop, &r->sighup);
	}
	koyomi_free(k);
	if (k->loop != NULL)
		ev_loop_destroy(k->loop);
}

int
server_run(const char *conf_path, int urls)
{
	struct run	*r;
	char		*cause = NULL;
	int		 rc = 0;

	r = xcalloc(1, sizeof *r);
	if (run_start(r, conf_path, &cause) == -1) {
		log_warnx("%s", cause != NULL ? cause : "cannot start");
		free(cause);
		rc = 1;
		goto out;
	}
	if (urls)
		print_urls(&r->k);
	log_info("ready: %s, %zu occurrences", r->k.conf->listen,
	    r->k.occs.n);
	sdn_ready();
	ev_run(r->k.loop, 0);
	log_info("stopped");
out:
	run_stop(r);
	free(r);
	return rc;
}
