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

/*
 * Browsers drop tabs, newlines and leading controls/spaces before they
 * read a scheme ("java\tscript:"), so the scheme is read the same way.
 */
int
html_url_ok(const char *url)
{
	char		 scheme[16];
	size_t		 n = 0;
	const char	*p;

	if (url == NULL)
		return 0;
	for (p = url; *p != '\0' && (unsigned char)*p <= ' '; p++)
		;
	for (; *p != '\0'; p++) {
		if (*p == '\t' || *p == '\n' || *p == '\r')
			continue;
		if (*p == ':' || *p == '/' || *p == '?' || *p == '#')
			break;
		if (n == sizeof scheme - 1)
			return 0;	/* no scheme we allow is this long */
		scheme[n++] = (char)tolower((unsigned char)*p);
	}
	scheme[n] = '\0';
	if (*p != ':')
		return 1;	/* no scheme: a relative reference */
	return strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0 ||
	    strcmp(scheme, "mailto") == 0;
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
