/*
 * chase.c — the reminder engine (chase.h). One timer for the earliest
 * step of any open task; when it fires, every step that is due is
 * recorded in reminder_steps and its messages are queued in the outbox in
 * the same transaction (design §8). Same-day reminders to one address are
 * merged into one digest mail when the policy says digest.
 *
 * The task's state is read inside that transaction, so a completion from
 * any channel (link, API, CLI in another process) stops the next
 * reminder without any signalling; the timer is also capped so a reopen
 * from the CLI is picked up within CHASE_MAX_SLEEP.
 *
 * Each open task keeps the time of its next step (tasks.next_step, 0
 * when not known: a new task, or one whose due time, state or steps
 * changed). A pass reads the tasks whose time has come through an index,
 * so it costs what is due, not what is open; it works out the next time
 * of each task it reads and writes it back. After a rules change the
 * policies may have changed, so the next pass ("full") walks every open
 * task, 100,000s of them for a large rule set, and writes the times that
 * changed. Either runs in pages of CHASE_SLICE tasks, one per loop turn
 * from a zero-delay timer: HTTP is served between pages. Nothing of a
 * page outlives its turn (occurrences may be swapped by a reload before
 * the next one); a kick during a pass asks for one more pass after it.
 */
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/chase/chase.h"
#include "daemon/chase/chase_msg.h"
#include "daemon/chase/mailq.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/links.h"
#include "daemon/outbox/outbox.h"
#include "daemon/core/metrics.h"
#include "daemon/core/reload.h"
#include "daemon/chase/remind.h"
#include "daemon/core/sched.h"
#include "daemon/store/store.h"
#include "daemon/store/store_cases.h"
#include "daemon/store/store_scan.h"
#include "daemon/chase/tasks.h"
#include "daemon/chase/tasks_sync.h"
#include "notifier/payload.h"
#include "notifier/template.h"

#define CHASE_MAX_SLEEP		300	/* seconds: safety net only */
#define CHASE_BATCH		500	/* due steps per transaction */
#define CHASE_SLICE		500	/* open tasks per loop turn (a few ms) */
#define CHASE_RETRY		5	/* seconds after a failed send */
#define CHASE_LOOKBACK		((time_t)400 * 86400)	/* oldest due scanned */
#define CHASE_LINK_DAYS		120	/* completion links live this long after due */
#define CHASE_SYNC_STEP		2000	/* task rows written per loop turn */

/* One step to send now. */
struct chase_due {
	int64_t			 id;
	struct task		*t;		/* &fresh, once read */
	struct task		 fresh;		/* read in send_due's transaction */
	const struct occ	*o;
	const struct scan_task	*scan;		/* its page row: steps taken */
	struct remind_step	 step;
};

/* A task's next time to write back (next_step), -1 for none. */
struct chase_next {
	int64_t			 id;
	time_t			 at;
};

struct chase {
	struct koyomi		 *k;
	struct sched_job	  job;
	int64_t			  answers_mark;
	/* The cases as last expanded (store_cases_mark). */
	char			  cases_mark[96];
	/* The pass under way, page by page. */
	ev_timer		  slice;	/* zero delay; slice.data = this */
	struct scan_cursor	  cur;
	int			  scanning;	/* a pass is under way */
	int			  full;		/* this pass reads every open task */
	int			  want_full;	/* the rules changed: owe a full pass */
	int			  again;	/* kicked meanwhile: pass again */
	int			  sent;		/* steps queued in this pass */
	int			  failed;	/* a send failed in this pass */
	/* A rules swap's task writes, a step per loop turn; no pass meanwhile. */
	struct tasks_sync	 *sync;
	ev_timer		  sync_step;	/* zero delay; data = this */
	ev_tstamp		  sync_began;
};


static int
wants(const struct rules_policy *p, int ch)
{
	return p->channels == 0 || (p->channels & ch) != 0;
}

/* The completion link of a task, or NULL without a key. Caller frees. */
static char *
task_link(struct koyomi *k, const struct task *t)
{
	char	*tok, *url;

	if (!k->has_link_key)
		return NULL;
	tok = links_make(k->link_key, t->id, t->assignee,
	    t->due + (time_t)CHASE_LINK_DAYS * 86400);
	if (tok == NULL)
		return NULL;
	xasprintf(&url, "%s/c/%s", k->conf->base_url, tok);
	free(tok);
	return url;
}

