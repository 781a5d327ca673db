/*
 * feeds.c — the daemon's feeds: revisions reconciled at each rules swap,
 * every public feed built once per change, private feeds built for the
 * owners asked about (on first request, then at every change), all held
 * in the cache that HTTP and `koyomi feed` read (see feeds.h).
 *
 * Building happens on the loop, never per request: a request only looks
 * an entry up and hands its bytes to MHD without a copy.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ev.h>

#include "calendars/log.h"
#include "daemon/core/conf.h"
#include "daemon/feeds/feeds.h"
#include "daemon/feeds/feedtoken.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/metrics.h"
#include "daemon/store/revisions.h"
#include "daemon/store/store_tasks.h"

/* DTSTAMP of an occurrence without a revision row (never after a swap). */
#define FEEDS_EPOCH	946684800	/* 2000-01-01T00:00:00Z */

struct feeds {
	struct koyomi		*k;
	struct feeds_cache	*cache;
	struct revisions	 revs;		/* as of the last reconcile */
	unsigned long		 builds;
	unsigned long		 errors;
	int			 started;	/* hooks and routes in place */
};

struct feeds *
feeds_new(struct koyomi *k)
{
	struct feeds	*f = xcalloc(1, sizeof(*f));

	f->k = k;
	f->cache = feeds_cache_new();
	return f;
}

void
feeds_free(struct feeds *f)
{
	if (f == NULL)
		return;
	feeds_cache_free(f->cache);
	revisions_free(&f->revs);
	free(f);
}

/* The loop's idea of now in the daemon; the clock in a CLI command. */
static time_t
feeds_now(struct koyomi *k)
{
	return k->loop != NULL ? (time_t)ev_now(k->loop) : time(NULL);
}

void
feeds_window(cal_day today, cal_day *from, cal_day *to)
{
	koyomi_window(today, from, to);
}

static void
feeds_input(struct koyomi *k, struct feeds_input *in)
{
	memset(in, 0, sizeof(*in));
	in->rules = k->rules;
	in->occs = &k->occs;
	in->revs = &k->feeds->revs;
	in->base_url = k->conf != NULL ? k->conf->base_url : NULL;
	in->now = feeds_now(k);
	in->epoch = FEEDS_EPOCH;
}

static int
feeds_task_cmp(const void *a, const void *b)
{
	const struct feeds_task	*x = a, *y = b;

	return strcmp(x->uid, y->uid);
}

static int
feeds_stamp_cmp(const void *key, const void *elem)
{
	int64_t	id = *(const int64_t *)key;
	int64_t	x = ((const struct task_stamp *)elem)->id;

	return id < x ? -1 : id > x;
}

static int
feeds_stamp_sort(const void *a, const void *b)
{
	return feeds_stamp_cmp(&((const struct task_stamp *)a)->id, b);
}

/* Appends assignee's tasks and their state-change stamps. */
static int
feeds_assignee_tasks(struct koyomi *k, const char *assignee,
    struct task **tv, size_t *tn, struct task_stamp **sv, size_t *sn)
{
	struct task_filter	 flt;
	struct task		*t = NULL;
	struct task_stamp	*s = NULL;
	size_t			 nt = 0, ns = 0;

	memset(&flt, 0, sizeof(flt));
	flt.assignee = assignee;
	flt.cancelled = 1;
	flt.now = feeds_now(k);
	if (store_tasks_list(k->store, &flt, &t, &nt) == -1)
		return -1;
	if (store_task_stamps(k->store, assignee, &s, &ns) == -1) {
		tasks_free(t, nt);
		return -1;
	}
	/* memcpy from NULL is undefined even for 0 bytes. */
	*tv = xreallocarray(*tv, *tn + nt + 1, sizeof(**tv));
	if (nt > 0)
		memcpy(*tv + *tn, t, nt * sizeof(*t));
	*tn += nt;
	*sv = xreallocarray(*sv, *sn + ns + 1, sizeof(**sv));
	if (ns > 0)
		memcpy(*sv + *sn, s, ns * sizeof(*s));
	*sn += ns;
	free(t);
	free(s);
	return 0;
}

