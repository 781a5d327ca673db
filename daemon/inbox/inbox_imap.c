/*
 * inbox_imap.c — the IMAP source (inbox_int.h): imaps://HOST/MAILBOX
 * polled with libcurl every inbound_poll seconds.
 *
 * libcurl's IMAP waits for some server replies with a blocking poll
 * (after a FETCH, at LOGOUT) even in its multi interface, so the
 * transfers run in a thread of their own,
 * with one easy handle whose connection (LOGIN and SELECT once) is kept
 * between polls. The thread only talks IMAP: each message it fetches is
 * handed to the daemon's loop (an ev_async) and the thread waits for
 * the verdict; inbox_process runs on the loop, where the store lives.
 *
 * Exactly once: a poll asks for the UIDs of the messages without the
 * keyword $Koyomi, fetches each, and only after the loop has committed
 * its record sets the keyword. A crash (or a lost connection) between
 * the commit and the STORE leaves the keyword unset: the message is
 * fetched again, its hash is found recorded, and only the keyword is
 * set. Fetching marks a message \Seen, which nothing here relies on, so
 * a person reading the mailbox changes nothing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <ev.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/inbox/inbox_int.h"

#define IMAP_BATCH		64	/* messages per poll */
#define IMAP_KEYWORD		"$Koyomi"
#define IMAP_TIMEOUT		300L	/* seconds per command, a fetch too */
#define IMAP_CONNECT_TIMEOUT	15L
#define IMAP_SEARCH_MAX		((size_t)1 << 20)	/* bytes of UIDs */

struct imap {
	struct inbox	*ib;
	char		*url;		/* imaps://host[:port]/MAILBOX */
	char		*user, *pass;
	char		*cafile;
	unsigned	 poll;
	size_t		 cap;
	pthread_t	 thread;
	int		 started;
	ev_async	 back;		/* thread → loop: a message, a status */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	/* Under mu. */
	int		 stopping;
	int		 handed;	/* raw waits for the loop */
	int		 answered;	/* verdict is set */
	int		 verdict;	/* inbox_process's return */
	char		*raw;
	size_t		 len;
	int		 truncated;
	char		 error[256];	/* the last failure, "" when fine */
	char		 logged[256];	/* what the loop last logged */
};

/* A response body, bounded. */
struct sink {
	struct buf	 b;
	size_t		 max;
	int		 over;
};

static size_t
sink_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink	*s = arg;
	size_t		 n = size * nmemb;

	if (s->b.len + n > s->max) {
		s->over = 1;
		return 0;
	}
	buf_append(&s->b, p, n);
	return n;
}

static int
stopping(struct imap *im)
{
	int	 s;

	pthread_mutex_lock(&im->mu);
	s = im->stopping;
	pthread_mutex_unlock(&im->mu);
	return s;
}

/* Called by curl during transfers: a stop ends a blocked wait at once. */
static int
progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return stopping(arg);
}

/* Notes a failure for the loop to log (once per distinct text). */
static void
fail(struct imap *im, const char *what, CURLcode rc, const char *errbuf)
{
	pthread_mutex_lock(&im->mu);
	snprintf(im->error, sizeof im->error, "%s: %s", what,
	    *errbuf != '\0' ? errbuf : curl_easy_strerror(rc));
	pthread_mutex_unlock(&im->mu);
	ev_async_send(im->ib->k->loop, &im->back);
}

/* A poll went through: a failure logged before is over. */
static void
ok(struct imap *im)
{
	int	 was;

	pthread_mutex_lock(&im->mu);
	was = im->error[0] != '\0';
	im->error[0] = '\0';
	pthread_mutex_unlock(&im->mu);
	if (was)
		ev_async_send(im->ib->k->loop, &im->back);
}

/* One command on the kept connection; 0, or -1 (noted). */
static int
perform(struct imap *im, CURL *c, const char *url, const char *custom,
    struct sink *s, const char *what)
{
	char		 errbuf[CURL_ERROR_SIZE] = "";
	CURLcode	 rc;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, custom);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL);
	if (rc == CURLE_OK)
		return 0;
	if (!s->over && !stopping(im))
		fail(im, what, rc, errbuf);
	return -1;
}