static const char *
event_type(enum remind_kind kind)
{
	switch (kind) {
	case REMIND_OVERDUE:
		return "task.overdue";
	case REMIND_ESCALATE_KIND:
		return "task.escalated";
	default:
		return "task.reminder";
	}
}

static int
queue_webhook(struct koyomi *k, const struct chase_due *d, const char *link,
    time_t now, char **cause)
{
	struct payload_build		 b;
	const struct payload_event	*ev;
	const struct task		*t = d->t;
	char				 wareki[64];
	cal_day				 day;
	int				 secs;

	cal_utc_to_local(k->zone, t->due, &day, &secs);
	cal_wareki_format(wareki, sizeof wareki, day, CAL_WF_WEEKDAY);
	payload_begin(&b, event_type(d->step.kind), now);
	chase_task_fields(&b, t);
	payload_str(&b, "due_wareki", wareki);
	payload_str(&b, "step", d->step.name);
	if (link != NULL && d->step.kind != REMIND_ESCALATE_KIND)
		payload_str(&b, "link", link);
	if ((ev = payload_done(&b, cause)) == NULL)
		return -1;
	return outbox_enqueue_event(k, ev, cause) == -1 ? -1 : 0;
}

static int
queue_hook_for(struct koyomi *k, const struct chase_due *d, time_t now,
    char **cause)
{
	char	*link = task_link(k, d->t);
	int	 rc;

	rc = queue_webhook(k, d, link, now, cause);
	free(link);
	return rc;
}

/* The escalation mail about one task, to the policy's escalate_to. */
static int
queue_escalation(struct koyomi *k, struct chase_due *d, time_t now,
    char **cause)
{
	struct chase_rcpt	 rc[CHASE_MAX_RCPTS];
	struct tmpl_vars	 tv;
	char			*dash;
	size_t			 i, n;
	int			 ret = 0;

	n = chase_escalation_rcpts(k->rules, d->t->cycle,
	    d->o->policy->escalate_to, rc, CHASE_MAX_RCPTS);
	if (n == 0)
		log_warnx("chase: task %lld: no escalation recipient for %s",
		    (long long)d->t->id, d->o->policy->escalate_to);
	template_vars_init(&tv);
	xasprintf(&dash, "%s/", k->conf->base_url);
	chase_vars(&tv, k->rules, d->t, k->zone, dash, now);
	free(dash);
	for (i = 0; i < n && ret == 0; i++) {
		template_set(&tv, "to", rc[i].name != NULL ? rc[i].name :
		    "ご担当者様");
		ret = mailq_send(k, TMPL_ESCALATION, &tv, &rc[i], 1,
		    cause);
	}
	template_vars_free(&tv);
	return ret;
}

/* One address and a due assignee step that should reach it. */
struct chase_dest {
	struct chase_rcpt	 r;
	size_t			 due;	/* index into the due array */
};

static int
dest_cmp(const void *a, const void *b)
{
	const struct chase_dest	*x = a, *y = b;
	int			 c = strcmp(x->r.mail, y->r.mail);

	if (c != 0)
		return c;
	return x->due < y->due ? -1 : x->due > y->due;
}

/* One mail per task to one address (no digest, or a single item). */
static int
queue_single(struct koyomi *k, struct chase_due *d,
    const struct chase_rcpt *r, time_t now, char **cause)
{
	struct tmpl_vars	 tv;
	char			*link = task_link(k, d->t);
	int			 ret;

	template_vars_init(&tv);
	chase_vars(&tv, k->rules, d->t, k->zone, link, now);
	ret = mailq_send_task(k, d->step.kind == REMIND_OVERDUE ?
	    TMPL_OVERDUE : TMPL_REMINDER, &tv, r, 1, d->t->id, cause);
	template_vars_free(&tv);
	free(link);
	return ret;
}

