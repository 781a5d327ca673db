/*
 * announce_msg.c — recipients and date text of change and cancellation
 * notices (announce_msg.h). Recipients are the organisations whose
 * private feed shows the meeting (feeds_private_selects), resolved to
 * contacts the way chase_msg.c resolves assignees.
 */
#include <openssl/sha.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/chase/announce_msg.h"

/* Appends rc[0..n) to *v[0..have), each address once, bounded. */
static size_t
rcpts_merge(struct chase_rcpt **v, size_t have, const struct chase_rcpt *rc,
    size_t n)
{
	size_t	i, j;

	for (i = 0; i < n && have < ANNOUNCE_MAX_RCPTS; i++) {
		for (j = 0; j < have; j++)
			if (strcmp((*v)[j].mail, rc[i].mail) == 0)
				break;
		if (j < have)
			continue;
		*v = xreallocarray(*v, have + 1, sizeof **v);
		(*v)[have++] = rc[i];
	}
	return have;
}

size_t
announce_rcpts_add(const struct rules *r, const char *id,
    struct chase_rcpt **v, size_t n)
{
	struct chase_rcpt	rc[CHASE_MAX_RCPTS];

	if (id == NULL)
		return n;
	return rcpts_merge(v, n, rc, chase_assignee_rcpts(r, id, rc,
	    CHASE_MAX_RCPTS));
}

/* Every member organisation of group g. */
static size_t
rcpts_group(const struct rules *r, const struct rules_group *g,
    struct chase_rcpt **v, size_t n)
{
	size_t	i;

	for (i = 0; i < g->nmembers; i++)
		n = announce_rcpts_add(r, g->members[i], v, n);
	return n;
}

size_t
announce_meeting_rcpts(const struct rules *r, const struct occ *o,
    struct chase_rcpt **out)
{
	const struct rules_group	*g;
	size_t				 i, n = 0;

	*out = NULL;
	if (r == NULL)
		return 0;
	n = announce_rcpts_add(r, o->member, out, n);
	for (i = 0; i < o->nassignees; i++)
		n = announce_rcpts_add(r, o->assignees[i], out, n);
	if (o->audience != NULL && (g = rules_find_group(r, o->audience)) !=
	    NULL)
		n = rcpts_group(r, g, out, n);
	return n;
}

void
announce_when(const struct occ *o, char *buf, size_t size)
{
	char	d[64], e[64];
	int	n;

	cal_wareki_format(d, sizeof d, o->start, CAL_WF_WEEKDAY);
	n = snprintf(buf, size, "%s", d);
	if (o->start_secs >= 0 && n >= 0 && (size_t)n < size)
		n += snprintf(buf + n, size - n, " %d:%02d",
		    o->start_secs / 3600, o->start_secs / 60 % 60);
	if (o->end > o->start && n >= 0 && (size_t)n < size) {
		cal_wareki_format(e, sizeof e, o->end, CAL_WF_WEEKDAY);
		snprintf(buf + n, size - n, "～%s", e);
	}
}

char *
announce_clip(const char *s, size_t max)
{
	size_t	len = strlen(s), i = 0, l;
	char	*out;

	if (len <= max)
		return xstrdup(s);
	/* Whole characters only; a bad byte counts as one. */
	while (i < len) {
		l = utf8_seqlen((const unsigned char *)s + i);
		if (l == 0)
			l = 1;
		if (i + l > max)
			break;
		i += l;
	}
	xasprintf(&out, "%.*s…", (int)i, s);
	return out;
}

void
announce_failure_key(const char *const *msgs, size_t n, char *out)
{
	unsigned char	 md[SHA256_DIGEST_LENGTH];
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	for (i = 0; i < n; i++) {
		buf_puts(&b, msgs[i]);
		buf_putc(&b, '\n');
	}
	SHA256((const unsigned char *)(b.data != NULL ? b.data : ""), b.len,
	    md);
	buf_free(&b);
	hex_encode(md, sizeof md, out);
}
