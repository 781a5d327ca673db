/*
 * feeds_build.c — which occurrences go into which feed, and how each
 * becomes a VEVENT (see feeds.h). Pure: the store's revisions, tasks and
 * "now" come in through struct feeds_input, so `koyomi feed` and the
 * daemon produce the same bytes from the same state.
 */
#include <stdlib.h>
#include <string.h>

#include "calendars/ics.h"
#include "daemon/feeds/feeds.h"

#define FEEDS_DEADLINE	"【締切】"
#define FEEDS_DONE	"【提出済】"
#define FEEDS_CANCELLED	"【中止】"

/* One VEVENT to be: the occurrence and what decorates it. */
struct fb_item {
	const struct occ	*o;
	const struct revision	*rev;
	const struct feeds_task	*task;	/* private deadlines only */
};

struct fb_list {
	struct fb_item		*v;
	size_t			 n;
	struct revisions_occ	*gone;	/* rebuilt cancelled occurrences */
	size_t			 ngone;
};

/* B2's selection, so `koyomi plan --feed` and the feed agree. */
int
feeds_selects(const struct rules *r, const struct rules_feed *f,
    const struct occ *o)
{
	return rules_feed_select(r, f, o);
}

/* id is the owner itself or, for a contact, its organisation (org). */
static int
fb_is_owner(const char *owner, const char *org, const char *id)
{
	if (id == NULL)
		return 0;
	return strcmp(owner, id) == 0 || (org != NULL && strcmp(org, id) == 0);
}

int
feeds_private_selects(const struct rules *r, const char *owner,
    const struct occ *o)
{
	const struct rules_contact	*c;
	const struct rules_group	*g;
	const char			*org;
	size_t				 i;

	if (o->adhoc)
		return 0;
	/* Looked up once per occurrence, not once per assignee. */
	c = rules_find_contact(r, owner);
	org = c != NULL ? c->org : NULL;
	for (i = 0; i < o->nassignees; i++)
		if (fb_is_owner(owner, org, o->assignees[i]))
			return 1;
	/* Someone else's deadline, unless of a case owner takes part in. */
	if (o->is_deadline && o->case_code == NULL)
		return 0;
	if (fb_is_owner(owner, org, o->member))
		return 1;
	/* Organisers, attendees, audience (answers too), a case's org. */
	for (i = 0; i < o->nparties; i++)
		if (fb_is_owner(owner, org, o->parties[i]))
			return 1;
	/* Snapshots written before parties existed have only this. */
	if (o->audience != NULL && (g = rules_find_group(r,
	    o->audience)) != NULL)
		for (i = 0; i < g->nmembers; i++)
			if (fb_is_owner(owner, org, g->members[i]))
				return 1;
	return 0;
}

const char *
feeds_owner_name(const struct rules *r, const char *owner)
{
	const struct rules_org		*org;
	const struct rules_contact	*c;

	if ((org = rules_find_org(r, owner)) != NULL)
		return org->name;
	if ((c = rules_find_contact(r, owner)) != NULL)
		return c->name != NULL ? c->name : c->id;
	return NULL;
}

static int
fb_item_cmp(const void *a, const void *b)
{
	const struct fb_item	*x = a, *y = b;

	return strcmp(x->o->uid, y->o->uid);
}

static void
fb_add(struct fb_list *l, const struct occ *o, const struct revision *rev)
{
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n].o = o;
	l->v[l->n].rev = rev;
	l->v[l->n].task = NULL;
	l->n++;
}

/*
 * The occurrences of a feed: the live ones the predicate picks, plus the
 * cancelled ones (rebuilt from snapshots) it would have picked, for
 * REVISIONS_KEEP_CANCELLED after their cancellation. Sorted by UID.
 */
static void
fb_collect(const struct feeds_input *in, struct fb_list *l,
    int (*pick)(const struct feeds_input *, const void *,
    const struct occ *), const void *arg)
{
	const struct revision	*rev;
	struct revisions_occ	 ro;
	size_t			 i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < in->occs->n; i++) {
		if (!pick(in, arg, &in->occs->v[i]))
			continue;
		rev = in->revs != NULL ? revisions_find(in->revs,
		    in->occs->v[i].uid) : NULL;
		fb_add(l, &in->occs->v[i], rev);
	}
	for (i = 0; in->revs != NULL && i < in->revs->n; i++) {
		rev = &in->revs->v[i];
		if (rev->cancelled_at == 0 ||
		    in->now - rev->cancelled_at > REVISIONS_KEEP_CANCELLED)
			continue;
		if (revisions_occ_load(&ro, rev->uid, rev->snapshot) == -1)
			continue;
		if (!pick(in, arg, &ro.occ)) {
			revisions_occ_free(&ro);
			continue;
		}
		l->gone = xreallocarray(l->gone, l->ngone + 1,
		    sizeof(*l->gone));
		l->gone[l->ngone++] = ro;
	}
	/* Pointers into gone[] only once it stops moving. */
	for (i = 0; i < l->ngone; i++)
		fb_add(l, &l->gone[i].occ, revisions_find(in->revs,
		    l->gone[i].occ.uid));
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), fb_item_cmp);
}

static void
fb_list_free(struct fb_list *l)
{
	size_t	i;

	for (i = 0; i < l->ngone; i++)
		revisions_occ_free(&l->gone[i]);
	free(l->gone);
	free(l->v);
}

