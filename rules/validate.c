/*
 * validate.c — checks across entries and files, after every file is
 * parsed: duplicate ids, references, loops in relative dates and group
 * membership. It also resolves what the expander needs (the *_ix fields
 * and flattened group members). Runs even after parse errors, so it must
 * cope with missing ids and half-filled entries; the rule set is thrown
 * away when anything was reported.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/expand.h"
#include "rules/parse.h"









static const struct rules_src *
rules_srcs(struct rules_pctx *p, int rx)
{
	switch (rx) {
	case RX_ORG:
		return p->org_src;
	case RX_CONTACT:
		return p->contact_src;
	case RX_GROUP:
		return p->group_src;
	case RX_POLICY:
		return p->policy_src;
	case RX_CYCLE:
		return p->cycle_src;
	case RX_FEED:
		return p->feed_src;
	default:
		return p->item_src;
	}
}

static int
rules_idx_same(const struct rules_idx *a, const struct rules_idx *b)
{
	return a->id != NULL && b->id != NULL && strcmp(a->id, b->id) == 0 &&
	    strcmp(a->cyc ? a->cyc : "", b->cyc ? b->cyc : "") == 0;
}

/*
 * Equal ids sit together in the sorted table, lowest index (the first
 * definition in file order) first: every later one is a duplicate.
 */
static void
rules_check_dups(struct rules_pctx *p, int rx)
{
	const struct rules_priv	*pv = p->r->priv;
	const struct rules_idx	*a, *b;
	const struct rules_src	*s = rules_srcs(p, rx);
	struct rules_mark	 ma;
	size_t			 i, first = 0;

	for (i = 1; i < pv->nidx[rx]; i++) {
		a = &pv->idx[rx][first];
		b = &pv->idx[rx][i];
		if (!rules_idx_same(a, b)) {
			first = i;
			continue;
		}
		ma = rules_vmark(&s[a->ix], "id");
		rules_perr(p, s[b->ix].file, rules_vmark(&s[b->ix], "id"),
		    "duplicate %s id '%s' (first defined at %s:%u:%u)",
		    rules_rx_names[rx], b->id, p->paths[s[a->ix].file], ma.line,
		    ma.col);
	}
}

static void
rules_check_orgs(struct rules_pctx *p)
{
	struct rules		*r = p->r;
	const struct rules_org	*o, *q;
	const struct rules_src	*s;
	size_t			 i, j, ix;

	for (i = 0; i < r->norgs; i++) {
		o = &r->orgs[i];
		s = &p->org_src[i];
		ix = rules_need(p, s->file, rules_vmark(s, "prefecture"),
		    "prefecture", RX_ORG, o->prefecture);
		if (ix != RULES_NONE && strcmp(r->orgs[ix].type,
		    "prefecture") != 0)
			rules_perr(p, s->file, rules_vmark(s, "prefecture"),
			    "'prefecture': '%s' is a %s, not a prefecture",
			    o->prefecture, r->orgs[ix].type);
		if (rules_need(p, s->file, rules_vmark(s, "parent"), "parent",
		    RX_ORG, o->parent) == RULES_NONE)
			continue;
		/* Walk up; more steps than orgs means a loop. */
		q = o;
		for (j = 0; j <= r->norgs && q != NULL && q->parent; j++) {
			ix = rules_lookup(r, RX_ORG, NULL, q->parent);
			q = ix == RULES_NONE ? NULL : &r->orgs[ix];
			if (q == o) {
				rules_perr(p, s->file, rules_vmark(s,
				    "parent"), "'parent': organisation '%s' "
				    "ends up inside itself", o->id ? o->id :
				    "");
				break;
			}
		}
	}
}

static int
rules_code_cmp(const void *a, const void *b)
{
	const struct rules_org	*x = *(struct rules_org *const *)a;
	const struct rules_org	*y = *(struct rules_org *const *)b;
	int			 c = strcmp(x->code, y->code);

	return c != 0 ? c : x < y ? -1 : x > y;
}

