/*
 * feeds_http.c — GET/HEAD /feeds/NAME.ics and /feeds/private/TOKEN.ics
 * (design §6). The feeds module itself starts in feeds/feeds.c.
 *
 * A request never builds, compresses or copies: it looks an entry up,
 * answers 304 when the client's validators match, and otherwise hands
 * MHD the cached bytes (identity or gzip) with a reference on the entry
 * that MHD drops when the response is done, so a rebuild in between
 * cannot free bytes still being sent. The path is only ever compared
 * with names in memory: nothing here touches the filesystem, and a name
 * outside [A-Za-z0-9._-] is answered 404 before any lookup.
 *
 * Bodies go out from memory, not with sendfile(2): MHD corks the socket
 * around each 128 KB sendfile chunk, and on loopback that halved the
 * throughput of a 500 KB feed against nginx (0.45-0.59x) where a plain
 * write of the buffer reaches 0.95-1.2x (bench/README.md, "Feeds").
 */
#include <stdlib.h>
#include <string.h>

#include "calendars/log.h"
#include "daemon/feeds/feeds.h"
#include "daemon/http/http.h"
#include "daemon/http/routes.h"
#include "daemon/core/koyomi.h"

#define FEEDS_CTYPE		"text/calendar; charset=utf-8"
/* Public feeds may sit in shared caches; private ones only in the client's. */
#define FEEDS_CC_PUBLIC		"public, max-age=900"
#define FEEDS_CC_PRIVATE	"private, max-age=900"
#define FEEDS_PRIVATE_PREFIX	"private/"

static void
feeds_release(void *arg)
{
	feed_entry_unref(arg);
}

/* "NAME.ics" → NAME in out (len), or -1 when the shape is wrong. */
static int
feeds_strip(const char *s, char *out, size_t len)
{
	size_t	n = strlen(s);

	if (n <= 4 || n - 4 >= len || strcmp(s + n - 4, ".ics") != 0)
		return -1;
	if (!feeds_name_ok(s, n - 4))
		return -1;
	memcpy(out, s, n - 4);
	out[n - 4] = '\0';
	return 0;
}

static void
feeds_serve(struct http_req *req, struct feed_entry *e, int private)
{
	enum feeds_coding	 cod;
	int			 gz;

	cod = feeds_choose_coding(http_header(req, "Accept-Encoding"));
	if (cod == FEEDS_NONE) {
		http_add_header(req, "Vary", "Accept-Encoding");
		http_reply_json_error(req, 406, "neither identity nor gzip is "
		    "acceptable");
		return;
	}
	gz = cod == FEEDS_GZIP;
	/* Every answer, 304 included, names its representation. */
	http_add_header(req, "ETag", gz ? e->etag_gz : e->etag);
	http_add_header(req, "Last-Modified", e->lastmod);
	http_add_header(req, "Cache-Control", private ? FEEDS_CC_PRIVATE :
	    FEEDS_CC_PUBLIC);
	http_add_header(req, "Vary", "Accept-Encoding");
	if (feeds_not_modified(e, http_header(req, "If-None-Match"),
	    http_header(req, "If-Modified-Since"))) {
		http_reply(req, 304, NULL, "", 0, HTTP_MEM_PERSISTENT);
		return;
	}
	if (gz)
		http_add_header(req, "Content-Encoding", "gzip");
	feed_entry_ref(e);
	http_reply_borrowed(req, 200, FEEDS_CTYPE, gz ? e->gz : e->body,
	    gz ? e->gzlen : e->len, feeds_release, e);
}

void
feeds_handler(struct http_req *req, void *arg)
{
	struct koyomi		*k = arg;
	struct feed_entry	*e = NULL;
	const char		*suffix = http_suffix(req);
	char			 name[160];
	int			 private = 0;

	if (strncmp(suffix, FEEDS_PRIVATE_PREFIX,
	    strlen(FEEDS_PRIVATE_PREFIX)) == 0) {
		private = 1;
		suffix += strlen(FEEDS_PRIVATE_PREFIX);
	}
	if (feeds_strip(suffix, name, sizeof(name)) == 0)
		e = private ? feeds_private(k, name) : feeds_public(k, name);
	/* A wrong token looks exactly like an unknown feed: 404, not 403. */
	if (e == NULL) {
		http_reply_json_error(req, 404, "unknown feed");
		return;
	}
	feeds_serve(req, e, private);
}
