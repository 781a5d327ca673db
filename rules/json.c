/*
 * json.c — JSON string escaping (RFC 8259) over struct buf.
 */
#include <string.h>

#include "rules/json.h"

/* Length of the valid UTF-8 sequence at p, 0 if it is not one. */
static size_t
json_utf8_len(const unsigned char *p)
{
	size_t	 n, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, cp = p[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;	/* also stops at the NUL */
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 ||
	    cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void
json_str(struct buf *b, const char *s)
{
	const unsigned char	*p;
	size_t			 n;

	if (s == NULL) {
		buf_puts(b, "null");
		return;
	}
	buf_putc(b, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p += n) {
		n = json_utf8_len(p);
		if (n == 0) {
			buf_puts(b, "\\ufffd");
			n = 1;
		} else if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
		    (p[2] == 0xa8 || p[2] == 0xa9))
			buf_printf(b, "\\u%04x", 0x2028 + (p[2] - 0xa8));
		else if (n > 1)
			buf_append(b, p, n);
		else if (*p == '"' || *p == '\\')
			buf_printf(b, "\\%c", *p);
		else if (*p == '\n')
			buf_puts(b, "\\n");
		else if (*p == '\r')
			buf_puts(b, "\\r");
		else if (*p == '\t')
			buf_puts(b, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(b, "\\u%04x", *p);
		else
			buf_putc(b, (char)*p);
	}
	buf_putc(b, '"');
}

void
json_kv_str(struct buf *b, const char *key, const char *v)
{
	buf_putc(b, ',');
	json_str(b, key);
	buf_putc(b, ':');
	json_str(b, v);
}

void
json_kv_int(struct buf *b, const char *key, long long v)
{
	buf_putc(b, ',');
	json_str(b, key);
	buf_printf(b, ":%lld", v);
}

void
json_kv_bool(struct buf *b, const char *key, int v)
{
	buf_putc(b, ',');
	json_str(b, key);
	buf_puts(b, v ? ":true" : ":false");
}
