/*
 * feeds_build_test.c — feed contents: two renders of an unchanged feed
 * are byte-identical; a change in one occurrence changes only its own
 * VEVENT; cancelled occurrences stay (from their snapshot) for 90 days;
 * private feeds hold the owner's events and deadlines, 【提出済】 when done.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/feeds/feeds.h"

#define RULES \
	"organisations:\n" \
	"  - {id: mhlw, name: 厚生労働省, type: ministry}\n" \
	"  - {id: pref-a, name: Ａ県, type: prefecture}\n" \
	"  - {id: pref-b, name: Ｂ県, type: prefecture}\n" \
	"contacts:\n" \
	"  - {id: c-a, org: pref-a, name: Ａ県担当, mail: a@pref-a.example.jp}\n" \
	"groups:\n" \
	"  - {id: blk, name: ブロック, members: [pref-a]}\n" \
	"cycles:\n" \
	"  - id: c\n" \
	"    title: 会議\n" \
	"    organiser: mhlw\n" \
	"    items:\n" \
	"      - {id: m, kind: meeting, title: 会議, date: \"2026-06-01\"}\n" \
	"feeds:\n" \
	"  - {id: pub, title: 公開, cycles: [c], deadlines: true}\n" \
	"  - {id: nodl, title: 会議のみ, cycles: [c]}\n"

static char *as_ab[] = { (char *)"pref-a", (char *)"pref-b" };

struct fixture {
	struct rules		*r;
	struct occ		 o[3];
	struct occ_list		 l;
	struct revision		 rv[4];
	struct revisions	 revs;
	struct feeds_input	 in;
};

static void
occ_set(struct occ *o, const char *uid, const char *title, cal_day d)
{
	memset(o, 0, sizeof(*o));
	o->uid = (char *)uid;
	o->cycle_id = "c";
	o->item_id = "m";
	o->fy = 2026;
	o->title = (char *)title;
	o->kind = RK_MEETING;
	o->start = o->end = d;
	o->start_secs = 13 * 3600;
	o->end_secs = 17 * 3600;
}

static int
setup(void **state)
{
	struct fixture		*f = calloc(1, sizeof(*f));
	struct rules_diag	 d;

	rules_diag_init(&d);
	f->r = rules_load_buf("t.yaml", RULES, strlen(RULES), &d);
	if (f->r == NULL) {
		for (size_t i = 0; i < d.n; i++)
			print_error("%s\n", d.msgs[i]);
		return -1;
	}
	rules_diag_free(&d);
	occ_set(&f->o[0], "c-m-2026", "全国会議, 第1回", 20605);
	f->o[0].location = (char *)"東京; 会議室";
	f->o[0].audience = "blk";
	occ_set(&f->o[1], "c-d-2026", "参加意向調査", 20504);
	f->o[1].kind = RK_DEADLINE;
	f->o[1].is_deadline = 1;
	f->o[1].start_secs = f->o[1].end_secs = -1;
	f->o[1].assignees = as_ab;
	f->o[1].nassignees = 2;
	occ_set(&f->o[2], "c-t-2026", "研修（6月頃）", 20605);
	f->o[2].status = OCC_TENTATIVE;
	f->o[2].start_secs = f->o[2].end_secs = -1;
	f->o[2].end = 20634;
	f->l.v = f->o;
	f->l.n = 3;
	/* Sorted by uid, as the store returns them. */
	f->rv[0] = (struct revision){ (char *)"c-d-2026", (char *)"h", 2, 1760000000, 0, NULL };
	f->rv[1] = (struct revision){ (char *)"c-m-2026", (char *)"h", 1, 1750000000, 0, NULL };
	f->rv[2] = (struct revision){ (char *)"c-t-2026", (char *)"h", 0, 1740000000, 0, NULL };
	f->rv[3] = (struct revision){ (char *)"c-x-2026", (char *)"h", 4, 1770000000,
	    1770000000, (char *)"{\"cycle\":\"c\",\"item\":\"x\",\"fy\":2026,"
	    "\"kind\":\"meeting\",\"title\":\"中止になった会議\","
	    "\"start\":20700,\"end\":20700,\"start_secs\":36000,"
	    "\"end_secs\":43200,\"deadline\":0}" };
	f->revs.v = f->rv;
	f->revs.n = 4;
	f->in.rules = f->r;
	f->in.occs = &f->l;
	f->in.revs = &f->revs;
	f->in.base_url = "https://koyomi.example";
	f->in.now = 1770000000 + 86400;
	f->in.epoch = 1700000000;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	rules_free(f->r);
	free(f);
	return 0;
}

