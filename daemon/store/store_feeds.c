/*
 * store_feeds.c — feed_stamps (store_feeds.h): per feed, the ETag of its bytes
 * and its Last-Modified, so both survive a restart. One short
 * autocommit statement each; written only when a feed's bytes change.
 */
#include <stdio.h>
#include <string.h>

#include "daemon/store/store_feeds.h"
#include "daemon/store/store_int.h"

int
store_feed_stamp_get(struct store *s, int private, const char *key,
    struct feed_stamp *fs)
{
	sqlite3_stmt		*st;
	const unsigned char	*etag;
	int			 rc, found = 0;

	memset(fs, 0, sizeof(*fs));
	if ((st = store_stmt(s, "SELECT etag, mtime FROM feed_stamps"
	    " WHERE private = ?1 AND key = ?2")) == NULL)
		return -1;
	sqlite3_bind_int(st, 1, private != 0);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    (etag = sqlite3_column_text(st, 0)) != NULL) {
		snprintf(fs->etag, sizeof(fs->etag), "%s", (const char *)etag);
		fs->mtime = (time_t)sqlite3_column_int64(st, 1);
		found = 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_fail(s, "feed stamp get");
		return -1;
	}
	return found ? 0 : 1;
}

int
store_feed_stamp_set(struct store *s, int private, const char *key,
    const struct feed_stamp *fs)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, "INSERT INTO feed_stamps (private, key, etag,"
	    " mtime) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (private, key) DO"
	    " UPDATE SET etag = excluded.etag, mtime = excluded.mtime")) ==
	    NULL)
		return -1;
	sqlite3_bind_int(st, 1, private != 0);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, fs->etag, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)fs->mtime);
	if (store_step_done(s, st, "feed stamp set") == -1)
		return -1;
	return 0;
}
