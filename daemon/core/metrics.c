/*
 * metrics.c — /metrics (Prometheus text format 0.0.4): koyomi's own
 * families, then each registered module's.
 */
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/metrics.h"
#include "daemon/store/store.h"

struct emitter {
	metrics_emit_fn	 fn;
	void		*arg;
};

struct metrics {
	struct emitter	*v;
	size_t		 n;
	unsigned long	 reloads, reload_failures;
	unsigned	 last_errors;
	time_t		 last_ok;
};

struct metrics *
metrics_start(struct koyomi *k)
{
	(void)k;
	return xcalloc(1, sizeof(struct metrics));
}

void
metrics_stop(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->v);
	free(m);
}

void
metrics_register(struct koyomi *k, metrics_emit_fn fn, void *arg)
{
	struct metrics	*m = k->metrics;

	if (m == NULL)
		return;
	m->v = xreallocarray(m->v, m->n + 1, sizeof *m->v);
	m->v[m->n].fn = fn;
	m->v[m->n++].arg = arg;
}

void
metrics_unregister(struct koyomi *k, metrics_emit_fn fn, void *arg)
{
	struct metrics	*m = k->metrics;
	size_t		 i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		if (m->v[i].fn == fn && m->v[i].arg == arg) {
			memmove(&m->v[i], &m->v[i + 1],
			    (m->n - i - 1) * sizeof *m->v);
			m->n--;
			return;
		}
}

void
metrics_reload(struct koyomi *k, int ok, unsigned nerrors)
{
	struct metrics	*m = k->metrics;

	if (m == NULL)
		return;
	m->reloads++;
	if (ok)
		m->last_ok = koyomi_now(k);
	else
		m->reload_failures++;
	m->last_errors = nerrors;
}

void
metrics_render(struct koyomi *k, struct buf *b)
{
	struct metrics	*m = k->metrics;
	size_t		 i;

	buf_printf(b, "# HELP koyomi_build_info Version of koyomi.\n"
	    "# TYPE koyomi_build_info gauge\n"
	    "koyomi_build_info{version=\"%s\"} 1\n", KOYOMI_VERSION);
	buf_printf(b, "# HELP koyomi_uptime_seconds Seconds since start.\n"
	    "# TYPE koyomi_uptime_seconds gauge\nkoyomi_uptime_seconds %lld\n",
	    (long long)(koyomi_now(k) - k->started));
	buf_printf(b, "# HELP koyomi_reloads_total Rule reloads attempted.\n"
	    "# TYPE koyomi_reloads_total counter\nkoyomi_reloads_total %lu\n"
	    "# HELP koyomi_reload_failures_total Reloads that kept the old "
	    "rules.\n# TYPE koyomi_reload_failures_total counter\n"
	    "koyomi_reload_failures_total %lu\n"
	    "# HELP koyomi_reload_errors Errors found by the last reload.\n"
	    "# TYPE koyomi_reload_errors gauge\nkoyomi_reload_errors %u\n"
	    "# HELP koyomi_reload_last_success_timestamp_seconds Time of the "
	    "last good load.\n"
	    "# TYPE koyomi_reload_last_success_timestamp_seconds gauge\n"
	    "koyomi_reload_last_success_timestamp_seconds %lld\n",
	    m->reloads, m->reload_failures, m->last_errors,
	    (long long)m->last_ok);
	buf_printf(b, "# HELP koyomi_database_errors_total SQLite errors.\n"
	    "# TYPE koyomi_database_errors_total counter\n"
	    "koyomi_database_errors_total %lu\n",
	    k->store != NULL ? store_errors(k->store) : 0UL);
	buf_printf(b, "# HELP koyomi_occurrences Expanded occurrences held.\n"
	    "# TYPE koyomi_occurrences gauge\nkoyomi_occurrences %zu\n",
	    k->occs.n);
	for (i = 0; i < m->n; i++)
		m->v[i].fn(k, b, m->v[i].arg);
}
