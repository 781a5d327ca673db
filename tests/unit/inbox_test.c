/*
 * inbox_test.c — replies by mail, without a daemon: reply addresses
 * signed and read back (every altered character refused, case folded by
 * an MTA accepted), machine-made mail recognised by each sign, the
 * verdict for every kind of message with look-ups faked, file names
 * made safe, survey answers read from a first line, DSNs read, and real
 * MIME (ISO-2022-JP, RFC 2231 and RFC 2047 file names, inline pictures,
 * a Postfix bounce) parsed with GMime.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "calendars/util.h"
#include "daemon/core/links.h"
#include "daemon/inbox/inbox_match.h"
#include "daemon/inbox/inbox_mime.h"

static const unsigned char key1[LINKS_KEY_LEN] =
    "0123456789abcdef0123456789abcdef";
static const unsigned char key2[LINKS_KEY_LEN] =
    "0123456789abcdef0123456789abcdeX";

static void
test_reply_address(void **state)
{
	char		*a, *b, tag[LINKS_TAG_MAX], *at;
	int64_t		 task = 0;
	size_t		 i, n;

	(void)state;
	a = links_reply_address(key1, 123, "koyomi@example.jp", "+");
	assert_non_null(a);
	assert_int_equal(strncmp(a, "koyomi+123.", 11), 0);
	assert_string_equal(a + strlen(a) - 11, "@example.jp");
	/* 16 letters of lower-case base32 */
	assert_int_equal(strlen(a), strlen("koyomi+123.") + 16 +
	    strlen("@example.jp"));
	for (i = 11; i < 27; i++)
		assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz234567",
		    a[i]));
	assert_int_equal(links_reply_parse(key1, "koyomi@example.jp", "+", a,
	    &task), LINKS_REPLY_OK);
	assert_int_equal(task, 123);
	/* An MTA or a person may change the case of every letter. */
	b = xstrdup(a);
	for (i = 0; b[i] != '\0'; i++)
		if (b[i] >= 'a' && b[i] <= 'z')
			b[i] = (char)(b[i] - 'a' + 'A');
	task = 0;
	assert_int_equal(links_reply_parse(key1, "koyomi@example.jp", "+", b,
	    &task), LINKS_REPLY_OK);
	assert_int_equal(task, 123);
	free(b);
	/* Any one letter of the signature changed: refused. */
	at = strchr(a, '@');
	n = 0;
	for (i = 11; a + i < at; i++) {
		b = xstrdup(a);
		b[i] = b[i] == 'a' ? 'b' : 'a';
		if (links_reply_parse(key1, "koyomi@example.jp", "+", b,
		    &task) == LINKS_REPLY_BAD)
			n++;
		free(b);
	}
	assert_int_equal(n, (size_t)(at - a) - 11);
	/* The signature of task 123 on task 124; another key; a zero. */
	b = xstrdup(a);
	b[9] = '4';
	assert_int_equal(links_reply_parse(key1, "koyomi@example.jp", "+", b,
	    &task), LINKS_REPLY_BAD);
	free(b);
	assert_int_equal(links_reply_parse(key2, "koyomi@example.jp", "+", a,
	    &task), LINKS_REPLY_BAD);
	links_reply_tag(key1, 123, tag);
	xasprintf(&b, "koyomi+0%s@example.jp", tag);
	assert_int_equal(links_reply_parse(key1, "koyomi@example.jp", "+", b,
	    &task), LINKS_REPLY_BAD);
	free(b);
	/* Not ours, ours untagged, another tag, another delimiter. */
	assert_int_equal(links_reply_parse(key1, "koyomi@example.jp", "+",
	    "koyomi@example.com", &task), LINKS_REPLY_OTHER);
	assert_int_equal(links_reply_parse(key1, "koyomi@example.jp", "+",
	    "someone@example.jp", &task), LINKS_REPLY_OTHER);
	assert_int_equal(links_reply_parse(key1, "koyomi@example.jp", "+",
	    "KOYOMI@Example.JP", &task), LINKS_REPLY_UNTAGGED);
	assert_int_equal(links_reply_parse(key1, "koyomi@example.jp", "+",
	    "koyomi+news@example.jp", &task), LINKS_REPLY_UNTAGGED);
	assert_int_equal(links_reply_parse(key1, "koyomi@example.jp", "-", a,
	    &task), LINKS_REPLY_OTHER);
	free(a);
	a = links_reply_address(key1, 9, "no-reply@example.jp", "-");
	assert_int_equal(links_reply_parse(key1, "no-reply@example.jp", "-",
	    a, &task), LINKS_REPLY_OK);
	assert_int_equal(task, 9);
	free(a);
	assert_null(links_reply_address(key1, 1, "nobody", "+"));
	assert_int_equal(links_reply_check(key1, "123.", &task), -1);
	assert_int_equal(links_reply_check(key1, ".abc", &task), -1);
	assert_int_equal(links_reply_check(key1,
	    "1234567890123456789.aaaaaaaaaaaaaaaa", &task), -1);
}

