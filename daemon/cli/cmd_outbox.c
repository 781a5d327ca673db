/*
 * cmd_outbox.c — `koyomi outbox [--state S] [--limit N] [--format
 * text|json]`: what was and will be delivered (design.md §5), read from
 * the database the daemon writes. Bodies are never printed: they carry
 * completion links.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/cmd.h"
#include "daemon/core/koyomi.h"
#include "daemon/outbox/outbox.h"
#include "daemon/store/store_outbox.h"

static int
outbox_usage(void)
{
	fprintf(stderr, "usage: koyomi outbox [--state pending|sending|sent|"
	    "failed|dead] [--limit N] [--format text|json]\n");
	return 2;
}

struct outbox_args {
	const char	*state;		/* NULL: every state */
	const char	*format;	/* "text" or "json" */
	long		 limit;		/* 0: no limit */
};

/* The options; -1 on anything usage should be shown for. */
static int
outbox_args(int argc, char **argv, struct outbox_args *a)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "limit", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	char	*end;
	int	 c;

	a->state = NULL;
	a->format = "text";
	a->limit = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			a->state = optarg;
			if (outbox_state_from_name(a->state) == -1)
				return -1;
			break;
		case 'f':
			a->format = optarg;
			if (strcmp(a->format, "text") != 0 &&
			    strcmp(a->format, "json") != 0)
				return -1;
			break;
		case 'n':
			a->limit = strtol(optarg, &end, 10);
			if (*end != '\0' || a->limit < 0)
				return -1;
			break;
		default:
			return -1;
		}
	}
	return optind != argc ? -1 : 0;
}

int
cmd_outbox(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct outbox_args	 a;
	struct outbox_row	*rows = NULL;
	long long		 counts[OUTBOX_NSTATES];
	struct koyomi		 k;
	struct buf		 b;
	size_t			 n = 0;
	int			 rv = 1;

	if (outbox_args(argc, argv, &a) == -1)
		return outbox_usage();
	buf_init(&b);
	memset(&k, 0, sizeof k);
	if (cli_open(ctx, &k, 0) == -1) {
		buf_free(&b);
		return 1;
	}
	if (store_outbox_list(k.store, a.state, (size_t)a.limit, &rows,
	    &n) == -1 || store_outbox_counts(k.store, counts) == -1) {
		fprintf(stderr, "koyomi: cannot read the outbox\n");
		goto out;
	}
	if (strcmp(a.format, "json") == 0)
		outbox_view_json(&b, rows, n, counts);
	else
		outbox_view_text(&b, rows, n);
	if (b.len > 0)
		fwrite(b.data, 1, b.len, stdout);
	rv = 0;
out:
	outbox_rows_free(rows, n);
	buf_free(&b);
	cli_close(&k);
	return rv;
}
