/*
 * tasks_sync_test.c — reconciling the tasks table with expanded rules,
 * in one go and in steps: each step commits a bounded number of rows,
 * the digest is written by the last one only (so an unchanged reload
 * writes nothing afterwards), a sync dropped half-way is finished by the
 * next one without duplicates, new tasks get ids in (uid, assignee)
 * order whatever the step size, and a step after a rules swap writes
 * nothing.
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

#include <sqlite3.h>

#include "calendars/cal.h"
#include "daemon/core/koyomi.h"
#include "daemon/store/store.h"
#include "daemon/chase/tasks_sync.h"
#include "rules/rules.h"

#define RULES_FIXTURE_FILE	"sync.yaml"
#include "tests/unit/rules_fixture.h"

#define STORE_FIXTURE_NAME	"tasks_sync"
#include "tests/unit/store_fixture.h"

#define FY	2026

static const char BASE[] =
"organisations:\n"
"  - {id: mhlw, name: 厚生労働省, type: ministry}\n"
"  - {id: o1, name: 青森県}\n"
"  - {id: o2, name: 岩手県}\n"
"  - {id: o3, name: 宮城県}\n"
"  - {id: o4, name: 秋田県}\n"
"  - {id: o5, name: 山形県}\n"
"groups:\n"
"  - {id: all, members: [o1, o2, o3, o4, o5]}\n"
"cycles:\n"
"  - id: c\n"
"    title: 事業\n"
"    organiser: mhlw\n"
"    items:\n"
"      - {id: a, kind: deadline, title: 意向調査, date: 2月20日, "
"assignees: all}\n"
"      - {id: b, kind: deadline, title: 報告, date: 3月10日, "
"assignees: all}\n";

/* BASE and one more deadline: five more tasks. */
static const char MORE[] =
"      - {id: z, kind: deadline, title: 追加, date: 3月24日, "
"assignees: all}\n";

struct fx {
	struct store_fx	*sf;		/* the store of k */
	struct koyomi	 k;
	sqlite3		*db;		/* a second connection: what committed */
};

