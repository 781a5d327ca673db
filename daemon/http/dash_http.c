/*
 * dash_http.c — the handlers of the coordinator pages of dash_pages.h:
 * the first page (GET /), one deadline's page with its nudge, the bulk
 * actions and the annual schedule. Sessions, CSRF and answers come from
 * dashboard.c (dash_req.h); the rows from the store; the HTML from
 * dash_home.c, dash_deadline.c and dash_annual.c.
 */
#include <stdlib.h>
#include <string.h>

#include <stdint.h>
#include <stdio.h>

#include "calendars/cal.h"
#include "calendars/util.h"
#include "daemon/chase/chase.h"
#include "daemon/chase/tasks.h"
#include "daemon/chase/tasks_ops.h"
#include "daemon/codec/html.h"
#include "daemon/core/auth.h"
#include "daemon/core/koyomi.h"
#include "daemon/http/dash_pages.h"
#include "daemon/http/dash_req.h"
#include "daemon/http/dash_view.h"
#include "daemon/http/dash_inbox.h"
#include "daemon/http/http.h"
#include "daemon/http/inbox_http.h"
#include "daemon/http/routes.h"
#include "daemon/store/store_tasks.h"

/* What the pages answer when they cannot (plain text, Japanese). */
#define MSG_DB		"データベースのエラーです。しばらくしてからもう一度お試しください。"
#define MSG_SCOPE	"この事業の担当ではありません"
#define MSG_CSRF	"フォームの有効期限が切れました。ページを読み込み直してください。"

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

/*
 * Each deadline's occurrence in the current rules, for its certainty,
 * case and closed-day move (borrowed: the page is built at once).
 */
static void
home_note(struct koyomi *k, struct dash_dls *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		l->v[i].occ = koyomi_find_occ(k, l->v[i].uid);
}

/* The first page's view from its URL: ?fy= ?weeks= ?view=all. */
static void
home_opts(struct http_req *req, struct koyomi *k, const struct dash_filter *f,
    struct dash_home *h)
{
	const char	*s;

	memset(h, 0, sizeof *h);
	h->this_fy = koyomi_this_fy(k);
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
		dash_text(req, 500, MSG_DB);
		return;
	}
	home_note(k, &x.dls);
	buf_init(&b);
	dash_render_home(&b, &c, &f, &h, &x.dls);
	dash_dls_free(&x.dls);
	dash_send(req, 200, DASH_HTML, &b);
}

/* Bounds on one request's work. */
#define BULK_MAX	5000	/* tasks one bulk action changes */
#define NOTE_MAX	200	/* bytes of a note kept */

struct trow_ctx {
	struct dash_trows	 rows;
	time_t			 now;
};

static int
trow_add(const struct task_row *r, void *arg)
{
	struct trow_ctx	*x = arg;

	dash_trows_add(&x->rows, r, x->now);
	return 0;
}

/* Every live task of deadline uid the viewer may see, with notes. */
static int
deadline_rows(struct dash_req *d, const char *uid, struct trow_ctx *x)
{
	struct task_filter	 f;
	struct dash_filter	 df;

	memset(&df, 0, sizeof df);
	dash_task_filter(d, &df, &f);
	f.uid = uid;
	memset(x, 0, sizeof *x);
	x->now = f.now;
	if (store_task_rows(d->k->store, &f, 1, trow_add, x) == -1) {
		dash_trows_free(&x->rows);
		return -1;
	}
	return 0;
}

/* A count from the query (?nudged=3) for a notice; -1 when absent. */
static long
query_count(struct http_req *req, const char *name)
{
	const char	*s = http_query(req, name);
	char		*end;
	long		 v;

	if (s == NULL)
		return -1;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 0 && v < 1000000 ? v : -1;
}

/* The line a redirect after an action asks the page to show. */
static char *
deadline_notice(struct http_req *req)
{
	long	 a, b;
	char	*s = NULL;

	if ((a = query_count(req, "nudged")) >= 0) {
		b = query_count(req, "noaddr");
		xasprintf(&s, "催促メールを %ld 件送信しました（送信待ちに入りました）。"
		    "%s", a, b > 0 ? "アドレスのない提出先には送っていません。" :
		    "");
	} else if ((a = query_count(req, "bulk")) >= 0) {
		b = query_count(req, "skipped");
		xasprintf(&s, "%ld 件を変更しました。%s", a, b > 0 ?
		    "変更できなかったもの（回答が必要な調査など）は"
		    "そのままです。" : "");
	}
	return s;
}

