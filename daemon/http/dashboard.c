/*
 * dashboard.c — the coordinators' dashboard over HTTP: login with an API
 * token, a session cookie (HttpOnly, SameSite=Strict), a CSRF token on
 * every form, and the pages of dash_view.c; every table also as CSV.
 * No scripts, no external resources; the CSP says so to the browser.
 *
 * One-time login links: a logged-in user may POST /login/once (with the
 * CSRF token) to get a path /login/once/SECRET that works once within 60
 * seconds and opens a fresh session. This lets a headless browser (or a
 * colleague's browser) be logged in without ever putting the API token
 * itself in a URL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/core/auth.h"
#include "daemon/codec/token.h"
#include "daemon/http/auth_req.h"
#include "daemon/core/conf.h"
#include "daemon/codec/csv.h"
#include "daemon/codec/html.h"
#include "daemon/http/dash_req.h"
#include "daemon/http/dash_view.h"
#include "daemon/http/export.h"
#include "daemon/http/http.h"
#include "daemon/http/routes.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/reload.h"
#include "daemon/store/revisions.h"
#include "daemon/store/store_sessions.h"
#include "daemon/store/store_outbox.h"
#include "daemon/chase/tasks.h"
#include "daemon/chase/tasks_ops.h"

#define HTML_TYPE	DASH_HTML
#define CSV_TYPE	DASH_CSV
#define DASH_COOKIE	"koyomi_session"
#define LOGIN_COOKIE	"koyomi_login"

static void
dash_headers(struct http_req *req)
{
	http_add_header(req, "Cache-Control", "no-store");
	http_add_header(req, "X-Content-Type-Options", "nosniff");
	http_add_header(req, "Referrer-Policy", "same-origin");
	http_add_header(req, "Content-Security-Policy", "default-src 'none'; "
	    "style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; "
	    "frame-ancestors 'none'; base-uri 'none'");
}

void
dash_send(struct http_req *req, unsigned status, const char *type,
    struct buf *b)
{
	size_t	 len = b->len;

	dash_headers(req);
	http_reply(req, status, type, buf_steal(b), len, HTTP_MEM_FREE);
}

void
dash_redirect(struct http_req *req, const char *to)
{
	dash_headers(req);
	http_add_header(req, "Location", to);
	http_reply(req, 303, "text/plain; charset=utf-8", "", 0,
	    HTTP_MEM_PERSISTENT);
}

void
dash_text(struct http_req *req, unsigned status, const char *msg)
{
	dash_headers(req);
	http_reply(req, status, "text/plain; charset=utf-8", msg, strlen(msg),
	    HTTP_MEM_COPY);
}

static void
set_cookie(struct http_req *req, struct koyomi *k, const char *name,
    const char *value, const char *path, int max_age)
{
	char	*c;
	int	 secure = strncmp(k->conf->base_url, "https:", 6) == 0;

	xasprintf(&c, "%s=%s; HttpOnly; SameSite=Strict; Path=%s; "
	    "Max-Age=%d%s", name, value, path, max_age,
	    secure ? "; Secure" : "");
	http_add_header(req, "Set-Cookie", c);
	free(c);
}

/*
 * To /login, and for a GET back here afterwards: ?next= holds this path
 * and query, re-encoded, when it passes the check login_post applies.
 */
static void
login_redirect(struct http_req *req)
{
	struct buf	 here, to;

	if (http_method_bit(req) != HTTP_GET) {
		dash_redirect(req, "/login");
		return;
	}
	buf_init(&here);
	html_pathencode(&here, http_path(req));
	buf_puts(&here, "?");
	http_query_string(req, &here);
	if (here.data[here.len - 1] == '?')
		here.data[--here.len] = '\0';
	buf_init(&to);
	buf_puts(&to, "/login");
	if (strcmp(here.data, "/") != 0 && html_local_path_ok(here.data)) {
		buf_puts(&to, "?next=");
		html_urlencode(&to, here.data);
	}
	dash_redirect(req, to.data);
	buf_free(&here);
	buf_free(&to);
}

/* Where a login goes: next when it is a local path, else the first page. */
static const char *
login_next(const char *next)
{
	if (next == NULL || !html_local_path_ok(next) ||
	    strncmp(next, "/login", 6) == 0 || strncmp(next, "/logout", 7) == 0)
		return NULL;
	return next;
}

