/*
 * api_tasks.c — the JSON API of tasks, occurrences and cases (design §6).
 * Roles: admin (everything), coordinator (only the cycles on its token),
 * viewer (reads everything, writes nothing). Errors are {"error": …}
 * with 400 (malformed request), 401, 403, 404, 405, 422 (well-formed
 * but not acceptable: an answer outside the options, a waive without a
 * reason); 413 comes from the router. A refused request changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/core/auth.h"
#include "daemon/http/auth_req.h"
#include "daemon/http/export.h"
#include "daemon/chase/cases.h"
#include "daemon/http/http.h"
#include "daemon/http/routes.h"
#include "daemon/codec/json_in.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/reload.h"
#include "daemon/chase/tasks.h"
#include "daemon/chase/tasks_ops.h"

#define API_MAX_SCOPE	64
#define JSON_TYPE	"application/json; charset=utf-8"

/* A coordinator's cycles as a filter; out must hold API_MAX_SCOPE. */
static size_t
api_scope(struct auth_info *ai, const char **out)
{
	char	*p, *save = NULL;
	size_t	 n = 0;

	if (ai->role != AUTH_COORDINATOR)
		return 0;
	for (p = strtok_r(ai->cycles, ",", &save); p != NULL &&
	    n < API_MAX_SCOPE; p = strtok_r(NULL, ",", &save))
		out[n++] = p;
	if (n == 0)
		out[n++] = "";	/* a coordinator of nothing sees nothing */
	return n;
}

static void
reply_buf(struct http_req *req, unsigned status, const char *type,
    struct buf *b)
{
	size_t	 len = b->len;

	http_reply(req, status, type, buf_steal(b), len, HTTP_MEM_FREE);
}

static int
api_filter(struct http_req *req, struct task_filter *f)
{
	const char	*s;
	char		*end;

	if ((s = http_query(req, "fy")) != NULL) {
		f->fy = (int)strtol(s, &end, 10);
		if (*s == '\0' || *end != '\0' || f->fy < 1900 || f->fy > 2199)
			return -1;
	}
	if ((s = http_query(req, "state")) != NULL) {
		if (!task_state_valid(s))
			return -1;
		f->state = s;
	}
	f->assignee = http_query(req, "assignee");
	f->cycle = http_query(req, "cycle");
	return 0;
}

void
api_tasks_list(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct auth_info	 ai;
	struct task_filter	 f = { 0 };
	const char		*scope[API_MAX_SCOPE], *fmt;

	if (auth_bearer(req, AUTH_VIEWER, &ai) == -1)
		return;
	if (api_filter(req, &f) == -1) {
		http_reply_json_error(req, 400, "bad fy or state");
		return;
	}
	f.cycles = scope;
	f.ncycles = api_scope(&ai, scope);
	f.now = koyomi_now(k);
	fmt = http_query(req, "format");
	task_export(req, k, ai.token_id, &f,
	    fmt != NULL && strcmp(fmt, "csv") == 0 ? EXPORT_CSV : EXPORT_JSON,
	    NULL, "tasks.csv", 1);
}

/* Reads the optional body: a flat object of strings. 0 or -1 (answered). */
static int
api_body(struct http_req *req, struct task_change *c, struct json_in *o)
{
	static const char *const keys[] = { "by", "note", "answer", "text" };
	const char	*body, *vals[4];
	size_t		 len, i;
	char		*cause = NULL, *msg;

	memset(o, 0, sizeof *o);
	body = http_body(req, &len);
	if (body == NULL || len == 0)
		return 0;
	if (json_in_parse(body, len, o, &cause) == -1) {
		xasprintf(&msg, "malformed JSON: %s", cause);
		http_reply_json_error(req, 400, msg);
		free(msg);
		free(cause);
		return -1;
	}
	for (i = 0; i < nitems(keys); i++) {
		if (json_in_str(o, keys[i], &vals[i]) == -1) {
			xasprintf(&msg, "'%s' must be a string", keys[i]);
			http_reply_json_error(req, 400, msg);
			free(msg);
			json_in_free(o);
			return -1;
		}
	}
	c->actor.who = vals[0];
	c->actor.note = vals[1];
	c->answer = vals[2];
	c->text = vals[3];
	return 0;
}

static int
api_op(const char *name, enum task_op *op)
{
	static const struct { const char *name; enum task_op op; } ops[] = {
		{ "done", TASK_DONE }, { "reopen", TASK_REOPEN },
		{ "waive", TASK_WAIVE }, { "answer", TASK_ANSWER },
	};
	size_t	 i;

	for (i = 0; i < nitems(ops); i++)
		if (strcmp(ops[i].name, name) == 0) {
			*op = ops[i].op;
			return 0;
		}
	return -1;
}

