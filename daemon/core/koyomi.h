/*
 * koyomi.h — the daemon's one context. daemon/server/server.c creates it,
 * owns the event loop and tears everything down in reverse order; every
 * module gets this pointer in its *_start() and finds itself through it.
 * Single-threaded: nothing here is locked.
 */
#ifndef KOYOMI_KOYOMI_H
#define KOYOMI_KOYOMI_H

#include <time.h>

#include "calendars/cal.h"
#include "daemon/core/links.h"
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
struct inbox;
struct reload;
struct koyomi;
struct tmpl_set;

enum koyomi_event {
	KY_RULES_SWAPPED,	/* k->rules, k->occs (and k->tmpl on a
				   reload) were replaced */
	KY_STORE_CHANGED,	/* tasks changed outside the loop (CLI) */
	KY_SHUTDOWN,		/* about to stop: flush, stop watchers */
	KY_RELOAD_FAILED,	/* a reload (not the first load) failed:
				   k->reload_errors holds why */
	KY_RELOAD_OK,		/* a reload succeeded, before the swap */
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
	struct feeds		*feeds;		/* feeds/feeds.c */
	struct outbox		*outbox;	/* outbox/outbox.c */
	struct chase		*chase;		/* chase/chase.c */
	struct inbox		*inbox;		/* inbox/inbox.c, NULL: none */
	/* The completion-link key (core/links.c), loaded at start. */
	unsigned char		 link_key[LINKS_KEY_LEN];
	int			 has_link_key;

	/*
	 * The mail templates, read and checked with the rules (start and
	 * each reload) and swapped with them: no mail reads the disk.
	 */
	struct tmpl_set		*tmpl;

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
	/* occs by UID, sorted; rebuilt when generation moves on. */
	const struct occ	**occ_idx;
	size_t			 nocc_idx;
	unsigned long		 occ_idx_gen;

	time_t			 started;
	int			 stopping;

	/* The failed reload's errors, during KY_RELOAD_FAILED only. */
	const struct rules_diag	*reload_errors;

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
/* This fiscal year (April to March) in the configured zone. */
int	koyomi_this_fy(struct koyomi *);
/*
 * The expansion context: today, the zone, and the cases and answers from
 * the store. 0, or -1 on a database error (then nothing to free).
 */
int	koyomi_expand_ctx(struct koyomi *, struct rules_expand_ctx *);
void	koyomi_expand_ctx_free(struct rules_expand_ctx *);
/*
 * Reads and checks the mail templates conf names (the built-in texts when
 * it names none). The set, or NULL with each problem added to d as an
 * error.
 */
struct tmpl_set	*koyomi_templates_load(const struct conf *,
	    struct rules_diag *);
/* The current occurrence with this UID, or NULL. */
const struct occ *koyomi_find_occ(struct koyomi *, const char *uid);
/*
 * Frees what the context owns (occurrences and their index, rules,
 * templates, store, zone, configuration, hooks) and wipes the link key;
 * the modules, HTTP and the loop are their owners' to stop first.
 */
void	koyomi_free(struct koyomi *);
/* Rebuilds the UID index over occs (reload does it at every swap). */
void	koyomi_occ_index(struct koyomi *);

#endif