int
dash_session(struct http_req *req, struct koyomi *k, struct dash_req *d)
{
	char	*p, *save = NULL;

	memset(d, 0, sizeof *d);
	d->k = k;
	if (session_get(k->store, http_cookie(req, DASH_COOKIE), koyomi_now(k),
	    &d->ai, d->csrf) != 0) {
		login_redirect(req);
		return -1;
	}
	if (d->ai.role == AUTH_COORDINATOR) {
		for (p = strtok_r(d->ai.cycles, ",", &save); p != NULL &&
		    d->nscope < DASH_MAX_SCOPE; p = strtok_r(NULL, ",", &save))
			d->scope[d->nscope++] = p;
		if (d->nscope == 0)
			d->scope[d->nscope++] = "";
	}
	return 0;
}

int
dash_csrf_ok(struct http_req *req, const struct dash_req *d)
{
	const char	*f = http_form(req, "csrf");
	size_t		 n = strlen(d->csrf);

	return f != NULL && n > 0 && strlen(f) == n &&
	    CRYPTO_memcmp(f, d->csrf, n) == 0;
}

/*
 * The session's cycles, not auth_can_cycle: dash_session has cut
 * ai.cycles into d->scope in place.
 */
static int
in_scope(const struct dash_req *d, const char *cycle)
{
	size_t	 i;

	for (i = 0; i < d->nscope; i++)
		if (strcmp(d->scope[i], cycle) == 0)
			return 1;
	return 0;
}

int
dash_can_read(const struct dash_req *d, const char *cycle)
{
	return d->ai.role != AUTH_COORDINATOR || in_scope(d, cycle);
}

int
dash_can_write(const struct dash_req *d, const char *cycle)
{
	return d->ai.role == AUTH_ADMIN || (d->ai.role == AUTH_COORDINATOR &&
	    in_scope(d, cycle));
}

void
dash_ctx_init(struct dash_req *d, struct dash_ctx *c)
{
	c->rules = d->k->rules;
	c->csrf = d->csrf;
	c->who = d->ai.name;
	c->can_write = d->ai.role >= AUTH_COORDINATOR;
	c->is_admin = d->ai.role == AUTH_ADMIN;
	c->now = koyomi_now(d->k);
	c->zone = d->k->zone;
	c->inbox = NULL;
}

void
dash_filter_parse(struct http_req *req, struct dash_filter *f)
{
	const char	*s = http_query(req, "fy");

	memset(f, 0, sizeof *f);
	f->fy = s != NULL ? atoi(s) : 0;
	if (f->fy < 1900 || f->fy > 2199)
		f->fy = 0;
	f->cycle = http_query(req, "cycle");
	f->block = http_query(req, "block");
	f->pref = http_query(req, "pref");
	f->org = http_query(req, "id");
}

void
dash_task_filter(const struct dash_req *d, const struct dash_filter *df,
    struct task_filter *f)
{
	memset(f, 0, sizeof *f);
	f->fy = df->fy;
	f->cycle = df->cycle != NULL && *df->cycle != '\0' ? df->cycle : NULL;
	f->cycles = d->scope;
	f->ncycles = d->nscope;
	f->now = koyomi_now(d->k);
}

/*
 * The part of the dashboard's filter the store cannot apply (block and
 * prefecture go through the rules), for an export that outlives the
 * request: its own copies of the strings, and the rules looked up
 * afresh for each task (a reload may swap them between two pages).
 */
struct dash_keep {
	struct dash_filter	 f;		/* block and pref only */
	char			*block, *pref;
};

static int
dash_keep_task(struct koyomi *k, void *arg, const struct task *t)
{
	struct dash_keep	*dk = arg;
	struct dash_ctx		 c;

	memset(&c, 0, sizeof c);
	c.rules = k->rules;
	return dash_filter_match(&c, &dk->f, t);
}

static void
dash_keep_free(void *arg)
{
	struct dash_keep	*dk = arg;

	free(dk->block);
	free(dk->pref);
	free(dk);
}

/*
 * GET /?format=csv: the tasks of the first page's filter as CSV, for the
 * fiscal year the page shows (?fy=, this one by default), as its link
 * asks. Sent a page at a time from one snapshot (export.c); the store
 * applies the year, the cycle and the viewer's scope, a keep function
 * only a block or prefecture, when there is one (as dash_dls_add does).
 */
