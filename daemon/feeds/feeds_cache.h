/*
 * feeds_cache.h — the in-memory feed entries and the HTTP facts about
 * them (feeds_cache.c): conditional GET, content negotiation, names.
 */
#ifndef KOYOMI_FEEDS_CACHE_H
#define KOYOMI_FEEDS_CACHE_H

#include <stddef.h>
#include <time.h>

#include "calendars/util.h"
#include "daemon/store/store_feeds.h"

/*
 * The cache. An entry is the bytes of one feed, their
 * gzip form (compressed once, when built), strong ETags (hash of each
 * form) and Last-Modified (when the bytes last changed). Entries are
 * immutable and reference-counted: the cache holds one reference and
 * every HTTP response serving the bytes without a copy holds another, so
 * a rebuild never frees bytes a slow client is still being sent.
 */
#define FEED_NRESP	4	/* identity, gzip, and a 304 for each */

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
	/*
	 * The HTTP layer's answers for these bytes, made on first use and
	 * served to every request after (feeds_http.c); the cache lets them
	 * go with resp_drop when it lets the entry go. An answer that
	 * borrows the bytes holds a reference on the entry until the last
	 * client is sent it.
	 */
	void		*resp[FEED_NRESP];
	void		(*resp_drop)(void *);
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

#endif
