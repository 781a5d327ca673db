/*
 * dash_pages.h — the dashboard's coordinator pages beyond dash_view.h:
 * the first page (dash_home.c: what needs action this fiscal year), one
 * deadline's matrix and its nudge (dash_deadline.c) and the annual
 * schedule (dash_annual.c). Pure like dash_view.c: rows in, escaped
 * HTML out; the handlers (dash_http.c) read the store.
 *
 * Hooks for tests: the first page's cards are
 * <section class="deadline" data-uid data-done data-open data-overdue
 * data-waived data-past data-total>, in <div id="overdue"> and
 * <div id="upcoming">, the rest rows of <table id="later"> or, with
 * view=all, <table id="all">; each not-submitted name is <a
 * class="pending">.
 */
#ifndef KOYOMI_HTTP_DASH_PAGES_H
#define KOYOMI_HTTP_DASH_PAGES_H

#include <stddef.h>
#include <time.h>

#include "calendars/util.h"
#include "daemon/store/store_tasks.h"

struct dash_ctx;
struct dash_filter;

/* Names of those who have not submitted, shown per card. */
#define DASH_PEND_MAX	12

/* One deadline (occurrence UID) and how its tasks stand. */
struct dash_dl {
	char	*uid, *title, *cycle, *due_day;
	int	 fy;
	time_t	 due;
	size_t	 total;		/* every task but past ones */
	size_t	 done, waived, open, overdue, past;
	char	*pend[DASH_PEND_MAX];	/* assignee ids, not submitted */
	size_t	 npend;
};
struct dash_dls {
	struct dash_dl	*v;
	size_t		 n, cap;
};
/*
 * Adds one task row (in store order: due, uid, assignee) to the
 * deadlines; rows the filter's block or prefecture leave out, and
 * cancelled ones, are skipped.
 */
void	dash_dls_add(struct dash_dls *, const struct dash_ctx *,
	    const struct dash_filter *, const struct task_row *);
void	dash_dls_free(struct dash_dls *);

/* What the first page shows besides the filter (all in its URL). */
struct dash_home {
	int	 fy;		/* the fiscal year shown */
	int	 this_fy;	/* today's */
	int	 weeks;		/* "due soon": within this many weeks */
	int	 all;		/* view=all: every deadline of the year */
};
void	dash_render_home(struct buf *, const struct dash_ctx *,
	    const struct dash_filter *, const struct dash_home *,
	    const struct dash_dls *);
/*
 * The filter and view as a query string, "?fy=2025&amp;view=all…",
 * escaped for an attribute; extra (literal, already escaped) is added.
 */
void	dash_home_query(struct buf *, const struct dash_filter *,
	    const struct dash_home *, int all, const char *extra);

#endif
