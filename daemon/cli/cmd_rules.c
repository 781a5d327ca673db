/*
 * cmd_rules.c — `koyomi check [PATH...]`: the daemon's own parser and
 * validator run on the rule files (our `smtpd -n`), every mistake listed
 * in file order, exit 0 valid / 1 invalid / 2 usage. Paths print as given,
 * so relative stays relative and an editor can jump to path:line:col.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/cli/cmd.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "notifier/template.h"
#include "rules/rules.h"

#define CHECK_MAX_FY_SPAN	50	/* years expanded as a sanity check */

static void
check_print(const struct rules_diag *d)
{
	size_t	i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->msgs[i]);
}

/* The fiscal year (April start) of the local date today. */
static int
check_this_fy(void)
{
	time_t		now = time(NULL);
	struct tm	tm;

	if (localtime_r(&now, &tm) == NULL)
		return 2025;
	return tm.tm_mon + 1 >= 4 ? tm.tm_year + 1900 : tm.tm_year + 1899;
}

/*
 * Expands every cycle over its fiscal years (this FY ±1 where unbounded)
 * so date mistakes only the expander can see (a relative date that falls
 * nowhere, a month-day that does not exist in some year) show up here
 * rather than in the running daemon.
 */
static void
check_expand(const struct rules *r, const struct cal_closed *closed,
    struct rules_diag *d)
{
	struct rules_expand_ctx	 ctx;
	struct occ_list		 occ = { NULL, 0 };
	struct rules_target_list tl = { NULL, 0 };
	size_t			 i;
	int			 fy = check_this_fy(), lo = fy + 1, hi = fy - 1;

	for (i = 0; i < r->ncycles; i++) {
		int a = r->cycles[i].from_fy ? r->cycles[i].from_fy : fy - 1;
		int b = r->cycles[i].until_fy ? r->cycles[i].until_fy : fy + 1;

		if (a < lo)
			lo = a;
		if (b > hi)
			hi = b;
	}
	if (lo > hi)
		return;
	if (hi - lo > CHECK_MAX_FY_SPAN)
		lo = hi - CHECK_MAX_FY_SPAN;
	memset(&ctx, 0, sizeof ctx);
	ctx.today = cal_from_ymd(fy, 4, 1);
	ctx.closed = closed;
	/* From January of the first FY: fy_start may be any month. */
	if (rules_expand(r, cal_from_ymd(lo, 1, 1),
	    cal_from_ymd(hi + 1, 12, 31), &ctx, &occ, d) == 0 &&
	    rules_targets(r, cal_fy_first(lo, 4), cal_fy_last(hi, 4), &ctx,
	    &tl, d) == 0)	/* what the rules schedule vs. each `min` */
		rules_targets_check(r, &tl, d);
	occ_list_free(&occ);
	rules_target_list_free(&tl);
}

/*
 * The mail templates as the daemon loads them (overrides named by the
 * config, built-in texts): a variable a kind lacks is an error.
 */
static void
check_templates(const struct conf *conf, struct rules_diag *d)
{
	template_free(koyomi_templates_load(conf, d));
}

/* Which rules to read when no PATH is given: the config's, or ./rules. */
static int
check_default_paths(struct cmd_ctx *ctx, struct rules_diag *d,
    struct conf **confp, const char **path)
{
	struct stat	st;

	*confp = NULL;
	*path = "rules";
	if (ctx->conf_path == NULL || stat(ctx->conf_path, &st) == -1) {
		if (ctx->conf_explicit) {
			fprintf(stderr, "koyomi: check: %s: no such config "
			    "file\n", ctx->conf_path);
			return -1;
		}
		return 0;
	}
	if ((*confp = conf_load(ctx->conf_path, d)) == NULL)
		return -1;
	if ((*confp)->rules != NULL)
		*path = (*confp)->rules;
	return 0;
}

int
cmd_check(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct rules_diag	 d;
	struct rules		*r = NULL;
	struct conf		*conf = NULL;
	const struct cal_closed	*closed = NULL;
	const char		*def;
	char			 sum[256];
	int			 ch, rc = 1;

	opterr = 0;	/* one message of our own instead of getopt's */
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'h') {
			printf("usage: koyomi check [PATH...]\n");
			return 0;
		}
		fprintf(stderr, "koyomi: check: unknown option '%s'\n"
		    "usage: koyomi check [PATH...]\n", argv[optind - 1]);
		return 2;
	}
	argc -= optind;
	argv += optind;
	rules_diag_init(&d);
	if (argc == 0) {
		if (check_default_paths(ctx, &d, &conf, &def) == -1)
			goto out;
		if (conf != NULL)
			closed = &conf->closed_days;
		r = rules_load(&def, 1, closed, &d);
	} else {
		/* Rule files named: the config too, when -c names one. */
		if (ctx->conf_explicit &&
		    (conf = conf_load(ctx->conf_path, &d)) == NULL)
			goto out;
		if (conf != NULL)
			closed = &conf->closed_days;
		r = rules_load((const char *const *)argv, (size_t)argc, closed,
		    &d);
	}
	if (r != NULL)
		check_expand(r, closed, &d);
	if (conf != NULL)
		check_templates(conf, &d);
	if (r != NULL && d.nerrors == 0) {
		rules_summary(r, sum, sizeof sum);
		printf("ok: %s, %zu warning%s\n", sum, d.nwarnings,
		    d.nwarnings == 1 ? "" : "s");
		rc = 0;
	}
out:
	check_print(&d);
	rules_diag_free(&d);
	rules_free(r);
	conf_free(conf);
	return rc;
}
