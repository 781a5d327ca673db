/*
 * mail.c — RFC 5322 messages with RFC 2047 headers and base64 UTF-8
 * bodies (design.md §8). Japanese needs encoded-words in headers (the bug
 * class of Alertmanager #135) and a transfer encoding in the body; base64
 * keeps every line short whatever the text, so no 8BITMIME is needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "notifier/base64.h"
#include "notifier/mail.h"

#define MAIL_WORD_OVERHEAD	12	/* "=?UTF-8?B?" + "?=" */
#define MAIL_LINE_MAX		76	/* RFC 2047 §2 for lines with words */

int
mail_header_unsafe(const char *s)
{
	return s == NULL || strpbrk(s, "\r\n") != NULL;
}

static int
mail_needs_encoding(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p >= 0x80 || *p < 0x20)
			return 1;
	return strstr(s, "=?") != NULL;
}

/* Bytes of s, whole UTF-8 characters only, that fit in max bytes. */
static size_t
mail_utf8_prefix(const char *s, size_t len, size_t max)
{
	size_t	n = 0, l;

	while (n < len) {
		l = utf8_seqlen((const unsigned char *)s + n);
		if (n + l > max || n + l > len)
			break;
		n += l;
	}
	return n;
}

/*
 * Plain ASCII folded before spaces so lines stay within 76; 0 if a word
 * is too long to fit a line, then the caller encodes instead (encoded
 * text can be cut anywhere).
 */
static int
mail_fold_ascii(struct buf *out, const char *s, size_t used)
{
	const char	*p, *w;
	size_t		 col = used, n;

	for (p = s; *p != '\0'; p = w + n) {
		w = p + strspn(p, " ");
		n = strcspn(w, " ");
		if ((size_t)(w - p) + n > 60)	/* longer than a line */
			return 0;
	}
	for (p = s; *p != '\0'; p = w + n) {
		w = p + strspn(p, " ");
		n = strcspn(w, " ");
		/* The token is its leading spaces and one word. */
		if (p != s && col + (size_t)(w - p) + n > MAIL_LINE_MAX) {
			buf_puts(out, "\r\n");
			col = 0;
		}
		buf_append(out, p, (size_t)(w - p) + n);
		col += (size_t)(w - p) + n;
	}
	return 1;
}

/* Encoded-words for all of s, whatever it contains. */
static void
mail_encode_all(struct buf *out, const char *s, size_t used)
{
	size_t	len = strlen(s), off = 0, room, n;
	int	first = 1;

	while (off < len) {
		/* Input bytes whose base64 fits what is left of the line. */
		if (first)
			room = used + MAIL_WORD_OVERHEAD + 4 < MAIL_LINE_MAX ?
			    (MAIL_LINE_MAX - used - MAIL_WORD_OVERHEAD) / 4 * 3U :
			    0;
		else
			room = (size_t)(MAIL_LINE_MAX - 1 - MAIL_WORD_OVERHEAD) /
			    4 * 3;
		n = mail_utf8_prefix(s + off, len - off, room);
		if (n == 0 && first) {
			buf_puts(out, "\r\n ");	/* no room after the name */
			first = 0;
			continue;
		}
		if (n == 0)	/* a bad byte longer than a line: take it */
			n = 1;
		if (!first)
			buf_puts(out, "\r\n ");
		buf_puts(out, "=?UTF-8?B?");
		b64_encode(out, s + off, n);
		buf_puts(out, "?=");
		off += n;
		first = 0;
	}
}

void
mail_encode_words(struct buf *out, const char *s, size_t used)
{
	size_t	mark = out->len;

	if (!mail_needs_encoding(s)) {
		if (mail_fold_ascii(out, s, used))
			return;
		out->len = mark;	/* undo, then encode */
		if (out->data != NULL)
			out->data[mark] = '\0';
	}
	mail_encode_all(out, s, used);
}