static void
api_task_json(struct http_req *req, struct koyomi *k, int64_t id)
{
	struct task		 t;
	struct task_event	*ev;
	struct buf		 b;
	size_t			 nev;

	if (store_task_get(k->store, id, &t) != 0) {
		http_reply_json_error(req, 500, "database error");
		return;
	}
	tasks_note_occs(k, &t, 1);
	buf_init(&b);
	task_render_json(&t, koyomi_now(k), &b);
	task_free(&t);
	/* The single-task view carries its audit trail. */
	if (store_task_events(k->store, id, &ev, &nev) == 0) {
		b.len--;		/* reopen the object */
		task_events_json(ev, nev, &b);
		buf_putc(&b, '}');
		task_events_free(ev, nev);
	}
	buf_putc(&b, '\n');
	reply_buf(req, 200, JSON_TYPE, &b);
}

/* POST /api/v1/tasks/ID/ACTION after the task was found and allowed. */
static void
api_change(struct http_req *req, struct koyomi *k, int64_t id,
    enum task_op op)
{
	struct task_change	 c = { op, { NULL, VIA_API, NULL }, NULL, NULL };
	struct json_in		 o;
	enum task_result	 r;
	char			*cause = NULL;
	int			 answered;

	if (api_body(req, &c, &o) == -1)
		return;
	r = tasks_change(k, id, &c, koyomi_now(k), &answered, &cause);
	json_in_free(&o);
	switch (r) {
	case TASK_CHANGED:
	case TASK_UNCHANGED:
		api_task_json(req, k, id);
		break;
	case TASK_NOTFOUND:
		http_reply_json_error(req, 404, "no such task");
		break;
	case TASK_INVALID:
		http_reply_json_error(req, 422, cause);
		break;
	default:
		http_reply_json_error(req, 500, cause != NULL ? cause :
		    "database error");
	}
	free(cause);
}

/* /api/v1/tasks/ID and /api/v1/tasks/ID/ACTION. */
void
api_tasks_one(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct auth_info	 ai;
	const char		*s = http_suffix(req), *action;
	char			*end;
	long long		 id;
	enum task_op		 op;
	struct task		 t;
	int			 post = http_method_bit(req) == HTTP_POST, rc;

	if (auth_bearer(req, post ? AUTH_COORDINATOR : AUTH_VIEWER, &ai) == -1)
		return;
	id = strtoll(s, &end, 10);
	action = *end == '/' ? end + 1 : NULL;
	if (end == s || id <= 0 || (*end != '\0' && action == NULL) ||
	    (action != NULL && api_op(action, &op) == -1)) {
		http_reply_json_error(req, 404, "no such task or action");
		return;
	}
	if ((action != NULL) != post) {
		http_add_header(req, "Allow", post ? "GET, HEAD" : "POST");
		http_reply_json_error(req, 405, "method not allowed here");
		return;
	}
	if ((rc = store_task_get(k->store, id, &t)) != 0) {
		http_reply_json_error(req, rc == 1 ? 404 : 500,
		    rc == 1 ? "no such task" : "database error");
		return;
	}
	rc = ai.role == AUTH_VIEWER && !post ? 1 : auth_can_cycle(&ai, t.cycle);
	task_free(&t);
	if (!rc) {
		http_reply_json_error(req, 403, "this token may not act on "
		    "that cycle");
		return;
	}
	if (post)
		api_change(req, k, id, op);
	else
		api_task_json(req, k, id);
}

/* GET /api/v1/occurrences?fy=Y: the expanded calendar of one year. */
void
api_occurrences(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct auth_info	 ai;
	struct rules_expand_ctx	 x;
	struct rules_diag	 d;
	struct occ_list		 l = { 0 };
	const char		*s;
	struct buf		 b;
	int			 fy;

	if (auth_bearer(req, AUTH_VIEWER, &ai) == -1)
		return;
	fy = koyomi_this_fy(k);
	if ((s = http_query(req, "fy")) != NULL &&
	    ((fy = atoi(s)) < 1900 || fy > 2199)) {
		http_reply_json_error(req, 400, "bad fy");
		return;
	}
	if (k->rules == NULL) {
		http_reply_json_error(req, 503, "no rules loaded");
		return;
	}
	rules_diag_init(&d);
	/* The list borrows strings from x: free x after it. */
	if (koyomi_expand_ctx(k, &x) == -1) {
		rules_diag_free(&d);
		http_reply_json_error(req, 503, "database busy or failing");
		return;
	}
	if (rules_expand(k->rules, cal_fy_first(fy, 4), cal_fy_last(fy, 4),
	    &x, &l, &d) == -1) {
		koyomi_expand_ctx_free(&x);
		http_reply_json_error(req, 422, d.n > 0 ? d.msgs[0] :
		    "expansion failed");
		rules_diag_free(&d);
		return;
	}
	rules_diag_free(&d);
	buf_init(&b);
	rules_plan_json(&l, &b);
	occ_list_free(&l);
	koyomi_expand_ctx_free(&x);
	reply_buf(req, 200, JSON_TYPE, &b);
}
