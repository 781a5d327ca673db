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

/*
 * Reply addresses (daemon/inbox/): a reminder about task 123 says
 * Reply-To: koyomi+123.SIG@example.jp, where SIG is 80 bits of an
 * HMAC-SHA256 with the same key and a context of its own, in lower-case
 * base32, so an MTA that folds the case of a local part keeps it valid.
 * The tag is "123.SIG" (at most LINKS_TAG_MAX - 1 bytes).
 */
#define LINKS_TAG_MAX		48

void	links_reply_tag(const unsigned char key[LINKS_KEY_LEN], int64_t task,
	    char tag[LINKS_TAG_MAX]);
/* 0 and *task when tag (in any case) is genuine, else -1. */
int	links_reply_check(const unsigned char key[LINKS_KEY_LEN],
	    const char *tag, int64_t *task);
/*
 * LOCAL DELIM TAG @DOMAIN for base LOCAL@DOMAIN (caller frees); NULL when
 * base is not an address.
 */
char	*links_reply_address(const unsigned char key[LINKS_KEY_LEN],
	    int64_t task, const char *base, const char *delim);

enum links_reply {
	LINKS_REPLY_OTHER,	/* not an address of base */
	LINKS_REPLY_UNTAGGED,	/* base itself, or a tag of another kind */
	LINKS_REPLY_BAD,	/* a task tag with a wrong signature */
	LINKS_REPLY_OK,		/* *task set */
};
/*
 * What addr (a bare address, any case) is to the reply address base:
 * compares the local part and the domain without regard to case.
 */
enum links_reply links_reply_parse(const unsigned char key[LINKS_KEY_LEN],
	    const char *base, const char *delim, const char *addr,
	    int64_t *task);

/*
 * Bounce addresses (VERP): the mail of outbox row 42 goes out with the
 * envelope sender LOCAL DELIM b42.SIG @DOMAIN, SIG as above under a
 * context of its own, so the bounce comes back to an address that names
 * the very message, even when the bounce quotes nothing of it. Caller
 * frees; NULL when base is not an address.
 */
char	*links_bounce_address(const unsigned char key[LINKS_KEY_LEN],
	    int64_t id, const char *base, const char *delim);
/* 0 and *id when addr (any case) is a genuine bounce address, else -1. */
int	 links_bounce_parse(const unsigned char key[LINKS_KEY_LEN],
	    const char *base, const char *delim, const char *addr,
	    int64_t *id);

#endif
