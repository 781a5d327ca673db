/*
 * outbox_test.c — the outbox dispatcher for real: a SQLite store in a
 * temp dir, the notifier on a real libev loop, an aiosmtpd server and a
 * signature-checking webhook receiver (tests/integration/lib_receivers.py)
 * started with fork/exec on free 127.0.0.1 ports. Retry delays are
 * shrunk with KOYOMI_TEST_RETRY_SCALE (tests only).
 */
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>
#include <sqlite3.h>

#include "calendars/util.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/links.h"
#include "daemon/core/metrics.h"
#include "daemon/outbox/outbox.h"
#include "daemon/core/sched.h"
#include "daemon/store/store.h"
#include "daemon/store/store_int.h"
#include "daemon/store/store_outbox.h"
#include "notifier/notify.h"
#include "tests/unit/receiver_fixture.h"

struct fixture {
	char		 dir[64];
	char		 smtpdir[96];
	char		 hookdir[96];
	char		 transport[160];
	char		 hookurl[3][96];
	int		 smtp_port;
	int		 http_port;
	pid_t		 smtp_pid;
	pid_t		 http_pid;
	struct conf	 conf;
	struct conf_webhook hooks[3];
	char		*secrets[1];
	char		*events[1];
	struct koyomi	 k;
};

static long long
count_state(struct fixture *f, enum outbox_state s)
{
	long long	c[OUTBOX_NSTATES];

	assert_int_equal(store_outbox_counts(f->k.store, c), 0);
	return c[s];
}

/* Runs the loop until pred holds (bounded by wall time). */
static void
run_while(struct fixture *f, int (*busy)(struct fixture *), double secs)
{
	double	t0 = ev_time();

	while (busy(f)) {
		if (ev_time() - t0 > secs)
			fail_msg("timed out after %.0f s", secs);
		ev_run(f->k.loop, EVRUN_ONCE);
	}
}

static void
wake_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

/* Runs the loop for secs, woken at least every 0.1 s. */
static void
run_for(struct fixture *f, double secs)
{
	ev_timer	tick;
	double		t0 = ev_time();

	ev_timer_init(&tick, wake_cb, 0.1, 0.1);
	ev_timer_start(f->k.loop, &tick);
	while (ev_time() - t0 < secs)
		ev_run(f->k.loop, EVRUN_ONCE);
	ev_timer_stop(f->k.loop, &tick);
}

