/*
 * cases.h — pseudonymous cases for case-relative items (design §2):
 * a code, a cycle, an optional organisation, a start day and a close
 * day. Codes are short ASCII identifiers ([A-Za-z0-9._-], 1–32 bytes),
 * so a name can never be stored by mistake. The rows and their SQL are
 * the store's (store/store_cases.h).
 */
#ifndef KOYOMI_CASES_H
#define KOYOMI_CASES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "calendars/util.h"
#include "daemon/store/store_cases.h"
#include "rules/rules.h"

/* 1 if code is an acceptable case code. */
int	case_code_valid(const char *);

/*
 * Why cycle cannot take cases under rules r, or NULL when it can: it is
 * unknown, or not a `case: true` cycle (its items would never expand for
 * a case). The text names the cycles that can; the caller frees it.
 */
char	*cases_cycle_refusal(const struct rules *r, const char *cycle);

/* Cases as rules_expand wants them; strings borrow from rows. */
struct rules_case *cases_for_expand(const struct case_row *, size_t);

void	cases_render_json(const struct case_row *, size_t, struct buf *);
void	cases_render_text(const struct case_row *, size_t, struct buf *);
void	cases_render_csv(const struct case_row *, size_t, struct buf *);

#endif
