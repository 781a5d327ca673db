/*
 * cmd_plan.c — `koyomi plan`: the expanded calendar, sorted by date, as
 * text, one JSON document, or RFC 5545 (the same renderer the feeds use,
 * with SEQUENCE 0 and a fixed DTSTAMP since plan has no store).
 */
#include <sys/stat.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendars/ics.h"
#include "calendars/util.h"
#include "daemon/cmd.h"
#include "daemon/conf.h"
#include "rules/rules.h"

#define PLAN_USAGE	"usage: koyomi plan [--fy YEAR | --from DATE --to DATE] " \
			"[--feed NAME] [--format text|json|ics] [PATH...]\n"

static int
plan_this_fy(void)
{
	time_t		 now = time(NULL);
	struct tm	 tm;

	if (localtime_r(&now, &tm) == NULL)
		return 2025;
	return tm.tm_mon + 1 >= 4 ? tm.tm_year + 1900 : tm.tm_year + 1899;
}

static const char *
kind_category(enum rules_kind k)
{
	return rules_kind_ja(k);
}

/* Occurrences → ICS events; strings borrow from the list. */
static int
plan_ics(const struct occ_list *l, const char *name, struct buf *out)
{
	struct ics_calendar	 cal = { name, "Asia/Tokyo", "PT6H", NULL };
	struct ics_event	*ev;
	size_t			 i, n = 0;
	char			*cause = NULL;
	int			 rc;

	ev = xcalloc(l->n + 1, sizeof *ev);
	for (i = 0; i < l->n; i++) {
		const struct occ *o = &l->v[i];

		if (o->adhoc)
			continue;
		ev[n].uid = o->uid;
		ev[n].sequence = 0;
		ev[n].dtstamp = 946684800;	/* 2000-01-01T00:00:00Z */
		ev[n].summary = o->title;
		ev[n].description = o->description;
		ev[n].location = o->location;
		ev[n].categories = kind_category(o->kind);
		ev[n].status = o->status == OCC_CANCELLED ? ICS_CANCELLED :
		    o->status == OCC_TENTATIVE ? ICS_TENTATIVE : ICS_CONFIRMED;
		ev[n].allday = o->start_secs < 0;
		ev[n].start = o->start;
		ev[n].end = o->end;
		ev[n].start_secs = o->start_secs;
		ev[n].end_secs = o->end_secs >= 0 ? o->end_secs : o->start_secs;
		n++;
	}
	rc = ics_render(&cal, ev, n, out, &cause);
	if (rc == -1) {
		fprintf(stderr, "koyomi: plan: %s\n", cause ? cause : "ics");
		free(cause);
	}
	free(ev);
	return rc;
}

static int
plan_args(int argc, char **argv, cal_day *from, cal_day *to,
    const char **feed, const char **format)
{
	static const struct option opts[] = {
		{ "fy", required_argument, NULL, 'y' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "feed", required_argument, NULL, 'F' },
		{ "format", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, fy = 0, have_from = 0, have_to = 0;
	char	*end;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'y':
			fy = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || fy < CAL_MIN_YEAR ||
			    fy >= CAL_MAX_YEAR)
				return -1;
			break;
		case 'f':
			if (cal_parse_iso(optarg, from) == -1)
				return -1;
			have_from = 1;
			break;
		case 't':
			if (cal_parse_iso(optarg, to) == -1)
				return -1;
			have_to = 1;
			break;
		case 'F':
			*feed = optarg;
			break;
		case 'o':
			*format = optarg;
			break;
		default:
			return -1;
		}
	}
	if (have_from != have_to || (fy != 0 && have_from))
		return -1;
	if (!have_from) {
		if (fy == 0)
			fy = plan_this_fy();
		*from = cal_fy_first(fy, 4);
		*to = cal_fy_last(fy, 4);
	}
	if (*to < *from || (strcmp(*format, "text") != 0 &&
	    strcmp(*format, "json") != 0 && strcmp(*format, "ics") != 0))
		return -1;
	return 0;
}

/* The rules folder of the config (if there is one), else ./rules. */
static struct rules *
plan_load(struct cmd_ctx *ctx, int argc, char **argv, struct rules_diag *d)
{
	struct stat	 st;
	struct conf	*conf = NULL;
	struct rules	*r;
	const char	*path = "rules";

	if (argc > 0)
		return rules_load((const char *const *)argv, (size_t)argc, d);
	if (ctx->conf_path != NULL && stat(ctx->conf_path, &st) == 0) {
		if ((conf = conf_load(ctx->conf_path, d)) == NULL)
			return NULL;
		if (conf->rules != NULL)
			path = conf->rules;
	}
	r = rules_load(&path, 1, d);
	conf_free(conf);
	return r;
}

int
cmd_plan(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct rules_diag	 d;
	struct rules		*r;
	struct occ_list		 l = { 0 }, sel = { 0 };
	const struct rules_feed	*f = NULL;
	struct rules_expand_ctx	 x = { 0 };
	struct buf		 out;
	const char		*feed = NULL, *format = "text";
	cal_day			 from = 0, to = 0;
	size_t			 i;
	int			 rc = 1;

	if (plan_args(argc, argv, &from, &to, &feed, &format) == -1) {
		fputs(PLAN_USAGE, stderr);
		return 2;
	}
	rules_diag_init(&d);
	buf_init(&out);
	if ((r = plan_load(ctx, argc - optind, argv + optind, &d)) == NULL)
		goto out;
	if (feed != NULL && (f = rules_find_feed(r, feed)) == NULL) {
		fprintf(stderr, "koyomi: plan: unknown feed '%s'\n", feed);
		goto out;
	}
	x.today = from;
	if (rules_expand(r, from, to, &x, &l, &d) == -1)
		goto out;
	sel.v = l.v;
	sel.n = l.n;
	if (f != NULL) {
		/* Filter in place: the list still owns every entry. */
		struct occ	*keep = xcalloc(l.n + 1, sizeof *keep);

		for (i = 0, sel.n = 0; i < l.n; i++)
			if (rules_feed_select(r, f, &l.v[i]))
				keep[sel.n++] = l.v[i];
		sel.v = keep;
	}
	if (strcmp(format, "json") == 0)
		rules_plan_json(&sel, &out);
	else if (strcmp(format, "ics") == 0) {
		if (plan_ics(&sel, f != NULL ? f->title : "koyomi", &out) == -1)
			goto out;
	} else
		rules_plan_text(&sel, &out);
	fwrite(out.data ? out.data : "", 1, out.len, stdout);
	rc = 0;
out:
	for (i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msgs[i]);
	if (sel.v != l.v)
		free(sel.v);
	occ_list_free(&l);
	rules_diag_free(&d);
	rules_free(r);
	buf_free(&out);
	return rc;
}
