/*
 * revisions_fixture.h — what the tests of event_revisions share: a
 * fresh store per test (store_fixture.h: define STORE_FIXTURE_NAME
 * first) and occurrences that carry only what the revisions read.
 * cmocka.h and daemon/store/revisions.h come first.
 */
#ifndef REVISIONS_FIXTURE_H
#define REVISIONS_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "tests/unit/store_fixture.h"

/* Occurrence UID of cycle "c", item "i", on day D, whose content is HASH. */
static inline void
occ_set(struct occ *o, const char *uid, const char *hash, cal_day d)
{
	memset(o, 0, sizeof(*o));
	o->uid = (char *)uid;
	o->cycle_id = "c";
	o->item_id = "i";
	o->title = (char *)"会議";
	o->start = o->end = d;
	o->start_secs = o->end_secs = -1;
	snprintf(o->hash, sizeof(o->hash), "%s", hash);
}

#endif
