/*
 * feedsel.c — which occurrences a public feed shows, by its selection
 * keys (docs/rules-syntax.md, "Feeds"). Shared by `koyomi plan --feed`
 * and the daemon's feed server, so both always agree.
 */
#include <string.h>

#include "rules/rules.h"

static int
in_list(char *const *v, size_t n, const char *s)
{
	size_t	 i;

	if (s == NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/*
 * 1 when member (an org or group id) is one of ids, inside one of its
 * groups, or an organisation inside one of them by `parent` (a 地区 of
 * its 圏域); the parent chain is followed at most 32 steps.
 */
static int
member_listed(const struct rules *r, char *const *ids, size_t n,
    const char *member)
{
	const struct rules_group	*g;
	const struct rules_org		*o;
	size_t				 i;
	int				 depth;

	for (depth = 0; member != NULL && depth < 32; depth++) {
		if (in_list(ids, n, member))
			return 1;
		for (i = 0; i < n; i++)
			if ((g = rules_find_group(r, ids[i])) != NULL &&
			    in_list(g->members, g->nmembers, member))
				return 1;
		o = rules_find_org(r, member);
		member = o != NULL ? o->parent : NULL;
	}
	return 0;
}

int
rules_feed_select(const struct rules *r, const struct rules_feed *f,
    const struct occ *o)
{
	if (o->adhoc || o->case_code != NULL)
		return 0;	/* undated items and cases are never public */
	if (f->ncycles > 0 && !in_list(f->cycles, f->ncycles, o->cycle_id))
		return 0;
	if (f->kinds != 0 && !(f->kinds & (1 << o->kind)))
		return 0;
	if (f->naudience > 0 && !in_list(f->audience, f->naudience,
	    o->audience))
		return 0;
	if (f->nmembers > 0 && o->member != NULL &&
	    !member_listed(r, f->members, f->nmembers, o->member))
		return 0;
	if (f->members_only && o->member == NULL)
		return 0;
	if (!f->deadlines && o->is_deadline)
		return 0;
	return 1;
}
