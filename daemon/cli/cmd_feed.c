/*
 * cmd_feed.c — `koyomi feed NAME` and `koyomi feed-token add|rotate|revoke
 * ORG` (design §5).
 *
 * `feed` goes the daemon's way: load the rules, expand the feed window,
 * reconcile event_revisions in the database, build with feeds.c and print
 * the cached bytes, so its output is exactly what GET /feeds/NAME.ics
 * serves for the same rules and database. Because the revisions are
 * persisted, running it twice prints the same bytes twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendars/log.h"
#include "daemon/cli/cmd.h"
#include "daemon/core/conf.h"
#include "daemon/feeds/feeds.h"
#include "daemon/feeds/feedtoken.h"
#include "daemon/core/koyomi.h"
#include "daemon/store/store.h"

/* What a CLI run of the feed code needs from the daemon's context. */
struct feed_cli {
	struct koyomi		 k;
	struct rules_diag	 d;
};

static void
feed_cli_free(struct feed_cli *c)
{
	size_t	i;

	for (i = 0; i < c->d.n; i++)
		fprintf(stderr, "%s\n", c->d.msgs[i]);
	rules_diag_free(&c->d);
	feeds_free(c->k.feeds);
	koyomi_free(&c->k);
}

/* Config, rules, database; expand = also expand the feed window. */
static int
feed_cli_open(struct cmd_ctx *ctx, struct feed_cli *c, int expand)
{
	struct rules_expand_ctx	 x;
	const char		*path;
	char			*cause = NULL;
	int			 rc;

	memset(c, 0, sizeof(*c));
	rules_diag_init(&c->d);
	if ((c->k.conf = conf_load(ctx->conf_path, &c->d)) == NULL)
		return -1;
	path = c->k.conf->rules;
	if ((c->k.rules = rules_load(&path, 1, &c->k.conf->closed_days,
	    &c->d)) == NULL)
		return -1;
	if ((c->k.zone = cal_zone_new(c->k.conf->timezone != NULL ?
	    c->k.conf->timezone : "Asia/Tokyo", &cause)) == NULL ||
	    (c->k.store = store_open(c->k.conf->database, &cause)) == NULL) {
		fprintf(stderr, "koyomi: %s\n", cause != NULL ? cause : "?");
		free(cause);
		return -1;
	}
	c->k.started = time(NULL);
	if (!expand)
		return 0;
	/* The daemon's expansion: same window, same cases and answers. */
	if (koyomi_expand_ctx(&c->k, &x) == -1) {
		fprintf(stderr, "koyomi: feed: cannot read cases and answers "
		    "from the database\n");
		return -1;
	}
	feeds_window(x.today, &c->k.occ_from, &c->k.occ_to);
	rc = rules_expand(c->k.rules, c->k.occ_from, c->k.occ_to, &x,
	    &c->k.occs, &c->d);
	koyomi_expand_ctx_free(&x);
	c->k.feeds = feeds_new(&c->k);
	return rc;
}

int
cmd_feed(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct feed_cli		 c;
	struct feed_entry	*e;
	int			 rc = 1;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: koyomi feed NAME\n");
		return 2;
	}
	if (feed_cli_open(ctx, &c, 0) == -1)
		goto out;
	/* Unknown before anything is written to the database. */
	if (rules_find_feed(c.k.rules, argv[1]) == NULL) {
		fprintf(stderr, "koyomi: feed: unknown feed '%s'\n", argv[1]);
		goto out;
	}
	feed_cli_free(&c);
	if (feed_cli_open(ctx, &c, 1) == -1 || feeds_rebuild(&c.k) == -1)
		goto out;
	if ((e = feeds_public(&c.k, argv[1])) == NULL) {
		fprintf(stderr, "koyomi: feed: %s could not be built\n",
		    argv[1]);
		goto out;
	}
	if (fwrite(e->body, 1, e->len, stdout) != e->len ||
	    fflush(stdout) != 0) {
		log_warn("feed: stdout");
		goto out;
	}
	rc = 0;
out:
	feed_cli_free(&c);
	return rc;
}

/* Prints the subscription address in its webcal: and base_url forms. */
static void
feed_token_print(const struct conf *conf, const char *tok)
{
	const char	*base = conf->base_url != NULL ? conf->base_url :
			    "http://127.0.0.1:8080";
	const char	*rest = strstr(base, "://");
	size_t		 n = strlen(base);

	rest = rest != NULL ? rest + 3 : base;
	while (n > 0 && base[n - 1] == '/')
		n--;
	printf("webcal://%.*s/feeds/private/%s.ics\n",
	    (int)(n - (size_t)(rest - base)), rest, tok);
	printf("%.*s/feeds/private/%s.ics\n", (int)n, base, tok);
}

int
cmd_feed_token(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct feed_cli	 c;
	const char	*op, *owner;
	char		 tok[FEEDTOKEN_LEN + 1], hash[FEEDTOKEN_HASH + 1];
	int		 rc = 1, r;

	if (argc != 3 || (strcmp(argv[1], "add") != 0 &&
	    strcmp(argv[1], "rotate") != 0 && strcmp(argv[1], "revoke") != 0)) {
		fprintf(stderr, "usage: koyomi feed-token add|rotate|revoke "
		    "ORG\n");
		return 2;
	}
	op = argv[1];
	owner = argv[2];
	if (feed_cli_open(ctx, &c, 0) == -1)
		goto out;
	if (rules_find_org(c.k.rules, owner) == NULL &&
	    rules_find_contact(c.k.rules, owner) == NULL) {
		fprintf(stderr, "koyomi: feed-token: unknown organisation or "
		    "contact '%s'\n", owner);
		goto out;
	}
	if (strcmp(op, "revoke") == 0)
		r = store_feedtoken_revoke(c.k.store, owner);
	else if (feedtoken_new(tok, hash) == -1)
		goto out;
	else if (strcmp(op, "add") == 0)
		r = store_feedtoken_add(c.k.store, owner, hash, time(NULL));
	else
		r = store_feedtoken_rotate(c.k.store, owner, hash, time(NULL));
	if (r == 1)
		fprintf(stderr, "koyomi: feed-token: %s %s\n", owner,
		    strcmp(op, "add") == 0 ? "already has a token (rotate "
		    "replaces it)" : "has no token");
	if (r != 0)
		goto out;
	if (strcmp(op, "revoke") != 0)
		feed_token_print(c.k.conf, tok);
	rc = 0;
out:
	explicit_bzero(tok, sizeof(tok));
	feed_cli_free(&c);
	return rc;
}
