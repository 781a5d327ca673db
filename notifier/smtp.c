/*
 * smtp.c — the smtp:// and smtps:// mail transport over libcurl. All mail
 * goes to one server (the configured smarthost), through one pool of at
 * most mail_concurrency easy handles; each handle is reused for the next
 * message so curl keeps the SMTP session open (EHLO and AUTH once, then
 * MAIL/RCPT/DATA per message), which is what beats a process per mail.
 *
 * The transfers run in threads of their own, one per connection, each on
 * a private libev loop and curl multi (the same curlev driver as the
 * webhooks) with a pool of one handle: libcurl waits for some SMTP
 * replies with a blocking poll even in its multi interface (the reply to
 * the end of DATA, in smtp_done; QUIT when a connection is closed; curl
 * issues #4015, #8555), up to the message timeout (smtp_timeout, 30 s by
 * default). A slow mail server must never stop the daemon's loop (feeds,
 * /healthz), and one connection waiting for its reply must not stop the
 * others: in one shared thread every mail waited for the last one's
 * reply (2,500 mails a second on loopback whatever the connections).
 * A task goes to the least loaded worker through its locked queue and an
 * ev_async, and comes back through a shared queue the same way;
 * notify_task_finish() runs on the daemon's loop. Every socket the
 * threads open is tracked, so that smtp_free() can shut them down and
 * libcurl's blocking waits end at once instead of holding a stop.
 *
 * TLS: with mail_credentials over smtp://, STARTTLS is required whatever
 * mail_starttls says (CURLUSESSL_ALL): with "try", anyone on the path
 * could strip STARTTLS from the EHLO answer and read the password. The
 * server's certificate is checked against mail_ca_file when given, else
 * libcurl's store; libcurl built with a fixed bundle (Debian's) ignores
 * OpenSSL's SSL_CERT_FILE and SSL_CERT_DIR, so they are honoured here.
 *
 * Results: a 5xx reply to MAIL, RCPT or DATA is permanent (the message
 * goes dead at once), except an authentication refusal, which is our
 * configuration's fault, not the message's; everything else is temporary.
 * A session that failed is never reused: its state is unknown (after a
 * timeout the late reply would be read as the answer to the next
 * command).
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "calendars/util.h"
#include "notifier/mail.h"
#include "notifier/notify_int.h"

struct smtp;

/* One connection's thread: its loop, curl multi and handle are its own. */
struct smtp_worker {
	struct smtp		*s;
	struct ev_loop		*wloop;
	struct curlev		 cv;
	struct curlev_pool	*pool;		/* of one handle, on cv */
	pthread_t		 thread;
	int			 started;
	ev_async		 wake;		/* on wloop: in, or stopping */
	struct notify_taskq	 in;		/* daemon → thread, under s->mu */
	unsigned		 load;		/* daemon's: given, not back */
};

struct smtp {
	struct notify		*n;
	char			*url;
	char			*from;		/* envelope sender, "<a@b>" */
	char			*user;		/* NULL: no AUTH */
	char			*pass;
	long			 use_ssl;	/* CURLUSESSL_* */
	char			*cainfo;	/* NULL: libcurl's bundle */
	char			*capath;	/* NULL: libcurl's, or none */
	int			 ca_only;	/* mail_ca_file: no capath */
	struct smtp_worker	*w;
	size_t			 nw;
	ev_async		 back;		/* on the daemon's loop: out */
	/* Under mu. */
	pthread_mutex_t		 mu;
	struct notify_taskq	 out;		/* threads → daemon */
	int			 stopping;
	curl_socket_t		*fds;		/* sockets open for curl */
	size_t			 nfds;
	size_t			 fdcap;
};

