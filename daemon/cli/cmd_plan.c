/*
 * cmd_plan.c — `koyomi plan`: the expanded calendar, sorted by date, as
 * text, one JSON document, or RFC 5545 (the same renderer the feeds use,
 * with SEQUENCE 0 and a fixed DTSTAMP since plan keeps no state).
 * With a configuration (its rules, or -c, or --cases) plan expands like
 * the daemon: the configuration's zone and closed days, and the cases
 * and survey answers of its database when there is one.
 * Exit 0; 1 when the rules have errors (printed as `check` prints them),
 * the feed is unknown or the database cannot be read; 2 on a usage error.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendars/util.h"
#include "daemon/cli/cmd.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/feeds/feeds.h"
#include "daemon/store/store.h"
#include "rules/rules.h"

#define PLAN_USAGE	"usage: koyomi plan [--fy YEAR | --from DATE --to DATE] " \
			"[--feed NAME] [--format text|json|ics] [--wareki] " \
			"[--cases] [PATH...]\n"

static int
plan_this_fy(void)
{
	time_t		 now = time(NULL);
	struct tm	 tm;

	if (localtime_r(&now, &tm) == NULL)
		return 2025;
	return tm.tm_mon + 1 >= 4 ? tm.tm_year + 1900 : tm.tm_year + 1899;
}

/*
 * RFC 5545 through the feed renderer, so plan shows exactly the events a
 * feed would carry (deadlines as 【締切】 and all). No store: SEQUENCE 0
 * and a fixed DTSTAMP that depends on nothing but the rules. Without
 * --feed, a feed that selects everything dated.
 */
static int
plan_ics(const struct rules *r, const struct occ_list *l,
    const struct rules_feed *f, struct buf *out)
{
	struct rules_feed	 all = { 0 };
	struct feeds_input	 in = { 0 };
	char			*cause = NULL, name[] = "koyomi";
	int			 rc;

	if (f == NULL) {
		all.id = all.title = name;
		all.deadlines = 1;
		f = &all;
	}
	in.rules = r;
	in.occs = l;
	in.epoch = 946684800;	/* 2000-01-01T00:00:00Z */
	in.now = in.epoch;
	rc = feeds_render_public(&in, f, out, &cause);
	if (rc == -1) {
		fprintf(stderr, "koyomi: plan: %s\n", cause ? cause : "ics");
		free(cause);
	}
	return rc;
}

/* What to show: the range, the fiscal year (0 with --from/--to), a feed. */
struct plan_opts {
	cal_day		 from, to;
	int		 fy;
	const char	*feed;
	const char	*format;
	int		 wareki;	/* 和暦 dates in the text */
	int		 cases;		/* the database's cases, required */
};

static int
plan_args(int argc, char **argv, struct plan_opts *po)
{
	static const struct option opts[] = {
		{ "fy", required_argument, NULL, 'y' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "feed", required_argument, NULL, 'F' },
		{ "format", required_argument, NULL, 'o' },
		{ "wareki", no_argument, NULL, 'w' },
		{ "cases", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, have_from = 0, have_to = 0;
	char	*end;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'y':
			po->fy = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || po->fy < CAL_MIN_YEAR + 1 ||
			    po->fy >= CAL_MAX_YEAR)
				return -1;
			break;
		case 'f':
			if (cal_parse_iso(optarg, &po->from) == -1)
				return -1;
			have_from = 1;
			break;
		case 't':
			if (cal_parse_iso(optarg, &po->to) == -1)
				return -1;
			have_to = 1;
			break;
		case 'F':
			po->feed = optarg;
			break;
		case 'o':
			po->format = optarg;
			break;
		case 'w':
			po->wareki = 1;
			break;
		case 'c':
			po->cases = 1;
			break;
		default:
			return -1;
		}
	}
	if (have_from != have_to || (po->fy != 0 && have_from))
		return -1;
	if (!have_from) {
		if (po->fy == 0)
			po->fy = plan_this_fy();
		po->from = cal_fy_first(po->fy, 4);
		po->to = cal_fy_last(po->fy, 4);
	}
	if (po->to < po->from || (strcmp(po->format, "text") != 0 &&
	    strcmp(po->format, "json") != 0 && strcmp(po->format, "ics") != 0))
		return -1;
	/* JSON and ICS are for programs: their dates stay ISO. */
	if (po->wareki && strcmp(po->format, "text") != 0)
		return -1;
	return 0;
}

/*
 * --fy Y shows the days of FY Y and also what belongs to FY Y but is
 * dated before it (fy_shift: the January survey that plans the year), so
 * the whole 年度 table reads in one place; --from/--to are plain days.
 */
static int
plan_keep(const struct plan_opts *po, const struct rules *r,
    const struct rules_feed *f, const struct occ *o)
{
	if (f != NULL && !rules_feed_select(r, f, o))
		return 0;
	if (po->fy != 0 && o->adhoc)
		return o->fy == po->fy;
	if (o->adhoc || (o->start <= po->to && o->end >= po->from))
		return 1;
	return po->fy != 0 && o->fy == po->fy;
}

/*
 * The configuration, when plan uses one: to find the rules (no PATH),
 * when -c names it, or for --cases. Then its zone, and its database
 * when the file exists (plan never creates one; --cases requires it).
 * k stays zeroed without a configuration. 0, or -1 (printed).
 */
