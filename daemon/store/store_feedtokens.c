/*
 * store_feedtokens.c — the feed_tokens table (store_feedtokens.h): one
 * private-feed token per owner, kept as its hash.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/store/store_feedtokens.h"
#include "daemon/store/store_int.h"

static const char sql_add[] =
    "INSERT OR IGNORE INTO feed_tokens (owner, hash, created)"
    " VALUES (?1, ?2, ?3)";
static const char sql_rotate[] =
    "UPDATE feed_tokens SET hash = ?2, created = ?3 WHERE owner = ?1";
static const char sql_revoke[] =
    "DELETE FROM feed_tokens WHERE owner = ?1";
static const char sql_by_hash[] =
    "SELECT owner, hash FROM feed_tokens WHERE hash = ?1";
static const char sql_owners[] =
    "SELECT owner FROM feed_tokens ORDER BY owner";

/* One write; 0 when it changed a row, 1 when none matched. */
static int
feedtoken_write(struct store *s, const char *sql, const char *owner,
    const char *hash, time_t now)
{
	sqlite3_stmt	*st;

	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	if (hash != NULL) {
		sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	}
	if (store_step_done(s, st, "feed_tokens") == -1)
		return -1;
	return sqlite3_changes(store_db(s)) > 0 ? 0 : 1;
}

int
store_feedtoken_add(struct store *s, const char *owner, const char *hash,
    time_t now)
{
	return feedtoken_write(s, sql_add, owner, hash, now);
}

int
store_feedtoken_rotate(struct store *s, const char *owner, const char *hash,
    time_t now)
{
	return feedtoken_write(s, sql_rotate, owner, hash, now);
}

int
store_feedtoken_revoke(struct store *s, const char *owner)
{
	return feedtoken_write(s, sql_revoke, owner, NULL, 0);
}

int
store_feedtoken_owner(struct store *s, const char *hash, char **owner)
{
	sqlite3_stmt		*st;
	const unsigned char	*o, *h;
	int			 rc, found = 1;

	*owner = NULL;
	if ((st = store_stmt(s, sql_by_hash)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		o = sqlite3_column_text(st, 0);
		h = sqlite3_column_text(st, 1);
		/*
		 * The index found the row; the answer still rests on a
		 * comparison whose time does not depend on the bytes.
		 */
		if (o != NULL && h != NULL &&
		    strlen((const char *)h) == FEEDTOKEN_HASH &&
		    CRYPTO_memcmp(h, hash, FEEDTOKEN_HASH) == 0) {
			*owner = xstrdup((const char *)o);
			found = 0;
		}
	} else if (rc != SQLITE_DONE) {
		store_fail(s, "feed_tokens lookup");
		found = -1;
	}
	sqlite3_reset(st);
	return found;
}

int
store_feedtoken_owners(struct store *s, char ***owners, size_t *n)
{
	sqlite3_stmt	*st;
	int		 rc;

	*owners = NULL;
	*n = 0;
	if ((st = store_stmt(s, sql_owners)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*owners = xreallocarray(*owners, *n + 1, sizeof(**owners));
		(*owners)[(*n)++] = xstrdup((const char *)
		    sqlite3_column_text(st, 0));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "feed_tokens owners");
		return -1;
	}
	return 0;
}