static void
deadline_csv(struct http_req *req, struct dash_req *d, const char *uid)
{
	struct task_filter	 f;
	struct dash_filter	 df;
	struct task		*v;
	struct buf		 b;
	size_t			 n;

	memset(&df, 0, sizeof df);
	dash_task_filter(d, &df, &f);
	f.uid = uid;
	if (store_tasks_list(d->k->store, &f, &v, &n) == -1) {
		dash_text(req, 500, MSG_DB);
		return;
	}
	tasks_note_occs(d->k, v, n);
	buf_init(&b);
	tasks_render_csv(v, n, f.now, &b);
	tasks_free(v, n);
	http_add_header(req, "Content-Disposition",
	    "attachment; filename=\"deadline.csv\"");
	dash_send(req, 200, DASH_CSV, &b);
}

void
dash_deadline_get(struct http_req *req, struct dash_req *d,
    const struct occ *o)
{
	struct dash_ctx		 c;
	struct dash_dlpage	 p;
	struct trow_ctx		 x;
	struct dash_inbox	 di;
	struct task_filter	 f = { 0 };
	struct task		*v = NULL;
	struct buf		 b;
	const char		*fmt = http_query(req, "format");
	char			*notice;
	size_t			 n = 0;

	if (fmt != NULL && strcmp(fmt, "csv") == 0) {
		deadline_csv(req, d, o->uid);
		return;
	}
	if (deadline_rows(d, o->uid, &x) == -1) {
		dash_text(req, 500, MSG_DB);
		return;
	}
	dash_ctx_init(d, &c);
	memset(&p, 0, sizeof p);
	p.state = http_query(req, "state");
	p.notice = notice = deadline_notice(req);
	p.can_write = dash_can_write(d, o->cycle_id);
	/* The files its jurisdictions sent by mail (daemon/inbox). */
	f.uid = o->uid;
	f.cancelled = 1;
	f.now = koyomi_now(d->k);
	if (store_tasks_list(d->k->store, &f, &v, &n) == -1) {
		v = NULL;
		n = 0;
	}
	inbox_http_deadline(d, o->uid, v, n, &di);
	c.inbox = &di;
	buf_init(&b);
	dash_render_deadline(&b, &c, o, &x.rows, &p);
	inbox_http_done(&di);
	tasks_free(v, n);
	free(notice);
	dash_trows_free(&x.rows);
	dash_send(req, 200, DASH_HTML, &b);
}

/* The deadline a nudge or bulk action names, if the viewer may act. */
static const struct occ *
deadline_for(struct http_req *req, struct dash_req *d, const char *uid)
{
	const struct occ	*o = koyomi_find_occ(d->k, uid);

	if (o == NULL || !o->is_deadline) {
		dash_text(req, 404, "その締切はありません");
		return NULL;
	}
	if (!dash_can_write(d, o->cycle_id)) {
		dash_text(req, 403, MSG_SCOPE);
		return NULL;
	}
	return o;
}