/* Bounce addresses (VERP): their own signature, never a task's. */
static void
test_bounce_address(void **state)
{
	char		*a, *b, *r;
	int64_t		 id = 0, task = 0;
	size_t		 i;

	(void)state;
	a = links_bounce_address(key1, 4242, "koyomi@example.jp", "+");
	assert_non_null(a);
	assert_int_equal(strncmp(a, "koyomi+b4242.", 13), 0);
	assert_int_equal(links_bounce_parse(key1, "koyomi@example.jp", "+", a,
	    &id), 0);
	assert_int_equal(id, 4242);
	/* Case folded by an MTA: still genuine. */
	b = xstrdup(a);
	for (i = 0; b[i] != '\0'; i++)
		if (b[i] >= 'a' && b[i] <= 'z')
			b[i] = (char)(b[i] - 'a' + 'A');
	id = 0;
	assert_int_equal(links_bounce_parse(key1, "koyomi@example.jp", "+", b,
	    &id), 0);
	assert_int_equal(id, 4242);
	free(b);
	/* Another row's number, another key, a letter changed. */
	b = xstrdup(a);
	b[11] = '3';
	assert_int_equal(links_bounce_parse(key1, "koyomi@example.jp", "+", b,
	    &id), -1);
	free(b);
	assert_int_equal(links_bounce_parse(key2, "koyomi@example.jp", "+", a,
	    &id), -1);
	b = xstrdup(a);
	b[14] = b[14] == 'a' ? 'b' : 'a';
	assert_int_equal(links_bounce_parse(key1, "koyomi@example.jp", "+", b,
	    &id), -1);
	free(b);
	/* A bounce address is no reply address, and the reverse. */
	assert_int_equal(links_reply_parse(key1, "koyomi@example.jp", "+", a,
	    &task), LINKS_REPLY_UNTAGGED);
	r = links_reply_address(key1, 4242, "koyomi@example.jp", "+");
	assert_int_equal(links_bounce_parse(key1, "koyomi@example.jp", "+", r,
	    &id), -1);
	/* The reply signature of 4242 under a "b": refused. */
	xasprintf(&b, "koyomi+b%s", r + strlen("koyomi+"));
	assert_int_equal(links_bounce_parse(key1, "koyomi@example.jp", "+", b,
	    &id), -1);
	free(b);
	free(r);
	assert_int_equal(links_bounce_parse(key1, "koyomi@example.jp", "+",
	    "koyomi@example.jp", &id), -1);
	assert_int_equal(links_bounce_parse(key1, "koyomi@example.jp", "-", a,
	    &id), -1);
	assert_null(links_bounce_address(key1, 1, "nobody", "+"));
	assert_null(links_bounce_address(key1, 0, "koyomi@example.jp", "+"));
	free(a);
}

static unsigned
flags_of(const char *name, const char *value)
{
	struct inbox_hdr	 h = { name, value };

	return inbox_auto_flags(&h, 1, "text/plain; charset=utf-8");
}