/* owner's tasks (and, for a contact, its organisation's), by UID. */
static int
feeds_owner_tasks(struct koyomi *k, const char *owner, struct task **tv,
    size_t *tn, struct feeds_task **ft)
{
	const struct rules_contact	*c = rules_find_contact(k->rules, owner);
	const struct task_stamp		*st;
	struct task_stamp		*sv = NULL;
	size_t				 sn = 0, i;
	int				 rc;

	rc = feeds_assignee_tasks(k, owner, tv, tn, &sv, &sn);
	if (rc == 0 && c != NULL && c->org != NULL)
		rc = feeds_assignee_tasks(k, c->org, tv, tn, &sv, &sn);
	if (rc == -1) {
		free(sv);
		return -1;
	}
	/* Two assignees' stamps, each sorted: sort them as one. */
	if (sn > 1)
		xqsort(sv, sn, sizeof(*sv), feeds_stamp_sort);
	*ft = xcalloc(*tn + 1, sizeof(**ft));
	for (i = 0; i < *tn; i++) {
		(*ft)[i].uid = (*tv)[i].uid;
		(*ft)[i].id = (*tv)[i].id;
		(*ft)[i].done = strcmp((*tv)[i].state, "open") != 0;
		(*ft)[i].updated = (*tv)[i].updated;
		st = sn > 0 ? bsearch(&(*tv)[i].id, sv, sn, sizeof(*sv),
		    feeds_stamp_cmp) : NULL;
		if (st != NULL) {
			(*ft)[i].changes = st->changes;
			(*ft)[i].updated = st->at;
		}
	}
	free(sv);
	xqsort(*ft, *tn, sizeof(**ft), feeds_task_cmp);
	return 0;
}

/*
 * Puts a feed's bytes in the cache (as feeds_cache_put). The first build
 * after a start asks feed_stamps what the feed was, so equal bytes keep
 * their Last-Modified; every new entry is written back. A failed write
 * costs only a 200 instead of a 304 after the next restart.
 */
static int
feeds_put(struct koyomi *k, int private, const char *key, struct buf *b,
    time_t now)
{
	struct feeds_cache	*c = k->feeds->cache;
	struct feed_stamp	 known, *kp = NULL, cur;
	struct feed_entry	*e;
	int			 rc;

	if (feeds_cache_get(c, private, key) == NULL &&
	    store_feed_stamp_get(k->store, private, key, &known) == 0)
		kp = &known;
	rc = feeds_cache_put_known(c, private, key, b, now, kp);
	if (rc == 1 && (e = feeds_cache_get(c, private, key)) != NULL &&
	    (kp == NULL || kp->mtime != e->mtime ||
	    strcmp(kp->etag, e->etag) != 0)) {
		memset(&cur, 0, sizeof(cur));
		memcpy(cur.etag, e->etag, sizeof(cur.etag));
		cur.mtime = e->mtime;
		(void)store_feed_stamp_set(k->store, private, key, &cur);
	}
	return rc;
}

/* Builds one private feed into the cache. 0 or -1 (logged). */
static int
feeds_build_private(struct koyomi *k, const char *owner)
{
	struct feeds		*f = k->feeds;
	struct feeds_input	 in;
	struct feeds_task	*ft = NULL;
	struct task		*tv = NULL;
	struct buf		 b;
	size_t			 tn = 0;
	char			*cause = NULL;
	int			 rc = -1;

	buf_init(&b);
	if (k->rules == NULL || feeds_owner_tasks(k, owner, &tv, &tn,
	    &ft) == -1)
		goto out;
	feeds_input(k, &in);
	if (feeds_render_private(&in, owner, ft, tn, &b, &cause) == -1) {
		log_warnx("feeds: private feed of %s: %s", owner, cause);
		goto out;
	}
	feeds_put(k, 1, owner, &b, in.now);
	f->builds++;
	rc = 0;
out:
	if (rc == -1)
		f->errors++;
	free(cause);
	free(ft);
	tasks_free(tv, tn);
	buf_free(&b);
	return rc;
}

/* Every public feed of the rules; feeds no longer declared are dropped. */
static int
feeds_build_public(struct koyomi *k)
{
	struct feeds		*f = k->feeds;
	struct feeds_input	 in;
	const struct rules_feed	*rf;
	const char		**keep;
	struct buf		 b;
	char			*cause = NULL;
	size_t			 i;
	int			 rc = 0;

	feeds_input(k, &in);
	keep = xcalloc(k->rules->nfeeds + 1, sizeof(*keep));
	for (i = 0; i < k->rules->nfeeds; i++) {
		rf = &k->rules->feeds[i];
		keep[i] = rf->id;
		buf_init(&b);
		if (feeds_render_public(&in, rf, &b, &cause) == -1) {
			/* Keep serving the last good bytes of this feed. */
			log_warnx("feeds: %s: %s", rf->id, cause);
			free(cause);
			cause = NULL;
			buf_free(&b);
			f->errors++;
			rc = -1;
			continue;
		}
		if (feeds_put(k, 0, rf->id, &b, in.now) == 1)
			log_debug("feeds: %s rebuilt", rf->id);
		f->builds++;
	}
	feeds_cache_prune(f->cache, 0, keep, k->rules->nfeeds);
	free(keep);
	return rc;
}

