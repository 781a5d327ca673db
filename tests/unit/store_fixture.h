/*
 * store_fixture.h — a store of its own for each test, in a fresh folder
 * under /tmp that goes away after it (static inline functions, as in
 * rules_fixture.h: each test binary links nothing more). Define
 * STORE_FIXTURE_NAME, the folder's prefix, before including it; cmocka.h
 * and daemon/store/store.h come first.
 */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

struct store_fx {
	char		 dir[64];	/* /tmp/STORE_FIXTURE_NAME.XXXXXX */
	char		 path[128];	/* dir/k.db */
	struct store	*s;		/* open on path, or NULL */
};

/* A fresh folder; the store opened in it when OPEN. */
static inline struct store_fx *
store_fx_new(int open)
{
	struct store_fx	*f = test_calloc(1, sizeof *f);
	char		*cause = NULL;

	snprintf(f->dir, sizeof f->dir, "/tmp/%s.XXXXXX", STORE_FIXTURE_NAME);
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/k.db", f->dir);
	if (open) {
		f->s = store_open(f->path, &cause);
		if (f->s == NULL)
			fail_msg("store_open: %s", cause);
	}
	return f;
}

/* Closes the store, if open, and removes the folder with all in it. */
static inline void
store_fx_free(struct store_fx *f)
{
	char	 cmd[160];

	store_close(f->s);
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	test_free(f);
}

/* cmocka's setup and teardown for a test on a fresh open store. */
static inline int
store_fx_setup(void **state)
{
	*state = store_fx_new(1);
	return 0;
}

static inline int
store_fx_teardown(void **state)
{
	store_fx_free(*state);
	return 0;
}

#endif
