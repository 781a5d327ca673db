/*
 * outbox.c — the dispatcher of the durable outbox (see outbox.h): due
 * rows → notifier → sent / failed with next_attempt / dead, on the loop.
 * One sched job (wall clock) says when the earliest waiting row falls
 * due; completions and new commits wake it early. Endpoint health is tracked here because
 * only the outbox sees failures across messages and restarts.
 */
#include <sys/random.h>

#include <openssl/sha.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/conf.h"
#include "daemon/koyomi.h"
#include "daemon/metrics.h"
#include "daemon/outbox.h"
#include "daemon/sched.h"
#include "daemon/store.h"
#include "daemon/store_outbox.h"
#include "notifier/mail.h"
#include "notifier/notify.h"
#include "notifier/retry.h"

#define OUTBOX_MAX_INFLIGHT	64	/* rows handed to the notifier at once */
#define OUTBOX_BATCH		64	/* rows read per wake-up */

/* Delivery latency buckets (seconds) for the histogram. */
static const double outbox_buckets[] = { 0.01, 0.05, 0.1, 0.25, 0.5, 1,
    2.5, 5, 10, 30 };
#define OUTBOX_NBUCKETS	(sizeof outbox_buckets / sizeof outbox_buckets[0])

struct outbox {
	struct koyomi		*k;		/* borrowed */
	struct notify		*n;		/* owned */
	struct sched_job	 job;		/* the next dispatch */
	size_t			 inflight;
	struct retry_policy	 policy;
	int			 stopping;
	struct ob_job		*jobs;		/* in flight, for stop */
	/* Metrics: [mail|webhook][sent|failed|dead]. */
	unsigned long long	 deliveries[2][3];
	unsigned long long	 disabled;
	unsigned long long	 lat_bucket[OUTBOX_NBUCKETS];
	unsigned long long	 lat_count;
	double			 lat_sum;
};

/* One row in the notifier's hands. */
struct ob_job {
	struct ob_job		*next;
	struct ob_job		*prev;
	struct outbox		*ob;
	int64_t			 id;
	int			 attempts;	/* failures before this try */
	int			 webhook;
	char			*destination;
	ev_tstamp		 started;
};

/* Random hex for message ids: unique without coordination. */
static void
outbox_random_hex(char *out, size_t nbytes)
{
	unsigned char	r[32];

	if (nbytes > sizeof r)
		nbytes = sizeof r;
	if (getrandom(r, nbytes, 0) != (ssize_t)nbytes)
		fatal("getrandom");
	hex_encode(r, nbytes, out);
}

/* "<koyomi.HEX@domain-of-From>": random, so unique and never reused. */
static char *
outbox_new_msgid(const struct conf *c)
{
	char	 hex[33], *name = NULL, *addr = NULL, *id;
	const char *dom = "koyomi.invalid";

	outbox_random_hex(hex, 16);
	if (c->mail_from != NULL &&
	    mail_split_address(c->mail_from, &name, &addr) == 0)
		dom = strrchr(addr, '@') + 1;
	xasprintf(&id, "<koyomi.%s@%s>", hex, dom);
	free(name);
	free(addr);
	return id;
}

/* Seconds east of UTC of the configured zone at t. */
static int
outbox_utc_offset(struct koyomi *k, time_t t)
{
	cal_day	day;
	int	secs;

	if (k->zone == NULL)
		return 0;
	cal_utc_to_local(k->zone, t, &day, &secs);
	return (int)((long long)day * 86400 + secs - (long long)t);
}

int64_t
outbox_enqueue_mail(struct koyomi *k, const struct outbox_mail *m,
    char **cause)
{
	struct mail_msg	 mm;
	struct buf	 b;
	char		*msgid;
	time_t		 now = time(NULL);
	int64_t		 id = -1;

	msgid = outbox_new_msgid(k->conf);
	memset(&mm, 0, sizeof mm);
	mm.from = k->conf->mail_from != NULL ? k->conf->mail_from :
	    "koyomi <koyomi@localhost>";
	mm.to_name = m->to_name;
	mm.to_addr = m->to_addr;
	mm.subject = m->subject;
	mm.body = m->body;
	mm.msgid = msgid;
	mm.date = now;
	mm.utc_offset = outbox_utc_offset(k, now);
	mm.list_id = m->list_id;
	mm.ics = m->ics;
	buf_init(&b);
	if (mail_build(&mm, &b, cause) == 0) {
		id = store_outbox_insert(k->store, msgid, "mail", m->to_addr,
		    m->kind, m->subject, b.data, b.len, now);
		if (id == -1)
			xasprintf(cause, "outbox: database error");
	}
	buf_free(&b);
	free(msgid);
	return id;
}

