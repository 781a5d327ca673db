/*
 * cmd_tasks.c — `koyomi tasks`, `done`, `reopen`, `waive`, `answer`,
 * `track`
 * (design §5). They open the database directly; the daemon may be
 * running and notices the change (PRAGMA data_version), which stops or
 * restarts reminders at once.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/cmd.h"
#include "daemon/core/conf.h"
#include "daemon/chase/tasks.h"
#include "daemon/chase/tasks_ops.h"

#define TASKS_USAGE "usage: koyomi tasks [--fy Y] [--state open|done|waived|" \
	"overdue|past] [--assignee ORG] [--cycle C] [--all] [--format text|json|csv]\n"

static int
parse_id(const char *s, int64_t *id)
{
	char		*end;
	long long	 v;

	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || v <= 0)
		return -1;
	*id = v;
	return 0;
}

static int
tasks_opts(int argc, char **argv, struct task_filter *f, const char **fmt)
{
	static const struct option opts[] = {
		{ "fy", required_argument, NULL, 'y' },
		{ "state", required_argument, NULL, 's' },
		{ "assignee", required_argument, NULL, 'a' },
		{ "cycle", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "all", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'y':
			f->fy = atoi(optarg);
			if (f->fy < 1900 || f->fy > 2199)
				return -1;
			break;
		case 's':
			if (!task_state_valid(optarg))
				return -1;
			f->state = optarg;
			break;
		case 'a':
			f->assignee = optarg;
			break;
		case 'c':
			f->cycle = optarg;
			break;
		case 'A':
			f->cancelled = 1;
			break;
		case 'f':
			if (strcmp(optarg, "text") != 0 &&
			    strcmp(optarg, "json") != 0 &&
			    strcmp(optarg, "csv") != 0)
				return -1;
			*fmt = optarg;
			break;
		default:
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

int
cmd_tasks(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct task_filter	 f = { 0 };
	struct koyomi		 k;
	struct task		*v;
	struct buf		 b;
	const char		*fmt = "text";
	size_t			 n;

	if (tasks_opts(argc, argv, &f, &fmt) == -1) {
		fputs(TASKS_USAGE, stderr);
		return 2;
	}
	if (cli_open(ctx, &k, 0) == -1)
		return 1;
	f.now = time(NULL);
	if (store_tasks_list(k.store, &f, &v, &n) == -1) {
		cli_close(&k);
		return 1;
	}
	/* The rules say how sure each date is and what moved it; the
	   tasks themselves are the database's, rules or not. */
	if (cli_rules(&k) == 0)
		tasks_note_occs(&k, v, n);
	else
		fprintf(stderr, "koyomi: tasks: without the rules, dates are "
		    "listed without their certainty and closed-day notes\n");
	buf_init(&b);
	if (strcmp(fmt, "json") == 0)
		tasks_render_json(v, n, f.now, &b);
	else if (strcmp(fmt, "csv") == 0)
		tasks_render_csv(v, n, f.now, &b);
	else
		tasks_render_text(v, n, f.now, &b);
	fwrite(b.data != NULL ? b.data : "", 1, b.len, stdout);
	buf_free(&b);
	tasks_free(v, n);
	cli_close(&k);
	return 0;
}

/*
 * The options and operands of done/reopen/waive/answer into c and id;
 * -1 on anything usage should be shown for.
 */
static int
change_args(int argc, char **argv, struct task_change *c, int64_t *id)
{
	static const struct option opts[] = {
		{ "by", required_argument, NULL, 'b' },
		{ "note", required_argument, NULL, 'n' },
		{ "text", required_argument, NULL, 't' },
		{ "answer", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch, need = c->op == TASK_ANSWER ? 2 : 1;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			c->actor.who = optarg;
			break;
		case 'n':
			c->actor.note = optarg;
			break;
		case 't':
			c->text = optarg;
			break;
		case 'a':
			c->answer = optarg;
			break;
		default:
			return -1;
		}
	}
	if (argc - optind != need || parse_id(argv[optind], id) == -1 ||
	    (c->op == TASK_WAIVE && c->actor.note == NULL))
		return -1;
	if (c->op == TASK_ANSWER)
		c->answer = argv[optind + 1];
	return 0;
}

/* Says what became of task id; the exit status. */
static int
change_report(const char *cmd, int64_t id, enum task_result r,
    const char *cause)
{
	switch (r) {
	case TASK_CHANGED:
		printf("task %lld: %s\n", (long long)id, cmd);
		return 0;
	case TASK_UNCHANGED:
		printf("task %lld: unchanged\n", (long long)id);
		return 0;
	case TASK_NOTFOUND:
		fprintf(stderr, "koyomi: %s: no task %lld\n", cmd,
		    (long long)id);
		return 1;
	default:
		fprintf(stderr, "koyomi: %s: task %lld: %s\n", cmd,
		    (long long)id, cause != NULL ? cause : "database error");
		return 1;
	}
}

/* Shared by done/reopen/waive/answer: options, then one change. */
static int
change_cmd(struct cmd_ctx *ctx, int argc, char **argv, enum task_op op,
    const char *usage)
{
	struct task_change	 c = { op, { NULL, VIA_CLI, NULL }, NULL, NULL };
	struct koyomi		 k;
	enum task_result	 r;
	int64_t			 id;
	int			 answered, rv;
	char			*cause = NULL;

	if (change_args(argc, argv, &c, &id) == -1) {
		fprintf(stderr, "usage: koyomi %s\n", usage);
		return 2;
	}
	if (cli_open(ctx, &k, 1) == -1)
		return 1;
	if (cli_templates(&k) == -1) {		/* for the receipt */
		cli_close(&k);
		return 1;
	}
	r = tasks_change(&k, id, &c, time(NULL), &answered, &cause);
	cli_close(&k);
	rv = change_report(argv[0], id, r, cause);
	free(cause);
	return rv;
}

int
cmd_done(struct cmd_ctx *ctx, int argc, char **argv)
{
	return change_cmd(ctx, argc, argv, TASK_DONE,
	    "done TASK [--by WHO] [--note TEXT] [--answer A [--text T]]");
}

int
cmd_reopen(struct cmd_ctx *ctx, int argc, char **argv)
{
	return change_cmd(ctx, argc, argv, TASK_REOPEN,
	    "reopen TASK [--by WHO] [--note TEXT]");
}

int
cmd_waive(struct cmd_ctx *ctx, int argc, char **argv)
{
	return change_cmd(ctx, argc, argv, TASK_WAIVE,
	    "waive TASK --note REASON [--by WHO]");
}

int
cmd_answer(struct cmd_ctx *ctx, int argc, char **argv)
{
	return change_cmd(ctx, argc, argv, TASK_ANSWER,
	    "answer TASK ANSWER [--text T] [--by WHO]");
}

int
cmd_track(struct cmd_ctx *ctx, int argc, char **argv)
{
	return change_cmd(ctx, argc, argv, TASK_TRACK,
	    "track TASK [--by WHO] [--note TEXT]");
}
