/*
 * notify_int.h — inside the notifier: the job copy every backend works on,
 * the backend vtable (one file per backend, as OpenSMTPD's table_*.c) and
 * the curl-multi driver on libev that smtp.c and webhook.c share.
 * Not for the daemon: it includes only notify.h.
 */
#ifndef KOYOMI_NOTIFY_INT_H
#define KOYOMI_NOTIFY_INT_H

#include <sys/queue.h>

#include <curl/curl.h>
#include <ev.h>

#include "notifier/notify.h"

struct curlev_pool;

/* The notifier's own copy of a job, plus its transfer state. */
struct notify_task {
	TAILQ_ENTRY(notify_task) entry;
	struct notify		*n;
	enum notify_channel	 channel;
	char			*rcpt;
	char			*msgid;
	char			*payload;
	size_t			 len;
	size_t			 off;		/* SMTP upload position */
	struct notify_endpoint	 ep;		/* deep copy for webhooks */
	notify_done_cb		 done;
	void			*arg;
	struct notify_result	 res;
	/* Transfer state, valid while on a pool. */
	struct curlev_pool	*pool;
	CURL			*easy;		/* borrowed from the pool */
	struct curl_slist	*list;		/* MAIL_RCPT or HTTPHEADER: curl does not copy it */
	char			 errbuf[CURL_ERROR_SIZE];
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

/*
 * The curl multi driver (curlev.c). One is embedded in struct notify, on
 * the daemon's loop (webhooks); smtp.c runs another on its own loop in a
 * thread. finish, when set, replaces notify_task_finish() for the tasks
 * this driver ends (the SMTP thread hands them back to the daemon's loop).
 */
struct curlev {
	struct ev_loop		*loop;		/* borrowed */
	CURLM			*multi;
	ev_timer		 timer;		/* timer.data = this */
	struct notify_taskq	 running;	/* every task inside the multi */
	void			(*finish)(struct notify_task *, void *);
	void			*finish_arg;
};
int	curlev_init(struct curlev *, struct ev_loop *, char **);
void	curlev_shutdown(struct curlev *);

/*
 * A pool of easy handles for one destination (an SMTP server or a webhook
 * endpoint): at most max transfers at once, the rest wait in order, and a
 * finished handle is reused for the next message so libcurl keeps the
 * connection (one SMTP session for many mails, HTTP keep-alive).
 */
struct curlev_pool {
	TAILQ_ENTRY(curlev_pool) entry;		/* owned by the backend */
	struct curlev		*cv;
	char			*key;
	unsigned		 max;
	unsigned		 busy;
	CURL			**idle;
	unsigned		 nidle;
	struct notify_taskq	 queue;
	/* Sets the options of one transfer; -1 fails the task. */
	int			(*prepare)(struct notify_task *, CURL *,
				    void *);
	/* Turns the curl outcome into task->res. */
	void			(*result)(struct notify_task *, CURL *,
				    CURLcode, void *);
	void			*arg;
};
TAILQ_HEAD(curlev_poolq, curlev_pool);

struct curlev_pool *curlev_pool_new(struct curlev *, const char *key,
		    unsigned max);
void		 curlev_pool_submit(struct curlev_pool *,
		    struct notify_task *);
void		 curlev_pool_free(struct curlev_pool *);
/* Options every transfer needs (NOSIGNAL, timeouts, ERRORBUFFER). */
void		 curlev_common_opts(CURL *, struct notify_task *,
		    const struct notify_conf *);

#endif