/* "user:password" from a file nobody else may read (style.md §6). */
static int
smtp_read_credentials(struct smtp *s, const char *path, char **cause)
{
	FILE		*f;
	struct stat	 st;
	char		 line[1024], *colon;
	size_t		 len;

	if ((f = fopen(path, "re")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) == -1 || (st.st_mode & 077) != 0) {
		xasprintf(cause, "%s: must not be readable by group or others",
		    path);
		fclose(f);
		return -1;
	}
	if (fgets(line, sizeof line, f) == NULL ||
	    (colon = strchr(line, ':')) == NULL) {
		xasprintf(cause, "%s: expected one line user:password", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	len = strcspn(line, "\r\n");
	line[len] = '\0';
	*colon = '\0';
	s->user = xstrdup(line);
	s->pass = xstrdup(colon + 1);
	explicit_bzero(line, sizeof line);
	return 0;
}

static size_t
smtp_read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct notify_task	*t = arg;
	size_t			 n = size * nmemb;

	if (n > t->len - t->off)
		n = t->len - t->off;
	memcpy(dst, t->payload + t->off, n);
	t->off += n;
	return n;
}

/* CURLOPT_OPENSOCKETFUNCTION: a socket, tracked for smtp_free(). */
static curl_socket_t
smtp_open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct smtp	*s = arg;
	curl_socket_t	 fd = CURL_SOCKET_BAD;

	(void)purpose;
	pthread_mutex_lock(&s->mu);
	if (!s->stopping &&
	    (fd = socket(a->family, a->socktype | SOCK_CLOEXEC,
	    a->protocol)) != -1) {
		if (s->nfds == s->fdcap) {
			s->fdcap = s->fdcap > 0 ? s->fdcap * 2 : 8;
			s->fds = xreallocarray(s->fds, s->fdcap, sizeof *s->fds);
		}
		s->fds[s->nfds++] = fd;
	}
	pthread_mutex_unlock(&s->mu);
	return fd == -1 ? CURL_SOCKET_BAD : fd;
}

/* CURLOPT_CLOSESOCKETFUNCTION: also for connections closed by the cache. */
static int
smtp_close_socket(void *arg, curl_socket_t fd)
{
	struct smtp	*s = arg;
	size_t		 i;
	int		 rc;

	pthread_mutex_lock(&s->mu);
	for (i = 0; i < s->nfds; i++)
		if (s->fds[i] == fd) {
			s->fds[i] = s->fds[--s->nfds];
			break;
		}
	rc = close(fd);
	pthread_mutex_unlock(&s->mu);
	return rc;
}

static int
smtp_prepare(void *job, CURL *easy, void *arg)
{
	struct notify_task	*t = job;
	struct smtp_worker	*w = arg;
	struct smtp		*s = w->s;
	const struct notify_conf *nc = notify_conf(s->n);
	char			*rcpt;

	/* smtp_timeout and smtp_connect_timeout of koyomi.conf(5) first. */
	curlev_common_opts(easy, &t->xfer,
	    nc->smtp_timeout_ms > 0 ? nc->smtp_timeout_ms : nc->timeout_ms,
	    nc->smtp_connect_timeout_ms > 0 ? nc->smtp_connect_timeout_ms :
	    nc->connect_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, smtp_open_socket);
	curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, s);
	curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, smtp_close_socket);
	curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, s);
	curl_easy_setopt(easy, CURLOPT_URL, s->url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(easy, CURLOPT_MAIL_FROM, s->from);
	xasprintf(&rcpt, "<%s>", t->rcpt);
	t->list = curl_slist_append(NULL, rcpt);
	free(rcpt);
	if (t->list == NULL) {
		snprintf(t->res.error, sizeof t->res.error, "out of memory");
		t->res.status = NOTIFY_TEMPFAIL;
		return -1;
	}
	curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, t->list);
	curl_easy_setopt(easy, CURLOPT_USE_SSL, s->use_ssl);
	if (s->cainfo != NULL)
		curl_easy_setopt(easy, CURLOPT_CAINFO, s->cainfo);
	if (s->capath != NULL || s->ca_only)
		curl_easy_setopt(easy, CURLOPT_CAPATH, s->capath);
	if (s->user != NULL) {
		curl_easy_setopt(easy, CURLOPT_USERNAME, s->user);
		curl_easy_setopt(easy, CURLOPT_PASSWORD, s->pass);
	}
	t->off = 0;
	curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(easy, CURLOPT_READFUNCTION, smtp_read_cb);
	curl_easy_setopt(easy, CURLOPT_READDATA, t);
	curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->len);
	return 0;
}

/* What an operator should know beyond curl's words. */
static const char *
smtp_hint(CURLcode rc)
{
	switch (rc) {
	case CURLE_USE_SSL_FAILED:
		return "; TLS is required (mail_starttls or mail_credentials): "
		    "nothing was sent in clear text";
	case CURLE_LOGIN_DENIED:
		return "; the server refused the user:password of "
		    "mail_credentials";
	case CURLE_PEER_FAILED_VERIFICATION:
		return "; the server's certificate is not signed by a "
		    "trusted CA";
	default:
		return "";
	}
}

