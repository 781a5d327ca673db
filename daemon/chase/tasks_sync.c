/*
 * tasks_sync.c — reconcile the tasks table with freshly expanded rules
 * (tasks_sync.h): new (occurrence, assignee) pairs become open tasks,
 * pairs that left the rules are cancelled (history kept), a moved due
 * date is updated, audited as due_changed and announced to the assignee
 * through the outbox. Completion state is never touched by a reload.
 *
 * The comparison runs on the event loop over every task (a quarter of a
 * million for 2,000 organisations), in steps (tasks_sync_compare), one per
 * loop turn (the caller, chase.c, schedules them), so HTTP is served in
 * between: first the wanted pairs go into a hash table, then pages of the
 * table in id order look each row up and note only what differs. Only
 * this file writes the columns compared, so pages read at different turns
 * add up to one reading. Only the differences are written, in steps
 * (tasks_sync_step), each its own transaction of a bounded number of
 * rows: a first start on an empty database creates every task while it
 * serves HTTP. A reload that changes nothing writes nothing. Each step
 * leaves the table a consistent subset of the target (a task is inserted
 * with its audit row); a crash between steps leaves the digest
 * unwritten, so the next sync compares again and writes only what is
 * still missing.
 *
 * Before all that, a digest of what the comparison would read from the
 * rules (every occurrence's UID, title, due day and time, assignees; the
 * window, zone and program version) is compared with the one stored by
 * the last successful sync, in the same transaction as its writes: equal
 * means the table already is what these rules want, as only this file
 * writes those columns, and the whole comparison is skipped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/chase/chase.h"
#include "daemon/chase/mailq.h"
#include "daemon/chase/chase_msg.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/outbox/outbox.h"
#include "daemon/store/store.h"
#include "daemon/store/store_scan.h"
#include "daemon/chase/tasks.h"
#include "daemon/chase/tasks_sync.h"
#include "notifier/template.h"

static const struct task_actor rules_actor = { "rules", VIA_RULES, NULL };

/* settings key of the digest of the rules the tasks were synced to. */
#define SYNC_DIGEST_KEY		"tasks_sync_digest"
/* Bump when what tasks_sync derives from an occurrence changes. */
#define SYNC_DIGEST_VERSION	1
#define SYNC_DIGEST_CHUNK	65536

/* What a row of the table needs. */
enum sync_kind { SYNC_NEW, SYNC_GONE, SYNC_BOTH };

struct sync_act {
	enum sync_kind	 kind;
	int64_t		 id;		/* GONE, BOTH */
	size_t		 w;		/* NEW, BOTH: index into the wanted */
	int		 restore;	/* BOTH: it was cancelled */
	int		 moved;		/* BOTH: the due time differs */
	int		 retitle;	/* BOTH: only the title differs */
	char		 old_day[11];	/* BOTH, moved: for the audit note */
};

struct sync_ctx {
	struct task_want	*w;
	size_t			 nw;
	uint32_t		*slot;		/* 1 + index into w; 0 empty */
	size_t			 mask;		/* slots - 1 (a power of 2) */
	unsigned char		*seen;		/* per w: 1 in the table, 2 dup */
	struct sync_act		*act;
	size_t			 nact, cap;
	char			 from[11], to[11];
};

static int
want_cmp(const void *a, const void *b)
{
	const struct task_want	*x = a, *y = b;
	int			 c = strcmp(x->occ->uid, y->occ->uid);

	return c != 0 ? c : strcmp(x->assignee, y->assignee);
}

