/*
 * notify_template_test.c — mail templates: the built-in Japanese texts,
 * a missing variable is an error (never a blank), override files read and
 * checked by template_load() (the daemon's start and reload, `koyomi
 * check`), and rendering that never goes back to the disk.
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

#include "calendars/cal.h"
#include "calendars/util.h"
#include "notifier/template.h"

/* Loads dir, frees the set; the number of problems found. */
static size_t
load_errors(const char *dir, char ***errs, size_t *nerrs)
{
	struct tmpl_set	*t;
	size_t		 before = *nerrs;

	t = template_load(dir, errs, nerrs);
	assert_true((t == NULL) == (*nerrs > before));
	template_free(t);
	return *nerrs - before;
}

static void
free_errors(char **errs, size_t nerrs)
{
	size_t	i;

	for (i = 0; i < nerrs; i++)
		free(errs[i]);
	free(errs);
}

static void
reminder_vars(struct tmpl_vars *v)
{
	template_vars_init(v);
	template_set(v, "to", "東京都　ご担当者様");
	template_set(v, "org", "東京都");
	template_set(v, "title", "令和7年度 参加意向調査");
	template_set(v, "fy", "令和7年度");
	template_set(v, "source", "令和7年度 事業説明資料 p.3");
	template_set(v, "coordinator", "厚生労働省 精神・障害保健課");
	template_set_day(v, "due", cal_from_ymd(2026, 2, 20));
	template_set(v, "link", "http://127.0.0.1:8080/c/LINK");
	template_set(v, "days_left", "7");
}

static void
test_builtin_reminder(void **state)
{
	struct tmpl_vars	 v;
	char			*subj, *body, *cause;

	(void)state;
	reminder_vars(&v);
	assert_int_equal(template_render(NULL, TMPL_REMINDER, &v, &subj, &body,
	    &cause), 0);
	assert_string_equal(subj, "【ご提出のお願い】令和7年度 参加意向調査"
	    "（期限：令和8年2月20日（金））");
	assert_int_equal(strncmp(body, "東京都　ご担当者様\n\n"
	    "いつもお世話になっております。", strlen("東京都　ご担当者様\n\n"
	    "いつもお世話になっております。")), 0);
	assert_non_null(strstr(body, "■提出期限：令和8年2月20日（金）"));
	assert_non_null(strstr(body, "http://127.0.0.1:8080/c/LINK"));
	assert_non_null(strstr(body, "本メールは koyomi から自動送信しています。"));
	assert_null(strstr(body, "{{"));
	free(subj);
	free(body);
	template_vars_free(&v);
}

static void
test_missing_variable(void **state)
{
	struct tmpl_vars	 v;
	char			*subj, *body, *cause;

	(void)state;
	template_vars_init(&v);
	template_set(&v, "title", "調査");
	assert_int_equal(template_render(NULL, TMPL_REMINDER, &v, &subj, &body,
	    &cause), -1);
	assert_null(subj);
	assert_null(body);
	assert_non_null(strstr(cause, "not set"));
	free(cause);
	template_vars_free(&v);
}

static void
test_every_kind_renders(void **state)
{
	const char *const all[] = { "to", "org", "title", "fy", "source",
	    "coordinator", "due", "link", "days_left", "days_over", "assignee",
	    "items", "count", "old_date", "new_date", "date", "done_at", "by" };
	struct tmpl_vars	 v;
	char			*subj, *body, *cause, **errs = NULL;
	size_t			 i, nerrs = 0;
	int			 k;

	(void)state;
	template_vars_init(&v);
	for (i = 0; i < nitems(all); i++)
		template_set(&v, all[i], "X");
	for (k = 0; k < TMPL_NKINDS; k++) {
		assert_int_equal(template_render(NULL, k, &v, &subj, &body,
		    &cause), 0);
		assert_true(strlen(subj) > 0);
		assert_null(strchr(subj, '\n'));
		free(subj);
		free(body);
		assert_int_equal(template_kind_from_name(template_kind_name(k)),
		    k);
	}
	assert_int_equal(load_errors(NULL, &errs, &nerrs), 0);
	template_vars_free(&v);
}

static void
test_digest_items(void **state)
{
	struct tmpl_vars	 v;

	(void)state;
	template_vars_init(&v);
	template_digest_add(&v, "参加意向調査", cal_from_ymd(2026, 2, 20),
	    "http://x/c/1");
	template_digest_add(&v, "事前提出", cal_from_ymd(2026, 3, 2),
	    "http://x/c/2");
	assert_string_equal(v.values[0], "・参加意向調査（期限：令和8年2月20日"
	    "（金））\n　http://x/c/1\n・事前提出（期限：令和8年3月2日（月））\n"
	    "　http://x/c/2\n");
	template_vars_free(&v);
}

