/*
 * main.c — koyomi's entry point: global options, then one command.
 * The daemon itself (`koyomi run`) is server_run in daemon/server/server.c;
 * only it creates and runs the event loop.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "calendars/log.h"
#include "daemon/cli/cmd.h"

/* Keep sorted by name: cmd_find uses bsearch. */
static const struct cmd cmds[] = {
	{ "answer", cmd_answer, "answer TASK ANSWER [--text T] [--by WHO]",
	  "Record a survey answer for a task that requires one and mark it done." },
	{ "backup", cmd_backup, "backup FILE",
	  "Online copy of the database with the SQLite backup API; safe while the daemon runs." },
	{ "case", cmd_case, "case add --cycle C --code CODE --start DATE [--org ORG] | case close CODE [--date DATE] | case list",
	  "Register and close cases (pseudonymous codes only) for case-relative items." },
	{ "check", cmd_check, "check [PATH...]",
	  "Parse and validate rule files (default: the configured rules folder) and the configuration; errors as path:line:col." },
	{ "done", cmd_done, "done TASK [--by WHO] [--note TEXT]",
	  "Mark a task done (audited)." },
	{ "feed", cmd_feed, "feed NAME",
	  "Print the bytes of feed NAME exactly as HTTP serves them." },
	{ "feed-token", cmd_feed_token, "feed-token add|rotate|revoke ORG",
	  "Issue, rotate or revoke the private feed token of an organisation or contact; prints the subscription URLs." },
	{ "holidays", cmd_holidays, "holidays [--detail] FROM [TO]",
	  "One line per Japanese national holiday in the years FROM..TO: YYYY-MM-DD<TAB>名称." },
	{ "inbox", cmd_inbox, "inbox [list] [--state S] | inbox address TASK | inbox assign MSG TASK | inbox dismiss MSG | inbox sender add|remove ORG ADDRESS | inbox sender list | inbox failing [clear ADDRESS]",
	  "Replies by mail: the messages read from the inbound mailbox (id, time, state, task, sender, files, subject, reason, and for a reply to a digest the tasks it may be for); the reply address of a task; assign an unmatched one to a task or dismiss it; the addresses allowed to answer for an organisation besides its contacts; the addresses koyomi's mail bounced from." },
	{ "outbox", cmd_outbox, "outbox [--state pending|sending|sent|failed|dead] [--format text|json]",
	  "What was and will be delivered." },
	{ "plan", cmd_plan, "plan [--fy YEAR | --from DATE --to DATE] [--feed NAME] [--format text|json|ics] [--wareki] [--cases] [PATH...]",
	  "The expanded calendar, sorted by date; with a configuration, its closed days and its database's cases too (--wareki: 和暦 dates in the text)." },
	{ "reopen", cmd_reopen, "reopen TASK [--by WHO] [--note TEXT]",
	  "Reopen a done or waived task (audited)." },
	{ "run", cmd_run, "run",
	  "Run the daemon in the foreground, logging to stderr." },
	{ "tasks", cmd_tasks, "tasks [--fy Y] [--state open|done|waived|overdue|past] [--assignee ORG] [--format text|json|csv]",
	  "Tasks and their state from the database." },
	{ "token", cmd_token, "token add --role admin|coordinator|viewer [--cycle C] NAME | token list | token revoke NAME",
	  "API tokens; a new token is printed once and only its hash is stored." },
	{ "track", cmd_track, "track TASK [--by WHO] [--note TEXT]",
	  "Chase a task whose deadline had passed before koyomi knew of it (対象外・過去分), like any other (audited)." },
	{ "waive", cmd_waive, "waive TASK --note REASON [--by WHO]",
	  "Waive a task with a reason (e.g. 参加しない)." },
	{ "webhook", cmd_webhook, "webhook list | webhook enable ID [--replay] | webhook replay ID [--since TIME]",
	  "Webhook endpoints (URL shown as scheme://host only), enabled or disabled, since when, last error; enable one the outbox disabled; requeue its dead or failed messages (same webhook-id), by default those after the last one it accepted." },
};

static int
cmd_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct cmd *)elem)->name);
}

const struct cmd *
cmd_find(const char *name)
{
	return bsearch(name, cmds, sizeof cmds / sizeof cmds[0], sizeof cmds[0], cmd_cmp);
}

void
cmd_usage_all(void)
{
	size_t	 i;

	fprintf(stderr, "usage: koyomi [-v] [-c FILE] COMMAND [OPTIONS]\n");
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(stderr, "       koyomi %s\n", cmds[i].usage);
	fprintf(stderr, "       koyomi --version | help [COMMAND]\n");
}

static int
help(const char *name)
{
	const struct cmd	*c;

	if (name == NULL) {
		cmd_usage_all();
		return 0;
	}
	if ((c = cmd_find(name)) == NULL) {
		fprintf(stderr, "koyomi: unknown command: %s\n", name);
		return 2;
	}
	printf("usage: koyomi %s\n\n%s\n", c->usage, c->help);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_ctx		 ctx = { 0 };
	const struct cmd	*c;
	int			 ch, rc;

	ctx.conf_path = getenv("KOYOMI_CONFIG");
	ctx.conf_explicit = ctx.conf_path != NULL && *ctx.conf_path != '\0';
	if (!ctx.conf_explicit)
		ctx.conf_path = "/etc/koyomi/koyomi.conf";
	/* "+": stop at the command name; its options are its own. */
	while ((ch = getopt_long(argc, argv, "+c:vh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			ctx.conf_path = optarg;
			ctx.conf_explicit = 1;
			break;
		case 'v':
			ctx.verbose++;
			break;
		case 'V':
			printf("koyomi %s\n", KOYOMI_VERSION);
			return 0;
		case 'h':
			return help(NULL);
		default:
			cmd_usage_all();
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		cmd_usage_all();
		return 2;
	}
	log_init(ctx.verbose);
	if (strcmp(argv[0], "help") == 0)
		return help(argc > 1 ? argv[1] : NULL);
	if ((c = cmd_find(argv[0])) == NULL) {
		fprintf(stderr, "koyomi: unknown command: %s\n", argv[0]);
		cmd_usage_all();
		return 2;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init failed");
	optind = 0;	/* reset getopt for the command's own options */
	rc = c->fn(&ctx, argc, argv);
	curl_global_cleanup();
	return rc;
}
