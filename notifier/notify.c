/*
 * notify.c — the notifier core: picks the backend for each job, copies the
 * job, and hands results back to the caller from the loop. Callbacks are
 * deferred through a zero-delay ev_timer so that done() never runs inside
 * notify_submit() and a backend may finish a task synchronously (maildir)
 * or from deep inside curl's callbacks without re-entering the caller.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "notifier/notify_int.h"

struct notify {
	struct ev_loop			*loop;		/* borrowed */
	struct notify_conf		 conf;		/* strings borrowed */
	struct curlev			 cv;
	const struct notify_backend	*mailer;	/* smtp or maildir */
	void				*mail_state;
	void				*hook_state;
	struct notify_taskq		 finished;	/* waiting for done() */
	ev_timer			 defer;		/* defer.data = this */
	size_t				 pending;
};

struct ev_loop *
notify_loop(struct notify *n)
{
	return n->loop;
}

struct curlev *
notify_curlev(struct notify *n)
{
	return &n->cv;
}

const struct notify_conf *
notify_conf(struct notify *n)
{
	return &n->conf;
}

void
notify_task_free(struct notify_task *t)
{
	size_t	i;

	if (t == NULL)
		return;
	free(t->rcpt);
	free(t->sender);
	free(t->msgid);
	free(t->payload);
	free((char *)t->ep.id);
	free((char *)t->ep.url);
	for (i = 0; i < t->ep.nsecrets; i++)
		free((char *)t->ep.secrets[i]);
	free((char **)t->ep.secrets);
	curl_slist_free_all(t->list);
	if (t->xfer.easy != NULL)
		curl_easy_cleanup(t->xfer.easy);
	if (t->n != NULL)
		t->n->pending--;
	free(t);
}

/* Runs the callbacks of finished tasks, in the order they finished. */
static void
notify_run_finished(struct notify *n)
{
	struct notify_taskq	 batch;
	struct notify_task	*t;

	/* Callbacks may submit (and finish) more: run only this batch. */
	TAILQ_INIT(&batch);
	TAILQ_CONCAT(&batch, &n->finished, entry);
	while ((t = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, t, entry);
		t->done(t->arg, &t->res);
		notify_task_free(t);
	}
}

static void
notify_defer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	notify_run_finished(w->data);
}

void
notify_drain(struct notify *n)
{
	ev_timer_stop(n->loop, &n->defer);
	notify_run_finished(n);
}

void
notify_task_finish(struct notify_task *t)
{
	struct notify	*n = t->n;

	curl_slist_free_all(t->list);
	t->list = NULL;
	TAILQ_INSERT_TAIL(&n->finished, t, entry);
	if (!ev_is_active(&n->defer)) {
		ev_timer_set(&n->defer, 0., 0.);
		ev_timer_start(n->loop, &n->defer);
	}
}

void
notify_task_fail(struct notify_task *t, enum notify_status st,
    const char *fmt, ...)
{
	va_list	ap;
	char	*msg;

	t->res.status = st;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	snprintf(t->res.error, sizeof t->res.error, "%s", msg);
	free(msg);
	notify_task_finish(t);
}

void
notify_task_tempfail(struct notify_task *t, const char *why)
{
	t->res.status = NOTIFY_TEMPFAIL;
	snprintf(t->res.error, sizeof t->res.error, "%s", why);
}

/* The finish hook of the webhooks' curl driver: on the daemon's loop. */
static void
notify_curl_finish(void *job, const char *why, void *arg)
{
	struct notify_task	*t = job;

	(void)arg;
	if (why != NULL)
		notify_task_tempfail(t, why);
	notify_task_finish(t);
}

void
notify_curl_drop(void *job)
{
	notify_task_free(job);
}

static const struct curlev_hooks notify_curl_hooks = {
	notify_curl_finish, notify_curl_drop, NULL
};

