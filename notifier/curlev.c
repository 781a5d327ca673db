/*
 * curlev.c — libcurl's multi interface driven by the daemon's libev loop
 * (after curl's docs/examples/evhiperfifo.c and ephiperfifo.c, see
 * style.md §3), and the per-destination pools of reusable easy handles.
 *
 * curl tells us which sockets to watch (socket callback → one ev_io per
 * socket) and when to call it back (timer callback → one ev_timer); we
 * tell curl what happened with curl_multi_socket_action() and then drain
 * every finished transfer. A curl failure fails the transfers concerned,
 * never the daemon. The jobs are the owner's: the driver only moves them
 * between its lists and hands them back through the hooks (curlev.h).
 */
#include <stdlib.h>
#include <string.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "notifier/curlev.h"

/* One watched socket; curl keeps it via curl_multi_assign(). */
struct curlev_sock {
	ev_io		 io;		/* io.data = the curlev */
	curl_socket_t	 fd;
};

static void	curlev_drain(struct curlev *);
static void	curlev_pool_next(struct curlev_pool *);

/* Ends a job: back to the owner of this driver. */
static void
curlev_finish(struct curlev *cv, struct curlev_xfer *x, const char *why)
{
	cv->hooks.finish(x->job, why, cv->hooks.arg);
}

/* A temporary failure: "what", or "what: detail". */
static void
curlev_fail(struct curlev *cv, struct curlev_xfer *x, const char *what,
    const char *detail)
{
	char	*why;

	xasprintf(&why, "%s%s%s", what, detail != NULL ? ": " : "",
	    detail != NULL ? detail : "");
	curlev_finish(cv, x, why);
	free(why);
}

/* A whole-multi failure leaves every transfer in doubt: fail them all. */
static void
curlev_fail_all(struct curlev *cv, const char *what)
{
	struct curlev_xferq	 doomed;
	struct curlev_xfer	*x;
	char			*why;

	/* Take the list first: refilling pools below adds new transfers. */
	TAILQ_INIT(&doomed);
	TAILQ_CONCAT(&doomed, &cv->running, entry);
	xasprintf(&why, "curl multi: %s", what);
	while ((x = TAILQ_FIRST(&doomed)) != NULL) {
		TAILQ_REMOVE(&doomed, x, entry);
		curl_multi_remove_handle(cv->multi, x->easy);
		/* The handle may be broken: drop it instead of reusing it. */
		curl_easy_cleanup(x->easy);
		x->easy = NULL;
		x->pool->busy--;
		curlev_pool_next(x->pool);
		curlev_finish(cv, x, why);
	}
	free(why);
}

static void
curlev_action(struct curlev *cv, curl_socket_t fd, int mask)
{
	CURLMcode	 mc;
	int		 running;

	mc = curl_multi_socket_action(cv->multi, fd, mask, &running);
	if (mc != CURLM_OK) {
		log_warnx("notify: curl_multi_socket_action: %s",
		    curl_multi_strerror(mc));
		curlev_fail_all(cv, curl_multi_strerror(mc));
		return;
	}
	curlev_drain(cv);
}

static void
curlev_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct curlev		*cv = w->data;
	struct curlev_sock	*s = (struct curlev_sock *)w;
	int			 mask = 0;

	(void)loop;
	/* curl wants CURL_CSELECT_*, not the CURL_POLL_* evhiperfifo borrows. */
	if (revents & EV_READ)
		mask |= CURL_CSELECT_IN;
	if (revents & EV_WRITE)
		mask |= CURL_CSELECT_OUT;
	curlev_action(cv, s->fd, mask);
}

static void
curlev_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	curlev_action(w->data, CURL_SOCKET_TIMEOUT, 0);
}

/* CURLMOPT_TIMERFUNCTION: never call libcurl from here. */
static int
curlev_timer_fn(CURLM *multi, long ms, void *arg)
{
	struct curlev	*cv = arg;

	(void)multi;
	ev_timer_stop(cv->loop, &cv->timer);
	if (ms >= 0) {
		/* 1000.0: integer division would turn 999 ms into a busy loop. */
		ev_timer_set(&cv->timer, ms / 1000.0, 0.);
		ev_timer_start(cv->loop, &cv->timer);
	}
	return 0;
}

