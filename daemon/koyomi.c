/*
 * koyomi.c — the daemon context's small services: hooks, the clock, and
 * the run-time facts (cases, survey answers) that rule expansion needs.
 */
#include <ev.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/conf.h"
#include "daemon/koyomi.h"
#include "daemon/store_int.h"

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

static char *
col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char	*s = sqlite3_column_text(st, i);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

/* Cases and recorded answers from the store, for rules_expand. */
void
koyomi_expand_ctx(struct koyomi *k, struct rules_expand_ctx *x)
{
	sqlite3_stmt		*st;
	struct rules_case	*c = NULL;
	struct rules_answer	*a = NULL;
	size_t			 nc = 0, na = 0;
	cal_day			 d;
	char			*s;

	memset(x, 0, sizeof *x);
	x->today = koyomi_today(k);
	x->zone = k->zone;	/* cycles with their own `timezone` convert */
	if (k->store == NULL)
		return;
	st = store_stmt(k->store, "SELECT cycle, code, org, start_day, "
	    "closed_day FROM cases ORDER BY id");
	while (st != NULL && sqlite3_step(st) == SQLITE_ROW && nc < 100000) {
		c = xreallocarray(c, nc + 1, sizeof *c);
		c[nc].cycle = col_dup(st, 0);
		c[nc].code = col_dup(st, 1);
		c[nc].org = col_dup(st, 2);
		s = col_dup(st, 3);
		c[nc].start = s != NULL && cal_parse_iso(s, &d) == 0 ? d : 0;
		free(s);
		s = col_dup(st, 4);
		c[nc].closed = s != NULL && cal_parse_iso(s, &d) == 0 ? d :
		    CAL_OPEN;
		free(s);
		nc++;
	}
	if (st != NULL)
		sqlite3_reset(st);
	st = store_stmt(k->store, "SELECT cycle, item, fy, assignee, answer, "
	    "answer_text FROM tasks WHERE answer IS NOT NULL AND "
	    "cancelled = 0 ORDER BY id");
	while (st != NULL && sqlite3_step(st) == SQLITE_ROW && na < 1000000) {
		a = xreallocarray(a, na + 1, sizeof *a);
		a[na].cycle = col_dup(st, 0);
		a[na].item = col_dup(st, 1);
		a[na].fy = sqlite3_column_int(st, 2);
		a[na].assignee = col_dup(st, 3);
		a[na].answer = col_dup(st, 4);
		a[na].text = col_dup(st, 5);	/* 累計N年目, for `years` */
		na++;
	}
	if (st != NULL)
		sqlite3_reset(st);
	x->cases = c;
	x->ncases = nc;
	x->answers = a;
	x->nanswers = na;
}

void
koyomi_expand_ctx_free(struct rules_expand_ctx *x)
{
	size_t	 i;

	for (i = 0; i < x->ncases; i++) {
		free((char *)(uintptr_t)x->cases[i].cycle);
		free((char *)(uintptr_t)x->cases[i].code);
		free((char *)(uintptr_t)x->cases[i].org);
	}
	for (i = 0; i < x->nanswers; i++) {
		free((char *)(uintptr_t)x->answers[i].cycle);
		free((char *)(uintptr_t)x->answers[i].item);
		free((char *)(uintptr_t)x->answers[i].assignee);
		free((char *)(uintptr_t)x->answers[i].answer);
		free((char *)(uintptr_t)x->answers[i].text);
	}
	free((void *)(uintptr_t)x->cases);
	free((void *)(uintptr_t)x->answers);
	memset(x, 0, sizeof *x);
}
