/*
 * feeds.h — iCalendar feeds (design §6–§7): which occurrences go into a
 * feed and how they become VEVENTs (feeds_build.c, pure: no SQLite, no
 * clock), and the in-memory cache of every feed's bytes that HTTP and
 * `koyomi feed` serve (feeds.c).
 *
 * A public feed is a `feeds:` entry of the rules; a private feed belongs
 * to one organisation or contact (its events and its own deadlines, with
 * 【提出済】 once done) and is reached through a secret token
 * (feedtoken.h). Bytes are built once per change, never per request.
 */
#ifndef KOYOMI_FEEDS_H
#define KOYOMI_FEEDS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "calendars/util.h"
#include "daemon/revisions.h"
#include "rules/rules.h"

/* Everything a render reads; all borrowed. */
struct feeds_input {
	const struct rules	*rules;
	const struct occ_list	*occs;		/* the expanded window */
	const struct revisions	*revs;		/* may be NULL: sequence 0 */
	const char		*base_url;	/* "https://koyomi.example" */
	time_t			 now;		/* ages cancelled events */
	time_t			 epoch;		/* DTSTAMP without a revision */
};

/* A private feed owner's task on one deadline occurrence. */
struct feeds_task {
	const char	*uid;		/* occurrence UID */
	int64_t		 id;		/* task id, for the dashboard URL */
	int		 done;		/* done or waived */
	time_t		 updated;
};

/*
 * 1 when occurrence o belongs to public feed f (its cycles, kinds,
 * audience, members; deadlines only when f->deadlines; never
 * case-relative or date-less occurrences).
 */
int	feeds_selects(const struct rules *, const struct rules_feed *,
	    const struct occ *);
/* 1 when o belongs to the private feed of owner (org or contact id). */
int	feeds_private_selects(const struct rules *, const char *owner,
	    const struct occ *);

/*
 * Appends the VCALENDAR of public feed f / of owner's private feed
 * (tasks sorted by uid, may be NULL). VEVENTs are in UID order so that a
 * change in one occurrence changes only its own VEVENT. 0, or -1 with
 * *cause (caller frees).
 */
int	feeds_render_public(const struct feeds_input *,
	    const struct rules_feed *, struct buf *, char **cause);
int	feeds_render_private(const struct feeds_input *, const char *owner,
	    const struct feeds_task *, size_t ntasks, struct buf *,
	    char **cause);

/* "名前" of an owner for X-WR-CALNAME, or NULL when it is unknown. */
const char *feeds_owner_name(const struct rules *, const char *owner);

#endif
