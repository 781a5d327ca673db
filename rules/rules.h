/*
 * rules.h — the rule language: load YAML rule files into one immutable
 * rule set, validate it, and expand it into dated occurrences on the
 * Japanese business calendar. Syntax: docs/rules-syntax.md, koyomi-rules(5).
 *
 * Pure: no SQLite, no network, no clock (the caller passes "today").
 * A loaded struct rules is never modified; reload builds a new one beside
 * it and the daemon swaps pointers on success. Everything a struct rules
 * points to is owned by it and freed by rules_free.
 */
#ifndef KOYOMI_RULES_H
#define KOYOMI_RULES_H

#include <stddef.h>

#include "calendars/cal.h"
#include "calendars/util.h"

/* Diagnostics: "path:line:col: error: message" lines, in order found. */
struct rules_diag {
	char	**msgs;		/* owned */
	size_t	  n;
	size_t	  nerrors;
	size_t	  nwarnings;
};
void	rules_diag_init(struct rules_diag *);
void	rules_diag_free(struct rules_diag *);
/* Formats and appends; kind is "error" or "warning". line/col 1-based. */
void	rules_diag_add(struct rules_diag *, const char *kind, const char *path,
	    unsigned line, unsigned col, const char *fmt, ...)
	    __attribute__((format(printf, 6, 7)));

enum rules_kind {
	RK_MEETING, RK_TRAINING, RK_HEARING, RK_VISIT, RK_SURVEY,
	RK_DEADLINE, RK_MILESTONE, RK_GOAL,
};
const char *rules_kind_name(enum rules_kind);	/* "meeting" … */
const char *rules_kind_ja(enum rules_kind);	/* "会議" … for CATEGORIES */

enum rules_online { RO_NO, RO_ONLY, RO_HYBRID };

struct rules_org {
	char	*id, *name, *type, *code;	/* code may be NULL */
	char	*prefecture, *parent;		/* org ids or NULL */
};

struct rules_contact {
	char	 *id, *org, *name, *mail;	/* org may be NULL (a person) */
	char	**roles;
	size_t	  nroles;
};

struct rules_group {
	char	 *id, *name;
	char	**members;	/* flattened org ids, in file order, unique */
	size_t	  nmembers;
	char	**attr_keys, **attr_vals;
	size_t	  nattrs;
	/* Dynamic group built from survey answers (NULL if static). */
	char	 *resp_cycle, *resp_item;
	int	  resp_fy_offset;
	char	**resp_answers;
	size_t	  nresp_answers;
	int	  resp_years_min;	/* `years`: 累計N年目 bounds, */
	int	  resp_years_max;	/* 0 = unbounded */
	/* Groups named in `members`, in file order (indices into groups). */
	size_t	 *subgroups;
	size_t	  nsubgroups;
	int	  dynamic;	/* from answers, or holds a group that is */
};

enum rules_unit { RU_DAY, RU_BDAY, RU_WEEK, RU_MONTH, RU_HOUR, RU_MIN,
	RU_SEC };
struct rules_offset {
	int		 n;		/* signed amount */
	enum rules_unit	 unit;
	int		 at_secs;	/* local time of day, -1 = default */
};

#define RCH_MAIL	0x1
#define RCH_WEBHOOK	0x2
struct rules_policy {
	char			*id;
	struct rules_offset	*steps;		/* relative to the due time */
	size_t			 nsteps;
	int			 has_repeat;
	struct rules_offset	 repeat_overdue;
	int			 has_escalate;
	struct rules_offset	 escalate_after;
	char			*escalate_to;	/* role or contact id */
	int			 channels;	/* RCH_* */
	int			 digest;
};

struct rules_response {
	char	**options;
	size_t	  noptions;
	int	  text;		/* free text allowed */
	int	  year_count;	/* "累計N年目" asked */
};

struct rules_cycle {
	char	*id, *title, *organiser, *coordinator, *note, *policy;
	int	 from_fy, until_fy;	/* 0 = unbounded */
	int	 fy_start;		/* month, default 4 */
	int	 is_case;
	char	*path;			/* file it came from */
	/*
	 * `timezone`: the zone its dates and times are written in, and its
	 * zone (owned); both NULL = the calendar's zone. Expansion converts
	 * its timed occurrences and due times into the calendar's zone.
	 */
	char		*timezone;
	struct cal_zone	*zone;
};

struct rules_feed {
	char	 *id, *title;
	char	**cycles;	size_t ncycles;		/* empty = all */
	int	  kinds;	/* bitmask of 1 << RK_*, 0 = all */
	char	**audience;	size_t naudience;
	char	**members;	size_t nmembers;
	int	  members_only;	/* leave out items that are not per member */
	int	  deadlines;
	char	 *alarm;	/* ICS duration like "-P1D", or NULL */
	char	 *refresh;	/* ICS duration, default "PT6H" */
};

