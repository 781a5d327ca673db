/*
 * http.c — libmicrohttpd under the libev loop, and the router (http.h).
 *
 * MHD runs in external-epoll mode with no thread of its own: one ev_io
 * watches MHD's epoll fd, one ev_timer carries MHD's own timeout, and an
 * ev_prepare re-arms that timer before every sleep, because MHD adds
 * connections edge-triggered and buffered data raises no event. MHD_run
 * follows every wake-up. koyomi opens the listening socket itself so it
 * binds exactly the configured address.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <ev.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "calendars/log.h"
#include "calendars/util.h"
#include "daemon/codec/html.h"
#include "daemon/core/conf.h"
#include "daemon/http/http.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/metrics.h"

#define HTTP_MAX_HEADERS	32
#define HTTP_MAX_FORM		4096	/* fields of one form body */

/* A table row as the router uses it: the '*' taken off, lengths known. */
struct route {
	const struct http_route	*r;
	unsigned		 methods;	/* HEAD added to GET */
	size_t			 plen;
	int			 prefix;
};

struct counter {
	const char	*route;		/* borrowed from a route, or "none" */
	unsigned	 code;
	unsigned long	 n;
};

struct http {
	struct koyomi		*k;
	struct MHD_Daemon	*d;
	int			 listen_fd;
	int			 quiesced;
	unsigned		 inflight;	/* requests begun, not completed */
	struct http_req		*suspended;
	int			 resumed;	/* MHD_run due next turn */
	ev_io			 io;
	ev_timer		 timer;
	ev_prepare		 prepare;
	struct route		*routes;
	size_t			 nroutes;
	void			*route_arg;
	struct counter		*counters;
	size_t			 ncounters;
	size_t			 max_body;
};

struct http_req {
	struct http		*h;
	struct MHD_Connection	*conn;
	const char		*method;	/* MHD's, valid for the request */
	char			*path;
	const char		*suffix;
	struct buf		 body;
	int			 too_large;
	int			 answered;
	int			 suspended;	/* waiting for a later reply */
	struct MHD_Response	*pending;	/* that reply, queued on resume */
	unsigned		 pending_status;
	struct http_req		*snext;		/* http's suspended list */
	const char		*route;
	char			*hdr_names[HTTP_MAX_HEADERS];
	char			*hdr_vals[HTTP_MAX_HEADERS];
	size_t			 nhdrs;
	char			**form_keys, **form_vals;
	size_t			 nform;
	int			 form_parsed;
	char			 remote[64];
};

static void
count(struct http *h, const char *route, unsigned code)
{
	size_t	 i;

	for (i = 0; i < h->ncounters; i++)
		if (h->counters[i].code == code &&
		    strcmp(h->counters[i].route, route) == 0) {
			h->counters[i].n++;
			return;
		}
	h->counters = xreallocarray(h->counters, h->ncounters + 1,
	    sizeof *h->counters);
	h->counters[h->ncounters].route = route;
	h->counters[h->ncounters].code = code;
	h->counters[h->ncounters++].n = 1;
}

static void
http_metrics(struct koyomi *k, struct buf *b, void *arg)
{
	struct http	*h = arg;
	size_t		 i;

	(void)k;
	buf_puts(b, "# HELP koyomi_http_requests_total HTTP requests by route "
	    "and status code.\n# TYPE koyomi_http_requests_total counter\n");
	for (i = 0; i < h->ncounters; i++)
		buf_printf(b, "koyomi_http_requests_total{route=\"%s\","
		    "code=\"%u\"} %lu\n", h->counters[i].route,
		    h->counters[i].code, h->counters[i].n);
}

