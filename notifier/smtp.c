/*
 * smtp.c — the smtp:// and smtps:// mail transport over libcurl. All mail
 * goes to one server (the configured smarthost), through one pool of at
 * most mail_concurrency easy handles; each handle is reused for the next
 * message so curl keeps the SMTP session open (EHLO and AUTH once, then
 * MAIL/RCPT/DATA per message), which is what beats a process per mail.
 *
 * Results: a 5xx reply to MAIL, RCPT or DATA is permanent (the message
 * goes dead at once), except an authentication refusal, which is our
 * configuration's fault, not the message's; everything else is temporary.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "notifier/mail.h"
#include "notifier/notify_int.h"

struct smtp {
	struct notify		*n;
	char			*url;
	char			*from;		/* envelope sender, "<a@b>" */
	char			*user;		/* NULL: no AUTH */
	char			*pass;
	long			 use_ssl;	/* CURLUSESSL_* */
	struct curlev_pool	*pool;
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

static int
smtp_prepare(struct notify_task *t, CURL *easy, void *arg)
{
	struct smtp	*s = arg;
	char		*rcpt;

	curlev_common_opts(easy, t, notify_conf(s->n));
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

static void
smtp_result(struct notify_task *t, CURL *easy, CURLcode rc, void *arg)
{
	long	code = 0;

	(void)arg;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	t->res.code = code;
	if (rc == CURLE_OK) {
		t->res.status = NOTIFY_OK;
		return;
	}
	if (code >= 500 && code < 600 && rc != CURLE_LOGIN_DENIED)
		t->res.status = NOTIFY_PERMFAIL;
	else
		t->res.status = NOTIFY_TEMPFAIL;
	snprintf(t->res.error, sizeof t->res.error, "smtp: %.200s (reply %ld)",
	    t->errbuf[0] != '\0' ? t->errbuf : curl_easy_strerror(rc), code);
}

static void
smtp_free(void *arg)
{
	struct smtp	*s = arg;

	if (s == NULL)
		return;
	curlev_pool_free(s->pool);
	free(s->url);
	free(s->from);
	free(s->user);
	if (s->pass != NULL) {
		explicit_bzero(s->pass, strlen(s->pass));
		free(s->pass);
	}
	free(s);
}

static void *
smtp_init(struct notify *n, const struct notify_conf *nc, char **cause)
{
	struct smtp	*s;
	char		*name = NULL, *addr = NULL;

	s = xcalloc(1, sizeof *s);
	s->n = n;
	s->url = xstrdup(nc->mail_transport);
	s->use_ssl = nc->mail_starttls ? CURLUSESSL_ALL : CURLUSESSL_TRY;
	if (nc->mail_from == NULL ||
	    mail_split_address(nc->mail_from, &name, &addr) == -1) {
		xasprintf(cause, "mail from: not a mail address");
		goto fail;
	}
	xasprintf(&s->from, "<%s>", addr);
	if (nc->mail_credentials != NULL &&
	    smtp_read_credentials(s, nc->mail_credentials, cause) == -1)
		goto fail;
	s->pool = curlev_pool_new(notify_curlev(n), s->url,
	    nc->mail_concurrency);
	s->pool->prepare = smtp_prepare;
	s->pool->result = smtp_result;
	s->pool->arg = s;
	free(name);
	free(addr);
	return s;
fail:
	free(name);
	free(addr);
	smtp_free(s);
	return NULL;
}

static void
smtp_send(void *arg, struct notify_task *t)
{
	struct smtp	*s = arg;

	curlev_pool_submit(s->pool, t);
}

const struct notify_backend notify_backend_smtp = {
	"smtp", smtp_init, smtp_send, smtp_free
};
