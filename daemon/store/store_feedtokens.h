/*
 * store_feedtokens.h — private-feed tokens as stored (store_feedtokens.c):
 * only a token's hash (feeds/feedtoken.h makes both) and its owner.
 */
#ifndef KOYOMI_STORE_FEEDTOKENS_H
#define KOYOMI_STORE_FEEDTOKENS_H

#include <stddef.h>
#include <time.h>

#define FEEDTOKEN_HASH	64		/* hex SHA-256 */

struct store;

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
