/*
 * curlev.h — libcurl's multi interface on a libev loop, and pools of
 * reusable easy handles per destination. The bottom of the notifier: it
 * knows transfers, not the notifier's jobs. A job embeds a struct
 * curlev_xfer; the driver hands the job back through the owner's hooks
 * (given to curlev_init) and the pool's prepare and result callbacks.
 */
#ifndef KOYOMI_CURLEV_H
#define KOYOMI_CURLEV_H

#include <sys/queue.h>

#include <curl/curl.h>
#include <ev.h>

struct curlev_pool;

/* The transfer state of one job, embedded in it; valid while on a pool. */
struct curlev_xfer {
	TAILQ_ENTRY(curlev_xfer) entry;
	void			*job;		/* the owner's, for the callbacks */
	struct curlev_pool	*pool;
	CURL			*easy;		/* borrowed from the pool */
	char			 errbuf[CURL_ERROR_SIZE];
};
TAILQ_HEAD(curlev_xferq, curlev_xfer);

/*
 * What the owner of a driver is told. finish: the job is over; why is
 * NULL when the pool's result() or prepare() has judged it, else the
 * driver's own reason for a temporary failure (no handle, the multi
 * failed). drop: the job ends unfinished (shutdown) and gets no finish.
 */
struct curlev_hooks {
	void	(*finish)(void *job, const char *why, void *arg);
	void	(*drop)(void *job);
	void	*arg;
};

/*
 * One driver per loop: the notifier runs one on the daemon's loop for
 * webhooks (smtp.c speaks SMTP itself).
 */
struct curlev {
	struct ev_loop		*loop;		/* borrowed */
	CURLM			*multi;
	ev_timer		 timer;		/* timer.data = this */
	struct curlev_xferq	 running;	/* every transfer inside the multi */
	struct curlev_hooks	 hooks;
};
/* Both hooks are required; they are copied. */
int	curlev_init(struct curlev *, struct ev_loop *,
	    const struct curlev_hooks *, char **cause);
/* Drops every running transfer (drop hook), then the multi handle. */
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
	struct curlev_xferq	 queue;
	/* Sets the options of one transfer; -1 ends the job as it stands. */
	int			(*prepare)(void *job, CURL *, void *arg);
	/* Judges the curl outcome of a job, before finish. */
	void			(*result)(void *job, CURL *, CURLcode,
				    void *arg);
	void			*arg;
};
TAILQ_HEAD(curlev_poolq, curlev_pool);

struct curlev_pool *curlev_pool_new(struct curlev *, const char *key,
		    unsigned max);
/* Takes the job, whose transfer state is x; it starts now or later. */
void		 curlev_pool_submit(struct curlev_pool *,
		    struct curlev_xfer *x, void *job);
/* Call after curlev_shutdown(): drops the jobs still waiting. */
void		 curlev_pool_free(struct curlev_pool *);
/*
 * Options every transfer needs (PRIVATE, NOSIGNAL, ERRORBUFFER, the
 * timeouts in ms; 0 or less: 30 s whole, 10 s to connect).
 */
void		 curlev_common_opts(CURL *, struct curlev_xfer *,
		    long timeout_ms, long connect_timeout_ms);

#endif
