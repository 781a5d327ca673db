/*
 * announce.c — webhooks and mail about what a reload changed or why it
 * failed (announce.h). The revision watch collects the changes while
 * store_revisions_reconcile_watch() holds its transaction: webhooks are
 * queued at once, mails at the end (flush), one per address, so both
 * commit with the new SEQUENCE or not at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/chase/announce.h"
#include "daemon/chase/announce_msg.h"
#include "daemon/core/conf.h"
#include "daemon/feeds/feeds.h"
#include "daemon/core/koyomi.h"
#include "daemon/outbox/outbox.h"
#include "daemon/store/revisions.h"
#include "daemon/store/store.h"
#include "daemon/chase/tasks.h"
#include "notifier/payload.h"
#include "notifier/template.h"

/* settings key: hash of the last failure announced, "" after a success. */
#define ANNOUNCE_FAILED_SETTING	"reload_failed_announced"

/* One changed or cancelled occurrence of this reconcile. */
struct ann_item {
	const struct revision	*old;		/* the row before (borrowed) */
	const struct occ	*now;		/* NULL when cancelled */
	struct revisions_occ	 was;		/* old content, from snapshot */
	int			 have_was;
	int			 sequence;	/* the new SEQUENCE */
	char			 old_when[128];
	char			 new_when[128];
};

/* One mail to be: an address and one of the items it hears of. */
struct ann_note {
	struct chase_rcpt	 r;
	size_t			 item;
};

struct ann_ctx {
	struct koyomi		*k;
	time_t			 now;
	cal_day			 today;
	struct ann_item		*items;
	size_t			 nitems;
	struct ann_note		*notes;
	size_t			 nnotes;
	size_t			 hooks, mails;
};

/* The content the announcement speaks of: now, or the last known. */
static const struct occ *
ann_cur(const struct ann_item *it)
{
	return it->now != NULL ? it->now : it->have_was ? &it->was.occ : NULL;
}

/* The webhook: event.changed or event.cancelled, keyed by uid and SEQUENCE. */
static int
ann_webhook(struct ann_ctx *c, const struct ann_item *it, char **cause)
{
	struct payload_build		 b;
	const struct payload_event	*ev;
	const struct occ		*cur = ann_cur(it), *was = it->have_was ?
	    &it->was.occ : NULL;
	char				 od[11], nd[11], ot[16], nt[16], *key;
	int				 rc;

	payload_begin(&b, it->now != NULL ? "event.changed" :
	    "event.cancelled", c->now);
	payload_str(&b, "uid", it->old->uid);
	if (cur != NULL) {
		payload_str(&b, "cycle", cur->cycle_id);
		payload_str(&b, "item", cur->item_id);
		payload_num(&b, "fy", cur->fy);
		payload_str(&b, "kind", rules_kind_name(cur->kind));
		payload_str(&b, "title", cur->title);
	}
	payload_num(&b, "sequence", it->sequence);
	if (it->now != NULL) {
		if (was != NULL) {
			cal_format_iso(od, was->start);
			payload_str(&b, "old_date", od);
		}
		cal_format_iso(nd, it->now->start);
		payload_str(&b, "new_date", nd);
		if (was != NULL)
			payload_str(&b, "old_wareki", it->old_when);
		payload_str(&b, "new_wareki", it->new_when);
		if (was != NULL && was->start_secs >= 0) {
			snprintf(ot, sizeof ot, "%02d:%02d",
			    was->start_secs / 3600, was->start_secs / 60 % 60);
			payload_str(&b, "old_time", ot);
		}
		if (it->now->start_secs >= 0) {
			snprintf(nt, sizeof nt, "%02d:%02d",
			    it->now->start_secs / 3600,
			    it->now->start_secs / 60 % 60);
			payload_str(&b, "new_time", nt);
		}
		if (it->now->location != NULL)
			payload_str(&b, "location", it->now->location);
	} else if (was != NULL) {
		cal_format_iso(od, was->start);
		payload_str(&b, "date", od);
		payload_str(&b, "date_wareki", it->old_when);
	}
	if ((ev = payload_done(&b, cause)) == NULL)
		return -1;
	xasprintf(&key, "%s %s %d", ev->type, it->old->uid, it->sequence);
	rc = outbox_enqueue_event_keyed(c->k, ev, key, cause);
	free(key);
	if (rc > 0)
		c->hooks += (size_t)rc;
	return rc == -1 ? -1 : 0;
}