static void
dash_index_csv(struct http_req *req, struct koyomi *k)
{
	struct dash_req		 d;
	struct dash_filter	 f;
	struct task_filter	 tf;
	struct dash_keep	*dk;
	struct export_keep	 keep;
	int			 rules;

	if (dash_session(req, k, &d) == -1)
		return;
	dash_filter_parse(req, &f);
	f.org = NULL;
	if (f.fy == 0)
		f.fy = koyomi_this_fy(k);
	dash_task_filter(&d, &f, &tf);
	rules = (f.block != NULL && *f.block != '\0') ||
	    (f.pref != NULL && *f.pref != '\0');
	if (rules) {
		dk = xcalloc(1, sizeof *dk);
		/* "" is no filter to dash_filter_match. */
		dk->block = xstrdup(f.block != NULL ? f.block : "");
		dk->pref = xstrdup(f.pref != NULL ? f.pref : "");
		dk->f.block = dk->block;
		dk->f.pref = dk->pref;
		keep.keep = dash_keep_task;
		keep.arg_free = dash_keep_free;
		keep.arg = dk;
	}
	dash_headers(req);
	task_export(req, k, d.ai.token_id, &tf, EXPORT_CSV,
	    rules ? &keep : NULL, "tasks.csv", 0);
}

/* GET /: the first page (dash_home.c), or its tasks as CSV. */
void
dash_index(struct http_req *req, void *arg)
{
	const char	*fmt = http_query(req, "format");

	if (fmt != NULL && strcmp(fmt, "csv") == 0)
		dash_index_csv(req, arg);
	else
		dash_home_get(req, arg);
}

void
dash_org(struct http_req *req, void *arg)
{
	dash_org_get(req, arg);
}

void
dash_meetings(struct http_req *req, void *arg)
{
	struct koyomi	*k = arg;
	struct dash_req	 d;
	struct dash_ctx	 c;
	struct buf	 b;
	const char	*fmt = http_query(req, "format");

	if (dash_session(req, k, &d) == -1)
		return;
	dash_ctx_init(&d, &c);
	buf_init(&b);
	if (fmt != NULL && strcmp(fmt, "csv") == 0) {
		dash_meetings_csv(&b, &c, &k->occs, 200);
		http_add_header(req, "Content-Disposition",
		    "attachment; filename=\"meetings.csv\"");
		dash_send(req, 200, CSV_TYPE, &b);
		return;
	}
	dash_render_meetings(&b, &c, &k->occs, 200);
	dash_send(req, 200, HTML_TYPE, &b);
}

static void
outbox_csv(struct http_req *req, const struct outbox_row *v, size_t n)
{
	static const char *const head[] = { "id", "created", "channel",
		"destination", "kind", "subject", "state", "attempts",
		"last_error" };
	struct csv	 c;
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	csv_begin(&c, &b);
	csv_row(&c, head, (int)nitems(head));
	for (i = 0; i < n; i++) {
		csv_num(&c, v[i].id);
		csv_num(&c, (long long)v[i].created);
		csv_cell(&c, v[i].channel);
		csv_cell(&c, v[i].destination);
		csv_cell(&c, v[i].kind);
		csv_cell(&c, v[i].subject);
		csv_cell(&c, v[i].state);
		csv_num(&c, v[i].attempts);
		csv_cell(&c, v[i].last_error);
		csv_end_row(&c);
	}
	http_add_header(req, "Content-Disposition",
	    "attachment; filename=\"outbox.csv\"");
	dash_send(req, 200, CSV_TYPE, &b);
}

void
dash_outbox(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct dash_req		 d;
	struct dash_ctx		 c;
	struct outbox_row	*v;
	struct buf		 b;
	const char		*fmt = http_query(req, "format");
	size_t			 n;

	if (dash_session(req, k, &d) == -1)
		return;
	/* The rule of GET /api/v1/outbox: rows name every cycle's addresses. */
	if (d.ai.role != AUTH_ADMIN) {
		dash_text(req, 403, "送信状況は管理者だけが見られます");
		return;
	}
	if (store_outbox_list(k->store, NULL, 500, &v, &n) == -1) {
		dash_text(req, 500, "database error");
		return;
	}
	if (fmt != NULL && strcmp(fmt, "csv") == 0)
		outbox_csv(req, v, n);
	else {
		dash_ctx_init(&d, &c);
		buf_init(&b);
		dash_render_outbox(&b, &c, v, n);
		dash_send(req, 200, HTML_TYPE, &b);
	}
	outbox_rows_free(v, n);
}

void
dash_reload(struct http_req *req, void *arg)
{
	struct koyomi			*k = arg;
	struct dash_req			 d;
	struct dash_ctx			 c;
	const struct rules_diag		*errs = NULL;
	struct buf			 b;
	time_t				 when = 0;
	char				 summary[256] = "";
	int				 ok;

	if (dash_session(req, k, &d) == -1)
		return;
	dash_ctx_init(&d, &c);
	ok = reload_last(k, &when, &errs);
	if (k->rules != NULL)
		rules_summary(k->rules, summary, sizeof summary);
	buf_init(&b);
	dash_render_reload(&b, &c, when, ok, summary,
	    errs != NULL ? (const char *const *)errs->msgs : NULL,
	    errs != NULL ? errs->n : 0);
	dash_send(req, 200, HTML_TYPE, &b);
}

