/*
 * free.c — lookups and the destructor of a rule set. Lookups go through
 * sorted tables built once after parsing, so validating a large
 * directory stays O(n log n).
 */
#include <stdlib.h>
#include <string.h>

#include "rules/parse.h"

static int
rules_idx_cmp(const void *a, const void *b)
{
	const struct rules_idx	*x = a, *y = b;
	int			 c;

	c = strcmp(x->cyc ? x->cyc : "", y->cyc ? y->cyc : "");
	if (c == 0)
		c = strcmp(x->id ? x->id : "", y->id ? y->id : "");
	if (c == 0)	/* first definition wins among duplicates */
		c = x->ix < y->ix ? -1 : x->ix > y->ix;
	return c;
}

static void
rules_index_one(struct rules_priv *pv, int rx, size_t n, const void *base,
    size_t size, size_t idoff)
{
	struct rules_idx	*v;
	size_t			 i;

	free(pv->idx[rx]);
	v = xcalloc(n + 1, sizeof *v);
	for (i = 0; i < n; i++) {
		v[i].id = *(char *const *)((const char *)base + i * size +
		    idoff);
		v[i].ix = i;
	}
	xqsort(v, n, sizeof *v, rules_idx_cmp);
	pv->idx[rx] = v;
	pv->nidx[rx] = n;
}

void
rules_index(struct rules *r)
{
	struct rules_priv	*pv = r->priv;
	size_t			 i;

#define IX(rx, arr, n, type) rules_index_one(pv, rx, n, arr, sizeof(type), \
	offsetof(type, id))
	IX(RX_ORG, r->orgs, r->norgs, struct rules_org);
	IX(RX_CONTACT, r->contacts, r->ncontacts, struct rules_contact);
	IX(RX_GROUP, r->groups, r->ngroups, struct rules_group);
	IX(RX_POLICY, r->policies, r->npolicies, struct rules_policy);
	IX(RX_CYCLE, r->cycles, r->ncycles, struct rules_cycle);
	IX(RX_FEED, r->feeds, r->nfeeds, struct rules_feed);
	IX(RX_ITEM, r->items, r->nitems, struct rules_item);
#undef IX
	free(pv->by_org);
	pv->by_org = xcalloc(r->ncontacts + 1, sizeof *pv->by_org);
	for (i = 0; i < r->ncontacts; i++) {
		pv->by_org[i].id = r->contacts[i].org;
		pv->by_org[i].ix = i;
	}
	pv->nby_org = r->ncontacts;
	xqsort(pv->by_org, r->ncontacts, sizeof *pv->by_org, rules_idx_cmp);
	for (i = 0; i < r->nitems; i++)
		pv->idx[RX_ITEM][i].cyc =
		    r->cycles[r->items[pv->idx[RX_ITEM][i].ix].cycle].id;
	xqsort(pv->idx[RX_ITEM], r->nitems, sizeof *pv->idx[RX_ITEM],
	    rules_idx_cmp);
}