static void
test_auto_flags(void **state)
{
	struct inbox_hdr	 none[] = { { "From", "a@b.jp" },
		{ "Subject", "Re: 提出" }, { "Auto-Submitted", "no" },
		{ "Precedence", "first-class" }, { "Return-Path", "<a@b.jp>" } };

	(void)state;
	assert_int_equal(inbox_auto_flags(none, nitems(none), "multipart/"
	    "mixed; boundary=x"), 0);
	assert_int_equal(flags_of("Auto-Submitted", "auto-replied"),
	    INBOX_AUTO_SUBMITTED);
	assert_int_equal(flags_of("auto-submitted", " Auto-Generated (x)"),
	    INBOX_AUTO_SUBMITTED);
	assert_int_equal(flags_of("Auto-Submitted", "No"), 0);
	assert_int_equal(flags_of("Precedence", "bulk"), INBOX_AUTO_PRECEDENCE);
	assert_int_equal(flags_of("Precedence", "List"), INBOX_AUTO_PRECEDENCE);
	assert_int_equal(flags_of("Precedence", "junk"), INBOX_AUTO_PRECEDENCE);
	assert_int_equal(flags_of("List-Id", "<x.example.jp>"),
	    INBOX_AUTO_LIST);
	assert_int_equal(flags_of("List-Unsubscribe", "<mailto:u@x>"),
	    INBOX_AUTO_LIST);
	assert_int_equal(flags_of("X-Autoreply", "yes"), INBOX_AUTO_XHEADER);
	assert_int_equal(flags_of("Return-Path", "<>"), INBOX_AUTO_NULL_PATH);
	assert_int_equal(flags_of("Return-Path", " <>"), INBOX_AUTO_NULL_PATH);
	assert_int_equal(flags_of("From", "Mail Delivery System "
	    "<MAILER-DAEMON@mx.example.jp>"), INBOX_AUTO_DAEMON);
	assert_int_equal(inbox_auto_flags(NULL, 0, "multipart/report; "
	    "report-type=delivery-status"), INBOX_AUTO_REPORT);
	assert_int_equal(inbox_auto_flags(NULL, 0, "Multipart/Report"),
	    INBOX_AUTO_REPORT);
	assert_non_null(inbox_auto_reason(INBOX_AUTO_LIST));
	assert_null(inbox_auto_reason(0));
}

/* The look-ups inbox_decide makes, answered from this table. */
struct fake {
	int64_t		 ref_task;	/* for "<r@x>" */
	int		 live;
	const char	*allowed;	/* the one sender allowed */
	int		 used;
	int		 own;
	int		 fail;		/* every look-up fails */
};

static int
f_ref(void *arg, const char *msgid, int64_t *task)
{
	struct fake	*f = arg;

	if (f->fail)
		return -1;
	if (strcmp(msgid, "<r@x>") != 0 || f->ref_task == 0)
		return 1;
	*task = f->ref_task;
	return 0;
}

static int
f_live(void *arg, int64_t task)
{
	struct fake	*f = arg;

	(void)task;
	return f->fail ? -1 : f->live;
}

static int
f_sender(void *arg, int64_t task, const char *addr)
{
	struct fake	*f = arg;

	(void)task;
	return f->fail ? -1 : strcmp(addr, f->allowed) == 0;
}

static int
f_used(void *arg, const char *msgid)
{
	struct fake	*f = arg;

	(void)msgid;
	return f->fail ? -1 : f->used;
}

static int
f_own(void *arg, const char *msgid)
{
	struct fake	*f = arg;

	(void)msgid;
	return f->fail ? -1 : f->own;
}

static void
decide(struct inbox_facts *m, struct fake *fk, struct inbox_verdict *v)
{
	struct inbox_env	 e = { key1, "koyomi@example.jp", "+", fk,
		f_ref, f_live, f_sender, f_used, f_own };

	inbox_decide(m, &e, v);
}