static int
plan_open(struct cmd_ctx *ctx, const struct plan_opts *po, int npaths,
    struct koyomi *k, struct rules_diag *d)
{
	struct stat	 st;
	char		*cause = NULL;
	int		 exists;

	memset(k, 0, sizeof *k);
	exists = ctx->conf_path != NULL && stat(ctx->conf_path, &st) == 0;
	if (!exists && (ctx->conf_explicit || po->cases)) {
		fprintf(stderr, "koyomi: plan: %s: no such config file%s\n",
		    ctx->conf_path != NULL ? ctx->conf_path : "?",
		    po->cases ? " (--cases reads its database)" : "");
		return -1;
	}
	if (!exists || (npaths > 0 && !ctx->conf_explicit && !po->cases))
		return 0;
	if ((k->conf = conf_load(ctx->conf_path, d)) == NULL)
		return -1;
	if ((k->zone = cal_zone_new(k->conf->timezone, &cause)) == NULL)
		goto fail;
	if (stat(k->conf->database, &st) == -1) {
		if (!po->cases)
			return 0;
		xasprintf(&cause, "%s: no database (--cases reads the cases "
		    "from it)", k->conf->database);
		goto fail;
	}
	if ((k->store = store_open(k->conf->database, &cause)) == NULL)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "koyomi: plan: %s\n", cause != NULL ? cause : "?");
	free(cause);
	return -1;
}

static void
plan_close(struct koyomi *k)
{
	store_close(k->store);
	cal_zone_free(k->zone);
	conf_free(k->conf);
	memset(k, 0, sizeof *k);
}

/* The named files, else the configuration's rules folder, else ./rules. */
static struct rules *
plan_load(const struct koyomi *k, int argc, char **argv, struct rules_diag *d)
{
	const struct cal_closed	*closed = NULL;
	const char		*path = "rules";

	if (k->conf != NULL) {
		closed = &k->conf->closed_days;
		if (k->conf->rules != NULL)
			path = k->conf->rules;
	}
	if (argc > 0)
		return rules_load((const char *const *)argv, (size_t)argc,
		    closed, d);
	return rules_load(&path, 1, closed, d);
}

int
cmd_plan(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct plan_opts	 po = { 0, 0, 0, NULL, "text", 0, 0 };
	struct rules_diag	 d;
	struct koyomi		 k;
	struct rules		*r = NULL;
	struct occ_list		 l = { 0 }, sel = { 0 };
	struct rules_target_list tl = { 0 };
	const struct rules_feed	*f = NULL;
	struct rules_expand_ctx	 x = { 0 };
	struct buf		 out;
	size_t			 i;
	int			 rc = 1;

	if (plan_args(argc, argv, &po) == -1) {
		fputs(PLAN_USAGE, stderr);
		return 2;
	}
	rules_diag_init(&d);
	buf_init(&out);
	if (plan_open(ctx, &po, argc - optind, &k, &d) == -1)
		goto out;
	if ((r = plan_load(&k, argc - optind, argv + optind, &d)) == NULL)
		goto out;
	if (po.feed != NULL && (f = rules_find_feed(r, po.feed)) == NULL) {
		fprintf(stderr, "koyomi: plan: unknown feed '%s'\n", po.feed);
		goto out;
	}
	/* The daemon's context: zone, closed days, cases and answers. */
	if (k.conf != NULL && koyomi_expand_ctx(&k, &x) == -1) {
		fprintf(stderr, "koyomi: plan: cannot read cases and answers "
		    "from the database\n");
		goto out;
	}
	/* Open cases run a year past this: the whole range shows them. */
	x.today = po.from;
	/* A year before --fy: items of the year dated in the one before. */
	if (rules_expand(r, po.fy != 0 ? cal_fy_first(po.fy - 1, 4) :
	    po.from, po.to, &x, &l, &d) == -1)
		goto out;
	/* The selection borrows entries; the list still owns them. */
	sel.v = xcalloc(l.n + 1, sizeof *sel.v);
	for (i = 0; i < l.n; i++)
		if (plan_keep(&po, r, f, &l.v[i]))
			sel.v[sel.n++] = l.v[i];
	/* Targets in the range (not for --feed or ICS: not events). */
	if (f == NULL && strcmp(po.format, "ics") != 0 &&
	    rules_targets(r, po.from, po.to, &x, &tl, &d) == -1)
		goto out;
	if (strcmp(po.format, "json") == 0)
		rules_plan_json_targets(&sel, &tl, &out);
	else if (strcmp(po.format, "ics") == 0) {
		if (plan_ics(r, &sel, f, &out) == -1)
			goto out;
	} else {
		rules_plan_text_opts(r, &sel, po.wareki ? RULES_PLAN_WAREKI : 0,
		    &out);
		rules_targets_text(&tl, &out);
	}
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	rc = 0;
out:
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msgs[i]);
	free(sel.v);
	/* Occurrences borrow from the rules and from x: free them first. */
	occ_list_free(&l);
	rules_target_list_free(&tl);
	koyomi_expand_ctx_free(&x);
	rules_diag_free(&d);
	rules_free(r);
	plan_close(&k);
	buf_free(&out);
	return rc;
}