static int
setup(void **state)
{
	struct fixture	*f = xcalloc(1, sizeof *f);
	char		 db[128], *cause = NULL;
	const char	*paths[3] = { "/ok", "/flaky", "/gone" };
	int		 i;

	snprintf(f->dir, sizeof f->dir, "/tmp/koyomi-ob.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->smtpdir, sizeof f->smtpdir, "%s/smtp", f->dir);
	snprintf(f->hookdir, sizeof f->hookdir, "%s/hook", f->dir);
	f->smtp_port = free_port();
	/* A port just released may be handed out again: insist on two. */
	for (i = 0; i < 50; i++)
		if ((f->http_port = free_port()) != f->smtp_port)
			break;
	f->smtp_pid = start_receiver("smtp", f->smtp_port, f->smtpdir);
	f->http_pid = start_receiver("http", f->http_port, f->hookdir);
	snprintf(f->transport, sizeof f->transport, "smtp://127.0.0.1:%d",
	    f->smtp_port);
	f->secrets[0] = (char *)RECEIVER_SECRET;
	for (i = 0; i < 3; i++) {
		snprintf(f->hookurl[i], sizeof f->hookurl[i],
		    "http://127.0.0.1:%d%s", f->http_port, paths[i]);
		f->hooks[i].id = (char *)paths[i] + 1;
		f->hooks[i].url = f->hookurl[i];
		f->hooks[i].secrets = f->secrets;
		f->hooks[i].nsecrets = 1;
		f->hooks[i].format = HOOK_STANDARD;
	}
	f->events[0] = (char *)"task.*";
	f->hooks[2].events = f->events;		/* /gone gets task.* only */
	f->hooks[2].nevents = 1;
	f->conf.mail_transport = f->transport;
	f->conf.mail_from = (char *)"koyomi <koyomi@example.lg.jp>";
	f->conf.admin_mail = (char *)"admin@example.lg.jp";
	f->conf.webhooks = f->hooks;
	f->conf.nwebhooks = 3;
	f->k.conf = &f->conf;
	f->k.loop = ev_loop_new(EVFLAG_AUTO);
	snprintf(db, sizeof db, "%s/koyomi.db", f->dir);
	f->k.store = store_open(db, &cause);
	assert_non_null(f->k.store);
	f->k.sched = sched_start(&f->k);
	f->k.metrics = metrics_start(&f->k);
	setenv("KOYOMI_TEST_RETRY_SCALE", "0.0005", 1);
	f->k.outbox = outbox_start(&f->k, &cause);
	assert_non_null(f->k.outbox);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 cmd[160];

	outbox_stop(f->k.outbox);
	metrics_stop(f->k.metrics);
	sched_stop(f->k.sched);
	store_close(f->k.store);
	free(f->k.hooks);	/* cmd_run frees these in the daemon */
	ev_loop_destroy(f->k.loop);
	stop_receiver(&f->smtp_pid);
	stop_receiver(&f->http_pid);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* Enqueues one mail in its own transaction, as a reminder step would. */
static int64_t
enqueue(struct fixture *f, const char *to, const char *subject)
{
	struct outbox_mail	 m = { 0 };
	char			*cause = NULL;
	int64_t			 id;

	m.kind = "reminder";
	m.to_name = "東京都　ご担当者様";
	m.to_addr = to;
	m.subject = subject;
	m.body = "東京都　ご担当者様\n\nいつもお世話になっております。\n";
	assert_int_equal(store_begin(f->k.store), 0);
	id = outbox_enqueue_mail(&f->k, &m, &cause);
	assert_true(id > 0);
	assert_int_equal(store_commit(f->k.store), 0);
	outbox_wake(f->k.outbox);
	return id;
}

static int
busy_unsent(struct fixture *f)
{
	return count_state(f, OUTBOX_PENDING) + count_state(f, OUTBOX_SENDING) +
	    count_state(f, OUTBOX_FAILED) > 0;
}

static size_t
count_eml(const char *dir)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	size_t		 n = 0, l;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		if ((l = strlen(e->d_name)) > 4 &&
		    strcmp(e->d_name + l - 4, ".eml") == 0)
			n++;
	closedir(d);
	return n;
}

/* Python's email package decodes what arrived: an independent check. */
static void
check_received(const char *dir, const char *subject, size_t n)
{
	char	cmd[1024];

	snprintf(cmd, sizeof cmd, "/usr/bin/python3 - '%s' '%s' %zu <<'EOF'\n"
	    "import email, email.policy, glob, sys\n"
	    "d, subj, n = sys.argv[1], sys.argv[2], int(sys.argv[3])\n"
	    "ids = set()\n"
	    "files = glob.glob(d + '/*.eml')\n"
	    "assert len(files) == n, (len(files), n)\n"
	    "for p in files:\n"
	    "    m = email.message_from_bytes(open(p, 'rb').read(),"
	    " policy=email.policy.default)\n"
	    "    assert str(m['Subject']).startswith(subj), str(m['Subject'])\n"
	    "    assert m['To'].addresses[0].display_name == '東京都　ご担当者様'\n"
	    "    body = m.get_body().get_content()\n"
	    "    assert 'いつもお世話になっております。' in body\n"
	    "    ids.add(m['Message-ID'])\n"
	    "assert len(ids) == n, 'Message-IDs not unique'\n"
	    "EOF", dir, subject, n);
	assert_int_equal(system(cmd), 0);
}

static void
test_mail_delivered(void **state)
{
	struct fixture	*f = *state;
	struct buf	 b;
	char		 to[64], subj[128];
	int		 i;

	for (i = 0; i < 30; i++) {
		snprintf(to, sizeof to, "user%d@example.lg.jp", i % 7);
		snprintf(subj, sizeof subj, "【ご提出のお願い】令和7年度 参加意向調査"
		    "（期限：令和8年2月20日（金））#%d", i);
		enqueue(f, to, subj);
	}
	run_while(f, busy_unsent, 20);
	assert_int_equal(count_state(f, OUTBOX_SENT), 30);
	check_received(f->smtpdir, "【ご提出のお願い】令和7年度 参加意向調査", 30);
	buf_init(&b);
	metrics_render(&f->k, &b);
	assert_non_null(strstr(b.data,
	    "koyomi_outbox_messages{state=\"sent\"} 30\n"));
	assert_non_null(strstr(b.data, "koyomi_deliveries_total{channel="
	    "\"mail\",result=\"sent\"} 30\n"));
	assert_non_null(strstr(b.data, "koyomi_delivery_seconds_count 30\n"));
	buf_free(&b);
}

/* The rows in state 'sent' as the database file alone has them. */
static int
file_sent(struct fixture *f)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		 uri[200];
	int		 n = -1;

	snprintf(uri, sizeof uri, "file:%s/koyomi.db?immutable=1", f->dir);
	assert_int_equal(sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY |
	    SQLITE_OPEN_URI, NULL), SQLITE_OK);
	/* No outbox table there yet (never checkpointed): -1. */
	if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM outbox WHERE "
	    "state = 'sent'", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n;
}

/*
 * Delivery results may be committed lazily (no fsync), but every other
 * writer gets full commits back, and once delivery is quiet the results
 * are made durable by a checkpoint within OUTBOX_SYNC_AFTER: the
 * database file itself, WAL ignored, then has every 'sent'.
 */
