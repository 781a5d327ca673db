/*
 * expand_party.c — who takes part in an occurrence (struct occ.parties,
 * the ids whose private feeds show it) and whom a case gives its
 * deadlines (see expand.h). Pure, like the rest of the expander.
 */
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "rules/expand.h"

static void
party_add(struct occ *o, const char *id)
{
	size_t	 i;

	for (i = 0; i < o->nparties; i++)
		if (o->parties[i] == id || strcmp(o->parties[i], id) == 0)
			return;
	o->parties = xreallocarray(o->parties, o->nparties + 1,
	    sizeof *o->parties);
	o->parties[o->nparties++] = id;
}

/*
 * What one `organiser`, `attendees` or `audience` entry names: an
 * organisation or contact, a group's members (answer-based groups with
 * the answers of ctx), or else the contacts holding that role. Free
 * text names nobody.
 */
static void
party_entry(const struct rules *r, const char *s, int fy,
    const struct rules_expand_ctx *ctx, struct occ *o)
{
	const struct rules_group	*g;
	const struct rules_contact	*c;
	const char			**mem, *id;
	size_t				 n, i, k;

	if ((id = expand_own_id(r, s)) != NULL) {
		party_add(o, id);
		return;
	}
	if ((g = rules_find_group(r, s)) != NULL) {
		n = expand_group_members(r, (size_t)(g - r->groups), fy, ctx,
		    &mem);
		for (i = 0; i < n; i++)
			party_add(o, mem[i]);
		free(mem);
		return;
	}
	for (i = 0; i < r->ncontacts; i++) {
		c = &r->contacts[i];
		for (k = 0; k < c->nroles; k++)
			if (strcmp(c->roles[k], s) == 0) {
				party_add(o, c->id);
				break;
			}
	}
}

void
expand_parties(const struct rules *r, const struct rules_item *it, int fy,
    const struct rules_expand_ctx *ctx, const struct inst *in, struct occ *o)
{
	const struct rules_cycle	*c = &r->cycles[it->cycle];
	const char			*id;
	size_t				 i;

	for (i = 0; i < it->norganiser; i++)
		party_entry(r, it->organiser[i], fy, ctx, o);
	if (it->norganiser == 0 && c->organiser != NULL &&
	    (id = expand_own_id(r, c->organiser)) != NULL)
		party_add(o, id);
	for (i = 0; i < it->nattendees; i++)
		party_entry(r, it->attendees[i], fy, ctx, o);
	/* The occurrence's: a `per: {groups: G}` copy is for its group. */
	if (o->audience != NULL)
		party_entry(r, o->audience, fy, ctx, o);
	if (in->case_code != NULL && in->case_org != NULL)
		party_add(o, in->case_org);
}

const char *
expand_case_assignee(const struct rules *r, const struct rules_item *it,
    const struct inst *in)
{
	const struct rules_cycle	*c = &r->cycles[it->cycle];

	if (in->case_org != NULL)
		return in->case_org;
	return c->organiser != NULL ? expand_own_id(r, c->organiser) : NULL;
}

const char *
expand_own_id(const struct rules *r, const char *id)
{
	const struct rules_org		*o;
	const struct rules_contact	*c;

	if ((o = rules_find_org(r, id)) != NULL)
		return o->id;
	if ((c = rules_find_contact(r, id)) != NULL)
		return c->id;
	return NULL;
}
