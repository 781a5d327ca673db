/*
 * feedtoken.h — secret URLs of private feeds (/feeds/private/TOKEN.ics),
 * feedtoken.c.
 *
 * A token is 32 bytes from getrandom(2) (256 bits, well over the 128 a
 * guess must beat), written as 43 base64url characters, so it fits the
 * feed-name alphabet [A-Za-z0-9._-]. Only its hex SHA-256 is stored
 * (feed_tokens.hash): a copy of the database does not reveal the URLs.
 * A lookup goes by hash and then compares the stored and computed hashes
 * in constant time. One token per owner; rotating replaces it, so the old
 * URL stops working at once. Tokens are bearer secrets: never log them.
 */
#ifndef KOYOMI_FEEDTOKEN_H
#define KOYOMI_FEEDTOKEN_H

#include <stddef.h>
#include <time.h>

#define FEEDTOKEN_RAW	32
#define FEEDTOKEN_LEN	43		/* base64url of 32 bytes, no padding */
#define FEEDTOKEN_HASH	64		/* hex SHA-256 */

struct store;

/* A new token and its hash. 0, or -1 when getrandom fails. */
int	feedtoken_new(char tok[FEEDTOKEN_LEN + 1],
	    char hash[FEEDTOKEN_HASH + 1]);
/* hex SHA-256 of a token as sent. */
void	feedtoken_hash(const char *tok, char hash[FEEDTOKEN_HASH + 1]);
/* 1 when tok has the shape of a token (length, alphabet). */
int	feedtoken_syntax(const char *tok);

/*
 * Store (feedtoken.c). 0 on success, 1 when nothing matched (add: the
 * owner already has one; rotate/revoke: it has none), -1 on a database
 * error (logged).
 */
int	store_feedtoken_add(struct store *, const char *owner,
	    const char *hash, time_t now);
int	store_feedtoken_rotate(struct store *, const char *owner,
	    const char *hash, time_t now);
int	store_feedtoken_revoke(struct store *, const char *owner);
/* The owner of a token (by its hash); *owner is the caller's to free. */
int	store_feedtoken_owner(struct store *, const char *hash, char **owner);
/* Every owner with a token, sorted; the caller frees each and the array. */
int	store_feedtoken_owners(struct store *, char ***owners, size_t *n);

#endif