static char *
render_pub(struct fixture *f, const char *name)
{
	struct buf	 b;
	char		*cause = NULL;

	buf_init(&b);
	assert_int_equal(feeds_render_public(&f->in,
	    rules_find_feed(f->r, name), &b, &cause), 0);
	return buf_steal(&b);
}

/* The n-th "BEGIN:VEVENT…END:VEVENT\r\n" block, or NULL. */
static char *
vevent(const char *s, int n)
{
	const char	*b = s, *e;

	for (;;) {
		if ((b = strstr(b, "BEGIN:VEVENT")) == NULL)
			return NULL;
		e = strstr(b, "END:VEVENT\r\n") + 12;
		if (n-- == 0)
			return strndup(b, (size_t)(e - b));
		b = e;
	}
}

static void
test_identical_and_local_change(void **state)
{
	struct fixture	*f = *state;
	char		*a, *b, *x, *y;
	int		 i, differ = 0;

	a = render_pub(f, "pub");
	b = render_pub(f, "pub");
	assert_string_equal(a, b);
	free(b);
	/* Four events (three live, one cancelled), in UID order. */
	assert_non_null((x = vevent(a, 3)));
	free(x);
	assert_null(vevent(a, 4));
	assert_true(strstr(a, "UID:c-d-2026") < strstr(a, "UID:c-m-2026"));

	/* Move the meeting a day; its revision moves on. */
	f->o[0].start = f->o[0].end = 20606;
	f->rv[1].sequence = 2;
	f->rv[1].dtstamp = 1765000000;
	b = render_pub(f, "pub");
	assert_memory_equal(a, b, (size_t)(strstr(a, "BEGIN:VEVENT") - a));
	for (i = 0; i < 4; i++) {
		x = vevent(a, i);
		y = vevent(b, i);
		if (strcmp(x, y) != 0) {
			differ++;
			assert_non_null(strstr(y, "UID:c-m-2026"));
			assert_non_null(strstr(y, "SEQUENCE:2\r\n"));
			assert_non_null(strstr(y,
			    "DTSTART;TZID=Asia/Tokyo:20260602T130000"));
		}
		free(x);
		free(y);
	}
	assert_int_equal(differ, 1);
	free(a);
	free(b);
}

static void
test_contents(void **state)
{
	struct fixture	*f = *state;
	char		*a;

	a = render_pub(f, "pub");
	assert_non_null(strstr(a, "X-WR-CALNAME:公開\r\n"));
	assert_non_null(strstr(a, "SUMMARY:全国会議\\, 第1回\r\n"));
	assert_non_null(strstr(a, "LOCATION:東京\\; 会議室\r\n"));
	/* The event's own dashboard page (no element had the #UID id). */
	assert_non_null(strstr(a,
	    "URL:https://koyomi.example/occurrences/c-m-2026\r\n"));
	/* The deadline: all-day, exclusive end, transparent. */
	assert_non_null(strstr(a, "SUMMARY:【締切】参加意向調査\r\n"));
	assert_non_null(strstr(a, "DTSTART;VALUE=DATE:20260220\r\n"
	    "DTEND;VALUE=DATE:20260221\r\n"));
	/* The tentative span. */
	assert_non_null(strstr(a, "DTEND;VALUE=DATE:20260701\r\n"));
	assert_non_null(strstr(a, "STATUS:TENTATIVE\r\nTRANSP:TRANSPARENT"));
	/* The cancelled one, from its snapshot. */
	assert_non_null(strstr(a, "SUMMARY:【中止】中止になった会議\r\n"));
	assert_non_null(strstr(a, "STATUS:CANCELLED"));
	free(a);

	a = render_pub(f, "nodl");
	assert_null(strstr(a, "【締切】"));
	free(a);

	/* 91 days after the cancellation it is gone. */
	f->in.now = 1770000000 + 91 * 86400;
	a = render_pub(f, "pub");
	assert_null(strstr(a, "中止になった会議"));
	free(a);
}

