/*
 * inbox.c — the replies-by-mail module (inbox.h): starts the source the
 * configuration names, counts what it read for /metrics, and carries out
 * the coordinators' decisions on unmatched messages.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/chase/tasks_ops.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/metrics.h"
#include "daemon/inbox/inbox.h"
#include "daemon/inbox/inbox_int.h"
#include "daemon/inbox/inbox_mime.h"
#include "daemon/store/store.h"
#include "daemon/store/store_inbox.h"

#define INBOX_CAP_SLACK	((size_t)1 << 20)	/* headers and text */

static void
inbox_metrics(struct koyomi *k, struct buf *b, void *arg)
{
	static const char *const states[] = { "applied", "received",
		"unmatched", "auto", "bounce", "duplicate", "other" };
	struct inbox	*ib = arg;
	size_t		 i;

	(void)k;
	buf_puts(b, "# HELP koyomi_inbox_messages_total Messages read from "
	    "the inbound mailbox since start, by what became of them.\n"
	    "# TYPE koyomi_inbox_messages_total counter\n");
	for (i = 0; i < nitems(states); i++)
		buf_printf(b, "koyomi_inbox_messages_total{result=\"%s\"} "
		    "%llu\n", states[i], ib->counts[i]);
	buf_printf(b, "# HELP koyomi_inbox_errors_total Messages left in the "
	    "mailbox to be read again (database or disk errors).\n"
	    "# TYPE koyomi_inbox_errors_total counter\n"
	    "koyomi_inbox_errors_total %llu\n", ib->errors);
}

int
inbox_start(struct koyomi *k, char **cause)
{
	const struct conf	*c = k->conf;
	struct inbox		*ib;
	char			*dir;

	k->inbox = NULL;
	if (c->inbound == NULL)
		return 0;
	if (!k->has_link_key) {
		*cause = xstrdup("inbound mail needs the link key");
		return -1;
	}
	dir = inbox_files_dir(c);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		xasprintf(cause, "%s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	free(dir);
	inbox_mime_init();
	ib = xcalloc(1, sizeof *ib);
	ib->k = k;
	/* Two of the largest attachments in base64, and the rest. */
	ib->cap = c->inbound_max_attachment / 3 * 4 * 2 + INBOX_CAP_SLACK;
	if (strncmp(c->inbound, "maildir:", 8) == 0)
		ib->md = maildir_start(ib, c->inbound + 8, cause);
	else
		ib->im = imap_start(ib, cause);
	if (ib->md == NULL && ib->im == NULL) {
		free(ib);
		inbox_mime_shutdown();
		return -1;
	}
	k->inbox = ib;
	if (k->metrics != NULL)
		metrics_register(k, inbox_metrics, ib);
	log_info("inbox: reading %s%s", strncmp(c->inbound, "maildir:", 8) ==
	    0 ? "" : "IMAP ", c->inbound);
	return 0;
}

void
inbox_stop(struct koyomi *k)
{
	struct inbox	*ib = k->inbox;

	if (ib == NULL)
		return;
	if (k->metrics != NULL)
		metrics_unregister(k, inbox_metrics, ib);
	maildir_stop(ib->md);
	imap_stop(ib->im);
	free(ib);
	k->inbox = NULL;
	inbox_mime_shutdown();
}

/* The task change of an assignment; -1 on a database error. */
static int
assign_task(struct koyomi *k, const struct inbox_row *m, int64_t task,
    const char *who, time_t now, int *changed, int *answered, char **cause)
{
	struct task_change	 tc = { TASK_DONE, { NULL, VIA_MAIL, NULL },
		NULL, NULL };
	enum task_result	 res;
	char			*by, *note, *why = NULL;
	int			 rc = 0;

	xasprintf(&by, "%s（%s が割り当て）", m->sender != NULL ? m->sender :
	    "?", who);
	xasprintf(&note, "件名：%s", m->subject != NULL ? m->subject :
	    "（件名なし）");
	tc.actor.who = by;
	tc.actor.note = note;
	res = tasks_change_in(k, task, &tc, now, answered, &why);
	if (res == TASK_CHANGED)
		*changed = 1;
	else if (res == TASK_ERROR) {
		*cause = why != NULL ? why : xstrdup("database error");
		why = NULL;
		rc = -1;
	} else
		/* Done already, or its answer still to come: history only. */
		rc = store_task_event(k->store, task, now, "received",
		    &tc.actor);
	free(why);
	free(by);
	free(note);
	return rc;
}

int
inbox_assign(struct koyomi *k, int64_t msg, int64_t task, const char *who,
    char **cause)
{
	struct inbox_row	 m;
	struct task		 t;
	char			*reason;
	int			 rc, changed = 0, answered = 0;
	time_t			 now = time(NULL);

	if (store_begin(k->store) == -1) {
		*cause = xstrdup("database error");
		return -1;
	}
	if ((rc = store_inbox_get(k->store, msg, &m)) != 0) {
		store_rollback(k->store);
		*cause = xstrdup(rc == 1 ? "no such message" : "database error");
		return rc;
	}
	if (strcmp(m.state, "unmatched") != 0 ||
	    (rc = store_task_get(k->store, task, &t)) != 0 || t.cancelled) {
		if (strcmp(m.state, "unmatched") == 0 && rc == 0)
			task_free(&t);
		inbox_row_free(&m);
		store_rollback(k->store);
		*cause = xstrdup(rc == -1 ? "database error" :
		    "not an unmatched message, or no such task");
		return rc == -1 ? -1 : 1;
	}
	xasprintf(&reason, "%s が割り当て", who);
	rc = assign_task(k, &m, task, who, now, &changed, &answered, cause);
	if (rc == 0 && (store_inbox_set_state(k->store, msg, "assigned",
	    reason, task, t.cycle) == -1 ||
	    store_inbox_files_assign(k->store, msg, task) == -1)) {
		*cause = xstrdup("database error");
		rc = -1;
	}
	free(reason);
	task_free(&t);
	inbox_row_free(&m);
	if (rc == -1 || store_commit(k->store) == -1) {
		if (rc == -1)
			store_rollback(k->store);
		else
			*cause = xstrdup("database error");
		return -1;
	}
	log_info("inbox: message %lld assigned to task %lld by %s",
	    (long long)msg, (long long)task, who);
	if (changed)
		tasks_changed(k, task, answered);
	return 0;
}

int
inbox_dismiss(struct koyomi *k, int64_t msg, const char *who, char **cause)
{
	struct inbox_row	 m;
	char			*reason;
	int			 rc;

	if ((rc = store_inbox_get(k->store, msg, &m)) != 0) {
		*cause = xstrdup(rc == 1 ? "no such message" : "database error");
		return rc;
	}
	rc = strcmp(m.state, "unmatched") == 0 ||
	    strcmp(m.state, "auto") == 0 ? 0 : 1;
	inbox_row_free(&m);
	if (rc == 1) {
		*cause = xstrdup("only an unmatched message can be dismissed");
		return 1;
	}
	xasprintf(&reason, "%s が確認済みにしました", who);
	rc = store_inbox_set_state(k->store, msg, "dismissed", reason, 0,
	    NULL);
	free(reason);
	if (rc == -1)
		*cause = xstrdup("database error");
	return rc;
}
