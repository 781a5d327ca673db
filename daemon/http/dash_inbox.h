/*
 * dash_inbox.h — the dashboard's HTML of replies by mail (dash_inbox.c):
 * a deadline's submitted files with the link to their zip, and the
 * coordinators' inbox page (messages kept as unmatched, machine-made
 * mail, recent submissions, addresses our mail bounced from). Pure like
 * dash_view.c: rows in, escaped HTML out; inbox_http.c does HTTP.
 *
 * Hooks for tests: <section id="submissions" data-files="N"> with rows
 * <tr class="file" data-id data-assignee data-name> and <a id="zip">;
 * on /inbox, tables #unmatched, #machine, #recent with rows
 * <tr class="message" data-id data-state data-task>, and #failing with
 * rows <tr class="failing" data-address>. A reply to a digest has a
 * <form class="candidate" data-task> per task it may be for.
 */
#ifndef KOYOMI_HTTP_DASH_INBOX_H
#define KOYOMI_HTTP_DASH_INBOX_H

#include <stddef.h>
#include <stdint.h>

#include "calendars/util.h"
#include "daemon/store/store_tasks.h"

struct dash_ctx;
struct inbox_row;
struct inbox_file_row;
struct mail_failure;
struct inbox_sender;
struct rules;

/* What a deadline's page shows of its submissions. Borrowed. */
struct dash_inbox {
	const char			*uid;
	const struct inbox_file_row	*files;
	size_t				 nfiles;
	/* Failing addresses among the contacts of its assignees. */
	const struct mail_failure	*failing;
	size_t				 nfailing;
	int				 can_download;
};
void	dash_inbox_section(struct buf *, const struct dash_ctx *,
	    const struct dash_inbox *);

/* A task a reply to a digest may be for: a button in its message's row. */
struct dash_inbox_cand {
	int64_t		 message;
	struct task	 task;		/* owned by the caller's list */
};

/* The inbox page. Borrowed. */
struct dash_inbox_page {
	const struct inbox_row		*unmatched;
	size_t				 nunmatched;
	const struct inbox_row		*machine;	/* auto, bounce */
	size_t				 nmachine;
	const struct inbox_row		*recent;	/* the rest */
	size_t				 nrecent;
	const struct inbox_file_row	*files;		/* of unmatched ones */
	size_t				 nfiles;
	/* The visible candidates of unmatched replies to digests. */
	const struct dash_inbox_cand	*cands;
	size_t				 ncands;
	const struct mail_failure	*failing;
	size_t				 nfailing;
	int				 configured;	/* inbound is set */
	const char			*address;	/* inbound_address */
};
void	dash_render_inbox(struct buf *, const struct dash_ctx *,
	    const struct dash_inbox_page *);

/* "1.2 MB" and the like. */
void	dash_inbox_size(struct buf *, size_t);

#endif
