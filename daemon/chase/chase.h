/*
 * chase.h — the reminder engine (chase.c): one scheduler job for the
 * earliest reminder step of any open task; due steps are recorded and
 * their mail/webhooks queued in one transaction (design §8).
 */
#ifndef KOYOMI_CHASE_H
#define KOYOMI_CHASE_H

#include <stddef.h>

#include "daemon/chase/chase_msg.h"
#include "notifier/template.h"
#include "rules/rules.h"

struct koyomi;
struct chase;

/*
 * After the store, rules and outbox are up: schedules the first scan.
 * NULL with *cause (caller frees).
 */
struct chase	*chase_start(struct koyomi *, char **cause);
/* Something changed (rules swapped, a task reopened): scan again now. */
void		 chase_kick(struct chase *);
void		 chase_stop(struct chase *);

#endif
