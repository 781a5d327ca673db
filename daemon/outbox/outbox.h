/*
 * outbox.h — the durable outbox (design.md §8). A message is a row in
 * SQLite, written by outbox_enqueue*() inside the caller's transaction,
 * next to the row that says why it exists (a reminder step, a completion,
 * a date change): both commit or neither does, so a kill -9 at any moment
 * loses no message. The dispatcher, on the loop, hands due rows to the
 * notifier and records the outcome; delivery is at-least-once, and the
 * Message-ID / webhook-id chosen at enqueue time never changes, so a
 * receiver can drop duplicates.
 *
 * Row states: pending (never tried) → sending (handed to the notifier) →
 * sent | failed (will retry at next_attempt) | dead (permanent failure,
 * schedule spent, or endpoint disabled). Rows found in 'sending' at start
 * were interrupted by a crash and go back to pending. A webhook row dead
 * or failed goes back to pending, same id, when `koyomi webhook enable
 * --replay` or `webhook replay` requeues it (store_outbox_requeue).
 *
 * Order: for one mail address rows go out strictly by id, one at a time;
 * a later row waits while an earlier one is pending, sending or failed.
 * A webhook endpoint's rows go out by id, up to webhook_connections at
 * once; a later one waits while an earlier one waits for its retry.
 * Different destinations run in parallel.
 *
 * Connections: at most mail_connections mails (all to the one mail
 * server) and webhook_connections requests per endpoint are in the
 * notifier's hands, one per connection, so none waits in a queue there.
 *
 * Results: the notifier's answers are not written one by one. Every
 * answer that came in during one loop turn waits in memory and is
 * written, with the rows the freed connections take next marked
 * 'sending', in one transaction on the next turn (a zero-delay timer).
 * Until that commit the row stays 'sending': a crash sends it again on
 * the next start, same id, and a row is 'sent' only once its peer
 * accepted it. As a connection gets its next row only in the
 * transaction that writes its last answer, a crash finds at most one
 * accepted and unwritten message per connection: that is all it sends
 * twice. A failed commit (database locked, disk full) is rolled back
 * whole; the answers stay in memory (at most one per connection, so
 * memory is bounded), nothing more is handed out, and the write is tried
 * again after 1, 2, 4 … 30 s. outbox_stop writes what is waiting.
 * Delivery metrics count an answer once, when it is written.
 *
 * Durability: a turn's commit is lazy (store_lazy: synchronous=NORMAL,
 * which survives a crash of the process but not a power cut) unless the
 * last full one is OUTBOX_SYNC_AFTER old; a timer makes the last lazy
 * ones durable (store_sync) that long after delivery goes quiet. A
 * power cut can so re-send what was accepted in the last 0.1 s, never
 * lose a message: only answers are ever lazy, and a lost answer leaves
 * its row 'sending', sent again on the next start.
 *
 * Blocking: enqueue is one INSERT; the dispatcher's SQLite work is one
 * transaction of short statements per loop turn, each through an index
 * (schema.h, migration 5), bounded by the connections.
 */
#ifndef KOYOMI_OUTBOX_H
#define KOYOMI_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "notifier/payload.h"

struct koyomi;
struct outbox;
struct store;

/* A mail to enqueue; strings borrowed, UTF-8. */
struct outbox_mail {
	const char	*kind;		/* reminder, overdue, digest, … (tmpl name) */
	const char	*to_name;	/* display name or NULL */
	const char	*to_addr;
	const char	*subject;
	const char	*body;
	const char	*list_id;	/* "<cycle.host>" or NULL */
	const char	*ics;		/* METHOD:PUBLISH part or NULL */
	const char	*reply_to;	/* a task's reply address or NULL */
	const char	*in_reply_to;	/* "<id>" of the mail answered, or NULL */
	const char	*auto_submitted; /* NULL: auto-generated */
};

/* Row states, in the order `koyomi outbox` lists counts. */
enum outbox_state {
	OUTBOX_PENDING,
	OUTBOX_SENDING,
	OUTBOX_SENT,
	OUTBOX_FAILED,
	OUTBOX_DEAD,
	OUTBOX_NSTATES
};
const char	*outbox_state_name(enum outbox_state);
int		 outbox_state_from_name(const char *);	/* -1 unknown */

/*
 * Builds the RFC 5322 message (Message-ID chosen here) and INSERTs it.
 * Must run inside the caller's open transaction. Returns the row id, or
 * -1 with *cause (caller frees): bad header, database error. The second
 * form also copies the Message-ID into msgid[OUTBOX_MSGID_MAX].
 */
#define OUTBOX_MSGID_MAX	320
int64_t		 outbox_enqueue_mail(struct koyomi *, const struct outbox_mail *,
		    char **cause);
int64_t		 outbox_enqueue_mail_id(struct koyomi *,
		    const struct outbox_mail *, char *msgid, char **cause);
/*
 * One row per configured webhook endpoint whose event filter matches
 * ev->type, each with its own webhook-id and body in that endpoint's
 * format. Inside the caller's transaction. The row of a disabled
 * endpoint is written dead ("endpoint disabled"), never tried, so that
 * `koyomi webhook enable ID --replay` can send it once the endpoint is
 * back. Returns how many rows were queued for delivery (0 is fine; dead
 * ones do not count), -1 with *cause.
 */
int		 outbox_enqueue_event(struct koyomi *,
		    const struct payload_event *, char **cause);
/*
 * The same, with webhook-ids derived from key (and the endpoint) instead
 * of random ones: a fact named by key (e.g. "event.changed uid 3") always
 * gets the same id, whoever queues it and however often it is replayed.
 */
int		 outbox_enqueue_event_keyed(struct koyomi *,
		    const struct payload_event *, const char *key,
		    char **cause);
/*
 * A mail to admin_mail (kind as in the outbox, subject and body UTF-8),
 * inside the caller's transaction. 1 queued, 0 no admin_mail configured,
 * -1 with *cause.
 */
int		 outbox_enqueue_admin(struct koyomi *, const char *kind,
		    const char *subject, const char *body, char **cause);

/*
 * The dispatcher. outbox_start: after the store is open and the loop
 * exists (it needs k's loop, store, conf and notifier); puts rows left in
 * 'sending' back to pending and schedules the first run. outbox_wake: a
 * transaction that enqueued has committed; look again now.
 */
struct outbox	*outbox_start(struct koyomi *, char **cause);
void		 outbox_wake(struct outbox *);
void		 outbox_stop(struct outbox *);
/* Messages handed to the notifier whose answer is not yet written. */
size_t		 outbox_inflight(const struct outbox *);
/* Of those, answers waiting to be written (after a failed write). */
size_t		 outbox_unwritten(const struct outbox *);

/*
 * Views (outbox_view.c) for `koyomi outbox` and GET /api/v1/outbox.
 * Bodies are never shown: they carry completion links.
 * JSON: {"counts":{"pending":N,…},"messages":[{"id","msgid","channel",
 * "destination","kind","subject","state","attempts","next_attempt",
 * "last_error","created","sent_at"}]}, times ISO 8601 UTC or null.
 * Text: one line per message, tab-separated: id state channel
 * destination kind attempts time(sent_at or next_attempt) subject error.
 */
struct outbox_row;
struct buf;
void		 outbox_view_json(struct buf *, const struct outbox_row *,
		    size_t, const long long counts[OUTBOX_NSTATES]);
void		 outbox_view_text(struct buf *, const struct outbox_row *,
		    size_t);

#endif