/* GET /tasks/ID: one task, the page a private feed's deadline links. */
void
dash_task_get(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct dash_req		 d;
	struct dash_ctx		 c;
	struct task		 t;
	struct task_event	*ev = NULL;
	struct buf		 b;
	char			*end;
	long long		 id;
	size_t			 nev = 0;

	if (dash_session(req, k, &d) == -1)
		return;
	id = strtoll(http_suffix(req), &end, 10);
	if (id <= 0 || *end != '\0' || store_task_get(k->store, id, &t) != 0) {
		dash_text(req, 404, "no such task");
		return;
	}
	if (!dash_can_read(&d, t.cycle)) {
		task_free(&t);
		dash_text(req, 403, "not your cycle");
		return;
	}
	if (store_task_events(k->store, id, &ev, &nev) == -1) {
		ev = NULL;
		nev = 0;
	}
	tasks_note_occs(k, &t, 1);
	dash_ctx_init(&d, &c);
	buf_init(&b);
	dash_render_task(&b, &c, &t, ev, nev);
	task_events_free(ev, nev);
	task_free(&t);
	dash_send(req, 200, HTML_TYPE, &b);
}

/* The live occurrence uid, or the cancelled one rebuilt into ro. */
static const struct occ *
dash_find_occ(struct koyomi *k, const char *uid, struct revisions_occ *ro)
{
	struct revisions	 rs;
	const struct revision	*rv;
	size_t			 i;
	int			 found = 0;

	for (i = 0; i < k->occs.n; i++)
		if (strcmp(k->occs.v[i].uid, uid) == 0)
			return &k->occs.v[i];
	if (store_revisions_load(k->store, &rs) == -1)
		return NULL;
	if ((rv = revisions_find(&rs, uid)) != NULL &&
	    store_revisions_snapshot(k->store, &rs.v[rv - rs.v]) == 0 &&
	    revisions_occ_load(ro, rv->uid, rv->snapshot) == 0)
		found = 1;
	revisions_free(&rs);
	return found ? &ro->occ : NULL;
}

/* GET /occurrences/UID: one event, the page feeds link. */
void
dash_occ_get(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct dash_req		 d;
	struct dash_ctx		 c;
	struct revisions_occ	 ro;
	struct task_filter	 f = { 0 };
	const struct occ	*o;
	struct task		*v = NULL;
	struct buf		 b;
	size_t			 n = 0;

	if (dash_session(req, k, &d) == -1)
		return;
	memset(&ro, 0, sizeof ro);
	if ((o = dash_find_occ(k, http_suffix(req), &ro)) == NULL) {
		dash_text(req, 404, "no such event");
		return;
	}
	if (!dash_can_read(&d, o->cycle_id)) {
		revisions_occ_free(&ro);
		dash_text(req, 403, "not your cycle");
		return;
	}
	if (o->is_deadline && o == koyomi_find_occ(k, o->uid)) {
		/* A live deadline: its matrix (dash_http.c). */
		dash_deadline_get(req, &d, o);
		revisions_occ_free(&ro);
		return;
	}
	f.uid = o->uid;
	f.cancelled = 1;
	f.now = koyomi_now(k);
	if (o->is_deadline && store_tasks_list(k->store, &f, &v, &n) == -1)
		n = 0;
	dash_ctx_init(&d, &c);
	buf_init(&b);
	dash_render_occ(&b, &c, o, v, n);
	tasks_free(v, n);
	revisions_occ_free(&ro);
	dash_send(req, 200, HTML_TYPE, &b);
}

/* POST /dash/tasks/ID/done|reopen from the matrix buttons. */
void
dash_task_post(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct dash_req		 d;
	struct task_change	 tc = { TASK_DONE, { NULL, VIA_DASHBOARD, NULL },
		NULL, NULL };
	struct task		 t;
	const char		*s = http_suffix(req);
	char			*end, *cause = NULL;
	long long		 id;
	int			 answered;

	if (dash_session(req, k, &d) == -1)
		return;
	if (!dash_csrf_ok(req, &d) || d.ai.role < AUTH_COORDINATOR) {
		dash_text(req, 403, "forbidden");
		return;
	}
	id = strtoll(s, &end, 10);
	if (strcmp(end, "/reopen") == 0)
		tc.op = TASK_REOPEN;
	else if (strcmp(end, "/done") != 0)
		id = 0;
	if (id <= 0 || store_task_get(k->store, id, &t) != 0) {
		dash_text(req, 404, "no such task");
		return;
	}
	if (!dash_can_write(&d, t.cycle)) {
		task_free(&t);
		dash_text(req, 403, "not your cycle");
		return;
	}
	task_free(&t);
	tc.actor.who = d.ai.name;
	if (tasks_change(k, id, &tc, koyomi_now(k), &answered, &cause) ==
	    TASK_INVALID) {
		dash_text(req, 422, cause != NULL ? cause : "not possible");
		free(cause);
		return;
	}
	free(cause);
	dash_redirect(req, "/");
}

