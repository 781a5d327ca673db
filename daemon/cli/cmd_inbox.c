/*
 * cmd_inbox.c — `koyomi inbox`: what the inbound mailbox brought
 * (daemon/inbox/), the addresses an administrator lets answer for an
 * organisation besides its directory contacts, the addresses our mail
 * bounced from, the reply address of a task, and the coordinators'
 * decisions from the command line.
 * The daemon notices every change (data_version).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendars/util.h"
#include "daemon/cli/cli.h"
#include "daemon/core/conf.h"
#include "daemon/core/links.h"
#include "daemon/cli/cmd.h"
#include "daemon/inbox/inbox.h"
#include "daemon/inbox/inbox_match.h"
#include "daemon/store/store_inbox.h"

#define INBOX_USAGE \
	"usage: koyomi inbox [list] [--state STATE]\n" \
	"       koyomi inbox address TASK\n" \
	"       koyomi inbox assign MESSAGE TASK [--by WHO]\n" \
	"       koyomi inbox dismiss MESSAGE [--by WHO]\n" \
	"       koyomi inbox sender add|remove ORG ADDRESS [--by WHO]\n" \
	"       koyomi inbox sender list\n" \
	"       koyomi inbox failing [clear ADDRESS]\n"

static void
iso(time_t t, char *s, size_t len)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(s, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *
or_dash(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
}

/* One line per message, tab-separated. */
static int
inbox_list(struct koyomi *k, const char *state)
{
	static const char *const all[] = { "applied", "received", "unmatched",
		"auto", "bounce", "duplicate", "assigned", "dismissed" };
	struct inbox_row	*v;
	const char		*one[1] = { state };
	size_t			 n, i;
	char			 at[32];

	if (store_inbox_list(k->store, state != NULL ? one : all,
	    state != NULL ? 1 : nitems(all), 1000, &v, &n) == -1)
		return 1;
	for (i = 0; i < n; i++) {
		iso(v[i].received, at, sizeof at);
		printf("%lld\t%s\t%s\t%lld\t%s\t%zu\t%s\t%s\t%s\n",
		    (long long)v[i].id, at, v[i].state, (long long)v[i].task,
		    or_dash(v[i].sender), v[i].nfiles, or_dash(v[i].subject),
		    or_dash(v[i].reason), or_dash(v[i].candidates));
	}
	inbox_rows_free(v, n);
	return 0;
}

static int
sender_cmd(struct koyomi *k, const char *sub, int argc, char **argv,
    const char *by)
{
	struct inbox_sender	*v;
	char			*addr, at[32];
	size_t			 n, i;
	int			 rc;

	if (strcmp(sub, "list") == 0) {
		if (store_inbox_senders(k->store, &v, &n) == -1)
			return 1;
		for (i = 0; i < n; i++) {
			iso(v[i].added, at, sizeof at);
			printf("%s\t%s\t%s\t%s\n", v[i].org, v[i].address, at,
			    or_dash(v[i].by));
		}
		inbox_senders_free(v, n);
		return 0;
	}
	if (argc != 2)
		return 2;
	if (k->rules != NULL && rules_find_org(k->rules, argv[0]) == NULL &&
	    rules_find_contact(k->rules, argv[0]) == NULL) {
		fprintf(stderr, "koyomi: inbox: unknown organisation %s\n",
		    argv[0]);
		return 1;
	}
	if (strchr(argv[1], '@') == NULL || strpbrk(argv[1], " <>") != NULL) {
		fprintf(stderr, "koyomi: inbox: %s is not an address\n",
		    argv[1]);
		return 1;
	}
	addr = inbox_lower(xstrdup(argv[1]));
	if (strcmp(sub, "add") == 0)
		rc = store_inbox_sender_add(k->store, argv[0], addr, by,
		    time(NULL));
	else
		rc = store_inbox_sender_remove(k->store, argv[0], addr);
	if (rc == 1)
		fprintf(stderr, "koyomi: inbox: %s %s for %s\n", addr,
		    strcmp(sub, "add") == 0 ? "is already allowed" :
		    "was not allowed", argv[0]);
	else if (rc == 0)
		printf("%s: %s %s\n", argv[0], addr, strcmp(sub, "add") == 0 ?
		    "allowed" : "removed");
	free(addr);
	return rc == 0 ? 0 : 1;
}

