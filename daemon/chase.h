/*
 * chase.h — the reminder engine (chase.c): one scheduler job for the
 * earliest reminder step of any open task; due steps are recorded and
 * their mail/webhooks queued in one transaction (design §8). It also
 * holds the completion-link key and the occurrence index by UID.
 */
#ifndef KOYOMI_CHASE_H
#define KOYOMI_CHASE_H

#include <stddef.h>

#include "daemon/chase_msg.h"
#include "notifier/template.h"
#include "rules/rules.h"

struct koyomi;
struct chase;

/*
 * After the store, rules and outbox are up: loads (or creates) the link
 * key and schedules the first scan. NULL with *cause (caller frees).
 */
struct chase	*chase_start(struct koyomi *, char **cause);
/* Something changed (rules swapped, a task reopened): scan again now. */
void		 chase_kick(struct chase *);
void		 chase_stop(struct chase *);
/* The current occurrence with this UID, or NULL (works without chase). */
const struct occ *chase_find_occ(struct koyomi *, const char *uid);
/* The completion-link key, NULL when chase is not running. */
const unsigned char *chase_link_key(struct koyomi *);
/*
 * Renders kind with tv once and queues that mail to each of rc[0..n)
 * (nothing rendered when n is 0); inside the caller's transaction.
 * 0, or -1 with *cause (caller frees).
 */
int		 chase_queue_mail(struct koyomi *, enum tmpl_kind,
		    struct tmpl_vars *, const struct chase_rcpt *rc, size_t n,
		    char **cause);

#endif
