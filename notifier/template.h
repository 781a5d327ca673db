/*
 * template.h — the text of every mail koyomi sends (template.c): polite
 * Japanese for 行政 correspondence, one template per message kind, with
 * {{variable}} substitution. An administrator may replace a template with
 * a file <templates dir>/<kind>.txt whose first line is "Subject: …" and
 * whose remaining lines are the body.
 *
 * template_load() reads and checks every text once (at daemon start, at
 * each reload, in `koyomi check`): a variable that a kind does not provide
 * is an error then. template_render() works from memory only, so a mail
 * queued inside a transaction never waits on the disk; a variable that is
 * not set makes it fail, so a sent mail never shows a blank where a date
 * should be.
 */
#ifndef KOYOMI_TEMPLATE_H
#define KOYOMI_TEMPLATE_H

#include <stddef.h>

#include "calendars/cal.h"

enum tmpl_kind {
	TMPL_REMINDER,		/* before the deadline */
	TMPL_OVERDUE,		/* after it, task still open */
	TMPL_ESCALATION,	/* to the coordinator: who has not submitted */
	TMPL_DIGEST,		/* several tasks for one person, one mail */
	TMPL_CHANGED,		/* a date changed */
	TMPL_CANCELLED,		/* an occurrence was removed */
	TMPL_RECEIPT,		/* completion acknowledged */
	TMPL_NOTICES,		/* several changes/cancellations, one mail */
	TMPL_NKINDS
};

/*
 * Variables by kind (all kinds: to, org, title, fy, source, coordinator):
 *   reminder:   due, link, days_left
 *   overdue:    due, link, days_over
 *   escalation: assignee, due, days_over, link
 *   digest:     items, count
 *   changed:    old_date, new_date
 *   cancelled:  date
 *   receipt:    due, done_at, by
 *   notices:    items, count (items: one ・line per change, see
 *               template_notice_add)
 * "to" is the salutation line: 「各位」 or 「東京都　ご担当者様」.
 */
struct tmpl_vars {
	char	**names;	/* owned */
	char	**values;	/* owned */
	size_t	  n;
};

void		 template_vars_init(struct tmpl_vars *);
void		 template_vars_free(struct tmpl_vars *);
/* Sets (or replaces) a variable; the strings are copied. */
void		 template_set(struct tmpl_vars *, const char *, const char *);
/* Sets a date as 令和8年2月20日（金）. */
void		 template_set_day(struct tmpl_vars *, const char *, cal_day);
/* Appends one digest line ("・title（期限：…）" + link) to items. */
void		 template_digest_add(struct tmpl_vars *, const char *title,
		    cal_day due, const char *link);

/*
 * Appends one line to a notices mail's items: "・title：old → new" for a
 * change (new != NULL), "・title（date）：中止" for a cancellation.
 */
void		 template_notice_add(struct tmpl_vars *, const char *title,
		    const char *old, const char *new_date);

const char	*template_kind_name(enum tmpl_kind);	/* "reminder" … */
int		 template_kind_from_name(const char *);	/* -1 unknown */

/* The text of every kind, built-in or read from an override file. */
struct tmpl_set;

/*
 * Reads dir/<kind>.txt for every kind that has one (dir NULL: none) and
 * checks all the texts, the built-in ones too. Returns the set (free with
 * template_free), or NULL when anything is wrong: then each problem is one
 * "path:line:col: error: message" string appended to *errors (a growing
 * array the caller frees with its strings). The only function here that
 * touches the disk.
 */
struct tmpl_set	*template_load(const char *dir, char ***errors,
		    size_t *nerrors);
void		 template_free(struct tmpl_set *);

/*
 * Renders kind with vars from the loaded set (NULL: the built-in texts);
 * no file is opened. On success *subject and *body are set (caller
 * frees); on error -1 and *cause (caller frees).
 */
int		 template_render(const struct tmpl_set *, enum tmpl_kind,
		    const struct tmpl_vars *, char **subject, char **body,
		    char **cause);

#endif
