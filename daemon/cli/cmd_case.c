/*
 * cmd_case.c — `koyomi case add|close|list` (design §5): pseudonymous
 * cases for case-relative items. Codes only, never names. The daemon
 * re-expands the rules when it notices the change.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/chase/cases.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/cmd.h"

#define CASE_USAGE "usage: koyomi case add --cycle C --code CODE --start DATE " \
	"[--org ORG]\n       koyomi case close CODE [--cycle C] [--date DATE]\n" \
	"       koyomi case list [--format text|json|csv]\n"

struct case_args {
	const char	*cycle, *code, *start, *org, *date, *format;
};

static int
case_opts(int argc, char **argv, struct case_args *a)
{
	static const struct option opts[] = {
		{ "cycle", required_argument, NULL, 'c' },
		{ "code", required_argument, NULL, 'k' },
		{ "start", required_argument, NULL, 's' },
		{ "org", required_argument, NULL, 'o' },
		{ "date", required_argument, NULL, 'd' },
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': a->cycle = optarg; break;
		case 'k': a->code = optarg; break;
		case 's': a->start = optarg; break;
		case 'o': a->org = optarg; break;
		case 'd': a->date = optarg; break;
		case 'f': a->format = optarg; break;
		default: return -1;
		}
	}
	return 0;
}

static int
iso_ok(const char *s)
{
	cal_day	 d;

	return s != NULL && cal_parse_iso(s, &d) == 0;
}

static int
case_add(struct koyomi *k, const struct case_args *a)
{
	char	*why;
	int	 rc;

	if (!case_code_valid(a->code)) {
		fprintf(stderr, "koyomi: case: a code is 1-32 characters of "
		    "A-Z a-z 0-9 . _ - (never a name)\n");
		return 1;
	}
	/* A case of another cycle would be stored and never expand. */
	if ((why = cases_cycle_refusal(k->rules, a->cycle)) != NULL) {
		fprintf(stderr, "koyomi: case add: %s\n", why);
		free(why);
		return 1;
	}
	/* The org receives the case's items: it must be one of the rules'. */
	if (a->org != NULL && k->rules != NULL &&
	    rules_find_org(k->rules, a->org) == NULL) {
		fprintf(stderr, "koyomi: case: unknown organisation %s\n",
		    a->org);
		return 1;
	}
	rc = store_case_add(k->store, a->cycle, a->code, a->org, a->start,
	    time(NULL));
	if (rc == 1)
		fprintf(stderr, "koyomi: case: %s already exists in %s\n",
		    a->code, a->cycle);
	return rc == 0 ? 0 : 1;
}

static int
case_close(struct koyomi *k, const struct case_args *a, const char *code)
{
	static const char *const why[] = { NULL, "no such case",
		"the code is in several cycles: give --cycle",
		"the case is already closed" };
	char	 today[11];
	int	 rc;

	cal_format_iso(today, koyomi_today(k));
	rc = store_case_close(k->store, a->cycle, code,
	    a->date != NULL ? a->date : today);
	if (rc > 0)
		fprintf(stderr, "koyomi: case close %s: %s\n", code, why[rc]);
	return rc == 0 ? 0 : 1;
}

static int
case_list(struct koyomi *k, const struct case_args *a)
{
	struct case_row	*v;
	struct buf	 b;
	size_t		 n;

	if (store_cases_list(k->store, &v, &n) == -1)
		return 1;
	buf_init(&b);
	if (a->format != NULL && strcmp(a->format, "json") == 0)
		cases_render_json(v, n, &b);
	else if (a->format != NULL && strcmp(a->format, "csv") == 0)
		cases_render_csv(v, n, &b);
	else
		cases_render_text(v, n, &b);
	fwrite(b.data != NULL ? b.data : "", 1, b.len, stdout);
	buf_free(&b);
	case_rows_free(v, n);
	return 0;
}

int
cmd_case(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct case_args	 a = { 0 };
	struct koyomi		 k;
	const char		*sub;
	int			 rc;

	if (argc < 2)
		goto usage;
	sub = argv[1];
	/* Parse from the subcommand on, as if it were the program name. */
	argc--;
	argv++;
	optind = 0;
	if (case_opts(argc, argv, &a) == -1)
		goto usage;
	if (strcmp(sub, "add") == 0 ? (optind != argc || a.cycle == NULL ||
	    a.code == NULL || !iso_ok(a.start)) :
	    strcmp(sub, "close") == 0 ? (optind != argc - 1 ||
	    (a.date != NULL && !iso_ok(a.date))) :
	    strcmp(sub, "list") == 0 ? optind != argc : 1)
		goto usage;
	if (cli_open(ctx, &k, strcmp(sub, "add") == 0) == -1)
		return 1;
	if (strcmp(sub, "add") == 0)
		rc = case_add(&k, &a);
	else if (strcmp(sub, "close") == 0)
		rc = case_close(&k, &a, argv[argc - 1]);
	else
		rc = case_list(&k, &a);
	cli_close(&k);
	return rc;
usage:
	fputs(CASE_USAGE, stderr);
	return 2;
}