static void
test_decide(void **state)
{
	struct fake		 fk = { 0, 1, "a@a.example.jp", 0, 0, 0 };
	struct inbox_facts	 m = { 0 };
	struct inbox_verdict	 v;
	char			*good, *bad, ref[] = "<r@x>", *refs[1] = { ref };
	char			*rc[2], msgid[] = "<m@a.example.jp>";
	char			 from[] = "a@a.example.jp";
	char			 stranger[] = "stranger@example.com";
	char			 orig[] = "<koyomi.1@example.jp>", *verp;

	(void)state;
	good = links_reply_address(key1, 42, "koyomi@example.jp", "+");
	bad = xstrdup(good);
	bad[strlen("koyomi+42.")] ^= 1;
	m.msgid = msgid;
	m.from = from;
	rc[0] = good;
	m.rcpts = rc;
	m.nrcpts = 1;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_APPLY);
	assert_int_equal(v.task, 42);
	/* In-Reply-To agreeing: still a submission. */
	fk.ref_task = 42;
	m.refs = refs;
	m.nrefs = 1;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_APPLY);
	/* Disagreeing: kept for the coordinators. */
	fk.ref_task = 7;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_UNMATCHED);
	assert_int_equal(v.task, 42);
	/* No tag at all: In-Reply-To only suggests. */
	m.nrcpts = 0;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_UNMATCHED);
	assert_int_equal(v.task, 7);
	assert_non_null(v.reason);
	fk.ref_task = 0;
	m.nrefs = 0;
	/* A forged signature, and a forged one beside a good one. */
	rc[0] = bad;
	m.nrcpts = 1;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_UNMATCHED);
	assert_int_equal(v.task, 0);
	assert_non_null(strstr(v.reason, "署名"));
	rc[1] = good;
	m.nrcpts = 2;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_UNMATCHED);
	rc[0] = good;
	m.nrcpts = 1;
	/* A stranger with a good address. */
	m.from = stranger;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_UNMATCHED);
	assert_int_equal(v.task, 42);
	assert_non_null(strstr(v.reason, "差出人"));
	m.from = NULL;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_UNMATCHED);
	m.from = from;
	/* A task cancelled meanwhile. */
	fk.live = 0;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_UNMATCHED);
	fk.live = 1;
	/* Too large a file: kept. */
	m.too_big = 1;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_UNMATCHED);
	m.too_big = 0;
	/* A second copy of an applied message. */
	fk.used = 1;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_DUPLICATE);
	fk.used = 0;
	/* An out-of-office reply from the right person, to the right address. */
	m.auto_flags = INBOX_AUTO_SUBMITTED;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_AUTO);
	m.auto_flags = INBOX_AUTO_LIST;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_AUTO);
	/* A bounce: of our mail, or of someone else's. */
	m.auto_flags = INBOX_AUTO_REPORT | INBOX_AUTO_NULL_PATH;
	m.is_dsn = 1;
	m.dsn.orig_msgid = orig;
	fk.own = 1;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_BOUNCE);
	fk.own = 0;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_AUTO);
	m.dsn.orig_msgid = NULL;
	/* A report sent back to a message's bounce address: that message. */
	verp = links_bounce_address(key1, 77, "koyomi@example.jp", "+");
	rc[0] = verp;
	m.nrcpts = 1;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_BOUNCE);
	assert_int_equal(v.bounced, 77);
	/* A plain-text bounce from a mailer daemon: the same. */
	m.is_dsn = 0;
	m.auto_flags = INBOX_AUTO_DAEMON;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_BOUNCE);
	assert_int_equal(v.bounced, 77);
	/* A vacation notice to the same address: machine-made, no bounce. */
	m.auto_flags = INBOX_AUTO_SUBMITTED | INBOX_AUTO_NULL_PATH;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_AUTO);
	assert_int_equal(v.bounced, 0);
	/* A forged bounce address: not ours to record. */
	verp[strlen("koyomi+b77.")] ^= 1;
	m.auto_flags = INBOX_AUTO_DAEMON;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_AUTO);
	assert_int_equal(v.bounced, 0);
	free(verp);
	rc[0] = good;
	m.is_dsn = 0;
	m.auto_flags = 0;
	/* A look-up failing: try again later, decide nothing. */
	fk.fail = 1;
	decide(&m, &fk, &v);
	assert_int_equal(v.kind, INBOX_ERROR);
	free(good);
	free(bad);
}

/* A digest "<d@x>" of tasks 5, 6 and 9; task 6 cancelled since. */
static int
f_digest(void *arg, const char *msgid, int64_t *tasks, size_t max, size_t *n)
{
	static const int64_t	 ids[] = { 5, 6, 9 };
	struct fake		*f = arg;
	size_t			 i;

	*n = 0;
	if (f->fail)
		return -1;
	if (strcmp(msgid, "<d@x>") != 0)
		return 1;
	for (i = 0; i < sizeof ids / sizeof ids[0] && i < max; i++)
		tasks[(*n)++] = ids[i];
	return 0;
}

static int
f_live_not6(void *arg, int64_t task)
{
	struct fake	*f = arg;

	return f->fail ? -1 : task != 6;
}

/* Decides m and checks the kind, the task and how many candidates. */
static void
decided(const struct inbox_facts *m, const struct inbox_env *e,
    struct inbox_verdict *v, enum inbox_kind kind, int64_t task, size_t n)
{
	inbox_decide(m, e, v);
	assert_int_equal(v->kind, kind);
	assert_int_equal(v->task, task);
	assert_int_equal(v->ncandidates, n);
}

