/*
 * store_outbox.h — the outbox and endpoint tables (store_outbox.c). Only
 * the store sees sqlite3; these functions are the outbox's whole view of
 * the database. All return 0 (or a count / row id) on success and -1 on
 * a database error, which store logs once with the statement.
 *
 * Transactions: store_outbox_insert() writes the row and its body
 * (outbox_bodies) inside the caller's transaction, or in one of its own
 * when there is none. The others are one statement each: the outbox runs
 * them inside the transaction of its loop turn (outbox_turn), the
 * commands on their own (autocommit).
 */
#ifndef KOYOMI_STORE_OUTBOX_H
#define KOYOMI_STORE_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct store;

/* One outbox row, as read back. Strings owned by the row. */
struct outbox_row {
	int64_t		 id;
	char		*msgid;
	char		*channel;	/* "mail" | "webhook" */
	char		*destination;	/* address or endpoint id */
	char		*kind;
	char		*subject;	/* may be NULL */
	char		*body;
	size_t		 len;
	char		*state;
	int		 attempts;
	time_t		 next_attempt;
	char		*last_error;	/* may be NULL */
	time_t		 created;
	time_t		 sent_at;	/* 0 if not sent */
};
void	outbox_row_free(struct outbox_row *);	/* the strings, not the struct */
void	outbox_rows_free(struct outbox_row *, size_t);

/* INSERT a pending row and its body; returns its id or -1. */
int64_t	store_outbox_insert(struct store *, const char *msgid,
	    const char *channel, const char *destination, const char *kind,
	    const char *subject, const char *body, size_t len, time_t now);
/*
 * The same row, born dead with error as its last_error and never tried
 * (an event for a disabled endpoint: kept so that it can be replayed).
 */
int64_t	store_outbox_insert_dead(struct store *, const char *msgid,
	    const char *channel, const char *destination, const char *kind,
	    const char *subject, const char *body, size_t len, time_t now,
	    const char *error);

/*
 * Up to max mail rows that may go now: pending or failed, next_attempt
 * <= now, and first of their recipient's rows still to send (the head,
 * schema.h migration 5), earliest due first, then by id. Read through
 * the outbox_ready index: the cost is the rows returned, not the queue.
 * *rows is allocated (caller frees with outbox_rows_free).
 */
int	store_outbox_due_mail(struct store *, time_t now, size_t max,
	    struct outbox_row **rows, size_t *nrows);
/* Earliest next_attempt of a mail row that may go, 0 if none. -1 error. */
int	store_outbox_next_mail(struct store *, time_t *when);
/*
 * The first max rows still to send (pending, sending or failed) of one
 * destination, by id: a webhook endpoint's line. *rows as above.
 */
int	store_outbox_line(struct store *, const char *channel,
	    const char *destination, size_t max, struct outbox_row **rows,
	    size_t *nrows);
/*
 * The destinations of a channel with rows still to send, as an array of
 * strings (caller frees each and the array). -1 on error.
 */
int	store_outbox_destinations(struct store *, const char *channel,
	    char ***names, size_t *n);
/*
 * Marks a pending or failed row 'sending': 0, or 1 when the row was in
 * neither state any more (another process changed it), -1 on error.
 */
int	store_outbox_set_sending(struct store *, int64_t id);
int	store_outbox_set_sent(struct store *, int64_t id, time_t now);
int	store_outbox_set_failed(struct store *, int64_t id, int attempts,
	    time_t next, const char *error);
int	store_outbox_set_dead(struct store *, int64_t id, int attempts,
	    const char *error);
/* Rows left in 'sending' by a crash go back to pending; returns count. */
int	store_outbox_recover(struct store *);
/* Every active row of an endpoint becomes dead (endpoint disabled). */
int	store_outbox_kill_destination(struct store *, const char *channel,
	    const char *destination, const char *error);
/* The id of a destination's newest sent row, 0 if none. */
int	store_outbox_last_sent(struct store *, const char *channel,
	    const char *destination, int64_t *id);
/*
 * Replay (`koyomi webhook enable --replay`, `webhook replay`): the dead
 * and failed rows of one destination with an id above after and created
 * at or after since go back to pending, due at now, with attempts 0 (a
 * fresh retry schedule) and no last error. msgid and body are kept, so a
 * receiver sees the same webhook-id; the order by id is kept too. The
 * daemon notices the commit (data_version). Returns how many, or -1.
 */
int	store_outbox_requeue(struct store *, const char *channel,
	    const char *destination, int64_t after, time_t since, time_t now);
/* counts[i] for i in outbox_state order (pending … dead). */
int	store_outbox_counts(struct store *, long long counts[5]);
/*
 * Rows for listing, newest first, state NULL for all; at most max (0 =
 * no limit). *rows allocated as for store_outbox_due_mail.
 */
int	store_outbox_list(struct store *, const char *state, size_t max,
	    struct outbox_row **rows, size_t *nrows);

/* Endpoint health. failing_since/disabled_at are 0 when unset. */
int	store_endpoint_get(struct store *, const char *id,
	    time_t *failing_since, time_t *disabled_at);
int	store_endpoint_failed(struct store *, const char *id, time_t now);
/* Records the text of an endpoint's latest failure (kept once healthy). */
int	store_endpoint_error(struct store *, const char *id, const char *error);
int	store_endpoint_ok(struct store *, const char *id);
int	store_endpoint_disable(struct store *, const char *id, time_t now);
/*
 * Enables a disabled endpoint again (`koyomi webhook enable`): clears
 * disabled_at and failing_since, so the 5 days count afresh. The daemon
 * reads the state at every enqueue, so a running one follows at once.
 * 1 enabled, 0 was not disabled, -1 database error.
 */
int	store_endpoint_enable(struct store *, const char *id);
/* One endpoint's row for `koyomi webhook list`; last_error owned or NULL. */
struct endpoint_state {
	time_t	 failing_since;
	time_t	 disabled_at;
	char	*last_error;
};
int	store_endpoint_state(struct store *, const char *id,
	    struct endpoint_state *);

#endif
