/*
 * outbox.c — the dispatcher of the durable outbox (see outbox.h): due
 * rows → notifier → sent / failed with next_attempt / dead, on the loop.
 * One sched job (wall clock) says when the earliest waiting row falls
 * due; answers and new commits wake it early. Answers are written in
 * batches, one transaction per loop turn (outbox.h, "Results"), and a
 * connection's next message is handed out in the transaction that writes
 * its last answer: no more messages are out than connections.
 * Endpoint health is tracked here because only the outbox sees failures
 * across messages and restarts.
 */
#include <sys/random.h>

#include <openssl/sha.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ev.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/links.h"
#include "daemon/core/metrics.h"
#include "daemon/outbox/outbox.h"
#include "daemon/core/sched.h"
#include "daemon/store/store.h"
#include "daemon/store/store_outbox.h"
#include "notifier/mail.h"
#include "notifier/notify.h"
#include "notifier/retry.h"

#define OUTBOX_MAILDIR_BATCH	64	/* maildir: mails handed out at once */
#define OUTBOX_MAIL_CONNS	4	/* a struct conf without the keys */
#define OUTBOX_HOOK_CONNS	8
#define OUTBOX_BACKOFF_MAX	30	/* seconds between tries of a failed write */
#define OUTBOX_DISABLED_ERROR	"endpoint disabled"	/* last_error */
/*
 * A turn's commit is lazy (outbox.h, "Durability") unless the last
 * durable one is this old: a power cut re-sends at most this much.
 */
#define OUTBOX_SYNC_AFTER	0.1	/* seconds */

/* Delivery latency buckets (seconds) for the histogram. */
static const double outbox_buckets[] = { 0.01, 0.05, 0.1, 0.25, 0.5, 1,
    2.5, 5, 10, 30 };
#define OUTBOX_NBUCKETS	(sizeof outbox_buckets / sizeof outbox_buckets[0])

struct outbox {
	struct koyomi		*k;		/* borrowed */
	struct notify		*n;		/* owned */
	struct sched_job	 job;		/* the next dispatch */
	ev_timer		 flush;		/* answers waiting: write them */
	ev_timer		 sync;		/* lazy commits: make durable */
	ev_tstamp		 synced;	/* the last durable commit */
	size_t			 inflight;	/* jobs in the notifier or answered */
	/* Jobs in the notifier's hands, against their channel's limit. */
	unsigned		 mail_max;	/* mail_connections, or a batch */
	unsigned		 mail_busy;
	unsigned		 hook_max;	/* webhook_connections */
	int			 verp;		/* mail: a bounce address each */
	unsigned		*hook_busy;	/* per conf->webhooks[i] */
	struct retry_policy	 policy;
	int			 stopping;
	struct ob_job		*jobs;		/* in the notifier's hands */
	struct ob_job		*answered;	/* answered, not yet written */
	struct ob_job		**answered_tail;
	size_t			 nanswered;
	unsigned		 write_fails;	/* failed transactions in a row */
	/* Metrics: [mail|webhook][sent|failed|dead]. */
	unsigned long long	 deliveries[2][3];
	unsigned long long	 disabled;
	unsigned long long	 lat_bucket[OUTBOX_NBUCKETS];
	unsigned long long	 lat_count;
	double			 lat_sum;
};

/* What an answer means for the row; also the metric's result index. */
enum ob_outcome {
	OB_SENT,
	OB_FAILED,
	OB_DEAD,
};

/* One row in the notifier's hands, then its answer until written. */
struct ob_job {
	struct ob_job		*next;
	struct ob_job		*prev;
	struct outbox		*ob;
	int64_t			 id;
	int			 attempts;	/* failures before this try */
	int			 webhook;
	size_t			 ep;		/* webhook: index in conf->webhooks */
	char			*destination;
	ev_tstamp		 started;
	size_t			 row;		/* in the turn's rows, until submitted */
	/* The answer (outbox_done). */
	enum ob_outcome		 outcome;
	enum notify_status	 status;
	long			 code;
	time_t			 answered;
	time_t			 retry_at;	/* OB_FAILED */
	char			 error[256];
	const char		*disabled;	/* why its endpoint was disabled */
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
	return outbox_enqueue_mail_id(k, m, NULL, cause);
}