void
http_routes(struct http *h, const struct http_route *t, size_t n, void *arg)
{
	size_t	i, len;

	free(h->routes);
	h->routes = xreallocarray(NULL, n, sizeof *h->routes);
	h->nroutes = n;
	h->route_arg = arg;
	for (i = 0; i < n; i++) {
		len = strlen(t[i].pattern);
		h->routes[i].r = &t[i];
		h->routes[i].methods = t[i].methods |
		    ((t[i].methods & HTTP_GET) ? HTTP_HEAD : 0);
		h->routes[i].prefix = len > 0 && t[i].pattern[len - 1] == '*';
		h->routes[i].plen = h->routes[i].prefix ? len - 1 : len;
	}
}

const char *
http_role_name(enum http_role role)
{
	static const char *const names[] = { "public", "secret", "login",
	    "viewer", "coordinator", "admin" };

	return (size_t)role < nitems(names) ? names[role] : "?";
}

static unsigned
method_bit(const char *m)
{
	if (strcmp(m, "GET") == 0)
		return HTTP_GET;
	if (strcmp(m, "HEAD") == 0)
		return HTTP_HEAD;
	if (strcmp(m, "POST") == 0)
		return HTTP_POST;
	if (strcmp(m, "PUT") == 0)
		return HTTP_PUT;
	if (strcmp(m, "DELETE") == 0)
		return HTTP_DELETE;
	return 0;
}

/* How well r matches path: 0 not at all, else longer is better. */
static size_t
route_match(const struct route *r, const char *path)
{
	if (r->prefix)
		return strncmp(path, r->r->pattern, r->plen) == 0 ?
		    r->plen + 1 : 0;
	/* An exact match outranks every prefix. */
	return strcmp(path, r->r->pattern) == 0 ? (size_t)-1 : 0;
}

static void
allow_header(struct http_req *req, unsigned m)
{
	static const char *const names[] = { "GET", "HEAD", "POST", "PUT",
	    "DELETE" };
	struct buf	 allow;
	size_t		 i;

	buf_init(&allow);
	for (i = 0; i < nitems(names); i++)
		if (m & (1u << i))
			buf_printf(&allow, "%s%s", allow.len ? ", " : "",
			    names[i]);
	http_add_header(req, "Allow", allow.data ? allow.data : "");
	buf_free(&allow);
}

/* 1 when s holds a control character (DEL too: %00 decodes to it). */
static int
has_control(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 1;
	return 0;
}

static enum MHD_Result
query_check_cb(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	int	*bad = cls;

	(void)kind;
	if (has_control(key) || (value != NULL && has_control(value))) {
		*bad = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

static int
query_has_control(struct http_req *req)
{
	int	 bad = 0;

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND,
	    query_check_cb, &bad);
	return bad;
}

/*
 * 1 when a form body encodes a NUL (%00): the decoder would otherwise
 * cut the value there, as the path decoder refuses it. A form's raw
 * bytes are still encoded, so "%00" can only mean NUL.
 */
static int
form_has_nul(struct http_req *req)
{
	const char	*ct = http_header(req, "Content-Type"), *p;

	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded",
	    33) != 0 || req->body.data == NULL)
		return 0;
	for (p = req->body.data; (p = memchr(p, '%', req->body.len -
	    (size_t)(p - req->body.data))) != NULL; p++)
		if ((size_t)(p - req->body.data) + 2 < req->body.len &&
		    p[1] == '0' && p[2] == '0')
			return 1;
	return 0;
}