int
mail_split_address(const char *s, char **name, char **addr)
{
	const char	*lt, *gt, *end;
	size_t		 nl;

	*name = *addr = NULL;
	if ((lt = strrchr(s, '<')) != NULL) {
		if ((gt = strchr(lt, '>')) == NULL || gt[1] != '\0')
			return -1;
		end = lt;
		while (end > s && end[-1] == ' ')
			end--;
		nl = (size_t)(end - s);
		if (nl >= 2 && s[0] == '"' && end[-1] == '"') {
			s++;
			nl -= 2;
		}
		if (nl > 0)
			*name = xstrndup(s, nl);
		*addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
	} else
		*addr = xstrdup(s);
	/* A plausible addr-spec: local@domain, no spaces or specials. */
	if (strchr(*addr, '@') == NULL || (*addr)[0] == '@' ||
	    strpbrk(*addr, " \t\r\n<>,;\"()") != NULL ||
	    strchr(*addr, '@')[1] == '\0') {
		free(*name);
		free(*addr);
		*name = *addr = NULL;
		return -1;
	}
	return 0;
}

/* "Name: display <addr>" with the name quoted or encoded as needed. */
static void
mail_put_address(struct buf *out, const char *hdr, const char *name,
    const char *addr)
{
	const char	*p;

	buf_printf(out, "%s: ", hdr);
	if (name == NULL || *name == '\0') {
		buf_printf(out, "%s\r\n", addr);
		return;
	}
	/* A long quoted name could not be folded: encode it instead. */
	if (mail_needs_encoding(name) || strlen(name) > 60)
		mail_encode_all(out, name, strlen(hdr) + 2);
	else {
		buf_putc(out, '"');
		for (p = name; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(out, '\\');
			buf_putc(out, *p);
		}
		buf_putc(out, '"');
	}
	buf_printf(out, "\r\n <%s>\r\n", addr);
}