static int
failing_cmd(struct koyomi *k, int argc, char **argv)
{
	struct mail_failure	*v;
	char			*addr, at[32];
	size_t			 n, i;
	int			 rc;

	if (argc == 0) {
		if (store_mail_failures(k->store, &v, &n) == -1)
			return 1;
		for (i = 0; i < n; i++) {
			iso(v[i].last, at, sizeof at);
			printf("%s\t%s\t%d\t%s\n", v[i].address, at, v[i].count,
			    or_dash(v[i].error));
		}
		mail_failures_free(v, n);
		return 0;
	}
	if (argc != 2 || strcmp(argv[0], "clear") != 0)
		return 2;
	addr = inbox_lower(xstrdup(argv[1]));
	rc = store_mail_failure_clear(k->store, addr);
	if (rc == 1)
		fprintf(stderr, "koyomi: inbox: %s is not failing\n", addr);
	else if (rc == 0)
		printf("%s: cleared\n", addr);
	free(addr);
	return rc == 0 ? 0 : 1;
}

/* The reply address of a task, as its reminders give it. */
static int
address_cmd(struct koyomi *k, int argc, char **argv)
{
	unsigned char	 key[LINKS_KEY_LEN];
	char		*end, *cause = NULL, *a;
	long long	 task;

	if (argc != 1 || (task = strtoll(argv[0], &end, 10)) <= 0 ||
	    *end != '\0')
		return 2;
	if (links_key_load(k->conf->secret_key_file, key, &cause) == -1) {
		fprintf(stderr, "koyomi: inbox: %s\n", cause);
		free(cause);
		return 1;
	}
	a = links_reply_address(key, task, k->conf->inbound_address != NULL ?
	    k->conf->inbound_address : "", k->conf->inbound_delimiter);
	explicit_bzero(key, sizeof key);
	if (a == NULL) {
		fprintf(stderr, "koyomi: inbox: no inbound_address\n");
		return 1;
	}
	if (k->conf->inbound == NULL)
		fprintf(stderr, "koyomi: inbox: warning: no 'inbound' is "
		    "configured: nothing reads this address\n");
	printf("%s\n", a);
	free(a);
	return 0;
}

static int
decide_cmd(struct koyomi *k, const char *sub, int argc, char **argv,
    const char *by)
{
	char		*end, *cause = NULL;
	long long	 msg, task = 0;
	int		 rc;

	if (argc != (strcmp(sub, "assign") == 0 ? 2 : 1))
		return 2;
	msg = strtoll(argv[0], &end, 10);
	if (msg <= 0 || *end != '\0')
		return 2;
	if (argc == 2 && ((task = strtoll(argv[1], &end, 10)) <= 0 ||
	    *end != '\0'))
		return 2;
	if (strcmp(sub, "assign") == 0)
		rc = inbox_assign(k, msg, task, by, &cause);
	else
		rc = inbox_dismiss(k, msg, by, &cause);
	if (rc != 0)
		fprintf(stderr, "koyomi: inbox %s %lld: %s\n", sub, msg,
		    cause != NULL ? cause : "error");
	else
		printf("message %lld: %s\n", msg, strcmp(sub, "assign") == 0 ?
		    "assigned" : "dismissed");
	free(cause);
	return rc == 0 ? 0 : 1;
}

int
cmd_inbox(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "by", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 },
	};
	struct koyomi	 k;
	const char	*sub = "list", *state = NULL, *by = "cli";
	int		 ch, rc, rules;

	if (argc >= 2 && argv[1][0] != '-') {
		sub = argv[1];
		argc--;
		argv++;
	}
	optind = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			state = optarg;
			break;
		case 'b':
			by = optarg;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (strcmp(sub, "list") != 0 && strcmp(sub, "sender") != 0 &&
	    strcmp(sub, "failing") != 0 && strcmp(sub, "assign") != 0 &&
	    strcmp(sub, "dismiss") != 0 && strcmp(sub, "address") != 0)
		goto usage;
	if ((strcmp(sub, "list") == 0 && argc != 0) ||
	    (strcmp(sub, "sender") == 0 && (argc < 1 ||
	    (strcmp(argv[0], "list") != 0 && strcmp(argv[0], "add") != 0 &&
	    strcmp(argv[0], "remove") != 0))))
		goto usage;
	rules = strcmp(sub, "assign") == 0 || strcmp(sub, "sender") == 0;
	if (cli_open(ctx, &k, rules) == -1)
		return 1;
	if (strcmp(sub, "assign") == 0 && cli_templates(&k) == -1) {
		cli_close(&k);
		return 1;
	}
	if (strcmp(sub, "list") == 0)
		rc = inbox_list(&k, state);
	else if (strcmp(sub, "sender") == 0)
		rc = sender_cmd(&k, argv[0], argc - 1, argv + 1, by);
	else if (strcmp(sub, "failing") == 0)
		rc = failing_cmd(&k, argc, argv);
	else if (strcmp(sub, "address") == 0)
		rc = address_cmd(&k, argc, argv);
	else
		rc = decide_cmd(&k, sub, argc, argv, by);
	cli_close(&k);
	if (rc != 2)
		return rc;
usage:
	fputs(INBOX_USAGE, stderr);
	return 2;
}
