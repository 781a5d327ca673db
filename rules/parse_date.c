/*
 * parse_date.c — date forms in rule files, parsed by B2's datespec
 * parser (rules/datespec.h) and reported at the value's position.
 * TODO(B1): until rules/datespec.h lands only the text is kept.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/parse.h"

void
rules_date_clear(struct rules_date *d)
{
	if (d == NULL)
		return;
	free(d->raw);
	free(d->spec);
	memset(d, 0, sizeof *d);
}

int
rules_get_date(struct rules_pctx *p, const struct ynode *v, const char *key,
    struct rules_date *d)
{
	if (rules_want(p, v, YN_SCALAR, key) == -1)
		return -1;
	rules_date_clear(d);
	d->raw = xstrdup(v->str);
	d->mark = v->mark;
	return 0;
}
