/*
 * lookup.c — finding rule entries by id (parse.h): the sorted tables
 * built after parsing, and the references a rule file makes to them
 * (an unknown id is an error with a did-you-mean, at the value's mark).
 */
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "rules/parse.h"
#include "rules/yaml.h"

#define RULES_HINT_MAX		5000	/* ids scanned for a "did you mean" */

/* What each RX_ table holds, for messages. */
const char *const rules_rx_names[] = {
	"organisation", "contact", "group", "policy", "cycle", "feed", "item",
};

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

/* The mark of key's value in an entry, or the entry's own. */
struct rules_mark
rules_vmark(const struct rules_src *s, const char *key)
{
	const struct ynode	*v;

	v = ynode_get(s->node, key, NULL);
	return v != NULL ? v->mark : s->node->mark;
}

/* The mark of one element of a list value (or of a single value). */
struct rules_mark
rules_emark(const struct ynode *node, const char *key, const char *val)
{
	const struct ynode	*v;
	size_t			 i;

	v = ynode_get(node, key, NULL);
	if (v == NULL)
		return node->mark;
	if (v->type == YN_SEQ) {
		for (i = 0; i < v->n; i++)
			if (v->kids[i]->type == YN_SCALAR &&
			    strcmp(v->kids[i]->str, val) == 0)
				return v->kids[i]->mark;
	}
	return v->mark;
}

/* The known id closest to a misspelt one, or NULL. */
static const char *
rules_hint(const struct rules *r, int rx, const char *id)
{
	const struct rules_priv	*pv = r->priv;
	const char		*best = NULL;
	size_t			 i, d, bestd = 3;

	if (pv->nidx[rx] > RULES_HINT_MAX)
		return NULL;
	for (i = 0; i < pv->nidx[rx]; i++) {
		if (pv->idx[rx][i].id == NULL)
			continue;
		d = rules_edit_distance(id, pv->idx[rx][i].id);
		if (d < bestd && d < strlen(id)) {
			bestd = d;
			best = pv->idx[rx][i].id;
		}
	}
	return best;
}

/* "no organisation 'x'" plus a hint; -1 so callers can return it. */
int
rules_unknown(struct rules_pctx *p, size_t file, struct rules_mark m,
    const char *key, int rx, const char *id)
{
	const char	*hint = rules_hint(p->r, rx, id);

	if (hint != NULL)
		rules_perr(p, file, m, "'%s': unknown %s '%s' (did you mean "
		    "'%s'?)", key, rules_rx_names[rx], id, hint);
	else
		rules_perr(p, file, m, "'%s': unknown %s '%s'", key,
		    rules_rx_names[rx], id);
	return -1;
}

/* Resolves id as kind rx; reports it when missing. */
size_t
rules_need(struct rules_pctx *p, size_t file, struct rules_mark m,
    const char *key, int rx, const char *id)
{
	size_t	ix;

	if (id == NULL)
		return RULES_NONE;
	ix = rules_lookup(p->r, rx, NULL, id);
	if (ix == RULES_NONE)
		rules_unknown(p, file, m, key, rx, id);
	return ix;
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