/* One digest for the run v[0..n) of one address. */
static int
queue_digest(struct koyomi *k, struct chase_due *due,
    const struct chase_dest *v, size_t n, time_t now, char **cause)
{
	struct tmpl_vars	 tv;
	char			*link, count[32];
	int64_t			*ids;
	cal_day			 day;
	int			 secs;
	size_t			 i;
	int			 ret;

	ids = xcalloc(n, sizeof *ids);
	template_vars_init(&tv);
	chase_vars(&tv, k->rules, due[v[0].due].t, k->zone, NULL, now);
	for (i = 0; i < n; i++) {
		link = task_link(k, due[v[i].due].t);
		cal_utc_to_local(k->zone, due[v[i].due].t->due, &day, &secs);
		template_digest_add(&tv, due[v[i].due].t->title, day,
		    link != NULL ? link : "-");
		free(link);
		ids[i] = due[v[i].due].t->id;
	}
	snprintf(count, sizeof count, "%zu", n);
	template_set(&tv, "count", count);
	ret = mailq_send_digest(k, TMPL_DIGEST, &tv, &v[0].r, 1, ids, n,
	    cause);
	template_vars_free(&tv);
	free(ids);
	return ret;
}

/*
 * Mail for every due assignee step: grouped by address, a run of two or
 * more steps whose policies all allow digests becomes one digest.
 */
static int
queue_assignee_mail(struct koyomi *k, struct chase_due *due, size_t ndue,
    time_t now, char **cause)
{
	struct chase_dest	*v = NULL;
	struct chase_rcpt	 rc[CHASE_MAX_RCPTS];
	size_t			 i, j, n = 0, nr, r, run;
	int			 digest, ret = 0;

	for (i = 0; i < ndue; i++) {
		if (due[i].step.kind == REMIND_ESCALATE_KIND ||
		    !wants(due[i].o->policy, RCH_MAIL))
			continue;
		nr = chase_assignee_rcpts(k->rules, due[i].t->assignee, rc,
		    CHASE_MAX_RCPTS);
		if (nr == 0)
			log_warnx("chase: task %lld: %s has no mail address",
			    (long long)due[i].t->id, due[i].t->assignee);
		v = xreallocarray(v, n + nr + 1, sizeof *v);
		for (r = 0; r < nr; r++) {
			v[n].r = rc[r];
			v[n++].due = i;
		}
	}
	if (n > 0)
		xqsort(v, n, sizeof *v, dest_cmp);
	for (i = 0; i < n && ret == 0; i += run) {
		digest = 1;
		for (run = 0; i + run < n &&
		    strcmp(v[i + run].r.mail, v[i].r.mail) == 0; run++)
			digest &= due[v[i + run].due].o->policy->digest;
		if (run > 1 && digest) {
			ret = queue_digest(k, due, v + i, run, now, cause);
			continue;
		}
		for (j = 0; j < run && ret == 0; j++)
			ret = queue_single(k, &due[v[i + j].due], &v[i + j].r,
			    now, cause);
	}
	free(v);
	return ret;
}

/* The task's next time once d's step is taken: -1 when none is left. */
static time_t
next_after(struct koyomi *k, const struct chase_due *d, time_t now)
{
	struct remind_ctx	 rc = { k->zone, k->conf->window_start,
		k->conf->window_end, &k->conf->closed_days };
	struct remind_step	 step;
	const char		**taken;
	time_t			 at;
	size_t			 n = d->scan->nsteps;
	int			 more;

	taken = xcalloc(n + 1, sizeof *taken);
	if (n > 0)	/* no steps yet: steps may be NULL */
		memcpy(taken, d->scan->steps, n * sizeof *taken);
	taken[n] = d->step.name;
	more = remind_next(&rc, d->o->policy, d->scan->due, now, taken, n + 1,
	    &step, &at);
	free(taken);
	return more ? at : -1;
}

/*
 * Records every due step and queues its messages in one transaction.
 * Tasks are re-read inside it: one completed meanwhile is skipped.
 */
