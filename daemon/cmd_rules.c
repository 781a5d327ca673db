/* cmd_rules.c — placeholder until the module lands; see daemon/cmd.h. */
#include <stdio.h>

#include "daemon/cmd.h"

int
cmd_check(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	fprintf(stderr, "koyomi: %s: not implemented yet\n", argv[0]);
	return 2;
}
