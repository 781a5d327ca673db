/*
 * inbox_http.h — the part of a deadline's page that replies by mail add
 * (inbox_http.c): its submitted files and failing addresses, loaded for
 * the session. The routes themselves are in routes.h.
 */
#ifndef KOYOMI_HTTP_INBOX_HTTP_H
#define KOYOMI_HTTP_INBOX_HTTP_H

#include <stddef.h>

struct dash_req;
struct dash_inbox;
struct task;

/* Fills di for the deadline uid (its tasks v[0..n)); never fails. */
void	inbox_http_deadline(struct dash_req *, const char *uid,
	    const struct task *v, size_t n, struct dash_inbox *di);
void	inbox_http_done(struct dash_inbox *);

#endif