/* GET /login: the form, with a login CSRF token in a cookie and a field. */
void
login_get(struct http_req *req, void *arg)
{
	struct koyomi	*k = arg;
	char		 tok[48];
	struct buf	 b;

	if (token_new(tok) == -1) {
		dash_text(req, 500, "no randomness");
		return;
	}
	set_cookie(req, k, LOGIN_COOKIE, tok, "/login", 600);
	buf_init(&b);
	dash_render_login(&b, tok, NULL, login_next(http_query(req, "next")));
	dash_send(req, 200, HTML_TYPE, &b);
}

static void
login_fail(struct http_req *req, struct koyomi *k, unsigned status,
    const char *msg)
{
	char		 tok[48];
	struct buf	 b;

	if (token_new(tok) == -1) {
		dash_text(req, 500, "no randomness");
		return;
	}
	set_cookie(req, k, LOGIN_COOKIE, tok, "/login", 600);
	buf_init(&b);
	dash_render_login(&b, tok, msg, login_next(http_form(req, "next")));
	dash_send(req, status, HTML_TYPE, &b);
}

/*
 * Opens a session for token_id and sends the browser where it was going
 * (next, checked again here), else to the first page.
 */
static void
login_session(struct http_req *req, struct koyomi *k, int64_t token_id,
    const char *next)
{
	char	 secret[48], csrf[48];

	if (session_new(k->store, token_id, koyomi_now(k), 0, secret,
	    csrf) == -1) {
		dash_text(req, 500, "database error");
		return;
	}
	set_cookie(req, k, DASH_COOKIE, secret, "/", SESSION_TTL);
	next = login_next(next);
	dash_redirect(req, next != NULL ? next : "/");
}

void
login_post(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct auth_info	 ai;
	const char		*c = http_cookie(req, LOGIN_COOKIE);
	const char		*f = http_form(req, "csrf");

	if (c == NULL || f == NULL || strlen(c) != strlen(f) ||
	    CRYPTO_memcmp(c, f, strlen(c)) != 0) {
		login_fail(req, k, 403, "フォームの有効期限が切れました。"
		    "もう一度お試しください。");
		return;
	}
	if (store_token_lookup(k->store, http_form(req, "token"), &ai) == -1) {
		login_fail(req, k, 401, "トークンが正しくありません。");
		return;
	}
	login_session(req, k, ai.token_id, http_form(req, "next"));
}

void
logout_post(struct http_req *req, void *arg)
{
	struct koyomi	*k = arg;
	struct dash_req	 d;

	if (dash_session(req, k, &d) == -1)
		return;
	if (!dash_csrf_ok(req, &d)) {
		dash_text(req, 403, "forbidden");
		return;
	}
	session_end(k->store, http_cookie(req, DASH_COOKIE));
	set_cookie(req, k, DASH_COOKIE, "", "/", 0);
	dash_redirect(req, "/login");
}

/* POST /login/once: a one-time login path, for another browser. */
void
once_post(struct http_req *req, void *arg)
{
	struct koyomi	*k = arg;
	struct dash_req	 d;
	char		 secret[48], path[80];

	if (dash_session(req, k, &d) == -1)
		return;
	if (!dash_csrf_ok(req, &d)) {
		dash_text(req, 403, "forbidden");
		return;
	}
	if (session_new(k->store, d.ai.token_id, koyomi_now(k), 1, secret,
	    NULL) == -1) {
		dash_text(req, 500, "database error");
		return;
	}
	snprintf(path, sizeof path, "/login/once/%s\n", secret);
	dash_text(req, 200, path);
}

void
once_get(struct http_req *req, void *arg)
{
	struct koyomi	*k = arg;
	int64_t		 token_id;
	int		 rc;

	rc = session_take_once(k->store, http_suffix(req), koyomi_now(k),
	    &token_id);
	if (rc != 0) {
		dash_text(req, rc == 1 ? 410 : 500, rc == 1 ?
		    "this login link was used or has expired" :
		    "database error");
		return;
	}
	login_session(req, k, token_id, http_query(req, "next"));
}