/* The contacts of a deadline's open assignees (done ones need no news). */
static int
ann_open_assignees(struct ann_ctx *c, const char *uid, struct chase_rcpt **v,
    size_t *n)
{
	struct task_filter	 f;
	struct task		*t = NULL;
	size_t			 nt = 0, i;

	memset(&f, 0, sizeof f);
	f.uid = uid;
	f.state = "open";
	f.cancelled = 1;
	f.now = c->now;
	if (store_tasks_list(c->k->store, &f, &t, &nt) == -1)
		return -1;
	for (i = 0; i < nt; i++)
		*n = announce_rcpts_add(c->k->rules, t[i].assignee, v, *n);
	tasks_free(t, nt);
	return 0;
}

/*
 * Who is told by mail: a meeting moved in time or cancelled, a deadline
 * cancelled; never what is already over, never a mere change of title or
 * place (feeds and webhooks carry those), never a return from
 * cancellation.
 */
static int
ann_plan_mail(struct ann_ctx *c, size_t ix)
{
	struct ann_item		*it = &c->items[ix];
	const struct occ	*was = &it->was.occ, *o = it->now;
	struct chase_rcpt	*v = NULL;
	size_t			 n = 0, i;

	if (!it->have_was || was->adhoc)
		return 0;
	if (o != NULL) {
		if (o->is_deadline || it->old->cancelled_at != 0 ||
		    o->end < c->today)
			return 0;	/* tasks_sync announces deadlines */
		if (was->start == o->start && was->end == o->end &&
		    was->start_secs == o->start_secs &&
		    was->end_secs == o->end_secs)
			return 0;
		n = announce_meeting_rcpts(c->k->rules, o, &v);
	} else {
		if (was->end < c->today)
			return 0;
		if (was->is_deadline) {
			if (ann_open_assignees(c, it->old->uid, &v, &n) == -1) {
				free(v);
				return -1;
			}
		} else
			n = announce_meeting_rcpts(c->k->rules, was, &v);
	}
	c->notes = xreallocarray(c->notes, c->nnotes + n + 1,
	    sizeof *c->notes);
	for (i = 0; i < n; i++) {
		c->notes[c->nnotes].r = v[i];
		c->notes[c->nnotes++].item = ix;
	}
	free(v);
	return 0;
}

static int
ann_change(void *arg, const struct revision *old, const struct occ *o,
    int sequence, time_t now)
{
	struct ann_ctx	*c = arg;
	struct ann_item	*it;
	char		*cause = NULL;

	(void)now;
	c->items = xreallocarray(c->items, c->nitems + 1, sizeof *c->items);
	it = &c->items[c->nitems++];
	memset(it, 0, sizeof *it);
	it->old = old;
	it->now = o;
	it->sequence = sequence;
	it->have_was = revisions_occ_load(&it->was, old->uid,
	    old->snapshot) == 0;
	if (it->have_was)
		announce_when(&it->was.occ, it->old_when, sizeof it->old_when);
	if (o != NULL)
		announce_when(o, it->new_when, sizeof it->new_when);
	if (ann_webhook(c, it, &cause) == -1 ||
	    ann_plan_mail(c, c->nitems - 1) == -1) {
		log_warnx("announce: %s: %s", old->uid,
		    cause != NULL ? cause : "database error");
		free(cause);
		return -1;
	}
	return 0;
}

static int
ann_note_cmp(const void *a, const void *b)
{
	const struct ann_note	*x = a, *y = b;
	int			 d = strcmp(x->r.mail, y->r.mail);

	if (d != 0)
		return d;
	return x->item < y->item ? -1 : x->item > y->item;
}

static int
ann_rev_cmp(const void *a, const void *b)
{
	return strcmp(((const struct revision *)a)->uid,
	    ((const struct revision *)b)->uid);
}

