/*
 * http_test.c — the HTTP server for real: libmicrohttpd on an ephemeral
 * loopback port driven by a libev loop, and a forked libcurl client. The
 * client writes one line per request ("status|header|body") into a pipe;
 * the parent serves until the client exits, then checks the lines:
 * routing (exact, prefix with suffix, first match wins), query, header,
 * cookie, form and body access, 404 JSON, 405 with Allow, 413, HEAD from
 * GET, a handler that forgets to answer, one that suspends and answers
 * from a timer, and per-route counters.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <ev.h>

#include "calendars/util.h"
#include "daemon/core/conf.h"
#include "daemon/http/http.h"
#include "daemon/core/koyomi.h"
#include "daemon/core/metrics.h"

struct reply {
	char	 line[2048];
	size_t	 len;
	char	 hdr[256];
};

static void
h_hello(struct http_req *req, void *arg)
{
	(void)arg;
	http_add_header(req, "X-Test", "yes");
	http_reply(req, 200, "text/plain", "hello", 5, HTTP_MEM_PERSISTENT);
}

/* Echoes what the router handed over, after the name of its route. */
static void
h_echo(struct http_req *req, const char *name)
{
	const char	*q = http_query(req, "q"), *h = http_header(req, "X-In");
	const char	*c = http_cookie(req, "sid"), *fm = http_form(req, "f");
	char		*out;
	size_t		 n;

	xasprintf(&out, "%s %s %s q=%s h=%s c=%s f=%s body=%s remote=%s",
	    name, http_method(req), http_suffix(req),
	    q ? q : "-", h ? h : "-", c ? c : "-", fm ? fm : "-",
	    http_body(req, &n), http_remote(req));
	http_reply(req, 200, "text/plain", out, strlen(out), HTTP_MEM_FREE);
}

static void
h_echo_p(struct http_req *req, void *arg)
{
	(void)arg;
	h_echo(req, "P");
}

static void
h_echo_p2(struct http_req *req, void *arg)
{
	(void)arg;
	h_echo(req, "P2");
}

static void
h_silent(struct http_req *req, void *arg)
{
	(void)req;
	(void)arg;
}

/* Answers 100 ms later from a timer: suspend and resume. */
struct later {
	struct http_req	*req;
	ev_timer	 t;
};

static void
later_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct later	*l = w->data;

	(void)loop;
	(void)revents;
	http_reply(l->req, 202, "text/plain", "later", 5, HTTP_MEM_PERSISTENT);
	free(l);
}

static void
h_later(struct http_req *req, void *arg)
{
	struct later	*l = calloc(1, sizeof *l);

	(void)arg;
	l->req = req;
	ev_timer_init(&l->t, later_cb, 0.1, 0.);
	l->t.data = l;
	ev_timer_start(http_koyomi(req)->loop, &l->t);
	http_suspend(req);
}

/* Suspends and never answers: http_stop must answer it and free it. */
static void
h_never(struct http_req *req, void *arg)
{
	(void)arg;
	http_suspend(req);
}

static size_t
on_body(char *p, size_t sz, size_t n, void *arg)
{
	struct reply	*r = arg;
	size_t		 len = sz * n, room = sizeof r->line - 1 - r->len;

	memcpy(r->line + r->len, p, len < room ? len : room);
	r->len += len < room ? len : room;
	return len;
}

static size_t
on_header(char *p, size_t sz, size_t n, void *arg)
{
	struct reply	*r = arg;
	size_t		 len = sz * n;

	if (len > 7 && (strncasecmp(p, "Allow: ", 7) == 0 ||
	    strncasecmp(p, "X-Test:", 7) == 0 ||
	    strncasecmp(p, "Content-Length:", 15) == 0))
		snprintf(r->hdr + strlen(r->hdr), sizeof r->hdr -
		    strlen(r->hdr), "%.*s;", (int)(len - 2), p);
	return len;
}

/* The client side, in the child: one line per request into fd. */
static void
one(int fd, unsigned port, const char *method, const char *path,
    const char *body, const char *header)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*hl = NULL;
	struct reply		 r;
	char			 url[4096];
	long			 code = 0;

	memset(&r, 0, sizeof r);
	snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	if (header != NULL)
		hl = curl_slist_append(hl, header);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 1500L);
	curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	while (r.len > 0 && r.line[r.len - 1] == '\n')	/* JSON ends in one */
		r.len--;
	dprintf(fd, "%ld|%s|%.*s\n", code, r.hdr, (int)r.len, r.line);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
}