static int
send_due(struct chase *c, struct chase_due *due, size_t ndue, time_t now)
{
	struct koyomi	*k = c->k;
	char		*cause = NULL;
	size_t		 i, n = 0;
	int		 rc, ret = -1;

	if (store_begin(k->store) == -1)
		return -1;
	for (i = 0; i < ndue; i++) {
		rc = store_task_get(k->store, due[i].id, &due[i].fresh);
		if (rc == -1)
			goto fail;
		if (rc == 1)
			continue;
		if (strcmp(due[i].fresh.state, "open") == 0 &&
		    !due[i].fresh.cancelled && !due[i].fresh.past)
			due[n++] = due[i];	/* takes fresh along */
		else
			task_free(&due[i].fresh);
	}
	for (i = 0; i < n; i++)
		due[i].t = &due[i].fresh;
	for (i = 0; i < n; i++) {
		if (store_task_step_add(k->store, due[i].t->id,
		    due[i].step.name, now, 0) == -1 ||
		    store_task_set_next(k->store, due[i].t->id,
		    next_after(k, &due[i], now)) == -1)
			goto fail;
		if (due[i].step.kind == REMIND_ESCALATE_KIND &&
		    wants(due[i].o->policy, RCH_MAIL) &&
		    queue_escalation(k, &due[i], now, &cause) == -1)
			goto fail;
		if (wants(due[i].o->policy, RCH_WEBHOOK) &&
		    queue_hook_for(k, &due[i], now, &cause) == -1)
			goto fail;
	}
	if (queue_assignee_mail(k, due, n, now, &cause) == -1)
		goto fail;
	if (store_commit(k->store) == -1)
		goto out;
	if (n > 0) {
		log_info("chase: %zu reminder step(s) queued", n);
		outbox_wake(k->outbox);
	}
	ret = 0;
	goto out;
fail:
	if (cause != NULL) {
		log_warnx("chase: %s", cause);
		free(cause);
	}
	store_rollback(k->store);
out:
	for (i = 0; i < n; i++)
		task_free(&due[i].fresh);
	return ret;
}

/*
 * The due step of task t, if any (1); else 0 with *next its next time
 * (-1: nothing left to send, or no policy, or too old to chase).
 */
static int
task_due(struct koyomi *k, const struct scan_task *t, time_t now,
    time_t *next, struct chase_due *out)
{
	const struct occ	*o = koyomi_find_occ(k, t->uid);
	struct remind_ctx	 rc = { k->zone, k->conf->window_start,
		k->conf->window_end, &k->conf->closed_days };
	time_t			 at;

	*next = -1;
	if (o == NULL || o->policy == NULL || t->due < now - CHASE_LOOKBACK)
		return 0;
	if (remind_next(&rc, o->policy, t->due, now,
	    (const char *const *)t->steps, t->nsteps, &out->step, &at) == 0)
		return 0;
	if (at > now) {
		*next = at;
		return 0;
	}
	out->id = t->id;
	out->t = NULL;
	out->o = o;
	out->scan = t;
	return 1;
}

