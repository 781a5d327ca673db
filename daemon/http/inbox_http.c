/*
 * inbox_http.c — replies by mail on the dashboard (routes.c): the
 * coordinators' inbox page and their decisions on unmatched messages,
 * one stored file, a deadline's zip, and the files section of a
 * deadline's page (inbox_http.h).
 *
 * Who may see what: the cycle of a message is its task's (or the task
 * it suggests); a coordinator sees the messages of their cycles and
 * those with no cycle at all (a stranger's, or a reply to no task),
 * an admin everything, a viewer nothing of it: submissions can hold
 * personal data. Files are answered only as downloads (attachment,
 * nosniff, a sandboxing CSP), typed only when the type is a plain
 * office, PDF, image or archive type, never inline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "calendars/util.h"
#include "daemon/chase/chase_msg.h"
#include "daemon/chase/tasks.h"
#include "daemon/codec/html.h"
#include "daemon/core/auth.h"
#include "daemon/core/conf.h"
#include "daemon/core/koyomi.h"
#include "daemon/http/dash_inbox.h"
#include "daemon/http/dash_req.h"
#include "daemon/http/dash_view.h"
#include "daemon/http/http.h"
#include "daemon/http/inbox_http.h"
#include "daemon/http/routes.h"
#include "daemon/inbox/inbox.h"
#include "daemon/inbox/inbox_match.h"
#include "daemon/store/store_inbox.h"

#define INBOX_PAGE_ROWS	200

/* A coordinator's cycles, an admin's all; NULL: a message of no cycle. */
static int
may_cycle(const struct dash_req *d, const char *cycle)
{
	if (d->ai.role == AUTH_ADMIN)
		return 1;
	if (d->ai.role != AUTH_COORDINATOR)
		return 0;
	return cycle == NULL || *cycle == '\0' || auth_can_cycle(&d->ai,
	    cycle);
}

/* The session of a coordinator or admin; else answered (303 or 403). */
static int
coordinator(struct http_req *req, struct koyomi *k, struct dash_req *d)
{
	if (dash_session(req, k, d) == -1)
		return -1;
	if (d->ai.role < AUTH_COORDINATOR) {
		dash_text(req, 403, "受信メールは事務局（coordinator）と管理者"
		    "だけが見られます");
		return -1;
	}
	return 0;
}

/* Keeps the rows d may see; frees the others. */
static size_t
visible(const struct dash_req *d, struct inbox_row *v, size_t n)
{
	size_t	 i, m = 0;

	for (i = 0; i < n; i++) {
		if (may_cycle(d, v[i].cycle))
			v[m++] = v[i];
		else
			inbox_row_free(&v[i]);
	}
	return m;
}

struct inbox_lists {
	struct inbox_row	*v[3];
	size_t			 n[3];
	struct inbox_file_row	*files;
	size_t			 nfiles;
	struct mail_failure	*failing;
	size_t			 nfailing;
	struct dash_inbox_cand	*cands;		/* their tasks owned */
	size_t			 ncands;
};

static void
lists_free(struct inbox_lists *l)
{
	size_t	 i;

	for (i = 0; i < 3; i++)
		inbox_rows_free(l->v[i], l->n[i]);
	inbox_files_free(l->files, l->nfiles);
	mail_failures_free(l->failing, l->nfailing);
	for (i = 0; i < l->ncands; i++)
		task_free(&l->cands[i].task);
	free(l->cands);
}

/*
 * The tasks a reply to a digest may be for (inbox_row.candidates, ids
 * separated by spaces), those d may see and not cancelled, as buttons.
 */
static int
lists_candidates(struct koyomi *k, const struct dash_req *d,
    struct inbox_lists *l)
{
	const struct inbox_row	*m;
	struct task		 t;
	const char		*p;
	char			*end;
	long long		 id;
	size_t			 i, j;
	int			 rc;

	for (i = 0; i < l->n[0]; i++) {
		m = &l->v[0][i];
		for (p = m->candidates, j = 0; p != NULL && *p != '\0' &&
		    j < INBOX_CANDIDATES_MAX; p = end, j++) {
			id = strtoll(p, &end, 10);
			if (end == p || id <= 0)
				break;
			if ((rc = store_task_get(k->store, id, &t)) == -1)
				return -1;
			if (rc == 1)
				continue;
			if (t.cancelled || !may_cycle(d, t.cycle)) {
				task_free(&t);
				continue;
			}
			l->cands = xreallocarray(l->cands, l->ncands + 1,
			    sizeof *l->cands);
			l->cands[l->ncands].message = m->id;
			l->cands[l->ncands++].task = t;
		}
	}
	return 0;
}