int64_t
outbox_enqueue_mail_id(struct koyomi *k, const struct outbox_mail *m,
    char *msgid_out, char **cause)
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
	mm.reply_to = m->reply_to;
	mm.in_reply_to = m->in_reply_to;
	mm.auto_submitted = m->auto_submitted;
	buf_init(&b);
	if (mail_build(&mm, &b, cause) == 0) {
		id = store_outbox_insert(k->store, msgid, "mail", m->to_addr,
		    m->kind, m->subject, b.data, b.len, now);
		if (id == -1)
			xasprintf(cause, "outbox: database error");
		else if (msgid_out != NULL)
			snprintf(msgid_out, OUTBOX_MSGID_MAX, "%s", msgid);
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
		buf_init(&b);
		if (payload_render(ev, outbox_format(c->webhooks[i].format), &b,
		    cause) == -1) {
			buf_free(&b);
			return -1;
		}
		outbox_hook_id(key, c->webhooks[i].id, msgid, sizeof msgid);
		/*
		 * A disabled endpoint (announced when it happened) gets its
		 * row dead at once, never tried: `koyomi webhook enable
		 * --replay` can send it later, with this webhook-id.
		 */
		if ((dis != 0 ? store_outbox_insert_dead(k->store, msgid,
		    "webhook", c->webhooks[i].id, ev->type, NULL, b.data,
		    b.len, now, OUTBOX_DISABLED_ERROR) :
		    store_outbox_insert(k->store, msgid, "webhook",
		    c->webhooks[i].id, ev->type, NULL, b.data, b.len,
		    now)) == -1) {
			buf_free(&b);
			goto dberr;
		}
		buf_free(&b);
		if (dis == 0)
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

/* The index of endpoint id in the configuration, or -1. */
static ssize_t
outbox_endpoint(struct koyomi *k, const char *id)
{
	size_t	i;

	for (i = 0; i < k->conf->nwebhooks; i++)
		if (strcmp(k->conf->webhooks[i].id, id) == 0)
			return (ssize_t)i;
	return -1;
}

/* The job left the notifier's hands: its connection is free. */
static void
outbox_job_idle(struct ob_job *j)
{
	struct outbox	*ob = j->ob;

	if (j->webhook)
		ob->hook_busy[j->ep]--;
	else
		ob->mail_busy--;
}

/* Takes j off the in-flight list (it stays counted in inflight). */
static void
outbox_job_unlink(struct ob_job *j)
{
	struct outbox	*ob = j->ob;

	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		ob->jobs = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	j->next = j->prev = NULL;
}

/* Frees a job off every list and gives its slot back. */
static void
outbox_job_free(struct ob_job *j)
{
	j->ob->inflight--;
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

/*
 * Endpoint health after one webhook answer, inside the batch's
 * transaction. A disabling is only noted in j->disabled: it is logged,
 * counted and announced once the transaction has committed.
 */
static int
outbox_endpoint_result(struct outbox *ob, struct ob_job *j)
{
	struct store	*s = ob->k->store;
	time_t		 since, dis;

	if (j->status == NOTIFY_OK)
		return store_endpoint_ok(s, j->destination);
	/* For `koyomi webhook list`: names the endpoint id, never its URL. */
	if (store_endpoint_error(s, j->destination, j->error) == -1)
		return -1;
	if (j->code == 410)
		j->disabled = "HTTP 410 Gone";
	else {
		if (store_endpoint_failed(s, j->destination, j->answered) ==
		    -1 || store_endpoint_get(s, j->destination, &since,
		    &dis) == -1)
			return -1;
		if (dis == 0 && retry_endpoint_expired(&ob->policy, since,
		    j->answered))
			j->disabled = "failing continuously for 5 days";
	}
	if (j->disabled == NULL)
		return 0;
	if (store_endpoint_disable(s, j->destination, j->answered) == -1 ||
	    store_outbox_kill_destination(s, "webhook", j->destination,
	    OUTBOX_DISABLED_ERROR) == -1)
		return -1;
	return 0;
}

/* Writes one answer, inside the batch's transaction. */
static int
outbox_record(struct outbox *ob, struct ob_job *j)
{
	struct store	*s = ob->k->store;
	int		 rc;

	j->disabled = NULL;
	switch (j->outcome) {
	case OB_SENT:
		rc = store_outbox_set_sent(s, j->id, j->answered);
		break;
	case OB_FAILED:
		rc = store_outbox_set_failed(s, j->id, j->attempts + 1,
		    j->retry_at, j->error);
		break;
	default:
		rc = store_outbox_set_dead(s, j->id, j->attempts + 1, j->error);
		break;
	}
	if (rc == -1)
		return -1;
	return j->webhook ? outbox_endpoint_result(ob, j) : 0;
}

/*
 * The notifier's answer. Nothing is written here: the answer waits in
 * ob->answered, and every answer of this loop turn is written in one
 * transaction on the next turn (outbox_flush_cb, a zero-delay timer: the
 * loop does not sleep while answers wait). Until
 * then the row stays 'sending', so it is neither sent again by this
 * process nor lost by a crash (the next start sends it again, same id).
 */
static void
outbox_done(void *arg, const struct notify_result *r)
{
	struct ob_job	*j = arg;
	struct outbox	*ob = j->ob;
	time_t		 now = time(NULL);
	uint32_t	 rnd;

	outbox_metric_latency(ob, ev_now(ob->k->loop) - j->started);
	j->answered = now;
	j->status = r->status;
	j->code = r->code;
	memcpy(j->error, r->error, sizeof j->error);
	j->error[sizeof j->error - 1] = '\0';
	if (r->status == NOTIFY_OK)
		j->outcome = OB_SENT;
	else {
		if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
			rnd = (uint32_t)now;
		if (retry_next(&ob->policy, j->attempts + 1,
		    r->status == NOTIFY_PERMFAIL, r->retry_after, now, rnd,
		    &j->retry_at) == RETRY_DEAD) {
			j->outcome = OB_DEAD;
			log_warnx("outbox: message %lld to %s dead after %d "
			    "attempts: %s", (long long)j->id, j->destination,
			    j->attempts + 1, r->error);
		} else {
			j->outcome = OB_FAILED;
			log_info("outbox: message %lld: %s; retry in %llds",
			    (long long)j->id, r->error,
			    (long long)(j->retry_at - now));
		}
	}
	outbox_job_unlink(j);
	/*
	 * Its connection may take a message again, but only from the
	 * transaction that writes this answer (outbox_turn): one answer not
	 * yet written per connection at most, whatever a crash interrupts.
	 */
	outbox_job_idle(j);
	*ob->answered_tail = j;
	ob->answered_tail = &j->next;
	ob->nanswered++;
	/* After a failed write the retry timer (sched) is already set. */
	if (!ob->stopping && ob->write_fails == 0 &&
	    !ev_is_active(&ob->flush)) {
		ev_timer_set(&ob->flush, 0., 0.);
		ev_timer_start(ob->k->loop, &ob->flush);
	}
}

/* Next loop turn: write the answers of the last one, send more. */
static void
outbox_flush_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	outbox_dispatch(w->data);
}

/*
 * Prepares one due row inside the turn's transaction: marks it sending
 * and returns its job, or NULL when another process changed the row
 * meanwhile. *err is set on a database error.
 */
static struct ob_job *
outbox_take(struct outbox *ob, const struct outbox_row *r, ssize_t ep,
    int *err)
{
	struct ob_job	*j;
	int		 rc;

	if ((rc = store_outbox_set_sending(ob->k->store, r->id)) != 0) {
		if (rc == -1)
			*err = 1;
		return NULL;
	}
	j = xcalloc(1, sizeof *j);
	j->ob = ob;
	j->id = r->id;
	j->attempts = r->attempts;
	j->webhook = ep >= 0;
	j->ep = ep >= 0 ? (size_t)ep : 0;
	j->destination = xstrdup(r->destination);
	return j;
}

/* Hands a row, marked sending and committed, to the notifier. */
static void
outbox_submit(struct outbox *ob, struct ob_job *j, struct outbox_row *r)
{
	struct koyomi			*k = ob->k;
	const struct conf_webhook	*w;
	struct notify_endpoint		 ep;
	struct notify_job		 job;
	char				*cause = NULL, *sender = NULL;

	memset(&job, 0, sizeof job);
	memset(&ep, 0, sizeof ep);
	if (j->webhook) {
		w = &k->conf->webhooks[j->ep];
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
		/* Read replies and bounces: the bounce names its message. */
		if (ob->verp)
			job.sender = sender = links_bounce_address(k->link_key,
			    r->id, k->conf->inbound_address,
			    k->conf->inbound_delimiter);
	}
	j->started = ev_now(k->loop);
	job.msgid = r->msgid;
	job.payload = r->body;
	job.len = r->len;
	job.done = outbox_done;
	job.arg = j;
	if (notify_submit(ob->n, &job, &cause) == -1) {
		/* Malformed, so rare: its own statement. */
		free(sender);
		store_outbox_set_dead(k->store, r->id, r->attempts, cause);
		free(cause);
		outbox_job_idle(j);
		outbox_job_free(j);
		return;
	}
	free(sender);
	j->next = ob->jobs;
	if (ob->jobs != NULL)
		ob->jobs->prev = j;
	ob->jobs = j;
}

/* What one turn took: the rows read, and the jobs made of them. */
struct ob_take {
	struct outbox_row	*rows;
	size_t			 nrows;
	struct ob_job		*jobs;		/* by next; j->row into rows */
	struct ob_job		**tail;
	time_t			 blocked;	/* a line waits for a retry then */
};

/* Appends the rows of one query to t (they are owned by t from here). */
static size_t
outbox_take_rows(struct ob_take *t, struct outbox_row *rows, size_t n)
{
	size_t	first = t->nrows;

	if (n == 0) {
		free(rows);
		return first;
	}
	t->rows = xreallocarray(t->rows, t->nrows + n, sizeof *t->rows);
	memcpy(t->rows + t->nrows, rows, n * sizeof *rows);
	t->nrows += n;
	free(rows);
	return first;
}

static void
outbox_take_add(struct ob_take *t, struct ob_job *j, size_t row)
{
	j->row = row;
	j->next = NULL;
	*t->tail = j;
	t->tail = &j->next;
}

/* A line's first row not in flight waits for its retry until then. */
static void
outbox_note_blocked(struct ob_take *t, time_t when)
{
	if (t->blocked == 0 || when < t->blocked)
		t->blocked = when;
}

/* The mails due, as many as the free connections. 0 or -1. */
static int
outbox_take_mail(struct outbox *ob, time_t now, struct ob_take *t)
{
	struct outbox_row	*rows;
	struct ob_job		*j;
	size_t			 n, i, first;
	int			 err = 0;

	if (ob->mail_busy >= ob->mail_max)
		return 0;
	if (store_outbox_due_mail(ob->k->store, now,
	    ob->mail_max - ob->mail_busy, &rows, &n) == -1)
		return -1;
	first = outbox_take_rows(t, rows, n);
	for (i = first; i < t->nrows && !err; i++)
		if ((j = outbox_take(ob, &t->rows[i], -1, &err)) != NULL)
			outbox_take_add(t, j, i);
	return err ? -1 : 0;
}

/*
 * The head of endpoint ep's line, in id order, up to its free
 * connections: past the rows in flight, up to a row that waits for its
 * retry (later ones wait behind it; t->blocked notes when). 0 or -1.
 */
static int
outbox_take_hooks(struct outbox *ob, size_t ep, time_t now,
    struct ob_take *t)
{
	struct outbox_row	*rows;
	struct ob_job		*j;
	size_t			 n, i, first;
	unsigned		 room = ob->hook_max - ob->hook_busy[ep];
	int			 err = 0;

	if (ob->hook_busy[ep] >= ob->hook_max)
		return 0;
	if (store_outbox_line(ob->k->store, "webhook",
	    ob->k->conf->webhooks[ep].id, ob->hook_max, &rows, &n) == -1)
		return -1;
	first = outbox_take_rows(t, rows, n);
	for (i = first; i < t->nrows && room > 0 && !err; i++) {
		if (strcmp(t->rows[i].state, "sending") == 0)
			continue;
		if (t->rows[i].next_attempt > now) {
			outbox_note_blocked(t, t->rows[i].next_attempt);
			break;
		}
		if ((j = outbox_take(ob, &t->rows[i], (ssize_t)ep, &err)) !=
		    NULL) {
			outbox_take_add(t, j, i);
			room--;
		}
	}
	return err ? -1 : 0;
}

/*
 * Whether a turn without answers would take anything: read outside a
 * transaction, so that an idle wake-up never takes the write lock. Notes
 * the webhook lines waiting for a retry in t->blocked.
 */
static int
outbox_probe(struct outbox *ob, time_t now, struct ob_take *t)
{
	struct outbox_row	*rows;
	time_t			 when;
	size_t			 n, i, ep;
	int			 found = 0;

	if (ob->mail_busy < ob->mail_max &&
	    (store_outbox_next_mail(ob->k->store, &when) == -1 ||
	    (when != 0 && when <= now)))
		return 1;
	for (ep = 0; ep < ob->k->conf->nwebhooks && !found; ep++) {
		if (ob->hook_busy[ep] >= ob->hook_max)
			continue;
		if (store_outbox_line(ob->k->store, "webhook",
		    ob->k->conf->webhooks[ep].id, ob->hook_max, &rows,
		    &n) == -1)
			return 1;
		for (i = 0; i < n; i++) {
			if (strcmp(rows[i].state, "sending") == 0)
				continue;
			if (rows[i].next_attempt <= now)
				found = 1;
			else
				outbox_note_blocked(t, rows[i].next_attempt);
			break;
		}
		outbox_rows_free(rows, n);
	}
	return found;
}

/* Every channel's due rows, as many as its free connections. */
static int
outbox_take_all(struct outbox *ob, struct ob_take *t)
{
	time_t	now = time(NULL);
	size_t	i;

	if (outbox_take_mail(ob, now, t) == -1)
		return -1;
	for (i = 0; i < ob->k->conf->nwebhooks; i++)
		if (outbox_take_hooks(ob, i, now, t) == -1)
			return -1;
	return 0;
}

static void
outbox_take_drop(struct ob_take *t)
{
	struct ob_job	*j;

	while ((j = t->jobs) != NULL) {
		t->jobs = j->next;
		free(j->destination);
		free(j);
	}
	outbox_rows_free(t->rows, t->nrows);
	memset(t, 0, sizeof *t);
	t->tail = &t->jobs;
}

/*
 * After a turn's commit: every other writer gets full commits again. A
 * lazy one is made durable by a full commit within OUTBOX_SYNC_AFTER, or
 * by the sync timer when delivery goes quiet before that.
 */
static void
outbox_committed(struct outbox *ob, int lazy)
{
	struct ev_loop	*loop = ob->k->loop;

	store_lazy(ob->k->store, 0);
	if (!lazy) {
		ob->synced = ev_now(loop);
		ev_timer_stop(loop, &ob->sync);
	} else if (!ev_is_active(&ob->sync)) {
		ev_timer_set(&ob->sync, OUTBOX_SYNC_AFTER, 0.);
		ev_timer_start(loop, &ob->sync);
	}
}

/* Delivery went quiet after lazy commits: make them durable. */
static void
outbox_sync_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct outbox	*ob = w->data;
	int		 rc;

	(void)revents;
	if ((rc = store_sync(ob->k->store)) == 0)
		ob->synced = ev_now(loop);
	else {
		/* A reader held frames back, or an error: again later. */
		ev_timer_set(&ob->sync, rc == 1 ? OUTBOX_SYNC_AFTER :
		    OUTBOX_BACKOFF_MAX, 0.);
		ev_timer_start(loop, &ob->sync);
	}
}

