/*
 * webhook.c — HTTP POST of signed JSON (Standard Webhooks 1.0). One pool
 * per endpoint (its id: two endpoints on one URL are two lines of the
 * outbox, each with its connections) keeps connections alive and bounds
 * the requests in flight to one receiver; redirects are not followed (3xx is a failure,
 * as the spec says), only http and https are allowed.
 *
 * Results: 2xx sent; 410 Gone is permanent (the outbox also disables the
 * endpoint); every other answer or network error is temporary, with the
 * Retry-After of a 429 or 503 passed on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "calendars/util.h"
#include "notifier/base64.h"
#include "notifier/mail.h"
#include "notifier/notify_int.h"

struct webhook {
	struct notify		*n;
	struct curlev_poolq	 pools;
};

/* The key of one secret: the base64 after "whsec_" (prefix optional). */
static int
webhook_key(const char *secret, struct buf *key)
{
	if (strncmp(secret, "whsec_", 6) == 0)
		secret += 6;
	buf_reset(key);
	if (*secret == '\0' || b64_decode(key, secret, strlen(secret)) == -1)
		return -1;
	return 0;
}

char *
notify_webhook_signature(const char *msgid, long long ts, const char *body,
    size_t len, const char *const *secrets, size_t nsecrets, char **cause)
{
	struct buf	 key, signed_content, out;
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen;
	size_t		 i;

	buf_init(&key);
	buf_init(&signed_content);
	buf_init(&out);
	/* The spec signs "id.timestamp.body" over the exact bytes sent. */
	buf_printf(&signed_content, "%s.%lld.", msgid, ts);
	buf_append(&signed_content, body, len);
	for (i = 0; i < nsecrets; i++) {
		if (webhook_key(secrets[i], &key) == -1) {
			xasprintf(cause, "webhook secret %zu is not base64", i + 1);
			goto fail;
		}
		if (HMAC(EVP_sha256(), key.data, (int)key.len,
		    (const unsigned char *)signed_content.data,
		    signed_content.len, mac, &maclen) == NULL) {
			xasprintf(cause, "HMAC failed");
			goto fail;
		}
		if (i > 0)
			buf_putc(&out, ' ');
		buf_puts(&out, "v1,");
		b64_encode(&out, mac, maclen);
	}
	explicit_bzero(mac, sizeof mac);
	if (key.data != NULL)
		explicit_bzero(key.data, key.len);
	buf_free(&key);
	buf_free(&signed_content);
	if (out.data == NULL)
		buf_puts(&out, "");
	return buf_steal(&out);
fail:
	if (key.data != NULL)
		explicit_bzero(key.data, key.len);
	buf_free(&key);
	buf_free(&signed_content);
	buf_free(&out);
	return NULL;
}

static size_t
webhook_discard(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	(void)arg;
	return size * nmemb;
}

static int
webhook_headers(struct notify_task *t)
{
	struct curl_slist	*l = NULL;
	char			*h, *sig, *cause = NULL;
	long long		 ts = (long long)time(NULL);

	l = curl_slist_append(l, "Content-Type: application/json");
	l = curl_slist_append(l, "User-Agent: koyomi/" KOYOMI_VERSION);
	l = curl_slist_append(l, "Expect:");	/* no 100-continue wait */
	xasprintf(&h, "webhook-id: %s", t->msgid);
	l = curl_slist_append(l, h);
	free(h);
	xasprintf(&h, "webhook-timestamp: %lld", ts);
	l = curl_slist_append(l, h);
	free(h);
	if (t->ep.nsecrets > 0) {
		sig = notify_webhook_signature(t->msgid, ts, t->payload, t->len,
		    t->ep.secrets, t->ep.nsecrets, &cause);
		if (sig == NULL) {
			/* A bad secret will not heal by retrying soon. */
			t->res.status = NOTIFY_TEMPFAIL;
			snprintf(t->res.error, sizeof t->res.error, "webhook %.60s: %.180s",
			    t->ep.id, cause);
			free(cause);
			curl_slist_free_all(l);
			return -1;
		}
		xasprintf(&h, "webhook-signature: %s", sig);
		l = curl_slist_append(l, h);
		free(h);
		free(sig);
	}
	t->list = l;
	return l == NULL ? -1 : 0;
}

static int
webhook_prepare(void *job, CURL *easy, void *arg)
{
	struct notify_task		*t = job;
	struct webhook			*w = arg;
	const struct notify_conf	*nc = notify_conf(w->n);

	if (webhook_headers(t) == -1)
		return -1;
	curlev_common_opts(easy, &t->xfer, nc->timeout_ms,
	    nc->connect_timeout_ms);
	curl_easy_setopt(easy, CURLOPT_URL, t->ep.url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->list);
	curl_easy_setopt(easy, CURLOPT_POST, 1L);
	/* POSTFIELDS is not copied: the task owns the payload until done. */
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, t->payload);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)t->len);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, webhook_discard);
	return 0;
}

static void
webhook_result(void *job, CURL *easy, CURLcode rc, void *arg)
{
	struct notify_task	*t = job;
	long			 code = 0;
	curl_off_t		 ra = -1;

	(void)arg;
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
	t->res.code = code;
	if (rc != CURLE_OK) {
		t->res.status = NOTIFY_TEMPFAIL;
		snprintf(t->res.error, sizeof t->res.error, "webhook %.60s: %.180s",
		    t->ep.id,
		    t->xfer.errbuf[0] != '\0' ? t->xfer.errbuf :
		    curl_easy_strerror(rc));
		return;
	}
	if (code >= 200 && code < 300) {
		t->res.status = NOTIFY_OK;
		return;
	}
	t->res.status = code == 410 ? NOTIFY_PERMFAIL : NOTIFY_TEMPFAIL;
	if ((code == 429 || code == 503) &&
	    curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
	    ra > 0)
		t->res.retry_after = ra > 86400 ? 86400 : (int)ra;
	snprintf(t->res.error, sizeof t->res.error, "webhook %.60s: HTTP %ld",
	    t->ep.id, code);
}

static void *
webhook_init(struct notify *n, const struct notify_conf *nc, char **cause)
{
	struct webhook	*w;

	(void)nc;
	(void)cause;
	w = xcalloc(1, sizeof *w);
	w->n = n;
	TAILQ_INIT(&w->pools);
	return w;
}

static struct curlev_pool *
webhook_pool(struct webhook *w, const char *id)
{
	struct curlev_pool	*p;

	TAILQ_FOREACH(p, &w->pools, entry)
		if (strcmp(p->key, id) == 0)
			return p;
	return NULL;
}

static void
webhook_send(void *arg, struct notify_task *t)
{
	struct webhook		*w = arg;
	struct curlev_pool	*p;

	if ((p = webhook_pool(w, t->ep.id)) == NULL) {
		p = curlev_pool_new(notify_curlev(w->n), t->ep.id,
		    notify_conf(w->n)->hook_concurrency);
		p->prepare = webhook_prepare;
		p->result = webhook_result;
		p->arg = w;
		TAILQ_INSERT_TAIL(&w->pools, p, entry);
	}
	curlev_pool_submit(p, &t->xfer, t);
}

static void
webhook_free(void *arg)
{
	struct webhook		*w = arg;
	struct curlev_pool	*p;

	while ((p = TAILQ_FIRST(&w->pools)) != NULL) {
		TAILQ_REMOVE(&w->pools, p, entry);
		curlev_pool_free(p);
	}
	free(w);
}

const struct notify_backend notify_backend_webhook = {
	"webhook", webhook_init, webhook_send, webhook_free
};
