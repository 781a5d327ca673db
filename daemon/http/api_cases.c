/*
 * api_cases.c — cases over the API: GET /api/v1/cases, POST
 * /api/v1/cases {cycle, code, start, org?}, POST /api/v1/cases/CODE/close
 * {date?, cycle?}. Codes only, never names. A change re-expands the
 * rules so case-relative items appear (or stop) at once (one made with
 * `koyomi case` while the daemon runs is noticed by chase/chase.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/core/auth.h"
#include "daemon/http/auth_req.h"
#include "daemon/chase/cases.h"
#include "daemon/http/http.h"
#include "daemon/http/routes.h"
#include "daemon/codec/json_in.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/reload.h"

#define JSON_TYPE	"application/json; charset=utf-8"

static void
cases_reply(struct http_req *req, struct koyomi *k, unsigned status)
{
	struct case_row	*v;
	struct buf	 b;
	size_t		 n, len;

	if (store_cases_list(k->store, &v, &n) == -1) {
		http_reply_json_error(req, 500, "database error");
		return;
	}
	buf_init(&b);
	cases_render_json(v, n, &b);
	case_rows_free(v, n);
	len = b.len;
	http_reply(req, status, JSON_TYPE, buf_steal(&b), len, HTTP_MEM_FREE);
}

/* Parses the body into o and reads the named string fields. */
static int
cases_body(struct http_req *req, struct json_in *o, const char *const *keys,
    const char **vals, size_t n)
{
	const char	*body;
	char		*cause = NULL;
	size_t		 len, i;

	memset(o, 0, sizeof *o);
	body = http_body(req, &len);
	if (body != NULL && len > 0 &&
	    json_in_parse(body, len, o, &cause) == -1) {
		http_reply_json_error(req, 400, cause);
		free(cause);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (json_in_str(o, keys[i], &vals[i]) == -1) {
			http_reply_json_error(req, 400, "fields must be strings");
			json_in_free(o);
			return -1;
		}
	return 0;
}

static int
iso_ok(const char *s)
{
	cal_day	 d;

	return s != NULL && cal_parse_iso(s, &d) == 0;
}

static void
cases_add(struct http_req *req, struct koyomi *k, struct auth_info *ai)
{
	static const char *const keys[] = { "cycle", "code", "start", "org" };
	const char	*v[4];
	struct json_in	 o;
	char		*why;
	int		 rc;

	if (cases_body(req, &o, keys, v, 4) == -1)
		return;
	if (k->rules == NULL) {
		http_reply_json_error(req, 503, "no rules loaded");
		json_in_free(&o);
		return;
	}
	if (v[0] == NULL || !case_code_valid(v[1]) || !iso_ok(v[2]) ||
	    (v[3] != NULL && rules_find_org(k->rules, v[3]) == NULL)) {
		http_reply_json_error(req, 422, "need a known cycle, a code "
		    "([A-Za-z0-9._-], never a name), start (YYYY-MM-DD) and "
		    "optionally a known org");
		json_in_free(&o);
		return;
	}
	/* A case of another cycle would be stored and never expand. */
	if ((why = cases_cycle_refusal(k->rules, v[0])) != NULL) {
		http_reply_json_error(req, 422, why);
		free(why);
		json_in_free(&o);
		return;
	}
	if (!auth_can_cycle(ai, v[0])) {
		http_reply_json_error(req, 403, "not your cycle");
		json_in_free(&o);
		return;
	}
	rc = store_case_add(k->store, v[0], v[1], v[3], v[2], koyomi_now(k));
	json_in_free(&o);
	if (rc != 0) {
		http_reply_json_error(req, rc == 1 ? 409 : 500, rc == 1 ?
		    "that code exists in the cycle" : "database error");
		return;
	}
	if (reload_reexpand(k) == -1)
		log_warnx("cases: re-expansion failed");
	cases_reply(req, k, 201);
}

static void
cases_close(struct http_req *req, struct koyomi *k, struct auth_info *ai)
{
	static const char *const keys[] = { "date", "cycle" };
	static const unsigned status[] = { 200, 404, 409, 409 };
	static const char *const why[] = { NULL, "no such case",
		"the code is in several cycles: give cycle",
		"the case is already closed" };
	const char	*v[2], *s = http_suffix(req), *slash;
	char		 code[40], today[11];
	struct json_in	 o;
	int		 rc;

	slash = strchr(s, '/');
	if (slash == NULL || strcmp(slash, "/close") != 0 ||
	    (size_t)(slash - s) >= sizeof code) {
		http_reply_json_error(req, 404, "no such case action");
		return;
	}
	memcpy(code, s, (size_t)(slash - s));
	code[slash - s] = '\0';
	if (cases_body(req, &o, keys, v, 2) == -1)
		return;
	if (v[0] != NULL && !iso_ok(v[0])) {
		http_reply_json_error(req, 422, "date must be YYYY-MM-DD");
		json_in_free(&o);
		return;
	}
	/* Only an admin may close by code alone, across cycles. */
	if (v[1] != NULL ? !auth_can_cycle(ai, v[1]) :
	    ai->role != AUTH_ADMIN) {
		http_reply_json_error(req, 403, "give a cycle you coordinate");
		json_in_free(&o);
		return;
	}
	cal_format_iso(today, koyomi_today(k));
	rc = store_case_close(k->store, v[1], code, v[0] != NULL ? v[0] : today);
	json_in_free(&o);
	if (rc != 0) {
		http_reply_json_error(req, rc < 0 ? 500 : status[rc],
		    rc < 0 ? "database error" : why[rc]);
		return;
	}
	if (reload_reexpand(k) == -1)
		log_warnx("cases: re-expansion failed");
	cases_reply(req, k, 200);
}

void
api_cases(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct auth_info	 ai;
	int			 post = http_method_bit(req) == HTTP_POST;

	if (auth_bearer(req, post ? AUTH_COORDINATOR : AUTH_VIEWER, &ai) == -1)
		return;
	if (post)
		cases_add(req, k, &ai);
	else
		cases_reply(req, k, 200);
}

void
api_case(struct http_req *req, void *arg)
{
	struct auth_info	 ai;

	if (auth_bearer(req, AUTH_COORDINATOR, &ai) == -1)
		return;
	cases_close(req, arg, &ai);
}
