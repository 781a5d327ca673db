/*
 * curlev.c — libcurl's multi interface driven by the daemon's libev loop
 * (after curl's docs/examples/evhiperfifo.c and ephiperfifo.c, see
 * style.md §3), and the per-destination pools of reusable easy handles.
 *
 * curl tells us which sockets to watch (socket callback → one ev_io per
 * socket) and when to call it back (timer callback → one ev_timer); we
 * tell curl what happened with curl_multi_socket_action() and then drain
 * every finished transfer. A curl failure fails the transfers concerned,
 * never the daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "notifier/notify_int.h"

/* One watched socket; curl keeps it via curl_multi_assign(). */
struct curlev_sock {
	ev_io		 io;		/* io.data = the curlev */
	curl_socket_t	 fd;
};

static void	curlev_drain(struct curlev *);
static void	curlev_pool_next(struct curlev_pool *);

/* Ends a task: to the notifier core, or to whoever runs this driver. */
static void
curlev_finish(struct curlev *cv, struct notify_task *t)
{
	if (cv->finish != NULL)
		cv->finish(t, cv->finish_arg);
	else
		notify_task_finish(t);
}

/* A temporary failure: "what", or "what: detail". */
static void
curlev_fail(struct curlev *cv, struct notify_task *t, const char *what,
    const char *detail)
{
	t->res.status = NOTIFY_TEMPFAIL;
	snprintf(t->res.error, sizeof t->res.error, "%s%s%s", what,
	    detail != NULL ? ": " : "", detail != NULL ? detail : "");
	curlev_finish(cv, t);
}

/* A whole-multi failure leaves every transfer in doubt: fail them all. */
static void
curlev_fail_all(struct curlev *cv, const char *why)
{
	struct notify_taskq	 doomed;
	struct notify_task	*t;

	/* Take the list first: refilling pools below adds new transfers. */
	TAILQ_INIT(&doomed);
	TAILQ_CONCAT(&doomed, &cv->running, entry);
	while ((t = TAILQ_FIRST(&doomed)) != NULL) {
		TAILQ_REMOVE(&doomed, t, entry);
		curl_multi_remove_handle(cv->multi, t->easy);
		t->res.status = NOTIFY_TEMPFAIL;
		snprintf(t->res.error, sizeof t->res.error, "curl multi: %s",
		    why);
		/* The handle may be broken: drop it instead of reusing it. */
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
		t->pool->busy--;
		curlev_pool_next(t->pool);
		curlev_finish(cv, t);
	}
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
	struct notify_task	*t;
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
		t = (struct notify_task *)priv;
		if (t == NULL) {
			log_warnx("notify: curl transfer without a job");
			curl_multi_remove_handle(cv->multi, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			continue;
		}
		p = t->pool;
		p->result(t, t->easy, rc, p->arg);
		curl_multi_remove_handle(cv->multi, t->easy);
		TAILQ_REMOVE(&cv->running, t, entry);
		/* Reset keeps the connection cache: the next mail reuses it. */
		curl_easy_reset(t->easy);
		p->idle[p->nidle++] = t->easy;
		t->easy = NULL;
		p->busy--;
		curlev_finish(cv, t);
		curlev_pool_next(p);
	}
}

int
curlev_init(struct curlev *cv, struct ev_loop *loop, char **cause)
{
	memset(cv, 0, sizeof *cv);
	cv->loop = loop;
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

/* Frees transfers in flight without callbacks, then the multi handle. */
void
curlev_shutdown(struct curlev *cv)
{
	struct notify_task	*t;

	if (cv->multi == NULL)
		return;
	while ((t = TAILQ_FIRST(&cv->running)) != NULL) {
		TAILQ_REMOVE(&cv->running, t, entry);
		curl_multi_remove_handle(cv->multi, t->easy);
		curl_easy_cleanup(t->easy);
		t->easy = NULL;
		t->pool->busy--;
		notify_task_free(t);
	}
	/* curl_multi_cleanup may still call the socket callback. */
	curl_multi_cleanup(cv->multi);
	cv->multi = NULL;
	ev_timer_stop(cv->loop, &cv->timer);
}

void
curlev_common_opts(CURL *easy, struct notify_task *t,
    const struct notify_conf *nc)
{
	curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS,
	    nc->timeout_ms > 0 ? nc->timeout_ms : 30000L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
	    nc->connect_timeout_ms > 0 ? nc->connect_timeout_ms : 10000L);
	t->errbuf[0] = '\0';
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

/* Starts queued tasks while the pool has room. */
static void
curlev_pool_next(struct curlev_pool *p)
{
	struct notify_task	*t;
	CURLMcode		 mc;
	unsigned		 bound;

	for (bound = 0; bound < p->max + 1 && p->busy < p->max; bound++) {
		if ((t = TAILQ_FIRST(&p->queue)) == NULL)
			return;
		TAILQ_REMOVE(&p->queue, t, entry);
		if (p->nidle > 0)
			t->easy = p->idle[--p->nidle];
		else if ((t->easy = curl_easy_init()) == NULL) {
			curlev_fail(p->cv, t, "curl_easy_init failed", NULL);
			continue;
		}
		t->pool = p;
		if (p->prepare(t, t->easy, p->arg) == -1) {
			curl_easy_reset(t->easy);
			p->idle[p->nidle++] = t->easy;
			t->easy = NULL;
			curlev_finish(p->cv, t);	/* prepare set res */
			continue;
		}
		if ((mc = curl_multi_add_handle(p->cv->multi, t->easy)) !=
		    CURLM_OK) {
			curl_easy_reset(t->easy);
			p->idle[p->nidle++] = t->easy;
			t->easy = NULL;
			curlev_fail(p->cv, t, "curl_multi_add_handle",
			    curl_multi_strerror(mc));
			continue;
		}
		TAILQ_INSERT_TAIL(&p->cv->running, t, entry);
		p->busy++;
	}
}

/* Takes the task; it starts now or when the pool has room. */
void
curlev_pool_submit(struct curlev_pool *p, struct notify_task *t)
{
	t->pool = p;
	TAILQ_INSERT_TAIL(&p->queue, t, entry);
	curlev_pool_next(p);
}

/* Call after curlev_shutdown(): no transfer of this pool may be running. */
void
curlev_pool_free(struct curlev_pool *p)
{
	struct notify_task	*t;
	unsigned		 i;

	if (p == NULL)
		return;
	while ((t = TAILQ_FIRST(&p->queue)) != NULL) {
		TAILQ_REMOVE(&p->queue, t, entry);
		notify_task_free(t);
	}
	for (i = 0; i < p->nidle; i++)
		curl_easy_cleanup(p->idle[i]);
	free(p->idle);
	free(p->key);
	free(p);
}