static enum ics_status
fb_status(const struct occ *o)
{
	switch (o->status) {
	case OCC_TENTATIVE:
		return ICS_TENTATIVE;
	case OCC_CANCELLED:
		return ICS_CANCELLED;
	default:
		return ICS_CONFIRMED;
	}
}

/*
 * One VEVENT from an item. Strings made here go to strs (freed by the
 * caller after rendering); the others are borrowed from the occurrence.
 */
static void
fb_event(const struct feeds_input *in, const struct fb_item *it,
    struct ics_event *ev, struct buf *strs)
{
	const struct occ	*o = it->o;
	char			*s;

	memset(ev, 0, sizeof(*ev));
	ev->uid = o->uid;
	ev->sequence = it->rev != NULL ? it->rev->sequence : 0;
	ev->dtstamp = it->rev != NULL ? it->rev->dtstamp : in->epoch;
	ev->status = fb_status(o);
	ev->description = o->description;
	ev->location = o->location;
	ev->categories = rules_kind_ja(o->kind);
	ev->start = o->start;
	ev->end = o->end;
	ev->start_secs = o->start_secs;
	ev->end_secs = o->end_secs;
	ev->allday = o->is_deadline || o->start_secs < 0;
	/* A deadline is a marker, not time spent in a meeting. */
	ev->transparent = o->is_deadline;
	if (o->is_deadline)
		ev->end = o->start;
	if (it->task != NULL && (it->task->done || it->task->changes > 0)) {
		/*
		 * Clients keep old titles unless SEQUENCE moves, and ignore
		 * a lower one: add the count of state changes, which only
		 * grows (a reopen must go up, not back to the revision's).
		 */
		ev->sequence += it->task->changes > 0 ? it->task->changes : 1;
		if (it->task->updated > ev->dtstamp)
			ev->dtstamp = it->task->updated;
	}
	xasprintf(&s, "%s%s%s%s", ev->status == ICS_CANCELLED ?
	    FEEDS_CANCELLED : "", o->is_deadline ? FEEDS_DEADLINE : "",
	    it->task != NULL && it->task->done ? FEEDS_DONE : "", o->title);
	ev->summary = s;
	buf_append(strs, &s, sizeof(s));
	if (in->base_url != NULL) {
		if (it->task != NULL)
			xasprintf(&s, "%s/tasks/%lld", in->base_url,
			    (long long)it->task->id);
		else
			xasprintf(&s, "%s/occurrences/%s", in->base_url,
			    o->uid);
		ev->url = s;
		buf_append(strs, &s, sizeof(s));
	}
}

static int
fb_render(const struct feeds_input *in, const struct fb_list *l,
    const struct ics_calendar *cal, struct buf *out, char **cause)
{
	struct ics_event	*ev;
	struct buf		 strs;
	size_t			 i;
	int			 rc;

	buf_init(&strs);
	ev = xcalloc(l->n + 1, sizeof(*ev));
	for (i = 0; i < l->n; i++)
		fb_event(in, &l->v[i], &ev[i], &strs);
	rc = ics_render(cal, ev, l->n, out, cause);
	for (i = 0; i < strs.len / sizeof(char *); i++)
		free(((char **)(void *)strs.data)[i]);
	buf_free(&strs);
	free(ev);
	return rc;
}

static int
fb_pick_public(const struct feeds_input *in, const void *arg,
    const struct occ *o)
{
	return feeds_selects(in->rules, arg, o);
}

int
feeds_render_public(const struct feeds_input *in, const struct rules_feed *f,
    struct buf *out, char **cause)
{
	struct ics_calendar	 cal;
	struct fb_list		 l;
	int			 rc;

	fb_collect(in, &l, fb_pick_public, f);
	cal.name = f->title != NULL ? f->title : f->id;
	cal.tzid = "Asia/Tokyo";
	cal.refresh = f->refresh != NULL ? f->refresh : "PT6H";
	cal.alarm = f->alarm;
	rc = fb_render(in, &l, &cal, out, cause);
	fb_list_free(&l);
	return rc;
}

static int
fb_pick_private(const struct feeds_input *in, const void *arg,
    const struct occ *o)
{
	return feeds_private_selects(in->rules, arg, o);
}

static int
fb_task_cmp(const void *key, const void *elem)
{
	const struct feeds_task	*t = elem;

	return strcmp(key, t->uid);
}

int
feeds_render_private(const struct feeds_input *in, const char *owner,
    const struct feeds_task *tasks, size_t ntasks, struct buf *out,
    char **cause)
{
	struct ics_calendar	 cal;
	struct fb_list		 l;
	const char		*name;
	char			*title;
	size_t			 i;
	int			 rc;

	fb_collect(in, &l, fb_pick_private, owner);
	for (i = 0; tasks != NULL && i < l.n; i++)
		if (l.v[i].o->is_deadline)
			l.v[i].task = bsearch(l.v[i].o->uid, tasks, ntasks,
			    sizeof(*tasks), fb_task_cmp);
	name = feeds_owner_name(in->rules, owner);
	xasprintf(&title, "koyomi（%s）", name != NULL ? name : owner);
	cal.name = title;
	cal.tzid = "Asia/Tokyo";
	cal.refresh = "PT6H";
	cal.alarm = NULL;	/* reminders come by mail (anchors §4) */
	rc = fb_render(in, &l, &cal, out, cause);
	free(title);
	fb_list_free(&l);
	return rc;
}
