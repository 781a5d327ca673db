/*
 * html.c — HTML escaping and URL checks for the dashboard (html.h).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "daemon/codec/html.h"

void
html_text(struct buf *b, const char *s)
{
	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			buf_puts(b, "&amp;");
			break;
		case '<':
			buf_puts(b, "&lt;");
			break;
		case '>':
			buf_puts(b, "&gt;");
			break;
		case '"':
			buf_puts(b, "&quot;");
			break;
		case '\'':
			buf_puts(b, "&#39;");
			break;
		default:
			buf_putc(b, *s);
		}
	}
}

void
html_textf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	html_text(b, s);
	free(s);
}

void
html_urlencode(struct buf *b, const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			buf_putc(b, (char)c);
		else {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		}
	}
}

void
html_pathencode(struct buf *b, const char *s)
{
	char	 one[2] = { 0, 0 };

	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '/')
			buf_putc(b, '/');
		else {
			one[0] = *s;
			html_urlencode(b, one);
		}
	}
}

static int
hexdig(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The shape rules of html_local_path_ok on n bytes of s. */
static int
local_shape_ok(const char *s, size_t n)
{
	size_t	 i;

	if (n == 0 || s[0] != '/' || (n > 1 && (s[1] == '/' || s[1] == '\\')))
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
		    s[i] == '\\')
			return 0;
	return 1;
}

int
html_local_path_ok(const char *s)
{
	char	 dec[1024];
	size_t	 i, n, len;
	int	 hi, lo;

	if (s == NULL || (len = strlen(s)) == 0 || len >= sizeof dec ||
	    !local_shape_ok(s, len))
		return 0;
	for (i = n = 0; i < len; n++) {
		if (s[i] == '%' && i + 2 < len &&
		    (hi = hexdig((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexdig((unsigned char)s[i + 2])) >= 0) {
			dec[n] = (char)(hi * 16 + lo);
			i += 3;
		} else
			dec[n] = s[i++];
	}
	/* Decoded, it must still be a plain local path. */
	return local_shape_ok(dec, n);
}
