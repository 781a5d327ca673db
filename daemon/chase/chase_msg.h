/*
 * chase_msg.h — who a chasing message goes to and what it says
 * (chase_msg.c). Pure: the current rules' directory and a task in,
 * recipients and template variables out. Recipients are looked up in the
 * rules at send time, so a contact changed in the rules gets the next
 * reminder.
 */
#ifndef KOYOMI_CHASE_MSG_H
#define KOYOMI_CHASE_MSG_H

#include <stddef.h>
#include <time.h>

#include "calendars/cal.h"
#include "daemon/chase/tasks.h"
#include "notifier/payload.h"
#include "notifier/template.h"
#include "rules/rules.h"

#define CHASE_MAX_RCPTS	16

/* Borrowed from the rules. */
struct chase_rcpt {
	const char	*id;		/* contact id */
	const char	*name;		/* may be NULL */
	const char	*mail;
};

/*
 * The assignee's mail addresses: the contact itself, or every contact of
 * the organisation that has a mail address. Returns how many (≤ max).
 */
size_t	chase_assignee_rcpts(const struct rules *, const char *assignee,
	    struct chase_rcpt *, size_t max);
/*
 * Escalation recipients: "coordinator" is the cycle's coordinator
 * contact; a contact id is that contact; anything else is a role, and
 * every contact holding it receives the mail.
 */
size_t	chase_escalation_rcpts(const struct rules *, const char *cycle,
	    const char *to, struct chase_rcpt *, size_t max);

/*
 * Common variables for a task's mail (to, org, title, fy, source,
 * coordinator, due, link, days_left, days_over, assignee, by). link may
 * be NULL (then the dashboard URL base is used).
 */
void	chase_vars(struct tmpl_vars *, const struct rules *,
	    const struct task *, const struct cal_zone *, const char *link,
	    time_t now);

/*
 * Adds the fields every task webhook starts with (task_id, uid, cycle,
 * item, fy, title, assignee, due), borrowed from t.
 */
void	chase_task_fields(struct payload_build *, const struct task *t);

#endif
