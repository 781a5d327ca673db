/*
 * feeds.h — iCalendar feeds (design §6–§7): which occurrences go into a
 * feed and how they become VEVENTs (feeds_build.c, pure: no SQLite, no
 * clock), and the in-memory cache of every feed's bytes that HTTP and
 * `koyomi feed` serve (feeds.c).
 *
 * A public feed is a `feeds:` entry of the rules; a private feed belongs
 * to one organisation or contact (its events and its own deadlines, with
 * 【提出済】 once done) and is reached through a secret token
 * (feedtoken.h). Bytes are built once per change, never per request.
 */
#ifndef KOYOMI_FEEDS_H
#define KOYOMI_FEEDS_H

#include "daemon/feeds/feeds_cache.h"
#include "daemon/store/store_feeds.h"
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "calendars/util.h"
#include "daemon/store/revisions.h"
#include "rules/rules.h"

/* Everything a render reads; all borrowed. */
struct feeds_input {
	const struct rules	*rules;
	const struct occ_list	*occs;		/* the expanded window */
	const struct revisions	*revs;		/* may be NULL: sequence 0 */
	const char		*base_url;	/* "https://koyomi.example" */
	time_t			 now;		/* ages cancelled events */
	time_t			 epoch;		/* DTSTAMP without a revision */
};

/*
 * A private feed owner's task on one deadline occurrence. Its event's
 * SEQUENCE is the revision's plus changes (at least 1 when done), so
 * every done, reopen and waive goes up, never back (RFC 5545 3.8.7.4:
 * clients drop an update that is not higher), and DTSTAMP becomes
 * updated when that is later than the revision's.
 */
struct feeds_task {
	const char	*uid;		/* occurrence UID */
	int64_t		 id;		/* task id, for the dashboard URL */
	int		 done;		/* done or waived */
	time_t		 updated;	/* its last state change */
	int		 changes;	/* state changes so far (task_stamp) */
};

/* 1 when occurrence o belongs to public feed f (rules_feed_select). */
int	feeds_selects(const struct rules *, const struct rules_feed *,
	    const struct occ *);
/* 1 when o belongs to the private feed of owner (org or contact id). */
int	feeds_private_selects(const struct rules *, const char *owner,
	    const struct occ *);

/*
 * Appends the VCALENDAR of public feed f / of owner's private feed
 * (tasks sorted by uid, may be NULL). VEVENTs are in UID order so that a
 * change in one occurrence changes only its own VEVENT. 0, or -1 with
 * *cause (caller frees).
 */
int	feeds_render_public(const struct feeds_input *,
	    const struct rules_feed *, struct buf *, char **cause);
int	feeds_render_private(const struct feeds_input *, const char *owner,
	    const struct feeds_task *, size_t ntasks, struct buf *,
	    char **cause);

/* "名前" of an owner for X-WR-CALNAME, or NULL when it is unknown. */
const char *feeds_owner_name(const struct rules *, const char *owner);

/*
 * The daemon side (feeds.c): k->feeds. feeds_new makes the cache and
 * nothing else (used by `koyomi feed` too); feeds_start also registers
 * the KY_RULES_SWAPPED and KY_STORE_CHANGED hooks and the metrics, and
 * builds once when rules are loaded (GET /feeds/ is http/feeds_http.c).
 */
struct koyomi;
struct feeds	*feeds_new(struct koyomi *);
void		 feeds_free(struct feeds *);
int		 feeds_start(struct koyomi *, char **cause);
void		 feeds_stop(struct koyomi *);

/*
 * After a rules swap: reconciles event_revisions with k->occs (over
 * k->occ_from..k->occ_to), then rebuilds every public feed and every
 * private feed built so far. 0, or -1 when the store failed (the old
 * bytes keep being served).
 */
int		 feeds_rebuild(struct koyomi *);
/* A task of owner changed state: rebuild just that private feed. */
void		 feeds_private_dirty(struct koyomi *, const char *owner);
/* Every private feed (tokens or tasks changed outside the loop). */
void		 feeds_private_all_dirty(struct koyomi *);

/* The entry of a public feed, NULL when there is none (borrowed). */
struct feed_entry *feeds_public(struct koyomi *, const char *name);
/*
 * The entry behind a private token, built on first use; NULL when the
 * token is unknown (borrowed).
 */
struct feed_entry *feeds_private(struct koyomi *, const char *token);

/* Builds and failed builds so far, for /metrics. */
void		 feeds_counters(struct koyomi *, unsigned long *builds,
		    unsigned long *errors);

/* The days feeds cover: the fiscal year of today, one before, one after. */
void		 feeds_window(cal_day today, cal_day *from, cal_day *to);

#endif
