/*
 * mailq.h — queueing a templated mail to a list of recipients (mailq.c).
 */
#ifndef KOYOMI_CHASE_MAILQ_H
#define KOYOMI_CHASE_MAILQ_H

#include <stddef.h>
#include <stdint.h>

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

/*
 * The same for mail about task: with inbound mail configured it carries
 * the task's reply address as Reply-To, and each message's Message-ID is
 * recorded (mail_refs) so a reply's In-Reply-To finds the task.
 */
int	mailq_send_task(struct koyomi *, enum tmpl_kind, struct tmpl_vars *,
	    const struct chase_rcpt *rc, size_t n, int64_t task,
	    char **cause);
/*
 * The same for a digest of tasks[0..ntasks): no reply address of one
 * task, but with inbound mail each message's Message-ID is tied to every
 * task it names (mail_digest_refs), so a reply can offer them.
 */
int	mailq_send_digest(struct koyomi *, enum tmpl_kind, struct tmpl_vars *,
	    const struct chase_rcpt *rc, size_t n, const int64_t *tasks,
	    size_t ntasks, char **cause);
/* The reply address of task (caller frees), NULL without inbound mail. */
char	*mailq_reply_address(struct koyomi *, int64_t task);

#endif
