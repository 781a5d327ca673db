/*
 * mailq.c — one template rendered once and queued as a mail to each
 * recipient (mailq.h): the reminder engine, receipts and change notices
 * all send this way. The texts come from memory (k->tmpl, loaded with the
 * rules), so queueing inside a transaction never waits on the disk.
 */
#include <stdlib.h>

#include "daemon/chase/mailq.h"
#include "daemon/core/koyomi.h"
#include "daemon/outbox/outbox.h"

int
mailq_send(struct koyomi *k, enum tmpl_kind kind, struct tmpl_vars *tv,
    const struct chase_rcpt *rc, size_t n, char **cause)
{
	struct outbox_mail	 m = { .kind = template_kind_name(kind) };
	char			*subject = NULL, *body = NULL;
	size_t			 i;
	int			 ret = 0;

	if (n == 0)
		return 0;
	if (template_render(k->tmpl, kind, tv, &subject, &body,
	    cause) == -1)
		return -1;
	m.subject = subject;
	m.body = body;
	for (i = 0; i < n && ret == 0; i++) {
		m.to_name = rc[i].name;
		m.to_addr = rc[i].mail;
		if (outbox_enqueue_mail(k, &m, cause) == -1)
			ret = -1;
	}
	free(subject);
	free(body);
	return ret;
}
