/*
 * chase_msg.c — recipients and template variables for chasing mail
 * (chase_msg.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/chase/chase_msg.h"

static size_t
add_rcpt(const struct rules_contact *c, struct chase_rcpt *v, size_t n,
    size_t max)
{
	size_t	 i;

	if (c->mail == NULL || *c->mail == '\0' || n >= max)
		return n;
	for (i = 0; i < n; i++)
		if (strcmp(v[i].mail, c->mail) == 0)
			return n;
	v[n].id = c->id;
	v[n].name = c->name;
	v[n].mail = c->mail;
	return n + 1;
}

size_t
chase_assignee_rcpts(const struct rules *r, const char *assignee,
    struct chase_rcpt *v, size_t max)
{
	const struct rules_contact	*c;
	size_t				 i, n = 0;

	if (r == NULL)
		return 0;
	if ((c = rules_find_contact(r, assignee)) != NULL)
		return add_rcpt(c, v, 0, max);
	for (i = 0; i < r->ncontacts &&
	    (c = rules_org_contact(r, assignee, i)) != NULL; i++)
		n = add_rcpt(c, v, n, max);
	return n;
}

static int
has_role(const struct rules_contact *c, const char *role)
{
	size_t	 i;

	for (i = 0; i < c->nroles; i++)
		if (strcmp(c->roles[i], role) == 0)
			return 1;
	return 0;
}

size_t
chase_escalation_rcpts(const struct rules *r, const char *cycle,
    const char *to, struct chase_rcpt *v, size_t max)
{
	const struct rules_cycle	*cy;
	const struct rules_contact	*c;
	size_t				 i, n = 0;

	if (r == NULL || to == NULL)
		return 0;
	if (strcmp(to, "coordinator") == 0 &&
	    (cy = rules_find_cycle(r, cycle)) != NULL &&
	    cy->coordinator != NULL &&
	    (c = rules_find_contact(r, cy->coordinator)) != NULL)
		return add_rcpt(c, v, 0, max);
	if ((c = rules_find_contact(r, to)) != NULL)
		return add_rcpt(c, v, 0, max);
	for (i = 0; i < r->ncontacts; i++)
		if (has_role(&r->contacts[i], to))
			n = add_rcpt(&r->contacts[i], v, n, max);
	return n;
}

static const char *
name_of(const struct rules *r, const char *id)
{
	const struct rules_org		*o;
	const struct rules_contact	*c;

	if (r != NULL && (o = rules_find_org(r, id)) != NULL && o->name)
		return o->name;
	if (r != NULL && (c = rules_find_contact(r, id)) != NULL && c->name)
		return c->name;
	return id;
}

static void
set_coordinator(struct tmpl_vars *tv, const struct rules *r,
    const char *cycle)
{
	const struct rules_cycle	*cy = NULL;
	const struct rules_contact	*c = NULL;
	char				*s;

	if (r != NULL)
		cy = rules_find_cycle(r, cycle);
	if (cy != NULL && cy->coordinator != NULL)
		c = rules_find_contact(r, cy->coordinator);
	if (c == NULL) {
		template_set(tv, "coordinator", cy != NULL &&
		    cy->organiser != NULL ? cy->organiser : "事務局");
		return;
	}
	xasprintf(&s, "%s%s%s%s", c->name != NULL ? c->name : c->id,
	    c->mail != NULL ? "（" : "", c->mail != NULL ? c->mail : "",
	    c->mail != NULL ? "）" : "");
	template_set(tv, "coordinator", s);
	free(s);
}

void
chase_vars(struct tmpl_vars *tv, const struct rules *r, const struct task *t,
    const struct cal_zone *zone, const char *link, time_t now)
{
	const struct rules_cycle	*cy = r != NULL ?
	    rules_find_cycle(r, t->cycle) : NULL;
	cal_day				 due_day, today;
	int				 secs;
	char				 s[128];
	long				 days;

	snprintf(s, sizeof s, "%s　ご担当者様", name_of(r, t->assignee));
	template_set(tv, "to", s);
	template_set(tv, "org", name_of(r, t->assignee));
	template_set(tv, "assignee", name_of(r, t->assignee));
	template_set(tv, "title", t->title);
	cal_wareki_fy_format(s, sizeof s, t->fy);
	template_set(tv, "fy", s);
	template_set(tv, "source", cy != NULL && cy->title != NULL ?
	    cy->title : t->cycle);
	set_coordinator(tv, r, t->cycle);
	cal_utc_to_local(zone, t->due, &due_day, &secs);
	cal_utc_to_local(zone, now, &today, &secs);
	template_set_day(tv, "due", due_day);
	days = (long)due_day - (long)today;
	snprintf(s, sizeof s, "%ld", days > 0 ? days : 0);
	template_set(tv, "days_left", s);
	snprintf(s, sizeof s, "%ld", days < 0 ? -days : 0);
	template_set(tv, "days_over", s);
	template_set(tv, "link", link != NULL ? link : "-");
}

void
chase_task_fields(struct payload_build *b, const struct task *t)
{
	payload_num(b, "task_id", t->id);
	payload_str(b, "uid", t->uid);
	payload_str(b, "cycle", t->cycle);
	payload_str(b, "item", t->item);
	payload_num(b, "fy", t->fy);
	payload_str(b, "title", t->title);
	payload_str(b, "assignee", t->assignee);
	payload_str(b, "due", t->due_day);
}
