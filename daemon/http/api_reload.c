/*
 * api_reload.c — POST /api/v1/reload (admins): reloads the rules now;
 * 200 with a summary, or 422 with every error while the previous rules
 * stay in force (core/reload.c does the work).
 */
#include "calendars/util.h"
#include "daemon/core/auth.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/reload.h"
#include "daemon/http/auth_req.h"
#include "daemon/http/http.h"
#include "daemon/http/routes.h"
#include "rules/rules.h"

void
api_reload(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct auth_info	 ai;
	struct rules_diag	 errs;
	struct buf		 b;
	size_t			 i;
	char			 sum[256];

	if (auth_bearer(req, AUTH_ADMIN, &ai) == -1)
		return;
	buf_init(&b);
	rules_diag_init(&errs);
	if (reload_now(k, "api", &errs) == -1) {
		buf_puts(&b, "{\"error\":\"the rules have errors; the previous "
		    "rules stay in force\",\"errors\":[");
		for (i = 0; i < errs.n; i++) {
			if (i)
				buf_putc(&b, ',');
			buf_json_string(&b, errs.msgs[i]);
		}
		buf_puts(&b, "]}\n");
		http_reply(req, 422, "application/json; charset=utf-8", b.data,
		    b.len, HTTP_MEM_COPY);
	} else {
		rules_summary(k->rules, sum, sizeof sum);
		buf_puts(&b, "{\"ok\":true,\"summary\":");
		buf_json_string(&b, sum);
		buf_printf(&b, ",\"occurrences\":%zu}\n", k->occs.n);
		http_reply(req, 200, "application/json; charset=utf-8", b.data,
		    b.len, HTTP_MEM_COPY);
	}
	rules_diag_free(&errs);
	buf_free(&b);
}
