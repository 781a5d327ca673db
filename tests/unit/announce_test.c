/*
 * announce_test.c — the pieces of reload announcements that need no
 * daemon: the revision watch sees changes and cancellations (never new
 * UIDs) inside reconcile's transaction and can roll it back; meeting
 * recipients come from member, assignees and audience, each address
 * once; dates read in 和暦 with time and span; error lines are clipped on
 * a character boundary; the failure key is stable and content-bound;
 * notices list items.
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
#include "daemon/chase/announce_msg.h"
#include "daemon/store/revisions.h"
#include "daemon/store/store.h"
#include "notifier/template.h"

#define STORE_FIXTURE_NAME	"koyomi-ann"
#include "tests/unit/revisions_fixture.h"

struct seen {
	char	 what[8][32];
	int	 n, flushes, fail;
};

static int
w_change(void *arg, const struct revision *old, const struct occ *o,
    int seq, time_t now)
{
	struct seen	*s = arg;

	(void)now;
	assert_true(s->n < 8);
	snprintf(s->what[s->n++], sizeof s->what[0], "%s %s %d->%d",
	    o != NULL ? "chg" : "can", old->uid, old->sequence, seq);
	return s->fail ? -1 : 0;
}

static int
w_flush(void *arg)
{
	((struct seen *)arg)->flushes++;
	return 0;
}

static void
test_watch(void **state)
{
	struct store		*s = ((struct store_fx *)*state)->s;
	struct occ		 o[2];
	struct occ_list		 l = { o, 2 };
	struct seen		 sn;
	struct revisions_watch	 w = { w_change, w_flush, &sn };
	struct revisions	 rs;

	occ_set(&o[0], "a", "1111", 100);
	occ_set(&o[1], "b", "2222", 200);
	memset(&sn, 0, sizeof sn);
	/* First load: new UIDs only, nothing to announce. */
	assert_int_equal(store_revisions_reconcile_watch(s, &l, 0, 999, 1000,
	    &w), 2);
	assert_int_equal(sn.n, 0);
	assert_int_equal(sn.flushes, 1);
	/* a moves, b is removed. */
	occ_set(&o[0], "a", "1112", 107);
	l.n = 1;
	assert_int_equal(store_revisions_reconcile_watch(s, &l, 0, 999, 2000,
	    &w), 2);
	assert_int_equal(sn.n, 2);
	assert_string_equal(sn.what[0], "chg a 0->1");
	assert_string_equal(sn.what[1], "can b 0->1");
	/* A failing watch rolls the change back: SEQUENCE stays. */
	memset(&sn, 0, sizeof sn);
	sn.fail = 1;
	occ_set(&o[0], "a", "1113", 114);
	assert_int_equal(store_revisions_reconcile_watch(s, &l, 0, 999, 3000,
	    &w), -1);
	assert_int_equal(store_revisions_load(s, &rs), 0);
	assert_int_equal(revisions_find(&rs, "a")->sequence, 1);
	assert_string_equal(revisions_find(&rs, "a")->hash, "1112");
	revisions_free(&rs);
	/* Replayed without the fault: announced once, at SEQUENCE 2. */
	sn.fail = 0;
	sn.n = 0;
	assert_int_equal(store_revisions_reconcile_watch(s, &l, 0, 999, 3000,
	    &w), 1);
	assert_int_equal(sn.n, 1);
	assert_string_equal(sn.what[0], "chg a 1->2");
}

static const char RULES[] =
    "organisations:\n"
    "  - {id: o1, name: 甲県, type: prefecture}\n"
    "  - {id: o2, name: 乙県, type: prefecture}\n"
    "  - {id: o3, name: 丙県, type: prefecture}\n"
    "groups:\n"
    "  - {id: g, name: 組, members: [o1, o2]}\n"
    "contacts:\n"
    "  - {id: c1, org: o1, name: 甲, mail: k@example.jp}\n"
    "  - {id: c1b, org: o1, name: 甲二, mail: k@example.jp}\n"
    "  - {id: c2, org: o2, name: 乙, mail: o@example.jp}\n"
    "  - {id: c3, org: o3, name: 丙, mail: h@example.jp}\n"
    "cycles:\n"
    "  - id: c\n"
    "    title: 事業\n"
    "    items:\n"
    "      - {id: m, kind: meeting, title: 会議, date: 6月1日}\n";

