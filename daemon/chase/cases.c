/*
 * cases.c — case codes, rendering, and the expansion view (cases.h).
 */
#include <stdlib.h>
#include <string.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/chase/cases.h"
#include "daemon/codec/csv.h"

int
case_code_valid(const char *s)
{
	size_t	 n = 0;

	if (s == NULL)
		return 0;
	for (; s[n] != '\0'; n++) {
		if (n == 32)
			return 0;
		if (!((s[n] >= 'A' && s[n] <= 'Z') ||
		    (s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '.' ||
		    s[n] == '_' || s[n] == '-'))
			return 0;
	}
	return n > 0;
}

char *
cases_cycle_refusal(const struct rules *r, const char *cycle)
{
	const struct rules_cycle	*c = rules_find_cycle(r, cycle);
	struct buf			 b;
	size_t				 i, n = 0;

	if (c != NULL && c->is_case)
		return NULL;
	buf_init(&b);
	if (c == NULL)
		buf_printf(&b, "unknown cycle '%s'", cycle);
	else
		buf_printf(&b, "cycle '%s' is not a case cycle (case: true)",
		    cycle);
	for (i = 0; i < r->ncycles; i++)
		if (r->cycles[i].is_case)
			buf_printf(&b, "%s%s", n++ == 0 ? "; case cycles: " :
			    ", ", r->cycles[i].id);
	if (n == 0)
		buf_puts(&b, "; the rules have no case cycle");
	return buf_steal(&b);
}

struct rules_case *
cases_for_expand(const struct case_row *v, size_t n)
{
	struct rules_case	*c = xcalloc(n + 1, sizeof *c);
	size_t			 i;

	for (i = 0; i < n; i++) {
		c[i].cycle = v[i].cycle;
		c[i].code = v[i].code;
		c[i].org = v[i].org;
		if (cal_parse_iso(v[i].start_day, &c[i].start) == -1)
			c[i].start = 0;
		if (v[i].closed_day == NULL ||
		    cal_parse_iso(v[i].closed_day, &c[i].closed) == -1)
			c[i].closed = CAL_OPEN;
	}
	return c;
}

void
cases_render_json(const struct case_row *v, size_t n, struct buf *b)
{
	size_t	 i;

	buf_puts(b, "{\"cases\":[");
	for (i = 0; i < n; i++) {
		buf_printf(b, "%s{\"id\":%lld,\"cycle\":", i > 0 ? "," : "",
		    (long long)v[i].id);
		buf_json_string(b, v[i].cycle);
		buf_puts(b, ",\"code\":");
		buf_json_string(b, v[i].code);
		buf_puts(b, ",\"org\":");
		buf_json_string(b, v[i].org);
		buf_puts(b, ",\"start\":");
		buf_json_string(b, v[i].start_day);
		buf_puts(b, ",\"closed\":");
		buf_json_string(b, v[i].closed_day);
		buf_putc(b, '}');
	}
	buf_printf(b, "],\"count\":%zu}\n", n);
}

void
cases_render_text(const struct case_row *v, size_t n, struct buf *b)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		buf_printf(b, "%s\t%s\t%s\t%s\t%s\n", v[i].cycle, v[i].code,
		    v[i].org != NULL ? v[i].org : "-", v[i].start_day,
		    v[i].closed_day != NULL ? v[i].closed_day : "open");
}

void
cases_render_csv(const struct case_row *v, size_t n, struct buf *b)
{
	static const char *const head[] = { "cycle", "code", "org", "start",
		"closed" };
	struct csv	 c;
	size_t		 i;

	csv_begin(&c, b);
	csv_row(&c, head, 5);
	for (i = 0; i < n; i++) {
		csv_cell(&c, v[i].cycle);
		csv_cell(&c, v[i].code);
		csv_cell(&c, v[i].org);
		csv_cell(&c, v[i].start_day);
		csv_cell(&c, v[i].closed_day);
		csv_end_row(&c);
	}
}
