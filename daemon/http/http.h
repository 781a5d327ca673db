/*
 * http.h — the HTTP server: libmicrohttpd in external-epoll mode, driven by
 * the libev loop (one ev_io on MHD's epoll fd, one ev_timer from
 * MHD_get_timeout, MHD_run after every wake-up), and a small router.
 *
 * A handler runs once per request, after the whole body has arrived
 * (bodies over conf->max_body are answered 413 by the router), and must
 * answer with exactly one http_reply*() before it returns, or call
 * http_suspend() and answer later from another loop callback (req stays
 * valid until that reply; at shutdown the router answers it 503). Handlers
 * never block. Unknown paths get 404 JSON; a known path with a method it does
 * not take gets 405 with Allow. HEAD is answered from the GET handler
 * (MHD sends no body).
 */
#ifndef KOYOMI_HTTP_H
#define KOYOMI_HTTP_H

#include <stddef.h>

struct buf;
struct koyomi;
struct http;
struct http_req;

#define HTTP_GET	0x01
#define HTTP_HEAD	0x02
#define HTTP_POST	0x04
#define HTTP_PUT	0x08
#define HTTP_DELETE	0x10

enum http_mem {
	HTTP_MEM_PERSISTENT,	/* body outlives the response */
	HTTP_MEM_COPY,		/* copied now */
	HTTP_MEM_FREE,		/* malloc'd; freed when sent */
};

typedef void	(*http_handler)(struct http_req *, void *arg);
typedef void	(*http_release)(void *arg);

struct http	*http_start(struct koyomi *, char **cause);
void		 http_stop(struct http *);
/* Stop accepting new connections (shutdown); in-flight ones finish. */
void		 http_quiesce(struct http *);
/* Requests begun and not yet completed (idle keep-alives are not). */
unsigned	 http_inflight(struct http *);
/* The bound TCP port (useful with "127.0.0.1:0" in tests). */
unsigned	 http_port(struct http *);
/* http_sock.c: a bound, listening, non-blocking socket, or -1 + cause. */
int		 http_listen_socket(const char *spec, char **cause);
unsigned	 http_socket_port(int fd);
/*
 * The role a route needs, as the route table states it (routes.c); for a
 * row of several methods, the least of them (the handler asks more of a
 * write). The handler checks it (auth_bearer, the dashboard's session);
 * the table is what a reader, the docs and the authorisation tests
 * (tests/integration/security_matrix.py) go by.
 */
enum http_role {
	HTTP_ROLE_PUBLIC,	/* anyone */
	HTTP_ROLE_SECRET,	/* whoever holds the secret in the URL */
	HTTP_ROLE_LOGIN,	/* a dashboard session of any role */
	HTTP_ROLE_VIEWER,	/* a token or session, viewer or above */
	HTTP_ROLE_COORDINATOR,	/* coordinator (of the cycle) or admin */
	HTTP_ROLE_ADMIN,
};

/*
 * One row of a route table. pattern: an exact path ("/healthz") or a
 * prefix ending in '*' ("/feeds/" and a star). An exact match wins over
 * a prefix, and a longer prefix over a shorter one, whatever the order;
 * a table is kept sorted by pattern for its reader. name labels the
 * route in metrics.
 */
struct http_route {
	const char	*pattern;
	unsigned	 methods;
	enum http_role	 role;
	const char	*name;
	http_handler	 fn;
};

/*
 * Installs the route table (borrowed: it must outlive the server); every
 * handler gets arg. Once, before the first request.
 */
void		 http_routes(struct http *, const struct http_route *, size_t n,
		    void *arg);
const char	*http_role_name(enum http_role);
/* The daemon's table (routes.c), sorted by pattern. */
extern const struct http_route	http_route_table[];
extern const size_t		http_nroutes;
/* Installs http_route_table on k->http with k as every handler's arg. */
void		 http_routes_install(struct koyomi *);

struct koyomi	*http_koyomi(struct http_req *);
const char	*http_method(struct http_req *);
unsigned	 http_method_bit(struct http_req *);
const char	*http_path(struct http_req *);
const char	*http_suffix(struct http_req *);	/* what '*' matched */
const char	*http_header(struct http_req *, const char *);
const char	*http_query(struct http_req *, const char *);
const char	*http_cookie(struct http_req *, const char *);
/* The request body (NUL-terminated copy), len may be NULL. */
const char	*http_body(struct http_req *, size_t *len);
/* Form field from an application/x-www-form-urlencoded body, decoded. */
const char	*http_form(struct http_req *, const char *);
/* Every value of a repeated form field (checkboxes), up to max; the count. */
size_t		 http_form_all(struct http_req *, const char *,
		    const char **out, size_t max);
/* The query as sent, re-encoded ("a=1&b=x%20y"); nothing when none. */
void		 http_query_string(struct http_req *, struct buf *);
const char	*http_remote(struct http_req *);

/* Answer later: see the top of this file. */
void		 http_suspend(struct http_req *);
/* Adds a response header; call before http_reply*. */
void		 http_add_header(struct http_req *, const char *, const char *);
void		 http_reply(struct http_req *, unsigned status,
		    const char *content_type, const void *, size_t,
		    enum http_mem);
/* A body borrowed from a refcounted owner: release(arg) when sent. */
void		 http_reply_borrowed(struct http_req *, unsigned status,
		    const char *content_type, const void *, size_t,
		    http_release, void *arg);
/*
 * A body made a piece at a time while it is sent (exports too large to
 * build at once): fill(arg, b) appends the next piece to b and returns
 * 1, or 0 when that was the last (b may be empty then), or -1 to cut
 * the answer short (the client sees the chunked body end without its
 * last chunk). MHD asks for a piece when the socket takes more, so the
 * pieces go out over many loop turns. release(arg) once the answer is
 * sent or abandoned (also when it could not be queued). Headers as for
 * http_reply.
 */
typedef int	(*http_fill)(void *arg, struct buf *);
void		 http_reply_stream(struct http_req *, unsigned status,
		    const char *content_type, http_fill, http_release,
		    void *arg);
/*
 * Responses made once and sent to many requests (feeds_http.c): its
 * headers (Content-Type, those added with http_resp_header, and
 * X-Content-Type-Options) are the same for every request, and nothing
 * is allocated per request. The body is borrowed (release(arg) once the
 * response is freed and no request sends it any more), or from fd, which
 * the response takes over (sendfile(2)). http_resp_free drops the
 * maker's hold; requests in flight keep theirs. http_reply_resp answers
 * a request that was not suspended, and adds no http_add_header header.
 */
struct http_resp;
struct http_resp *http_resp_new(const char *content_type, const void *,
		    size_t, http_release, void *arg);
struct http_resp *http_resp_fd(const char *content_type, int fd, size_t);
void		 http_resp_header(struct http_resp *, const char *,
		    const char *);
void		 http_resp_free(struct http_resp *);
void		 http_reply_resp(struct http_req *, unsigned status,
		    struct http_resp *);
/* {"error":"msg"} with the status. */
void		 http_reply_json_error(struct http_req *, unsigned status,
		    const char *msg);

#endif
