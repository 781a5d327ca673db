/*
 * model.h — the parsed item model shared by the parser (rules/parse*.c,
 * rules/validate.c, rules/load.c) and the expander
 * (rules/expand.c, rules/datespec.c). Internal to rules/.
 *
 * Ownership: every pointer in a struct rules_item is owned by the struct
 * rules it lives in and freed by rules_free; the expander only reads.
 * A loaded rule set has been validated: every reference below resolves
 * (the *_ix fields hold its index), no relative/same_day chain is cyclic,
 * and every date value is one of the forms of docs/rules-syntax.md with a
 * month and day that exist (y/m/d below hold what it wrote). Marks are 1-based; line 0 = key absent.
 */
#ifndef KOYOMI_RULES_MODEL_H
#define KOYOMI_RULES_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

#include "rules/datespec.h"

#define RULES_NONE	SIZE_MAX	/* an unresolved or absent index */
/* In `assignees` of a case cycle's item: the case's organisation. */
#define RULES_CASE_ORG	"case"

/* Where a key or value was written: 1-based, line 0 = not present. */
struct rules_mark {
	unsigned	line, col;
};

/*
 * Item keys, in the byte order of their names: the parser's keyword
 * table is indexed by it, and rules_item.marks[RIK_x] holds the mark of
 * key x (line 0 when the item has no such key). Keep sorted.
 */
enum rules_item_key {
	RIK_ADDRESS, RIK_ADHOC, RIK_ADJUST, RIK_AFTER, RIK_ASSIGNEES,
	RIK_ASSUMED, RIK_ATTENDEES, RIK_AUDIENCE, RIK_BEFORE, RIK_CASE, RIK_DATE,
	RIK_DATES, RIK_DAYS, RIK_DESCRIPTION, RIK_DOOR, RIK_DUE,
	RIK_FREQUENCY, RIK_FY, RIK_FY_SHIFT, RIK_ID, RIK_KIND, RIK_LOCATION,
	RIK_MEMBERS, RIK_ONLINE, RIK_ORGANISER, RIK_PER, RIK_POLICY,
	RIK_RELATIVE, RIK_REPEAT, RIK_RESPONSE, RIK_SAME_DAY, RIK_SOURCE,
	RIK_TENTATIVE, RIK_TIME, RIK_TITLE, RIK_URL, RIK_WINDOW,
	RIK__COUNT
};

/* A parsed date form with its source text and where it was written. */
struct rules_date {
	char			*raw;	/* as written (owned) */
	struct rules_mark	 mark;
	struct datespec		*spec;	/* B2's parsed value (owned), never
					   NULL in a loaded rule set */
	int			 y, m, d; /* as written, 0 = not given (checks) */
};

/* A time of day span; start_secs -1 = all-day (no `time`). */
struct rules_time {
	int	start_secs;	/* local seconds since midnight or -1 */
	int	end_secs;	/* -1 when only a start was given */
};

/* A reference to another item: `item` or `cycle/item`. */
struct rules_ref {
	char			*cycle;	/* NULL = the referring item's cycle */
	char			*item;
	struct rules_mark	 mark;
	size_t			 ix;	/* index into rules->items once valid */
};

/*
 * An override: one entry of `members` (key = member id) or of `fy`
 * (key = fiscal year). Absent fields are NULL / has_* 0.
 */
enum rules_ovr_status { ROS_NONE, ROS_CONFIRMED, ROS_TENTATIVE,
	ROS_CANCELLED };
struct rules_override {
	char			*key;		/* member id, or the FY as text */
	int			 fy;		/* `fy` map: the year; else 0 */
	struct rules_mark	 mark;		/* of the key */
	struct rules_date	*date;		/* NULL = unchanged */
	int			 has_time;
	struct rules_time	 time;
	char			*location, *address, *title;
	enum rules_ovr_status	 status;
	int			 cancel;	/* `cancel: true` */
};

/* `window: {from: 7月, to: 10月, consecutive: 2, business: true}`. */
struct rules_window {
	int	from_month, to_month;	/* 1..12, 0 = not given */
	int	consecutive;		/* N days, default 1 */
	int	business;		/* only business days */
};

enum rules_freq { RF_NONE, RF_WEEKLY, RF_MONTHLY, RF_QUARTERLY,
	RF_YEARLY };
