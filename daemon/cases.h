/*
 * cases.h — pseudonymous cases for case-relative items (design §2):
 * a code, a cycle, an optional organisation, a start day and a close
 * day. Codes are short ASCII identifiers ([A-Za-z0-9._-], 1–32 bytes),
 * so a name can never be stored by mistake. store_cases.c holds the SQL.
 */
#ifndef KOYOMI_CASES_H
#define KOYOMI_CASES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "calendars/util.h"
#include "rules/rules.h"

struct store;

struct case_row {
	int64_t	 id;
	char	*cycle, *code, *org;	/* org may be NULL */
	char	*start_day;		/* ISO */
	char	*closed_day;		/* ISO or NULL while open */
	time_t	 created;
};
void	case_rows_free(struct case_row *, size_t);

/* 1 if code is an acceptable case code. */
int	case_code_valid(const char *);

/* 0 added, 1 the code exists in that cycle, -1 database error. */
int	store_case_add(struct store *, const char *cycle, const char *code,
	    const char *org, const char *start_day, time_t now);
/*
 * Closes the case with code (in cycle, or in the only cycle that has
 * it when cycle is NULL). 0 closed, 1 unknown, 2 ambiguous, 3 already
 * closed, -1 error.
 */
int	store_case_close(struct store *, const char *cycle, const char *code,
	    const char *day);
int	store_cases_list(struct store *, struct case_row **, size_t *);
/*
 * A short text that changes whenever a case is added or closed (the
 * daemon compares it after a command-line change). 0 or -1.
 */
int	store_cases_mark(struct store *, char *, size_t);

/* Cases as rules_expand wants them; strings borrow from rows. */
struct rules_case *cases_for_expand(const struct case_row *, size_t);

void	cases_render_json(const struct case_row *, size_t, struct buf *);
void	cases_render_text(const struct case_row *, size_t, struct buf *);
void	cases_render_csv(const struct case_row *, size_t, struct buf *);

#endif