static int
uid_cmp(const void *a, const void *b)
{
	unsigned long	 x = *(const unsigned long *)a;
	unsigned long	 y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The lowest IMAP_BATCH UIDs without the keyword. */
static int
search(struct imap *im, CURL *c, unsigned long *uids, size_t *n)
{
	struct sink	 s = { .max = IMAP_SEARCH_MAX };
	const char	*p;
	char		*end;
	unsigned long	 u, *all = NULL;
	size_t		 nall = 0, i;
	int		 rc = -1;

	*n = 0;
	buf_init(&s.b);
	if (perform(im, c, im->url, "UID SEARCH UNKEYWORD " IMAP_KEYWORD, &s,
	    "UID SEARCH") == -1)
		goto out;
	for (p = s.b.data; p != NULL && (p = strstr(p, "* SEARCH")) != NULL;) {
		p += 8;
		while (*p == ' ') {
			u = strtoul(p + 1, &end, 10);
			if (end == p + 1 || u == 0)
				break;
			all = xreallocarray(all, nall + 1, sizeof *all);
			all[nall++] = u;
			p = end;
		}
	}
	xqsort(all, nall, sizeof *all, uid_cmp);
	for (i = 0; i < nall && *n < IMAP_BATCH; i++)
		uids[(*n)++] = all[i];
	rc = 0;
out:
	free(all);
	buf_free(&s.b);
	return rc;
}

/*
 * The message of uid, whole; or, when it is over the cap, its header
 * alone (*truncated). NULL on a failure.
 */
static char *
fetch(struct imap *im, CURL *c, unsigned long uid, size_t *len,
    int *truncated)
{
	struct sink	 s = { .max = im->cap };
	char		*url;

	*truncated = 0;
	buf_init(&s.b);
	xasprintf(&url, "%s/;UID=%lu", im->url, uid);
	if (perform(im, c, url, NULL, &s, "UID FETCH") == -1) {
		free(url);
		buf_reset(&s.b);
		if (!s.over)
			goto fail;
		*truncated = 1;
		s.over = 0;
		xasprintf(&url, "%s/;UID=%lu/;SECTION=HEADER", im->url, uid);
		if (perform(im, c, url, NULL, &s, "UID FETCH header") == -1) {
			free(url);
			goto fail;
		}
	}
	free(url);
	*len = s.b.len;
	return s.b.data != NULL ? buf_steal(&s.b) : xstrdup("");
fail:
	buf_free(&s.b);
	return NULL;
}

static int
flag(struct imap *im, CURL *c, unsigned long uid)
{
	struct sink	 s = { .max = 65536 };
	char		*cmd;
	int		 rc;

	buf_init(&s.b);
	xasprintf(&cmd, "UID STORE %lu +FLAGS.SILENT (" IMAP_KEYWORD ")", uid);
	rc = perform(im, c, im->url, cmd, &s, "UID STORE");
	free(cmd);
	buf_free(&s.b);
	return rc;
}

/*
 * Gives the message to the loop and waits for its verdict: 0 recorded,
 * -1 to be read again later (or stopping).
 */
static int
hand_over(struct imap *im, char *raw, size_t len, int truncated)
{
	int	 verdict = -1;

	pthread_mutex_lock(&im->mu);
	im->raw = raw;
	im->len = len;
	im->truncated = truncated;
	im->handed = 1;
	im->answered = 0;
	pthread_mutex_unlock(&im->mu);
	ev_async_send(im->ib->k->loop, &im->back);
	pthread_mutex_lock(&im->mu);
	while (!im->answered && !im->stopping)
		pthread_cond_wait(&im->cv, &im->mu);
	if (im->answered)
		verdict = im->verdict;
	pthread_mutex_unlock(&im->mu);
	return verdict;
}

static void
poll_once(struct imap *im, CURL *c)
{
	unsigned long	 uids[IMAP_BATCH];
	size_t		 n, i, len = 0;
	char		*raw;
	int		 truncated;

	if (search(im, c, uids, &n) == -1)
		return;
	for (i = 0; i < n && !stopping(im); i++) {
		if ((raw = fetch(im, c, uids[i], &len, &truncated)) == NULL)
			return;
		if (hand_over(im, raw, len, truncated) != 0)
			return;		/* next poll */
		if (flag(im, c, uids[i]) == -1)
			return;
	}
	ok(im);
}

static void *
imap_main(void *arg)
{
	struct imap	*im = arg;
	struct timespec	 ts;
	CURL		*c;

	if ((c = curl_easy_init()) == NULL) {
		fail(im, "curl", CURLE_OUT_OF_MEMORY, "");
		return NULL;
	}
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "imaps");
	curl_easy_setopt(c, CURLOPT_USERNAME, im->user);
	curl_easy_setopt(c, CURLOPT_PASSWORD, im->pass);
	if (im->cafile != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, im->cafile);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, IMAP_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, IMAP_CONNECT_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, im);
	while (!stopping(im)) {
		poll_once(im, c);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += im->poll;
		pthread_mutex_lock(&im->mu);
		while (!im->stopping &&
		    pthread_cond_timedwait(&im->cv, &im->mu, &ts) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&im->mu);
	}
	curl_easy_cleanup(c);
	return NULL;
}

