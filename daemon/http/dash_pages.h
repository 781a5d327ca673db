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
#include "rules/rules.h"

struct dash_ctx;
struct dash_filter;
struct occ;
struct occ_list;

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
	/* Its occurrence in the current rules, or NULL (the handler sets
	   it; borrowed): how sure the date is, a closed-day move, a case. */
	const struct occ	*occ;
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

/*
 * Task rows kept for one deadline's or one organisation's page; state
 * is the display state ("open", "overdue", "done", "waived", "past").
 */
struct dash_trow {
	int64_t		 id;
	char		*uid, *title, *cycle, *due_day, *assignee;
	char		*answer, *answer_text, *note;	/* may be NULL */
	const char	*state;
	const struct occ *occ;		/* as in struct dash_dl */
	time_t		 due;
	int		 fy;
};
struct dash_trows {
	struct dash_trow	*v;
	size_t			 n, cap;
};
void	dash_trows_add(struct dash_trows *, const struct task_row *,
	    time_t now);
void	dash_trows_free(struct dash_trows *);
/* "未提出", "期限超過", "提出済", "免除", "対象外・過去分". */
const char *dash_state_ja(const char *state);
/*
 * A due day as the task pages write it (dash_task_due): the day, its
 * certainty when not confirmed, a closed-day move, from occ (may be NULL).
 */
void	dash_due_text(struct buf *, const char *due_day, const struct occ *);

/*
 * One deadline's page (GET /occurrences/UID of a deadline): details, how
 * it stands, the matrix of assignees with answers and notes, the bulk
 * form and the nudge button for those who may write. state: "" all,
 * "open" not submitted, "done" submitted or waived, "past". notice: a
 * line to show once (after a nudge or a bulk action), or NULL.
 * Hooks: <table id="matrix">, rows <tr class="assignee" data-id
 * data-assignee data-state>, <a id="nudge">, <form id="bulk">.
 */
struct dash_dlpage {
	const char	*state;
	const char	*notice;
	int		 can_write;	/* this viewer, this cycle */
};
void	dash_render_deadline(struct buf *, const struct dash_ctx *,
	    const struct occ *, const struct dash_trows *,
	    const struct dash_dlpage *);
/*
 * The nudge's confirmation (GET /dash/nudge/UID): who will get a mail
 * now and who has no address; the form POSTs back with the CSRF token.
 * Hook: <form id="nudge-confirm">, <li class="rcpt">.
 */
void	dash_render_nudge(struct buf *, const struct dash_ctx *,
	    const struct occ *, const struct dash_trows *);
/*
 * One organisation's page (GET /org?id=): who it is, its contacts, what
 * it has not submitted yet (overdue first), and its history (submitted,
 * waived, and deadlines over before koyomi knew of them). Hooks:
 * <table id="org-contacts">, <table id="org-tasks"> (open items),
 * <table id="org-history">.
 */
void	dash_render_org_page(struct buf *, const struct dash_ctx *,
	    const char *org, const struct dash_trows *);

/*
 * 年間スケジュール (GET /annual): one fiscal year of a cycle, a feed or
 * every cycle in scope, months across, items down (dash_annual.c).
 * standalone: the static export (no navigation, no forms). Hooks:
 * <table id="annual" data-fy data-first data-last>, month headers
 * <th class="month" data-month>, rows <tr class="item" data-key>, and
 * every occurrence <span class="occ bar|mark" data-uid data-start
 * data-end data-certainty>.
 */
struct dash_annual {
	int		 fy;
	const char	*cycle;		/* NULL: every cycle */
	const char	*feed;		/* NULL: no feed's selection */
	int		 standalone;
};
void	dash_render_annual(struct buf *, const struct dash_ctx *,
	    const struct dash_annual *, const struct occ_list *,
	    const char *const *scope, size_t nscope);

#endif
