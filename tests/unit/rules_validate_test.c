/*
 * rules_validate_test.c — checks across entries: duplicate ids,
 * references with hints, loops, group flattening, 地方公共団体コード.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules/model.h"

static struct rules *
load(const char *text, struct rules_diag *d)
{
	rules_diag_init(d);
	return rules_load_buf("v.yaml", text, strlen(text), d);
}

/* Fails unless every line of want (NULL-terminated) came out, in order. */
static void
expect_all(const char *text, const char *const *want)
{
	struct rules_diag	 d;
	struct rules		*r;
	size_t			 i;

	r = load(text, &d);
	for (i = 0; want[i] != NULL; i++) {
		if (i >= d.n)
			fail_msg("missing diagnostic: %s", want[i]);
		assert_string_equal(d.msgs[i], want[i]);
	}
	if (d.n != i)
		fail_msg("unexpected diagnostic: %s", d.msgs[i]);
	assert_null(r);
	rules_diag_free(&d);
}

static void
test_lgcode(void **state)
{
	(void)state;
	assert_true(rules_lgcode_valid("130001"));	/* 東京都 */
	assert_true(rules_lgcode_valid("010006"));	/* 北海道 */
	assert_true(rules_lgcode_valid("011002"));	/* 札幌市 */
	assert_true(rules_lgcode_valid("131016"));	/* 千代田区 */
	assert_true(rules_lgcode_valid("271403"));	/* 堺市 */
	assert_false(rules_lgcode_valid("130002"));
	assert_false(rules_lgcode_valid("13000"));
	assert_false(rules_lgcode_valid("1300010"));
	assert_false(rules_lgcode_valid("13000a"));
	assert_false(rules_lgcode_valid(NULL));
}

#define ORGS \
	"organisations:\n" \
	"  - {id: pref-13, name: 東京都, type: prefecture, code: \"130001\"}\n" \
	"  - {id: pref-01, name: 北海道, type: prefecture}\n" \
	"  - {id: city-x, name: X市, type: municipality, prefecture: pref-13}\n"

static void
test_duplicates_and_refs(void **state)
{
	static const char *const want[] = {
	    "v.yaml:5:9: error: duplicate organisation id 'pref-13' (first "
	    "defined at v.yaml:2:10)",
	    "v.yaml:7:34: error: 'prefecture': unknown organisation 'pref-31' "
	    "(did you mean 'pref-01'?)",
	    "v.yaml:8:34: error: 'prefecture': 'city-x' is a municipality, "
	    "not a prefecture",
	    "v.yaml:10:41: error: 'org': unknown organisation 'nobody'",
	    NULL,
	};

	(void)state;
	expect_all(ORGS
	    "  - id: pref-13\n"
	    "    name: dup\n"
	    "  - {id: a, name: A, prefecture: pref-31}\n"
	    "  - {id: b, name: B, prefecture: city-x}\n"
	    "contacts:\n"
	    "  - {id: c, name: C, mail: c@x.jp, org: nobody}\n", want);
}

static void
test_item_refs(void **state)
{
	static const char *const want[] = {
	    "v.yaml:9:19: error: 'same_day': no item 'mian' in cycle 'c'",
	    "v.yaml:13:24: error: 'to': unknown cycle 'other'",
	    "v.yaml:14:14: error: 'per': unknown group 'blok'",
	    "v.yaml:15:17: error: 'before': an item cannot refer to itself",
	    NULL,
	};

	(void)state;
	expect_all("cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    items:\n"
	    "      - {id: main, kind: meeting, title: M, date: 6月頃}\n"
	    "      - id: s\n"
	    "        kind: meeting\n"
	    "        title: S\n"
	    "        same_day: mian\n"
	    "      - id: r\n"
	    "        kind: deadline\n"
	    "        title: R\n"
	    "        relative: {to: other/x, offset: -1bd}\n"
	    "        per: blok\n"
	    "        before: r\n", want);
}

static void
test_loops(void **state)
{
	static const char *const want[] = {
	    "v.yaml:5:52: error: dates depend on each other in a loop: a → "
	    "c → b → a",
	    "v.yaml:11:33: error: 'members': groups contain each other in a "
	    "loop: g1 → g2 → g3 → g1",
	    NULL,
	};

	(void)state;
	expect_all("cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    items:\n"
	    "      - {id: a, kind: meeting, title: A, same_day: c}\n"
	    "      - {id: b, kind: meeting, title: B, relative: {to: a, "
	    "offset: 1d}}\n"
	    "      - {id: c, kind: meeting, title: C, relative: {to: b, "
	    "offset: 1d}}\n"
	    "groups:\n"
	    "  - {id: g1, members: [g2]}\n"
	    "  - {id: g2, members: [g3]}\n"
	    "  - {id: g3, name: 3, members: [g1]}\n", want);
}