static void
dispatch(struct http_req *req)
{
	struct http		*h = req->h;
	const struct route	*best = NULL;
	unsigned		 m = method_bit(req->method), allowed = 0;
	size_t			 i, score, best_score = 0, best_any = 0;

	if (req->too_large) {
		req->route = "none";
		http_reply_json_error(req, 413, "request body too large");
		return;
	}
	if (has_control(req->path) || query_has_control(req)) {
		req->route = "none";
		http_reply_json_error(req, 400, "control character in the URL");
		return;
	}
	if (form_has_nul(req)) {
		req->route = "none";
		http_reply_json_error(req, 400, "NUL byte in the form");
		return;
	}
	/* The best match that takes the method; Allow lists the best's. */
	for (i = 0; i < h->nroutes; i++) {
		score = route_match(&h->routes[i], req->path);
		if (score == 0 || score < best_any)
			continue;
		if (score > best_any)
			allowed = 0;
		best_any = score;
		allowed |= h->routes[i].methods;
		if ((h->routes[i].methods & m) && score > best_score) {
			best = &h->routes[i];
			best_score = score;
		}
	}
	if (best != NULL && best_score == best_any) {
		req->route = best->r->name;
		req->suffix = req->path + best->plen;
		best->r->fn(req, h->route_arg);
		if (!req->answered && !req->suspended)
			http_reply_json_error(req, 500, "no response");
		return;
	}
	req->route = "none";
	if (allowed != 0) {
		allow_header(req, allowed);
		http_reply_json_error(req, 405, "method not allowed");
	} else
		http_reply_json_error(req, 404, "not found");
}

static int
declared_too_large(struct http_req *req)
{
	const char		*cl;
	char			*end;
	unsigned long long	 n;

	cl = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl == NULL)
		return 0;
	n = strtoull(cl, &end, 10);
	if (end == cl || n > req->h->max_body)
		req->too_large = 1;
	return req->too_large;
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req_cls)
{
	struct http		*h = cls;
	struct http_req		*req = *req_cls;
	const union MHD_ConnectionInfo *ci;

	(void)version;
	if (req == NULL) {
		req = xcalloc(1, sizeof *req);
		req->h = h;
		req->conn = conn;
		req->method = method;
		req->path = xstrdup(url);
		buf_init(&req->body);
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci != NULL && ci->client_addr != NULL) {
			const struct sockaddr *sa = ci->client_addr;

			if (sa->sa_family == AF_INET)
				inet_ntop(AF_INET, &((const struct sockaddr_in *)
				    (const void *)sa)->sin_addr, req->remote,
				    sizeof req->remote);
			else if (sa->sa_family == AF_INET6)
				inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
				    (const void *)sa)->sin6_addr, req->remote,
				    sizeof req->remote);
		}
		*req_cls = req;
		h->inflight++;
		/* Refuse a declared oversized body before reading any of it. */
		if (declared_too_large(req))
			dispatch(req);
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (req->answered)
			;	/* already refused: discard */
		else if (req->body.len + *upload_size > h->max_body)
			req->too_large = 1;
		else
			buf_append(&req->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->pending != NULL) {
		/* Resumed: MHD calls again, and now the reply can go. */
		MHD_queue_response(conn, req->pending_status, req->pending);
		MHD_destroy_response(req->pending);
		req->pending = NULL;
		return MHD_YES;
	}
	if (req->answered || req->suspended)
		return MHD_YES;
	dispatch(req);
	return MHD_YES;
}

static void
completed_cb(void *cls, struct MHD_Connection *conn, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http	*h = cls;
	struct http_req	*req = *req_cls;
	size_t		 i;

	(void)conn;
	(void)toe;
	if (req == NULL)
		return;
	h->inflight--;
	if (req->pending != NULL)
		MHD_destroy_response(req->pending);
	for (i = 0; i < req->nhdrs; i++) {
		free(req->hdr_names[i]);
		free(req->hdr_vals[i]);
	}
	for (i = 0; i < req->nform; i++) {
		free(req->form_keys[i]);
		free(req->form_vals[i]);
	}
	free(req->form_keys);
	free(req->form_vals);
	buf_free(&req->body);
	free(req->path);
	free(req);
	*req_cls = NULL;
}

/* MHD's own format strings: tell the compiler this is a vprintf. */
static void
mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char	 msg[512];
	size_t	 n;

	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("http: %s", msg);
}

static void
http_run(struct http *h)
{
	if (h->d != NULL)
		MHD_run(h->d);
}

static void
io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	http_run(w->data);
}

static void
timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	http_run(w->data);
}