static void
test_private(void **state)
{
	struct fixture		*f = *state;
	struct feeds_task	 t = { "c-d-2026", 42, 0, 1780000000 };
	struct buf		 b;
	char			*cause = NULL;

	buf_init(&b);
	assert_int_equal(feeds_render_private(&f->in, "pref-a", &t, 1, &b,
	    &cause), 0);
	assert_non_null(strstr(b.data, "X-WR-CALNAME:koyomi（Ａ県）"));
	assert_non_null(strstr(b.data, "UID:c-m-2026"));	/* audience */
	assert_non_null(strstr(b.data, "SUMMARY:【締切】参加意向調査"));
	assert_non_null(strstr(b.data, "URL:https://koyomi.example/tasks/42"));
	assert_null(strstr(b.data, "UID:c-t-2026"));	/* not pref-a's */
	buf_reset(&b);
	t.done = 1;
	assert_int_equal(feeds_render_private(&f->in, "pref-a", &t, 1, &b,
	    &cause), 0);
	assert_non_null(strstr(b.data, "SUMMARY:【締切】【提出済】参加意向調査"));
	assert_non_null(strstr(b.data, "SEQUENCE:3\r\nDTSTAMP:20260528T"));
	buf_reset(&b);
	/* Done, then reopened: the title goes back, SEQUENCE goes on up. */
	t.done = 0;
	t.changes = 2;
	t.updated = 1780003600;
	assert_int_equal(feeds_render_private(&f->in, "pref-a", &t, 1, &b,
	    &cause), 0);
	assert_non_null(strstr(b.data, "SUMMARY:【締切】参加意向調査"));
	assert_non_null(strstr(b.data, "SEQUENCE:4\r\nDTSTAMP:20260528T"));
	buf_reset(&b);
	/* Done again: higher still. */
	t.done = 1;
	t.changes = 3;
	assert_int_equal(feeds_render_private(&f->in, "pref-a", &t, 1, &b,
	    &cause), 0);
	assert_non_null(strstr(b.data, "SUMMARY:【締切】【提出済】参加意向調査"));
	assert_non_null(strstr(b.data, "SEQUENCE:5\r\n"));
	buf_reset(&b);
	/* pref-b has the deadline but is not in the meeting's audience. */
	assert_int_equal(feeds_render_private(&f->in, "pref-b", NULL, 0, &b,
	    &cause), 0);
	assert_non_null(strstr(b.data, "UID:c-d-2026"));
	assert_null(strstr(b.data, "UID:c-m-2026"));
	buf_reset(&b);
	/* A contact sees its organisation's events and deadlines. */
	assert_int_equal(feeds_render_private(&f->in, "c-a", NULL, 0, &b,
	    &cause), 0);
	assert_non_null(strstr(b.data, "X-WR-CALNAME:koyomi（Ａ県担当）"));
	assert_non_null(strstr(b.data, "UID:c-d-2026"));
	assert_non_null(strstr(b.data, "UID:c-m-2026"));
	assert_null(strstr(b.data, "UID:c-t-2026"));
	buf_free(&b);
}

static void
test_snapshot_round_trip(void **state)
{
	struct fixture		*f = *state;
	struct revisions_occ	 ro;
	struct buf		 b;

	buf_init(&b);
	revisions_snapshot(&f->o[1], &b);
	assert_int_equal(revisions_occ_load(&ro, "c-d-2026", b.data), 0);
	assert_string_equal(ro.occ.title, "参加意向調査");
	assert_string_equal(ro.occ.cycle_id, "c");
	assert_int_equal(ro.occ.start, 20504);
	assert_int_equal(ro.occ.start_secs, -1);
	assert_int_equal(ro.occ.is_deadline, 1);
	assert_int_equal(ro.occ.kind, RK_DEADLINE);
	assert_int_equal(ro.occ.nassignees, 2);
	assert_string_equal(ro.occ.assignees[1], "pref-b");
	assert_int_equal(ro.occ.status, OCC_CANCELLED);
	revisions_occ_free(&ro);
	assert_int_equal(revisions_occ_load(&ro, "x", "{bad"), -1);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identical_and_local_change,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_round_trip,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