struct rules_item;	/* opaque: the parsed item */

struct rules {
	struct rules_org	*orgs;		size_t norgs;
	struct rules_contact	*contacts;	size_t ncontacts;
	struct rules_group	*groups;	size_t ngroups;
	struct rules_policy	*policies;	size_t npolicies;
	struct rules_cycle	*cycles;	size_t ncycles;
	struct rules_feed	*feeds;		size_t nfeeds;
	struct rules_item	*items;		size_t nitems;
	size_t			 nfiles;
	void			*priv;		/* parser's own data */
};

/*
 * Loads every *.yaml / *.yml under the given paths (files or folders,
 * recursively, sorted), validates, and returns the rule set; NULL when
 * any error was found (all of them are in diag). Warnings alone do not
 * fail. Never crashes or hangs on any input: size, depth and alias limits
 * are errors. closed (borrowed, may be NULL): the office's own closed
 * days, so the warning about a written date on a closed day knows them
 * too; pass the same list to rules_expand (rules_expand_ctx.closed).
 */
struct rules	*rules_load(const char *const *paths, size_t npaths,
		    const struct cal_closed *closed, struct rules_diag *);
/* The same for one in-memory file (tests, fuzzing). */
struct rules	*rules_load_buf(const char *name, const char *buf, size_t len,
		    struct rules_diag *);
void		 rules_free(struct rules *);
/* "12 files, 9 cycles, 120 items, 135 organisations, 14 feeds" */
void		 rules_summary(const struct rules *, char *, size_t);

/* By id (lookup.c); NULL when there is none. */
const struct rules_org		*rules_find_org(const struct rules *, const char *);
const struct rules_contact	*rules_find_contact(const struct rules *, const char *);
const struct rules_group	*rules_find_group(const struct rules *, const char *);
const struct rules_policy	*rules_find_policy(const struct rules *, const char *);
const struct rules_cycle	*rules_find_cycle(const struct rules *, const char *);
const struct rules_feed		*rules_find_feed(const struct rules *, const char *);
/* The k-th (from 0) contact of an organisation in file order, or NULL. */
const struct rules_contact	*rules_org_contact(const struct rules *,
				    const char *org, size_t k);

/* Run-time facts the expansion needs, supplied by the daemon's store. */
struct rules_case {
	const char	*cycle, *code, *org;	/* org may be NULL */
	cal_day		 start;
	cal_day		 closed;		/* CAL_OPEN if still open */
};
#define CAL_OPEN	INT32_MAX
struct rules_answer {
	const char	*cycle, *item;		/* the deadline item */
	int		 fy;
	const char	*assignee;		/* org or contact id */
	const char	*answer;		/* one of its response options */
	const char	*text;			/* free text given with it
						   ("累計3年目"), or NULL */
};
/* The year count in an answer's text ("累計3年目", "3年目", "3"); 0 if none. */
int	rules_answer_years(const char *text);
struct rules_expand_ctx {
	const struct rules_case		*cases;		size_t ncases;
	const struct rules_answer	*answers;	size_t nanswers;
	cal_day				 today;		/* bounds open cases */
	/* The calendar's zone (borrowed; NULL = Asia/Tokyo). */
	const struct cal_zone		*zone;
	/* The office's own closed days beyond the law's (borrowed; NULL:
	   none): moves, business-day offsets and closed-day names. */
	const struct cal_closed		*closed;
};

enum occ_status { OCC_CONFIRMED, OCC_TENTATIVE, OCC_CANCELLED };
/*
 * How sure the date is: the document gives it (confirmed), gives a
 * period or calls it provisional (tentative), or is silent and koyomi
 * guessed (assumed: a lead time, the 10th of each month, a period-end
 * task, last year's date carried over). An assumed occurrence has status
 * OCC_TENTATIVE and 「（想定）」 in its title. Adhoc ones have no date.
 */
enum occ_certainty { OCC_CERT_CONFIRMED, OCC_CERT_TENTATIVE,
	OCC_CERT_ASSUMED, OCC_CERT_UNDATED };
const char *rules_certainty_name(enum occ_certainty);	/* "assumed" */
const char *rules_certainty_ja(enum occ_certainty);	/* "想定" */