/* The files of the unmatched messages shown. */
static int
lists_files(struct koyomi *k, struct inbox_lists *l)
{
	struct inbox_file_row	*f;
	size_t			 i, j, n;

	for (i = 0; i < l->n[0]; i++) {
		if (l->v[0][i].nfiles == 0)
			continue;
		if (store_inbox_files(k->store, NULL, l->v[0][i].id, &f,
		    &n) == -1)
			return -1;
		l->files = xreallocarray(l->files, l->nfiles + n + 1,
		    sizeof *l->files);
		for (j = 0; j < n; j++)
			l->files[l->nfiles++] = f[j];
		free(f);
	}
	return 0;
}

static int
lists_load(struct koyomi *k, const struct dash_req *d, struct inbox_lists *l)
{
	static const char *const un[] = { "unmatched" };
	static const char *const ma[] = { "auto", "bounce" };
	static const char *const re[] = { "applied", "received", "assigned",
		"duplicate", "dismissed" };
	static const char *const *const sets[] = { un, ma, re };
	static const size_t nsets[] = { nitems(un), nitems(ma), nitems(re) };
	size_t		 i;

	memset(l, 0, sizeof *l);
	for (i = 0; i < 3; i++) {
		if (store_inbox_list(k->store, sets[i], nsets[i],
		    INBOX_PAGE_ROWS, &l->v[i], &l->n[i]) == -1)
			return -1;
		l->n[i] = visible(d, l->v[i], l->n[i]);
	}
	if (lists_files(k, l) == -1 || lists_candidates(k, d, l) == -1 ||
	    store_mail_failures(k->store, &l->failing, &l->nfailing) == -1)
		return -1;
	return 0;
}

/* GET /inbox */
void
inbox_page(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct dash_req		 d;
	struct dash_ctx		 c;
	struct dash_inbox_page	 p = { 0 };
	struct inbox_lists	 l;
	struct buf		 b;

	if (coordinator(req, k, &d) == -1)
		return;
	if (lists_load(k, &d, &l) == -1) {
		lists_free(&l);
		dash_text(req, 500, "database error");
		return;
	}
	p.unmatched = l.v[0];
	p.nunmatched = l.n[0];
	p.machine = l.v[1];
	p.nmachine = l.n[1];
	p.recent = l.v[2];
	p.nrecent = l.n[2];
	p.files = l.files;
	p.nfiles = l.nfiles;
	p.cands = l.cands;
	p.ncands = l.ncands;
	p.failing = l.failing;
	p.nfailing = l.nfailing;
	p.configured = k->conf->inbound != NULL;
	p.address = k->conf->inbound_address;
	dash_ctx_init(&d, &c);
	buf_init(&b);
	dash_render_inbox(&b, &c, &p);
	lists_free(&l);
	dash_send(req, 200, DASH_HTML, &b);
}

/* assign: the task of the form, checked against the session's cycles. */
static void
message_assign(struct http_req *req, struct dash_req *d, int64_t id,
    const struct inbox_row *m)
{
	struct koyomi	*k = d->k;
	const char	*ts = http_form(req, "task"), *allow;
	struct task	 t;
	char		*end, *cause = NULL;
	long long	 task;
	int		 rc;

	task = ts != NULL ? strtoll(ts, &end, 10) : 0;
	if (ts == NULL || *end != '\0' || task <= 0 ||
	    store_task_get(k->store, task, &t) != 0) {
		dash_text(req, 422, "提出物番号が正しくありません");
		return;
	}
	if (!may_cycle(d, t.cycle)) {
		task_free(&t);
		dash_text(req, 403, "not your cycle");
		return;
	}
	/* An admin may let the sender answer for the assignee from now on. */
	allow = http_form(req, "allow");
	if (allow != NULL && strcmp(allow, "1") == 0 &&
	    d->ai.role == AUTH_ADMIN && m->sender != NULL &&
	    store_inbox_sender_add(k->store, t.assignee, m->sender,
	    d->ai.name, koyomi_now(k)) == -1) {
		task_free(&t);
		dash_text(req, 500, "database error");
		return;
	}
	task_free(&t);
	rc = inbox_assign(k, id, task, d->ai.name, &cause);
	if (rc == 0)
		dash_redirect(req, "/inbox");
	else
		dash_text(req, rc == 1 ? 422 : 500, cause != NULL ? cause :
		    "error");
	free(cause);
}

