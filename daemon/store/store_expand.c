/*
 * store_expand.c — the run-time facts rule expansion needs (store.h):
 * every case and every recorded survey answer. No cap: a read that
 * fails half-way is an error, never a shorter list, because a missing
 * answer would cancel the tasks of an answer-based group.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "rules/rules.h"
#include "daemon/store/store_int.h"
#include "daemon/store/store_util.h"

static const char sql_cases[] =
    "SELECT cycle, code, org, start_day, closed_day FROM cases ORDER BY id";
static const char sql_answers[] =
    "SELECT cycle, item, fy, assignee, answer, answer_text FROM tasks"
    " WHERE answer IS NOT NULL AND cancelled = 0 ORDER BY id";

static cal_day
col_day(sqlite3_stmt *st, int col, cal_day none)
{
	const unsigned char	*s = sqlite3_column_text(st, col);
	cal_day			 d;

	return s != NULL && cal_parse_iso((const char *)s, &d) == 0 ? d : none;
}

static int
read_cases(struct store *s, struct rules_expand_ctx *x)
{
	sqlite3_stmt		*st;
	struct rules_case	*c;
	int			 rc;

	if ((st = store_stmt(s, sql_cases)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		x->cases = xreallocarray((void *)(uintptr_t)x->cases,
		    x->ncases + 1, sizeof *x->cases);
		c = (struct rules_case *)(uintptr_t)&x->cases[x->ncases++];
		c->cycle = store_col_dup(st, 0);
		c->code = store_col_dup(st, 1);
		c->org = store_col_dup(st, 2);
		c->start = col_day(st, 3, 0);
		c->closed = col_day(st, 4, CAL_OPEN);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "read cases");
		return -1;
	}
	return 0;
}

static int
read_answers(struct store *s, struct rules_expand_ctx *x)
{
	sqlite3_stmt		*st;
	struct rules_answer	*a;
	int			 rc;

	if ((st = store_stmt(s, sql_answers)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		x->answers = xreallocarray((void *)(uintptr_t)x->answers,
		    x->nanswers + 1, sizeof *x->answers);
		a = (struct rules_answer *)(uintptr_t)&x->answers[x->nanswers++];
		a->cycle = store_col_dup(st, 0);
		a->item = store_col_dup(st, 1);
		a->fy = sqlite3_column_int(st, 2);
		a->assignee = store_col_dup(st, 3);
		a->answer = store_col_dup(st, 4);
		a->text = store_col_dup(st, 5);	/* 累計N年目, for `years` */
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		store_fail(s, "read survey answers");
		return -1;
	}
	return 0;
}

int
store_expand_facts(struct store *s, struct rules_expand_ctx *x)
{
	if (read_cases(s, x) == -1 || read_answers(s, x) == -1) {
		store_expand_facts_free(x);
		return -1;
	}
	return 0;
}

void
store_expand_facts_free(struct rules_expand_ctx *x)
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
	x->cases = NULL;
	x->answers = NULL;
	x->ncases = x->nanswers = 0;
}
