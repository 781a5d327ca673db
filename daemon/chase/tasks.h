/*
 * tasks.h — tasks: one per deadline occurrence × assignee (design §2).
 *
 * States: open → done | waived (with a reason); overdue is derived (open
 * and due < now); cancelled = the occurrence left the rules (history is
 * kept, the task is hidden from chasing). past (対象外・過去分) is an open
 * task whose deadline had passed when koyomi first learned of it: never
 * overdue, counted or chased until an administrator tracks it. Every
 * change is a row in task_events: who, when, via what (cli, api, link,
 * dashboard, rules, mail).
 *
 * tasks.c is pure (filters, rendering, the set of tasks the rules want);
 * the rows and their SQL are the store's (store/store_tasks.h);
 * tasks_ops.c the state changes that
 * also put messages in the outbox (receipt, task.completed), each in one
 * transaction.
 */
#ifndef KOYOMI_TASKS_H
#define KOYOMI_TASKS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/store/store_tasks.h"
#include "rules/rules.h"

int	task_is_overdue(const struct task *, time_t now);
int	task_is_past(const struct task *);	/* open and past */
/* "open", "done", "waived", "overdue" or "past" (derived). */
const char *task_display_state(const struct task *, time_t now);

int	task_state_valid(const char *);

/*
 * Copies into t what its current occurrence o (NULL: no longer in the
 * rules) says of the date: how certain it is, and whether it moved off a
 * closed day or stays on one. The renderers below and the dashboard show
 * it; o's strings are static or outlive the rendering.
 */
void	task_note_occ(struct task *, const struct occ *);
/*
 * 「※2026-05-06（水）は閉庁日（振替休日）」 when the task's day moved off a
 * closed day, 「※閉庁日（…）のまま」 when it stays on one, else "": the
 * note `koyomi plan` writes. len of 128 is enough.
 */
void	task_closed_note(const struct task *, char *, size_t);

/* Renders a list for the CLI / API. json: {"tasks":[…]} (one document). */
void	tasks_render_text(const struct task *, size_t, time_t now,
	    struct buf *);
void	tasks_render_json(const struct task *, size_t, time_t now,
	    struct buf *);
void	task_render_json(const struct task *, time_t now, struct buf *);
void	tasks_render_csv(const struct task *, size_t, time_t now,
	    struct buf *);
/* The same CSV a row at a time: the head (with the BOM), then rows. */
struct csv;
void	tasks_csv_head(struct csv *, struct buf *);
void	task_csv_row(struct csv *, const struct task *, time_t now);

/*
 * Every (deadline occurrence, assignee) in list, with its due instant in
 * zone. *out is allocated (caller frees the array only).
 */
size_t	tasks_wanted(const struct occ_list *, const struct cal_zone *,
	    struct task_want **out);

/* Appends ,"events":[…] for a task's JSON object. */
void	task_events_json(const struct task_event *, size_t, struct buf *);
#endif