static void
client(int fd, unsigned port)
{
	char	*big = malloc(3000);

	memset(big, 'x', 2999);
	big[2999] = '\0';
	one(fd, port, "GET", "/hello", NULL, NULL);
	one(fd, port, "GET", "/p/a/b?q=%E6%9A%A6", NULL, "X-In: in");
	one(fd, port, "POST", "/p/form", "f=a+b%26c&g=1",
	    "Content-Type: application/x-www-form-urlencoded");
	one(fd, port, "GET", "/p/", NULL, "Cookie: a=1; sid=s2");
	one(fd, port, "GET", "/pp", NULL, NULL);
	one(fd, port, "GET", "/nothing", NULL, NULL);
	one(fd, port, "DELETE", "/hello", NULL, NULL);
	one(fd, port, "POST", "/p/x", big, NULL);
	one(fd, port, "HEAD", "/hello", NULL, NULL);
	one(fd, port, "GET", "/silent", NULL, NULL);
	one(fd, port, "GET", "/p2/z", NULL, NULL);
	one(fd, port, "GET", "/later", NULL, NULL);
	/* %00 is refused in the path, the query and a form, alike. */
	one(fd, port, "GET", "/p/a.ics%00.txt", NULL, NULL);
	one(fd, port, "GET", "/p/a?q=x%00y", NULL, NULL);
	one(fd, port, "POST", "/p/form", "f=a%00b",
	    "Content-Type: application/x-www-form-urlencoded");
	one(fd, port, "GET", "/p/a%0d%0aX:y", NULL, NULL);
	/* An escaped percent sign is no NUL. */
	one(fd, port, "GET", "/p/%2500", NULL, NULL);
	one(fd, port, "POST", "/p/form", "f=100%2500",
	    "Content-Type: application/x-www-form-urlencoded");
	one(fd, port, "GET", "/never", NULL, NULL);	/* times out */
	free(big);
}

struct run {
	struct koyomi	 k;
	struct conf	 conf;
	ev_child	 child;
	FILE		*in;
	char		 lines[24][2048];
	int		 n;
};

static void
child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	(void)revents;
	ev_child_stop(loop, w);
	ev_break(loop, EVBREAK_ALL);
}

/*
 * The shorter prefix comes first on purpose: the longer prefix wins
 * whatever the order.
 */
static const struct http_route test_routes[] = {
	{ "/hello", HTTP_GET, HTTP_ROLE_PUBLIC, "hello", h_hello },
	{ "/never", HTTP_GET, HTTP_ROLE_PUBLIC, "never", h_never },
	{ "/later", HTTP_GET, HTTP_ROLE_PUBLIC, "later", h_later },
	{ "/p*", HTTP_GET, HTTP_ROLE_PUBLIC, "p2", h_echo_p2 },
	{ "/p/*", HTTP_GET | HTTP_POST, HTTP_ROLE_PUBLIC, "p", h_echo_p },
	{ "/silent", HTTP_GET, HTTP_ROLE_PUBLIC, "silent", h_silent },
};