/* Before every sleep: MHD's timeout, relative ms; MHD_NO = none. */
static void
prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct http		*h = w->data;
	MHD_UNSIGNED_LONG_LONG	 ms;

	(void)revents;
	ev_timer_stop(loop, &h->timer);
	if (h->d != NULL && h->resumed) {
		h->resumed = 0;
		ms = 0;
	} else if (h->d == NULL || MHD_get_timeout(h->d, &ms) != MHD_YES)
		return;
	ev_timer_set(&h->timer, ms / 1000.0, 0.);	/* not ms / 1000 */
	ev_timer_start(loop, &h->timer);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decoding of the path and query, as MHD does it, except that
 * %00 becomes DEL instead of a NUL that would cut "/feeds/a.ics%00.txt"
 * short to "/feeds/a.ics" before the router sees it: dispatch() refuses
 * every control character in the path and the query, DEL included.
 */
static size_t
unescape_cb(void *cls, struct MHD_Connection *conn, char *s)
{
	char	*r = s, *w = s;
	int	 hi, lo;

	(void)cls;
	(void)conn;
	while (*r != '\0') {
		if (r[0] == '%' && (hi = hexval(r[1])) >= 0 &&
		    (lo = hexval(r[2])) >= 0) {
			*w++ = (hi | lo) != 0 ? (char)(hi * 16 + lo) : 0x7f;
			r += 3;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

struct http *
http_start(struct koyomi *k, char **cause)
{
	struct http			*h;
	const union MHD_DaemonInfo	*info;

	h = xcalloc(1, sizeof *h);
	h->k = k;
	h->max_body = k->conf->max_body ? k->conf->max_body : 1 << 20;
	if ((h->listen_fd = http_listen_socket(k->conf->listen, cause)) == -1) {
		free(h);
		return NULL;
	}
	h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME, 0,
	    NULL, NULL, access_cb, h,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)h->listen_fd,
	    MHD_OPTION_NOTIFY_COMPLETED, completed_cb, h,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)(k->conf->conn_timeout ? k->conf->conn_timeout : 30),
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)(k->conf->max_connections ? k->conf->max_connections :
	    1024),
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)(k->conf->max_header ? k->conf->max_header : 16384) + 4096,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
	    /* The daemon ignores SIGPIPE: MHD may then use sendfile(2). */
	    MHD_OPTION_SIGPIPE_HANDLED_BY_APP, (int)1,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, h,
	    MHD_OPTION_END);
	if (h->d == NULL) {
		xasprintf(cause, "cannot start the HTTP server on %s",
		    k->conf->listen);
		close(h->listen_fd);
		free(h);
		return NULL;
	}
	if ((info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD)) ==
	    NULL) {
		xasprintf(cause, "libmicrohttpd has no epoll fd");
		MHD_stop_daemon(h->d);
		free(h);
		return NULL;
	}
	ev_io_init(&h->io, io_cb, info->listen_fd, EV_READ);	/* 0.9.75 */
	h->io.data = h;
	ev_init(&h->timer, timer_cb);
	h->timer.data = h;
	ev_prepare_init(&h->prepare, prepare_cb);
	h->prepare.data = h;
	ev_io_start(k->loop, &h->io);
	ev_prepare_start(k->loop, &h->prepare);
	metrics_register(k, http_metrics, h);
	return h;
}

/*
 * MHD stops accepting and hands the listening socket back; closing it at
 * once makes new clients fail fast (connection refused) instead of
 * waiting in the backlog of a server that will not answer.
 */
void
http_quiesce(struct http *h)
{
	if (h == NULL || h->d == NULL || h->quiesced)
		return;
	if (MHD_quiesce_daemon(h->d) != MHD_INVALID_SOCKET) {
		h->quiesced = 1;
		close(h->listen_fd);
		h->listen_fd = -1;
	}
}

unsigned
http_inflight(struct http *h)
{
	return h != NULL ? h->inflight : 0;
}

unsigned
http_port(struct http *h)
{
	return h != NULL ? http_socket_port(h->listen_fd) : 0;
}

