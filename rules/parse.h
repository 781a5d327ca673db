/*
 * parse.h — internals of the rule loader shared by rules/parse*.c,
 * rules/validate.c and rules/load.c. Not for the expander: it sees only
 * the finished struct rules and rules/model.h.
 *
 * Diagnostics are collected here with their file index and position and
 * sorted into file order at the end, so a validation error in the first
 * file prints before a syntax error in the second.
 */
#ifndef KOYOMI_RULES_PARSE_H
#define KOYOMI_RULES_PARSE_H

#include "rules/model.h"
#include "rules/yaml.h"

#define RULES_ID_MAX	64

struct rules_pdiag {
	size_t		 file;
	unsigned	 line, col;
	size_t		 seq;		/* order found: keeps sort stable */
	int		 warning;
	char		*msg;
};

/* Where a parsed object came from, parallel to its array in rules. */
struct rules_src {
	size_t			 file;
	const struct ynode	*node;	/* its mapping, alive until load ends */
};

/* Sorted lookup tables of one rule set (its priv). */
struct rules_idx {
	const char	*id;
	const char	*cyc;		/* items only: the cycle's id */
	size_t		 ix;
};
enum { RX_ORG, RX_CONTACT, RX_GROUP, RX_POLICY, RX_CYCLE, RX_FEED, RX_ITEM,
	RX__COUNT };
struct rules_priv {
	struct rules_idx	*idx[RX__COUNT];
	size_t			 nidx[RX__COUNT];
	struct rules_idx	*by_org;	/* contacts by org: id is the org's */
	size_t			 nby_org;
	size_t			*cycle_first, *cycle_n;	/* owned */
};
/* lookup.c: (re)builds the lookup tables; SIZE_MAX when not found. */
void	rules_index(struct rules *);
size_t	rules_lookup(const struct rules *, int rx, const char *cyc,
	    const char *id);

struct rules_pctx {
	struct rules		*r;
	char			**paths;	/* display paths, by file index */
	size_t			  npaths;
	size_t			  file;		/* file being parsed */
	struct ynode		**trees;	/* by file index; NULL on error */
	struct rules_pdiag	 *d;
	size_t			  nd;
	size_t			  nerrors;
	struct rules_src	 *org_src, *contact_src, *group_src,
				 *policy_src, *cycle_src, *feed_src,
				 *item_src;
	/* Keys suggested by "did you mean" in the current mapping. */
	const char		 *hints[8];
	size_t			  nhints;
	/* Cycle c's items are items[cycle_first[c] .. + cycle_n[c]). */
	size_t			 *cycle_first, *cycle_n;
	/* The office's own closed days (borrowed, may be NULL). */
	const struct cal_closed	 *closed;
};

/* diag.c: diagnostics at a position of file `file`. */
void	rules_perr(struct rules_pctx *, size_t file, struct rules_mark,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
void	rules_pwarn(struct rules_pctx *, size_t file, struct rules_mark,
	    const char *, ...) __attribute__((format(printf, 4, 5)));

/* parse.c: one file's tree into pctx->r (appends). */
void	rules_parse_tree(struct rules_pctx *, const struct ynode *);
extern const char *const rules_org_types[];
/* lookup.c: "organisation", "contact", … by RX_ index, for messages. */
extern const char *const rules_rx_names[];
extern const size_t rules_norg_types;
/* load.c: "meeting" … "goal", indexed by enum rules_kind. */
extern const char *const rules_kind_names[];

/* parse_feed.c: a `policies` or `feeds` entry. */
void	rules_parse_policy(struct rules_pctx *, const struct ynode *);
void	rules_parse_feed(struct rules_pctx *, const struct ynode *);

/* parse_util.c: typed scalar readers; -1 after reporting an error. */
struct rules_kw {
	const char	*name;
	int		 id;
};
int	rules_kw_lookup(struct rules_pctx *, const struct rules_kw *, size_t,
	    const struct ynode *key, const char *what);
/* A missing required key that a typo hint already named is not reported
 * twice; callers reset the hints at the start of each mapping. */
int	rules_hinted(const struct rules_pctx *, const char *key);
int	rules_get_text(struct rules_pctx *, const struct ynode *,
	    const char *key, int oneline, char **);
int	rules_get_id(struct rules_pctx *, const struct ynode *,
	    const char *key, char **);
int	rules_get_ref(struct rules_pctx *, const struct ynode *,
	    const char *key, struct rules_ref *);
int	rules_get_bool(struct rules_pctx *, const struct ynode *,
	    const char *key, int *);
int	rules_get_int(struct rules_pctx *, const struct ynode *,
	    const char *key, long lo, long hi, int *);
int	rules_get_list(struct rules_pctx *, const struct ynode *,
	    const char *key, int ids, int oneline, char ***, size_t *);
int	rules_get_enum(struct rules_pctx *, const struct ynode *,
	    const char *key, const char *const *names, size_t n, int *);
/* parse_when.c: full-width ASCII, ～ and 〜 folded; caller frees. */
char	*rules_fold(const char *);
int	rules_get_offset(struct rules_pctx *, const struct ynode *,
	    const char *key, struct rules_offset *);
int	rules_get_tod(struct rules_pctx *, const struct ynode *,
	    const char *key, int *secs);
int	rules_get_timespan(struct rules_pctx *, const struct ynode *,
	    const char *key, struct rules_time *);
int	rules_get_date(struct rules_pctx *, const struct ynode *,
	    const char *key, struct rules_date *);
int	rules_want(struct rules_pctx *, const struct ynode *,
	    enum ynode_type, const char *key);
struct rules_mark rules_mk(const struct ynode *);
size_t	rules_edit_distance(const char *, const char *);
/* free.c */
void	rules_strv_free(char **, size_t);
void	rules_date_clear(struct rules_date *);

/* parse_cycle.c: the small mappings inside an item. */
void	rules_parse_window(struct rules_pctx *, struct rules_item *,
	    const struct ynode *);
void	rules_parse_repeat(struct rules_pctx *, struct rules_item *,
	    const struct ynode *);
void	rules_parse_frequency(struct rules_pctx *, struct rules_item *,
	    const struct ynode *);
void	rules_parse_relative(struct rules_pctx *, struct rules_item *,
	    const struct ynode *);
void	rules_parse_response(struct rules_pctx *, struct rules_item *,
	    const struct ynode *);
void	rules_parse_casespec(struct rules_pctx *, struct rules_item *,
	    const struct ynode *);

/* parse_item.c: a `cycles` entry, its items and their overrides. */
void	rules_parse_cycle(struct rules_pctx *, const struct ynode *);
/* free.c */
void	rules_item_clear(struct rules_item *);

/* validate.c: cross-file checks; resolves the *_ix fields. */
void	rules_validate(struct rules_pctx *);
/* lookup.c: marks of a key's value / of one element of a list value. */
struct rules_mark rules_vmark(const struct rules_src *, const char *key);
struct rules_mark rules_emark(const struct ynode *, const char *key,
	    const char *val);
/* "'key': unknown group 'x' (did you mean 'y'?)"; returns -1. */
int	rules_unknown(struct rules_pctx *, size_t file, struct rules_mark,
	    const char *key, int rx, const char *id);
/* Index of id as kind rx, reported when missing (RULES_NONE). */
size_t	rules_need(struct rules_pctx *, size_t file, struct rules_mark,
	    const char *key, int rx, const char *id);
/* validate_group.c: flattens members, checks from_responses. */
void	rules_check_groups(struct rules_pctx *);

#endif
