/*
 * outbox_view.c — the outbox as JSON (API and `koyomi outbox --format
 * json`) and as text (one tab-separated line per message). Message bodies
 * are never shown: they hold completion links, which are secrets.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "calendars/util.h"
#include "daemon/outbox/outbox.h"
#include "daemon/store/store_outbox.h"

static const char *const outbox_states[OUTBOX_NSTATES] = {
	"pending", "sending", "sent", "failed", "dead"
};

const char *
outbox_state_name(enum outbox_state s)
{
	return (unsigned)s < OUTBOX_NSTATES ? outbox_states[s] : NULL;
}

int
outbox_state_from_name(const char *name)
{
	int	i;

	for (i = 0; i < OUTBOX_NSTATES; i++)
		if (strcmp(outbox_states[i], name) == 0)
			return i;
	return -1;
}

static void
view_time(struct buf *b, time_t t, int json)
{
	struct tm	tm;
	char		s[32];

	if (t == 0) {
		buf_puts(b, json ? "null" : "-");
		return;
	}
	gmtime_r(&t, &tm);
	strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (json)
		buf_printf(b, "\"%s\"", s);
	else
		buf_puts(b, s);
}

void
outbox_view_json(struct buf *b, const struct outbox_row *rows, size_t n,
    const long long counts[OUTBOX_NSTATES])
{
	size_t	i;
	int	st;

	buf_puts(b, "{\"counts\":{");
	for (st = 0; st < OUTBOX_NSTATES; st++)
		buf_printf(b, "%s\"%s\":%lld", st > 0 ? "," : "",
		    outbox_state_name(st), counts[st]);
	buf_puts(b, "},\"messages\":[");
	for (i = 0; i < n; i++) {
		buf_printf(b, "%s{\"id\":%lld,\"msgid\":", i > 0 ? "," : "",
		    (long long)rows[i].id);
		buf_json_string(b, rows[i].msgid);
		buf_puts(b, ",\"channel\":");
		buf_json_string(b, rows[i].channel);
		buf_puts(b, ",\"destination\":");
		buf_json_string(b, rows[i].destination);
		buf_puts(b, ",\"kind\":");
		buf_json_string(b, rows[i].kind);
		buf_puts(b, ",\"subject\":");
		buf_json_string(b, rows[i].subject);
		buf_puts(b, ",\"state\":");
		buf_json_string(b, rows[i].state);
		buf_printf(b, ",\"attempts\":%d,\"next_attempt\":",
		    rows[i].attempts);
		view_time(b, rows[i].next_attempt, 1);
		buf_puts(b, ",\"last_error\":");
		buf_json_string(b, rows[i].last_error);
		buf_puts(b, ",\"created\":");
		view_time(b, rows[i].created, 1);
		buf_puts(b, ",\"sent_at\":");
		view_time(b, rows[i].sent_at, 1);
		buf_putc(b, '}');
	}
	buf_puts(b, "]}\n");
}

/* Tabs and newlines in a field would break the columns. */
static void
view_field(struct buf *b, const char *s)
{
	if (s == NULL || *s == '\0') {
		buf_putc(b, '-');
		return;
	}
	for (; *s != '\0'; s++)
		buf_putc(b, *s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

void
outbox_view_text(struct buf *b, const struct outbox_row *rows, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		buf_printf(b, "%lld\t%s\t%s\t", (long long)rows[i].id,
		    rows[i].state, rows[i].channel);
		view_field(b, rows[i].destination);
		buf_putc(b, '\t');
		view_field(b, rows[i].kind);
		buf_printf(b, "\t%d\t", rows[i].attempts);
		view_time(b, strcmp(rows[i].state, "sent") == 0 ?
		    rows[i].sent_at : rows[i].next_attempt, 0);
		buf_putc(b, '\t');
		view_field(b, rows[i].subject);
		buf_putc(b, '\t');
		view_field(b, rows[i].last_error);
		buf_putc(b, '\n');
	}
}