void
feeds_private_all_dirty(struct koyomi *k)
{
	char	**owners = NULL;
	size_t	  n = 0, i;

	if (k->feeds == NULL || k->rules == NULL)
		return;
	/* Owners whose token was revoked drop out here. */
	if (store_feedtoken_owners(k->store, &owners, &n) == -1)
		return;
	feeds_cache_prune(k->feeds->cache, 1, (const char *const *)owners, n);
	for (i = 0; i < n; i++) {
		if (feeds_cache_get(k->feeds->cache, 1, owners[i]) != NULL)
			feeds_build_private(k, owners[i]);
		free(owners[i]);
	}
	free(owners);
}

int
feeds_rebuild(struct koyomi *k)
{
	struct feeds		*f = k->feeds;
	struct revisions	 rs;

	if (f == NULL || k->rules == NULL)
		return 0;
	/* Announce reconciled this swap already, unless it failed. */
	if (k->revs_gen != k->generation + 1) {
		if (store_revisions_reconcile(k->store, &k->occs, k->occ_from,
		    k->occ_to, feeds_now(k)) == -1) {
			f->errors++;
			return -1;
		}
		k->revs_gen = k->generation + 1;
	}
	if (store_revisions_load(k->store, &rs) == -1) {
		f->errors++;
		return -1;
	}
	revisions_free(&f->revs);
	f->revs = rs;
	feeds_build_public(k);
	feeds_private_all_dirty(k);
	return 0;
}

void
feeds_private_dirty(struct koyomi *k, const char *owner)
{
	const struct rules_contact	*c;
	size_t				 i;

	if (k->feeds == NULL || k->rules == NULL)
		return;
	if (feeds_cache_get(k->feeds->cache, 1, owner) != NULL)
		feeds_build_private(k, owner);
	/* An organisation's task also shows in its contacts' feeds. */
	for (i = 0; i < k->rules->ncontacts &&
	    (c = rules_org_contact(k->rules, owner, i)) != NULL; i++)
		if (feeds_cache_get(k->feeds->cache, 1, c->id) != NULL)
			feeds_build_private(k, c->id);
}

struct feed_entry *
feeds_public(struct koyomi *k, const char *name)
{
	if (k->feeds == NULL)
		return NULL;
	return feeds_cache_get(k->feeds->cache, 0, name);
}

struct feed_entry *
feeds_private(struct koyomi *k, const char *token)
{
	struct feed_entry	*e = NULL;
	char			 hash[FEEDTOKEN_HASH + 1], *owner = NULL;

	if (k->feeds == NULL || !feedtoken_syntax(token))
		return NULL;
	feedtoken_hash(token, hash);
	if (store_feedtoken_owner(k->store, hash, &owner) != 0)
		return NULL;
	if ((e = feeds_cache_get(k->feeds->cache, 1, owner)) == NULL &&
	    feeds_build_private(k, owner) == 0)
		e = feeds_cache_get(k->feeds->cache, 1, owner);
	free(owner);
	return e;
}

void
feeds_counters(struct koyomi *k, unsigned long *builds,
    unsigned long *errors)
{
	*builds = k->feeds != NULL ? k->feeds->builds : 0;
	*errors = k->feeds != NULL ? k->feeds->errors : 0;
}

static void
feeds_swapped(struct koyomi *k, void *arg)
{
	(void)arg;
	if (feeds_rebuild(k) == -1)
		log_warnx("feeds: build failed; feeds keep their last bytes "
		    "until the next reload");
}

/* Tasks or tokens changed from the command line. */
static void
feeds_store_changed(struct koyomi *k, void *arg)
{
	(void)arg;
	feeds_private_all_dirty(k);
}

static void
feeds_metrics(struct koyomi *k, struct buf *b, void *arg)
{
	unsigned long	builds, errors;

	(void)arg;
	feeds_counters(k, &builds, &errors);
	buf_printf(b, "# HELP koyomi_feed_builds_total Feed renders (public "
	    "and private).\n# TYPE koyomi_feed_builds_total counter\n"
	    "koyomi_feed_builds_total %lu\n", builds);
	buf_printf(b, "# HELP koyomi_feed_build_errors_total Failed feed "
	    "builds or revision reconciles.\n"
	    "# TYPE koyomi_feed_build_errors_total counter\n"
	    "koyomi_feed_build_errors_total %lu\n", errors);
}

int
feeds_start(struct koyomi *k, char **cause)
{
	(void)cause;
	k->feeds = feeds_new(k);
	koyomi_hook_add(k, KY_RULES_SWAPPED, feeds_swapped, NULL);
	koyomi_hook_add(k, KY_STORE_CHANGED, feeds_store_changed, NULL);
	metrics_register(k, feeds_metrics, NULL);
	/* The server runs KY_RULES_SWAPPED once every module has started. */
	return 0;
}

void
feeds_stop(struct koyomi *k)
{
	/* Responses still in flight hold their own entry references. */
	feeds_free(k->feeds);
	k->feeds = NULL;
}
