/*
 * announce_msg.h — who hears of a changed or cancelled occurrence and
 * how its dates read (announce_msg.c). Pure: the current rules'
 * directory and an occurrence in, recipients and text out; nothing here
 * touches the store or the clock.
 */
#ifndef KOYOMI_ANNOUNCE_MSG_H
#define KOYOMI_ANNOUNCE_MSG_H

#include <stddef.h>

#include "daemon/chase/chase_msg.h"
#include "rules/rules.h"

/* Upper bound on the recipients of one occurrence (a national meeting). */
#define ANNOUNCE_MAX_RCPTS	4096
/* Bounds on what a reload failure carries (webhook and admin mail). */
#define ANNOUNCE_MAX_ERRORS	20
#define ANNOUNCE_MAX_ERRLEN	300

/*
 * The contacts of everyone a meeting concerns — the organisations whose
 * private feed shows it: its member, its assignees and the members of
 * its audience group (an organisation means every contact of it with a
 * mail address; a contact itself). Each address once, at most
 * ANNOUNCE_MAX_RCPTS. *out is allocated (caller frees the array; the
 * strings are borrowed from the rules); returns how many.
 */
size_t	announce_meeting_rcpts(const struct rules *, const struct occ *,
	    struct chase_rcpt **out);
/* Adds the contacts of one assignee (org or contact) to *v (deduped). */
size_t	announce_rcpts_add(const struct rules *, const char *id,
	    struct chase_rcpt **v, size_t n);

/*
 * "令和8年2月20日（金）", with " 10:00" for a timed start and "～…" for a
 * span of days. Writes into buf (≥ 128 bytes is enough).
 */
void	announce_when(const struct occ *, char *buf, size_t size);

/*
 * A copy of s cut to at most max bytes without splitting a UTF-8
 * character, "…" appended when cut. Caller frees.
 */
char	*announce_clip(const char *s, size_t max);

/*
 * Hex SHA-256 of every message of a failed load, one per line: the same
 * broken rules give the same key, so their failure is announced once.
 * out must hold 65 bytes.
 */
void	announce_failure_key(const char *const *msgs, size_t n, char *out);

#endif