static void
smtp_result(void *job, CURL *easy, CURLcode rc, void *arg)
{
	struct notify_task	*t = job;
	curl_socket_t		 fd = CURL_SOCKET_BAD;
	long			 code = 0;

	(void)arg;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	t->res.code = code;
	if (rc == CURLE_OK) {
		t->res.status = NOTIFY_OK;
		return;
	}
	/* Not to be reused: curl finds it dead and drops it, without QUIT. */
	if (curl_easy_getinfo(easy, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK &&
	    fd != CURL_SOCKET_BAD)
		(void)shutdown(fd, SHUT_RDWR);
	if (code >= 500 && code < 600 && rc != CURLE_LOGIN_DENIED)
		t->res.status = NOTIFY_PERMFAIL;
	else
		t->res.status = NOTIFY_TEMPFAIL;
	snprintf(t->res.error, sizeof t->res.error,
	    "smtp: %.120s (reply %ld)%s",
	    t->xfer.errbuf[0] != '\0' ? t->xfer.errbuf :
	    curl_easy_strerror(rc), code, smtp_hint(rc));
}

/* Thread: hand a finished task back to the daemon's loop. */
static void
smtp_finish(void *job, const char *why, void *arg)
{
	struct notify_task	*t = job;
	struct smtp		*s = arg;

	if (why != NULL)
		notify_task_tempfail(t, why);
	pthread_mutex_lock(&s->mu);
	TAILQ_INSERT_TAIL(&s->out, t, entry);
	pthread_mutex_unlock(&s->mu);
	ev_async_send(notify_loop(s->n), &s->back);
}

/* Daemon's loop: the results of the threads. */
static void
smtp_back_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	struct smtp		*s = a->data;
	struct smtp_worker	*w;
	struct notify_taskq	 batch;
	struct notify_task	*t;

	(void)loop;
	(void)revents;
	TAILQ_INIT(&batch);
	pthread_mutex_lock(&s->mu);
	TAILQ_CONCAT(&batch, &s->out, entry);
	pthread_mutex_unlock(&s->mu);
	while ((t = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, t, entry);
		/* Its pool's arg is the worker it was given to. */
		if (t->xfer.pool != NULL && (w = t->xfer.pool->arg) != NULL &&
		    w->load > 0)
			w->load--;
		notify_task_finish(t);
	}
}

/* Thread: new tasks, or the end. */
static void
smtp_wake_cb(struct ev_loop *loop, ev_async *a, int revents)
{
	struct smtp_worker	*w = a->data;
	struct smtp		*s = w->s;
	struct notify_taskq	 batch;
	struct notify_task	*t;
	int			 stopping;

	(void)revents;
	TAILQ_INIT(&batch);
	pthread_mutex_lock(&s->mu);
	stopping = s->stopping;
	if (!stopping)
		TAILQ_CONCAT(&batch, &w->in, entry);
	pthread_mutex_unlock(&s->mu);
	if (stopping) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	while ((t = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, t, entry);
		curlev_pool_submit(w->pool, &t->xfer, t);
	}
}

static void *
smtp_thread(void *arg)
{
	struct smtp_worker	*w = arg;

	ev_run(w->wloop, 0);
	return NULL;
}

static void
smtp_free_queue(struct notify_taskq *q)
{
	struct notify_task	*t;

	while ((t = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, t, entry);
		notify_task_free(t);
	}
}

/*
 * Stops the threads: their sockets are shut down first, so a transfer
 * stuck in one of libcurl's blocking waits ends now, then each thread's
 * curl state is torn down here (removing a transfer or closing a
 * connection may make libcurl write, which fails at once on a shut
 * socket). Tasks in flight get no callback, as for the other backends at
 * shutdown.
 */
static void
smtp_free(void *arg)
{
	struct smtp		*s = arg;
	struct smtp_worker	*w;
	size_t			 i;

	if (s == NULL)
		return;
	pthread_mutex_lock(&s->mu);
	s->stopping = 1;
	for (i = 0; i < s->nfds; i++)
		(void)shutdown(s->fds[i], SHUT_RDWR);
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < s->nw; i++)
		if (s->w[i].started)
			ev_async_send(s->w[i].wloop, &s->w[i].wake);
	for (i = 0; i < s->nw; i++)
		if (s->w[i].started)
			pthread_join(s->w[i].thread, NULL);
	if (ev_is_active(&s->back))
		ev_async_stop(notify_loop(s->n), &s->back);
	for (i = 0; i < s->nw; i++) {
		w = &s->w[i];
		if (w->wloop != NULL) {
			curlev_shutdown(&w->cv);
			ev_async_stop(w->wloop, &w->wake);
			ev_loop_destroy(w->wloop);
		}
		smtp_free_queue(&w->in);
		curlev_pool_free(w->pool);
	}
	free(s->w);
	smtp_free_queue(&s->out);
	pthread_mutex_destroy(&s->mu);
	free(s->fds);
	free(s->url);
	free(s->from);
	free(s->user);
	free(s->cainfo);
	free(s->capath);
	if (s->pass != NULL) {
		explicit_bzero(s->pass, strlen(s->pass));
		free(s->pass);
	}
	free(s);
}

