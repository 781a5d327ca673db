/*
 * expand_group.c — who is in a group in one fiscal year. Static members
 * were flattened by the validator; a group built from survey answers
 * (`from_responses`) takes the answers of its year, filtered by option
 * and by the year count given with them (参加予定（継続） 累計3年目); a
 * static group that holds such a group adds its members of that year.
 */
#include <stdlib.h>
#include <string.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "rules/expand.h"

#define GROUP_MAX_DEPTH	40	/* the validator allows 32 levels */

/* The rules' own copy of an org or contact id, or NULL if unknown. */
static const char *
group_own_id(const struct rules *r, const char *id)
{
	const struct rules_org		*o;
	const struct rules_contact	*c;

	if ((o = rules_find_org(r, id)) != NULL)
		return o->id;
	if ((c = rules_find_contact(r, id)) != NULL)
		return c->id;
	return NULL;
}

int
rules_answer_years(const char *text)
{
	char		*s;
	const char	*p, *q;
	long		 n = 0;

	if (text == NULL)
		return 0;
	s = cal_normalize(text);
	/* "累計3年目", "3年目": the number before 年目. */
	if ((p = strstr(s, "年目")) != NULL) {
		for (q = p; q > s && q[-1] >= '0' && q[-1] <= '9'; q--)
			;
		if (q < p && p - q <= 3)
			n = strtol(q, NULL, 10);
	} else {
		/* A bare number ("3", " 3 "). */
		for (p = s; *p == ' '; p++)
			;
		for (q = p; *q >= '0' && *q <= '9' && q - p < 3; q++)
			;
		while (*q == ' ')
			q++;
		if (q > p && *q == '\0')
			n = strtol(p, NULL, 10);
	}
	free(s);
	return n >= 1 && n <= 99 ? (int)n : 0;
}

/* Does answer a fall into dynamic group g for fiscal year fy? */
static int
group_takes(const struct rules_group *g, const struct rules_answer *a,
    int fy)
{
	size_t	 k;
	int	 y;

	if (a->fy != fy + g->resp_fy_offset ||
	    strcmp(a->item, g->resp_item) != 0 ||
	    (g->resp_cycle != NULL && strcmp(a->cycle, g->resp_cycle) != 0))
		return 0;
	for (k = 0; k < g->nresp_answers; k++)
		if (strcmp(a->answer, g->resp_answers[k]) == 0)
			break;
	if (g->nresp_answers > 0 && k == g->nresp_answers)
		return 0;
	if (g->resp_years_min == 0 && g->resp_years_max == 0)
		return 1;
	/* A filter on the year count needs one: none given, not taken. */
	y = rules_answer_years(a->text);
	return y > 0 && (g->resp_years_min == 0 || y >= g->resp_years_min) &&
	    (g->resp_years_max == 0 || y <= g->resp_years_max);
}

static void
group_add(const char ***v, size_t *n, size_t *cap, const char *id)
{
	size_t	 k;

	for (k = 0; k < *n; k++)
		if (strcmp((*v)[k], id) == 0)
			return;
	if (*n + 1 >= *cap) {
		*cap = *cap ? *cap * 2 : 16;
		*v = xreallocarray(*v, *cap, sizeof **v);
	}
	(*v)[(*n)++] = id;
}

static void
group_collect(const struct rules *r, size_t gix, int fy,
    const struct rules_expand_ctx *ctx, int depth, const char ***v,
    size_t *n, size_t *cap)
{
	const struct rules_group	*g = &r->groups[gix];
	const char			*id;
	size_t				 i;

	if (depth > GROUP_MAX_DEPTH)
		return;
	if (g->resp_item != NULL) {
		for (i = 0; ctx != NULL && i < ctx->nanswers; i++) {
			if (!group_takes(g, &ctx->answers[i], fy))
				continue;
			/*
			 * Members are the rule set's own id strings, never
			 * the caller's: occurrences outlive the context.
			 */
			if ((id = group_own_id(r, ctx->answers[i].assignee)) !=
			    NULL)
				group_add(v, n, cap, id);
		}
		return;
	}
	for (i = 0; i < g->nmembers; i++)
		group_add(v, n, cap, g->members[i]);
	for (i = 0; g->dynamic && i < g->nsubgroups; i++)
		if (g->subgroups[i] < r->ngroups &&
		    r->groups[g->subgroups[i]].dynamic)
			group_collect(r, g->subgroups[i], fy, ctx, depth + 1, v,
			    n, cap);
}

size_t
expand_group_members(const struct rules *r, size_t gix, int fy,
    const struct rules_expand_ctx *ctx, const char ***out)
{
	const struct rules_group	*g = &r->groups[gix];
	const char			**v = NULL;
	size_t				 n = 0, cap = 0, i;

	if (g->resp_item == NULL && !g->dynamic) {
		/* Flattened and unique already: no quadratic dedupe. */
		v = xcalloc(g->nmembers + 1, sizeof *v);
		for (i = 0; i < g->nmembers; i++)
			v[i] = g->members[i];
		*out = v;
		return g->nmembers;
	}
	group_collect(r, gix, fy, ctx, 0, &v, &n, &cap);
	if (v == NULL)
		v = xcalloc(1, sizeof *v);
	*out = v;
	return n;
}
