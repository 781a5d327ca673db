/*
 * store_feeds.h — feed_stamps as stored (store_feeds.c).
 */
#ifndef KOYOMI_STORE_FEEDS_H
#define KOYOMI_STORE_FEEDS_H

#include <time.h>

struct store;

/*
 * What a feed's bytes were and since when: kept in the store
 * (feed_stamps) so that a restart building the same bytes
 * serves the same Last-Modified, and If-Modified-Since polls end in 304.
 */
struct feed_stamp {
	char		 etag[40];	/* as feed_entry.etag */
	time_t		 mtime;
};
/* 0 found, 1 none, -1 database error (logged). */
int	store_feed_stamp_get(struct store *, int private, const char *key,
	    struct feed_stamp *);
int	store_feed_stamp_set(struct store *, int private, const char *key,
	    const struct feed_stamp *);

#endif
