/*
 * dash_req.h — what the dashboard's handlers share (dashboard.c): the
 * session of a request, its CSRF check, the view context and the ways
 * to answer. Only daemon/http/dash*.c include it.
 */
#ifndef KOYOMI_HTTP_DASH_REQ_H
#define KOYOMI_HTTP_DASH_REQ_H

#include <stddef.h>

#include "calendars/util.h"
#include "daemon/core/auth.h"

struct koyomi;
struct http_req;
struct dash_ctx;
struct dash_filter;
struct task_filter;

#define DASH_MAX_SCOPE	64

struct dash_req {
	struct koyomi		*k;
	struct auth_info	 ai;
	char			 csrf[48];
	const char		*scope[DASH_MAX_SCOPE];
	size_t			 nscope;
};

#define DASH_HTML	"text/html; charset=utf-8"
#define DASH_CSV	"text/csv; charset=utf-8"

/*
 * The session of this request into d; without one the browser is sent
 * to /login (with ?next= for a GET, so it comes back here) and -1 is
 * returned: the request was answered.
 */
int	dash_session(struct http_req *, struct koyomi *, struct dash_req *);
/* 1 when the form's csrf field is the session's token. */
int	dash_csrf_ok(struct http_req *, const struct dash_req *);
/*
 * May the session see cycle's pages (admins, viewers, the cycle's
 * coordinators), or act on its tasks (admins, the cycle's coordinators)?
 */
int	dash_can_read(const struct dash_req *, const char *cycle);
int	dash_can_write(const struct dash_req *, const char *cycle);
void	dash_ctx_init(struct dash_req *, struct dash_ctx *);
/* ?fy= &cycle= &block= &pref= &id= into f (borrowed from the request). */
void	dash_filter_parse(struct http_req *, struct dash_filter *);
/* The viewer's scope and f's fy and cycle into a store filter. */
void	dash_task_filter(const struct dash_req *, const struct dash_filter *,
	    struct task_filter *);

/* dash_http.c: GET / without format=csv. */
void	dash_home_get(struct http_req *, struct koyomi *);
/* dash_http.c: a deadline's page (or ?format=csv), after the scope check. */
struct occ;
void	dash_deadline_get(struct http_req *, struct dash_req *,
	    const struct occ *);
/* dash_http.c: GET /org?id= (or ?format=csv). */
void	dash_org_get(struct http_req *, struct koyomi *);

/* Answers: b is sent and emptied; to is a local path. */
void	dash_send(struct http_req *, unsigned status, const char *type,
	    struct buf *b);
void	dash_redirect(struct http_req *, const char *to);
void	dash_text(struct http_req *, unsigned status, const char *msg);

#endif
