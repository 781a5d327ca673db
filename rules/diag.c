/*
 * diag.c — the diagnostics list shared by the parser, the validator and
 * the expander: fully formatted "path:line:col: kind: message" lines.
 * Formatting happens once, here, so every caller prints the same shape.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * Appends one diagnostic. A line of 0 means "the whole file" and prints
 * as path: kind: message, for errors that have no position (unreadable).
 */
void
rules_diag_add(struct rules_diag *d, const char *kind, const char *path,
    unsigned line, unsigned col, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *full;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
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
