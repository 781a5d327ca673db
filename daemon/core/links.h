/*
 * links.h — signed, expiring completion links for mail (links.c).
 *
 * A link token is base64url (no padding) of
 *   version (1) | task id (8, big-endian) | expiry (8, big-endian, UTC
 *   seconds) | assignee length (1) | assignee | HMAC-SHA256 (32)
 * where the MAC covers a fixed context string and everything before it,
 * keyed with the 32-byte secret from conf->secret_key_file. Nothing in a
 * token is secret, but nothing can be changed without the key; tokens are
 * compared in constant time. The token is a bearer credential for one
 * task: never log it.
 *
 * The key file is created on first start (32 random bytes, mode 0600,
 * written beside and linked into place, so a crash never leaves a short
 * key) and refused when group or other have any access to it.
 */
#ifndef KOYOMI_LINKS_H
#define KOYOMI_LINKS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define LINKS_KEY_LEN		32
#define LINKS_ASSIGNEE_MAX	64	/* rule ids are at most 64 bytes */

/* Reads (or creates) the key file. 0, or -1 with *cause (caller frees). */
int	 links_key_load(const char *path, unsigned char key[LINKS_KEY_LEN],
	    char **cause);

/*
 * A new token (caller frees); NULL when assignee is empty or longer than
 * LINKS_ASSIGNEE_MAX.
 */
char	*links_make(const unsigned char key[LINKS_KEY_LEN], int64_t task,
	    const char *assignee, time_t expires);

enum links_verdict {
	LINKS_OK,
	LINKS_BAD,		/* malformed, forged or altered */
	LINKS_EXPIRED,		/* genuine, but past its expiry */
};

/*
 * Checks a token. On LINKS_OK (and on LINKS_EXPIRED, for messages) sets
 * *task and copies the assignee into assignee[LINKS_ASSIGNEE_MAX + 1].
 */
enum links_verdict links_verify(const unsigned char key[LINKS_KEY_LEN],
	    const char *token, time_t now, int64_t *task, char *assignee);

#endif
