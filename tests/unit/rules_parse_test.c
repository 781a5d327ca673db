/*
 * rules_parse_test.c — the YAML front end: tree limits, typed values and
 * the exact wording and position of the errors administrators see.
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
	return rules_load_buf("t.yaml", text, strlen(text), d);
}

/* Loads text expecting failure with `want` as the first diagnostic. */
static void
expect_first(const char *text, const char *want)
{
	struct rules_diag	 d;
	struct rules		*r;

	r = load(text, &d);
	assert_null(r);
	assert_true(d.n >= 1);
	assert_string_equal(d.msgs[0], want);
	rules_diag_free(&d);
}

#define DIR_OK \
	"organisations:\n" \
	"  - id: mhlw\n" \
	"    name: 厚生労働省\n" \
	"    type: ministry\n" \
	"policies:\n" \
	"  - id: std\n" \
	"    steps: [-14d, -3bd, \"0d 09:00\", +1bd]\n" \
	"    repeat_overdue: 3bd\n"

static void
test_good_file(void **state)
{
	struct rules_diag	 d;
	struct rules		*r;
	const struct rules_item	*it;
	const struct rules_policy *pol;

	(void)state;
	r = load(DIR_OK
	    "cycles:\n"
	    "  - id: c\n"
	    "    title: 会議\n"
	    "    organiser: mhlw\n"
	    "    policy: std\n"
	    "    items:\n"
	    "      - id: m\n"
	    "        kind: training\n"
	    "        title: 研修\n"
	    "        date: 6月頃\n"
	    "        time: １０：００～１６：３０\n"
	    "        online: hybrid\n"
	    "        window: {from: 7月, to: 10月, consecutive: 2}\n"
	    "      - id: d\n"
	    "        kind: deadline\n"
	    "        title: 提出\n"
	    "        relative: {to: m, offset: -10bd}\n"
	    "        due: \"12:00\"\n", &d);
	assert_int_equal(d.n, 0);
	assert_non_null(r);
	assert_int_equal(r->nitems, 2);
	it = &r->items[0];
	assert_int_equal(it->kind, RK_TRAINING);
	assert_int_equal(it->time.start_secs, 10 * 3600);
	assert_int_equal(it->time.end_secs, 16 * 3600 + 30 * 60);
	assert_int_equal(it->online, RO_HYBRID);
	assert_int_equal(it->window.from_month, 7);
	assert_int_equal(it->window.consecutive, 2);
	assert_string_equal(it->date->raw, "6月頃");
	assert_int_equal(it->date->mark.line, 18);
	assert_int_equal(it->date->mark.col, 15);
	it = &r->items[1];
	assert_int_equal(it->relative_offset.n, -10);
	assert_int_equal(it->relative_offset.unit, RU_BDAY);
	assert_int_equal(it->relative_to.ix, 0);
	assert_int_equal(it->due_secs, 12 * 3600);
	assert_string_equal(it->policy, "std");	/* from the cycle */
	assert_int_equal(it->policy_ix, 0);
	pol = rules_find_policy(r, "std");
	assert_non_null(pol);
	assert_int_equal(pol->nsteps, 4);
	assert_int_equal(pol->steps[2].n, 0);
	assert_int_equal(pol->steps[2].at_secs, 9 * 3600);
	assert_int_equal(pol->steps[3].unit, RU_BDAY);
	assert_true(pol->has_repeat);
	assert_null(rules_find_policy(r, "nope"));
	assert_int_equal(rules_find_item(r, 0, "d"), 1);
	assert_int_equal(rules_find_item(r, 0, "c/m"), 0);
	assert_int_equal(rules_find_item(r, 0, "x/m"), RULES_NONE);
	rules_free(r);
	rules_diag_free(&d);
}

static void
test_unknown_key_hint(void **state)
{
	(void)state;
	expect_first("cycles:\n"
	    "  - id: c\n"
	    "    title: t\n"
	    "    items:\n"
	    "      - id: a\n"
	    "        kind: meeting\n"
	    "        titel: x\n"
	    "        adhoc: true\n",
	    "t.yaml:7:9: error: unknown key 'titel' in item (did you mean "
	    "'title'?)");
	expect_first("feeds:\n  - id: f\n    colour: red\n",
	    "t.yaml:3:5: error: unknown key 'colour' in feed");
	expect_first("organizations:\n  - id: x\n",
	    "t.yaml:1:1: error: unknown key 'organizations' in a rule file "
	    "(did you mean 'organisations'?)");
}

static void
test_wrong_types(void **state)
{
	(void)state;
	expect_first("organisations:\n  - id: o\n    name: [a, b]\n",
	    "t.yaml:3:11: error: 'name' must be text, not a list");
	expect_first("organisations: {id: o}\n",
	    "t.yaml:1:16: error: 'organisations' must be a list, not a "
	    "mapping");
	expect_first("- a\n- b\n",
	    "t.yaml:1:1: error: a rule file must be a mapping of "
	    "organisations, groups, contacts, policies, cycles and feeds, "
	    "not a list");
	expect_first("organisations:\n  - id: \"has space\"\n    name: n\n",
	    "t.yaml:2:9: error: 'id': 'has space' is not a valid id "
	    "(letters, digits, '.', '_', '-'; starting with a letter or "
	    "digit)");
	expect_first("contacts:\n  - id: c\n    person: yes\n    name: n\n"
	    "    mail: a@b.jp\n",
	    "t.yaml:3:13: error: 'person' must be true or false, not 'yes'");
}

