/*
 * csv.c — RFC 4180 CSV with a BOM, for every exported table (csv.h).
 */
#include <string.h>

#include "daemon/codec/csv.h"

void
csv_begin(struct csv *c, struct buf *out)
{
	c->out = out;
	c->ncells = 0;
	buf_puts(out, "\xef\xbb\xbf");
}

static void
sep(struct csv *c)
{
	if (c->ncells++ > 0)
		buf_putc(c->out, ',');
}

void
csv_cell(struct csv *c, const char *s)
{
	const char	*p;
	int		 formula;

	sep(c);
	if (s == NULL || *s == '\0')
		return;
	formula = strchr("=+-@\t\r", *s) != NULL;
	if (!formula && strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ' &&
	    s[strlen(s) - 1] != ' ') {
		buf_puts(c->out, s);
		return;
	}
	buf_putc(c->out, '"');
	if (formula)
		buf_putc(c->out, '\'');
	for (p = s; *p != '\0'; p++) {
		if (*p == '"')
			buf_putc(c->out, '"');
		buf_putc(c->out, *p);
	}
	buf_putc(c->out, '"');
}

void
csv_num(struct csv *c, long long n)
{
	sep(c);
	buf_printf(c->out, "%lld", n);
}

void
csv_end_row(struct csv *c)
{
	buf_puts(c->out, "\r\n");
	c->ncells = 0;
}

void
csv_row(struct csv *c, const char *const *cells, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		csv_cell(c, cells[i]);
	csv_end_row(c);
}