static int
setup(void **state)
{
	struct fx	*f = test_calloc(1, sizeof *f);
	char		*cause = NULL;

	f->sf = store_fx_new(1);
	f->k.store = f->sf->s;
	f->k.zone = cal_zone_new("Asia/Tokyo", &cause);
	assert_non_null(f->k.zone);
	assert_int_equal(sqlite3_open_v2(f->sf->path, &f->db,
	    SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	*state = f;
	return 0;
}

static void
swap(struct fx *f, const char *extra)
{
	struct rules_diag	 d;
	char			 text[2048];

	occ_list_free(&f->k.occs);
	rules_free(f->k.rules);
	snprintf(text, sizeof text, "%s%s", BASE, extra);
	f->k.rules = must_load(text);
	rules_diag_init(&d);
	f->k.occ_from = cal_fy_first(FY, 4);
	f->k.occ_to = cal_fy_last(FY, 4);
	assert_int_equal(rules_expand(f->k.rules, f->k.occ_from, f->k.occ_to,
	    NULL, &f->k.occs, &d), 0);
	rules_diag_free(&d);
	f->k.generation++;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	occ_list_free(&f->k.occs);
	rules_free(f->k.rules);
	sqlite3_close(f->db);
	cal_zone_free(f->k.zone);
	store_fx_free(f->sf);		/* closes f->k.store */
	test_free(f);
	return 0;
}

static long long
count(struct fx *f, const char *sql)
{
	sqlite3_stmt	*st;
	long long	 n = -1;

	assert_int_equal(sqlite3_prepare_v2(f->db, sql, -1, &st, NULL),
	    SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static long long
ntasks(struct fx *f)
{
	return count(f, "SELECT count(*) FROM tasks");
}

static long long
has_digest(struct fx *f)
{
	return count(f, "SELECT count(*) FROM settings"
	    " WHERE key = 'tasks_sync_digest'");
}

/* 1 when task ids follow (uid, assignee) order. */
static int
ids_in_order(struct fx *f)
{
	return count(f, "SELECT count(*) FROM (SELECT uid, assignee,"
	    " lag(uid) OVER (ORDER BY id) AS pu,"
	    " lag(assignee) OVER (ORDER BY id) AS pa FROM tasks)"
	    " WHERE pu > uid OR (pu = uid AND pa > assignee)") == 0;
}

static struct tasks_sync *
begin(struct fx *f, int want_err)
{
	struct tasks_sync	*ts;
	int			 err = -1;

	ts = tasks_sync_begin(&f->k, &f->k.occs, f->k.occ_from, f->k.occ_to,
	    1000, &err);
	assert_int_equal(err, want_err);
	return ts;
}

static void
test_steps(void **state)
{
	struct fx			*f = *state;
	struct tasks_sync		*ts;
	const struct tasks_sync_stats	*st;
	int				 i, rc = 1;

	swap(f, "");
	ts = begin(f, 0);
	assert_non_null(ts);
	/* 10 tasks, 3 per step: 3, 6, 9 and the last one with the digest. */
	for (i = 1; i <= 3; i++) {
		assert_int_equal(tasks_sync_step(ts, 3), 1);
		assert_int_equal(ntasks(f), 3 * i);
		assert_int_equal(has_digest(f), 0);
		/* Every task is written with its audit row. */
		assert_int_equal(count(f, "SELECT count(*) FROM task_events"
		    " WHERE action = 'created'"), 3 * i);
	}
	assert_int_equal(tasks_sync_step(ts, 3), 0);
	assert_int_equal(ntasks(f), 10);
	assert_int_equal(has_digest(f), 1);
	st = tasks_sync_stats(ts);
	assert_int_equal(st->created, 10);
	assert_int_equal(st->cancelled + st->restored + st->changed, 0);
	tasks_sync_free(ts);
	assert_true(ids_in_order(f));

	/* The same rules again: the digest matches, nothing to write. */
	assert_null(begin(f, 0));

	/* A new deadline; the sync is dropped after one step of 2 ... */
	swap(f, MORE);
	ts = begin(f, 0);
	assert_non_null(ts);
	assert_int_equal(tasks_sync_step(ts, 2), 1);
	assert_int_equal(ntasks(f), 12);
	tasks_sync_free(ts);
	/* ... and the next one writes only the other 3, no duplicate. */
	ts = begin(f, 0);
	assert_non_null(ts);
	for (i = 0; i < 10 && rc == 1; i++)
		rc = tasks_sync_step(ts, 0);
	assert_int_equal(rc, 0);
	assert_int_equal(tasks_sync_stats(ts)->created, 3);
	tasks_sync_free(ts);
	assert_int_equal(ntasks(f), 15);
	assert_int_equal(count(f, "SELECT count(*) FROM (SELECT DISTINCT uid,"
	    " assignee FROM tasks)"), 15);
	assert_true(ids_in_order(f));

	/* The deadline leaves the rules: its 5 tasks are cancelled. */
	swap(f, "");
	ts = begin(f, 0);
	assert_non_null(ts);
	assert_int_equal(tasks_sync_step(ts, 0), 0);
	assert_int_equal(tasks_sync_stats(ts)->cancelled, 5);
	tasks_sync_free(ts);
	assert_int_equal(count(f, "SELECT count(*) FROM tasks"
	    " WHERE cancelled = 1"), 5);
	assert_int_equal(ntasks(f), 15);
}

/* Runs a sync, comparing rows rows per step; returns the compare steps. */
static int
sync_in_steps(struct fx *f, size_t rows, struct tasks_sync_stats *out)
{
	struct tasks_sync	*ts;
	long long		 events;
	int			 i, rc = 1;

	events = count(f, "SELECT count(*) FROM task_events");
	ts = begin(f, 0);
	assert_non_null(ts);
	for (i = 0; i < 1000 && rc == 1; i++)
		rc = tasks_sync_compare(ts, rows);
	assert_int_equal(rc, 0);
	/* Nothing is written by the comparison. */
	assert_int_equal(count(f, "SELECT count(*) FROM task_events"), events);
	assert_int_equal(tasks_sync_step(ts, 0), 0);
	*out = *tasks_sync_stats(ts);
	tasks_sync_free(ts);
	return i;
}

/*
 * The comparison in steps of 1, 2 or 7 rows: the wanted pairs first, then
 * pages of the table; the same result as in one go, in as many steps as
 * the pages need.
 */
static void
test_compare_steps(void **state)
{
	struct fx		*f = *state;
	struct tasks_sync_stats	 st;
	static const size_t	 rows[] = { 1, 2, 7 };
	size_t			 k;
	int			 steps, n;

	swap(f, "");
	/* An empty table: the pairs, then one empty page. */
	assert_int_equal(sync_in_steps(f, 2, &st), 2);
	assert_int_equal(st.created, 10);
	for (k = 0; k < sizeof rows / sizeof rows[0]; k++) {
		/* A new deadline (5 tasks), then it leaves again. */
		swap(f, MORE);
		n = (int)ntasks(f);
		steps = sync_in_steps(f, rows[k], &st);
		/* The pairs, then n / rows pages and the one found short. */
		assert_int_equal(steps, 1 + n / (int)rows[k] + 1);
		assert_int_equal(st.created + st.restored, 5);
		assert_int_equal(st.cancelled + st.changed, 0);
		swap(f, "");
		steps = sync_in_steps(f, rows[k], &st);
		assert_int_equal(steps, 1 + 15 / (int)rows[k] + 1);
		assert_int_equal(st.cancelled, 5);
		assert_int_equal(st.created + st.restored + st.changed, 0);
	}
	assert_int_equal(ntasks(f), 15);
	assert_int_equal(count(f, "SELECT count(*) FROM tasks"
	    " WHERE cancelled = 1"), 5);
	assert_true(ids_in_order(f));
	/* A step larger than pairs and table: the whole comparison in one. */
	swap(f, MORE);
	assert_int_equal(sync_in_steps(f, 1000, &st), 1);
	assert_int_equal(st.restored, 5);
	/* 10 pairs and 15 rows in steps of 20: the pairs and 10 rows,
	 * then the last 5: two steps. */
	swap(f, "");
	assert_int_equal(sync_in_steps(f, 20, &st), 2);
	assert_int_equal(st.cancelled, 5);
}

/* A step after the rules were swapped under it writes nothing. */
static void
test_swapped(void **state)
{
	struct fx		*f = *state;
	struct tasks_sync	*ts;

	swap(f, "");
	ts = begin(f, 0);
	assert_non_null(ts);
	assert_int_equal(tasks_sync_step(ts, 4), 1);
	assert_int_equal(ntasks(f), 4);
	swap(f, MORE);
	assert_int_equal(tasks_sync_step(ts, 4), -1);
	assert_int_equal(ntasks(f), 4);
	assert_int_equal(has_digest(f), 0);
	tasks_sync_free(ts);
	/* The new rules' sync, in one go, completes the table. */
	ts = begin(f, 0);
	assert_non_null(ts);
	assert_int_equal(tasks_sync_step(ts, 0), 0);
	assert_int_equal(tasks_sync_stats(ts)->created, 11);
	tasks_sync_free(ts);
	assert_int_equal(ntasks(f), 15);
	assert_int_equal(has_digest(f), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compare_steps, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_swapped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