struct notify *
notify_new(struct ev_loop *loop, const struct notify_conf *nc, char **cause)
{
	struct notify	*n;
	const char	*tr = nc->mail_transport;

	n = xcalloc(1, sizeof *n);
	n->loop = loop;
	n->conf = *nc;
	TAILQ_INIT(&n->finished);
	ev_timer_init(&n->defer, notify_defer_cb, 0., 0.);
	n->defer.data = n;
	if (curlev_init(&n->cv, loop, &notify_curl_hooks, cause) == -1)
		goto fail;
	if (tr == NULL || strncmp(tr, "maildir:", 8) == 0)
		n->mailer = &notify_backend_maildir;
	else if (strncmp(tr, "smtp://", 7) == 0 ||
	    strncmp(tr, "smtps://", 8) == 0)
		n->mailer = &notify_backend_smtp;
	else {
		xasprintf(cause, "mail transport must be maildir:, smtp:// "
		    "or smtps://");
		goto fail;
	}
	if (tr != NULL &&
	    (n->mail_state = n->mailer->init(n, nc, cause)) == NULL)
		goto fail;
	if ((n->hook_state = notify_backend_webhook.init(n, nc, cause)) ==
	    NULL)
		goto fail;
	return n;
fail:
	notify_free(n);
	return NULL;
}

/*
 * An envelope sender fit for MAIL FROM:<…>: printable ASCII with one @,
 * nothing that could end the command or the path.
 */
static int
sender_ok(const char *s)
{
	const char	*p;
	int		 at = 0;

	if (*s == '\0' || strlen(s) > 254)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '<' || *p == '>' ||
		    *p == '"' || *p == '\\')
			return 0;
		at += *p == '@';
	}
	return at == 1 && s[0] != '@' && p[-1] != '@';
}

/* Deep copy of the job: the caller's memory is borrowed only for submit. */
static struct notify_task *
notify_task_new(struct notify *n, const struct notify_job *j)
{
	struct notify_task	*t;
	const char		**sec;
	size_t			 i;

	t = xcalloc(1, sizeof *t);
	t->n = n;
	t->channel = j->channel;
	t->rcpt = j->rcpt != NULL ? xstrdup(j->rcpt) : NULL;
	t->sender = j->sender != NULL ? xstrdup(j->sender) : NULL;
	t->msgid = xstrdup(j->msgid);
	t->payload = xmalloc(j->len + 1);
	memcpy(t->payload, j->payload, j->len);
	t->payload[j->len] = '\0';
	t->len = j->len;
	t->done = j->done;
	t->arg = j->arg;
	t->res.retry_after = -1;
	if (j->endpoint != NULL) {
		t->ep.id = xstrdup(j->endpoint->id != NULL ?
		    j->endpoint->id : j->endpoint->url);
		t->ep.url = xstrdup(j->endpoint->url);
		t->ep.format = j->endpoint->format;
		sec = xcalloc(j->endpoint->nsecrets + 1, sizeof *sec);
		for (i = 0; i < j->endpoint->nsecrets; i++)
			sec[i] = xstrdup(j->endpoint->secrets[i]);
		t->ep.secrets = sec;
		t->ep.nsecrets = j->endpoint->nsecrets;
	}
	n->pending++;
	return t;
}

int
notify_submit(struct notify *n, const struct notify_job *j, char **cause)
{
	struct notify_task	*t;

	if (j->msgid == NULL || j->payload == NULL || j->done == NULL) {
		xasprintf(cause, "job needs a message id, payload and callback");
		return -1;
	}
	if (j->channel == NOTIFY_MAIL &&
	    (j->rcpt == NULL || *j->rcpt == '\0' || n->mail_state == NULL)) {
		xasprintf(cause, "mail job without recipient or transport");
		return -1;
	}
	if (j->channel == NOTIFY_MAIL && j->sender != NULL &&
	    !sender_ok(j->sender)) {
		xasprintf(cause, "mail job with a malformed envelope sender");
		return -1;
	}
	if (j->channel == NOTIFY_WEBHOOK &&
	    (j->endpoint == NULL || j->endpoint->url == NULL)) {
		xasprintf(cause, "webhook job without endpoint");
		return -1;
	}
	t = notify_task_new(n, j);
	if (j->channel == NOTIFY_MAIL)
		n->mailer->send(n->mail_state, t);
	else
		notify_backend_webhook.send(n->hook_state, t);
	return 0;
}

size_t
notify_pending(const struct notify *n)
{
	return n->pending;
}

void
notify_free(struct notify *n)
{
	struct notify_task	*t;

	if (n == NULL)
		return;
	curlev_shutdown(&n->cv);
	if (n->mail_state != NULL)
		n->mailer->free(n->mail_state);
	if (n->hook_state != NULL)
		notify_backend_webhook.free(n->hook_state);
	while ((t = TAILQ_FIRST(&n->finished)) != NULL) {
		TAILQ_REMOVE(&n->finished, t, entry);
		notify_task_free(t);
	}
	ev_timer_stop(n->loop, &n->defer);
	free(n);
}
