/*
 * store_cases.h — cases as stored (store_cases.c). What a case means and
 * which codes are acceptable is chase/cases.h.
 */
#ifndef KOYOMI_STORE_CASES_H
#define KOYOMI_STORE_CASES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct store;

struct case_row {
	int64_t	 id;
	char	*cycle, *code, *org;	/* org may be NULL */
	char	*start_day;		/* ISO */
	char	*closed_day;		/* ISO or NULL while open */
	time_t	 created;
};
void	case_rows_free(struct case_row *, size_t);

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

#endif