void
http_stop(struct http *h)
{
	if (h == NULL)
		return;
	/* Answer what still waits, so MHD can close those connections. */
	while (h->suspended != NULL)
		http_reply_json_error(h->suspended, 503, "shutting down");
	/* libev must stop watching the fd before MHD closes it. */
	ev_io_stop(h->k->loop, &h->io);
	ev_timer_stop(h->k->loop, &h->timer);
	ev_prepare_stop(h->k->loop, &h->prepare);
	/* On 0.9.75 this also closes the listening socket unless quiesced. */
	MHD_stop_daemon(h->d);
	free(h->routes);
	free(h->counters);
	free(h);
}

struct koyomi *
http_koyomi(struct http_req *req)
{
	return req->h->k;
}

const char *
http_method(struct http_req *req)
{
	return req->method;
}

unsigned
http_method_bit(struct http_req *req)
{
	return method_bit(req->method);
}

const char *
http_path(struct http_req *req)
{
	return req->path;
}

const char *
http_suffix(struct http_req *req)
{
	return req->suffix != NULL ? req->suffix : "";
}

const char *
http_header(struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
http_query(struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	    name);
}

const char *
http_cookie(struct http_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const char *
http_body(struct http_req *req, size_t *len)
{
	if (len != NULL)
		*len = req->body.len;
	return req->body.data != NULL ? req->body.data : "";
}

const char *
http_remote(struct http_req *req)
{
	return req->remote;
}


/* Percent-decoding of one form component ('+' is a space). */
static char *
form_decode(const char *s, size_t n)
{
	struct buf	 b;
	size_t		 i;
	int		 hi, lo;

	buf_init(&b);
	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			buf_putc(&b, ' ');
		else if (s[i] == '%' && i + 2 < n &&
		    (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			buf_putc(&b, (char)(hi * 16 + lo));
			i += 2;
		} else
			buf_putc(&b, s[i]);
	}
	return buf_steal(&b);
}

static void
form_parse(struct http_req *req)
{
	const char	*p = http_body(req, NULL), *amp, *eq;
	size_t		 n;

	req->form_parsed = 1;
	/* Bounded: a bulk action's checkboxes, a few thousand at most. */
	while (*p != '\0' && req->nform < HTTP_MAX_FORM) {
		amp = strchr(p, '&');
		n = amp != NULL ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', n);
		req->form_keys = xreallocarray(req->form_keys, req->nform + 1,
		    sizeof *req->form_keys);
		req->form_vals = xreallocarray(req->form_vals, req->nform + 1,
		    sizeof *req->form_vals);
		req->form_keys[req->nform] = form_decode(p, eq ?
		    (size_t)(eq - p) : n);
		req->form_vals[req->nform++] = eq ? form_decode(eq + 1,
		    n - (size_t)(eq - p) - 1) : xstrdup("");
		if (amp == NULL)
			break;
		p = amp + 1;
	}
}

const char *
http_form(struct http_req *req, const char *name)
{
	size_t	 i;

	if (!req->form_parsed)
		form_parse(req);
	for (i = 0; i < req->nform; i++)
		if (strcmp(req->form_keys[i], name) == 0)
			return req->form_vals[i];
	return NULL;
}

size_t
http_form_all(struct http_req *req, const char *name, const char **out,
    size_t max)
{
	size_t	 i, n = 0;

	if (!req->form_parsed)
		form_parse(req);
	for (i = 0; i < req->nform && n < max; i++)
		if (strcmp(req->form_keys[i], name) == 0)
			out[n++] = req->form_vals[i];
	return n;
}

struct query_buf {
	struct buf	*b;
	int		 n;
};

static enum MHD_Result
query_string_cb(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct query_buf	*q = cls;

	(void)kind;
	if (q->n++ > 0)
		buf_putc(q->b, '&');
	html_urlencode(q->b, key);
	if (value != NULL) {
		buf_putc(q->b, '=');
		html_urlencode(q->b, value);
	}
	return MHD_YES;
}

void
http_query_string(struct http_req *req, struct buf *b)
{
	struct query_buf	 q = { b, 0 };

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND,
	    query_string_cb, &q);
}

