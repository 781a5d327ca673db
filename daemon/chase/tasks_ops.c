/*
 * tasks_ops.c — state changes of one task with their audit row and
 * messages in one transaction (tasks_ops.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/chase/chase_msg.h"
#include "daemon/chase/chase.h"
#include "daemon/chase/mailq.h"
#include "daemon/core/conf.h"
#include "daemon/feeds/feeds.h"
#include "daemon/core/koyomi.h"
#include "daemon/outbox/outbox.h"
#include "daemon/core/reload.h"
#include "daemon/store/store.h"
#include "daemon/chase/tasks.h"
#include "daemon/chase/tasks_ops.h"
#include "notifier/payload.h"
#include "notifier/template.h"

static const char *const op_actions[] = {
	[TASK_DONE] = "done", [TASK_REOPEN] = "reopened",
	[TASK_WAIVE] = "waived", [TASK_ANSWER] = "answered",
	[TASK_TRACK] = "tracked",
};

void
tasks_note_occs(struct koyomi *k, struct task *v, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		task_note_occ(&v[i], k->rules != NULL ?
		    koyomi_find_occ(k, v[i].uid) : NULL);
}

const struct rules_response *
tasks_response(struct koyomi *k, const struct task *t)
{
	const struct occ	*o = koyomi_find_occ(k, t->uid);

	return o != NULL ? o->response : NULL;
}

/* Checks an answer against the declared options. */
static int
answer_valid(const struct rules_response *r, const struct task_change *c,
    char **cause)
{
	size_t	 i;

	if (r == NULL) {
		if (c->answer != NULL) {
			*cause = xstrdup("this task takes no answer");
			return 0;
		}
		return 1;
	}
	if (c->answer == NULL) {
		*cause = xstrdup("this task requires an answer (answer)");
		return 0;
	}
	for (i = 0; i < r->noptions; i++)
		if (strcmp(r->options[i], c->answer) == 0)
			break;
	if (i == r->noptions) {
		xasprintf(cause, "answer is not one of the options");
		return 0;
	}
	if (c->text != NULL && !r->text && !r->year_count) {
		*cause = xstrdup("this task takes no free text");
		return 0;
	}
	return 1;
}

/* The state a change leads to, or NULL when c is not allowed. */
static const char *
target_state(const struct task *t, const struct task_change *c,
    const struct rules_response *r, char **cause)
{
	if (t->cancelled) {
		*cause = xstrdup("the task was cancelled by the rules");
		return NULL;
	}
	switch (c->op) {
	case TASK_TRACK:
		if (strcmp(t->state, "open") != 0) {
			*cause = xstrdup("only an open task can be tracked");
			return NULL;
		}
		return "open";
	case TASK_REOPEN:
		return "open";
	case TASK_WAIVE:
		if (c->actor.note == NULL || *c->actor.note == '\0') {
			*cause = xstrdup("waive needs a reason (note)");
			return NULL;
		}
		return "waived";
	case TASK_DONE:
		if (r != NULL && c->answer == NULL && t->answer != NULL)
			return "done";	/* already answered: just done */
		/* FALLTHROUGH */
	case TASK_ANSWER:
		return answer_valid(r, c, cause) ? "done" : NULL;
	}
	return NULL;
}

static int
same_answer(const struct task *t, const struct task_change *c)
{
	if (c->answer == NULL)
		return 1;
	if (t->answer == NULL || strcmp(t->answer, c->answer) != 0)
		return 0;
	if ((c->text == NULL) != (t->answer_text == NULL))
		return 0;
	return c->text == NULL || strcmp(c->text, t->answer_text) == 0;
}

/* Receipt mail to the assignee's contacts; inside the transaction. */
static int
queue_receipt(struct koyomi *k, const struct task *t,
    const struct task_change *c, time_t now, char **cause)
{
	struct chase_rcpt	 rc[CHASE_MAX_RCPTS];
	struct tmpl_vars	 tv;
	char			 at[64];
	cal_day			 day;
	int			 secs, ret;
	size_t			 i, n;

	n = chase_assignee_rcpts(k->rules, t->assignee, rc, CHASE_MAX_RCPTS);
	if (n == 0)
		return 0;
	template_vars_init(&tv);
	chase_vars(&tv, k->rules, t, k->zone, NULL, now);
	cal_utc_to_local(k->zone, now, &day, &secs);
	i = (size_t)cal_wareki_format(at, sizeof at, day, CAL_WF_WEEKDAY);
	snprintf(at + i, sizeof at - i, " %02d:%02d", secs / 3600,
	    secs / 60 % 60);
	template_set(&tv, "done_at", at);
	template_set(&tv, "by", c->actor.who != NULL ? c->actor.who :
	    task_via_name(c->actor.via));
	ret = mailq_send_task(k, TMPL_RECEIPT, &tv, rc, n, t->id, cause);
	template_vars_free(&tv);
	return ret;
}

/* Webhook task.completed / task.reopened; inside the transaction. */
static int
queue_event(struct koyomi *k, const struct task *t, const char *type,
    const struct task_change *c, time_t now, char **cause)
{
	struct payload_build		 b;
	const struct payload_event	*ev;

	payload_begin(&b, type, now);
	chase_task_fields(&b, t);
	if (c->actor.who != NULL)
		payload_str(&b, "by", c->actor.who);
	if ((ev = payload_done(&b, cause)) == NULL)
		return -1;
	return outbox_enqueue_event(k, ev, cause) == -1 ? -1 : 0;
}