static void
test_decide_digest(void **state)
{
	struct fake		 fk = { 0, 1, "a@a.example.jp", 0, 0, 0 };
	struct inbox_env	 e = { key1, "koyomi@example.jp", "+", &fk,
		f_ref, f_live_not6, f_sender, f_used, f_own, f_digest };
	struct inbox_facts	 m = { 0 };
	struct inbox_verdict	 v;
	char			 other[] = "<o@x>", dig[] = "<d@x>";
	char			*refs[2] = { other, dig }, *rc[1], *good;
	char			 from[] = "a@a.example.jp";
	char			 msgid[] = "<m2@a.example.jp>";

	(void)state;
	m.msgid = msgid;
	m.from = from;
	/* Sent to the plain address, In-Reply-To the digest: its live tasks. */
	m.refs = refs;
	m.nrefs = 2;
	decided(&m, &e, &v, INBOX_UNMATCHED, 0, 2);
	assert_int_equal(v.candidates[0], 5);
	assert_int_equal(v.candidates[1], 9);
	assert_non_null(strstr(v.reason, "まとめた"));
	/* Not a digest's: no candidates, the plain reason. */
	m.nrefs = 1;
	decided(&m, &e, &v, INBOX_UNMATCHED, 0, 0);
	assert_null(strstr(v.reason, "まとめた"));
	/* A known reminder's Message-ID wins: one suggestion, no list. */
	fk.ref_task = 7;
	refs[0] = (char *)"<r@x>";
	m.nrefs = 2;
	decided(&m, &e, &v, INBOX_UNMATCHED, 7, 0);
	fk.ref_task = 0;
	refs[0] = other;
	/* A signed address still decides alone: the digest is not asked. */
	good = links_reply_address(key1, 42, "koyomi@example.jp", "+");
	rc[0] = good;
	m.rcpts = rc;
	m.nrcpts = 1;
	decided(&m, &e, &v, INBOX_APPLY, 42, 0);
	m.nrcpts = 0;
	/* Without the look-up (no digests kept): as before. */
	e.digest_tasks = NULL;
	decided(&m, &e, &v, INBOX_UNMATCHED, 0, 0);
	e.digest_tasks = f_digest;
	/* A failing look-up: decide nothing. */
	fk.fail = 1;
	decided(&m, &e, &v, INBOX_ERROR, 0, 0);
	free(good);
}

static void
sane(const char *in, const char *want)
{
	char	 out[INBOX_NAME_MAX + 1];

	assert_string_equal(inbox_sanitise_name(in, out, sizeof out), want);
}

static void
test_sanitise(void **state)
{
	char	 longname[400], out[INBOX_NAME_MAX + 1];
	size_t	 i;

	(void)state;
	sane("調査票（東京都）.xlsx", "調査票（東京都）.xlsx");
	sane("../../etc/passwd", "passwd");
	sane("C:\\Users\\x\\報告.xlsx", "報告.xlsx");
	sane(".htaccess", "htaccess");
	sane("...", "attachment");
	sane("", "attachment");
	sane(NULL, "attachment");
	sane("a<b>c:d\"e|f?g*h.txt", "a_b_c_d_e_f_g_h.txt");
	sane("line\r\nbreak\t.txt", "line__break_.txt");
	sane("CON.xlsx", "_CON.xlsx");
	sane("com1", "_com1");
	sane("console.txt", "console.txt");
	sane("report. ", "report");
	/* U+202E, right-to-left override, would show the name reversed. */
	sane("invoice\xe2\x80\xaexslx.exe", "invoicexslx.exe");
	sane("bad\xff\xfe.txt", "bad__.txt");
	sane("cut\xe3\x81", "cut__");
	for (i = 0; i < 100; i++)
		memcpy(longname + 3 * i, "\xe3\x81\x82", 3);	/* あ */
	strcpy(longname + 300, ".xlsx");
	inbox_sanitise_name(longname, out, sizeof out);
	assert_true(strlen(out) <= INBOX_NAME_MAX);
	assert_string_equal(out + strlen(out) - 5, ".xlsx");
	assert_true(utf8_valid(out, strlen(out)));
	assert_int_equal((strlen(out) - 5) % 3, 0);
}

static void
test_answer(void **state)
{
	const char *const opts[] = { "参加予定", "参加しない", "未定" };
	char	*l;

	(void)state;
	assert_int_equal(inbox_answer_option("参加予定", opts, 3), 0);
	assert_int_equal(inbox_answer_option("　「参加しない」。 ", opts, 3), 1);
	assert_int_equal(inbox_answer_option("『未定』", opts, 3), 2);
	assert_int_equal(inbox_answer_option("（参加予定）", opts, 3), 0);
	assert_int_equal(inbox_answer_option("参加予定です", opts, 3), -1);
	assert_int_equal(inbox_answer_option("参加", opts, 3), -1);
	assert_int_equal(inbox_answer_option("", opts, 3), -1);
	assert_int_equal(inbox_answer_option("「」", opts, 3), -1);
	assert_int_equal(inbox_answer_option(NULL, opts, 3), -1);
	l = inbox_first_line("\r\n\n　参加予定\r\nよろしくお願いします\n");
	assert_string_equal(l, "参加予定");
	free(l);
	assert_null(inbox_first_line("> 引用\n参加予定\n"));
	assert_null(inbox_first_line("\n \n"));
	assert_null(inbox_first_line(""));
}

