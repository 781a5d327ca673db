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
 * The cache (feeds_cache.c). An entry is the bytes of one feed, their
 * gzip form (compressed once, when built), strong ETags (hash of each
 * form) and Last-Modified (when the bytes last changed). Entries are
 * immutable and reference-counted: the cache holds one reference and
 * every HTTP response serving the bytes without a copy holds another, so
 * a rebuild never frees bytes a slow client is still being sent.
 */
struct feed_entry {
	char		*key;		/* feed name, or private owner id */
	char		*body;
	size_t		 len;
	char		*gz;
	size_t		 gzlen;
	char		 etag[40];	/* "\"<32 hex>\"" */
	char		 etag_gz[44];	/* "\"<32 hex>-gz\"" */
	time_t		 mtime;
	char		 lastmod[32];	/* IMF-fixdate of mtime */
	unsigned	 refs;
};

void	feed_entry_ref(struct feed_entry *);
void	feed_entry_unref(struct feed_entry *);	/* frees at zero */

struct feeds_cache;
struct feeds_cache *feeds_cache_new(void);
void	feeds_cache_free(struct feeds_cache *);
/*
 * Puts bytes (taken over) under key. When they equal the entry already
 * there, that entry (and its Last-Modified) is kept and 0 is returned;
 * else the new entry replaces it and 1 is returned.
 */
int	feeds_cache_put(struct feeds_cache *, int private, const char *key,
	    struct buf *, time_t now);
/*
 * feeds_cache_put, and when key has no entry yet (the first build after
 * a start) and known (may be NULL) is what the feed was before: equal
 * bytes (ETag) keep known->mtime, other bytes get a Last-Modified later
 * than known->mtime, never an earlier one.
 */
int	feeds_cache_put_known(struct feeds_cache *, int private,
	    const char *key, struct buf *, time_t now,
	    const struct feed_stamp *known);
/* Drops every public entry whose name is not in keep (rules changed). */
void	feeds_cache_prune(struct feeds_cache *, int private,
	    const char *const *keep, size_t n);
/* Borrowed; the caller takes a reference to keep it past this turn. */
struct feed_entry *feeds_cache_get(struct feeds_cache *, int private,
	    const char *key);

/*
 * Conditional GET (RFC 9110 13.1): 1 when a request with these
 * If-None-Match / If-Modified-Since values (NULL when absent) may be
 * answered 304. If-None-Match, when present, decides alone; a date in
 * any of the three HTTP-date forms counts, anything else is ignored.
 */
int	feeds_not_modified(const struct feed_entry *, const char *inm,
	    const char *ims);
/*
 * Content negotiation on Accept-Encoding (RFC 9110 12.5.3), NULL when
 * absent: gzip when its weight (or that of "*" when gzip is not named)
 * is above 0 and not below identity's; identity unless refused by
 * "identity;q=0" or by "*;q=0" without an identity entry; FEEDS_NONE
 * when both are refused (answered 406).
 */
enum feeds_coding { FEEDS_NONE, FEEDS_IDENTITY, FEEDS_GZIP };
enum feeds_coding feeds_choose_coding(const char *ae);
/* 1 when s is a feed name: 1..128 of [A-Za-z0-9._-], not "." or "..". */
int	feeds_name_ok(const char *s, size_t len);

/*
 * The daemon side (feeds.c): k->feeds. feeds_new makes the cache and
 * nothing else (used by `koyomi feed` too); feeds_start (feeds_http.c)
 * also registers the KY_RULES_SWAPPED and KY_STORE_CHANGED hooks and the
 * /feeds/ routes, and builds once when rules are loaded.
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
