/*
 * parse.c — one rule file's tree into the rule set: the top level and the
 * directory (organisations, contacts, groups). Cycles live in
 * parse_cycle.c, policies and feeds in parse_feed.c. Every entry is
 * parsed on its own so one bad entry does not hide the next one's
 * mistakes; references between entries are checked later (validate.c)
 * because they may point into other files.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/parse.h"

enum { TK_CONTACTS, TK_CYCLES, TK_FEEDS, TK_GROUPS, TK_ORGANISATIONS,
	TK_POLICIES };
static const struct rules_kw top_kw[] = {	/* keep sorted */
	{ "contacts", TK_CONTACTS },
	{ "cycles", TK_CYCLES },
	{ "feeds", TK_FEEDS },
	{ "groups", TK_GROUPS },
	{ "organisations", TK_ORGANISATIONS },
	{ "policies", TK_POLICIES },
};


/* Grows a source array beside its object array. */
static void
rules_src_push(struct rules_src **v, size_t n, size_t file,
    const struct ynode *node)
{
	*v = xreallocarray(*v, n + 1, sizeof **v);
	(*v)[n].file = file;
	(*v)[n].node = node;
}

/* Reports the required keys a mapping lacks. */
static void
rules_require(struct rules_pctx *p, const struct ynode *m, const char *what,
    const char *const *keys, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (ynode_get(m, keys[i], NULL) == NULL &&
		    !rules_hinted(p, keys[i]))
			rules_perr(p, p->file, m->mark, "%s needs '%s'", what,
			    keys[i]);
	}
}

enum { OK_CODE, OK_ID, OK_NAME, OK_PARENT, OK_PREFECTURE, OK_TYPE };
static const struct rules_kw org_kw[] = {	/* keep sorted */
	{ "code", OK_CODE },
	{ "id", OK_ID },
	{ "name", OK_NAME },
	{ "parent", OK_PARENT },
	{ "prefecture", OK_PREFECTURE },
	{ "type", OK_TYPE },
};

static void
rules_parse_org(struct rules_pctx *p, const struct ynode *m)
{
	static const char *const req[] = { "id", "name" };
	struct rules		*r = p->r;
	struct rules_org	*o;
	const struct ynode	*k, *v;
	size_t			 i;
	int			 t;

	r->orgs = xreallocarray(r->orgs, r->norgs + 1, sizeof *r->orgs);
	o = &r->orgs[r->norgs];
	memset(o, 0, sizeof *o);
	rules_src_push(&p->org_src, r->norgs++, p->file, m);
	p->nhints = 0;
	for (i = 0; i + 1 < m->n; i += 2) {
		k = m->kids[i];
		v = m->kids[i + 1];
		switch (rules_kw_lookup(p, org_kw, nitems(org_kw), k,
		    "organisation")) {
		case OK_CODE:
			if (ynode_is_null(v))
				break;
			if (rules_get_text(p, v, k->str, 1, &o->code) == 0 &&
			    !rules_lgcode_valid(o->code))
				rules_perr(p, p->file, v->mark, "'code': '%s' "
				    "is not a valid 全国地方公共団体コード (6 "
				    "digits with a correct check digit)",
				    o->code);
			break;
		case OK_ID:
			rules_get_id(p, v, k->str, &o->id);
			break;
		case OK_NAME:
			rules_get_text(p, v, k->str, 1, &o->name);
			break;
		case OK_PARENT:
			if (!ynode_is_null(v))
				rules_get_id(p, v, k->str, &o->parent);
			break;
		case OK_PREFECTURE:
			if (!ynode_is_null(v))
				rules_get_id(p, v, k->str, &o->prefecture);
			break;
		case OK_TYPE:
			if (rules_get_enum(p, v, k->str, rules_org_types,
			    rules_norg_types, &t) == 0)
				o->type = xstrdup(rules_org_types[t]);
			break;
		}
	}
	rules_require(p, m, "organisation", req, nitems(req));
	if (o->type == NULL)
		o->type = xstrdup("other");
}