static const char dsn_body[] =
    "Reporting-MTA: dns; mx.example.jp\r\n"
    "X-Postfix-Queue-ID: 4ABC\r\n"
    "Arrival-Date: Mon,  1 Dec 2025 10:00:00 +0900 (JST)\r\n"
    "\r\n"
    "Final-Recipient: rfc822; Gone@City.Example.jp\r\n"
    "Original-Recipient: rfc822;gone@city.example.jp\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "Remote-MTA: dns; mx.city.example.jp\r\n"
    "Diagnostic-Code: smtp; 550 5.1.1 <gone@city.example.jp>:\r\n"
    "    Recipient address rejected: User unknown\r\n"
    "\r\n"
    "Final-Recipient: rfc822; slow@city.example.jp\r\n"
    "Action: delayed\r\n"
    "Status: 4.4.1\r\n";

static void
test_dsn(void **state)
{
	struct inbox_dsn	 d = { 0 };
	char			*id;
	static const char	 hdrs[] = "Received: from x\r\n"
	    "Message-ID:\r\n <koyomi.abc@example.jp>\r\nSubject: s\r\n\r\n";

	(void)state;
	inbox_dsn_parse(dsn_body, strlen(dsn_body), &d);
	assert_int_equal(d.nfailed, 1);
	assert_string_equal(d.failed[0], "gone@city.example.jp");
	assert_non_null(strstr(d.status, "5.1.1"));
	assert_non_null(strstr(d.status, "User unknown"));
	free(d.failed[0]);
	free(d.failed);
	free(d.status);
	id = inbox_headers_msgid(hdrs, strlen(hdrs));
	assert_string_equal(id, "<koyomi.abc@example.jp>");
	free(id);
	assert_null(inbox_headers_msgid("Subject: x\r\n", 12));
}

/* An xlsx's first bytes (a zip), in base64, and two Japanese names. */
static const char reply_mail[] =
    "Return-Path: <a@a.example.jp>\r\n"
    "Delivered-To: koyomi+42.abcdefghabcdefgh@example.jp\r\n"
    "From: =?ISO-2022-JP?B?GyRCQzRFdhsoQg==?= <A@A.Example.JP>\r\n"
    "To: koyomi@example.jp\r\n"
    "Subject: =?ISO-2022-JP?B?GyRCRHM9UBsoQg==?=\r\n"
    "Message-ID: <reply.1@a.example.jp>\r\n"
    "In-Reply-To: <koyomi.r1@example.jp>\r\n"
    "References: <koyomi.r0@example.jp>\r\n <koyomi.r1@example.jp>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: multipart/related; boundary=\"b2\"\r\n"
    "\r\n"
    "--b2\r\n"
    "Content-Type: text/plain; charset=ISO-2022-JP\r\n"
    "Content-Transfer-Encoding: 7bit\r\n"
    "\r\n"
    "\r\n"
    "\x1b$B;22CM=Dj\x1b(B\r\n"
    "> quoted\r\n"
    "--b2\r\n"
    "Content-Type: image/png; name=\"image001.png\"\r\n"
    "Content-ID: <image001@x>\r\n"
    "Content-Disposition: inline; filename=\"image001.png\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "iVBORw0KGgo=\r\n"
    "--b2--\r\n"
    "--b1\r\n"
    "Content-Type: application/vnd.openxmlformats-officedocument."
    "spreadsheetml.sheet\r\n"
    "Content-Disposition: attachment;\r\n"
    " filename*=UTF-8''%E8%AA%BF%E6%9F%BB%E7%A5%A8.xlsx\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "UEsDBBQABgAIAAAAIQA=\r\n"
    "--b1\r\n"
    "Content-Type: application/pdf;\r\n"
    " name=\"=?UTF-8?B?5aCx5ZGK5pu4LnBkZg==?=\"\r\n"
    "Content-Disposition: attachment;\r\n"
    " filename=\"=?UTF-8?B?5aCx5ZGK5pu4LnBkZg==?=\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQK\r\n"
    "--b1--\r\n";

