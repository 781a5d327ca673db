/*
 * notify_mail_test.c — RFC 5322 / RFC 2047 message building. The decoder
 * here is written independently of notifier/base64.c (a lookup by index
 * in the alphabet string) so an encoder bug cannot hide behind a
 * matching decoder bug.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "calendars/util.h"
#include "notifier/base64.h"
#include "notifier/mail.h"

static const char alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Test-side base64 decoder: appends to out, fails the test on junk. */
static void
t_b64dec(struct buf *out, const char *s, size_t len)
{
	unsigned	acc = 0;
	int		bits = 0;
	size_t		i;
	const char	*p;
	char		c;

	for (i = 0; i < len && s[i] != '='; i++) {
		p = strchr(alpha, s[i]);
		assert_non_null(p);
		acc = acc << 6 | (unsigned)(p - alpha);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			c = (char)(acc >> bits);
			buf_append(out, &c, 1);
		}
	}
}

/* Decodes an unfolded header value made of encoded-words. */
static char *
t_decode_words(const char *v)
{
	struct buf	 out;
	const char	*p = v, *q;

	buf_init(&out);
	while (*p != '\0') {
		while (*p == ' ' || *p == '\r' || *p == '\n' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		assert_int_equal(strncmp(p, "=?UTF-8?B?", 10), 0);
		p += 10;
		q = strstr(p, "?=");
		assert_non_null(q);
		t_b64dec(&out, p, (size_t)(q - p));
		p = q + 2;
	}
	buf_putc(&out, '\0');
	return buf_steal(&out);
}

/* The value of header name (folded lines joined), or NULL. */
static char *
t_header(const char *msg, const char *name)
{
	struct buf	 v;
	const char	*p = msg, *e;
	size_t		 nl = strlen(name);

	while (p != NULL && *p != '\0' && strncmp(p, "\r\n", 2) != 0) {
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			buf_init(&v);
			p += nl + 1;
			while (*p == ' ')
				p++;
			for (;;) {
				e = strstr(p, "\r\n");
				buf_append(&v, p, (size_t)(e - p));
				p = e + 2;
				if (*p != ' ' && *p != '\t')
					break;
			}
			buf_putc(&v, '\0');
			return buf_steal(&v);
		}
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return NULL;
}

static void
check_lines(const char *msg, size_t max)
{
	const char	*p = msg, *e;

	while ((e = strstr(p, "\r\n")) != NULL) {
		assert_true((size_t)(e - p) <= max);
		/* No bare LF or CR inside a line. */
		assert_null(memchr(p, '\n', (size_t)(e - p)));
		assert_null(memchr(p, '\r', (size_t)(e - p)));
		p = e + 2;
	}
	assert_int_equal(*p, '\0');	/* the message ends with CRLF */
}

/* Removes CRLF before WSP and the final CRLF, in place. */
static char *
unfold(char *s)
{
	char	*r = s, *w = s;

	while (*r != '\0') {
		if (r[0] == '\r' && r[1] == '\n') {
			r += 2;
			continue;
		}
		*w++ = *r++;
	}
	*w = '\0';
	return s;
}

static void
test_encode_words_roundtrip(void **state)
{
	const char *const subjects[] = {
		"【ご提出のお願い】令和7年度 精神障害にも対応した地域包括ケア"
		"システムの構築推進事業 参加意向調査（期限：令和8年2月20日（金））",
		"短い件名",
		"Mixed ASCII と日本語 with 🎌 emoji and ｶﾀｶﾅ",
		"あ",
	};
	struct buf	 b;
	size_t		 i;
	char		*dec, *line, *l;

	(void)state;
	for (i = 0; i < nitems(subjects); i++) {
		buf_init(&b);
		buf_puts(&b, "Subject: ");
		mail_encode_words(&b, subjects[i], 9);
		buf_puts(&b, "\r\n");
		/* Every line ≤ 76, every encoded-word ≤ 75 characters. */
		check_lines(b.data, 76);
		for (l = b.data; (l = strstr(l, "=?")) != NULL; l += 2)
			assert_true(strstr(l, "?=") + 2 - l <= 75);
		line = t_header(b.data, "Subject");
		dec = t_decode_words(line);
		assert_string_equal(dec, subjects[i]);
		/* Each word alone must be whole UTF-8 characters. */
		assert_true(utf8_valid(dec, strlen(dec)));
		free(dec);
		free(line);
		buf_free(&b);
	}
}

static void
test_words_never_split_utf8(void **state)
{
	struct buf	 b, w;
	const char	*p, *q;
	char		 s[400];
	size_t		 i;

	(void)state;
	/* 2-, 3- and 4-byte characters in a row, long enough for 5+ words. */
	s[0] = '\0';
	for (i = 0; i < 20; i++)
		strcat(s, "é漢😀");
	buf_init(&b);
	mail_encode_words(&b, s, 9);
	buf_putc(&b, '\0');
	for (p = b.data; (p = strstr(p, "=?UTF-8?B?")) != NULL; p = q + 2) {
		p += 10;
		q = strstr(p, "?=");
		buf_init(&w);
		t_b64dec(&w, p, (size_t)(q - p));
		assert_true(utf8_valid(w.data, w.len));
		buf_free(&w);
	}
	buf_free(&b);
}

static void
test_ascii_subject_plain(void **state)
{
	struct buf	b;

	(void)state;
	buf_init(&b);
	mail_encode_words(&b, "Reminder: survey", 9);
	buf_putc(&b, '\0');
	assert_string_equal(b.data, "Reminder: survey");
	buf_reset(&b);
	/* Long ASCII folds before a space; unfolding gives it back. */
	mail_encode_words(&b, "Reminder: the annual survey of every "
	    "prefecture and designated city is due on 2026-02-20, please "
	    "answer before then", 9);
	buf_puts(&b, "\r\n");
	check_lines(b.data, 76);
	assert_non_null(strstr(b.data, "\r\n "));
	assert_string_equal(unfold(b.data), "Reminder: the annual survey of "
	    "every prefecture and designated city is due on 2026-02-20, "
	    "please answer before then");
	buf_reset(&b);
	/* Something that looks like an encoded-word must be encoded. */
	mail_encode_words(&b, "=?x?= trick", 9);
	buf_putc(&b, '\0');
	assert_int_equal(strncmp(b.data, "=?UTF-8?B?", 10), 0);
	buf_free(&b);
}

static struct mail_msg
sample(void)
{
	struct mail_msg	m;

	memset(&m, 0, sizeof m);
	m.from = "こよみ通知 <koyomi@example.lg.jp>";
	m.to_name = "東京都　ご担当者様";
	m.to_addr = "tanto@metro.example.lg.jp";
	m.subject = "【ご提出のお願い】参加意向調査（期限：令和8年2月20日（金））";
	m.body = "東京都　ご担当者様\n\nいつもお世話になっております。\n"
	    "本メールは koyomi から自動送信しています。\n";
	m.msgid = "<r1.42@koyomi.example.lg.jp>";
	m.date = 1771545600;	/* 2026-02-20 00:00 UTC */
	m.utc_offset = 9 * 3600;
	m.list_id = "<nimo.koyomi.example.lg.jp>";
	return m;
}

static void
test_build_message(void **state)
{
	struct mail_msg	 m = sample();
	struct buf	 b, body;
	char		*cause = NULL, *v, *dec, *p;

	(void)state;
	buf_init(&b);
	assert_int_equal(mail_build(&m, &b, &cause), 0);
	check_lines(b.data, 998);
	v = t_header(b.data, "Subject");
	dec = t_decode_words(v);
	assert_string_equal(dec, m.subject);
	free(dec);
	free(v);
	v = t_header(b.data, "To");
	p = strstr(v, " <tanto@metro.example.lg.jp>");
	assert_non_null(p);
	*p = '\0';
	dec = t_decode_words(v);
	assert_string_equal(dec, "東京都　ご担当者様");
	free(dec);
	free(v);
	v = t_header(b.data, "Date");
	assert_string_equal(v, "Fri, 20 Feb 2026 09:00:00 +0900");
	free(v);
	v = t_header(b.data, "Message-ID");
	assert_string_equal(v, "<r1.42@koyomi.example.lg.jp>");
	free(v);
	v = t_header(b.data, "Auto-Submitted");
	assert_string_equal(v, "auto-generated");
	free(v);
	v = t_header(b.data, "Content-Type");
	assert_string_equal(v, "text/plain; charset=UTF-8");
	free(v);
	v = t_header(b.data, "Content-Transfer-Encoding");
	assert_string_equal(v, "base64");
	free(v);
	/* Body: base64 lines of at most 76, decoding to the CRLF text. */
	p = strstr(b.data, "\r\n\r\n") + 4;
	check_lines(p, 76);
	buf_init(&body);
	for (; *p != '\0'; p = strstr(p, "\r\n") + 2)
		t_b64dec(&body, p, (size_t)(strstr(p, "\r\n") - p));
	buf_putc(&body, '\0');
	assert_true(utf8_valid(body.data, strlen(body.data)));
	assert_string_equal(body.data, "東京都　ご担当者様\r\n\r\nいつもお世話に"
	    "なっております。\r\n本メールは koyomi から自動送信しています。\r\n");
	buf_free(&body);
	buf_free(&b);
}

/* The body as a reader decodes it: base64 lines joined, then decoded. */
static void
t_body_of(const char *msg, struct buf *body)
{
	const char	*p = strstr(msg, "\r\n\r\n") + 4;

	check_lines(p, 76);
	for (; *p != '\0'; p = strstr(p, "\r\n") + 2) {
		/* Every line but the last is a whole 76. */
		if (strstr(p, "\r\n")[2] != '\0')
			assert_int_equal(strstr(p, "\r\n") - p, 76);
		t_b64dec(body, p, (size_t)(strstr(p, "\r\n") - p));
	}
	buf_putc(body, '\0');
	body->len--;
}

/* Every line ends in CRLF, whatever the template had; nothing else moves. */
static void
test_body_line_ends(void **state)
{
	static const struct {
		const char	*in, *out;
	} t[] = {
		{ "\nA\r\nB\n\r\nC", "\r\nA\r\nB\r\n\r\nC" },
		{ "", "" },
		{ "\n", "\r\n" },
		{ "\r\n\r\n", "\r\n\r\n" },
		{ "行1\n行2\r\n行3", "行1\r\n行2\r\n行3" },
		{ "no newline at all", "no newline at all" },
	};
	struct mail_msg	 m = sample();
	struct buf	 b, body, want;
	char		*cause = NULL;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		m.body = t[i].in;
		buf_init(&b);
		buf_init(&body);
		assert_int_equal(mail_build(&m, &b, &cause), 0);
		t_body_of(b.data, &body);
		assert_string_equal(body.data, t[i].out);
		buf_free(&body);
		buf_free(&b);
	}
	/* A long body over many lines of base64, both line ends mixed. */
	buf_init(&want);
	buf_init(&b);
	buf_init(&body);
	{
		struct buf in;

		buf_init(&in);
		for (i = 0; i < 200; i++) {
			buf_printf(&in, "第%zu行　提出期限は令和8年2月20日（金）%s", i,
			    i % 3 == 0 ? "\r\n" : "\n");
			buf_printf(&want, "第%zu行　提出期限は令和8年2月20日（金）\r\n",
			    i);
		}
		m.body = in.data;
		assert_int_equal(mail_build(&m, &b, &cause), 0);
		t_body_of(b.data, &body);
		assert_int_equal(body.len, want.len);
		assert_memory_equal(body.data, want.data, want.len);
		buf_free(&in);
	}
	buf_free(&want);
	buf_free(&body);
	buf_free(&b);
}