/* "task.*" matches task.reminder; an empty filter matches everything. */
static int
outbox_filter_match(const struct conf_webhook *w, const char *type)
{
	size_t	i, l;

	if (w->nevents == 0)
		return 1;
	for (i = 0; i < w->nevents; i++) {
		l = strlen(w->events[i]);
		if (strcmp(w->events[i], type) == 0 || strcmp(w->events[i], "*") == 0)
			return 1;
		if (l >= 2 && strcmp(w->events[i] + l - 2, ".*") == 0 &&
		    strncmp(w->events[i], type, l - 1) == 0)
			return 1;
	}
	return 0;
}

static enum notify_hook_format
outbox_format(enum conf_hook_format f)
{
	switch (f) {
	case HOOK_SLACK:
		return NOTIFY_HOOK_SLACK;
	case HOOK_TEAMS:
		return NOTIFY_HOOK_TEAMS;
	case HOOK_LINEWORKS:
		return NOTIFY_HOOK_LINEWORKS;
	default:
		return NOTIFY_HOOK_STANDARD;
	}
}

/*
 * The webhook-id of one row: random, or for a keyed event "msg_" and 24
 * hex of SHA-256(key, endpoint), so the same fact always gets the same id.
 */
static void
outbox_hook_id(const char *key, const char *endpoint, char *out,
    size_t size)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	char		 hex[2 * SHA256_DIGEST_LENGTH + 1], *in;

	if (key == NULL) {
		outbox_random_hex(hex, 12);
		snprintf(out, size, "msg_%.24s", hex);
		return;
	}
	xasprintf(&in, "%s\n%s", key, endpoint);
	SHA256((const unsigned char *)in, strlen(in), md);
	free(in);
	hex_encode(md, 12, hex);
	snprintf(out, size, "msg_%.24s", hex);
}

int
outbox_enqueue_event(struct koyomi *k, const struct payload_event *ev,
    char **cause)
{
	return outbox_enqueue_event_keyed(k, ev, NULL, cause);
}

int
outbox_enqueue_event_keyed(struct koyomi *k, const struct payload_event *ev,
    const char *key, char **cause)
{
	const struct conf	*c = k->conf;
	struct buf		 b;
	char			 msgid[40];
	time_t			 fs, dis, now = time(NULL);
	size_t			 i;
	int			 n = 0;

	for (i = 0; i < c->nwebhooks; i++) {
		if (!outbox_filter_match(&c->webhooks[i], ev->type))
			continue;
		if (store_endpoint_get(k->store, c->webhooks[i].id, &fs,
		    &dis) == -1)
			goto dberr;
		if (dis != 0)
			continue;	/* disabled: announced when it happened */
		buf_init(&b);
		if (payload_render(ev, outbox_format(c->webhooks[i].format), &b,
		    cause) == -1) {
			buf_free(&b);
			return -1;
		}
		outbox_hook_id(key, c->webhooks[i].id, msgid, sizeof msgid);
		if (store_outbox_insert(k->store, msgid, "webhook",
		    c->webhooks[i].id, ev->type, NULL, b.data, b.len, now) == -1) {
			buf_free(&b);
			goto dberr;
		}
		buf_free(&b);
		n++;
	}
	return n;
dberr:
	xasprintf(cause, "outbox: database error");
	return -1;
}

/* Metrics, emitted by /metrics through metrics_register(). */
static void
outbox_metric_delivery(struct outbox *ob, int webhook, int result)
{
	ob->deliveries[webhook ? 1 : 0][result]++;
}

static void
outbox_metric_disabled(struct outbox *ob)
{
	ob->disabled++;
}

static void
outbox_metric_latency(struct outbox *ob, double secs)
{
	size_t	i;

	for (i = 0; i < OUTBOX_NBUCKETS; i++)
		if (secs <= outbox_buckets[i])
			ob->lat_bucket[i]++;
	ob->lat_count++;
	ob->lat_sum += secs;
}