static void
test_rcpts(void **state)
{
	struct rules_diag	 d;
	struct rules		*r;
	struct chase_rcpt	*v;
	struct occ		 o;
	size_t			 n;

	(void)state;
	rules_diag_init(&d);
	r = rules_load_buf("t.yaml", RULES, strlen(RULES), &d);
	if (r == NULL)
		fail_msg("%s", d.n ? d.msgs[0] : "rules");
	occ_set(&o, "u", "1", 1);
	o.audience = "g";
	n = announce_meeting_rcpts(r, &o, &v);
	assert_int_equal(n, 2);		/* k@ once, o@; not h@ */
	assert_string_equal(v[0].mail, "k@example.jp");
	assert_string_equal(v[1].mail, "o@example.jp");
	free(v);
	o.audience = NULL;
	o.member = "o3";
	n = announce_meeting_rcpts(r, &o, &v);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].mail, "h@example.jp");
	free(v);
	o.member = NULL;
	assert_int_equal(announce_meeting_rcpts(r, &o, &v), 0);
	free(v);
	rules_free(r);
	rules_diag_free(&d);
}

static void
test_when(void **state)
{
	struct occ	o;
	char		s[128];
	cal_day		d = cal_from_ymd(2026, 2, 20);

	(void)state;
	occ_set(&o, "u", "1", d);
	announce_when(&o, s, sizeof s);
	assert_string_equal(s, "令和8年2月20日（金）");
	o.start_secs = 13 * 3600 + 30 * 60;
	announce_when(&o, s, sizeof s);
	assert_string_equal(s, "令和8年2月20日（金） 13:30");
	o.start_secs = -1;
	o.end = d + 1;
	announce_when(&o, s, sizeof s);
	assert_string_equal(s, "令和8年2月20日（金）～令和8年2月21日（土）");
}

static void
test_clip_key(void **state)
{
	const char	*a[] = { "x.yaml:1:1: error: 一", "x.yaml:2:1: error: b" };
	const char	*b[] = { "x.yaml:1:1: error: 一" };
	char		 k1[65], k2[65], k3[65], *s;

	(void)state;
	s = announce_clip("あいう", 7);		/* 3 bytes each */
	assert_string_equal(s, "あい…");
	free(s);
	s = announce_clip("abc", 3);
	assert_string_equal(s, "abc");
	free(s);
	announce_failure_key(a, 2, k1);
	announce_failure_key(a, 2, k2);
	announce_failure_key(b, 1, k3);
	assert_int_equal(strlen(k1), 64);
	assert_string_equal(k1, k2);
	assert_string_not_equal(k1, k3);
}

static void
test_notices(void **state)
{
	struct tmpl_vars	 v;
	char			*subj, *body, *cause = NULL;
	const char		*all[] = { "to", "org", "title", "fy", "source",
	    "coordinator", "count" };
	size_t			 i;

	(void)state;
	template_vars_init(&v);
	for (i = 0; i < sizeof all / sizeof all[0]; i++)
		template_set(&v, all[i], "X");
	template_notice_add(&v, "会議", "令和8年6月1日（月）",
	    "令和8年6月8日（月）");
	template_notice_add(&v, "研修", "令和8年7月1日（水）", NULL);
	template_set(&v, "count", "2");
	assert_int_equal(template_render(NULL, TMPL_NOTICES, &v, &subj, &body,
	    &cause), 0);
	assert_string_equal(subj, "【日程変更・中止のお知らせ】2件");
	assert_non_null(strstr(body, "・会議\n　変更前：令和8年6月1日（月）\n"
	    "　変更後：令和8年6月8日（月）\n"));
	assert_non_null(strstr(body, "・研修\n　日程：令和8年7月1日（水）（中止）"));
	free(subj);
	free(body);
	template_vars_free(&v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_watch, store_fx_setup,
		    store_fx_teardown),
		cmocka_unit_test(test_rcpts),
		cmocka_unit_test(test_when),
		cmocka_unit_test(test_clip_key),
		cmocka_unit_test(test_notices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