/* POST /inbox/messages/ID/assign|dismiss */
void
inbox_message_post(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct dash_req		 d;
	struct inbox_row	 m;
	char			*end, *cause = NULL;
	long long		 id;
	int			 rc;

	if (coordinator(req, k, &d) == -1)
		return;
	if (!dash_csrf_ok(req, &d)) {
		dash_text(req, 403, "forbidden");
		return;
	}
	id = strtoll(http_suffix(req), &end, 10);
	if (id <= 0 || (strcmp(end, "/assign") != 0 &&
	    strcmp(end, "/dismiss") != 0) ||
	    store_inbox_get(k->store, id, &m) != 0) {
		dash_text(req, 404, "no such message");
		return;
	}
	if (!may_cycle(&d, m.cycle)) {
		inbox_row_free(&m);
		dash_text(req, 403, "not your cycle");
		return;
	}
	if (strcmp(end, "/assign") == 0)
		message_assign(req, &d, id, &m);
	else if ((rc = inbox_dismiss(k, id, d.ai.name, &cause)) == 0)
		dash_redirect(req, "/inbox");
	else
		dash_text(req, rc == 1 ? 422 : 500, cause);
	free(cause);
	inbox_row_free(&m);
}

/*
 * Content-Disposition: attachment with the UTF-8 name (RFC 6266, RFC
 * 8187) and, for old clients, an ASCII one: the name itself when it is
 * plain ASCII, else "file" and its extension.
 */
