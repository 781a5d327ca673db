/*
 * store_sessions.h — dashboard sessions (store_sessions.c): a random cookie
 * whose SHA-256 is the row key, tied to an API token (revoking the token
 * ends its sessions), with a CSRF token and an expiry. One-time login
 * links are rows of the same table marked by SESSION_ONCE in csrf: they
 * live 60 seconds, and taking one deletes it.
 */
#ifndef KOYOMI_STORE_SESSIONS_H
#define KOYOMI_STORE_SESSIONS_H

#include <stdint.h>
#include <time.h>

#include "daemon/store/store_tokens.h"

#define SESSION_TTL	(8 * 3600)
#define SESSION_ONCE_TTL 60
#define SESSION_ONCE	"-once-"

struct store;

/*
 * Creates a session (or, when once, a one-time login row) for token_id.
 * Writes the cookie / link secret into secret[48] and the CSRF token into
 * csrf[48] (unless once). 0 or -1.
 */
int	session_new(struct store *, int64_t token_id, time_t now, int once,
	    char secret[48], char csrf[48]);
/*
 * Looks up a live session by its cookie: fills *ai from the token (not
 * revoked) and csrf[48]. 0 found, 1 none/expired, -1 error.
 */
int	session_get(struct store *, const char *cookie, time_t now,
	    struct auth_info *, char csrf[48]);
/* Takes a one-time login row: 0 with *token_id, 1 none, -1 error. */
int	session_take_once(struct store *, const char *secret, time_t now,
	    int64_t *token_id);
int	session_end(struct store *, const char *cookie);

#endif