static void
test_mime_reply(void **state)
{
	struct inbox_facts	 f;
	size_t			 i;
	int			 found = 0;

	(void)state;
	assert_int_equal(inbox_mime_parse(reply_mail, strlen(reply_mail),
	    1024, &f), 0);
	assert_string_equal(f.msgid, "<reply.1@a.example.jp>");
	assert_string_equal(f.from, "a@a.example.jp");
	assert_string_equal(f.subject, "提出");
	assert_int_equal(f.auto_flags, 0);
	for (i = 0; i < f.nrcpts; i++)
		found += strcmp(f.rcpts[i],
		    "koyomi+42.abcdefghabcdefgh@example.jp") == 0 ||
		    strcmp(f.rcpts[i], "koyomi@example.jp") == 0;
	assert_int_equal(found, 2);
	assert_int_equal(f.nrefs, 2);
	assert_string_equal(f.refs[0], "<koyomi.r1@example.jp>");
	assert_string_equal(f.refs[1], "<koyomi.r0@example.jp>");
	assert_string_equal(f.first_line, "参加予定");
	/* The signature's picture is not a submission. */
	assert_int_equal(f.nparts, 2);
	assert_string_equal(f.parts[0].name, "調査票.xlsx");
	assert_string_equal(f.parts[0].type, "application/vnd.openxmlformats-"
	    "officedocument.spreadsheetml.sheet");
	assert_int_equal(f.parts[0].len, 14);
	assert_memory_equal(f.parts[0].data, "PK\x03\x04\x14\x00\x06\x00\x08"
	    "\x00\x00\x00!\x00", 14);
	assert_string_equal(f.parts[1].name, "報告書.pdf");
	assert_string_equal(f.parts[1].type, "application/pdf");
	assert_int_equal(f.too_big, 0);
	inbox_facts_free(&f);
	/* Over the limit: listed, not kept. */
	assert_int_equal(inbox_mime_parse(reply_mail, strlen(reply_mail), 10,
	    &f), 0);
	assert_int_equal(f.too_big, 1);
	assert_null(f.parts[0].data);
	assert_int_equal(f.parts[0].len, 14);
	inbox_facts_free(&f);
}

static const char bounce_mail[] =
    "Return-Path: <>\r\n"
    "From: MAILER-DAEMON@mx.example.jp (Mail Delivery System)\r\n"
    "To: koyomi@example.jp\r\n"
    "Subject: Undelivered Mail Returned to Sender\r\n"
    "Auto-Submitted: auto-replied\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
    "\tboundary=\"B\"\r\n"
    "\r\n"
    "--B\r\n"
    "Content-Description: Notification\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\n"
    "\r\n"
    "This is the mail system.\r\n"
    "--B\r\n"
    "Content-Description: Delivery report\r\n"
    "Content-Type: message/delivery-status\r\n"
    "\r\n"
    "Reporting-MTA: dns; mx.example.jp\r\n"
    "\r\n"
    "Final-Recipient: rfc822; gone@city.example.jp\r\n"
    "Action: failed\r\n"
    "Status: 5.1.1\r\n"
    "\r\n"
    "--B\r\n"
    "Content-Description: Undelivered Message Headers\r\n"
    "Content-Type: text/rfc822-headers\r\n"
    "\r\n"
    "From: koyomi <koyomi@example.jp>\r\n"
    "Message-ID: <koyomi.0123@example.jp>\r\n"
    "Subject: =?UTF-8?B?5o+Q5Ye6?=\r\n"
    "\r\n"
    "--B--\r\n";