static void
outbox_metrics_emit(struct koyomi *k, struct buf *b, void *arg)
{
	static const char *const ch[] = { "mail", "webhook" };
	static const char *const res[] = { "sent", "failed", "dead" };
	struct outbox	*ob = arg;
	long long	 c[OUTBOX_NSTATES];
	size_t		 i, j;

	if (store_outbox_counts(k->store, c) == 0) {
		buf_puts(b, "# HELP koyomi_outbox_messages Outbox rows by state.\n"
		    "# TYPE koyomi_outbox_messages gauge\n");
		for (i = 0; i < OUTBOX_NSTATES; i++)
			buf_printf(b, "koyomi_outbox_messages{state=\"%s\"} %lld\n",
			    outbox_state_name(i), c[i]);
	}
	buf_puts(b, "# HELP koyomi_deliveries_total Delivery attempts by "
	    "channel and result.\n# TYPE koyomi_deliveries_total counter\n");
	for (i = 0; i < 2; i++)
		for (j = 0; j < 3; j++)
			buf_printf(b, "koyomi_deliveries_total{channel=\"%s\","
			    "result=\"%s\"} %llu\n", ch[i], res[j],
			    ob->deliveries[i][j]);
	buf_printf(b, "# HELP koyomi_webhook_endpoints_disabled_total Webhook "
	    "endpoints disabled after failing.\n"
	    "# TYPE koyomi_webhook_endpoints_disabled_total counter\n"
	    "koyomi_webhook_endpoints_disabled_total %llu\n", ob->disabled);
	buf_puts(b, "# HELP koyomi_delivery_seconds Time from handing a "
	    "message to the notifier to its answer.\n"
	    "# TYPE koyomi_delivery_seconds histogram\n");
	for (i = 0; i < OUTBOX_NBUCKETS; i++)
		buf_printf(b, "koyomi_delivery_seconds_bucket{le=\"%g\"} %llu\n",
		    outbox_buckets[i], ob->lat_bucket[i]);
	buf_printf(b, "koyomi_delivery_seconds_bucket{le=\"+Inf\"} %llu\n"
	    "koyomi_delivery_seconds_sum %.6f\n"
	    "koyomi_delivery_seconds_count %llu\n", ob->lat_count, ob->lat_sum,
	    ob->lat_count);
}

static void	outbox_dispatch(struct outbox *);

static const struct conf_webhook *
outbox_endpoint(struct koyomi *k, const char *id)
{
	size_t	i;

	for (i = 0; i < k->conf->nwebhooks; i++)
		if (strcmp(k->conf->webhooks[i].id, id) == 0)
			return &k->conf->webhooks[i];
	return NULL;
}

static void
outbox_job_free(struct ob_job *j)
{
	struct outbox	*ob = j->ob;

	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		ob->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	ob->inflight--;
	free(j->destination);
	free(j);
}

int
outbox_enqueue_admin(struct koyomi *k, const char *kind, const char *subject,
    const char *body, char **cause)
{
	struct outbox_mail	 m;

	if (k->conf->admin_mail == NULL)
		return 0;
	memset(&m, 0, sizeof m);
	m.kind = kind;
	m.to_addr = k->conf->admin_mail;
	m.subject = subject;
	m.body = body;
	return outbox_enqueue_mail(k, &m, cause) == -1 ? -1 : 1;
}

/* Tell the administrators, by mail, in its own short transaction. */
static void
outbox_announce_disabled(struct outbox *ob, const char *id, const char *why)
{
	struct koyomi		*k = ob->k;
	char			*subject, *body, *cause = NULL;

	if (k->conf->admin_mail == NULL)
		return;
	xasprintf(&subject, "【koyomi】Webhook送信先「%s」を停止しました", id);
	xasprintf(&body, "koyomi 管理者各位\n\n"
	    "Webhook の送信先「%s」への配信が失敗し続けたため、"
	    "この送信先を停止しました。\n理由：%s\n\n"
	    "受信側を確認のうえ、設定を見直してください。\n\n"
	    "本メールは koyomi から自動送信しています。\n", id, why);
	if (store_begin(k->store) == 0) {
		if (outbox_enqueue_admin(k, "endpoint_disabled", subject, body,
		    &cause) == -1) {
			log_warnx("outbox: announce endpoint %s: %s", id, cause);
			store_rollback(k->store);
		} else
			store_commit(k->store);
	}
	free(cause);
	free(subject);
	free(body);
}

static void
outbox_disable(struct outbox *ob, const char *id, time_t now,
    const char *why)
{
	struct store	*s = ob->k->store;

	log_warnx("outbox: webhook endpoint %s disabled: %s", id, why);
	store_endpoint_disable(s, id, now);
	store_outbox_kill_destination(s, "webhook", id, "endpoint disabled");
	outbox_metric_disabled(ob);
	outbox_announce_disabled(ob, id, why);
}

