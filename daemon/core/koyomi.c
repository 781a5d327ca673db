/*
 * koyomi.c — the daemon context's small services: hooks, the clock, the
 * run-time facts (cases, survey answers) that rule expansion needs, and
 * the index of the current occurrences by UID, the loading of the mail
 * templates.
 */
#include <ev.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/store/store.h"
#include "notifier/template.h"

void
koyomi_hook_add(struct koyomi *k, enum koyomi_event ev, koyomi_hook_fn fn,
    void *arg)
{
	k->hooks = xreallocarray(k->hooks, k->nhooks + 1, sizeof *k->hooks);
	k->hooks[k->nhooks].ev = ev;
	k->hooks[k->nhooks].fn = fn;
	k->hooks[k->nhooks++].arg = arg;
}

void
koyomi_hook_run(struct koyomi *k, enum koyomi_event ev)
{
	size_t	 i;

	for (i = 0; i < k->nhooks; i++)
		if (k->hooks[i].ev == ev)
			k->hooks[i].fn(k, k->hooks[i].arg);
}

time_t
koyomi_now(struct koyomi *k)
{
	return k->loop != NULL ? (time_t)ev_now(k->loop) : time(NULL);
}

void
koyomi_window(cal_day today, cal_day *from, cal_day *to)
{
	int	 fy = cal_fy_of(today, 4);

	*from = cal_fy_first(fy - 2, 4);
	*to = cal_fy_last(fy + 1, 4);
}

cal_day
koyomi_today(struct koyomi *k)
{
	cal_day	 d;
	int	 secs;

	cal_utc_to_local(k->zone, koyomi_now(k), &d, &secs);
	return d;
}

int
koyomi_this_fy(struct koyomi *k)
{
	return cal_fy_of(koyomi_today(k), 4);
}

int
koyomi_expand_ctx(struct koyomi *k, struct rules_expand_ctx *x)
{
	memset(x, 0, sizeof *x);
	x->today = koyomi_today(k);
	x->zone = k->zone;	/* cycles with their own `timezone` convert */
	x->closed = k->conf != NULL ? &k->conf->closed_days : NULL;
	if (k->store == NULL)
		return 0;
	return store_expand_facts(k->store, x);
}

void
koyomi_expand_ctx_free(struct rules_expand_ctx *x)
{
	store_expand_facts_free(x);
	memset(x, 0, sizeof *x);
}

static int
occ_ptr_cmp(const void *a, const void *b)
{
	const struct occ *const	*x = a, *const *y = b;

	return strcmp((*x)->uid, (*y)->uid);
}

static int
occ_key_cmp(const void *key, const void *elem)
{
	const struct occ *const	*o = elem;

	return strcmp(key, (*o)->uid);
}

void
koyomi_occ_index(struct koyomi *k)
{
	size_t	 i;

	free(k->occ_idx);
	/* An array of pointers: sizeof one pointer is meant. */
	k->occ_idx = xreallocarray(NULL, k->occs.n + 1,
	    sizeof *k->occ_idx);	/* NOLINT(bugprone-sizeof-expression) */
	for (i = 0; i < k->occs.n; i++)
		k->occ_idx[i] = &k->occs.v[i];
	k->nocc_idx = k->occs.n;
	xqsort(k->occ_idx, k->nocc_idx, sizeof *k->occ_idx,	/* NOLINT(bugprone-sizeof-expression) */
	    occ_ptr_cmp);
	k->occ_idx_gen = k->generation;
}

const struct occ *
koyomi_find_occ(struct koyomi *k, const char *uid)
{
	const struct occ	**p;

	if (k->occ_idx == NULL || k->occ_idx_gen != k->generation)
		koyomi_occ_index(k);
	p = bsearch(uid, k->occ_idx, k->nocc_idx,
	    sizeof *k->occ_idx, occ_key_cmp);	/* NOLINT(bugprone-sizeof-expression) */
	return p != NULL ? *p : NULL;
}

struct tmpl_set *
koyomi_templates_load(const struct conf *c, struct rules_diag *d)
{
	struct tmpl_set	*t;
	size_t		 before = d->n;

	t = template_load(c->templates, &d->msgs, &d->n);
	d->nerrors += d->n - before;
	return t;
}

void
koyomi_free(struct koyomi *k)
{
	occ_list_free(&k->occs);
	free(k->occ_idx);
	rules_free(k->rules);
	template_free(k->tmpl);
	store_close(k->store);
	cal_zone_free(k->zone);
	conf_free(k->conf);
	free(k->hooks);
	explicit_bzero(k->link_key, sizeof k->link_key);
	k->occ_idx = NULL;
	k->rules = NULL;
	k->tmpl = NULL;
	k->store = NULL;
	k->zone = NULL;
	k->conf = NULL;
	k->hooks = NULL;
	k->nhooks = 0;
}