/* The first index with this id (and cycle, for items), or SIZE_MAX. */
size_t
rules_lookup(const struct rules *r, int rx, const char *cyc, const char *id)
{
	const struct rules_priv	*pv = r->priv;
	struct rules_idx	 key = { id, cyc, 0 };
	size_t			 lo = 0, hi, mid;

	if (pv == NULL || id == NULL || (rx == RX_ITEM && cyc == NULL))
		return SIZE_MAX;
	hi = pv->nidx[rx];
	while (lo < hi) {	/* lower bound, so duplicates give the first */
		mid = lo + (hi - lo) / 2;
		if (rules_idx_cmp(&pv->idx[rx][mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == pv->nidx[rx])
		return SIZE_MAX;
	key.ix = pv->idx[rx][lo].ix;
	if (strcmp(pv->idx[rx][lo].id ? pv->idx[rx][lo].id : "", id) != 0 ||
	    (rx == RX_ITEM && strcmp(pv->idx[rx][lo].cyc ?
	    pv->idx[rx][lo].cyc : "", cyc) != 0))
		return SIZE_MAX;
	return key.ix;
}

#define FIND(fn, type, rx, arr)						\
const struct type *							\
fn(const struct rules *r, const char *id)				\
{									\
	size_t	i = rules_lookup(r, rx, NULL, id);			\
									\
	return i == SIZE_MAX ? NULL : &r->arr[i];			\
}
FIND(rules_find_org, rules_org, RX_ORG, orgs)
FIND(rules_find_contact, rules_contact, RX_CONTACT, contacts)
FIND(rules_find_group, rules_group, RX_GROUP, groups)
FIND(rules_find_policy, rules_policy, RX_POLICY, policies)
FIND(rules_find_cycle, rules_cycle, RX_CYCLE, cycles)
FIND(rules_find_feed, rules_feed, RX_FEED, feeds)
#undef FIND

/*
 * The k-th contact of organisation org, in file order, or NULL past the
 * last: a binary search in the table by org, not a walk of every contact
 * (a reminder pass asks once per task).
 */
const struct rules_contact *
rules_org_contact(const struct rules *r, const char *org, size_t k)
{
	const struct rules_priv	*pv = r->priv;
	const struct rules_idx	*v;
	struct rules_idx	 key = { org, NULL, 0 };
	size_t			 lo = 0, hi, mid;

	if (pv == NULL || org == NULL || pv->by_org == NULL)
		return NULL;
	v = pv->by_org;
	hi = pv->nby_org;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (rules_idx_cmp(&v[mid], &key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	lo += k;
	if (lo >= pv->nby_org || v[lo].id == NULL ||
	    strcmp(v[lo].id, org) != 0)
		return NULL;
	return &r->contacts[v[lo].ix];
}

void
rules_cycle_items(const struct rules *r, size_t c, size_t *first, size_t *n)
{
	const struct rules_priv	*pv = r->priv;

	*first = *n = 0;
	if (pv == NULL || c >= r->ncycles || pv->cycle_first == NULL)
		return;
	*first = pv->cycle_first[c];
	*n = pv->cycle_n[c];
}

size_t
rules_find_item(const struct rules *r, size_t c, const char *ref)
{
	const char	*slash;
	char		*cyc;
	size_t		 ix;

	if (ref == NULL)
		return RULES_NONE;
	if ((slash = strchr(ref, '/')) != NULL) {
		cyc = xstrndup(ref, slash - ref);
		ix = rules_lookup(r, RX_ITEM, cyc, slash + 1);
		free(cyc);
		return ix;
	}
	if (c >= r->ncycles)
		return RULES_NONE;
	return rules_lookup(r, RX_ITEM, r->cycles[c].id, ref);
}

static void
rules_ref_clear(struct rules_ref *ref)
{
	free(ref->cycle);
	free(ref->item);
}

static void
rules_overrides_free(struct rules_override *o, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(o[i].key);
		if (o[i].date != NULL) {
			rules_date_clear(o[i].date);
			free(o[i].date);
		}
		free(o[i].location);
		free(o[i].address);
		free(o[i].title);
	}
	free(o);
}

void
rules_item_clear(struct rules_item *it)
{
	size_t	i;

	free(it->id);
	free(it->title);
	free(it->description);
	free(it->location);
	free(it->address);
	free(it->url);
	free(it->source);
	rules_strv_free(it->organiser, it->norganiser);
	rules_strv_free(it->attendees, it->nattendees);
	free(it->audience);
	if (it->date != NULL) {
		rules_date_clear(it->date);
		free(it->date);
	}
	for (i = 0; i < it->ndates; i++)
		rules_date_clear(&it->dates[i]);
	free(it->dates);
	rules_ref_clear(&it->same_day);
	rules_ref_clear(&it->relative_to);
	free(it->per);
	rules_overrides_free(it->members, it->nmembers);
	free(it->assignee_group);
	rules_strv_free(it->assignees, it->nassignees);
	free(it->policy);
	free(it->adjust_reason);
	if (it->response != NULL) {
		rules_strv_free(it->response->options,
		    it->response->noptions);
		free(it->response);
	}
	for (i = 0; i < it->frequency.ncounts; i++)
		rules_ref_clear(&it->frequency.counts[i]);
	free(it->frequency.counts);
	for (i = 0; i < it->nbefore; i++)
		rules_ref_clear(&it->before[i]);
	free(it->before);
	for (i = 0; i < it->nafter; i++)
		rules_ref_clear(&it->after[i]);
	free(it->after);
	rules_overrides_free(it->fy, it->nfy);
}

static void
rules_free_dir(struct rules *r)
{
	size_t	i;

	for (i = 0; i < r->norgs; i++) {
		free(r->orgs[i].id);
		free(r->orgs[i].name);
		free(r->orgs[i].type);
		free(r->orgs[i].code);
		free(r->orgs[i].prefecture);
		free(r->orgs[i].parent);
	}
	free(r->orgs);
	for (i = 0; i < r->ncontacts; i++) {
		free(r->contacts[i].id);
		free(r->contacts[i].org);
		free(r->contacts[i].name);
		free(r->contacts[i].mail);
		rules_strv_free(r->contacts[i].roles, r->contacts[i].nroles);
	}
	free(r->contacts);
	for (i = 0; i < r->ngroups; i++) {
		free(r->groups[i].id);
		free(r->groups[i].name);
		rules_strv_free(r->groups[i].members, r->groups[i].nmembers);
		rules_strv_free(r->groups[i].attr_keys, r->groups[i].nattrs);
		rules_strv_free(r->groups[i].attr_vals, r->groups[i].nattrs);
		free(r->groups[i].resp_cycle);
		free(r->groups[i].resp_item);
		rules_strv_free(r->groups[i].resp_answers,
		    r->groups[i].nresp_answers);
		free(r->groups[i].subgroups);
	}
	free(r->groups);
}

void
rules_free(struct rules *r)
{
	struct rules_priv	*pv;
	size_t			 i;

	if (r == NULL)
		return;
	rules_free_dir(r);
	for (i = 0; i < r->npolicies; i++) {
		free(r->policies[i].id);
		free(r->policies[i].steps);
		free(r->policies[i].escalate_to);
	}
	free(r->policies);
	for (i = 0; i < r->ncycles; i++) {
		free(r->cycles[i].id);
		free(r->cycles[i].title);
		free(r->cycles[i].organiser);
		free(r->cycles[i].coordinator);
		free(r->cycles[i].note);
		free(r->cycles[i].policy);
		free(r->cycles[i].path);
		free(r->cycles[i].timezone);
		cal_zone_free(r->cycles[i].zone);
	}
	free(r->cycles);
	for (i = 0; i < r->nfeeds; i++) {
		free(r->feeds[i].id);
		free(r->feeds[i].title);
		rules_strv_free(r->feeds[i].cycles, r->feeds[i].ncycles);
		rules_strv_free(r->feeds[i].audience, r->feeds[i].naudience);
		rules_strv_free(r->feeds[i].members, r->feeds[i].nmembers);
		free(r->feeds[i].alarm);
		free(r->feeds[i].refresh);
	}
	free(r->feeds);
	for (i = 0; i < r->nitems; i++)
		rules_item_clear(&r->items[i]);
	free(r->items);
	if ((pv = r->priv) != NULL) {
		for (i = 0; i < RX__COUNT; i++)
			free(pv->idx[i]);
		free(pv->by_org);
		free(pv->cycle_first);
		free(pv->cycle_n);
		free(pv);
	}
	free(r);
}
