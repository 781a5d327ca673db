/*
 * diag.c — the diagnostics list shared by the parser, the validator and
 * the expander: fully formatted "path:line:col: kind: message" lines.
 * Formatting happens once, here, so every caller prints the same shape.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rules/parse.h"
#include "rules/rules.h"

void
rules_diag_init(struct rules_diag *d)
{
	memset(d, 0, sizeof *d);
}

void
rules_diag_free(struct rules_diag *d)
{
	size_t	i;

	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++)
		free(d->msgs[i]);
	free(d->msgs);
	memset(d, 0, sizeof *d);
}

#define RULES_DIAG_MAX	480	/* bytes of message text kept */

/*
 * One line per diagnostic whatever the input: control characters quoted
 * from a file are escaped (a newline inside a value would otherwise split
 * the line, an escape sequence would reach the terminal), and a message
 * quoting a huge value is cut at a character boundary.
 */
static char *
rules_diag_clean(const char *msg)
{
	const unsigned char	*u = (const unsigned char *)msg;
	struct buf		 b, cut;
	size_t			 n, head, tail;

	buf_init(&b);
	while (*u != '\0') {
		if (*u == '\n')
			buf_puts(&b, "\\n");
		else if (*u == '\r')
			buf_puts(&b, "\\r");
		else if (*u == '\t')
			buf_puts(&b, "\\t");
		else if (*u < 0x20 || *u == 0x7f)
			buf_printf(&b, "\\x%02x", *u);
		else {
			n = *u < 0x80 ? 1 : utf8_seqlen(u);
			if (strnlen((const char *)u, n) < n)
				n = 1;
			buf_append(&b, u, n);
			u += n;
			continue;
		}
		u++;
	}
	buf_putc(&b, '\0');
	if (b.len <= RULES_DIAG_MAX)
		return buf_steal(&b);
	/* Keep both ends: the quoted value starts it, the verdict ends it. */
	head = RULES_DIAG_MAX / 2;
	while (head > 0 && (b.data[head] & 0xc0) == 0x80)
		head--;
	tail = b.len - RULES_DIAG_MAX / 2;
	while (tail < b.len && (b.data[tail] & 0xc0) == 0x80)
		tail++;
	buf_init(&cut);
	buf_append(&cut, b.data, head);
	buf_puts(&cut, "…");
	buf_puts(&cut, b.data + tail);
	buf_free(&b);
	return buf_steal(&cut);
}

/*
 * Appends one diagnostic. A line of 0 means "the whole file" and prints
 * as path: kind: message, for errors that have no position (unreadable).
 */
void
rules_diag_add(struct rules_diag *d, const char *kind, const char *path,
    unsigned line, unsigned col, const char *fmt, ...)
{
	va_list	 ap;
	char	*raw, *msg, *full;

	va_start(ap, fmt);
	xvasprintf(&raw, fmt, ap);
	va_end(ap);
	msg = rules_diag_clean(raw);
	free(raw);
	if (line == 0)
		xasprintf(&full, "%s: %s: %s", path, kind, msg);
	else
		xasprintf(&full, "%s:%u:%u: %s: %s", path, line, col, kind, msg);
	free(msg);
	d->msgs = xreallocarray(d->msgs, d->n + 1, sizeof *d->msgs);
	d->msgs[d->n++] = full;
	if (strcmp(kind, "warning") == 0)
		d->nwarnings++;
	else
		d->nerrors++;
}

/* Appends one diagnostic; the error count is the caller's business. */
static void __attribute__((format(printf, 5, 0)))
rules_pdiag_add(struct rules_pctx *p, size_t file, struct rules_mark m,
    int warning, const char *fmt, va_list ap)
{
	struct rules_pdiag	*d;

	p->d = xreallocarray(p->d, p->nd + 1, sizeof *p->d);
	d = &p->d[p->nd];
	d->file = file;
	d->line = m.line;
	d->col = m.col;
	d->seq = p->nd++;
	d->warning = warning;
	xvasprintf(&d->msg, fmt, ap);
}

void
rules_perr(struct rules_pctx *p, size_t file, struct rules_mark m,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	rules_pdiag_add(p, file, m, 0, fmt, ap);
	va_end(ap);
	p->nerrors++;
}

void
rules_pwarn(struct rules_pctx *p, size_t file, struct rules_mark m,
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	rules_pdiag_add(p, file, m, 1, fmt, ap);
	va_end(ap);
}