/* The thread takes no signal: they stay the daemon's loop's. */
static int
smtp_start(struct smtp_worker *w, char **cause)
{
	sigset_t	all, old;
	int		e;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&w->thread, NULL, smtp_thread, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e != 0) {
		xasprintf(cause, "smtp: cannot start a mail thread: %s",
		    strerror(e));
		return -1;
	}
	w->started = 1;
	return 0;
}

/* One worker: its loop, curl multi, pool of one handle, thread. */
static int
smtp_worker_init(struct smtp *s, struct smtp_worker *w, char **cause)
{
	struct curlev_hooks	 hooks = { smtp_finish, notify_curl_drop, NULL };

	w->s = s;
	TAILQ_INIT(&w->in);
	if ((w->wloop = ev_loop_new(EVFLAG_AUTO)) == NULL) {
		xasprintf(cause, "smtp: cannot create an event loop");
		return -1;
	}
	hooks.arg = s;
	if (curlev_init(&w->cv, w->wloop, &hooks, cause) == -1) {
		ev_loop_destroy(w->wloop);
		w->wloop = NULL;
		return -1;
	}
	w->pool = curlev_pool_new(&w->cv, s->url, 1);
	w->pool->prepare = smtp_prepare;
	w->pool->result = smtp_result;
	w->pool->arg = w;
	ev_async_init(&w->wake, smtp_wake_cb);
	w->wake.data = w;
	ev_async_start(w->wloop, &w->wake);
	return smtp_start(w, cause);
}

/* The CAs the server's certificate is checked against. */
static void
smtp_trust(struct smtp *s, const struct notify_conf *nc)
{
	const char	*file, *dir;

	if (nc->mail_ca_file != NULL) {
		s->cainfo = xstrdup(nc->mail_ca_file);
		s->ca_only = 1;
		return;
	}
	/* As OpenSSL's default paths would: each replaces its own. */
	if ((file = getenv("SSL_CERT_FILE")) != NULL && *file != '\0')
		s->cainfo = xstrdup(file);
	if ((dir = getenv("SSL_CERT_DIR")) != NULL && *dir != '\0')
		s->capath = xstrdup(dir);
}

static void *
smtp_init(struct notify *n, const struct notify_conf *nc, char **cause)
{
	struct smtp		*s;
	char			*name = NULL, *addr = NULL;
	size_t			 i;

	s = xcalloc(1, sizeof *s);
	s->n = n;
	pthread_mutex_init(&s->mu, NULL);
	TAILQ_INIT(&s->out);
	s->url = xstrdup(nc->mail_transport);
	if (nc->mail_from == NULL ||
	    mail_split_address(nc->mail_from, &name, &addr) == -1) {
		xasprintf(cause, "mail from: not a mail address");
		goto fail;
	}
	xasprintf(&s->from, "<%s>", addr);
	if (nc->mail_credentials != NULL &&
	    smtp_read_credentials(s, nc->mail_credentials, cause) == -1)
		goto fail;
	/* A password never goes out unencrypted (smtps:// is TLS anyway). */
	s->use_ssl = nc->mail_starttls || s->user != NULL ? CURLUSESSL_ALL :
	    CURLUSESSL_TRY;
	smtp_trust(s, nc);
	ev_async_init(&s->back, smtp_back_cb);
	s->back.data = s;
	ev_async_start(notify_loop(n), &s->back);
	s->nw = nc->mail_concurrency > 0 ? nc->mail_concurrency : 4;
	s->w = xcalloc(s->nw, sizeof *s->w);
	for (i = 0; i < s->nw; i++)
		if (smtp_worker_init(s, &s->w[i], cause) == -1)
			goto fail;
	free(name);
	free(addr);
	return s;
fail:
	free(name);
	free(addr);
	smtp_free(s);
	return NULL;
}

/* To the worker with the fewest tasks: one per connection at a time. */
static void
smtp_send(void *arg, struct notify_task *t)
{
	struct smtp		*s = arg;
	struct smtp_worker	*w = &s->w[0];
	size_t			 i;

	for (i = 1; i < s->nw; i++)
		if (s->w[i].load < w->load)
			w = &s->w[i];
	w->load++;
	pthread_mutex_lock(&s->mu);
	TAILQ_INSERT_TAIL(&w->in, t, entry);
	pthread_mutex_unlock(&s->mu);
	ev_async_send(w->wloop, &w->wake);
}

const struct notify_backend notify_backend_smtp = {
	"smtp", smtp_init, smtp_send, smtp_free
};
