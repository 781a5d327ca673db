/*
 * cmd_admin.c — `koyomi token add|list|revoke` and `koyomi backup FILE`.
 * Both work while the daemon runs: WAL lets the CLI write its short
 * transaction beside the daemon, and the backup API copies a consistent
 * snapshot page by page.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "calendars/util.h"
#include "daemon/codec/token.h"
#include "daemon/core/auth.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/cmd.h"
#include "daemon/store/store.h"

#define TOKEN_USAGE "usage: koyomi token add --role admin|coordinator|viewer " \
	"[--cycle C]... NAME\n       koyomi token list\n" \
	"       koyomi token revoke NAME\n"

/* Names show in logs and the dashboard: short, printable, no spaces. */
static int
name_ok(const char *s)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._@-", s[i]) == NULL)
			return 0;
	return 1;
}

/* --cycle may repeat; the store keeps them comma-separated. */
static int
add_cycle(struct buf *cycles, const char *c)
{
	if (!name_ok(c) || strchr(c, ',') != NULL)
		return -1;
	buf_printf(cycles, "%s%s", cycles->len ? "," : "", c);
	return 0;
}

static int
token_add(struct koyomi *k, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "cycle", required_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 }
	};
	enum auth_role	 role = AUTH_NONE;
	struct buf	 cycles;
	char		 tok[48], hash[65];
	int		 ch, rc = 2, r;

	buf_init(&cycles);
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'r' && (role = store_role_parse(optarg)) != AUTH_NONE)
			continue;
		if (ch == 'C' && add_cycle(&cycles, optarg) == 0)
			continue;
		goto usage;
	}
	if (optind + 1 != argc || role == AUTH_NONE || !name_ok(argv[optind]))
		goto usage;
	if (role != AUTH_COORDINATOR && cycles.len > 0) {
		fprintf(stderr, "koyomi: token: --cycle is for coordinators\n");
		goto usage;
	}
	if (role == AUTH_COORDINATOR && cycles.len == 0)
		fprintf(stderr, "koyomi: token: a coordinator without --cycle "
		    "sees no cycle\n");
	rc = 1;
	if (token_new(tok) == -1) {
		fprintf(stderr, "koyomi: token: getrandom failed\n");
		goto out;
	}
	token_hash(tok, hash);
	r = store_token_add(k->store, argv[optind], role, cycles.data, hash,
	    (long long)time(NULL));
	if (r == 1)
		fprintf(stderr, "koyomi: token: the name '%s' is taken\n",
		    argv[optind]);
	if (r != 0)
		goto out;
	fprintf(stderr, "koyomi: token '%s' (%s): shown once, keep it safe\n",
	    argv[optind], store_role_name(role));
	printf("%s\n", tok);
	rc = 0;
	goto out;
usage:
	fprintf(stderr, TOKEN_USAGE);
out:
	explicit_bzero(tok, sizeof tok);
	buf_free(&cycles);
	return rc;
}

static void
print_row(const struct store_token_row *row, void *arg)
{
	char		 when[32];
	time_t		 t = (time_t)row->created;
	struct tm	 tm;

	(void)arg;
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	printf("%s\t%s\t%s\t%s\t%s\n", row->name, row->role,
	    *row->cycles != '\0' ? row->cycles : "-", when,
	    row->revoked ? "revoked" : "valid");
}

int
cmd_token(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct koyomi	 k;
	const char	*op = argc > 1 ? argv[1] : "";
	int		 rc, r;

	if (strcmp(op, "add") != 0 && !(strcmp(op, "list") == 0 && argc == 2) &&
	    !(strcmp(op, "revoke") == 0 && argc == 3)) {
		fprintf(stderr, TOKEN_USAGE);
		return 2;
	}
	if (cli_open(ctx, &k, 0) == -1)
		return 1;
	if (strcmp(op, "add") == 0)
		rc = token_add(&k, argc - 1, argv + 1);
	else if (strcmp(op, "list") == 0)
		rc = store_token_list(k.store, print_row, NULL) == 0 ? 0 : 1;
	else {
		r = store_token_revoke(k.store, argv[2], (long long)time(NULL));
		if (r == 1)
			fprintf(stderr, "koyomi: token: no valid token named "
			    "'%s'\n", argv[2]);
		rc = r == 0 ? 0 : 1;
	}
	cli_close(&k);
	return rc;
}

/*
 * Copies into FILE.tmpPID, checks the copy, then links it to FILE:
 * link(2) fails if FILE exists, so an existing file (an older backup,
 * or the live database named by mistake) is never replaced, and FILE
 * is never half a backup.
 */
int
cmd_backup(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct koyomi	 k;
	struct store	*copy = NULL;
	char		*tmp = NULL, *cause = NULL;
	int		 rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: koyomi backup FILE\n");
		return 2;
	}
	/* Early and clear; link() below is what makes it race-free. */
	if (access(argv[1], F_OK) == 0) {
		fprintf(stderr, "koyomi: backup: %s: exists; refusing to "
		    "overwrite it\n", argv[1]);
		return 1;
	}
	if (cli_open(ctx, &k, 0) == -1)
		return 1;
	xasprintf(&tmp, "%s.tmp%ld", argv[1], (long)getpid());
	if (store_backup(k.store, tmp, &cause) == -1)
		goto out;
	if ((copy = store_open(tmp, &cause)) == NULL)
		goto out;
	if (!store_integrity_ok(copy)) {
		xasprintf(&cause, "%s: the copy fails integrity_check", tmp);
		goto out;
	}
	store_close(copy);
	copy = NULL;
	if (link(tmp, argv[1]) == -1) {
		xasprintf(&cause, "%s: %s", argv[1], errno == EEXIST ?
		    "exists; refusing to overwrite it" : strerror(errno));
		goto out;
	}
	unlink(tmp);
	rc = 0;
out:
	if (rc != 0) {
		fprintf(stderr, "koyomi: backup: %s\n", cause ? cause : "failed");
		unlink(tmp);
	}
	store_close(copy);
	free(cause);
	free(tmp);
	cli_close(&k);
	return rc;
}
