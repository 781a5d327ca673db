/*
 * store_scan_test.c — the bulk reads of store_scan.c: pages of open tasks
 * in (due, id) order with their taken steps, the cursor across pages and
 * ties of due, what is left out (finished, cancelled, too old), the
 * sync rows (every task, cancelled ones too; the callback can stop it),
 * and next_step: the due scan, the earliest time, the triggers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "daemon/store/store.h"
#include "daemon/store/store_scan.h"
#include "daemon/chase/tasks.h"

#define STORE_FIXTURE_NAME	"store_scan"
#include "tests/unit/store_fixture.h"

#define NTASKS	25

static int64_t ids[NTASKS];		/* of the tasks setup() made */
static char uidbuf[NTASKS][32];
static char who[] = "org-1", title[] = "提出";

/*
 * Task i is due at 1000 + 10 * (i / 3): ties of three, so pages must
 * break ties by id. Task 3 is done, task 4 cancelled; tasks 0–2 are due
 * at the scan's limit (only later ones count). Task 7 took two steps,
 * task 8 one.
 */
static int
setup(void **state)
{
	struct store_fx		*f = store_fx_new(1);
	struct occ		 o = { 0 };
	struct task_want	 w = { &o, who, 0, "2026-02-20" };
	int			 i;

	o.cycle_id = "cy";
	o.item_id = "due";
	o.fy = 2025;
	o.title = title;
	assert_int_equal(store_begin(f->s), 0);
	for (i = 0; i < NTASKS; i++) {
		snprintf(uidbuf[i], sizeof uidbuf[i], "cy.d%02d@koyomi", i);
		o.uid = uidbuf[i];
		w.due = 1000 + 10 * (i / 3);
		assert_int_equal(store_task_insert(f->s, &w, 500, 0, &ids[i]),
		    0);
	}
	assert_int_equal(store_task_set_state(f->s, ids[3], "done", 600), 0);
	assert_int_equal(store_task_set_cancelled(f->s, ids[4], 1, 600), 0);
	assert_int_equal(store_task_step_add(f->s, ids[7], "-7d", 700, 0), 0);
	assert_int_equal(store_task_step_add(f->s, ids[7], "-1bd", 800, 0), 0);
	assert_int_equal(store_task_step_add(f->s, ids[8], "0d", 900, 0), 0);
	assert_int_equal(store_commit(f->s), 0);
	*state = f;
	return 0;
}

static int
has_step(const struct scan_task *t, const char *name)
{
	size_t	 i;

	for (i = 0; i < t->nsteps; i++)
		if (strcmp(t->steps[i], name) == 0)
			return 1;
	return 0;
}

/* Pages of every size cover the same tasks once each, in order. */
static void
test_pages(void **state)
{
	struct store_fx		*f = *state;
	struct scan_cursor	 c;
	struct scan_task	*v;
	size_t			 max, n, i, seen;
	int64_t			 expect[NTASKS];
	size_t			 nexpect = 0;
	int			 k, pages;

	for (k = 5; k < NTASKS; k++)	/* 0–2 due at the limit, 3–4 out */
		expect[nexpect++] = ids[k];
	for (max = 1; max <= NTASKS + 1; max++) {
		store_scan_begin(&c, 1000);
		seen = 0;
		for (pages = 0; pages <= NTASKS + 1; pages++) {
			assert_int_equal(store_scan_page(f->s, &c, max, &v, &n),
			    0);
			assert_true(n <= max);
			for (i = 0; i < n; i++) {
				assert_true(seen < nexpect);
				assert_int_equal(v[i].id, expect[seen]);
				seen++;
				if (v[i].id == ids[7]) {
					assert_int_equal(v[i].nsteps, 2);
					assert_true(has_step(&v[i], "-7d"));
					assert_true(has_step(&v[i], "-1bd"));
				} else if (v[i].id == ids[8]) {
					assert_int_equal(v[i].nsteps, 1);
					assert_string_equal(v[i].steps[0], "0d");
				} else
					assert_int_equal(v[i].nsteps, 0);
				assert_string_equal(v[i].uid,
				    uidbuf[v[i].id - ids[0]]);
			}
			store_scan_free(v, n);
			if (n < max)
				break;
		}
		assert_int_equal(seen, nexpect);
	}
	/* Nothing after the last due time; a zero page is empty. */
	store_scan_begin(&c, 1000 + 10 * (NTASKS / 3));
	assert_int_equal(store_scan_page(f->s, &c, 5, &v, &n), 0);
	assert_int_equal(n, 0);
	store_scan_free(v, n);
	assert_int_equal(store_scan_page(f->s, &c, 0, &v, &n), 0);
	assert_int_equal(n, 0);
}