/* A mail address as it may appear in a header: no spaces, one '@'. */
static int
rules_mail_ok(const char *s)
{
	const char	*at = strchr(s, '@');

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@'))
		return 0;
	if (strpbrk(s, " \t\r\n,;<>()[]\\\"") != NULL)
		return 0;
	return strchr(at + 1, '.') != NULL;
}

enum { CK_ID, CK_MAIL, CK_NAME, CK_ORG, CK_PERSON, CK_ROLES };
static const struct rules_kw contact_kw[] = {	/* keep sorted */
	{ "id", CK_ID },
	{ "mail", CK_MAIL },
	{ "name", CK_NAME },
	{ "org", CK_ORG },
	{ "person", CK_PERSON },
	{ "roles", CK_ROLES },
};

static void
rules_parse_contact(struct rules_pctx *p, const struct ynode *m)
{
	static const char *const req[] = { "id", "name", "mail" };
	struct rules		*r = p->r;
	struct rules_contact	*c;
	const struct ynode	*k, *v;
	size_t			 i;
	int			 person = 0;

	r->contacts = xreallocarray(r->contacts, r->ncontacts + 1,
	    sizeof *r->contacts);
	c = &r->contacts[r->ncontacts];
	memset(c, 0, sizeof *c);
	rules_src_push(&p->contact_src, r->ncontacts++, p->file, m);
	p->nhints = 0;
	for (i = 0; i + 1 < m->n; i += 2) {
		k = m->kids[i];
		v = m->kids[i + 1];
		switch (rules_kw_lookup(p, contact_kw, nitems(contact_kw), k,
		    "contact")) {
		case CK_ID:
			rules_get_id(p, v, k->str, &c->id);
			break;
		case CK_MAIL:
			if (rules_get_text(p, v, k->str, 1, &c->mail) == 0 &&
			    !rules_mail_ok(c->mail))
				rules_perr(p, p->file, v->mark, "'mail': '%s' "
				    "is not a mail address", c->mail);
			break;
		case CK_NAME:
			rules_get_text(p, v, k->str, 1, &c->name);
			break;
		case CK_ORG:
			if (!ynode_is_null(v))
				rules_get_id(p, v, k->str, &c->org);
			break;
		case CK_PERSON:
			rules_get_bool(p, v, k->str, &person);
			break;
		case CK_ROLES:
			rules_get_list(p, v, k->str, 1, 1, &c->roles,
			    &c->nroles);
			break;
		}
	}
	rules_require(p, m, "contact", req, nitems(req));
	if (person && c->org != NULL)
		rules_perr(p, p->file, m->mark, "contact has both 'org' and "
		    "'person: true'; a person belongs to no organisation");
	else if (!person && c->org == NULL && ynode_get(m, "org", NULL) ==
	    NULL && ynode_get(m, "person", NULL) == NULL)
		rules_perr(p, p->file, m->mark, "contact needs 'org' (or "
		    "'person: true' for a person without one)");
}

/* `attrs: {host: 東京}`: free one-line text attributes. */
static void
rules_parse_attrs(struct rules_pctx *p, struct rules_group *g,
    const struct ynode *v)
{
	size_t	i;
	char	*val;

	if (rules_want(p, v, YN_MAP, "attrs") == -1)
		return;
	for (i = 0; i + 1 < v->n; i += 2) {
		val = NULL;
		if (rules_get_text(p, v->kids[i + 1], v->kids[i]->str, 1,
		    &val) == -1)
			continue;
		g->attr_keys = xreallocarray(g->attr_keys, g->nattrs + 1,
		    sizeof *g->attr_keys);
		g->attr_vals = xreallocarray(g->attr_vals, g->nattrs + 1,
		    sizeof *g->attr_vals);
		g->attr_keys[g->nattrs] = xstrdup(v->kids[i]->str);
		g->attr_vals[g->nattrs++] = val;
	}
}

