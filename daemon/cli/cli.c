/*
 * cli.c — the CLI's database context (cli.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/cli/cli.h"
#include "daemon/core/conf.h"
#include "daemon/store/store.h"
#include "notifier/template.h"

static void
cli_diag(const struct rules_diag *d)
{
	size_t	 i;

	for (i = 0; i < d->n; i++)
		fprintf(stderr, "%s\n", d->msgs[i]);
}

/* Frees the expansion context at cli_close (KY_SHUTDOWN). */
static void
cli_free_ctx(struct koyomi *k, void *arg)
{
	(void)k;
	koyomi_expand_ctx_free(arg);
	free(arg);
}

/*
 * The rules expanded over the daemon's window (koyomi_window), so a
 * command sees the occurrences the daemon chases. The occurrences borrow strings (members built from answers) from the
 * expansion context, so it lives until cli_close.
 */
int
cli_rules(struct koyomi *k)
{
	const char		*paths[1] = { k->conf->rules };
	struct rules_diag	 d;
	struct rules_expand_ctx	*x;
	int			 rc;

	rules_diag_init(&d);
	if ((k->rules = rules_load(paths, 1, &k->conf->closed_days,
	    &d)) == NULL) {
		cli_diag(&d);
		rules_diag_free(&d);
		return -1;
	}
	koyomi_window(koyomi_today(k), &k->occ_from, &k->occ_to);
	x = xcalloc(1, sizeof *x);
	if (koyomi_expand_ctx(k, x) == -1) {
		free(x);
		fprintf(stderr, "koyomi: cannot read cases and answers from "
		    "the database\n");
		return -1;
	}
	koyomi_hook_add(k, KY_SHUTDOWN, cli_free_ctx, x);
	rc = rules_expand(k->rules, k->occ_from, k->occ_to, x, &k->occs, &d);
	if (rc == -1)
		cli_diag(&d);
	rules_diag_free(&d);
	return rc;
}

int
cli_open(struct cmd_ctx *ctx, struct koyomi *k, int with_rules)
{
	struct rules_diag	 d;
	char			*cause = NULL;

	memset(k, 0, sizeof *k);
	rules_diag_init(&d);
	if ((k->conf = conf_load(ctx->conf_path, &d)) == NULL) {
		cli_diag(&d);
		rules_diag_free(&d);
		return -1;
	}
	rules_diag_free(&d);
	if ((k->zone = cal_zone_new(k->conf->timezone, &cause)) == NULL ||
	    (k->store = store_open(k->conf->database, &cause)) == NULL) {
		fprintf(stderr, "koyomi: %s\n", cause != NULL ? cause : "?");
		free(cause);
		cli_close(k);
		return -1;
	}
	k->started = time(NULL);
	if (with_rules && cli_rules(k) == -1) {
		cli_close(k);
		return -1;
	}
	return 0;
}

int
cli_templates(struct koyomi *k)
{
	struct rules_diag	 d;

	rules_diag_init(&d);
	if ((k->tmpl = koyomi_templates_load(k->conf, &d)) == NULL)
		cli_diag(&d);
	rules_diag_free(&d);
	return k->tmpl != NULL ? 0 : -1;
}

void
cli_close(struct koyomi *k)
{
	/* The occurrences borrow from what KY_SHUTDOWN frees: them first. */
	occ_list_free(&k->occs);
	koyomi_hook_run(k, KY_SHUTDOWN);
	koyomi_free(k);
	memset(k, 0, sizeof *k);
}