/* What changed between pages is read as it is then. */
static void
test_page_sees_changes(void **state)
{
	struct store_fx		*f = *state;
	struct scan_cursor	 c;
	struct scan_task	*v;
	size_t			 n;

	store_scan_begin(&c, 0);
	assert_int_equal(store_scan_page(f->s, &c, 3, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[2].id, ids[2]);
	store_scan_free(v, n);
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_task_set_state(f->s, ids[5], "waived", 990), 0);
	assert_int_equal(store_task_step_add(f->s, ids[6], "-14d", 990, 0), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_scan_page(f->s, &c, 2, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[0].id, ids[6]);	/* 3 done, 4 cancelled, 5 waived */
	assert_int_equal(v[0].nsteps, 1);
	assert_int_equal(v[1].id, ids[7]);
	store_scan_free(v, n);
}

/* The ids store_scan_due returns at now, in pages of max, in order. */
static size_t
due_ids(struct store_fx *f, time_t now, size_t max, int64_t *out,
    time_t *next, size_t room)
{
	struct scan_cursor	 c;
	struct scan_task	*v;
	size_t			 n, i, got = 0;
	int			 pages;

	store_scan_due_begin(&c);
	for (pages = 0; pages <= NTASKS + 1; pages++) {
		assert_int_equal(store_scan_due(f->s, &c, now, max, &v, &n), 0);
		for (i = 0; i < n; i++) {
			assert_true(got < room);
			next[got] = v[i].next;
			out[got++] = v[i].id;
		}
		store_scan_free(v, n);
		if (n < max)
			break;
	}
	return got;
}

/*
 * next_step: new tasks have 0 (not known) and are all due; a time or
 * none (NULL) set; the due scan returns the open tasks at or before now,
 * in (next_step, id) order across pages of any size, and the earliest
 * next time is the first of the index; the triggers set 0 again when
 * the due time, the state or the steps change.
 */
static void
test_next_step(void **state)
{
	struct store_fx	*f = *state;
	int64_t		 got[NTASKS];
	time_t		 next[NTASKS], when;
	size_t		 n, max;
	int		 i;

	/* 23 open (3 done, 4 cancelled), all not known yet. */
	n = due_ids(f, 0, 7, got, next, NTASKS);
	assert_int_equal(n, NTASKS - 2);
	for (i = 0; i < (int)n; i++)
		assert_int_equal(next[i], 0);
	assert_int_equal(store_next_step(f->s, &when), 0);
	assert_int_equal(when, 0);
	/* Task i at 5000 - 100 * i, task 9 none, task 10 at 4000 too. */
	assert_int_equal(store_begin(f->s), 0);
	for (i = 0; i < NTASKS; i++)
		assert_int_equal(store_task_set_next(f->s, ids[i],
		    i == 9 ? -1 : i == 10 ? 4000 : 5000 - 100 * i), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_next_step(f->s, &when), 0);
	assert_int_equal(when, 5000 - 100 * (NTASKS - 1));
	for (max = 1; max <= 4; max++) {
		/* Due at 4000: tasks 24 … 11, then 10 (4000, a tie by id). */
		n = due_ids(f, 4000, max, got, next, NTASKS);
		assert_int_equal(n, NTASKS - 10);
		for (i = 0; i < (int)n - 1; i++)
			assert_int_equal(got[i], ids[NTASKS - 1 - i]);
		assert_int_equal(got[n - 1], ids[10]);
		assert_int_equal(next[n - 1], 4000);
	}
	/* Nothing due before the earliest. */
	assert_int_equal(due_ids(f, 5000 - 100 * NTASKS, 5, got, next,
	    NTASKS), 0);
	/* Triggers: a new due time, a reopening, a step taken → 0 again. */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_task_update_due(f->s, ids[12], 1234,
	    "2026-02-21", "提出", 990), 0);
	assert_int_equal(store_task_set_state(f->s, ids[3], "open", 990), 0);
	assert_int_equal(store_task_step_add(f->s, ids[9], "-1d", 990, 0), 0);
	/* A write that changes none of them keeps the time. */
	assert_int_equal(store_task_update_due(f->s, ids[13], 1000 + 10 * 4,
	    "2026-02-20", "提出", 990), 0);
	assert_int_equal(store_commit(f->s), 0);
	n = due_ids(f, 1, 5, got, next, NTASKS);
	assert_int_equal(n, 3);
	assert_int_equal(got[0], ids[3]);
	assert_int_equal(got[1], ids[9]);
	assert_int_equal(got[2], ids[12]);
	assert_int_equal(store_next_step(f->s, &when), 0);
	assert_int_equal(when, 0);
	/* Finished tasks leave the index. */
	assert_int_equal(store_begin(f->s), 0);
	for (i = 0; i < NTASKS; i++)
		assert_int_equal(store_task_set_state(f->s, ids[i], "done",
		    995), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_next_step(f->s, &when), 0);
	assert_int_equal(when, -1);
	assert_int_equal(due_ids(f, 99999, 5, got, next, NTASKS), 0);
}

struct count {
	size_t	 n, cancelled, stop_at;
	int64_t	 sum;
};

static int
count_row(const struct sync_row *r, void *arg)
{
	struct count	*c = arg;

	assert_string_equal(r->assignee, "org-1");
	assert_string_equal(r->title, "提出");
	assert_string_equal(r->due_day, "2026-02-20");
	assert_non_null(strstr(r->uid, "@koyomi"));
	c->n++;
	c->cancelled += r->cancelled != 0;
	c->sum += r->id;
	return c->stop_at != 0 && c->n == c->stop_at ? -1 : 0;
}

static void
test_sync_each(void **state)
{
	struct store_fx	*f = *state;
	struct count	 c = { 0 };
	int64_t		 sum = 0;
	int		 i;

	for (i = 0; i < NTASKS; i++)
		sum += ids[i];
	assert_int_equal(store_sync_each(f->s, count_row, &c), 0);
	assert_int_equal(c.n, NTASKS);
	assert_int_equal(c.cancelled, 1);
	assert_int_equal(c.sum, sum);
	memset(&c, 0, sizeof c);
	c.stop_at = 4;
	assert_int_equal(store_sync_each(f->s, count_row, &c), -1);
	assert_int_equal(c.n, 4);
	/* The statement was reset: a second walk starts from the top. */
	memset(&c, 0, sizeof c);
	assert_int_equal(store_sync_each(f->s, count_row, &c), 0);
	assert_int_equal(c.n, NTASKS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pages, setup,
		    store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_page_sees_changes, setup,
		    store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_sync_each, setup,
		    store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_next_step, setup,
		    store_fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
