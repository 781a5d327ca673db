/*
 * outbox_http.c — GET /api/v1/outbox[?state=S&limit=N]: the same JSON as
 * `koyomi outbox --format json`. Admins only, as on the dashboard: rows
 * name the mail addresses of every cycle (they carry no cycle to filter by). Bodies are never shown (they hold completion links).
 */
#include <stdlib.h>
#include <string.h>

#include "calendars/util.h"
#include "daemon/core/auth.h"
#include "daemon/http/auth_req.h"
#include "daemon/http/http.h"
#include "daemon/http/routes.h"
#include "daemon/core/koyomi.h"
#include "daemon/outbox/outbox.h"
#include "daemon/store/store_outbox.h"

#define OUTBOX_API_LIMIT	100	/* default rows per answer */
#define OUTBOX_API_MAX		1000

void
outbox_api(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct auth_info	 ai;
	struct outbox_row	*rows = NULL;
	long long		 counts[OUTBOX_NSTATES];
	const char		*state, *lim;
	struct buf		 b;
	size_t			 n = 0;
	long			 limit = OUTBOX_API_LIMIT;
	char			*end;

	if (auth_bearer(req, AUTH_ADMIN, &ai) == -1)
		return;
	if ((state = http_query(req, "state")) != NULL &&
	    outbox_state_from_name(state) == -1) {
		http_reply_json_error(req, 400, "state must be pending, sending, "
		    "sent, failed or dead");
		return;
	}
	if ((lim = http_query(req, "limit")) != NULL) {
		limit = strtol(lim, &end, 10);
		if (*lim == '\0' || *end != '\0' || limit < 1 ||
		    limit > OUTBOX_API_MAX) {
			http_reply_json_error(req, 400, "limit must be 1..1000");
			return;
		}
	}
	if (store_outbox_list(k->store, state, (size_t)limit, &rows, &n) == -1 ||
	    store_outbox_counts(k->store, counts) == -1) {
		http_reply_json_error(req, 500, "database error");
		return;
	}
	buf_init(&b);
	outbox_view_json(&b, rows, n, counts);
	outbox_rows_free(rows, n);
	http_reply(req, 200, "application/json; charset=utf-8", b.data, b.len,
	    HTTP_MEM_FREE);
}
