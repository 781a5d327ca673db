/*
 * free.c — the destructors of a rule set and of its parts. Nothing here
 * calls back into the parser or the lookups: everything may free.
 */
#include <stdlib.h>
#include <string.h>

#include "rules/parse.h"

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

void
rules_date_clear(struct rules_date *d)
{
	if (d == NULL)
		return;
	free(d->raw);
	free(d->spec);
	memset(d, 0, sizeof *d);
}

void
rules_strv_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
