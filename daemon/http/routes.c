/*
 * routes.c — every URL the daemon answers, in one table sorted by
 * pattern: the methods it takes, the role it needs (http.h) and the
 * handler. Modules do not register routes; a new URL is a new row here
 * (and a row in tests/integration/security_matrix.py, which walks the
 * table with every role). docs/hacking.md shows how a request travels.
 *
 * /healthz and /metrics are answered here: they read only the core.
 */
#include <stddef.h>

#include "calendars/util.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/metrics.h"
#include "daemon/http/http.h"
#include "daemon/http/routes.h"
#include "daemon/store/store.h"

#define GET	HTTP_GET
#define POST	HTTP_POST
#define R_PUB	HTTP_ROLE_PUBLIC
#define R_SEC	HTTP_ROLE_SECRET
#define R_LOG	HTTP_ROLE_LOGIN
#define R_VIEW	HTTP_ROLE_VIEWER
#define R_COORD	HTTP_ROLE_COORDINATOR
#define R_ADMIN	HTTP_ROLE_ADMIN

const struct http_route http_route_table[] = {
/*	  pattern		methods		role	metrics name	handler */
	{ "/",			GET,		R_LOG,	"dashboard",	dash_index },
	{ "/annual",		GET,		R_LOG,	"dashboard_annual", dash_annual },
	{ "/api/v1/cases",	GET | POST,	R_VIEW,	"api_cases",	api_cases },
	{ "/api/v1/cases/*",	POST,		R_COORD, "api_case",	api_case },
	{ "/api/v1/occurrences", GET,		R_VIEW,	"api_occurrences", api_occurrences },
	{ "/api/v1/outbox",	GET,		R_ADMIN, "outbox",	outbox_api },
	{ "/api/v1/reload",	POST,		R_ADMIN, "reload",	api_reload },
	{ "/api/v1/tasks",	GET,		R_VIEW,	"api_tasks",	api_tasks_list },
	{ "/api/v1/tasks/*",	GET | POST,	R_VIEW,	"api_task",	api_tasks_one },
	{ "/c/*",		GET | POST,	R_SEC,	"completion_link", clink_handler },
	{ "/dash/bulk",		POST,		R_COORD, "dashboard_bulk", dash_bulk },
	{ "/dash/nudge/*",	GET | POST,	R_COORD, "dashboard_nudge", dash_nudge },
	{ "/dash/tasks/*",	POST,		R_COORD, "dashboard_task", dash_task_post },
	{ "/feeds/*",		GET,		R_SEC,	"feeds",	feeds_handler },
	{ "/healthz",		GET,		R_PUB,	"healthz",	route_healthz },
	/* Replies by mail: coordinators of the message's cycle, admins. */
	{ "/inbox",		GET,		R_COORD, "inbox",	inbox_page },
	{ "/inbox/files/*",	GET,		R_COORD, "inbox_file",	inbox_file_get },
	{ "/inbox/messages/*",	POST,		R_COORD, "inbox_message", inbox_message_post },
	{ "/inbox/zip/*",	GET,		R_COORD, "inbox_zip",	inbox_zip_get },
	{ "/login",		GET,		R_PUB,	"login",	login_get },
	{ "/login",		POST,		R_PUB,	"login_post",	login_post },
	{ "/login/once",	POST,		R_LOG,	"login_once",	once_post },
	{ "/login/once/*",	GET,		R_SEC,	"login_once_use", once_get },
	{ "/logout",		POST,		R_LOG,	"logout",	logout_post },
	{ "/meetings",		GET,		R_LOG,	"dashboard_meetings", dash_meetings },
	{ "/metrics",		GET,		R_PUB,	"metrics",	route_metrics },
	{ "/occurrences/*",	GET,		R_LOG,	"dashboard_occurrence", dash_occ_get },
	{ "/org",		GET,		R_LOG,	"dashboard_org", dash_org },
	{ "/outbox",		GET,		R_ADMIN, "dashboard_outbox", dash_outbox },
	{ "/reload",		GET,		R_LOG,	"dashboard_reload", dash_reload },
	{ "/tasks/*",		GET,		R_LOG,	"dashboard_task_page", dash_task_get },
};
const size_t http_nroutes = nitems(http_route_table);

void
http_routes_install(struct koyomi *k)
{
	http_routes(k->http, http_route_table, http_nroutes, k);
}

void
route_healthz(struct http_req *req, void *arg)
{
	struct koyomi	*k = arg;

	if (k->stopping || !store_writable(k->store)) {
		http_reply(req, 503, "text/plain; charset=utf-8",
		    "unavailable\n", 12, HTTP_MEM_PERSISTENT);
		return;
	}
	http_reply(req, 200, "text/plain; charset=utf-8", "ok\n", 3,
	    HTTP_MEM_PERSISTENT);
}

void
route_metrics(struct http_req *req, void *arg)
{
	struct koyomi	*k = arg;
	struct buf	 b;
	size_t		 len;

	buf_init(&b);
	metrics_render(k, &b);
	/* Length first: buf_steal empties b, and argument order is free. */
	len = b.len;
	http_reply(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    buf_steal(&b), len, HTTP_MEM_FREE);
}
