/*
 * validate_group.c — groups: flattening members (nested groups, `select`)
 * into organisation ids with loop and depth checks, and dynamic groups'
 * `from_responses`. Part of validate.c's pass.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/parse.h"

#define RULES_GROUP_DEPTH	32	/* groups inside groups */

static void
rules_group_add(struct rules_group *g, const char *id)
{
	size_t	i;

	for (i = 0; i < g->nmembers; i++)
		if (strcmp(g->members[i], id) == 0)
			return;
	g->members = xreallocarray(g->members, g->nmembers + 1,
	    sizeof *g->members);
	g->members[g->nmembers++] = xstrdup(id);
}

/* A scalar or list value matches when any of its texts equals s. */
static int
rules_node_has(const struct ynode *v, const char *s)
{
	size_t	i;

	if (v == NULL || s == NULL)
		return 0;
	if (v->type == YN_SCALAR)
		return strcmp(v->str, s) == 0;
	for (i = 0; i < v->n; i++)
		if (v->kids[i]->type == YN_SCALAR &&
		    strcmp(v->kids[i]->str, s) == 0)
			return 1;
	return 0;
}

/* `select: {type: [...], prefecture: [...]}`: all conditions must hold. */
static void
rules_group_select(struct rules_pctx *p, struct rules_group *g,
    const struct rules_src *s)
{
	static const struct rules_kw kw[] = {	/* keep sorted */
		{ "prefecture", 0 },
		{ "type", 1 },
	};
	const struct ynode	*sel, *ty, *pf, *e;
	struct rules		*r = p->r;
	size_t			 i, j, n;
	int			 t;

	sel = ynode_get(s->node, "select", NULL);
	if (sel == NULL || sel->type != YN_MAP)
		return;
	p->file = s->file;
	for (i = 0; i + 1 < sel->n; i += 2)
		(void)rules_kw_lookup(p, kw, nitems(kw), sel->kids[i], "select");
	ty = ynode_get(sel, "type", NULL);
	pf = ynode_get(sel, "prefecture", NULL);
	n = ty == NULL ? 0 : ty->type == YN_SEQ ? ty->n : 1;
	for (j = 0; j < n; j++)
		(void)rules_get_enum(p, ty->type == YN_SEQ ? ty->kids[j] : ty,
		    "type", rules_org_types, rules_norg_types, &t);
	for (j = 0; pf != NULL && j < (pf->type == YN_SEQ ? pf->n : 1); j++) {
		e = pf->type == YN_SEQ ? pf->kids[j] : pf;
		if (e->type == YN_SCALAR)
			rules_need(p, s->file, e->mark, "prefecture", RX_ORG,
			    e->str);
	}
	if (ty == NULL && pf == NULL) {
		rules_perr(p, s->file, sel->mark, "'select' needs 'type' "
		    "and/or 'prefecture'");
		return;
	}
	for (i = 0; i < r->norgs; i++) {
		if (r->orgs[i].id == NULL ||
		    (ty != NULL && !rules_node_has(ty, r->orgs[i].type)) ||
		    (pf != NULL && !rules_node_has(pf, r->orgs[i].prefecture)))
			continue;
		rules_group_add(g, r->orgs[i].id);
	}
}

/*
 * Flattens group gi: orgs in file order, nested groups expanded. state:
 * 0 not seen, 1 being flattened (seeing it again is a loop), 2 done.
 */
static void
rules_group_loop(struct rules_pctx *p, const struct rules_src *s,
    const struct ynode *e, const size_t *stack, int depth, size_t ix)
{
	struct buf	b;
	int		i;

	for (i = 0; i < depth && stack[i] != ix; i++)
		;
	buf_init(&b);
	for (; i < depth; i++)
		buf_printf(&b, "%s → ", p->r->groups[stack[i]].id);
	buf_printf(&b, "%s", p->r->groups[ix].id);
	rules_perr(p, s->file, e->mark, "'members': groups contain each other "
	    "in a loop: %s", b.data);
	buf_free(&b);
}