/* Writes the next times that changed, in one transaction. */
static int
write_next(struct koyomi *k, const struct chase_next *v, size_t n)
{
	size_t	i;

	if (n == 0)
		return 0;
	if (store_begin(k->store) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (store_task_set_next(k->store, v[i].id, v[i].at) == -1) {
			store_rollback(k->store);
			return -1;
		}
	return store_commit(k->store);
}

static void	chase_run(struct koyomi *, struct sched_job *);

/* Sends due[0..n) and notes the outcome in the pass. */
static void
chase_flush(struct chase *c, struct chase_due *due, size_t n, time_t now)
{
	if (n == 0)
		return;
	if (send_due(c, due, n, now) == -1)
		c->failed = 1;
	else
		c->sent = 1;
}

/*
 * The pass is over: sleep until the earliest next step of an open task.
 * Kicked meanwhile, or owing a full pass, pass again at once. A task
 * still due after a pass that sent nothing is looked at again after
 * CHASE_RETRY, not at once: it could not be served now.
 */
static void
chase_pass_end(struct chase *c, time_t now)
{
	time_t	 next;

	c->scanning = 0;
	ev_timer_stop(c->k->loop, &c->slice);
	if (store_next_step(c->k->store, &next) == -1 || c->failed)
		next = now + CHASE_RETRY;
	else if (c->again || c->want_full)
		next = now;
	else if (next >= 0 && next <= now)
		next = c->sent ? now : now + CHASE_RETRY;
	if (next < 0 || next > now + CHASE_MAX_SLEEP)
		next = now + CHASE_MAX_SLEEP;
	sched_at(c->k, &c->job, next, chase_run, c);
}

/*
 * One page of the pass: sends what is due in it and writes back the next
 * times that changed; bounded work.
 */
static void
chase_slice(struct chase *c)
{
	struct koyomi		*k = c->k;
	struct scan_task	*v = NULL;
	struct chase_due	*due;
	struct chase_next	*nv;
	size_t			 n = 0, i, ndue = 0, nn = 0;
	time_t			 now = time(NULL), next;
	int			 rc;

	if (c->sync != NULL) {
		/* New rules are being written: the sync's end starts anew. */
		c->scanning = 0;
		return;
	}
	if (k->rules == NULL)
		rc = -1;
	else if (c->full)
		rc = store_scan_page(k->store, &c->cur, CHASE_SLICE, &v, &n);
	else
		rc = store_scan_due(k->store, &c->cur, now, CHASE_SLICE, &v,
		    &n);
	if (rc == -1) {
		c->failed = 1;
		chase_pass_end(c, now);
		return;
	}
	due = xcalloc(n + 1, sizeof *due);
	nv = xcalloc(n + 1, sizeof *nv);
	for (i = 0; i < n; i++) {
		if (task_due(k, &v[i], now, &next, &due[ndue]) == 1) {
			if (++ndue == CHASE_BATCH) {
				chase_flush(c, due, ndue, now);
				ndue = 0;
			}
		} else if (next != v[i].next) {
			nv[nn].id = v[i].id;
			nv[nn++].at = next;
		}
	}
	chase_flush(c, due, ndue, now);
	if (write_next(k, nv, nn) == -1)
		c->failed = 1;
	free(nv);
	free(due);
	store_scan_free(v, n);
	if (n < CHASE_SLICE)
		chase_pass_end(c, now);
	else if (!ev_is_active(&c->slice)) {
		ev_timer_set(&c->slice, 0., 0.);
		ev_timer_start(k->loop, &c->slice);
	}
}

static void
chase_slice_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct chase	*c = w->data;

	(void)loop;
	(void)revents;
	ev_timer_stop(c->k->loop, w);
	chase_slice(c);
}

/* The scheduler's job: start a pass over the open tasks. */
static void
chase_run(struct koyomi *k, struct sched_job *job)
{
	struct chase	*c = job->arg;

	(void)k;
	if (c->sync != NULL)
		return;		/* the sync's end kicks a pass */
	if (c->scanning) {
		c->again = 1;
		return;
	}
	c->scanning = 1;
	c->again = c->sent = c->failed = 0;
	c->full = c->want_full;
	c->want_full = 0;
	if (c->full)
		store_scan_begin(&c->cur, time(NULL) - CHASE_LOOKBACK);
	else
		store_scan_due_begin(&c->cur);
	chase_slice(c);
}

static void
chase_sync_end(struct chase *c)
{
	const struct tasks_sync_stats	*st;

	ev_timer_stop(c->k->loop, &c->sync_step);
	if (c->sync == NULL)
		return;
	st = tasks_sync_stats(c->sync);
	if (st->created + st->cancelled + st->restored + st->changed > 0)
		log_info("tasks: %zu created, %zu cancelled, %zu restored, "
		    "%zu moved (%.1f s)", st->created, st->cancelled,
		    st->restored, st->changed,
		    ev_time() - c->sync_began);
	tasks_sync_free(c->sync);
	c->sync = NULL;
}

/* One step of the sync; the next one on the next loop turn. */
static void
chase_sync_step(struct chase *c)
{
	int	 rc;

	if (c->sync == NULL)
		return;
	if ((rc = tasks_sync_step(c->sync, CHASE_SYNC_STEP)) == 1) {
		ev_timer_set(&c->sync_step, 0., 0.);
		ev_timer_start(c->k->loop, &c->sync_step);
		return;
	}
	if (rc == -1)
		log_warnx("tasks: sync stopped after %zu created; the next "
		    "reload or start writes the rest",
		    tasks_sync_stats(c->sync)->created);
	chase_sync_end(c);
	chase_kick(c);
}