/*
 * One loop turn's database work, in one transaction: every answer
 * waiting in ob->answered, then, when take, the rows now due (up to the
 * free connections of each channel), marked sending. On commit the
 * answers are counted and freed, and t->jobs lists the jobs to hand to
 * the notifier. On any error everything is rolled back, the answers stay
 * in memory for the next try and nothing is handed out. 0 or -1.
 */
static int
outbox_turn(struct outbox *ob, int take, struct ob_take *t)
{
	struct store	*s = ob->k->store;
	struct ob_job	*j, *next;
	int		 lazy;

	if (ob->nanswered == 0 &&
	    (!take || !outbox_probe(ob, time(NULL), t)))
		return 0;
	lazy = !ob->stopping &&
	    ev_now(ob->k->loop) - ob->synced < OUTBOX_SYNC_AFTER;
	if (store_lazy(s, lazy) == -1)
		lazy = 0;	/* the pragma failed: synchronous stays FULL */
	/* Read and write in one transaction: no other writer in between. */
	if (store_begin(s) == -1)
		goto fail;
	for (j = ob->answered; j != NULL; j = j->next)
		if (outbox_record(ob, j) == -1)
			goto fail;
	if (take && outbox_take_all(ob, t) == -1)
		goto fail;
	if (store_commit(s) == -1)
		goto fail;
	outbox_committed(ob, lazy);
	/* Committed: the answers are in the database. */
	for (j = ob->answered; j != NULL; j = next) {
		next = j->next;
		outbox_metric_delivery(ob, j->webhook, j->outcome);
		if (j->disabled != NULL) {
			log_warnx("outbox: webhook endpoint %s disabled: %s",
			    j->destination, j->disabled);
			outbox_metric_disabled(ob);
			outbox_announce_disabled(ob, j->destination,
			    j->disabled);
		}
		outbox_job_free(j);
	}
	ob->answered = NULL;
	ob->answered_tail = &ob->answered;
	ob->nanswered = 0;
	for (j = t->jobs; j != NULL; j = j->next) {
		ob->inflight++;
		if (j->webhook)
			ob->hook_busy[j->ep]++;
		else
			ob->mail_busy++;
	}
	return 0;
fail:
	store_rollback(s);
	store_lazy(s, 0);
	outbox_take_drop(t);
	return -1;
}

