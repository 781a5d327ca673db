/*
 * chase_msg_test.c — who chasing mail goes to (org contacts, a contact
 * assignee, the cycle's coordinator, a role) and the variables of a
 * reminder; task rendering (JSON/CSV/text) and the wanted set; the
 * fields every task webhook starts with.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "calendars/log.h"
#include "daemon/chase/chase_msg.h"
#include "daemon/chase/tasks.h"
#include "rules/rules.h"

#define RULES_FIXTURE_FILE	"t.yaml"
#include "tests/unit/rules_fixture.h"

static const char yaml[] =
"organisations:\n"
"  - {id: pref-13, name: 東京都, type: prefecture, prefecture: pref-13}\n"
"  - {id: pref-27, name: 大阪府, type: prefecture, prefecture: pref-27}\n"
"  - {id: mhlw, name: 厚生労働省, type: ministry}\n"
"contacts:\n"
"  - {id: c-13a, org: pref-13, name: 東京A, mail: a@pref-13.example.jp}\n"
"  - {id: c-13b, org: pref-13, name: 東京B, mail: b@pref-13.example.jp, roles: [boss]}\n"
"  - {id: c-27, org: pref-27, name: 大阪, mail: x@pref-27.example.jp}\n"
"  - {id: c-co, org: mhlw, name: 事務局, mail: co@mhlw.example.jp, roles: [coordinator]}\n"
"policies:\n"
"  - {id: p, steps: [-1bd], escalate: {after: 3bd, to: coordinator}}\n"
"cycles:\n"
"  - id: cy\n"
"    title: テスト事業\n"
"    coordinator: c-co\n"
"    policy: p\n"
"    items:\n"
"      - {id: due, kind: deadline, title: 提出, date: 2026-02-20, assignees: [pref-13, c-27]}\n";

static void
test_rcpts(void **state)
{
	struct rules		*r = must_load(yaml);
	struct chase_rcpt	 v[CHASE_MAX_RCPTS];
	size_t			 n;

	(void)state;
	n = chase_assignee_rcpts(r, "pref-13", v, CHASE_MAX_RCPTS);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].mail, "a@pref-13.example.jp");
	assert_string_equal(v[1].mail, "b@pref-13.example.jp");
	/* A contact assignee, and a limit on how many are returned. */
	n = chase_assignee_rcpts(r, "c-27", v, CHASE_MAX_RCPTS);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].mail, "x@pref-27.example.jp");
	assert_int_equal(chase_assignee_rcpts(r, "pref-27", v, 1), 1);
	assert_int_equal(chase_assignee_rcpts(r, "nobody", v, 4), 0);
	n = chase_escalation_rcpts(r, "cy", "coordinator", v, 4);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].mail, "co@mhlw.example.jp");
	n = chase_escalation_rcpts(r, "cy", "boss", v, 4);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].id, "c-13b");
	n = chase_escalation_rcpts(r, "cy", "c-27", v, 4);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].mail, "x@pref-27.example.jp");
	rules_free(r);
}

static struct task
mk(int64_t id, const char *state, time_t due)
{
	struct task	 t = { 0 };

	t.id = id;
	t.uid = xstrdup("cy-due-fy2025@koyomi");
	t.assignee = xstrdup("pref-13");
	t.cycle = xstrdup("cy");
	t.item = xstrdup("due");
	t.fy = 2025;
	t.title = xstrdup("提出 \"<b>\"");
	t.due = due;
	t.due_day = xstrdup("2026-02-20");
	t.state = xstrdup(state);
	return t;
}

static void
test_vars_render(void **state)
{
	struct rules		*r = must_load(yaml);
	struct cal_zone		*z = cal_zone_new("Asia/Tokyo", NULL);
	time_t			 due = cal_local_to_utc(z,
	    cal_from_ymd(2026, 2, 20), 17 * 3600);
	struct task		 t[2];
	struct tmpl_vars	 tv;
	struct buf		 b;
	char			*subject, *body, *cause = NULL;

	(void)state;
	t[0] = mk(1, "open", due);
	t[1] = mk(2, "done", due);
	template_vars_init(&tv);
	chase_vars(&tv, r, &t[0], z, "http://127.0.0.1/c/x", due - 3 * 86400);
	assert_int_equal(template_render(NULL, TMPL_REMINDER, &tv, &subject,
	    &body, &cause), 0);
	assert_non_null(strstr(body, "東京都　ご担当者様"));
	assert_non_null(strstr(body, "令和8年2月20日（金）"));
	assert_non_null(strstr(body, "あと3日"));
	assert_non_null(strstr(body, "事務局（co@mhlw.example.jp）"));
	assert_non_null(strstr(body, "http://127.0.0.1/c/x"));
	free(subject);
	free(body);
	template_vars_free(&tv);

	assert_true(task_is_overdue(&t[0], due + 1));
	assert_false(task_is_overdue(&t[1], due + 1));
	assert_string_equal(task_display_state(&t[0], due - 1), "open");
	buf_init(&b);
	tasks_render_json(t, 2, due + 1, &b);
	assert_non_null(strstr(b.data, "\"title\":\"提出 \\\"<b>\\\"\""));
	assert_non_null(strstr(b.data, "\"state\":\"open\",\"overdue\":true"));
	assert_non_null(strstr(b.data, "\"count\":2}"));
	buf_reset(&b);
	tasks_render_csv(t, 2, due + 1, &b);
	assert_memory_equal(b.data, "\xef\xbb\xbfid,fy,", 9);
	assert_non_null(strstr(b.data, "\r\n1,2025,cy,due,\"提出 \"\"<b>\"\"\","
	    "pref-13,2026-02-20,overdue,"));
	buf_reset(&b);
	tasks_render_text(t, 2, due - 1, &b);
	assert_non_null(strstr(b.data, "2\t2026-02-20\tdone\tpref-13\t"));
	buf_free(&b);
	task_free(&t[0]);
	task_free(&t[1]);
	cal_zone_free(z);
	rules_free(r);
}

/* The task fields of a webhook, byte for byte as the receivers see them. */
static void
test_task_fields(void **state)
{
	struct task			 t = mk(7, "open", 0);
	struct payload_build		 b;
	const struct payload_event	*ev;
	struct buf			 out;
	char				*cause = NULL;

	(void)state;
	payload_begin(&b, "task.completed", 1771545600);
	chase_task_fields(&b, &t);
	payload_str(&b, "by", "山田");
	assert_non_null(ev = payload_done(&b, &cause));
	buf_init(&out);
	assert_int_equal(payload_render(ev, NOTIFY_HOOK_STANDARD, &out,
	    &cause), 0);
	buf_putc(&out, '\0');
	assert_string_equal(out.data, "{\"type\":\"task.completed\","
	    "\"timestamp\":\"2026-02-20T00:00:00Z\",\"data\":{\"task_id\":7,"
	    "\"uid\":\"cy-due-fy2025@koyomi\",\"cycle\":\"cy\","
	    "\"item\":\"due\",\"fy\":2025,\"title\":\"提出 \\\"<b>\\\"\","
	    "\"assignee\":\"pref-13\",\"due\":\"2026-02-20\","
	    "\"by\":\"山田\"}}");
	buf_free(&out);
	task_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rcpts),
		cmocka_unit_test(test_vars_render),
		cmocka_unit_test(test_task_fields),
	};

	log_set_quiet(1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
