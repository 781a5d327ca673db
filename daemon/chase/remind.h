/*
 * remind.h — when each reminder step of a task falls due (remind.c).
 *
 * Pure: a due time, a policy (rules.h), the zone, the delivery window and
 * the Japanese business calendar (with the office's own closed days) in;
 * instants out. No clock (now is a
 * parameter), no SQLite, no allocation visible to the caller.
 *
 * Semantics (design.md §8, rules-syntax "Reminder policies"):
 * - Day-level steps (d, bd, w, mo) are sent on business days inside the
 *   delivery window at the step's HH:MM (default: the window's start);
 *   a step on a closed day or after the window moves to the next window
 *   opening on a business day.
 * - h/min/s steps are exact instants relative to the due time and ignore
 *   the window (tests, short deadlines).
 * - Overdue repeats: after the last positive step (or the due time when
 *   there is none), every repeat_overdue while the task is open, at most
 *   REMIND_MAX_REPEATS times; named "overdue#1", "overdue#2", …
 * - Escalation ("escalate") at due + escalate.after, once; it goes to the
 *   coordinator, so it is tracked apart from the assignee's steps.
 * - Catch-up: of the assignee's steps that are due and not yet taken,
 *   only the latest is returned; steps earlier than a taken one count as
 *   passed. The caller never asks for tasks that are done.
 */
#ifndef KOYOMI_REMIND_H
#define KOYOMI_REMIND_H

#include <stddef.h>
#include <time.h>

#include "calendars/cal.h"
#include "rules/rules.h"

#define REMIND_NAME_MAX		32
#define REMIND_MAX_REPEATS	30
#define REMIND_ESCALATE		"escalate"

enum remind_kind {
	REMIND_BEFORE,		/* ahead of the due time: task.reminder */
	REMIND_OVERDUE,		/* after it: task.overdue */
	REMIND_ESCALATE_KIND,	/* to the coordinator: task.escalated */
};

/*
 * Where and when reminders may go. The zone and the office's own closed
 * days (koyomi.conf closed_days; NULL: the law's days only) are borrowed.
 */
struct remind_ctx {
	const struct cal_zone	*zone;
	int			 window_start;	/* local secs, default 9 * 3600 */
	int			 window_end;	/* local secs, default 17 * 3600 */
	const struct cal_closed	*closed;
};

struct remind_step {
	char		 name[REMIND_NAME_MAX];	/* "-14d", "0d@09:00", "+5s", "overdue#2", "escalate" */
	enum remind_kind kind;
	time_t		 at;		/* scheduled instant (UTC) */
	int		 exact;		/* 1: h/min/s step, ignores the window */
};

/* "-14d", "+1bd", "0d@09:00", "-20s": the stable name stored in reminder_steps. */
void	remind_offset_name(const struct rules_offset *, char *, size_t);

/*
 * Every step of policy for a task due at `due`, in sending order (by
 * instant, then policy order), escalation included. Fills at most n
 * entries of out and returns how many there are in all.
 */
size_t	remind_schedule(const struct remind_ctx *, const struct rules_policy *,
	    time_t due, struct remind_step *out, size_t n);

/*
 * The next thing to do for an open task, given the names of the steps
 * already taken. Returns 1 and fills *step (its scheduled instant in
 * step->at) and *send_at (when to send: step->at when still ahead, else
 * now or, for a day-level step caught up outside the window, the next
 * window opening); 0 when nothing is left.
 */
int	remind_next(const struct remind_ctx *, const struct rules_policy *,
	    time_t due, time_t now, const char *const *taken, size_t ntaken,
	    struct remind_step *step, time_t *send_at);

/*
 * The first instant at or after t inside the delivery window on a
 * business day (t itself when it already is).
 */
time_t	remind_window_open(const struct remind_ctx *, time_t t);

#endif