static void
mail_put_date(struct buf *out, time_t t, int off)
{
	static const char *const wd[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const mo[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm	 tm;
	time_t		 lt = t + off;
	int		 a = off < 0 ? -off : off;

	gmtime_r(&lt, &tm);
	buf_printf(out, "Date: %s, %d %s %d %02d:%02d:%02d %c%02d%02d\r\n",
	    wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
	    a / 3600, a / 60 % 60);
}

/* UTF-8 text with CRLF line ends, base64 in 76-column lines. */
static void
mail_put_text(struct buf *out, const char *text)
{
	struct buf	 crlf;
	const char	*p = text, *nl;

	/* Line by line: a bare LF gets its CR, a CRLF stays as it is. */
	buf_init(&crlf);
	while ((nl = strchr(p, '\n')) != NULL) {
		if (nl > p && nl[-1] == '\r')
			buf_append(&crlf, p, (size_t)(nl - p) + 1);
		else {
			buf_append(&crlf, p, (size_t)(nl - p));
			buf_append(&crlf, "\r\n", 2);
		}
		p = nl + 1;
	}
	buf_puts(&crlf, p);
	b64_encode_lines(out, crlf.data != NULL ? crlf.data : "", crlf.len);
	buf_free(&crlf);
}

static int
mail_check(const struct mail_msg *m, char **cause)
{
	const char	*hv[] = { m->from, m->to_addr, m->subject, m->msgid };
	const char	*opt[] = { m->to_name, m->list_id, m->ics_name,
		m->reply_to, m->in_reply_to, m->auto_submitted };
	size_t		 i;

	for (i = 0; i < nitems(hv); i++)
		if (mail_header_unsafe(hv[i])) {
			xasprintf(cause, "mail header missing or contains "
			    "CR/LF");
			return -1;
		}
	for (i = 0; i < nitems(opt); i++)
		if (opt[i] != NULL && mail_header_unsafe(opt[i])) {
			xasprintf(cause, "mail header contains CR/LF");
			return -1;
		}
	if (m->body == NULL || !utf8_valid(m->body, strlen(m->body)) ||
	    (m->ics != NULL && !utf8_valid(m->ics, strlen(m->ics)))) {
		xasprintf(cause, "mail body is not UTF-8");
		return -1;
	}
	if (m->ics_name != NULL && mail_needs_encoding(m->ics_name)) {
		xasprintf(cause, "attachment name must be ASCII");
		return -1;
	}
	/* Header values written as they are: ASCII, no structure to fold. */
	if ((m->reply_to != NULL && (mail_needs_encoding(m->reply_to) ||
	    strpbrk(m->reply_to, " <>,;\"") != NULL ||
	    strchr(m->reply_to, '@') == NULL)) ||
	    (m->in_reply_to != NULL && (mail_needs_encoding(m->in_reply_to) ||
	    strlen(m->in_reply_to) > 900)) ||
	    (m->auto_submitted != NULL &&
	    mail_needs_encoding(m->auto_submitted))) {
		xasprintf(cause, "bad Reply-To, In-Reply-To or Auto-Submitted");
		return -1;
	}
	return 0;
}

static void
mail_put_body(struct buf *out, const struct mail_msg *m)
{
	char	bnd[64];
	size_t	i, h = 5381;

	if (m->ics == NULL) {
		buf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n");
		mail_put_text(out, m->body);
		return;
	}
	/* "=_" never occurs inside base64 text, so the boundary is safe. */
	for (i = 0; m->msgid[i] != '\0'; i++)
		h = h * 33 + (unsigned char)m->msgid[i];
	snprintf(bnd, sizeof bnd, "=_koyomi_%016zx", h);
	buf_printf(out, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
	    "\r\nThis is a MIME message.\r\n--%s\r\n", bnd, bnd);
	buf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n");
	mail_put_text(out, m->body);
	buf_printf(out, "--%s\r\nContent-Type: text/calendar; "
	    "method=PUBLISH; charset=UTF-8\r\n"
	    "Content-Transfer-Encoding: base64\r\n"
	    "Content-Disposition: attachment; filename=\"%s\"\r\n\r\n", bnd,
	    m->ics_name != NULL ? m->ics_name : "event.ics");
	mail_put_text(out, m->ics);
	buf_printf(out, "--%s--\r\n", bnd);
}

int
mail_build(const struct mail_msg *m, struct buf *out, char **cause)
{
	char	*fname = NULL, *faddr = NULL, *tname = NULL, *taddr = NULL;
	int	 rv = -1;

	if (mail_check(m, cause) == -1)
		return -1;
	if (mail_split_address(m->from, &fname, &faddr) == -1 ||
	    mail_split_address(m->to_addr, &tname, &taddr) == -1) {
		xasprintf(cause, "bad mail address");
		goto out;
	}
	mail_put_address(out, "From", fname, faddr);
	mail_put_address(out, "To", m->to_name != NULL ? m->to_name : tname,
	    taddr);
	if (m->reply_to != NULL)
		buf_printf(out, "Reply-To: %s\r\n", m->reply_to);
	buf_puts(out, "Subject: ");
	mail_encode_words(out, m->subject, 9);
	buf_puts(out, "\r\n");
	mail_put_date(out, m->date, m->utc_offset);
	buf_printf(out, "Message-ID: %s\r\n", m->msgid);
	if (m->in_reply_to != NULL)
		buf_printf(out, "In-Reply-To: %s\r\nReferences: %s\r\n",
		    m->in_reply_to, m->in_reply_to);
	buf_printf(out, "MIME-Version: 1.0\r\n"
	    "Auto-Submitted: %s\r\n"
	    "X-Auto-Response-Suppress: All\r\n", m->auto_submitted != NULL ?
	    m->auto_submitted : "auto-generated");
	if (m->list_id != NULL)
		buf_printf(out, "List-Id: %s\r\n", m->list_id);
	mail_put_body(out, m);
	rv = 0;
out:
	free(fname);
	free(faddr);
	free(tname);
	free(taddr);
	return rv;
}