/* A note from a form, cut to NOTE_MAX bytes on a character boundary. */
static char *
form_note(struct http_req *req)
{
	const char	*s = http_form(req, "note");
	size_t		 n;

	if (s == NULL || *s == '\0')
		return NULL;
	n = strlen(s);
	if (n > NOTE_MAX) {
		n = NOTE_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return xstrndup(s, n);
}

static void
redirect_back(struct http_req *req, const char *uid, const char *query)
{
	struct buf	 to;

	buf_init(&to);
	if (uid != NULL) {
		buf_puts(&to, "/occurrences/");
		html_urlencode(&to, uid);
	} else
		buf_puts(&to, "/");
	buf_printf(&to, "?%s", query);
	dash_redirect(req, to.data);
	buf_free(&to);
}

/* GET /dash/nudge/UID: the confirmation; POST: send, audit, go back. */
void
dash_nudge(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct dash_req		 d;
	struct dash_ctx		 c;
	struct trow_ctx		 x;
	struct task_actor	 a = { NULL, VIA_DASHBOARD, NULL };
	struct chase_nudged	 out;
	const struct occ	*o;
	struct buf		 b;
	char			*note, *cause = NULL, q[64];

	if (dash_session(req, k, &d) == -1)
		return;
	if ((o = deadline_for(req, &d, http_suffix(req))) == NULL)
		return;
	if (http_method_bit(req) != HTTP_POST) {
		if (deadline_rows(&d, o->uid, &x) == -1) {
			dash_text(req, 500, MSG_DB);
			return;
		}
		dash_ctx_init(&d, &c);
		buf_init(&b);
		dash_render_nudge(&b, &c, o, &x.rows);
		dash_trows_free(&x.rows);
		dash_send(req, 200, DASH_HTML, &b);
		return;
	}
	if (!dash_csrf_ok(req, &d)) {
		dash_text(req, 403, MSG_CSRF);
		return;
	}
	a.who = d.ai.name;
	a.note = note = form_note(req);
	if (chase_nudge(k, o->uid, &a, koyomi_now(k), &out, &cause) == -1) {
		free(note);
		dash_text(req, 500, cause != NULL ? cause : MSG_DB);
		free(cause);
		return;
	}
	free(note);
	snprintf(q, sizeof q, "nudged=%zu&noaddr=%zu", out.sent, out.noaddr);
	redirect_back(req, o->uid, q);
}

static int
bulk_op(const char *s, enum task_op *op)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "done") == 0)
		*op = TASK_DONE;
	else if (strcmp(s, "waive") == 0)
		*op = TASK_WAIVE;
	else if (strcmp(s, "reopen") == 0)
		*op = TASK_REOPEN;
	else if (strcmp(s, "track") == 0)
		*op = TASK_TRACK;
	else
		return -1;
	return 0;
}

struct open_ids {
	int64_t		*v;
	size_t		 n;
};

static int
open_id_add(const struct task_row *r, void *arg)
{
	struct open_ids	*x = arg;

	if (x->n < BULK_MAX && strcmp(r->state, "open") == 0 && !r->past)
		x->v[x->n++] = r->id;
	return 0;
}

/*
 * The ids a bulk form names: its checked boxes, and with all_open every
 * task of its deadline not yet submitted. -1 answered (400).
 */
static int
bulk_ids(struct http_req *req, struct dash_req *d, const char *uid,
    struct open_ids *ids)
{
	const char		**vals;
	const char		 *all = http_form(req, "all_open");
	struct task_filter	  f;
	struct dash_filter	  df;
	char			 *end;
	size_t			  i, nv;
	long long		  id;

	ids->v = xcalloc(BULK_MAX + 1, sizeof *ids->v);
	ids->n = 0;
	vals = xcalloc(BULK_MAX + 1, sizeof *vals);	/* NOLINT(bugprone-sizeof-expression) */
	nv = http_form_all(req, "id", vals, BULK_MAX);
	for (i = 0; i < nv; i++) {
		id = strtoll(vals[i], &end, 10);
		if (id <= 0 || *end != '\0') {
			free(vals);
			dash_text(req, 400, "提出先の指定が正しくありません");
			return -1;
		}
		ids->v[ids->n++] = id;
	}
	free(vals);
	if (all != NULL && strcmp(all, "1") == 0 && uid != NULL) {
		memset(&df, 0, sizeof df);
		dash_task_filter(d, &df, &f);
		f.uid = uid;
		f.unfinished = 1;
		if (store_task_rows(d->k->store, &f, 0, open_id_add, ids) ==
		    -1) {
			dash_text(req, 500, MSG_DB);
			return -1;
		}
	}
	return 0;
}

/* Every task must be of a cycle the viewer coordinates. */
static int
bulk_scope_ok(struct dash_req *d, const struct open_ids *ids)
{
	struct task	 t;
	size_t		 i;
	int		 ok = 1;

	for (i = 0; i < ids->n && ok; i++) {
		if (store_task_get(d->k->store, ids->v[i], &t) != 0)
			continue;	/* counted as not found */
		ok = dash_can_write(d, t.cycle);
		task_free(&t);
	}
	return ok;
}

