/*
 * cmd_webhook_test.c — `koyomi webhook`: what `list` shows of an
 * endpoint's URL (scheme://host[:port] only, never user info, path or
 * query, where Slack-style URLs and basic-auth URLs keep their
 * credential); `enable --replay` and `replay [--since TIME]` run on a
 * real database: which dead and failed rows go back to pending (same
 * webhook-id, attempts 0, due now), which stay, what is printed and
 * what is refused; and the --since time forms.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/cli/cmd.h"
#include "daemon/store/store.h"
#include "daemon/store/store_outbox.h"

static void
origin(const char *url, const char *want)
{
	char	out[128];

	cmd_webhook_origin(url, out, sizeof out);
	assert_string_equal(out, want);
}

static void
test_origin(void **state)
{
	(void)state;
	origin("https://hooks.slack.com/services/T000/B000/XXXXSECRET",
	    "https://hooks.slack.com…");
	origin("https://example.lg.jp:8443/hook?token=SECRET",
	    "https://example.lg.jp:8443…");
	origin("http://user:pa55@127.0.0.1:8080/x", "http://127.0.0.1:8080…");
	/* The authority ends before the path: an '@' there is not user info. */
	origin("https://h.example/a@b", "https://h.example…");
	origin("https://u@h.example", "https://h.example…");
	origin("http://[::1]:9000/p", "http://[::1]:9000…");
	origin("https://h.example#frag", "https://h.example…");
	/* Nothing left out: no ellipsis. */
	origin("https://h.example", "https://h.example");
	origin("https://h.example:1", "https://h.example:1");
	/* No scheme: nothing of it is shown. */
	origin("hooks.slack.com/services/SECRET", "…");
	origin("", "…");
	origin("://x", "…");
}

static void
test_truncation(void **state)
{
	char	out[12];

	(void)state;
	cmd_webhook_origin("https://a-very-long-host.example/SECRET", out,
	    sizeof out);
	assert_int_equal(strlen(out), sizeof out - 1);
	assert_null(strstr(out, "SECRET"));
}

/* --since forms, in Asia/Tokyo (UTC+9, no DST). */
static void
test_since(void **state)
{
	static const char *const bad[] = { "", "yesterday", "2026-11-2",
	    "2026-13-01", "2026-02-30", "2026-11-20T", "2026-11-20T25:00",
	    "2026-11-20T10:60", "2026-11-20T10:00:61", "2026-11-20 10:00",
	    "2026-11-20T10:00+9", "2026-11-20T10:00+09:00x",
	    "2026-11-20T10:00:00ZZ", "2026-11-20T1:00", "2026-11-20x" };
	struct cal_zone	*z;
	char		*cause = NULL;
	time_t		 t;
	size_t		 i;

	(void)state;
	z = cal_zone_new("Asia/Tokyo", &cause);
	assert_non_null(z);
	/* 2026-11-20T00:00:00Z is 1795132800. */
	assert_int_equal(cmd_webhook_since("2026-11-20", z, &t), 0);
	assert_int_equal(t, 1795132800 - 9 * 3600);
	assert_int_equal(cmd_webhook_since("2026-11-20T10:30", z, &t), 0);
	assert_int_equal(t, 1795132800 + 3600 + 1800);
	assert_int_equal(cmd_webhook_since("2026-11-20T10:30:15Z", z, &t), 0);
	assert_int_equal(t, 1795132800 + 10 * 3600 + 1800 + 15);
	assert_int_equal(cmd_webhook_since("2026-11-20T19:00:00+09:00", z,
	    &t), 0);
	assert_int_equal(t, 1795132800 + 10 * 3600);
	assert_int_equal(cmd_webhook_since("2026-11-20T00:00-05:30", z, &t),
	    0);
	assert_int_equal(t, 1795132800 + 5 * 3600 + 1800);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (cmd_webhook_since(bad[i], z, &t) != -1)
			fail_msg("--since '%s' was taken", bad[i]);
	cal_zone_free(z);
}

struct fx {
	char		 dir[64];
	char		 conf[96];
	char		 out[96];
	struct store	*s;
	struct cmd_ctx	 ctx;
};