/* CURLMOPT_SOCKETFUNCTION: start, change or stop watching one socket. */
static int
curlev_sock_fn(CURL *easy, curl_socket_t fd, int what, void *arg,
    void *sockp)
{
	struct curlev		*cv = arg;
	struct curlev_sock	*s = sockp;
	int			 ev = 0;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL) {
			ev_io_stop(cv->loop, &s->io);
			free(s);
			curl_multi_assign(cv->multi, fd, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		ev |= EV_READ;
	if (what & CURL_POLL_OUT)
		ev |= EV_WRITE;
	if (s == NULL) {
		s = xcalloc(1, sizeof *s);
		s->fd = fd;
		ev_io_init(&s->io, curlev_io_cb, fd, ev);
		s->io.data = cv;
		curl_multi_assign(cv->multi, fd, s);
	} else {
		/* ev_io_set is not allowed on an active watcher. */
		ev_io_stop(cv->loop, &s->io);
		ev_io_set(&s->io, fd, ev);
	}
	ev_io_start(cv->loop, &s->io);
	return 0;
}

/* Ends every finished transfer; loops until curl has nothing more. */
static void
curlev_drain(struct curlev *cv)
{
	CURLMsg			*msg;
	struct curlev_xfer	*x;
	struct curlev_pool	*p;
	CURLcode		 rc;
	char			*priv;
	int			 left;

	while ((msg = curl_multi_info_read(cv->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		/* Read result and PRIVATE before removing the handle. */
		rc = msg->data.result;
		priv = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
		x = (struct curlev_xfer *)priv;
		if (x == NULL) {
			log_warnx("notify: curl transfer without a job");
			curl_multi_remove_handle(cv->multi, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			continue;
		}
		p = x->pool;
		p->result(x->job, x->easy, rc, p->arg);
		curl_multi_remove_handle(cv->multi, x->easy);
		TAILQ_REMOVE(&cv->running, x, entry);
		/* Reset keeps the connection cache: the next mail reuses it. */
		curl_easy_reset(x->easy);
		p->idle[p->nidle++] = x->easy;
		x->easy = NULL;
		p->busy--;
		curlev_finish(cv, x, NULL);
		curlev_pool_next(p);
	}
}

int
curlev_init(struct curlev *cv, struct ev_loop *loop,
    const struct curlev_hooks *hooks, char **cause)
{
	memset(cv, 0, sizeof *cv);
	cv->loop = loop;
	cv->hooks = *hooks;
	TAILQ_INIT(&cv->running);
	if ((cv->multi = curl_multi_init()) == NULL) {
		xasprintf(cause, "curl_multi_init failed");
		return -1;
	}
	ev_timer_init(&cv->timer, curlev_timer_cb, 0., 0.);
	cv->timer.data = cv;
	curl_multi_setopt(cv->multi, CURLMOPT_SOCKETFUNCTION, curlev_sock_fn);
	curl_multi_setopt(cv->multi, CURLMOPT_SOCKETDATA, cv);
	curl_multi_setopt(cv->multi, CURLMOPT_TIMERFUNCTION, curlev_timer_fn);
	curl_multi_setopt(cv->multi, CURLMOPT_TIMERDATA, cv);
	return 0;
}

/* Drops transfers in flight without finish, then the multi handle. */
void
curlev_shutdown(struct curlev *cv)
{
	struct curlev_xfer	*x;

	if (cv->multi == NULL)
		return;
	while ((x = TAILQ_FIRST(&cv->running)) != NULL) {
		TAILQ_REMOVE(&cv->running, x, entry);
		curl_multi_remove_handle(cv->multi, x->easy);
		curl_easy_cleanup(x->easy);
		x->easy = NULL;
		x->pool->busy--;
		cv->hooks.drop(x->job);
	}
	/* curl_multi_cleanup may still call the socket callback. */
	curl_multi_cleanup(cv->multi);
	cv->multi = NULL;
	ev_timer_stop(cv->loop, &cv->timer);
}

void
curlev_common_opts(CURL *easy, struct curlev_xfer *x, long timeout_ms,
    long connect_timeout_ms)
{
	curl_easy_setopt(easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, x->errbuf);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
	    timeout_ms > 0 ? timeout_ms : 30000L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
	    connect_timeout_ms > 0 ? connect_timeout_ms : 10000L);
	x->errbuf[0] = '\0';
}

struct curlev_pool *
curlev_pool_new(struct curlev *cv, const char *key, unsigned max)
{
	struct curlev_pool	*p;

	p = xcalloc(1, sizeof *p);
	p->cv = cv;
	p->key = xstrdup(key);
	p->max = max > 0 ? max : 4;
	p->idle = xcalloc(p->max, sizeof *p->idle);
	TAILQ_INIT(&p->queue);
	return p;
}

/* Starts queued jobs while the pool has room. */
static void
curlev_pool_next(struct curlev_pool *p)
{
	struct curlev_xfer	*x;
	CURLMcode		 mc;
	unsigned		 bound;

	for (bound = 0; bound < p->max + 1 && p->busy < p->max; bound++) {
		if ((x = TAILQ_FIRST(&p->queue)) == NULL)
			return;
		TAILQ_REMOVE(&p->queue, x, entry);
		if (p->nidle > 0)
			x->easy = p->idle[--p->nidle];
		else if ((x->easy = curl_easy_init()) == NULL) {
			curlev_fail(p->cv, x, "curl_easy_init failed", NULL);
			continue;
		}
		x->pool = p;
		if (p->prepare(x->job, x->easy, p->arg) == -1) {
			curl_easy_reset(x->easy);
			p->idle[p->nidle++] = x->easy;
			x->easy = NULL;
			curlev_finish(p->cv, x, NULL);	/* prepare judged it */
			continue;
		}
		if ((mc = curl_multi_add_handle(p->cv->multi, x->easy)) !=
		    CURLM_OK) {
			curl_easy_reset(x->easy);
			p->idle[p->nidle++] = x->easy;
			x->easy = NULL;
			curlev_fail(p->cv, x, "curl_multi_add_handle",
			    curl_multi_strerror(mc));
			continue;
		}
		TAILQ_INSERT_TAIL(&p->cv->running, x, entry);
		p->busy++;
	}
}

/* Takes the job; it starts now or when the pool has room. */
void
curlev_pool_submit(struct curlev_pool *p, struct curlev_xfer *x, void *job)
{
	x->job = job;
	x->pool = p;
	TAILQ_INSERT_TAIL(&p->queue, x, entry);
	curlev_pool_next(p);
}

/* Call after curlev_shutdown(): no transfer of this pool may be running. */
void
curlev_pool_free(struct curlev_pool *p)
{
	struct curlev_xfer	*x;
	unsigned		 i;

	if (p == NULL)
		return;
	while ((x = TAILQ_FIRST(&p->queue)) != NULL) {
		TAILQ_REMOVE(&p->queue, x, entry);
		p->cv->hooks.drop(x->job);
	}
	for (i = 0; i < p->nidle; i++)
		curl_easy_cleanup(p->idle[i]);
	free(p->idle);
	free(p->key);
	free(p);
}
