/*
 * rules_fixture.h — the rule-loading helpers several rules_*_test.c
 * share (a header of static inline functions, so each test binary links
 * nothing more). Define RULES_FIXTURE_FILE, the name errors are reported
 * under, before including it; cmocka.h and rules/rules.h come first.
 */
#ifndef RULES_FIXTURE_H
#define RULES_FIXTURE_H

#include <string.h>

/* TEXT loaded as one file; diagnostics in D (initialised here). */
static inline struct rules *
load(const char *text, struct rules_diag *d)
{
	rules_diag_init(d);
	return rules_load_buf(RULES_FIXTURE_FILE, text, strlen(text), d);
}

/* TEXT must load; its messages are shown and left in D. */
static inline struct rules *
load_shown(const char *text, struct rules_diag *d)
{
	struct rules	*r;
	size_t		 i;

	r = load(text, d);
	for (i = 0; i < d->n; i++)
		print_message("%s\n", d->msgs[i]);
	assert_non_null(r);
	return r;
}

/* TEXT must load without error or warning (the messages are shown). */
static inline struct rules *
must_load(const char *text)
{
	struct rules_diag	 d;
	struct rules		*r;

	r = load_shown(text, &d);
	assert_int_equal(d.nwarnings, 0);
	rules_diag_free(&d);
	return r;
}

/* TEXT must load without error; warnings are shown, not refused. */
static inline struct rules *
must_load_warned(const char *text)
{
	struct rules_diag	 d;
	struct rules		*r;

	r = load_shown(text, &d);
	rules_diag_free(&d);
	return r;
}

/* The occurrence UID of L, or NULL. */
static inline const struct occ *
find(const struct occ_list *l, const char *uid)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].uid, uid) == 0)
			return &l->v[i];
	return NULL;
}

/* The occurrence UID of L, failing the test when there is none. */
static inline const struct occ *
must(const struct occ_list *l, const char *uid)
{
	const struct occ	*o = find(l, uid);

	if (o == NULL)
		fail_msg("no occurrence %s", uid);
	return o;
}

#endif