static void
test_crlf_rejected(void **state)
{
	(void)state;
	expect_first("organisations:\n  - id: o\n    name: \"a\\r\\nBcc: x\"\n",
	    "t.yaml:3:11: error: 'name' must be one line: CR or LF is not "
	    "allowed here (it would end up in a mail header or calendar "
	    "property)");
}

static void
test_tree_limits(void **state)
{
	struct rules_diag	 d;
	struct rules		*r;
	char			*big;
	size_t			 n = 4 * 1024 * 1024 + 1;

	(void)state;
	expect_first("a: &x [1]\nb: *x\n", "t.yaml:1:4: error: aliases are "
	    "not allowed: remove the anchor '&x'");
	expect_first("a:\n\tb: 1\n", "t.yaml:2:1: error: tab character in "
	    "indentation (YAML indents with spaces)");
	expect_first("", "t.yaml:1:1: error: file is empty (expected a "
	    "mapping with organisations, groups, contacts, policies, cycles "
	    "or feeds)");
	expect_first("# only a comment\n", "t.yaml:1:1: error: file is empty "
	    "(expected a mapping with organisations, groups, contacts, "
	    "policies, cycles or feeds)");
	expect_first("name: caf\xc3\n", "t.yaml:1:10: error: invalid UTF-8 "
	    "(the file must be saved as UTF-8)");
	expect_first("a: 1\na: 2\n", "t.yaml:2:1: error: duplicate key 'a' "
	    "(first at line 1)");
	expect_first("a: 1\n---\nb: 2\n", "t.yaml:2:1: error: only one YAML "
	    "document per file ('---' starts another)");
	expect_first("a: !!binary eA==\n", "t.yaml:1:4: error: tags are not "
	    "allowed");
	big = malloc(n);
	memset(big, 'a', n);
	rules_diag_init(&d);
	r = rules_load_buf("t.yaml", big, n, &d);
	assert_null(r);
	assert_string_equal(d.msgs[0], "t.yaml:1:1: error: file is larger "
	    "than 4 MiB");
	rules_diag_free(&d);
	memset(big, '[', 200);
	memset(big + 200, ']', 200);
	r = rules_load_buf("t.yaml", big, 400, &d);
	assert_null(r);
	assert_string_equal(d.msgs[0], "t.yaml:1:65: error: nesting deeper "
	    "than 64 levels");
	rules_diag_free(&d);
	free(big);
}

static void
test_offsets_and_times(void **state)
{
	(void)state;
	expect_first(DIR_OK "  - id: p2\n    steps: [-3x]\n",
	    "t.yaml:10:13: error: 'steps' must be an offset like -10bd, +3mo "
	    "or \"0d 09:00\" (units d, bd, w, mo, h, min, s), not '-3x'");
	expect_first(DIR_OK "  - id: p2\n    steps: [-1d]\n"
	    "    repeat_overdue: -1d\n",
	    "t.yaml:11:21: error: 'repeat_overdue' must be a positive period "
	    "like 3bd, not '-1d'");
	expect_first("feeds:\n  - id: f\n    refresh: PT6X\n",
	    "t.yaml:3:14: error: 'refresh': 'PT6X' is not an iCalendar "
	    "duration like PT12H or -P1D");
	expect_first("feeds:\n  - id: f\n    alarm: -2bd\n",
	    "t.yaml:3:12: error: 'alarm': business days and months cannot "
	    "be used here; use d, w, h, min or s");
}

static void
test_item_shape(void **state)
{
	(void)state;
	expect_first("cycles:\n  - id: c\n    title: t\n    items:\n"
	    "      - id: a\n        kind: meeting\n        title: A\n",
	    "t.yaml:5:9: error: item a has no date: give 'date', 'dates', "
	    "'same_day', 'relative', 'repeat', 'frequency' or 'adhoc: "
	    "true'");
	expect_first("cycles:\n  - id: c\n    title: t\n    items:\n"
	    "      - id: a\n        kind: meeting\n        title: A\n"
	    "        date: 6月頃\n        dates: [7月頃]\n",
	    "t.yaml:9:9: error: 'date' and 'dates' cannot both be given");
	expect_first("cycles:\n  - id: c\n    title: t\n    items:\n"
	    "      - id: a\n        kind: meeting\n        title: A\n"
	    "        date: 6月頃\n        repeat: {freq: weekly}\n",
	    "t.yaml:9:17: error: a weekly 'repeat' needs 'weekday' (and no "
	    "'day' or 'nth')");
}

/* Values quoted in messages cannot break the one-line format. */
static void
test_messages_stay_one_line(void **state)
{
	(void)state;
	expect_first("cycles:\n  - id: c\n    title: t\n    items:\n"
	    "      - {id: a, kind: meeting, title: A, date: \"x\\ny\\e\"}\n",
	    "t.yaml:5:48: error: 'date': 'x\\ny\\x1b' is not a date form "
	    "(like 2025-06-20, 令和7年6月20日（金）, 6月20日, 6月頃, 4月中, "
	    "1月上旬, 7～10月, 9月以降, 年度末)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_unknown_key_hint),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_crlf_rejected),
		cmocka_unit_test(test_tree_limits),
		cmocka_unit_test(test_offsets_and_times),
		cmocka_unit_test(test_item_shape),
		cmocka_unit_test(test_messages_stay_one_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
