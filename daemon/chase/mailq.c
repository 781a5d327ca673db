/*
 * mailq.c — one template rendered once and queued as a mail to each
 * recipient (mailq.h): the reminder engine, receipts and change notices
 * all send this way. The texts come from memory (k->tmpl, loaded with the
 * rules), so queueing inside a transaction never waits on the disk.
 */
#include <stdlib.h>

#include "calendars/util.h"
#include "daemon/chase/mailq.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/links.h"
#include "daemon/outbox/outbox.h"
#include "daemon/store/store_inbox.h"

char *
mailq_reply_address(struct koyomi *k, int64_t task)
{
	const struct conf	*c = k->conf;

	if (c->inbound == NULL || c->inbound_address == NULL ||
	    !k->has_link_key || task <= 0)
		return NULL;
	return links_reply_address(k->link_key, task, c->inbound_address,
	    c->inbound_delimiter);
}

/*
 * task 0: mail about no one task. A digest names its tasks in
 * digest[0..ndigest), each tied to every copy's Message-ID when inbound
 * mail is read, so that a reply can offer them.
 */
static int
send_kind(struct koyomi *k, enum tmpl_kind kind, struct tmpl_vars *tv,
    const struct chase_rcpt *rc, size_t n, int64_t task,
    const int64_t *digest, size_t ndigest, char **cause)
{
	struct outbox_mail	 m = { .kind = template_kind_name(kind) };
	char			*subject = NULL, *body = NULL, *reply;
	char			 msgid[OUTBOX_MSGID_MAX];
	size_t			 i, j;
	int			 ret = 0;

	if (n == 0)
		return 0;
	if (k->conf->inbound == NULL)
		ndigest = 0;
	if (template_render(k->tmpl, kind, tv, &subject, &body,
	    cause) == -1)
		return -1;
	m.subject = subject;
	m.body = body;
	m.reply_to = reply = mailq_reply_address(k, task);
	for (i = 0; i < n && ret == 0; i++) {
		m.to_name = rc[i].name;
		m.to_addr = rc[i].mail;
		if (outbox_enqueue_mail_id(k, &m, msgid, cause) == -1)
			ret = -1;
		else if (reply != NULL &&
		    store_mail_ref_add(k->store, msgid, task) == -1) {
			xasprintf(cause, "mail_refs: database error");
			ret = -1;
		}
		for (j = 0; j < ndigest && ret == 0; j++)
			if (store_mail_digest_add(k->store, msgid,
			    digest[j]) == -1) {
				xasprintf(cause, "mail_digest_refs: database "
				    "error");
				ret = -1;
			}
	}
	free(reply);
	free(subject);
	free(body);
	return ret;
}

int
mailq_send(struct koyomi *k, enum tmpl_kind kind, struct tmpl_vars *tv,
    const struct chase_rcpt *rc, size_t n, char **cause)
{
	return send_kind(k, kind, tv, rc, n, 0, NULL, 0, cause);
}

int
mailq_send_task(struct koyomi *k, enum tmpl_kind kind, struct tmpl_vars *tv,
    const struct chase_rcpt *rc, size_t n, int64_t task, char **cause)
{
	return send_kind(k, kind, tv, rc, n, task, NULL, 0, cause);
}

int
mailq_send_digest(struct koyomi *k, enum tmpl_kind kind, struct tmpl_vars *tv,
    const struct chase_rcpt *rc, size_t n, const int64_t *tasks,
    size_t ntasks, char **cause)
{
	return send_kind(k, kind, tv, rc, n, 0, tasks, ntasks, cause);
}
