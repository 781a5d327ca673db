/*
 * modules.c — the table of feature modules (modules.h). Order matters:
 * announcements first (their reconcile of event_revisions must see a
 * change before the feeds' own reconcile records it silently), then
 * feeds (chasing marks private feeds dirty), then the outbox (the chaser
 * enqueues into it), then the chaser, then the inbox (a reply marks
 * tasks done and queues mail).
 */
#include <stddef.h>

#include "daemon/chase/announce.h"
#include "daemon/chase/chase.h"
#include "daemon/feeds/feeds.h"
#include "daemon/inbox/inbox.h"
#include "daemon/core/koyomi.h"
#include "daemon/server/modules.h"
#include "daemon/outbox/outbox.h"

static int
outbox_mod_start(struct koyomi *k, char **cause)
{
	k->outbox = outbox_start(k, cause);
	return k->outbox != NULL ? 0 : -1;
}

static void
outbox_mod_stop(struct koyomi *k)
{
	outbox_stop(k->outbox);
	k->outbox = NULL;
}

static int
chase_mod_start(struct koyomi *k, char **cause)
{
	k->chase = chase_start(k, cause);
	return k->chase != NULL ? 0 : -1;
}

static void
chase_mod_stop(struct koyomi *k)
{
	chase_stop(k->chase);
	k->chase = NULL;
}

const struct module koyomi_modules[] = {
	{ "announce", announce_start, announce_stop },
	{ "feeds", feeds_start, feeds_stop },
	{ "outbox", outbox_mod_start, outbox_mod_stop },
	{ "chase", chase_mod_start, chase_mod_stop },
	{ "inbox", inbox_start, inbox_stop },
	{ NULL, NULL, NULL },
};
const unsigned koyomi_nmodules = sizeof koyomi_modules /
    sizeof koyomi_modules[0] - 1;