/*
 * The VCALENDAR of the meetings in one mail, rendered by the feed code
 * with the revisions just written, so UID, SEQUENCE, DTSTAMP and STATUS
 * are those every subscribed calendar now sees. NULL when none.
 */
static char *
ann_ics(struct ann_ctx *c, const struct ann_note *v, size_t n)
{
	struct feeds_input	 in;
	struct rules_feed	 all;
	struct occ_list		 live = { NULL, 0 };
	struct revisions	 revs = { NULL, 0 };
	struct revision		*r;
	const struct ann_item	*it;
	struct buf		 b;
	char			*cause = NULL;
	size_t			 i;

	live.v = xcalloc(n + 1, sizeof *live.v);
	revs.v = xcalloc(n + 1, sizeof *revs.v);
	for (i = 0; i < n; i++) {
		it = &c->items[v[i].item];
		if (ann_cur(it) == NULL || ann_cur(it)->is_deadline)
			continue;
		r = &revs.v[revs.n++];
		r->uid = it->old->uid;
		r->hash = it->now != NULL ? (char *)it->now->hash :
		    it->old->hash;
		r->sequence = it->sequence;
		r->dtstamp = c->now;
		r->cancelled_at = it->now != NULL ? 0 : c->now;
		r->snapshot = it->old->snapshot;
		if (it->now != NULL)
			live.v[live.n++] = *it->now;	/* shallow */
	}
	buf_init(&b);
	if (revs.n > 0) {
		xqsort(revs.v, revs.n, sizeof *revs.v, ann_rev_cmp);
		memset(&all, 0, sizeof all);
		all.id = (char *)"koyomi";	/* read only */
		all.deadlines = 1;
		memset(&in, 0, sizeof in);
		in.rules = c->k->rules;
		in.occs = &live;
		in.revs = &revs;
		in.base_url = c->k->conf->base_url;
		in.now = c->now;
		in.epoch = c->now;
		if (feeds_render_public(&in, &all, &b, &cause) == -1) {
			log_warnx("announce: calendar part: %s", cause);
			free(cause);
			buf_free(&b);
		}
	}
	free(live.v);
	free(revs.v);
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* Template variables for one address and its items. */
static enum tmpl_kind
ann_vars(struct ann_ctx *c, const struct ann_note *v, size_t n,
    struct tmpl_vars *tv)
{
	const struct rules_contact	*ct;
	const struct ann_item		*it = &c->items[v[0].item];
	const struct occ		*cur = ann_cur(it);
	struct task			 t;
	char				 cnt[32];
	size_t				 i;

	ct = rules_find_contact(c->k->rules, v[0].r.id);
	memset(&t, 0, sizeof t);
	t.assignee = (char *)(ct != NULL && ct->org != NULL ? ct->org :
	    v[0].r.id);
	t.cycle = (char *)cur->cycle_id;
	t.title = cur->title;
	t.fy = cur->fy;
	chase_vars(tv, c->k->rules, &t, c->k->zone, NULL, c->now);
	if (n > 1) {
		for (i = 0; i < n; i++) {
			it = &c->items[v[i].item];
			template_notice_add(tv, ann_cur(it)->title,
			    it->old_when, it->now != NULL ? it->new_when :
			    NULL);
		}
		snprintf(cnt, sizeof cnt, "%zu", n);
		template_set(tv, "count", cnt);
		return TMPL_NOTICES;
	}
	if (it->now == NULL) {
		template_set(tv, "date", it->old_when);
		return TMPL_CANCELLED;
	}
	template_set(tv, "old_date", it->old_when);
	template_set(tv, "new_date", it->new_when);
	return TMPL_CHANGED;
}

/* One mail to v[0].r about the items of v[0..n). */
static int
ann_mail(struct ann_ctx *c, const struct ann_note *v, size_t n,
    char **cause)
{
	struct outbox_mail	 m;
	struct tmpl_vars	 tv;
	enum tmpl_kind		 kind;
	char			*subject = NULL, *body = NULL, *ics = NULL;
	int			 rc = -1;

	template_vars_init(&tv);
	kind = ann_vars(c, v, n, &tv);
	if (template_render(c->k->tmpl, kind, &tv, &subject, &body,
	    cause) == -1)
		goto out;
	if (c->k->conf->mail_ics)
		ics = ann_ics(c, v, n);
	memset(&m, 0, sizeof m);
	m.kind = template_kind_name(kind);
	m.to_name = v[0].r.name;
	m.to_addr = v[0].r.mail;
	m.subject = subject;
	m.body = body;
	m.ics = ics;
	if (outbox_enqueue_mail(c->k, &m, cause) == -1)
		goto out;
	c->mails++;
	rc = 0;
out:
	template_vars_free(&tv);
	free(subject);
	free(body);
	free(ics);
	return rc;
}

/* Before COMMIT: one mail per address, a digest when several items. */
static int
ann_flush(void *arg)
{
	struct ann_ctx	*c = arg;
	char		*cause = NULL;
	size_t		 i, run;

	if (c->nnotes > 1)
		xqsort(c->notes, c->nnotes, sizeof *c->notes, ann_note_cmp);
	for (i = 0; i < c->nnotes; i += run) {
		for (run = 1; i + run < c->nnotes && strcmp(c->notes[i +
		    run].r.mail, c->notes[i].r.mail) == 0; run++)
			;
		if (ann_mail(c, &c->notes[i], run, &cause) == -1) {
			log_warnx("announce: mail to %s: %s",
			    c->notes[i].r.mail, cause != NULL ? cause :
			    "database error");
			free(cause);
			return -1;
		}
	}
	return 0;
}

static void
ann_ctx_free(struct ann_ctx *c)
{
	size_t	i;

	for (i = 0; i < c->nitems; i++)
		if (c->items[i].have_was)
			revisions_occ_free(&c->items[i].was);
	free(c->items);
	free(c->notes);
}

int
announce_reconcile(struct koyomi *k)
{
	struct ann_ctx		 c;
	struct revisions_watch	 w;
	int			 n;

	if (k->rules == NULL)
		return 0;
	memset(&c, 0, sizeof c);
	c.k = k;
	c.now = koyomi_now(k);
	c.today = koyomi_today(k);
	w.change = ann_change;
	w.flush = ann_flush;
	w.arg = &c;
	n = store_revisions_reconcile_watch(k->store, &k->occs, k->occ_from,
	    k->occ_to, c.now, &w);
	if (n >= 0)
		k->revs_gen = k->generation + 1;
	if (n >= 0 && c.nitems > 0)
		log_info("announce: %zu change(s) or cancellation(s): %zu "
		    "webhook(s), %zu mail(s) queued", c.nitems, c.hooks,
		    c.mails);
	if (n >= 0 && c.hooks + c.mails > 0)
		outbox_wake(k->outbox);
	ann_ctx_free(&c);
	return n;
}

static void
announce_swapped(struct koyomi *k, void *arg)
{
	(void)arg;
	announce_reconcile(k);
}

/* KY_RELOAD_FAILED: the rule errors, announced once per distinct set. */
static void	announce_reload_failed(struct koyomi *, void *);
/* KY_RELOAD_OK: a later failure is news again. */
static void	announce_reload_ok(struct koyomi *, void *);

int
announce_start(struct koyomi *k, char **cause)
{
	(void)cause;
	/* cmd_run runs KY_RULES_SWAPPED once every module has started. */
	koyomi_hook_add(k, KY_RULES_SWAPPED, announce_swapped, NULL);
	koyomi_hook_add(k, KY_RELOAD_FAILED, announce_reload_failed, NULL);
	koyomi_hook_add(k, KY_RELOAD_OK, announce_reload_ok, NULL);
	return 0;
}

void
announce_stop(struct koyomi *k)
{
	(void)k;
}

/* errors, first_error, the messages, truncated: all must fit. */
_Static_assert(ANNOUNCE_MAX_ERRORS + 3 <= PAYLOAD_MAX_FIELDS,
    "rules.reload_failed does not fit a webhook payload");

/* The failure webhook: count, first error, a bounded list. */
static int
ann_fail_hook(struct koyomi *k, const struct rules_diag *d, char **cause)
{
	struct payload_build		 b;
	const struct payload_event	*ev;
	char				*clip[ANNOUNCE_MAX_ERRORS];
	size_t				 i, nclip = 0;
	int				 rc = -1;

	payload_begin(&b, "rules.reload_failed", koyomi_now(k));
	payload_num(&b, "errors",
	    (long long)(d->nerrors > 0 ? d->nerrors : d->n));
	for (i = 0; i < d->n && nclip < ANNOUNCE_MAX_ERRORS; i++)
		clip[nclip++] = announce_clip(d->msgs[i], ANNOUNCE_MAX_ERRLEN);
	if (nclip > 0)
		payload_str(&b, "first_error", clip[0]);
	for (i = 0; i < nclip; i++)
		payload_str(&b, "messages[]", clip[i]);
	payload_num(&b, "truncated", d->n > nclip);
	if ((ev = payload_done(&b, cause)) != NULL)
		rc = outbox_enqueue_event(k, ev, cause);
	for (i = 0; i < nclip; i++)
		free(clip[i]);
	return rc == -1 ? -1 : 0;
}

/* The administrators' mail, as for a disabled endpoint (outbox.c). */
static int
ann_fail_mail(struct koyomi *k, const struct rules_diag *d, char **cause)
{
	struct buf	 b;
	char		*subject, *clip;
	size_t		 i;
	int		 rc;

	xasprintf(&subject, "【koyomi】ルールの再読込に失敗しました（エラー%zu件）",
	    d->nerrors > 0 ? d->nerrors : d->n);
	buf_init(&b);
	buf_printf(&b, "koyomi 管理者各位\n\n"
	    "ルールファイル（%s）の再読込でエラーが見つかったため、"
	    "新しいルールは適用していません。\n"
	    "以前のルールで運用を続けています。\n\n", k->conf->rules);
	for (i = 0; i < d->n && i < ANNOUNCE_MAX_ERRORS; i++) {
		clip = announce_clip(d->msgs[i], ANNOUNCE_MAX_ERRLEN);
		buf_printf(&b, "%s\n", clip);
		free(clip);
	}
	if (d->n > ANNOUNCE_MAX_ERRORS)
		buf_printf(&b, "（ほか%zu件）\n", d->n - ANNOUNCE_MAX_ERRORS);
	buf_puts(&b, "\n`koyomi check` で確認し、修正してください。"
	    "同じ内容のエラーについては、このお知らせを繰り返し送りません。\n\n"
	    "本メールは koyomi から自動送信しています。\n");
	rc = outbox_enqueue_admin(k, "reload_failed", subject, b.data, cause);
	free(subject);
	buf_free(&b);
	return rc == -1 ? -1 : 0;
}

static void
announce_reload_failed(struct koyomi *k, void *arg)
{
	const struct rules_diag	*d = k->reload_errors;
	char	 key[2 * 32 + 1], *prev, *cause = NULL;

	(void)arg;
	if (d == NULL)
		return;
	announce_failure_key((const char *const *)d->msgs, d->n, key);
	prev = store_setting_get(k->store, ANNOUNCE_FAILED_SETTING);
	if (prev != NULL && strcmp(prev, key) == 0) {
		log_info("announce: these rule errors were announced already");
		free(prev);
		return;
	}
	free(prev);
	if (store_begin(k->store) == -1)
		return;
	if (store_setting_set(k->store, ANNOUNCE_FAILED_SETTING, key) == -1 ||
	    ann_fail_hook(k, d, &cause) == -1 ||
	    ann_fail_mail(k, d, &cause) == -1 ||
	    store_commit(k->store) == -1) {
		log_warnx("announce: reload failure: %s",
		    cause != NULL ? cause : "database error");
		free(cause);
		store_rollback(k->store);
		return;
	}
	outbox_wake(k->outbox);
}

static void
announce_reload_ok(struct koyomi *k, void *arg)
{
	char	*prev = store_setting_get(k->store, ANNOUNCE_FAILED_SETTING);

	(void)arg;
	/* Written only when set: a good reload usually writes nothing. */
	if (prev != NULL && *prev != '\0')
		store_setting_set(k->store, ANNOUNCE_FAILED_SETTING, "");
	free(prev);
}
