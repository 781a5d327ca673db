/*
 * announce.h — telling people what a reload did (announce.c).
 *
 * Changes: on every rules swap, event_revisions is reconciled here with
 * a watch (revisions.h), so each announcement is queued in the same
 * transaction that records the change (design §8):
 *   - a changed occurrence (SEQUENCE up) → webhook event.changed; a
 *     removed one → event.cancelled; their webhook-id is derived from
 *     (uid, new SEQUENCE, endpoint), so a replay never makes a second id;
 *   - a meeting moved to another day or time, or cancelled → a mail to
 *     the contacts of everyone it concerns (announce_msg.h), with a
 *     text/calendar part holding the VEVENT exactly as the feeds now
 *     show it (UID, SEQUENCE, STATUS) unless mail_ics is false;
 *   - a cancelled deadline → a mail to the contacts of its open
 *     assignees (a moved deadline is announced by tasks_sync.c).
 *   One mail per address per reload (a "notices" digest when several
 *   items changed); nothing for occurrences already over, and nothing for
 *   UIDs never published before, so a first start announces nothing.
 *
 * Failures: a failed reload (the old rules keep running) → webhook
 * rules.reload_failed and a mail to admin_mail, once per distinct list
 * of errors (its hash is kept in settings, in the same transaction), so
 * an editor saving a broken file ten times sends one announcement.
 */
#ifndef KOYOMI_ANNOUNCE_H
#define KOYOMI_ANNOUNCE_H

#include "rules/rules.h"

struct koyomi;

/*
 * The module: hooks KY_RULES_SWAPPED and reconciles once now (the rules
 * were loaded before modules start). It runs before feeds, whose own
 * reconcile then finds nothing left to change. 0, or -1 with *cause.
 */
int	announce_start(struct koyomi *, char **cause);
void	announce_stop(struct koyomi *);
/*
 * Reconciles event_revisions with k->occs and queues the announcements.
 * Returns the number of revisions changed, or -1 (logged; nothing
 * changed).
 */
int	announce_reconcile(struct koyomi *);

#endif
