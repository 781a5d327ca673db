/*
 * payload.h — webhook bodies (webhook_payload.c). Pure: an event in, the
 * exact bytes to POST out; the same bytes are signed and stored in the
 * outbox, so a retry re-sends them unchanged.
 *
 * Standard format (Standard Webhooks envelope), keys always in this order:
 *   {"type":"task.reminder","timestamp":"2026-02-13T00:00:00Z",
 *    "data":{ …fields in the order given… }}
 * Event types and the data keys the daemon sends (stable; a key absent
 * from an event is omitted, never null):
 *   task.reminder, task.overdue, task.escalated, task.completed,
 *   task.reopened: task_id, uid, cycle, item, fy, title, assignee,
 *     assignee_name, due (YYYY-MM-DD), due_wareki, step, by, link
 *   event.changed: uid, cycle, item, fy, kind, title, sequence,
 *     old_date, new_date, old_wareki, new_wareki, old_time, new_time
 *     (HH:MM, timed events only), location
 *   event.cancelled: uid, cycle, item, fy, kind, title, sequence, date,
 *     date_wareki
 *   rules.reload_failed: errors (count), first_error, messages (a list
 *     of at most 20 "path:line:col: error: …" lines, warnings too, each
 *     at most 300 bytes), truncated (1 when messages is not all of them)
 * A key ending in "[]" makes a list: consecutive fields with that key
 * become one JSON array named without the brackets ("messages[]" →
 * "messages":[…]).
 *
 * Chat formats carry one readable Japanese text built from the same data:
 *   Slack:      {"text":"…"}
 *   Teams:      legacy Office 365 connector MessageCard
 *               {"@type":"MessageCard","@context":"https://schema.org/extensions",
 *                "summary":"…","text":"…"} — accepted by incoming-webhook
 *               connectors; "text" alone would do too, the summary is what
 *               notifications show.
 *   LINE WORKS: {"content":{"type":"text","text":"…"}}
 */
#ifndef KOYOMI_PAYLOAD_H
#define KOYOMI_PAYLOAD_H

#include <stddef.h>
#include <time.h>

#include "calendars/util.h"
#include "notifier/notify.h"

struct payload_field {
	const char	*key;
	const char	*str;		/* UTF-8; NULL: use num */
	long long	 num;
};

struct payload_event {
	const char			*type;		/* one of the types above */
	time_t				 timestamp;
	const struct payload_field	*data;		/* borrowed */
	size_t				 ndata;
};

/*
 * Building an event: fields appended in order into the builder's own
 * array, no allocation; strings are borrowed until the event is queued.
 * A field past PAYLOAD_MAX_FIELDS is counted, never written, and makes
 * payload_done() refuse the event, so a caller that miscounts gets an
 * error instead of a write past the end.
 */
#define PAYLOAD_MAX_FIELDS	32

struct payload_build {
	struct payload_event	 ev;		/* ev.data is f */
	struct payload_field	 f[PAYLOAD_MAX_FIELDS];
	size_t			 dropped;	/* fields that did not fit */
};

void	 payload_begin(struct payload_build *, const char *type, time_t);
/* A string field (NULL is kept as NULL: the field then renders 0). */
void	 payload_str(struct payload_build *, const char *key, const char *);
void	 payload_num(struct payload_build *, const char *key, long long);
/* The event built, or NULL with *cause (caller frees) if a field was lost. */
const struct payload_event *payload_done(struct payload_build *,
	    char **cause);

/* 1 if type is one koyomi sends. */
int	 payload_type_known(const char *);
/*
 * Appends the body for format to out. -1 with *cause (caller frees) on an
 * unknown type or a string that is not UTF-8.
 */
int	 payload_render(const struct payload_event *, enum notify_hook_format,
	    struct buf *out, char **cause);

#endif