void
http_add_header(struct http_req *req, const char *name, const char *value)
{
	if (req->nhdrs >= HTTP_MAX_HEADERS)
		return;
	req->hdr_names[req->nhdrs] = xstrdup(name);
	req->hdr_vals[req->nhdrs++] = xstrdup(value);
}

/*
 * MHD takes no response for a suspended connection: keep it, resume,
 * and access_cb queues it when MHD calls back. Without its own thread
 * 0.9.75 neither signals the resume on its epoll fd nor shortens
 * MHD_get_timeout for it, so prepare_cb runs MHD on the next turn.
 */
static void
unsuspend(struct http_req *req, unsigned status, struct MHD_Response *resp)
{
	struct http_req	**pp;

	for (pp = &req->h->suspended; *pp != NULL; pp = &(*pp)->snext)
		if (*pp == req) {
			*pp = req->snext;
			break;
		}
	req->suspended = 0;
	req->pending = resp;
	req->pending_status = status;
	MHD_resume_connection(req->conn);
	req->h->resumed = 1;
}

void
http_suspend(struct http_req *req)
{
	if (req->answered || req->suspended)
		return;
	req->suspended = 1;
	req->snext = req->h->suspended;
	req->h->suspended = req;
	MHD_suspend_connection(req->conn);
}

static void
queue(struct http_req *req, unsigned status, const char *ctype,
    struct MHD_Response *resp)
{
	size_t	 i;

	if (resp == NULL) {
		log_warnx("http: cannot create a response");
		return;
	}
	if (ctype != NULL)
		MHD_add_response_header(resp, "Content-Type", ctype);
	for (i = 0; i < req->nhdrs; i++)
		MHD_add_response_header(resp, req->hdr_names[i],
		    req->hdr_vals[i]);
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	req->answered = 1;
	if (req->suspended) {
		unsuspend(req, status, resp);
		count(req->h, req->route != NULL ? req->route : "none", status);
		return;
	}
	MHD_queue_response(req->conn, status, resp);
	MHD_destroy_response(resp);
	count(req->h, req->route != NULL ? req->route : "none", status);
}

void
http_reply(struct http_req *req, unsigned status, const char *ctype,
    const void *body, size_t len, enum http_mem mem)
{
	enum MHD_ResponseMemoryMode	 mode;

	if (req->answered) {
		if (mem == HTTP_MEM_FREE)
			free((void *)(uintptr_t)body);
		return;
	}
	mode = mem == HTTP_MEM_PERSISTENT ? MHD_RESPMEM_PERSISTENT :
	    mem == HTTP_MEM_FREE ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_MUST_COPY;
	queue(req, status, ctype, MHD_create_response_from_buffer(len,
	    (void *)(uintptr_t)body, mode));
}

void
http_reply_borrowed(struct http_req *req, unsigned status, const char *ctype,
    const void *body, size_t len, http_release release, void *arg)
{
	if (req->answered) {
		release(arg);
		return;
	}
	queue(req, status, ctype,
	    MHD_create_response_from_buffer_with_free_callback_cls(len,
	    (void *)(uintptr_t)body, release, arg));
}

/*
 * A body made while it is sent: the reader hands MHD what the last piece
 * left, and asks fill for the next one when it is used up. MHD asks
 * when the socket takes more, so a long answer goes out over many loop
 * turns with everything else running between them.
 */
struct stream {
	http_fill	 fill;
	http_release	 release;
	void		*arg;
	struct buf	 b;
	size_t		 off;		/* sent of b */
	int		 more;		/* fill not yet at its end */
};

