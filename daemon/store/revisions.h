/*
 * revisions.h — the published history of every occurrence UID
 * (event_revisions, store_revisions.c), which gives feeds their SEQUENCE
 * and DTSTAMP and keeps removed occurrences as STATUS:CANCELLED.
 *
 * Rules (design §7, anchors §4 pitfalls 4, 5, 8): a new UID starts at
 * SEQUENCE 0; any change of content (occ.hash) or of existence bumps
 * SEQUENCE by one and sets DTSTAMP to the time of the change; SEQUENCE is
 * never reset, even when a UID disappears and comes back. DTSTAMP does not
 * move between identical renders, so ETags stay stable.
 *
 * The snapshot is a flat JSON object (json_in.h) of the last content, so
 * a cancelled occurrence can still be rendered, and selected by the feed
 * rules, after it left the rules.
 */
#ifndef KOYOMI_REVISIONS_H
#define KOYOMI_REVISIONS_H

#include <stddef.h>
#include <time.h>

#include "calendars/util.h"
#include "rules/rules.h"

struct store;

#define REVISIONS_KEEP_CANCELLED	((time_t)90 * 86400)	/* in feeds that long */

struct revision {
	char	*uid;
	char	*hash;
	int	 sequence;
	time_t	 dtstamp;
	time_t	 cancelled_at;	/* 0 while the occurrence exists */
	char	*snapshot;	/* JSON, may be NULL; see store_revisions_load */
};

/* Sorted by uid; owns everything. */
struct revisions {
	struct revision	*v;
	size_t		 n;
};

void	revisions_free(struct revisions *);
const struct revision *revisions_find(const struct revisions *,
	    const char *uid);

/*
 * Brings event_revisions in line with the occurrences list (which covers
 * the days [from, to]), in one IMMEDIATE transaction. Rows whose UID is
 * missing from the list are cancelled only when their snapshot lies
 * inside [from, to]: an occurrence that merely left the expansion window
 * is not a cancellation. Returns the number of rows changed, or -1 on a
 * database error (logged).
 */
int	store_revisions_reconcile(struct store *, const struct occ_list *,
	    cal_day from, cal_day to, time_t now);
/*
 * Told of every announced change inside reconcile's transaction, so a
 * message about it commits or rolls back with the change (design §8).
 * changed: a live row's content changed, or it came back (o the
 * occurrence now); cancelled: the row was marked cancelled (o NULL).
 * Not called for a new UID: nothing was published before, so nothing
 * changed. old is the row before; sequence the new SEQUENCE. flush runs
 * once before COMMIT. Any -1 rolls the whole reconcile back.
 */
struct revisions_watch {
	int	(*change)(void *arg, const struct revision *old,
		    const struct occ *o, int sequence, time_t now);
	int	(*flush)(void *arg);
	void	*arg;
};
int	store_revisions_reconcile_watch(struct store *,
	    const struct occ_list *, cal_day from, cal_day to, time_t now,
	    const struct revisions_watch *);
/*
 * Every row. 0 or -1 (logged). Snapshots are read for cancelled rows only
 * (feeds render those from them): a live row's snapshot, one JSON object
 * with every assignee, is read on demand by store_revisions_snapshot.
 */
int	store_revisions_load(struct store *, struct revisions *);
/* Reads r's snapshot if it has none yet. 0 (even with none), or -1. */
int	store_revisions_snapshot(struct store *, struct revision *r);

/*
 * Snapshots (revisions_snap.c, pure). revisions_snapshot appends the JSON of
 * an occurrence. A struct revisions_occ is an occurrence rebuilt from a
 * snapshot, status OCC_CANCELLED; its strings are owned by it.
 */
void	revisions_snapshot(const struct occ *, struct buf *);
struct revisions_occ {
	struct occ	 occ;
	void		*priv;
};
int	revisions_occ_load(struct revisions_occ *, const char *uid,
	    const char *json);
void	revisions_occ_free(struct revisions_occ *);

#endif
