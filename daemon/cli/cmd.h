/*
 * cmd.h — the command line (design.md §5). main() parses the global
 * options and hands the rest to one command function; each command lives
 * in a daemon/cli/cmd_*.c file of its own. A command returns the process exit
 * status: 0 success, 1 failure (invalid input, unknown object), 2 usage.
 * Commands write results to stdout and diagnostics to stderr.
 */
#ifndef KOYOMI_CMD_H
#define KOYOMI_CMD_H

#include <stddef.h>
#include <time.h>

struct cmd_ctx {
	const char	*conf_path;	/* -c, $KOYOMI_CONFIG or the default */
	int		 conf_explicit;	/* 1 when -c or $KOYOMI_CONFIG named it */
	int		 verbose;
};

struct cmd {
	const char	*name;
	int		(*fn)(struct cmd_ctx *, int, char **);
	const char	*usage;		/* "check [PATH...]" */
	const char	*help;		/* one paragraph */
};

/* argv[0] is the command name; options follow (getopt_long-ready). */
int	cmd_check(struct cmd_ctx *, int, char **);	/* cmd_rules.c */
int	cmd_plan(struct cmd_ctx *, int, char **);	/* cmd_plan.c */
int	cmd_holidays(struct cmd_ctx *, int, char **);	/* cmd_holidays.c */
int	cmd_feed(struct cmd_ctx *, int, char **);	/* cmd_feed.c */
int	cmd_feed_token(struct cmd_ctx *, int, char **);	/* cmd_feed.c */
int	cmd_run(struct cmd_ctx *, int, char **);	/* cmd_run.c */
int	cmd_token(struct cmd_ctx *, int, char **);	/* cmd_admin.c */
int	cmd_backup(struct cmd_ctx *, int, char **);	/* cmd_admin.c */
int	cmd_tasks(struct cmd_ctx *, int, char **);	/* cmd_tasks.c */
int	cmd_done(struct cmd_ctx *, int, char **);	/* cmd_tasks.c */
int	cmd_reopen(struct cmd_ctx *, int, char **);	/* cmd_tasks.c */
int	cmd_waive(struct cmd_ctx *, int, char **);	/* cmd_tasks.c */
int	cmd_track(struct cmd_ctx *, int, char **);	/* cmd_tasks.c */
int	cmd_answer(struct cmd_ctx *, int, char **);	/* cmd_tasks.c */
int	cmd_case(struct cmd_ctx *, int, char **);	/* cmd_case.c */
int	cmd_outbox(struct cmd_ctx *, int, char **);	/* cmd_outbox.c */
int	cmd_inbox(struct cmd_ctx *, int, char **);	/* cmd_inbox.c */
int	cmd_webhook(struct cmd_ctx *, int, char **);	/* cmd_webhook.c */
/*
 * A webhook URL as it may be shown: scheme://host[:port], then "…" when
 * user info, path, query or fragment was left out (they can hold the
 * credential, as in Slack's URLs). Just "…" when url has no scheme.
 */
void	cmd_webhook_origin(const char *url, char *out, size_t len);
/*
 * --since of `koyomi webhook replay`: "YYYY-MM-DD" (midnight in zone),
 * "YYYY-MM-DDTHH:MM[:SS]" (in zone), or the same followed by "Z" or
 * "+HH:MM" / "-HH:MM". 0 and *t, or -1.
 */
struct cal_zone;
int	cmd_webhook_since(const char *s, const struct cal_zone *,
	    time_t *t);

const struct cmd	*cmd_find(const char *);
void			 cmd_usage_all(void);

#endif
