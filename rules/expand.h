/*
 * expand.h — internals shared by the expander's files (expand.c: dates
 * and instances; expand_occ.c: titles, descriptions, UIDs, hashes;
 * plan.c: text and JSON output). Internal to rules/.
 */
#ifndef KOYOMI_RULES_EXPAND_H
#define KOYOMI_RULES_EXPAND_H

#include "rules/model.h"
#include "rules/rules.h"

/* One dated instance of an item in one fiscal year, before rendering. */
struct inst {
	int			 number;	/* 1-based or 0 */
	const char		*member;	/* borrowed, or NULL */
	const char		*case_code;	/* borrowed, or NULL */
	const char		*case_org;	/* the case's org (borrowed), or
						   NULL */
	int			 uid_fy;	/* UID's year if not the FY's
						   (a case: the FY it began) */
	int			 adhoc;
	cal_day			 start, end;
	int			 start_secs, end_secs;
	int			 tentative;
	int			 assumed;	/* koyomi's guess, not the
						   document's date */
	int			 confirmed;	/* an override said so */
	int			 moved;		/* off a closed day: */
	cal_day			 moved_from;	/* the day it would be on */
	const char		*closed_name;	/* why that day (or the kept
						   one) is closed (static) */
	int			 kept;		/* on a closed day by
						   `adjust: none` */
	int			 collided;	/* moved onto its own next one:
						   cancelled */
	char			 approx[96];	/* label or "" */
	char			 suffix[48];	/* "年1回以上" or "" */
	int			 cancelled;
	int			 due_secs;	/* deadlines; -1 = item's */
	const struct rules_override *ovr_member;
	const struct rules_override *ovr_fy;
};

struct inst_list {
	struct inst	*v;
	size_t		 n, cap;
};

void	inst_push(struct inst_list *, const struct inst *);

/*
 * Turns an instance of item ix into an occurrence appended to out. memo
 * (one list per item, for fiscal year fy; NULL for cases) gives the
 * dates of the item's before/after submissions for its description.
 */
void	expand_emit(const struct rules *, size_t ix, int fy,
	    const struct inst *, const struct rules_expand_ctx *,
	    const struct inst_list *memo, struct occ_list *);
void	occ_free_one(struct occ *);

/* expand_party.c: the rules' own copy of an org or contact id, or NULL. */
const char *expand_own_id(const struct rules *, const char *id);

/*
 * Sets o->parties for an instance of item it (expand_party.c), and
 * gives a case deadline whose rule names no assignee, or the
 * placeholder RULES_CASE_ORG, the case's organisation (the cycle's
 * organiser when the case has none).
 */
void	expand_parties(const struct rules *, const struct rules_item *, int fy,
	    const struct rules_expand_ctx *, const struct inst *, struct occ *);
const char *expand_case_assignee(const struct rules *,
	    const struct rules_item *, const struct inst *);

/* Members of a group for fiscal year fy (dynamic groups from answers). */
size_t	expand_group_members(const struct rules *, size_t gix, int fy,
	    const struct rules_expand_ctx *, const char ***out);

#endif
