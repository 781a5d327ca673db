/*
 * dash_view.h — the dashboard's HTML (dash_view.c): server-rendered
 * Japanese pages, no scripts, no external resources, every dynamic string
 * escaped with html.h. Pure: rows and rules in, bytes out; dashboard.c
 * does sessions, CSRF checks and HTTP.
 *
 * Pages carry stable hooks for tests; the coordinator's pages and theirs
 * (deadline cards and assignee rows) are in dash_pages.h.
 */
#ifndef KOYOMI_DASH_VIEW_H
#define KOYOMI_DASH_VIEW_H

#include <stddef.h>
#include <time.h>

#include "calendars/util.h"
#include "daemon/chase/tasks.h"
#include "rules/rules.h"

struct outbox_row;
struct dash_inbox;

struct dash_filter {
	int		 fy;		/* 0 = all */
	const char	*cycle;		/* NULL or "" = all */
	const char	*block;		/* group id */
	const char	*pref;		/* prefecture org id */
	const char	*org;		/* one organisation's page */
};

/* What every page needs to know about the viewer. Borrowed. */
struct dash_ctx {
	const struct rules	*rules;		/* may be NULL before a load */
	const char		*csrf;		/* session's CSRF token */
	const char		*who;		/* token name */
	int			 can_write;	/* admin or coordinator */
	int			 is_admin;	/* sees the outbox */
	time_t			 now;
	const struct cal_zone	*zone;
	/* A deadline's files sent by mail (dash_inbox.h), or NULL. */
	const struct dash_inbox	*inbox;
};

void	dash_page_begin(struct buf *, const struct dash_ctx *, const char *title);
void	dash_page_end(struct buf *);
/* dash_style.c: the style sheet and the navigation bar of every page. */
extern const char dash_css[];
void	dash_nav(struct buf *, const struct dash_ctx *);

/*
 * The login form (no session yet): token field plus login CSRF, and
 * where to go after it (a checked local path, or NULL for /).
 */
void	dash_render_login(struct buf *, const char *login_csrf,
	    const char *error, const char *next);
/*
 * The first page, a deadline's page and an organisation's page are
 * dash_pages.h's (dash_home.c, dash_deadline.c).
 */
/* Meetings (non-deadline occurrences) from now on, at most max. */
void	dash_render_meetings(struct buf *, const struct dash_ctx *,
	    const struct occ_list *, size_t max);
/* The same rows as CSV for Excel (UTF-8 with BOM, csv.h). */
void	dash_meetings_csv(struct buf *, const struct dash_ctx *,
	    const struct occ_list *, size_t max);
/* Outbox rows (no bodies: they hold completion links). */
void	dash_render_outbox(struct buf *, const struct dash_ctx *,
	    const struct outbox_row *, size_t);
/* Last reload: time, ok, summary, errors. */
void	dash_render_reload(struct buf *, const struct dash_ctx *,
	    time_t at, int ok, const char *summary,
	    const char *const *errors, size_t nerrors);

/*
 * One task (GET /tasks/ID, where private feeds link a deadline): its
 * deadline, state, answer, history (ev, oldest first) and the done or
 * reopen button. Hooks: <table id="task" data-id data-state>, history
 * rows <tr class="event">.
 */
void	dash_render_task(struct buf *, const struct dash_ctx *,
	    const struct task *, const struct task_event *, size_t nev);
/*
 * One occurrence (GET /occurrences/UID, where feeds link every other
 * event), live or cancelled, and for a deadline its tasks (each linking
 * /tasks/ID). Hook: <article id="occurrence" data-uid data-status>.
 */
void	dash_render_occ(struct buf *, const struct dash_ctx *,
	    const struct occ *, const struct task *, size_t ntasks);
/* An occurrence's details table and description (dash_item.c). */
void	dash_occ_details(struct buf *, const struct dash_ctx *,
	    const struct occ *);
/* The done / reopen form of a task, for those who may write. */
void	dash_task_buttons(struct buf *, const struct dash_ctx *,
	    const struct task *);

/*
 * How sure an occurrence's date is, as every page says it: 確定, 予定,
 * 想定 or 随時 (rules_certainty_ja), or 中止. A tentative status never
 * reads 確定.
 */
const char *dash_occ_status(const struct occ *);
/*
 * A task's due day as its rows show it: "2026-05-01", then （予定） or
 * （想定） when the rules do not give the date as fixed, then the note of
 * a move off a closed day (task_closed_note). 192 bytes are enough.
 */
void	dash_task_due(const struct task *, char *, size_t);
/* An ISO day as the pages write it, escaped: "2025-05-15（木）". */
void	dash_day(struct buf *, const char *iso);
/* The closed-day note of an occurrence (task_closed_note), or "". */
void	dash_occ_closed(const struct occ *, char *, size_t);

/* 1 if the task passes the dashboard filter (block, prefecture, …). */
int	dash_filter_match(const struct dash_ctx *, const struct dash_filter *,
	    const struct task *);
/* A display name for an org or contact id (the id when unknown). */
const char *dash_name(const struct rules *, const char *id);

#endif
