/*
 * chase.h — the reminder engine (chase.c): one scheduler job for the
 * earliest reminder step of any open task; due steps are recorded and
 * their mail/webhooks queued in one transaction (design §8). It also
 * holds the completion-link key and the occurrence index by UID.
 */
#ifndef KOYOMI_CHASE_H
#define KOYOMI_CHASE_H

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

#endif
