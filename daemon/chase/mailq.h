/*
 * mailq.h — queueing a templated mail to a list of recipients (mailq.c).
 */
#ifndef KOYOMI_CHASE_MAILQ_H
#define KOYOMI_CHASE_MAILQ_H

#include <stddef.h>

#include "daemon/chase/chase_msg.h"
#include "notifier/template.h"

struct koyomi;

/*
 * Renders kind with tv once and queues that mail to each of rc[0..n)
 * (nothing rendered when n is 0); inside the caller's transaction.
 * 0, or -1 with *cause (caller frees).
 */
int	mailq_send(struct koyomi *, enum tmpl_kind, struct tmpl_vars *,
	    const struct chase_rcpt *rc, size_t n, char **cause);

#endif