static void
test_group_flattening(void **state)
{
	struct rules_diag		 d;
	struct rules			*r;
	const struct rules_group	*g;

	(void)state;
	r = load(ORGS
	    "groups:\n"
	    "  - {id: tokyo, members: [city-x, pref-13, city-x]}\n"
	    "  - id: all\n"
	    "    members: [tokyo]\n"
	    "    select: {type: prefecture}\n"
	    "    attrs: {host: 東京}\n", &d);
	assert_int_equal(d.n, 0);
	assert_non_null(r);
	g = rules_find_group(r, "all");
	assert_non_null(g);
	assert_int_equal(g->nmembers, 3);
	assert_string_equal(g->members[0], "city-x");
	assert_string_equal(g->members[1], "pref-13");
	assert_string_equal(g->members[2], "pref-01");
	assert_int_equal(g->nattrs, 1);
	assert_string_equal(g->attr_vals[0], "東京");
	rules_free(r);
	rules_diag_free(&d);
}

static void
test_overrides_and_responses(void **state)
{
	static const char *const want[] = {
	    "v.yaml:8:52: error: 'answers': 'たぶん' is not one of the "
	    "options of 'c/intent'",
	    "v.yaml:19:11: error: 'members': 'pref-01' is not a member of "
	    "group 'tokyo'",
	    NULL,
	};

	(void)state;
	expect_all(ORGS
	    "groups:\n"
	    "  - {id: tokyo, members: [pref-13]}\n"
	    "  - id: yes\n"
	    "    from_responses: {item: c/intent, answers: [参加, たぶん]}\n"
	    "cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    items:\n"
	    "      - id: m\n"
	    "        kind: meeting\n"
	    "        title: M\n"
	    "        date: 6月頃\n"
	    "        per: tokyo\n"
	    "        members:\n"
	    "          pref-01: {location: 札幌}\n"
	    "      - {id: intent, kind: deadline, title: I, date: 1月16日,\n"
	    "         response: {options: [参加, 不参加]}}\n",
	    want);
}

static void
test_warnings_do_not_fail(void **state)
{
	struct rules_diag	 d;
	struct rules		*r;

	(void)state;
	r = load("cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    from_fy: 2025\n"
	    "    items:\n"
	    "      - id: m\n"
	    "        kind: meeting\n"
	    "        title: M{n}\n"
	    "        date: 6月頃\n"
	    "        fy: {2024: {cancel: true}}\n", &d);
	assert_non_null(r);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.nwarnings, 2);
	assert_string_equal(d.msgs[0], "v.yaml:8:9: warning: '{n}' in the "
	    "title is only replaced for items with 'dates'");
	assert_string_equal(d.msgs[1], "v.yaml:10:14: warning: 'fy': 2024 is "
	    "outside the cycle's fiscal years; this override is never used");
	rules_free(r);
	rules_diag_free(&d);
}

static void
test_fiscal_year_slips(void **state)
{
	struct rules_diag	 d;
	struct rules		*r;

	(void)state;
	r = load("cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    from_fy: 2025\n"
	    "    items:\n"
	    "      - {id: old, kind: meeting, title: O, date: 2025-03-31}\n"
	    "      - {id: new, kind: meeting, title: N, date: 2025-04-01}\n"
	    "      - {id: jan, kind: survey, title: J, date: 1月16日,\n"
	    "         fy: {2025: {date: 2025-01-16}}}\n"
	    "      - {id: ok, kind: survey, title: K, date: 1月16日,\n"
	    "         fy_shift: -1, fy: {2025: {date: 2025-01-16}}}\n", &d);
	assert_non_null(r);
	assert_int_equal(d.nwarnings, 2);
	assert_string_equal(d.msgs[0], "v.yaml:6:50: warning: '2025-03-31' "
	    "belongs to fiscal year 2024, outside the cycle's fiscal years; "
	    "it never occurs");
	assert_string_equal(d.msgs[1], "v.yaml:9:28: warning: '2025-01-16' "
	    "belongs to fiscal year 2024, not to 2025 of this override (is "
	    "'fy_shift: -1' missing?)");
	rules_free(r);
	rules_diag_free(&d);
}

static void
test_suspicious_but_valid(void **state)
{
	struct rules_diag	 d;
	struct rules		*r;

	(void)state;
	r = load("organisations:\n"
	    "  - {id: a, name: A, code: \"130001\"}\n"
	    "  - {id: b, name: B, code: \"130001\"}\n"
	    "groups:\n"
	    "  - {id: g, name: G}\n"
	    "cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    items:\n"
	    "      - {id: x, kind: deadline, title: X, date: 6月頃, "
	    "assignees: g}\n", &d);
	assert_non_null(r);
	assert_int_equal(d.nerrors, 0);
	assert_int_equal(d.nwarnings, 2);
	assert_string_equal(d.msgs[0], "v.yaml:3:28: warning: 'code': 130001 "
	    "is also the code of 'a' (v.yaml:2:28)");
	assert_string_equal(d.msgs[1], "v.yaml:10:65: warning: 'assignees': "
	    "group 'g' has no members");
	assert_string_equal(rules_kind_name(RK_DEADLINE), "deadline");
	assert_string_equal(rules_kind_ja(RK_MEETING), "会議");
	rules_free(r);
	rules_diag_free(&d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lgcode),
		cmocka_unit_test(test_duplicates_and_refs),
		cmocka_unit_test(test_item_refs),
		cmocka_unit_test(test_loops),
		cmocka_unit_test(test_group_flattening),
		cmocka_unit_test(test_overrides_and_responses),
		cmocka_unit_test(test_warnings_do_not_fail),
		cmocka_unit_test(test_fiscal_year_slips),
		cmocka_unit_test(test_suspicious_but_valid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
