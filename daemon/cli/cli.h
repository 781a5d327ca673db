/*
 * cli.h — a short-lived context for CLI commands that work on the
 * database while the daemon may be running (cli.c): the config, the
 * store (WAL and short transactions make two writers safe; the daemon
 * notices through PRAGMA data_version), the zone and, when asked, the
 * rules expanded like the daemon does, so answers can be checked and
 * receipts addressed, and the mail templates to write them with. It fills a struct koyomi without a loop, HTTP,
 * outbox dispatcher or reminder engine.
 */
#ifndef KOYOMI_CLI_H
#define KOYOMI_CLI_H

#include "daemon/cli/cmd.h"
#include "daemon/core/koyomi.h"

/* Opens conf, store, zone (and rules if with_rules). 0, or -1 (printed). */
int	cli_open(struct cmd_ctx *, struct koyomi *, int with_rules);
/*
 * Reads and checks the mail templates, for a command that may queue mail
 * (freed by cli_close). 0, or -1 (the problems printed).
 */
int	cli_templates(struct koyomi *);
/*
 * The rules part of cli_open, for a command that can do without them:
 * loads and expands the configured rules into k. 0, or -1 (printed).
 */
int	cli_rules(struct koyomi *);
void	cli_close(struct koyomi *);

#endif
