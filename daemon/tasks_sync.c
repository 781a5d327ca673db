/*
 * tasks_sync.c — reconcile the tasks table with freshly expanded rules
 * (tasks_sync.h): new (occurrence, assignee) pairs become open tasks,
 * pairs that left the rules are cancelled (history kept), a moved due
 * date is updated, audited as due_changed and announced to the assignee
 * through the outbox. Completion state is never touched by a reload.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/chase.h"
#include "daemon/chase_msg.h"
#include "daemon/conf.h"
#include "daemon/koyomi.h"
#include "daemon/outbox.h"
#include "daemon/store.h"
#include "daemon/tasks.h"
#include "daemon/tasks_sync.h"
#include "notifier/template.h"

static const struct task_actor rules_actor = { "rules", VIA_RULES, NULL };

static int
want_cmp(const void *a, const void *b)
{
	const struct task_want	*x = a, *y = b;
	int			 c = strcmp(x->occ->uid, y->occ->uid);

	return c != 0 ? c : strcmp(x->assignee, y->assignee);
}

static int
task_cmp(const void *a, const void *b)
{
	const struct task	*x = a, *y = b;
	int			 c = strcmp(x->uid, y->uid);

	return c != 0 ? c : strcmp(x->assignee, y->assignee);
}

/* Mail the assignee that the deadline moved (open tasks only). */
static int
announce(struct koyomi *k, const struct task *t, const struct task_want *w,
    time_t now, char **cause)
{
	struct chase_rcpt	 rc[CHASE_MAX_RCPTS];
	struct tmpl_vars	 tv;
	cal_day			 d;
	int			 secs, ret;
	size_t			 n;

	n = chase_assignee_rcpts(k->rules, t->assignee, rc, CHASE_MAX_RCPTS);
	if (n == 0 || strcmp(t->state, "open") != 0)
		return 0;
	template_vars_init(&tv);
	chase_vars(&tv, k->rules, t, k->zone, NULL, now);
	template_set(&tv, "title", w->occ->title);
	cal_utc_to_local(k->zone, t->due, &d, &secs);
	template_set_day(&tv, "old_date", d);
	cal_utc_to_local(k->zone, w->due, &d, &secs);
	template_set_day(&tv, "new_date", d);
	ret = chase_queue_mail(k, TMPL_CHANGED, &tv, rc, n, cause);
	template_vars_free(&tv);
	return ret;
}

/* A pair both in the rules and in the table. */
static int
sync_both(struct koyomi *k, const struct task *t, const struct task_want *w,
    time_t now, struct tasks_sync_stats *st, char **cause)
{
	struct task_actor	 a = rules_actor;
	struct store		*s = k->store;
	char			 note[64];

	if (t->cancelled) {
		if (store_task_set_cancelled(s, t->id, 0, now) == -1 ||
		    store_task_event(s, t->id, now, "restored", &a) == -1)
			return -1;
		st->restored++;
	}
	if (t->due != w->due) {
		snprintf(note, sizeof note, "%s → %s", t->due_day, w->due_day);
		a.note = note;
		if (store_task_update_due(s, t->id, w->due, w->due_day,
		    w->occ->title, now) == -1 ||
		    store_task_event(s, t->id, now, "due_changed", &a) == -1 ||
		    announce(k, t, w, now, cause) == -1)
			return -1;
		st->changed++;
	} else if (strcmp(t->title, w->occ->title) != 0) {
		if (store_task_update_due(s, t->id, w->due, w->due_day,
		    w->occ->title, now) == -1)
			return -1;
	}
	return 0;
}

static int
sync_new(struct koyomi *k, const struct task_want *w, time_t now,
    struct tasks_sync_stats *st)
{
	int64_t	 id;

	if (store_task_insert(k->store, w, now, &id) == -1 ||
	    store_task_event(k->store, id, now, "created", &rules_actor) == -1)
		return -1;
	st->created++;
	return 0;
}

static int
sync_gone(struct koyomi *k, const struct task *t, const char *from,
    const char *to, time_t now, struct tasks_sync_stats *st)
{
	/* Outside the expanded window the rules said nothing: keep it. */
	if (t->cancelled || strcmp(t->due_day, from) < 0 ||
	    strcmp(t->due_day, to) > 0)
		return 0;
	if (store_task_set_cancelled(k->store, t->id, 1, now) == -1 ||
	    store_task_event(k->store, t->id, now, "cancelled",
	    &rules_actor) == -1)
		return -1;
	st->cancelled++;
	return 0;
}

/* The merge walk over both sorted lists; inside the transaction. */
static int
sync_walk(struct koyomi *k, struct task_want *w, size_t nw, struct task *v,
    size_t nv, cal_day from, cal_day to, time_t now,
    struct tasks_sync_stats *st, char **cause)
{
	char		 f[11], t[11];
	size_t		 i = 0, j = 0;
	int		 c;
	struct task	 key;

	cal_format_iso(f, from);
	cal_format_iso(t, to);
	while (i < nw || j < nv) {
		if (i == nw)
			c = 1;
		else if (j == nv)
			c = -1;
		else {
			key.uid = w[i].occ->uid;
			key.assignee = (char *)w[i].assignee;
			c = task_cmp(&key, &v[j]);
		}
		if (c < 0 && sync_new(k, &w[i++], now, st) == -1)
			return -1;
		if (c > 0 && sync_gone(k, &v[j++], f, t, now, st) == -1)
			return -1;
		if (c == 0 && sync_both(k, &v[j++], &w[i++], now, st,
		    cause) == -1)
			return -1;
	}
	return 0;
}

int
tasks_sync(struct koyomi *k, const struct occ_list *occs, cal_day from,
    cal_day to, time_t now, struct tasks_sync_stats *st)
{
	struct task_filter	 f = { .cancelled = 1, .now = now };
	struct task_want	*w = NULL;
	struct task		*v = NULL;
	size_t			 nw, nv = 0, i, u;
	char			*cause = NULL;
	int			 rc = -1;

	memset(st, 0, sizeof *st);
	nw = tasks_wanted(occs, k->zone, &w);
	if (nw > 0)		/* qsort(NULL, 0, …) is undefined */
		qsort(w, nw, sizeof *w, want_cmp);
	/* An assignee listed twice on one occurrence is one task. */
	for (i = u = 0; i < nw; i++)
		if (u == 0 || want_cmp(&w[u - 1], &w[i]) != 0)
			w[u++] = w[i];
	nw = u;
	if (store_tasks_list(k->store, &f, &v, &nv) == -1)
		goto out;
	if (nv > 0)
		qsort(v, nv, sizeof *v, task_cmp);
	if (store_begin(k->store) == -1)
		goto out;
	if (sync_walk(k, w, nw, v, nv, from, to, now, st, &cause) == -1 ||
	    store_commit(k->store) == -1) {
		store_rollback(k->store);
		if (cause != NULL)
			log_warnx("tasks: %s", cause);
		goto out;
	}
	rc = 0;
	if (k->outbox != NULL && st->changed > 0)
		outbox_wake(k->outbox);
out:
	free(cause);
	free(w);
	tasks_free(v, nv);
	return rc;
}