/* POST /dash/bulk: one change to the checked tasks, audited per task. */
void
dash_bulk(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct dash_req		 d;
	struct task_change	 tc = { TASK_DONE, { NULL, VIA_DASHBOARD, NULL },
		NULL, NULL };
	struct task_many	 out;
	struct open_ids		 ids = { NULL, 0 };
	const char		*uid = http_form(req, "uid");
	char			*note = NULL, *cause = NULL, q[64];

	if (dash_session(req, k, &d) == -1)
		return;
	if (d.ai.role < AUTH_COORDINATOR) {
		dash_text(req, 403, "担当者か管理者だけができる操作です");
		return;
	}
	if (!dash_csrf_ok(req, &d)) {
		dash_text(req, 403, MSG_CSRF);
		return;
	}
	if (bulk_op(http_form(req, "op"), &tc.op) == -1) {
		dash_text(req, 400, "操作を選んでください");
		return;
	}
	if (tc.op == TASK_TRACK && d.ai.role != AUTH_ADMIN) {
		dash_text(req, 403, "対象外・過去分の追跡は管理者だけができます");
		return;
	}
	if (uid != NULL && *uid == '\0')
		uid = NULL;
	if (uid != NULL && deadline_for(req, &d, uid) == NULL)
		return;
	tc.actor.who = d.ai.name;
	tc.actor.note = note = form_note(req);
	/* Whose tasks first: a reason is asked only of who may give it. */
	if (bulk_ids(req, &d, uid, &ids) == -1)
		goto done;
	if (!bulk_scope_ok(&d, &ids)) {
		dash_text(req, 403, MSG_SCOPE);
		goto done;
	}
	if (tc.op == TASK_WAIVE && note == NULL) {
		dash_text(req, 422, "免除には理由（メモ）が必要です");
		goto done;
	}
	if (ids.n > 0 && tasks_change_many(k, ids.v, ids.n, &tc, koyomi_now(k),
	    &out, &cause) == -1) {
		dash_text(req, 500, cause != NULL ? cause : MSG_DB);
		free(cause);
		goto done;
	}
	if (ids.n == 0)
		memset(&out, 0, sizeof out);
	free(out.first_invalid);
	snprintf(q, sizeof q, "bulk=%zu&skipped=%zu", out.changed,
	    out.invalid + out.notfound);
	redirect_back(req, uid, q);
done:
	free(ids.v);
	free(note);
}

/* Each row's occurrence (borrowed, as home_note). */
static void
trows_note(struct koyomi *k, struct dash_trows *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		l->v[i].occ = koyomi_find_occ(k, l->v[i].uid);
}

static int
trow_cmp(const void *a, const void *b)
{
	const struct dash_trow	*x = a, *y = b;

	if (x->due != y->due)
		return x->due < y->due ? -1 : 1;
	return strcmp(x->uid, y->uid);
}

/* The organisation and its contacts: whose tasks its page shows. */
static size_t
org_assignees(const struct rules *r, const char *org, const char **v,
    size_t max)
{
	size_t	 i, n = 0;

	v[n++] = org;
	for (i = 0; r != NULL && i < r->ncontacts && n < max; i++)
		if (r->contacts[i].org != NULL &&
		    strcmp(r->contacts[i].org, org) == 0)
			v[n++] = r->contacts[i].id;
	return n;
}

#define ORG_MAX_ASSIGNEES	64

static void
org_csv(struct http_req *req, struct dash_req *d, const char **who,
    size_t nwho)
{
	struct task_filter	 f;
	struct dash_filter	 df;
	struct task		*all = NULL, *v;
	struct buf		 b;
	size_t			 i, n, nall = 0;

	memset(&df, 0, sizeof df);
	dash_task_filter(d, &df, &f);
	for (i = 0; i < nwho; i++) {
		f.assignee = who[i];
		if (store_tasks_list(d->k->store, &f, &v, &n) == -1) {
			tasks_free(all, nall);
			dash_text(req, 500, MSG_DB);
			return;
		}
		all = xreallocarray(all, nall + n + 1, sizeof *all);
		if (n > 0)
			memcpy(all + nall, v, n * sizeof *v);
		nall += n;
		free(v);	/* the rows moved into all */
	}
	tasks_note_occs(d->k, all, nall);
	buf_init(&b);
	tasks_render_csv(all, nall, f.now, &b);
	tasks_free(all, nall);
	http_add_header(req, "Content-Disposition",
	    "attachment; filename=\"organisation.csv\"");
	dash_send(req, 200, DASH_CSV, &b);
}

