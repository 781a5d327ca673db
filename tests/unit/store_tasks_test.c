/*
 * store_tasks_test.c — the tasks tables through the store: insert from
 * an occurrence, filters (fy, state incl. derived overdue, assignee,
 * coordinator scope), state and answer updates, audit rows, reminder
 * steps, recorded answers and cases; past tasks (due before they were
 * inserted) are neither overdue nor open nor scanned, until tracked;
 * the dashboard's narrow rows; the case a task belongs to and what
 * its rows say of the date (certainty, a move off a closed day).
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

#include "calendars/log.h"
#include "daemon/chase/cases.h"
#include "daemon/store/store.h"
#include "daemon/store/store_int.h"
#include "daemon/store/store_scan.h"
#include "daemon/chase/tasks.h"

#define STORE_FIXTURE_NAME	"store_tasks"
#include "tests/unit/store_fixture.h"

/* Occurrence uid of item in cycle "cy", FY2025, titled title. */
static void
occ_of(struct occ *o, char *uid, const char *item, char *title)
{
	o->uid = uid;
	o->cycle_id = "cy";
	o->item_id = item;
	o->fy = 2025;
	o->title = title;
}

static int64_t
add(struct store *s, struct occ *o, const char *who, time_t due)
{
	struct task_want	 w = { o, who, due, "2026-02-20" };
	int64_t			 id;

	/* As tasks_sync does without chase_past. */
	assert_int_equal(store_task_insert(s, &w, 1000, due < 1000, &id), 0);
	return id;
}