enum { FK_ANSWERS, FK_FY_OFFSET, FK_ITEM, FK_YEARS };
static const struct rules_kw fromresp_kw[] = {	/* keep sorted */
	{ "answers", FK_ANSWERS },
	{ "fy_offset", FK_FY_OFFSET },
	{ "item", FK_ITEM },
	{ "years", FK_YEARS },
};

/*
 * `years: 3` (exactly) or `years: {min: 3, max: 5}`: the year count given
 * with the answer (累計N年目), 1–99.
 */
static void
rules_parse_years(struct rules_pctx *p, struct rules_group *g,
    const struct ynode *v)
{
	static const struct rules_kw kw[] = {	/* keep sorted */
		{ "max", 1 },
		{ "min", 0 },
	};
	size_t	i;

	if (v->type == YN_SCALAR) {
		if (rules_get_int(p, v, "years", 1, 99, &g->resp_years_min) == 0)
			g->resp_years_max = g->resp_years_min;
		return;
	}
	if (rules_want(p, v, YN_MAP, "years") == -1)
		return;
	for (i = 0; i + 1 < v->n; i += 2)
		switch (rules_kw_lookup(p, kw, nitems(kw), v->kids[i],
		    "years")) {
		case 0:
			rules_get_int(p, v->kids[i + 1], "min", 1, 99,
			    &g->resp_years_min);
			break;
		case 1:
			rules_get_int(p, v->kids[i + 1], "max", 1, 99,
			    &g->resp_years_max);
			break;
		}
	if (g->resp_years_min == 0 && g->resp_years_max == 0 &&
	    !rules_hinted(p, "min") && !rules_hinted(p, "max"))
		rules_perr(p, p->file, v->mark, "'years' needs 'min' and/or "
		    "'max' (or one number)");
	else if (g->resp_years_max != 0 &&
	    g->resp_years_min > g->resp_years_max)
		rules_perr(p, p->file, v->mark, "'years': 'min' %d is more "
		    "than 'max' %d", g->resp_years_min, g->resp_years_max);
}

static void
rules_parse_fromresp(struct rules_pctx *p, struct rules_group *g,
    const struct ynode *v)
{
	struct rules_ref	ref;
	const struct ynode	*k;
	size_t			i;

	if (rules_want(p, v, YN_MAP, "from_responses") == -1)
		return;
	if (ynode_get(v, "item", NULL) == NULL)
		rules_perr(p, p->file, v->mark, "'from_responses' needs "
		    "'item' (CYCLE/ITEM of a deadline with a response)");
	for (i = 0; i + 1 < v->n; i += 2) {
		k = v->kids[i];
		switch (rules_kw_lookup(p, fromresp_kw, nitems(fromresp_kw), k,
		    "from_responses")) {
		case FK_ANSWERS:
			rules_get_list(p, v->kids[i + 1], k->str, 0, 1,
			    &g->resp_answers, &g->nresp_answers);
			break;
		case FK_FY_OFFSET:
			rules_get_int(p, v->kids[i + 1], k->str, -10, 10,
			    &g->resp_fy_offset);
			break;
		case FK_YEARS:
			rules_parse_years(p, g, v->kids[i + 1]);
			break;
		case FK_ITEM:
			memset(&ref, 0, sizeof ref);
			if (rules_get_ref(p, v->kids[i + 1], k->str, &ref) == -1)
				break;
			if (ref.cycle == NULL) {
				rules_perr(p, p->file, ref.mark, "'item' must "
				    "name its cycle: CYCLE/ITEM");
				free(ref.item);
				break;
			}
			free(g->resp_cycle);
			free(g->resp_item);
			g->resp_cycle = ref.cycle;
			g->resp_item = ref.item;
			break;
		}
	}
}