static void
rules_flatten(struct rules_pctx *p, size_t gi, char *state, size_t *stack,
    int depth)
{
	struct rules		*r = p->r;
	struct rules_group	*g = &r->groups[gi], *sub;
	const struct rules_src	*s = &p->group_src[gi];
	const struct ynode	*mem, *e;
	size_t			 i, j, ix;

	if (state[gi] == 2)
		return;
	state[gi] = 1;
	g->dynamic = g->resp_item != NULL;
	stack[depth] = gi;
	mem = ynode_get(s->node, "members", NULL);
	for (i = 0; mem != NULL && mem->type == YN_SEQ && i < mem->n; i++) {
		e = mem->kids[i];
		if (e->type != YN_SCALAR || ynode_is_null(e)) {
			rules_perr(p, s->file, e->mark, "'members': each "
			    "member must be an organisation or group id");
			continue;
		}
		if (rules_lookup(r, RX_ORG, NULL, e->str) != RULES_NONE) {
			rules_group_add(g, e->str);
			continue;
		}
		ix = rules_lookup(r, RX_GROUP, NULL, e->str);
		if (ix == RULES_NONE) {
			rules_unknown(p, s->file, e->mark, "members", RX_ORG,
			    e->str);
			continue;
		}
		if (state[ix] == 1) {
			rules_group_loop(p, s, e, stack, depth + 1, ix);
			continue;
		}
		if (depth >= RULES_GROUP_DEPTH) {
			rules_perr(p, s->file, e->mark, "'members': groups "
			    "nested more than %d deep", RULES_GROUP_DEPTH);
			continue;
		}
		rules_flatten(p, ix, state, stack, depth + 1);
		sub = &r->groups[ix];
		g = &r->groups[gi];
		g->subgroups = xreallocarray(g->subgroups, g->nsubgroups + 1,
		    sizeof *g->subgroups);
		g->subgroups[g->nsubgroups++] = ix;
		if (sub->dynamic)
			g->dynamic = 1;
		for (j = 0; j < sub->nmembers; j++)
			rules_group_add(g, sub->members[j]);
	}
	rules_group_select(p, g, s);
	state[gi] = 2;
}

/* Where the value of key is written in mapping m (m's own mark if not). */
static struct rules_mark
rules_vmark_in(const struct ynode *m, const char *key)
{
	const struct ynode	*v = ynode_get(m, key, NULL);

	return v != NULL ? v->mark : m->mark;
}

/* `from_responses.item` must be a deadline asking for those answers. */
static void
rules_check_fromresp(struct rules_pctx *p, size_t gi)
{
	const struct rules_group	*g = &p->r->groups[gi];
	const struct rules_src		*s = &p->group_src[gi];
	const struct rules_item		*it;
	const struct ynode		*fr, *iv;
	size_t				 ix, i, j;

	if (g->resp_item == NULL)
		return;
	fr = ynode_get(s->node, "from_responses", NULL);
	iv = ynode_get(fr, "item", NULL);
	ix = rules_lookup(p->r, RX_ITEM, g->resp_cycle, g->resp_item);
	if (ix == RULES_NONE) {
		rules_perr(p, s->file, iv ? iv->mark : s->node->mark,
		    "'item': unknown item '%s/%s'", g->resp_cycle,
		    g->resp_item);
		return;
	}
	it = &p->r->items[ix];
	if (it->response == NULL) {
		rules_perr(p, s->file, iv ? iv->mark : s->node->mark,
		    "'item': '%s/%s' asks for no 'response'", g->resp_cycle,
		    g->resp_item);
		return;
	}
	if ((g->resp_years_min != 0 || g->resp_years_max != 0) &&
	    !it->response->year_count)
		rules_perr(p, s->file, rules_vmark_in(fr, "years"), "'years': "
		    "'%s/%s' asks for no year count (its response needs "
		    "'year_count: true')", g->resp_cycle, g->resp_item);
	for (i = 0; i < g->nresp_answers; i++) {
		for (j = 0; j < it->response->noptions; j++)
			if (strcmp(g->resp_answers[i],
			    it->response->options[j]) == 0)
				break;
		if (j == it->response->noptions)
			rules_perr(p, s->file, rules_emark(fr, "answers",
			    g->resp_answers[i]), "'answers': '%s' is not one "
			    "of the options of '%s/%s'", g->resp_answers[i],
			    g->resp_cycle, g->resp_item);
	}
}

void
rules_check_groups(struct rules_pctx *p)
{
	size_t	 stack[RULES_GROUP_DEPTH + 1];
	char	*state;
	size_t	 i;

	state = xcalloc(p->r->ngroups + 1, 1);
	for (i = 0; i < p->r->ngroups; i++) {
		rules_flatten(p, i, state, stack, 0);
		rules_check_fromresp(p, i);
	}
	free(state);
}