/* FNV-1a over uid, a NUL, assignee. */
static uint64_t
pair_hash(const char *uid, const char *assignee)
{
	uint64_t		 h = 0xcbf29ce484222325ULL;
	const unsigned char	*p;

	for (p = (const unsigned char *)uid; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	h *= 0x100000001b3ULL;
	for (p = (const unsigned char *)assignee; *p != '\0'; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return h;
}

/*
 * The wanted index of (uid, assignee), or -1; with add >= 0, inserts
 * that index when the pair is absent. The table is at most half full,
 * so the probe ends at an empty slot within mask + 1 steps.
 */
static long
pair_find(struct sync_ctx *x, const char *uid, const char *assignee,
    long add)
{
	size_t			 i, n;
	const struct task_want	*w;

	i = (size_t)pair_hash(uid, assignee) & x->mask;
	for (n = 0; n <= x->mask; n++, i = (i + 1) & x->mask) {
		if (x->slot[i] == 0) {
			if (add >= 0)
				x->slot[i] = (uint32_t)add + 1;
			return -1;
		}
		w = &x->w[x->slot[i] - 1];
		if (strcmp(w->occ->uid, uid) == 0 &&
		    strcmp(w->assignee, assignee) == 0)
			return (long)x->slot[i] - 1;
	}
	return -1;
}

static struct sync_act *
act_add(struct sync_ctx *x, enum sync_kind kind)
{
	struct sync_act	*a;

	if (x->nact == x->cap) {
		x->cap = x->cap == 0 ? 64 : x->cap * 2;
		x->act = xreallocarray(x->act, x->cap, sizeof *x->act);
	}
	a = &x->act[x->nact++];
	memset(a, 0, sizeof *a);
	a->kind = kind;
	return a;
}

/* One row of the table against the rules; notes what must change. */
static int
sync_row(const struct sync_row *r, void *arg)
{
	struct sync_ctx		*x = arg;
	const struct task_want	*w;
	struct sync_act		*a;
	long			 i;

	if ((i = pair_find(x, r->uid, r->assignee, -1)) == -1) {
		/* Outside the expanded window the rules said nothing. */
		if (!r->cancelled && strcmp(r->due_day, x->from) >= 0 &&
		    strcmp(r->due_day, x->to) <= 0)
			act_add(x, SYNC_GONE)->id = r->id;
		return 0;
	}
	w = &x->w[i];
	x->seen[i] = 1;
	if (!r->cancelled && r->due == w->due &&
	    strcmp(r->title, w->occ->title) == 0)
		return 0;
	a = act_add(x, SYNC_BOTH);
	a->id = r->id;
	a->w = (size_t)i;
	a->restore = r->cancelled;
	a->moved = r->due != w->due;
	a->retitle = !a->moved && strcmp(r->title, w->occ->title) != 0;
	snprintf(a->old_day, sizeof a->old_day, "%s", r->due_day);
	return 0;
}

/*
 * A string with its length first ("%zu:%s"), so no two lists read the
 * same. Called once per task: written out by hand, not by buf_printf.
 */
static void
digest_str(struct buf *b, const char *s)
{
	char	 num[24];
	size_t	 len = s != NULL ? strlen(s) : 0, v = len, i = sizeof num;

	num[--i] = ':';
	do
		num[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0 && i > 0);
	buf_append(b, num + i, sizeof num - i);
	if (len > 0)
		buf_append(b, s, len);
}

/*
 * Hex SHA-256 of all the reconciliation reads from the rules (see the
 * top of the file) into out (65 bytes). Every occurrence counts, not only
 * deadlines: the digest may change for nothing, never stay for a change.
 */
static void
sync_digest(const struct occ_list *l, const struct cal_zone *zone,
    cal_day from, cal_day to, char *out)
{
	EVP_MD_CTX		*ctx;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen = 0;
	const struct occ	*o;
	struct buf		 b;
	size_t			 i, j;

	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		fatalx("tasks: EVP_sha256 unavailable");
	buf_init(&b);
	buf_printf(&b, "koyomi %s tasks_sync %d\n%d %d ", KOYOMI_VERSION,
	    SYNC_DIGEST_VERSION, (int)from, (int)to);
	digest_str(&b, cal_zone_name(zone));
	for (i = 0; i < l->n; i++) {
		o = &l->v[i];
		buf_printf(&b, "\n%d %d %d %d %d %zu ", o->is_deadline,
		    o->adhoc, (int)o->status, (int)o->end, o->due_secs,
		    o->nassignees);
		digest_str(&b, o->uid);
		digest_str(&b, o->title);
		for (j = 0; j < o->nassignees; j++)
			digest_str(&b, o->assignees[j]);
		if (b.len >= SYNC_DIGEST_CHUNK) {
			EVP_DigestUpdate(ctx, b.data, b.len);
			buf_reset(&b);
		}
	}
	if (b.len > 0)
		EVP_DigestUpdate(ctx, b.data, b.len);
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		fatalx("tasks: SHA-256 failed");
	EVP_MD_CTX_free(ctx);
	buf_free(&b);
	hex_encode(md, mdlen, out);
}

/* Mail the assignee that the deadline moved (open tasks only). */
static int
announce(struct koyomi *k, int64_t id, const struct task_want *w,
    time_t now, char **cause)
{
	struct chase_rcpt	 rc[CHASE_MAX_RCPTS];
	struct tmpl_vars	 tv;
	struct task		 t;
	cal_day			 d;
	int			 secs, ret;
	size_t			 n;

	/* Read inside the transaction, before the due time is updated. */
	if ((ret = store_task_get(k->store, id, &t)) != 0)
		return ret == 1 ? 0 : -1;
	n = chase_assignee_rcpts(k->rules, t.assignee, rc, CHASE_MAX_RCPTS);
	/* History moved within the past concerns no one. */
	if (n == 0 || strcmp(t.state, "open") != 0 ||
	    (t.past && w->due < now)) {
		task_free(&t);
		return 0;
	}
	template_vars_init(&tv);
	chase_vars(&tv, k->rules, &t, k->zone, NULL, now);
	template_set(&tv, "title", w->occ->title);
	cal_utc_to_local(k->zone, t.due, &d, &secs);
	template_set_day(&tv, "old_date", d);
	cal_utc_to_local(k->zone, w->due, &d, &secs);
	template_set_day(&tv, "new_date", d);
	ret = mailq_send(k, TMPL_CHANGED, &tv, rc, n, cause);
	template_vars_free(&tv);
	task_free(&t);
	return ret;
}

/* A pair both in the rules and in the table, and not the same. */
static int
sync_both(struct koyomi *k, const struct sync_act *a,
    const struct task_want *w, time_t now, struct tasks_sync_stats *st,
    char **cause)
{
	struct task_actor	 ac = rules_actor;
	struct store		*s = k->store;
	char			 note[64];

	if (a->restore) {
		if (store_task_set_cancelled(s, a->id, 0, now) == -1 ||
		    store_task_event(s, a->id, now, "restored", &ac) == -1)
			return -1;
		st->restored++;
	}
	if (a->moved) {
		snprintf(note, sizeof note, "%s → %s", a->old_day, w->due_day);
		ac.note = note;
		if (announce(k, a->id, w, now, cause) == -1 ||
		    store_task_update_due(s, a->id, w->due, w->due_day,
		    w->occ->title, now) == -1 ||
		    store_task_event(s, a->id, now, "due_changed", &ac) == -1)
			return -1;
		/* Moved into the future, a past deadline is one to chase. */
		if (w->due > now && store_task_set_past(s, a->id, 0, now) == -1)
			return -1;
		st->changed++;
	} else if (a->retitle) {
		if (store_task_update_due(s, a->id, w->due, w->due_day,
		    w->occ->title, now) == -1)
			return -1;
	}
	return 0;
}

/*
 * A new pair. One already due is history, past, and its audit row says
 * so, unless the configuration asks to chase such deadlines too.
 */
static int
sync_new(struct koyomi *k, const struct task_want *w, time_t now,
    struct tasks_sync_stats *st)
{
	struct task_actor	 ac = rules_actor;
	int64_t			 id;
	int			 past = w->due < now && !k->conf->chase_past;

	if (past)
		ac.note = "登録時点で期限経過（対象外・過去分）";
	if (store_task_insert(k->store, w, now, past, &id) == -1 ||
	    store_task_event(k->store, id, now, "created", &ac) == -1)
		return -1;
	st->created++;
	return 0;
}

static int
sync_gone(struct koyomi *k, int64_t id, time_t now,
    struct tasks_sync_stats *st)
{
	if (store_task_set_cancelled(k->store, id, 1, now) == -1 ||
	    store_task_event(k->store, id, now, "cancelled",
	    &rules_actor) == -1)
		return -1;
	st->cancelled++;
	return 0;
}

/* Writes the noted differences; inside the transaction. */
static int
sync_apply(struct koyomi *k, struct sync_ctx *x, time_t now,
    struct tasks_sync_stats *st, char **cause)
{
	const struct sync_act	*a;
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < x->nact && rc == 0; i++) {
		a = &x->act[i];
		if (a->kind == SYNC_NEW)
			rc = sync_new(k, &x->w[a->w], now, st);
		else if (a->kind == SYNC_GONE)
			rc = sync_gone(k, a->id, now, st);
		else
			rc = sync_both(k, a, &x->w[a->w], now, st, cause);
	}
	return rc;
}

/*
 * The wanted pairs into the hash table; a pair listed twice (an assignee
 * named twice on one occurrence) is one task: later copies are marked 2.
 */
static void
sync_index(struct sync_ctx *x)
{
	size_t	 slots = 64, i;

	while (slots < 2 * x->nw + 2)
		slots *= 2;
	x->slot = xcalloc(slots, sizeof *x->slot);
	x->mask = slots - 1;
	x->seen = xcalloc(x->nw + 1, 1);
	for (i = 0; i < x->nw; i++)
		if (pair_find(x, x->w[i].occ->uid, x->w[i].assignee,
		    (long)i) != -1)
			x->seen[i] = 2;
}

/*
 * New pairs are inserted in (uid, assignee) order, as the merge walk of
 * before did, so task ids do not depend on the order of the rules.
 */
static void
sync_add_new(struct sync_ctx *x)
{
	struct task_want	*nw;
	size_t			 i, n = 0;

	nw = xreallocarray(NULL, x->nw + 1, sizeof *nw);
	for (i = 0; i < x->nw; i++)
		if (x->seen[i] == 0)
			nw[n++] = x->w[i];
	if (n > 1)
		xqsort(nw, n, sizeof *nw, want_cmp);
	/* The noted rows point into w by index: put the new ones after. */
	x->w = xreallocarray(x->w, x->nw + n + 1, sizeof *x->w);
	for (i = 0; i < n; i++) {
		x->w[x->nw + i] = nw[i];
		act_add(x, SYNC_NEW)->w = x->nw + i;
	}
	free(nw);
}

/*
 * How many noted rows from first a step of max writes (0: all). A moved
 * task also queues its mail to the assignee (a template, a message, an
 * outbox row: some 60 µs, against a few for a row), so it counts as
 * SYNC_MOVED_COST rows: a step stays a few milliseconds whatever it
 * writes (2,000 moved tasks in one step held the loop 130 ms).
 */
#define SYNC_MOVED_COST	16
static size_t
sync_take(const struct sync_ctx *x, size_t first, size_t max)
{
	size_t	 n, cost = 0;

	if (max == 0)
		return x->nact - first;
	for (n = 0; first + n < x->nact && cost < max; n++)
		cost += x->act[first + n].kind == SYNC_BOTH &&
		    x->act[first + n].moved ? SYNC_MOVED_COST : 1;
	return n;
}

/* What tasks_sync_begin prepared and the steps still have to do. */
struct tasks_sync {
	struct koyomi		*k;
	unsigned long		 gen;		/* k->generation it is for */
	const struct occ_list	*occs;
	struct sync_ctx		 x;
	int			 indexed;	/* the wanted pairs are hashed */
	int			 compared;	/* every row was read */
	int64_t			 read_after;	/* the last task id read */
	size_t			 next;		/* first act not written */
	time_t			 now;
	char			 digest[65];
	struct tasks_sync_stats	 st;		/* of the committed steps */
};

void
tasks_sync_free(struct tasks_sync *ts)
{
	if (ts == NULL)
		return;
	free(ts->x.w);
	free(ts->x.slot);
	free(ts->x.seen);
	free(ts->x.act);
	free(ts);
}

struct tasks_sync *
tasks_sync_begin(struct koyomi *k, const struct occ_list *occs,
    cal_day from, cal_day to, time_t now, int *err)
{
	struct tasks_sync	*ts;
	char			*old;

	*err = 0;
	ts = xcalloc(1, sizeof *ts);
	ts->k = k;
	ts->gen = k->generation;
	ts->now = now;
	sync_digest(occs, k->zone, from, to, ts->digest);
	old = store_setting_get(k->store, SYNC_DIGEST_KEY);
	if (old != NULL && strcmp(old, ts->digest) == 0) {
		free(old);
		tasks_sync_free(ts);
		return NULL;
	}
	free(old);
	ts->occs = occs;
	cal_format_iso(ts->x.from, from);
	cal_format_iso(ts->x.to, to);
	return ts;
}

int
tasks_sync_compare(struct tasks_sync *ts, size_t rows)
{
	struct koyomi	*k = ts->k;
	size_t		 n;

	if (ts->compared)
		return 0;
	if (k->generation != ts->gen) {
		log_warnx("tasks: the rules changed during a sync");
		return -1;
	}
	if (!ts->indexed) {
		ts->x.nw = tasks_wanted(ts->occs, k->zone, &ts->x.w);
		if (ts->x.nw >= UINT32_MAX / 2) {
			log_warnx("tasks: %zu tasks are too many", ts->x.nw);
			return -1;
		}
		sync_index(&ts->x);
		ts->indexed = 1;
		/* The pairs count against the step: a small sync is one. */
		if (rows > 0 && ts->x.nw >= rows)
			return 1;
		if (rows > 0)
			rows -= ts->x.nw;
	}
	if (rows == 0) {
		if (store_sync_each(k->store, sync_row, &ts->x) == -1)
			return -1;
	} else {
		if (store_sync_page(k->store, &ts->read_after, rows, sync_row,
		    &ts->x, &n) == -1)
			return -1;
		if (n == rows)
			return 1;
	}
	sync_add_new(&ts->x);
	ts->compared = 1;
	return 0;
}

int
tasks_sync_step(struct tasks_sync *ts, size_t max)
{
	struct koyomi		*k = ts->k;
	struct sync_ctx		 part;
	struct tasks_sync_stats	 st;
	char			*cause = NULL;
	size_t			 n;
	int			 last;

	if (k->generation != ts->gen) {
		log_warnx("tasks: the rules changed during a sync");
		return -1;
	}
	/* A comparison not done in steps is done here, in one go. */
	if (!ts->compared && tasks_sync_compare(ts, 0) == -1)
		return -1;
	n = sync_take(&ts->x, ts->next, max);
	last = ts->next + n == ts->x.nact;
	/* The same context, seen through a window of its noted rows. */
	part = ts->x;
	part.act = ts->x.act + ts->next;
	part.nact = n;
	memset(&st, 0, sizeof st);
	if (store_begin(k->store) == -1)
		return -1;
	if (sync_apply(k, &part, ts->now, &st, &cause) == -1 ||
	    (last && store_setting_set(k->store, SYNC_DIGEST_KEY,
	    ts->digest) == -1) ||
	    store_commit(k->store) == -1) {
		store_rollback(k->store);
		if (cause != NULL)
			log_warnx("tasks: %s", cause);
		free(cause);
		return -1;
	}
	ts->next += n;
	ts->st.created += st.created;
	ts->st.cancelled += st.cancelled;
	ts->st.restored += st.restored;
	ts->st.changed += st.changed;
	if (k->outbox != NULL && st.changed > 0)
		outbox_wake(k->outbox);
	return last ? 0 : 1;
}

const struct tasks_sync_stats *
tasks_sync_stats(const struct tasks_sync *ts)
{
	return &ts->st;
}
