/*
 * feeds_private_test.c — who a private feed shows an occurrence to, from
 * rules expanded for real: the attendees (organisations, groups, roles
 * and the contacts of an organisation), the organisers (the cycle's by
 * default), an audience defined from survey answers (with the answers
 * given to the expansion), and a case's organisation, which also
 * becomes the assignee of case deadlines naming nobody or `case`.
 * Cases are never public. Parties survive a snapshot (cancelled events).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "daemon/feeds/feeds.h"
#include "daemon/store/revisions.h"

#define RULES \
	"organisations:\n" \
	"  - {id: mhlw, name: 厚生労働省, type: ministry}\n" \
	"  - {id: pref-a, name: Ａ県, type: prefecture}\n" \
	"  - {id: pref-b, name: Ｂ県, type: prefecture}\n" \
	"  - {id: pref-c, name: Ｃ県, type: prefecture}\n" \
	"contacts:\n" \
	"  - {id: c-b, org: pref-b, name: Ｂ県担当, mail: b@pref-b.example.jp}\n" \
	"  - {id: c-ad, person: true, name: 広域AD, mail: ad@example.jp, roles: [adv]}\n" \
	"groups:\n" \
	"  - {id: all, name: 全県, members: [pref-a, pref-b, pref-c]}\n" \
	"  - id: part\n" \
	"    name: 参加県\n" \
	"    from_responses: {item: c/survey, fy_offset: 0, answers: [参加]}\n" \
	"cycles:\n" \
	"  - id: c\n" \
	"    title: 事業\n" \
	"    organiser: mhlw\n" \
	"    items:\n" \
	"      - id: survey\n" \
	"        kind: deadline\n" \
	"        title: 参加意向調査\n" \
	"        date: \"2026-05-01\"\n" \
	"        assignees: all\n" \
	"        response: {options: [参加, 不参加]}\n" \
	"      - {id: joint, kind: meeting, title: 合同会議, date: \"2026-06-01\"," \
	" attendees: [adv, all, 自由記述]}\n" \
	"      - {id: pmeet, kind: meeting, title: 参加県会議, date: \"2026-07-01\"," \
	" organiser: [pref-c], audience: part}\n" \
	"  - id: cs\n" \
	"    title: 個別ケース\n" \
	"    organiser: mhlw\n" \
	"    case: true\n" \
	"    items:\n" \
	"      - {id: intake, kind: meeting, title: 受入会議, case: {at: start}}\n" \
	"      - {id: rep, kind: deadline, title: 報告, case: {at: start}," \
	" assignees: [case]}\n" \
	"      - {id: fixed, kind: deadline, title: 固定報告, case: {at: start}," \
	" assignees: [pref-c]}\n" \
	"      - {id: none, kind: deadline, title: 無指定報告, case: {at: start}}\n" \
	"feeds:\n" \
	"  - {id: pub, title: 公開, deadlines: true}\n"

struct fixture {
	struct rules	*r;
	struct occ_list	 l;
};

static int
setup(void **state)
{
	struct fixture		*f = calloc(1, sizeof(*f));
	struct rules_diag	 d;
	size_t			 i;

	rules_diag_init(&d);
	f->r = rules_load_buf("t.yaml", RULES, strlen(RULES), &d);
	for (i = 0; f->r == NULL && i < d.n; i++)
		print_error("%s\n", d.msgs[i]);
	rules_diag_free(&d);
	if (f->r == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	occ_list_free(&f->l);
	rules_free(f->r);
	free(f);
	return 0;
}

static void
expand(struct fixture *f, const struct rules_expand_ctx *ctx)
{
	struct rules_diag	 d;

	occ_list_free(&f->l);
	rules_diag_init(&d);
	assert_int_equal(rules_expand(f->r, cal_from_ymd(2026, 4, 1),
	    cal_from_ymd(2027, 3, 31), ctx, &f->l, &d), 0);
	rules_diag_free(&d);
}

static const struct occ *
find(const struct fixture *f, const char *item)
{
	size_t	 i;

	for (i = 0; i < f->l.n; i++)
		if (strcmp(f->l.v[i].item_id, item) == 0)
			return &f->l.v[i];
	fail_msg("no occurrence of %s", item);
	return NULL;
}

static int
sees(const struct fixture *f, const char *owner, const char *item)
{
	return feeds_private_selects(f->r, owner, find(f, item));
}

static void
test_attendees_and_organisers(void **state)
{
	struct fixture	*f = *state;

	expand(f, NULL);
	/* attendees: a group's members, a role's contacts, an org's contacts */
	assert_true(sees(f, "pref-a", "joint"));
	assert_true(sees(f, "pref-c", "joint"));
	assert_true(sees(f, "c-ad", "joint"));
	assert_true(sees(f, "c-b", "joint"));
	/* the cycle's organiser when the item names none */
	assert_true(sees(f, "mhlw", "joint"));
	/* the item's own organiser */
	assert_true(sees(f, "pref-c", "pmeet"));
	assert_false(sees(f, "mhlw", "pmeet"));
	/* no answers yet: nobody of the audience */
	assert_false(sees(f, "pref-a", "pmeet"));
	/* someone's survey deadline stays its own */
	assert_true(sees(f, "pref-a", "survey"));
	assert_false(sees(f, "mhlw", "survey"));
}

