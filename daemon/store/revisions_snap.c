/*
 * revisions_snap.c — the revisions list (lookup by UID), the JSON snapshot
 * of an occurrence kept in event_revisions.snapshot, and the occurrence
 * rebuilt from it, so that a
 * removed occurrence can stay in feeds as STATUS:CANCELLED (and still be
 * picked by the same feed selection) after the rules dropped it.
 *
 * The snapshot is one flat object so the strict reader of API bodies
 * (json_in.c) can read it back; lists (assignees) are joined with commas,
 * which ids never contain. Days are day numbers, not ISO text, so this
 * file needs nothing from the business calendar.
 */
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/codec/json_in.h"
#include "daemon/store/revisions.h"

/* The strings the rebuilt occurrence points to. */
struct snap_priv {
	struct json_in	  j;
	char		 *assignee_buf;
	char		 *party_buf;
};

static void
snap_str(struct buf *b, const char *key, const char *val, int *first)
{
	if (val == NULL)
		return;
	buf_printf(b, "%s\"%s\":", *first ? "" : ",", key);
	buf_json_string(b, val);
	*first = 0;
}

static void
snap_int(struct buf *b, const char *key, long long val, int *first)
{
	buf_printf(b, "%s\"%s\":%lld", *first ? "" : ",", key, val);
	*first = 0;
}

/* A list of ids joined with commas (ids never contain one). */
static void
snap_list(struct buf *b, const char *key, const char *const *v, size_t n,
    int *first)
{
	struct buf	 as;
	size_t		 i;

	if (n == 0)
		return;
	buf_init(&as);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(&as, ',');
		buf_puts(&as, v[i]);
	}
	snap_str(b, key, as.data, first);
	buf_free(&as);
}

void
revisions_snapshot(const struct occ *o, struct buf *b)
{
	int		 first = 1;

	buf_putc(b, '{');
	snap_str(b, "cycle", o->cycle_id, &first);
	snap_str(b, "item", o->item_id, &first);
	snap_int(b, "fy", o->fy, &first);
	snap_str(b, "member", o->member, &first);
	snap_str(b, "case", o->case_code, &first);
	snap_str(b, "kind", rules_kind_name(o->kind), &first);
	snap_str(b, "title", o->title, &first);
	snap_str(b, "description", o->description, &first);
	snap_str(b, "location", o->location, &first);
	snap_str(b, "audience", o->audience, &first);
	snap_int(b, "start", o->start, &first);
	snap_int(b, "end", o->end, &first);
	snap_int(b, "start_secs", o->start_secs, &first);
	snap_int(b, "end_secs", o->end_secs, &first);
	snap_int(b, "deadline", o->is_deadline, &first);
	snap_int(b, "due_secs", o->due_secs, &first);
	snap_list(b, "assignees", (const char *const *)o->assignees,
	    o->nassignees, &first);
	snap_list(b, "parties", o->parties, o->nparties, &first);
	buf_putc(b, '}');
}

/* A string member, or NULL. */
static char *
snap_get(struct json_in *j, const char *key)
{
	const struct json_in_member	*m = json_in_get(j, key);

	if (m == NULL || m->type != JSON_IN_STRING)
		return NULL;
	return m->str;
}

/* A number member, or def. */
static long
snap_num(struct json_in *j, const char *key, long def)
{
	const struct json_in_member	*m = json_in_get(j, key);

	if (m == NULL || m->type != JSON_IN_NUMBER)
		return def;
	return strtol(m->str, NULL, 10);
}

static enum rules_kind
snap_kind(const char *name)
{
	int	k;

	for (k = RK_MEETING; name != NULL && k <= RK_GOAL; k++)
		if (strcmp(rules_kind_name(k), name) == 0)
			return k;
	return RK_MEETING;
}

/* Splits a comma-joined list into *buf (owned) and *v (pointing in). */
static void
snap_split(const char *list, char **buf, char ***v, size_t *n)
{
	char	*p, *q;

	if (list == NULL || *list == '\0')
		return;
	*buf = xstrdup(list);
	for (p = *buf; p != NULL; p = q) {
		if ((q = strchr(p, ',')) != NULL)
			*q++ = '\0';
		*v = xreallocarray(*v, *n + 1, sizeof(**v));
		(*v)[(*n)++] = p;
	}
}

int
revisions_occ_load(struct revisions_occ *ro, const char *uid,
    const char *json)
{
	struct snap_priv	*sp;
	struct occ		*o = &ro->occ;
	char			*cause = NULL;

	memset(ro, 0, sizeof(*ro));
	sp = xcalloc(1, sizeof(*sp));
	ro->priv = sp;
	if (json == NULL || json_in_parse(json, strlen(json), &sp->j,
	    &cause) == -1) {
		free(cause);
		revisions_occ_free(ro);
		return -1;
	}
	o->uid = xstrdup(uid);
	o->cycle_id = snap_get(&sp->j, "cycle");
	o->item_id = snap_get(&sp->j, "item");
	o->fy = (int)snap_num(&sp->j, "fy", 0);
	o->member = snap_get(&sp->j, "member");
	o->case_code = snap_get(&sp->j, "case");
	o->kind = snap_kind(snap_get(&sp->j, "kind"));
	o->title = snap_get(&sp->j, "title");
	o->description = snap_get(&sp->j, "description");
	o->location = snap_get(&sp->j, "location");
	o->audience = snap_get(&sp->j, "audience");
	o->start = (cal_day)snap_num(&sp->j, "start", 0);
	o->end = (cal_day)snap_num(&sp->j, "end", o->start);
	o->start_secs = (int)snap_num(&sp->j, "start_secs", -1);
	o->end_secs = (int)snap_num(&sp->j, "end_secs", -1);
	o->is_deadline = snap_num(&sp->j, "deadline", 0) != 0;
	o->due_secs = (int)snap_num(&sp->j, "due_secs", -1);
	o->status = OCC_CANCELLED;
	if (o->cycle_id == NULL || o->title == NULL) {
		revisions_occ_free(ro);
		return -1;
	}
	snap_split(snap_get(&sp->j, "assignees"), &sp->assignee_buf,
	    &o->assignees, &o->nassignees);
	snap_split(snap_get(&sp->j, "parties"), &sp->party_buf,
	    (char ***)&o->parties, &o->nparties);
	return 0;
}

void
revisions_occ_free(struct revisions_occ *ro)
{
	struct snap_priv	*sp = ro->priv;

	if (sp != NULL) {
		json_in_free(&sp->j);
		free(sp->assignee_buf);
		free(sp->party_buf);
		free(sp);
	}
	free(ro->occ.uid);
	free(ro->occ.assignees);
	free(ro->occ.parties);
	memset(ro, 0, sizeof(*ro));
}

static int
rev_cmp(const void *key, const void *elem)
{
	const struct revision	*r = elem;

	return strcmp(key, r->uid);
}

const struct revision *
revisions_find(const struct revisions *rs, const char *uid)
{
	if (rs == NULL || rs->n == 0)
		return NULL;
	return bsearch(uid, rs->v, rs->n, sizeof(*rs->v), rev_cmp);
}

void
revisions_free(struct revisions *rs)
{
	size_t	i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].uid);
		free(rs->v[i].hash);
		free(rs->v[i].snapshot);
	}
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}
