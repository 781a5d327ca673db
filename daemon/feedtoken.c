/*
 * feedtoken.c — private feed tokens: generation, hashing, and their rows
 * in feed_tokens (see feedtoken.h).
 */
#include <sys/random.h>

#include <string.h>

#include <openssl/sha.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/feedtoken.h"
#include "daemon/store_int.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url without padding: 32 bytes give 43 characters. */
static void
feedtoken_encode(const unsigned char *in, size_t n, char *out)
{
	unsigned long	v;
	size_t		i, o = 0, k;

	for (i = 0; i < n; i += 3) {
		v = (unsigned long)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned long)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		k = n - i >= 3 ? 4 : n - i + 1;
		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		if (k > 2)
			out[o++] = b64url[(v >> 6) & 63];
		if (k > 3)
			out[o++] = b64url[v & 63];
	}
	out[o] = '\0';
}

int
feedtoken_new(char tok[FEEDTOKEN_LEN + 1], char hash[FEEDTOKEN_HASH + 1])
{
	unsigned char	raw[FEEDTOKEN_RAW];

	/* Blocks only before the kernel's pool is first seeded. */
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		log_warn("feed-token: getrandom");
		return -1;
	}
	feedtoken_encode(raw, sizeof(raw), tok);
	explicit_bzero(raw, sizeof(raw));
	feedtoken_hash(tok, hash);
	return 0;
}

void
feedtoken_hash(const char *tok, char hash[FEEDTOKEN_HASH + 1])
{
	unsigned char	md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)tok, strlen(tok), md);
	hex_encode(md, sizeof(md), hash);
}

int
feedtoken_syntax(const char *tok)
{
	size_t	i;

	for (i = 0; tok[i] != '\0'; i++)
		if (i >= FEEDTOKEN_LEN || strchr(b64url, tok[i]) == NULL)
			return 0;
	return i == FEEDTOKEN_LEN;
}

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
	int		 rc;

	if ((st = store_stmt(s, sql)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
	if (hash != NULL) {
		sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "feed_tokens");
		return -1;
	}
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
		    ct_memcmp(h, hash, FEEDTOKEN_HASH) == 0) {
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