/* Endpoint health after one webhook result. */
static void
outbox_endpoint_result(struct outbox *ob, struct ob_job *j,
    const struct notify_result *r, time_t now)
{
	struct store	*s = ob->k->store;
	time_t		 since, dis;

	if (r->status == NOTIFY_OK) {
		store_endpoint_ok(s, j->destination);
		return;
	}
	/* For `koyomi webhook list`: names the endpoint id, never its URL. */
	store_endpoint_error(s, j->destination, r->error);
	if (r->code == 410) {
		outbox_disable(ob, j->destination, now, "HTTP 410 Gone");
		return;
	}
	store_endpoint_failed(s, j->destination, now);
	if (store_endpoint_get(s, j->destination, &since, &dis) == 0 &&
	    dis == 0 && retry_endpoint_expired(&ob->policy, since, now))
		outbox_disable(ob, j->destination, now,
		    "failing continuously for 5 days");
}

static void
outbox_done(void *arg, const struct notify_result *r)
{
	struct ob_job	*j = arg;
	struct outbox	*ob = j->ob;
	struct store	*s = ob->k->store;
	time_t		 now = time(NULL), next;
	uint32_t	 rnd;
	int		 attempts = j->attempts + 1, dead;

	outbox_metric_latency(ob, ev_now(ob->k->loop) - j->started);
	if (r->status == NOTIFY_OK) {
		store_outbox_set_sent(s, j->id, now);
		outbox_metric_delivery(ob, j->webhook, 0);
	} else {
		if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
			rnd = (uint32_t)now;
		dead = retry_next(&ob->policy, attempts,
		    r->status == NOTIFY_PERMFAIL, r->retry_after, now, rnd,
		    &next) == RETRY_DEAD;
		if (dead) {
			log_warnx("outbox: message %lld to %s dead after %d "
			    "attempts: %s", (long long)j->id, j->destination,
			    attempts, r->error);
			store_outbox_set_dead(s, j->id, attempts, r->error);
		} else {
			log_info("outbox: message %lld: %s; retry in %llds",
			    (long long)j->id, r->error,
			    (long long)(next - now));
			store_outbox_set_failed(s, j->id, attempts, next,
			    r->error);
		}
		outbox_metric_delivery(ob, j->webhook, dead ? 2 : 1);
	}
	if (j->webhook)
		outbox_endpoint_result(ob, j, r, now);
	outbox_job_free(j);
	outbox_dispatch(ob);
}

/* Hands one row to the notifier; on a malformed job the row goes dead. */
static void
outbox_submit(struct outbox *ob, struct outbox_row *r)
{
	struct koyomi			*k = ob->k;
	const struct conf_webhook	*w = NULL;
	struct notify_endpoint		 ep;
	struct notify_job		 job;
	struct ob_job			*j;
	char				*cause = NULL;

	memset(&job, 0, sizeof job);
	memset(&ep, 0, sizeof ep);
	if (strcmp(r->channel, "webhook") == 0) {
		if ((w = outbox_endpoint(k, r->destination)) == NULL) {
			store_outbox_set_dead(k->store, r->id, r->attempts,
			    "endpoint no longer configured");
			return;
		}
		ep.id = w->id;
		ep.url = w->url;
		ep.secrets = (const char *const *)w->secrets;
		ep.nsecrets = w->nsecrets;
		ep.format = outbox_format(w->format);
		job.channel = NOTIFY_WEBHOOK;
		job.endpoint = &ep;
	} else {
		job.channel = NOTIFY_MAIL;
		job.rcpt = r->destination;
	}
	j = xcalloc(1, sizeof *j);
	j->ob = ob;
	j->id = r->id;
	j->attempts = r->attempts;
	j->webhook = w != NULL;
	j->destination = xstrdup(r->destination);
	j->started = ev_now(k->loop);
	job.msgid = r->msgid;
	job.payload = r->body;
	job.len = r->len;
	job.done = outbox_done;
	job.arg = j;
	if (store_outbox_set_sending(k->store, r->id) == -1) {
		free(j->destination);
		free(j);
		return;
	}
	if (notify_submit(ob->n, &job, &cause) == -1) {
		store_outbox_set_dead(k->store, r->id, r->attempts, cause);
		free(cause);
		free(j->destination);
		free(j);
		return;
	}
	j->next = ob->jobs;
	if (ob->jobs != NULL)
		ob->jobs->prev = j;
	ob->jobs = j;
	ob->inflight++;
}

