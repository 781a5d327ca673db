/*
 * cmd_run.c — `koyomi run [--print-urls]`: the daemon (server/server.c).
 * The URLs are printed by default when stdout is a terminal.
 */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "daemon/cli/cmd.h"
#include "daemon/server/server.h"

int
cmd_run(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "print-urls", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, urls = isatty(STDOUT_FILENO);

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'p') {
			fprintf(stderr, "usage: koyomi run [--print-urls]\n");
			return 2;
		}
		urls = 1;
	}
	return server_run(ctx->conf_path, urls);
}