/* On the loop: a message to record, or a status to log. */
static void
back_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	struct imap	*im = w->data;
	char		*raw = NULL, err[256];
	size_t		 len = 0;
	int		 truncated = 0, rc, logged;

	(void)loop;
	(void)revents;
	pthread_mutex_lock(&im->mu);
	logged = 0;
	if (strcmp(im->error, im->logged) != 0) {
		logged = im->logged[0] != '\0';
		snprintf(err, sizeof err, "%s", im->error);
		snprintf(im->logged, sizeof im->logged, "%s", im->error);
	} else
		err[0] = '\0';
	if (im->handed && !im->answered) {
		raw = im->raw;
		len = im->len;
		truncated = im->truncated;
		im->raw = NULL;
	}
	pthread_mutex_unlock(&im->mu);
	if (*err != '\0')
		log_warnx("inbox: IMAP %s", err);
	else if (logged)
		log_info("inbox: IMAP: reading the mailbox again");
	if (raw == NULL)
		return;
	rc = inbox_process(im->ib, raw, len, truncated);
	free(raw);
	pthread_mutex_lock(&im->mu);
	im->verdict = rc;
	im->answered = 1;
	im->handed = 0;
	pthread_cond_broadcast(&im->cv);
	pthread_mutex_unlock(&im->mu);
}

/* "user:password" from a file nobody else may read. */
static int
read_credentials(struct imap *im, const char *path, char **cause)
{
	FILE		*f;
	struct stat	 st;
	char		 line[1024], *colon;

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
		explicit_bzero(line, sizeof line);
		return -1;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	*colon = '\0';
	im->user = xstrdup(line);
	im->pass = xstrdup(colon + 1);
	explicit_bzero(line, sizeof line);
	return 0;
}

/* imaps://[user@]host[:port][/MAILBOX] → imaps://host[:port]/MAILBOX. */
static char *
strip_user(const char *url)
{
	const char	*host = url + 8, *slash, *at;
	char		*out;

	slash = host + strcspn(host, "/");
	at = memchr(host, '@', (size_t)(slash - host));
	if (at != NULL)
		host = at + 1;
	xasprintf(&out, "imaps://%.*s/%s", (int)(slash - host), host,
	    *slash == '/' && slash[1] != '\0' ? slash + 1 : "INBOX");
	/* No trailing slash: ";UID=" is appended after one. */
	if (out[strlen(out) - 1] == '/')
		out[strlen(out) - 1] = '\0';
	return out;
}

struct imap *
imap_start(struct inbox *ib, char **cause)
{
	const struct conf	*c = ib->k->conf;
	struct imap		*im = xcalloc(1, sizeof *im);

	im->ib = ib;
	im->poll = c->inbound_poll;
	im->cap = ib->cap;
	im->url = strip_user(c->inbound);
	if (c->inbound_cafile != NULL)
		im->cafile = xstrdup(c->inbound_cafile);
	pthread_mutex_init(&im->mu, NULL);
	pthread_cond_init(&im->cv, NULL);
	ev_async_init(&im->back, back_cb);
	im->back.data = im;
	if (read_credentials(im, c->inbound_credentials, cause) == -1) {
		imap_stop(im);
		return NULL;
	}
	ev_async_start(ib->k->loop, &im->back);
	if (pthread_create(&im->thread, NULL, imap_main, im) != 0) {
		xasprintf(cause, "inbox: thread: %s", strerror(errno));
		imap_stop(im);
		return NULL;
	}
	im->started = 1;
	return im;
}

void
imap_stop(struct imap *im)
{
	if (im == NULL)
		return;
	pthread_mutex_lock(&im->mu);
	im->stopping = 1;
	pthread_cond_broadcast(&im->cv);
	pthread_mutex_unlock(&im->mu);
	if (im->started)
		pthread_join(im->thread, NULL);
	ev_async_stop(im->ib->k->loop, &im->back);
	pthread_mutex_destroy(&im->mu);
	pthread_cond_destroy(&im->cv);
	free(im->raw);
	free(im->url);
	free(im->cafile);
	free(im->user);
	if (im->pass != NULL)
		explicit_bzero(im->pass, strlen(im->pass));
	free(im->pass);
	free(im);
}