static void
outbox_sched_cb(struct koyomi *k, struct sched_job *job)
{
	(void)k;
	outbox_dispatch(job->arg);
}

/* Sends what is due, then sleeps until the next row falls due. */
static void
outbox_dispatch(struct outbox *ob)
{
	struct koyomi		*k = ob->k;
	struct outbox_row	*rows = NULL;
	size_t			 n = 0, i, room;
	time_t			 now = time(NULL), when = 0;

	if (ob->stopping)
		return;
	room = OUTBOX_MAX_INFLIGHT - ob->inflight;
	if (room > OUTBOX_BATCH)
		room = OUTBOX_BATCH;
	if (room > 0 && store_outbox_due(k->store, now, room, &rows, &n) == 0) {
		for (i = 0; i < n; i++)
			outbox_submit(ob, &rows[i]);
		outbox_rows_free(rows, n);
	}
	/* A full batch may have left more behind: look again next turn. */
	if (room > 0 && n == room)
		sched_at(k, &ob->job, now, outbox_sched_cb, ob);
	else if (store_outbox_next(k->store, &when) == 0 && when > now)
		sched_at(k, &ob->job, when, outbox_sched_cb, ob);
	else if (when > 0 && ob->inflight < OUTBOX_MAX_INFLIGHT)
		/* Due but not taken (a store error): try again shortly. */
		sched_at(k, &ob->job, now + 1, outbox_sched_cb, ob);
	else
		/* Nothing waiting, or a full pipe: a completion wakes us. */
		sched_cancel(k, &ob->job);
}

/* A CLI command (koyomi done, …) committed rows from another process. */
static void
outbox_store_changed(struct koyomi *k, void *arg)
{
	/* Through k, not a saved pointer: hooks outlive a stopped outbox. */
	(void)arg;
	outbox_wake(k->outbox);
}

static struct notify *
outbox_notifier(struct koyomi *k, char **cause)
{
	struct notify_conf	nc;

	memset(&nc, 0, sizeof nc);
	nc.mail_transport = k->conf->mail_transport;
	nc.mail_from = k->conf->mail_from;
	nc.mail_credentials = k->conf->mail_credentials;
	nc.mail_starttls = k->conf->mail_starttls;
	return notify_new(k->loop, &nc, cause);
}

struct outbox *
outbox_start(struct koyomi *k, char **cause)
{
	struct outbox	*ob;
	const char	*scale;
	int		 n;

	ob = xcalloc(1, sizeof *ob);
	ob->k = k;
	ob->policy.scale = 1.0;
	/* Tests only: shrink the three-day schedule (see retry.h). */
	if ((scale = getenv("KOYOMI_TEST_RETRY_SCALE")) != NULL &&
	    atof(scale) > 0.) {
		ob->policy.scale = atof(scale);
		log_warnx("outbox: KOYOMI_TEST_RETRY_SCALE=%g (tests only)",
		    ob->policy.scale);
	}
	if ((ob->n = outbox_notifier(k, cause)) == NULL) {
		free(ob);
		return NULL;
	}
	if ((n = store_outbox_recover(k->store)) == -1) {
		xasprintf(cause, "outbox: cannot read the outbox");
		notify_free(ob->n);
		free(ob);
		return NULL;
	}
	if (n > 0)
		log_info("outbox: %d messages interrupted by a stop will be "
		    "sent again", n);
	metrics_register(k, outbox_metrics_emit, ob);
	outbox_http_register(k);
	koyomi_hook_add(k, KY_STORE_CHANGED, outbox_store_changed, NULL);
	sched_at(k, &ob->job, time(NULL), outbox_sched_cb, ob);
	return ob;
}

void
outbox_wake(struct outbox *ob)
{
	if (ob == NULL || ob->stopping)
		return;
	sched_at(ob->k, &ob->job, time(NULL), outbox_sched_cb, ob);
}

size_t
outbox_inflight(const struct outbox *ob)
{
	return ob->inflight;
}

/*
 * Frees the notifier first, so no callback comes after; rows still in
 * flight stay 'sending' and are sent again on the next start (their ids
 * unchanged, so receivers can drop the duplicate).
 */
void
outbox_stop(struct outbox *ob)
{
	struct ob_job	*j;

	if (ob == NULL)
		return;
	ob->stopping = 1;
	sched_cancel(ob->k, &ob->job);
	notify_free(ob->n);
	while ((j = ob->jobs) != NULL) {
		ob->jobs = j->next;
		free(j->destination);
		free(j);
	}
	free(ob);
}
