/*
 * cmd_webhook.c — `koyomi webhook list`, `koyomi webhook enable ID
 * [--replay]` and `koyomi webhook replay ID [--since TIME]`: the health
 * of the configured webhook endpoints, the way back for one the outbox
 * disabled after it failed for 5 days or answered 410 (design §8), and
 * the replay of what it missed meanwhile (Svix calls it "recover").
 *
 * All work beside a running daemon: the state lives in the endpoints
 * table, which the daemon reads at every enqueue, so an endpoint enabled
 * here gets the next event; requeued rows are seen through the
 * database's data_version within a second.
 *
 * Replay: while an endpoint is disabled its events are still written to
 * the outbox, dead ("endpoint disabled"), as are the rows its outage
 * killed. Replaying puts a dead or failed row back to pending with the
 * same webhook-id and body (receivers drop what they already have, as
 * Standard Webhooks asks), a fresh retry schedule, in its original
 * order. By default: every such row after the last message the endpoint
 * accepted, i.e. exactly what the outage cost; --since TIME: every such
 * row created since TIME, whatever came between.
 *
 * URLs are never printed whole: a Slack-style URL carries its credential
 * in the path, and user info is a password. Only scheme://host[:port]
 * is shown, followed by "…" when something was left out.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/cmd.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/store/store.h"
#include "daemon/store/store_outbox.h"

static int
webhook_usage(void)
{
	fprintf(stderr, "usage: koyomi webhook list\n"
	    "       koyomi webhook enable ID [--replay]\n"
	    "       koyomi webhook replay ID [--since TIME]\n");
	return 2;
}

/* Two ASCII digits at p, as a number; -1 if not. */
static int
webhook_2digits(const char *p)
{
	if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

int
cmd_webhook_since(const char *s, const struct cal_zone *z, time_t *t)
{
	char		 date[11];
	const char	*p;
	cal_day		 day;
	int		 h, m, sec = 0, oh, om, secs;
	long		 off;

	if (strlen(s) < 10)
		return -1;
	memcpy(date, s, 10);
	date[10] = '\0';
	if (cal_parse_iso(date, &day) == -1)
		return -1;
	p = s + 10;
	if (*p == '\0') {
		*t = cal_local_to_utc(z, day, 0);
		return 0;
	}
	if (*p++ != 'T' || (h = webhook_2digits(p)) == -1 || p[2] != ':' ||
	    (m = webhook_2digits(p + 3)) == -1)
		return -1;
	p += 5;
	if (*p == ':') {
		if ((sec = webhook_2digits(p + 1)) == -1)
			return -1;
		p += 3;
	}
	if (h > 23 || m > 59 || sec > 59)
		return -1;
	secs = h * 3600 + m * 60 + sec;
	if (*p == '\0') {
		*t = cal_local_to_utc(z, day, secs);
		return 0;
	}
	if (strcmp(p, "Z") == 0)
		off = 0;
	else if ((*p == '+' || *p == '-') &&
	    (oh = webhook_2digits(p + 1)) != -1 && p[3] == ':' &&
	    (om = webhook_2digits(p + 4)) != -1 && p[6] == '\0' &&
	    oh <= 23 && om <= 59)
		off = (*p == '-' ? -1L : 1L) * (oh * 3600L + om * 60L);
	else
		return -1;
	*t = (time_t)day * 86400 + secs - off;
	return 0;
}

void
cmd_webhook_origin(const char *url, char *out, size_t len)
{
	const char	*p, *host, *end, *at;
	size_t		 n;

	/* The scheme: letters, digits, + - . (RFC 3986 3.1), then "://". */
	n = strspn(url, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");
	if (n == 0 || strncmp(url + n, "://", 3) != 0) {
		snprintf(out, len, "…");
		return;
	}
	host = url + n + 3;
	end = host + strcspn(host, "/?#");
	/* User info ends at the authority's last '@'. */
	for (at = NULL, p = host; p < end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL)
		host = at + 1;
	snprintf(out, len, "%.*s://%.*s%s", (int)n, url, (int)(end - host),
	    host, at != NULL || *end != '\0' ? "…" : "");
}

/* ISO 8601 UTC, or "-" for 0. */
static void
webhook_time(time_t t, char *out, size_t len)
{
	struct tm	tm;

	if (t == 0) {
		snprintf(out, len, "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * One tab-separated line: id, origin, enabled|disabled, since (when it
 * was disabled, or since when an enabled one has been failing), last
 * error. Tabs and line ends in the error become spaces.
 */
static void
webhook_line(struct buf *b, const struct conf_webhook *w,
    const struct endpoint_state *es)
{
	char	origin[300], since[32];
	char	*err, *p;

	cmd_webhook_origin(w->url, origin, sizeof origin);
	webhook_time(es->disabled_at != 0 ? es->disabled_at :
	    es->failing_since, since, sizeof since);
	err = xstrdup(es->last_error != NULL ? es->last_error : "-");
	for (p = err; *p != '\0'; p++)
		if (*p == '\t' || *p == '\n' || *p == '\r')
			*p = ' ';
	buf_printf(b, "%s\t%s\t%s\t%s\t%s\n", w->id, origin,
	    es->disabled_at != 0 ? "disabled" : "enabled", since, err);
	free(err);
}

static int
webhook_list(struct koyomi *k)
{
	struct endpoint_state	 es;
	struct buf		 b;
	size_t			 i;
	int			 rv = 0;

	buf_init(&b);
	for (i = 0; i < k->conf->nwebhooks; i++) {
		if (store_endpoint_state(k->store, k->conf->webhooks[i].id,
		    &es) == -1) {
			fprintf(stderr, "koyomi: webhook: cannot read the "
			    "database\n");
			rv = 1;
			break;
		}
		webhook_line(&b, &k->conf->webhooks[i], &es);
		free(es.last_error);
	}
	if (rv == 0 && b.len > 0)
		fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	return rv;
}

/* The endpoint's index in the configuration, or -1 (printed). */
static int
webhook_find(struct koyomi *k, const char *id)
{
	size_t	i;

	for (i = 0; i < k->conf->nwebhooks; i++)
		if (strcmp(k->conf->webhooks[i].id, id) == 0)
			return (int)i;
	fprintf(stderr, "koyomi: webhook: no endpoint '%s' in %s\n", id,
	    k->conf->path);
	return -1;
}

static int
webhook_dberr(struct koyomi *k)
{
	store_rollback(k->store);
	fprintf(stderr, "koyomi: webhook: cannot update the database\n");
	return 1;
}

/*
 * Requeues the endpoint's dead and failed rows: those created since
 * since, or (since -1) those after the last one it accepted. Inside the
 * caller's transaction; the count, or -1.
 */
static int
webhook_requeue(struct koyomi *k, const char *id, time_t since)
{
	int64_t	after = 0;

	if (since == -1) {
		if (store_outbox_last_sent(k->store, "webhook", id, &after) ==
		    -1)
			return -1;
		since = 0;
	}
	return store_outbox_requeue(k->store, "webhook", id, after, since,
	    time(NULL));
}

static int
webhook_enable(struct koyomi *k, const char *id, int replay)
{
	struct endpoint_state	 es;
	char			 since[32];
	int			 r, n = 0;

	if (webhook_find(k, id) == -1)
		return 1;
	/* One transaction: enabled and its backlog queued, or neither. */
	if (store_begin(k->store) == -1)
		return webhook_dberr(k);
	if (store_endpoint_state(k->store, id, &es) == -1)
		return webhook_dberr(k);
	free(es.last_error);
	if ((r = store_endpoint_enable(k->store, id)) == -1 ||
	    (replay && (n = webhook_requeue(k, id, -1)) == -1) ||
	    store_commit(k->store) == -1)
		return webhook_dberr(k);
	webhook_time(es.disabled_at, since, sizeof since);
	if (r == 1)
		printf("%s: enabled (disabled since %s)\n", id, since);
	else
		printf("%s: already enabled\n", id);
	if (replay)
		printf("%s: requeued %d message%s (dead or failed after the "
		    "last one it accepted)\n", id, n, n == 1 ? "" : "s");
	return 0;
}

static int
webhook_replay(struct koyomi *k, const char *id, const char *when)
{
	struct endpoint_state	 es;
	time_t			 since = -1;
	int			 n;

	if (webhook_find(k, id) == -1)
		return 1;
	if (when != NULL) {
		if (cmd_webhook_since(when, k->zone, &since) == -1) {
			fprintf(stderr, "koyomi: webhook: --since '%s': expected "
			    "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] followed by Z "
			    "or +HH:MM (else in %s)\n", when, k->conf->timezone);
			return 1;
		}
		if (since > time(NULL)) {
			fprintf(stderr, "koyomi: webhook: --since '%s' is in "
			    "the future\n", when);
			return 1;
		}
	}
	if (store_begin(k->store) == -1)
		return webhook_dberr(k);
	if (store_endpoint_state(k->store, id, &es) == -1)
		return webhook_dberr(k);
	free(es.last_error);
	if (es.disabled_at != 0) {
		store_rollback(k->store);
		fprintf(stderr, "koyomi: webhook: endpoint '%s' is disabled; "
		    "bring it back and replay with: koyomi webhook enable %s "
		    "--replay\n", id, id);
		return 1;
	}
	if ((n = webhook_requeue(k, id, since)) == -1 ||
	    store_commit(k->store) == -1)
		return webhook_dberr(k);
	printf("%s: requeued %d message%s\n", id, n, n == 1 ? "" : "s");
	return 0;
}

int
cmd_webhook(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "replay", no_argument, NULL, 'r' },
		{ "since", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	struct koyomi	 k;
	const char	*sub, *since = NULL;
	char		**args;
	int		 ch, nargs, replay = 0, rv;

	if (argc < 2)
		return webhook_usage();
	sub = argv[1];
	/* Options after the subcommand, before or after the ID. */
	opterr = 0;
	optind = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			replay = 1;
			break;
		case 's':
			since = optarg;
			break;
		default:
			return webhook_usage();
		}
	}
	args = argv + 1 + optind;
	nargs = argc - 1 - optind;
	if (strcmp(sub, "list") == 0 ? nargs != 0 || replay || since != NULL :
	    strcmp(sub, "enable") == 0 ? nargs != 1 || since != NULL :
	    strcmp(sub, "replay") == 0 ? nargs != 1 || replay : 1)
		return webhook_usage();
	if (cli_open(ctx, &k, 0) == -1)
		return 1;
	if (strcmp(sub, "list") == 0)
		rv = webhook_list(&k);
	else if (strcmp(sub, "enable") == 0)
		rv = webhook_enable(&k, args[0], replay);
	else
		rv = webhook_replay(&k, args[0], since);
	cli_close(&k);
	return rv;
}
