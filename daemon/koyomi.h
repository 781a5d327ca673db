/*
 * koyomi.h — the daemon's one context. daemon/cmd_run.c creates it,
 * owns the event loop and tears everything down in reverse order; every
 * module gets this pointer in its *_start() and finds itself through it.
 * Single-threaded: nothing here is locked.
 */
#ifndef KOYOMI_KOYOMI_H
#define KOYOMI_KOYOMI_H

#include <time.h>

#include "calendars/cal.h"
#include "rules/rules.h"

struct ev_loop;
struct conf;
struct store;
struct http;
struct sched;
struct metrics;
struct feeds;
struct outbox;
struct chase;
struct reload;
struct koyomi;

enum koyomi_event {
	KY_RULES_SWAPPED,	/* k->rules and k->occs were replaced */
	KY_STORE_CHANGED,	/* tasks changed outside the loop (CLI) */
	KY_SHUTDOWN,		/* about to stop: flush, stop watchers */
	KY_NEVENTS
};

typedef void	(*koyomi_hook_fn)(struct koyomi *, void *);

struct koyomi_hook {
	enum koyomi_event	 ev;
	koyomi_hook_fn		 fn;
	void			*arg;
};

struct koyomi {
	struct ev_loop		*loop;		/* ev_default_loop, owned by run */
	struct conf		*conf;
	struct cal_zone		*zone;
	struct store		*store;
	struct http		*http;
	struct sched		*sched;
	struct metrics		*metrics;
	struct reload		*reload;
	struct feeds		*feeds;		/* engineer D */
	struct outbox		*outbox;	/* engineer E */
	struct chase		*chase;		/* engineer G */

	/* The last good rules and their expansion over [occ_from, occ_to]. */
	struct rules		*rules;
	struct occ_list		 occs;
	cal_day			 occ_from, occ_to;
	unsigned long		 generation;	/* bumped at every swap */
	/*
	 * generation + 1 when event_revisions were last brought in line
	 * with occs (announce does it first on a swap, feeds only when it
	 * failed); 0 never.
	 */
	unsigned long		 revs_gen;

	time_t			 started;
	int			 stopping;

	struct koyomi_hook	*hooks;
	size_t			 nhooks;
};

void	koyomi_hook_add(struct koyomi *, enum koyomi_event, koyomi_hook_fn,
	    void *);
void	koyomi_hook_run(struct koyomi *, enum koyomi_event);
/* Wall-clock time as the loop last saw it (seconds). */
time_t	koyomi_now(struct koyomi *);
/*
 * The span the daemon expands, publishes and chases: two fiscal years
 * back (subscribers keep recent history; the chaser ignores steps stale
 * by weeks) through next year. One definition, so `koyomi feed` prints
 * what HTTP serves.
 */
void	koyomi_window(cal_day today, cal_day *from, cal_day *to);
/* Today in the configured zone. */
cal_day	koyomi_today(struct koyomi *);
/* The expansion context (cases, answers) from the store; free with … */
void	koyomi_expand_ctx(struct koyomi *, struct rules_expand_ctx *);
void	koyomi_expand_ctx_free(struct rules_expand_ctx *);

#endif