static void
test_lazy_results_synced(void **state)
{
	struct fixture	*f = *state;
	sqlite3_stmt	*st;
	char		 to[64];
	int		 i, sync = -1;

	for (i = 0; i < 40; i++) {
		snprintf(to, sizeof to, "user%d@example.lg.jp", i);
		enqueue(f, to, "遅延コミット");
	}
	run_while(f, busy_unsent, 20);
	assert_int_equal(count_state(f, OUTBOX_SENT), 40);
	assert_int_equal(sqlite3_prepare_v2(store_db(f->k.store),
	    "PRAGMA synchronous", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		sync = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(sync, 2);	/* FULL for the next writer */
	run_for(f, 0.5);
	assert_int_equal(file_sent(f), 40);
	assert_int_equal(store_errors(f->k.store), 0);
}

/* Per recipient, the "#n" suffixes arrived in increasing order. */
static void
check_order(const char *dir)
{
	char	cmd[1024];

	snprintf(cmd, sizeof cmd, "/usr/bin/python3 - '%s' <<'EOF'\n"
	    "import email, email.policy, glob, os, sys\n"
	    "d = sys.argv[1]\n"
	    "last = {}\n"
	    "files = sorted(glob.glob(d + '/*.eml'),"
	    " key=lambda p: int(os.path.basename(p)[:-4]))\n"
	    "for p in files:\n"
	    "    m = email.message_from_bytes(open(p, 'rb').read(),"
	    " policy=email.policy.default)\n"
	    "    to = m['To'].addresses[0].addr_spec\n"
	    "    n = int(str(m['Subject']).rsplit('#', 1)[1])\n"
	    "    assert last.get(to, -1) < n, (to, last.get(to), n)\n"
	    "    last[to] = n\n"
	    "EOF", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_server_down_then_back(void **state)
{
	struct fixture		*f = *state;
	struct outbox_row	*rows;
	char			 to[64], subj[64];
	double			 t0;
	size_t			 n;
	int			 i, tried;

	stop_receiver(&f->smtp_pid);
	for (i = 0; i < 10; i++) {
		snprintf(to, sizeof to, "user%d@example.lg.jp", i % 2);
		snprintf(subj, sizeof subj, "順番確認 #%d", i);
		enqueue(f, to, subj);
	}
	/* Only the head of each recipient's line is tried; the rest wait. */
	t0 = ev_time();
	while (ev_time() - t0 < 1.5)
		ev_run(f->k.loop, EVRUN_ONCE);
	assert_int_equal(count_state(f, OUTBOX_SENT), 0);
	assert_int_equal(count_state(f, OUTBOX_DEAD), 0);
	/* Both heads were tried (and may be in flight again right now). */
	assert_int_equal(store_outbox_list(f->k.store, NULL, 0, &rows, &n), 0);
	for (i = 0, tried = 0; i < (int)n; i++)
		tried += rows[i].attempts > 0;
	assert_int_equal(tried, 2);
	outbox_rows_free(rows, n);
	f->smtp_pid = start_receiver("smtp", f->smtp_port, f->smtpdir);
	run_while(f, busy_unsent, 40);
	assert_int_equal(count_state(f, OUTBOX_SENT), 10);
	assert_int_equal(count_eml(f->smtpdir), 10);
	check_order(f->smtpdir);
}

static void
test_permanent_failure(void **state)
{
	struct fixture		*f = *state;
	struct outbox_row	*rows;
	size_t			 n;
	int64_t			 id;

	id = enqueue(f, "reject@example.lg.jp", "宛先不明");
	run_while(f, busy_unsent, 10);
	assert_int_equal(count_state(f, OUTBOX_DEAD), 1);
	assert_int_equal(store_outbox_list(f->k.store, "dead", 0, &rows, &n),
	    0);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].id, id);
	assert_int_equal(rows[0].attempts, 1);
	assert_non_null(strstr(rows[0].last_error, "550"));
	outbox_rows_free(rows, n);
}

static int
busy_hooks(struct fixture *f)
{
	return busy_unsent(f);
}

static void
test_webhooks(void **state)
{
	struct fixture		*f = *state;
	const struct payload_field data[] = {
		{ "task_id", NULL, 7 },
		{ "title", "参加意向調査", 0 },
	};
	struct payload_event	 ev = { "task.reminder", 1771545600, data, 2 };
	struct outbox_row	*rows;
	char			*cause = NULL, cmd[1024];
	size_t			 n;

	assert_int_equal(store_begin(f->k.store), 0);
	assert_int_equal(outbox_enqueue_event(&f->k, &ev, &cause), 3);
	ev.type = "event.changed";	/* not for /gone's task.* filter */
	assert_int_equal(outbox_enqueue_event(&f->k, &ev, &cause), 2);
	assert_int_equal(store_commit(f->k.store), 0);
	outbox_wake(f->k.outbox);
	run_while(f, busy_hooks, 30);
	/* /ok: both; /flaky: both after 3 × 500; /gone: dead + disabled. */
	assert_int_equal(count_state(f, OUTBOX_SENT), 4 + 1);	/* + admin mail */
	assert_int_equal(count_state(f, OUTBOX_DEAD), 1);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 - '%s' <<'EOF'\n"
	    "import json, sys\n"
	    "rows = [json.loads(l) for l in open(sys.argv[1] + '/hooks.jsonl')]\n"
	    "assert all(r['sig_ok'] for r in rows), rows\n"
	    "fl = [r for r in rows if r['path'] == '/flaky']\n"
	    "ids = {r['id'] for r in fl}\n"
	    "assert len(ids) == 2, ids\n"
	    "for i in ids:\n"
	    "    a = [r for r in fl if r['id'] == i]\n"
	    "    assert [r['status'] for r in a] == [500, 500, 500, 204], a\n"
	    "ok = [r for r in rows if r['path'] == '/ok']\n"
	    "assert sorted(r['body']['type'] for r in ok) =="
	    " ['event.changed', 'task.reminder'], ok\n"
	    "assert ok[0]['body']['data']['title'] == '参加意向調査'\n"
	    "EOF", f->hookdir);
	assert_int_equal(system(cmd), 0);
	/*
	 * The disabled endpoint gets nothing more: its row is written dead,
	 * never tried, to be replayed once it is enabled again.
	 */
	ev.type = "task.overdue";
	assert_int_equal(store_begin(f->k.store), 0);
	assert_int_equal(outbox_enqueue_event(&f->k, &ev, &cause), 2);
	assert_int_equal(store_commit(f->k.store), 0);
	assert_int_equal(store_outbox_list(f->k.store, "dead", 0, &rows, &n),
	    0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].destination, "gone");
	assert_string_equal(rows[0].kind, "task.overdue");
	assert_string_equal(rows[0].last_error, "endpoint disabled");
	assert_int_equal(rows[0].attempts, 0);
	outbox_rows_free(rows, n);
}

