/*
 * cmd_webhook.c — `koyomi webhook list` and `koyomi webhook enable ID`:
 * the health of the configured webhook endpoints, and the way back for
 * one the outbox disabled after it failed for 5 days or answered 410
 * (design §8).
 *
 * Both work beside a running daemon: the state lives in the endpoints
 * table, which the daemon reads at every enqueue, so an endpoint enabled
 * here gets the next event. Messages dropped while it was disabled stay
 * dead (`koyomi outbox --state dead`); nothing is replayed.
 *
 * URLs are never printed whole: a Slack-style URL carries its credential
 * in the path, and user info is a password. Only scheme://host[:port]
 * is shown, followed by "…" when something was left out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendars/util.h"
#include "daemon/cli.h"
#include "daemon/cmd.h"
#include "daemon/conf.h"
#include "daemon/koyomi.h"
#include "daemon/store_outbox.h"

static int
webhook_usage(void)
{
	fprintf(stderr, "usage: koyomi webhook list | koyomi webhook enable "
	    "ID\n");
	return 2;
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

static int
webhook_enable(struct koyomi *k, const char *id)
{
	struct endpoint_state	 es;
	char			 since[32];
	size_t			 i;
	int			 r;

	for (i = 0; i < k->conf->nwebhooks; i++)
		if (strcmp(k->conf->webhooks[i].id, id) == 0)
			break;
	if (i == k->conf->nwebhooks) {
		fprintf(stderr, "koyomi: webhook: no endpoint '%s' in %s\n", id,
		    k->conf->path);
		return 1;
	}
	if (store_endpoint_state(k->store, id, &es) == -1 ||
	    (r = store_endpoint_enable(k->store, id)) == -1) {
		fprintf(stderr, "koyomi: webhook: cannot update the database\n");
		return 1;
	}
	free(es.last_error);
	webhook_time(es.disabled_at, since, sizeof since);
	if (r == 1)
		printf("%s: enabled (disabled since %s)\n", id, since);
	else
		printf("%s: already enabled\n", id);
	return 0;
}

int
cmd_webhook(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct koyomi	k;
	int		rv;

	if (argc == 2 && strcmp(argv[1], "list") == 0)
		;
	else if (argc != 3 || strcmp(argv[1], "enable") != 0)
		return webhook_usage();
	if (cli_open(ctx, &k, 0) == -1)
		return 1;
	rv = argc == 2 ? webhook_list(&k) : webhook_enable(&k, argv[2]);
	cli_close(&k);
	return rv;
}
