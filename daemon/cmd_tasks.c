/* cmd_tasks.c — placeholder until the module lands; see daemon/cmd.h. */
#include <stdio.h>

#include "daemon/cmd.h"

int
cmd_tasks(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	fprintf(stderr, "koyomi: %s: not implemented yet\n", argv[0]);
	return 2;
}

int
cmd_done(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	fprintf(stderr, "koyomi: %s: not implemented yet\n", argv[0]);
	return 2;
}

int
cmd_reopen(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	fprintf(stderr, "koyomi: %s: not implemented yet\n", argv[0]);
	return 2;
}

int
cmd_waive(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	fprintf(stderr, "koyomi: %s: not implemented yet\n", argv[0]);
	return 2;
}

int
cmd_answer(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	fprintf(stderr, "koyomi: %s: not implemented yet\n", argv[0]);
	return 2;
}

int
cmd_case(struct cmd_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argc;
	fprintf(stderr, "koyomi: %s: not implemented yet\n", argv[0]);
	return 2;
}

