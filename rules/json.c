/*
 * json.c — JSON object members over struct buf; the strings themselves
 * are buf_json_string's (calendars/util.c).
 */
#include "rules/json.h"

void
json_kv_str(struct buf *b, const char *key, const char *v)
{
	buf_putc(b, ',');
	buf_json_string(b, key);
	buf_putc(b, ':');
	buf_json_string(b, v);
}

void
json_kv_int(struct buf *b, const char *key, long long v)
{
	buf_putc(b, ',');
	buf_json_string(b, key);
	buf_printf(b, ":%lld", v);
}

void
json_kv_bool(struct buf *b, const char *key, int v)
{
	buf_putc(b, ',');
	buf_json_string(b, key);
	buf_puts(b, v ? ":true" : ":false");
}
