/*
 * reload.h — rules reload: parse, validate and expand the new rules and
 * read and check the mail templates beside the running ones; on any error
 * in either keep the old ones and keep the errors for the API, logs and
 * /metrics; on success swap both in one step and run the KY_RULES_SWAPPED
 * hooks. Triggers: SIGHUP (server/server.c), inotify on the rules and
 * templates folders (debounced), POST /api/v1/reload.
 */
#ifndef KOYOMI_RELOAD_H
#define KOYOMI_RELOAD_H

#include <time.h>

#include "rules/rules.h"

struct koyomi;

struct reload	*reload_start(struct koyomi *);
void		 reload_stop(struct reload *);
/*
 * Reloads now. 0 on success; -1 with the errors copied into *errs (if
 * not NULL; caller frees with rules_diag_free).
 */
int		 reload_now(struct koyomi *, const char *why,
		    struct rules_diag *errs);
/* Re-expands the current rules (new answers or cases); 0 / -1. */
int		 reload_reexpand(struct koyomi *);
/* Last outcome for the dashboard: 1 ok, 0 failed; errors borrowed. */
int		 reload_last(struct koyomi *, time_t *when,
		    const struct rules_diag **errs);

#endif