static void
test_mime_bounce(void **state)
{
	struct inbox_facts	 f;
	char			*m;

	(void)state;
	assert_int_equal(inbox_mime_parse(bounce_mail, strlen(bounce_mail),
	    1 << 20, &f), 0);
	assert_int_equal(f.is_dsn, 1);
	assert_true(f.auto_flags & INBOX_AUTO_REPORT);
	assert_true(f.auto_flags & INBOX_AUTO_NULL_PATH);
	assert_true(f.auto_flags & INBOX_AUTO_SUBMITTED);
	assert_string_equal(f.dsn.orig_msgid, "<koyomi.0123@example.jp>");
	assert_int_equal(f.dsn.nfailed, 1);
	assert_string_equal(f.dsn.failed[0], "gone@city.example.jp");
	assert_int_equal(f.nparts, 0);
	inbox_facts_free(&f);
	/* The original attached whole (message/rfc822) says the same. */
	m = xstrdup(bounce_mail);
	memcpy(strstr(m, "text/rfc822-headers"), "message/rfc822     ", 19);
	assert_int_equal(inbox_mime_parse(m, strlen(m), 1 << 20, &f), 0);
	assert_string_equal(f.dsn.orig_msgid, "<koyomi.0123@example.jp>");
	assert_int_equal(f.nparts, 0);
	inbox_facts_free(&f);
	free(m);
	/* Bytes without a header are no message: nothing to free. */
	assert_int_equal(inbox_mime_parse("garbage", 7, 10, &f), -1);
	assert_null(f.from);
	inbox_facts_free(&f);
}

static void
test_mime_html_and_eml(void **state)
{
	static const char mail[] =
	    "From: a@a.example.jp\r\n"
	    "Subject: fwd\r\n"
	    "Content-Type: multipart/mixed; boundary=x\r\n"
	    "\r\n"
	    "--x\r\n"
	    "Content-Type: text/html; charset=utf-8\r\n"
	    "\r\n"
	    "<html><body><p>「参加しない」</p><p>理由</p></body></html>\r\n"
	    "--x\r\n"
	    "Content-Type: message/rfc822\r\n"
	    "\r\n"
	    "From: b@b.example.jp\r\nSubject: old\r\n\r\nbody\r\n"
	    "--x--\r\n";
	struct inbox_facts	 f;

	(void)state;
	assert_int_equal(inbox_mime_parse(mail, strlen(mail), 1 << 20, &f), 0);
	assert_string_equal(f.first_line, "「参加しない」");
	assert_int_equal(f.nparts, 1);
	assert_string_equal(f.parts[0].name, "message.eml");
	assert_string_equal(f.parts[0].type, "message/rfc822");
	assert_non_null(strstr((char *)f.parts[0].data, "Subject: old"));
	assert_null(f.msgid);
	inbox_facts_free(&f);
}

/*
 * Found by tests/fuzz/inbox_fuzz.c: a part with no bytes at all (an
 * empty attachment, or a message that is nothing but a disposition
 * header) reached memcpy with GMime's NULL array, undefined behaviour
 * the ASan+UBSan daemon aborts on. It is an attachment of length 0.
 */
static void
test_mime_empty_parts(void **state)
{
	static const char bare[] =
	    "Content-Disposition: attachment; filename*=utf-8''a.txt\r\n";
	static const char mail[] =
	    "From: a@a.example.jp\r\n"
	    "Subject: empty\r\n"
	    "Content-Type: multipart/mixed; boundary=x\r\n"
	    "\r\n"
	    "--x\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "\r\n"
	    "提出します\r\n"
	    "--x\r\n"
	    "Content-Type: application/pdf\r\n"
	    "Content-Disposition: attachment; filename=\"empty.pdf\"\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "\r\n"
	    "--x\r\n"
	    "Content-Type: message/rfc822\r\n"
	    "\r\n"
	    "--x--\r\n";
	struct inbox_facts	 f;
	size_t			 i;

	(void)state;
	assert_int_equal(inbox_mime_parse(bare, strlen(bare), 1 << 20, &f), 0);
	for (i = 0; i < f.nparts; i++)
		assert_non_null(f.parts[i].data);
	inbox_facts_free(&f);
	assert_int_equal(inbox_mime_parse(mail, strlen(mail), 1 << 20, &f), 0);
	assert_string_equal(f.first_line, "提出します");
	assert_true(f.nparts >= 1);
	assert_string_equal(f.parts[0].name, "empty.pdf");
	assert_int_equal(f.parts[0].len, 0);
	assert_non_null(f.parts[0].data);
	inbox_facts_free(&f);
}

static int
setup(void **state)
{
	(void)state;
	inbox_mime_init();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	inbox_mime_shutdown();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_address),
		cmocka_unit_test(test_bounce_address),
		cmocka_unit_test(test_auto_flags),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_decide_digest),
		cmocka_unit_test(test_sanitise),
		cmocka_unit_test(test_answer),
		cmocka_unit_test(test_dsn),
		cmocka_unit_test(test_mime_reply),
		cmocka_unit_test(test_mime_bounce),
		cmocka_unit_test(test_mime_html_and_eml),
		cmocka_unit_test(test_mime_empty_parts),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