static void
test_audience_from_answers(void **state)
{
	struct fixture			*f = *state;
	struct rules_answer		 a[2];
	struct rules_expand_ctx		 ctx;

	memset(&ctx, 0, sizeof(ctx));
	a[0] = (struct rules_answer){ "c", "survey", 2026, "pref-a", "参加" };
	a[1] = (struct rules_answer){ "c", "survey", 2026, "pref-b", "不参加" };
	ctx.answers = a;
	ctx.nanswers = 2;
	ctx.today = cal_from_ymd(2026, 5, 2);
	expand(f, &ctx);
	assert_true(sees(f, "pref-a", "pmeet"));
	assert_false(sees(f, "pref-b", "pmeet"));
	assert_false(sees(f, "c-b", "pmeet"));
}

static void
assert_assignees(const struct occ *o, const char *want)
{
	assert_int_equal(o->nassignees, 1);
	assert_string_equal(o->assignees[0], want);
}

static void
test_case(void **state)
{
	struct fixture			*f = *state;
	struct rules_case		 cs;
	struct rules_expand_ctx		 ctx;
	size_t				 i;

	memset(&ctx, 0, sizeof(ctx));
	cs = (struct rules_case){ "cs", "K-001", "pref-b",
	    cal_from_ymd(2026, 6, 10), CAL_OPEN };
	ctx.cases = &cs;
	ctx.ncases = 1;
	ctx.today = cal_from_ymd(2026, 6, 10);
	expand(f, &ctx);
	/* The case's organisation and the cycle's organiser, no one else. */
	assert_true(sees(f, "pref-b", "intake"));
	assert_true(sees(f, "c-b", "intake"));
	assert_true(sees(f, "mhlw", "intake"));
	assert_false(sees(f, "pref-a", "intake"));
	/* `case` and no assignee: the case's org; a fixed one stays. */
	assert_assignees(find(f, "rep"), "pref-b");
	assert_assignees(find(f, "none"), "pref-b");
	assert_assignees(find(f, "fixed"), "pref-c");
	/* Case deadlines reach the case's org even when fixed elsewhere. */
	assert_true(sees(f, "pref-b", "rep"));
	assert_true(sees(f, "pref-b", "fixed"));
	assert_true(sees(f, "pref-c", "fixed"));
	assert_false(sees(f, "pref-a", "fixed"));
	/* Never public. */
	for (i = 0; i < f->l.n; i++)
		if (f->l.v[i].case_code != NULL)
			assert_false(feeds_selects(f->r,
			    rules_find_feed(f->r, "pub"), &f->l.v[i]));
	/* Without an org (or an unknown one): the cycle's organiser. */
	cs.org = NULL;
	expand(f, &ctx);
	assert_assignees(find(f, "rep"), "mhlw");
	assert_assignees(find(f, "none"), "mhlw");
	assert_false(sees(f, "pref-b", "intake"));
	cs.org = "no-such-org";
	expand(f, &ctx);
	assert_assignees(find(f, "rep"), "mhlw");
}

static void
test_snapshot_keeps_parties(void **state)
{
	struct fixture		*f = *state;
	struct revisions_occ	 ro;
	const struct occ	*o;
	struct buf		 b;

	expand(f, NULL);
	o = find(f, "joint");
	buf_init(&b);
	revisions_snapshot(o, &b);
	assert_int_equal(revisions_occ_load(&ro, o->uid, b.data), 0);
	assert_int_equal(ro.occ.nparties, o->nparties);
	assert_true(feeds_private_selects(f->r, "pref-a", &ro.occ));
	assert_true(feeds_private_selects(f->r, "c-ad", &ro.occ));
	revisions_occ_free(&ro);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_attendees_and_organisers,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_audience_from_answers,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snapshot_keeps_parties,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