static void
test_header_injection(void **state)
{
	struct mail_msg	 m;
	struct buf	 b;
	char		*cause;
	int		 i;

	(void)state;
	for (i = 0; i < 9; i++) {
		m = sample();
		switch (i) {
		case 0: m.subject = "件名\r\nBcc: victim@example.com"; break;
		case 1: m.to_name = "名前\nBcc: x@example.com"; break;
		case 2: m.to_addr = "a@example.com\r\nBcc: b@example.com"; break;
		case 3: m.list_id = "<x>\rX-Evil: 1"; break;
		case 4: m.to_addr = "not an address"; break;
		case 5: m.reply_to = "k+1.x@example.jp\r\nBcc: y@z"; break;
		case 6: m.reply_to = "a@b, c@d"; break;
		case 7: m.in_reply_to = "<a@b>\nX-Evil: 1"; break;
		case 8: m.auto_submitted = "auto-replied\r\nX: 1"; break;
		}
		buf_init(&b);
		cause = NULL;
		assert_int_equal(mail_build(&m, &b, &cause), -1);
		assert_non_null(cause);
		free(cause);
		buf_free(&b);
	}
}

/* A 受領確認: Reply-To, In-Reply-To and References, auto-replied. */
static void
test_reply_headers(void **state)
{
	struct mail_msg	 m = sample();
	struct buf	 b;
	char		*cause = NULL, *v;

	(void)state;
	m.reply_to = "koyomi+42.abcdefghijklmnop@example.jp";
	m.in_reply_to = "<reply.1@a.example.jp>";
	m.auto_submitted = "auto-replied";
	buf_init(&b);
	assert_int_equal(mail_build(&m, &b, &cause), 0);
	v = t_header(b.data, "Reply-To");
	assert_string_equal(v, "koyomi+42.abcdefghijklmnop@example.jp");
	free(v);
	v = t_header(b.data, "In-Reply-To");
	assert_string_equal(v, "<reply.1@a.example.jp>");
	free(v);
	v = t_header(b.data, "References");
	assert_string_equal(v, "<reply.1@a.example.jp>");
	free(v);
	v = t_header(b.data, "Auto-Submitted");
	assert_string_equal(v, "auto-replied");
	free(v);
	buf_free(&b);
	/* Without them: none of the three headers. */
	m = sample();
	buf_init(&b);
	assert_int_equal(mail_build(&m, &b, &cause), 0);
	assert_null(strstr(b.data, "Reply-To:"));
	assert_null(strstr(b.data, "In-Reply-To:"));
	assert_null(strstr(b.data, "References:"));
	buf_free(&b);
}