/* Pieces that may come back empty in a row before the answer is cut. */
#define STREAM_EMPTY_MAX	64
/* What MHD asks of the reader at most (its write buffer bounds it too). */
#define STREAM_BLOCK		65536

static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream	*st = cls;
	size_t		 n;
	int		 i, rc;

	(void)pos;
	for (i = 0; st->off == st->b.len && i < STREAM_EMPTY_MAX; i++) {
		if (!st->more)
			return MHD_CONTENT_READER_END_OF_STREAM;
		st->b.len = 0;
		st->off = 0;
		if ((rc = st->fill(st->arg, &st->b)) == -1)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		st->more = rc == 1;
	}
	if (st->off == st->b.len) {
		log_warnx("http: a streamed answer made nothing %d times; "
		    "cut", STREAM_EMPTY_MAX);
		return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	n = st->b.len - st->off < max ? st->b.len - st->off : max;
	memcpy(out, st->b.data + st->off, n);
	st->off += n;
	return (ssize_t)n;
}

static void
stream_free(void *cls)
{
	struct stream	*st = cls;

	st->release(st->arg);
	buf_free(&st->b);
	free(st);
}

void
http_reply_stream(struct http_req *req, unsigned status, const char *ctype,
    http_fill fill, http_release release, void *arg)
{
	struct stream		*st;
	struct MHD_Response	*r;

	if (req->answered) {
		release(arg);
		return;
	}
	st = xcalloc(1, sizeof *st);
	st->fill = fill;
	st->release = release;
	st->arg = arg;
	st->more = 1;
	buf_init(&st->b);
	if ((r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    STREAM_BLOCK, stream_read, st, stream_free)) == NULL) {
		stream_free(st);
		log_warnx("http: cannot create a response");
		return;
	}
	queue(req, status, ctype, r);
}

/* The answers made once: MHD's responses under the router's name. */
static struct http_resp *
resp_wrap(struct MHD_Response *r, const char *ctype)
{
	if (r == NULL)
		return NULL;
	if (ctype != NULL)
		MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	return (struct http_resp *)(void *)r;
}

static struct MHD_Response *
resp_mhd(struct http_resp *r)
{
	return (struct MHD_Response *)(void *)r;
}

struct http_resp *
http_resp_new(const char *ctype, const void *body, size_t len,
    http_release release, void *arg)
{
	if (release == NULL)
		return resp_wrap(MHD_create_response_from_buffer(len,
		    (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT), ctype);
	return resp_wrap(MHD_create_response_from_buffer_with_free_callback_cls(
	    len, (void *)(uintptr_t)body, release, arg), ctype);
}

struct http_resp *
http_resp_fd(const char *ctype, int fd, size_t len)
{
	struct MHD_Response	*r;

	if ((r = MHD_create_response_from_fd(len, fd)) == NULL)
		close(fd);
	return resp_wrap(r, ctype);
}

void
http_resp_header(struct http_resp *r, const char *name, const char *value)
{
	MHD_add_response_header(resp_mhd(r), name, value);
}

void
http_resp_free(struct http_resp *r)
{
	if (r != NULL)
		MHD_destroy_response(resp_mhd(r));
}

void
http_reply_resp(struct http_req *req, unsigned status, struct http_resp *r)
{
	if (req->answered)
		return;
	if (req->suspended || r == NULL) {
		http_reply_json_error(req, 500, "no response");
		return;
	}
	req->answered = 1;
	/* MHD counts the request's hold: the maker's stays. */
	MHD_queue_response(req->conn, status, resp_mhd(r));
	count(req->h, req->route != NULL ? req->route : "none", status);
}

void
http_reply_json_error(struct http_req *req, unsigned status, const char *msg)
{
	struct buf	 b;

	buf_init(&b);
	buf_puts(&b, "{\"error\":");
	buf_json_string(&b, msg);
	buf_puts(&b, "}\n");
	http_reply(req, status, "application/json; charset=utf-8", b.data,
	    b.len, HTTP_MEM_FREE);
}
