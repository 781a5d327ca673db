/*
 * html.h — escaping for the server-rendered dashboard (html.c). Every
 * string that did not come from a literal in the http/ files goes
 * through html_text or html_attr. The dashboard links only to its own
 * paths; no URL from a rule file becomes a link. Pure: appends to a buf.
 */
#ifndef KOYOMI_HTML_H
#define KOYOMI_HTML_H

#include "calendars/util.h"

/* Element text and quoted attribute values: & < > " ' escaped. */
void	html_text(struct buf *, const char *);
#define html_attr	html_text
/* printf, then escaped: html_textf(b, "%d件", n). */
void	html_textf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* URL query component: everything but unreserved bytes as %XX. */
void	html_urlencode(struct buf *, const char *);
/* A path: as html_urlencode, but '/' stays. */
void	html_pathencode(struct buf *, const char *);
/*
 * 1 when s may follow a login as its Location: a path on this site
 * ("/occurrences/x?fy=2025"), printable ASCII, at most 1,000 bytes; not
 * "//host" or "/\host" (which browsers read as another site), no
 * backslash, no scheme, and none of these once percent-decoded either
 * ("/%2F%2Fevil"). Anything else is an open redirect waiting to happen.
 */
int	html_local_path_ok(const char *s);

#endif