static void
chase_sync_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	ev_timer_stop(loop, w);
	chase_sync_step(w->data);
}

/*
 * New rules: reconcile the tasks, then look for due steps again. The
 * comparison runs here; its writes in steps of CHASE_SYNC_STEP rows from
 * the loop (a first start creates a quarter of a million at 2,000
 * organisations). A sync still under way is dropped: what it committed
 * stays, and the new comparison sees it.
 */
static void
chase_swapped(struct koyomi *k, void *arg)
{
	struct chase	*c = arg;
	int		 err;

	chase_sync_end(c);
	c->sync_began = ev_time();
	/* Policies, windows or occurrences may differ: every next time. */
	c->want_full = 1;
	/* The first step now: a small change is written within the swap. */
	if (k->rules != NULL && (c->sync = tasks_sync_begin(k, &k->occs,
	    k->occ_from, k->occ_to, time(NULL), &err)) != NULL)
		chase_sync_step(c);
	else
		chase_kick(c);
}

/*
 * Another process (the CLI) changed the database: a reopened task may
 * need reminders again, and a new survey answer changes the groups
 * built from answers, so the rules are expanded again.
 */
static void
chase_store_changed(struct koyomi *k, void *arg)
{
	struct chase	*c = arg;
	int64_t		 mark;

	if (store_answers_mark(k->store, &mark) == 0 &&
	    mark != c->answers_mark) {
		c->answers_mark = mark;
		if (k->reload != NULL)
			reload_reexpand(k);
	}
	chase_kick(c);
}

static void
chase_metrics(struct koyomi *k, struct buf *b, void *arg)
{
	static const char *const states[] = { "open", "done", "waived",
		"overdue", "past" };
	static const char *const kinds[] = { "before", "overdue", "escalate" };
	struct tasks_metrics	 m;
	int			 i;

	(void)arg;
	if (store_tasks_metrics(k->store, time(NULL), &m) == -1)
		return;
	buf_puts(b, "# HELP koyomi_tasks Tasks by state; overdue open tasks "
	    "are counted as overdue, not open, and deadlines past before "
	    "koyomi knew of them as past.\n# TYPE koyomi_tasks gauge\n");
	for (i = 0; i < 5; i++)
		buf_printf(b, "koyomi_tasks{state=\"%s\"} %lld\n", states[i],
		    m.by_state[i]);
	buf_printf(b, "# HELP koyomi_tasks_overdue Open tasks past their due "
	    "time.\n# TYPE koyomi_tasks_overdue gauge\n"
	    "koyomi_tasks_overdue %lld\n", m.by_state[3]);
	buf_puts(b, "# HELP koyomi_reminders_sent_total Reminder steps taken, "
	    "by kind of step.\n# TYPE koyomi_reminders_sent_total counter\n");
	for (i = 0; i < 3; i++)
		buf_printf(b, "koyomi_reminders_sent_total{step=\"%s\"} %lld\n",
		    kinds[i], m.reminders[i]);
	buf_puts(b, "# HELP koyomi_completions_total Tasks completed, by "
	    "channel.\n# TYPE koyomi_completions_total counter\n");
	for (i = 0; i < VIA_NVIAS; i++)
		buf_printf(b, "koyomi_completions_total{via=\"%s\"} %lld\n",
		    task_via_name(i), m.completions[i]);
}

/* A case added or closed from the command line: expand again. */
static void
chase_cases_changed(struct koyomi *k, void *arg)
{
	struct chase	*c = arg;
	char		 mark[sizeof c->cases_mark];

	if (store_cases_mark(k->store, mark, sizeof mark) == -1 ||
	    strcmp(mark, c->cases_mark) == 0)
		return;
	snprintf(c->cases_mark, sizeof c->cases_mark, "%s", mark);
	if (k->reload != NULL && reload_reexpand(k) == -1)
		log_warnx("cases: re-expansion failed");
}