static int
setup(void **state)
{
	struct fx	*f = xcalloc(1, sizeof *f);
	char		 db[96], *cause = NULL;
	FILE		*fp;

	snprintf(f->dir, sizeof f->dir, "/tmp/cmd_webhook_test.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->conf, sizeof f->conf, "%s/koyomi.conf", f->dir);
	snprintf(f->out, sizeof f->out, "%s/out", f->dir);
	fp = fopen(f->conf, "w");
	assert_non_null(fp);
	fputs("database: koyomi.db\nwebhooks:\n"
	    "  - {id: chat, url: \"https://hooks.example/T0/SECRET\"}\n"
	    "  - {id: other, url: \"https://other.example/hook\"}\n", fp);
	assert_int_equal(fclose(fp), 0);
	snprintf(db, sizeof db, "%s/koyomi.db", f->dir);
	f->s = store_open(db, &cause);
	assert_non_null(f->s);
	f->ctx.conf_path = f->conf;
	f->ctx.conf_explicit = 1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	char		 cmd[128];

	store_close(f->s);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* One webhook row in state (dead rows with error), created at created. */
static int64_t
row(struct fx *f, const char *dest, const char *state, time_t created,
    const char *error)
{
	static int	 n;
	char		 msgid[40];
	int64_t		 id;

	snprintf(msgid, sizeof msgid, "msg_test%04d", ++n);
	assert_int_equal(store_begin(f->s), 0);
	id = strcmp(state, "dead") == 0 ?
	    store_outbox_insert_dead(f->s, msgid, "webhook", dest,
	    "task.completed", NULL, "{}", 2, created, error) :
	    store_outbox_insert(f->s, msgid, "webhook", dest, "task.completed",
	    NULL, "{}", 2, created);
	assert_true(id > 0);
	assert_int_equal(store_commit(f->s), 0);
	if (strcmp(state, "sent") == 0)
		assert_int_equal(store_outbox_set_sent(f->s, id, created), 0);
	else if (strcmp(state, "failed") == 0)
		assert_int_equal(store_outbox_set_failed(f->s, id, 3,
		    created + 86400, error), 0);
	return id;
}

/* Runs `koyomi webhook ARGS...`; its standard output in f->out. */
static int
run(struct fx *f, ...)
{
	va_list	 ap;
	char	*argv[8];
	int	 argc = 0, fd, saved, rc;

	argv[argc++] = (char *)"webhook";
	va_start(ap, f);
	while (argc < 7 && (argv[argc] = va_arg(ap, char *)) != NULL)
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	fflush(stdout);
	fd = open(f->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	rc = cmd_webhook(&f->ctx, argc, argv);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	return rc;
}

static void
printed(struct fx *f, const char *want)
{
	char	 buf[512];
	FILE	*fp = fopen(f->out, "r");
	size_t	 n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if (strstr(buf, want) == NULL)
		fail_msg("printed %s, not %s", buf, want);
}

/* The row's state, attempts, next_attempt, last_error and msgid. */
static struct outbox_row
get(struct fx *f, int64_t id)
{
	struct outbox_row	*rows, r;
	size_t			 n, i;

	memset(&r, 0, sizeof r);
	assert_int_equal(store_outbox_list(f->s, NULL, 0, &rows, &n), 0);
	for (i = 0; i < n; i++)
		if (rows[i].id == id) {
			r = rows[i];
			memset(&rows[i], 0, sizeof rows[i]);
		}
	outbox_rows_free(rows, n);
	assert_int_equal(r.id, id);
	return r;
}

static void
state_is(struct fx *f, int64_t id, const char *want)
{
	struct outbox_row	r = get(f, id);

	if (strcmp(r.state, want) != 0)
		fail_msg("row %lld is %s, not %s", (long long)id, r.state, want);
	outbox_row_free(&r);
}

/*
 * enable --replay: the endpoint comes back and every dead or failed row
 * after the last one it accepted is pending again (the outage's 500s and
 * what was written dead while it was disabled); an older dead row (a
 * failure the endpoint recovered from) and another endpoint's stay dead.
 */
static void
test_enable_replay(void **state)
{
	struct fx		*f = *state;
	struct outbox_row	 r;
	time_t			 now = time(NULL), day = 86400;
	int64_t			 old, ok, outage, killed, whiledis, other;

	old = row(f, "chat", "dead", now - 9 * day, "webhook chat: HTTP 500");
	ok = row(f, "chat", "sent", now - 8 * day, NULL);
	outage = row(f, "chat", "dead", now - 7 * day,
	    "webhook chat: HTTP 500");
	killed = row(f, "chat", "pending", now - 3 * day, NULL);
	other = row(f, "other", "dead", now - 2 * day, "HTTP 410");
	assert_int_equal(store_endpoint_failed(f->s, "chat", now - 7 * day),
	    0);
	assert_int_equal(store_endpoint_disable(f->s, "chat", now - day), 0);
	assert_int_equal(store_outbox_kill_destination(f->s, "webhook", "chat",
	    "endpoint disabled"), 0);
	whiledis = row(f, "chat", "dead", now - 3600, "endpoint disabled");
	/* Still disabled: replay alone is refused, and changes nothing. */
	assert_int_equal(run(f, "replay", "chat", NULL), 1);
	state_is(f, killed, "dead");
	assert_int_equal(run(f, "enable", "chat", "--replay", NULL), 0);
	printed(f, "chat: enabled (disabled since ");
	printed(f, "chat: requeued 3 messages (dead or failed after the last "
	    "one it accepted)\n");
	state_is(f, old, "dead");
	state_is(f, ok, "sent");
	state_is(f, other, "dead");
	r = get(f, outage);
	assert_string_equal(r.state, "pending");
	assert_string_equal(r.msgid, "msg_test0003");
	assert_int_equal(r.attempts, 0);
	assert_true(r.next_attempt >= now && r.next_attempt <= time(NULL));
	assert_null(r.last_error);
	outbox_row_free(&r);
	state_is(f, killed, "pending");
	state_is(f, whiledis, "pending");
	/* Enabled; a second replay finds nothing new to requeue. */
	assert_int_equal(run(f, "list", NULL), 0);
	printed(f, "chat\thttps://hooks.example…\tenabled\t-\t");
	assert_int_equal(run(f, "enable", "--replay", "chat", NULL), 0);
	printed(f, "chat: already enabled\nchat: requeued 0 messages");
}

/* replay --since: dead and failed rows created since TIME, sent ones kept. */
static void
test_replay_since(void **state)
{
	struct fx	*f = *state;
	time_t		 now = time(NULL), day = 86400;
	struct tm	 tm;
	char		 since[32];
	int64_t		 before, dead, failed, sent, pending;

	before = row(f, "chat", "dead", now - 3 * day, "HTTP 500");
	dead = row(f, "chat", "dead", now - day, "HTTP 500");
	sent = row(f, "chat", "sent", now - day + 60, NULL);
	failed = row(f, "chat", "failed", now - 3600, "HTTP 503");
	pending = row(f, "chat", "pending", now - 60, NULL);
	/* The default: after the last one accepted, so only the failed one. */
	assert_int_equal(run(f, "replay", "chat", NULL), 0);
	printed(f, "chat: requeued 1 message\n");
	state_is(f, failed, "pending");
	state_is(f, dead, "dead");
	assert_int_equal(store_outbox_set_failed(f->s, failed, 2, now + day,
	    "HTTP 503"), 0);
	/* Since two days ago, UTC: the dead one before the sent one too. */
	gmtime_r(&(time_t){ now - 2 * day }, &tm);
	strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
	assert_int_equal(run(f, "replay", "chat", "--since", since, NULL), 0);
	printed(f, "chat: requeued 2 messages\n");
	state_is(f, before, "dead");
	state_is(f, dead, "pending");
	state_is(f, failed, "pending");
	state_is(f, sent, "sent");
	state_is(f, pending, "pending");
}

/* What is refused, and how. */
static void
test_refused(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(run(f, "replay", "nosuch", NULL), 1);
	assert_int_equal(run(f, "enable", "nosuch", "--replay", NULL), 1);
	assert_int_equal(run(f, "replay", "chat", "--since", "yesterday",
	    NULL), 1);
	assert_int_equal(run(f, "replay", "chat", "--since", "2098-01-01",
	    NULL), 1);
	assert_int_equal(run(f, "replay", NULL), 2);
	assert_int_equal(run(f, "replay", "chat", "other", NULL), 2);
	assert_int_equal(run(f, "replay", "chat", "--replay", NULL), 2);
	assert_int_equal(run(f, "replay", "chat", "--since", NULL), 2);
	assert_int_equal(run(f, "enable", "chat", "--since", "2026-01-01",
	    NULL), 2);
	assert_int_equal(run(f, "list", "--replay", NULL), 2);
	assert_int_equal(run(f, "enable", "chat", "--frob", NULL), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_origin),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_since),
		cmocka_unit_test_setup_teardown(test_enable_replay, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_replay_since, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