/* Two organisations with one 団体コード: almost surely a pasted line. */
static void
rules_check_codes(struct rules_pctx *p)
{
	struct rules		 *r = p->r;
	const struct rules_org	**v;
	const struct rules_src	 *s;
	struct rules_mark	  m;
	size_t			  i, n = 0;

	/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
	v = xcalloc(r->norgs + 1, sizeof *v);
	for (i = 0; i < r->norgs; i++)
		if (r->orgs[i].code != NULL)
			v[n++] = &r->orgs[i];
	if (n > 1)
		/* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
		xqsort(v, n, sizeof *v, rules_code_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i]->code, v[i - 1]->code) != 0)
			continue;
		s = &p->org_src[v[i] - r->orgs];
		m = rules_vmark(&p->org_src[v[i - 1] - r->orgs], "code");
		rules_pwarn(p, s->file, rules_vmark(s, "code"), "'code': %s is "
		    "also the code of '%s' (%s:%u:%u)", v[i]->code,
		    v[i - 1]->id ? v[i - 1]->id : "",
		    p->paths[p->org_src[v[i - 1] - r->orgs].file], m.line,
		    m.col);
	}
	free(v);
}

static void
rules_check_contacts(struct rules_pctx *p)
{
	struct rules		*r = p->r;
	const struct rules_src	*s;
	size_t			 i;

	for (i = 0; i < r->ncontacts; i++) {
		s = &p->contact_src[i];
		rules_need(p, s->file, rules_vmark(s, "org"), "org", RX_ORG,
		    r->contacts[i].org);
	}
}

/* A contact id, or a role at least one contact has. */
static int
rules_role_known(const struct rules *r, const char *who)
{
	size_t	i, j;

	if (rules_lookup(r, RX_CONTACT, NULL, who) != RULES_NONE)
		return 1;
	for (i = 0; i < r->ncontacts; i++)
		for (j = 0; j < r->contacts[i].nroles; j++)
			if (strcmp(r->contacts[i].roles[j], who) == 0)
				return 1;
	return 0;
}

static void
rules_check_policies(struct rules_pctx *p)
{
	struct rules		*r = p->r;
	const struct rules_src	*s;
	const struct ynode	*e;
	size_t			 i;

	for (i = 0; i < r->npolicies; i++) {
		s = &p->policy_src[i];
		if (r->policies[i].escalate_to == NULL ||
		    rules_role_known(r, r->policies[i].escalate_to))
			continue;
		e = ynode_get(ynode_get(s->node, "escalate", NULL), "to", NULL);
		rules_pwarn(p, s->file, e ? e->mark : s->node->mark,
		    "'to': '%s' is neither a contact nor a role any contact "
		    "has; escalations would reach nobody",
		    r->policies[i].escalate_to);
	}
}

static void
rules_check_cycles(struct rules_pctx *p)
{
	struct rules		*r = p->r;
	const struct rules_cycle *c;
	const struct rules_src	*s;
	size_t			 i;

	for (i = 0; i < r->ncycles; i++) {
		c = &r->cycles[i];
		s = &p->cycle_src[i];
		rules_need(p, s->file, rules_vmark(s, "organiser"),
		    "organiser", RX_ORG, c->organiser);
		rules_need(p, s->file, rules_vmark(s, "coordinator"),
		    "coordinator", RX_CONTACT, c->coordinator);
		rules_need(p, s->file, rules_vmark(s, "policy"), "policy",
		    RX_POLICY, c->policy);
	}
}

/* Resolves an item reference; `cycle/item` or an item of cycle c. */
static void
rules_resolve_ref(struct rules_pctx *p, size_t file, size_t self,
    const char *key, struct rules_ref *ref)
{
	struct rules	*r = p->r;
	const char	*cyc;

	if (ref->item == NULL)
		return;
	cyc = ref->cycle ? ref->cycle : r->cycles[r->items[self].cycle].id;
	if (ref->cycle != NULL &&
	    rules_lookup(r, RX_CYCLE, NULL, ref->cycle) == RULES_NONE) {
		rules_unknown(p, file, ref->mark, key, RX_CYCLE, ref->cycle);
		return;
	}
	ref->ix = rules_lookup(r, RX_ITEM, cyc, ref->item);
	if (ref->ix == RULES_NONE)
		rules_perr(p, file, ref->mark, "'%s': no item '%s' in cycle "
		    "'%s'", key, ref->item, cyc ? cyc : "");
	else if (ref->ix == self)
		rules_perr(p, file, ref->mark, "'%s': an item cannot refer "
		    "to itself", key);
}

/* An item another one takes its date from must have a date itself. */
static void
rules_check_anchor(struct rules_pctx *p, size_t file, const char *key,
    const struct rules_ref *ref)
{
	const struct rules_item	*t;

	if (ref->ix == RULES_NONE)
		return;
	t = &p->r->items[ref->ix];
	if (t->adhoc)
		rules_perr(p, file, ref->mark, "'%s': item '%s' is adhoc and "
		    "has no date to follow", key, ref->item);
}

/* Override keys of `members` must be members of the `per` group. */
static void
rules_check_member_ovr(struct rules_pctx *p, size_t file,
    const struct rules_item *it)
{
	const struct rules_group	*g;
	size_t				 i, j;

	if (it->per_ix == RULES_NONE)
		return;
	g = &p->r->groups[it->per_ix];
	for (i = 0; i < it->nmembers; i++) {
		if (it->per_groups) {
			for (j = 0; j < g->nsubgroups; j++)
				if (strcmp(p->r->groups[g->subgroups[j]].id,
				    it->members[i].key) == 0)
					break;
			if (j < g->nsubgroups)
				continue;
			rules_perr(p, file, it->members[i].mark, "'members': "
			    "'%s' is not a group in '%s'", it->members[i].key,
			    it->per);
			continue;
		}
		for (j = 0; j < g->nmembers; j++)
			if (strcmp(g->members[j], it->members[i].key) == 0)
				break;
		if (j == g->nmembers)
			rules_perr(p, file, it->members[i].mark, "'members': "
			    "'%s' is not a member of group '%s'",
			    it->members[i].key, it->per);
	}
}

/* The fiscal year an item dated d belongs to; 0 when d has no year. */
static int
rules_date_fy(const struct rules_cycle *c, const struct rules_item *it,
    const struct rules_date *d)
{
	if (d == NULL || d->y == 0 || d->m == 0)
		return 0;
	return (d->m >= c->fy_start ? d->y : d->y - 1) - it->fy_shift;
}

static int
rules_fy_outside(const struct rules_cycle *c, int fy)
{
	return (c->from_fy && fy < c->from_fy) ||
	    (c->until_fy && fy > c->until_fy);
}

/*
 * A year-qualified date is the classic copy-paste slip: last year's file
 * with last year's dates. They are valid, so only warnings.
 */
static void
rules_check_fy_dates(struct rules_pctx *p, size_t file,
    const struct rules_item *it)
{
	const struct rules_cycle	*c = &p->r->cycles[it->cycle];
	const struct rules_date		*d;
	size_t				 i;
	int				 fy;

	for (i = 0; i <= it->ndates; i++) {
		d = i < it->ndates ? &it->dates[i] : it->date;
		fy = rules_date_fy(c, it, d);
		if (fy != 0 && rules_fy_outside(c, fy))
			rules_pwarn(p, file, d->mark, "'%s' belongs to fiscal "
			    "year %d, outside the cycle's fiscal years; it "
			    "never occurs", d->raw, fy);
	}
	for (i = 0; i < it->nfy; i++) {
		fy = it->fy[i].fy;
		if (rules_fy_outside(c, fy))
			rules_pwarn(p, file, it->fy[i].mark, "'fy': %d is "
			    "outside the cycle's fiscal years; this override "
			    "is never used", fy);
		d = it->fy[i].date;
		if (rules_date_fy(c, it, d) != 0 &&
		    rules_date_fy(c, it, d) != fy)
			rules_pwarn(p, file, d->mark, "'%s' belongs to fiscal "
			    "year %d, not to %d of this override%s", d->raw,
			    rules_date_fy(c, it, d), fy, it->fy_shift ? "" :
			    " (is 'fy_shift: -1' missing?)");
	}
}

/*
 * A date written with its year that falls on a closed day (weekend,
 * 祝日・休日, 年末年始, the office's own) is probably a slip, and it will not be kept: say
 * where it moves. An item that says `adjust` has decided.
 */
static void
rules_check_closed_date(struct rules_pctx *p, size_t file,
    const struct rules_item *it, const struct rules_date *d)
{
	const char	*why;
	cal_day		 z, to;
	char		 iso[11], iso2[11];
	int		 prev;

	if (d == NULL || d->y == 0 || d->m == 0 || d->d == 0 ||
	    !cal_valid(d->y, d->m, d->d) || it->marks[RIK_ADJUST].line != 0)
		return;
	z = cal_from_ymd(d->y, d->m, d->d);
	if ((why = cal_closed_name_in(p->closed, z)) == NULL)
		return;
	prev = rules_item_is_deadline(it);
	to = prev ? cal_business_on_or_before_in(p->closed, z) :
	    cal_business_on_or_after_in(p->closed, z);
	cal_format_iso(iso, z);
	cal_format_iso(iso2, to);
	rules_pwarn(p, file, d->mark, "'%s': %s（%s） is a closed day (%s): "
	    "the %s moves to the %s business day %s（%s）; say 'adjust' to "
	    "choose, or 'adjust: {to: none, reason: …}' to keep the day",
	    d->raw, iso, cal_weekday_ja(cal_weekday(z)), why,
	    prev ? "deadline" : "event", prev ? "previous" : "next", iso2,
	    cal_weekday_ja(cal_weekday(to)));
}

static void
rules_check_closed_dates(struct rules_pctx *p, size_t file,
    const struct rules_item *it)
{
	size_t	 i;

	rules_check_closed_date(p, file, it, it->date);
	for (i = 0; i < it->ndates; i++)
		rules_check_closed_date(p, file, it, &it->dates[i]);
	for (i = 0; i < it->nfy; i++)
		rules_check_closed_date(p, file, it, it->fy[i].date);
	for (i = 0; i < it->nmembers; i++)
		rules_check_closed_date(p, file, it, it->members[i].date);
}

static void
rules_check_assignees(struct rules_pctx *p, const struct rules_src *s,
    const struct rules_item *it)
{
	const struct rules	*r = p->r;
	size_t			 i;

	for (i = 0; i < it->nassignees; i++) {
		if (r->cycles[it->cycle].is_case &&
		    strcmp(it->assignees[i], RULES_CASE_ORG) == 0)
			continue;
		if (rules_lookup(r, RX_ORG, NULL, it->assignees[i]) !=
		    RULES_NONE || rules_lookup(r, RX_CONTACT, NULL,
		    it->assignees[i]) != RULES_NONE)
			continue;
		rules_perr(p, s->file, rules_emark(s->node, "assignees",
		    it->assignees[i]), "'assignees': unknown organisation or "
		    "contact '%s'", it->assignees[i]);
	}
}

/* A static group without members makes the item silently vanish. */
static void
rules_check_nonempty(struct rules_pctx *p, const struct rules_src *s,
    const char *key, size_t gi)
{
	const struct rules_group	*g;

	if (gi == RULES_NONE)
		return;
	g = &p->r->groups[gi];
	if (g->nmembers == 0 && !g->dynamic)
		rules_pwarn(p, s->file, rules_vmark(s, key), "'%s': group "
		    "'%s' has no members", key, g->id);
}

static void
rules_check_item(struct rules_pctx *p, size_t i)
{
	struct rules_item	*it = &p->r->items[i];
	const struct rules_src	*s = &p->item_src[i];
	size_t			 f = s->file, j;

	it->audience_ix = rules_need(p, f, rules_vmark(s, "audience"),
	    "audience", RX_GROUP, it->audience);
	it->per_ix = rules_need(p, f, rules_vmark(s, "per"), "per", RX_GROUP,
	    it->per);
	it->assignee_group_ix = rules_need(p, f, rules_vmark(s, "assignees"),
	    "assignees", RX_GROUP, it->assignee_group);
	rules_check_assignees(p, s, it);
	if (it->per_groups && it->per_ix != RULES_NONE &&
	    p->r->groups[it->per_ix].nsubgroups == 0)
		rules_pwarn(p, f, rules_vmark(s, "per"), "'per': group '%s' "
		    "names no groups in its 'members'", it->per);
	else
		rules_check_nonempty(p, s, "per", it->per_ix);
	rules_check_nonempty(p, s, "assignees", it->assignee_group_ix);
	if (it->marks[RIK_POLICY].line != 0)
		it->policy_ix = rules_need(p, f, rules_vmark(s, "policy"),
		    "policy", RX_POLICY, it->policy);
	else	/* inherited: the cycle's own check reports it */
		it->policy_ix = rules_lookup(p->r, RX_POLICY, NULL, it->policy);
	if (it->has_same_day) {
		rules_resolve_ref(p, f, i, "same_day", &it->same_day);
		rules_check_anchor(p, f, "same_day", &it->same_day);
	}
	if (it->has_relative) {
		rules_resolve_ref(p, f, i, "to", &it->relative_to);
		rules_check_anchor(p, f, "to", &it->relative_to);
	}
	for (j = 0; j < it->frequency.ncounts; j++)
		rules_resolve_ref(p, f, i, "counts", &it->frequency.counts[j]);
	if (it->frequency.min > 0 && it->assignee_group == NULL &&
	    it->nassignees == 0 && it->per == NULL &&
	    p->r->cycles[it->cycle].organiser == NULL)
		rules_pwarn(p, f, it->marks[RIK_FREQUENCY], "a 'frequency' "
		    "target without 'assignees' in a cycle without "
		    "'organiser' makes a task for nobody: name who tracks it");
	for (j = 0; j < it->nbefore; j++)
		rules_resolve_ref(p, f, i, "before", &it->before[j]);
	for (j = 0; j < it->nafter; j++)
		rules_resolve_ref(p, f, i, "after", &it->after[j]);
	rules_check_member_ovr(p, f, it);
	rules_check_fy_dates(p, f, it);
	rules_check_closed_dates(p, f, it);
}

/* The item whose date this one follows, or RULES_NONE. */
static size_t
rules_follows(const struct rules_item *it)
{
	if (it->has_relative && it->relative_to.ix != RULES_NONE)
		return it->relative_to.ix;
	if (it->has_same_day && it->same_day.ix != RULES_NONE)
		return it->same_day.ix;
	return RULES_NONE;
}

/* "a → b → a", naming the cycle where it differs from the first's. */
static void
rules_report_loop(struct rules_pctx *p, const size_t *path, size_t n)
{
	const struct rules	*r = p->r;
	const struct rules_item	*first, *it;
	struct buf		 b;
	size_t			 i, m = 0;

	if (n == 0)
		return;
	for (i = 1; i < n; i++)	/* start at the earliest item: stable */
		if (path[i] < path[m])
			m = i;
	first = &r->items[path[m]];
	buf_init(&b);
	for (i = 0; i <= n; i++) {
		it = &r->items[path[(m + i) % n]];
		if (it->cycle != first->cycle)
			buf_printf(&b, "%s/", r->cycles[it->cycle].id ?
			    r->cycles[it->cycle].id : "?");
		buf_printf(&b, "%s%s", it->id ? it->id : "?",
		    i < n ? " → " : "");
	}
	rules_perr(p, p->item_src[path[m]].file, first->has_relative ?
	    first->relative_to.mark : first->same_day.mark, "dates depend on "
	    "each other in a loop: %s", b.data);
	buf_free(&b);
}

/*
 * Each item follows at most one other, so the graph is functional: walk
 * from each unseen item until a seen one; meeting the current walk again
 * closes a loop.
 */
static void
rules_check_loops(struct rules_pctx *p)
{
	const struct rules	*r = p->r;
	size_t			*walk, *path, i, j, n, k;

	walk = xcalloc(r->nitems + 1, sizeof *walk);
	path = xcalloc(r->nitems + 1, sizeof *path);
	for (i = 0; i < r->nitems; i++) {
		if (walk[i] != 0)
			continue;
		n = 0;
		for (j = i; j != RULES_NONE && walk[j] == 0;
		    j = rules_follows(&r->items[j])) {
			walk[j] = i + 1;
			path[n++] = j;
		}
		if (j == RULES_NONE || walk[j] != i + 1)
			continue;
		for (k = 0; path[k] != j; k++)
			;
		rules_report_loop(p, path + k, n - k);
	}
	free(path);
	free(walk);
}

static void
rules_check_feeds(struct rules_pctx *p)
{
	struct rules		*r = p->r;
	const struct rules_feed	*f;
	const struct rules_src	*s;
	size_t			 i, j;

	for (i = 0; i < r->nfeeds; i++) {
		f = &r->feeds[i];
		s = &p->feed_src[i];
		for (j = 0; j < f->ncycles; j++)
			rules_need(p, s->file, rules_emark(s->node, "cycles",
			    f->cycles[j]), "cycles", RX_CYCLE, f->cycles[j]);
		for (j = 0; j < f->naudience; j++)
			rules_need(p, s->file, rules_emark(s->node,
			    "audience", f->audience[j]), "audience", RX_GROUP,
			    f->audience[j]);
		for (j = 0; j < f->nmembers; j++) {
			if (rules_lookup(r, RX_ORG, NULL, f->members[j]) !=
			    RULES_NONE)
				continue;
			rules_need(p, s->file, rules_emark(s->node, "members",
			    f->members[j]), "members", RX_GROUP,
			    f->members[j]);
		}
	}
}

void
rules_validate(struct rules_pctx *p)
{
	size_t	i;
	int	rx;

	for (rx = 0; rx < RX__COUNT; rx++)
		rules_check_dups(p, rx);
	rules_check_orgs(p);
	rules_check_codes(p);
	rules_check_contacts(p);
	rules_check_policies(p);
	rules_check_groups(p);
	rules_check_cycles(p);
	for (i = 0; i < p->r->nitems; i++)
		rules_check_item(p, i);
	rules_check_loops(p);
	rules_check_feeds(p);
}
