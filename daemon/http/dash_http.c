/*
 * dash_http.c — the handlers of the coordinator pages of dash_pages.h:
 * the first page (GET /), one deadline's page with its nudge, the bulk
 * actions and the annual schedule. Sessions, CSRF and answers come from
 * dashboard.c (dash_req.h); the rows from the store; the HTML from
 * dash_home.c, dash_deadline.c and dash_annual.c.
 */
#include <stdlib.h>
#include <string.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/core/koyomi.h"
#include "daemon/http/dash_pages.h"
#include "daemon/http/dash_req.h"
#include "daemon/http/dash_view.h"
#include "daemon/http/http.h"
#include "daemon/http/routes.h"
#include "daemon/store/store_tasks.h"

/* A bound on ?weeks=: half a year is "soon" enough for anyone. */
#define HOME_MAX_WEEKS	26

struct home_rows {
	struct dash_dls			 dls;
	const struct dash_ctx		*d;
	const struct dash_filter	*f;
};

static int
home_row(const struct task_row *r, void *arg)
{
	struct home_rows	*x = arg;

	dash_dls_add(&x->dls, x->d, x->f, r);
	return 0;
}

/* The first page's view from its URL: ?fy= ?weeks= ?view=all. */
static void
home_opts(struct http_req *req, struct koyomi *k, const struct dash_filter *f,
    struct dash_home *h)
{
	const char	*s;

	memset(h, 0, sizeof *h);
	h->this_fy = cal_fy_of(koyomi_today(k), 4);
	h->fy = f->fy != 0 ? f->fy : h->this_fy;
	h->weeks = 4;
	if ((s = http_query(req, "weeks")) != NULL && atoi(s) > 0)
		h->weeks = atoi(s) > HOME_MAX_WEEKS ? HOME_MAX_WEEKS : atoi(s);
	s = http_query(req, "view");
	h->all = s != NULL && strcmp(s, "all") == 0;
}

void
dash_home_get(struct http_req *req, struct koyomi *k)
{
	struct dash_req		 d;
	struct dash_ctx		 c;
	struct dash_filter	 f;
	struct dash_home	 h;
	struct task_filter	 tf;
	struct home_rows	 x;
	struct buf		 b;

	if (dash_session(req, k, &d) == -1)
		return;
	dash_ctx_init(&d, &c);
	dash_filter_parse(req, &f);
	f.org = NULL;
	home_opts(req, k, &f, &h);
	f.fy = h.fy;
	dash_task_filter(&d, &f, &tf);
	memset(&x, 0, sizeof x);
	x.d = &c;
	x.f = &f;
	if (store_task_rows(k->store, &tf, 0, home_row, &x) == -1) {
		dash_dls_free(&x.dls);
		dash_text(req, 500, "database error");
		return;
	}
	buf_init(&b);
	dash_render_home(&b, &c, &f, &h, &x.dls);
	dash_dls_free(&x.dls);
	dash_send(req, 200, DASH_HTML, &b);
}