void
dash_org_get(struct http_req *req, struct koyomi *k)
{
	struct dash_req		 d;
	struct dash_ctx		 c;
	struct dash_filter	 df;
	struct task_filter	 f;
	struct trow_ctx		 x;
	struct buf		 b;
	const char		*org = http_query(req, "id");
	const char		*fmt = http_query(req, "format");
	const char		*who[ORG_MAX_ASSIGNEES];
	size_t			 i, nwho;

	if (dash_session(req, k, &d) == -1)
		return;
	if (org == NULL || *org == '\0') {
		dash_text(req, 404, "団体が指定されていません");
		return;
	}
	nwho = org_assignees(k->rules, org, who, ORG_MAX_ASSIGNEES);
	if (fmt != NULL && strcmp(fmt, "csv") == 0) {
		org_csv(req, &d, who, nwho);
		return;
	}
	memset(&df, 0, sizeof df);
	dash_task_filter(&d, &df, &f);
	memset(&x, 0, sizeof x);
	x.now = f.now;
	for (i = 0; i < nwho; i++) {
		f.assignee = who[i];
		if (store_task_rows(k->store, &f, 1, trow_add, &x) == -1) {
			dash_trows_free(&x.rows);
			dash_text(req, 500, MSG_DB);
			return;
		}
	}
	if (x.rows.n > 1)
		xqsort(x.rows.v, x.rows.n, sizeof *x.rows.v, trow_cmp);
	trows_note(k, &x.rows);
	dash_ctx_init(&d, &c);
	buf_init(&b);
	dash_render_org_page(&b, &c, org, &x.rows);
	dash_trows_free(&x.rows);
	dash_send(req, 200, DASH_HTML, &b);
}

/* An id in a file name: letters, digits, '-', '_' and '.' only. */
static void
file_part(struct buf *b, const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0' && n < 64; s++, n++)
		buf_putc(b, (*s >= 'a' && *s <= 'z') || (*s >= 'A' &&
		    *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		    *s == '_' || *s == '.' ? *s : '_');
}

/* GET /annual: 年間スケジュール; ?format=html is the file to attach. */
void
dash_annual(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct dash_req		 d;
	struct dash_ctx		 c;
	struct dash_annual	 a;
	struct buf		 b, name;
	const char		*s, *fmt = http_query(req, "format");

	if (dash_session(req, k, &d) == -1)
		return;
	memset(&a, 0, sizeof a);
	a.fy = koyomi_this_fy(k);
	if ((s = http_query(req, "fy")) != NULL && atoi(s) >= 2000 &&
	    atoi(s) <= 2100)
		a.fy = atoi(s);
	if ((s = http_query(req, "cycle")) != NULL && *s != '\0')
		a.cycle = s;
	if ((s = http_query(req, "feed")) != NULL && *s != '\0')
		a.feed = s;
	/* Like a deadline's page: a coordinator sees the cycles it runs. */
	if (a.cycle != NULL && !dash_can_read(&d, a.cycle)) {
		dash_text(req, 403, MSG_SCOPE);
		return;
	}
	a.standalone = fmt != NULL && strcmp(fmt, "html") == 0;
	dash_ctx_init(&d, &c);
	buf_init(&b);
	dash_render_annual(&b, &c, &a, &k->occs, d.scope, d.nscope);
	if (a.standalone) {
		buf_init(&name);
		buf_puts(&name, "attachment; filename=\"annual-");
		file_part(&name, a.cycle != NULL ? a.cycle : a.feed != NULL ?
		    a.feed : "all");
		buf_printf(&name, "-%d.html\"", a.fy);
		http_add_header(req, "Content-Disposition", name.data);
		buf_free(&name);
	}
	dash_send(req, 200, DASH_HTML, &b);
}