static void
disposition(struct http_req *req, const char *name)
{
	const char	*dot = strrchr(name, '.'), *p, *ascii = name;
	struct buf	 b;

	for (p = name; *p != '\0'; p++)
		if ((unsigned char)*p >= 0x80 || *p < 0x20 || *p == '"' ||
		    *p == '\\' || *p == '%' || *p == ';')
			ascii = NULL;
	buf_init(&b);
	buf_puts(&b, "attachment; filename=\"");
	if (ascii != NULL)
		buf_puts(&b, ascii);
	else {
		buf_puts(&b, "file");
		/* The extension's ASCII letters, digits and dot. */
		for (p = dot; p != NULL && *p != '\0' && p - dot < 16; p++)
			if ((unsigned char)*p < 0x80 && (*p == '.' ||
			    (*p >= '0' && *p <= '9') ||
			    ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z')))
				buf_putc(&b, *p);
	}
	buf_puts(&b, "\"; filename*=UTF-8''");
	html_urlencode(&b, name);
	http_add_header(req, "Content-Disposition", b.data);
	buf_free(&b);
}

static void
download_headers(struct http_req *req, const char *name)
{
	disposition(req, name);
	http_add_header(req, "X-Content-Type-Options", "nosniff");
	http_add_header(req, "Content-Security-Policy", "sandbox; "
	    "default-src 'none'");
	http_add_header(req, "Cache-Control", "no-store");
	http_add_header(req, "Referrer-Policy", "same-origin");
}

/* The recorded type when it is a plain document type, else bytes. */
static const char *
safe_type(const char *type)
{
	static const char *const ok[] = {
		"application/vnd.openxmlformats-officedocument."
		    "spreadsheetml.sheet",
		"application/vnd.openxmlformats-officedocument."
		    "wordprocessingml.document",
		"application/vnd.ms-excel", "application/msword",
		"application/pdf", "application/zip", "image/png",
		"image/jpeg", "text/csv",
	};
	size_t	 i;

	for (i = 0; type != NULL && i < nitems(ok); i++)
		if (strcasecmp(type, ok[i]) == 0)
			return ok[i];
	return "application/octet-stream";
}

/* GET /inbox/files/ID */
void
inbox_file_get(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct dash_req		 d;
	struct inbox_file_row	 f;
	struct buf		 b;
	char			*end, *cause = NULL;
	long long		 id;
	size_t			 len;

	if (coordinator(req, k, &d) == -1)
		return;
	id = strtoll(http_suffix(req), &end, 10);
	if (id <= 0 || *end != '\0' || store_inbox_file_get(k->store, id,
	    &f) != 0) {
		dash_text(req, 404, "no such file");
		return;
	}
	if (!may_cycle(&d, f.cycle) || !f.stored) {
		dash_text(req, f.stored ? 403 : 404, f.stored ?
		    "not your cycle" : "this file was over the size limit and "
		    "was not kept");
		inbox_file_free(&f);
		return;
	}
	buf_init(&b);
	if (inbox_file_read(k->conf, f.sha256, &b, &cause) == -1) {
		buf_free(&b);
		inbox_file_free(&f);
		dash_text(req, 500, cause);
		free(cause);
		return;
	}
	download_headers(req, f.name);
	len = b.len;
	http_reply(req, 200, safe_type(f.type), b.data != NULL ?
	    buf_steal(&b) : xstrdup(""), len, HTTP_MEM_FREE);
	inbox_file_free(&f);
}

/* GET /inbox/zip/UID: the zip of a deadline's submissions. */
void
inbox_zip_get(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct dash_req		 d;
	struct task_filter	 tf = { 0 };
	struct task		*v = NULL;
	struct buf		 b;
	char			*cause = NULL, *name, clean[INBOX_NAME_MAX + 1];
	size_t			 n = 0, len;
	int			 rc;

	if (coordinator(req, k, &d) == -1)
		return;
	tf.uid = http_suffix(req);
	tf.cancelled = 1;
	tf.now = koyomi_now(k);
	if (store_tasks_list(k->store, &tf, &v, &n) == -1 || n == 0) {
		tasks_free(v, n);
		dash_text(req, 404, "no such deadline");
		return;
	}
	if (!may_cycle(&d, v[0].cycle)) {
		tasks_free(v, n);
		dash_text(req, 403, "not your cycle");
		return;
	}
	buf_init(&b);
	if ((rc = inbox_zip(k, v[0].uid, &b, &cause)) != 0) {
		buf_free(&b);
		tasks_free(v, n);
		dash_text(req, rc == 1 ? 404 : 500, rc == 1 ?
		    "メールで提出されたファイルはまだありません" : cause);
		free(cause);
		return;
	}
	xasprintf(&name, "%s_%s.zip", v[0].title, v[0].due_day);
	download_headers(req, inbox_sanitise_name(name, clean, sizeof clean));
	free(name);
	tasks_free(v, n);
	len = b.len;
	http_reply(req, 200, "application/zip", buf_steal(&b), len,
	    HTTP_MEM_FREE);
}

/* Is addr one of the contacts' addresses of the tasks' assignees? */
static int
assignees_address(const struct rules *r, const struct task *v, size_t n,
    const char *addr)
{
	struct chase_rcpt	 rc[CHASE_MAX_RCPTS];
	size_t			 i, j, nr;

	for (i = 0; i < n; i++) {
		nr = chase_assignee_rcpts(r, v[i].assignee, rc,
		    CHASE_MAX_RCPTS);
		for (j = 0; j < nr; j++)
			if (strcasecmp(rc[j].mail, addr) == 0)
				return 1;
	}
	return 0;
}

void
inbox_http_deadline(struct dash_req *d, const char *uid,
    const struct task *v, size_t n, struct dash_inbox *di)
{
	struct koyomi		*k = d->k;
	struct inbox_file_row	*f = NULL;
	struct mail_failure	*mf = NULL;
	size_t			 nf = 0, nmf = 0, i, m = 0;

	memset(di, 0, sizeof *di);
	di->uid = uid;
	di->can_download = n > 0 && may_cycle(d, v[0].cycle);
	/* A viewer sees that files came, not whose or what. */
	if (di->can_download &&
	    store_inbox_files(k->store, uid, 0, &f, &nf) == 0) {
		di->files = f;
		di->nfiles = nf;
	}
	if (store_mail_failures(k->store, &mf, &nmf) == 0) {
		for (i = 0; i < nmf; i++) {
			if (assignees_address(k->rules, v, n, mf[i].address))
				mf[m++] = mf[i];
			else {
				free(mf[i].address);
				free(mf[i].error);
				free(mf[i].msgid);
			}
		}
		di->failing = mf;
		di->nfailing = m;
	}
}

void
inbox_http_done(struct dash_inbox *di)
{
	inbox_files_free((struct inbox_file_row *)di->files, di->nfiles);
	mail_failures_free((struct mail_failure *)di->failing, di->nfailing);
	memset(di, 0, sizeof *di);
}