struct chase *
chase_start(struct koyomi *k, char **cause)
{
	struct chase	*c = xcalloc(1, sizeof *c);

	(void)cause;

	c->k = k;
	k->chase = c;
	c->want_full = 1;	/* the times stored may be from other rules */
	ev_timer_init(&c->slice, chase_slice_cb, 0., 0.);
	c->slice.data = c;
	ev_timer_init(&c->sync_step, chase_sync_cb, 0., 0.);
	c->sync_step.data = c;
	if (store_answers_mark(k->store, &c->answers_mark) == -1)
		c->answers_mark = 0;
	koyomi_hook_add(k, KY_RULES_SWAPPED, chase_swapped, c);
	koyomi_hook_add(k, KY_STORE_CHANGED, chase_store_changed, c);
	if (store_cases_mark(k->store, c->cases_mark,
	    sizeof c->cases_mark) == -1)
		c->cases_mark[0] = '\0';
	koyomi_hook_add(k, KY_STORE_CHANGED, chase_cases_changed, c);
	if (k->metrics != NULL)
		metrics_register(k, chase_metrics, c);
	/* cmd_run runs KY_RULES_SWAPPED once every module has started. */
	sched_at(k, &c->job, time(NULL), chase_run, c);
	return c;
}

/* One nudge mail for task t to its assignee; 1 queued, 0 no address. */
static int
nudge_one(struct koyomi *k, const struct task *t, time_t now, char **cause)
{
	struct chase_rcpt	 rc[CHASE_MAX_RCPTS];
	struct tmpl_vars	 tv;
	char			*link;
	size_t			 n;
	int			 ret;

	n = chase_assignee_rcpts(k->rules, t->assignee, rc, CHASE_MAX_RCPTS);
	if (n == 0)
		return 0;
	link = task_link(k, t);
	template_vars_init(&tv);
	chase_vars(&tv, k->rules, t, k->zone, link, now);
	ret = mailq_send(k, t->due < now ? TMPL_OVERDUE : TMPL_REMINDER, &tv,
	    rc, n, cause);
	template_vars_free(&tv);
	free(link);
	return ret == -1 ? -1 : 1;
}

int
chase_nudge(struct koyomi *k, const char *uid, const struct task_actor *who,
    time_t now, struct chase_nudged *out, char **cause)
{
	struct task_filter	 f = { 0 };
	struct task_actor	 a = *who;
	struct task		*v = NULL;
	size_t			 i, n = 0;
	int			 rc;

	memset(out, 0, sizeof *out);
	*cause = NULL;
	if (k->rules == NULL)
		return -1;
	f.uid = uid;
	f.unfinished = 1;
	f.now = now;
	if (store_begin(k->store) == -1)
		return -1;
	if (store_tasks_list(k->store, &f, &v, &n) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		if ((rc = nudge_one(k, &v[i], now, cause)) == -1)
			goto fail;
		if (rc == 0) {
			out->noaddr++;
			continue;
		}
		a.note = who->note != NULL ? who->note : "催促メール（手動）";
		if (store_task_event(k->store, v[i].id, now, "nudged",
		    &a) == -1)
			goto fail;
		out->sent++;
	}
	if (store_commit(k->store) == -1)
		goto out_fail;
	tasks_free(v, n);
	if (out->sent > 0) {
		log_info("chase: %s: %zu nudge(s) queued by %s", uid, out->sent,
		    who->who != NULL ? who->who : "?");
		if (k->outbox != NULL)
			outbox_wake(k->outbox);
	}
	return 0;
fail:
	store_rollback(k->store);
out_fail:
	tasks_free(v, n);
	memset(out, 0, sizeof *out);
	return -1;
}

void
chase_kick(struct chase *c)
{
	if (c == NULL)
		return;
	if (c->scanning)
		c->again = 1;	/* the pass ends with another one */
	else
		sched_at(c->k, &c->job, time(NULL), chase_run, c);
}

void
chase_stop(struct chase *c)
{
	if (c == NULL)
		return;
	sched_cancel(c->k, &c->job);
	ev_timer_stop(c->k->loop, &c->slice);
	ev_timer_stop(c->k->loop, &c->sync_step);
	tasks_sync_free(c->sync);
	free(c);
}