enum { GK_ATTRS, GK_FROM_RESPONSES, GK_ID, GK_MEMBERS, GK_NAME, GK_SELECT };
static const struct rules_kw group_kw[] = {	/* keep sorted */
	{ "attrs", GK_ATTRS },
	{ "from_responses", GK_FROM_RESPONSES },
	{ "id", GK_ID },
	{ "members", GK_MEMBERS },
	{ "name", GK_NAME },
	{ "select", GK_SELECT },
};

static void
rules_parse_group(struct rules_pctx *p, const struct ynode *m)
{
	static const char *const req[] = { "id" };
	struct rules		*r = p->r;
	struct rules_group	*g;
	const struct ynode	*k, *v;
	size_t			 i;

	r->groups = xreallocarray(r->groups, r->ngroups + 1,
	    sizeof *r->groups);
	g = &r->groups[r->ngroups];
	memset(g, 0, sizeof *g);
	rules_src_push(&p->group_src, r->ngroups++, p->file, m);
	p->nhints = 0;
	for (i = 0; i + 1 < m->n; i += 2) {
		k = m->kids[i];
		v = m->kids[i + 1];
		switch (rules_kw_lookup(p, group_kw, nitems(group_kw), k,
		    "group")) {
		case GK_ATTRS:
			rules_parse_attrs(p, g, v);
			break;
		case GK_FROM_RESPONSES:
			rules_parse_fromresp(p, g, v);
			break;
		case GK_ID:
			rules_get_id(p, v, k->str, &g->id);
			break;
		case GK_MEMBERS:
		case GK_SELECT:
			/* Flattened in validate.c, once every org is known. */
			if (k->str[0] == 'm')
				(void)rules_want(p, v, YN_SEQ, k->str);
			else
				(void)rules_want(p, v, YN_MAP, k->str);
			break;
		case GK_NAME:
			rules_get_text(p, v, k->str, 1, &g->name);
			break;
		}
	}
	rules_require(p, m, "group", req, nitems(req));
	if (g->name == NULL && g->id != NULL)
		g->name = xstrdup(g->id);
}

/* A top-level section: a list of mappings, each parsed on its own. */
static void
rules_parse_section(struct rules_pctx *p, const struct ynode *k,
    const struct ynode *v, int which)
{
	const struct ynode	*e;
	size_t			 i;

	if (ynode_is_null(v))
		return;		/* `feeds:` with nothing under it */
	if (rules_want(p, v, YN_SEQ, k->str) == -1)
		return;
	for (i = 0; i < v->n; i++) {
		e = v->kids[i];
		if (e->type != YN_MAP) {
			rules_perr(p, p->file, e->mark, "each entry of '%s' "
			    "must be a mapping with an 'id', not %s", k->str,
			    ynode_type_name(e));
			continue;
		}
		switch (which) {
		case TK_CONTACTS:
			rules_parse_contact(p, e);
			break;
		case TK_CYCLES:
			rules_parse_cycle(p, e);
			break;
		case TK_FEEDS:
			rules_parse_feed(p, e);
			break;
		case TK_GROUPS:
			rules_parse_group(p, e);
			break;
		case TK_ORGANISATIONS:
			rules_parse_org(p, e);
			break;
		case TK_POLICIES:
			rules_parse_policy(p, e);
			break;
		}
	}
}

void
rules_parse_tree(struct rules_pctx *p, const struct ynode *root)
{
	size_t	i;
	int	which;

	if (root->type != YN_MAP) {
		rules_perr(p, p->file, root->mark, "a rule file must be a "
		    "mapping of organisations, groups, contacts, policies, "
		    "cycles and feeds, not %s", ynode_type_name(root));
		return;
	}
	for (i = 0; i + 1 < root->n; i += 2) {
		which = rules_kw_lookup(p, top_kw, nitems(top_kw),
		    root->kids[i], "a rule file");
		if (which != -1)
			rules_parse_section(p, root->kids[i],
			    root->kids[i + 1], which);
	}
}