static void
test_router(void **state)
{
	struct run	*r = calloc(1, sizeof *r);
	struct buf	 m;
	char		*cause = NULL;
	int		 p[2];
	pid_t		 pid;
	unsigned	 port;

	(void)state;
	r->conf.listen = xstrdup("127.0.0.1:0");
	r->conf.max_body = 1000;
	r->conf.conn_timeout = 5;
	r->k.conf = &r->conf;
	r->k.loop = ev_default_loop(0);
	r->k.metrics = metrics_start(&r->k);
	r->k.http = http_start(&r->k, &cause);
	assert_non_null(r->k.http);
	port = http_port(r->k.http);
	assert_true(port > 0);
	http_routes(r->k.http, test_routes, nitems(test_routes), NULL);

	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		close(p[0]);
		curl_global_init(CURL_GLOBAL_DEFAULT);
		client(p[1], port);
		_exit(0);
	}
	close(p[1]);
	ev_child_init(&r->child, child_cb, pid, 0);
	ev_child_start(r->k.loop, &r->child);
	ev_run(r->k.loop, 0);
	assert_int_equal(WEXITSTATUS(r->child.rstatus), 0);
	r->in = fdopen(p[0], "r");
	while (r->n < (int)nitems(r->lines) && fgets(r->lines[r->n], sizeof r->lines[0], r->in)) {
		r->lines[r->n][strcspn(r->lines[r->n], "\n")] = '\0';
		r->n++;
	}
	fclose(r->in);
	assert_int_equal(r->n, 19);
	assert_string_equal(r->lines[0],
	    "200|X-Test: yes;Content-Length: 5;|hello");
	assert_string_equal(r->lines[1], "200|Content-Length: 51;|P GET a/b "
	    "q=暦 h=in c=- f=- body= remote=127.0.0.1");
	assert_non_null(strstr(r->lines[2], "|P POST form q=- h=- c=- "
	    "f=a b&c body=f=a+b%26c&g=1 "));
	assert_non_null(strstr(r->lines[3], "|P GET  q=- h=- c=s2 "));
	/* The prefix "/p" matches "/pp"; the prefix "/p/" does not. */
	assert_non_null(strstr(r->lines[4], "|P2 GET p "));
	assert_string_equal(r->lines[5], "404|Content-Length: 22;|"
	    "{\"error\":\"not found\"}");
	assert_string_equal(r->lines[6], "405|Allow: GET, HEAD;"
	    "Content-Length: 31;|{\"error\":\"method not allowed\"}");
	assert_non_null(strstr(r->lines[7], "413|"));
	assert_non_null(strstr(r->lines[7], "request body too large"));
	/* HEAD: the GET's headers, no body. */
	assert_string_equal(r->lines[8], "200|X-Test: yes;Content-Length: 5;|");
	assert_non_null(strstr(r->lines[9], "500|"));
	assert_non_null(strstr(r->lines[10], "|P2 GET 2/z "));
	assert_string_equal(r->lines[11], "202|Content-Length: 5;|later");
	assert_non_null(strstr(r->lines[12], "400|"));
	assert_non_null(strstr(r->lines[12], "control character"));
	assert_non_null(strstr(r->lines[13], "400|"));
	assert_non_null(strstr(r->lines[14], "400|"));
	assert_non_null(strstr(r->lines[14], "NUL byte"));
	assert_non_null(strstr(r->lines[15], "400|"));
	assert_non_null(strstr(r->lines[16], "|P GET %00 "));
	assert_non_null(strstr(r->lines[17], "|P POST form q=- h=- c=- "
	    "f=100%00 "));
	assert_string_equal(r->lines[18], "0||");

	buf_init(&m);
	metrics_render(&r->k, &m);
	assert_non_null(strstr(m.data, "koyomi_http_requests_total{route="
	    "\"hello\",code=\"200\"} 2\n"));
	assert_non_null(strstr(m.data, "{route=\"none\",code=\"404\"} 1\n"));
	assert_non_null(strstr(m.data, "{route=\"none\",code=\"405\"} 1\n"));
	assert_non_null(strstr(m.data, "{route=\"none\",code=\"400\"} 4\n"));
	assert_non_null(strstr(m.data, "{route=\"p\",code=\"200\"} 5\n"));
	assert_non_null(strstr(m.data, "{route=\"silent\",code=\"500\"} 1\n"));
	assert_non_null(strstr(m.data, "{route=\"later\",code=\"202\"} 1\n"));
	buf_free(&m);
	assert_int_equal(http_inflight(r->k.http), 1);	/* /never */

	http_stop(r->k.http);
	metrics_stop(r->k.metrics);
	free(r->k.hooks);
	free(r->conf.listen);
	ev_loop_destroy(r->k.loop);
	free(r);
}

/*
 * The daemon's table: sorted by pattern (then methods) so a reader can
 * scan it, no pattern and method twice, every row named and with a
 * handler and a role.
 */
static void
test_route_table(void **state)
{
	size_t	 i;
	int	 c;

	(void)state;
	assert_true(http_nroutes > 10);
	for (i = 0; i < http_nroutes; i++) {
		assert_non_null(http_route_table[i].fn);
		assert_non_null(http_route_table[i].name);
		assert_true(http_route_table[i].methods != 0);
		assert_string_not_equal(http_role_name(
		    http_route_table[i].role), "?");
		if (i == 0)
			continue;
		c = strcmp(http_route_table[i - 1].pattern,
		    http_route_table[i].pattern);
		assert_true(c <= 0);
		if (c == 0)
			assert_int_equal(http_route_table[i - 1].methods &
			    http_route_table[i].methods, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_router),
		cmocka_unit_test(test_route_table),
	};

	/* As the daemon: http_start tells MHD that SIGPIPE is handled. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