/* Everything inside the open transaction; returns the result. */
static enum task_result
change_locked(struct koyomi *k, struct task *t, const struct task_change *c,
    time_t now, int *answered, char **cause)
{
	const struct rules_response	*r = tasks_response(k, t);
	const char			*to;
	struct store			*s = k->store;

	if ((to = target_state(t, c, r, cause)) == NULL)
		return TASK_INVALID;
	if (c->op == TASK_TRACK) {
		/* History asked for: chased from now on like any task. */
		if (!t->past)
			return TASK_UNCHANGED;
		if (store_task_set_past(s, t->id, 0, now) == -1 ||
		    store_task_event(s, t->id, now, "tracked", &c->actor) == -1)
			return TASK_ERROR;
		return TASK_CHANGED;
	}
	if (strcmp(t->state, to) == 0 && same_answer(t, c))
		return TASK_UNCHANGED;
	if (c->answer != NULL) {
		if (store_task_set_answer(s, t->id, c->answer, c->text,
		    now) == -1)
			return TASK_ERROR;
		*answered = 1;
	}
	if (store_task_set_state(s, t->id, to, now) == -1 ||
	    store_task_event(s, t->id, now, c->answer != NULL ? "answered" :
	    op_actions[c->op], &c->actor) == -1)
		return TASK_ERROR;
	if (strcmp(to, "done") == 0 && strcmp(t->state, "done") != 0 &&
	    (queue_receipt(k, t, c, now, cause) == -1 ||
	    queue_event(k, t, "task.completed", c, now, cause) == -1))
		return TASK_ERROR;
	if (c->op == TASK_REOPEN &&
	    queue_event(k, t, "task.reopened", c, now, cause) == -1)
		return TASK_ERROR;
	return TASK_CHANGED;
}

/* After a commit: what the daemon's other parts must hear about. */
static void
changed_after(struct koyomi *k, const struct task *t, const struct task_change *c)
{
	(void)c;
	/*
	 * The daemon's own commits do not move PRAGMA data_version, so the
	 * private feeds showing this task are rebuilt here (a no-op in the
	 * CLI, which has no feeds: the daemon notices its commit).
	 */
	feeds_private_dirty(k, t->assignee);
}

int
tasks_change_many(struct koyomi *k, const int64_t *ids, size_t n,
    const struct task_change *c, time_t now, struct task_many *out,
    char **cause)
{
	struct task		*v;
	enum task_result	 res;
	char			*why;
	size_t			 i, nv = 0;
	int			 rc, answered = 0;

	memset(out, 0, sizeof *out);
	*cause = NULL;
	if (c->answer != NULL)
		return -1;	/* answers are given one by one */
	if (store_begin(k->store) == -1)
		return -1;
	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++) {
		if ((rc = store_task_get(k->store, ids[i], &v[nv])) == -1)
			goto fail;
		if (rc == 1) {
			out->notfound++;
			continue;
		}
		why = NULL;
		res = change_locked(k, &v[nv], c, now, &answered, &why);
		if (res == TASK_ERROR) {
			if (why != NULL && *cause == NULL)
				*cause = why;
			else
				free(why);
			nv++;
			goto fail;
		}
		if (res == TASK_INVALID) {
			out->invalid++;
			if (out->first_invalid == NULL)
				out->first_invalid = why;
			else
				free(why);
		} else
			free(why);
		if (res == TASK_CHANGED)
			out->changed++;
		else if (res == TASK_UNCHANGED)
			out->unchanged++;
		if (res == TASK_CHANGED)
			nv++;
		else
			task_free(&v[nv]);
	}
	if (store_commit(k->store) == -1)
		goto fail_committed;
	if (k->outbox != NULL && out->changed > 0)
		outbox_wake(k->outbox);
	for (i = 0; i < nv; i++)
		changed_after(k, &v[i], c);
	tasks_free(v, nv);
	return 0;
fail:
	store_rollback(k->store);
fail_committed:
	tasks_free(v, nv);
	free(out->first_invalid);
	memset(out, 0, sizeof *out);
	return -1;
}

enum task_result
tasks_change_in(struct koyomi *k, int64_t id, const struct task_change *c,
    time_t now, int *answered, char **cause)
{
	struct task		 t;
	enum task_result	 res;
	int			 rc;

	*answered = 0;
	if ((rc = store_task_get(k->store, id, &t)) != 0)
		return rc == 1 ? TASK_NOTFOUND : TASK_ERROR;
	res = change_locked(k, &t, c, now, answered, cause);
	if (res != TASK_CHANGED)
		*answered = 0;
	task_free(&t);
	return res;
}

void
tasks_changed(struct koyomi *k, int64_t id, int answered)
{
	struct task	 t;

	if (k->outbox != NULL)
		outbox_wake(k->outbox);
	/*
	 * The daemon's own commits do not move PRAGMA data_version, so the
	 * private feeds showing this task are rebuilt (changed_after).
	 */
	if (store_task_get(k->store, id, &t) == 0) {
		changed_after(k, &t, NULL);
		task_free(&t);
	}
	/* Groups built from answers follow at once (daemon only). */
	if (answered && k->reload != NULL && reload_reexpand(k) == -1)
		log_warnx("tasks: re-expansion after an answer failed");
}

enum task_result
tasks_change(struct koyomi *k, int64_t id, const struct task_change *c,
    time_t now, int *answered, char **cause)
{
	enum task_result	 res;

	*answered = 0;
	if (store_begin(k->store) == -1)
		return TASK_ERROR;
	res = tasks_change_in(k, id, c, now, answered, cause);
	if (res != TASK_CHANGED) {
		store_rollback(k->store);
		*answered = 0;
		return res;
	}
	if (store_commit(k->store) == -1) {
		*answered = 0;
		return TASK_ERROR;
	}
	tasks_changed(k, id, *answered);
	return TASK_CHANGED;
}