static void
write_file(const char *path, const char *text)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_override_file(void **state)
{
	char			 dir[] = "/tmp/koyomi-tmpl.XXXXXX", path[256];
	struct tmpl_vars	 v;
	struct tmpl_set		*t;
	char			*subj, *body, *cause, **errs = NULL;
	size_t			 nerrs = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/reminder.txt", dir);
	write_file(path, "Subject: 催促 {{title}}\n\n{{to}}\n期限は{{ due }}です。\n");
	reminder_vars(&v);
	t = template_load(dir, &errs, &nerrs);
	assert_non_null(t);
	assert_int_equal(nerrs, 0);
	assert_int_equal(template_render(t, TMPL_REMINDER, &v, &subj, &body,
	    &cause), 0);
	assert_string_equal(subj, "催促 令和7年度 参加意向調査");
	assert_string_equal(body, "東京都　ご担当者様\n期限は令和8年2月20日（金）"
	    "です。\n");
	free(subj);
	free(body);
	/* Kinds without a file keep the built-in text. */
	template_set(&v, "days_over", "3");
	assert_int_equal(template_render(t, TMPL_OVERDUE, &v, &subj, &body,
	    &cause), 0);
	assert_non_null(strstr(subj, "【ご提出のお願い（期限超過）】"));
	free(subj);
	free(body);
	template_free(t);
	/* A variable the kind does not provide: the load fails, located. */
	write_file(path, "Subject: 催促\n\n本文\n{{to}} {{assignee}}\n");
	assert_null(template_load(dir, &errs, &nerrs));
	assert_int_equal(nerrs, 1);
	assert_non_null(strstr(errs[0], "/reminder.txt:4:8: error: template "
	    "reminder has no variable {{assignee}}"));
	/* No Subject line. */
	write_file(path, "本文だけ\n");
	assert_int_equal(load_errors(dir, &errs, &nerrs), 1);
	assert_non_null(strstr(errs[1], "reminder.txt:1:1: error: first line"));
	/* Not UTF-8: refused as a whole. */
	write_file(path, "Subject: \xff\n\n本文\n");
	assert_int_equal(load_errors(dir, &errs, &nerrs), 1);
	assert_non_null(strstr(errs[2], "reminder.txt: not a UTF-8 text"));
	free_errors(errs, nerrs);
	unlink(path);
	rmdir(dir);
	template_vars_free(&v);
}

/*
 * Rendering works from what template_load read: with the override file
 * rewritten and then removed along with its folder, the loaded set still
 * gives the loaded text (a render that opened the file would give the new
 * text, then fall back to the built-in one); only a new load sees a change.
 */
static void
test_loaded_once(void **state)
{
	char			 dir[] = "/tmp/koyomi-tmpl.XXXXXX", path[256];
	struct tmpl_vars	 v;
	struct tmpl_set		*t, *t2;
	char			*subj, *body, *cause, **errs = NULL;
	size_t			 nerrs = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/reminder.txt", dir);
	write_file(path, "Subject: 初版 {{title}}\n\n初版の本文\n");
	reminder_vars(&v);
	assert_non_null(t = template_load(dir, &errs, &nerrs));
	write_file(path, "Subject: 改訂 {{title}}\n\n改訂の本文\n");
	assert_int_equal(template_render(t, TMPL_REMINDER, &v, &subj, &body,
	    &cause), 0);
	assert_string_equal(subj, "初版 令和7年度 参加意向調査");
	assert_string_equal(body, "初版の本文\n");
	free(subj);
	free(body);
	/* A reload reads the new text; the old set is unchanged. */
	assert_non_null(t2 = template_load(dir, &errs, &nerrs));
	assert_int_equal(template_render(t2, TMPL_REMINDER, &v, &subj, &body,
	    &cause), 0);
	assert_string_equal(subj, "改訂 令和7年度 参加意向調査");
	free(subj);
	free(body);
	/* A broken text on reload: no set, and the running one still works. */
	write_file(path, "Subject: {{nope}}\n\n本文\n");
	assert_null(template_load(dir, &errs, &nerrs));
	assert_int_equal(nerrs, 1);
	unlink(path);
	rmdir(dir);
	assert_int_equal(template_render(t, TMPL_REMINDER, &v, &subj, &body,
	    &cause), 0);
	assert_string_equal(subj, "初版 令和7年度 参加意向調査");
	free(subj);
	free(body);
	assert_int_equal(template_render(t2, TMPL_REMINDER, &v, &subj, &body,
	    &cause), 0);
	assert_string_equal(body, "改訂の本文\n");
	free(subj);
	free(body);
	template_free(t);
	template_free(t2);
	free_errors(errs, nerrs);
	template_vars_free(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_reminder),
		cmocka_unit_test(test_missing_variable),
		cmocka_unit_test(test_every_kind_renders),
		cmocka_unit_test(test_digest_items),
		cmocka_unit_test(test_override_file),
		cmocka_unit_test(test_loaded_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
