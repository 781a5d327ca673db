/* cmd_plan.c — placeholder until engineer B2's `koyomi plan` lands. */
#include <stdio.h>

#include "daemon/cmd.h"

int
cmd_plan(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	fprintf(stderr, "koyomi: %s: not implemented yet\n", argv[0]);
	return 2;
}
