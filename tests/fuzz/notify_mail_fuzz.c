/*
 * notify_mail_fuzz.c — libFuzzer target for header encoding and message
 * building: whatever a rule file or directory puts into a subject or a
 * display name, every line stays ≤ 76 (encoded-words) / 998 octets, no
 * bare CR or LF reaches the headers, and base64 decoding never overruns.
 * fuzz-sources: notifier/mail.c notifier/base64.c calendars/util.c calendars/log.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "notifier/base64.h"
#include "notifier/mail.h"

static void
check_lines(const char *p, size_t len, size_t max)
{
	const char	*end = p + len, *e;

	while (p < end) {
		e = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (e == NULL)
			abort();	/* every line ends with CRLF */
		if ((size_t)(e - p) > max || memchr(p, '\n', (size_t)(e - p)) ||
		    memchr(p, '\r', (size_t)(e - p)))
			abort();
		p = e + 2;
	}
}

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_msg	 m;
	struct buf	 b;
	char		*s, *cause = NULL;
	size_t		 half = size / 2;

	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	buf_init(&b);
	b64_decode(&b, s, strlen(s));
	buf_reset(&b);
	if (strpbrk(s, "\r\n") == NULL) {
		buf_puts(&b, "Subject: ");
		mail_encode_words(&b, s, 9);
		buf_puts(&b, "\r\n");
		if (utf8_valid(s, strlen(s)))
			check_lines(b.data, b.len, 76);
	}
	buf_reset(&b);
	memset(&m, 0, sizeof m);
	m.from = "koyomi <k@example.jp>";
	m.to_addr = "a@example.jp";
	s[half] = '\0';
	m.to_name = s;
	m.subject = s + (half < size ? half + 1 : half);
	m.body = m.subject;
	m.msgid = "<x@y>";
	if (mail_build(&m, &b, &cause) == 0)
		check_lines(b.data, b.len, 998);
	free(cause);
	buf_free(&b);
	free(s);
	return 0;
}