static void
test_tasks(void **state)
{
	struct store_fx		*f = *state;
	struct occ		 o = { 0 };
	struct task_filter	 fl = { .now = 5000 };
	struct task_actor	 a = { "tester", VIA_CLI, "電話" };
	struct task		*v, t;
	const char		*scope[] = { "other" };
	char			**names;
	size_t			 n;
	int64_t			 id1, id2, id3;

	char uid1[] = "cy.due.fy2025@koyomi", t1[] = "提出";

	occ_of(&o, uid1, "due", t1);
	assert_int_equal(store_begin(f->s), 0);
	id1 = add(f->s, &o, "pref-13", 4000);
	id2 = add(f->s, &o, "pref-27", 4000);
	id3 = add(f->s, &o, "pref-01", 9000);
	assert_int_equal(store_task_event(f->s, id1, 1000, "created", &a), 0);
	assert_int_equal(store_commit(f->s), 0);

	assert_int_equal(store_tasks_list(f->s, &fl, &v, &n), 0);
	assert_int_equal(n, 3);
	/* Ordered by due, uid, assignee. */
	assert_string_equal(v[0].assignee, "pref-13");
	assert_string_equal(v[2].assignee, "pref-01");
	tasks_free(v, n);
	fl.state = "overdue";
	assert_int_equal(store_tasks_list(f->s, &fl, &v, &n), 0);
	assert_int_equal(n, 2);
	tasks_free(v, n);
	/* "open" means not finished, overdue or not (past aside). */
	fl.state = "open";
	assert_int_equal(store_tasks_list(f->s, &fl, &v, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(v[2].id, id3);
	tasks_free(v, n);

	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_task_set_state(f->s, id1, "done", 2000), 0);
	assert_int_equal(store_task_event(f->s, id1, 2000, "done", &a), 0);
	assert_int_equal(store_task_set_answer(f->s, id2, "参加", "2年目",
	    2000), 0);
	assert_int_equal(store_task_set_cancelled(f->s, id3, 1, 2000), 0);
	assert_int_equal(store_commit(f->s), 0);

	fl.state = "done";
	assert_int_equal(store_tasks_list(f->s, &fl, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].done_by, "tester");
	assert_string_equal(v[0].done_via, "cli");
	assert_int_equal(v[0].done_at, 2000);
	tasks_free(v, n);
	/* Cancelled tasks are hidden unless asked for. */
	fl.state = NULL;
	assert_int_equal(store_tasks_list(f->s, &fl, &v, &n), 0);
	assert_int_equal(n, 2);
	tasks_free(v, n);
	fl.cancelled = 1;
	fl.ncycles = 1;
	fl.cycles = scope;
	assert_int_equal(store_tasks_list(f->s, &fl, &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);

	assert_int_equal(store_task_get(f->s, id2, &t), 0);
	assert_string_equal(t.answer, "参加");
	assert_string_equal(t.answer_text, "2年目");
	task_free(&t);
	assert_int_equal(store_task_get(f->s, 424242, &t), 1);
	assert_int_equal(store_task_find(f->s, o.uid, "pref-27", &t), 0);
	assert_int_equal(t.id, id2);
	task_free(&t);

	assert_int_equal(store_task_step_add(f->s, id2, "-20s", 3000, 0), 0);
	assert_int_equal(store_task_step_add(f->s, id2, "-20s", 3001, 0), 0);
	assert_int_equal(store_task_step_add(f->s, id2, "0s", 3002, 0), 0);
	assert_int_equal(store_task_steps(f->s, id2, &names, &n), 0);
	assert_int_equal(n, 2);
	free(names[0]);
	free(names[1]);
	free(names);
}

/* State changes per task of an assignee: the private feed's SEQUENCE. */
static void
test_stamps(void **state)
{
	struct store_fx		*f = *state;
	struct occ		 o = { 0 };
	struct task_actor	 a = { NULL, VIA_API, NULL };
	struct task_stamp	*v;
	size_t			 n;
	int64_t			 id1, id2, id3;

	char uid1[] = "cy.due.fy2025@koyomi", uid2[] = "cy.due.fy2026@koyomi";
	char t1[] = "提出";

	occ_of(&o, uid1, "due", t1);
	assert_int_equal(store_begin(f->s), 0);
	id1 = add(f->s, &o, "pref-13", 4000);
	id2 = add(f->s, &o, "pref-27", 4000);
	o.uid = uid2;
	id3 = add(f->s, &o, "pref-13", 9000);
	assert_int_equal(store_task_event(f->s, id1, 1000, "created", &a), 0);
	assert_int_equal(store_task_event(f->s, id1, 2000, "done", &a), 0);
	assert_int_equal(store_task_event(f->s, id1, 3000, "reopened", &a), 0);
	assert_int_equal(store_task_event(f->s, id1, 3500, "due_changed",
	    &a), 0);
	assert_int_equal(store_task_event(f->s, id1, 4000, "done", &a), 0);
	assert_int_equal(store_task_event(f->s, id2, 2000, "waived", &a), 0);
	assert_int_equal(store_task_event(f->s, id3, 1000, "created", &a), 0);
	assert_int_equal(store_commit(f->s), 0);

	/* Only done/reopened/waived/answered count; never-changed left out. */
	assert_int_equal(store_task_stamps(f->s, "pref-13", &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, id1);
	assert_int_equal(v[0].changes, 3);
	assert_int_equal(v[0].at, 4000);
	free(v);
	assert_int_equal(store_task_stamps(f->s, "pref-27", &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, id2);
	assert_int_equal(v[0].changes, 1);
	free(v);
	assert_int_equal(store_task_stamps(f->s, "nobody", &v, &n), 0);
	assert_int_equal(n, 0);
	free(v);
}

static void
test_answers_cases(void **state)
{
	struct store_fx		*f = *state;
	struct occ		 o = { 0 };
	struct store_answers	 ans;
	struct case_row		*c;
	struct rules_case	*rc;
	size_t			 n;
	int64_t			 id;

	char uid2[] = "cy.survey.fy2025@koyomi", t2[] = "調査";

	occ_of(&o, uid2, "survey", t2);
	assert_int_equal(store_begin(f->s), 0);
	id = add(f->s, &o, "pref-13", 4000);
	add(f->s, &o, "pref-27", 4000);
	assert_int_equal(store_task_set_answer(f->s, id, "参加", NULL, 10), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_answers_load(f->s, &ans), 0);
	assert_int_equal(ans.n, 1);
	assert_string_equal(ans.v[0].assignee, "pref-13");
	assert_string_equal(ans.v[0].answer, "参加");
	assert_string_equal(ans.v[0].item, "survey");
	assert_int_equal(ans.v[0].fy, 2025);
	store_answers_free(&ans);

	assert_true(case_code_valid("OR-2025-001"));
	assert_false(case_code_valid("山田太郎"));
	assert_false(case_code_valid(""));
	assert_int_equal(store_case_add(f->s, "outreach", "OR-1", "pref-13",
	    "2025-05-01", 10), 0);
	assert_int_equal(store_case_add(f->s, "outreach", "OR-1", NULL,
	    "2025-05-02", 10), 1);
	assert_int_equal(store_case_add(f->s, "chiiki", "OR-1", NULL,
	    "2025-06-01", 10), 0);
	assert_int_equal(store_case_close(f->s, NULL, "OR-1", "2025-09-01"), 2);
	assert_int_equal(store_case_close(f->s, "outreach", "OR-1",
	    "2025-09-01"), 0);
	assert_int_equal(store_case_close(f->s, "outreach", "OR-1",
	    "2025-09-02"), 3);
	assert_int_equal(store_case_close(f->s, NULL, "nope", "2025-09-01"), 1);
	assert_int_equal(store_cases_list(f->s, &c, &n), 0);
	assert_int_equal(n, 2);
	rc = cases_for_expand(c, n);
	assert_string_equal(rc[1].code, "OR-1");
	assert_int_equal(rc[1].closed, cal_from_ymd(2025, 9, 1));
	assert_int_equal(rc[0].closed, CAL_OPEN);
	free(rc);
	case_rows_free(c, n);
}

/*
 * A task's case comes from the cases of its cycle whose code ends its
 * UID (".case-CODE@koyomi"); the longest such code wins.
 */
static void
test_task_case(void **state)
{
	struct store_fx		*f = *state;
	struct occ		 o = { 0 }, cur = { 0 };
	struct task_filter	 fl = { .now = 5000 };
	struct task		*v;
	struct buf		 b;
	size_t			 n;

	char u1[] = "outreach.report.fy2026.n1.case-OR-1@koyomi";
	char u2[] = "outreach.report.fy2026.case-A.case-1@koyomi";
	char u3[] = "other.report.fy2026.case-OR-1@koyomi";
	char u4[] = "outreach.survey.fy2026@koyomi", t[] = "報告（想定）";

	assert_int_equal(store_case_add(f->s, "outreach", "OR-1", NULL,
	    "2026-04-06", 10), 0);
	assert_int_equal(store_case_add(f->s, "outreach", "1", NULL,
	    "2026-04-06", 10), 0);
	assert_int_equal(store_case_add(f->s, "outreach", "A.case-1", NULL,
	    "2026-04-06", 10), 0);
	o.cycle_id = "outreach";
	o.item_id = "report";
	o.fy = 2026;
	o.title = t;
	assert_int_equal(store_begin(f->s), 0);
	o.uid = u1;
	add(f->s, &o, "pref-13", 1000);
	o.uid = u2;
	add(f->s, &o, "pref-13", 2000);
	o.uid = u3;
	o.cycle_id = "other";		/* OR-1 is outreach's, not other's */
	add(f->s, &o, "pref-13", 3000);
	o.uid = u4;
	o.cycle_id = "outreach";
	add(f->s, &o, "pref-13", 4000);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_tasks_list(f->s, &fl, &v, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(v[0].case_code, "OR-1");
	assert_string_equal(v[1].case_code, "A.case-1");
	assert_null(v[2].case_code);
	assert_null(v[3].case_code);

	/* The first moved off 振替休日 and is koyomi's guess; the rows say
	 * so in text, JSON and CSV. The second's occurrence is gone. */
	cur.certainty = OCC_CERT_ASSUMED;
	cur.moved = 1;
	cur.moved_from = cal_from_ymd(2026, 5, 6);
	cur.closed_name = "振替休日";
	task_note_occ(&v[0], &cur);
	task_note_occ(&v[1], NULL);
	buf_init(&b);
	tasks_render_text(v, 2, 5000, &b);
	assert_non_null(strstr(b.data, "\t報告（想定）\tケース：OR-1\t"
	    "※2026-05-06（水）は閉庁日（振替休日）\n"));
	assert_non_null(strstr(b.data, "\tケース：A.case-1\n"));
	buf_reset(&b);
	tasks_render_json(v, 2, 5000, &b);
	assert_non_null(strstr(b.data, "\"case\":\"OR-1\""));
	assert_non_null(strstr(b.data, "\"certainty\":\"assumed\","
	    "\"moved_from\":\"2026-05-06\",\"closed\":\"振替休日\""));
	assert_non_null(strstr(b.data, "\"certainty\":null,"
	    "\"moved_from\":null,\"closed\":null"));
	buf_reset(&b);
	tasks_render_csv(v, 1, 5000, &b);
	assert_non_null(strstr(b.data, ",cancelled,case,certainty,"
	    "moved_from,closed\r\n"));
	assert_non_null(strstr(b.data, ",0,OR-1,assumed,2026-05-06,"
	    "振替休日\r\n"));
	buf_free(&b);
	/* A day kept on a closed day by `adjust: none`. */
	memset(&cur, 0, sizeof cur);
	cur.kept = 1;
	cur.closed_name = "土曜日";
	task_note_occ(&v[0], &cur);
	buf_init(&b);
	tasks_render_text(v, 1, 5000, &b);
	assert_non_null(strstr(b.data, "\t※閉庁日（土曜日）のまま\n"));
	buf_free(&b);
	tasks_free(v, n);
}

struct rows_seen {
	int	 n, past;
	char	 note[32];
};

static int
count_row(const struct task_row *r, void *arg)
{
	struct rows_seen	*x = arg;

	x->n++;
	x->past += r->past;
	if (r->note != NULL)
		snprintf(x->note, sizeof x->note, "%s", r->note);
	return 0;
}

static void
test_past(void **state)
{
	struct store_fx		*f = *state;
	struct occ		 o = { 0 };
	struct task_filter	 fl = { .now = 5000 };
	struct task_actor	 a = { "admin", VIA_CLI, "追跡する" };
	struct scan_cursor	 cur;
	struct scan_task	*sv;
	struct rows_seen	 seen = { 0 };
	struct task		*v, t;
	size_t			 n;
	int64_t			 late, live;
	char uid1[] = "cy.due.fy2025@koyomi", t1[] = "提出";

	o.uid = uid1;
	o.cycle_id = "cy";
	o.item_id = "due";
	o.fy = 2025;
	o.title = t1;
	assert_int_equal(store_begin(f->s), 0);
	late = add(f->s, &o, "pref-13", 500);	/* due before insert (1000) */
	live = add(f->s, &o, "pref-27", 4000);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_task_get(f->s, late, &t), 0);
	assert_int_equal(t.past, 1);
	assert_false(task_is_overdue(&t, 5000));
	assert_string_equal(task_display_state(&t, 5000), "past");
	task_free(&t);
	fl.state = "overdue";
	assert_int_equal(store_tasks_list(f->s, &fl, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, live);
	tasks_free(v, n);
	fl.state = "past";
	assert_int_equal(store_tasks_list(f->s, &fl, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].id, late);
	tasks_free(v, n);
	/* The reminder scan never sees it. */
	store_scan_begin(&cur, 0);
	assert_int_equal(store_scan_page(f->s, &cur, 10, &sv, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(sv[0].id, live);
	store_scan_free(sv, n);
	/* Rows for the dashboard, with the latest note. */
	fl.state = NULL;
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_task_set_past(f->s, late, 0, 6000), 0);
	assert_int_equal(store_task_event(f->s, late, 6000, "tracked", &a), 0);
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_task_rows(f->s, &fl, 1, count_row, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.past, 0);
	assert_string_equal(seen.note, "追跡する");
	store_scan_begin(&cur, 0);
	assert_int_equal(store_scan_page(f->s, &cur, 10, &sv, &n), 0);
	assert_int_equal(n, 2);
	store_scan_free(sv, n);
}

/*
 * The cursor of the exports: pages of the list's rows in its order, all
 * from the snapshot taken at open (a change committed between two pages
 * is not seen, a later cursor sees it), at most STORE_MAX_CURSORS open.
 */
static void
test_cursor(void **state)
{
	struct store_fx		*f = *state;
	struct occ		 o = { 0 };
	struct task_filter	 fl = { .now = 5000 };
	struct task_cursor	*c, *more[STORE_MAX_CURSORS];
	struct task		*v, page[3];
	char			*cause = NULL, who[16];
	int64_t			 ids[7];
	size_t			 n, nv, i, j, total = 0;

	char uid1[] = "cy.due.fy2025@koyomi", t1[] = "提出";

	occ_of(&o, uid1, "due", t1);
	assert_int_equal(store_begin(f->s), 0);
	for (i = 0; i < 7; i++) {
		snprintf(who, sizeof who, "org-%zu", 7 - i);
		/* Two due times: the order is due, then assignee. */
		ids[i] = add(f->s, &o, who, i < 4 ? 4000 : 3000);
	}
	assert_int_equal(store_commit(f->s), 0);
	assert_int_equal(store_tasks_list(f->s, &fl, &v, &nv), 0);
	assert_int_equal(nv, 7);

	c = store_tasks_open(f->s, &fl, &cause);
	assert_non_null(c);
	/* Committed after the snapshot: the cursor does not see it. */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_task_set_state(f->s, v[6].id, "done", 2000), 0);
	assert_int_equal(store_commit(f->s), 0);
	for (j = 0; j < 10; j++) {
		assert_int_equal(store_tasks_read(c, page, 3, &n), 0);
		if (n == 0)
			break;
		assert_true(n <= 3);
		for (i = 0; i < n; i++) {
			assert_int_equal(page[i].id, v[total + i].id);
			assert_string_equal(page[i].state, "open");
			task_free(&page[i]);
		}
		total += n;
	}
	assert_int_equal(total, 7);
	assert_int_equal(store_tasks_read(c, page, 3, &n), 0);
	assert_int_equal(n, 0);
	store_tasks_close(c);

	/* A cursor opened now sees the change. */
	c = store_tasks_open(f->s, &fl, &cause);
	assert_non_null(c);
	assert_int_equal(store_tasks_read(c, page, 3, &n), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		task_free(&page[i]);
	assert_int_equal(store_tasks_read(c, page, 3, &n), 0);
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		task_free(&page[i]);
	assert_int_equal(store_tasks_read(c, page, 3, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].state, "done");
	task_free(&page[0]);
	store_tasks_close(c);
	tasks_free(v, nv);

	/* No more than STORE_MAX_CURSORS at once; closing one frees a place. */
	for (i = 0; i < STORE_MAX_CURSORS; i++) {
		assert_int_equal(store_tasks_busy(f->s), 0);
		more[i] = store_tasks_open(f->s, &fl, &cause);
		assert_non_null(more[i]);
	}
	assert_int_equal(store_tasks_busy(f->s), 1);
	assert_null(store_tasks_open(f->s, &fl, &cause));
	assert_non_null(cause);
	free(cause);
	cause = NULL;
	/* The daemon's own writes go on while they are open. */
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_task_set_state(f->s, ids[0], "done", 2100), 0);
	assert_int_equal(store_commit(f->s), 0);
	store_tasks_close(more[0]);
	assert_int_equal(store_tasks_busy(f->s), 0);
	more[0] = store_tasks_open(f->s, &fl, &cause);
	assert_non_null(more[0]);
	for (i = 0; i < STORE_MAX_CURSORS; i++)
		store_tasks_close(more[i]);
	assert_int_equal(store_tasks_busy(f->s), 0);
}

/*
 * /metrics' counts (store_tasks_metrics, from indexes since migration
 * 11): each state once, overdue by the time given, past apart from
 * overdue, cancelled tasks nowhere; completions by channel.
 */
static void
test_metrics(void **state)
{
	struct store_fx		*f = *state;
	struct occ		 o = { 0 };
	struct tasks_metrics	 m;
	struct task_actor	 cli = { "a", VIA_CLI, NULL };
	struct task_actor	 api = { "b", VIA_API, NULL };
	struct task_actor	 mail = { "c", VIA_MAIL, NULL };
	int64_t			 id[9];
	char			 who[16];
	size_t			 i;

	char uid1[] = "cy.due.fy2025@koyomi", t1[] = "提出";

	occ_of(&o, uid1, "due", t1);
	assert_int_equal(store_begin(f->s), 0);
	/* due 3000 (overdue at 5000) for 0-3, 9000 (open) for 4-8. */
	for (i = 0; i < 9; i++) {
		snprintf(who, sizeof who, "org-%zu", i);
		id[i] = add(f->s, &o, who, i < 4 ? 3000 : 9000);
	}
	assert_int_equal(store_task_set_past(f->s, id[0], 1, 1100), 0);
	assert_int_equal(store_task_set_state(f->s, id[4], "done", 2000), 0);
	assert_int_equal(store_task_event(f->s, id[4], 2000, "done", &cli), 0);
	assert_int_equal(store_task_set_state(f->s, id[5], "done", 2000), 0);
	assert_int_equal(store_task_event(f->s, id[5], 2000, "done", &api), 0);
	assert_int_equal(store_task_set_state(f->s, id[1], "done", 2000), 0);
	assert_int_equal(store_task_event(f->s, id[1], 2000, "answered",
	    &mail), 0);
	assert_int_equal(store_task_set_state(f->s, id[6], "waived", 2000), 0);
	assert_int_equal(store_task_event(f->s, id[6], 2000, "waived", &cli),
	    0);
	assert_int_equal(store_task_set_cancelled(f->s, id[7], 1, 2000), 0);
	assert_int_equal(store_task_set_cancelled(f->s, id[2], 1, 2000), 0);
	assert_int_equal(store_commit(f->s), 0);

	assert_int_equal(store_tasks_metrics(f->s, 5000, &m), 0);
	assert_int_equal(m.by_state[0], 1);	/* open: 8 */
	assert_int_equal(m.by_state[1], 3);	/* done: 1, 4, 5 */
	assert_int_equal(m.by_state[2], 1);	/* waived: 6 */
	assert_int_equal(m.by_state[3], 1);	/* overdue: 3 */
	assert_int_equal(m.by_state[4], 1);	/* past: 0 */
	assert_int_equal(m.completions[VIA_CLI], 1);
	assert_int_equal(m.completions[VIA_API], 1);
	assert_int_equal(m.completions[VIA_MAIL], 1);
	assert_int_equal(m.completions[VIA_DASHBOARD], 0);
	/* Before every due time nothing is overdue. */
	assert_int_equal(store_tasks_metrics(f->s, 2500, &m), 0);
	assert_int_equal(m.by_state[0], 2);
	assert_int_equal(m.by_state[3], 0);
	assert_int_equal(m.by_state[4], 1);
}

/* The query plan SQLite picks for sql, its details joined by "; ". */
static void
plan_of(struct store *s, const char *sql, char *out, size_t len)
{
	sqlite3_stmt	*st;
	char		 q[512];

	snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
	assert_int_equal(sqlite3_prepare_v2(store_db(s), q, -1, &st, NULL),
	    SQLITE_OK);
	out[0] = '\0';
	while (sqlite3_step(st) == SQLITE_ROW) {
		strncat(out, (const char *)sqlite3_column_text(st, 3),
		    len - strlen(out) - 1);
		strncat(out, "; ", len - strlen(out) - 1);
	}
	sqlite3_finalize(st);
}

/*
 * The plans the indexes are there for (the SQL as filter_sql and
 * store_tasks_metrics write it): a list of every year reads tasks_fy in
 * order and sorts only within one due time, so an export's first row
 * comes at once (an index led by "cancelled" once made SQLite sort all
 * the tasks first); /metrics counts from tasks_count and
 * task_events_via alone.
 */
static void
test_plans(void **state)
{
	struct store_fx	*f = *state;
	char		 p[1024];

	plan_of(f->s, "SELECT t.id FROM tasks t WHERE t.cancelled = 0 "
	    "ORDER BY t.fy, t.due, t.uid, t.assignee", p, sizeof p);
	print_message("every year: %s\n", p);
	assert_non_null(strstr(p, "INDEX tasks_fy"));
	assert_null(strstr(p, "TEMP B-TREE FOR ORDER BY"));
	plan_of(f->s, "SELECT t.id FROM tasks t WHERE t.cancelled = 0 AND "
	    "t.fy = 2026 ORDER BY t.fy, t.due, t.uid, t.assignee", p,
	    sizeof p);
	assert_non_null(strstr(p, "INDEX tasks_fy"));
	assert_null(strstr(p, "TEMP B-TREE FOR ORDER BY"));
	plan_of(f->s, "SELECT count(*) FROM tasks WHERE cancelled = 0 AND "
	    "state = 'open' AND past = 0 AND due < 5", p, sizeof p);
	print_message("overdue count: %s\n", p);
	assert_non_null(strstr(p, "COVERING INDEX tasks_count"));
	plan_of(f->s, "SELECT count(*) FROM tasks WHERE cancelled = 0 AND "
	    "state = 'done'", p, sizeof p);
	assert_non_null(strstr(p, "COVERING INDEX tasks_count"));
	plan_of(f->s, "SELECT via, count(*) FROM task_events WHERE action IN "
	    "('done', 'answered') GROUP BY via", p, sizeof p);
	assert_non_null(strstr(p, "COVERING INDEX task_events_via"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tasks, store_fx_setup,
		    store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_stamps, store_fx_setup,
		    store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_answers_cases,
		    store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_task_case,
		    store_fx_setup, store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_plans, store_fx_setup,
		    store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_metrics, store_fx_setup,
		    store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_cursor, store_fx_setup,
		    store_fx_teardown),
		cmocka_unit_test_setup_teardown(test_past, store_fx_setup,
		    store_fx_teardown),
	};

	log_set_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