static void
test_recover_sending(void **state)
{
	struct fixture	*f = *state;
	char		*cause = NULL;
	int64_t		 id;

	/* A crash between "sending" and the answer leaves this row. */
	outbox_stop(f->k.outbox);
	f->k.outbox = NULL;
	id = enqueue(f, "user1@example.lg.jp", "再送 #0");
	assert_int_equal(store_outbox_set_sending(f->k.store, id), 0);
	f->k.outbox = outbox_start(&f->k, &cause);
	assert_int_equal(count_state(f, OUTBOX_SENDING), 0);
	run_while(f, busy_unsent, 10);
	assert_int_equal(count_eml(f->smtpdir), 1);
}

/* An endpoint failing for more than 5 days is disabled and announced. */
static void
test_endpoint_expiry(void **state)
{
	struct fixture		*f = *state;
	const struct payload_field data[] = { { "title", "説明会", 0 } };
	struct payload_event	 ev = { "event.changed", 1771545600, data, 1 };
	struct outbox_row	*rows;
	time_t			 since, dis, now = time(NULL);
	char			*cause = NULL, cmd[600];
	size_t			 n, i;

	assert_int_equal(store_endpoint_failed(f->k.store, "flaky",
	    now - 6 * 86400), 0);
	assert_int_equal(store_begin(f->k.store), 0);
	assert_int_equal(outbox_enqueue_event(&f->k, &ev, &cause), 2);
	assert_int_equal(store_commit(f->k.store), 0);
	outbox_wake(f->k.outbox);
	run_while(f, busy_unsent, 30);
	assert_int_equal(store_endpoint_get(f->k.store, "flaky", &since, &dis),
	    0);
	assert_true(dis != 0);
	assert_int_equal(store_outbox_list(f->k.store, "dead", 0, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].destination, "flaky");
	outbox_rows_free(rows, n);
	/* /ok still got its event; the admin got a mail. */
	assert_int_equal(store_outbox_list(f->k.store, "sent", 0, &rows, &n), 0);
	for (i = 0; i < n; i++)
		if (strcmp(rows[i].channel, "mail") == 0)
			assert_string_equal(rows[i].destination,
			    "admin@example.lg.jp");
	assert_int_equal(n, 2);
	outbox_rows_free(rows, n);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"import email, email."
	    "policy, glob; m = email.message_from_bytes(open(glob.glob('%s/"
	    "*.eml')[0], 'rb').read(), policy=email.policy.default); "
	    "assert '停止' in str(m['Subject']), str(m['Subject'])\"",
	    f->smtpdir);
	assert_int_equal(system(cmd), 0);
}

static unsigned long	commits;

static int
count_commit(void *arg)
{
	(void)arg;
	commits++;
	return 0;
}

static int
metric_has(struct fixture *f, const char *line)
{
	struct buf	b;
	int		found;

	buf_init(&b);
	metrics_render(&f->k, &b);
	found = strstr(b.data, line) != NULL;
	buf_free(&b);
	return found;
}

/*
 * Answers of one loop turn are written in one transaction. With the
 * maildir transport every mail of a batch is delivered (synchronously)
 * and answered in the same turn, so 20 mails cost exactly two write
 * transactions: one marks the 20 rows sending, one records 20 sent.
 */
static void
test_batch_one_transaction(void **state)
{
	struct fixture		*f = *state;
	struct outbox_mail	 m;
	char			 to[64], subj[64], mdir[128], *cause = NULL;
	int			 i;

	outbox_stop(f->k.outbox);
	snprintf(mdir, sizeof mdir, "%s/mail", f->dir);
	snprintf(f->transport, sizeof f->transport, "maildir:%s", mdir);
	assert_int_equal(store_begin(f->k.store), 0);
	for (i = 0; i < 20; i++) {
		memset(&m, 0, sizeof m);
		snprintf(to, sizeof to, "user%d@example.lg.jp", i);
		snprintf(subj, sizeof subj, "まとめて記録 #%d", i);
		m.kind = "reminder";
		m.to_addr = to;
		m.subject = subj;
		m.body = "いつもお世話になっております。\n";
		assert_true(outbox_enqueue_mail(&f->k, &m, &cause) > 0);
	}
	assert_int_equal(store_commit(f->k.store), 0);
	f->k.outbox = outbox_start(&f->k, &cause);
	assert_non_null(f->k.outbox);
	commits = 0;
	sqlite3_commit_hook(store_db(f->k.store), count_commit, NULL);
	run_while(f, busy_unsent, 20);
	sqlite3_commit_hook(store_db(f->k.store), NULL, NULL);
	assert_int_equal(count_state(f, OUTBOX_SENT), 20);
	snprintf(mdir, sizeof mdir, "%s/mail/new", f->dir);
	{
		DIR		*d = opendir(mdir);
		struct dirent	*e;
		int		 n = 0;

		assert_non_null(d);
		while ((e = readdir(d)) != NULL)
			n += e->d_name[0] != '.';
		closedir(d);
		assert_int_equal(n, 20);
	}
	assert_int_equal(commits, 2);
	assert_true(metric_has(f, "koyomi_deliveries_total{channel=\"mail\","
	    "result=\"sent\"} 20\n"));
}

