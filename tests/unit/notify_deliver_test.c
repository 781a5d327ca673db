/*
 * notify_deliver_test.c — the notifier against real receivers on a real
 * libev loop: a Maildir in a temp dir, an aiosmtpd server and a Python
 * webhook receiver (tests/integration/lib_receivers.py) started with
 * fork/exec on free 127.0.0.1 ports and stopped by PID.
 */
#include <sys/socket.h>
#include <sys/stat.h>
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
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "calendars/util.h"
#include "notifier/notify.h"
#include "tests/unit/receiver_fixture.h"

struct outcome {
	int			 called;
	struct notify_result	 res;
};

static void
on_done(void *arg, const struct notify_result *r)
{
	struct outcome	*o = arg;

	o->called++;
	o->res = *r;
}

/* Runs the loop until every outcome has been called (bounded). */
static void
run_until(struct ev_loop *loop, struct outcome *o, size_t n)
{
	size_t	i, done;
	int	turns;

	for (turns = 0; turns < 200000; turns++) {
		for (i = done = 0; i < n; i++)
			done += o[i].called;
		if (done == n)
			return;
		ev_run(loop, EVRUN_ONCE);
	}
	fail_msg("loop did not finish");
}

static size_t
count_files(const char *dir, const char *suffix)
{
	DIR		*d = opendir(dir);
	struct dirent	*e;
	size_t		 n = 0, sl = strlen(suffix), l;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		l = strlen(e->d_name);
		if (e->d_name[0] != '.' && l >= sl &&
		    strcmp(e->d_name + l - sl, suffix) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static int
read_int(const char *path)
{
	FILE	*f = fopen(path, "r");
	int	 v = -1;

	if (f != NULL) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static const char *
slurp(const char *path, char *buf, size_t size)
{
	FILE	*f = fopen(path, "rb");
	size_t	 n = 0;

	if (f != NULL) {
		n = fread(buf, 1, size - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static char *
mkmsg(int i, const char *to)
{
	char	*s;

	xasprintf(&s, "From: koyomi <k@example.jp>\r\nTo: %s\r\nSubject: t%d\r\n"
	    "Message-ID: <m%d@test>\r\n\r\n.leading dot line %d\r\n", to, i, i, i);
	return s;
}

/* Submits mkmsg(i, rcpt) to rcpt; its outcome goes to *o. */
static void
submit_mail(struct notify *n, int i, const char *rcpt, struct outcome *o)
{
	struct notify_job	 j = { 0 };
	char			*m, *cause = NULL;

	m = mkmsg(i, rcpt);
	j.channel = NOTIFY_MAIL;
	j.rcpt = rcpt;
	j.msgid = "<x@y>";
	j.payload = m;
	j.len = strlen(m);
	j.done = on_done;
	j.arg = o;
	assert_int_equal(notify_submit(n, &j, &cause), 0);
	free(m);
}

static void
test_maildir(void **state)
{
	char			 dir[] = "/tmp/koyomi-md.XXXXXX", tr[128], p[256];
	struct notify_conf	 nc = { 0 };
	struct ev_loop		*loop = ev_loop_new(EVFLAG_AUTO);
	struct outcome		 o[5];
	struct notify		*n;
	char			*cause = NULL;
	int			 i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(tr, sizeof tr, "maildir:%s/Maildir", dir);
	nc.mail_transport = tr;
	n = notify_new(loop, &nc, &cause);
	assert_non_null(n);
	memset(o, 0, sizeof o);
	for (i = 0; i < 5; i++) {
		submit_mail(n, i, "a@example.jp", &o[i]);
		/* Never called from inside submit. */
		assert_int_equal(o[i].called, 0);
	}
	run_until(loop, o, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(o[i].res.status, NOTIFY_OK);
	snprintf(p, sizeof p, "%s/Maildir/new", dir);
	assert_int_equal(count_files(p, ""), 5);	/* unique names */
	snprintf(p, sizeof p, "%s/Maildir/tmp", dir);
	assert_int_equal(count_files(p, ""), 0);
	notify_free(n);
	ev_loop_destroy(loop);
	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

static void
test_smtp(void **state)
{
	char			 dir[] = "/tmp/koyomi-smtp.XXXXXX", tr[64], p[256];
	struct notify_conf	 nc = { 0 };
	struct ev_loop		*loop = ev_loop_new(EVFLAG_AUTO);
	struct outcome		 o[22];
	struct notify		*n;
	char			*cause = NULL, rcpt[64], sbuf[4096];
	int			 i, port = free_port();
	pid_t			 pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	pid = start_receiver("smtp", port, dir);
	snprintf(tr, sizeof tr, "smtp://127.0.0.1:%d", port);
	nc.mail_transport = tr;
	nc.mail_from = "koyomi <koyomi@example.jp>";
	nc.mail_concurrency = 2;
	n = notify_new(loop, &nc, &cause);
	assert_non_null(n);
	memset(o, 0, sizeof o);
	for (i = 0; i < 22; i++) {
		/* 20 good ones, then a 550 and a 451. */
		snprintf(rcpt, sizeof rcpt, "%s%d@example.jp", i == 20 ?
		    "reject" : i == 21 ? "tempfail" : "user", i);
		submit_mail(n, i, rcpt, &o[i]);
	}
	run_until(loop, o, 22);
	for (i = 0; i < 20; i++)
		assert_int_equal(o[i].res.status, NOTIFY_OK);
	assert_int_equal(o[20].res.status, NOTIFY_PERMFAIL);
	assert_int_equal(o[20].res.code, 550);
	assert_int_equal(o[21].res.status, NOTIFY_TEMPFAIL);
	assert_int_equal(o[21].res.code, 451);
	assert_int_equal(count_files(dir, ".eml"), 20);
	/* Bytes arrive unchanged: curl dot-stuffs, the server un-stuffs. */
	snprintf(p, sizeof p, "%s/1.eml", dir);
	assert_non_null(strstr(slurp(p, sbuf, sizeof sbuf),
	    "\r\n\r\n.leading dot line "));
	/* Handles are reused: a few SMTP sessions, not one per mail. */
	snprintf(p, sizeof p, "%s/sessions", dir);
	assert_true(read_int(p) >= 1 && read_int(p) <= 4);
	/* An envelope sender of the job's own, where it can be one only. */
	{
		static const char *const bad[] = { "", "a b@x.jp",
			"a@x.jp>\r\nRCPT TO:<c@d.jp", "<a@x.jp>", "ax.jp",
			"a@b@x.jp", "@x.jp", "a@", "\xe6\x9a\xa6@x.jp" };
		struct notify_job	 j = { 0 };
		size_t			 k;

		j.channel = NOTIFY_MAIL;
		j.rcpt = "user@example.jp";
		j.msgid = "<x@y>";
		j.payload = "x";
		j.len = 1;
		j.done = on_done;
		j.arg = &o[0];
		for (k = 0; k < sizeof bad / sizeof bad[0]; k++) {
			j.sender = bad[k];
			assert_int_equal(notify_submit(n, &j, &cause), -1);
			free(cause);
			cause = NULL;
		}
	}
	stop_receiver(&pid);
	/* Server gone: a temporary failure, not a crash. */
	memset(o, 0, sizeof o);
	submit_mail(n, 99, "user@example.jp", &o[0]);
	run_until(loop, o, 1);
	assert_int_equal(o[0].res.status, NOTIFY_TEMPFAIL);
	notify_free(n);
	ev_loop_destroy(loop);
	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

static void
test_webhook(void **state)
{
	const char *const	 paths[] = { "/ok", "/flaky", "/gone", "/busy" };
	/* One id each: the receiver counts /flaky's attempts by id. */
	const char *const	 ids[] = { "msg_test_ok", "msg_test_flaky",
				    "msg_test_gone", "msg_test_busy" };
	const char *const	 secrets[] = { RECEIVER_SECRET };
	char			 dir[] = "/tmp/koyomi-hook.XXXXXX", url[4][96];
	char			 p[256];
	struct notify_conf	 nc = { 0 };
	struct ev_loop		*loop = ev_loop_new(EVFLAG_AUTO);
	struct outcome		 o[4];
	struct notify_endpoint	 ep[4];
	struct notify		*n;
	struct notify_job	 j = { 0 };
	const char		*body = "{\"type\":\"task.reminder\"}";
	char			*cause = NULL;
	int			 i, port = free_port();
	pid_t			 pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	pid = start_receiver("http", port, dir);
	n = notify_new(loop, &nc, &cause);
	assert_non_null(n);
	memset(o, 0, sizeof o);
	for (i = 0; i < 4; i++) {
		snprintf(url[i], sizeof url[i], "http://127.0.0.1:%d%s", port,
		    paths[i]);
		ep[i].id = paths[i];
		ep[i].url = url[i];
		ep[i].secrets = secrets;
		ep[i].nsecrets = 1;
		ep[i].format = NOTIFY_HOOK_STANDARD;
		j.channel = NOTIFY_WEBHOOK;
		j.endpoint = &ep[i];
		j.msgid = ids[i];
		j.payload = body;
		j.len = strlen(body);
		j.done = on_done;
		j.arg = &o[i];
		assert_int_equal(notify_submit(n, &j, &cause), 0);
	}
	run_until(loop, o, 4);
	assert_int_equal(o[0].res.status, NOTIFY_OK);	/* signature checked */
	assert_int_equal(o[1].res.status, NOTIFY_TEMPFAIL);
	assert_int_equal(o[1].res.code, 500);
	assert_int_equal(o[2].res.status, NOTIFY_PERMFAIL);
	assert_int_equal(o[2].res.code, 410);
	assert_int_equal(o[3].res.status, NOTIFY_TEMPFAIL);
	assert_int_equal(o[3].res.retry_after, 7);
	/* /flaky, same id: 500 on attempts 2 and 3, then 204 on the 4th. */
	for (i = 0; i < 3; i++) {
		memset(&o[1], 0, sizeof o[1]);
		j.endpoint = &ep[1];
		j.msgid = ids[1];
		j.arg = &o[1];
		assert_int_equal(notify_submit(n, &j, &cause), 0);
		run_until(loop, &o[1], 1);
		if (i < 2) {
			assert_int_equal(o[1].res.status, NOTIFY_TEMPFAIL);
			assert_int_equal(o[1].res.code, 500);
		}
	}
	assert_int_equal(o[1].res.status, NOTIFY_OK);
	stop_receiver(&pid);
	notify_free(n);
	ev_loop_destroy(loop);
	snprintf(p, sizeof p, "rm -rf '%s'", dir);
	assert_int_equal(system(p), 0);
}

/* A server that never answers: the sub-second timeout must fire. */
static void
test_timeout(void **state)
{
	struct notify_conf	 nc = { 0 };
	struct ev_loop		*loop = ev_loop_new(EVFLAG_AUTO);
	struct notify_endpoint	 ep = { 0 };
	struct notify_job	 j = { 0 };
	struct outcome		 o[1];
	struct notify		*n;
	char			 url[64], *cause = NULL;
	double			 t0;
	int			 fd, port;

	(void)state;
	fd = listen_loopback(&port);		/* never accepted */
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", port);
	nc.timeout_ms = 300;
	n = notify_new(loop, &nc, &cause);
	ep.id = "silent";
	ep.url = url;
	j.channel = NOTIFY_WEBHOOK;
	j.endpoint = &ep;
	j.msgid = "msg_t";
	j.payload = "{}";
	j.len = 2;
	j.done = on_done;
	j.arg = &o[0];
	memset(o, 0, sizeof o);
	t0 = ev_time();
	assert_int_equal(notify_submit(n, &j, &cause), 0);
	run_until(loop, o, 1);
	assert_int_equal(o[0].res.status, NOTIFY_TEMPFAIL);
	assert_true(ev_time() - t0 >= 0.25 && ev_time() - t0 < 5.0);
	assert_non_null(strstr(o[0].res.error, "silent"));
	notify_free(n);
	ev_loop_destroy(loop);
	close(fd);
}

/*
 * A one-connection SMTP server in a child process that takes the whole
 * message and answers its end only after hold_ms: a mail server busy
 * scanning. Returns the child's pid; *port is where it listens.
 */
static pid_t
start_slow_smtp(int hold_ms, int *port)
{
	char			 buf[8192];
	size_t			 have = 0;
	ssize_t			 r;
	pid_t			 pid;
	int			 fd, c, data = 0;

	fd = listen_loopback(port);
	if ((pid = fork()) != 0) {
		assert_true(pid > 0);
		close(fd);
		return pid;
	}
	if ((c = accept(fd, NULL, NULL)) == -1)
		_exit(1);
#define SAY(s)	(void)!write(c, s, strlen(s))
	SAY("220 slow.test ESMTP\r\n");
	for (;;) {
		char	*eol;

		if ((r = read(c, buf + have, sizeof buf - 1 - have)) <= 0)
			_exit(0);
		have += (size_t)r;
		buf[have] = '\0';
		if (data) {
			if (strstr(buf, "\r\n.\r\n") == NULL) {
				/* Keep the tail: the end may straddle reads. */
				if (have > 8) {
					memmove(buf, buf + have - 8, 8);
					have = 8;
				}
				continue;
			}
			usleep((useconds_t)hold_ms * 1000);
			SAY("250 2.0.0 queued\r\n");
			have = 0;
			data = 0;
			continue;
		}
		while ((eol = strstr(buf, "\r\n")) != NULL) {
			*eol = '\0';
			if (strncasecmp(buf, "EHLO", 4) == 0)
				SAY("250-slow.test\r\n250 8BITMIME\r\n");
			else if (strncasecmp(buf, "DATA", 4) == 0) {
				SAY("354 go ahead\r\n");
				data = 1;
			} else if (strncasecmp(buf, "QUIT", 4) == 0) {
				SAY("221 bye\r\n");
				_exit(0);
			} else
				SAY("250 2.0.0 ok\r\n");
			have -= (size_t)(eol + 2 - buf);
			memmove(buf, eol + 2, have + 1);
			if (data)
				break;
		}
	}
#undef SAY
}

/*
 * An SMTP server in a child process that drops each session as the
 * second message's MAIL comes in, without a word, as a server whose idle
 * timeout fell just then would: the client must send that message again
 * on a new session. It offers PIPELINING when pipelining is set. It
 * exits, once it has taken want messages, with messages * 10 + the
 * number of times MAIL, RCPT and DATA came in one read.
 */
static pid_t
start_dropping_smtp(int want, int pipelining, int *port)
{
	char	 buf[16384];
	size_t	 have;
	ssize_t	 r;
	pid_t	 pid;
	int	 fd, c, got = 0, grouped = 0, conns;

	fd = listen_loopback(port);
	if ((pid = fork()) != 0) {
		assert_true(pid > 0);
		close(fd);
		return pid;
	}
	alarm(20);	/* never outlive a failed test */
#define SAY(s)	(void)!write(c, s, strlen(s))
	for (conns = 0; conns < 2 * want && got < want; conns++) {
		int	 data = 0, mails = 0;

		if ((c = accept(fd, NULL, NULL)) == -1)
			_exit(100);
		have = 0;
		SAY("220 drop.test ESMTP\r\n");
		for (;;) {
			char	*eol;

			if ((r = read(c, buf + have, sizeof buf - 1 - have)) <= 0)
				break;
			have += (size_t)r;
			buf[have] = '\0';
			if (!data && strncmp(buf, "MAIL FROM:", 10) == 0 &&
			    strstr(buf, "\r\nRCPT TO:") != NULL &&
			    strstr(buf, "\r\nDATA\r\n") != NULL)
				grouped++;
			if (data) {
				char *end = strstr(buf, "\r\n.\r\n");

				if (end == NULL)
					continue;
				SAY("250 2.0.0 queued\r\n");
				data = 0;
				have -= (size_t)(end + 5 - buf);
				memmove(buf, end + 5, have + 1);
				if (++got == want)
					break;
			}
			while (!data && (eol = strstr(buf, "\r\n")) != NULL) {
				*eol = '\0';
				if (strncasecmp(buf, "EHLO", 4) == 0)
					SAY(pipelining ? "250-drop.test\r\n"
					    "250 PIPELINING\r\n" :
					    "250 drop.test\r\n");
				else if (strncasecmp(buf, "MAIL", 4) == 0 &&
				    ++mails == 2)
					goto drop;
				else if (strncasecmp(buf, "DATA", 4) == 0) {
					SAY("354 go ahead\r\n");
					data = 1;
				} else
					SAY("250 2.0.0 ok\r\n");
				have -= (size_t)(eol + 2 - buf);
				memmove(buf, eol + 2, have + 1);
			}
			if (got == want)
				break;
		}
drop:
		close(c);
	}
#undef SAY
	_exit(got * 10 + grouped);
}

/*
 * Three mails one after the other to a server that drops the session as
 * each next message begins: each goes again on a new session, none is
 * reported failed; with PIPELINING offered, MAIL, RCPT and DATA go in one
 * write, without it one at a time.
 */
static void
test_smtp_dropped_session(void **state)
{
	static char		 tr[64];	/* the notifier borrows it */
	struct ev_loop		*loop;
	struct notify_conf	 nc = { 0 };
	struct outcome		 o[3];
	struct notify		*n;
	char			*cause = NULL;
	int			 port, st, i, pipe;
	pid_t			 pid;

	(void)state;
	for (pipe = 0; pipe < 2; pipe++) {
		loop = ev_loop_new(EVFLAG_AUTO);
		pid = start_dropping_smtp(3, pipe, &port);
		snprintf(tr, sizeof tr, "smtp://127.0.0.1:%d", port);
		nc.mail_transport = tr;
		nc.mail_from = "koyomi <koyomi@example.jp>";
		nc.mail_concurrency = 1;
		n = notify_new(loop, &nc, &cause);
		assert_non_null(n);
		memset(o, 0, sizeof o);
		for (i = 0; i < 3; i++) {
			submit_mail(n, i + 1, "user@example.jp", &o[i]);
			run_until(loop, &o[i], 1);
			assert_int_equal(o[i].res.status, NOTIFY_OK);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		/*
		 * Three messages; with PIPELINING each of the five tries
		 * (two dropped) came as one group, without it none.
		 */
		assert_int_equal(WEXITSTATUS(st), 30 + (pipe ? 5 : 0));
		notify_free(n);
		ev_loop_destroy(loop);
	}
}

struct ticks {
	ev_tstamp	last;
	ev_tstamp	max_gap;
};

static void
tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ticks	*t = w->data;
	ev_tstamp	 now = ev_time();

	(void)loop;
	(void)revents;
	if (now - t->last > t->max_gap)
		t->max_gap = now - t->last;
	t->last = now;
}

/*
 * A notifier mailing to a start_slow_smtp() server, *pid, that holds its
 * reply to each message hold_ms.
 */
static struct notify *
slow_notify(struct ev_loop *loop, int hold_ms, long timeout_ms, pid_t *pid)
{
	static char		 tr[64];	/* the notifier borrows it */
	struct notify_conf	 nc = { 0 };
	struct notify		*n;
	char			*cause = NULL;
	int			 port;

	*pid = start_slow_smtp(hold_ms, &port);
	snprintf(tr, sizeof tr, "smtp://127.0.0.1:%d", port);
	nc.mail_transport = tr;
	nc.mail_from = "koyomi <koyomi@example.jp>";
	nc.timeout_ms = timeout_ms;
	n = notify_new(loop, &nc, &cause);
	assert_non_null(n);
	return n;
}

/* One mail through a fresh notifier; its outcome. */
static struct notify_result
send_once(struct ev_loop *loop, const struct notify_conf *nc)
{
	struct outcome	 o[1];
	struct notify	*n;
	char		*cause = NULL;

	n = notify_new(loop, nc, &cause);
	assert_non_null(n);
	memset(o, 0, sizeof o);
	submit_mail(n, 1, "user@example.jp", &o[0]);
	run_until(loop, o, 1);
	notify_free(n);
	return o[0].res;
}

static void
write_cred(const char *path, const char *line, mode_t mode)
{
	FILE	*f;

	assert_non_null(f = fopen(path, "w"));
	fputs(line, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

/* The receiver of the AUTH tests, stopped even after a failed assertion. */
static pid_t	auth_receiver;

static int
stop_auth_receiver(void **state)
{
	(void)state;
	if (auth_receiver > 0)
		stop_receiver(&auth_receiver);
	auth_receiver = 0;
	return 0;
}

static void
rm_rf(const char *dir)
{
	char	cmd[256];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * Credentials over smtp:// with mail_starttls optional, to a server that
 * offers AUTH but no STARTTLS (or a man in the middle that stripped it):
 * nothing goes out, the password least of all; the failure is temporary.
 * A credentials file readable by others is refused.
 */
static void
test_smtp_auth_clear(void **state)
{
	char			 dir[] = "/tmp/koyomi-auth.XXXXXX", tr[64];
	char			 cred[128], p[256];
	struct notify_conf	 nc = { 0 };
	struct ev_loop		*loop = ev_loop_new(EVFLAG_AUTO);
	struct notify_result	 r;
	char			*cause = NULL;
	int			 port = free_port();

	(void)state;
	assert_non_null(mkdtemp(dir));
	auth_receiver = start_receiver_arg("smtp-auth", port, dir,
	    "koyomi:s3cret");
	snprintf(cred, sizeof cred, "%s/cred", dir);
	write_cred(cred, "koyomi:s3cret\n", 0644);
	snprintf(tr, sizeof tr, "smtp://127.0.0.1:%d", port);
	nc.mail_transport = tr;
	nc.mail_from = "koyomi <koyomi@example.jp>";
	nc.mail_credentials = cred;
	nc.mail_starttls = 0;
	assert_null(notify_new(loop, &nc, &cause));
	assert_non_null(strstr(cause, "group or others"));
	free(cause);
	assert_int_equal(chmod(cred, 0600), 0);
	r = send_once(loop, &nc);
	assert_int_equal(r.status, NOTIFY_TEMPFAIL);
	assert_non_null(strstr(r.error, "nothing was sent in clear text"));
	assert_int_equal(count_files(dir, ".eml"), 0);
	snprintf(p, sizeof p, "%s/auth.jsonl", dir);
	assert_int_equal(access(p, F_OK), -1);
	ev_loop_destroy(loop);
	rm_rf(dir);
}

/*
 * Credentials after STARTTLS, the server's certificate checked against
 * mail_ca_file or SSL_CERT_FILE, and refused when neither vouches for it;
 * a wrong password is our configuration's fault: temporary.
 */
static void
test_smtp_auth_tls(void **state)
{
	char			 dir[] = "/tmp/koyomi-auth.XXXXXX", tr[64];
	char			 cred[128], cert[128], p[256], buf[512];
	char			 cmd[768];
	struct notify_conf	 nc = { 0 };
	struct ev_loop		*loop = ev_loop_new(EVFLAG_AUTO);
	struct notify_result	 r;
	int			 port = free_port();

	(void)state;
	unsetenv("SSL_CERT_FILE");
	unsetenv("SSL_CERT_DIR");
	assert_non_null(mkdtemp(dir));
	snprintf(cert, sizeof cert, "%s/cert.pem", dir);
	snprintf(cmd, sizeof cmd, "openssl req -x509 -newkey ec -pkeyopt "
	    "ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost "
	    "-addext subjectAltName=IP:127.0.0.1 -keyout '%s/key.pem' "
	    "-out '%s' 2>/dev/null", dir, cert);
	assert_int_equal(system(cmd), 0);
	auth_receiver = start_receiver_arg("smtp-auth-tls", port, dir,
	    "koyomi:s3cret");
	snprintf(cred, sizeof cred, "%s/cred", dir);
	write_cred(cred, "koyomi:s3cret\n", 0600);
	snprintf(tr, sizeof tr, "smtp://127.0.0.1:%d", port);
	nc.mail_transport = tr;
	nc.mail_from = "koyomi <koyomi@example.jp>";
	nc.mail_credentials = cred;
	nc.mail_ca_file = cert;
	r = send_once(loop, &nc);
	assert_int_equal(r.status, NOTIFY_OK);
	assert_int_equal(count_files(dir, ".eml"), 1);
	snprintf(p, sizeof p, "%s/auth.jsonl", dir);
	assert_string_equal(slurp(p, buf, sizeof buf),
	    "{\"tls\": true, \"ok\": true}\n");
	/* Wrong password. */
	write_cred(cred, "koyomi:wrong\n", 0600);
	r = send_once(loop, &nc);
	assert_int_equal(r.status, NOTIFY_TEMPFAIL);
	assert_non_null(strstr(r.error, "mail_credentials"));
	assert_int_equal(count_files(dir, ".eml"), 1);
	/* The system's CAs do not know the test's certificate. */
	write_cred(cred, "koyomi:s3cret\n", 0600);
	nc.mail_ca_file = NULL;
	r = send_once(loop, &nc);
	assert_int_equal(r.status, NOTIFY_TEMPFAIL);
	assert_non_null(strstr(r.error, "not signed by a trusted CA"));
	assert_int_equal(count_files(dir, ".eml"), 1);
	/* OpenSSL's variable, which libcurl alone would ignore. */
	assert_int_equal(setenv("SSL_CERT_FILE", cert, 1), 0);
	r = send_once(loop, &nc);
	unsetenv("SSL_CERT_FILE");
	assert_int_equal(r.status, NOTIFY_OK);
	assert_int_equal(count_files(dir, ".eml"), 2);
	ev_loop_destroy(loop);
	rm_rf(dir);
}

/*
 * A server taking 1.5 s to answer the end of DATA must not stop the
 * caller's loop for that long (the client never blocks; libcurl, used
 * before, waited for that reply with a blocking poll).
 */
static void
test_smtp_slow_reply(void **state)
{
	struct ev_loop		*loop = ev_loop_new(EVFLAG_AUTO);
	struct outcome		 o[1];
	struct ticks		 tk;
	struct notify		*n;
	ev_timer		 tick;
	int			 st;
	pid_t			 pid;

	(void)state;
	n = slow_notify(loop, 1500, 10000, &pid);
	memset(o, 0, sizeof o);
	tk.last = ev_time();
	tk.max_gap = 0.;
	ev_timer_init(&tick, tick_cb, 0.02, 0.02);
	tick.data = &tk;
	ev_timer_start(loop, &tick);
	submit_mail(n, 1, "user@example.jp", &o[0]);
	run_until(loop, o, 1);
	ev_timer_stop(loop, &tick);
	assert_int_equal(o[0].res.status, NOTIFY_OK);
	/* The loop kept turning while the server held its reply. */
	assert_true(tk.max_gap < 0.5);
	notify_free(n);
	ev_loop_destroy(loop);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

static void
stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ONE);
}

/* notify_free() with a mail waiting for a 20 s reply returns at once. */
static void
test_smtp_free_while_held(void **state)
{
	struct ev_loop		*loop = ev_loop_new(EVFLAG_AUTO);
	struct outcome		 o[1];
	struct notify		*n;
	ev_timer		 stop;
	double			 t0;
	int			 st;
	pid_t			 pid;

	(void)state;
	n = slow_notify(loop, 20000, 30000, &pid);
	memset(o, 0, sizeof o);
	submit_mail(n, 1, "user@example.jp", &o[0]);
	ev_timer_init(&stop, stop_cb, 1.0, 0.);
	ev_timer_start(loop, &stop);
	ev_run(loop, 0);		/* the message is sent, its reply held */
	assert_int_equal(o[0].called, 0);
	t0 = ev_time();
	notify_free(n);
	assert_true(ev_time() - t0 < 2.0);
	assert_int_equal(o[0].called, 0);	/* no callback after free */
	ev_loop_destroy(loop);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maildir),
		cmocka_unit_test(test_smtp),
		cmocka_unit_test(test_webhook),
		cmocka_unit_test_teardown(test_smtp_auth_clear,
		    stop_auth_receiver),
		cmocka_unit_test_teardown(test_smtp_auth_tls,
		    stop_auth_receiver),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_smtp_slow_reply),
		cmocka_unit_test(test_smtp_free_while_held),
		cmocka_unit_test(test_smtp_dropped_session),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