struct rules_repeat {
	enum rules_freq	freq;		/* RF_NONE = no `repeat` key */
	int		day;		/* day of month, 0 = not given */
	int		nth;		/* nth weekday of month, 0 = not given */
	int		weekday;	/* 0 = 日 … 6 = 土, -1 = not given */
};

enum rules_per { RP_FY, RP_QUARTER, RP_MONTH };
struct rules_frequency {
	int		 min;		/* 0 = no `frequency` key */
	enum rules_per	 per;
	/* `counts`: items whose occurrences count toward it; none = it is
	   counted by completing its own task (one per period). */
	struct rules_ref *counts;
	size_t		  ncounts;
};

/*
 * `adjust`: what happens to a date on a closed day. RA_DEFAULT moves a
 * deadline to the previous business day and anything else to the next.
 */
enum rules_adjust { RA_DEFAULT, RA_PREVIOUS, RA_NEXT, RA_NONE };

/* `case:` of a case-relative item. */
enum rules_case_at { RCA_NONE, RCA_START, RCA_CLOSE };
struct rules_casespec {
	int			present;	/* the item has `case:` */
	enum rules_case_at	at;
	int			has_offset;
	struct rules_offset	offset;
	int			approx;		/* 約N か月 */
	int			monthly;
	int			quarterly;
	int			has_every;	/* `every: +6mo`: repeated */
	struct rules_offset	every;		/* while the case is open */
};

struct rules_item {
	char			*id;
	size_t			 cycle;		/* index into rules->cycles */
	enum rules_kind		 kind;
	char			*title, *description, *location, *address,
				*url, *source;	/* NULL when absent */
	enum rules_online	 online;
	char			**organiser;	size_t norganiser;
	char			**attendees;	size_t nattendees;
	char			*audience;	/* group id or NULL */
	size_t			 audience_ix;	/* into rules->groups */
	int			 tentative;

	struct rules_date	*date;		/* NULL when absent */
	struct rules_date	*dates;		size_t ndates;
	struct rules_time	 time;		/* start -1 = all-day */
	int			 door_secs;	/* -1 = not given */
	int			 days;		/* >= 1 */
	int			 has_window;
	struct rules_window	 window;
	int			 has_same_day;
	struct rules_ref	 same_day;
	int			 has_relative;
	struct rules_ref	 relative_to;
	struct rules_offset	 relative_offset;
	int			 fy_shift;	/* 0 or -1 */
	struct rules_repeat	 repeat;
	struct rules_frequency	 frequency;
	int			 adhoc;

	char			*per;		/* group id or NULL */
	size_t			 per_ix;	/* into rules->groups */
	int			 per_groups;	/* `per: {groups: G}`: one per
						   group in G's members */
	struct rules_override	*members;	size_t nmembers;

	/* Deadlines. `assignees` is either a group or a list of ids. */
	char			*assignee_group; /* group id or NULL */
	size_t			 assignee_group_ix;
	char			**assignees;	size_t nassignees;
	int			 due_secs;	/* default 17:00 */
	enum rules_adjust	 adjust;
	char			*adjust_reason;	/* why `none` (owned) or NULL */
	int			 assumed;	/* `assumed: true`: koyomi's guess */
	char			*policy;	/* own or the cycle's, or NULL */
	size_t			 policy_ix;	/* into rules->policies */
	struct rules_response	*response;	/* NULL when absent */

	struct rules_ref	*before;	size_t nbefore;
	struct rules_ref	*after;		size_t nafter;
	struct rules_override	*fy;		size_t nfy;
	struct rules_casespec	 casespec;

	struct rules_mark	 mark;		/* of the item mapping */
	struct rules_mark	 marks[RIK__COUNT];
};

/*
 * 1 when the item is a deadline: the kind says so, or it has someone who
 * must submit (assignees, an assignee group) or a minimum frequency.
 */
static inline int
rules_item_is_deadline(const struct rules_item *it)
{
	return it->kind == RK_DEADLINE || it->nassignees > 0 ||
	    it->assignee_group != NULL || it->frequency.min > 0;
}

/* lookup.c: cycle c's items are rules->items[first .. first + n), in order. */
void	 rules_cycle_items(const struct rules *, size_t c, size_t *first,
	    size_t *n);
/* Index of item `id` in cycle c (or `cycle/item` anywhere): RULES_NONE. */
size_t	 rules_find_item(const struct rules *, size_t c, const char *ref);
/* Name of an item key ("same_day"). */
const char *rules_item_key_name(enum rules_item_key);

#endif