static void
outbox_sched_cb(struct koyomi *k, struct sched_job *job)
{
	(void)k;
	outbox_dispatch(job->arg);
}

/* Seconds before the next try after n failed writes in a row. */
static time_t
outbox_backoff(unsigned n)
{
	return n >= 5 ? OUTBOX_BACKOFF_MAX : (time_t)1 << (n - 1);
}

/*
 * When to look again after a turn: the earliest mail due later, or a
 * webhook line's retry; 0 when only an answer can bring work (every
 * connection busy, or nothing waiting).
 */
static time_t
outbox_next_time(struct outbox *ob, const struct ob_take *t, time_t now)
{
	time_t	when = 0;

	if (ob->mail_busy < ob->mail_max &&
	    store_outbox_next_mail(ob->k->store, &when) == -1)
		return now + 1;
	if (when != 0 && when <= now)
		/* Due but not taken: changed under us, or a store error. */
		when = now + 1;
	if (t->blocked != 0 && (when == 0 || t->blocked < when))
		when = t->blocked;
	return when;
}

/*
 * Writes the answers waiting, sends what is due, then sleeps until the
 * next row falls due. A failed write (database locked, disk full) keeps
 * the answers and is tried again with a growing pause.
 */
static void
outbox_dispatch(struct outbox *ob)
{
	struct koyomi		*k = ob->k;
	struct ob_take		 t;
	struct ob_job		*j;
	size_t			 answers = ob->nanswered;
	time_t			 now = time(NULL), when;

	ev_timer_stop(k->loop, &ob->flush);
	memset(&t, 0, sizeof t);
	t.tail = &t.jobs;
	if (outbox_turn(ob, !ob->stopping, &t) == -1) {
		ob->write_fails++;
		if (ob->write_fails == 1 && answers > 0)
			log_warnx("outbox: cannot write %zu delivery "
			    "result(s); kept, and tried again", answers);
		if (!ob->stopping)
			sched_at(k, &ob->job, now + outbox_backoff(
			    ob->write_fails), outbox_sched_cb, ob);
		return;
	}
	if (ob->write_fails > 0 && answers > 0)
		log_info("outbox: %zu delivery result(s) written after %u "
		    "failed attempt(s)", answers, ob->write_fails);
	ob->write_fails = 0;
	while ((j = t.jobs) != NULL) {
		t.jobs = j->next;
		j->next = NULL;
		outbox_submit(ob, j, &t.rows[j->row]);
	}
	outbox_rows_free(t.rows, t.nrows);
	if (ob->stopping)
		return;
	if ((when = outbox_next_time(ob, &t, now)) != 0)
		sched_at(k, &ob->job, when, outbox_sched_cb, ob);
	else
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
outbox_notifier(struct outbox *ob, char **cause)
{
	struct koyomi		*k = ob->k;
	struct notify_conf	nc;

	memset(&nc, 0, sizeof nc);
	nc.mail_transport = k->conf->mail_transport;
	nc.mail_from = k->conf->mail_from;
	nc.mail_credentials = k->conf->mail_credentials;
	nc.mail_ca_file = k->conf->mail_ca_file;
	nc.mail_starttls = k->conf->mail_starttls;
	/* 0 (a struct conf not from conf_load) keeps the notifier's own. */
	nc.smtp_timeout_ms = (long)k->conf->smtp_timeout * 1000;
	nc.smtp_connect_timeout_ms = (long)k->conf->smtp_connect_timeout * 1000;
	/* As many connections as rows handed out: none waits in a queue. */
	nc.mail_concurrency = ob->mail_max;
	nc.hook_concurrency = ob->hook_max;
	return notify_new(k->loop, &nc, cause);
}

/*
 * Rows for a webhook endpoint no longer in the configuration can never
 * go: dead, to be replayed if it comes back (`koyomi webhook replay`).
 */
static int
outbox_drop_unknown(struct outbox *ob)
{
	struct store	*s = ob->k->store;
	char		**names;
	size_t		 n, i;
	int		 rc = 0;

	if (store_outbox_destinations(s, "webhook", &names, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (rc == 0 && outbox_endpoint(ob->k, names[i]) == -1) {
			log_warnx("outbox: webhook endpoint %s is no longer "
			    "configured: its messages are dead", names[i]);
			rc = store_outbox_kill_destination(s, "webhook",
			    names[i], "endpoint no longer configured");
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/*
 * Mail gets a bounce address of its own (VERP) when replies are read and
 * the bounce addresses share the domain of mail_from: SPF and DMARC judge
 * the envelope sender's domain, and a site whose inbound address lives
 * elsewhere keeps the sender it had (its bounces are then placed by the
 * reports' copies of the Message-ID alone). The configuration and the
 * key are fixed once the daemon runs: decided at start.
 */
static int
outbox_verp(const struct koyomi *k)
{
	const struct conf	*c = k->conf;
	const char		*a, *b;
	char			*name, *addr;
	int			 same;

	if (c->inbound == NULL || !k->has_link_key ||
	    c->inbound_address == NULL || c->mail_from == NULL ||
	    mail_split_address(c->mail_from, &name, &addr) == -1)
		return 0;
	a = strrchr(c->inbound_address, '@');
	b = strrchr(addr, '@');
	same = a != NULL && b != NULL && strcasecmp(a, b) == 0;
	free(name);
	free(addr);
	return same;
}

struct outbox *
outbox_start(struct koyomi *k, char **cause)
{
	struct outbox	*ob;
	const char	*scale;
	int		 n;

	ob = xcalloc(1, sizeof *ob);
	ob->k = k;
	ob->answered_tail = &ob->answered;
	ev_timer_init(&ob->flush, outbox_flush_cb, 0., 0.);
	ob->flush.data = ob;
	ev_timer_init(&ob->sync, outbox_sync_cb, 0., 0.);
	ob->sync.data = ob;
	ob->policy.scale = 1.0;
	/* A struct conf not from conf_load has 0: the defaults. */
	ob->mail_max = k->conf->mail_connections > 0 ?
	    k->conf->mail_connections : OUTBOX_MAIL_CONNS;
	if (k->conf->mail_transport == NULL ||
	    strncmp(k->conf->mail_transport, "maildir:", 8) == 0)
		ob->mail_max = OUTBOX_MAILDIR_BATCH;	/* no connection */
	ob->hook_max = k->conf->webhook_connections > 0 ?
	    k->conf->webhook_connections : OUTBOX_HOOK_CONNS;
	ob->hook_busy = xcalloc(k->conf->nwebhooks + 1,
	    sizeof *ob->hook_busy);
	ob->verp = outbox_verp(k);
	/* Tests only: shrink the three-day schedule (see retry.h). */
	if ((scale = getenv("KOYOMI_TEST_RETRY_SCALE")) != NULL &&
	    atof(scale) > 0.) {
		ob->policy.scale = atof(scale);
		log_warnx("outbox: KOYOMI_TEST_RETRY_SCALE=%g (tests only)",
		    ob->policy.scale);
	}
	if ((ob->n = outbox_notifier(ob, cause)) == NULL) {
		free(ob->hook_busy);
		free(ob);
		return NULL;
	}
	if ((n = store_outbox_recover(k->store)) == -1 ||
	    outbox_drop_unknown(ob) == -1) {
		xasprintf(cause, "outbox: cannot read the outbox");
		notify_free(ob->n);
		free(ob->hook_busy);
		free(ob);
		return NULL;
	}
	if (n > 0)
		log_info("outbox: %d messages interrupted by a stop will be "
		    "sent again", n);
	metrics_register(k, outbox_metrics_emit, ob);
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

size_t
outbox_unwritten(const struct outbox *ob)
{
	return ob->nanswered;
}

/*
 * Answers the notifier already has are taken and written in a last
 * transaction; then the notifier is freed, so no callback comes after.
 * Rows still in flight, or whose answer could not be written, stay
 * 'sending' and are sent again on the next start (their ids unchanged,
 * so receivers can drop the duplicate).
 */
void
outbox_stop(struct outbox *ob)
{
	struct ob_job	*j;

	if (ob == NULL)
		return;
	ob->stopping = 1;
	sched_cancel(ob->k, &ob->job);
	metrics_unregister(ob->k, outbox_metrics_emit, ob);
	notify_drain(ob->n);
	if (ob->nanswered > 0) {
		outbox_dispatch(ob);
		if (ob->nanswered > 0)
			log_warnx("outbox: %zu delivery result(s) not written "
			    "at stop; those messages will be sent again",
			    ob->nanswered);
	}
	ev_timer_stop(ob->k->loop, &ob->flush);
	if (ev_is_active(&ob->sync)) {
		ev_timer_stop(ob->k->loop, &ob->sync);
		store_sync(ob->k->store);
	}
	notify_free(ob->n);
	while ((j = ob->jobs) != NULL) {
		ob->jobs = j->next;
		free(j->destination);
		free(j);
	}
	while ((j = ob->answered) != NULL) {
		ob->answered = j->next;
		free(j->destination);
		free(j);
	}
	free(ob->hook_busy);
	free(ob);
}
