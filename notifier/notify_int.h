/*
 * notify_int.h — inside the notifier: the job copy every backend works on
 * and the backend vtable (one file per backend, as OpenSMTPD's table_*.c).
 * webhook.c runs its jobs through the curl driver of curlev.h, which
 * knows nothing of them; smtp.c speaks SMTP itself on the loop. Not for
 * the daemon: it includes only notify.h.
 */
#ifndef KOYOMI_NOTIFY_INT_H
#define KOYOMI_NOTIFY_INT_H

#include <sys/queue.h>

#include "notifier/curlev.h"
#include "notifier/notify.h"

/* The notifier's own copy of a job, plus its transfer state. */
struct notify_task {
	TAILQ_ENTRY(notify_task) entry;
	struct notify		*n;
	enum notify_channel	 channel;
	char			*rcpt;
	char			*sender;	/* MAIL FROM, NULL: the transport's */
	char			*msgid;
	char			*payload;
	size_t			 len;
	int			 retried;	/* SMTP: once more after a stale session */
	struct notify_endpoint	 ep;		/* deep copy for webhooks */
	notify_done_cb		 done;
	void			*arg;
	struct notify_result	 res;
	struct curlev_xfer	 xfer;		/* webhooks */
	struct curl_slist	*list;		/* MAIL_RCPT or HTTPHEADER: curl does not copy it */
};
TAILQ_HEAD(notify_taskq, notify_task);

/*
 * A backend. init gets the notifier's config and returns its state; send
 * takes ownership of the task and must end it with notify_task_finish(),
 * possibly synchronously (the core defers the callback to the loop).
 */
struct notify_backend {
	const char	*name;
	void		*(*init)(struct notify *, const struct notify_conf *,
			    char **);
	void		 (*send)(void *, struct notify_task *);
	void		 (*free)(void *);
};

extern const struct notify_backend notify_backend_smtp;
extern const struct notify_backend notify_backend_webhook;
extern const struct notify_backend notify_backend_maildir;

/* Core services for the backends (notify.c). */
struct ev_loop	*notify_loop(struct notify *);
struct curlev	*notify_curlev(struct notify *);
const struct notify_conf *notify_conf(struct notify *);
/* Records the result (already in task->res) and schedules done(). */
void		 notify_task_finish(struct notify_task *);
/* Frees a task that will get no callback (shutdown). */
void		 notify_task_free(struct notify_task *);
void		 notify_task_fail(struct notify_task *, enum notify_status,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
/* Records a temporary failure for the reason why; does not finish. */
void		 notify_task_tempfail(struct notify_task *, const char *why);
/* The drop hook of a curl driver (curlev.h): the job is a task. */
void		 notify_curl_drop(void *job);

#endif