/* Another connection holds the write lock, as a long CLI command would. */
static sqlite3 *
lock_db(struct fixture *f)
{
	sqlite3	*db;
	char	 path[128];

	snprintf(path, sizeof path, "%s/koyomi.db", f->dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	return db;
}

static void
unlock_db(sqlite3 *db)
{
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
}

static int
busy_not_sending(struct fixture *f)
{
	return count_state(f, OUTBOX_SENDING) < 5;
}

static int
busy_unanswered(struct fixture *f)
{
	return count_eml(f->smtpdir) < 4 ||
	    outbox_unwritten(f->k.outbox) < 5;
}

/*
 * Five mails (one refused with 550) are handed out; then the database is
 * locked, so the answers cannot be written: they stay in memory, the rows
 * stay 'sending' (nothing unsent is 'sent', nothing counted), and the
 * write is tried again until the lock goes.
 */
static sqlite3 *
answers_unwritable(struct fixture *f)
{
	sqlite3		*db;
	char		*cause = NULL;
	char		 subj[64];
	int		 i;

	/* Five connections, so that the five are out at once. */
	outbox_stop(f->k.outbox);
	f->conf.mail_connections = 5;
	f->k.outbox = outbox_start(&f->k, &cause);
	assert_non_null(f->k.outbox);
	for (i = 0; i < 4; i++) {
		char	to[64];

		snprintf(to, sizeof to, "user%d@example.lg.jp", i);
		snprintf(subj, sizeof subj, "書けない間 #%d", i);
		enqueue(f, to, subj);
	}
	enqueue(f, "reject@example.lg.jp", "書けない間 #4");
	/* All five go in one batch; no answer is back in the same turn. */
	run_while(f, busy_not_sending, 10);
	db = lock_db(f);
	run_while(f, busy_unanswered, 20);
	run_for(f, 1.5);
	assert_int_equal(count_state(f, OUTBOX_SENDING), 5);
	assert_int_equal(count_state(f, OUTBOX_SENT), 0);
	assert_int_equal(count_state(f, OUTBOX_DEAD), 0);
	assert_int_equal(outbox_unwritten(f->k.outbox), 5);
	assert_int_equal(count_eml(f->smtpdir), 4);
	assert_true(metric_has(f, "koyomi_deliveries_total{channel=\"mail\","
	    "result=\"sent\"} 0\n"));
	assert_true(store_errors(f->k.store) > 0);
	return db;
}

static void
test_write_retried(void **state)
{
	struct fixture	*f = *state;
	struct outbox_row *rows;
	size_t		 n, i;

	unlock_db(answers_unwritable(f));
	run_while(f, busy_unsent, 40);
	assert_int_equal(count_state(f, OUTBOX_SENT), 4);
	assert_int_equal(count_state(f, OUTBOX_DEAD), 1);
	assert_int_equal(outbox_unwritten(f->k.outbox), 0);
	/* Each written once, from its one answer: nothing was sent again. */
	assert_int_equal(count_eml(f->smtpdir), 4);
	assert_int_equal(store_outbox_list(f->k.store, NULL, 0, &rows, &n), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(rows[i].attempts, 1);
	outbox_rows_free(rows, n);
	assert_true(metric_has(f, "koyomi_deliveries_total{channel=\"mail\","
	    "result=\"sent\"} 4\n"));
	assert_true(metric_has(f, "koyomi_deliveries_total{channel=\"mail\","
	    "result=\"dead\"} 1\n"));
}

/* A stop writes the answers waiting. */
static void
test_stop_writes_answers(void **state)
{
	struct fixture	*f = *state;
	char		*cause = NULL;

	unlock_db(answers_unwritable(f));
	outbox_stop(f->k.outbox);
	f->k.outbox = NULL;
	assert_int_equal(count_state(f, OUTBOX_SENT), 4);
	assert_int_equal(count_state(f, OUTBOX_DEAD), 1);
	assert_int_equal(count_state(f, OUTBOX_SENDING), 0);
	/* A new start has nothing to send again. */
	f->k.outbox = outbox_start(&f->k, &cause);
	assert_non_null(f->k.outbox);
	run_for(f, 1);
	assert_int_equal(count_eml(f->smtpdir), 4);
}

/*
 * Answers that could not be written before the process went away are
 * as good as lost: the rows were still 'sending', so the next start
 * sends them again, with the same Message-ID (the outbox's contract).
 */
static void
test_unwritten_sent_again(void **state)
{
	struct fixture	*f = *state;
	sqlite3		*db;
	char		*cause = NULL, cmd[900];

	db = answers_unwritable(f);
	outbox_stop(f->k.outbox);	/* cannot write: logged, not marked */
	f->k.outbox = NULL;
	unlock_db(db);
	assert_int_equal(count_state(f, OUTBOX_SENDING), 5);
	f->k.outbox = outbox_start(&f->k, &cause);
	assert_non_null(f->k.outbox);
	run_while(f, busy_unsent, 40);
	assert_int_equal(count_state(f, OUTBOX_SENT), 4);
	assert_int_equal(count_state(f, OUTBOX_DEAD), 1);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 - '%s' <<'EOF'\n"
	    "import collections, email, email.policy, glob, sys\n"
	    "got = collections.Counter()\n"
	    "for p in glob.glob(sys.argv[1] + '/*.eml'):\n"
	    "    m = email.message_from_bytes(open(p, 'rb').read(),"
	    " policy=email.policy.default)\n"
	    "    got[m['Message-ID']] += 1\n"
	    "assert len(got) == 4 and set(got.values()) == {2}, got\n"
	    "EOF", f->smtpdir);
	assert_int_equal(system(cmd), 0);
}

static int
busy_untried(struct fixture *f)
{
	struct outbox_row	*rows;
	size_t			 n;
	int			 tried;

	assert_int_equal(store_outbox_list(f->k.store, NULL, 0, &rows, &n), 0);
	tried = n > 0 && rows[0].attempts > 0;
	outbox_rows_free(rows, n);
	return !tried;
}

/*
 * smtp_connect_timeout and smtp_timeout (struct conf, as conf_load
 * fills them) reach the SMTP client: against a server that never
 * greets, the first attempt ends after the configured second, not after
 * the built-in 10 s, with curl's "timed out".
 */
static void
smtp_times_out(struct fixture *f, unsigned connect, unsigned total)
{
	struct outbox_row	*rows;
	char			*cause = NULL;
	double			 t0, took;
	size_t			 n;
	int			 fd, port;

	outbox_stop(f->k.outbox);
	fd = listen_loopback(&port);	/* a mail server that never greets */
	snprintf(f->transport, sizeof f->transport, "smtp://127.0.0.1:%d",
	    port);
	f->conf.smtp_connect_timeout = connect;
	f->conf.smtp_timeout = total;
	f->k.outbox = outbox_start(&f->k, &cause);
	assert_non_null(f->k.outbox);
	t0 = ev_time();
	enqueue(f, "user1@example.lg.jp", "挨拶のないサーバ");
	run_while(f, busy_untried, 8);
	took = ev_time() - t0;
	assert_int_equal(store_outbox_list(f->k.store, NULL, 0, &rows, &n), 0);
	assert_int_equal(n, 1);
	print_message("connect %u s, message %u s: failed after %.2f s: %s\n",
	    connect, total, took, rows[0].last_error);
	assert_true(took > 0.9 && took < 4.);
	assert_non_null(strstr(rows[0].last_error, "timed out"));
	outbox_rows_free(rows, n);
	outbox_stop(f->k.outbox);
	f->k.outbox = NULL;
	close(fd);
}

static void
test_smtp_connect_timeout(void **state)
{
	smtp_times_out(*state, 1, 30);
}

static void
test_smtp_timeout(void **state)
{
	smtp_times_out(*state, 10, 1);
}

/* Lines in FILE (hooks.jsonl: one per request the receiver answered). */
static size_t
count_lines(const char *path)
{
	FILE	*fp = fopen(path, "r");
	size_t	 n = 0;
	int	 ch;

	if (fp == NULL)
		return 0;
	while ((ch = fgetc(fp)) != EOF)
		n += ch == '\n';
	fclose(fp);
	return n;
}

/*
 * Runs the loop until every row is sent, checking at each turn that no
 * more than max rows are 'sending' and that the receiver has accepted no
 * more than max messages whose answer is not yet written (received minus
 * sent): what a crash at that moment would send twice.
 */
static void
run_bounded(struct fixture *f, size_t (*received)(struct fixture *),
    long long max, double secs)
{
	long long	sending, unwritten, most = 0, most_unwritten = 0;
	double		t0 = ev_time();

	while (busy_unsent(f)) {
		if (ev_time() - t0 > secs)
			fail_msg("timed out after %.0f s", secs);
		ev_run(f->k.loop, EVRUN_ONCE);
		sending = count_state(f, OUTBOX_SENDING);
		unwritten = (long long)received(f) -
		    count_state(f, OUTBOX_SENT);
		if (sending > most)
			most = sending;
		if (unwritten > most_unwritten)
			most_unwritten = unwritten;
	}
	print_message("at most %lld sending, %lld accepted and not written "
	    "(limit %lld)\n", most, most_unwritten, max);
	assert_true(most <= max);
	assert_true(most_unwritten <= max);
	/* The limit is used, not just respected. */
	assert_true(most == max);
}

static size_t
received_mails(struct fixture *f)
{
	return count_eml(f->smtpdir);
}

static size_t
received_hooks(struct fixture *f)
{
	char	path[160];

	snprintf(path, sizeof path, "%s/hooks.jsonl", f->hookdir);
	return count_lines(path);
}

/*
 * The envelope sender of one mail sent with the outbox restarted on the
 * configuration as it stands (the choice is made at start): what the
 * receiver recorded as MAIL FROM, and the row's id in *id.
 */
static char *
sent_from(struct fixture *f, int64_t *id)
{
	char	 path[160], line[256], *cause = NULL;
	size_t	 n;
	FILE	*fp;

	outbox_stop(f->k.outbox);
	f->k.outbox = outbox_start(&f->k, &cause);
	assert_non_null(f->k.outbox);
	n = count_eml(f->smtpdir);
	*id = enqueue(f, "tanto@example.lg.jp", "差出人の確認");
	run_while(f, busy_unsent, 20);
	assert_int_equal(count_eml(f->smtpdir), n + 1);
	snprintf(path, sizeof path, "%s/%zu.from", f->smtpdir, n + 1);
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(fgets(line, sizeof line, fp));
	fclose(fp);
	line[strcspn(line, "\n")] = '\0';
	return xstrdup(line);
}

/*
 * VERP: with replies read at an address in mail_from's domain (the case
 * of the domain aside) and a link key, each mail's envelope sender is
 * its row's signed bounce address; an inbound address in another domain
 * (SPF and DMARC judge the envelope sender's), no inbound mailbox or no
 * key keep mail_from's address.
 */
static void
test_verp_sender(void **state)
{
	struct fixture	*f = *state;
	const struct {
		const char	*inbound;
		const char	*address;
		int		 key;
		int		 verp;
	} c[] = {
		{ "maildir:/nonexistent", "koyomi@example.lg.jp", 1, 1 },
		{ "maildir:/nonexistent", "henshin@EXAMPLE.LG.JP", 1, 1 },
		{ "maildir:/nonexistent", "koyomi@replies.example.lg.jp", 1, 0 },
		{ "maildir:/nonexistent", "koyomi@example.jp", 1, 0 },
		{ NULL, "koyomi@example.lg.jp", 1, 0 },
		{ "maildir:/nonexistent", "koyomi@example.lg.jp", 0, 0 },
	};
	char		*got, *want;
	int64_t		 id, back;
	size_t		 i;

	for (i = 0; i < sizeof f->k.link_key; i++)
		f->k.link_key[i] = (unsigned char)(i * 37 + 11);
	f->conf.inbound_delimiter = (char *)"+";
	for (i = 0; i < sizeof c / sizeof c[0]; i++) {
		f->conf.inbound = (char *)c[i].inbound;
		f->conf.inbound_address = (char *)c[i].address;
		f->k.has_link_key = c[i].key;
		got = sent_from(f, &id);
		want = c[i].verp ? links_bounce_address(f->k.link_key, id,
		    c[i].address, "+") : xstrdup("koyomi@example.lg.jp");
		print_message("%s: MAIL FROM:<%s>\n", c[i].address, got);
		assert_string_equal(got, want);
		if (c[i].verp) {
			assert_int_equal(links_bounce_parse(f->k.link_key,
			    c[i].address, "+", got, &back), 0);
			assert_int_equal(back, id);
		}
		free(got);
		free(want);
	}
	f->conf.inbound = NULL;
	f->conf.inbound_address = NULL;
}

/*
 * mail_connections bounds what is out: 3 connections, 150 mails to
 * distinct recipients (all due at once), never more than 3 rows sending,
 * and a connection gets its next mail only once the server's acceptance
 * of the last is written, so a crash could send again at most 3.
 */
static void
test_mail_connections(void **state)
{
	struct fixture	*f = *state;
	char		 to[64], subj[64], *cause = NULL;
	int		 i;

	outbox_stop(f->k.outbox);
	f->conf.mail_connections = 3;
	f->k.outbox = NULL;
	for (i = 0; i < 150; i++) {
		snprintf(to, sizeof to, "user%d@example.lg.jp", i);
		snprintf(subj, sizeof subj, "接続数 #%d", i);
		enqueue(f, to, subj);
	}
	f->k.outbox = outbox_start(&f->k, &cause);
	assert_non_null(f->k.outbox);
	run_bounded(f, received_mails, 3, 60);
	assert_int_equal(count_state(f, OUTBOX_SENT), 150);
	assert_int_equal(count_eml(f->smtpdir), 150);
}

/*
 * webhook_connections: one endpoint's 60 events go out in id order, at
 * most 2 at once, each connection's next request only after the last
 * answer is written. So whenever one arrives, every event queued before
 * it has arrived but at most one (the one the other connection still
 * carries, which a slow request may keep for several places).
 */
static void
test_webhook_connections(void **state)
{
	struct fixture		*f = *state;
	const struct payload_field data[] = { { "title", "順番", 0 } };
	struct payload_event	 ev = { "event.changed", 1771545600, data, 1 };
	struct outbox_row	*rows;
	char			*cause = NULL, cmd[2048], path[160];
	size_t			 n, i;
	FILE			*fp;

	outbox_stop(f->k.outbox);
	f->k.outbox = NULL;
	f->conf.webhook_connections = 2;
	f->conf.nwebhooks = 1;		/* /ok alone */
	assert_int_equal(store_begin(f->k.store), 0);
	for (i = 0; i < 60; i++)
		assert_int_equal(outbox_enqueue_event(&f->k, &ev, &cause), 1);
	assert_int_equal(store_commit(f->k.store), 0);
	f->k.outbox = outbox_start(&f->k, &cause);
	assert_non_null(f->k.outbox);
	run_bounded(f, received_hooks, 2, 60);
	assert_int_equal(count_state(f, OUTBOX_SENT), 60);
	/* The queue order, by webhook-id, for the check below. */
	assert_int_equal(store_outbox_list(f->k.store, NULL, 0, &rows, &n), 0);
	snprintf(path, sizeof path, "%s/ids", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	for (i = n; i > 0; i--)		/* the list is newest first */
		fprintf(fp, "%s\n", rows[i - 1].msgid);
	fclose(fp);
	outbox_rows_free(rows, n);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 - '%s' '%s' <<'EOF'\n"
	    "import json, sys\n"
	    "order = open(sys.argv[1]).read().split()\n"
	    "got = [json.loads(l) for l in open(sys.argv[2] + '/hooks.jsonl')]\n"
	    "assert all(r['sig_ok'] and r['status'] == 204 for r in got)\n"
	    "ids = [r['id'] for r in got]\n"
	    "assert sorted(ids) == sorted(order), (len(ids), len(order))\n"
	    "pos = {m: i for i, m in enumerate(order)}\n"
	    "seen, top = set(), -1\n"
	    "for i, m in enumerate(ids):\n"
	    "    seen.add(pos[m])\n"
	    "    top = max(top, pos[m])\n"
	    "    gaps = [p for p in range(top) if p not in seen]\n"
	    "    assert len(gaps) <= 1, (i, pos[m], gaps)\n"
	    "EOF", path, f->hookdir);
	assert_int_equal(system(cmd), 0);
}

/* The dispatcher in a fresh process on the same database, until killed. */
static void
child_dispatch(struct fixture *f, const char *db)
{
	struct koyomi	k;
	char		*cause = NULL;
	int		 i;

	memset(&k, 0, sizeof k);
	k.conf = &f->conf;
	k.loop = ev_loop_new(EVFLAG_AUTO);
	if ((k.store = store_open(db, &cause)) == NULL)
		_exit(3);
	k.sched = sched_start(&k);
	k.metrics = metrics_start(&k);
	if ((k.outbox = outbox_start(&k, &cause)) == NULL)
		_exit(4);
	for (i = 0; i < 10000000; i++)
		ev_run(k.loop, EVRUN_ONCE);
	_exit(0);
}

/*
 * kill -9 in the middle of 1,000 deliveries: after a restart every
 * message arrives, and a message that arrived twice has one Message-ID.
 */
static void
test_kill9(void **state)
{
	struct fixture		*f = *state;
	struct outbox_row	*rows;
	char			 db[128], to[64], subj[64], cmd[1200], *cause;
	size_t			 n, i;
	pid_t			 pid;
	int			 st, waited;

	snprintf(db, sizeof db, "%s/koyomi.db", f->dir);
	outbox_stop(f->k.outbox);	/* the parent only enqueues */
	f->k.outbox = NULL;
	assert_int_equal(store_begin(f->k.store), 0);
	for (i = 0; i < 1000; i++) {
		struct outbox_mail m = { 0 };

		snprintf(to, sizeof to, "user%zu@example.lg.jp", i % 5);
		snprintf(subj, sizeof subj, "一斉送信 #%zu", i);
		m.kind = "reminder";
		m.to_name = "東京都　ご担当者様";
		m.to_addr = to;
		m.subject = subj;
		m.body = "東京都　ご担当者様\n\nいつもお世話になっております。\n";
		assert_true(outbox_enqueue_mail(&f->k, &m, &cause) > 0);
	}
	assert_int_equal(store_commit(f->k.store), 0);
	if ((pid = fork()) == 0)
		child_dispatch(f, db);
	assert_true(pid > 0);
	for (waited = 0; waited < 600 && count_eml(f->smtpdir) < 150; waited++)
		usleep(50000);
	assert_true(count_eml(f->smtpdir) >= 150);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	assert_true(WIFSIGNALED(st));
	assert_true(count_eml(f->smtpdir) < 1000);
	/* Restart: a new dispatcher on the same database. */
	f->k.outbox = outbox_start(&f->k, &cause);
	assert_non_null(f->k.outbox);
	run_while(f, busy_unsent, 120);
	assert_int_equal(count_state(f, OUTBOX_SENT), 1000);
	assert_int_equal(store_outbox_list(f->k.store, NULL, 0, &rows, &n), 0);
	assert_int_equal(n, 1000);
	snprintf(cmd, sizeof cmd, "%s/ids", f->dir);
	{
		FILE	*fp = fopen(cmd, "w");

		for (i = 0; i < n; i++)
			fprintf(fp, "%s\n", rows[i].msgid);
		fclose(fp);
	}
	outbox_rows_free(rows, n);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 - '%s' <<'EOF'\n"
	    "import email, email.policy, glob, sys, collections\n"
	    "d = sys.argv[1]\n"
	    "want = set(open(d + '/ids').read().split())\n"
	    "got = collections.Counter()\n"
	    "subj = {}\n"
	    "for p in glob.glob(d + '/smtp/*.eml'):\n"
	    "    m = email.message_from_bytes(open(p, 'rb').read(),"
	    " policy=email.policy.default)\n"
	    "    i = m['Message-ID']\n"
	    "    got[i] += 1\n"
	    "    assert subj.setdefault(i, str(m['Subject'])) =="
	    " str(m['Subject']), 'one id, two messages'\n"
	    "assert len(want) == 1000\n"
	    "assert set(got) == want, (len(set(got)), len(want))\n"
	    "print('duplicates after kill -9:', sum(got.values()) - 1000)\n"
	    "EOF", f->dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mail_delivered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_lazy_results_synced,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_server_down_then_back,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_permanent_failure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_webhooks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_sending, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_expiry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kill9, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mail_connections, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_webhook_connections,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_one_transaction,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_retried, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stop_writes_answers,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritten_sent_again,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_smtp_connect_timeout,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_smtp_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_verp_sender, setup,
		    teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