static void
test_calendar_part(void **state)
{
	struct mail_msg	 m = sample();
	struct buf	 b;
	char		*cause = NULL, *ct;

	(void)state;
	m.ics = "BEGIN:VCALENDAR\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n";
	m.ics_name = "meeting.ics";
	buf_init(&b);
	assert_int_equal(mail_build(&m, &b, &cause), 0);
	ct = t_header(b.data, "Content-Type");
	assert_non_null(strstr(ct, "multipart/mixed; boundary=\"=_koyomi_"));
	assert_non_null(strstr(b.data, "Content-Type: text/calendar; "
	    "method=PUBLISH; charset=UTF-8\r\n"));
	assert_non_null(strstr(b.data, "filename=\"meeting.ics\""));
	assert_non_null(strstr(b.data, "--\r\n"));	/* closing boundary */
	free(ct);
	buf_free(&b);
}

static void
test_b64_decode(void **state)
{
	struct buf	b;

	(void)state;
	buf_init(&b);
	assert_int_equal(b64_decode(&b, "5pqm", 4), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "暦", 3);
	buf_reset(&b);
	assert_int_equal(b64_decode(&b, "YQ==", 4), 0);
	assert_int_equal(b.len, 1);
	buf_reset(&b);
	assert_int_equal(b64_decode(&b, "Y*==", 4), -1);
	/* Strict, for secrets: one spelling per byte string. */
	buf_reset(&b);
	assert_int_equal(b64_decode(&b, "YQ", 2), 0);	/* unpadded */
	assert_int_equal(b.len, 1);
	assert_int_equal(b64_decode(&b, "YQ===", 5), -1);	/* a run of = */
	assert_int_equal(b64_decode(&b, "YQ=", 3), -1);	/* half padded */
	assert_int_equal(b64_decode(&b, "Y===", 4), -1);
	assert_int_equal(b64_decode(&b, "YQ==YQ==", 8), -1);	/* = inside */
	assert_int_equal(b64_decode(&b, "Y=Q=", 4), -1);
	assert_int_equal(b64_decode(&b, "YR==", 4), -1);	/* bits left */
	assert_int_equal(b64_decode(&b, "YWJ=", 4), -1);
	assert_int_equal(b64_decode(&b, "Y", 1), -1);
	assert_int_equal(b64_decode(&b, "YQ-_", 4), -1);	/* url alphabet */
	assert_int_equal(b64_decode(&b, "Y Q=", 4), -1);
	assert_int_equal(b64_decode(&b, "YQ\0=", 4), -1);
	buf_reset(&b);
	assert_int_equal(b64_decode(&b, "", 0), 0);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static void
test_b64url(void **state)
{
	static const unsigned char raw[] = { 0xfb, 0xff, 0xbf, 0x00, 0x01 };
	unsigned char	 out[8];
	struct buf	 b;
	size_t		 n, len;

	(void)state;
	buf_init(&b);
	/* Every length round-trips, with no padding and the url alphabet. */
	for (len = 0; len <= sizeof raw; len++) {
		buf_reset(&b);
		b64url_encode(&b, raw, len);
		assert_null(memchr(b.data != NULL ? b.data : "", '=', b.len));
		assert_null(memchr(b.data != NULL ? b.data : "", '+', b.len));
		assert_int_equal(b64url_decode(b.len ? b.data : "", out,
		    sizeof out, &n), 0);
		assert_int_equal(n, len);
		assert_memory_equal(out, raw, len);
		assert_true(b64url_valid(b.len ? b.data : "", b.len));
	}
	assert_string_equal(b.data, "-_-_AAE");
	assert_int_equal(b64url_decode("-_-_AAF", out, sizeof out, &n), -1);
	assert_int_equal(b64url_decode("-_-_AAE=", out, sizeof out, &n), -1);
	assert_int_equal(b64url_decode("+/+/AAE", out, sizeof out, &n), -1);
	assert_int_equal(b64url_decode("-_-_AAE", out, 4, &n), -1);
	assert_int_equal(b64url_decode("A", out, sizeof out, &n), -1);
	assert_false(b64url_valid("-_-_AAF", 7));
	buf_free(&b);
}

/* Python's email package, an independent decoder, reads the message. */
static void
test_python_decodes(void **state)
{
	struct mail_msg	 m = sample();
	struct buf	 b;
	char		 path[] = "/tmp/koyomi-mail.XXXXXX", cmd[1024], *cause;
	FILE		*f;
	int		 fd;

	(void)state;
	m.subject = "【ご提出のお願い】令和7年度 精神障害にも対応した地域包括ケア"
	    "システムの構築推進事業 参加意向調査（期限：令和8年2月20日（金））";
	m.ics = "BEGIN:VCALENDAR\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n";
	buf_init(&b);
	assert_int_equal(mail_build(&m, &b, &cause), 0);
	assert_true((fd = mkstemp(path)) != -1);
	f = fdopen(fd, "wb");
	fwrite(b.data, 1, b.len, f);
	fclose(f);
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 - '%s' <<'EOF'\n"
	    "import email, email.policy, sys\n"
	    "m = email.message_from_bytes(open(sys.argv[1], 'rb').read(),"
	    " policy=email.policy.default)\n"
	    "assert m['Subject'] == '%s', m['Subject']\n"
	    "a = m['To'].addresses[0]\n"
	    "assert a.display_name == '東京都　ご担当者様', a.display_name\n"
	    "assert a.addr_spec == 'tanto@metro.example.lg.jp'\n"
	    "assert m['From'].addresses[0].display_name == 'こよみ通知'\n"
	    "t = m.get_body(('plain',)).get_content()\n"
	    "assert t.splitlines()[0] == '東京都　ご担当者様', t\n"
	    "parts = [p.get_content_type() for p in m.iter_parts()]\n"
	    "assert parts == ['text/plain', 'text/calendar'], parts\n"
	    "assert not m.defects, m.defects\n"
	    "EOF", path, m.subject);
	assert_int_equal(system(cmd), 0);
	unlink(path);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_words_roundtrip),
		cmocka_unit_test(test_words_never_split_utf8),
		cmocka_unit_test(test_ascii_subject_plain),
		cmocka_unit_test(test_build_message),
		cmocka_unit_test(test_body_line_ends),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_reply_headers),
		cmocka_unit_test(test_calendar_part),
		cmocka_unit_test(test_b64_decode),
		cmocka_unit_test(test_b64url),
		cmocka_unit_test(test_python_decodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