/* One expanded occurrence. Strings are owned by the occ_list. */
struct occ {
	char			*uid;		/* stable, never from a date */
	const char		*cycle_id, *item_id;	/* borrowed from rules */
	int			 fy;
	const char		*member;	/* per-group member id or NULL */
	const char		*case_code;	/* case-relative or NULL (owned) */
	int			 number;	/* 1-based in `dates`, else 0 */
	enum rules_kind		 kind;
	char			*title;		/* with approximation label */
	char			*description;	/* agenda, roles, source, note */
	char			*location;	/* with オンライン併用 where so */
	const char		*source;
	const char		*audience;	/* group id or NULL */
	const char		*approx;	/* "6月頃", "7～10月のうち連続した2日間" or NULL */
	enum occ_status		 status;
	enum occ_certainty	 certainty;
	int			 adhoc;		/* no date: start/end unset */
	/*
	 * Closed days: moved is 1 when the rules' day was closed and the
	 * occurrence moved off it (moved_from: that day; closed_name: why,
	 * static text like "土曜日" or "建国記念の日"); kept is 1 when it
	 * stays on a closed day by `adjust: none` (the reason is in the
	 * description). Both are said in the description too.
	 */
	int			 moved, kept;
	cal_day			 moved_from;
	const char		*closed_name;
	cal_day			 start, end;	/* inclusive days */
	int			 start_secs;	/* local secs, -1 = all-day */
	int			 end_secs;
	/* Deadline-like items (tasks). */
	int			 is_deadline;
	int			 due_secs;	/* local time of day due */
	char			**assignees;	/* org or contact ids */
	size_t			 nassignees;
	const struct rules_policy	*policy;
	const struct rules_response	*response;
	/*
	 * Who takes part, as org and contact ids (borrowed from the rules;
	 * the array is owned): organisers (the cycle's when the item names
	 * none), attendees and the audience, with role names turned into
	 * the contacts holding them, groups into their members (groups of
	 * answers with the current answers), plus a case's organisation.
	 * Private feeds show the occurrence to each of them.
	 */
	const char		**parties;
	size_t			 nparties;
	char			 hash[17];	/* hex of a 64-bit content hash */
	const struct rules	*rules;		/* the set it came from
						   (borrowed: names for plan) */
};

struct occ_list {
	struct occ	*v;
	size_t		 n;
};

/*
 * Expands every cycle into the occurrences that touch [from, to]
 * (inclusive days), sorted by start date, then time, then UID.
 * Deterministic: the same rules and ctx give the same list. Returns 0, or
 * -1 with errors in diag (an unresolvable relative date, say).
 */
int	rules_expand(const struct rules *, cal_day from, cal_day to,
	    const struct rules_expand_ctx *, struct occ_list *,
	    struct rules_diag *);
void	occ_list_free(struct occ_list *);

/* 1 when occurrence o belongs in public feed f (its selection keys). */
int	rules_feed_select(const struct rules *, const struct rules_feed *,
	    const struct occ *);

/*
 * Minimum-frequency targets (`frequency`): one entry per period (and per
 * member for a per-member target) that touches [from, to], with how many
 * occurrences of the items it `counts` the rules schedule in the whole
 * period. Strings are borrowed from the rules.
 */
struct rules_target {
	const char	*cycle_id, *item_id, *member;	/* member may be NULL */
	const char	*per;		/* "fy", "quarter", "month" */
	int		 fy, number;	/* number: period in the FY, 0 = the FY */
	cal_day		 start, end;
	int		 min;
	int		 counted;	/* -1: counted by completing its tasks */
	size_t		 item;		/* index into rules->items */
};
struct rules_target_list {
	struct rules_target	*v;
	size_t			 n;
};
int	rules_targets(const struct rules *, cal_day from, cal_day to,
	    const struct rules_expand_ctx *, struct rules_target_list *,
	    struct rules_diag *);
void	rules_target_list_free(struct rules_target_list *);
/* For `koyomi plan` (nothing when empty) and its JSON ("targets":[…]). */
void	rules_targets_text(const struct rules_target_list *, struct buf *);
void	rules_targets_json(const struct rules_target_list *, struct buf *);
/* `koyomi check`: a warning at the target's `frequency` for each period
 * the rules fill with fewer than `min` counted occurrences. */
void	rules_targets_check(const struct rules *,
	    const struct rules_target_list *, struct rules_diag *);

/*
 * Plan output for `koyomi plan`: text in Japanese (dates with their
 * weekday, 和暦 with RULES_PLAN_WAREKI), or one JSON document.
 */
#define RULES_PLAN_WAREKI	0x1
void	rules_plan_text(const struct occ_list *, struct buf *);
void	rules_plan_text_opts(const struct rules *, const struct occ_list *,
	    int flags, struct buf *);
void	rules_plan_json(const struct occ_list *, struct buf *);
void	rules_plan_json_targets(const struct occ_list *,
	    const struct rules_target_list *, struct buf *);

/* Directory checks used by tests and `check`. */
int	rules_lgcode_valid(const char *code);	/* 6 digits + check digit */

#endif
